//! The conversion of transcripts into analytics events, on hand-written transcripts. Each
//! expected list is written from the transcript above it, not read back from the code.
//!
//! Properties checked:
//! 1. Turns, replies, clarifications and missed questions of a bot-only chat; its end and
//!    survey answer.
//! 2. A queued handoff: the reason passed along, the wait, the advisor's first response, and
//!    customer messages to the advisor not counted as turns.
//! 3. An advisor takeover, and a second handoff in the same conversation not counted again.
//! 4. A customer leaving the queue; a skipped survey.
//! 5. No advisor available: the reason from the bot message, then a callback.
//! 6. A whole stored conversation converts with the reason of its stored queue entry, and
//!    the store rebuild folds every conversation.

use relais_analytics::{AnalyticsEvent, Day, EventKind, HandoffReason, Path, ReplyOutcome, Report};
use relais_engine::{HandoffReason as EngineReason, Outcome, QuickReply};
use relais_nlu::Lang;
use relais_store::{MemoryStore, QueueEntry, Store};
use serde_json::json;

use super::*;
use crate::protocol::{BotMessage, EndedBy, HandoffEvent, Unavailable};
use crate::survey::{EndReason, SurveyAnswer, SurveyContext};

/// 2025-03-10T00:00:00Z.
const T0: u64 = 1_741_564_800_000;

fn customer(text: &str) -> Event {
    Event::Customer {
        text: text.into(),
        id: None,
        choice: None,
    }
}

fn click(label: &str, value: &str) -> Event {
    Event::Customer {
        text: label.into(),
        id: None,
        choice: Some(value.into()),
    }
}

