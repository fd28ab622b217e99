//! Typo tolerance: an unknown word is replaced by the nearest word of the corpus vocabulary.
//!
//! The allowed edit distance grows with the word: none below 4 letters (too many real words are
//! one edit apart), 1 for 4 to 7 letters, 2 from 8 letters. Candidates come from a
//! symmetric-deletion index (every vocabulary word is indexed under itself and its deletions),
//! so a lookup costs a few dozen binary searches instead of a scan of the vocabulary; each
//! candidate is then checked with `strsim`'s optimal string alignment distance (a transposition
//! counts as one edit). Ties go to the more frequent word, then to the first seen.

use crate::hashing::{IdMap, hash_str, new_id_map};

/// Shortest word that is corrected.
const MIN_LEN: usize = 4;
/// Length from which two edits are allowed.
const TWO_EDITS_LEN: usize = 8;

/// The vocabulary, indexed for nearest-word lookups.
#[derive(Debug, Default)]
pub(crate) struct TypoIndex {
    words: Vec<Box<str>>,
    freq: Vec<u32>,
    known: IdMap<()>,
    /// `(hash of a deletion variant, word id)`, sorted.
    deletions: Vec<(u64, u32)>,
}

impl TypoIndex {
    /// Indexes `words` (with how often each was seen); duplicates keep their first frequency.
    pub(crate) fn build<'a>(words: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let mut index = TypoIndex {
            known: new_id_map(),
            ..TypoIndex::default()
        };
        for (word, freq) in words {
            let hash = hash_str(0, word);
            if index.known.insert(hash, ()).is_some() {
                continue;
            }
            let id = index.words.len() as u32;
            index.words.push(word.into());
            index.freq.push(freq);
            let len = word.chars().count();
            // A query of length L may be up to max_edits(L) away; index deep enough for
            // every query length that can reach this word.
            let depth = match len {
                0..=2 => continue,
                3..=5 => 1,
                _ => 2,
            };
            if !word.chars().all(char::is_alphabetic) {
                continue;
            }
            for_each_deletion(word, depth, &mut |variant| {
                index.deletions.push((hash_str(0, variant), id));
            });
        }
        index.deletions.sort_unstable();
        index.deletions.dedup();
        index
    }

    /// Whether `word` is in the vocabulary.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.known.contains_key(&hash_str(0, word))
    }

    /// The nearest vocabulary word to an unknown `word`, within the allowed distance.
    pub(crate) fn correct(&self, word: &str) -> Option<&str> {
        let len = word.chars().count();
        if len < MIN_LEN || !word.chars().all(char::is_alphabetic) {
            return None;
        }
        let max_edits = if len >= TWO_EDITS_LEN { 2 } else { 1 };
        let mut best: Option<(usize, std::cmp::Reverse<u32>, u32)> = None;
        for_each_deletion(word, max_edits, &mut |variant| {
            let hash = hash_str(0, variant);
            let start = self.deletions.partition_point(|&(h, _)| h < hash);
            for &(_, id) in self.deletions[start..]
                .iter()
                .take_while(|&&(h, _)| h == hash)
            {
                let distance = strsim::osa_distance(word, &self.words[id as usize]);
                let key = (distance, std::cmp::Reverse(self.freq[id as usize]), id);
                if distance <= max_edits && best.is_none_or(|b| key < b) {
                    best = Some(key);
                }
            }
        });
        best.map(|(_, _, id)| &*self.words[id as usize])
    }
}

/// Calls `f` with `word` and every string obtained by deleting up to `depth` characters.
fn for_each_deletion(word: &str, depth: usize, f: &mut dyn FnMut(&str)) {
    fn recurse(
        chars: &[char],
        from: usize,
        depth: usize,
        buf: &mut String,
        f: &mut dyn FnMut(&str),
    ) {
        buf.clear();
        buf.extend(chars);
        f(buf);
        if depth == 0 || chars.len() <= 1 {
            return;
        }
        // Deleting positions in increasing order enumerates each set of deletions once.
        for i in from..chars.len() {
            let mut shorter = chars.to_vec();
            shorter.remove(i);
            recurse(&shorter, i, depth - 1, buf, f);
        }
    }
    let chars: Vec<char> = word.chars().collect();
    recurse(&chars, 0, depth, &mut String::new(), f);
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. one edit is forgiven from 4 letters, two from 8, none below 4;
    //! 2. known words and non-words are left alone;
    //! 3. ties go to the more frequent word.

    use super::*;

    fn index() -> TypoIndex {
        TypoIndex::build([
            ("abonnement", 3),
            ("puissance", 5),
            ("facture", 7),
            ("factures", 1),
            ("compteur", 2),
            ("bill", 4),
            ("pay", 4),
        ])
    }

    #[test]
    fn common_typos_are_corrected() {
        let index = index();
        assert_eq!(index.correct("abonement"), Some("abonnement"));
        assert_eq!(index.correct("puisance"), Some("puissance"));
        assert_eq!(index.correct("factur"), Some("facture"));
        assert_eq!(index.correct("comtpeur"), Some("compteur"));
        assert_eq!(index.correct("abnement"), Some("abonnement"));
    }

    #[test]
    fn distance_is_bounded_by_length() {
        let index = index();
        assert_eq!(
            index.correct("bil"),
            None,
            "below 4 letters nothing is corrected"
        );
        assert_eq!(
            index.correct("fcatre"),
            None,
            "two edits on a 6-letter word"
        );
        assert_eq!(index.correct("abonemnt"), Some("abonnement"));
        assert_eq!(index.correct("xyzxyzxyz"), None);
        assert_eq!(index.correct("15kva"), None);
    }

    #[test]
    fn known_words_are_recognised_and_ties_prefer_frequent_words() {
        let index = index();
        assert!(index.contains("facture"));
        assert!(!index.contains("factur"));
        // "facturs" is one edit from both "facture" (7 docs) and "factures" (1 doc).
        assert_eq!(index.correct("facturs"), Some("facture"));
    }
}
