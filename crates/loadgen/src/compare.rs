//! `relais-loadgen compare`: starts the echo server and `relais serve` as child processes,
//! runs the same workload against each, and prints them side by side with Relais/echo
//! ratios and the targets they are checked against.
//!
//! Each repetition starts both servers afresh (Relais with an empty temporary data
//! directory), one after the other, so neither competes with the other for the two cores and
//! every idle measurement starts from a cold process. Figures are medians over repetitions.

use std::{path::PathBuf, time::Duration};

use serde::Serialize;

use crate::{
    buffers::WsBuffers,
    child::{ServerProcess, expand_args, free_loopback_addr},
    comparison::{self, Check},
    duration::{format_duration, parse_duration},
    fleet::FleetArgs,
    idle::{self, HoldArgs},
    report::{IdleReport, RunReport, describe_pace},
    run::{self, Pace, WindowArgs},
    session::Target,
};

/// The workload of a comparison.
#[derive(Clone, Copy, Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct WorkloadArgs {
    /// Messages per second sent by each session.
    #[arg(long, value_parser = run::parse_rate)]
    rate: Option<f64>,
    /// Send each message as soon as the previous one is answered.
    #[arg(long)]
    saturate: bool,
    /// Hold the sessions idle and measure server memory per session.
    #[arg(long)]
    idle: bool,
}

/// Arguments of `relais-loadgen compare`.
#[derive(Debug, clap::Args)]
pub(crate) struct CompareArgs {
    /// The `relais` binary to start.
    #[arg(long, default_value = "target/release/relais")]
    relais_bin: PathBuf,
    /// One argument of the Relais server command (repeat the flag for each); `{addr}` is
    /// replaced by the listen address and `{data}` by a fresh temporary directory.
    #[arg(
        long = "relais-arg",
        allow_hyphen_values = true,
        default_values = ["serve", "--addr={addr}", "--data={data}"]
    )]
    relais_args: Vec<String>,
    /// Longest wait for a server to accept connections after it starts.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    startup_timeout: Duration,
    /// Show the servers' stderr (their logs).
    #[arg(long)]
    show_server_output: bool,
    #[command(flatten)]
    fleet: FleetArgs,
    #[command(flatten)]
    workload: WorkloadArgs,
    #[command(flatten)]
    window: WindowArgs,
    #[command(flatten)]
    hold: HoldArgs,
    /// Runs per server; figures are medians over them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    repeat: u32,
    /// Buffer sizes of the echo server: keep them equal to the Relais server's.
    #[command(flatten)]
    buffers: WsBuffers,
    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,
}

/// The runs and medians against one server.
#[derive(Debug, Serialize)]
struct Side<R, M> {
    runs: Vec<R>,
    median: M,
}

/// The whole comparison, as printed with `--json`.
#[derive(Debug, Serialize)]
struct Comparison<R, M> {
    workload: String,
    sessions: usize,
    repeat: u32,
    echo_buffers: WsBuffers,
    echo: Side<R, M>,
    relais: Side<R, M>,
    checks: Vec<Check>,
}

/// Runs `relais-loadgen compare` and prints the comparison.
pub(crate) async fn run(args: CompareArgs) -> anyhow::Result<()> {
    let pace = match args.workload.rate {
        _ if args.workload.idle => None,
        Some(rate) => Some(Pace::Rate(rate)),
        None => Some(Pace::Saturate),
    };
    let title = match pace {
        Some(pace) => format!(
            "{} sessions, {}, {} window after {} warm-up, median of {} run(s)",
            args.fleet.sessions,
            describe_pace(pace),
            format_duration(args.window.duration),
            format_duration(args.window.warmup),
            args.repeat
        ),
        None => format!(
            "{} idle sessions, median of {} run(s)",
            args.fleet.sessions, args.repeat
        ),
    };
    let (text, json) = match pace {
        Some(pace) => {
            let (echo, relais) = repeat_runs(&args, pace).await?;
            let (echo_median, relais_median) = (
                comparison::run_medians(&echo),
                comparison::run_medians(&relais),
            );
            let checks = comparison::run_checks(pace, &echo_median, &relais_median);
            let text = comparison::format_run_table(&title, &echo_median, &relais_median, &checks);
            let json = serde_json::to_string_pretty(&comparison(
                &args,
                &title,
                echo,
                echo_median,
                relais,
                relais_median,
                checks,
            ))?;
            (text, json)
        }
        None => {
            let (echo, relais) = repeat_idle(&args).await?;
            let (echo_median, relais_median) = (
                comparison::idle_medians(&echo),
                comparison::idle_medians(&relais),
            );
            let checks = comparison::idle_checks(&relais_median);
            let text = comparison::format_idle_table(&title, &echo_median, &relais_median, &checks);
            let json = serde_json::to_string_pretty(&comparison(
                &args,
                &title,
                echo,
                echo_median,
                relais,
                relais_median,
                checks,
            ))?;
            (text, json)
        }
    };
    if args.json {
        println!("{json}");
    } else {
        print!("{text}");
    }
    Ok(())
}

