//! Small mergeable tallies: effort-score distributions, and per-intent maps bounded in size.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::Score;

/// Most intents kept apart in a per-intent map; the rest are counted under [`OTHER_INTENTS`].
pub(crate) const MAX_INTENTS: usize = 128;
/// The key collecting intents beyond [`MAX_INTENTS`].
pub(crate) const OTHER_INTENTS: &str = "(other)";

/// A value that can absorb another of its kind.
pub(crate) trait Merge {
    /// Adds `other` into `self`.
    fn merge(&mut self, other: &Self);
}

impl Merge for u64 {
    fn merge(&mut self, other: &u64) {
        *self += other;
    }
}

/// How many times each effort score 1..=7 was given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Distribution([u64; 7]);

impl Distribution {
    /// Counts one score.
    pub(crate) fn add(&mut self, score: Score) {
        self.0[usize::from(score.get() - Score::MIN)] += 1;
    }

    /// Scores counted.
    pub(crate) fn count(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The mean score; 0 when none was given.
    pub(crate) fn mean(&self) -> f64 {
        let count = self.count();
        if count == 0 {
            return 0.0;
        }
        let total: u64 = (1..).zip(self.0).map(|(score, n)| score * n).sum();
        total as f64 / count as f64
    }

    /// Counts per score, index 0 for score 1.
    pub(crate) fn counts(&self) -> [u64; 7] {
        self.0
    }
}

impl Merge for Distribution {
    fn merge(&mut self, other: &Distribution) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine += theirs;
        }
    }
}

/// Values per intent, at most [`MAX_INTENTS`] intents plus [`OTHER_INTENTS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent, bound = "V: Serialize + serde::de::DeserializeOwned")]
pub(crate) struct IntentMap<V>(BTreeMap<String, V>);

impl<V> Default for IntentMap<V> {
    fn default() -> Self {
        IntentMap(BTreeMap::new())
    }
}

impl<V: Default + Merge> IntentMap<V> {
    /// The value of `intent`, created if room is left, else the one of [`OTHER_INTENTS`].
    pub(crate) fn entry(&mut self, intent: &str) -> &mut V {
        let key = if self.0.contains_key(intent) || self.0.len() < MAX_INTENTS {
            intent
        } else {
            OTHER_INTENTS
        };
        self.0.entry(key.to_owned()).or_default()
    }

    /// Adds `other`'s values, intent by intent.
    pub(crate) fn merge(&mut self, other: &IntentMap<V>) {
        for (intent, value) in &other.0 {
            self.entry(intent).merge(value);
        }
    }

    /// Every intent with its value, by intent name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(values: &[u8]) -> Distribution {
        let mut d = Distribution::default();
        for &v in values {
            d.add(Score::new(v).unwrap());
        }
        d
    }

    #[test]
    fn distribution_counts_and_averages() {
        let d = scores(&[7, 7, 5, 1]);
        assert_eq!(d.counts(), [1, 0, 0, 0, 1, 0, 2]);
        assert_eq!(d.count(), 4);
        assert_eq!(d.mean(), 5.0);
        assert_eq!(Distribution::default().mean(), 0.0);
    }

    #[test]
    fn intent_maps_overflow_into_other() {
        let mut map = IntentMap::<u64>::default();
        for i in 0..MAX_INTENTS + 3 {
            *map.entry(&format!("intent_{i}")) += 1;
        }
        // An intent already kept still counts under its own name.
        *map.entry("intent_0") += 1;
        assert_eq!(map.iter().count(), MAX_INTENTS + 1);
        let get = |key: &str| map.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        assert_eq!(get(OTHER_INTENTS), Some(3));
        assert_eq!(get("intent_0"), Some(2));
    }

    #[test]
    fn intent_maps_merge_per_intent() {
        let mut left = IntentMap::<Distribution>::default();
        left.entry("billing").add(Score::new(2).unwrap());
        let mut right = IntentMap::<Distribution>::default();
        right.entry("billing").add(Score::new(6).unwrap());
        right.entry("moving").add(Score::new(7).unwrap());
        left.merge(&right);
        let means: Vec<(&str, f64)> = left.iter().map(|(k, d)| (k, d.mean())).collect();
        assert_eq!(means, vec![("billing", 4.0), ("moving", 7.0)]);
    }
}
