//! [`SledStore`]: the embedded, durable backend on sled.
//!
//! One sled tree per relation (see `layout`); multi-tree changes run in sled transactions,
//! which sled serialises, so an append's events and state land together and seqs stay
//! contiguous under concurrent appends. Writes return a [`Durable`] from the store's
//! group-commit flusher. The data directory is locked for the life of the store.

mod codec;
mod layout;
mod schema;

use std::fs::{self, File, TryLockError};
use std::path::Path;

use serde_json::Value;
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, abort};

use self::codec::{ConversationValue, EventValue, decode, decode_str, encode};
use self::layout::{CONVERSATIONS, EVENTS, FAQ, LOCK_FILE, RESUME, TICKETS};
pub use self::schema::SCHEMA_VERSION;
use crate::clock::now_ms;
use crate::group_commit::{FlushStats, GroupCommit};
use crate::validate::check_id;
use crate::{
    ConversationId, ConversationRecord, Durable, FaqEntry, Store, StoreError, StoreResult,
    StoredEvent, Ticket,
};

/// A store in a sled data directory; see the crate docs for its durability guarantee.
pub struct SledStore {
    // Field order is drop order: the flusher completes pending waiters first, the directory
    // lock goes last, once sled has closed its files.
    commit: GroupCommit,
    conversations: sled::Tree,
    resume: sled::Tree,
    events: sled::Tree,
    faq: sled::Tree,
    tickets: sled::Tree,
    db: sled::Db,
    _lock: File,
}

impl SledStore {
    /// Opens the data directory `dir`, creating it (and writing the schema version) if needed.
    ///
    /// Fails with [`StoreError::Locked`] if another store holds it, and with
    /// [`StoreError::SchemaMismatch`] if it was written by an incompatible version.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        fs::create_dir_all(dir).map_err(|e| {
            StoreError::Backend(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
        })?;
        let lock = lock_directory(dir)?;
        let db = sled::Config::new().path(dir).open().map_err(backend)?;
        schema::check_or_init(&db)?;
        let tree = |name: &str| db.open_tree(name).map_err(backend);
        let flusher_db = db.clone();
        Ok(Self {
            commit: GroupCommit::start(Box::new(move || {
                flusher_db.flush().map(drop).map_err(|e| e.to_string())
            }))?,
            conversations: tree(CONVERSATIONS)?,
            resume: tree(RESUME)?,
            events: tree(EVENTS)?,
            faq: tree(FAQ)?,
            tickets: tree(TICKETS)?,
            db,
            _lock: lock,
        })
    }

    /// How many flushes the group commit made, for how many durable writes.
    pub fn flush_stats(&self) -> FlushStats {
        self.commit.stats()
    }
}

impl std::fmt::Debug for SledStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SledStore")
            .field("flush_stats", &self.flush_stats())
            .finish_non_exhaustive()
    }
}

/// Takes the directory's lock file, exclusively and without waiting.
fn lock_directory(dir: &Path) -> StoreResult<File> {
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
            path: dir.to_path_buf(),
        }),
        Err(TryLockError::Error(e)) => Err(StoreError::Backend(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// Maps a sled failure; sled's errors stay inside this backend.
fn backend(error: sled::Error) -> StoreError {
    StoreError::Backend(error.to_string())
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
        check_id("conversation id", id)?;
        let at_ms = now_ms();
        let encoded = events
            .iter()
            .map(|body| encode(&EventValue { at_ms, body }))
            .collect::<StoreResult<Vec<_>>>()?;
        let first = (&self.conversations, &self.events)
            .transaction(|(conversations, event_tree)| {
                let Some(bytes) = conversations.get(id)? else {
                    return abort(StoreError::NotFound);
                };
                let mut value: ConversationValue =
                    decode(CONVERSATIONS, &bytes).map_err(ConflictableTransactionError::Abort)?;
                let first = value.last_seq + 1;
                for (seq, event) in (first..).zip(&encoded) {
                    event_tree.insert(layout::event_key(id, seq), event.as_slice())?;
                }
                value.last_seq += encoded.len() as u64;
                if let Some(state) = state {
                    value.state = state.clone();
                }
                let bytes = encode(&value).map_err(ConflictableTransactionError::Abort)?;
                conversations.insert(id.as_bytes(), bytes)?;
                Ok(first)
            })
            .map_err(transaction_error)?;
        let stored = (first..)
            .zip(events)
            .map(|(seq, body)| StoredEvent { seq, at_ms, body })
            .collect();
        Ok((stored, self.commit.register()))
    }

    fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<StoredEvent>> {
        check_id("conversation id", id)?;
        if !self.conversations.contains_key(id).map_err(backend)? {
            return Err(StoreError::NotFound);
        }
        let Some(start) = after.checked_add(1) else {
            return Ok(Vec::new());
        };
        let range = layout::event_key(id, start)..=layout::event_key(id, u64::MAX);
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
        for entry in entries {
            check_id("FAQ key", &entry.key)?;
            check_id("FAQ language", &entry.lang)?;
            batch.insert(layout::faq_key(&entry.key, &entry.lang), encode(entry)?);
        }
        self.faq.apply_batch(batch).map_err(backend)?;
        Ok(self.commit.register())
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
        self.tickets
            .insert(layout::ticket_key(number), encode(&ticket)?)
            .map_err(backend)?;
        Ok((ticket.id, self.commit.register()))
    }

    fn tickets(&self) -> StoreResult<Vec<Ticket>> {
        self.tickets
            .iter()
            .values()
            .map(|bytes| decode(TICKETS, &bytes.map_err(backend)?))
            .collect()
    }

    fn flush(&self) -> Durable {
        self.commit.register()
    }
}
