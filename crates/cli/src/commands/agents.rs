//! `relais agents`: add, list and remove the human advisors who take conversations over.
//!
//! Every subcommand works on `--data DIR` whether or not a server is running on it: the store
//! is opened directly when free, else the running server's admin API is used (see
//! [`directory`]). Passwords are read from stdin and stored only as argon2id hashes.

mod admin;
mod direct;
mod directory;
mod output;
mod password;
mod spec;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Subcommand;

use self::directory::Missing;
use self::spec::AgentSpec;

/// Arguments of `relais agents`.
#[derive(Debug, clap::Args)]
pub(crate) struct AgentsArgs {
    /// Data directory of the store, the one `relais serve --data` uses (a running server on it
    /// is reached through its admin API).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    #[command(subcommand)]
    command: AgentsCommand,
}

#[derive(Debug, Subcommand)]
enum AgentsCommand {
    /// Add an agent, or replace one of the same name (which logs its sessions out). The
    /// password is read from stdin as one line, or typed without echo on a terminal.
    Add(AddArgs),
    /// List the agents (never their password hashes).
    List(ListArgs),
    /// Remove an agent and log its sessions out.
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Login name: lowercase letters, digits, '_', '.', '-'.
    name: String,
    /// Languages the agent serves, comma-separated (fr, en).
    #[arg(long = "lang", value_delimiter = ',', required = true)]
    langs: Vec<String>,
    /// Skills the agent covers, comma-separated (billing, technical, contracts, general...).
    #[arg(long, value_delimiter = ',', default_value = "general")]
    skills: Vec<String>,
    /// Name shown to customers and in the panel (default: the login name).
    #[arg(long)]
    display_name: Option<String>,
    /// How many chats the agent holds at once.
    #[arg(long, default_value_t = 3)]
    capacity: u32,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct RemoveArgs {
    /// Login name of the agent to remove.
    name: String,
}

/// Runs `relais agents`.
pub(crate) fn run(args: AgentsArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AgentsCommand::Add(add) => {
            let spec = AgentSpec::new(
                &add.name,
                add.display_name.as_deref(),
                &add.langs,
                &add.skills,
                add.capacity,
            )?;
            // The password comes before the store is opened: a server could start meanwhile,
            // which only changes the path taken.
            let password = password::read(&spec.name)?;
            let agents = directory::open(&args.data, Missing::Create)?;
            let written = agents.put(&spec, &password)?;
            print(&(output::written(&spec, written) + "\n"))?;
        }
        AgentsCommand::List(list) => {
            let agents = directory::open(&args.data, Missing::Fail)?.list()?;
            let text = if list.json {
                output::json(&agents)?
            } else {
                output::table(&agents)
            };
            print(&text)?;
        }
        AgentsCommand::Remove(remove) => {
            spec::check_name(&remove.name)?;
            let agents = directory::open(&args.data, Missing::Fail)?;
            if !agents.remove(&remove.name)? {
                bail!("no agent named {} in {}", remove.name, args.data.display());
            }
            print(&format!(
                "removed agent {}; its sessions are revoked\n",
                remove.name
            ))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print(text: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(())
}
