//! [`MemoryStore`]: the [`Store`] contract in process memory, for tests of the layers above.
//!
//! It keeps nothing across restarts, so every [`Durable`] it returns is already resolved.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::clock::now_ms;
use crate::queue_order::{self, SORT_KEY_LEN};
use crate::validate::{check_agent_name, check_append, check_client_lookup, check_id};
use crate::{
    AgentRecord, AgentSession, ClientMessage, ConversationId, ConversationRecord, DailyRecord,
    Durable, FaqEntry, QueueEntry, RawValue, Store, StoreError, StoreResult, StoredClientMessage,
    StoredEvent, Ticket,
};

/// A store held in memory; same semantics as the durable backends, minus durability.
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// One lock for everything: operations are short and never block inside it.
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    conversations: HashMap<ConversationId, Conversation>,
    by_resume: HashMap<String, ConversationId>,
    /// Keyed by (key, lang) so iteration gives the documented order.
    faq: BTreeMap<(String, String), FaqEntry>,
    tickets: Vec<Ticket>,
    /// Keyed by name so iteration gives the documented order.
    agents: BTreeMap<String, AgentRecord>,
    /// Keyed by token hash.
    sessions: HashMap<String, AgentSession>,
    /// Keyed by `queue_order::sort_key`, so iteration is serving order.
    queue: BTreeMap<[u8; SORT_KEY_LEN], QueueEntry>,
    /// Each queued conversation's key in `queue`.
    queued: HashMap<String, [u8; SORT_KEY_LEN]>,
    /// Source of queue orders; grows by one per queued entry.
    queue_counter: u64,
    /// Daily aggregates by day; tickets created so far (ids are never reused).
    daily: BTreeMap<u32, Value>,
    tickets_created: u64,
    /// The inbox by item id (arrival order); items created so far (ids are never reused).
    inbox: BTreeMap<u64, crate::InboxItem>,
    inbox_created: u64,
}

#[derive(Debug)]
struct Conversation {
    record: ConversationRecord,
    events: Vec<StoredEvent>,
    /// Client message id → where it is stored.
    client_messages: HashMap<String, StoredClientMessage>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every operation validates before mutating, so a panic cannot leave a half-made change.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `entry` with the order `place` gives to a fresh counter value.
    fn enqueue_with(
        &self,
        mut entry: QueueEntry,
        place: fn(u64) -> u64,
    ) -> StoreResult<(QueueEntry, Durable)> {
        check_id("conversation id", &entry.conversation)?;
        let mut inner = self.lock();
        if inner.queued.contains_key(&entry.conversation) {
            return Err(StoreError::AlreadyExists);
        }
        entry.order = place(inner.queue_counter);
        inner.queue_counter += 1;
        let key = queue_order::sort_key(entry.priority, entry.order);
        inner.queued.insert(entry.conversation.clone(), key);
        inner.queue.insert(key, entry.clone());
        Ok((entry, Durable::ready()))
    }
}

impl MemoryStore {
    /// Appends `events`, replaces the state if given, and indexes the client message.
    fn write_append(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<Value>,
        client: Option<ClientMessage<'_>>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        check_append(id, &events, client.as_ref())?;
        let mut inner = self.lock();
        let conversation = inner
            .conversations
            .get_mut(id)
            .ok_or(StoreError::NotFound)?;
        let at_ms = now_ms();
        let first = conversation.record.last_seq + 1;
        let stored: Vec<StoredEvent> = (first..)
            .zip(events)
            .map(|(seq, body)| StoredEvent { seq, at_ms, body })
            .collect();
        conversation.record.last_seq += stored.len() as u64;
        conversation.events.extend(stored.iter().cloned());
        if let Some(state) = state {
            conversation.record.state = state;
        }
        if let Some(client) = client {
            conversation.client_messages.insert(
                client.id.to_owned(),
                StoredClientMessage {
                    seq: first,
                    digest: client.digest.to_vec(),
                },
            );
        }
        Ok((stored, Durable::ready()))
    }
}

impl Store for MemoryStore {
    fn create_conversation(
        &self,
        id: &str,
        resume_token_hash: &str,
        state: &Value,
    ) -> StoreResult<ConversationRecord> {
        check_id("conversation id", id)?;
        check_id("resume token hash", resume_token_hash)?;
        let mut inner = self.lock();
        if inner.conversations.contains_key(id) || inner.by_resume.contains_key(resume_token_hash) {
            return Err(StoreError::AlreadyExists);
        }
        let record = ConversationRecord {
            id: id.to_owned(),
            created_ms: now_ms(),
            last_seq: 0,
            state: state.clone(),
        };
        inner
            .by_resume
            .insert(resume_token_hash.to_owned(), id.to_owned());
        inner.conversations.insert(
            id.to_owned(),
            Conversation {
                record: record.clone(),
                events: Vec::new(),
                client_messages: HashMap::new(),
            },
        );
        Ok(record)
    }

