//! The customer websocket protocol: client frames decoded once into a tagged enum, server frames
//! encoded from one enum. `docs/protocol.md` is the prose version of this module.
//!
//! Decoding is pure (text in, frame or [`SessionError`] out) so that every malformed input can
//! be unit-tested without a socket. Unknown fields are ignored so that clients may add some.

use relais_engine::{Outcome, QuickReply};
use relais_nlu::Lang;
use serde::{Deserialize, Serialize};

use crate::agent_protocol::AGENT_TYPES;
use crate::error::{ErrorCode, SessionError};
use crate::survey::{EndReason, SurveyAnswer, SurveyQuestion};

/// Longest client message id accepted, in characters.
pub(crate) const MAX_CLIENT_ID_CHARS: usize = 64;
/// Longest quick-reply value accepted, in characters.
pub(crate) const MAX_CHOICE_CHARS: usize = 200;
/// Longest decoder explanation echoed in an `error` frame, in characters: serde quotes the
/// offending value, which must not come back whole (a frame may be 64 KiB).
const MAX_DETAIL_CHARS: usize = 200;

/// A frame sent by the client.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ClientFrame {
    /// Opens or resumes a conversation; must come first.
    Hello {
        lang: Option<Lang>,
        resume: Option<String>,
        last_seq: Option<u64>,
        /// The advisor the customer asks for by name, should they be handed over.
        requested_agent: Option<String>,
    },
    /// Free text typed by the customer.
    Message { text: String, id: Option<String> },
    /// A quick reply was clicked.
    Choice { value: String, id: Option<String> },
    /// The callback/message form.
    Callback {
        name: String,
        contact: String,
        #[serde(default)]
        message: String,
        consent: Option<bool>,
        id: Option<String>,
    },
    /// The customer leaves the advisor queue (or ends the chat with their advisor).
    LeaveQueue {},
    /// The customer is typing (forwarded to their advisor, never stored).
    Typing {},
    /// The customer ends the chat (the widget's close button).
    End { id: Option<String> },
    /// The customer answers (or skips) the effort survey.
    Survey {
        score: Option<i64>,
        comment: Option<String>,
        skipped: Option<bool>,
        id: Option<String>,
    },
}

/// The `type` names of [`ClientFrame`], to tell an unknown type from a malformed known one.
const CLIENT_TYPES: [&str; 8] = [
    "hello",
    "message",
    "choice",
    "callback",
    "leave_queue",
    "typing",
    "end",
    "survey",
];

/// Decodes one customer text frame; the error says which wire code applies. A type only the
/// advisors' socket knows is refused with its own code, so that a probe learns it is refused,
/// not misspelled.
pub(crate) fn decode(text: &str) -> Result<ClientFrame, SessionError> {
    decode_tagged(text, &CLIENT_TYPES).map_err(|err| match err {
        // An unknown type here is none of `CLIENT_TYPES`: an advisor type is advisor-only.
        SessionError::UnknownType(kind) if AGENT_TYPES.contains(&kind.as_str()) => {
            SessionError::AgentOnly(kind)
        }
        other => other,
    })
}

/// Decodes a JSON object tagged by `type` whose known tags are `types`, telling invalid JSON,
/// an unknown type and a malformed frame of a known type apart.
pub(crate) fn decode_tagged<T: serde::de::DeserializeOwned>(
    text: &str,
    types: &[&str],
) -> Result<T, SessionError> {
    let err = match serde_json::from_str::<T>(text) {
        Ok(frame) => return Ok(frame),
        Err(err) => err,
    };
    if err.is_syntax() || err.is_eof() || err.is_io() {
        return Err(SessionError::InvalidJson(err.to_string()));
    }
    // Only on the error path: look at `type` alone to choose between the two codes.
    #[derive(Deserialize)]
    struct Envelope {
        #[serde(rename = "type")]
        kind: Option<serde_json::Value>,
    }
    match serde_json::from_str::<Envelope>(text) {
        Ok(Envelope {
            kind: Some(serde_json::Value::String(kind)),
        }) if !types.contains(&kind.as_str()) => {
            Err(SessionError::UnknownType(kind.chars().take(40).collect()))
        }
        Ok(Envelope { kind: None }) => Err(SessionError::InvalidFrame(
            "every frame needs a `type` field".to_owned(),
        )),
        Ok(Envelope {
            kind: Some(serde_json::Value::String(_)),
        }) => Err(SessionError::InvalidFrame(
            err.to_string().chars().take(MAX_DETAIL_CHARS).collect(),
        )),
        _ => Err(SessionError::InvalidFrame(
            "a frame is a JSON object with a string `type`".to_owned(),
        )),
    }
}

