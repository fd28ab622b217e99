//! `relais intents review`: what publishing would change. The corpus is compared with the
//! current published snapshot of the data directory (or with nothing, before the first
//! publish): examples, answer variants and keywords added and removed per intent, then the
//! evaluation before and after, on held-out folds and on the conversation tests.

mod diff;
mod eval;

use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::ProgressBar;
use relais_corpus::Corpus;
use serde_json::json;

use super::intents::progress;
use super::publish::{problems, snapshot};

/// Arguments of `relais intents review`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReviewArgs {
    /// The corpus directory (the proposal).
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The data directory holding the published snapshots (`relais serve --data`).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data")]
    data: PathBuf,
    /// Folds of the cross-validation (0 skips it, the slow part).
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `relais intents review`.
pub(crate) fn run(args: &ReviewArgs) -> anyhow::Result<ExitCode> {
    let after = match relais_corpus::load_dir(&args.intents) {
        Ok(corpus) => corpus,
        Err(_) => {
            for problem in problems(&args.intents) {
                eprintln!("{problem}");
            }
            eprintln!(
                "the corpus in {} cannot be published",
                args.intents.display()
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    let published = snapshot::current(&args.data)?;
    let before = match &published {
        Some(snapshot) => Some(relais_corpus::load_dir(&snapshot.dir).map_err(|errors| {
            anyhow::anyhow!(
                "the published snapshot {} is invalid: {errors}",
                snapshot.dir.display()
            )
        })?),
        None => None,
    };
    let changes = diff::diff(before.as_ref(), &after);
    let fold_count = (args.folds >= 2).then_some(args.folds);
    // One bar over both runs (before and after): hidden unless stderr is a terminal.
    let bar = match fold_count {
        Some(k) => {
            let bar = progress::bar("folds");
            bar.set_length((k * if before.is_some() { 2 } else { 1 }) as u64);
            bar.set_message("cross-validating");
            bar
        }
        None => ProgressBar::hidden(),
    };
    let accuracy = |corpus: &Corpus| {
        fold_count
            .map(|k| eval::cross_validate(corpus, k, &bar))
            .transpose()
    };
    let accuracy_before = before.as_ref().map(accuracy).transpose()?.flatten();
    let accuracy_after = accuracy(&after)?;
    bar.finish_and_clear();
    let tests = args.intents.join("tests");
    let tests_before = match &published {
        Some(snapshot) => eval::conversation_tests(&snapshot.dir, &tests)?,
        None => None,
    };
    let tests_after = eval::conversation_tests(&args.intents, &tests)?;
    let version = published.as_ref().map(|s| format!("v{}", s.version));
    if args.json {
        let report = json!({
            "published": version,
            "changes": changes,
            "accuracy": {"before": accuracy_before, "after": accuracy_after},
            "tests": {"before": tests_before, "after": tests_after},
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(ExitCode::SUCCESS);
    }
    match &version {
        Some(v) => println!("changes since the published {v}:"),
        None => println!("nothing published yet: everything is new"),
    }
    if changes.is_empty() {
        println!("  none");
    }
    for change in &changes {
        println!("  {} {} ({})", change.status, change.id, change.location);
        for (sign, what, list) in [
            ('+', "example", &change.examples_added),
            ('-', "example", &change.examples_removed),
            ('+', "answer", &change.answers_added),
            ('-', "answer", &change.answers_removed),
            ('+', "keyword", &change.keywords_added),
            ('-', "keyword", &change.keywords_removed),
        ] {
            for item in list {
                println!("    {sign} {what} {item}");
            }
        }
    }
    println!("evaluation (before -> after):");
    let show_accuracy = |a: Option<eval::Accuracy>| {
        a.map_or("-".to_owned(), |a| {
            format!("{:.1}% ({}/{})", a.percent(), a.right, a.total)
        })
    };
    println!(
        "  held-out accuracy ({} folds): {} -> {}",
        args.folds,
        show_accuracy(accuracy_before),
        show_accuracy(accuracy_after)
    );
    let show_tests = |t: Option<eval::TestRun>| {
        t.map_or("-".to_owned(), |t| {
            format!("{}/{} passed", t.passed, t.passed + t.failed)
        })
    };
    println!(
        "  conversation tests: {} -> {}",
        show_tests(tests_before),
        show_tests(tests_after)
    );
    println!("publish with `relais intents publish`");
    Ok(ExitCode::SUCCESS)
}
