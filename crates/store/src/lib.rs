//! Durable storage for Relais: conversation transcripts and state, the FAQ answers, the
//! callback tickets, and the human handoff's agents, agent sessions and waiting queue.
//!
//! The interface is the [`Store`] trait, shaped around Relais' operations rather than raw
//! key-value access, so that a networked backend for multi-node deployments can implement it
//! too. [`SledStore`] is the embedded default; [`MemoryStore`] serves tests of upper layers and
//! runs the same conformance suite.
//!
//! Durability: writes return a [`Durable`] future that resolves once they are on disk.
//! Concurrent writes share one flush (group commit, see `group_commit`), so acknowledging a
//! customer message costs a share of an fsync, not a whole one.
//!
//! Exactly-once customer messages: an append may carry the client's id for its first event
//! ([`ClientMessage`]); the store indexes (conversation, client id) → seq in the same durable
//! write, for the conversation's whole life, so a resend is recognised however old it is.
//!
//! Privacy: [`Store::erase_conversation`] removes a conversation from every relation that
//! knows it, in one durable write, while the daily analytics aggregates ([`DailyRecord`],
//! opaque to the store) stay. sled keeps removed bytes in its files until they are rewritten;
//! [`SledStore::compact`] rewrites them, with the store closed.
//!
//! What it deliberately does not do: interpret transcript events, states, ticket bodies or
//! queue contexts (JSON values owned by the layers above; the store only numbers events and
//! keeps events and the queue in order), check passwords, expire sessions, or route queued
//! conversations to advisors: that is the server's job.

mod clock;
mod daily;
mod durable;
mod group_commit;
mod handoff;
mod inbox;
mod memory;
mod queue_order;
mod sled_store;
mod validate;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
pub use serde_json::value::RawValue;

pub use daily::DailyRecord;
pub use durable::Durable;
pub use group_commit::FlushStats;
pub use handoff::{AgentRecord, AgentSession, QueueEntry};
pub use inbox::{
    InboxItem, InboxKind, InboxStatus, MAX_INBOX_ITEMS, MAX_INBOX_TEXT_BYTES, NewInboxItem,
};
pub use memory::MemoryStore;
pub use sled_store::{SCHEMA_VERSION, SledStore};
pub use validate::{MAX_CLIENT_DIGEST_LEN, MAX_CLIENT_ID_LEN};

/// A conversation identifier: at least 122 bits of OS randomness, rendered as text.
pub type ConversationId = String;

/// Errors of a store operation.
///
/// `NotFound`, `AlreadyExists` and `InvalidInput` are caller mistakes; the other variants are
/// faults of the environment or the backend.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The conversation (or the ticket, or the agent a session is for) does not exist.
    #[error("not found")]
    NotFound,
    /// The conversation already exists (ids must be fresh), or is already queued.
    #[error("already exists")]
    AlreadyExists,
    /// An identifier or key breaks the store's rules (empty, too long, contains NUL).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The data directory was written by an incompatible version.
    #[error(
        "data directory schema version {found} is not supported (this build reads {expected}); {hint}"
    )]
    SchemaMismatch {
        /// The version found on disk (0 when the directory holds data but no version marker).
        found: u32,
        /// The version this build reads and writes.
        expected: u32,
        /// What the operator can do about it.
        hint: String,
    },
    /// Another process (or another open store in this process) holds the data directory.
    #[error(
        "data directory {} is in use by another process; stop it or choose another --data directory",
        .path.display()
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
    },
    /// The backend failed (disk full, I/O error, corrupted record, ...).
    #[error("storage backend failure: {0}")]
    Backend(String),
}

/// Result alias of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// One event of a conversation transcript, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Position in the conversation, starting at 1, growing by one per event.
    pub seq: u64,
    /// Milliseconds since the Unix epoch when the event was appended.
    pub at_ms: u64,
    /// The event itself, a JSON object owned by the layers above.
    pub body: serde_json::Value,
}

/// A conversation's record, without its events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// Its identifier.
    pub id: ConversationId,
    /// Milliseconds since the Unix epoch at creation.
    pub created_ms: u64,
    /// Sequence number of the last event (0 when none).
    pub last_seq: u64,
    /// The dialogue state, opaque JSON owned by the layers above.
    pub state: serde_json::Value,
}

