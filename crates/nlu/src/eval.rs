//! Evaluation: metrics of a matcher on labelled utterances, and out-of-scope threshold tuning.
//!
//! Out-of-scope utterances are labelled `None`. In-scope accuracy counts a rejected in-scope
//! utterance as wrong (the convention of Larson et al., 2019, for CLINC150). The threshold is
//! tuned to maximise the number of correct decisions on the tuning set, out-of-scope being one
//! more class: the criterion of the usual "best balance" operating point.

use std::collections::BTreeMap;

/// One labelled utterance as the matcher scored it, before any threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct Scored {
    /// The true intent; `None` when out of scope.
    pub gold: Option<String>,
    /// The best in-scope candidate, if any.
    pub top: Option<String>,
    /// Its calibrated confidence.
    pub confidence: f32,
    /// Whether the matcher rejects it whatever the threshold (its out-of-scope class won).
    pub model_rejected: bool,
}

/// What the matcher answered for one labelled utterance.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The true intent; `None` when out of scope.
    pub gold: Option<String>,
    /// The intent answered; `None` when the utterance was rejected as out of scope.
    pub predicted: Option<String>,
}

/// Precision, recall and F1 of one class.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassMetrics {
    /// The intent, or `None` for out of scope.
    pub intent: Option<String>,
    /// How many test utterances have this label.
    pub support: usize,
    /// Fraction of predictions of this class that were right (0 when never predicted).
    pub precision: f64,
    /// Fraction of this class' utterances predicted as such.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
}

/// How often one label was mistaken for another.
#[derive(Clone, Debug, PartialEq)]
pub struct Confusion {
    /// The true label (`None`: out of scope).
    pub gold: Option<String>,
    /// The label answered (`None`: rejected).
    pub predicted: Option<String>,
    /// How many times.
    pub count: usize,
}

/// Metrics of a whole test set.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// In-scope utterances answered with their intent, over all in-scope utterances.
    pub in_scope_accuracy: f64,
    /// Out-of-scope utterances rejected, over all of them; `None` without any.
    pub oos_recall: Option<f64>,
    /// Rejected utterances that were out of scope, over all rejections (0 when none);
    /// `None` when the test set has no out-of-scope utterance.
    pub oos_precision: Option<f64>,
    /// Unweighted mean F1 over the labels of the test set (out of scope included).
    pub macro_f1: f64,
    /// Number of test utterances.
    pub n_test: usize,
    /// Number of out-of-scope test utterances.
    pub n_oos: usize,
    /// Per-label metrics, in label order (out of scope first).
    pub classes: Vec<ClassMetrics>,
    /// Mistakes grouped by (true, answered) label, most frequent first.
    pub confusions: Vec<Confusion>,
}

/// Computes the metrics of `outcomes`.
pub fn metrics(outcomes: &[Outcome]) -> Metrics {
    let n_oos = outcomes.iter().filter(|o| o.gold.is_none()).count();
    let n_in = outcomes.len() - n_oos;
    let correct_in = outcomes
        .iter()
        .filter(|o| o.gold.is_some() && o.gold == o.predicted)
        .count();
    let rejected = outcomes.iter().filter(|o| o.predicted.is_none()).count();
    let rejected_oos = outcomes
        .iter()
        .filter(|o| o.gold.is_none() && o.predicted.is_none())
        .count();
    let mut support: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    let mut predicted: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    let mut right: BTreeMap<Option<&str>, usize> = BTreeMap::new();
    let mut confusions: BTreeMap<(Option<&str>, Option<&str>), usize> = BTreeMap::new();
    for o in outcomes {
        let (gold, answer) = (o.gold.as_deref(), o.predicted.as_deref());
        *support.entry(gold).or_default() += 1;
        *predicted.entry(answer).or_default() += 1;
        if gold == answer {
            *right.entry(gold).or_default() += 1;
        } else {
            *confusions.entry((gold, answer)).or_default() += 1;
        }
    }
    let classes: Vec<ClassMetrics> = support
        .iter()
        .map(|(&label, &support)| {
            let tp = right.get(&label).copied().unwrap_or(0) as f64;
            let precision = ratio(tp, predicted.get(&label).copied().unwrap_or(0));
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassMetrics {
                intent: label.map(str::to_string),
                support,
                precision,
                recall,
                f1,
            }
        })
        .collect();
    let mut confusions: Vec<Confusion> = confusions
        .into_iter()
        .map(|((gold, predicted), count)| Confusion {
            gold: gold.map(str::to_string),
            predicted: predicted.map(str::to_string),
            count,
        })
        .collect();
    // Stable: equal counts stay in label order.
    confusions.sort_by_key(|c| std::cmp::Reverse(c.count));
    Metrics {
        in_scope_accuracy: ratio(correct_in as f64, n_in),
        oos_recall: (n_oos > 0).then(|| ratio(rejected_oos as f64, n_oos)),
        oos_precision: (n_oos > 0).then(|| ratio(rejected_oos as f64, rejected)),
        macro_f1: classes.iter().map(|c| c.f1).sum::<f64>() / classes.len().max(1) as f64,
        n_test: outcomes.len(),
        n_oos,
        classes,
        confusions,
    }
}

