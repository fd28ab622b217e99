//! Normalisation: from raw customer text to tokens, identically for training and matching.
//!
//! Each [`Token`] keeps two forms: `display` (lower case, accents kept, for explanations) and
//! `key` (accents and ligatures folded, for matching), so "Électricité" and "electricite" share a
//! key. French elisions are dropped ("l'abonnement" → "abonnement", also with the typographic
//! ’), English contractions are expanded ("don't" → "do not"), numbers glued to units are split
//! ("15Kva" → "15", "kva"), and `?`, `!`, currency signs and emoji (including a few ASCII
//! emoticons) are kept as tokens because they carry intent or sentiment. Other punctuation
//! separates tokens and is dropped.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What a token is made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Letters, e.g. `abonnement`.
    Word,
    /// Digits, possibly with a decimal separator, e.g. `15` or `2.5`.
    Number,
    /// A question or exclamation mark.
    Punct,
    /// A currency or percent sign.
    Symbol,
    /// An emoji (ASCII emoticons are mapped to one).
    Emoji,
}

/// One normalised token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Lower case, accents kept: what explanations show.
    pub display: String,
    /// Lower case, accents and ligatures folded: what matching compares.
    pub key: String,
    /// What the token is made of.
    pub kind: TokenKind,
}

/// French elided articles and pronouns, dropped with their apostrophe ("l'", "qu'", ...).
const ELISIONS: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// ASCII emoticons mapped to the emoji that carries the same sentiment, longest first.
const EMOTICONS: &[(&str, char)] = &[
    (":'(", '😢'),
    (":-)", '🙂'),
    (":-(", '🙁'),
    (":-D", '😀'),
    (";-)", '😉'),
    (":)", '🙂'),
    (":(", '🙁'),
    (":D", '😀'),
    (";)", '😉'),
    (":/", '😕'),
];

/// Splits `text` into normalised tokens.
pub fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.nfkc().collect();
    let mut out = Tokenizer::default();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some((len, emoji)) = emoticon_at(&chars, i) {
            out.flush();
            out.push_single(emoji, TokenKind::Emoji);
            i += len;
            continue;
        }
        let next = chars.get(i + 1).copied();
        if c.is_alphabetic() {
            out.push_char(c, TokenKind::Word);
        } else if is_combining_mark(c) {
            out.extend_current(c);
        } else if c.is_numeric() {
            out.push_char(c, TokenKind::Number);
        } else if matches!(c, '.' | ',')
            && out.kind == Some(TokenKind::Number)
            && next.is_some_and(|n| n.is_ascii_digit())
        {
            out.extend_current('.');
        } else if is_apostrophe(c)
            && out.kind == Some(TokenKind::Word)
            && next.is_some_and(char::is_alphabetic)
        {
            out.apostrophe();
        } else if matches!(c, '?' | '¿') {
            out.flush();
            out.push_single('?', TokenKind::Punct);
        } else if matches!(c, '!' | '¡') {
            out.flush();
            out.push_single('!', TokenKind::Punct);
        } else if matches!(c, '€' | '$' | '£' | '%') {
            out.flush();
            out.push_single(c, TokenKind::Symbol);
        } else if is_emoji(c) {
            out.flush();
            out.push_single(c, TokenKind::Emoji);
        } else {
            out.flush();
        }
        i += 1;
    }
    out.flush();
    out.tokens
}

/// Folds a lower-case string for matching: accents removed, ligatures expanded.
pub fn fold(display: &str) -> String {
    let mut key = String::with_capacity(display.len());
    for c in display.nfd() {
        match c {
            c if is_combining_mark(c) => {}
            'œ' => key.push_str("oe"),
            'æ' => key.push_str("ae"),
            'ß' => key.push_str("ss"),
            c => key.push(c),
        }
    }
    key
}

/// Tokenises `text` and joins the keys with single spaces: the text patterns run on.
pub fn normalize(text: &str) -> String {
    let keys: Vec<String> = tokenize(text).into_iter().map(|t| t.key).collect();
    keys.join(" ")
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | 'ʼ' | '‘' | '`' | '´')
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F300..=0x1F3FA | 0x1F400..=0x1F64F | 0x1F680..=0x1F6FF | 0x1F900..=0x1FAFF
        | 0x2600..=0x27BF | 0x2B50 | 0x2B55)
}

/// The emoticon starting at `chars[i]`, with its length in chars, if any. An emoticon must stand
/// apart from words and URLs ("http://", ":Dupont" are not emoticons).
fn emoticon_at(chars: &[char], i: usize) -> Option<(usize, char)> {
    if !matches!(chars[i], ':' | ';') || i > 0 && !chars[i - 1].is_whitespace() {
        return None;
    }
    EMOTICONS.iter().find_map(|(ascii, emoji)| {
        let len = ascii.chars().count();
        let head = chars.get(i..i + len)?;
        let free = chars
            .get(i + len)
            .is_none_or(|c| !c.is_alphanumeric() && *c != '/');
        (free && head.iter().copied().eq(ascii.chars())).then_some((len, *emoji))
    })
}

/// The tokeniser's state: the token being built and what came before.
#[derive(Default)]
struct Tokenizer {
    tokens: Vec<Token>,
    current: String,
    kind: Option<TokenKind>,
    /// The previous word ended with an apostrophe that was not a French elision.
    contraction: bool,
}