/// The client's id for the first event of an append (a customer message or form), indexed so
/// that a resend of it is recognised for the conversation's whole life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientMessage<'a> {
    /// The client's id (at most 256 bytes; any content).
    pub id: &'a str,
    /// A digest of the message's content, opaque to the store (at most 64 bytes): the same id
    /// with another digest is another message.
    pub digest: &'a [u8],
}

/// Where the latest message with a given client id was stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredClientMessage {
    /// The seq of its event.
    pub seq: u64,
    /// The digest given with it.
    pub digest: Vec<u8>,
}

/// FAQ answer variants for one answer key in one language.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FaqEntry {
    /// The answer key (usually the intent id).
    pub key: String,
    /// Language code (`fr`, `en`).
    pub lang: String,
    /// Interchangeable answer texts.
    pub variants: Vec<String>,
    /// Where the entry came from: `corpus` (seeded from `intents/`) or `author` (set by hand).
    pub source: String,
}

/// A callback or message request left by a customer when no advisor was available.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Its identifier, assigned by the store; ids grow with creation order.
    pub id: String,
    /// Milliseconds since the Unix epoch at creation.
    pub created_ms: u64,
    /// The form as filled in, opaque JSON owned by the layers above.
    pub body: serde_json::Value,
}

/// The narrow storage interface every backend implements.
pub trait Store: Send + Sync + 'static {
    /// Creates a conversation with a fresh id and the hash of its resume token.
    ///
    /// Both must be unused: a taken id or resume hash gives [`StoreError::AlreadyExists`].
    /// The creation is durable once any later [`Durable`] of this store resolves (for example
    /// the first append's) or after [`Store::flush`].
    fn create_conversation(
        &self,
        id: &str,
        resume_token_hash: &str,
        state: &serde_json::Value,
    ) -> StoreResult<ConversationRecord>;
    /// Finds the conversation whose resume token hashes to `resume_token_hash`.
    fn find_by_resume(&self, resume_token_hash: &str) -> StoreResult<Option<ConversationId>>;
    /// Loads a conversation's record.
    fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRecord>>;
    /// Appends events and replaces the state in one atomic write; returns the events as
    /// numbered and a [`Durable`] to await before acknowledging them to anyone.
    fn append(
        &self,
        id: &str,
        events: Vec<serde_json::Value>,
        state: Option<&serde_json::Value>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)>;
    /// [`Store::append`] with the state already encoded as JSON (so a caller that keeps its
    /// own typed state encodes it once), and with the client's id for the first event, which
    /// is indexed in the same atomic write (see [`Store::client_message`]). A client message
    /// with no event is [`StoreError::InvalidInput`].
    ///
    /// No default: one that indexed nothing would silently break exactly-once delivery for
    /// the backend (or wrapper) that relied on it.
    fn append_turn(
        &self,
        id: &str,
        events: Vec<serde_json::Value>,
        state: Option<&RawValue>,
        client: Option<ClientMessage<'_>>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)>;
    /// Where the latest message appended with client id `client_id` (see
    /// [`Store::append_turn`]) is stored in conversation `id`, if any. The index lives as long
    /// as the conversation.
    fn client_message(&self, id: &str, client_id: &str)
    -> StoreResult<Option<StoredClientMessage>>;
    /// The seq of the conversation's last event (0 when none), or `None` if there is no such
    /// conversation: what [`Store::conversation`] tells, without decoding the state.
    ///
    /// The one default of the trait, kept because it is derived from
    /// [`Store::conversation`] and so right for any backend; a backend overrides it only to
    /// skip decoding the state.
    fn last_seq(&self, id: &str) -> StoreResult<Option<u64>> {
        Ok(self.conversation(id)?.map(|record| record.last_seq))
    }
    /// Events with `seq > after`, in order.
    fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<StoredEvent>>;
    /// The answer variants for `key` in `lang`.
    fn faq(&self, key: &str, lang: &str) -> StoreResult<Option<FaqEntry>>;
    /// Inserts or replaces FAQ entries.
    fn put_faq(&self, entries: &[FaqEntry]) -> StoreResult<Durable>;
    /// Every FAQ entry, ordered by key then language.
    fn all_faq(&self) -> StoreResult<Vec<FaqEntry>>;
    /// Records a callback/message ticket; returns its id and a [`Durable`] to await before
    /// confirming it to the customer.
    fn create_ticket(&self, ticket: &serde_json::Value) -> StoreResult<(String, Durable)>;
    /// Every ticket, oldest first.
    fn tickets(&self) -> StoreResult<Vec<Ticket>>;
    /// Replaces the body of ticket `id` (for example to mark it done); [`StoreError::NotFound`]
    /// if there is none.
    fn update_ticket(&self, id: &str, body: &serde_json::Value) -> StoreResult<Durable>;
    /// Every conversation's record, ordered by id (for the live view of running chats).
    fn conversations(&self) -> StoreResult<Vec<ConversationRecord>>;

    /// Inserts or replaces an agent. The name must match `[a-z0-9_.-]+` (at most 256 bytes).
    fn put_agent(&self, agent: &AgentRecord) -> StoreResult<Durable>;
    /// The agent called `name`.
    fn agent(&self, name: &str) -> StoreResult<Option<AgentRecord>>;
    /// Every agent, ordered by name.
    fn agents(&self) -> StoreResult<Vec<AgentRecord>>;
    /// Removes an agent and every session of theirs; says whether the agent existed.
    fn remove_agent(&self, name: &str) -> StoreResult<(bool, Durable)>;
    /// Stores a session under the hash of its token, replacing any there.
    /// [`StoreError::NotFound`] if its agent does not exist, so a removed agent's name can
    /// never gain a session.
    fn put_agent_session(&self, token_hash: &str, session: &AgentSession) -> StoreResult<Durable>;
    /// The session stored under `token_hash`, as stored (expiry and epoch are the caller's to
    /// check).
    fn agent_session(&self, token_hash: &str) -> StoreResult<Option<AgentSession>>;
    /// Removes the session stored under `token_hash`, if any (logout).
    fn remove_agent_session(&self, token_hash: &str) -> StoreResult<Durable>;

    /// Queues a conversation behind every entry of its priority; returns the entry with its
    /// `order` set. [`StoreError::AlreadyExists`] if the conversation is already queued.
    fn enqueue(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)>;
    /// Like [`Store::enqueue`], but ahead of every entry of its priority (a chat going back to
    /// the head of the queue); the latest such entry goes first.
    fn enqueue_front(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)>;
    /// Takes a conversation out of the queue; returns its entry, or `None` if it was not queued.
    fn dequeue(&self, conversation: &str) -> StoreResult<(Option<QueueEntry>, Durable)>;
    /// The queue in serving order: priority descending, then `order` ascending.
    fn queue(&self) -> StoreResult<Vec<QueueEntry>>;
    /// A [`Durable`] that resolves once every write made so far is on disk (for shutdown, or
    /// for writes such as [`Store::create_conversation`] that return none).
    fn flush(&self) -> Durable;

    // Analytics aggregates, retention and erasure (issue 6), and the inbox of missed
    // questions (issue 5). No defaults: one that kept or erased nothing would silently break
    // the backend (or wrapper) that forgot it, and erasure is a privacy promise.

    /// Inserts or replaces the aggregates of the given days (one record per day; the
    /// caller merges, the store only keeps them).
    fn put_daily(&self, records: &[DailyRecord]) -> StoreResult<Durable>;
    /// The aggregates of the days from `from` to `to` included, in day order.
    fn daily(&self, from: u32, to: u32) -> StoreResult<Vec<DailyRecord>>;
    /// Erases a conversation and everything kept about it: its record and state, its
    /// transcript, its resume token hash, its client message index, its queue entry, and
    /// every inbox item recorded from it (customer texts and advisors' flags alike, since a
    /// flag may quote the customer), in one durable write. Says whether the conversation
    /// existed; its inbox items go even if it did not. Tickets are separate (see
    /// [`Store::remove_ticket`]).
    fn erase_conversation(&self, id: &str) -> StoreResult<(bool, Durable)>;
    /// Removes ticket `id` (with the contact details it holds); says whether it existed.
    fn remove_ticket(&self, id: &str) -> StoreResult<(bool, Durable)>;

    /// Records an item in the inbox, open; returns its id. When the inbox holds
    /// [`MAX_INBOX_ITEMS`], the oldest closed item goes first, else the oldest open one.
    /// Empty or over-long text, or a conversation id that breaks the id rules, is
    /// [`StoreError::InvalidInput`].
    fn add_inbox_item(&self, item: &NewInboxItem) -> StoreResult<(u64, Durable)>;
    /// Every inbox item, oldest first.
    fn inbox_items(&self) -> StoreResult<Vec<InboxItem>>;
    /// Sets the status of the items `ids`; returns how many exist (unknown ids are skipped).
    fn set_inbox_status(&self, ids: &[u64], status: InboxStatus) -> StoreResult<(usize, Durable)>;
}
