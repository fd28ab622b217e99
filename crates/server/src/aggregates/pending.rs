//! [`Core`]: the figures folded since the last persist, each conversation's conversion memory,
//! and every read-modify-write of the stored aggregates, serialised by one lock that appends
//! never take (a year's report read does not hold up a customer's turn).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use relais_analytics::{Aggregate, AnalyticsEvent, Daily, DailyAggregate, Day, EventKind};
use relais_store::{DailyRecord, Durable, RawValue, Store, StoreResult, StoredEvent};
use serde_json::Value;

use super::{decode_record, encode_record};
use crate::analytics_feed::{Feed, conversation_events};
use crate::protocol::HandoffState;
use crate::stored_state::StoredState;
use crate::transcript::Event;

/// Conversations whose conversion memory is kept; past it the memory is dropped and rebuilt
/// from each transcript on its next append (one read of it).
const MAX_TRACKED: usize = 20_000;

/// The state given with an append, in either of the forms the store accepts.
#[derive(Clone, Copy)]
pub(super) enum State<'a> {
    /// Decoded JSON.
    Value(&'a Value),
    /// JSON text.
    Raw(&'a RawValue),
}

/// What converting a conversation's next events needs.
#[derive(Default)]
struct Tracked {
    feed: Feed,
    /// The last seq converted.
    last_seq: u64,
}

/// Shared by the wrapping store and its flusher thread.
pub(super) struct Core {
    inner: Arc<dyn Store>,
    /// Each conversation's conversion memory. Its lock is held across the append and the
    /// conversion, so a conversation's events are converted in seq order.
    tracked: Mutex<HashMap<String, Arc<Mutex<Tracked>>>>,
    /// Figures not yet persisted; appends hold its lock for a fold only.
    pending: Mutex<Daily>,
    /// Serialises every read-modify-write of the stored aggregates and every read of them
    /// with the pending figures, so that such a read never misses or doubles a figure on its
    /// way from pending to stored. Taken before `pending`, never while holding it.
    stored: Mutex<()>,
}

/// Locks a mutex whose data stays consistent whatever panicked while it was held (each
/// section leaves it whole or not at all).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Core {
    pub(super) fn new(inner: Arc<dyn Store>) -> Core {
        Core {
            inner,
            tracked: Mutex::new(HashMap::new()),
            pending: Mutex::new(Daily::new()),
            stored: Mutex::new(()),
        }
    }

    pub(super) fn inner(&self) -> &dyn Store {
        self.inner.as_ref()
    }

    /// Runs `append` on the wrapped store, then folds the events it stored.
    pub(super) fn appending(
        &self,
        id: &str,
        state: Option<State<'_>>,
        append: impl FnOnce(&dyn Store) -> StoreResult<(Vec<StoredEvent>, Durable)>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        let tracked = self.tracked(id);
        let mut tracked = lock(&tracked);
        let (stored, durable) = append(self.inner.as_ref())?;
        let events = self.convert(id, &mut tracked, &stored, state);
        drop(tracked);
        if !events.is_empty() {
            let mut pending = lock(&self.pending);
            for event in &events {
                pending.fold(event);
            }
        }
        Ok((stored, durable))
    }

    fn tracked(&self, id: &str) -> Arc<Mutex<Tracked>> {
        let mut all = lock(&self.tracked);
        if let Some(tracked) = all.get(id) {
            return Arc::clone(tracked);
        }
        if all.len() >= MAX_TRACKED {
            all.clear();
        }
        let tracked = Arc::new(Mutex::new(Tracked::default()));
        all.insert(id.to_owned(), Arc::clone(&tracked));
        tracked
    }

    /// The analytics events of `stored`, the events an append just numbered.
    fn convert(
        &self,
        id: &str,
        tracked: &mut Tracked,
        stored: &[StoredEvent],
        state: Option<State<'_>>,
    ) -> Vec<AnalyticsEvent> {
        let Some(first) = stored.first().map(|e| e.seq) else {
            return Vec::new();
        };
        if tracked.last_seq + 1 != first {
            self.catch_up(id, tracked, first);
        }
        // Read only for a `queued` event, which does not carry its reason.
        let mut reason: Option<Option<String>> = None;
        let mut out = Vec::new();
        for event in stored {
            let Some(parsed) = Event::from_json(event.seq, &event.body) else {
                continue;
            };
            let queued = matches!(
                &parsed,
                Event::Handoff { handoff, .. } if handoff.state == HandoffState::Queued
            );
            let queue_reason = if queued {
                reason
                    .get_or_insert_with(|| self.queue_reason(id, state))
                    .as_deref()
            } else {
                None
            };
            out.extend(
                tracked
                    .feed
                    .convert(event.seq, event.at_ms, &parsed, queue_reason),
            );
            tracked.last_seq = event.seq;
        }
        out
    }

    /// Rebuilds the conversion memory from the events before `first` (the conversation was
    /// not tracked since this process started, or its memory was dropped); they were counted
    /// when appended, so nothing is folded.
    fn catch_up(&self, id: &str, tracked: &mut Tracked, first: u64) {
        if first <= tracked.last_seq {
            *tracked = Tracked::default();
        }
        let earlier = match self.inner.events_after(id, tracked.last_seq) {
            Ok(events) => events,
            Err(err) => {
                tracing::warn!(conversation = id, error = %err, "cannot replay a transcript for analytics");
                return;
            }
        };
        let reason = self.queue_reason(id, None);
        for event in earlier.iter().filter(|e| e.seq < first) {
            if let Some(parsed) = Event::from_json(event.seq, &event.body) {
                tracked
                    .feed
                    .convert(event.seq, event.at_ms, &parsed, reason.as_deref());
            }
            tracked.last_seq = event.seq;
        }
    }

    /// The reason of the conversation's handoff, as its state's queue entry names it.
    fn queue_reason(&self, id: &str, state: Option<State<'_>>) -> Option<String> {
        let state = match state {
            Some(State::Value(value)) => StoredState::from_json(id, value),
            Some(State::Raw(raw)) => {
                let value = serde_json::from_str::<Value>(raw.get()).ok()?;
                StoredState::from_json(id, &value)
            }
            None => {
                let record = self.inner.conversation(id).ok()??;
                StoredState::from_json(id, &record.state)
            }
        };
        state.handoff.map(|entry| entry.reason)
    }

    /// Adds the pending figures to the stored ones; on failure they stay pending.
    pub(super) fn persist(&self) -> StoreResult<Durable> {
        let _stored = lock(&self.stored);
        let days = lock(&self.pending).drain();
        if days.is_empty() {
            return Ok(Durable::ready());
        }
        let written = days
            .iter()
            .map(|day| {
                let mut total = self.stored_day(day.day)?.unwrap_or_default();
                total.merge(&day.figures);
                encode_record(&DailyAggregate {
                    day: day.day,
                    figures: total,
                })
            })
            .collect::<StoreResult<Vec<_>>>()
            .and_then(|records| self.inner.put_daily(&records));
        if written.is_err() {
            let mut pending = lock(&self.pending);
            for day in &days {
                pending.merge_day(day);
            }
        }
        written
    }

    fn stored_day(&self, day: Day) -> StoreResult<Option<Aggregate>> {
        let records = self.inner.daily(day.days(), day.days())?;
        records
            .first()
            .map(|record| decode_record(record).map(|d| d.figures))
            .transpose()
    }

    /// The stored days from `from` to `to`, with the pending figures added.
    pub(super) fn daily(&self, from: u32, to: u32) -> StoreResult<Vec<DailyRecord>> {
        let _stored = lock(&self.stored);
        let mut daily = self
            .inner
            .daily(from, to)?
            .iter()
            .map(decode_record)
            .collect::<StoreResult<Daily>>()?;
        let pending: Vec<DailyAggregate> = lock(&self.pending)
            .range(Day::from_days(from), Day::from_days(to))
            .map(|(day, figures)| DailyAggregate {
                day,
                figures: figures.clone(),
            })
            .collect();
        for day in &pending {
            daily.merge_day(day);
        }
        daily.drain().iter().map(encode_record).collect()
    }

    /// Replaces the stored days of `records`; their pending figures go (the records were
    /// recomputed from the transcripts, which hold those events too).
    pub(super) fn replace_days(&self, records: &[DailyRecord]) -> StoreResult<Durable> {
        let _stored = lock(&self.stored);
        let replaced: BTreeSet<u32> = records.iter().map(|r| r.day).collect();
        {
            let mut pending = lock(&self.pending);
            for day in pending.drain() {
                if !replaced.contains(&day.day.days()) {
                    pending.merge_day(&day);
                }
            }
        }
        self.inner.put_daily(records)
    }

    /// Erases a conversation, then forgets its missed questions' texts in the aggregates.
    /// The returned `Durable` is the last write's; the log is written in order, so it
    /// covers the erasure too.
    pub(super) fn erase(&self, id: &str) -> StoreResult<(bool, Durable)> {
        let tracked = self.tracked(id);
        // No append to this conversation until it is gone.
        let _appends = lock(&tracked);
        let missed = match self.inner.conversation(id)? {
            Some(record) => {
                let events = self.inner.events_after(id, 0)?;
                missed_texts(conversation_events(&record, &events))
            }
            None => Vec::new(),
        };
        let (existed, durable) = self.inner.erase_conversation(id)?;
        lock(&self.tracked).remove(id);
        if missed.is_empty() {
            return Ok((existed, durable));
        }
        Ok((existed, self.forget(&missed)?))
    }

    /// Forgets each (day, text) in the pending and the stored figures of its day.
    fn forget(&self, missed: &[(Day, String)]) -> StoreResult<Durable> {
        let _stored = lock(&self.stored);
        {
            let mut pending = lock(&self.pending);
            for mut day in pending.drain() {
                forget_in(&mut day, missed);
                pending.merge_day(&day);
            }
        }
        let days: BTreeSet<Day> = missed.iter().map(|(day, _)| *day).collect();
        let mut records = Vec::new();
        for day in days {
            if let Some(figures) = self.stored_day(day)? {
                let mut stored = DailyAggregate { day, figures };
                forget_in(&mut stored, missed);
                records.push(encode_record(&stored)?);
            }
        }
        self.inner.put_daily(&records)
    }
}

/// The missed questions among `events`, with their day.
fn missed_texts(events: Vec<AnalyticsEvent>) -> Vec<(Day, String)> {
    events
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::MissedQuestion { text } => Some((event.day, text)),
            _ => None,
        })
        .collect()
}

fn forget_in(day: &mut DailyAggregate, missed: &[(Day, String)]) {
    for (_, text) in missed.iter().filter(|(d, _)| *d == day.day) {
        day.figures.forget_missed(text);
    }
}
