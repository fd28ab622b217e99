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
//! What it deliberately does not do: interpret transcript events, states, ticket bodies or
//! queue contexts (JSON values owned by the layers above; the store only numbers events and
//! keeps events and the queue in order), check passwords, expire sessions, or route queued
//! conversations to advisors: that is the server's job.

mod clock;
mod durable;
mod group_commit;
mod handoff;
mod memory;
mod queue_order;
mod sled_store;
mod validate;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use durable::Durable;
pub use group_commit::FlushStats;
pub use handoff::{AgentRecord, AgentSession, QueueEntry};
pub use memory::MemoryStore;
pub use sled_store::{SCHEMA_VERSION, SledStore};

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
}
