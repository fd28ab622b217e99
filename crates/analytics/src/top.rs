//! The most frequent missed questions: a bounded heavy-hitters list (Space-Saving).
//!
//! Texts are normalised before counting (lowercase, punctuation dropped, spaces collapsed) so
//! that "Horaires ?" and "horaires" count together, and masked: a word holding a digit becomes
//! `#` and one holding `@` becomes `<email>`, because a missed question may carry a phone
//! number or an address and aggregates outlive conversations.
//!
//! Space-Saving keeps at most [`CAPACITY`] texts: a new text replaces the least counted one and
//! inherits its count (remembered as the entry's possible over-count). Counts are exact while
//! fewer texts than that were seen; past it, the frequent ones stay and their counts are upper
//! bounds. Merging adds counts and keeps the top [`CAPACITY`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Most texts kept per aggregate.
pub(crate) const CAPACITY: usize = 200;
/// Longest normalised text kept, in characters.
pub(crate) const MAX_TEXT_CHARS: usize = 120;

/// One counted text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// The normalised, masked text.
    text: String,
    /// Times seen (an upper bound once `over` is not 0).
    count: u64,
    /// How much of `count` may come from texts this entry replaced.
    #[serde(default, skip_serializing_if = "is_zero")]
    over: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A bounded list of the most frequent texts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct TopTexts {
    entries: Vec<Entry>,
}

impl TopTexts {
    /// Counts one occurrence of `text` (normalised here); blank texts are not counted.
    pub(crate) fn add(&mut self, text: &str) {
        let key = normalise(text);
        if key.is_empty() {
            return;
        }
        if let Some(entry) = self.entries.iter_mut().find(|e| e.text == key) {
            entry.count += 1;
        } else if self.entries.len() < CAPACITY {
            self.entries.push(Entry {
                text: key,
                count: 1,
                over: 0,
            });
        } else if let Some(least) = self.entries.iter_mut().min_by_key(|e| e.count) {
            let over = least.count;
            *least = Entry {
                text: key,
                count: over + 1,
                over,
            };
        }
    }

    /// Adds `other`'s counts, keeping the [`CAPACITY`] most counted texts.
    pub(crate) fn merge(&mut self, other: &TopTexts) {
        let index: HashMap<&str, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.text.as_str(), i))
            .collect();
        let mut found = Vec::new();
        let mut new = Vec::new();
        for theirs in &other.entries {
            match index.get(theirs.text.as_str()) {
                Some(&i) => found.push((i, theirs.count, theirs.over)),
                None => new.push(theirs.clone()),
            }
        }
        for (i, count, over) in found {
            self.entries[i].count += count;
            self.entries[i].over += over;
        }
        self.entries.extend(new);
        if self.entries.len() > CAPACITY {
            self.sort();
            self.entries.truncate(CAPACITY);
        }
    }

    /// The `n` most counted texts with their counts, most counted first (ties by text).
    pub(crate) fn top(&self, n: usize) -> Vec<(String, u64)> {
        let mut sorted = self.clone();
        sorted.sort();
        sorted
            .entries
            .into_iter()
            .take(n)
            .map(|e| (e.text, e.count))
            .collect()
    }

    /// Forgets `text` (compared after normalisation), as for a customer's erasure request.
    pub(crate) fn forget(&mut self, text: &str) {
        let key = normalise(text);
        self.entries.retain(|e| e.text != key);
    }

    /// Forgets every text (counts elsewhere stay), as when the conversations are purged.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    fn sort(&mut self) {
        self.entries
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    }
}

