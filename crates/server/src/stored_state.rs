//! The server's part of a conversation's stored state, wrapped around the engine's own.
//!
//! Besides the dialogue state it keeps what the server needs across sockets and restarts: the
//! conversation's language and the last quick replies (to store a click as its label). Client
//! message ids (to recognise a message resent after its `ack` was lost) are not here: the
//! store indexes them beside the events, for the conversation's whole life (a state written
//! by an older build may still hold a `recent` list; it is ignored). It also holds
//! who owns the conversation (bot, queue or one advisor): the single source of truth for "the
//! bot never answers while a human owns the chat", read and written under the turn lock.

use relais_engine::QuickReply;
use relais_nlu::Lang;
use relais_store::{QueueEntry, RawValue, Store, StoreResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::protocol::BotMessage;

/// The server's part of a conversation's stored state, around the engine's own state.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredState {
    /// The dialogue engine's state.
    #[serde(default)]
    pub(crate) dialogue: relais_engine::ConversationState,
    /// Language of the last bot message.
    #[serde(default)]
    pub(crate) lang: Option<Lang>,
    /// Quick replies of the last bot message, to show a click as its label.
    #[serde(default)]
    pub(crate) quick_replies: Vec<QuickReply>,
    /// Who answers the customer.
    #[serde(default)]
    pub(crate) owner: Owner,
    /// The queue entry of the last handoff (routing and context), kept to requeue the chat.
    #[serde(default)]
    pub(crate) handoff: Option<QueueEntry>,
    /// The advisor the customer asked for in `hello`, if any.
    #[serde(default)]
    pub(crate) requested_agent: Option<String>,
    /// Customer turns so far (for the advisors' live view).
    #[serde(default)]
    pub(crate) turns: u32,
}

/// Who answers the customer; stored as `bot`, `queue` or `agent:<name>`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub(crate) enum Owner {
    /// The dialogue engine.
    #[default]
    Bot,
    /// Nobody yet: waiting in the advisor queue.
    Queue,
    /// The advisor with this login name.
    Agent(String),
}

impl Owner {
    /// The advisor's login name, when an advisor owns the conversation.
    pub(crate) fn agent(&self) -> Option<&str> {
        match self {
            Owner::Agent(name) => Some(name),
            Owner::Bot | Owner::Queue => None,
        }
    }
}

impl From<Owner> for String {
    fn from(owner: Owner) -> String {
        match owner {
            Owner::Bot => "bot".to_owned(),
            Owner::Queue => "queue".to_owned(),
            Owner::Agent(name) => format!("agent:{name}"),
        }
    }
}

impl TryFrom<String> for Owner {
    type Error = String;

    fn try_from(text: String) -> Result<Owner, String> {
        match text.as_str() {
            "bot" => Ok(Owner::Bot),
            "queue" => Ok(Owner::Queue),
            _ => match text.strip_prefix("agent:") {
                Some(name) if !name.is_empty() => Ok(Owner::Agent(name.to_owned())),
                _ => Err(format!("unknown owner `{text}`")),
            },
        }
    }
}

impl StoredState {
    /// Reads the stored state; an unreadable one (logged) restarts the dialogue state rather
    /// than the conversation.
    pub(crate) fn from_json(id: &str, value: &serde_json::Value) -> StoredState {
        match StoredState::deserialize(value) {
            Ok(state) => state,
            Err(err) => {
                // The error's kind only: serde's message can quote stored customer text.
                tracing::warn!(
                    conversation = id,
                    category = ?err.classify(),
                    "unreadable state; starting afresh"
                );
                StoredState::default()
            }
        }
    }

    /// The state as stored.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        // Invariant: plain derived data always converts to a JSON value.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The state as stored, encoded straight to JSON text (no intermediate JSON value).
    pub(crate) fn to_raw(&self) -> Box<RawValue> {
        // Invariant: plain derived data (strings, numbers, derived enums, no map with
        // non-string keys) always encodes, as `to_json` relies on too.
        serde_json::value::to_raw_value(self).expect("a stored state always encodes to JSON")
    }

    /// Records what the bot just said.
    pub(crate) fn bot_said(&mut self, message: &BotMessage) {
        self.lang = Some(message.lang);
        self.quick_replies = message.quick_replies.clone();
    }

    /// The label of the quick reply with this value in the last bot message.
    pub(crate) fn label_of(&self, value: &str) -> Option<&str> {
        self.quick_replies
            .iter()
            .find(|q| q.value == value)
            .map(|q| q.label.as_str())
    }
}

/// A conversation's record with its state decoded, as read for one write.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// Milliseconds since the Unix epoch at creation.
    pub(crate) created_ms: u64,
    /// The seq of the conversation's last event when read.
    pub(crate) last_seq: u64,
    /// Its state.
    pub(crate) state: StoredState,
}

/// A conversation's typed state kept between its writes, under its turn lock (see `hub`), so
/// that a turn does not decode the stored record.
///
/// What is kept is believed only while the store's `last_seq` is the one it was kept at: a
/// write that bypasses the cache (a survey's events, which leave the state alone) appends
/// events, so it moves `last_seq` and the next read decodes the record again. A write that
/// changes the state without appending an event would go unnoticed, so every such write
/// (`conversation::request_agent`) goes through the cache. Its memory is bounded by the turn
/// lock's: the hub drops a conversation's entry with its last socket.
#[derive(Debug, Default)]
pub(crate) struct StateCache(Option<Loaded>);

