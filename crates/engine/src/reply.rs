//! What crosses the engine's boundary each turn: the customer [`Turn`] in, the bot [`Reply`] out.
//!
//! These types are the contract the server serialises onto the wire (see `docs/protocol.md`), so
//! fields and variants may be added but never renamed.

use relais_nlu::Lang;
use serde::{Deserialize, Serialize};

/// One customer turn.
#[derive(Clone, Debug, PartialEq)]
pub enum Turn {
    /// Free text typed by the customer.
    Message(String),
    /// The `value` of a quick reply the customer clicked.
    Choice(String),
}

/// The kind of bot turn, as sent on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// An answer from the FAQ.
    Answer,
    /// A question with choices: a clarification between intents, or a menu of topics.
    Clarify,
    /// Not understood.
    Fallback,
    /// Greeting, thanks, goodbye.
    Smalltalk,
    /// An offer to talk to an advisor; the customer has not accepted yet.
    HandoffOffer,
    /// The customer asked for an advisor or accepted an offer: [`Reply::handoff`] is set.
    Handoff,
}

/// A quick-reply button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    /// Text on the button, in the conversation's language.
    pub label: String,
    /// Value sent back as a [`Turn::Choice`] (vocabulary in the crate docs).
    pub value: String,
}

/// Why a handoff was offered or requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// Several misunderstandings in a row.
    Misunderstandings,
    /// The customer is frustrated.
    Frustration,
    /// The customer asked for a human.
    Explicit,
    /// The bot understood but cannot serve the need: no answer text for the intent, or none of
    /// the offered topics fits.
    NotCovered,
}

/// What the server must do next about a human advisor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Handoff {
    /// The customer accepted: connect them to an advisor, or (none available) show the
    /// callback/message form.
    Requested {
        /// Why the handoff happened.
        reason: HandoffReason,
    },
}

/// The bot's reply to one customer turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Text to show, in the conversation's language.
    pub text: String,
    /// The intent acted on, if any.
    pub intent: Option<String>,
    /// Confidence of that intent in `[0, 1]` (0 when none).
    pub confidence: f32,
    /// Kind of turn.
    pub outcome: Outcome,
    /// Buttons offered.
    pub quick_replies: Vec<QuickReply>,
    /// Language of the reply.
    pub lang: Lang,
    /// Set when the server must start a handoff.
    pub handoff: Option<Handoff>,
}
