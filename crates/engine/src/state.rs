//! The per-conversation state the server persists between turns.
//!
//! Every field has a default and the struct is `#[serde(default)]`, so a state saved by an older
//! version (or an empty object) still loads, and a newer field added later does too.

use std::collections::BTreeMap;

use relais_nlu::Lang;
use serde::{Deserialize, Serialize};

use crate::reply::HandoffReason;

/// The state of one conversation, serialisable so that it survives restarts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConversationState {
    /// Language of the conversation, once known.
    pub lang: Option<Lang>,
    /// Misunderstandings since the last understood turn or handoff offer.
    pub misunderstanding_streak: u32,
    /// Misunderstandings over the whole conversation (for analytics).
    pub misunderstandings: u32,
    /// Customer messages that showed frustration (for analytics).
    pub frustration_count: u32,
    /// What the bot asked or said last, which a typed "yes"/"no" answers.
    pub pending: Option<Pending>,
    /// Index of the variant last used per line (`line:<name>`) or answer (`answer:<key>`), so
    /// the next one differs. Bounded by the number of lines and answer keys.
    pub last_variants: BTreeMap<String, u32>,
}

/// A question the bot is waiting for an answer to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Pending {
    /// "Which of these did you mean?" between these intents.
    Clarify {
        /// The intents offered, best first.
        candidates: Vec<String>,
        /// Entities captured from the ambiguous message, to fill the chosen answer.
        #[serde(default)]
        entities: BTreeMap<String, String>,
    },
    /// "Would you like to talk to an advisor?"
    HandoffOffer {
        /// Why the offer was made (carried into the handoff if accepted).
        reason: HandoffReason,
    },
    /// A menu of the main topics.
    Topics,
    /// Thanks were just answered ("anything else?"): "no" closes warmly, "yes" listens.
    AnythingElse,
    /// An answer was just given: a plain "no" means it did not help.
    Answer {
        /// The intent answered.
        intent: String,
    },
}
