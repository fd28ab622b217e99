//! Retention and erasure over the in-memory store.
//!
//! Properties checked:
//! 1. ages read as `<days>d` only;
//! 2. a purge erases every idle conversation past the cutoff with its tickets, keeps those
//!    queued or with an advisor, and removes tickets older than the cutoff; a cutoff before
//!    everything removes nothing;
//! 3. an erasure removes the conversation and its tickets only, refuses an active one, and
//!    reports an unknown one;
//! 4. a purge and an erasure remove the inbox items of the conversations they erase, and an
//!    erasure request for a conversation already gone still removes its leftover items.

use std::sync::Arc;

use relais_store::{InboxKind, MemoryStore, NewInboxItem, Store};
use serde_json::json;

use super::*;

const DAY: u64 = 86_400_000;

fn store_with(conversations: &[(&str, &str)]) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    for (id, owner) in conversations {
        store
            .create_conversation(id, &format!("h-{id}"), &json!({"owner": owner}))
            .unwrap();
        store
            .append(
                id,
                vec![json!({"kind": "customer", "text": "bonjour"})],
                None,
            )
            .unwrap()
            .1
            .wait()
            .unwrap();
    }
    store
}

fn ticket_for(store: &dyn Store, conversation: &str) -> String {
    store
        .create_ticket(&json!({"kind": "callback", "conversation": conversation,
            "contact": "ana@example.fr", "consent": true}))
        .unwrap()
        .0
}

fn ids(store: &dyn Store) -> Vec<String> {
    store
        .conversations()
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn ages_are_days() {
    assert_eq!("90d".parse::<Age>().unwrap(), Age::days(90));
    assert_eq!("0d".parse::<Age>().unwrap().cutoff_ms(1_000), 1_000);
    assert_eq!(Age::days(2).cutoff_ms(5 * DAY), 3 * DAY);
    assert_eq!(Age::days(1).duration().as_secs(), 86_400);
    for bad in ["90", "d", "-1d", "1.5d", "90 d", ""] {
        assert!(bad.parse::<Age>().is_err(), "{bad}");
    }
}

#[test]
fn a_purge_removes_idle_conversations_and_their_tickets_but_not_active_ones() {
    let store = store_with(&[
        ("a", "bot"),
        ("b", "bot"),
        ("q", "queue"),
        ("x", "agent:alice"),
    ]);
    ticket_for(store.as_ref(), "a");
    ticket_for(store.as_ref(), "q");

    let nothing = purge_older_than(store.as_ref(), 0).unwrap();
    assert_eq!(nothing, PurgeReport::default());
    assert_eq!(ids(store.as_ref()), ["a", "b", "q", "x"]);

    let tomorrow = crate::auth::now_ms() + DAY;
    let report = purge_older_than(store.as_ref(), tomorrow).unwrap();
    assert_eq!(
        report,
        PurgeReport {
            purged: 2,
            kept_active: 2,
            // `a`'s, and `q`'s as older than the cutoff: contact details go either way.
            tickets_removed: 2,
        }
    );
    assert_eq!(ids(store.as_ref()), ["q", "x"]);
    assert!(store.tickets().unwrap().is_empty());
    assert_eq!(store.find_by_resume("h-a").unwrap(), None);
}

#[test]
fn an_erasure_takes_the_conversation_and_its_tickets_only() {
    let store = store_with(&[("a", "bot"), ("b", "bot"), ("q", "queue")]);
    ticket_for(store.as_ref(), "a");
    let kept = ticket_for(store.as_ref(), "b");

    assert_eq!(
        erase_conversation(store.as_ref(), "a").unwrap(),
        Erasure::Erased
    );
    assert_eq!(ids(store.as_ref()), ["b", "q"]);
    let tickets: Vec<String> = store.tickets().unwrap().into_iter().map(|t| t.id).collect();
    assert_eq!(tickets, [kept]);

    assert_eq!(
        erase_conversation(store.as_ref(), "a").unwrap(),
        Erasure::NotFound
    );
    assert_eq!(
        erase_conversation(store.as_ref(), "q").unwrap(),
        Erasure::Active
    );
    assert_eq!(ids(store.as_ref()), ["b", "q"]);
}

fn missed(store: &dyn Store, conversation: &str) {
    let item = NewInboxItem {
        kind: InboxKind::Fallback,
        text: format!("question in {conversation}"),
        lang: None,
        conversation: Some(conversation.to_owned()),
        agent: None,
    };
    store.add_inbox_item(&item).unwrap().1.wait().unwrap();
}

fn inbox_conversations(store: &dyn Store) -> Vec<String> {
    store
        .inbox_items()
        .unwrap()
        .into_iter()
        .filter_map(|i| i.item.conversation)
        .collect()
}

#[test]
fn purges_and_erasures_take_the_conversations_inbox_items() {
    let store = store_with(&[("a", "bot"), ("b", "bot"), ("q", "queue")]);
    for id in ["a", "b", "q", "gone"] {
        missed(store.as_ref(), id);
    }
    let tomorrow = crate::auth::now_ms() + DAY;
    purge_older_than(store.as_ref(), tomorrow).unwrap();
    assert_eq!(inbox_conversations(store.as_ref()), ["q", "gone"]);

    assert_eq!(
        erase_conversation(store.as_ref(), "gone").unwrap(),
        Erasure::NotFound
    );
    assert_eq!(inbox_conversations(store.as_ref()), ["q"]);
}
