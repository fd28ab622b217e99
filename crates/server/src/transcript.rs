//! Transcript events as the server stores them, and the wire frame each one replays as.
//!
//! The store keeps events as opaque JSON; this module owns their shape. Every stored event has
//! a wire frame, so that a replay is exactly the stored events, none missing. An event this
//! build cannot read (written by a newer one) is skipped with a warning rather than ending the
//! replay.

use relais_engine::HandoffReason;
use serde::{Deserialize, Serialize};

use crate::protocol::{BotMessage, HandoffEvent, ServerFrame};
use crate::survey::{EndReason, SurveyAnswer, SurveyContext, SurveyQuestion};

/// One event of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Event {
    /// The customer typed a message or clicked a quick reply.
    Customer {
        /// What the customer said; for a click, the button's label.
        text: String,
        /// The client's id for the message, used to recognise a resent message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// For a click, the quick reply's value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        choice: Option<String>,
    },
    /// The bot spoke.
    Bot {
        #[serde(flatten)]
        message: BotMessage,
        /// Set when this message carried out a handoff decision of the engine.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        handoff: Option<HandoffReason>,
    },
    /// The customer filled the callback form; the details live in the ticket.
    Callback {
        /// The ticket created in the store.
        ticket: String,
        /// The client's id for the form.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
    /// An advisor wrote to the customer.
    Agent {
        /// What the advisor wrote.
        text: String,
        /// The advisor's display name, as the customer sees it.
        agent: String,
        /// The advisor's login name (kept for the record, never sent to the customer).
        name: String,
    },
    /// The conversation changed hands (bot, queue, advisor) or could not.
    Handoff {
        #[serde(flatten)]
        handoff: HandoffEvent,
        /// The advisor's login name, when one is involved (never sent to the customer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// The chat ended: closed by the customer or the advisor, or idle.
    End {
        /// How it ended.
        by: EndReason,
    },
    /// The Customer Effort Score question was asked.
    Survey {
        #[serde(flatten)]
        question: SurveyQuestion,
        /// How the chat it is about ended.
        by: EndReason,
    },
    /// The customer answered (or skipped) the latest survey.
    SurveyAnswer {
        #[serde(flatten)]
        answer: SurveyAnswer,
        /// What the answer is about, for analytics (never sent to the customer).
        #[serde(flatten)]
        context: SurveyContext,
        /// The client's id for the answer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

impl Event {
    /// The event as stored.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        // Invariant: the event is made of strings, numbers and derived enums, which always
        // convert to a JSON value.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Reads a stored event; `None` (logged) when this build does not know its shape.
    pub(crate) fn from_json(seq: u64, body: &serde_json::Value) -> Option<Event> {
        match Event::deserialize(body) {
            Ok(event) => Some(event),
            Err(err) => {
                // The error's kind only: serde's message can quote the customer's text.
                tracing::warn!(
                    seq,
                    category = ?err.classify(),
                    "skipping a transcript event of unknown shape"
                );
                None
            }
        }
    }

    /// The frame this event is shown as to a socket that did not cause it.
    pub(crate) fn frame(&self, seq: u64) -> ServerFrame<'_> {
        match self {
            Event::Customer { text, id, choice } => ServerFrame::Customer {
                seq,
                text,
                id: id.as_deref(),
                choice: choice.as_deref(),
            },
            Event::Bot { message, .. } => ServerFrame::Bot { seq, message },
            Event::Callback { ticket, id } => ServerFrame::Callback {
                seq,
                ticket,
                id: id.as_deref(),
            },
            Event::Agent { text, agent, .. } => ServerFrame::Agent { seq, text, agent },
            Event::Handoff { handoff, .. } => ServerFrame::Handoff { seq, handoff },
            Event::End { by } => ServerFrame::End { seq, by: *by },
            Event::Survey { question, .. } => ServerFrame::Survey { seq, question },
            Event::SurveyAnswer { answer, id, .. } => ServerFrame::SurveyAnswer {
                seq,
                answer,
                id: id.as_deref(),
            },
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::test_support::greeting_bot_message;

    #[test]
    fn events_round_trip_through_json() {
        let events = [
            Event::Customer {
                text: "Bonjour".into(),
                id: Some("c1".into()),
                choice: None,
            },
            Event::Bot {
                message: greeting_bot_message(),
                handoff: Some(HandoffReason::Explicit),
            },
            Event::Callback {
                ticket: "t1".into(),
                id: None,
            },
            Event::Agent {
                text: "Je regarde".into(),
                agent: "Alice".into(),
                name: "alice".into(),
            },
            Event::Handoff {
                handoff: HandoffEvent::queued(2, 240, false),
                name: None,
            },
        ];
        for event in events {
            assert_eq!(Event::from_json(1, &event.to_json()), Some(event));
        }
    }

    #[test]
    fn unknown_events_are_skipped_not_fatal() {
        assert_eq!(
            Event::from_json(1, &serde_json::json!({"kind":"agent","text":"hi"})),
            None
        );
    }

    #[test]
    fn advisor_events_show_without_the_login_name() {
        let agent = Event::Agent {
            text: "Bonjour".into(),
            agent: "Alice".into(),
            name: "alice.m".into(),
        };
        assert_eq!(
            agent.frame(7).encode(),
            r#"{"type":"agent","seq":7,"text":"Bonjour","agent":"Alice"}"#
        );
        let assigned = Event::Handoff {
            handoff: HandoffEvent::assigned("Alice"),
            name: Some("alice.m".into()),
        };
        assert_eq!(
            assigned.frame(8).encode(),
            r#"{"type":"handoff","seq":8,"state":"assigned","agent":"Alice"}"#
        );
        assert_eq!(Event::from_json(8, &assigned.to_json()), Some(assigned));
    }

    #[test]
    fn replayed_customer_event_shows_as_customer_frame() {
        let event = Event::Customer {
            text: "Label".into(),
            id: None,
            choice: Some("v".into()),
        };
        assert_eq!(
            event.frame(3).encode(),
            r#"{"type":"customer","seq":3,"text":"Label","choice":"v"}"#
        );
    }
}
