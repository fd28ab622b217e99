//! Side-by-side figures for `compare`: medians over repeated runs, Relais/echo ratios, the
//! targets they are checked against, and the text table.
//!
//! The targets come from the issue that asked for this tool: at a fixed rate, bot turns
//! within 2x of the bare echo latency; saturated, at least half the echo throughput; idle,
//! under 16 KiB of server memory per session.

use std::fmt::Write as _;

use serde::Serialize;

use crate::{
    report::{IdleReport, RunReport, ms},
    run::Pace,
    stats::median,
};

/// Largest Relais/echo latency ratio at a fixed rate.
pub(crate) const MAX_LATENCY_RATIO: f64 = 2.0;
/// Smallest Relais/echo throughput ratio when saturated.
pub(crate) const MIN_THROUGHPUT_RATIO: f64 = 0.5;
/// Largest Relais memory per idle session, in KiB.
pub(crate) const MAX_IDLE_KIB: f64 = 16.0;

/// Medians of the figures of repeated runs against one server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct RunMedians {
    /// Turns per second.
    pub(crate) turns_per_s: f64,
    /// Median round trip, in µs.
    pub(crate) p50_us: f64,
    /// 90th percentile round trip, in µs.
    pub(crate) p90_us: f64,
    /// 99th percentile round trip, in µs.
    pub(crate) p99_us: f64,
    /// Slowest round trip, in µs.
    pub(crate) max_us: f64,
    /// Connect and turn errors together.
    pub(crate) errors: f64,
    /// Server cores busy during the window, when measured.
    pub(crate) server_cpu_cores: Option<f64>,
    /// Server resident memory at the end, in KiB, when measured.
    pub(crate) server_rss_after_kib: Option<f64>,
}

/// The median of `f` over `items`; zero when empty.
fn median_of<T>(items: &[T], f: impl Fn(&T) -> f64) -> f64 {
    median(&items.iter().map(f).collect::<Vec<_>>()).unwrap_or(0.0)
}

/// The median of `f` over `items`, or `None` if any item lacks the figure.
fn median_of_some<T>(items: &[T], f: impl Fn(&T) -> Option<f64>) -> Option<f64> {
    median(&items.iter().map(f).collect::<Option<Vec<_>>>()?)
}

/// Medians of each figure of `runs`, taken separately.
pub(crate) fn run_medians(runs: &[RunReport]) -> RunMedians {
    RunMedians {
        turns_per_s: median_of(runs, |r| r.turns_per_s),
        p50_us: median_of(runs, |r| r.latency.p50_us as f64),
        p90_us: median_of(runs, |r| r.latency.p90_us as f64),
        p99_us: median_of(runs, |r| r.latency.p99_us as f64),
        max_us: median_of(runs, |r| r.latency.max_us as f64),
        errors: median_of(runs, |r| {
            (r.errors.values().sum::<u64>() + r.connect_errors.values().sum::<u64>()) as f64
        }),
        server_cpu_cores: median_of_some(runs, |r| r.server.map(|s| s.cpu_cores)),
        server_rss_after_kib: median_of_some(runs, |r| r.server.map(|s| s.rss_after_kib as f64)),
    }
}

/// Medians of the figures of repeated idle runs against one server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct IdleMedians {
    /// Server memory per idle session, in KiB.
    pub(crate) kib_per_session: f64,
    /// Server resident memory before connecting, in KiB.
    pub(crate) rss_before_kib: f64,
    /// Server resident memory with the sessions open, in KiB.
    pub(crate) rss_after_kib: f64,
    /// Sessions open.
    pub(crate) open: f64,
    /// Sessions lost while idle.
    pub(crate) lost: f64,
}

/// Medians of each figure of `runs`, taken separately.
pub(crate) fn idle_medians(runs: &[IdleReport]) -> IdleMedians {
    IdleMedians {
        kib_per_session: median_of(runs, |r| r.kib_per_session),
        rss_before_kib: median_of(runs, |r| r.rss_before_kib as f64),
        rss_after_kib: median_of(runs, |r| r.rss_after_kib as f64),
        open: median_of(runs, |r| r.open as f64),
        lost: median_of(runs, |r| r.lost as f64),
    }
}

/// One target checked against a measured figure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Check {
    /// What is checked, e.g. `p50 latency relais/echo`.
    pub(crate) name: String,
    /// The measured figure.
    pub(crate) value: f64,
    /// The limit it must respect.
    pub(crate) limit: f64,
    /// `true` when `value` respects `limit`.
    pub(crate) met: bool,
}

impl Check {
    fn at_most(name: &str, value: f64, limit: f64) -> Self {
        Check {
            name: name.to_owned(),
            value,
            limit,
            met: value <= limit,
        }
    }

    fn at_least(name: &str, value: f64, limit: f64) -> Self {
        Check {
            name: name.to_owned(),
            value,
            limit,
            met: value >= limit,
        }
    }

    fn below(name: &str, value: f64, limit: f64) -> Self {
        Check {
            name: name.to_owned(),
            value,
            limit,
            met: value < limit,
        }
    }
}