    fn find_by_resume(&self, resume_token_hash: &str) -> StoreResult<Option<ConversationId>> {
        check_id("resume token hash", resume_token_hash)?;
        Ok(self.lock().by_resume.get(resume_token_hash).cloned())
    }

    fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRecord>> {
        check_id("conversation id", id)?;
        Ok(self.lock().conversations.get(id).map(|c| c.record.clone()))
    }

    fn append(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&Value>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        self.write_append(id, events, state.cloned(), None)
    }

    fn append_turn(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&RawValue>,
        client: Option<ClientMessage<'_>>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        let state = state
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
            .map_err(|e| StoreError::InvalidInput(format!("state is not JSON: {e}")))?;
        self.write_append(id, events, state, client)
    }

    fn client_message(
        &self,
        id: &str,
        client_id: &str,
    ) -> StoreResult<Option<StoredClientMessage>> {
        check_client_lookup(id, client_id)?;
        let inner = self.lock();
        let conversation = inner.conversations.get(id);
        Ok(conversation.and_then(|c| c.client_messages.get(client_id).cloned()))
    }

    fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<StoredEvent>> {
        check_id("conversation id", id)?;
        let inner = self.lock();
        let conversation = inner.conversations.get(id).ok_or(StoreError::NotFound)?;
        // Seqs start at 1 and are contiguous, so event `seq` sits at index `seq - 1`.
        let skip = usize::try_from(after).unwrap_or(usize::MAX);
        Ok(conversation.events.iter().skip(skip).cloned().collect())
    }

    fn faq(&self, key: &str, lang: &str) -> StoreResult<Option<FaqEntry>> {
        check_id("FAQ key", key)?;
        check_id("FAQ language", lang)?;
        let inner = self.lock();
        Ok(inner.faq.get(&(key.to_owned(), lang.to_owned())).cloned())
    }

    fn put_faq(&self, entries: &[FaqEntry]) -> StoreResult<Durable> {
        for entry in entries {
            check_id("FAQ key", &entry.key)?;
            check_id("FAQ language", &entry.lang)?;
        }
        let mut inner = self.lock();
        for entry in entries {
            inner
                .faq
                .insert((entry.key.clone(), entry.lang.clone()), entry.clone());
        }
        Ok(Durable::ready())
    }

    fn all_faq(&self) -> StoreResult<Vec<FaqEntry>> {
        Ok(self.lock().faq.values().cloned().collect())
    }

    fn create_ticket(&self, ticket: &Value) -> StoreResult<(String, Durable)> {
        let mut inner = self.lock();
        inner.tickets_created += 1;
        let id = inner.tickets_created.to_string();
        inner.tickets.push(Ticket {
            id: id.clone(),
            created_ms: now_ms(),
            body: ticket.clone(),
        });
        Ok((id, Durable::ready()))
    }

    fn tickets(&self) -> StoreResult<Vec<Ticket>> {
        Ok(self.lock().tickets.clone())
    }

