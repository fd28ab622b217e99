//! Building each kind of reply for one turn, with the state changes that go with it (pending
//! question, counters, variant rotation).
//!
//! The decision of *which* reply to build lives in `dialogue`; this module only knows how.

use std::collections::BTreeMap;

use relais_nlu::Lang;

use crate::Answers;
use crate::catalog::{self, Catalog, Kind};
use crate::choice::Choice;
use crate::config::EngineConfig;
use crate::reply::{Handoff, HandoffReason, Outcome, QuickReply, Reply};
use crate::rotation;
use crate::state::{ConversationState, Pending};
use crate::template;
use crate::texts::Line;

/// Values captured from the customer's message, by placeholder name (e.g. `kva` -> `15`).
pub(crate) type Entities = BTreeMap<String, String>;

/// FAQ key of an optional, author-written welcome message.
const WELCOME_KEY: &str = "welcome";

/// Everything one turn needs to build a reply.
pub(crate) struct Responder<'a> {
    /// Intent metadata.
    pub(crate) catalog: &'a Catalog,
    /// Engine configuration.
    pub(crate) config: &'a EngineConfig,
    /// Where FAQ texts come from.
    pub(crate) answers: &'a dyn Answers,
    /// The conversation, updated as the reply is built.
    pub(crate) state: &'a mut ConversationState,
    /// Language of the reply.
    pub(crate) lang: Lang,
}

