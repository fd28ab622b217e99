//! The corpus as plain data: what authors wrote, already parsed, before any training.
//!
//! These types are built by the `relais-corpus` crate from TOML files, or by the evaluation CLI
//! from JSON Lines datasets. They hold no file names: source positions are the loader's business.

use std::collections::BTreeMap;

use crate::lang::Lang;

/// A whole corpus: intents, shared synonyms and the matching configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CorpusSpec {
    /// Every intent, in a stable order (the order defines nothing but ties must be broken stably).
    pub intents: Vec<IntentSpec>,
    /// Groups of words that mean the same thing for matching purposes.
    pub synonyms: Vec<SynonymSet>,
    /// Thresholds and options of the matcher.
    pub config: MatchConfig,
}

/// One intent: what a customer may want, how they say it, and which answer serves it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct IntentSpec {
    /// Stable identifier, e.g. `subscription_power`.
    pub id: String,
    /// What the intent covers, for authors.
    pub description: String,
    /// Short labels per language, shown as quick-reply choices (e.g. "Puissance du compteur").
    pub labels: BTreeMap<Lang, String>,
    /// Key of the answer in the FAQ store; `None` means the answer key is the intent id.
    pub answer: Option<String>,
    /// The advisor skill this intent belongs to (e.g. `billing`), for routing a handoff.
    pub skill: Option<String>,
    /// Training examples.
    pub examples: Vec<Example>,
    /// Authored keywords: words or short phrases that are strong evidence for this intent.
    pub keywords: Vec<String>,
    /// Regular expressions; named captures become entities on the match result.
    pub patterns: Vec<String>,
}

impl IntentSpec {
    /// The FAQ key of this intent's answer.
    pub fn answer_key(&self) -> &str {
        self.answer.as_deref().unwrap_or(&self.id)
    }
}

/// A training example.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// The utterance as a customer would type it.
    pub text: String,
    /// Its language, when the author said so.
    pub lang: Option<Lang>,
}

/// Words that mean the same thing; every variant is matched as the canonical word.
#[derive(Clone, Debug, PartialEq)]
pub struct SynonymSet {
    /// The word variants are rewritten to.
    pub canonical: String,
    /// Words or short phrases rewritten to `canonical`.
    pub variants: Vec<String>,
}

/// Decision thresholds of the matcher; they live in the corpus and can be tuned on validation data.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchConfig {
    /// Below this confidence the utterance is out of scope.
    pub oos_threshold: f32,
    /// When the top two confidences differ by less than this, the match is ambiguous.
    pub ambiguity_margin: f32,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            oos_threshold: 0.35,
            ambiguity_margin: 0.15,
        }
    }
}
