//! The trained matcher and the result of matching one utterance.
//!
//! PLACEHOLDER IMPLEMENTATION: the public types are the contract other crates build on; the
//! scoring inside `Matcher` is being replaced by the trained model.

use std::collections::BTreeMap;

use crate::spec::{CorpusSpec, MatchConfig};

/// Why a corpus cannot be trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The corpus has no intent with at least one example or keyword.
    #[error("the corpus has no intent with examples or keywords")]
    Empty,
    /// An authored regex pattern does not compile.
    #[error("intent `{intent}`: pattern `{pattern}` is not a valid regex: {cause}")]
    BadPattern {
        /// The intent holding the pattern.
        intent: String,
        /// The pattern as written.
        pattern: String,
        /// What the regex compiler said.
        cause: String,
    },
}

/// A matcher trained from a corpus; immutable and cheap to share between threads.
#[derive(Debug)]
pub struct Matcher {
    intents: Vec<String>,
    words: Vec<BTreeMap<String, f32>>,
    config: MatchConfig,
}

/// What the matcher decided for one utterance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The top candidate is confident and clearly ahead.
    Match,
    /// The top two candidates are too close to choose.
    Ambiguous,
    /// No intent is confident enough.
    OutOfScope,
}

/// One ranked candidate intent.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The intent id.
    pub intent: String,
    /// Calibrated confidence in `[0, 1]`.
    pub confidence: f32,
}

/// A value captured by a named group of an authored pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// The capture group name, e.g. `kva`.
    pub name: String,
    /// The captured text, normalised.
    pub value: String,
    /// The intent whose pattern captured it.
    pub intent: String,
}

/// The result of matching one utterance.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchResult {
    /// Candidates, most confident first (at most a handful).
    pub candidates: Vec<Candidate>,
    /// The decision taken from the candidates and the configured thresholds.
    pub decision: Decision,
    /// Entities captured by patterns.
    pub entities: Vec<Entity>,
}

impl MatchResult {
    /// The best candidate, if any.
    pub fn top(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// One piece of evidence behind a candidate's score.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// What kind of feature it is (`word`, `bigram`, `keyword`, `pattern`, ...).
    pub kind: String,
    /// The feature as matched, e.g. `abonn` or `15 kva`.
    pub feature: String,
    /// Its contribution to the candidate's raw score.
    pub weight: f32,
}

/// Why the matcher ranked candidates as it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The normalised tokens the matcher saw.
    pub tokens: Vec<String>,
    /// For each candidate of the match result, in the same order, its strongest evidence.
    pub evidence: Vec<(String, Vec<Evidence>)>,
}

impl Matcher {
    /// Trains a matcher from a corpus. Deterministic: the same corpus gives the same matcher.
    pub fn train(spec: &CorpusSpec) -> Result<Matcher, TrainError> {
        let mut intents = Vec::new();
        let mut words = Vec::new();
        for intent in &spec.intents {
            let mut w = BTreeMap::new();
            for ex in &intent.examples {
                for t in ex.text.to_lowercase().split_whitespace() {
                    *w.entry(t.to_string()).or_insert(0.0) += 1.0;
                }
            }
            intents.push(intent.id.clone());
            words.push(w);
        }
        if intents.is_empty() {
            return Err(TrainError::Empty);
        }
        Ok(Matcher {
            intents,
            words,
            config: spec.config.clone(),
        })
    }

    /// Matches one utterance.
    pub fn match_text(&self, text: &str) -> MatchResult {
        let lower = text.to_lowercase();
        let mut candidates: Vec<Candidate> = self
            .intents
            .iter()
            .zip(&self.words)
            .map(|(id, w)| {
                let hits = lower
                    .split_whitespace()
                    .filter(|t| w.contains_key(*t))
                    .count();
                Candidate {
                    intent: id.clone(),
                    confidence: hits as f32 / (1 + lower.split_whitespace().count()) as f32,
                }
            })
            .collect();
        candidates.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
        candidates.truncate(5);
        let decision = self.decide(&candidates);
        MatchResult {
            candidates,
            decision,
            entities: Vec::new(),
        }
    }

    /// Explains the ranking of `text`.
    pub fn explain(&self, text: &str) -> (MatchResult, Explanation) {
        let result = self.match_text(text);
        let explanation = Explanation {
            tokens: text.split_whitespace().map(str::to_string).collect(),
            evidence: Vec::new(),
        };
        (result, explanation)
    }

    /// The intent ids this matcher knows, in corpus order.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }

    /// The thresholds in force.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// Replaces the thresholds (e.g. after tuning on validation data).
    pub fn set_config(&mut self, config: MatchConfig) {
        self.config = config;
    }

    fn decide(&self, candidates: &[Candidate]) -> Decision {
        match candidates {
            [] => Decision::OutOfScope,
            [top, ..] if top.confidence < self.config.oos_threshold => Decision::OutOfScope,
            [top, second, ..]
                if top.confidence - second.confidence < self.config.ambiguity_margin =>
            {
                Decision::Ambiguous
            }
            _ => Decision::Match,
        }
    }
}
