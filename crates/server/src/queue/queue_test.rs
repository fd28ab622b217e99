//! The queue actor over the in-memory store:
//! 1. with nobody online, outside opening hours or above the wait limit, nothing is queued and
//!    the answer says why;
//! 2. the queue is served by priority then arrival, and a restart rebuilds it in that order;
//! 3. a French customer is neither shown nor given to an English-only advisor;
//! 4. two advisors accepting the same chat at once: exactly one wins;
//! 5. a disconnected advisor's chat goes back to the head of the queue after the grace period
//!    (paused time), and stays theirs if they come back in time;
//! 6. waiting customers are told their new place and wait when they change;
//! 7. a missing skill falls back to any advisor of the language; a named advisor is reserved;
//! 8. takeover of a bot conversation, and the customer leaving, are recorded transitions.

use std::sync::Arc;
use std::time::Duration;

use relais_nlu::Lang;
use relais_store::{MemoryStore, QueueEntry, Store};
use serde_json::{Value, json};

use super::*;
use crate::config::{OpeningHours, ServerConfig};
use crate::hub::{Received, Signal};
use crate::ids::{hash_resume_token, new_conversation_id};
use crate::state::AppState;
use crate::stored_state::{Owner, StoredState};
use crate::test_support::app_with;

fn rig(config: ServerConfig) -> (AppState, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    (app_with(store.clone(), config), store)
}

fn conversation(store: &MemoryStore, lang: Lang) -> String {
    let id = new_conversation_id().unwrap();
    let state = StoredState::from_json(&id, &json!({"lang": lang}));
    store
        .create_conversation(&id, &hash_resume_token(&id), &state.to_json())
        .unwrap();
    id
}

fn ask(id: &str, lang: &str, skill: Option<&str>, priority: u8) -> HandoffAsk {
    HandoffAsk {
        entry: QueueEntry {
            conversation: id.into(),
            order: 0,
            lang: lang.into(),
            skill: skill.map(Into::into),
            priority,
            requested_agent: None,
            reason: "explicit".into(),
            enqueued_ms: 0,
            context: json!({"understood": [], "missed": []}),
        },
        requested: None,
        text: String::new(),
    }
}

fn agent(name: &str, langs: &[&str], skills: &[&str], capacity: u32) -> AgentInfo {
    AgentInfo {
        name: name.into(),
        display_name: format!("{}{}", name[..1].to_uppercase(), &name[1..]),
        langs: langs.iter().map(|s| (*s).into()).collect(),
        skills: skills.iter().map(|s| (*s).into()).collect(),
        capacity,
    }
}

/// Queues `ask`, which must succeed; returns the `handoff` event's body.
async fn queue(app: &AppState, ask: HandoffAsk) -> Value {
    match app.queue().handoff(ask).await.unwrap() {
        HandoffAnswer::Queued(events) => {
            assert_eq!(events.len(), 1);
            events[0].body.clone()
        }
        other => panic!("expected the conversation to be queued, got {other:?}"),
    }
}

fn owner(store: &MemoryStore, id: &str) -> Owner {
    let record = store.conversation(id).unwrap().unwrap();
    StoredState::from_json(id, &record.state).owner
}

fn last_event(store: &MemoryStore, id: &str) -> Value {
    let events = store.events_after(id, 0).unwrap();
    events.last().expect("an event").body.clone()
}

/// Waits until the advisor's queue frame satisfies `ready`, then returns its items.
async fn queue_items(connected: &mut Connected, ready: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let items = |frame: &str| -> Vec<Value> {
        let frame: Value = serde_json::from_str(frame).unwrap();
        assert_eq!(frame["type"], "queue");
        frame["items"].as_array().cloned().unwrap_or_default()
    };
    let frame = tokio::time::timeout(
        Duration::from_secs(5),
        connected.queue.wait_for(|frame| ready(&items(frame))),
    )
    .await
    .expect("the queue frame in time")
    .unwrap()
    .clone();
    items(&frame)
}

