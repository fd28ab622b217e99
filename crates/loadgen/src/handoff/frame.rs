//! The server frames the handoff workload reads, customer and advisor side, decoded once into
//! one flat struct (unknown fields and types are ignored, as the protocol asks), and the
//! customer's way into the queue as a pure decision per frame.

use serde::Deserialize;

/// The fields of a server frame the workload looks at.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Frame {
    /// `type`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// `handoff` state: `queued`, `assigned`, `unavailable`, `ended`, `returned`.
    pub(crate) state: Option<String>,
    /// `bot` outcome.
    pub(crate) outcome: Option<String>,
    /// `bot` form (`callback`).
    pub(crate) form: Option<String>,
    /// Message text (`agent`, advisor-side `customer`).
    pub(crate) text: Option<String>,
    /// Conversation id (`welcome`, advisor frames).
    pub(crate) conversation: Option<String>,
    /// `error` code.
    pub(crate) code: Option<String>,
    /// Why a handoff is `unavailable`.
    pub(crate) why: Option<String>,
}

impl Frame {
    /// Decodes one text frame.
    pub(crate) fn parse(text: &str) -> Result<Frame, String> {
        serde_json::from_str(text).map_err(|err| format!("invalid server frame: {err}"))
    }
}

/// What a customer asking for a human does with the next frame.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing: keep reading (`ack`, the bot's transfer message, live frames).
    Wait,
    /// The bot offers an advisor: click `handoff:yes`.
    Accept,
    /// The conversation is queued.
    Queued,
    /// It failed, with a label for the report (`unavailable:no_agent`, `server:...`, ...).
    Failed(String),
}

/// The customer's step on `frame` while waiting for the answer to its handoff request.
pub(crate) fn handoff_step(frame: &Frame) -> Step {
    match (frame.kind.as_str(), frame.outcome.as_deref()) {
        ("handoff", _) => match frame.state.as_deref() {
            Some("queued") => Step::Queued,
            Some("unavailable") => Step::Failed(format!(
                "unavailable:{}",
                frame.why.as_deref().unwrap_or("unknown")
            )),
            other => Step::Failed(format!("handoff:{}", other.unwrap_or("unknown"))),
        },
        ("bot", Some("handoff_offer")) => Step::Accept,
        ("bot", Some("handoff")) if frame.form.is_none() => Step::Wait,
        ("bot", outcome) => Step::Failed(format!("bot:{}", outcome.unwrap_or("unknown"))),
        ("error", _) => Step::Failed(format!(
            "server:{}",
            frame.code.as_deref().unwrap_or("unknown")
        )),
        _ => Step::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(json: &str) -> Step {
        handoff_step(&Frame::parse(json).expect("frame"))
    }

    #[test]
    fn the_way_into_the_queue() {
        assert_eq!(step(r#"{"type":"ack","seq":3,"id":"h"}"#), Step::Wait);
        assert_eq!(
            step(r#"{"type":"bot","seq":4,"outcome":"handoff_offer","quick_replies":[]}"#),
            Step::Accept
        );
        assert_eq!(
            step(r#"{"type":"bot","seq":4,"outcome":"handoff","text":"je transfère"}"#),
            Step::Wait
        );
        assert_eq!(
            step(r#"{"type":"handoff","seq":5,"state":"queued","position":3,"eta_s":80}"#),
            Step::Queued
        );
    }

    #[test]
    fn refusals_are_labelled() {
        assert_eq!(
            step(r#"{"type":"handoff","seq":5,"state":"unavailable","why":"queue_full"}"#),
            Step::Failed("unavailable:queue_full".to_owned())
        );
        assert_eq!(
            step(r#"{"type":"bot","outcome":"handoff","form":"callback"}"#),
            Step::Failed("bot:handoff".to_owned())
        );
        assert_eq!(
            step(r#"{"type":"bot","outcome":"answer"}"#),
            Step::Failed("bot:answer".to_owned())
        );
        assert_eq!(
            step(r#"{"type":"error","code":"internal","message":"x"}"#),
            Step::Failed("server:internal".to_owned())
        );
    }

    #[test]
    fn unknown_fields_and_types_are_ignored() {
        let frame = Frame::parse(r#"{"type":"queue_update","position":2,"new":true}"#);
        assert_eq!(frame.expect("frame").kind, "queue_update");
        assert_eq!(step(r#"{"type":"something_new"}"#), Step::Wait);
        assert!(Frame::parse("not json").is_err());
    }
}