/// Checks a client message id: at most [`MAX_CLIENT_ID_CHARS`] characters.
pub(crate) fn check_client_id(id: Option<&str>) -> Result<(), SessionError> {
    match id {
        Some(id) if id.chars().count() > MAX_CLIENT_ID_CHARS => Err(SessionError::InvalidFrame(
            format!("`id` is longer than {MAX_CLIENT_ID_CHARS} characters"),
        )),
        _ => Ok(()),
    }
}

/// Checks a customer text: not blank, at most `limit` characters.
pub(crate) fn check_text(text: &str, limit: usize) -> Result<(), SessionError> {
    if text.trim().is_empty() {
        return Err(SessionError::EmptyText);
    }
    if text.chars().count() > limit {
        return Err(SessionError::TextTooLong { limit });
    }
    Ok(())
}

/// A form the client should show with a bot message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Form {
    /// The callback/message form, answered with a `callback` frame.
    Callback,
}

/// What the bot says in one turn, as stored in the transcript and sent in `bot` frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct BotMessage {
    pub(crate) text: String,
    pub(crate) intent: Option<String>,
    pub(crate) confidence: f32,
    pub(crate) outcome: Outcome,
    #[serde(default)]
    pub(crate) quick_replies: Vec<QuickReply>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) form: Option<Form>,
    pub(crate) lang: Lang,
}

/// Where a handoff stands, as stored in `handoff` events and sent to the customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HandoffState {
    /// Waiting in the advisor queue.
    Queued,
    /// An advisor owns the conversation.
    Assigned,
    /// The advisor chat ended; the bot has the conversation back.
    Ended,
    /// No advisor can chat now; the callback form follows.
    Unavailable,
    /// The advisor handed the conversation back to the bot.
    Returned,
}

/// Who ended an advisor chat or a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EndedBy {
    /// The advisor closed it.
    Agent,
    /// The customer left.
    Customer,
}

/// Why no advisor can chat now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Unavailable {
    /// No advisor for the conversation's language (and skill) is online.
    NoAgent,
    /// Outside the configured opening hours.
    Closed,
    /// The estimated wait is above the configured limit.
    WaitTooLong,
    /// The queue is full.
    QueueFull,
}

/// A change of hands of a conversation: the body of `handoff` events and frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct HandoffEvent {
    pub(crate) state: HandoffState,
    /// Place in the queue (1 is next), when queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) position: Option<u64>,
    /// Estimated wait in seconds, when queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) eta_s: Option<u64>,
    /// The advisor's display name, when assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) agent: Option<String>,
    /// Who ended the chat or the wait, when ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) by: Option<EndedBy>,
    /// Why no advisor can chat, when unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) why: Option<Unavailable>,
    /// Set when the conversation went back to the queue because its advisor left.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) requeued: bool,
}

impl HandoffEvent {
    fn new(state: HandoffState) -> HandoffEvent {
        HandoffEvent {
            state,
            position: None,
            eta_s: None,
            agent: None,
            by: None,
            why: None,
            requeued: false,
        }
    }

