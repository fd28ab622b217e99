//! `relais intents`: tools for the people who author the intent corpus.
//!
//! One submodule per subcommand; [`corpus`] loads and trains a corpus directory for all of
//! them, turning every problem into a `file:line: message` line.

mod corpus;
mod matching;
mod validate;

use std::process::ExitCode;

use clap::Subcommand;

/// Arguments of `relais intents`.
#[derive(Debug, clap::Args)]
pub(crate) struct IntentsArgs {
    #[command(subcommand)]
    command: IntentsCommand,
}

#[derive(Debug, Subcommand)]
enum IntentsCommand {
    /// Check a corpus: read every file, train the matcher, then print a summary, or every
    /// problem as `file:line: message` and exit with status 1.
    Validate(validate::ValidateArgs),
    /// Show how the matcher understands one utterance: ranked candidates with confidence, the
    /// decision, entities, and the features behind each score.
    Match(matching::MatchArgs),
}

/// Runs `relais intents`.
pub(crate) fn run(args: IntentsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IntentsCommand::Validate(args) => validate::run(&args),
        IntentsCommand::Match(args) => matching::run(&args),
    }
}
