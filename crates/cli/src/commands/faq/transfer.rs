//! `relais faq import FILE` and `relais faq export`: answers in bulk, round-trip safe.
//!
//! Export lists the corpus' answers by key then language; importing that output changes
//! nothing. Import replaces the variants of every (key, language) the file holds, in the intent
//! that gives them (or the first intent with that answer key), and leaves the others alone.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use super::rows::{self, FaqAnswer, Format};
use crate::commands::intents::{editing, progress};

/// Arguments of `relais faq import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The file to import: `.csv` or `.json`.
    file: PathBuf,
    /// The file's format, when its extension does not say.
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Arguments of `relais faq export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

/// Runs `relais faq export`.
pub(super) fn run_export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let corpus = match relais_corpus::load_dir(&args.intents) {
        Ok(corpus) => corpus,
        Err(errors) => {
            eprintln!("{errors}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let answers: Vec<FaqAnswer> = corpus
        .answers
        .iter()
        .map(|answer| FaqAnswer {
            key: answer.key.clone(),
            lang: answer.lang,
            variants: answer.variants.clone(),
        })
        .collect();
    print!("{}", rows::write(&answers, args.format)?);
    Ok(ExitCode::SUCCESS)
}

/// Runs `relais faq import`.
pub(super) fn run_import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let Some(format) = args.format.or_else(|| Format::of(&args.file)) else {
        eprintln!(
            "{}: unknown format: name it .csv or .json, or pass --format",
            args.file.display()
        );
        return Ok(ExitCode::FAILURE);
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {} as UTF-8 text", args.file.display()))?;
    let answers = match rows::read(&text, format) {
        Ok(answers) => answers,
        Err(errors) => {
            for error in &errors {
                eprintln!("{}: {error}", args.file.display());
            }
            eprintln!("refused: nothing was written");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut editor = match editing::open(&args.intents) {
        Ok(editor) => editor,
        Err(code) => return Ok(code),
    };
    let bar = progress::bar("answers");
    bar.set_length(answers.len() as u64);
    bar.set_message("import");
    let mut changed = 0;
    let mut problems = Vec::new();
    for answer in &answers {
        match editor.set_faq(&answer.key, answer.lang, &answer.variants) {
            Ok(true) => changed += 1,
            Ok(false) => {}
            Err(error) => problems.push(format!("{} ({}): {error}", answer.key, answer.lang)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{}: {problem}", args.file.display());
        }
        eprintln!("refused: nothing was written");
        return Ok(ExitCode::FAILURE);
    }
    let unchanged = answers.len() - changed;
    if changed == 0 {
        println!("nothing to change: the corpus already has these {unchanged} answers");
        return Ok(ExitCode::SUCCESS);
    }
    match editing::commit(editor) {
        Ok(_) => {
            println!("imported {changed} answers ({unchanged} unchanged)");
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => Ok(code),
    }
}
