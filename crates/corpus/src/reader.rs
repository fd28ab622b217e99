//! Typed reading of a parsed TOML document that records every problem instead of stopping.
//!
//! `toml_edit` keeps the byte span of each key and value, so every problem gets the line of the
//! exact value at fault. Where a span is missing (implicit tables such as the `intent` of a
//! dotted key), the line of the nearest enclosing key or table stands in.

use std::ops::Range;
use std::path::Path;

use relais_nlu::Lang;
use toml_edit::{Item, TableLike, Value};

use crate::error::{CorpusError, ErrorKind};
use crate::location::{LineIndex, Location};

/// A value read from a file, with the line it was written on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sited<T> {
    pub(crate) value: T,
    pub(crate) line: usize,
}

/// Collects the problems of one file.
#[derive(Debug)]
pub(crate) struct Sink<'a> {
    file: &'a Path,
    lines: LineIndex<'a>,
    errors: Vec<CorpusError>,
}

impl<'a> Sink<'a> {
    /// A sink for the problems of `file`, whose content is `text`.
    pub(crate) fn new(file: &'a Path, text: &'a str) -> Self {
        Sink {
            file,
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    /// The line of `span`, or `fallback` when there is no span.
    fn line_of(&self, span: Option<Range<usize>>, fallback: usize) -> usize {
        span.map_or(fallback, |span| self.lines.position(span.start).line)
    }

    /// Records a problem at the start of `span` (with its column), or at line `fallback`.
    pub(crate) fn at_span(&mut self, span: Option<Range<usize>>, fallback: usize, kind: ErrorKind) {
        let (line, column) = match span {
            Some(span) => {
                let position = self.lines.position(span.start);
                (position.line, Some(position.column))
            }
            None => (fallback, None),
        };
        self.errors.push(CorpusError {
            file: self.file.to_path_buf(),
            line: Some(line),
            column,
            kind,
        });
    }

    /// Records a problem at `line`.
    pub(crate) fn at_line(&mut self, line: usize, kind: ErrorKind) {
        self.errors
            .push(CorpusError::at(&self.location(line), kind));
    }

    /// Records a TOML syntax error.
    pub(crate) fn syntax(&mut self, error: &toml_edit::TomlError) {
        let message = error
            .message()
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(", ");
        self.at_span(error.span(), 1, ErrorKind::Syntax(message));
    }

    /// `line` of this sink's file.
    pub(crate) fn location(&self, line: usize) -> Location {
        Location {
            file: self.file.to_path_buf(),
            line,
        }
    }

    /// How many problems have been recorded so far.
    pub(crate) fn error_count(&self) -> usize {
        self.errors.len()
    }

    /// The problems recorded.
    pub(crate) fn into_errors(self) -> Vec<CorpusError> {
        self.errors
    }
}

/// A table being read, knowing its line and how messages name it. Unknown keys are reported
/// when it is created, so reading a key never has to think about typos.
pub(crate) struct Fields<'d> {
    table: &'d dyn TableLike,
    /// Dotted path of the table (`""` for the root), prefixed to the keys in messages.
    path: String,
    /// How messages name the table, e.g. `[[intent]]`.
    name: String,
    line: usize,
}

impl<'d> Fields<'d> {
    /// The root table of a document; reports keys outside `allowed`.
    pub(crate) fn root(sink: &mut Sink<'_>, table: &'d dyn TableLike, allowed: &[&str]) -> Self {
        let fields = Fields {
            table,
            path: String::new(),
            name: "the file".to_string(),
            line: 1,
        };
        fields.reject_unknown(sink, allowed);
        fields
    }

    /// The line of the table's header, or of the key that introduced it.
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    fn reject_unknown(&self, sink: &mut Sink<'_>, allowed: &[&str]) {
        for (key, _) in self.table.iter() {
            if !allowed.contains(&key) {
                let span = self.table.key(key).and_then(|k| k.span());
                sink.at_span(
                    span,
                    self.line,
                    ErrorKind::UnknownKey {
                        key: key.to_string(),
                        table: self.name.clone(),
                        expected: allowed.join(", "),
                    },
                );
            }
        }
    }

    /// The value under `key`, if present.
    pub(crate) fn get(&self, sink: &Sink<'_>, key: &str) -> Option<Node<'d>> {
        let item = self.table.get(key)?;
        let key_span = self.table.key(key).and_then(|k| k.span());
        let key_line = sink.line_of(key_span, self.line);
        Some(Node {
            item,
            path: self.child_path(key),
            line: sink.line_of(item.span(), key_line),
        })
    }

    /// The value under `key`; reports it when missing.
    pub(crate) fn require(&self, sink: &mut Sink<'_>, key: &'static str) -> Option<Node<'d>> {
        let node = self.get(sink, key);
        if node.is_none() {
            sink.at_line(
                self.line,
                ErrorKind::MissingKey {
                    key,
                    table: self.name.clone(),
                },
            );
        }
        node
    }

