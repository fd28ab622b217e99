//! Explanations: which features drove a candidate's score.
//!
//! A linear model's score is a sum of `value × weight` over the utterance's features, so each
//! term of the sum is an exact, signed contribution. Word, bigram and signal features are
//! reported as such; character n-grams are many and individually meaningless, so their
//! contributions are summed per word of the utterance ("chars" of `abonnement`).

use crate::analysis::Analysis;
use crate::features::{Featurizer, Kind, SparseVec};
use crate::matcher::Evidence;
use crate::model::LinearModel;
use crate::normalize::TokenKind;

/// The contributions of `x`'s features to `class`'s raw score (authored rules excluded).
pub(crate) fn evidence(
    featurizer: &Featurizer,
    model: &LinearModel,
    analysis: &Analysis,
    x: &SparseVec,
    class: usize,
) -> Vec<Evidence> {
    let mut out: Vec<Evidence> = Vec::new();
    for (&id, &value) in x.ids.iter().zip(&x.values) {
        let (kind, name) = featurizer.name(id);
        let weight = value * model.weight(id, class);
        if kind == Kind::Chars {
            continue;
        }
        // A word that is its own stem ("de", "ma") is one piece of evidence, not two.
        let merged = matches!(kind, Kind::Stem | Kind::Word)
            .then(|| {
                out.iter_mut()
                    .find(|e| e.feature == name && (e.kind == "stem" || e.kind == "word"))
            })
            .flatten();
        match merged {
            Some(e) => {
                e.kind = Kind::Word.label().to_string();
                e.weight += weight;
            }
            None => out.push(Evidence {
                kind: kind.label().to_string(),
                feature: name.to_string(),
                weight,
            }),
        }
    }
    // Share each n-gram's contribution among the words holding it, by occurrence.
    let words: Vec<(&str, Vec<u32>)> = analysis
        .terms
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| {
            let mut ids = featurizer.spelling_ids(&t.key);
            ids.retain(|&id| featurizer.name(id).0 == Kind::Chars);
            (t.key.as_str(), ids)
        })
        .collect();
    for (word, ids) in &words {
        let mut weight = 0.0;
        for &id in ids {
            let Ok(at) = x.ids.binary_search(&id) else {
                continue;
            };
            let total = words
                .iter()
                .map(|(_, other)| other.iter().filter(|&&o| o == id).count())
                .sum::<usize>();
            weight += x.values[at] * model.weight(id, class) / total as f32;
        }
        if weight != 0.0 {
            out.push(Evidence {
                kind: Kind::Chars.label().to_string(),
                feature: (*word).to_string(),
                weight,
            });
        }
    }
    out
}
