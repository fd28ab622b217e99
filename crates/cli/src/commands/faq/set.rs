//! `relais faq set ID --lang fr [--file FILE]`: replace an intent's answer variants.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use relais_nlu::Lang;

use crate::commands::intents::{editing, parse_lang};

/// Arguments of `relais faq set`.
#[derive(Debug, clap::Args)]
pub(crate) struct SetArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The intent whose answers to replace.
    id: String,
    /// The language of the variants.
    #[arg(long, value_parser = parse_lang)]
    lang: Lang,
    /// Read the variants from this file instead of stdin.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
}

/// Runs `relais faq set`.
pub(super) fn run(args: &SetArgs) -> anyhow::Result<ExitCode> {
    let text = match &args.file {
        Some(file) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?,
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read stdin")?;
            text
        }
    };
    let variants = paragraphs(&text);
    if variants.is_empty() {
        eprintln!("no answer variant given: write one per paragraph, separated by blank lines");
        return Ok(ExitCode::FAILURE);
    }
    let mut editor = match editing::open(&args.intents) {
        Ok(editor) => editor,
        Err(code) => return Ok(code),
    };
    let changed = match editor.set_answers(&args.id, args.lang, &variants) {
        Ok(changed) => changed,
        Err(error) => return Ok(editing::refused(&error)),
    };
    if !changed {
        println!(
            "{} already has these {} answers in {}",
            args.id,
            variants.len(),
            args.lang
        );
        return Ok(ExitCode::SUCCESS);
    }
    match editing::commit(editor) {
        Ok(_) => {
            println!(
                "set {} answer variant{} of {} in {}",
                variants.len(),
                if variants.len() == 1 { "" } else { "s" },
                args.id,
                args.lang
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => Ok(code),
    }
}

/// The variants in `text`: one per paragraph. Paragraphs are separated by blank lines; the
/// lines of one paragraph stay one variant, joined with line breaks, each line's trailing
/// spaces removed.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    let mut variants = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            if !current.is_empty() {
                variants.push(current.join("\n"));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        variants.push(current.join("\n"));
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_variant_per_paragraph() {
        let text = "\nFirst answer.\n\n  \nSecond answer,\non two lines.  \n\n\nThird.";
        assert_eq!(
            paragraphs(text),
            ["First answer.", "Second answer,\non two lines.", "Third."]
        );
        assert!(paragraphs(" \n\n").is_empty());
    }
}
