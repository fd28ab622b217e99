//! Understanding customer utterances, in French and English.
//!
//! This crate owns everything between a raw utterance and a ranked list of intents: language
//! detection, normalisation (accents, elisions, glued units, emoji), stemming, typo tolerance
//! against the corpus vocabulary, and a matcher trained from authored examples, keywords and
//! patterns that can explain every score it gives.
//!
//! The key design decision is a linear model over sparse TF-IDF features (stemmed words,
//! bigrams, character n-grams), trained by dual coordinate descent: pure Rust on the CPU,
//! deterministic, fast to train (seconds for 15,000 examples) and to query (microseconds), and
//! exactly explainable, since every score is a sum of per-feature contributions.
//!
//! It deliberately does no I/O, no async and no storage: corpora arrive as plain data
//! ([`CorpusSpec`], or JSON Lines text via [`dataset`]) and results leave as plain data
//! ([`MatchResult`], [`eval::Metrics`]).

mod analysis;
mod calibrate;
pub mod dataset;
pub mod eval;
mod explain;
mod features;
mod hashing;
pub mod lang;
pub mod matcher;
mod model;
pub mod normalize;
mod rules;
pub mod spec;
mod synonyms;
mod typo;

pub use lang::Lang;
pub use matcher::{
    Candidate, Decision, Entity, Evidence, Explanation, MatchResult, Matcher, OUT_OF_SCOPE_INTENT,
    TrainError, TrainOptions,
};
pub use spec::{CorpusSpec, Example, IntentSpec, MatchConfig, SynonymSet};
