//! `relais faq`: the answers of the corpus, set by hand or moved in bulk through CSV or JSON.
//!
//! Answers live in the intent files (`[intent.answers]`), keyed in the FAQ by the intents'
//! answer keys; every change goes through `relais_corpus::edit`, so it keeps the files' layout,
//! is validated with the whole corpus before anything is written, and is written atomically.

mod rows;
mod set;
mod transfer;

use std::process::ExitCode;

use clap::Subcommand;

/// Arguments of `relais faq`.
#[derive(Debug, clap::Args)]
pub(crate) struct FaqArgs {
    #[command(subcommand)]
    command: FaqCommand,
}

#[derive(Debug, Subcommand)]
enum FaqCommand {
    /// Replace the answer variants of an intent in one language, read from stdin or --file:
    /// one variant per paragraph (paragraphs are separated by blank lines).
    Set(set::SetArgs),
    /// Replace answers from a CSV (`key,lang,text`, one variant per row) or JSON file; keys
    /// and languages the file does not mention are left alone.
    Import(transfer::ImportArgs),
    /// Print every answer as CSV or JSON, in the format `import` reads.
    Export(transfer::ExportArgs),
}

/// Runs `relais faq`.
pub(crate) fn run(args: FaqArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        FaqCommand::Set(args) => set::run(&args),
        FaqCommand::Import(args) => transfer::run_import(&args),
        FaqCommand::Export(args) => transfer::run_export(&args),
    }
}