impl StateCache {
    /// Takes the conversation's state out: the kept one if the store has not moved since,
    /// else the record decoded from the store (`None`: no such conversation). After a write,
    /// hand the new state back with [`StateCache::keep`]; after a failed one, do not: the
    /// next read decodes the record.
    pub(crate) fn take(&mut self, store: &dyn Store, id: &str) -> StoreResult<Option<Loaded>> {
        if let Some(kept) = self.0.take() {
            match store.last_seq(id)? {
                Some(last_seq) if last_seq == kept.last_seq => return Ok(Some(kept)),
                Some(_) => {}
                None => return Ok(None),
            }
        }
        Ok(store.conversation(id)?.map(|record| Loaded {
            created_ms: record.created_ms,
            last_seq: record.last_seq,
            state: StoredState::from_json(id, &record.state),
        }))
    }

    /// Keeps `loaded` for the next write; it must be the stored state as of its `last_seq`.
    pub(crate) fn keep(&mut self, loaded: Loaded) {
        self.0 = Some(loaded);
    }

    /// Whether a state is kept.
    #[cfg(test)]
    pub(crate) fn is_kept(&self) -> bool {
        self.0.is_some()
    }
}

/// A short digest of a client message's content (64 bits of SHA-256), stored with its client
/// id: the same id with other content is another message.
pub(crate) fn content_digest(content: &str) -> [u8; 8] {
    let mut digest = [0; 8];
    digest.copy_from_slice(&Sha256::digest(content.as_bytes())[..8]);
    digest
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use relais_store::MemoryStore;
    use serde_json::json;

    use super::*;
    use crate::test_support::greeting_bot_message;
    use crate::transcript::Event;

    #[test]
    fn the_encoded_state_reads_back_and_ignores_an_old_recent_list() {
        let mut state = StoredState::default();
        state.bot_said(&greeting_bot_message());
        state.turns = 3;
        let raw = state.to_raw();
        let json: serde_json::Value = serde_json::from_str(raw.get()).unwrap();
        assert_eq!(json, state.to_json());
        assert_eq!(StoredState::from_json("c", &json), state);
        let mut old = json;
        old["recent"] = serde_json::json!([{"id": "m1", "digest": "00", "seq": 2}]);
        assert_eq!(StoredState::from_json("c", &old), state);
    }

    #[test]
    fn digests_tell_contents_apart() {
        assert_eq!(
            content_digest("message\nBonjour"),
            content_digest("message\nBonjour")
        );
        assert_ne!(
            content_digest("message\nBonjour"),
            content_digest("message\nau revoir")
        );
    }

    #[test]
    fn state_knows_the_last_quick_replies() {
        let mut state = StoredState::default();
        state.bot_said(&greeting_bot_message());
        assert_eq!(state.label_of("topic:bill_explain"), Some("Ma facture"));
        assert_eq!(state.label_of("nope"), None);
        assert_eq!(state.lang, Some(Lang::Fr));
    }

    #[test]
    fn the_owner_is_stored_as_text() {
        for (owner, text) in [
            (Owner::Bot, "bot"),
            (Owner::Queue, "queue"),
            (Owner::Agent("alice".into()), "agent:alice"),
        ] {
            let state = StoredState {
                owner: owner.clone(),
                ..StoredState::default()
            };
            let json = state.to_json();
            assert_eq!(json["owner"], text);
            assert_eq!(StoredState::from_json("c", &json).owner, owner);
        }
        assert!(Owner::try_from("agent:".to_owned()).is_err());
        assert!(Owner::try_from("robot".to_owned()).is_err());
    }

    #[test]
    fn a_kept_state_is_believed_until_the_store_moves() {
        let store = MemoryStore::new();
        store
            .create_conversation("c", "h", &StoredState::default().to_json())
            .unwrap();
        let mut cache = StateCache::default();
        let mut loaded = cache.take(&store, "c").unwrap().unwrap();
        assert_eq!((loaded.last_seq, loaded.state.turns), (0, 0));
        // Kept as if written at seq 0 while the store still says 0 turns: only the cache can
        // answer 5.
        loaded.state.turns = 5;
        cache.keep(loaded);
        assert_eq!(cache.take(&store, "c").unwrap().unwrap().state.turns, 5);
        assert!(!cache.is_kept(), "taking empties the cache");

        let mut loaded = cache.take(&store, "c").unwrap().unwrap();
        loaded.state.turns = 5;
        cache.keep(loaded);
        let (_, durable) = store.append("c", vec![json!({"n": 1})], None).unwrap();
        drop(durable);
        let decoded = cache.take(&store, "c").unwrap().unwrap();
        assert_eq!(
            (decoded.last_seq, decoded.state.turns),
            (1, 0),
            "the store moved"
        );

        cache.keep(decoded);
        assert!(cache.take(&store, "missing").unwrap().is_none());
    }

    /// Runs `f` under a subscriber capturing WARN lines, and returns them.
    fn warnings(f: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        let bytes = lines.0.lock().unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[test]
    fn unreadable_records_are_logged_without_their_text() {
        let secret = "mon IBAN est FR7630006000011234567890189";
        let logs = warnings(|| {
            // serde's messages quote both: "invalid type: string \"mon IBAN…\", expected
            // u32" and "unknown variant `mon IBAN…`".
            let state = StoredState::from_json("c", &json!({"turns": secret}));
            assert_eq!(state, StoredState::default());
            let event = Event::from_json(4, &json!({"type": secret}));
            assert!(event.is_none());
        });
        assert!(logs.contains("unreadable state"), "{logs}");
        assert!(logs.contains("unknown shape"), "{logs}");
        assert!(!logs.contains("IBAN"), "customer text in the logs:\n{logs}");
    }

    #[test]
    fn unreadable_state_starts_afresh() {
        let state = StoredState::from_json("c", &serde_json::json!({"turns": "many"}));
        assert_eq!(state, StoredState::default());
        let old = StoredState::from_json("c", &serde_json::json!({}));
        assert_eq!(old, StoredState::default());
    }
}
