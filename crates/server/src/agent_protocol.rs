//! The advisor websocket protocol (`/agent/ws`): client frames decoded once into a tagged
//! enum, server frames encoded from one enum. `docs/protocol.md` ("Advisor socket") is the
//! prose version of this module.

use relais_store::{AgentRecord, StoredEvent};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ErrorCode, SessionError};
use crate::protocol::decode_tagged;
use crate::transcript::Event;

/// A frame sent by an advisor's panel.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum AgentClientFrame {
    /// Take a waiting conversation.
    Accept { conversation: String },
    /// Take over a conversation still with the bot.
    Takeover { conversation: String },
    /// Write to the customer.
    Message { conversation: String, text: String },
    /// The advisor is typing.
    Typing { conversation: String },
    /// Hand the conversation back to the bot.
    Release { conversation: String },
    /// End the chat (the bot takes the conversation back).
    Close { conversation: String },
    /// Flag the advisor's text as "this answer should become a FAQ" (lands in the inbox).
    FlagFaq {
        conversation: String,
        #[serde(default)]
        text: String,
    },
}

/// The `type` names of [`AgentClientFrame`]; those a customer socket does not know are
/// refused there as advisor-only (`protocol::decode`).
pub(crate) const AGENT_TYPES: [&str; 7] = [
    "accept", "takeover", "message", "typing", "release", "close", "flag_faq",
];

/// Decodes one advisor text frame.
pub(crate) fn decode_agent(text: &str) -> Result<AgentClientFrame, SessionError> {
    decode_tagged(text, &AGENT_TYPES)
}

impl AgentClientFrame {
    /// The conversation the frame is about.
    pub(crate) fn conversation(&self) -> &str {
        match self {
            AgentClientFrame::Accept { conversation }
            | AgentClientFrame::Takeover { conversation }
            | AgentClientFrame::Message { conversation, .. }
            | AgentClientFrame::Typing { conversation }
            | AgentClientFrame::Release { conversation }
            | AgentClientFrame::Close { conversation }
            | AgentClientFrame::FlagFaq { conversation, .. } => conversation,
        }
    }
}

/// An advisor as shown to themselves and in the admin API (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct AgentView {
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) langs: Vec<String>,
    pub(crate) skills: Vec<String>,
    pub(crate) capacity: u32,
}

impl From<&AgentRecord> for AgentView {
    fn from(record: &AgentRecord) -> AgentView {
        AgentView {
            name: record.name.clone(),
            display_name: record.display_name.clone(),
            langs: record.langs.clone(),
            skills: record.skills.clone(),
            capacity: record.capacity,
        }
    }
}

/// A suggested answer from the FAQ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Suggestion {
    pub(crate) intent: String,
    pub(crate) confidence: f32,
    pub(crate) text: String,
}

/// Who ended an advisor's chat, as told to the advisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChatEndedBy {
    Agent,
    Customer,
    Timeout,
}

/// A frame sent to an advisor's panel.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum AgentFrame<'a> {
    /// First frame: who the advisor is and the chats they hold.
    Hello {
        agent: &'a AgentView,
        chats: &'a [String],
    },
    /// The waiting conversations this advisor may take (at most the first few).
    Queue { items: Vec<Value>, total: usize },
    /// Bot conversations active lately, for a discreet takeover.
    Live { items: Vec<Value> },
    /// A conversation's stored events, on accept, takeover or reconnect.
    Transcript {
        conversation: &'a str,
        events: Vec<Value>,
        context: &'a Value,
    },
    /// A customer message of a held chat.
    Customer {
        conversation: &'a str,
        seq: u64,
        text: &'a str,
    },
    /// The customer is typing.
    CustomerTyping { conversation: &'a str },
    /// FAQ answers for the customer's latest message.
    Suggestions {
        conversation: &'a str,
        items: &'a [Suggestion],
    },
    /// The chat is no longer this advisor's.
    ChatEnded {
        conversation: &'a str,
        by: ChatEndedBy,
    },
    /// The advisor's message is durably stored as `seq`.
    Ack { conversation: &'a str, seq: u64 },
    /// The advisor's `flag_faq` is durably stored in the inbox as item `item`.
    Flagged { conversation: &'a str, item: u64 },
    /// A frame could not be handled.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        conversation: Option<&'a str>,
    },
}

impl AgentFrame<'_> {
    /// The frame as JSON text.
    pub(crate) fn encode(&self) -> String {
        // Invariant: every field is plain data (strings, numbers, JSON values), so
        // serialisation cannot fail; fall back to an internal error just in case.
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"encoding failed"}"#.to_owned()
        })
    }
}

