//! Persisted daily aggregates, kept current as events are stored: [`with_aggregates`] wraps
//! the store so that every append, whichever part of the server makes it (a customer turn, a
//! change of hands, a survey answer), is folded into today's figures.
//!
//! Key design decision: the figures are folded in memory right after each append (a
//! conversion of the appended events, about a microsecond per turn) and persisted on a short
//! timer ([`PERSIST_EVERY`]) and at every [`Store::flush`] (so at shutdown), not in the
//! append's own write: a day's record is about 5 KB of JSON, and rewriting it with every turn
//! would multiply the write-ahead log's volume by ten. The rule is "recomputable from
//! transcripts": a crash loses at most the last seconds of figures, which
//! `relais stats --rebuild` recomputes from the stored transcripts.
//!
//! Erasing a conversation through the wrapper (an erasure request or a purge) also removes
//! its missed questions' texts from the aggregates of their days; every count stays.
//!
//! What it does not do: decide what is kept (see `retention`), or compute reports (see
//! `relais-analytics`).

mod flusher;
mod pending;
mod since;

use std::sync::Arc;
use std::time::Duration;

use relais_analytics::{Daily, DailyAggregate, Day};
use relais_store::{
    AgentRecord, AgentSession, ClientMessage, ConversationId, ConversationRecord, DailyRecord,
    Durable, FaqEntry, InboxItem, InboxStatus, NewInboxItem, QueueEntry, RawValue, Store,
    StoreError, StoreResult, StoredClientMessage, StoredEvent, Ticket,
};
use serde_json::Value;

use self::flusher::Flusher;
use self::pending::Core;
pub use self::since::{Since, SinceError};

/// How often the figures folded in memory are written to the store.
pub const PERSIST_EVERY: Duration = Duration::from_secs(2);

/// Wraps `store` so that every event appended through it is folded into the persisted daily
/// aggregates (see the module docs). The wrapper forwards every other operation unchanged.
pub fn with_aggregates(store: Arc<dyn Store>) -> Arc<dyn Store> {
    let core = Arc::new(Core::new(store));
    let flusher = Flusher::start(Arc::clone(&core), PERSIST_EVERY);
    Arc::new(Aggregating {
        _flusher: flusher,
        core,
    })
}

/// The stored daily aggregates of the days from `from` to `to` included (with the figures not
/// yet persisted, when `store` is the wrapper). A record that does not decode is an error.
pub fn daily_aggregates(store: &dyn Store, from: Day, to: Day) -> StoreResult<Daily> {
    store
        .daily(from.days(), to.days())?
        .iter()
        .map(decode_record)
        .collect()
}

/// Replaces the stored aggregates of every day `daily` holds (for `relais stats --rebuild`).
pub fn replace_daily(store: &dyn Store, daily: Daily) -> StoreResult<Durable> {
    let records = daily
        .clone()
        .drain()
        .iter()
        .map(encode_record)
        .collect::<StoreResult<Vec<_>>>()?;
    store.put_daily(&records)
}

/// A stored record read back as a day's figures.
fn decode_record(record: &DailyRecord) -> StoreResult<DailyAggregate> {
    Ok(DailyAggregate {
        day: Day::from_days(record.day),
        figures: serde_json::from_value(record.figures.clone()).map_err(|e| {
            StoreError::Backend(format!(
                "the aggregates of day {} do not decode: {e}",
                Day::from_days(record.day)
            ))
        })?,
    })
}

/// A day's figures as the store keeps them.
fn encode_record(day: &DailyAggregate) -> StoreResult<DailyRecord> {
    Ok(DailyRecord {
        day: day.day.days(),
        figures: serde_json::to_value(&day.figures)
            .map_err(|e| StoreError::Backend(format!("cannot encode aggregates: {e}")))?,
    })
}

/// The wrapping store. Field order is drop order: the flusher persists what is pending and
/// stops before the core (and the store it holds) goes.
struct Aggregating {
    _flusher: Flusher,
    core: Arc<Core>,
}

impl Aggregating {
    fn inner(&self) -> &dyn Store {
        self.core.inner()
    }
}

