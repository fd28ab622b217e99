//! What one handoff run measured, its headline figures, medians over runs, and the text
//! table (Markdown, so it can go into the docs as printed).

use std::fmt::Write as _;

use serde::Serialize;

use crate::{fleet::Counts, stats::LatencySummary, stats::median};

/// The queueing phase: N customers ask for a human and wait.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct QueuePhase {
    /// Customers that reached the queue.
    pub(crate) queued: usize,
    /// Customers that did not, by cause.
    pub(crate) errors: Counts,
    /// From the first connect to the last customer settled, in seconds.
    pub(crate) wall_s: f64,
    /// From asking for a human to the `queued` frame.
    pub(crate) time_to_queued: LatencySummary,
    /// `queue_update` frames customers received during the phase.
    pub(crate) queue_updates: u64,
    /// `queue` frames advisors received during the phase.
    pub(crate) agent_queue_frames: u64,
    /// Server RSS with the advisors connected and no customer, in KiB.
    pub(crate) rss_before_kib: u64,
    /// Server RSS with every customer queued and settled, in KiB.
    pub(crate) rss_queued_kib: u64,
    /// Server CPU over the phase, in seconds.
    pub(crate) cpu_s: f64,
}

/// The accept phase: advisors take chats up to their capacity.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct AcceptPhase {
    /// Chats asked for: min(queued, advisors × capacity).
    pub(crate) wanted: usize,
    /// Chats accepted.
    pub(crate) accepted: usize,
    /// Refused accepts, by error code.
    pub(crate) errors: Counts,
    /// From the first `accept` to the last answer, in seconds.
    pub(crate) wall_s: f64,
    /// From `accept` to its `transcript`.
    pub(crate) latency: LatencySummary,
    /// `queue_update` frames customers received during the phase.
    pub(crate) queue_updates: u64,
}

/// One direction of chat messages over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Direction {
    /// Messages sent inside the window.
    pub(crate) sent: u64,
    /// Of those, messages delivered before the end of the drain.
    pub(crate) delivered: u64,
    /// Delivery latency, sender's send to receiver's frame.
    pub(crate) latency: LatencySummary,
}

/// The chat phase: advisors and customers write to each other at a fixed rate.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct ChatPhase {
    /// Customers that saw `handoff` `assigned`.
    pub(crate) assigned: usize,
    /// Advisor to customer.
    pub(crate) agent_to_customer: Direction,
    /// Customer to advisor.
    pub(crate) customer_to_agent: Direction,
    /// Delivered messages per second of window, both directions.
    pub(crate) messages_per_s: f64,
    /// Send slots skipped because a sender fell behind.
    pub(crate) skipped_sends: u64,
    /// Errors of every task over the whole run, by label.
    pub(crate) errors: Counts,
    /// Server CPU over the window, in cores.
    pub(crate) server_cpu_cores: f64,
    /// Server RSS at the end of the window, in KiB.
    pub(crate) rss_end_kib: u64,
    /// The load generator's CPU over the window, in cores.
    pub(crate) loadgen_cpu_cores: f64,
}

/// Everything one run measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct HandoffRun {
    /// Customers asked to queue.
    pub(crate) customers: usize,
    /// Advisors.
    pub(crate) agents: usize,
    /// Chats each advisor holds.
    pub(crate) capacity: u32,
    /// Messages per second per chat and per side.
    pub(crate) rate: f64,
    /// Measured chat window, in seconds.
    pub(crate) duration_s: f64,
    /// Queueing.
    pub(crate) queue: QueuePhase,
    /// Accepting.
    pub(crate) accept: AcceptPhase,
    /// Chatting.
    pub(crate) chat: ChatPhase,
}

/// One headline figure of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Figure {
    /// What it is.
    pub(crate) name: &'static str,
    /// Its value.
    pub(crate) value: f64,
    /// Decimals shown.
    #[serde(skip)]
    decimals: usize,
}

fn figure(name: &'static str, value: f64, decimals: usize) -> Figure {
    Figure {
        name,
        value,
        decimals,
    }
}

