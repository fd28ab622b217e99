//! The engine object shared by every conversation: a trained matcher, the intent catalogue and
//! the configuration. Each call takes one conversation's state and returns one reply.

use std::sync::Arc;

use relais_nlu::{Lang, MatchResult, Matcher};

use crate::Answers;
use crate::catalog::Catalog;
use crate::config::{EngineConfig, IntentInfo};
use crate::dialogue;
use crate::replies::Responder;
use crate::reply::{Reply, Turn};
use crate::state::ConversationState;

/// The dialogue engine for one corpus; shared by every conversation.
pub struct Engine {
    matcher: Arc<Matcher>,
    catalog: Catalog,
    config: EngineConfig,
}

impl Engine {
    /// Builds an engine over a trained matcher and the corpus' intent metadata.
    pub fn new(matcher: Arc<Matcher>, intents: Vec<IntentInfo>, config: EngineConfig) -> Engine {
        Engine {
            matcher,
            catalog: Catalog::new(intents),
            config,
        }
    }

    /// The first bot message of a new conversation: a short welcome in `lang` (the widget's
    /// hint, which then becomes the conversation's language) or the conversation's language,
    /// with the main topics as quick replies. The FAQ entry `welcome`, when present, replaces
    /// the built-in text.
    pub fn greet(
        &self,
        state: &mut ConversationState,
        lang: Option<Lang>,
        answers: &dyn Answers,
    ) -> Reply {
        if lang.is_some() {
            state.lang = lang;
        }
        self.responder(state, answers).welcome()
    }

    /// Decides the bot's reply to `turn`, updating `state`.
    pub fn respond(
        &self,
        state: &mut ConversationState,
        turn: Turn,
        answers: &dyn Answers,
    ) -> Reply {
        match turn {
            Turn::Message(text) => {
                let result = self.matcher.match_text(&text);
                self.respond_to_match(state, &text, &result, answers)
            }
            Turn::Choice(value) => {
                let pending = state.pending.take();
                dialogue::on_choice(&mut self.responder(state, answers), pending, &value)
            }
        }
    }

    /// Decides the reply to the typed message `text`, which the matcher understood as
    /// `result`. [`Engine::respond`] is this after `Matcher::match_text`; callers that matched
    /// already (conversation tests, replays) call it directly.
    pub fn respond_to_match(
        &self,
        state: &mut ConversationState,
        text: &str,
        result: &MatchResult,
        answers: &dyn Answers,
    ) -> Reply {
        if let Some(lang) = relais_nlu::lang::detect(text) {
            state.lang = Some(lang);
        }
        let pending = state.pending.take();
        let margin = self.matcher.config().ambiguity_margin;
        dialogue::on_message(
            &mut self.responder(state, answers),
            pending,
            text,
            result,
            margin,
        )
    }

    /// What a reply for this conversation is built with.
    fn responder<'a>(
        &'a self,
        state: &'a mut ConversationState,
        answers: &'a dyn Answers,
    ) -> Responder<'a> {
        let lang = state.lang.unwrap_or(self.config.default_lang);
        Responder {
            catalog: &self.catalog,
            config: &self.config,
            answers,
            state,
            lang,
        }
    }
}

#[cfg(test)]
#[path = "engine_test.rs"]
mod tests;
