//! [`SledStore`]: the embedded, durable backend on sled.
//!
//! One sled tree per relation (see `layout`). Durability comes from the store's write-ahead
//! log (see `wal`), not from sled: a write applies its changes to the trees in memory and logs
//! them as one record; its [`Durable`] resolves once the group commit has written and synced
//! that record. Writes to one conversation are serialised by a striped lock (see `stripes`),
//! so seqs stay contiguous; the rarer writes (FAQ, tickets, agents, queue) share one lock.
//! The data directory is locked for the life of the store.

mod agents;
mod codec;
mod compact;
mod inbox;
mod layout;
mod lock;
mod privacy;
mod queue;
mod schema;
mod stripes;
mod wal;

use std::fs;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use serde::de::IgnoredAny;
use serde_json::Value;
use sled::Transactional;
use sled::transaction::{TransactionError, abort};

use self::agents::Agents;
use self::codec::{
    ConversationParts, ConversationValue, EventValue, LastSeq, decode, decode_borrowed, decode_str,
    encode, encode_raw,
};
use self::inbox::Inbox;
use self::layout::{
    AGENT_SESSIONS, AGENTS, CLIENT_MESSAGES, CONVERSATIONS, DAILY, EVENTS, FAQ, QUEUE, QUEUED,
    RESUME, TICKETS,
};
use self::lock::DirLock;
use self::queue::Queue;
pub use self::schema::SCHEMA_VERSION;
use self::stripes::Stripes;
use self::wal::{CHECKPOINT_BYTES, Wal, WriteSet};
use crate::clock::now_ms;
use crate::group_commit::FlushStats;
use crate::queue_order;
use crate::validate::{check_agent_name, check_append, check_client_lookup, check_id};
use crate::{
    AgentRecord, AgentSession, ClientMessage, ConversationId, ConversationRecord, Durable,
    FaqEntry, QueueEntry, RawValue, Store, StoreError, StoreResult, StoredClientMessage,
    StoredEvent, Ticket,
};

/// A store in a sled data directory; see the crate docs for its durability guarantee.
pub struct SledStore {
    // Field order is drop order: the WAL writes what is pending and runs its last checkpoint
    // first, the directory lock goes last, once sled has released its files (see `lock`).
    wal: Wal,
    /// Serialises the writes to each conversation (append, creation).
    conversation_writes: Stripes,
    /// Serialises every other write (FAQ, tickets, agents and sessions, queue).
    other_writes: Mutex<()>,
    conversations: sled::Tree,
    resume: sled::Tree,
    events: sled::Tree,
    client_messages: sled::Tree,
    faq: sled::Tree,
    tickets: sled::Tree,
    agents: Agents,
    queue: Queue,
    /// Daily analytics aggregates (see `privacy`).
    daily: sled::Tree,
    /// The inbox of missed questions (see `inbox`).
    inbox: Inbox,
    db: sled::Db,
    _lock: DirLock,
}