// Every method is forwarded explicitly, `last_seq` (the trait's one default) included: a
// default would silently bypass the wrapped backend.
impl Store for Aggregating {
    fn create_conversation(
        &self,
        id: &str,
        resume_token_hash: &str,
        state: &Value,
    ) -> StoreResult<ConversationRecord> {
        self.inner()
            .create_conversation(id, resume_token_hash, state)
    }
    fn find_by_resume(&self, resume_token_hash: &str) -> StoreResult<Option<ConversationId>> {
        self.inner().find_by_resume(resume_token_hash)
    }
    fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRecord>> {
        self.inner().conversation(id)
    }
    fn append(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&Value>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        self.core
            .appending(id, state.map(pending::State::Value), |store| {
                store.append(id, events, state)
            })
    }
    fn append_turn(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&RawValue>,
        client: Option<ClientMessage<'_>>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        self.core
            .appending(id, state.map(pending::State::Raw), |store| {
                store.append_turn(id, events, state, client)
            })
    }
    fn client_message(
        &self,
        id: &str,
        client_id: &str,
    ) -> StoreResult<Option<StoredClientMessage>> {
        self.inner().client_message(id, client_id)
    }
    fn last_seq(&self, id: &str) -> StoreResult<Option<u64>> {
        self.inner().last_seq(id)
    }
    fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<StoredEvent>> {
        self.inner().events_after(id, after)
    }
    fn faq(&self, key: &str, lang: &str) -> StoreResult<Option<FaqEntry>> {
        self.inner().faq(key, lang)
    }
    fn put_faq(&self, entries: &[FaqEntry]) -> StoreResult<Durable> {
        self.inner().put_faq(entries)
    }
    fn all_faq(&self) -> StoreResult<Vec<FaqEntry>> {
        self.inner().all_faq()
    }
    fn create_ticket(&self, ticket: &Value) -> StoreResult<(String, Durable)> {
        self.inner().create_ticket(ticket)
    }
    fn tickets(&self) -> StoreResult<Vec<Ticket>> {
        self.inner().tickets()
    }
    fn update_ticket(&self, id: &str, body: &Value) -> StoreResult<Durable> {
        self.inner().update_ticket(id, body)
    }
    fn conversations(&self) -> StoreResult<Vec<ConversationRecord>> {
        self.inner().conversations()
    }
    fn put_agent(&self, agent: &AgentRecord) -> StoreResult<Durable> {
        self.inner().put_agent(agent)
    }
    fn agent(&self, name: &str) -> StoreResult<Option<AgentRecord>> {
        self.inner().agent(name)
    }
    fn agents(&self) -> StoreResult<Vec<AgentRecord>> {
        self.inner().agents()
    }
    fn remove_agent(&self, name: &str) -> StoreResult<(bool, Durable)> {
        self.inner().remove_agent(name)
    }
    fn put_agent_session(&self, token_hash: &str, session: &AgentSession) -> StoreResult<Durable> {
        self.inner().put_agent_session(token_hash, session)
    }
    fn agent_session(&self, token_hash: &str) -> StoreResult<Option<AgentSession>> {
        self.inner().agent_session(token_hash)
    }
    fn remove_agent_session(&self, token_hash: &str) -> StoreResult<Durable> {
        self.inner().remove_agent_session(token_hash)
    }
    fn enqueue(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.inner().enqueue(entry)
    }
    fn enqueue_front(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.inner().enqueue_front(entry)
    }
    fn dequeue(&self, conversation: &str) -> StoreResult<(Option<QueueEntry>, Durable)> {
        self.inner().dequeue(conversation)
    }
    fn queue(&self) -> StoreResult<Vec<QueueEntry>> {
        self.inner().queue()
    }
    fn flush(&self) -> Durable {
        if let Err(err) = self.core.persist() {
            tracing::error!(error = %err, "cannot persist the daily aggregates");
        }
        self.inner().flush()
    }
    fn put_daily(&self, records: &[DailyRecord]) -> StoreResult<Durable> {
        self.core.replace_days(records)
    }
    fn daily(&self, from: u32, to: u32) -> StoreResult<Vec<DailyRecord>> {
        self.core.daily(from, to)
    }
    fn erase_conversation(&self, id: &str) -> StoreResult<(bool, Durable)> {
        self.core.erase(id)
    }
    fn remove_ticket(&self, id: &str) -> StoreResult<(bool, Durable)> {
        self.inner().remove_ticket(id)
    }
    fn add_inbox_item(&self, item: &NewInboxItem) -> StoreResult<(u64, Durable)> {
        self.inner().add_inbox_item(item)
    }
    fn inbox_items(&self) -> StoreResult<Vec<InboxItem>> {
        self.inner().inbox_items()
    }
    fn set_inbox_status(&self, ids: &[u64], status: InboxStatus) -> StoreResult<(usize, Durable)> {
        self.inner().set_inbox_status(ids, status)
    }
}

#[cfg(test)]
#[path = "aggregates_test.rs"]
mod tests;