#[tokio::test]
async fn no_advisor_online_closed_hours_or_a_long_wait_queue_nothing() {
    let (app, store) = rig(ServerConfig::default());
    let id = conversation(&store, Lang::Fr);
    let answer = app.queue().handoff(ask(&id, "fr", None, 0)).await.unwrap();
    assert!(
        matches!(answer, HandoffAnswer::Unavailable(Unavailable::NoAgent)),
        "{answer:?}"
    );

    let closed = ServerConfig {
        opening_hours: Some(OpeningHours::never()),
        ..ServerConfig::default()
    };
    let (app, store) = rig(closed);
    app.queue()
        .connect(agent("alice", &["fr"], &[], 3))
        .await
        .unwrap();
    let id = conversation(&store, Lang::Fr);
    let answer = app.queue().handoff(ask(&id, "fr", None, 0)).await.unwrap();
    assert!(
        matches!(answer, HandoffAnswer::Unavailable(Unavailable::Closed)),
        "{answer:?}"
    );

    let impatient = ServerConfig {
        max_wait: Some(Duration::from_secs(100)),
        ..ServerConfig::default()
    };
    let (app, store) = rig(impatient);
    app.queue()
        .connect(agent("alice", &["fr"], &[], 1))
        .await
        .unwrap();
    let id = conversation(&store, Lang::Fr);
    let answer = app.queue().handoff(ask(&id, "fr", None, 0)).await.unwrap();
    assert!(
        matches!(answer, HandoffAnswer::Unavailable(Unavailable::WaitTooLong)),
        "240 s estimated: {answer:?}"
    );
    assert_eq!(owner(&store, &id), Owner::Bot);
    assert!(app.queue().snapshot().await.waiting.is_empty());
    assert!(store.queue().unwrap().is_empty());
}

#[tokio::test]
async fn the_queue_is_served_by_priority_then_arrival_and_rebuilt_in_order() {
    let (app, store) = rig(ServerConfig::default());
    app.queue()
        .connect(agent("alice", &["fr"], &[], 3))
        .await
        .unwrap();
    let [a, b, c] = [0, 1, 2].map(|_| conversation(&store, Lang::Fr));
    let first = queue(&app, ask(&a, "fr", None, 0)).await;
    let urgent = queue(&app, ask(&b, "fr", None, 1)).await;
    let third = queue(&app, ask(&c, "fr", None, 0)).await;
    assert_eq!(
        (first["state"].clone(), first["position"].clone()),
        (json!("queued"), json!(1))
    );
    assert_eq!(urgent["position"], 1, "urgent goes first");
    assert_eq!(third["position"], 3);
    assert_eq!(owner(&store, &a), Owner::Queue);
    let expected = vec![b.clone(), a.clone(), c.clone()];
    assert_eq!(app.queue().snapshot().await.waiting, expected);

    // A restart: a new application over the same store.
    let restarted = app_with(store.clone(), ServerConfig::default());
    assert_eq!(restarted.queue().snapshot().await.waiting, expected);
    assert_eq!(
        restarted.queue().position(&a).await.unwrap().map(|p| p.0),
        Some(2)
    );
}

