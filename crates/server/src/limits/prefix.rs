//! The bounded prefix of an utterance that the matcher sees.
//!
//! Matching cost grows with the text; a customer may send up to the text limit (and an
//! operator may raise it). Intents are recognised from the first words, so the matcher gets
//! at most [`MATCH_MAX_CHARS`] characters and [`MATCH_MAX_WORDS`] words, and a long message
//! costs no more than a normal one. The transcript keeps the whole text.

/// Most characters of an utterance passed to the matcher.
pub(crate) const MATCH_MAX_CHARS: usize = 512;
/// Most whitespace-separated words of an utterance passed to the matcher.
pub(crate) const MATCH_MAX_WORDS: usize = 64;

/// The part of `text` the matcher works on: up to [`MATCH_MAX_CHARS`] characters and
/// [`MATCH_MAX_WORDS`] words, cut at a character boundary before the first word too many.
pub(crate) fn matcher_prefix(text: &str) -> &str {
    let mut words = 0;
    let mut in_word = false;
    for (chars, (at, c)) in text.char_indices().enumerate() {
        if chars == MATCH_MAX_CHARS {
            return &text[..at];
        }
        if c.is_whitespace() {
            in_word = false;
        } else if !in_word {
            in_word = true;
            words += 1;
            if words > MATCH_MAX_WORDS {
                return &text[..at];
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_texts_pass_whole() {
        for text in ["", "bonjour", "  ma facture est trop élevée  ", "😀 merci"] {
            assert_eq!(matcher_prefix(text), text);
        }
    }

    #[test]
    fn long_texts_are_cut_at_the_character_limit_on_a_boundary() {
        let text = "é".repeat(70_000);
        let prefix = matcher_prefix(&text);
        assert_eq!(prefix.chars().count(), MATCH_MAX_CHARS);
        assert!(text.starts_with(prefix));
    }

    #[test]
    fn many_words_are_cut_before_the_word_too_many() {
        let text = "ab ".repeat(100);
        let prefix = matcher_prefix(&text);
        assert_eq!(prefix.split_whitespace().count(), MATCH_MAX_WORDS);
        assert!(prefix.ends_with(' '));
        let exact = "ab ".repeat(MATCH_MAX_WORDS);
        assert_eq!(matcher_prefix(&exact), exact);
    }
}
