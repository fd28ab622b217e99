//! The reports of `run` and `idle`, as JSON-serialisable structs and as text for a terminal.

use std::fmt::Write as _;

use serde::Serialize;

use crate::{fleet::Counts, run::Pace, session::Target, stats::LatencySummary};

/// The server's resource usage over a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct ServerFigures {
    /// Resident memory before the sessions connected, in KiB.
    pub(crate) rss_before_kib: u64,
    /// Resident memory at the end of the window, in KiB.
    pub(crate) rss_after_kib: u64,
    /// CPU time used during the measurement window, in seconds.
    pub(crate) cpu_s: f64,
    /// Average number of cores busy during the window (`cpu_s / duration_s`).
    pub(crate) cpu_cores: f64,
}

/// What `run` measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct RunReport {
    /// The kind of server.
    pub(crate) target: Target,
    /// Sessions requested.
    pub(crate) sessions: usize,
    /// Sessions that connected and opened.
    pub(crate) open: usize,
    /// How fast each session sent.
    pub(crate) pace: Pace,
    /// Length of the measurement window, in seconds.
    pub(crate) duration_s: f64,
    /// Length of the unmeasured warm-up, in seconds.
    pub(crate) warmup_s: f64,
    /// Time taken to connect every session, in seconds.
    pub(crate) connect_s: f64,
    /// Turns measured in the window.
    pub(crate) turns: u64,
    /// Turns measured per second of window.
    pub(crate) turns_per_s: f64,
    /// Round-trip times of the measured turns.
    pub(crate) latency: LatencySummary,
    /// Fixed-rate sends skipped because the previous reply was still outstanding.
    pub(crate) skipped_sends: u64,
    /// Outcomes of the measured bot turns (`answer`, `clarify`...); empty for the echo server.
    pub(crate) bot_outcomes: Counts,
    /// Sessions that failed to connect, by cause.
    pub(crate) connect_errors: Counts,
    /// Failed turns over the whole run, by cause.
    pub(crate) errors: Counts,
    /// The server's usage, when its pid was given.
    pub(crate) server: Option<ServerFigures>,
    /// The load generator's own CPU time during the window, in seconds.
    pub(crate) loadgen_cpu_s: Option<f64>,
}

/// What `idle` measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct IdleReport {
    /// The kind of server.
    pub(crate) target: Target,
    /// Sessions requested.
    pub(crate) sessions: usize,
    /// Sessions that connected and opened.
    pub(crate) open: usize,
    /// Open sessions the server ended while they were held idle.
    pub(crate) lost: usize,
    /// Time taken to connect every session, in seconds.
    pub(crate) connect_s: f64,
    /// Sessions that failed to connect, by cause.
    pub(crate) connect_errors: Counts,
    /// Server resident memory before connecting, in KiB.
    pub(crate) rss_before_kib: u64,
    /// Server resident memory with every session open and settled, in KiB.
    pub(crate) rss_after_kib: u64,
    /// `(rss_after - rss_before) / open`, in KiB.
    pub(crate) kib_per_session: f64,
}

/// Memory growth per open session in KiB; zero without open sessions. Memory that shrank
/// gives a negative figure rather than hiding it.
pub(crate) fn kib_per_session(before_kib: u64, after_kib: u64, open: usize) -> f64 {
    if open == 0 {
        return 0.0;
    }
    (after_kib as f64 - before_kib as f64) / open as f64
}

/// Describes a pace, e.g. `1 msg/s per session` or `saturated`.
pub(crate) fn describe_pace(pace: Pace) -> String {
    match pace {
        Pace::Rate(rate) => format!("{rate} msg/s per session"),
        Pace::Saturate => "saturated".to_owned(),
    }
}

/// Formats microseconds as milliseconds with three decimals.
pub(crate) fn ms(us: u64) -> String {
    format!("{:.3} ms", us as f64 / 1_000.0)
}

