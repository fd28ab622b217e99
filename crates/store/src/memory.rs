//! [`MemoryStore`]: the [`Store`] contract in process memory, for tests of the layers above.
//!
//! It keeps nothing across restarts, so every [`Durable`] it returns is already resolved.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::clock::now_ms;
use crate::queue_order::{self, SORT_KEY_LEN};
use crate::validate::{check_agent_name, check_id};
use crate::{
    AgentRecord, AgentSession, ConversationId, ConversationRecord, Durable, FaqEntry, QueueEntry,
    Store, StoreError, StoreResult, StoredEvent, Ticket,
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
}

#[derive(Debug)]
struct Conversation {
    record: ConversationRecord,
    events: Vec<StoredEvent>,
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
        check_id("conversation id", id)?;
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
            conversation.record.state = state.clone();
        }
        Ok((stored, Durable::ready()))
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
        let id = (inner.tickets.len() + 1).to_string();
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
}
