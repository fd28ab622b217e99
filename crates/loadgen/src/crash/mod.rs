//! Crash under load: hundreds of customer sessions chat with message ids while the server is
//! killed with SIGKILL at random moments and restarted on the same data directory; at the end
//! every session's transcript is read back through the protocol and audited against what the
//! client saw acknowledged (issue 7, items 3 and 6).
//!
//! The sessions behave like the widget: they keep their resume token, the highest seq seen
//! and their unacknowledged messages; after a break they reconnect with backoff, resume, and
//! resend every unacknowledged message with its original id. Before each kill the coordinator
//! waits until every session is connected to the current server, so each kill cuts every
//! session mid-conversation; the moment of the kill is then drawn from a seeded generator.
//!
//! Key decision: this directory names nothing else of the load generator (only tokio,
//! tungstenite, serde and anyhow), and the server sits behind [`Servers`], so the same code
//! runs as `relais-loadgen crash` and inside the end-to-end suite
//! (`tests/e2e/crash_under_load.rs` includes it by path, with the suite's own process harness).
//!
//! What it does not do: check the bot's answers, or measure speed.

pub(crate) mod audit;
mod customer;
pub(crate) mod ledger;
mod report;
pub(crate) mod rng;
pub(crate) mod wire;

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use futures_util::StreamExt as _;
use tokio::{sync::watch, task::JoinSet, time::Instant};

use self::{
    audit::Findings,
    customer::{Endpoint, Links},
    ledger::Ledger,
    rng::Rng,
};
pub(crate) use self::{customer::Plan, report::Report};

/// Transcripts read back at the same time during the audit.
const AUDIT_CONCURRENCY: usize = 32;
/// Longest read-back of one transcript.
const READ_BACK_LIMIT: Duration = Duration::from_secs(30);

/// The server under test, started and killed by the run.
pub(crate) trait Servers {
    /// Starts the server, always on the same data directory; returns its customer websocket
    /// URL once it accepts connections (the port may differ from one start to the next).
    async fn start(&mut self) -> anyhow::Result<String>;
    /// Kills the running server with SIGKILL and waits until it has exited.
    async fn kill(&mut self) -> anyhow::Result<()>;
}

/// What a crash run does.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// Customer sessions, each with its own conversation.
    pub(crate) sessions: usize,
    /// Times the server is killed and restarted.
    pub(crate) kills: usize,
    /// Seed of the kill schedule and of the sessions' pauses.
    pub(crate) seed: u64,
    /// Shortest time the server runs under load (every session connected) before a kill.
    pub(crate) min_uptime: Duration,
    /// Longest such time; each kill's is drawn uniformly between the two.
    pub(crate) max_uptime: Duration,
    /// Chatting after the last restart, before the sessions stop writing and drain.
    pub(crate) tail: Duration,
    /// Longest wait for every session to be connected again after a (re)start, and for the
    /// sessions to get every message acknowledged once they stop writing.
    pub(crate) settle_timeout: Duration,
    /// How each session behaves.
    pub(crate) plan: Plan,
}

/// What the sessions are asked to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Write new messages.
    Chat,
    /// Write nothing new; finish once every message is acknowledged.
    Drain,
    /// Finish now.
    Stop,
}

