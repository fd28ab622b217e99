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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Eval(args) => commands::eval::run(args),
        Command::Intents(args) => commands::intents::run(args),
        Command::Agents(args) => commands::agents::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
