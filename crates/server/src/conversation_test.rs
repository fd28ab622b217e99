//! The state kept under a conversation's turn lock, driven through this module's writes:
//! 1. after every write through the cache (greeting, turns, a resend, the advisor asked for
//!    in `hello`, ownership transitions) the state is kept, and it is the stored state;
//! 2. a state-only write (the advisor asked for in `hello`, no event) reaches the kept state,
//!    so a later handoff still names the advisor;
//! 3. a write that bypasses the cache (a survey's `end`) makes the next turn decode the record
//!    instead of believing a state kept before it.
//!
//! That a failed append keeps nothing is checked in `session_test` (with its failing store).

use std::sync::Arc;

use super::*;
use crate::hub::Subscription;
use crate::ownership::Ownership;
use crate::stored_state::StateCache;
use crate::survey::{self, EndReason};
use crate::test_support::app;

/// Asserts that the turn lock keeps a state, and that it is the stored one.
fn assert_kept_is_stored(app: &AppState, sub: &Subscription) {
    let mut turn = sub.turn();
    assert!(
        turn.is_kept(),
        "a state is kept after a write through the cache"
    );
    let kept = take(app, &mut turn, sub.id());
    assert_eq!(
        comparable(kept.state.clone()),
        comparable(decode(app, sub.id()).unwrap())
    );
    assert_eq!(
        kept.last_seq,
        app.store().last_seq(sub.id()).unwrap().unwrap()
    );
    turn.keep(kept);
}

/// The state without its handoff context, whose float confidences serde_json reads back from
/// JSON text only to within one ulp (the kept state has them exactly as written).
fn comparable(mut state: StoredState) -> StoredState {
    if let Some(entry) = &mut state.handoff {
        entry.context = serde_json::Value::Null;
    }
    state
}

fn take(app: &AppState, cache: &mut StateCache, id: &str) -> Loaded {
    cache.take(app.store().as_ref(), id).unwrap().unwrap()
}

fn committed(result: TurnResult) -> Commit {
    match result {
        TurnResult::Committed(commit) => commit,
        TurnResult::AlreadyStored(seq) => panic!("unexpected resend of seq {seq}"),
        TurnResult::Handoff(..) => panic!("unexpected handoff"),
    }
}

#[tokio::test]
async fn every_write_through_the_cache_keeps_the_stored_state() {
    let app = app();
    let opened = open(&app).unwrap();
    let sub = app.hub().subscribe(&opened.id);
    greet(&app, &sub, Some(Lang::Fr)).unwrap();
    assert_kept_is_stored(&app, &sub);
    request_agent(&app, &sub, "alice").unwrap();
    assert_kept_is_stored(&app, &sub);
    let said = customer_turn(&app, &sub, Input::Message("bonjour"), Some("m1")).unwrap();
    committed(said).durable().await.unwrap();
    assert_kept_is_stored(&app, &sub);
    let again = customer_turn(&app, &sub, Input::Message("bonjour"), Some("m1")).unwrap();
    assert!(matches!(again, TurnResult::AlreadyStored(2)));
    assert_kept_is_stored(&app, &sub);

    let ownership = Ownership::new(Arc::clone(app.store()), app.hub().clone());
    let entry = handoff_entry(&app, sub.id(), "customer_request").unwrap();
    let (entry, _) = ownership.enqueue(entry, 1, 60).unwrap();
    assert_kept_is_stored(&app, &sub);
    assert_eq!(
        entry.requested_agent, None,
        "the entry's wish is the queue actor's to fill in"
    );
    let kept = take(&app, &mut sub.turn(), sub.id());
    assert_eq!(kept.state.owner, Owner::Queue);
    assert_eq!(kept.state.requested_agent.as_deref(), Some("alice"));
    sub.turn().keep(kept);

    // The queue owns the chat: the customer's words are stored, the bot stays silent.
    let waiting = customer_turn(&app, &sub, Input::Message("allo ?"), None).unwrap();
    let events = committed(waiting).durable().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_kept_is_stored(&app, &sub);
    ownership
        .assign(sub.id(), &Owner::Queue, "alice", "Alice", &entry)
        .unwrap();
    assert_kept_is_stored(&app, &sub);
    agent_message(&app, &sub, "alice", "Alice", "Bonjour, Alice ici").unwrap();
    assert_kept_is_stored(&app, &sub);
    assert!(matches!(
        agent_message(&app, &sub, "bob", "Bob", "pas à moi"),
        Err(SessionError::NotOwner)
    ));
    assert_kept_is_stored(&app, &sub);
    ownership.hand_back(sub.id(), "alice", true).unwrap();
    assert_kept_is_stored(&app, &sub);
    assert_eq!(decode(&app, sub.id()).unwrap().owner, Owner::Bot);
}

#[tokio::test]
async fn a_write_that_bypasses_the_cache_is_noticed() {
    let app = app();
    let opened = open(&app).unwrap();
    let sub = app.hub().subscribe(&opened.id);
    greet(&app, &sub, Some(Lang::Fr)).unwrap();
    let said = customer_turn(&app, &sub, Input::Message("bonjour"), Some("m1")).unwrap();
    committed(said).durable().await.unwrap();
    let stored_turns = decode(&app, sub.id()).unwrap().turns;

    // A kept state that differs from the stored one is believed while the store has not
    // moved: the cache is what a turn reads.
    let mut kept = take(&app, &mut sub.turn(), sub.id());
    kept.state.turns = 1_000;
    sub.turn().keep(kept);
    let believed = take(&app, &mut sub.turn(), sub.id());
    assert_eq!(believed.state.turns, 1_000);
    sub.turn().keep(believed);

    // The survey appends events without the cache: the next read decodes the record.
    survey::end(&app, &sub, EndReason::Customer).unwrap();
    let decoded = take(&app, &mut sub.turn(), sub.id());
    assert_eq!(decoded.state.turns, stored_turns);
    assert_eq!(
        decoded.last_seq,
        app.store().last_seq(sub.id()).unwrap().unwrap()
    );
}
