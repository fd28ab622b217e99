//! `relais test [DIR]`: scripted conversations played through the engine, without a server.
//!
//! [`script`] reads the TOML format (documented there and in `docs/authoring.md`); [`run`]
//! plays each dialogue through the same engine and matcher `relais serve` builds from the
//! corpus, stopping a dialogue at its first failing turn. The report shows, for each failure,
//! the expected and actual values, the bot's reply and the matcher's top candidates with their
//! confidence. The exit status is 1 when any dialogue fails or any test file is invalid.

mod run;
mod script;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use crate::commands::intents::progress;
use run::{Failure, Harness};

/// Arguments of `relais test`.
#[derive(Debug, clap::Args)]
pub(crate) struct TestArgs {
    /// The directory of conversation tests (`*.toml`). Default: `tests` in the corpus directory.
    dir: Option<PathBuf>,
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The result of one dialogue.
#[derive(Serialize)]
struct Outcome {
    file: String,
    name: String,
    place: String,
    turns: usize,
    /// `None` when the dialogue passed.
    failure: Option<Failure>,
}

/// Everything `relais test` ran; serialised as is for `--json`.
#[derive(Serialize)]
struct Report {
    passed: usize,
    failed: usize,
    dialogues: Vec<Outcome>,
}

/// Runs `relais test`.
pub(crate) fn run(args: TestArgs) -> anyhow::Result<ExitCode> {
    let dir = args.dir.unwrap_or_else(|| args.intents.join("tests"));
    let paths = match script::files(&dir) {
        Ok(paths) if !paths.is_empty() => paths,
        Ok(_) => {
            eprintln!("{}: no conversation test (*.toml) here", dir.display());
            return Ok(ExitCode::FAILURE);
        }
        Err(error) => {
            eprintln!("{}: {error}", dir.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut scripts = Vec::new();
    let mut invalid = Vec::new();
    for path in &paths {
        let parsed = std::fs::read_to_string(path)
            .map_err(|error| vec![format!("{}: {error}", path.display())])
            .and_then(|text| script::parse(path, &text));
        match parsed {
            Ok(dialogues) => scripts.push((path.clone(), dialogues)),
            Err(errors) => invalid.extend(errors),
        }
    }
    if !invalid.is_empty() {
        for error in &invalid {
            eprintln!("{error}");
        }
        eprintln!("invalid conversation tests: nothing was run");
        return Ok(ExitCode::FAILURE);
    }
    let corpus = match relais_corpus::load_dir(&args.intents) {
        Ok(corpus) => corpus,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("the corpus in {} is invalid", args.intents.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let harness = Harness::new(&corpus)?;
    let total: usize = scripts.iter().map(|(_, dialogues)| dialogues.len()).sum();
    let bar = progress::bar("dialogues");
    bar.set_length(total as u64);
    let mut outcomes = Vec::new();
    for (path, dialogues) in &scripts {
        for dialogue in dialogues {
            outcomes.push(Outcome {
                file: file_name(path),
                name: dialogue.name.clone(),
                place: dialogue.place.clone(),
                turns: dialogue.turns.len(),
                failure: harness.play(dialogue),
            });
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    let report = Report {
        passed: outcomes.len() - failed,
        failed,
        dialogues: outcomes,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// How many characters of the bot's reply a failure shows.
const REPLY_PREVIEW: usize = 120;

fn text(report: &Report) -> String {
    let mut out = String::new();
    for outcome in &report.dialogues {
        let Some(failure) = &outcome.failure else {
            let _ = writeln!(out, "ok    {}: {}", outcome.file, outcome.name);
            continue;
        };
        let _ = writeln!(out, "FAIL  {}: {}", outcome.file, outcome.name);
        let _ = writeln!(
            out,
            "  {}: turn {}: {}",
            failure.place,
            failure.turn,
            run::describe_input(&failure.input)
        );
        for problem in &failure.problems {
            if problem.field == "turn" {
                let _ = writeln!(out, "    {}", problem.actual);
            } else {
                let _ = writeln!(
                    out,
                    "    {:<8} expected {}, got {}",
                    problem.field, problem.expected, problem.actual
                );
            }
        }
        if let Some(reply) = &failure.reply {
            let preview: String = reply.text.chars().take(REPLY_PREVIEW).collect();
            let _ = writeln!(out, "    bot said: {preview:?}");
            if !reply.offers.is_empty() {
                let _ = writeln!(out, "    buttons:  {}", reply.offers.join(", "));
            }
        }
        if !failure.candidates.is_empty() {
            let _ = writeln!(out, "    candidates:");
            for candidate in &failure.candidates {
                let _ = writeln!(
                    out,
                    "      {:<28} {:.3}",
                    candidate.intent, candidate.confidence
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "{} dialogues: {} passed, {} failed",
        report.passed + report.failed,
        report.passed,
        report.failed
    );
    out
}
