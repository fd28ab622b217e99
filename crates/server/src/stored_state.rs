//! The server's part of a conversation's stored state, wrapped around the engine's own.
//!
//! Besides the dialogue state it keeps what the server needs across sockets and restarts: the
//! conversation's language, the last quick replies (to store a click as its label) and recent
//! client message ids (to recognise a message resent after its `ack` was lost). It also holds
//! who owns the conversation (bot, queue or one advisor): the single source of truth for "the
//! bot never answers while a human owns the chat", read and written under the turn lock.

use relais_engine::QuickReply;
use relais_nlu::Lang;
use relais_store::QueueEntry;
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
    /// Recent client messages, newest last, to recognise a resent one.
    #[serde(default)]
    recent: Vec<Recent>,
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

/// A recently stored client message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Recent {
    /// The client's id for it.
    id: String,
    /// A digest of its content: the same id with other content is another message.
    digest: String,
    /// The seq it was stored as.
    seq: u64,
}

/// How many client messages are remembered to recognise one resent after a lost `ack`.
const RECENT: usize = 32;

impl StoredState {
    /// Reads the stored state; an unreadable one (logged) restarts the dialogue state rather
    /// than the conversation.
    pub(crate) fn from_json(id: &str, value: &serde_json::Value) -> StoredState {
        match StoredState::deserialize(value) {
            Ok(state) => state,
            Err(err) => {
                tracing::warn!(conversation = id, error = %err, "unreadable state; starting afresh");
                StoredState::default()
            }
        }
    }

    /// The state as stored.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        // Invariant: plain derived data always converts to a JSON value.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The seq a recent message with this client id and content was stored as.
    pub(crate) fn seq_of(&self, client_id: &str, content: &str) -> Option<u64> {
        let digest = digest(content);
        self.recent
            .iter()
            .rev()
            .find(|r| r.id == client_id && r.digest == digest)
            .map(|r| r.seq)
    }

    /// Remembers that a message with this client id and content is stored as `seq`.
    pub(crate) fn remember(&mut self, client_id: &str, content: &str, seq: u64) {
        self.recent.retain(|r| r.id != client_id);
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push(Recent {
            id: client_id.to_owned(),
            digest: digest(content),
            seq,
        });
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

/// A short digest of a message's content (64 bits of SHA-256, hex).
fn digest(content: &str) -> String {
    Sha256::digest(content.as_bytes())[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::greeting_bot_message;

    #[test]
    fn state_remembers_a_bounded_number_of_messages() {
        let mut state = StoredState::default();
        for seq in 0..100u64 {
            state.remember(&format!("id{seq}"), "hi", seq);
        }
        assert_eq!(state.seq_of("id99", "hi"), Some(99));
        assert_eq!(state.seq_of("id0", "hi"), None);
        assert_eq!(state.recent.len(), RECENT);
        let back = StoredState::from_json("c", &state.to_json());
        assert_eq!(back, state);
    }

    #[test]
    fn the_same_id_with_other_content_is_another_message() {
        let mut state = StoredState::default();
        state.remember("m1", "Bonjour", 2);
        assert_eq!(state.seq_of("m1", "Bonjour"), Some(2));
        assert_eq!(state.seq_of("m1", "au revoir"), None);
        state.remember("m1", "au revoir", 8);
        assert_eq!(state.seq_of("m1", "au revoir"), Some(8));
        assert_eq!(state.seq_of("m1", "Bonjour"), None, "the newest wins");
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
    fn unreadable_state_starts_afresh() {
        let state = StoredState::from_json("c", &serde_json::json!({"recent": 5}));
        assert_eq!(state, StoredState::default());
        let old = StoredState::from_json("c", &serde_json::json!({}));
        assert_eq!(old, StoredState::default());
    }
}
