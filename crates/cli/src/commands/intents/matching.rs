//! `relais intents match [--intents DIR] [--json] "utterance"`: how the matcher understands one
//! utterance, and why.

use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use relais_nlu::{Decision, Evidence, Explanation, MatchResult};
use serde::Serialize;

use super::corpus::{self, Loaded};

/// Arguments of `relais intents match`.
#[derive(Debug, clap::Args)]
pub(crate) struct MatchArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The utterance, as a customer would type it.
    utterance: String,
}

/// Runs `relais intents match`.
pub(super) fn run(args: &MatchArgs) -> anyhow::Result<ExitCode> {
    let loaded = match corpus::load(&args.intents) {
        Ok(loaded) => loaded,
        Err(problems) => return Ok(problems.report(&args.intents)),
    };
    let (result, explanation) = loaded.matcher.explain(&args.utterance);
    let report = Report::new(&loaded, &args.utterance, &result, &explanation);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Everything shown about one match; serialised as is for `--json`.
#[derive(Serialize)]
struct Report<'a> {
    utterance: &'a str,
    decision: DecisionReport,
    /// The matched intent, only when the decision is `match`.
    intent: Option<&'a str>,
    lang: String,
    tokens: &'a [String],
    corrections: Vec<Correction<'a>>,
    candidates: Vec<CandidateReport<'a>>,
    entities: Vec<EntityReport<'a>>,
}

/// [`Decision`], named `match`, `ambiguous` or `out_of_scope` in JSON.
#[derive(Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
enum DecisionReport {
    Match,
    Ambiguous,
    OutOfScope,
}

#[derive(Serialize)]
struct Correction<'a> {
    typed: &'a str,
    used: &'a str,
}

#[derive(Serialize)]
struct CandidateReport<'a> {
    intent: &'a str,
    confidence: f32,
    /// Where the intent is defined, `file:line`.
    location: Option<String>,
    evidence: Vec<EvidenceReport<'a>>,
}

#[derive(Serialize)]
struct EvidenceReport<'a> {
    kind: &'a str,
    feature: &'a str,
    weight: f32,
}

#[derive(Serialize)]
struct EntityReport<'a> {
    name: &'a str,
    value: &'a str,
    intent: &'a str,
}

impl<'a> Report<'a> {
    fn new(
        loaded: &Loaded,
        utterance: &'a str,
        result: &'a MatchResult,
        explanation: &'a Explanation,
    ) -> Self {
        let decision = match result.decision {
            Decision::Match => DecisionReport::Match,
            Decision::Ambiguous => DecisionReport::Ambiguous,
            Decision::OutOfScope => DecisionReport::OutOfScope,
        };
        let intent = match result.decision {
            Decision::Match => result.top().map(|top| top.intent.as_str()),
            Decision::Ambiguous | Decision::OutOfScope => None,
        };
        let candidates = result
            .candidates
            .iter()
            .map(|candidate| CandidateReport {
                intent: &candidate.intent,
                confidence: candidate.confidence,
                location: loaded
                    .corpus
                    .location(&candidate.intent)
                    .map(ToString::to_string),
                evidence: evidence_of(explanation, &candidate.intent),
            })
            .collect();
        Report {
            utterance,
            decision,
            intent,
            lang: explanation.lang.to_string(),
            tokens: &explanation.tokens,
            corrections: explanation
                .corrections
                .iter()
                .map(|(typed, used)| Correction { typed, used })
                .collect(),
            candidates,
            entities: result
                .entities
                .iter()
                .map(|entity| EntityReport {
                    name: &entity.name,
                    value: &entity.value,
                    intent: &entity.intent,
                })
                .collect(),
        }
    }
}

/// The evidence the explanation gives for `intent`, strongest first as the matcher lists it.
fn evidence_of<'a>(explanation: &'a Explanation, intent: &str) -> Vec<EvidenceReport<'a>> {
    explanation
        .evidence
        .iter()
        .filter(|(id, _)| id == intent)
        .flat_map(|(_, evidence)| evidence)
        .map(
            |Evidence {
                 kind,
                 feature,
                 weight,
             }| EvidenceReport {
                kind,
                feature,
                weight: *weight,
            },
        )
        .collect()
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.decision, self.intent, self.candidates.as_slice()) {
            (DecisionReport::Match, Some(intent), _) => writeln!(f, "decision: match -> {intent}")?,
            (DecisionReport::Ambiguous, _, [first, second, ..]) => writeln!(
                f,
                "decision: ambiguous between {} and {}",
                first.intent, second.intent
            )?,
            (DecisionReport::Match, ..) => writeln!(f, "decision: match")?,
            (DecisionReport::Ambiguous, ..) => writeln!(f, "decision: ambiguous")?,
            (DecisionReport::OutOfScope, ..) => writeln!(f, "decision: out of scope")?,
        }
        writeln!(f, "language: {}", self.lang)?;
        writeln!(f, "tokens:   {}", self.tokens.join(" "))?;
        for correction in &self.corrections {
            writeln!(f, "typo:     {} -> {}", correction.typed, correction.used)?;
        }
        writeln!(f, "candidates:")?;
        for (rank, candidate) in self.candidates.iter().enumerate() {
            writeln!(
                f,
                "  {}. {:<28} {:.3}  {}",
                rank + 1,
                candidate.intent,
                candidate.confidence,
                candidate.location.as_deref().unwrap_or("")
            )?;
            for evidence in &candidate.evidence {
                writeln!(
                    f,
                    "       {:<8} {:<24} {:+.3}",
                    evidence.kind, evidence.feature, evidence.weight
                )?;
            }
        }
        if !self.entities.is_empty() {
            writeln!(f, "entities:")?;
            for entity in &self.entities {
                writeln!(
                    f,
                    "  {} = {:?} (from {})",
                    entity.name, entity.value, entity.intent
                )?;
            }
        }
        Ok(())
    }
}