fn bot(outcome: Outcome, intent: Option<&str>, choices: &[&str]) -> Event {
    Event::Bot {
        message: BotMessage {
            text: "…".into(),
            intent: intent.map(str::to_owned),
            confidence: 0.75,
            outcome,
            quick_replies: choices
                .iter()
                .map(|value| QuickReply {
                    label: (*value).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect(),
            form: None,
            lang: Lang::Fr,
        },
        handoff: None,
    }
}

fn handoff(event: HandoffEvent) -> Event {
    Event::Handoff {
        handoff: event,
        name: None,
    }
}

fn survey_answer(score: Option<u8>, path: &str, intents: &[&str], wait: Option<u64>) -> Event {
    let context: SurveyContext = serde_json::from_value(json!({
        "asked_seq": 1, "ended_by": "customer", "path": path, "queued": wait.is_some(),
        "queue_wait_ms": wait, "intents": intents, "customer_turns": 1, "lang": "fr",
    }))
    .unwrap();
    Event::SurveyAnswer {
        answer: SurveyAnswer {
            score,
            comment: Some("un commentaire jamais compté".into()),
            skipped: score.is_none(),
        },
        context,
        id: None,
    }
}

/// Converts events numbered from seq 1, `event i` at `T0 + offset_s[i]` seconds.
fn convert(events: &[(u64, Event)], queue_reason: Option<&str>) -> Vec<EventKind> {
    let mut feed = Feed::default();
    let mut out = Vec::new();
    for (seq, (offset_s, event)) in (1u64..).zip(events) {
        let at = T0 + offset_s * 1000;
        for converted in feed.convert(seq, at, event, queue_reason) {
            assert_eq!(converted.day, Day::from_unix_ms(at));
            out.push(converted.kind);
        }
    }
    out
}

fn reply(outcome: ReplyOutcome, intent: Option<&str>) -> EventKind {
    EventKind::BotReply {
        outcome,
        intent: intent.map(str::to_owned),
        confidence: 0.75,
    }
}

#[test]
fn a_bot_only_chat() {
    let events = [
        (
            0,
            bot(Outcome::Smalltalk, Some("greeting"), &["intent:billing"]),
        ),
        (5, customer("ma facture est bizarre")),
        (
            5,
            bot(
                Outcome::Clarify,
                None,
                &["intent:bill_explain", "intent:bill_pay", "other"],
            ),
        ),
        (9, click("Comprendre ma facture", "intent:bill_explain")),
        (9, bot(Outcome::Answer, Some("bill_explain"), &[])),
        (20, customer("xqzv wplm")),
        (20, bot(Outcome::Fallback, None, &[])),
        (30, click("Autre chose", "other")),
        (30, bot(Outcome::Clarify, None, &["intent:move"])),
        (35, customer("ni l'un ni l'autre")),
        (35, bot(Outcome::Fallback, None, &[])),
        (
            40,
            Event::End {
                by: EndReason::Customer,
            },
        ),
        (
            41,
            survey_answer(Some(6), "bot_only", &["bill_explain"], None),
        ),
    ];
    assert_eq!(
        convert(&events, None),
        vec![
            EventKind::ConversationStarted,
            // The greeting answers no turn.
            EventKind::CustomerTurn,
            reply(ReplyOutcome::Clarify, None),
            EventKind::CustomerTurn,
            EventKind::ClarificationAnswered { accepted: true },
            reply(ReplyOutcome::Answered, Some("bill_explain")),
            EventKind::CustomerTurn,
            reply(ReplyOutcome::Fallback, None),
            EventKind::MissedQuestion {
                text: "xqzv wplm".into()
            },
            // A click that is not understood is not a missed question.
            EventKind::CustomerTurn,
            reply(ReplyOutcome::Clarify, None),
            EventKind::CustomerTurn,
            EventKind::ClarificationAnswered { accepted: false },
            reply(ReplyOutcome::Fallback, None),
            EventKind::MissedQuestion {
                text: "ni l'un ni l'autre".into()
            },
            EventKind::ConversationEnded {
                path: Path::BotOnly
            },
            EventKind::SurveyAnswered {
                score: relais_analytics::Score::new(6).unwrap(),
                path: Path::BotOnly,
                intents: vec!["bill_explain".into()],
                wait_ms: None,
            },
        ]
    );
}

#[test]
fn a_queued_handoff_with_its_wait_and_first_response() {
    let events = [
        (0, bot(Outcome::Smalltalk, None, &[])),
        (10, customer("je veux un conseiller")),
        (11, handoff(HandoffEvent::queued(1, 60, false))),
        (20, customer("vous êtes là ?")),
        (56, handoff(HandoffEvent::assigned("Alice"))),
        (
            68,
            Event::Agent {
                text: "Bonjour".into(),
                agent: "Alice".into(),
                name: "alice".into(),
            },
        ),
        (
            70,
            Event::Agent {
                text: "Je regarde".into(),
                agent: "Alice".into(),
                name: "alice".into(),
            },
        ),
        (80, customer("merci")),
        (90, handoff(HandoffEvent::ended(EndedBy::Agent))),
        (
            90,
            Event::End {
                by: EndReason::Agent,
            },
        ),
    ];
    assert_eq!(
        convert(&events, Some("explicit")),
        vec![
            EventKind::ConversationStarted,
            EventKind::CustomerTurn,
            EventKind::HandoffRequested {
                reason: HandoffReason::Explicit
            },
            EventKind::Escalated,
            EventKind::Queued,
            // Queued at 11 s, taken at 56 s; the message while waiting is not a turn.
            EventKind::Assigned { wait_ms: 45_000 },
            // First advisor message 12 s after taking the chat; the second is not counted.
            EventKind::AdvisorFirstResponse { after_ms: 12_000 },
            EventKind::ConversationEnded {
                path: Path::HandedOff
            },
        ]
    );
}

#[test]
fn a_takeover_and_a_second_handoff_counted_once() {
    let events = [
        (0, bot(Outcome::Smalltalk, None, &[])),
        (3, customer("bonjour")),
        (3, bot(Outcome::Clarify, None, &["intent:a", "intent:b"])),
        // An advisor takes the chat over before the customer picks a choice.
        (8, handoff(HandoffEvent::assigned("Bob"))),
        (
            9,
            Event::Agent {
                text: "Je prends la suite".into(),
                agent: "Bob".into(),
                name: "bob".into(),
            },
        ),
        (30, handoff(HandoffEvent::returned())),
        (40, customer("je veux un humain")),
        (41, handoff(HandoffEvent::queued(1, 30, false))),
        (47, handoff(HandoffEvent::ended(EndedBy::Customer))),
    ];
    assert_eq!(
        convert(&events, Some("explicit")),
        vec![
            EventKind::ConversationStarted,
            EventKind::CustomerTurn,
            reply(ReplyOutcome::Clarify, None),
            EventKind::HandoffRequested {
                reason: HandoffReason::Takeover
            },
            EventKind::Escalated,
            EventKind::AdvisorFirstResponse { after_ms: 1_000 },
            // The clarification was never answered: not counted either way.
            EventKind::CustomerTurn,
            // The second handoff is not counted again, but its wait is.
            EventKind::Queued,
            EventKind::AbandonedQueue { wait_ms: 6_000 },
        ]
    );
}

#[test]
fn leaving_the_queue_then_skipping_the_survey() {
    let events = [
        (0, bot(Outcome::Smalltalk, None, &[])),
        (1, customer("xqzv")),
        (1, bot(Outcome::Fallback, None, &[])),
        (2, customer("blorf")),
        (
            2,
            bot(Outcome::HandoffOffer, None, &["handoff:yes", "handoff:no"]),
        ),
        (3, click("Oui", "handoff:yes")),
        (4, handoff(HandoffEvent::queued(2, 120, false))),
        (124, handoff(HandoffEvent::ended(EndedBy::Customer))),
        (
            125,
            Event::End {
                by: EndReason::Customer,
            },
        ),
        (126, survey_answer(None, "bot_only", &[], Some(120_000))),
    ];
    assert_eq!(
        convert(&events, Some("misunderstandings")),
        vec![
            EventKind::ConversationStarted,
            EventKind::CustomerTurn,
            reply(ReplyOutcome::Fallback, None),
            EventKind::MissedQuestion {
                text: "xqzv".into()
            },
            EventKind::CustomerTurn,
            reply(ReplyOutcome::HandoffOffer, None),
            EventKind::CustomerTurn,
            EventKind::HandoffRequested {
                reason: HandoffReason::Misunderstandings
            },
            EventKind::Escalated,
            EventKind::Queued,
            EventKind::AbandonedQueue { wait_ms: 120_000 },
            // Nobody chatted: the end's path is bot only, like the survey context's.
            EventKind::ConversationEnded {
                path: Path::BotOnly
            },
            EventKind::SurveySkipped {
                path: Path::BotOnly
            },
        ]
    );
}

#[test]
fn no_advisor_then_a_callback() {
    let offer = Event::Bot {
        message: BotMessage {
            text: "Laissez-nous vos coordonnées".into(),
            intent: None,
            confidence: 0.0,
            outcome: Outcome::Handoff,
            quick_replies: Vec::new(),
            form: Some(crate::protocol::Form::Callback),
            lang: Lang::Fr,
        },
        handoff: Some(EngineReason::Frustration),
    };
    let confirmation = bot(Outcome::Handoff, None, &[]);
    let events = [
        (0, bot(Outcome::Smalltalk, None, &[])),
        (30, customer("C'EST NUL !!!")),
        (30, handoff(HandoffEvent::unavailable(Unavailable::NoAgent))),
        (30, offer),
        (
            60,
            Event::Callback {
                ticket: "t1".into(),
                id: None,
            },
        ),
        (60, confirmation),
        (
            61,
            Event::End {
                by: EndReason::Customer,
            },
        ),
    ];
    assert_eq!(
        convert(&events, None),
        vec![
            EventKind::ConversationStarted,
            EventKind::CustomerTurn,
            EventKind::HandoffRequested {
                reason: HandoffReason::Frustration
            },
            EventKind::Escalated,
            // Already escalated: the callback does not count the conversation twice.
            EventKind::CallbackLeft,
            EventKind::ConversationEnded {
                path: Path::Callback
            },
        ]
    );
}

fn entry(id: &str, reason: &str) -> QueueEntry {
    QueueEntry {
        conversation: id.into(),
        order: 0,
        lang: "fr".into(),
        skill: None,
        priority: 0,
        requested_agent: None,
        reason: reason.into(),
        enqueued_ms: T0,
        context: json!({}),
    }
}

#[test]
fn stored_conversations_convert_and_rebuild_into_daily_figures() {
    let store = MemoryStore::new();
    // One conversation queued for frustration (the reason is in its stored state only).
    let state = StoredState {
        handoff: Some(entry("c1", "frustration")),
        ..StoredState::default()
    };
    store
        .create_conversation("c1", "hash1", &state.to_json())
        .unwrap();
    let bodies = vec![
        bot(Outcome::Smalltalk, None, &[]).to_json(),
        customer("un humain").to_json(),
        handoff(HandoffEvent::queued(1, 60, false)).to_json(),
        json!({"kind": "from_a_newer_build"}),
    ];
    drop(store.append("c1", bodies, None).unwrap());
    // One answered by the bot.
    store
        .create_conversation("c2", "hash2", &StoredState::default().to_json())
        .unwrap();
    let bodies = vec![
        bot(Outcome::Smalltalk, None, &[]).to_json(),
        customer("horaires").to_json(),
        bot(Outcome::Answer, Some("hours"), &[]).to_json(),
    ];
    drop(store.append("c2", bodies, None).unwrap());

    let record = store.conversation("c1").unwrap().unwrap();
    let events = store.events_after("c1", 0).unwrap();
    let kinds: Vec<EventKind> = conversation_events(&record, &events)
        .into_iter()
        .map(|e: AnalyticsEvent| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::ConversationStarted,
            EventKind::CustomerTurn,
            EventKind::HandoffRequested {
                reason: HandoffReason::Frustration
            },
            EventKind::Escalated,
            EventKind::Queued,
        ]
    );

    let daily = rebuild_from_store(&store).unwrap();
    let today = Day::from_unix_ms(crate::auth::now_ms());
    let report = Report::over(&daily, today.minus(1), today);
    assert_eq!(report.conversations, 2);
    assert_eq!(report.customer_turns, 2);
    assert_eq!(report.understanding_rate, 0.5);
    assert_eq!(report.handoff_rate, 0.5);
    assert_eq!(report.containment_rate, 0.5);
    assert_eq!(report.queue.queued, 1);
}
