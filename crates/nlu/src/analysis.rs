//! Analysis: the steps shared by training and matching, from raw text to the terms featurised.
//!
//! Tokenise and fold ([`crate::normalize`]), pick the stemming language, replace unknown words
//! by their nearest vocabulary word ([`crate::typo`]), then rewrite synonyms to their canonical
//! form ([`crate::synonyms`]). Training runs the same steps without typo correction, so a
//! training example and the same text typed by a customer always give the same terms.

use std::borrow::Cow;

use rust_stemmers::{Algorithm, Stemmer};

use crate::lang::{self, Lang};
use crate::normalize::{self, TokenKind};
use crate::synonyms::Synonyms;
use crate::typo::TypoIndex;

/// One term of an analysed utterance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Term {
    /// Folded form, after typo correction and synonym rewriting.
    pub(crate) key: String,
    /// What kind of token it came from.
    pub(crate) kind: TokenKind,
    /// The folded word the customer typed, when typo correction replaced it.
    pub(crate) typed: Option<String>,
}

/// An analysed utterance.
#[derive(Clone, Debug)]
pub(crate) struct Analysis {
    /// Terms in order.
    pub(crate) terms: Vec<Term>,
    /// Language used for stemming.
    pub(crate) lang: Lang,
}

impl Analysis {
    /// The terms' keys joined by single spaces: the text keywords and patterns look at.
    pub(crate) fn text(&self) -> String {
        let keys: Vec<&str> = self.terms.iter().map(|t| t.key.as_str()).collect();
        keys.join(" ")
    }
}

/// The Snowball stemmers of the languages Relais serves.
pub(crate) struct Stemmers {
    fr: Stemmer,
    en: Stemmer,
}

impl Stemmers {
    /// The French and English stemmers.
    pub(crate) fn new() -> Self {
        Stemmers {
            fr: Stemmer::create(Algorithm::French),
            en: Stemmer::create(Algorithm::English),
        }
    }

    /// The stem of a folded word in `lang`.
    pub(crate) fn stem<'a>(&self, lang: Lang, word: &'a str) -> Cow<'a, str> {
        match lang {
            Lang::Fr => self.fr.stem(word),
            Lang::En => self.en.stem(word),
        }
    }
}

impl std::fmt::Debug for Stemmers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stemmers { fr, en }")
    }
}

/// Runs the analysis steps with a corpus' synonyms and default language.
#[derive(Debug)]
pub(crate) struct Analyzer {
    pub(crate) stemmers: Stemmers,
    synonyms: Synonyms,
    default_lang: Lang,
}

impl Analyzer {
    /// An analyzer rewriting `synonyms` and stemming undecided text in `default_lang`.
    pub(crate) fn new(synonyms: Synonyms, default_lang: Lang) -> Self {
        Analyzer {
            stemmers: Stemmers::new(),
            synonyms,
            default_lang,
        }
    }

    /// The synonym rules in force.
    pub(crate) fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// Analyses `text`; `lang` overrides detection, `typo` enables typo correction.
    pub(crate) fn analyze(
        &self,
        text: &str,
        lang: Option<Lang>,
        typo: Option<&TypoIndex>,
    ) -> Analysis {
        let lang = lang
            .or_else(|| lang::detect(text))
            .unwrap_or(self.default_lang);
        let mut terms: Vec<Term> = normalize::tokenize(text)
            .into_iter()
            .map(|token| Term {
                key: token.key,
                kind: token.kind,
                typed: None,
            })
            .collect();
        if let Some(typo) = typo {
            for term in terms.iter_mut().filter(|t| t.kind == TokenKind::Word) {
                if typo.contains(&term.key) {
                    continue;
                }
                if let Some(word) = typo.correct(&term.key) {
                    let typed = std::mem::replace(&mut term.key, word.to_string());
                    term.typed = Some(typed);
                }
            }
        }
        let terms = self.synonyms.rewrite(terms);
        Analysis { terms, lang }
    }
}
