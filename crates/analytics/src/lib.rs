//! Analytics for Relais: folds conversation events into daily aggregates and computes the
//! reports that `relais stats` prints and the dashboard draws.
//!
//! It owns the meaning of every figure (understanding, fallback, containment and handoff
//! rates, queue waits, advisor response times, effort scores, missed questions): see
//! [`report`] for the definitions.
//!
//! Key design decision: figures are kept as one small, mergeable [`DailyAggregate`] per UTC
//! day (sums, fixed-bucket histograms, bounded maps and a bounded heavy-hitters list), folded
//! incrementally as events happen. A period's report merges its days, so its cost grows with
//! the number of days, never with the number of conversations, and the aggregates survive the
//! conversations they were computed from.
//!
//! What it deliberately does not do: I/O, async, storage or time-keeping. It reads its own
//! [`AnalyticsEvent`] shape, not the server's transcript; the server converts its events and
//! persists the aggregates.

mod aggregate;
mod day;
mod event;
mod histogram;
pub mod report;
mod tally;
mod top;

pub use aggregate::{Aggregate, ByPath, Daily, DailyAggregate, Outcomes};
pub use day::{Day, DayError, civil_from_days};
pub use event::{AnalyticsEvent, EventKind, HandoffReason, Path, ReplyOutcome, Score, ScoreError};
pub use report::Report;

#[cfg(test)]
#[path = "report_test.rs"]
mod report_test;
