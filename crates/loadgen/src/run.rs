//! `relais-loadgen run`: N sessions driving scripted conversations at a fixed rate or
//! saturated, measuring turns per second and round-trip latency.
//!
//! Every session keeps at most one message outstanding. The run is split into a warm-up,
//! whose turns are not measured, and a measurement window; a turn counts when it was sent
//! inside the window and answered before it closed. When the server's pid is given, its
//! memory is read before connecting and at the end, and its CPU time over the window.

use std::{sync::Arc, time::Duration};

use tokio::time::Instant;

use crate::{
    duration::parse_duration,
    fleet::{self, Counts, FleetArgs, Launch, count_label, parse_loopback_url},
    process::{self, Pid, Usage},
    report::{self, RunReport, ServerFigures},
    schedule::Schedule,
    script::Script,
    session::{self, ClientSocket, SessionError, Target},
    stats::LatencySummary,
};

/// How fast each session sends.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Pace {
    /// A fixed number of messages per second per session.
    Rate(f64),
    /// The next message as soon as the previous one is answered.
    Saturate,
}

/// The `--rate` / `--saturate` choice.
#[derive(Clone, Copy, Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub(crate) struct PaceArgs {
    /// Messages per second sent by each session.
    #[arg(long, value_parser = parse_rate)]
    rate: Option<f64>,
    /// Send each message as soon as the previous one is answered.
    #[arg(long)]
    saturate: bool,
}

impl PaceArgs {
    /// The chosen pace (clap guarantees exactly one flag).
    pub(crate) fn pace(self) -> Pace {
        self.rate.map_or(Pace::Saturate, Pace::Rate)
    }
}

/// Parses `--rate`: a positive, finite number of messages per second.
pub(crate) fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 => Ok(rate),
        _ => Err(format!(
            "invalid rate {text:?}: expected a positive number of messages per second"
        )),
    }
}

/// The measured time span and per-turn limit.
#[derive(Clone, Copy, Debug, clap::Args)]
pub(crate) struct WindowArgs {
    /// Length of the measurement window.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub(crate) duration: Duration,
    /// Unmeasured time before the window, once every session is connected.
    #[arg(long, default_value = "5s", value_parser = parse_duration)]
    pub(crate) warmup: Duration,
    /// A turn not answered within this time counts as an error and ends its session.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub(crate) turn_timeout: Duration,
}

/// Arguments of `relais-loadgen run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Websocket URL of the server (loopback only).
    #[arg(long, value_parser = parse_loopback_url)]
    url: String,
    /// What the server at `--url` speaks.
    #[arg(long, value_enum)]
    target: Target,
    #[command(flatten)]
    fleet: FleetArgs,
    #[command(flatten)]
    pace: PaceArgs,
    #[command(flatten)]
    window: WindowArgs,
    /// Pid of the server process, to report its memory and CPU time.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `relais-loadgen run` and prints the report.
pub(crate) async fn run(args: RunArgs) -> anyhow::Result<()> {
    let launch = args.fleet.launch(&args.url, args.target);
    let report = measure(
        &launch,
        args.fleet.sessions,
        args.pace.pace(),
        &args.window,
        args.server_pid,
    )
    .await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report::format_run(&report));
    }
    Ok(())
}

/// What one session does once started, shared by all of them.
#[derive(Debug)]
struct Plan {
    target: Target,
    pace: Pace,
    sessions: usize,
    window: WindowArgs,
}

/// What one session measured.
#[derive(Debug, Default)]
struct SessionTally {
    samples: Vec<Duration>,
    bot_outcomes: Counts,
    errors: Counts,
    skipped: u64,
}

