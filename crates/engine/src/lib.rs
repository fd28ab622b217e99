//! The dialogue engine: decides what the bot says for each customer turn.
//!
//! A conversation is a plain, serialisable [`ConversationState`]; [`Engine::respond`] takes the
//! state and one customer [`Turn`] and returns the bot's [`Reply`], updating the state. The
//! engine performs no I/O: answers come through the [`Answers`] trait, matching through
//! `relais_nlu::Matcher`, and the caller persists the state and delivers the reply.
//!
//! What it deliberately does not do: sockets, storage, queues. A handoff is a decision the
//! engine reports ([`Reply::handoff`]); carrying it out belongs to the server.
//!
//! # Behaviour
//!
//! - **Confident match**: the FAQ answer of the intent, in the conversation's language, the
//!   variant after the one given last time; `{name}` placeholders are filled from the entities
//!   the matcher captured, and variants that cannot be filled are skipped. No usable text: an
//!   advisor is offered ([`HandoffReason::NotCovered`]).
//! - **Ambiguous**: a clarifying question ([`Outcome::Clarify`]) with the close candidates as
//!   quick replies, plus "something else" and "talk to an advisor". "No"/"neither" (typed or
//!   clicked) brings the main topics and the advisor button: never a dead end. So does a plain
//!   "no" right after an answer. "No" to a menu of topics brings an advisor offer.
//! - **Out of scope**: a brief "not understood", a different line each time, with the main
//!   topics as suggestions. After `misunderstandings_before_handoff` in a row, an advisor offer.
//! - **Frustration** (insults, swearing, sarcasm, "!!!", capitals, angry or sad emoji): counted
//!   in [`ConversationState::frustration_count`], acknowledged with empathy, never reprimanded;
//!   an advisor is offered (an offer, or an extra button on an answer that helps anyway).
//! - **Explicit request for a human** (the corpus' `human_agent` intent, or a request such as
//!   "je veux parler à un conseiller"): [`Outcome::Handoff`] with [`Reply::handoff`] set.
//! - **Small talk**: the corpus' `greeting`, `thanks` and `goodbye` intents, answered from the
//!   FAQ (built-in lines when it has none); a greeting shows the main topics.
//! - **Language**: detected on every message that carries a signal, kept otherwise, so the
//!   conversation follows the customer and short fragments ("15 kVA", "ok") do not flip it.
//! - Canned lines (clarifications, fallbacks, offers...) have several variants per language,
//!   cycled so the same line never comes twice in a row.
//!
//! # Quick-reply values
//!
//! The server echoes a clicked button's `value` back as [`Turn::Choice`]:
//!
//! | value | meaning |
//! |---|---|
//! | `intent:<id>` | answer intent `<id>` (clarification candidates, topic menus) |
//! | `other` | "something else": show the main topics and an advisor |
//! | `human` | talk to an advisor now ([`Outcome::Handoff`]) |
//! | `handoff:yes` | accept the advisor offered ([`Outcome::Handoff`], with the offer's reason) |
//! | `handoff:no` | decline the advisor offered: carry on with the main topics |
//!
//! Any other value gets the menu of main topics. The customer may also type the answer
//! ("oui", "non merci", "aucun", "ni l'un ni l'autre", "something else", a button's label):
//! it is handled like the click.

mod catalog;
mod choice;
mod config;
mod dialogue;
mod engine;
mod frustration;
mod human;
mod normalize;
mod replies;
mod reply;
mod rotation;
mod state;
mod template;
mod texts;
mod typed;

use relais_nlu::Lang;

pub use config::{EngineConfig, IntentInfo};
pub use engine::Engine;
pub use reply::{Handoff, HandoffReason, Outcome, QuickReply, Reply, Turn};
pub use state::{ConversationState, Pending};

/// Where the bot's answer texts come from (the FAQ store, in the server).
pub trait Answers {
    /// The interchangeable answer texts for `key` in `lang`; empty when there are none.
    fn variants(&self, key: &str, lang: Lang) -> Vec<String>;
}