/// Stored events as the advisor's transcript shows them: each one the frame the customer
/// receives (with `seq`), plus `at_ms`. Events this build cannot read are skipped.
pub(crate) fn transcript_events(events: &[StoredEvent]) -> Vec<Value> {
    events
        .iter()
        .filter_map(|stored| {
            let event = Event::from_json(stored.seq, &stored.body)?;
            let mut frame =
                serde_json::from_str::<Value>(&event.frame(stored.seq).encode()).ok()?;
            if let Value::Object(fields) = &mut frame {
                fields.insert("at_ms".to_owned(), Value::from(stored.at_ms));
            }
            Some(frame)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code_of(text: &str) -> &'static str {
        decode_agent(text).unwrap_err().code().as_str()
    }

    #[test]
    fn decodes_every_agent_frame() {
        assert_eq!(
            decode_agent(r#"{"type":"accept","conversation":"c1"}"#).unwrap(),
            AgentClientFrame::Accept {
                conversation: "c1".into()
            }
        );
        let message =
            decode_agent(r#"{"type":"message","conversation":"c1","text":"Bonjour"}"#).unwrap();
        assert_eq!(message.conversation(), "c1");
        assert_eq!(
            decode_agent(r#"{"type":"flag_faq","conversation":"c1"}"#).unwrap(),
            AgentClientFrame::FlagFaq {
                conversation: "c1".into(),
                text: String::new()
            }
        );
        assert_eq!(code_of("{"), "invalid_json");
        assert_eq!(code_of(r#"{"type":"dance"}"#), "unknown_type");
        assert_eq!(code_of(r#"{"type":"accept"}"#), "invalid_frame");
        assert_eq!(
            code_of(r#"{"type":"message","conversation":"c1"}"#),
            "invalid_frame"
        );
    }

    #[test]
    fn transcripts_show_customer_frames_with_times() {
        let events = [
            StoredEvent {
                seq: 2,
                at_ms: 1000,
                body: json!({"kind":"customer","text":"<b>hi</b>"}),
            },
            StoredEvent {
                seq: 3,
                at_ms: 1001,
                body: json!({"kind":"from_the_future"}),
            },
            StoredEvent {
                seq: 4,
                at_ms: 1002,
                body: json!({"kind":"agent","text":"Bonjour","agent":"Alice","name":"alice"}),
            },
        ];
        assert_eq!(
            transcript_events(&events),
            vec![
                json!({"type":"customer","seq":2,"text":"<b>hi</b>","at_ms":1000}),
                json!({"type":"agent","seq":4,"text":"Bonjour","agent":"Alice","at_ms":1002}),
            ]
        );
    }

    #[test]
    fn frames_encode_to_the_documented_shape() {
        assert_eq!(
            AgentFrame::Ack {
                conversation: "c1",
                seq: 9
            }
            .encode(),
            r#"{"type":"ack","conversation":"c1","seq":9}"#
        );
        assert_eq!(
            AgentFrame::ChatEnded {
                conversation: "c1",
                by: ChatEndedBy::Timeout
            }
            .encode(),
            r#"{"type":"chat_ended","conversation":"c1","by":"timeout"}"#
        );
        assert_eq!(
            AgentFrame::Error {
                code: ErrorCode::AlreadyTaken,
                message: "m".into(),
                conversation: Some("c1")
            }
            .encode(),
            r#"{"type":"error","code":"already_taken","message":"m","conversation":"c1"}"#
        );
    }
}
