//! The dialogue engine: decides what the bot says for each customer turn.
//!
//! A conversation is a plain, serialisable [`ConversationState`]; [`Engine::respond`] takes the
//! state and one customer [`Turn`] and returns the bot's [`Reply`], updating the state. The
//! engine performs no I/O: answers come through the [`Answers`] trait, matching through
//! `relais_nlu::Matcher`, and the caller persists the state and delivers the reply.
//!
//! What it deliberately does not do: sockets, storage, queues. A handoff is a decision the
//! engine reports ([`Reply::handoff`]); carrying it out belongs to the server.

// CONTRACT STUB: the public types below are what the server builds on; behaviour comes next.

use std::sync::Arc;

use relais_nlu::{Lang, Matcher};
use serde::{Deserialize, Serialize};

/// Where the bot's answer texts come from (the FAQ store, in the server).
pub trait Answers {
    /// The interchangeable answer texts for `key` in `lang`; empty when there are none.
    fn variants(&self, key: &str, lang: Lang) -> Vec<String>;
}

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
    /// A clarifying question with choices.
    Clarify,
    /// Not understood.
    Fallback,
    /// Greeting, thanks, goodbye.
    Smalltalk,
    /// An offer to talk to an advisor.
    HandoffOffer,
}

/// A quick-reply button.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    /// Text on the button, in the conversation's language.
    pub label: String,
    /// Value sent back as a [`Turn::Choice`].
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

/// Per-intent metadata the engine needs beyond matching.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentInfo {
    /// The intent id.
    pub id: String,
    /// Quick-reply labels per language.
    pub labels: std::collections::BTreeMap<Lang, String>,
    /// The FAQ key of its answer.
    pub answer_key: String,
}

/// Tunable behaviour of the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineConfig {
    /// Consecutive misunderstandings before a handoff is offered.
    pub misunderstandings_before_handoff: u32,
    /// The intents offered as main topics when the customer is lost.
    pub main_topics: Vec<String>,
    /// Language of a conversation before the customer says anything telling.
    pub default_lang: Lang,
}

/// The state of one conversation, serialisable so that it survives restarts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConversationState {
    /// Language of the conversation, once known.
    pub lang: Option<Lang>,
}

/// The dialogue engine for one corpus; shared by every conversation.
pub struct Engine {
    matcher: Arc<Matcher>,
    intents: Vec<IntentInfo>,
    config: EngineConfig,
}

impl Engine {
    /// Builds an engine over a trained matcher and the corpus' intent metadata.
    pub fn new(matcher: Arc<Matcher>, intents: Vec<IntentInfo>, config: EngineConfig) -> Engine {
        Engine {
            matcher,
            intents,
            config,
        }
    }

    /// Decides the bot's reply to `turn`, updating `state`.
    pub fn respond(
        &self,
        state: &mut ConversationState,
        turn: Turn,
        answers: &dyn Answers,
    ) -> Reply {
        let _ = (&self.matcher, &self.intents, answers, turn);
        let lang = state.lang.unwrap_or(self.config.default_lang);
        Reply {
            text: String::new(),
            intent: None,
            confidence: 0.0,
            outcome: Outcome::Fallback,
            quick_replies: Vec::new(),
            lang,
            handoff: None,
        }
    }
}
