//! Reading one intent file: its `[[intent]]` tables, each checked on its own.

use std::collections::BTreeMap;
use std::path::Path;

use relais_nlu::{Example, IntentSpec, Lang};
use toml_edit::ImDocument;

use crate::error::{CorpusError, CorpusErrors, ErrorKind, into_result};
use crate::model::{FileContents, SourcedIntent};
use crate::reader::{Fields, Node, Sink, Sited};

/// The keys an `[[intent]]` table may hold.
const INTENT_KEYS: &[&str] = &[
    "id",
    "description",
    "skill",
    "answer",
    "labels",
    "keywords",
    "patterns",
    "examples",
    "answers",
];

/// Parses one intent file: its intents, or every problem in it.
///
/// `path` only names the file in problems and locations; nothing is read from disk. Checks that
/// need the whole corpus (duplicate ids across files, main topics) are made by
/// [`from_sources`](crate::from_sources) and [`load_dir`](crate::load_dir).
pub fn parse_file(path: impl AsRef<Path>, text: &str) -> Result<FileContents, CorpusErrors> {
    let read = read(path.as_ref(), text);
    into_result(read.contents, read.errors)
}

/// What reading one intent file gave: its intents as far as they could be read, and every
/// problem found.
pub(crate) struct FileRead {
    pub(crate) contents: FileContents,
    pub(crate) errors: Vec<CorpusError>,
    /// `false` when the file is not even valid TOML, so none of its intents is known: checks
    /// that an intent is absent cannot be trusted then.
    pub(crate) parsed: bool,
}

/// Reads an intent file without stopping at its first problem.
pub(crate) fn read(path: &Path, text: &str) -> FileRead {
    let mut sink = Sink::new(path, text);
    let document = match ImDocument::parse(text) {
        Ok(document) => document,
        Err(error) => {
            sink.syntax(&error);
            return FileRead {
                contents: FileContents {
                    intents: Vec::new(),
                },
                errors: sink.into_errors(),
                parsed: false,
            };
        }
    };
    let root = Fields::root(&mut sink, document.as_table(), &["intent"]);
    let tables = match root.get(&sink, "intent") {
        Some(node) => node.tables(&mut sink, INTENT_KEYS),
        None => Vec::new(),
    };
    let intents = tables
        .iter()
        .filter_map(|table| read_intent(&mut sink, table))
        .collect();
    FileRead {
        contents: FileContents { intents },
        errors: sink.into_errors(),
        parsed: true,
    }
}

/// Reads one `[[intent]]` table; `None` when it has no usable id.
fn read_intent(sink: &mut Sink<'_>, table: &Fields<'_>) -> Option<SourcedIntent> {
    let errors_before = sink.error_count();
    let id = table
        .require(sink, "id")
        .and_then(|node| ident(sink, &node, "intent id"));
    let description = table
        .require(sink, "description")
        .and_then(|node| text(sink, &node, "description"));
    let skill = table
        .get(sink, "skill")
        .and_then(|node| ident(sink, &node, "skill"));
    let answer = table
        .get(sink, "answer")
        .and_then(|node| ident(sink, &node, "answer key"));
    let labels = lang_entries(sink, table, "labels")
        .into_iter()
        .filter_map(|(lang, node)| Some((lang, text(sink, &node, "label")?)))
        .collect();
    let keywords = texts(sink, table.get(sink, "keywords").as_ref(), "keyword");
    let patterns = texts(sink, table.get(sink, "patterns").as_ref(), "pattern");
    for pattern in &patterns {
        check_pattern(sink, pattern);
    }
    let mut examples = Vec::new();
    for (lang, node) in lang_entries(sink, table, "examples") {
        for text in texts(sink, Some(&node), "example") {
            examples.push(Example {
                text: text.value,
                lang: Some(lang),
            });
        }
    }
    let answers = read_answers(sink, table);

    let id = id?;
    // Whole-intent checks only on an intent read cleanly: a mistyped `examples` already has
    // its own error and would otherwise also look like a missing one.
    if sink.error_count() == errors_before && examples.is_empty() {
        if keywords.is_empty() {
            sink.at_line(table.line(), ErrorKind::Unmatchable(id.clone()));
        }
        if let Some(node) = table.get(sink, "answers") {
            sink.at_line(node.line(), ErrorKind::AnswersWithoutExamples(id.clone()));
        }
    }
    Some(SourcedIntent {
        location: sink.location(table.line()),
        spec: IntentSpec {
            id,
            description: description.unwrap_or_default(),
            labels,
            answer,
            skill,
            examples,
            keywords: keywords.into_iter().map(|k| k.value).collect(),
            patterns: patterns.into_iter().map(|p| p.value).collect(),
        },
        answers,
    })
}

