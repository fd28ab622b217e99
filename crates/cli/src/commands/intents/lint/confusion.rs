//! The pairs of intents the matcher confuses most, found by k-fold cross-validation of the
//! corpus on itself.
//!
//! Folds are deterministic and stratified: the `i`-th example of each intent goes to fold
//! `i mod k`. For each fold, a matcher is trained (exactly as the server trains one) on the
//! corpus without that fold's examples, keywords and patterns kept, and matches each held-out
//! example. An example answered with another intent, or rejected as out of scope, is a
//! confusion of its pair of intents (`oos` standing for out of scope); pairs are ranked by how
//! many examples they lose, in both directions together. For each confused example the report
//! names the most similar training example of the intent it was taken for: usually the one to
//! rephrase or move.

use std::collections::BTreeMap;

use indicatif::ProgressBar;
use relais_corpus::Corpus;
use relais_nlu::eval::{self, Outcome};
use relais_nlu::{Decision, Matcher, OUT_OF_SCOPE_INTENT};
use serde::Serialize;

use super::duplicates::jaccard;
use super::finding::{Finding, quote};
use super::samples::{self, Sample};

/// How many confused examples are listed under each pair.
const EXAMPLES_PER_PAIR: usize = 4;
/// Word overlap (Jaccard) below which no training example is suggested as the closest one:
/// sharing "me" or "my" says nothing.
const MIN_CLOSEST_SIMILARITY: f64 = 0.25;

/// The result of the cross-validation.
#[derive(Debug, Serialize)]
pub(super) struct CrossValidation {
    pub(super) folds: usize,
    /// Held-out in-scope examples answered with their own intent, over all of them.
    pub(super) in_scope_accuracy: f64,
    /// Held-out examples matched.
    pub(super) examples: usize,
}

/// One held-out example the matcher got wrong.
struct Miss {
    sample: usize,
    /// What the matcher answered (`None`: out of scope).
    predicted: Option<String>,
    confidence: f32,
}

/// Runs `folds`-fold cross-validation and reports the `top` most confused pairs.
pub(super) fn check(
    corpus: &Corpus,
    samples: &[Sample<'_>],
    folds: usize,
    top: usize,
    progress: &ProgressBar,
) -> anyhow::Result<(CrossValidation, Vec<Finding>)> {
    let fold_of = assign_folds(samples, folds);
    let mut outcomes = Vec::with_capacity(samples.len());
    let mut misses = Vec::new();
    progress.set_length(folds as u64);
    progress.set_message("cross-validation");
    for fold in 0..folds {
        let mut spec = corpus.spec.clone();
        let mut position = 0;
        for intent in &mut spec.intents {
            intent.examples.retain(|_| {
                let keep = fold_of[position] != fold;
                position += 1;
                keep
            });
        }
        let matcher = Matcher::train(&spec)?;
        for (i, sample) in samples.iter().enumerate() {
            if fold_of[i] != fold {
                continue;
            }
            let result = matcher.match_text(sample.text);
            let top = result.top();
            let predicted = match result.decision {
                Decision::OutOfScope => None,
                Decision::Match | Decision::Ambiguous => top.map(|c| c.intent.clone()),
            };
            let gold = (sample.intent != OUT_OF_SCOPE_INTENT).then(|| sample.intent.to_owned());
            if predicted != gold {
                misses.push(Miss {
                    sample: i,
                    predicted: predicted.clone(),
                    confidence: top.map_or(0.0, |c| c.confidence),
                });
            }
            outcomes.push(Outcome { gold, predicted });
        }
        progress.inc(1);
    }
    let metrics = eval::metrics(&outcomes);
    let summary = CrossValidation {
        folds,
        in_scope_accuracy: metrics.in_scope_accuracy,
        examples: outcomes.len(),
    };
    Ok((summary, pairs(samples, &misses, top)))
}

/// Fold of each sample: its rank within its intent, modulo `folds`.
fn assign_folds(samples: &[Sample<'_>], folds: usize) -> Vec<usize> {
    let mut rank: BTreeMap<&str, usize> = BTreeMap::new();
    samples
        .iter()
        .map(|sample| {
            let r = rank.entry(sample.intent).or_default();
            let fold = *r % folds.max(1);
            *r += 1;
            fold
        })
        .collect()
}

/// The `top` pairs of intents losing the most examples to each other, one finding each.
fn pairs(samples: &[Sample<'_>], misses: &[Miss], top: usize) -> Vec<Finding> {
    let name = |intent: Option<&str>| intent.unwrap_or(OUT_OF_SCOPE_INTENT).to_owned();
    let mut by_pair: BTreeMap<(String, String), Vec<&Miss>> = BTreeMap::new();
    for miss in misses {
        let gold = samples[miss.sample].intent.to_owned();
        let predicted = name(miss.predicted.as_deref());
        let pair = if gold <= predicted {
            (gold, predicted)
        } else {
            (predicted, gold)
        };
        by_pair.entry(pair).or_default().push(miss);
    }
    let mut ranked: Vec<_> = by_pair.into_iter().collect();
    // Stable: equal counts stay in pair order.
    ranked.sort_by_key(|(_, misses)| std::cmp::Reverse(misses.len()));
    let words: Vec<Vec<String>> = samples.iter().map(|s| samples::words(s.text)).collect();
    ranked
        .into_iter()
        .take(top)
        .map(|((a, b), misses)| {
            let first = &samples[misses[0].sample];
            let details = misses
                .iter()
                .take(EXAMPLES_PER_PAIR)
                .map(|miss| describe_miss(samples, &words, miss))
                .collect();
            Finding::warning(
                "confused-intents",
                first.location.clone(),
                format!(
                    "{a} and {b} are confused on {} held-out example{}",
                    misses.len(),
                    if misses.len() == 1 { "" } else { "s" }
                ),
            )
            .with_details(details)
        })
        .collect()
}

/// `"text" (gold at file:line) -> predicted 0.62; closest example of predicted: ...`.
fn describe_miss(samples: &[Sample<'_>], words: &[Vec<String>], miss: &Miss) -> String {
    let sample = &samples[miss.sample];
    let predicted = miss.predicted.as_deref().unwrap_or(OUT_OF_SCOPE_INTENT);
    let mut line = format!(
        "{} taken for {predicted} ({:.2})",
        sample.describe(),
        miss.confidence
    );
    let ids = |ws: &[String]| -> Vec<u32> {
        let mut ids: Vec<u32> = ws.iter().map(|w| hash(w)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let own = ids(&words[miss.sample]);
    let closest = samples
        .iter()
        .enumerate()
        .filter(|(_, other)| other.intent == predicted)
        .map(|(j, other)| (jaccard(&own, &ids(&words[j])), other))
        .filter(|(similarity, _)| *similarity >= MIN_CLOSEST_SIMILARITY)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((_, other)) = closest {
        let place = other
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!(" at {l}"));
        line.push_str(&format!(
            "; closest {predicted} example: {}{place}",
            quote(other.text)
        ));
    }
    line
}

/// A stable id for a word, for similarity only (collisions merely blur a suggestion).
fn hash(word: &str) -> u32 {
    word.bytes().fold(2_166_136_261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16_777_619)
    })
}