/// `relais / echo`, or infinity when the echo figure is zero.
pub(crate) fn ratio(relais: f64, echo: f64) -> f64 {
    if echo == 0.0 {
        f64::INFINITY
    } else {
        relais / echo
    }
}

/// The targets of a run workload: latency at a fixed rate, throughput when saturated.
pub(crate) fn run_checks(pace: Pace, echo: &RunMedians, relais: &RunMedians) -> Vec<Check> {
    match pace {
        Pace::Rate(_) => vec![
            Check::at_most(
                "p50 latency relais/echo",
                ratio(relais.p50_us, echo.p50_us),
                MAX_LATENCY_RATIO,
            ),
            Check::at_most(
                "p99 latency relais/echo",
                ratio(relais.p99_us, echo.p99_us),
                MAX_LATENCY_RATIO,
            ),
        ],
        Pace::Saturate => vec![Check::at_least(
            "throughput relais/echo",
            ratio(relais.turns_per_s, echo.turns_per_s),
            MIN_THROUGHPUT_RATIO,
        )],
    }
}

/// The target of an idle workload: Relais memory per session.
pub(crate) fn idle_checks(relais: &IdleMedians) -> Vec<Check> {
    vec![Check::below(
        "relais KiB per idle session",
        relais.kib_per_session,
        MAX_IDLE_KIB,
    )]
}

fn write_row(out: &mut String, label: &str, echo: &str, relais: &str, ratio: &str) {
    // Writing to a String cannot fail.
    let _ = writeln!(out, "  {label:<20} {echo:>14} {relais:>14} {ratio:>12}");
}

fn write_header(out: &mut String, title: &str) {
    let _ = writeln!(out, "{title}");
    write_row(out, "", "echo", "relais", "relais/echo");
}

fn write_compared(
    out: &mut String,
    label: &str,
    echo: f64,
    relais: f64,
    show: impl Fn(f64) -> String,
) {
    write_row(
        out,
        label,
        &show(echo),
        &show(relais),
        &format!("{:.2}", ratio(relais, echo)),
    );
}

fn write_checks(out: &mut String, checks: &[Check]) {
    for check in checks {
        let verdict = if check.met { "met" } else { "MISSED" };
        let _ = writeln!(
            out,
            "  target {}: {:.2} (limit {}) {verdict}",
            check.name, check.value, check.limit
        );
    }
}

/// The side-by-side table of a run workload.
pub(crate) fn format_run_table(
    title: &str,
    echo: &RunMedians,
    relais: &RunMedians,
    checks: &[Check],
) -> String {
    let mut out = String::new();
    write_header(&mut out, title);
    write_compared(
        &mut out,
        "turns/s",
        echo.turns_per_s,
        relais.turns_per_s,
        |v| format!("{v:.1}"),
    );
    for (label, e, r) in [
        ("p50", echo.p50_us, relais.p50_us),
        ("p90", echo.p90_us, relais.p90_us),
        ("p99", echo.p99_us, relais.p99_us),
        ("max", echo.max_us, relais.max_us),
    ] {
        write_compared(&mut out, label, e, r, |us| ms(us.round() as u64));
    }
    write_row(
        &mut out,
        "errors",
        &echo.errors.to_string(),
        &relais.errors.to_string(),
        "",
    );
    if let (Some(e), Some(r)) = (echo.server_cpu_cores, relais.server_cpu_cores) {
        write_compared(&mut out, "server CPU (cores)", e, r, |v| format!("{v:.2}"));
    }
    if let (Some(e), Some(r)) = (echo.server_rss_after_kib, relais.server_rss_after_kib) {
        write_compared(&mut out, "server RSS (MiB)", e, r, |kib| {
            format!("{:.1}", kib / 1024.0)
        });
    }
    write_checks(&mut out, checks);
    out
}

/// The side-by-side table of an idle workload.
pub(crate) fn format_idle_table(
    title: &str,
    echo: &IdleMedians,
    relais: &IdleMedians,
    checks: &[Check],
) -> String {
    let mut out = String::new();
    write_header(&mut out, title);
    write_row(
        &mut out,
        "sessions open",
        &echo.open.to_string(),
        &relais.open.to_string(),
        "",
    );
    write_row(
        &mut out,
        "lost while idle",
        &echo.lost.to_string(),
        &relais.lost.to_string(),
        "",
    );
    write_compared(
        &mut out,
        "RSS before (MiB)",
        echo.rss_before_kib,
        relais.rss_before_kib,
        |kib| format!("{:.1}", kib / 1024.0),
    );
    write_compared(
        &mut out,
        "RSS after (MiB)",
        echo.rss_after_kib,
        relais.rss_after_kib,
        |kib| format!("{:.1}", kib / 1024.0),
    );
    write_compared(
        &mut out,
        "KiB per session",
        echo.kib_per_session,
        relais.kib_per_session,
        |v| format!("{v:.1}"),
    );
    write_checks(&mut out, checks);
    out
}

#[cfg(test)]
#[path = "comparison_test.rs"]
mod tests;
