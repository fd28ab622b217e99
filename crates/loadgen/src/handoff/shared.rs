//! What the coordinator shares with every customer and advisor task: the phase of the run (a
//! `watch`, latest value wins), live counters the coordinator snapshots at phase boundaries,
//! and the per-task tallies returned when a task ends.

use std::{
    sync::atomic::{AtomicU64, Ordering},
    time::Duration,
};

use tokio::time::Instant;

use crate::fleet::{Counts, count_label};

/// The time span of the chat phase.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ChatWindow {
    /// Both sides start sending.
    pub(crate) start: Instant,
    /// Messages sent from here on are measured (the warm-up before is not).
    pub(crate) measure_from: Instant,
    /// Nothing is sent from here on.
    pub(crate) end: Instant,
}

impl ChatWindow {
    /// Whether a message sent at `sent` (an offset from the run's base) is measured.
    pub(crate) fn measures(&self, base: Instant, sent: Duration) -> bool {
        let sent = base + sent;
        sent >= self.measure_from && sent < self.end
    }
}

/// Where the run stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Phase {
    /// Customers queue and advisors accept; nobody chats yet.
    Queueing,
    /// Advisors and their customers exchange messages.
    Chat(ChatWindow),
    /// Every task ends.
    Stop,
}

/// Counters updated live by the tasks.
#[derive(Debug, Default)]
pub(crate) struct Live {
    /// `queue_update` frames received by customers.
    pub(crate) queue_updates: AtomicU64,
    /// `queue` frames received by advisors.
    pub(crate) agent_queue_frames: AtomicU64,
}

impl Live {
    /// Adds one to `counter`.
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The current values of (`queue_updates`, `agent_queue_frames`).
    pub(crate) fn snapshot(&self) -> (u64, u64) {
        (
            self.queue_updates.load(Ordering::Relaxed),
            self.agent_queue_frames.load(Ordering::Relaxed),
        )
    }
}

/// One direction of chat traffic as seen by one task.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    /// Measured messages this task sent.
    pub(crate) sent: u64,
    /// Send slots skipped because the task fell behind.
    pub(crate) skipped: u64,
    /// Delivery latencies of the measured messages this task received.
    pub(crate) received: Vec<Duration>,
    /// `ack` frames received for this task's own messages.
    pub(crate) acks: u64,
    /// Errors, by label.
    pub(crate) errors: Counts,
}

impl Traffic {
    /// Counts one error.
    pub(crate) fn error(&mut self, label: impl Into<String>) {
        count_label(&mut self.errors, label.into());
    }
}

/// Sleeps until `at`, or forever without one.
pub(crate) async fn sleep_until_or_never(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_messages_sent_inside_the_window_are_measured() {
        let base = Instant::now();
        let window = ChatWindow {
            start: base + Duration::from_secs(1),
            measure_from: base + Duration::from_secs(3),
            end: base + Duration::from_secs(5),
        };
        assert!(!window.measures(base, Duration::from_secs(2)));
        assert!(window.measures(base, Duration::from_secs(3)));
        assert!(window.measures(base, Duration::from_millis(4_999)));
        assert!(!window.measures(base, Duration::from_secs(5)));
    }
}
