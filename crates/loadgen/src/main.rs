//! `relais-loadgen`: drives many customer websocket sessions against a Relais server, or
//! against a bare tokio-tungstenite echo server as a baseline, and reports turns per second,
//! round-trip latency percentiles and server memory per idle session; `crash` kills the server
//! under load and checks that nothing it acknowledged was lost or stored twice.
//!
//! Key decision: the baseline is part of the tool (`echo-server`, and `compare` which starts
//! both servers itself), so Relais is always judged against the cost of the websocket alone on
//! the same machine, in ratios that survive a noisy shared box better than absolute figures.
//!
//! What it deliberately does not do: talk to anything but loopback addresses, run unbounded
//! (every command ends after its window), or check the bot's answers (that is the e2e tests'
//! job; here only the protocol's shape is checked).

mod buffers;
mod child;
mod compare;
mod comparison;
mod crash;
mod crash_command;
#[cfg(test)]
mod crash_test;
mod duration;
mod echo;
mod fleet;
mod handoff;
mod http;
mod idle;
mod process;
mod report;
mod run;
mod schedule;
mod script;
mod session;
mod stamp;
mod stats;

use clap::{Parser, Subcommand};

/// Load generator for Relais: many customer sessions, measured against a bare echo server.
#[derive(Debug, Parser)]
#[command(name = "relais-loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a bare tokio-tungstenite echo server, the baseline.
    EchoServer(echo::EchoArgs),
    /// Drive N sessions at a fixed rate or saturated; report turns/s and round-trip latency.
    Run(run::RunArgs),
    /// Open N sessions, keep them idle and report the server's memory per session.
    Idle(idle::IdleArgs),
    /// Start the echo server and `relais serve`, run one workload against both, compare.
    Compare(compare::CompareArgs),
    /// Start `relais serve`, queue N customers for K advisors, then chat K x C at once.
    Handoff(handoff::HandoffArgs),
    /// Chat with N sessions while `relais serve` is killed (SIGKILL) and restarted K times;
    /// check that every acknowledged message is stored exactly once, in order.
    Crash(crash_command::CrashArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Ten thousand sessions need ten thousand descriptors here, and in the servers `compare`
    // starts, which inherit the limit. Raising the soft limit to the hard one needs no
    // privilege; if even that fails, connecting reports the real error.
    if let Err(err) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("warning: could not raise the open-files limit: {err}");
    }
    match cli.command {
        Command::EchoServer(args) => echo::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Idle(args) => idle::run(args).await,
        Command::Compare(args) => compare::run(args).await,
        Command::Handoff(args) => handoff::run(args).await,
        Command::Crash(args) => crash_command::run(args).await,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("relais-loadgen").chain(args.iter().copied()))
    }

    const RUN: [&str; 7] = [
        "run",
        "--url",
        "ws://127.0.0.1:9/ws",
        "--target",
        "relais",
        "--sessions",
        "10",
    ];

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_needs_exactly_one_pace() {
        assert!(parse(&RUN).is_err());
        assert!(parse(&[&RUN[..], &["--rate", "1", "--saturate"]].concat()).is_err());
        assert!(parse(&[&RUN[..], &["--rate", "0"]].concat()).is_err());
        assert!(parse(&[&RUN[..], &["--rate", "0.5"]].concat()).is_ok());
        assert!(parse(&[&RUN[..], &["--saturate", "--duration", "2m"]].concat()).is_ok());
    }

    #[test]
    fn compare_needs_exactly_one_workload() {
        let base = ["compare", "--sessions", "10"];
        assert!(parse(&base).is_err());
        assert!(parse(&[&base[..], &["--idle", "--saturate"]].concat()).is_err());
        assert!(parse(&[&base[..], &["--idle"]].concat()).is_ok());
    }

    #[test]
    fn handoff_has_working_defaults_and_bounds_capacity() {
        assert!(parse(&["handoff"]).is_ok());
        assert!(parse(&["handoff", "--capacity", "0"]).is_err());
        assert!(parse(&["handoff", "--capacity", "51"]).is_err());
        assert!(parse(&["handoff", "--rate", "0"]).is_err());
        assert!(parse(&["handoff", "--relais-arg", "--agent-grace-secs=5"]).is_ok());
    }

    #[test]
    fn crash_has_working_defaults_and_bounds_its_window() {
        assert!(parse(&["crash"]).is_ok());
        assert!(parse(&["crash", "--window", "0"]).is_err());
        assert!(parse(&["crash", "--window", "31"]).is_err());
        assert!(parse(&["crash", "--seed", "42", "--relais-arg=--max-sessions=900"]).is_ok());
        assert!(parse(&["crash", "--seed", "-1"]).is_err());
    }

    #[test]
    fn only_loopback_servers_are_targeted() {
        let mut remote = RUN;
        remote[2] = "ws://192.168.1.10:8080/ws";
        assert!(parse(&[&remote[..], &["--saturate"]].concat()).is_err());
    }
}