#[tokio::test]
async fn a_french_customer_is_not_given_to_an_english_only_advisor() {
    let (app, store) = rig(ServerConfig::default());
    let mut bob = app
        .queue()
        .connect(agent("bob", &["en"], &[], 3))
        .await
        .unwrap();
    let mut alice = app
        .queue()
        .connect(agent("alice", &["fr"], &[], 3))
        .await
        .unwrap();
    let id = conversation(&store, Lang::Fr);
    queue(&app, ask(&id, "fr", None, 0)).await;
    let items = queue_items(&mut alice, |items| !items.is_empty()).await;
    assert_eq!(items[0]["conversation"], id.as_str());
    assert_eq!(items[0]["position"], 1);
    assert!(
        queue_items(&mut bob, |_| true).await.is_empty(),
        "bob never sees it"
    );
    let refused = app.queue().accept(agent("bob", &["en"], &[], 3), &id).await;
    assert!(matches!(
        refused,
        Err(ActionError::Refused(Refusal::NotEligible))
    ));
    let taken = app
        .queue()
        .accept(agent("alice", &["fr"], &[], 3), &id)
        .await
        .unwrap();
    assert_eq!(taken.entry.conversation, id);
    assert_eq!(owner(&store, &id), Owner::Agent("alice".into()));
    assert_eq!(
        last_event(&store, &id),
        json!({"kind": "handoff", "state": "assigned",
        "agent": "Alice", "name": "alice"})
    );
    assert!(
        queue_items(&mut alice, |items| items.is_empty())
            .await
            .is_empty()
    );
    assert!(
        store.queue().unwrap().is_empty(),
        "the store's queue follows"
    );
}

#[tokio::test]
async fn two_advisors_accepting_at_once_exactly_one_wins() {
    let (app, store) = rig(ServerConfig::default());
    let alice = agent("alice", &["fr"], &[], 3);
    let carol = agent("carol", &["fr"], &[], 3);
    app.queue().connect(alice.clone()).await.unwrap();
    app.queue().connect(carol.clone()).await.unwrap();
    let id = conversation(&store, Lang::Fr);
    queue(&app, ask(&id, "fr", None, 0)).await;
    let (a, c) = tokio::join!(
        app.queue().accept(alice, &id),
        app.queue().accept(carol, &id)
    );
    let outcomes = [a.is_ok(), c.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|won| **won).count(),
        1,
        "{outcomes:?}"
    );
    let loser = if a.is_ok() { c } else { a };
    assert!(matches!(
        loser,
        Err(ActionError::Refused(Refusal::AlreadyTaken))
    ));
    let assigned = store
        .events_after(&id, 0)
        .unwrap()
        .iter()
        .filter(|e| e.body["state"] == "assigned")
        .count();
    assert_eq!(assigned, 1);
}

#[tokio::test(start_paused = true)]
async fn an_advisor_who_leaves_gets_the_chat_back_only_within_the_grace_period() {
    let (app, store) = rig(ServerConfig::default());
    let alice = agent("alice", &["fr"], &[], 3);
    let connected = app.queue().connect(alice.clone()).await.unwrap();
    let [x, y] = [0, 1].map(|_| conversation(&store, Lang::Fr));
    queue(&app, ask(&x, "fr", None, 0)).await;
    queue(&app, ask(&y, "fr", None, 0)).await;
    app.queue().accept(alice.clone(), &x).await.unwrap();

    // Away, then back in time: the chat is still hers.
    app.queue().disconnect("alice", connected.id).await;
    app.queue().snapshot().await;
    tokio::time::advance(Duration::from_secs(59)).await;
    let back = app.queue().connect(alice.clone()).await.unwrap();
    assert_eq!(back.chats, std::slice::from_ref(&x));
    tokio::time::advance(Duration::from_secs(120)).await;
    let snapshot = app.queue().snapshot().await;
    assert_eq!(snapshot.held, [(x.clone(), "alice".to_owned())]);

    // Away for good: after 60 s the chat is first in line again.
    app.queue().disconnect("alice", back.id).await;
    app.queue().snapshot().await;
    tokio::time::advance(Duration::from_secs(59)).await;
    assert_eq!(app.queue().snapshot().await.held.len(), 1);
    tokio::time::advance(Duration::from_secs(2)).await;
    let snapshot = app.queue().snapshot().await;
    assert!(snapshot.held.is_empty());
    assert_eq!(snapshot.waiting, [x.clone(), y.clone()], "back at the head");
    assert_eq!(owner(&store, &x), Owner::Queue);
    let event = last_event(&store, &x);
    assert_eq!(
        (&event["state"], &event["position"], &event["requeued"]),
        (&json!("queued"), &json!(1), &json!(true))
    );
    assert_eq!(
        store.queue().unwrap()[0].conversation,
        x,
        "and in the store"
    );
}