    /// Queued at `position` with an estimated wait of `eta_s`.
    pub(crate) fn queued(position: u64, eta_s: u64, requeued: bool) -> HandoffEvent {
        HandoffEvent {
            position: Some(position),
            eta_s: Some(eta_s),
            requeued,
            ..HandoffEvent::new(HandoffState::Queued)
        }
    }

    /// Taken by the advisor shown as `display_name`.
    pub(crate) fn assigned(display_name: &str) -> HandoffEvent {
        HandoffEvent {
            agent: Some(display_name.to_owned()),
            ..HandoffEvent::new(HandoffState::Assigned)
        }
    }

    /// Ended by `by`.
    pub(crate) fn ended(by: EndedBy) -> HandoffEvent {
        HandoffEvent {
            by: Some(by),
            ..HandoffEvent::new(HandoffState::Ended)
        }
    }

    /// Handed back to the bot by the advisor.
    pub(crate) fn returned() -> HandoffEvent {
        HandoffEvent::new(HandoffState::Returned)
    }

    /// No advisor can chat, because of `why`.
    pub(crate) fn unavailable(why: Unavailable) -> HandoffEvent {
        HandoffEvent {
            why: Some(why),
            ..HandoffEvent::new(HandoffState::Unavailable)
        }
    }
}

