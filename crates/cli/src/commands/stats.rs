//! `relais stats`: the figures of a period (conversations, understanding, containment,
//! handoffs, queue waits, effort scores, missed questions), from the persisted daily
//! aggregates, so it reads one record per day whatever the number of conversations.
//!
//! Works on `--data DIR` whether or not a server is running on it (see `admin_api`): the
//! report is computed here from the store, or by the server and printed the same way.
//! `--rebuild` first recomputes every day's aggregates from the stored transcripts (for a
//! data directory written before aggregates were kept, or after a crash lost the last
//! seconds of figures); days whose conversations were purged keep their counts only where
//! no transcript of that day remains.

mod table;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use relais_analytics::{Day, Report};
use relais_server::{Since, daily_aggregates, rebuild_from_store, replace_daily};
use serde_json::Value;
use ureq::http::StatusCode;

use super::admin_api::{self, DataDir};
use super::admin_client::success;

/// Arguments of `relais stats`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatsArgs {
    /// Data directory of the store, the one `relais serve --data` uses (a running server on it
    /// is reached through its admin API).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data")]
    data: PathBuf,
    /// Start of the period: a number of days back, today included (`7d`, `30d`), or a date
    /// (`YYYY-MM-DD`); the period ends today (UTC).
    #[arg(long, default_value_t = Since::default())]
    since: Since,
    /// Print the report as JSON (rates are fractions in [0, 1]) instead of a table.
    #[arg(long)]
    json: bool,
    /// First recompute the daily aggregates from the stored transcripts (a full scan).
    #[arg(long)]
    rebuild: bool,
}

/// Runs `relais stats`.
pub(crate) fn run(args: StatsArgs) -> anyhow::Result<ExitCode> {
    let report = match admin_api::open(&args.data)? {
        DataDir::Direct { store, .. } => {
            if args.rebuild {
                let daily = rebuild_from_store(store.as_ref())
                    .context("cannot rebuild the aggregates from the transcripts")?;
                let days = daily
                    .range(Day::from_days(0), Day::from_days(u32::MAX))
                    .count();
                replace_daily(store.as_ref(), daily)
                    .and_then(relais_store::Durable::wait)
                    .context("cannot write the rebuilt aggregates")?;
                eprintln!("rebuilt the aggregates of {days} day(s) from the transcripts");
            }
            let today = Day::from_unix_ms(now_ms());
            let (from, to) = args.since.range(today);
            let daily =
                daily_aggregates(store.as_ref(), from, to).context("cannot read the aggregates")?;
            serde_json::to_value(Report::over(&daily, from, to))?
        }
        DataDir::Server(api) => {
            if args.rebuild {
                let (status, body) = api.post("/api/admin/stats/rebuild", &Value::Null)?;
                if status != StatusCode::OK {
                    anyhow::bail!("the server refused to rebuild ({status}): {body}");
                }
                eprintln!(
                    "rebuilt the aggregates of {} day(s) from the transcripts",
                    body["days"]
                );
            }
            success(api.get(&format!("/api/admin/stats?since={}", args.since))?)?
        }
    };
    let text = if args.json {
        serde_json::to_string_pretty(&report)? + "\n"
    } else {
        table::render(&report)
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