/// Lowercase words of letters and digits, single-spaced, with digits and emails masked,
/// at most [`MAX_TEXT_CHARS`] characters.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::new();
    for raw in text.split_whitespace() {
        let word: String = if raw.contains('@') {
            "<email>".to_owned()
        } else if raw.chars().any(|c| c.is_ascii_digit()) {
            "#".to_owned()
        } else {
            raw.chars()
                .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '-')
                .flat_map(char::to_lowercase)
                .collect::<String>()
                .trim_matches(['\'', '-'])
                .to_owned()
        };
        if word.is_empty() || (word == "#" && out.ends_with('#')) {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    match out.char_indices().nth(MAX_TEXT_CHARS) {
        Some((cut, _)) => out[..cut].trim_end().to_owned(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalising_folds_case_punctuation_and_spaces() {
        assert_eq!(
            normalise("  Horaires   d'ouverture ?! "),
            "horaires d'ouverture"
        );
        assert_eq!(normalise("HORAIRES d'ouverture"), "horaires d'ouverture");
        assert_eq!(normalise("Élévation — prix"), "élévation prix");
        assert_eq!(normalise("?!"), "");
    }

    #[test]
    fn normalising_masks_numbers_and_emails() {
        assert_eq!(
            normalise("appelez moi au 06 12 34 56 78 ou jean.d@example.org"),
            "appelez moi au # ou <email>"
        );
        assert_eq!(normalise("contrat n°A12B"), "contrat #");
    }

    #[test]
    fn normalised_texts_are_bounded() {
        let long = "mot ".repeat(100);
        let key = normalise(&long);
        assert!(key.chars().count() <= MAX_TEXT_CHARS);
        assert!(key.starts_with("mot mot"));
        assert!(!key.ends_with(' '));
    }

    #[test]
    fn counts_are_exact_below_capacity() {
        let mut top = TopTexts::default();
        for text in ["a b", "A b?", "c", "a  b", "c", "d"] {
            top.add(text);
        }
        assert_eq!(
            top.top(10),
            vec![("a b".into(), 3), ("c".into(), 2), ("d".into(), 1)]
        );
        assert_eq!(top.top(1), vec![("a b".into(), 3)]);
    }

    #[test]
    fn at_capacity_a_new_text_replaces_the_least_counted() {
        let mut top = TopTexts::default();
        for i in 0..CAPACITY {
            top.add(&format!("question {}", word(i)));
            top.add(&format!("question {}", word(i)));
        }
        top.add("question zero");
        top.add("question zero");
        top.add("nouvelle");
        // Every entry had 2 except "question zero" (4): "nouvelle" replaced a 2, counts 3.
        assert_eq!(top.entries.len(), CAPACITY);
        let listed = top.top(2);
        assert_eq!(listed[0], ("question zero".into(), 4));
        assert_eq!(listed[1], ("nouvelle".into(), 3));
    }

    /// A distinct word per number without digits (digits would be masked).
    fn word(i: usize) -> String {
        if i == 0 {
            return "zero".into();
        }
        let mut n = i;
        let mut out = String::new();
        while n > 0 {
            out.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
        }
        out
    }

    #[test]
    fn merging_adds_counts_and_keeps_the_top() {
        let mut left = TopTexts::default();
        let mut right = TopTexts::default();
        for _ in 0..3 {
            left.add("x");
        }
        left.add("y");
        right.add("y");
        right.add("z");
        left.merge(&right);
        assert_eq!(
            left.top(10),
            vec![("x".into(), 3), ("y".into(), 2), ("z".into(), 1)]
        );
    }

    #[test]
    fn merging_beyond_capacity_drops_the_least_counted() {
        let mut left = TopTexts::default();
        let mut right = TopTexts::default();
        for i in 0..CAPACITY {
            left.add(&format!("l {}", word(i)));
            left.add(&format!("l {}", word(i)));
            right.add(&format!("r {}", word(i)));
        }
        left.merge(&right);
        assert_eq!(left.entries.len(), CAPACITY);
        assert!(
            left.top(CAPACITY)
                .iter()
                .all(|(text, count)| { text.starts_with("l ") && *count == 2 })
        );
    }

    #[test]
    fn forgetting_removes_a_text_and_clearing_removes_all() {
        let mut top = TopTexts::default();
        top.add("Mon compteur fuit");
        top.add("autre chose");
        top.forget("mon COMPTEUR fuit !");
        assert_eq!(top.top(10), vec![("autre chose".into(), 1)]);
        top.clear();
        assert!(top.entries.is_empty());
    }
}