impl SledStore {
    /// Opens the data directory `dir`, creating it (and writing the schema version) if needed,
    /// and replays the write-ahead log left by a crash.
    ///
    /// Fails with [`StoreError::Locked`] if another store holds it, and with
    /// [`StoreError::SchemaMismatch`] if it was written by an incompatible version.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        Self::open_with(dir, CHECKPOINT_BYTES)
    }

    /// [`SledStore::open`] with the WAL checkpointed past `checkpoint_bytes`.
    fn open_with(dir: &Path, checkpoint_bytes: u64) -> StoreResult<Self> {
        fs::create_dir_all(dir).map_err(|e| {
            StoreError::Backend(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let lock = DirLock::acquire(dir)?;
        compact::recover(dir)?;
        let db = sled::Config::new().path(dir).open().map_err(backend)?;
        schema::check_or_init(&db)?;
        let wal = Wal::open(dir, &db, checkpoint_bytes)?;
        let tree = |name: &str| db.open_tree(name).map_err(backend);
        Ok(Self {
            wal,
            conversation_writes: Stripes::new(),
            other_writes: Mutex::new(()),
            conversations: tree(CONVERSATIONS)?,
            resume: tree(RESUME)?,
            events: tree(EVENTS)?,
            client_messages: tree(CLIENT_MESSAGES)?,
            faq: tree(FAQ)?,
            tickets: tree(TICKETS)?,
            agents: Agents::new(tree(AGENTS)?, tree(AGENT_SESSIONS)?),
            queue: Queue::new(tree(QUEUE)?, tree(QUEUED)?),
            daily: tree(DAILY)?,
            inbox: Inbox::new(
                tree(layout::INBOX)?,
                tree(layout::INBOX_CLOSED)?,
                tree(layout::INBOX_BY_CONVERSATION)?,
            ),
            db,
            _lock: lock,
        })
    }

    /// How many WAL flushes (one `fdatasync` each) the group commit made, for how many
    /// durable writes.
    pub fn flush_stats(&self) -> FlushStats {
        self.wal.stats()
    }

    /// Checkpoints now: continues the write-ahead log in a new file, flushes sled and deletes
    /// the older log files. The store does this by itself whenever the log grows past 16 MiB,
    /// and when it closes; this is for operators and tests.
    pub fn checkpoint(&self) -> StoreResult<()> {
        self.wal.checkpoint()
    }

    /// Takes the lock of the writes outside conversations.
    fn other_writes(&self) -> MutexGuard<'_, ()> {
        // The lock guards no data, so a panic while it was held leaves nothing to repair.
        self.other_writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `write` under the lock of the writes outside conversations, then logs what it
    /// recorded; returns its result and the [`Durable`] of the log record.
    fn other_write<T>(
        &self,
        write: impl FnOnce(&mut WriteSet) -> StoreResult<T>,
    ) -> StoreResult<(T, Durable)> {
        let _guard = self.other_writes();
        let mut writes = WriteSet::new();
        let result = write(&mut writes)?;
        Ok((result, self.wal.log(writes)))
    }

    /// Queues `entry` with the order `place` gives to a fresh id from sled's generator.
    fn enqueue_with(
        &self,
        entry: QueueEntry,
        place: fn(u64) -> u64,
    ) -> StoreResult<(QueueEntry, Durable)> {
        check_id("conversation id", &entry.conversation)?;
        let order = place(self.db.generate_id().map_err(backend)?);
        self.other_write(|writes| self.queue.insert(entry, order, writes))
    }
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("flush_stats", &self.flush_stats())
            .finish_non_exhaustive()
    }
}

/// Maps a sled failure; sled's errors stay inside this backend.
fn backend(error: sled::Error) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// Sets `key` of `tree` to `value` and records the change in `writes`.
fn put(writes: &mut WriteSet, tree: &sled::Tree, key: &[u8], value: &[u8]) -> StoreResult<()> {
    tree.insert(key, value).map_err(backend)?;
    writes.insert(&tree.name(), key, value);
    Ok(())
}

/// Maps the outcome of a transaction whose closure aborts with a [`StoreError`].
fn transaction_error(error: TransactionError<StoreError>) -> StoreError {
    match error {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => backend(e),
    }
}

impl Store for SledStore {
    fn create_conversation(
        &self,
        id: &str,
        resume_token_hash: &str,
        state: &Value,
    ) -> StoreResult<ConversationRecord> {
        check_id("conversation id", id)?;
        check_id("resume token hash", resume_token_hash)?;
        let value = ConversationValue {
            created_ms: now_ms(),
            last_seq: 0,
            resume_token_hash: resume_token_hash.to_owned(),
            state: state.clone(),
        };
        let bytes = encode(&value)?;
        let _guard = self.conversation_writes.lock(id);
        // A transaction: the uniqueness checks span two trees, and creations are rare enough
        // (once per conversation) for its cost not to matter.
        (&self.conversations, &self.resume)
            .transaction(|(conversations, resume)| {
                if conversations.get(id)?.is_some() || resume.get(resume_token_hash)?.is_some() {
                    return abort(StoreError::AlreadyExists);
                }
                conversations.insert(id.as_bytes(), bytes.as_slice())?;
                resume.insert(resume_token_hash.as_bytes(), id.as_bytes())?;
                Ok(())
            })
            .map_err(transaction_error)?;
        let mut writes = WriteSet::new();
        writes.insert(CONVERSATIONS.as_bytes(), id.as_bytes(), &bytes);
        writes.insert(
            RESUME.as_bytes(),
            resume_token_hash.as_bytes(),
            id.as_bytes(),
        );
        self.wal.log_unawaited(writes);
        Ok(value.into_record(id))
    }

    fn find_by_resume(&self, resume_token_hash: &str) -> StoreResult<Option<ConversationId>> {
        check_id("resume token hash", resume_token_hash)?;
        self.resume
            .get(resume_token_hash)
            .map_err(backend)?
            .map(|id| decode_str(RESUME, &id))
            .transpose()
    }

    fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRecord>> {
        check_id("conversation id", id)?;
        self.conversations
            .get(id)
            .map_err(backend)?
            .map(|bytes| Ok(decode::<ConversationValue>(CONVERSATIONS, &bytes)?.into_record(id)))
            .transpose()
    }

    fn append(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&Value>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        let state = state.map(encode_raw).transpose()?;
        self.append_turn(id, events, state.as_deref(), None)
    }

    fn append_turn(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&RawValue>,
        client: Option<ClientMessage<'_>>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        check_append(id, &events, client.as_ref())?;
        let at_ms = now_ms();
        let encoded = events
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let client = client.filter(|_| i == 0).map(|c| c.id);
                encode(&EventValue {
                    at_ms,
                    body,
                    client,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let _guard = self.conversation_writes.lock(id);
        let Some(bytes) = self.conversations.get(id).map_err(backend)? else {
            return Err(StoreError::NotFound);
        };
        let mut record: ConversationParts<'_> = decode_borrowed(CONVERSATIONS, &bytes)?;
        let first = record.last_seq + 1;
        let mut writes = WriteSet::new();
        // Events and the client index first, the record with its new `last_seq` last: if a
        // crash keeps only part of an unlogged append in sled, the events beyond `last_seq`
        // are invisible (see `events_after`) and the next append overwrites them. An index
        // entry left that way points past `last_seq`, or at an event of another client id
        // once overwritten, and `client_message` disowns it in both cases.
        for (seq, event) in (first..).zip(&encoded) {
            put(
                &mut writes,
                &self.events,
                &layout::event_key(id, seq),
                event,
            )?;
        }
        if let Some(client) = client {
            put(
                &mut writes,
                &self.client_messages,
                &layout::client_message_key(id, client.id),
                &layout::client_message_value(first, client.digest),
            )?;
        }
        record.last_seq += encoded.len() as u64;
        if let Some(state) = state {
            record.state = state;
        }
        put(
            &mut writes,
            &self.conversations,
            id.as_bytes(),
            &encode(&record)?,
        )?;
        let durable = self.wal.log(writes);
        let stored = (first..)
            .zip(events)
            .map(|(seq, body)| StoredEvent { seq, at_ms, body })
            .collect();
        Ok((stored, durable))
    }

    fn client_message(
        &self,
        id: &str,
        client_id: &str,
    ) -> StoreResult<Option<StoredClientMessage>> {
        check_client_lookup(id, client_id)?;
        let Some(value) = self
            .client_messages
            .get(layout::client_message_key(id, client_id))
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let (seq, digest) = layout::client_message_parts(&value).ok_or_else(|| {
            StoreError::Backend(format!("corrupted record in tree {CLIENT_MESSAGES}"))
        })?;
        // An entry past `last_seq`, or pointing at another client's event, belongs to an
        // append a crash cut short (see `append_turn`).
        if self.last_seq(id)?.is_none_or(|last| seq > last) {
            return Ok(None);
        }
        let Some(event) = self
            .events
            .get(layout::event_key(id, seq))
            .map_err(backend)?
        else {
            return Ok(None);
        };
        let event: EventValue<IgnoredAny, String> = decode(EVENTS, &event)?;
        if event.client.as_deref() != Some(client_id) {
            return Ok(None);
        }
        Ok(Some(StoredClientMessage {
            seq,
            digest: digest.to_vec(),
        }))
    }

    fn last_seq(&self, id: &str) -> StoreResult<Option<u64>> {
        check_id("conversation id", id)?;
        self.conversations
            .get(id)
            .map_err(backend)?
            .map(|bytes| Ok(decode::<LastSeq>(CONVERSATIONS, &bytes)?.last_seq))
            .transpose()
    }

    fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<StoredEvent>> {
        check_id("conversation id", id)?;
        let Some(bytes) = self.conversations.get(id).map_err(backend)? else {
            return Err(StoreError::NotFound);
        };
        let last_seq = decode::<LastSeq>(CONVERSATIONS, &bytes)?.last_seq;
        if after >= last_seq {
            return Ok(Vec::new());
        }
        let range = layout::event_key(id, after + 1)..=layout::event_key(id, last_seq);
        self.events
            .range(range)
            .map(|entry| {
                let (key, bytes) = entry.map_err(backend)?;
                let seq = layout::event_seq(&key).ok_or_else(|| {
                    StoreError::Backend(format!("corrupted key in tree {EVENTS}"))
                })?;
                let value: EventValue<Value> = decode(EVENTS, &bytes)?;
                Ok(StoredEvent {
                    seq,
                    at_ms: value.at_ms,
                    body: value.body,
                })
            })
            .collect()
    }

    fn faq(&self, key: &str, lang: &str) -> StoreResult<Option<FaqEntry>> {
        check_id("FAQ key", key)?;
        check_id("FAQ language", lang)?;
        self.faq
            .get(layout::faq_key(key, lang))
            .map_err(backend)?
            .map(|bytes| decode(FAQ, &bytes))
            .transpose()
    }

    fn put_faq(&self, entries: &[FaqEntry]) -> StoreResult<Durable> {
        let mut batch = sled::Batch::default();
        let mut encoded = Vec::with_capacity(entries.len());
        for entry in entries {
            check_id("FAQ key", &entry.key)?;
            check_id("FAQ language", &entry.lang)?;
            let (key, value) = (layout::faq_key(&entry.key, &entry.lang), encode(entry)?);
            batch.insert(key.as_slice(), value.as_slice());
            encoded.push((key, value));
        }
        let ((), durable) = self.other_write(|writes| {
            self.faq.apply_batch(batch).map_err(backend)?;
            for (key, value) in &encoded {
                writes.insert(FAQ.as_bytes(), key, value);
            }
            Ok(())
        })?;
        Ok(durable)
    }

    fn all_faq(&self) -> StoreResult<Vec<FaqEntry>> {
        self.faq
            .iter()
            .values()
            .map(|bytes| decode(FAQ, &bytes.map_err(backend)?))
            .collect()
    }

    fn create_ticket(&self, ticket: &Value) -> StoreResult<(String, Durable)> {
        // sled's ids survive restarts and crashes (it skips ahead on recovery), so a number
        // is never reused; starting at 1 reads better to a customer.
        let number = self.db.generate_id().map_err(backend)? + 1;
        let ticket = Ticket {
            id: number.to_string(),
            created_ms: now_ms(),
            body: ticket.clone(),
        };
        let bytes = encode(&ticket)?;
        let ((), durable) = self.other_write(|writes| {
            put(writes, &self.tickets, &layout::ticket_key(number), &bytes)
        })?;
        Ok((ticket.id, durable))
    }

    fn tickets(&self) -> StoreResult<Vec<Ticket>> {
        self.tickets
            .iter()
            .values()
            .map(|bytes| decode(TICKETS, &bytes.map_err(backend)?))
            .collect()
    }

    fn update_ticket(&self, id: &str, body: &Value) -> StoreResult<Durable> {
        let key = layout::ticket_key_of(id).ok_or(StoreError::NotFound)?;
        let ((), durable) = self.other_write(|writes| {
            let Some(bytes) = self.tickets.get(key).map_err(backend)? else {
                return Err(StoreError::NotFound);
            };
            let mut ticket: Ticket = decode(TICKETS, &bytes)?;
            ticket.body = body.clone();
            put(writes, &self.tickets, &key, &encode(&ticket)?)
        })?;
        Ok(durable)
    }

    fn conversations(&self) -> StoreResult<Vec<ConversationRecord>> {
        self.conversations
            .iter()
            .map(|entry| {
                let (id, bytes) = entry.map_err(backend)?;
                let id = decode_str(CONVERSATIONS, &id)?;
                Ok(decode::<ConversationValue>(CONVERSATIONS, &bytes)?.into_record(&id))
            })
            .collect()
    }

    fn put_agent(&self, agent: &AgentRecord) -> StoreResult<Durable> {
        check_agent_name(&agent.name)?;
        let ((), durable) = self.other_write(|writes| self.agents.put(agent, writes))?;
        Ok(durable)
    }

    fn agent(&self, name: &str) -> StoreResult<Option<AgentRecord>> {
        check_id("agent name", name)?;
        self.agents.get(name)
    }

    fn agents(&self) -> StoreResult<Vec<AgentRecord>> {
        self.agents.all()
    }

    fn remove_agent(&self, name: &str) -> StoreResult<(bool, Durable)> {
        check_id("agent name", name)?;
        self.other_write(|writes| self.agents.remove(name, writes))
    }

    fn put_agent_session(&self, token_hash: &str, session: &AgentSession) -> StoreResult<Durable> {
        check_id("token hash", token_hash)?;
        let ((), durable) =
            self.other_write(|writes| self.agents.put_session(token_hash, session, writes))?;
        Ok(durable)
    }

    fn agent_session(&self, token_hash: &str) -> StoreResult<Option<AgentSession>> {
        check_id("token hash", token_hash)?;
        self.agents.session(token_hash)
    }

    fn remove_agent_session(&self, token_hash: &str) -> StoreResult<Durable> {
        check_id("token hash", token_hash)?;
        let ((), durable) =
            self.other_write(|writes| self.agents.remove_session(token_hash, writes))?;
        Ok(durable)
    }

    fn enqueue(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.enqueue_with(entry, queue_order::back)
    }

    fn enqueue_front(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.enqueue_with(entry, queue_order::front)
    }

    fn dequeue(&self, conversation: &str) -> StoreResult<(Option<QueueEntry>, Durable)> {
        check_id("conversation id", conversation)?;
        // When nothing was queued nothing is written, and the Durable is ready at once.
        self.other_write(|writes| self.queue.remove(conversation, writes))
    }

    fn queue(&self) -> StoreResult<Vec<QueueEntry>> {
        self.queue.all()
    }

    fn flush(&self) -> Durable {
        self.wal.barrier()
    }

    // Analytics aggregates, retention and erasure: see `privacy`.

    fn put_daily(&self, records: &[crate::DailyRecord]) -> StoreResult<Durable> {
        self.put_daily_records(records)
    }

    fn daily(&self, from: u32, to: u32) -> StoreResult<Vec<crate::DailyRecord>> {
        self.daily_records(from, to)
    }

    fn erase_conversation(&self, id: &str) -> StoreResult<(bool, Durable)> {
        self.erase(id)
    }

    fn remove_ticket(&self, id: &str) -> StoreResult<(bool, Durable)> {
        self.remove_ticket_record(id)
    }

    // The inbox of missed questions: see `inbox`.

    fn add_inbox_item(&self, item: &crate::NewInboxItem) -> StoreResult<(u64, Durable)> {
        self.add_inbox(item)
    }

    fn inbox_items(&self) -> StoreResult<Vec<crate::InboxItem>> {
        self.inbox_all()
    }

    fn set_inbox_status(
        &self,
        ids: &[u64],
        status: crate::InboxStatus,
    ) -> StoreResult<(usize, Durable)> {
        self.set_inbox(ids, status)
    }
}

#[cfg(test)]
mod recovery_test;
