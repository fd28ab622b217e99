//! What changed between two corpora, per intent: examples, answer variants and keywords added
//! and removed, each intent with its `file:line` in the newer corpus (or the older one for a
//! removed intent).

use std::collections::{BTreeMap, BTreeSet};

use relais_corpus::Corpus;
use serde::Serialize;

/// The changes of one intent.
#[derive(Debug, Default, PartialEq, Serialize)]
pub(crate) struct IntentDiff {
    /// The intent id.
    pub(crate) id: String,
    /// Where it is defined (`file:line`).
    pub(crate) location: String,
    /// `added`, `removed` or `changed`.
    pub(crate) status: &'static str,
    /// Examples as `lang: text` (no language: `*`).
    pub(crate) examples_added: Vec<String>,
    pub(crate) examples_removed: Vec<String>,
    /// Answer variants as `lang: text`, of the intent's answer key.
    pub(crate) answers_added: Vec<String>,
    pub(crate) answers_removed: Vec<String>,
    /// Keywords.
    pub(crate) keywords_added: Vec<String>,
    pub(crate) keywords_removed: Vec<String>,
}

#[derive(Default)]
struct Facts {
    location: String,
    examples: BTreeSet<String>,
    answers: BTreeSet<String>,
    keywords: BTreeSet<String>,
}

fn facts(corpus: &Corpus) -> BTreeMap<String, Facts> {
    corpus
        .spec
        .intents
        .iter()
        .map(|intent| {
            let answers = corpus
                .answers
                .iter()
                .filter(|a| a.key == intent.answer_key())
                .flat_map(|a| a.variants.iter().map(move |v| format!("{}: {v}", a.lang)))
                .collect();
            let facts = Facts {
                location: corpus
                    .location(&intent.id)
                    .map_or_else(String::new, ToString::to_string),
                examples: intent
                    .examples
                    .iter()
                    .map(|e| format!("{}: {}", e.lang.map_or("*", |l| l.code()), e.text))
                    .collect(),
                answers,
                keywords: intent.keywords.iter().cloned().collect(),
            };
            (intent.id.clone(), facts)
        })
        .collect()
}

fn minus(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Vec<String> {
    a.difference(b).cloned().collect()
}

/// The intents that differ from `before` (nothing: before the first publish) to `after`, by
/// id.
pub(crate) fn diff(before: Option<&Corpus>, after: &Corpus) -> Vec<IntentDiff> {
    let (old, new) = (before.map(facts).unwrap_or_default(), facts(after));
    let empty = Facts::default();
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    ids.into_iter()
        .filter_map(|id| {
            let (o, n) = (old.get(id), new.get(id));
            let status = match (o, n) {
                (None, _) => "added",
                (_, None) => "removed",
                _ => "changed",
            };
            let (o, n) = (o.unwrap_or(&empty), n.unwrap_or(&empty));
            let change = IntentDiff {
                id: id.clone(),
                location: if n.location.is_empty() {
                    o.location.clone()
                } else {
                    n.location.clone()
                },
                status,
                examples_added: minus(&n.examples, &o.examples),
                examples_removed: minus(&o.examples, &n.examples),
                answers_added: minus(&n.answers, &o.answers),
                answers_removed: minus(&o.answers, &n.answers),
                keywords_added: minus(&n.keywords, &o.keywords),
                keywords_removed: minus(&o.keywords, &n.keywords),
            };
            let same = status == "changed"
                && [
                    &change.examples_added,
                    &change.examples_removed,
                    &change.answers_added,
                    &change.answers_removed,
                    &change.keywords_added,
                    &change.keywords_removed,
                ]
                .iter()
                .all(|list| list.is_empty());
            (!same).then_some(change)
        })
        .collect()
}