impl Tokenizer {
    fn push_char(&mut self, c: char, kind: TokenKind) {
        if self.kind.is_some_and(|k| k != kind) {
            // Digits glued to letters ("15kva", "kva15") are two tokens.
            self.flush();
        }
        self.kind = Some(kind);
        self.current.extend(c.to_lowercase());
    }

    fn extend_current(&mut self, c: char) {
        if self.kind.is_some() {
            self.current.push(c);
        }
    }

    fn push_single(&mut self, c: char, kind: TokenKind) {
        self.push_char(c, kind);
        self.flush();
    }

    /// An apostrophe between two letters: an elision, "aujourd'hui" or an English contraction.
    fn apostrophe(&mut self) {
        let prefix = fold(&self.current);
        if ELISIONS.contains(&prefix.as_str()) {
            self.current.clear();
            self.kind = None;
        } else if prefix == "aujourd" {
            // "aujourd'hui" is one word; keep going without the apostrophe.
        } else {
            self.flush();
            self.contraction = true;
        }
    }

    fn flush(&mut self) {
        let Some(kind) = self.kind.take() else {
            return;
        };
        let mut display = std::mem::take(&mut self.current);
        if std::mem::take(&mut self.contraction) && kind == TokenKind::Word {
            display = self.expand_contraction(display);
        }
        let key = fold(&display);
        self.tokens.push(Token { display, key, kind });
    }

    /// Expands the part after an English apostrophe, fixing the word before it for "n't".
    fn expand_contraction(&mut self, suffix: String) -> String {
        let expanded = match suffix.as_str() {
            "t" => {
                if let Some(prev) = self.tokens.last_mut()
                    && prev.key.ends_with('n')
                {
                    let base = match prev.key.as_str() {
                        "can" => "can".to_string(),
                        "won" => "will".to_string(),
                        "shan" => "shall".to_string(),
                        other => other[..other.len() - 1].to_string(),
                    };
                    prev.display = base.clone();
                    prev.key = base;
                }
                "not"
            }
            "m" => "am",
            "re" => "are",
            "ve" => "have",
            "ll" => "will",
            "d" => "would",
            _ => return suffix,
        };
        expanded.to_string()
    }
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. accents are kept for display and folded for matching;
    //! 2. French elisions are dropped, with straight and typographic apostrophes;
    //! 3. English contractions are expanded;
    //! 4. numbers glued to units are split, decimals stay whole;
    //! 5. `?`, `!`, currency signs, emoji and emoticons are kept as tokens;
    //! 6. other punctuation and hyphens only separate tokens.

    use super::*;

    fn keys(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.key).collect()
    }

    #[test]
    fn accents_are_folded_for_matching_and_kept_for_display() {
        let tokens = tokenize("Électricité CŒUR");
        assert_eq!(tokens[0].display, "électricité");
        assert_eq!(tokens[0].key, "electricite");
        assert_eq!(tokens[1].key, "coeur");
        assert_eq!(keys("electricite"), keys("ÉLECTRICITÉ"));
    }

    #[test]
    fn french_elisions_are_dropped() {
        assert_eq!(keys("l'abonnement"), ["abonnement"]);
        assert_eq!(
            keys("L’abonnement d’électricité"),
            ["abonnement", "electricite"]
        );
        assert_eq!(keys("qu'est-ce que j'ai"), ["est", "ce", "que", "ai"]);
        assert_eq!(keys("aujourd'hui"), ["aujourdhui"]);
    }

    #[test]
    fn english_contractions_are_expanded() {
        assert_eq!(keys("I don't know"), ["i", "do", "not", "know"]);
        assert_eq!(keys("I can’t pay"), ["i", "can", "not", "pay"]);
        assert_eq!(keys("I'm moving"), ["i", "am", "moving"]);
        assert_eq!(keys("it's late"), ["it", "s", "late"]);
    }

    #[test]
    fn glued_numbers_and_units_are_split() {
        assert_eq!(keys("15Kva"), keys("15 kVA"));
        assert_eq!(keys("15Kva"), ["15", "kva"]);
        assert_eq!(keys("2,5kW"), ["2.5", "kw"]);
        let kinds: Vec<TokenKind> = tokenize("9kva").iter().map(|t| t.kind).collect();
        assert_eq!(kinds, [TokenKind::Number, TokenKind::Word]);
    }

    #[test]
    fn signals_are_kept_as_tokens() {
        assert_eq!(keys("pourquoi ?!"), ["pourquoi", "?", "!"]);
        assert_eq!(keys("50€ de trop 😡"), ["50", "€", "de", "trop", "😡"]);
        let tokens = tokenize("merci :)");
        assert_eq!(tokens[1].key, "🙂");
        assert_eq!(tokens[1].kind, TokenKind::Emoji);
        assert_eq!(keys("👍🏽"), ["👍"]);
    }

    #[test]
    fn other_punctuation_separates_tokens() {
        assert_eq!(keys("kilovolt-ampere, svp."), ["kilovolt", "ampere", "svp"]);
        assert_eq!(keys("  "), Vec::<String>::new());
        assert_eq!(normalize("Mon compteur: 9KVA?"), "mon compteur 9 kva ?");
    }
}