/// A frame sent by the server.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum ServerFrame<'a> {
    /// Answer to `hello`.
    Welcome {
        conversation: &'a str,
        resume: &'a str,
        seq: u64,
        resumed: bool,
    },
    /// A customer message event (replay, or another socket of the conversation).
    Customer {
        seq: u64,
        text: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        choice: Option<&'a str>,
    },
    /// The customer's message or form is durably stored as event `seq`.
    Ack {
        seq: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// A bot message event.
    Bot {
        seq: u64,
        #[serde(flatten)]
        message: &'a BotMessage,
    },
    /// A callback form event (replay, or another socket of the conversation).
    Callback {
        seq: u64,
        ticket: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// An advisor's message event.
    Agent {
        seq: u64,
        text: &'a str,
        agent: &'a str,
    },
    /// A handoff event: the conversation changed hands.
    Handoff {
        seq: u64,
        #[serde(flatten)]
        handoff: &'a HandoffEvent,
    },
    /// The waiting customer's place and estimated wait changed (live only).
    QueueUpdate { position: u64, eta_s: u64 },
    /// The advisor is typing (live only).
    AgentTyping {},
    /// The chat ended (an `end` event).
    End { seq: u64, by: EndReason },
    /// The effort survey is asked (a `survey` event).
    Survey {
        seq: u64,
        #[serde(flatten)]
        question: &'a SurveyQuestion,
    },
    /// The customer's answer to the survey (replay, or another socket of the conversation).
    SurveyAnswer {
        seq: u64,
        #[serde(flatten)]
        answer: &'a SurveyAnswer,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
    /// A frame could not be handled.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
    },
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl ServerFrame<'_> {
    /// The frame's type and seq, for logs (never the text).
    pub(crate) fn describe(&self) -> String {
        match self {
            ServerFrame::Welcome { seq, .. } => format!("welcome {seq}"),
            ServerFrame::Customer { seq, .. } => format!("customer {seq}"),
            ServerFrame::Ack { seq, .. } => format!("ack {seq}"),
            ServerFrame::Bot { seq, .. } => format!("bot {seq}"),
            ServerFrame::Callback { seq, .. } => format!("callback {seq}"),
            ServerFrame::Agent { seq, .. } => format!("agent {seq}"),
            ServerFrame::Handoff { seq, handoff } => format!("handoff {seq} {:?}", handoff.state),
            ServerFrame::QueueUpdate { position, .. } => format!("queue_update {position}"),
            ServerFrame::AgentTyping {} => "agent_typing".to_owned(),
            ServerFrame::End { seq, .. } => format!("end {seq}"),
            ServerFrame::Survey { seq, .. } => format!("survey {seq}"),
            ServerFrame::SurveyAnswer { seq, .. } => format!("survey_answer {seq}"),
            ServerFrame::Error { code, .. } => format!("error {}", code.as_str()),
        }
    }

    /// The frame as JSON text.
    pub(crate) fn encode(&self) -> String {
        // Invariant: every field is a string, number, bool or a derived struct of those, so
        // serialisation to a String cannot fail; fall back to an internal error just in case.
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"internal","message":"encoding failed"}"#.to_owned()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(text: &str) -> &'static str {
        decode(text).unwrap_err().code().as_str()
    }

    #[test]
    fn decodes_every_client_frame() {
        assert_eq!(
            decode(r#"{"type":"hello","lang":"en","resume":"abc","last_seq":3}"#).unwrap(),
            ClientFrame::Hello {
                lang: Some(Lang::En),
                resume: Some("abc".into()),
                last_seq: Some(3),
                requested_agent: None,
            }
        );
        assert_eq!(
            decode(r#"{"type":"hello"}"#).unwrap(),
            ClientFrame::Hello {
                lang: None,
                resume: None,
                last_seq: None,
                requested_agent: None,
            }
        );
        assert_eq!(
            decode(r#"{"type":"hello","requested_agent":"Alice"}"#).unwrap(),
            ClientFrame::Hello {
                lang: None,
                resume: None,
                last_seq: None,
                requested_agent: Some("Alice".into()),
            }
        );
        assert_eq!(
            decode(r#"{"type":"leave_queue"}"#).unwrap(),
            ClientFrame::LeaveQueue {}
        );
        assert_eq!(
            decode(r#"{"type":"typing","extra":true}"#).unwrap(),
            ClientFrame::Typing {}
        );
        assert_eq!(
            decode(r#"{"type":"message","text":"Bonjour","id":"c1","extra":1}"#).unwrap(),
            ClientFrame::Message {
                text: "Bonjour".into(),
                id: Some("c1".into())
            }
        );
        assert_eq!(
            decode(r#"{"type":"choice","value":"human"}"#).unwrap(),
            ClientFrame::Choice {
                value: "human".into(),
                id: None
            }
        );
        assert_eq!(
            decode(r#"{"type":"callback","name":"A","contact":"a@b.fr","consent":true}"#).unwrap(),
            ClientFrame::Callback {
                name: "A".into(),
                contact: "a@b.fr".into(),
                message: String::new(),
                consent: Some(true),
                id: None
            }
        );
    }

    #[test]
    fn malformed_frames_get_the_right_code() {
        assert_eq!(code_of("{not json"), "invalid_json");
        assert_eq!(code_of(""), "invalid_json");
        assert_eq!(code_of(r#"{"type":"dance"}"#), "unknown_type");
        assert_eq!(code_of(r#"{"text":"hi"}"#), "invalid_frame");
        assert_eq!(code_of(r#"{"type":3}"#), "invalid_frame");
        assert_eq!(code_of(r#"{"type":"message"}"#), "invalid_frame");
        assert_eq!(code_of(r#"{"type":"message","text":5}"#), "invalid_frame");
        assert_eq!(code_of(r#"{"type":"hello","lang":"de"}"#), "invalid_frame");
        assert_eq!(
            code_of(r#"{"type":"hello","last_seq":-1}"#),
            "invalid_frame"
        );
        assert_eq!(code_of("[1,2]"), "invalid_frame");
        assert_eq!(code_of("\"hello\""), "invalid_frame");
    }

    #[test]
    fn unknown_type_is_echoed_truncated() {
        let long = "x".repeat(500);
        let err = decode(&format!(r#"{{"type":"{long}"}}"#)).unwrap_err();
        assert!(err.to_string().len() < 100);
    }

    #[test]
    fn issue_7_malformed_values_are_echoed_truncated() {
        // Found by fuzzing: serde quotes the bad value, so the error frame echoed it whole.
        let long = "x".repeat(500);
        for frame in [
            format!(r#"{{"type":"hello","lang":"{long}"}}"#),
            format!(r#"{{"type":"hello","last_seq":"{long}"}}"#),
        ] {
            let err = decode(&frame).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidFrame);
            let message = err.client_message();
            assert!(
                message.contains("xxxx"),
                "still says what was wrong: {message}"
            );
            assert!(message.chars().count() <= 250, "{message}");
        }
    }

    #[test]
    fn text_checks() {
        assert!(check_text("Bonjour", 10).is_ok());
        assert_eq!(
            check_text("  \n", 10).unwrap_err().code().as_str(),
            "empty_text"
        );
        assert_eq!(
            check_text("ééééé", 4).unwrap_err().code().as_str(),
            "text_too_long"
        );
        assert!(
            check_text("ééééé", 5).is_ok(),
            "the limit counts characters"
        );
        assert!(check_client_id(Some(&"a".repeat(64))).is_ok());
        assert!(check_client_id(Some(&"a".repeat(65))).is_err());
    }

    #[test]
    fn server_frames_encode_to_the_documented_shape() {
        let bot = BotMessage {
            text: "Hi".into(),
            intent: None,
            confidence: 0.5,
            outcome: Outcome::Fallback,
            quick_replies: vec![QuickReply {
                label: "Advisor".into(),
                value: "human".into(),
            }],
            form: Some(Form::Callback),
            lang: Lang::En,
        };
        let json: serde_json::Value = serde_json::from_str(
            &ServerFrame::Bot {
                seq: 2,
                message: &bot,
            }
            .encode(),
        )
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type":"bot","seq":2,"text":"Hi","intent":null,"confidence":0.5,
                "outcome":"fallback","quick_replies":[{"label":"Advisor","value":"human"}],
                "form":"callback","lang":"en"})
        );
        let err = ServerFrame::Error {
            code: ErrorCode::EmptyText,
            message: "m".into(),
            id: Some("c1"),
        };
        assert_eq!(
            err.encode(),
            r#"{"type":"error","code":"empty_text","message":"m","id":"c1"}"#
        );
        assert_eq!(
            ServerFrame::Ack { seq: 4, id: None }.encode(),
            r#"{"type":"ack","seq":4}"#
        );
        assert_eq!(
            ServerFrame::Handoff {
                seq: 5,
                handoff: &HandoffEvent::queued(1, 120, false)
            }
            .encode(),
            r#"{"type":"handoff","seq":5,"state":"queued","position":1,"eta_s":120}"#
        );
        assert_eq!(
            ServerFrame::Handoff {
                seq: 6,
                handoff: &HandoffEvent::unavailable(Unavailable::NoAgent)
            }
            .encode(),
            r#"{"type":"handoff","seq":6,"state":"unavailable","why":"no_agent"}"#
        );
        assert_eq!(
            ServerFrame::QueueUpdate {
                position: 2,
                eta_s: 60
            }
            .encode(),
            r#"{"type":"queue_update","position":2,"eta_s":60}"#
        );
        assert_eq!(
            ServerFrame::AgentTyping {}.encode(),
            r#"{"type":"agent_typing"}"#
        );
    }

    #[test]
    fn advisor_frames_are_refused_as_agent_only() {
        let advisor_only: Vec<&str> = AGENT_TYPES
            .into_iter()
            .filter(|kind| !CLIENT_TYPES.contains(kind))
            .collect();
        assert_eq!(
            advisor_only,
            ["accept", "takeover", "release", "close", "flag_faq"]
        );
        for kind in advisor_only {
            let frame = format!(r#"{{"type":"{kind}","conversation":"c"}}"#);
            assert_eq!(code_of(&frame), "agent_only", "{kind}");
        }
        // Types both sockets know are judged as customer frames.
        let frame = r#"{"type":"message","conversation":"c"}"#;
        assert_eq!(code_of(frame), "invalid_frame");
        assert_eq!(code_of(r#"{"type":"dance"}"#), "unknown_type");
    }
}
