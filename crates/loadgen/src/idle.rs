//! `relais-loadgen idle`: opens N sessions, holds them idle and measures the server's memory
//! per idle session, `(RSS after - RSS before) / N`.
//!
//! For Relais a session counts once it has its welcome and greeting, so the figure includes a
//! started conversation. Held sessions keep reading, so the server's pings get answered and a
//! session the server drops is noticed and reported as lost.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::watch;

use crate::{
    duration::parse_duration,
    fleet::{self, FleetArgs, Launch, parse_loopback_url},
    process::{self, Pid},
    report::{self, IdleReport},
    session::{ClientSocket, Target},
};

/// Arguments of `relais-loadgen idle`.
#[derive(Debug, clap::Args)]
pub(crate) struct IdleArgs {
    /// Websocket URL of the server (loopback only).
    #[arg(long, value_parser = parse_loopback_url)]
    url: String,
    /// What the server at `--url` speaks.
    #[arg(long, value_enum)]
    target: Target,
    #[command(flatten)]
    fleet: FleetArgs,
    #[command(flatten)]
    hold: HoldArgs,
    /// Pid of the server process whose memory is measured.
    #[arg(long)]
    server_pid: u32,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// How long idle sessions are held before memory is read.
#[derive(Clone, Copy, Debug, clap::Args)]
pub(crate) struct HoldArgs {
    /// Time left to the server, once every session is open, before its memory is read.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub(crate) settle: Duration,
}

/// Runs `relais-loadgen idle` and prints the report.
pub(crate) async fn run(args: IdleArgs) -> anyhow::Result<()> {
    let launch = args.fleet.launch(&args.url, args.target);
    let report = measure(&launch, args.fleet.sessions, args.hold, args.server_pid).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::format_idle(&report));
    }
    Ok(())
}

/// Opens `sessions` idle sessions against the server with pid `server_pid` and measures its
/// memory growth.
pub(crate) async fn measure(
    launch: &Launch,
    sessions: usize,
    hold: HoldArgs,
    server_pid: u32,
) -> anyhow::Result<IdleReport> {
    let before = process::usage(Pid::Other(server_pid))?;
    let (release, released) = watch::channel(false);
    let fleet = fleet::connect(launch, sessions, move |_index, socket, _start| {
        hold_idle(socket, released.clone())
    })
    .await;
    fleet.start();
    tokio::time::sleep(hold.settle).await;
    let after = process::usage(Pid::Other(server_pid))?;
    release.send_replace(true);
    let (open, connect_errors, connect_time) =
        (fleet.open, fleet.connect_errors.clone(), fleet.connect_time);
    let (held, _panics) = fleet.join().await;
    let lost = held.iter().filter(|&&still_open| !still_open).count();
    Ok(IdleReport {
        target: launch.target,
        sessions,
        open,
        lost,
        connect_s: connect_time.as_secs_f64(),
        connect_errors,
        rss_before_kib: before.rss_kib,
        rss_after_kib: after.rss_kib,
        kib_per_session: report::kib_per_session(before.rss_kib, after.rss_kib, open),
    })
}

/// Holds one session open until released; `false` when the server ended it first.
async fn hold_idle(mut socket: ClientSocket, mut released: watch::Receiver<bool>) -> bool {
    let still_open = tokio::select! {
        _ = released.wait_for(|released| *released) => true,
        () = drain(&mut socket) => false,
    };
    if still_open {
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    }
    still_open
}

/// Reads (and ignores) whatever the server sends until the connection ends.
async fn drain(socket: &mut ClientSocket) {
    while let Some(Ok(_)) = socket.next().await {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::echo::EchoFixture;

    #[tokio::test]
    async fn idle_sessions_against_the_echo_server_stay_open() {
        let echo = EchoFixture::start(16).await;
        let launch = Launch {
            url: echo.url.clone(),
            target: Target::Echo,
            concurrency: 4,
            timeout: Duration::from_secs(10),
        };
        // Our own pid stands in for the server: it is in the same process.
        let report = measure(
            &launch,
            8,
            HoldArgs {
                settle: Duration::ZERO,
            },
            std::process::id(),
        )
        .await
        .expect("idle run");
        echo.stop().await;
        assert_eq!(report.open, 8);
        assert_eq!(report.lost, 0);
        assert!(report.connect_errors.is_empty());
        assert!(report.rss_before_kib > 0 && report.rss_after_kib > 0);
    }
}
