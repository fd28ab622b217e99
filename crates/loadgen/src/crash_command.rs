//! `relais-loadgen crash`: starts `relais serve` on a data directory, runs the crash-under-load
//! scenario of [`crate::crash`] against it (SIGKILL and restart on the same address and data
//! directory) and prints the report; fails when anything acknowledged was lost, moved or
//! duplicated.
//!
//! Run it from the repository root (the server finds `intents/` and `web/` there) with a
//! release build: `cargo build --release -p relais`.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use crate::{
    child::{ServerProcess, expand_args, free_loopback_addr},
    crash::{self, Config, Plan, Servers},
    duration::parse_duration,
};

/// Arguments of `relais-loadgen crash`.
#[derive(Debug, clap::Args)]
pub(crate) struct CrashArgs {
    /// The `relais` binary to start.
    #[arg(long, default_value = "target/release/relais")]
    relais_bin: PathBuf,
    /// Extra argument of `relais serve` (repeat the flag for each); `{addr}` and `{data}` are
    /// replaced as in `compare`. Added after `serve --addr --data`. The per-address and
    /// per-socket limits are lifted through their environment variables, since every session
    /// connects from 127.0.0.1; flags given here win over them.
    #[arg(long = "relais-arg", allow_hyphen_values = true)]
    relais_args: Vec<String>,
    /// The server's data directory (default: a temporary one, deleted at the end).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Customer sessions.
    #[arg(long, default_value_t = 500)]
    sessions: usize,
    /// Times the server is killed with SIGKILL and restarted.
    #[arg(long, default_value_t = 10)]
    kills: usize,
    /// Seed of the kill schedule and the sessions' pauses (default: from the clock; printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Shortest time the server runs with every session connected before a kill.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    min_uptime: Duration,
    /// Longest such time; each kill's is drawn uniformly in between.
    #[arg(long, default_value = "8s", value_parser = parse_duration)]
    max_uptime: Duration,
    /// Chatting after the last restart, before the sessions stop writing and drain.
    #[arg(long, default_value = "3s", value_parser = parse_duration)]
    tail: Duration,
    /// Mean pause between two messages of a session.
    #[arg(long, default_value = "500ms", value_parser = parse_duration)]
    think: Duration,
    /// Most unacknowledged messages per session.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=30))]
    window: u32,
    /// A connection with unacknowledged messages and no frame for this long is dropped.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    stall: Duration,
    /// Longest wait for every session to be connected after a restart, and to drain.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    settle_timeout: Duration,
    /// Longest wait for the server to accept connections after it starts.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    startup_timeout: Duration,
    /// Show the server's stderr (its logs).
    #[arg(long)]
    show_server_output: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `relais-loadgen crash` and prints the report.
pub(crate) async fn run(args: CrashArgs) -> anyhow::Result<()> {
    let seed = args.seed.unwrap_or_else(clock_seed);
    eprintln!("crash: seed {seed} (replay the schedule with --seed {seed})");
    let (data, _temporary) = match &args.data {
        Some(dir) => (dir.clone(), None),
        None => {
            let temporary = tempfile::tempdir()?;
            (temporary.path().join("store"), Some(temporary))
        }
    };
    let config = Config {
        sessions: args.sessions,
        kills: args.kills,
        seed,
        min_uptime: args.min_uptime,
        max_uptime: args.max_uptime.max(args.min_uptime),
        tail: args.tail,
        settle_timeout: args.settle_timeout,
        plan: Plan {
            think: args.think,
            window: args.window as usize,
            stall: args.stall,
            connect_timeout: Duration::from_secs(5),
        },
    };
    let mut servers = ProcessServers {
        args: &args,
        data: &data,
        addr: free_loopback_addr()?,
        running: None,
    };
    let outcome = crash::run(&config, &mut servers).await;
    servers.kill().await?;
    let report = outcome?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{report}");
    }
    anyhow::ensure!(
        report.is_clean(),
        "the crash run lost, moved, duplicated or invented messages (seed {seed})"
    );
    Ok(())
}

/// A seed from the clock's nanoseconds.
fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64)
}

/// `relais serve` child processes, one at a time, on one data directory.
struct ProcessServers<'a> {
    args: &'a CrashArgs,
    data: &'a Path,
    /// The address every start tries first.
    addr: SocketAddr,
    running: Option<ServerProcess>,
}

impl ProcessServers<'_> {
    async fn start_on(&self, addr: SocketAddr) -> anyhow::Result<ServerProcess> {
        let mut server_args = vec![
            "serve".to_owned(),
            format!("--addr={addr}"),
            format!("--data={}", self.data.display()),
        ];
        server_args.extend(expand_args(&self.args.relais_args, addr, self.data));
        ServerProcess::start(
            &self.args.relais_bin,
            &server_args,
            addr,
            self.args.startup_timeout,
            self.args.show_server_output,
        )
        .await
    }
}

impl Servers for ProcessServers<'_> {
    async fn start(&mut self) -> anyhow::Result<String> {
        let server = match self.start_on(self.addr).await {
            Ok(server) => server,
            Err(err) => {
                // Another process took the port meanwhile: the sessions learn the new one.
                eprintln!("crash: could not restart on {}: {err:#}", self.addr);
                self.addr = free_loopback_addr()?;
                self.start_on(self.addr).await?
            }
        };
        let url = server.url.clone();
        self.running = Some(server);
        Ok(url)
    }

    async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(server) = self.running.take() {
            server.stop().await?;
        }
        Ok(())
    }
}
