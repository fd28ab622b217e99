//! What only the sled backend promises: persistence across reopen, one process per
//! directory, and group commit.
//!
//! Properties checked:
//! 1. closing and reopening keeps conversations, events, state, FAQ and tickets, and
//!    numbering continues where it stopped;
//! 2. a second open of a directory in use is refused as `Locked`, and succeeds once closed;
//! 3. concurrent writers share flushes: fewer flushes than durable appends;
//! 4. a restart keeps the handoff queue in order (front entries included), and entries queued
//!    afterwards go behind it; agents and their sessions survive it too.

use std::sync::{Arc, Barrier};
use std::thread;

use relais_store::{FaqEntry, SledStore, Store, StoreError};
use serde_json::json;

use crate::agents::{agent, put_agent, put_session, session};
use crate::fixture::TempDataDir;
use crate::queue::{enqueue, entry, queued};

#[test]
fn reopen_keeps_everything() {
    let dir = TempDataDir::new();
    let entry = FaqEntry {
        key: "billing".to_owned(),
        lang: "fr".to_owned(),
        variants: vec!["Votre facture est dans votre espace client.".to_owned()],
        source: "corpus".to_owned(),
    };
    let (record, events, tickets) = {
        let store = dir.open();
        store
            .create_conversation("c1", "h1", &json!({"phase": "new"}))
            .unwrap();
        let (_, durable) = store
            .append(
                "c1",
                vec![json!({"t": "bonjour"}), json!({"t": "réponse"})],
                Some(&json!({"phase": "faq"})),
            )
            .unwrap();
        durable.wait().unwrap();
        store
            .put_faq(std::slice::from_ref(&entry))
            .unwrap()
            .wait()
            .unwrap();
        let (_, durable) = store
            .create_ticket(&json!({"phone": "0600000000"}))
            .unwrap();
        durable.wait().unwrap();
        (
            store.conversation("c1").unwrap().unwrap(),
            store.events_after("c1", 0).unwrap(),
            store.tickets().unwrap(),
        )
    };
    let store = dir.open();
    assert_eq!(store.conversation("c1").unwrap(), Some(record));
    assert_eq!(store.events_after("c1", 0).unwrap(), events);
    assert_eq!(store.find_by_resume("h1").unwrap(), Some("c1".to_owned()));
    assert_eq!(store.all_faq().unwrap(), vec![entry]);
    assert_eq!(store.tickets().unwrap(), tickets);

    let (more, durable) = store
        .append("c1", vec![json!({"t": "encore"})], None)
        .unwrap();
    durable.wait().unwrap();
    assert_eq!(more[0].seq, 3);
    let (id, durable) = store.create_ticket(&json!({"email": "x@y.z"})).unwrap();
    durable.wait().unwrap();
    let old: u64 = tickets[0].id.parse().unwrap();
    assert!(
        id.parse::<u64>().unwrap() > old,
        "ticket number reused after reopen"
    );
}

#[test]
fn a_directory_in_use_is_locked() {
    let dir = TempDataDir::new();
    let first = dir.open();
    match SledStore::open(dir.path()) {
        Err(err @ StoreError::Locked { .. }) => {
            let message = err.to_string();
            assert!(
                message.contains(&dir.path().display().to_string()),
                "{message}"
            );
            assert!(message.contains("in use by another process"), "{message}");
        }
        other => panic!("second open was not refused as locked: {other:?}"),
    }
    drop(first);
    assert!(SledStore::open(dir.path()).is_ok());
}

#[test]
fn concurrent_writers_share_flushes() {
    const WRITERS: usize = 64;
    const APPENDS: usize = 20;
    let dir = TempDataDir::new();
    let store = Arc::new(dir.open());
    for w in 0..WRITERS {
        store
            .create_conversation(&format!("c{w}"), &format!("h{w}"), &json!({}))
            .unwrap();
    }
    let before = store.flush_stats();
    let start = Arc::new(Barrier::new(WRITERS));
    let handles: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (store, start) = (Arc::clone(&store), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                for n in 0..APPENDS {
                    let (_, durable) = store
                        .append(&format!("c{w}"), vec![json!({"n": n})], None)
                        .unwrap();
                    durable.wait().unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let after = store.flush_stats();
    let appends = (WRITERS * APPENDS) as u64;
    assert_eq!(after.writes - before.writes, appends);
    let flushes = after.flushes - before.flushes;
    assert!(
        flushes < appends,
        "{flushes} flushes for {appends} appends: no grouping"
    );
}

#[test]
fn restart_keeps_the_queue_in_order() {
    let dir = TempDataDir::new();
    let before = {
        let store = dir.open();
        for (conversation, priority) in [("a", 0), ("b", 1), ("c", 0)] {
            enqueue(&store, entry(conversation, priority));
        }
        let (_, durable) = store.enqueue_front(entry("returned", 0)).unwrap();
        durable.wait().unwrap();
        enqueue(&store, entry("gone", 0));
        let (_, durable) = store.dequeue("gone").unwrap();
        durable.wait().unwrap();
        put_agent(&store, &agent("alice", 4));
        put_session(&store, "h1", &session("alice", 4));
        store.queue().unwrap()
    };
    let store = dir.open();
    assert_eq!(store.queue().unwrap(), before);
    assert_eq!(queued(&store), ["b", "returned", "a", "c"]);
    enqueue(&store, entry("d", 0));
    enqueue(&store, entry("e", 1));
    assert_eq!(queued(&store), ["b", "e", "returned", "a", "c", "d"]);
    assert!(matches!(
        store.enqueue(entry("a", 0)),
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.agents().unwrap(), vec![agent("alice", 4)]);
    assert_eq!(
        store.agent_session("h1").unwrap(),
        Some(session("alice", 4))
    );
}
