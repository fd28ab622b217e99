//! Examples that teach two intents the same question.
//!
//! Two examples of different intents are compared on their sets of normalised words
//! ([`samples::words`]): the same words in the same order is an exact duplicate (an error: the
//! corpus teaches one question two answers); a Jaccard similarity of the word sets at or
//! above the threshold is a near-duplicate (a warning). Candidate pairs come from prefix
//! filtering (words sorted rarest first; two sets reaching similarity `t` share a word among
//! the first `|x| - ceil(t * |x|) + 1` of each), so large corpora are not compared pair by pair.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::finding::Finding;
use super::samples::{self, Sample};

/// Findings about examples shared by two intents; `threshold` is the Jaccard similarity from
/// which two examples are near-duplicates.
pub(super) fn check(samples: &[Sample<'_>], threshold: f64) -> Vec<Finding> {
    let words: Vec<Vec<String>> = samples.iter().map(|s| samples::words(s.text)).collect();
    let mut findings = exact(samples, &words);
    findings.extend(near(samples, &words, threshold));
    findings
}

fn exact(samples: &[Sample<'_>], words: &[Vec<String>]) -> Vec<Finding> {
    let mut seen: HashMap<&[String], usize> = HashMap::new();
    let mut findings = Vec::new();
    for (i, sample) in samples.iter().enumerate() {
        if words[i].is_empty() {
            continue;
        }
        match seen.get(words[i].as_slice()) {
            Some(&first) if samples[first].intent != sample.intent => {
                findings.push(
                    Finding::error(
                        "duplicate-example",
                        sample.location.clone(),
                        format!(
                            "{:?} teaches {} the same words as an example of {}",
                            sample.text, sample.intent, samples[first].intent
                        ),
                    )
                    .with_details(vec![format!("same as {}", samples[first].describe())]),
                );
            }
            Some(_) => {}
            None => {
                seen.insert(&words[i], i);
            }
        }
    }
    findings
}

fn near(samples: &[Sample<'_>], words: &[Vec<String>], threshold: f64) -> Vec<Finding> {
    let sets = rarest_first(words);
    // Word -> samples having it in their prefix.
    let mut index: HashMap<u32, Vec<usize>> = HashMap::new();
    let mut pairs = BTreeSet::new();
    for (i, set) in sets.iter().enumerate() {
        let prefix = prefix_len(set.len(), threshold);
        for word in &set[..prefix] {
            let others = index.entry(*word).or_default();
            for &j in others.iter() {
                if samples[i].intent != samples[j].intent {
                    pairs.insert((j, i));
                }
            }
            others.push(i);
        }
    }
    let mut findings = Vec::new();
    for (j, i) in pairs {
        if words[i] == words[j] {
            continue; // an exact duplicate, reported as such
        }
        let similarity = jaccard(&sets[i], &sets[j]);
        if similarity >= threshold {
            findings.push(
                Finding::warning(
                    "near-duplicate",
                    samples[i].location.clone(),
                    format!(
                        "{:?} ({}) is {:.0}% the same words as an example of {}",
                        samples[i].text,
                        samples[i].intent,
                        similarity * 100.0,
                        samples[j].intent
                    ),
                )
                .with_details(vec![format!("similar to {}", samples[j].describe())]),
            );
        }
    }
    findings
}

/// Each sample's distinct words as ids, rarest word first (ties by id).
fn rarest_first(words: &[Vec<String>]) -> Vec<Vec<u32>> {
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    let mut frequency: Vec<u32> = Vec::new();
    let sets: Vec<BTreeSet<u32>> = words
        .iter()
        .map(|ws| {
            let set: BTreeSet<u32> = ws
                .iter()
                .map(|w| {
                    let next = ids.len() as u32;
                    *ids.entry(w.as_str()).or_insert(next)
                })
                .collect();
            for &id in &set {
                if frequency.len() <= id as usize {
                    frequency.resize(id as usize + 1, 0);
                }
                frequency[id as usize] += 1;
            }
            set
        })
        .collect();
    sets.into_iter()
        .map(|set| {
            let mut ordered: Vec<u32> = set.into_iter().collect();
            ordered.sort_by_key(|&id| (frequency[id as usize], id));
            ordered
        })
        .collect()
}

/// How many of a set's rarest words two sets reaching `threshold` must share one of.
fn prefix_len(len: usize, threshold: f64) -> usize {
    let needed = (threshold * len as f64).ceil() as usize;
    (len + 1).saturating_sub(needed).min(len)
}

/// Jaccard similarity of two sets given as sorted-by-rarity word ids.
pub(super) fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let a: BTreeSet<_> = a.iter().collect();
    let b: BTreeSet<_> = b.iter().collect();
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. the prefix filter finds every pair a full comparison finds;
    //! 2. pairs within one intent are not reported.

    use super::*;

    fn sample<'a>(intent: &'a str, text: &'a str) -> Sample<'a> {
        Sample {
            intent,
            text,
            location: None,
        }
    }

    #[test]
    fn the_prefix_filter_misses_no_pair() {
        let texts = [
            ("a", "ma facture est trop chere"),
            ("b", "ma facture est trop elevee"),
            ("a", "payer ma facture"),
            ("b", "payer ma facture en ligne"),
            ("b", "je veux payer ma facture"),
            ("c", "facture"),
            ("a", "facture !"),
            ("c", "je demenage bientot"),
        ];
        let samples: Vec<Sample<'_>> = texts.iter().map(|(i, t)| sample(i, t)).collect();
        let words: Vec<Vec<String>> = samples.iter().map(|s| samples::words(s.text)).collect();
        for threshold in [0.3, 0.5, 0.6, 0.8] {
            let found = near(&samples, &words, threshold).len();
            let sets = rarest_first(&words);
            let mut brute = 0;
            for i in 0..samples.len() {
                for j in 0..i {
                    let differ = samples[i].intent != samples[j].intent;
                    if differ && words[i] != words[j] && jaccard(&sets[i], &sets[j]) >= threshold {
                        brute += 1;
                    }
                }
            }
            assert_eq!(found, brute, "threshold {threshold}");
        }
        let exact = exact(&samples, &words);
        assert_eq!(
            exact.len(),
            1,
            "\"facture !\" repeats \"facture\" of another intent"
        );
    }

    #[test]
    fn one_intent_never_duplicates_itself() {
        let samples = [
            sample("a", "payer ma facture"),
            sample("a", "payer ma facture !"),
        ];
        let words: Vec<Vec<String>> = samples.iter().map(|s| samples::words(s.text)).collect();
        assert!(exact(&samples, &words).is_empty());
        assert!(near(&samples, &words, 0.1).is_empty());
    }
}