/// Connects `sessions` sessions and drives them at `pace` for the window.
pub(crate) async fn measure(
    launch: &Launch,
    sessions: usize,
    pace: Pace,
    window: &WindowArgs,
    server_pid: Option<u32>,
) -> anyhow::Result<RunReport> {
    let server_usage = || {
        server_pid
            .map(|pid| process::usage(Pid::Other(pid)))
            .transpose()
    };
    let rss_before = server_usage()?;
    let plan = Arc::new(Plan {
        target: launch.target,
        pace,
        sessions,
        window: *window,
    });
    let body_plan = Arc::clone(&plan);
    let fleet = fleet::connect(launch, sessions, move |index, socket, start| {
        drive(index, socket, start, Arc::clone(&body_plan))
    })
    .await;
    let start = fleet.start();
    tokio::time::sleep_until(start + window.warmup).await;
    let (server_from, loadgen_from) = (server_usage()?, process::usage(Pid::Myself).ok());
    tokio::time::sleep_until(start + window.warmup + window.duration).await;
    let (server_to, loadgen_to) = (server_usage()?, process::usage(Pid::Myself).ok());
    let (open, connect_errors, connect_time) =
        (fleet.open, fleet.connect_errors.clone(), fleet.connect_time);
    let (tallies, panics) = fleet.join().await;

    let mut samples = Vec::new();
    let mut errors = Counts::new();
    let mut bot_outcomes = Counts::new();
    let mut skipped = 0;
    for tally in tallies {
        samples.extend(tally.samples);
        for (label, count) in tally.bot_outcomes {
            *bot_outcomes.entry(label).or_default() += count;
        }
        for (label, count) in tally.errors {
            *errors.entry(label).or_default() += count;
        }
        skipped += tally.skipped;
    }
    for _ in 0..panics {
        count_label(&mut errors, "panic".to_owned());
    }
    let latency = LatencySummary::from_samples(&mut samples);
    let seconds = window.duration.as_secs_f64();
    Ok(RunReport {
        target: launch.target,
        sessions,
        open,
        pace,
        duration_s: seconds,
        warmup_s: window.warmup.as_secs_f64(),
        connect_s: connect_time.as_secs_f64(),
        turns: latency.samples,
        turns_per_s: latency.samples as f64 / seconds,
        latency,
        skipped_sends: skipped,
        bot_outcomes,
        connect_errors,
        errors,
        server: server_figures(rss_before, server_from, server_to, seconds),
        loadgen_cpu_s: loadgen_from
            .zip(loadgen_to)
            .map(|(from, to)| to.cpu_s - from.cpu_s),
    })
}

fn server_figures(
    before: Option<Usage>,
    from: Option<Usage>,
    to: Option<Usage>,
    seconds: f64,
) -> Option<ServerFigures> {
    let (before, from, to) = (before?, from?, to?);
    Some(ServerFigures {
        rss_before_kib: before.rss_kib,
        rss_after_kib: to.rss_kib,
        cpu_s: to.cpu_s - from.cpu_s,
        cpu_cores: (to.cpu_s - from.cpu_s) / seconds,
    })
}

