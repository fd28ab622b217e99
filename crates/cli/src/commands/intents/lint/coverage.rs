//! Intents that are thin in a language the corpus serves: too few examples, or no answer.
//!
//! The languages a corpus serves are those any intent has examples in. The out-of-scope
//! intent `oos` is never checked (it has no answer by design), and `human_agent` needs no
//! answer text (the engine hands the conversation to an advisor).

use std::collections::BTreeSet;

use relais_corpus::Corpus;
use relais_nlu::{Lang, OUT_OF_SCOPE_INTENT};

use super::finding::Finding;

/// The intent the engine answers with a handoff rather than a text.
const HUMAN_AGENT: &str = "human_agent";

/// Warnings for intents with fewer than `min_examples` examples in a served language, or
/// without an answer in one.
pub(super) fn check(corpus: &Corpus, min_examples: usize) -> Vec<Finding> {
    let served: BTreeSet<Lang> = corpus
        .spec
        .intents
        .iter()
        .flat_map(|intent| intent.examples.iter().filter_map(|e| e.lang))
        .collect();
    let mut findings = Vec::new();
    for intent in &corpus.spec.intents {
        if intent.id == OUT_OF_SCOPE_INTENT {
            continue;
        }
        let location = corpus.location(&intent.id).cloned();
        for &lang in &served {
            let count = intent
                .examples
                .iter()
                .filter(|e| e.lang == Some(lang))
                .count();
            if count < min_examples {
                findings.push(Finding::warning(
                    "few-examples",
                    location.clone(),
                    format!(
                        "{} has {count} example{} in {lang} (at least {min_examples} wanted): add \
                         some with `relais intents add-example {} \"...\" --lang {lang}`",
                        intent.id,
                        if count == 1 { "" } else { "s" },
                        intent.id
                    ),
                ));
            }
            if intent.id != HUMAN_AGENT && corpus.answer(intent.answer_key(), lang).is_none() {
                findings.push(Finding::warning(
                    "missing-answer",
                    location.clone(),
                    format!(
                        "{} has no answer in {lang} (key `{}`): the advisor will offer a human \
                         instead; write one with `relais faq set {} --lang {lang}`",
                        intent.id,
                        intent.answer_key(),
                        intent.id
                    ),
                ));
            }
        }
    }
    findings
}
