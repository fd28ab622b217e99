//! Retention and erasure: what is removed, when, and what stays.
//!
//! A conversation is purged once nothing happened in it for the retention period (its last
//! event is older than the cutoff), and erased at once on request (by id from the admin API
//! or `relais conversations erase`, or by the customer with their resume token). Either way
//! the store drops its transcript, state, resume hash, client message index, queue entry and
//! inbox items (its missed questions, takeover messages and advisors' flags about it, which
//! may quote the customer; see `Store::erase_conversation`), and its callback tickets with
//! their contact details; through the aggregates wrapper its missed questions' texts leave
//! the daily aggregates, whose counts stay. Tickets older than the cutoff go too, whatever
//! their conversation.
//!
//! A conversation still queued or with an advisor is never removed: the queue and the advisor
//! hold it in memory, and the customer is still talking. It is purged once ended and old.
//! The server checks [`CHECK_EVERY`] (and at start); each check lists every conversation's
//! record, so it costs a scan of the conversations tree (not of their transcripts).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use relais_store::{Durable, Store, StoreResult};
use serde::Serialize;
use tokio::task::JoinHandle;

use crate::auth::now_ms;
use crate::state::AppState;
use crate::stored_state::{Owner, StoredState};

/// How often the server purges what is past the retention period.
pub const CHECK_EVERY: Duration = Duration::from_secs(3600);

/// Milliseconds in a day.
const DAY_MS: u64 = 86_400_000;

/// A number of days, written `90d` (`0d`: everything up to now).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Age {
    days: u32,
}

/// An age that is not `<days>d`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an age: write <days>d, e.g. 90d")]
pub struct AgeError(String);

impl Age {
    /// `days` days.
    pub fn days(days: u32) -> Age {
        Age { days }
    }

    /// As a duration.
    pub fn duration(self) -> Duration {
        Duration::from_millis(u64::from(self.days) * DAY_MS)
    }

    /// The instant this age before `now_ms`, in milliseconds since the Unix epoch.
    pub fn cutoff_ms(self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(u64::from(self.days) * DAY_MS)
    }
}

impl FromStr for Age {
    type Err = AgeError;

    fn from_str(text: &str) -> Result<Age, AgeError> {
        text.strip_suffix('d')
            .and_then(|days| days.parse().ok())
            .map(Age::days)
            .ok_or_else(|| AgeError(text.to_owned()))
    }
}

impl fmt::Display for Age {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d", self.days)
    }
}

/// What a purge removed and kept.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// Conversations erased.
    pub purged: u64,
    /// Conversations past the cutoff kept because they are queued or with an advisor.
    pub kept_active: u64,
    /// Callback tickets removed.
    pub tickets_removed: u64,
}

/// The outcome of an erasure request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Erasure {
    /// The conversation and everything kept about it are gone.
    Erased,
    /// There is no such conversation (perhaps erased already).
    NotFound,
    /// It is queued or with an advisor: end the chat first.
    Active,
}

/// Erases conversation `id` and its tickets, unless it is queued or with an advisor.
/// Blocking: waits until the removal is durable.
pub fn erase_conversation(store: &dyn Store, id: &str) -> StoreResult<Erasure> {
    let Some(record) = store.conversation(id)? else {
        // Inbox items may outlive their conversation (recorded by an older build that did
        // not erase them): the store removes them all the same.
        store.erase_conversation(id)?.1.wait()?;
        return Ok(Erasure::NotFound);
    };
    if StoredState::from_json(id, &record.state).owner != Owner::Bot {
        return Ok(Erasure::Active);
    }
    let mut last = remove_tickets(store, |ticket| ticket_of(ticket) == Some(id))?.1;
    let (existed, durable) = store.erase_conversation(id)?;
    last = durable_after(last, durable);
    last.wait()?;
    Ok(if existed {
        Erasure::Erased
    } else {
        Erasure::NotFound
    })
}

/// Erases every conversation whose last event is older than `cutoff_ms` (unless queued or
/// with an advisor), and every ticket created before it or belonging to one of them.
/// Blocking: waits until the removals are durable.
pub fn purge_older_than(store: &dyn Store, cutoff_ms: u64) -> StoreResult<PurgeReport> {
    let mut report = PurgeReport::default();
    let mut last = Durable::ready();
    let mut purged = Vec::new();
    for record in store.conversations()? {
        if record.created_ms >= cutoff_ms {
            continue;
        }
        let last_event_ms = store
            .events_after(&record.id, record.last_seq.saturating_sub(1))?
            .last()
            .map_or(record.created_ms, |event| event.at_ms);
        if last_event_ms >= cutoff_ms {
            continue;
        }
        if StoredState::from_json(&record.id, &record.state).owner != Owner::Bot {
            report.kept_active += 1;
            continue;
        }
        let (existed, durable) = store.erase_conversation(&record.id)?;
        last = durable_after(last, durable);
        if existed {
            report.purged += 1;
            purged.push(record.id);
        }
    }
    let (removed, durable) = remove_tickets(store, |ticket| {
        ticket.created_ms < cutoff_ms
            || ticket_of(ticket).is_some_and(|id| purged.iter().any(|p| p == id))
    })?;
    report.tickets_removed = removed;
    durable_after(last, durable).wait()?;
    Ok(report)
}

/// The conversation a ticket was left from.
fn ticket_of(ticket: &relais_store::Ticket) -> Option<&str> {
    ticket.body.get("conversation").and_then(|v| v.as_str())
}

/// Removes the tickets `which` selects; how many, and the last removal's `Durable`.
fn remove_tickets(
    store: &dyn Store,
    which: impl Fn(&relais_store::Ticket) -> bool,
) -> StoreResult<(u64, Durable)> {
    let mut removed = 0;
    let mut last = Durable::ready();
    for ticket in store.tickets()?.iter().filter(|t| which(t)) {
        let (existed, durable) = store.remove_ticket(&ticket.id)?;
        removed += u64::from(existed);
        last = durable_after(last, durable);
    }
    Ok((removed, last))
}

/// The `Durable` of the later of two writes: the store makes writes durable in order, so it
/// covers the earlier one too.
fn durable_after(_earlier: Durable, later: Durable) -> Durable {
    later
}

/// Starts the hourly purge when the configuration sets a retention period; the task ends
/// when shutdown begins (await the handle to wait for a purge in progress).
pub(crate) fn spawn(state: &AppState) -> Option<JoinHandle<()>> {
    let keep = state.config().retention?;
    let store = Arc::clone(state.store());
    let shutdown = state.shutdown_token().clone();
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECK_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = ticks.tick() => {}
            }
            let cutoff =
                now_ms().saturating_sub(u64::try_from(keep.as_millis()).unwrap_or(u64::MAX));
            let store = Arc::clone(&store);
            match tokio::task::spawn_blocking(move || purge_older_than(store.as_ref(), cutoff))
                .await
            {
                Ok(Ok(report)) if report.purged + report.tickets_removed > 0 => tracing::info!(
                    purged = report.purged,
                    kept_active = report.kept_active,
                    tickets_removed = report.tickets_removed,
                    "retention: purged old conversations"
                ),
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::error!(error = %err, "retention: the purge failed"),
                Err(err) => tracing::error!(error = %err, "retention: the purge task failed"),
            }
        }
    }))
}

#[cfg(test)]
#[path = "retention_test.rs"]
mod tests;
