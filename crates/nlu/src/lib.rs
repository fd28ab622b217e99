//! Understanding customer utterances, in French and English.
//!
//! This crate owns everything between a raw utterance and a ranked list of intents: language
//! detection, normalisation (accents, elisions, glued units, emoji), stemming, typo tolerance
//! against the corpus vocabulary, and a matcher trained from authored examples, keywords and
//! patterns that can explain every score it gives.
//!
//! It deliberately does no I/O, no async and no storage: corpora arrive as plain data
//! ([`CorpusSpec`]) and results leave as plain data ([`MatchResult`]).

pub mod lang;
pub mod matcher;
pub mod spec;

pub use lang::Lang;
pub use matcher::{
    Candidate, Decision, Entity, Evidence, Explanation, MatchResult, Matcher, TrainError,
};
pub use spec::{CorpusSpec, Example, IntentSpec, MatchConfig, SynonymSet};
