//! Recognising an explicit request for a human advisor, as a safety net under the corpus'
//! `human_agent` intent.
//!
//! A request is a person-noun ("conseiller", "human", "quelqu'un"...) close after a request verb
//! ("parler", "want", "passez-moi"...) and not negated, or a bare noun ("Conseiller !"). Proximity
//! keeps "un conseiller m'a dit que..." from triggering a handoff.

use crate::normalize;

/// Words naming an advisor: a request with any verb of [`TALK`] or [`WANT`].
const ADVISOR: &[&str] = &[
    "conseiller",
    "conseillere",
    "humain",
    "humaine",
    "agent",
    "operateur",
    "operatrice",
    "vraie personne",
    "vrai personne",
    "advisor",
    "adviser",
    "human",
    "operator",
    "representative",
    "real person",
];

/// Words naming anyone: a request only with a verb of [`TALK`] ("I need someone to read my
/// meter" is not one).
const ANYONE: &[&str] = &["quelqu un", "personne", "someone", "somebody", "person"];

/// Verbs of getting in touch.
const TALK: &[&str] = &[
    "parler",
    "discuter",
    "joindre",
    "contacter",
    "passer",
    "passez",
    "passe",
    "relation",
    "appeler",
    "talk",
    "speak",
    "chat",
    "connect",
    "transfer",
    "reach",
    "contact",
    "call",
];

/// Verbs of wanting.
const WANT: &[&str] = &[
    "avoir",
    "veux",
    "voudrais",
    "voudrai",
    "souhaite",
    "souhaiterais",
    "want",
    "need",
    "get",
];

/// Words that negate a request when between (or just before) the verb and the noun.
const NEGATION: &[&str] = &[
    "pas", "ne", "n", "not", "don", "dont", "never", "jamais", "sans", "without",
];

/// Nouns that are a request on their own in a very short message.
const BARE: &[&str] = &[
    "conseiller",
    "conseillere",
    "humain",
    "agent",
    "operateur",
    "advisor",
    "adviser",
    "human",
    "operator",
    "representative",
];

/// Articles, politeness and assent ignored when a message is checked for a bare noun, so that
/// typing a button's label ("Oui, un conseiller") counts.
const BARE_FILLERS: &[&str] = &[
    "un", "une", "le", "a", "an", "the", "svp", "stp", "please", "oui", "yes", "ok",
];

/// The longest gap, in words, between the request verb and the person-noun.
const MAX_GAP: usize = 3;

/// Whether `text` asks outright for a human advisor.
pub(crate) fn is_request(text: &str) -> bool {
    let words = normalize::words(text);
    let core: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !BARE_FILLERS.contains(w))
        .collect();
    if let [only] = core.as_slice()
        && BARE.contains(only)
    {
        return true;
    }
    (0..words.len()).any(|noun| {
        let verbs: &[&[&str]] = if starts_with_any(&words[noun..], ADVISOR) {
            &[TALK, WANT]
        } else if starts_with_any(&words[noun..], ANYONE) {
            &[TALK]
        } else {
            return false;
        };
        (noun.saturating_sub(MAX_GAP)..noun)
            .filter(|&i| verbs.iter().any(|list| list.contains(&words[i].as_str())))
            .any(|verb| !negated(&words, verb, noun))
    })
}

/// Whether `words` starts with one of `phrases`.
fn starts_with_any(words: &[String], phrases: &[&str]) -> bool {
    phrases
        .iter()
        .any(|p| normalize::starts_with_phrase(words, p))
}

/// Whether a negation sits in the two words before `verb` or between `verb` and `noun`.
fn negated(words: &[String], verb: usize, noun: usize) -> bool {
    words[verb.saturating_sub(2)..noun]
        .iter()
        .any(|w| NEGATION.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_in_both_languages() {
        for text in [
            "Je veux parler à un conseiller",
            "passez-moi un humain svp",
            "mettez-moi en relation avec quelqu'un",
            "I want to talk to a human",
            "can I speak to someone please",
            "Conseiller !",
            "agent",
            "a human please",
            "Oui, un conseiller",
            "yes, an advisor",
        ] {
            assert!(is_request(text), "{text}");
        }
    }

    #[test]
    fn mentions_and_refusals_are_not_requests() {
        for text in [
            "un conseiller m'a dit que ma facture baisserait",
            "je ne veux pas de conseiller",
            "I don't want a human",
            "pouvez-vous me conseiller sur la puissance",
            "je voudrais savoir ce que le conseiller a dit",
            "combien de personnes pour 9 kVA",
            "I need someone to read my meter",
        ] {
            assert!(!is_request(text), "{text}");
        }
    }

    #[test]
    fn lexicon_entries_are_already_folded() {
        for entry in ADVISOR
            .iter()
            .chain(ANYONE)
            .chain(TALK)
            .chain(WANT)
            .chain(NEGATION)
            .chain(BARE)
            .chain(BARE_FILLERS)
        {
            assert_eq!(normalize::fold(entry), *entry);
        }
    }
}