/// The out-of-scope threshold maximising correct decisions on `scored`, or `None` when it
/// holds no out-of-scope utterance (then nothing should be rejected).
///
/// The threshold is placed midway between the two confidences bounding the best range, so a
/// small shift of confidences on new data does not flip decisions at the edge.
pub fn tune_threshold(scored: &[Scored]) -> Option<f32> {
    if !scored.iter().any(|s| s.gold.is_none()) {
        return None;
    }
    // Decisions that depend on the threshold: a correctly ranked in-scope utterance is right
    // when kept, an out-of-scope one when rejected; everything else is fixed.
    let mut points: Vec<(f32, i32)> = scored
        .iter()
        .filter(|s| !s.model_rejected)
        .filter_map(|s| match &s.gold {
            None => Some((s.confidence, -1)),
            Some(gold) if s.top.as_ref() == Some(gold) => Some((s.confidence, 1)),
            Some(_) => None,
        })
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Threshold 0 keeps everything; raising it past a point rejects that point.
    let mut best = (0i32, 0usize);
    let mut gain = 0i32;
    for (i, &(_, delta)) in points.iter().enumerate() {
        gain -= delta;
        let past_ties = points.get(i + 1).is_none_or(|next| next.0 > points[i].0);
        if past_ties && gain > best.0 {
            best = (gain, i + 1);
        }
    }
    let (_, cut) = best;
    if cut == 0 {
        return Some(0.0);
    }
    let below = points[cut - 1].0;
    let above = points.get(cut).map_or(1.0, |p| p.0);
    Some((below + above) / 2.0)
}

fn ratio(num: f64, den: usize) -> f64 {
    if den == 0 { 0.0 } else { num / den as f64 }
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. a rejected in-scope utterance counts as wrong, a rejected oos one as right;
    //! 2. oos metrics are absent without oos utterances;
    //! 3. the tuned threshold separates oos from correct in-scope confidences;
    //! 4. no oos in the tuning set means no threshold.

    use super::*;

    fn outcome(gold: Option<&str>, predicted: Option<&str>) -> Outcome {
        Outcome {
            gold: gold.map(str::to_string),
            predicted: predicted.map(str::to_string),
        }
    }

    fn scored(gold: Option<&str>, top: &str, confidence: f32) -> Scored {
        Scored {
            gold: gold.map(str::to_string),
            top: Some(top.to_string()),
            confidence,
            model_rejected: false,
        }
    }

    #[test]
    fn rejections_count_against_in_scope_and_for_oos() {
        let m = metrics(&[
            outcome(Some("a"), Some("a")),
            outcome(Some("a"), None),
            outcome(Some("b"), Some("a")),
            outcome(Some("b"), Some("b")),
            outcome(None, None),
            outcome(None, Some("a")),
        ]);
        assert_eq!(m.in_scope_accuracy, 0.5);
        assert_eq!(m.oos_recall, Some(0.5));
        assert_eq!(m.oos_precision, Some(0.5));
        assert_eq!(m.n_test, 6);
        assert_eq!(m.confusions.len(), 3);
        let a = m.classes.iter().find(|c| c.intent.as_deref() == Some("a"));
        // "a": 1 right out of 3 answers, 1 out of 2 utterances.
        let a = a.map(|c| (c.precision, c.recall));
        assert_eq!(a, Some((1.0 / 3.0, 0.5)));
    }

    #[test]
    fn closed_sets_have_no_oos_metrics() {
        let m = metrics(&[outcome(Some("a"), Some("a")), outcome(Some("b"), Some("a"))]);
        assert_eq!(m.in_scope_accuracy, 0.5);
        assert_eq!((m.oos_recall, m.oos_precision), (None, None));
        assert!((m.macro_f1 - (2.0 / 3.0) / 2.0).abs() < 1e-9);
    }

    #[test]
    fn threshold_separates_oos_from_correct_answers() {
        let set = [
            scored(Some("a"), "a", 0.9),
            scored(Some("a"), "a", 0.7),
            scored(Some("a"), "b", 0.2),
            scored(None, "a", 0.3),
            scored(None, "b", 0.5),
            scored(Some("b"), "b", 0.55),
        ];
        let t = tune_threshold(&set);
        // Best: reject 0.3 and 0.5 (two oos), keep every correct in-scope answer.
        assert_eq!(t, Some((0.5 + 0.55) / 2.0));
        // Rejecting 0.45 (in scope) to catch 0.5 (oos) gains nothing: stop at 0.3.
        let mut set = set;
        set[5].confidence = 0.45;
        assert_eq!(tune_threshold(&set), Some((0.3 + 0.45) / 2.0));
        let none = tune_threshold(&[scored(Some("a"), "a", 0.9)]);
        assert_eq!(none, None);
    }
}
