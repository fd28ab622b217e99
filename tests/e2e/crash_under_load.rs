//! Crash under load (issue 7, items 3 and 6): many customer sessions chat with message ids
//! while the real `relais serve` is killed with SIGKILL and restarted on the same data
//! directory; the sessions reconnect, resume and resend what was not acknowledged, and at the
//! end every transcript is read back and audited.
//!
//! Properties checked:
//! 1. every message a client saw acknowledged is in its transcript exactly once, at the
//!    acknowledged seq, in sending order (lost = 0, duplicated = 0, misplaced = 0);
//! 2. every customer event in a transcript is a message its client sent (nothing invented),
//!    and seqs run without gaps;
//! 3. every kill cut every session, and every session resumed its conversation after it;
//! 4. once the sessions stop writing, every message they sent ends up acknowledged.
//!
//! The scenario itself is the load generator's `crash` module, included by path: the e2e
//! target cannot depend on the `relais-loadgen` binary crate, and the module is written to be
//! shared this way (`relais-loadgen crash` runs the long version).
//!
//! `RELAIS_CRASH_SEED` replays a kill schedule; the seed in use is printed first.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::support::{DataDir, Server};

#[path = "../../crates/loadgen/src/crash/mod.rs"]
mod crash;

/// Customer sessions: hundreds of sockets, small enough for a debug server on two cores.
const SESSIONS: usize = 150;
/// SIGKILLs (each followed by a restart).
const KILLS: usize = 3;
/// Longest time the whole scenario may take; debug servers take seconds to start.
const WHOLE_RUN: Duration = Duration::from_secs(300);

/// `relais serve` processes of the e2e harness, one at a time, on one data directory.
struct Harness<'a> {
    data: &'a DataDir,
    /// The running server; dropping it kills it, so a failing test leaves no process behind.
    server: Option<Server>,
}

impl crash::Servers for Harness<'_> {
    async fn start(&mut self) -> anyhow::Result<String> {
        // Every session comes from 127.0.0.1: lift the per-address limits above them.
        let room = (SESSIONS * 2).to_string();
        let extra = [
            "--max-connections-per-ip",
            room.as_str(),
            "--new-conversations-per-ip-per-minute",
            room.as_str(),
        ];
        // The harness waits for the listening line with blocking reads.
        let server = tokio::task::block_in_place(|| Server::start_with(self.data, &extra));
        let url = server.ws_url();
        self.server = Some(server);
        Ok(url)
    }

    async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(server) = self.server.take() {
            tokio::task::block_in_place(|| server.kill());
        }
        Ok(())
    }
}

fn seed() -> u64 {
    match std::env::var("RELAIS_CRASH_SEED") {
        Ok(seed) => seed.parse().expect("RELAIS_CRASH_SEED is a number"),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as u64),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill_under_load() {
    let seed = seed();
    eprintln!("crash under load: seed {seed} (RELAIS_CRASH_SEED={seed} replays it)");
    let config = crash::Config {
        sessions: SESSIONS,
        kills: KILLS,
        seed,
        min_uptime: Duration::from_millis(300),
        max_uptime: Duration::from_millis(1500),
        tail: Duration::from_millis(500),
        settle_timeout: Duration::from_secs(60),
        plan: crash::Plan {
            think: Duration::from_millis(300),
            window: 3,
            stall: Duration::from_secs(15),
            connect_timeout: Duration::from_secs(5),
        },
    };
    let data = DataDir::new();
    let mut harness = Harness {
        data: &data,
        server: None,
    };
    let report = tokio::time::timeout(WHOLE_RUN, crash::run(&config, &mut harness))
        .await
        .expect("the crash run ends in time")
        .expect("the crash run completes");
    eprintln!("{report}");

    assert_eq!(report.kills, KILLS);
    assert_eq!(report.findings.lost, 0, "{report}");
    assert_eq!(report.findings.duplicated, 0, "{report}");
    assert!(report.is_clean(), "{report}");
    assert!(
        report.resumes >= (SESSIONS * KILLS) as u64,
        "every kill cut every session, which then resumed: {report}"
    );
    assert!(
        report.messages >= SESSIONS as u64,
        "every session wrote: {report}"
    );
    assert_eq!(
        report.acked, report.messages,
        "after the last restart every message got acknowledged: {report}"
    );
}
