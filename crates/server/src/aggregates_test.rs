//! The persisted aggregates, checked against a full rebuild from the transcripts.
//!
//! Properties checked:
//! 1. figures folded as events are appended (pending or persisted, across a restart that
//!    leaves a customer turn awaiting its reply) equal those rebuilt from the transcripts;
//! 2. a flush persists them: the wrapped store alone then holds the same figures;
//! 3. erasing a conversation forgets its missed questions' texts, in pending and stored
//!    figures, while every count stays;
//! 4. replacing days (a rebuild) drops the pending figures of those days only.

use std::sync::Arc;

use relais_analytics::{Day, Report};
use relais_engine::Outcome;
use relais_nlu::Lang;
use relais_store::{MemoryStore, Store};
use serde_json::{Value, json};

use super::*;
use crate::analytics_feed::rebuild_from_store;
use crate::protocol::BotMessage;
use crate::transcript::Event;

fn customer(text: &str) -> Value {
    serde_json::to_value(Event::Customer {
        text: text.into(),
        id: None,
        choice: None,
    })
    .unwrap()
}

fn bot(outcome: Outcome, intent: Option<&str>) -> Value {
    serde_json::to_value(Event::Bot {
        message: BotMessage {
            text: "…".into(),
            intent: intent.map(str::to_owned),
            confidence: 0.8,
            outcome,
            quick_replies: Vec::new(),
            form: None,
            lang: Lang::Fr,
        },
        handoff: None,
    })
    .unwrap()
}

fn append(store: &dyn Store, id: &str, events: Vec<Value>) {
    let (_, durable) = store.append(id, events, None).unwrap();
    durable.wait().unwrap();
}

fn today() -> Day {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    Day::from_unix_ms(now.as_millis() as u64)
}

/// The report of the last two days (a test running over midnight spans both).
fn report(store: &dyn Store) -> Report {
    let to = today();
    Report::over(
        &daily_aggregates(store, to.minus(1), to).unwrap(),
        to.minus(1),
        to,
    )
}

fn rebuilt(store: &dyn Store) -> Report {
    let to = today();
    Report::over(&rebuild_from_store(store).unwrap(), to.minus(1), to)
}

fn missed(report: &Report) -> Vec<&str> {
    report
        .missed_questions
        .iter()
        .map(|c| c.text.as_str())
        .collect()
}

/// Two conversations; `b` is left with a typed turn awaiting its reply when the first wrapper
/// goes, and gets its (fallback) reply through a second one.
fn two_conversations(inner: &Arc<MemoryStore>) -> Arc<dyn Store> {
    let first = with_aggregates(Arc::clone(inner) as Arc<dyn Store>);
    for id in ["a", "b"] {
        first
            .create_conversation(id, &format!("hash-{id}"), &json!({}))
            .unwrap();
    }
    append(
        first.as_ref(),
        "a",
        vec![bot(Outcome::Smalltalk, Some("greeting"))],
    );
    append(
        first.as_ref(),
        "a",
        vec![
            customer("ma facture"),
            bot(Outcome::Answer, Some("billing")),
        ],
    );
    append(
        first.as_ref(),
        "a",
        vec![
            customer("zorblax quintessence"),
            bot(Outcome::Fallback, None),
        ],
    );
    append(first.as_ref(), "b", vec![customer("wibble frobnicate")]);
    drop(first);
    let second = with_aggregates(Arc::clone(inner) as Arc<dyn Store>);
    append(second.as_ref(), "b", vec![bot(Outcome::Fallback, None)]);
    second
}

#[test]
fn folded_figures_equal_the_rebuilt_ones_across_a_restart() {
    let inner = Arc::new(MemoryStore::new());
    let store = two_conversations(&inner);
    let live = report(store.as_ref());
    assert_eq!(live, rebuilt(inner.as_ref()));
    assert_eq!(live.conversations, 2);
    assert_eq!(live.customer_turns, 3);
    assert_eq!(live.missed_questions_total, 2);
    assert_eq!(
        missed(&live),
        vec!["wibble frobnicate", "zorblax quintessence"]
    );

    // Pending until flushed: the wrapped store alone has only what the first wrapper
    // persisted when it stopped.
    let before_flush = report(inner.as_ref());
    assert_eq!(before_flush.missed_questions_total, 1);
    store.flush().wait().unwrap();
    assert_eq!(report(inner.as_ref()), live);
    assert_eq!(report(store.as_ref()), live);
}

#[test]
fn erasure_forgets_missed_texts_and_keeps_counts() {
    let inner = Arc::new(MemoryStore::new());
    let store = two_conversations(&inner);
    // `a`'s figures are persisted, `b`'s reply is still pending.
    let (existed, durable) = store.erase_conversation("a").unwrap();
    durable.wait().unwrap();
    assert!(existed);
    let (existed, _) = store.erase_conversation("b").unwrap();
    assert!(existed);
    let after = report(store.as_ref());
    assert_eq!(after.conversations, 2);
    assert_eq!(after.customer_turns, 3);
    assert_eq!(after.missed_questions_total, 2);
    assert!(missed(&after).is_empty(), "{:?}", missed(&after));
    store.flush().wait().unwrap();
    assert_eq!(report(inner.as_ref()), after);
    assert!(inner.conversations().unwrap().is_empty());
    assert!(!store.erase_conversation("a").unwrap().0);
}

#[test]
fn replacing_days_drops_their_pending_figures() {
    let inner = Arc::new(MemoryStore::new());
    let store = two_conversations(&inner);
    let rebuilt = rebuild_from_store(inner.as_ref()).unwrap();
    replace_daily(store.as_ref(), rebuilt)
        .unwrap()
        .wait()
        .unwrap();
    let live = report(store.as_ref());
    assert_eq!(live.conversations, 2);
    assert_eq!(live.missed_questions_total, 2);
    store.flush().wait().unwrap();
    assert_eq!(report(inner.as_ref()), live);
}
