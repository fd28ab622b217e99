//! `relais intents lint`: what makes a corpus teach the matcher badly, with file and line.
//!
//! One module per check: [`duplicates`] (the same question taught to two intents),
//! [`keywords`] (a keyword claimed by several intents), [`coverage`] (too few examples or no
//! answer in a served language), [`patterns`] (patterns that can never match, match
//! everything, or repeat another) and [`confusion`] (the pairs of intents k-fold
//! cross-validation confuses most). Errors make the command exit with status 1, warnings do
//! not; a corpus that does not load is reported like `relais intents validate` does.

mod confusion;
mod coverage;
mod duplicates;
mod finding;
mod keywords;
mod patterns;
mod samples;

use std::path::PathBuf;
use std::process::ExitCode;

use relais_corpus::edit::Snapshot;
use serde::Serialize;

use super::corpus::Problems;
use super::progress;
use finding::{Finding, Severity};

/// Arguments of `relais intents lint`.
#[derive(Debug, clap::Args)]
pub(crate) struct LintArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Fewest examples an intent should have in each language the corpus serves.
    #[arg(long, default_value_t = 5)]
    min_examples: usize,
    /// Word-set similarity (Jaccard, 0..=1) from which two examples of different intents are
    /// near-duplicates.
    #[arg(long, default_value_t = 0.8, value_parser = parse_ratio)]
    similarity: f64,
    /// Folds of the cross-validation (0: skip it, the slow part).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// How many confused pairs of intents to report.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) && value > 0.0 => Ok(value),
        _ => Err(format!("{text:?} is not a number in (0, 1]")),
    }
}

/// Everything `lint` found; serialised as is for `--json`.
#[derive(Serialize)]
struct Report {
    errors: usize,
    warnings: usize,
    findings: Vec<Finding>,
    cross_validation: Option<confusion::CrossValidation>,
}

/// Runs `relais intents lint`.
pub(super) fn run(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let snapshot = match Snapshot::read(&args.intents) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            eprintln!("{error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let corpus = match snapshot.load() {
        Ok(corpus) => corpus,
        Err(errors) => return Ok(Problems::from(&errors).report(&args.intents)),
    };
    let locator = snapshot.locator();
    let samples = samples::all(&corpus, &locator);
    let mut findings = duplicates::check(&samples, args.similarity);
    findings.extend(keywords::check(&corpus, &locator));
    findings.extend(coverage::check(&corpus, args.min_examples));
    findings.extend(patterns::check(&corpus, &locator));
    let cross_validation = if args.folds >= 2 {
        let bar = progress::bar("folds");
        let (summary, confused) = confusion::check(&corpus, &samples, args.folds, args.top, &bar)?;
        bar.finish_and_clear();
        findings.extend(confused);
        Some(summary)
    } else {
        None
    };
    findings.sort_by(|a, b| (a.severity, &a.location).cmp(&(b.severity, &b.location)));
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let report = Report {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        findings,
        cross_validation,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(if report.errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_text(report: &Report) {
    for finding in &report.findings {
        print!("{finding}");
    }
    if let Some(cv) = &report.cross_validation {
        println!(
            "cross-validation: {} folds, {} held-out examples, in-scope accuracy {:.1}%",
            cv.folds,
            cv.examples,
            cv.in_scope_accuracy * 100.0
        );
    }
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    println!(
        "{} error{}, {} warning{}",
        report.errors,
        plural(report.errors),
        report.warnings,
        plural(report.warnings)
    );
}
