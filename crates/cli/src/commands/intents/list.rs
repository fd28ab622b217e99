//! `relais intents list`: every intent with its examples and answer variants per language.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use relais_corpus::Corpus;
use relais_nlu::{IntentSpec, Lang};
use serde::Serialize;

use super::corpus;

/// Arguments of `relais intents list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

/// One row of the list.
#[derive(Serialize)]
struct Row<'c> {
    id: &'c str,
    /// `file:line` of its `[[intent]]` header.
    location: String,
    /// Examples per language code.
    examples: Vec<(Lang, usize)>,
    /// Answer variants of its answer key per language code.
    answers: Vec<(Lang, usize)>,
    keywords: usize,
    patterns: usize,
}

/// Runs `relais intents list`.
pub(super) fn run(args: &ListArgs) -> anyhow::Result<ExitCode> {
    let corpus = match relais_corpus::load_dir(&args.intents) {
        Ok(corpus) => corpus,
        Err(errors) => {
            let problems = corpus::Problems::from(&errors);
            return Ok(problems.report(&args.intents));
        }
    };
    let rows: Vec<Row<'_>> = corpus
        .spec
        .intents
        .iter()
        .map(|intent| row(&corpus, intent))
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", table(&rows));
    }
    Ok(ExitCode::SUCCESS)
}

fn row<'c>(corpus: &'c Corpus, intent: &'c IntentSpec) -> Row<'c> {
    let examples = Lang::ALL
        .map(|lang| {
            let n = intent
                .examples
                .iter()
                .filter(|e| e.lang == Some(lang))
                .count();
            (lang, n)
        })
        .to_vec();
    let answers = Lang::ALL
        .map(|lang| {
            let n = corpus
                .answer(intent.answer_key(), lang)
                .map_or(0, |a| a.variants.len());
            (lang, n)
        })
        .to_vec();
    Row {
        id: &intent.id,
        location: corpus
            .location(&intent.id)
            .map(ToString::to_string)
            .unwrap_or_default(),
        examples,
        answers,
        keywords: intent.keywords.len(),
        patterns: intent.patterns.len(),
    }
}

fn table(rows: &[Row<'_>]) -> String {
    let counts = |pairs: &[(Lang, usize)]| {
        pairs
            .iter()
            .map(|(lang, n)| format!("{lang} {n:>2}"))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0).max(6);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<13}  {:<13}  {:>3}  {:>3}  WHERE",
        "INTENT", "EXAMPLES", "ANSWERS", "KW", "PAT"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<width$}  {:<13}  {:<13}  {:>3}  {:>3}  {}",
            row.id,
            counts(&row.examples),
            counts(&row.answers),
            row.keywords,
            row.patterns,
            row.location
        );
    }
    out
}
