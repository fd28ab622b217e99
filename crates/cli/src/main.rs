//! The `relais` command: one binary for serving, evaluating and authoring.
//!
//! Each subcommand lives in its own module under `commands/`; this file only parses the
//! command line and dispatches.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Relais, a virtual advisor for customer service.
#[derive(Debug, Parser)]
#[command(name = "relais", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the chat server (customer widget, websocket, demo page).
    Serve(commands::serve::ServeArgs),
    /// Train on a corpus or dataset and evaluate on a test set.
    Eval(commands::eval::EvalArgs),
    /// Work with the intent corpus.
    Intents(commands::intents::IntentsArgs),
    /// Manage the human advisors (agents) who take conversations over.
    Agents(commands::agents::AgentsArgs),
    /// Set, import and export the FAQ answers of the corpus.
    Faq(commands::faq::FaqArgs),
    /// Play scripted conversations through the engine, without a server.
    Test(commands::test::TestArgs),
    /// Print the figures of a period: understanding, containment, handoffs, effort scores.
    Stats(commands::stats::StatsArgs),
    /// Purge old conversations, or erase one on a customer's request.
    Conversations(commands::conversations::ConversationsArgs),
    /// Administration of the `/admin` dashboard (its password).
    Admin(commands::admin::AdminArgs),
    /// The questions the bot missed, grouped: promote them to training examples or dismiss.
    Inbox(commands::inbox::InboxArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Intents(args) => commands::intents::run(args),
        Command::Agents(args) => commands::agents::run(args),
        Command::Faq(args) => commands::faq::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::Stats(args) => commands::stats::run(args),
        Command::Conversations(args) => commands::conversations::run(args),
        Command::Admin(args) => commands::admin::run(args),
        Command::Inbox(args) => commands::inbox::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