fn comparison<R, M>(
    args: &CompareArgs,
    title: &str,
    echo: Vec<R>,
    echo_median: M,
    relais: Vec<R>,
    relais_median: M,
    checks: Vec<Check>,
) -> Comparison<R, M> {
    Comparison {
        workload: title.to_owned(),
        sessions: args.fleet.sessions,
        repeat: args.repeat,
        echo_buffers: args.buffers,
        echo: Side {
            runs: echo,
            median: echo_median,
        },
        relais: Side {
            runs: relais,
            median: relais_median,
        },
        checks,
    }
}

async fn repeat_runs(
    args: &CompareArgs,
    pace: Pace,
) -> anyhow::Result<(Vec<RunReport>, Vec<RunReport>)> {
    let (mut echo, mut relais) = (Vec::new(), Vec::new());
    for round in 1..=args.repeat {
        for target in [Target::Echo, Target::Relais] {
            let server = start(args, target).await?;
            let launch = args.fleet.launch(&server.url, target);
            let report = run::measure(
                &launch,
                args.fleet.sessions,
                pace,
                &args.window,
                Some(server.pid),
            )
            .await;
            server.stop().await?;
            let report = report?;
            eprintln!(
                "run {round}/{}: {} {:.1} turns/s, p50 {} us, p99 {} us",
                args.repeat,
                target.name(),
                report.turns_per_s,
                report.latency.p50_us,
                report.latency.p99_us
            );
            match target {
                Target::Echo => echo.push(report),
                Target::Relais => relais.push(report),
            }
        }
    }
    Ok((echo, relais))
}

async fn repeat_idle(args: &CompareArgs) -> anyhow::Result<(Vec<IdleReport>, Vec<IdleReport>)> {
    let (mut echo, mut relais) = (Vec::new(), Vec::new());
    for round in 1..=args.repeat {
        for target in [Target::Echo, Target::Relais] {
            let server = start(args, target).await?;
            let launch = args.fleet.launch(&server.url, target);
            let report = idle::measure(&launch, args.fleet.sessions, args.hold, server.pid).await;
            server.stop().await?;
            let report = report?;
            eprintln!(
                "run {round}/{}: {} {}/{} open, {:.1} KiB per idle session",
                args.repeat,
                target.name(),
                report.open,
                report.sessions,
                report.kib_per_session
            );
            match target {
                Target::Echo => echo.push(report),
                Target::Relais => relais.push(report),
            }
        }
    }
    Ok((echo, relais))
}

/// Starts a fresh server of kind `target` on a free loopback port.
async fn start(args: &CompareArgs, target: Target) -> anyhow::Result<ServerProcess> {
    let addr = free_loopback_addr()?;
    // Kept until the server has stopped: dropping it deletes the Relais data directory.
    let data_dir = tempfile::tempdir()?;
    let (program, program_args) = match target {
        Target::Echo => {
            let mut echo_args = vec![
                "echo-server".to_owned(),
                format!("--addr={addr}"),
                "--lifetime=60m".to_owned(),
            ];
            echo_args.extend(args.buffers.to_args());
            (std::env::current_exe()?, echo_args)
        }
        Target::Relais => (
            args.relais_bin.clone(),
            expand_args(&args.relais_args, addr, data_dir.path()),
        ),
    };
    let server = ServerProcess::start(
        &program,
        &program_args,
        addr,
        args.startup_timeout,
        args.show_server_output,
    )
    .await?;
    Ok(server.with_data_dir(data_dir))
}
