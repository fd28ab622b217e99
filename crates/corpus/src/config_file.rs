//! Reading `relais.toml`: matcher thresholds, dialogue settings and synonyms.

use std::collections::BTreeMap;
use std::path::Path;

use relais_nlu::{Lang, MatchConfig, SynonymSet};
use toml_edit::ImDocument;

use crate::error::{CorpusError, ErrorKind};
use crate::model::DialogueConfig;
use crate::reader::{Fields, Node, Sink, Sited};

/// The name of the configuration file in a corpus directory.
pub const CONFIG_FILE: &str = "relais.toml";

/// What `relais.toml` says, with the lines that cross-file checks need.
#[derive(Debug, Default)]
pub(crate) struct ConfigFile {
    pub(crate) matcher: MatchConfig,
    pub(crate) dialogue: DialogueConfig,
    pub(crate) synonyms: Vec<SynonymSet>,
    /// The entries of `main_topics`, with their lines.
    pub(crate) main_topics: Vec<Sited<String>>,
}

/// Reads `relais.toml`, returning what could be read (defaults elsewhere) and every problem.
pub(crate) fn read(path: &Path, text: &str) -> (ConfigFile, Vec<CorpusError>) {
    let mut sink = Sink::new(path, text);
    let mut config = ConfigFile::default();
    let document = match ImDocument::parse(text) {
        Ok(document) => document,
        Err(error) => {
            sink.syntax(&error);
            return (config, sink.into_errors());
        }
    };
    let root = Fields::root(
        &mut sink,
        document.as_table(),
        &["matcher", "dialogue", "synonyms"],
    );
    if let Some(node) = root.get(&sink, "matcher") {
        read_matcher(&mut sink, &node, &mut config.matcher);
    }
    if let Some(node) = root.get(&sink, "dialogue") {
        read_dialogue(&mut sink, &node, &mut config);
    }
    if let Some(node) = root.get(&sink, "synonyms") {
        config.synonyms = read_synonyms(&mut sink, &node);
    }
    (config, sink.into_errors())
}

fn read_matcher(sink: &mut Sink<'_>, node: &Node<'_>, matcher: &mut MatchConfig) {
    let Some(table) = node.table(sink, &["oos_threshold", "ambiguity_margin"]) else {
        return;
    };
    if let Some(value) = fraction(sink, table.get(sink, "oos_threshold")) {
        matcher.oos_threshold = value;
    }
    if let Some(value) = fraction(sink, table.get(sink, "ambiguity_margin")) {
        matcher.ambiguity_margin = value;
    }
}

/// A number in `[0, 1]`.
fn fraction(sink: &mut Sink<'_>, node: Option<Node<'_>>) -> Option<f32> {
    let node = node?;
    let number = node.number(sink)?;
    if (0.0..=1.0).contains(&number.value) {
        // Thresholds are compared with f32 confidences; the narrowing is intended.
        Some(number.value as f32)
    } else {
        sink.at_line(
            number.line,
            ErrorKind::OutOfRange {
                key: node.path().to_string(),
                value: number.value.to_string(),
                range: "0 to 1",
            },
        );
        None
    }
}

fn read_dialogue(sink: &mut Sink<'_>, node: &Node<'_>, config: &mut ConfigFile) {
    let Some(table) = node.table(
        sink,
        &[
            "misunderstandings_before_handoff",
            "default_lang",
            "main_topics",
        ],
    ) else {
        return;
    };
    if let Some(node) = table.get(sink, "misunderstandings_before_handoff")
        && let Some(count) = node.integer(sink)
    {
        match u32::try_from(count.value) {
            Ok(value) if value >= 1 => config.dialogue.misunderstandings_before_handoff = value,
            _ => sink.at_line(
                count.line,
                ErrorKind::OutOfRange {
                    key: node.path().to_string(),
                    value: count.value.to_string(),
                    range: "at least 1",
                },
            ),
        }
    }
    if let Some(node) = table.get(sink, "default_lang")
        && let Some(code) = node.string(sink)
    {
        match Lang::ALL.into_iter().find(|lang| lang.code() == code.value) {
            Some(lang) => config.dialogue.default_lang = lang,
            None => sink.at_line(code.line, ErrorKind::UnknownLang(code.value)),
        }
    }
    if let Some(node) = table.get(sink, "main_topics") {
        config.main_topics = node.strings(sink);
        config.dialogue.main_topics = config
            .main_topics
            .iter()
            .map(|topic| topic.value.clone())
            .collect();
    }
}

fn read_synonyms(sink: &mut Sink<'_>, node: &Node<'_>) -> Vec<SynonymSet> {
    // Variant -> (canonical, line of its set), to catch a variant given to two sets.
    let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut sets = Vec::new();
    for table in node.tables(sink, &["canonical", "variants"]) {
        let canonical = table.require(sink, "canonical").and_then(|node| {
            let text = node.string(sink)?;
            if text.value.trim().is_empty() {
                sink.at_line(text.line, ErrorKind::Empty("canonical word"));
                return None;
            }
            Some(text.value)
        });
        let variants = table
            .require(sink, "variants")
            .map(|node| node.strings(sink))
            .unwrap_or_default();
        let Some(canonical) = canonical else {
            continue;
        };
        if variants.is_empty() {
            sink.at_line(table.line(), ErrorKind::Empty("variants list"));
        }
        for variant in &variants {
            if variant.value.trim().is_empty() {
                sink.at_line(variant.line, ErrorKind::Empty("synonym variant"));
            } else if let Some((first, first_line)) = seen.get(&variant.value) {
                sink.at_line(
                    variant.line,
                    ErrorKind::DuplicateSynonym {
                        variant: variant.value.clone(),
                        canonical: first.clone(),
                        first_line: *first_line,
                    },
                );
            } else {
                seen.insert(variant.value.clone(), (canonical.clone(), table.line()));
            }
        }
        sets.push(SynonymSet {
            canonical,
            variants: variants.into_iter().map(|variant| variant.value).collect(),
        });
    }
    sets
}

#[cfg(test)]
#[path = "config_file_test.rs"]
mod tests;
