//! The customer's side of a handoff: what the queue entry says about the conversation.
//!
//! Built from the transcript so that the advisor never has to ask again: the intents the bot
//! understood (with confidence), the messages it failed to understand, the skill those
//! intents call for, and a priority raised by urgency words or frustration.

use relais_engine::Outcome;
use relais_nlu::Lang;
use relais_store::{QueueEntry, StoredEvent};
use serde_json::{Value, json};

use crate::auth::now_ms;
use crate::knowledge::Knowledge;
use crate::stored_state::StoredState;
use crate::transcript::Event;

/// Words that make a handoff urgent (compared without accents, as whole words).
const URGENT: [&str; 9] = [
    "urgent",
    "urgente",
    "urgence",
    "urgently",
    "emergency",
    "lost",
    "perdu",
    "perdue",
    "perdus",
];
/// Intents remembered in the context, most recent first.
const MAX_UNDERSTOOD: usize = 5;
/// Misunderstood messages remembered in the context, most recent first.
const MAX_MISSED: usize = 5;
/// Longest misunderstood message kept, in characters.
const MAX_MISSED_CHARS: usize = 200;
/// The priority of an urgent or frustrated customer (0 is normal).
pub(crate) const URGENT_PRIORITY: u8 = 1;

/// The queue entry for a conversation handed off for `reason` (order left to the store).
pub(crate) fn entry(
    id: &str,
    state: &StoredState,
    events: &[StoredEvent],
    knowledge: &Knowledge,
    reason: &str,
) -> QueueEntry {
    let lang = state
        .lang
        .or(state.dialogue.lang)
        .unwrap_or(Lang::Fr)
        .code()
        .to_owned();
    let context = Context::of(events);
    let skill = context
        .understood
        .iter()
        .filter_map(|(intent, _)| knowledge.intent(intent)?.skill.clone())
        .find(|skill| skill != "general");
    let urgent = context.customer_texts.iter().any(|t| is_urgent(t));
    let priority = if urgent || state.dialogue.frustration_count >= 1 {
        URGENT_PRIORITY
    } else {
        0
    };
    QueueEntry {
        conversation: id.to_owned(),
        order: 0,
        lang,
        skill,
        priority,
        requested_agent: None,
        reason: reason.to_owned(),
        enqueued_ms: now_ms(),
        context: json!({
            "understood": context.understood.iter()
                .map(|(intent, confidence)| json!({"intent": intent, "confidence": confidence}))
                .collect::<Vec<Value>>(),
            "missed": context.missed,
            "urgent": urgent,
            "frustration": state.dialogue.frustration_count,
            "misunderstandings": state.dialogue.misunderstandings,
        }),
    }
}

/// Whether a customer text carries an urgency word.
pub(crate) fn is_urgent(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .map(fold)
        .any(|word| URGENT.contains(&word.as_str()))
}

/// Lowercase without the accents French urgency words carry.
fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'à' | 'â' => 'a',
            'ù' | 'û' | 'ü' => 'u',
            'î' | 'ï' => 'i',
            'ô' => 'o',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

/// What the transcript says the bot understood and missed.
#[derive(Debug, Default, PartialEq)]
struct Context {
    /// Intents acted on, most recent first, each once with its best confidence.
    understood: Vec<(String, f32)>,
    /// Customer messages the bot did not understand, most recent first.
    missed: Vec<String>,
    /// Every customer text, for urgency words.
    customer_texts: Vec<String>,
}

impl Context {
    fn of(events: &[StoredEvent]) -> Context {
        let mut context = Context::default();
        let mut last_customer: Option<String> = None;
        for stored in events {
            match Event::from_json(stored.seq, &stored.body) {
                Some(Event::Customer { text, choice, .. }) => {
                    context.customer_texts.push(text.clone());
                    // A click is not free text the bot could misunderstand.
                    last_customer = choice.is_none().then_some(text);
                }
                Some(Event::Bot { message, .. }) => {
                    // Not understood: a fallback, or an advisor offered instead of an answer.
                    let missed = message.outcome == Outcome::Fallback
                        || (message.outcome == Outcome::HandoffOffer && message.intent.is_none());
                    if missed {
                        if let Some(text) = last_customer.take() {
                            context
                                .missed
                                .push(text.chars().take(MAX_MISSED_CHARS).collect());
                        }
                    } else if let Some(intent) = message.intent
                        && message.confidence > 0.0
                    {
                        context.understood.retain(|(i, _)| *i != intent);
                        context.understood.push((intent, message.confidence));
                    }
                    last_customer = None;
                }
                _ => last_customer = None,
            }
        }
        context.understood.reverse();
        context.understood.truncate(MAX_UNDERSTOOD);
        context.missed.reverse();
        context.missed.truncate(MAX_MISSED);
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(seq: u64, text: &str) -> StoredEvent {
        StoredEvent {
            seq,
            at_ms: 0,
            body: json!({"kind": "customer", "text": text}),
        }
    }

    fn bot(seq: u64, outcome: &str, intent: Option<&str>, confidence: f32) -> StoredEvent {
        StoredEvent {
            seq,
            at_ms: 0,
            body: json!({"kind": "bot", "text": "…", "intent": intent, "confidence": confidence,
                "outcome": outcome, "lang": "fr"}),
        }
    }

    #[test]
    fn the_context_keeps_understood_intents_and_missed_messages() {
        let events = [
            bot(1, "smalltalk", Some("greeting"), 0.0),
            customer(2, "ma facture est trop chère"),
            bot(3, "answer", Some("bill_explain"), 0.82),
            customer(4, "xqzv wplm"),
            bot(5, "fallback", None, 0.0),
            customer(6, "blorf"),
            bot(7, "handoff_offer", None, 0.0),
            StoredEvent {
                seq: 8,
                at_ms: 0,
                body: json!({"kind": "customer", "text": "handoff:yes label", "choice": "handoff:yes"}),
            },
            bot(9, "handoff", None, 0.0),
            customer(10, "et ma facture ?"),
            bot(11, "answer", Some("bill_explain"), 0.7),
        ];
        let context = Context::of(&events);
        assert_eq!(context.understood, vec![("bill_explain".to_owned(), 0.7)]);
        assert_eq!(
            context.missed,
            ["blorf", "xqzv wplm"],
            "most recent first; clicks are not misses"
        );
        assert_eq!(context.customer_texts.len(), 5);
    }

    #[test]
    fn urgency_words_are_found_without_accents_or_case() {
        assert!(is_urgent("C'est URGENT !"));
        assert!(is_urgent("j'ai perdu ma carte"));
        assert!(is_urgent("Urgence, plus de courant"));
        assert!(is_urgent("I lost power"));
        assert!(!is_urgent("urgentissime"), "whole words only");
        assert!(!is_urgent("ma facture"));
    }
}
