use super::*;
use crate::{
    fleet::Counts,
    report::{RunReport, ServerFigures},
    session::Target,
    stats::LatencySummary,
};

fn run(target: Target, turns_per_s: f64, p50_us: u64, p99_us: u64, timeouts: u64) -> RunReport {
    RunReport {
        target,
        sessions: 100,
        open: 100,
        pace: Pace::Saturate,
        duration_s: 10.0,
        warmup_s: 1.0,
        connect_s: 0.5,
        turns: (turns_per_s * 10.0) as u64,
        turns_per_s,
        latency: LatencySummary {
            samples: 1,
            p50_us,
            p90_us: p50_us,
            p99_us,
            max_us: p99_us * 2,
        },
        skipped_sends: 0,
        bot_outcomes: Counts::new(),
        connect_errors: Counts::new(),
        errors: if timeouts == 0 {
            Counts::new()
        } else {
            Counts::from([("timeout".to_owned(), timeouts)])
        },
        server: Some(ServerFigures {
            rss_before_kib: 1_024,
            rss_after_kib: 2_048,
            cpu_s: 5.0,
            cpu_cores: 0.5,
        }),
        loadgen_cpu_s: Some(5.0),
    }
}

fn idle(kib_per_session: f64) -> IdleReport {
    IdleReport {
        target: Target::Relais,
        sessions: 10,
        open: 10,
        lost: 0,
        connect_s: 1.0,
        connect_errors: Counts::new(),
        rss_before_kib: 1_000,
        rss_after_kib: 1_000 + (kib_per_session * 10.0) as u64,
        kib_per_session,
    }
}

#[test]
fn medians_are_taken_figure_by_figure() {
    let runs = [
        run(Target::Echo, 1_000.0, 100, 900, 0),
        run(Target::Echo, 3_000.0, 300, 700, 4),
        run(Target::Echo, 2_000.0, 200, 800, 1),
    ];
    let median = run_medians(&runs);
    assert_eq!(median.turns_per_s, 2_000.0);
    assert_eq!(median.p50_us, 200.0);
    assert_eq!(median.p99_us, 800.0);
    assert_eq!(median.errors, 1.0);
    assert_eq!(median.server_cpu_cores, Some(0.5));
}

#[test]
fn server_figures_are_left_out_unless_every_run_has_them() {
    let mut runs = [
        run(Target::Echo, 1.0, 1, 1, 0),
        run(Target::Echo, 1.0, 1, 1, 0),
    ];
    runs[1].server = None;
    let median = run_medians(&runs);
    assert_eq!(median.server_cpu_cores, None);
    assert_eq!(median.server_rss_after_kib, None);
}

#[test]
fn fixed_rate_checks_latency_ratios_against_two() {
    let echo = run_medians(&[run(Target::Echo, 1_000.0, 100, 400, 0)]);
    let relais = run_medians(&[run(Target::Relais, 1_000.0, 150, 1_000, 0)]);
    let checks = run_checks(Pace::Rate(1.0), &echo, &relais);
    assert_eq!(checks.len(), 2);
    assert_eq!((checks[0].value, checks[0].met), (1.5, true));
    assert_eq!((checks[1].value, checks[1].met), (2.5, false));
}

#[test]
fn saturated_checks_throughput_ratio_against_one_half() {
    let echo = run_medians(&[run(Target::Echo, 10_000.0, 100, 400, 0)]);
    let half = run_medians(&[run(Target::Relais, 5_000.0, 100, 400, 0)]);
    let less = run_medians(&[run(Target::Relais, 4_999.0, 100, 400, 0)]);
    assert!(run_checks(Pace::Saturate, &echo, &half)[0].met);
    assert!(!run_checks(Pace::Saturate, &echo, &less)[0].met);
}

#[test]
fn idle_check_wants_strictly_less_than_sixteen_kib() {
    assert!(idle_checks(&idle_medians(&[idle(15.9)]))[0].met);
    assert!(!idle_checks(&idle_medians(&[idle(16.0)]))[0].met);
}

#[test]
fn a_zero_echo_figure_gives_an_infinite_ratio() {
    assert_eq!(ratio(1.0, 0.0), f64::INFINITY);
    assert_eq!(ratio(3.0, 2.0), 1.5);
}

#[test]
fn run_table_text() {
    let echo = run_medians(&[run(Target::Echo, 10_000.0, 100, 400, 0)]);
    let relais = run_medians(&[run(Target::Relais, 4_000.0, 250, 1_000, 2)]);
    let checks = run_checks(Pace::Saturate, &echo, &relais);
    let expected = "\
100 sessions, saturated
                                 echo         relais  relais/echo
  turns/s                     10000.0         4000.0         0.40
  p50                        0.100 ms       0.250 ms         2.50
  p90                        0.100 ms       0.250 ms         2.50
  p99                        0.400 ms       1.000 ms         2.50
  max                        0.800 ms       2.000 ms         2.50
  errors                            0              2             
  server CPU (cores)             0.50           0.50         1.00
  server RSS (MiB)                2.0            2.0         1.00
  target throughput relais/echo: 0.40 (limit 0.5) MISSED
";
    assert_eq!(
        format_run_table("100 sessions, saturated", &echo, &relais, &checks),
        expected
    );
}

#[test]
fn idle_table_text() {
    let echo = idle_medians(&[idle(8.0)]);
    let relais = idle_medians(&[idle(12.0)]);
    let checks = idle_checks(&relais);
    let expected = "\
10 idle sessions
                                 echo         relais  relais/echo
  sessions open                    10             10             
  lost while idle                   0              0             
  RSS before (MiB)                1.0            1.0         1.00
  RSS after (MiB)                 1.1            1.1         1.04
  KiB per session                 8.0           12.0         1.50
  target relais KiB per idle session: 12.00 (limit 16) met
";
    assert_eq!(
        format_idle_table("10 idle sessions", &echo, &relais, &checks),
        expected
    );
}