/// Formats counts as `closed 1, timeout 2`, or `none`.
pub(crate) fn describe_counts(counts: &Counts) -> String {
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(label, count)| format!("{label} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Formats KiB as MiB with one decimal.
fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The text form of a run report.
pub(crate) fn format_run(report: &RunReport) -> String {
    let mut out = String::new();
    let latency = &report.latency;
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "{}: {}/{} sessions, {}, {}s after {}s warm-up (connected in {:.1}s)",
        report.target.name(),
        report.open,
        report.sessions,
        describe_pace(report.pace),
        report.duration_s,
        report.warmup_s,
        report.connect_s
    );
    let _ = writeln!(
        out,
        "  turns          {} ({:.1}/s)",
        report.turns, report.turns_per_s
    );
    let _ = writeln!(
        out,
        "  round trip     p50 {}  p90 {}  p99 {}  max {}",
        ms(latency.p50_us),
        ms(latency.p90_us),
        ms(latency.p99_us),
        ms(latency.max_us)
    );
    if let Pace::Rate(_) = report.pace {
        let _ = writeln!(out, "  skipped sends  {}", report.skipped_sends);
    }
    if !report.bot_outcomes.is_empty() {
        let _ = writeln!(
            out,
            "  bot outcomes   {}",
            describe_counts(&report.bot_outcomes)
        );
    }
    let _ = writeln!(
        out,
        "  connect errors {}",
        describe_counts(&report.connect_errors)
    );
    let _ = writeln!(out, "  turn errors    {}", describe_counts(&report.errors));
    if let Some(server) = report.server {
        let _ = writeln!(
            out,
            "  server         RSS {} -> {}, CPU {:.1}s in window ({:.2} cores)",
            mib(server.rss_before_kib),
            mib(server.rss_after_kib),
            server.cpu_s,
            server.cpu_cores
        );
    }
    if let Some(cpu) = report.loadgen_cpu_s {
        let _ = writeln!(out, "  load generator CPU {cpu:.1}s in window");
    }
    out
}

/// The text form of an idle report.
pub(crate) fn format_idle(report: &IdleReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}/{} idle sessions (connected in {:.1}s, {} lost while idle)",
        report.target.name(),
        report.open,
        report.sessions,
        report.connect_s,
        report.lost
    );
    let _ = writeln!(
        out,
        "  connect errors {}",
        describe_counts(&report.connect_errors)
    );
    let _ = writeln!(
        out,
        "  server RSS     {} -> {}: {:.1} KiB per idle session",
        mib(report.rss_before_kib),
        mib(report.rss_after_kib),
        report.kib_per_session
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_run() -> RunReport {
        RunReport {
            target: Target::Relais,
            sessions: 1000,
            open: 998,
            pace: Pace::Rate(1.0),
            duration_s: 30.0,
            warmup_s: 5.0,
            connect_s: 1.25,
            turns: 29_940,
            turns_per_s: 998.0,
            latency: LatencySummary {
                samples: 29_940,
                p50_us: 412,
                p90_us: 800,
                p99_us: 2_100,
                max_us: 15_000,
            },
            skipped_sends: 3,
            bot_outcomes: Counts::from([
                ("answer".to_owned(), 29_000),
                ("clarify".to_owned(), 940),
            ]),
            connect_errors: Counts::from([("connect".to_owned(), 2)]),
            errors: Counts::from([("timeout".to_owned(), 2), ("closed".to_owned(), 1)]),
            server: Some(ServerFigures {
                rss_before_kib: 10_240,
                rss_after_kib: 20_480,
                cpu_s: 12.3,
                cpu_cores: 0.41,
            }),
            loadgen_cpu_s: Some(10.06),
        }
    }

    #[test]
    fn run_report_text() {
        let text = format_run(&sample_run());
        let expected = "\
relais: 998/1000 sessions, 1 msg/s per session, 30s after 5s warm-up (connected in 1.2s)
  turns          29940 (998.0/s)
  round trip     p50 0.412 ms  p90 0.800 ms  p99 2.100 ms  max 15.000 ms
  skipped sends  3
  bot outcomes   answer 29000, clarify 940
  connect errors connect 2
  turn errors    closed 1, timeout 2
  server         RSS 10.0 MiB -> 20.0 MiB, CPU 12.3s in window (0.41 cores)
  load generator CPU 10.1s in window
";
        assert_eq!(text, expected);
    }

    #[test]
    fn saturated_runs_omit_skipped_sends_and_unknown_usage() {
        let report = RunReport {
            pace: Pace::Saturate,
            server: None,
            loadgen_cpu_s: None,
            ..sample_run()
        };
        let text = format_run(&report);
        assert!(text.contains(", saturated, "));
        assert!(!text.contains("skipped"));
        assert!(!text.contains("server"));
    }

    #[test]
    fn run_report_json_names_pace_and_errors() {
        let json = serde_json::to_value(sample_run()).expect("json");
        assert_eq!(json["target"], "relais");
        assert_eq!(json["pace"], serde_json::json!({"rate": 1.0}));
        assert_eq!(json["errors"]["timeout"], 2);
        assert_eq!(json["latency"]["p99_us"], 2_100);
        let saturated = serde_json::to_value(RunReport {
            pace: Pace::Saturate,
            ..sample_run()
        });
        assert_eq!(saturated.expect("json")["pace"], "saturate");
    }

    #[test]
    fn idle_report_text() {
        let report = IdleReport {
            target: Target::Echo,
            sessions: 10_000,
            open: 10_000,
            lost: 0,
            connect_s: 3.5,
            connect_errors: Counts::new(),
            rss_before_kib: 4_096,
            rss_after_kib: 4_096 + 80_000,
            kib_per_session: kib_per_session(4_096, 4_096 + 80_000, 10_000),
        };
        let expected = "\
echo: 10000/10000 idle sessions (connected in 3.5s, 0 lost while idle)
  connect errors none
  server RSS     4.0 MiB -> 82.1 MiB: 8.0 KiB per idle session
";
        assert_eq!(format_idle(&report), expected);
    }

    #[test]
    fn memory_per_session_handles_no_sessions_and_shrinking() {
        assert_eq!(kib_per_session(100, 200, 0), 0.0);
        assert_eq!(kib_per_session(1_000, 900, 50), -2.0);
    }
}