fn ms(us: u64) -> f64 {
    us as f64 / 1_000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn total(counts: &Counts) -> f64 {
    counts.values().sum::<u64>() as f64
}

/// `(after - before) / count` in KiB; zero without any.
pub(crate) fn kib_each(before_kib: u64, after_kib: u64, count: usize) -> f64 {
    if count == 0 {
        return 0.0;
    }
    (after_kib as f64 - before_kib as f64) / count as f64
}

impl HandoffRun {
    /// The run's headline figures, in table order.
    pub(crate) fn figures(&self) -> Vec<Figure> {
        let (q, a, c) = (&self.queue, &self.accept, &self.chat);
        let lost = |d: &Direction| d.sent.saturating_sub(d.delivered) as f64;
        vec![
            figure("queued customers", q.queued as f64, 0),
            figure("customers not queued", total(&q.errors), 0),
            figure("time to `queued` p50 (ms)", ms(q.time_to_queued.p50_us), 1),
            figure("time to `queued` p99 (ms)", ms(q.time_to_queued.p99_us), 1),
            figure("queueing wall time (s)", q.wall_s, 1),
            figure(
                "queue_update frames while queueing",
                q.queue_updates as f64,
                0,
            ),
            figure(
                "advisor `queue` frames while queueing",
                q.agent_queue_frames as f64,
                0,
            ),
            figure(
                "server RSS per queued customer (KiB)",
                kib_each(q.rss_before_kib, q.rss_queued_kib, q.queued),
                1,
            ),
            figure("server RSS, all queued (MiB)", mib(q.rss_queued_kib), 1),
            figure(
                "server CPU while queueing (cores)",
                q.cpu_s / q.wall_s.max(f64::EPSILON),
                2,
            ),
            figure("chats accepted", a.accepted as f64, 0),
            figure("accepts refused", total(&a.errors), 0),
            figure("accept → transcript p50 (ms)", ms(a.latency.p50_us), 1),
            figure("accept → transcript p99 (ms)", ms(a.latency.p99_us), 1),
            figure("accept wall time (s)", a.wall_s, 2),
            figure(
                "queue_update frames while accepting",
                a.queue_updates as f64,
                0,
            ),
            figure("customers assigned", c.assigned as f64, 0),
            figure(
                "advisor → customer p50 (ms)",
                ms(c.agent_to_customer.latency.p50_us),
                2,
            ),
            figure(
                "advisor → customer p99 (ms)",
                ms(c.agent_to_customer.latency.p99_us),
                2,
            ),
            figure(
                "customer → advisor p50 (ms)",
                ms(c.customer_to_agent.latency.p50_us),
                2,
            ),
            figure(
                "customer → advisor p99 (ms)",
                ms(c.customer_to_agent.latency.p99_us),
                2,
            ),
            figure("messages delivered per s (both ways)", c.messages_per_s, 1),
            figure(
                "messages lost or late",
                lost(&c.agent_to_customer) + lost(&c.customer_to_agent),
                0,
            ),
            figure("skipped sends", c.skipped_sends as f64, 0),
            figure("errors (all tasks)", total(&c.errors), 0),
            figure("server CPU while chatting (cores)", c.server_cpu_cores, 2),
            figure("server RSS at the end (MiB)", mib(c.rss_end_kib), 1),
            figure(
                "load generator CPU while chatting (cores)",
                c.loadgen_cpu_cores,
                2,
            ),
        ]
    }
}

/// The median of each figure over runs (every run has the same figures in the same order).
pub(crate) fn median_figures(runs: &[Vec<Figure>]) -> Vec<Figure> {
    let Some(first) = runs.first() else {
        return Vec::new();
    };
    first
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let values: Vec<f64> = runs
                .iter()
                .filter_map(|r| r.get(i))
                .map(|f| f.value)
                .collect();
            figure(f.name, median(&values).unwrap_or_default(), f.decimals)
        })
        .collect()
}