/// Drives one started session until the end of the window.
async fn drive(
    index: usize,
    mut socket: ClientSocket,
    start: Instant,
    plan: Arc<Plan>,
) -> SessionTally {
    let measure_from = start + plan.window.warmup;
    let end = measure_from + plan.window.duration;
    let schedule = match plan.pace {
        Pace::Rate(rate) => Some(Schedule::new(rate, index, plan.sessions)),
        Pace::Saturate => None,
    };
    let mut tally = SessionTally::default();
    let mut script = Script::for_session(index);
    let mut due = 0;
    for id in 0.. {
        if let Some(schedule) = schedule {
            let next = schedule.next_slot(due, start.elapsed());
            let at = start + schedule.offset(next.slot);
            if at >= end {
                break;
            }
            if at >= measure_from {
                tally.skipped += next.skipped;
            }
            due = next.slot + 1;
            tokio::time::sleep_until(at).await;
        } else if Instant::now() >= end {
            break;
        }
        let frame = session::message_frame(script.next_line(), id);
        let sent = Instant::now();
        let result = tokio::select! {
            result = tokio::time::timeout(plan.window.turn_timeout, session::turn(&mut socket, plan.target, &frame)) => {
                result.unwrap_or(Err(SessionError::Timeout))
            }
            // A turn still outstanding at the end is not measured.
            () = tokio::time::sleep_until(end) => break,
        };
        match result {
            Ok(bot_outcome) if sent >= measure_from => {
                tally.samples.push(sent.elapsed());
                if let Some(bot_outcome) = bot_outcome {
                    count_label(&mut tally.bot_outcomes, bot_outcome);
                }
            }
            Ok(_) => {}
            // The protocol keeps the connection usable after an error frame.
            Err(err @ SessionError::Server(_)) => count_label(&mut tally.errors, err.label()),
            // Anything else leaves the socket lost or out of step with its replies.
            Err(err) => {
                count_label(&mut tally.errors, err.label());
                break;
            }
        }
    }
    // A polite close; the measurement is over, so a slow or failed close does not matter.
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    tally
}

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;
    use crate::echo::EchoFixture;

    #[test]
    fn rates_must_be_positive_numbers() {
        assert_eq!(parse_rate("0.5"), Ok(0.5));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("-1").is_err());
        assert!(parse_rate("inf").is_err());
        assert!(parse_rate("fast").is_err());
    }

    #[tokio::test]
    async fn a_saturated_run_against_the_echo_server_measures_turns() {
        let echo = EchoFixture::start(16).await;
        let launch = Launch {
            url: echo.url.clone(),
            target: Target::Echo,
            concurrency: 2,
            timeout: Duration::from_secs(10),
        };
        let window = WindowArgs {
            duration: Duration::from_millis(300),
            warmup: Duration::from_millis(50),
            turn_timeout: Duration::from_secs(10),
        };
        let report = measure(
            &launch,
            4,
            Pace::Saturate,
            &window,
            Some(std::process::id()),
        )
        .await
        .expect("run");
        echo.stop().await;

        assert_eq!(report.open, 4);
        assert!(
            report.connect_errors.is_empty(),
            "{:?}",
            report.connect_errors
        );
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.turns > 0);
        assert!(report.latency.p50_us <= report.latency.p99_us);
        assert!(report.latency.p99_us <= report.latency.max_us);
        assert!(report.server.is_some(), "own pid stands in for the server");
    }

    /// A minimal Relais stand-in: welcome and greeting on `hello`, then `ack` and a `bot`
    /// frame with outcome `answer` for each message.
    async fn fake_relais(listener: TcpListener, connections: usize) {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;

        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..connections {
            let (stream, _) = listener.accept().await.expect("accept");
            tasks.spawn(async move {
                let mut ws = tokio_tungstenite::accept_async(stream)
                    .await
                    .expect("handshake");
                let mut seq = 1;
                while let Some(Ok(Message::Text(text))) = ws.next().await {
                    let frame: serde_json::Value = serde_json::from_str(&text).expect("json");
                    let replies = if frame["type"] == "hello" {
                        vec![
                            serde_json::json!({"type": "welcome", "seq": 1, "resumed": false}),
                            serde_json::json!({"type": "bot", "seq": 1, "outcome": "smalltalk"}),
                        ]
                    } else {
                        seq += 2;
                        vec![
                            serde_json::json!({"type": "ack", "seq": seq - 1, "id": frame["id"]}),
                            serde_json::json!({"type": "bot", "seq": seq, "outcome": "answer"}),
                        ]
                    };
                    for reply in replies {
                        ws.send(Message::text(reply.to_string()))
                            .await
                            .expect("send");
                    }
                }
            });
        }
        while tasks.join_next().await.is_some() {}
    }

    #[tokio::test]
    async fn a_fixed_rate_run_against_a_relais_protocol_server_counts_bot_outcomes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
        let server = tokio::spawn(fake_relais(listener, 3));
        let launch = Launch {
            url,
            target: Target::Relais,
            concurrency: 3,
            timeout: Duration::from_secs(10),
        };
        let window = WindowArgs {
            duration: Duration::from_millis(300),
            warmup: Duration::ZERO,
            turn_timeout: Duration::from_secs(10),
        };
        let report = measure(&launch, 3, Pace::Rate(20.0), &window, None)
            .await
            .expect("run");
        server.await.expect("every connection ends after the run");

        assert_eq!(report.open, 3);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        assert!(report.turns > 0);
        // Greetings are not turns: every measured turn is an answer.
        assert_eq!(
            report.bot_outcomes,
            Counts::from([("answer".to_owned(), report.turns)])
        );
    }

    #[tokio::test]
    async fn sessions_that_cannot_connect_are_counted_not_run() {
        // Bind then drop to get a loopback port with nothing listening.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
        drop(listener);
        let launch = Launch {
            url,
            target: Target::Relais,
            concurrency: 2,
            timeout: Duration::from_secs(10),
        };
        let window = WindowArgs {
            duration: Duration::from_millis(10),
            warmup: Duration::ZERO,
            turn_timeout: Duration::from_secs(1),
        };
        let report = measure(&launch, 3, Pace::Rate(1.0), &window, None)
            .await
            .expect("run");
        assert_eq!(report.open, 0);
        assert_eq!(report.connect_errors.get("connect"), Some(&3));
        assert_eq!(report.turns, 0);
        assert_eq!(report.server, None);
    }
}
