//! `relais conversations`: purge the conversations past a retention period, or erase one on
//! a customer's request, keeping the daily aggregates (their counts; missed questions' texts
//! of the removed conversations go).
//!
//! Works on `--data DIR` whether or not a server is running on it (see `admin_api`). A
//! conversation still queued or with an advisor is kept: end it first.
//!
//! sled keeps removed records in its files until they are rewritten: with no server running,
//! `purge` and `erase` end with a compaction, so the removed text is gone from the disk when
//! they return; through a running server it goes at the next `relais conversations compact`
//! (which needs the server stopped).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use relais_server::retention::{Age, Erasure, PurgeReport, erase_conversation, purge_older_than};
use relais_store::{SledStore, StoreError};
use serde_json::json;
use ureq::http::StatusCode;

use super::admin_api::{self, DataDir};
use super::stats::now_ms;

/// Arguments of `relais conversations`.
#[derive(Debug, clap::Args)]
pub(crate) struct ConversationsArgs {
    /// Data directory of the store, the one `relais serve --data` uses (a running server on it
    /// is reached through its admin API).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    #[command(subcommand)]
    command: ConversationsCommand,
}

#[derive(Debug, Subcommand)]
enum ConversationsCommand {
    /// Erase every conversation idle for longer than the given age (its transcript, state,
    /// resume token, callback tickets), and every ticket older than it.
    Purge {
        /// Age past which a conversation goes, counted from its last event: `90d`, or `0d`
        /// for every conversation (nothing queued or with an advisor).
        #[arg(long)]
        older_than: Age,
    },
    /// Erase one conversation and everything kept about it (a customer's request).
    Erase {
        /// The conversation's id.
        id: String,
    },
    /// Rewrite the store's files from the live records, so that what was removed leaves the
    /// disk (the server must be stopped).
    Compact,
}

/// Runs `relais conversations`.
pub(crate) fn run(args: ConversationsArgs) -> anyhow::Result<ExitCode> {
    let message = match args.command {
        ConversationsCommand::Compact => {
            compact(&args.data)?;
            "compacted: removed records are gone from the store's files\n".to_owned()
        }
        ConversationsCommand::Purge { older_than } => {
            let data = admin_api::open(&args.data)?;
            let report = purge(&data, older_than)?;
            close(data, &args.data)?;
            format!(
                "purged {} conversation(s) idle for more than {older_than}; removed {} \
                 ticket(s); kept {} still queued or with an advisor\n",
                report.purged, report.tickets_removed, report.kept_active
            )
        }
        ConversationsCommand::Erase { id } => {
            let data = admin_api::open(&args.data)?;
            let outcome = erase(&data, &id)?;
            close(data, &args.data)?;
            match outcome {
                Erasure::Erased => format!("erased conversation {id}\n"),
                Erasure::NotFound => bail!("no conversation {id} in {}", args.data.display()),
                Erasure::Active => {
                    bail!("conversation {id} is queued or with an advisor: end the chat first")
                }
            }
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(message.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Closes the data directory; when this process held it, compacts it so that the removed
/// records leave the disk now.
fn close(data: DataDir, dir: &std::path::Path) -> anyhow::Result<()> {
    match data {
        DataDir::Direct { store, sled } => {
            // Closed first: the compaction needs the directory to itself.
            drop((store, sled));
            compact(dir)
        }
        DataDir::Server(_) => Ok(()),
    }
}

fn compact(data: &std::path::Path) -> anyhow::Result<()> {
    match SledStore::compact(data) {
        Err(StoreError::Locked { .. }) => bail!(
            "{} is in use by a running server: stop it, then run `relais conversations compact`",
            data.display()
        ),
        other => other.with_context(|| format!("cannot compact {}", data.display())),
    }
}

fn purge(data: &DataDir, age: Age) -> anyhow::Result<PurgeReport> {
    match data {
        DataDir::Direct { store, .. } => {
            purge_older_than(store.as_ref(), age.cutoff_ms(now_ms())).context("the purge failed")
        }
        DataDir::Server(api) => {
            let (status, body) = api.post(
                "/api/admin/conversations/purge",
                &json!({"older_than": age.to_string()}),
            )?;
            if status != StatusCode::OK {
                bail!("the server refused the purge ({status}): {body}");
            }
            Ok(PurgeReport {
                purged: body["purged"].as_u64().unwrap_or(0),
                kept_active: body["kept_active"].as_u64().unwrap_or(0),
                tickets_removed: body["tickets_removed"].as_u64().unwrap_or(0),
            })
        }
    }
}

fn erase(data: &DataDir, id: &str) -> anyhow::Result<Erasure> {
    match data {
        DataDir::Direct { store, .. } => match erase_conversation(store.as_ref(), id) {
            // An id the store refuses names no conversation.
            Err(StoreError::InvalidInput(_)) => Ok(Erasure::NotFound),
            other => other.context("the erasure failed"),
        },
        DataDir::Server(api) => {
            // Conversation ids are url-safe; anything else names none (and stays out of URLs).
            let url_safe = id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if id.is_empty() || !url_safe {
                return Ok(Erasure::NotFound);
            }
            let (status, body) =
                api.post(&format!("/api/admin/conversations/{id}/erase"), &json!({}))?;
            match status {
                StatusCode::OK => Ok(Erasure::Erased),
                StatusCode::NOT_FOUND => Ok(Erasure::NotFound),
                StatusCode::CONFLICT => Ok(Erasure::Active),
                _ => bail!("the server refused the erasure ({status}): {body}"),
            }
        }
    }
}