impl Responder<'_> {
    /// The reply to intent `id` chosen or matched with `confidence`, whatever its kind.
    pub(crate) fn act_on(&mut self, id: &str, confidence: f32, entities: &Entities) -> Reply {
        match Catalog::kind(id) {
            Kind::Smalltalk => self.smalltalk(id, confidence),
            Kind::Human => {
                let mut reply = self.handoff(HandoffReason::Explicit);
                reply.intent = Some(id.to_string());
                reply.confidence = confidence;
                reply
            }
            Kind::Business => self.answer(id, confidence, entities),
            // The out-of-scope class has no answer and no button: treat it as a stray value.
            Kind::OutOfScope => self.topics(Line::Other, &[]),
        }
    }

    /// The FAQ answer to business intent `id`, or an advisor offer when it has no usable text.
    pub(crate) fn answer(&mut self, id: &str, confidence: f32, entities: &Entities) -> Reply {
        self.state.misunderstanding_streak = 0;
        let mut reply = match self.faq_text(self.catalog.answer_key(id), entities) {
            Some(text) => {
                self.state.pending = Some(Pending::Answer {
                    intent: id.to_string(),
                });
                self.reply(text, Outcome::Answer)
            }
            None => self.offer(HandoffReason::NotCovered, Line::OfferNoAnswer),
        };
        reply.intent = Some(id.to_string());
        reply.confidence = confidence;
        reply
    }

    /// The answer to a greeting, thanks or goodbye; a greeting also shows the main topics.
    pub(crate) fn smalltalk(&mut self, id: &str, confidence: f32) -> Reply {
        self.state.misunderstanding_streak = 0;
        let line = match id {
            catalog::GREETING => Line::Greeting,
            catalog::THANKS => Line::Thanks,
            _ => Line::Goodbye,
        };
        let text = self
            .faq_text(self.catalog.answer_key(id), &Entities::new())
            .unwrap_or_else(|| self.say(line));
        let mut reply = self.reply(text, Outcome::Smalltalk);
        match line {
            Line::Greeting => {
                reply.quick_replies = self.topic_buttons(&[]);
                self.state.pending = Some(Pending::Topics);
            }
            Line::Thanks => self.state.pending = Some(Pending::AnythingElse),
            _ => {}
        }
        reply.intent = Some(id.to_string());
        reply.confidence = confidence;
        reply
    }

    /// The first message of a conversation: the FAQ's `welcome` text or a built-in one, with
    /// the main topics.
    pub(crate) fn welcome(&mut self) -> Reply {
        let text = self
            .faq_text(WELCOME_KEY, &Entities::new())
            .unwrap_or_else(|| self.say(Line::Welcome));
        let mut reply = self.reply(text, Outcome::Smalltalk);
        reply.quick_replies = self.topic_buttons(&[]);
        self.state.pending = Some(Pending::Topics);
        reply
    }

    /// A question between `candidates`, with "something else" and "talk to an advisor";
    /// `again` when the customer said "yes" without saying which.
    pub(crate) fn clarify(
        &mut self,
        candidates: Vec<String>,
        entities: Entities,
        again: bool,
    ) -> Reply {
        let text = match candidates.as_slice() {
            _ if again => self.say(Line::ClarifyWhich),
            [only] => {
                let topic = self.catalog.label(only, self.lang);
                self.say_about(Line::ClarifyOne, &topic)
            }
            _ => self.say(Line::Clarify),
        };
        let mut reply = self.reply(text, Outcome::Clarify);
        reply.quick_replies = candidates
            .iter()
            .map(|id| Choice::Intent(id.clone()))
            .chain([Choice::Other, Choice::Human])
            .map(|c| c.button(self.catalog, self.lang))
            .collect();
        self.state.pending = Some(Pending::Clarify {
            candidates,
            entities,
        });
        reply
    }

    /// A menu of the main topics (except `exclude`) and an advisor, introduced by `lead`.
    pub(crate) fn topics(&mut self, lead: Line, exclude: &[String]) -> Reply {
        let text = self.say(lead);
        let mut reply = self.reply(text, Outcome::Clarify);
        reply.quick_replies = self.topic_buttons(exclude);
        reply
            .quick_replies
            .push(Choice::Human.button(self.catalog, self.lang));
        self.state.pending = Some(Pending::Topics);
        reply
    }

    /// A warm close after "nothing else, thanks", no buttons: the customer can still write.
    pub(crate) fn nothing_else(&mut self) -> Reply {
        let text = self.say(Line::NothingElse);
        self.reply(text, Outcome::Smalltalk)
    }

    /// "Not understood", with the main topics as suggestions.
    pub(crate) fn fallback(&mut self) -> Reply {
        let text = self.say(Line::Fallback);
        let mut reply = self.reply(text, Outcome::Fallback);
        reply.quick_replies = self.topic_buttons(&[]);
        self.state.pending = Some(Pending::Topics);
        reply
    }

    /// An offer to talk to an advisor, said with `line`. Restarts the misunderstanding streak,
    /// so a declined offer is not repeated on the very next miss.
    pub(crate) fn offer(&mut self, reason: HandoffReason, line: Line) -> Reply {
        self.state.misunderstanding_streak = 0;
        let text = self.say(line);
        let mut reply = self.reply(text, Outcome::HandoffOffer);
        reply.quick_replies = [Choice::HandoffYes, Choice::HandoffNo]
            .iter()
            .map(|c| c.button(self.catalog, self.lang))
            .collect();
        self.state.pending = Some(Pending::HandoffOffer { reason });
        reply
    }

    /// The customer wants an advisor: tell them and ask the server to start a handoff.
    pub(crate) fn handoff(&mut self, reason: HandoffReason) -> Reply {
        self.state.misunderstanding_streak = 0;
        let text = self.say(Line::Handoff);
        let mut reply = self.reply(text, Outcome::Handoff);
        reply.handoff = Some(Handoff::Requested { reason });
        reply
    }

    /// The customer declined an advisor: carry on with the main topics.
    pub(crate) fn declined(&mut self) -> Reply {
        self.state.misunderstanding_streak = 0;
        self.topics(Line::HandoffDeclined, &[])
    }

    /// `reply` preceded by a word of empathy and sure to offer an advisor. Offers and handoffs
    /// are left alone: they already answer the frustration.
    pub(crate) fn soothe(&mut self, mut reply: Reply) -> Reply {
        if matches!(reply.outcome, Outcome::HandoffOffer | Outcome::Handoff) {
            return reply;
        }
        reply.text = format!("{} {}", self.say(Line::Empathy), reply.text);
        let human = Choice::Human.button(self.catalog, self.lang);
        if !reply.quick_replies.contains(&human) {
            reply.quick_replies.push(human);
        }
        reply
    }

    /// The next usable FAQ variant for `key`, placeholders filled from `entities`.
    fn faq_text(&mut self, key: &str, entities: &Entities) -> Option<String> {
        let variants = self.answers.variants(key, self.lang);
        let value = |name: &str| entities.get(name).cloned();
        let index = rotation::pick(
            &mut self.state.last_variants,
            &format!("answer:{key}"),
            variants.len(),
            |i| template::fillable(&variants[i], value),
        )?;
        template::fill(&variants[index], value)
    }

    /// The next variant of `line`.
    fn say(&mut self, line: Line) -> String {
        self.say_about(line, "")
    }

    /// The next variant of `line`, its `{topic}` filled with `topic`.
    fn say_about(&mut self, line: Line, topic: &str) -> String {
        let variants = line.variants(self.lang);
        let index = rotation::pick(
            &mut self.state.last_variants,
            &line.rotation_key(),
            variants.len(),
            |_| true,
        );
        let text = index
            .and_then(|i| variants.get(i))
            .copied()
            .unwrap_or_default();
        template::fill(text, |name| (name == "topic").then(|| topic.to_string()))
            .unwrap_or_else(|| text.to_string())
    }

    /// Buttons for the main topics, except `exclude` and intents the corpus lacks.
    fn topic_buttons(&self, exclude: &[String]) -> Vec<QuickReply> {
        self.config
            .main_topics
            .iter()
            .filter(|id| !exclude.contains(id) && self.catalog.contains(id))
            .map(|id| Choice::Intent(id.clone()).button(self.catalog, self.lang))
            .collect()
    }

    /// A reply of `outcome` saying `text`, with no intent, buttons or handoff yet.
    fn reply(&self, text: String, outcome: Outcome) -> Reply {
        Reply {
            text,
            intent: None,
            confidence: 0.0,
            outcome,
            quick_replies: Vec::new(),
            lang: self.lang,
            handoff: None,
        }
    }
}
