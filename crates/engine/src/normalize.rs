//! Folding customer text for the engine's small lexicons: lowercase, no accents, words only.
//!
//! The matcher has its own, richer normalisation; the engine only compares short phrases
//! ("ni l'un ni l'autre", "parler à un conseiller"), so it keeps a small fold of its own instead
//! of depending on the matcher's internals. Lexicon entries are written already folded (ASCII,
//! single spaces), which the lexicon modules' tests check.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` lowercased, without accents, every run of non-alphanumeric characters (apostrophes,
/// hyphens, punctuation, emoji) turned into one space, trimmed.
pub(crate) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            for lower in c.to_lowercase() {
                match lower {
                    'œ' => out.push_str("oe"),
                    'æ' => out.push_str("ae"),
                    other => out.push(other),
                }
            }
        } else {
            pending_space = true;
        }
    }
    out
}

/// The folded words of `text`.
pub(crate) fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Where the folded `phrase` occurs as consecutive words of `words`, if it does.
pub(crate) fn find_phrase(words: &[String], phrase: &str) -> Option<usize> {
    let needle: Vec<&str> = phrase.split(' ').collect();
    if needle.is_empty() || needle.len() > words.len() {
        return None;
    }
    words
        .windows(needle.len())
        .position(|window| window.iter().zip(&needle).all(|(w, n)| w == n))
}

/// Whether `words` begins with the folded `phrase`.
pub(crate) fn starts_with_phrase(words: &[String], phrase: &str) -> bool {
    let mut needle = phrase.split(' ');
    let matched = words.iter().zip(needle.by_ref()).all(|(w, n)| w == n);
    matched && needle.next().is_none() && !phrase.is_empty()
}

/// Whether any of `phrases` occurs in `words`.
pub(crate) fn contains_any(words: &[String], phrases: &[&str]) -> bool {
    phrases.iter().any(|p| find_phrase(words, p).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_apostrophes_and_punctuation() {
        assert_eq!(fold("Ni l'un, ni l’autre !"), "ni l un ni l autre");
        assert_eq!(fold("  Électricité — ÇA coûte  "), "electricite ca coute");
        assert_eq!(fold("Œuvre"), "oeuvre");
        assert_eq!(fold("😡!!!"), "");
    }

    #[test]
    fn finds_whole_word_phrases_only() {
        let w = words("Je veux parler à un conseiller");
        assert_eq!(find_phrase(&w, "un conseiller"), Some(4));
        assert_eq!(find_phrase(&w, "conseil"), None);
        assert!(contains_any(&w, &["xyz", "parler a"]));
        assert!(starts_with_phrase(&w, "je veux"));
        assert!(!starts_with_phrase(&w, "veux"));
        assert!(!starts_with_phrase(&w[..1], "je veux"));
        assert!(!contains_any(&w, &["a un humain"]));
    }
}