    fn update_ticket(&self, id: &str, body: &Value) -> StoreResult<Durable> {
        let mut inner = self.lock();
        let ticket = inner
            .tickets
            .iter_mut()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound)?;
        ticket.body = body.clone();
        Ok(Durable::ready())
    }

    fn conversations(&self) -> StoreResult<Vec<ConversationRecord>> {
        let mut records: Vec<ConversationRecord> = self
            .lock()
            .conversations
            .values()
            .map(|c| c.record.clone())
            .collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(records)
    }

    fn put_agent(&self, agent: &AgentRecord) -> StoreResult<Durable> {
        check_agent_name(&agent.name)?;
        self.lock().agents.insert(agent.name.clone(), agent.clone());
        Ok(Durable::ready())
    }

    fn agent(&self, name: &str) -> StoreResult<Option<AgentRecord>> {
        check_id("agent name", name)?;
        Ok(self.lock().agents.get(name).cloned())
    }

    fn agents(&self) -> StoreResult<Vec<AgentRecord>> {
        Ok(self.lock().agents.values().cloned().collect())
    }

    fn remove_agent(&self, name: &str) -> StoreResult<(bool, Durable)> {
        check_id("agent name", name)?;
        let mut inner = self.lock();
        let existed = inner.agents.remove(name).is_some();
        inner.sessions.retain(|_, session| session.agent != name);
        Ok((existed, Durable::ready()))
    }

    fn put_agent_session(&self, token_hash: &str, session: &AgentSession) -> StoreResult<Durable> {
        check_id("token hash", token_hash)?;
        let mut inner = self.lock();
        if !inner.agents.contains_key(&session.agent) {
            return Err(StoreError::NotFound);
        }
        inner
            .sessions
            .insert(token_hash.to_owned(), session.clone());
        Ok(Durable::ready())
    }

    fn agent_session(&self, token_hash: &str) -> StoreResult<Option<AgentSession>> {
        check_id("token hash", token_hash)?;
        Ok(self.lock().sessions.get(token_hash).cloned())
    }

    fn remove_agent_session(&self, token_hash: &str) -> StoreResult<Durable> {
        check_id("token hash", token_hash)?;
        self.lock().sessions.remove(token_hash);
        Ok(Durable::ready())
    }

    fn enqueue(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.enqueue_with(entry, queue_order::back)
    }

    fn enqueue_front(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.enqueue_with(entry, queue_order::front)
    }

    fn dequeue(&self, conversation: &str) -> StoreResult<(Option<QueueEntry>, Durable)> {
        check_id("conversation id", conversation)?;
        let mut inner = self.lock();
        let entry = inner
            .queued
            .remove(conversation)
            .and_then(|key| inner.queue.remove(&key));
        Ok((entry, Durable::ready()))
    }

    fn queue(&self) -> StoreResult<Vec<QueueEntry>> {
        Ok(self.lock().queue.values().cloned().collect())
    }

    fn flush(&self) -> Durable {
        Durable::ready()
    }

    // Analytics aggregates, retention and erasure.

    fn put_daily(&self, records: &[DailyRecord]) -> StoreResult<Durable> {
        let mut inner = self.lock();
        for record in records {
            inner.daily.insert(record.day, record.figures.clone());
        }
        Ok(Durable::ready())
    }

    fn daily(&self, from: u32, to: u32) -> StoreResult<Vec<DailyRecord>> {
        if from > to {
            return Ok(Vec::new());
        }
        Ok(self
            .lock()
            .daily
            .range(from..=to)
            .map(|(day, figures)| DailyRecord {
                day: *day,
                figures: figures.clone(),
            })
            .collect())
    }

    fn erase_conversation(&self, id: &str) -> StoreResult<(bool, Durable)> {
        check_id("conversation id", id)?;
        let mut inner = self.lock();
        let existed = inner.conversations.remove(id).is_some();
        if existed {
            inner.by_resume.retain(|_, owner| owner != id);
            if let Some(key) = inner.queued.remove(id) {
                inner.queue.remove(&key);
            }
        }
        // Its inbox items go even when the conversation is gone already.
        inner
            .inbox
            .retain(|_, item| item.item.conversation.as_deref() != Some(id));
        Ok((existed, Durable::ready()))
    }

    fn remove_ticket(&self, id: &str) -> StoreResult<(bool, Durable)> {
        let mut inner = self.lock();
        let before = inner.tickets.len();
        inner.tickets.retain(|ticket| ticket.id != id);
        Ok((inner.tickets.len() < before, Durable::ready()))
    }

    fn add_inbox_item(&self, item: &crate::NewInboxItem) -> StoreResult<(u64, Durable)> {
        crate::inbox::check_item(item)?;
        let mut inner = self.lock();
        while inner.inbox.len() >= crate::MAX_INBOX_ITEMS {
            let oldest_closed = inner
                .inbox
                .values()
                .find(|item| item.status.is_closed())
                .map(|item| item.id);
            let evicted = oldest_closed.or_else(|| inner.inbox.keys().next().copied());
            if let Some(id) = evicted {
                inner.inbox.remove(&id);
            }
        }
        inner.inbox_created += 1;
        let id = inner.inbox_created;
        let stored = crate::InboxItem {
            id,
            created_ms: now_ms(),
            status: crate::InboxStatus::Open,
            item: item.clone(),
        };
        inner.inbox.insert(id, stored);
        Ok((id, Durable::ready()))
    }

    fn inbox_items(&self) -> StoreResult<Vec<crate::InboxItem>> {
        Ok(self.lock().inbox.values().cloned().collect())
    }

    fn set_inbox_status(
        &self,
        ids: &[u64],
        status: crate::InboxStatus,
    ) -> StoreResult<(usize, Durable)> {
        let mut inner = self.lock();
        let mut found = 0;
        for id in ids {
            if let Some(item) = inner.inbox.get_mut(id) {
                item.status = status;
                found += 1;
            }
        }
        Ok((found, Durable::ready()))
    }
}