/// The `[intent.answers]` table: per language, a non-empty list of variants.
fn read_answers(sink: &mut Sink<'_>, table: &Fields<'_>) -> BTreeMap<Lang, Vec<String>> {
    let mut answers = BTreeMap::new();
    for (lang, node) in lang_entries(sink, table, "answers") {
        let variants: Vec<String> = texts(sink, Some(&node), "answer variant")
            .into_iter()
            .map(|variant| variant.value)
            .collect();
        if variants.is_empty() {
            sink.at_line(
                node.line(),
                ErrorKind::NoAnswerVariant(format!("answers.{lang}")),
            );
        } else {
            answers.insert(lang, variants);
        }
    }
    answers
}

/// The entries of the language table under `key`, if present.
fn lang_entries<'d>(sink: &mut Sink<'_>, table: &Fields<'d>, key: &str) -> Vec<(Lang, Node<'d>)> {
    match table.get(sink, key) {
        Some(node) => node.lang_table(sink),
        None => Vec::new(),
    }
}

/// A string that must not be blank.
fn text(sink: &mut Sink<'_>, node: &Node<'_>, what: &'static str) -> Option<String> {
    let text = node.string(sink)?;
    if text.value.trim().is_empty() {
        sink.at_line(text.line, ErrorKind::Empty(what));
        return None;
    }
    Some(text.value)
}

/// An array of strings, none of which may be blank; absent means empty.
fn texts(sink: &mut Sink<'_>, node: Option<&Node<'_>>, what: &'static str) -> Vec<Sited<String>> {
    let Some(node) = node else {
        return Vec::new();
    };
    let mut texts = node.strings(sink);
    texts.retain(|text| {
        let blank = text.value.trim().is_empty();
        if blank {
            sink.at_line(text.line, ErrorKind::Empty(what));
        }
        !blank
    });
    texts
}

/// An identifier: a non-empty string of `[a-z0-9_]`.
fn ident(sink: &mut Sink<'_>, node: &Node<'_>, what: &'static str) -> Option<String> {
    let value = node.string(sink)?;
    if is_ident(&value.value) {
        Some(value.value)
    } else {
        sink.at_line(
            value.line,
            ErrorKind::InvalidIdent {
                what,
                value: value.value,
            },
        );
        None
    }
}

/// Whether `value` is a valid identifier: non-empty, only `a-z`, `0-9` and `_`.
pub(crate) fn is_ident(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Reports a pattern the regex engine rejects, compiled as the matcher compiles it: folded
/// (accents removed) and case-insensitive. Checking it as written let `[f-é]` through, which
/// folds to the reversed range `[f-e]` and failed training (found by fuzzing, issue 7).
fn check_pattern(sink: &mut Sink<'_>, pattern: &Sited<String>) {
    let folded = relais_nlu::normalize::fold(&pattern.value);
    let compiled = regex::RegexBuilder::new(&folded)
        .case_insensitive(true)
        .build();
    if let Err(error) = compiled {
        sink.at_line(
            pattern.line,
            ErrorKind::BadPattern {
                pattern: pattern.value.clone(),
                cause: regex_cause(&error),
            },
        );
    }
}

/// The gist of a regex error on one line: its multi-line display ends with `error: <cause>`.
fn regex_cause(error: &regex::Error) -> String {
    let display = error.to_string();
    let last = display
        .lines()
        .map(str::trim)
        .rfind(|line| !line.is_empty())
        .unwrap_or_default();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

#[cfg(test)]
#[path = "intent_file_test.rs"]
mod tests;