/// The Markdown table: one column per run, then the median.
pub(crate) fn format_table(title: &str, runs: &[Vec<Figure>], medians: &[Figure]) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{title}\n");
    let mut header = "| figure |".to_owned();
    let mut rule = "|---|".to_owned();
    for i in 1..=runs.len() {
        let _ = write!(header, " run {i} |");
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "{header} median |\n{rule}---:|");
    for (i, m) in medians.iter().enumerate() {
        let mut row = format!("| {} |", m.name);
        for run in runs {
            let value = run.get(i).map_or(0.0, |f| f.value);
            let _ = write!(row, " {:.*} |", m.decimals, value);
        }
        let _ = writeln!(out, "{row} **{:.*}** |", m.decimals, m.value);
    }
    out
}

/// Error labels of every run, summed, for the line under the table.
pub(crate) fn all_errors(runs: &[HandoffRun]) -> Counts {
    let mut sum = Counts::new();
    for run in runs {
        for counts in [&run.queue.errors, &run.accept.errors, &run.chat.errors] {
            for (label, n) in counts {
                *sum.entry(label.clone()).or_default() += n;
            }
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(queued: usize, p50_us: u64) -> HandoffRun {
        HandoffRun {
            customers: 100,
            agents: 2,
            capacity: 3,
            rate: 1.0,
            duration_s: 10.0,
            queue: QueuePhase {
                queued,
                errors: Counts::from([("timeout".to_owned(), 2)]),
                wall_s: 4.0,
                time_to_queued: LatencySummary {
                    p50_us,
                    ..LatencySummary::default()
                },
                rss_before_kib: 10_000,
                rss_queued_kib: 10_000 + 20 * queued as u64,
                cpu_s: 2.0,
                ..QueuePhase::default()
            },
            chat: ChatPhase {
                agent_to_customer: Direction {
                    sent: 60,
                    delivered: 59,
                    ..Direction::default()
                },
                customer_to_agent: Direction {
                    sent: 60,
                    delivered: 60,
                    ..Direction::default()
                },
                ..ChatPhase::default()
            },
            ..HandoffRun::default()
        }
    }

    fn value(figures: &[Figure], name: &str) -> f64 {
        figures
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value)
            .expect("figure present")
    }

    #[test]
    fn figures_derive_per_customer_memory_cpu_and_losses() {
        let figures = run(98, 1_500).figures();
        assert_eq!(value(&figures, "queued customers"), 98.0);
        assert_eq!(value(&figures, "customers not queued"), 2.0);
        assert_eq!(
            value(&figures, "server RSS per queued customer (KiB)"),
            20.0
        );
        assert_eq!(value(&figures, "server CPU while queueing (cores)"), 0.5);
        assert_eq!(value(&figures, "time to `queued` p50 (ms)"), 1.5);
        assert_eq!(value(&figures, "messages lost or late"), 1.0);
    }

    #[test]
    fn medians_are_taken_figure_by_figure() {
        let runs: Vec<_> = [run(90, 3_000), run(98, 1_000), run(94, 2_000)]
            .iter()
            .map(HandoffRun::figures)
            .collect();
        let medians = median_figures(&runs);
        assert_eq!(value(&medians, "queued customers"), 94.0);
        assert_eq!(value(&medians, "time to `queued` p50 (ms)"), 2.0);
        assert!(median_figures(&[]).is_empty());
    }

    #[test]
    fn the_table_has_a_column_per_run_and_the_median() {
        let runs = vec![run(90, 3_000).figures(), run(98, 1_000).figures()];
        let text = format_table("title", &runs, &median_figures(&runs));
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("title"));
        assert_eq!(lines.next(), Some(""));
        assert_eq!(lines.next(), Some("| figure | run 1 | run 2 | median |"));
        assert_eq!(lines.next(), Some("|---|---:|---:|---:|"));
        assert_eq!(
            lines.next(),
            Some("| queued customers | 90 | 98 | **94** |")
        );
        assert!(text.contains("| time to `queued` p50 (ms) | 3.0 | 1.0 | **2.0** |"));
    }

    #[test]
    fn errors_of_all_runs_and_phases_are_summed() {
        let mut second = run(98, 1_000);
        second.accept.errors = Counts::from([("accept:already_taken".to_owned(), 1)]);
        let sum = all_errors(&[run(90, 3_000), second]);
        assert_eq!(sum.get("timeout"), Some(&4));
        assert_eq!(sum.get("accept:already_taken"), Some(&1));
    }
}