    /// Every entry of a table whose keys are language codes; reports unknown codes.
    fn langs(&self, sink: &mut Sink<'_>) -> Vec<(Lang, Node<'d>)> {
        let mut entries = Vec::new();
        for (key, _) in self.table.iter() {
            let Some(node) = self.get(sink, key) else {
                continue;
            };
            match Lang::ALL.into_iter().find(|lang| lang.code() == key) {
                Some(lang) => entries.push((lang, node)),
                None => {
                    let span = self.table.key(key).and_then(|k| k.span());
                    sink.at_span(span, self.line, ErrorKind::UnknownLang(key.to_string()));
                }
            }
        }
        entries
    }

    fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

/// One value of the document, with its dotted path and line.
pub(crate) struct Node<'d> {
    item: &'d Item,
    path: String,
    line: usize,
}

impl<'d> Node<'d> {
    /// The line the value starts on.
    pub(crate) fn line(&self) -> usize {
        self.line
    }

    /// The dotted path of the value, e.g. `matcher.oos_threshold`.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    fn wrong_type(&self, sink: &mut Sink<'_>, expected: &'static str) {
        sink.at_span(
            self.item.span(),
            self.line,
            ErrorKind::WrongType {
                key: self.path.clone(),
                expected,
                found: self.item.type_name(),
            },
        );
    }

    /// The value as a string; reports any other type.
    pub(crate) fn string(&self, sink: &mut Sink<'_>) -> Option<Sited<String>> {
        match self.item.as_str() {
            Some(text) => Some(Sited {
                value: text.to_string(),
                line: self.line,
            }),
            None => {
                self.wrong_type(sink, "a string");
                None
            }
        }
    }

    /// The value as an array of strings; reports any other type, element by element.
    pub(crate) fn strings(&self, sink: &mut Sink<'_>) -> Vec<Sited<String>> {
        let Some(array) = self.item.as_array() else {
            self.wrong_type(sink, "an array of strings");
            return Vec::new();
        };
        let mut strings = Vec::new();
        for (i, value) in array.iter().enumerate() {
            let line = sink.line_of(value.span(), self.line);
            match value.as_str() {
                Some(text) => strings.push(Sited {
                    value: text.to_string(),
                    line,
                }),
                None => sink.at_span(
                    value.span(),
                    line,
                    ErrorKind::WrongType {
                        key: format!("{}[{i}]", self.path),
                        expected: "a string",
                        found: value.type_name(),
                    },
                ),
            }
        }
        strings
    }

    /// The value as a number (integer or float); reports any other type.
    pub(crate) fn number(&self, sink: &mut Sink<'_>) -> Option<Sited<f64>> {
        let value = match self.item.as_value() {
            Some(Value::Float(f)) => Some(*f.value()),
            // Thresholds such as `1` are naturally written without a decimal point.
            Some(Value::Integer(i)) => Some(*i.value() as f64),
            _ => None,
        };
        if value.is_none() {
            self.wrong_type(sink, "a number");
        }
        value.map(|value| Sited {
            value,
            line: self.line,
        })
    }

    /// The value as an integer; reports any other type.
    pub(crate) fn integer(&self, sink: &mut Sink<'_>) -> Option<Sited<i64>> {
        let value = self.item.as_integer();
        if value.is_none() {
            self.wrong_type(sink, "an integer");
        }
        value.map(|value| Sited {
            value,
            line: self.line,
        })
    }

    /// The value as a table (`[name]` or inline `{ ... }`) allowing only `allowed` keys.
    pub(crate) fn table(&self, sink: &mut Sink<'_>, allowed: &[&str]) -> Option<Fields<'d>> {
        let Some(table) = self.item.as_table_like() else {
            self.wrong_type(sink, "a table");
            return None;
        };
        let fields = Fields {
            table,
            path: self.path.clone(),
            name: format!("[{}]", self.path),
            line: self.line,
        };
        fields.reject_unknown(sink, allowed);
        Some(fields)
    }

    /// The value as a table whose keys are language codes; reports unknown codes.
    pub(crate) fn lang_table(&self, sink: &mut Sink<'_>) -> Vec<(Lang, Node<'d>)> {
        match self.item.as_table_like() {
            Some(table) => Fields {
                table,
                path: self.path.clone(),
                name: format!("[{}]", self.path),
                line: self.line,
            }
            .langs(sink),
            None => {
                self.wrong_type(sink, "a table of languages (fr, en)");
                Vec::new()
            }
        }
    }

    /// The value as an array of tables (`[[name]]`), each allowing only `allowed` keys.
    pub(crate) fn tables(&self, sink: &mut Sink<'_>, allowed: &[&str]) -> Vec<Fields<'d>> {
        let Some(array) = self.item.as_array_of_tables() else {
            self.wrong_type(sink, "an array of tables, written [[name]]");
            return Vec::new();
        };
        let mut tables = Vec::new();
        for table in array.iter() {
            let fields = Fields {
                table,
                path: self.path.clone(),
                name: format!("[[{}]]", self.path),
                line: sink.line_of(table.span(), self.line),
            };
            fields.reject_unknown(sink, allowed);
            tables.push(fields);
        }
        tables
    }
}
