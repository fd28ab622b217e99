//! Typed answers to the bot's questions: "oui", "non merci", "ni l'un ni l'autre", "something
//! else"... handled exactly like the matching quick-reply click.
//!
//! Only a message that is *nothing but* such an answer counts (after dropping politeness such as
//! "merci" or "please"): "non, ma facture est fausse" is a new question for the matcher.

use crate::normalize;

/// A typed answer to a yes/no or "which one" question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Typed {
    /// Agreement: "oui", "yes", "d'accord", "ok"...
    Yes,
    /// Refusal or "none of these": "non", "no", "aucun", "neither", "ni l'un ni l'autre"...
    No,
    /// "Something else", "autre chose".
    Other,
}

const YES: &[&str] = &[
    "oui",
    "yes",
    "d accord",
    "daccord",
    "dac",
    "ok",
    "okay",
    "ouais",
    "ouai",
    "oui oui",
    "yep",
    "yeah",
    "yup",
    "volontiers",
    "bien sur",
    "sure",
    "of course",
    "absolument",
    "tout a fait",
    "exactement",
    "exactly",
    "c est ca",
    "oui c est ca",
    "that s it",
    "that s right",
    "correct",
    "avec plaisir",
    "vas y",
    "allez y",
    "go ahead",
    "je veux bien",
    "pourquoi pas",
    "why not",
];

const NO: &[&str] = &[
    "non",
    "no",
    "nope",
    "nan",
    "non non",
    "aucun",
    "aucune",
    "aucun des deux",
    "aucune des deux",
    "aucun des trois",
    "ni l un ni l autre",
    "ni l une ni l autre",
    "neither",
    "neither of them",
    "neither one",
    "none",
    "none of them",
    "none of these",
    "none of those",
    "pas du tout",
    "not at all",
    "pas vraiment",
    "not really",
    "pas ca",
    "c est pas ca",
    "ce n est pas ca",
    "non c est pas ca",
    "non ce n est pas ca",
    "rien de tout ca",
    "rien de ca",
    "not that",
    "that s not it",
    "no that s not it",
    "wrong",
    "non plus",
    "non pas du tout",
];

const OTHER: &[&str] = &[
    "autre chose",
    "autre",
    "une autre question",
    "autre question",
    "autre sujet",
    "something else",
    "other",
    "another thing",
    "another question",
    "another topic",
    "something different",
    "other topic",
];

/// Politeness and hesitation around an answer, dropped from both ends before lookup.
const FILLERS: &[&str] = &[
    "s il vous plait",
    "s il te plait",
    "merci beaucoup",
    "merci",
    "thank you",
    "thanks",
    "svp",
    "stp",
    "please",
    "euh",
    "hmm",
    "bon",
    "well",
    "um",
];

/// The typed answer `text` amounts to, if it is nothing more than one.
pub(crate) fn classify(text: &str) -> Option<Typed> {
    let mut words = normalize::words(text);
    loop {
        let joined = words.join(" ");
        if YES.contains(&joined.as_str()) {
            return Some(Typed::Yes);
        }
        if NO.contains(&joined.as_str()) {
            return Some(Typed::No);
        }
        if OTHER.contains(&joined.as_str()) {
            return Some(Typed::Other);
        }
        if !strip_filler(&mut words) {
            return None;
        }
    }
}

/// Drops one filler phrase from the start or the end of `words`; false when there was none.
fn strip_filler(words: &mut Vec<String>) -> bool {
    for filler in FILLERS {
        let n = filler.split(' ').count();
        if normalize::starts_with_phrase(words, filler) {
            words.drain(..n);
            return true;
        }
        if let Some(tail) = words.len().checked_sub(n)
            && normalize::starts_with_phrase(&words[tail..], filler)
        {
            words.truncate(tail);
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_answers_in_both_languages() {
        for yes in [
            "oui",
            "Yes!",
            "D'accord",
            "ok merci",
            "Oui, s'il vous plaît",
            "bien sûr",
        ] {
            assert_eq!(classify(yes), Some(Typed::Yes), "{yes}");
        }
        for no in [
            "non",
            "No thanks",
            "Aucun",
            "neither",
            "Ni l'un ni l'autre",
            "NON !!!",
        ] {
            assert_eq!(classify(no), Some(Typed::No), "{no}");
        }
        for other in ["autre chose", "Something else please"] {
            assert_eq!(classify(other), Some(Typed::Other), "{other}");
        }
    }

    #[test]
    fn sentences_are_not_typed_answers() {
        assert_eq!(classify("non, ma facture est fausse"), None);
        assert_eq!(classify("yes I want to pay my bill"), None);
        assert_eq!(classify("merci"), None);
        assert_eq!(classify(""), None);
    }

    #[test]
    fn lexicon_entries_are_already_folded() {
        for entry in YES.iter().chain(NO).chain(OTHER).chain(FILLERS) {
            assert_eq!(normalize::fold(entry), *entry);
        }
    }
}