#[tokio::test]
async fn waiting_customers_hear_when_their_place_changes() {
    let (app, store) = rig(ServerConfig::default());
    let alice = agent("alice", &["fr"], &[], 1);
    app.queue().connect(alice.clone()).await.unwrap();
    let [a, b] = [0, 1].map(|_| conversation(&store, Lang::Fr));
    let mut customer_b = app.hub().subscribe(&b);
    let first = queue(&app, ask(&a, "fr", None, 0)).await;
    let second = queue(&app, ask(&b, "fr", None, 0)).await;
    assert_eq!(
        (first["eta_s"].clone(), second["eta_s"].clone()),
        (json!(240), json!(480))
    );
    app.queue().accept(alice, &a).await.unwrap();
    let update = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Received::Signal(signal) = customer_b.recv().await {
                return signal;
            }
        }
    })
    .await
    .expect("an update in time");
    assert_eq!(
        update,
        Signal::QueueUpdate {
            position: 1,
            eta_s: 240
        }
    );
}

#[tokio::test]
async fn a_missing_skill_falls_back_and_a_named_advisor_is_reserved() {
    let (app, store) = rig(ServerConfig::default());
    app.queue()
        .connect(agent("alice", &["fr"], &["billing"], 3))
        .await
        .unwrap();
    app.queue()
        .connect(agent("bruno", &["fr"], &["billing"], 3))
        .await
        .unwrap();
    let id = conversation(&store, Lang::Fr);
    let taken = {
        queue(&app, ask(&id, "fr", Some("technical"), 0)).await;
        app.queue()
            .accept(agent("bruno", &["fr"], &["billing"], 3), &id)
            .await
            .unwrap()
    };
    assert_eq!(taken.entry.skill, None);
    assert_eq!(taken.entry.context["wanted_skill"], "technical");

    let named = conversation(&store, Lang::Fr);
    let mut wish = ask(&named, "fr", None, 0);
    wish.text = "je veux parler à Alice svp".into();
    queue(&app, wish).await;
    let refused = app
        .queue()
        .accept(agent("bruno", &["fr"], &["billing"], 3), &named)
        .await;
    assert!(matches!(
        refused,
        Err(ActionError::Refused(Refusal::NotEligible))
    ));
    let taken = app
        .queue()
        .accept(agent("alice", &["fr"], &["billing"], 3), &named)
        .await
        .unwrap();
    assert_eq!(taken.entry.requested_agent.as_deref(), Some("alice"));
}

#[tokio::test]
async fn takeover_and_leaving_are_recorded_transitions() {
    let (app, store) = rig(ServerConfig::default());
    let alice = agent("alice", &["fr"], &[], 3);
    app.queue().connect(alice.clone()).await.unwrap();
    let id = conversation(&store, Lang::Fr);
    let mut entry = ask(&id, "fr", None, 0).entry;
    entry.reason = "takeover".into();
    app.queue()
        .take_over(alice.clone(), entry.clone())
        .await
        .unwrap();
    assert_eq!(owner(&store, &id), Owner::Agent("alice".into()));
    let again = app
        .queue()
        .take_over(agent("zoe", &["fr"], &[], 3), entry)
        .await;
    assert!(matches!(again, Err(ActionError::Refused(_))));

    let events = app.queue().leave(&id).await.unwrap().expect("a transition");
    assert_eq!(events[0].body["state"], "ended");
    assert_eq!(events[0].body["by"], "customer");
    assert_eq!(owner(&store, &id), Owner::Bot);
    assert!(
        app.queue().leave(&id).await.unwrap().is_none(),
        "nothing left to leave"
    );
    let closed = app.queue().hand_back("alice", &id, true).await;
    assert!(matches!(
        closed,
        Err(ActionError::Refused(Refusal::NotOwner))
    ));
}