/// Runs the whole scenario against `servers` and audits every transcript. The server is
/// left running at the end; its owner stops it.
pub(crate) async fn run<S: Servers>(config: &Config, servers: &mut S) -> anyhow::Result<Report> {
    let began = Instant::now();
    let mut rng = Rng::new(config.seed);
    let url = servers.start().await?;
    let (endpoint_tx, endpoint_rx) = watch::channel(Endpoint { generation: 0, url });
    let (phase_tx, phase_rx) = watch::channel(Phase::Chat);
    let welcomed = Arc::new(watch::Sender::new(vec![None; config.sessions]));
    let plan = Arc::new(config.plan.clone());
    let mut tasks = JoinSet::new();
    for session in 0..config.sessions {
        let links = Links {
            endpoint: endpoint_rx.clone(),
            phase: phase_rx.clone(),
            welcomed: Arc::clone(&welcomed),
        };
        tasks.spawn(customer::run(
            session,
            rng.next_u64(),
            Arc::clone(&plan),
            links,
        ));
    }

    let mut restart_ms = Vec::with_capacity(config.kills);
    for generation in 0..config.kills as u64 {
        all_welcomed(&welcomed, generation, config.settle_timeout).await?;
        tokio::time::sleep(rng.duration_between(config.min_uptime, config.max_uptime)).await;
        let killed = Instant::now();
        servers.kill().await?;
        // Numbered before the restart: a session that connects from now on reaches the new
        // server (or nothing), even one that restarts on the same address.
        endpoint_tx.send_modify(|endpoint| endpoint.generation = generation + 1);
        let url = servers.start().await?;
        restart_ms.push(u64::try_from(killed.elapsed().as_millis()).unwrap_or(u64::MAX));
        endpoint_tx.send_if_modified(|endpoint| {
            let moved = endpoint.url != url;
            endpoint.url = url;
            moved
        });
    }
    all_welcomed(&welcomed, config.kills as u64, config.settle_timeout).await?;
    tokio::time::sleep(config.tail).await;

    phase_tx.send_replace(Phase::Drain);
    let ledgers = join(tasks, &phase_tx, config.settle_timeout).await?;
    let url = endpoint_tx.borrow().url.clone();
    let mut report = Report {
        seed: config.seed,
        sessions: config.sessions,
        kills: config.kills,
        restart_ms,
        ..Report::default()
    };
    let mut audits = futures_util::stream::iter(&ledgers)
        .map(|ledger| audit_one(&url, ledger))
        .buffer_unordered(AUDIT_CONCURRENCY);
    while let Some((ledger, findings, unreadable)) = audits.next().await {
        report.add_session(ledger, &findings);
        if let Some(why) = unreadable {
            report.example(format!(
                "session {}: transcript unreadable: {why}",
                ledger.session
            ));
        }
    }
    report.elapsed_s = began.elapsed().as_secs_f64();
    Ok(report)
}

/// Waits until every session got a `welcome` from server `generation` (or a later one).
async fn all_welcomed(
    welcomed: &watch::Sender<Vec<Option<u64>>>,
    generation: u64,
    limit: Duration,
) -> anyhow::Result<()> {
    let mut rx = welcomed.subscribe();
    let waited = tokio::time::timeout(
        limit,
        rx.wait_for(|sessions| sessions.iter().all(|g| *g >= Some(generation))),
    )
    .await;
    match waited {
        Ok(Ok(_)) => Ok(()),
        // The sender lives in this function's caller: the wait cannot lose it.
        Ok(Err(_)) => anyhow::bail!("the sessions' welcome channel closed"),
        Err(_) => {
            let missing = welcomed
                .borrow()
                .iter()
                .filter(|g| **g < Some(generation))
                .count();
            anyhow::bail!(
                "{missing} sessions were not connected to server start {} within {limit:?}",
                generation + 1
            )
        }
    }
}

/// Collects every session's ledger once drained; sessions still busy after `limit` are
/// stopped (their unacknowledged messages are reported as such).
async fn join(
    mut tasks: JoinSet<Ledger>,
    phase: &watch::Sender<Phase>,
    limit: Duration,
) -> anyhow::Result<Vec<Ledger>> {
    let deadline = Instant::now() + limit;
    let mut ledgers = Vec::with_capacity(tasks.len());
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                Some(joined) => ledgers.push(joined.context("a session task failed")?),
                None => break,
            },
            () = tokio::time::sleep_until(deadline), if *phase.borrow() != Phase::Stop => {
                phase.send_replace(Phase::Stop);
            }
        }
    }
    ledgers.sort_by_key(|ledger| ledger.session);
    Ok(ledgers)
}

/// Reads back and audits one session's transcript; says why when it cannot be read.
async fn audit_one<'a>(url: &str, ledger: &'a Ledger) -> (&'a Ledger, Findings, Option<String>) {
    let Some(token) = &ledger.token else {
        return (ledger, Findings::default(), None);
    };
    match audit::read_back(url, token, READ_BACK_LIMIT).await {
        Ok(transcript) => (ledger, audit::audit(ledger, &transcript), None),
        Err(why) => {
            let findings = Findings {
                unreadable: 1,
                ..Findings::default()
            };
            (ledger, findings, Some(why))
        }
    }
}
