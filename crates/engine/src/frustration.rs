//! Spotting a frustrated customer: swearing, insults at the bot, sarcasm, exasperation, sad or
//! angry emoji, shouting in capitals, "!!!" and "?!".
//!
//! Detection only counts and steers the reply towards empathy and an advisor; the engine never
//! comments on the customer's wording. The lexicon is small and French + English on purpose:
//! a false positive costs one apologetic sentence, a miss costs an unhappy customer.

use crate::normalize;

/// What gave the frustration away (the first signal found, in this order of strength).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// An insult aimed at the bot or the company ("nul", "stupid bot").
    Insult,
    /// A swear word ("putain", "damn").
    Swearing,
    /// Sarcasm ("merci pour rien", "bravo...", "great, another bot").
    Sarcasm,
    /// Exasperation ("j'en ai marre", "fed up").
    Exasperation,
    /// An angry or sad emoji or emoticon.
    Emoji,
    /// A message in capitals.
    Shouting,
    /// "!!!", "?!" or "!?".
    Punctuation,
}

const INSULTS: &[&str] = &[
    "nul",
    "nulle",
    "nuls",
    "debile",
    "idiot",
    "idiote",
    "stupide",
    "con",
    "conne",
    "connard",
    "connasse",
    "abruti",
    "cretin",
    "imbecile",
    "incompetent",
    "incompetents",
    "minable",
    "pitoyable",
    "lamentable",
    "naze",
    "nase",
    "stupid",
    "dumb",
    "useless",
    "moron",
    "rubbish",
    "pathetic",
    "incompetence",
    "garbage",
];

const SWEARING: &[&str] = &[
    "putain", "ptn", "merde", "bordel", "chier", "zut", "damn", "dammit", "shit", "crap", "wtf",
    "bloody", "hell", "ffs", "pff", "pfff", "pffff", "grr", "grrr", "argh",
];

/// Swear-word stems that also count when extended ("fucking", "merdique", "emmerdant").
const SWEARING_STEMS: &[&str] = &["fuck", "merdi", "emmerd", "putai"];

const SARCASM: &[&str] = &[
    "merci pour rien",
    "thanks for nothing",
    "thank you for nothing",
    "another bot",
    "encore un bot",
    "encore un robot",
    "sert a rien",
    "sers a rien",
    "servez a rien",
    "comprends rien",
    "comprenez rien",
    "comprend rien",
    "understand anything",
    "not helpful at all",
    "c est une blague",
    "this is a joke",
    "what a joke",
];

/// Praise that reads as sarcasm when trailed by an ellipsis ("bravo...", "génial…").
const PRAISE: &[&str] = &[
    "bravo",
    "genial",
    "super",
    "parfait",
    "top",
    "formidable",
    "magnifique",
    "fantastique",
    "excellent",
    "chapeau",
    "merveilleux",
    "utile",
    "great",
    "perfect",
    "wonderful",
    "brilliant",
    "nice",
    "fantastic",
    "awesome",
    "helpful",
    "impressive",
    "wow",
    "cool",
];

const EXASPERATION: &[&str] = &[
    "marre",
    "ras le bol",
    "ras l bol",
    "n importe quoi",
    "inadmissible",
    "inacceptable",
    "scandaleux",
    "scandale",
    "honteux",
    "honte",
    "ridicule",
    "fed up",
    "sick of",
    "sick and tired",
    "ridiculous",
    "unacceptable",
    "disgraceful",
    "outrageous",
];

const EMOJI: &[&str] = &[
    "😡", "😠", "🤬", "😤", "😞", "😢", "🙁", "☹", "👎", "😭", "😒", "🙄", "😩", "😫", "💢", ":(",
    ":-(", ":'(", ">:(",
];

/// The least number of capital letters, over at least two words, that counts as shouting
/// (so "EDF" or "15 KVA" do not).
const SHOUTING_MIN_LETTERS: usize = 8;

/// The first frustration signal in `text`, if any.
pub(crate) fn detect(text: &str) -> Option<Signal> {
    let words = normalize::words(text);
    let has_word = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    if has_word(INSULTS) {
        Some(Signal::Insult)
    } else if has_word(SWEARING)
        || words
            .iter()
            .any(|w| SWEARING_STEMS.iter().any(|s| w.starts_with(s)))
    {
        Some(Signal::Swearing)
    } else if normalize::contains_any(&words, SARCASM) || praise_with_ellipsis(text) {
        Some(Signal::Sarcasm)
    } else if normalize::contains_any(&words, EXASPERATION) {
        Some(Signal::Exasperation)
    } else if EMOJI.iter().any(|e| text.contains(e)) {
        Some(Signal::Emoji)
    } else if shouting(text) {
        Some(Signal::Shouting)
    } else if ["!!!", "?!", "!?"].iter().any(|p| text.contains(p)) {
        Some(Signal::Punctuation)
    } else {
        None
    }
}

/// Whether a word of praise comes right before an ellipsis.
fn praise_with_ellipsis(text: &str) -> bool {
    let unified = text.replace('…', "...");
    let mut before_ellipsis = unified.match_indices("...").map(|(at, _)| &unified[..at]);
    before_ellipsis.any(|before| {
        normalize::words(before)
            .last()
            .is_some_and(|w| PRAISE.contains(&w.as_str()))
    })
}

/// Whether `text` is written in capitals: no lowercase letter, two words or more, and enough
/// capital letters.
fn shouting(text: &str) -> bool {
    let capitals = text.chars().filter(|c| c.is_uppercase()).count();
    let lowercase = text.chars().any(char::is_lowercase);
    let words = text
        .split_whitespace()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .count();
    !lowercase && words >= 2 && capitals >= SHOUTING_MIN_LETTERS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_signal_is_detected() {
        let cases = [
            ("t'es vraiment nul", Signal::Insult),
            ("stupid bot", Signal::Insult),
            ("Damn!", Signal::Swearing),
            ("putain de compteur", Signal::Swearing),
            ("this fucking meter", Signal::Swearing),
            ("super merci pour rien", Signal::Sarcasm),
            ("thanks for nothing", Signal::Sarcasm),
            ("bravo...", Signal::Sarcasm),
            ("génial…", Signal::Sarcasm),
            ("great, another bot", Signal::Sarcasm),
            ("j'en ai marre", Signal::Exasperation),
            ("I'm fed up with this", Signal::Exasperation),
            ("ma facture 😡", Signal::Emoji),
            ("☹️", Signal::Emoji),
            ("ça ne marche pas :(", Signal::Emoji),
            ("JE VEUX MA FACTURE", Signal::Shouting),
            ("pourquoi c'est si cher ?!", Signal::Punctuation),
            ("réponds !!!", Signal::Punctuation),
        ];
        for (text, signal) in cases {
            assert_eq!(detect(text), Some(signal), "{text}");
        }
    }

    #[test]
    fn calm_messages_are_not_frustrated() {
        for text in [
            "Bonjour, quelle puissance pour 15 kVA ?",
            "hello, how do I pay my bill?",
            "merci beaucoup !",
            "le contrat EDF",
            "super, merci",
            "Great, thanks!",
            "contrat de 9 KVA",
            "je veux résilier",
        ] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn lexicon_entries_are_already_folded() {
        for entry in INSULTS
            .iter()
            .chain(SWEARING)
            .chain(SWEARING_STEMS)
            .chain(SARCASM)
            .chain(PRAISE)
            .chain(EXASPERATION)
        {
            assert_eq!(normalize::fold(entry), *entry);
        }
    }
}
