//! `relais intents`: tools for the people who author the intent corpus.
//!
//! One submodule per subcommand; [`corpus`] loads and trains a corpus directory for the
//! read-only ones, turning every problem into a `file:line: message` line, and [`editing`]
//! opens it for the commands that change it (through `relais_corpus::edit`).

mod author;
mod corpus;
pub(crate) mod editing;
mod lint;
mod list;
mod matching;
pub(crate) mod progress;
mod show;
mod validate;

use std::process::ExitCode;

use clap::Subcommand;

pub(crate) use author::parse_lang;

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
    /// Add an intent, with comments showing every field, to an intent file (created if missing).
    New(author::NewArgs),
    /// Add a training example to an intent.
    AddExample(author::AddExampleArgs),
    /// List the intents with their examples and answer variants per language.
    List(list::ListArgs),
    /// Show everything an intent defines.
    Show(show::ShowArgs),
    /// Find what teaches the matcher badly: duplicated examples, shared keywords, thin
    /// intents, missing answers, broken patterns, intents confused on cross-validation.
    /// Exits with status 1 on errors, 0 on warnings only.
    Lint(lint::LintArgs),
    /// What changed since the last publish: examples, answers and keywords added and removed
    /// per intent (file:line), and the evaluation before and after.
    Review(super::review::ReviewArgs),
    /// Validate the corpus, snapshot it as the next published version and make a running
    /// server serve it (no restart); a corpus with problems is refused.
    Publish(super::publish::PublishArgs),
}

/// Runs `relais intents`.
pub(crate) fn run(args: IntentsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IntentsCommand::Validate(args) => validate::run(&args),
        IntentsCommand::Match(args) => matching::run(&args),
        IntentsCommand::New(args) => author::run_new(&args),
        IntentsCommand::AddExample(args) => author::run_add_example(&args),
        IntentsCommand::List(args) => list::run(&args),
        IntentsCommand::Show(args) => show::run(&args),
        IntentsCommand::Lint(args) => lint::run(&args),
        IntentsCommand::Review(args) => super::review::run(&args),
        IntentsCommand::Publish(args) => super::publish::run(&args),
    }
}
