//! Language of an utterance: French or English, decided from function words and accents.
//!
//! Detection is deliberately conservative: a short fragment such as "15 kVA" or "ok" carries no
//! language signal, so [`detect`] returns `None` and the conversation keeps its current language.

use serde::{Deserialize, Serialize};

/// A language Relais serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Every language Relais serves, in a stable order.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The ISO 639-1 code (`"fr"`, `"en"`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// Parses an ISO 639-1 code, case-insensitively.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

// "ai" (as in "j'ai") is left out: in English "AI" is common in chatbot conversations, and the
// elided "j" already marks French.
const FRENCH_WORDS: &[&str] = &[
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "du",
    "de",
    "je",
    "tu",
    "il",
    "elle",
    "nous",
    "vous",
    "mon",
    "ma",
    "mes",
    "votre",
    "vos",
    "est",
    "suis",
    "pour",
    "avec",
    "pas",
    "que",
    "qui",
    "quoi",
    "comment",
    "pourquoi",
    "bonjour",
    "merci",
    "oui",
    "non",
    "et",
    "ou",
    "sur",
    "dans",
    "au",
    "aux",
    "ce",
    "cette",
    "faire",
    "peux",
    "puis",
    "veux",
    "voudrais",
    "j",
    "l",
    "d",
    "qu",
    "c",
    "n",
    "m",
    "s",
    "salut",
    "besoin",
    "mais",
    "quel",
    "quelle",
    "quels",
    "combien",
    "facture",
    "compteur",
    "aide",
    "avoir",
    "être",
    "etre",
    "conseiller",
    "au revoir",
    "svp",
    "stp",
];

const ENGLISH_WORDS: &[&str] = &[
    "the", "a", "an", "i", "you", "he", "she", "we", "they", "my", "your", "is", "am", "are",
    "for", "with", "not", "what", "who", "how", "why", "hello", "hi", "thanks", "thank", "yes",
    "no", "and", "or", "on", "in", "to", "of", "this", "that", "do", "does", "can", "could",
    "would", "want", "need", "bill", "meter", "help", "have", "be", "it", "me", "please", "bye",
    "human", "when", "where", "which", "much", "many", "there", "m", "s", "t", "don",
];

/// Detects the language of `text`, or `None` when the text carries too little signal to decide.
pub fn detect(text: &str) -> Option<Lang> {
    let lower = text.to_lowercase();
    let mut fr = 0i32;
    let mut en = 0i32;
    for c in lower.chars() {
        if "éèêàùçôîœ".contains(c) {
            fr += 2;
        }
    }
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if FRENCH_WORDS.contains(&word) {
            fr += 1;
        }
        if ENGLISH_WORDS.contains(&word) {
            en += 1;
        }
    }
    match fr.cmp(&en) {
        std::cmp::Ordering::Greater if fr >= 1 => Some(Lang::Fr),
        std::cmp::Ordering::Less if en >= 1 => Some(Lang::En),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_clear_sentences() {
        assert_eq!(
            detect("Bonjour, je voudrais changer ma puissance"),
            Some(Lang::Fr)
        );
        assert_eq!(detect("l'électricité coûte cher"), Some(Lang::Fr));
        assert_eq!(detect("Hello, I need help with my bill"), Some(Lang::En));
        assert_eq!(detect("j'ai un problème"), Some(Lang::Fr));
        assert_eq!(detect("hey ai, can you stop talking"), Some(Lang::En));
    }

    #[test]
    fn fragments_without_signal_are_undecided() {
        assert_eq!(detect("15 kVA"), None);
        assert_eq!(detect("???"), None);
        // "agent" is the same word in both languages: a French customer typing it alone must
        // not switch the conversation to English.
        assert_eq!(detect("agent"), None);
    }
}
