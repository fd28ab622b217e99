//! The `Store` contract, checked under every backend.
//!
//! Properties checked:
//! 1. a created conversation reads back as created, and is found by its resume hash;
//! 2. ids and resume hashes are unique, and a refused creation leaves nothing behind;
//! 3. unknown conversations are reported as such by every operation;
//! 4. appends number events from 1, contiguously, and replace the state only when given one;
//! 5. `events_after` returns exactly the later events of that conversation only;
//! 6. FAQ entries are replaced per (key, language) and listed in key then language order;
//! 7. tickets get distinct ids and are listed oldest first;
//! 8. malformed ids are refused as invalid input;
//! 9. concurrent appends to one conversation keep seqs contiguous and lose nothing;
//! 10. every `Durable` resolves successfully;
//! 11. `update_ticket` replaces a ticket's body only, and unknown ids are `NotFound`;
//! 12. `conversations` lists every conversation's current record, by id.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;

use relais_store::{ConversationRecord, FaqEntry, Store, StoreError};
use serde_json::{Value, json};

/// Creates conversation `id` with a resume hash derived from it.
fn create(store: &Arc<dyn Store>, id: &str) -> ConversationRecord {
    store
        .create_conversation(id, &format!("hash-of-{id}"), &json!({"phase": "new"}))
        .unwrap()
}

/// Appends one event per body, waits for durability, returns the seqs given.
fn append(store: &Arc<dyn Store>, id: &str, bodies: &[Value], state: Option<&Value>) -> Vec<u64> {
    let (events, durable) = store.append(id, bodies.to_vec(), state).unwrap();
    durable.wait().unwrap();
    assert_eq!(
        events.iter().map(|e| &e.body).collect::<Vec<_>>(),
        bodies.iter().collect::<Vec<_>>()
    );
    events.iter().map(|e| e.seq).collect()
}

fn seqs_after(store: &Arc<dyn Store>, id: &str, after: u64) -> Vec<u64> {
    store
        .events_after(id, after)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect()
}

fn faq(key: &str, lang: &str, variant: &str) -> FaqEntry {
    FaqEntry {
        key: key.to_owned(),
        lang: lang.to_owned(),
        variants: vec![variant.to_owned(), format!("{variant} (bis)")],
        source: "corpus".to_owned(),
    }
}

store_test!(created_conversation_reads_back, |store: &Arc<dyn Store>| {
    let created = store
        .create_conversation("c1", "h1", &json!({"phase": "greeting"}))
        .unwrap();
    assert_eq!(created.id, "c1");
    assert_eq!(created.last_seq, 0);
    assert_eq!(created.state, json!({"phase": "greeting"}));
    assert!(created.created_ms > 0);
    assert_eq!(store.conversation("c1").unwrap(), Some(created));
    assert_eq!(store.find_by_resume("h1").unwrap(), Some("c1".to_owned()));
    assert_eq!(store.find_by_resume("h2").unwrap(), None);
});

store_test!(
    duplicate_ids_and_resume_hashes_are_refused,
    |store: &Arc<dyn Store>| {
        let first = store.create_conversation("c1", "h1", &json!({})).unwrap();
        let same_id = store.create_conversation("c1", "h2", &json!({"other": true}));
        assert!(matches!(same_id, Err(StoreError::AlreadyExists)));
        let same_hash = store.create_conversation("c2", "h1", &json!({}));
        assert!(matches!(same_hash, Err(StoreError::AlreadyExists)));
        assert_eq!(store.conversation("c1").unwrap(), Some(first));
        assert_eq!(store.conversation("c2").unwrap(), None);
        assert_eq!(store.find_by_resume("h2").unwrap(), None);
    }
);

store_test!(unknown_conversations_are_not_found, |store: &Arc<
    dyn Store,
>| {
    assert_eq!(store.conversation("nope").unwrap(), None);
    assert!(matches!(
        store.append("nope", vec![json!({"t": 1})], None),
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.events_after("nope", 0),
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.conversation("nope").unwrap(),
        None,
        "a failed append created it"
    );
});

store_test!(
    appends_number_events_contiguously_from_one,
    |store: &Arc<dyn Store>| {
        create(store, "c1");
        assert_eq!(append(store, "c1", &[json!({"t": "a"})], None), vec![1]);
        assert_eq!(
            append(store, "c1", &[json!({"t": "b"}), json!({"t": "c"})], None),
            vec![2, 3]
        );
        let record = store.conversation("c1").unwrap().unwrap();
        assert_eq!(record.last_seq, 3);
        assert_eq!(
            record.state,
            json!({"phase": "new"}),
            "state replaced without being given"
        );
        let bodies: Vec<Value> = store
            .events_after("c1", 0)
            .unwrap()
            .into_iter()
            .map(|e| e.body)
            .collect();
        assert_eq!(
            bodies,
            vec![json!({"t": "a"}), json!({"t": "b"}), json!({"t": "c"})]
        );
    }
);

store_test!(append_replaces_the_state_when_given_one, |store: &Arc<
    dyn Store,
>| {
    create(store, "c1");
    append(
        store,
        "c1",
        &[json!({"t": "a"})],
        Some(&json!({"phase": "faq"})),
    );
    assert_eq!(
        store.conversation("c1").unwrap().unwrap().state,
        json!({"phase": "faq"})
    );
    // A state change alone adds no event.
    assert!(append(store, "c1", &[], Some(&json!({"phase": "handoff"}))).is_empty());
    let record = store.conversation("c1").unwrap().unwrap();
    assert_eq!(
        (record.last_seq, record.state),
        (1, json!({"phase": "handoff"}))
    );
});

store_test!(
    events_after_returns_later_events_of_that_conversation_only,
    |store: &Arc<dyn Store>| {
        // "c" is a prefix of "c1": their events must not mix.
        create(store, "c");
        create(store, "c1");
        append(store, "c", &[json!(1), json!(2), json!(3)], None);
        append(store, "c1", &[json!("x")], None);
        assert_eq!(seqs_after(store, "c", 0), vec![1, 2, 3]);
        assert_eq!(seqs_after(store, "c", 1), vec![2, 3]);
        assert_eq!(seqs_after(store, "c", 3), Vec::<u64>::new());
        assert_eq!(seqs_after(store, "c", u64::MAX), Vec::<u64>::new());
        let other = store.events_after("c1", 0).unwrap();
        assert_eq!((other.len(), &other[0].body), (1, &json!("x")));
        let later = store.events_after("c", 1).unwrap();
        assert_eq!(later[0].body, json!(2));
        assert!(later.iter().all(|e| e.at_ms > 0));
    }
);

store_test!(
    faq_entries_are_replaced_and_listed_in_order,
    |store: &Arc<dyn Store>| {
        store
            .put_faq(&[
                faq("opening-hours", "fr", "9h"),
                faq("billing", "fr", "facture"),
                faq("billing", "en", "invoice"),
            ])
            .unwrap()
            .wait()
            .unwrap();
        assert_eq!(
            store.faq("billing", "en").unwrap(),
            Some(faq("billing", "en", "invoice"))
        );
        assert_eq!(store.faq("billing", "de").unwrap(), None);
        assert_eq!(store.faq("unknown", "fr").unwrap(), None);
        let mut authored = faq("opening-hours", "fr", "8h-18h");
        authored.source = "author".to_owned();
        store
            .put_faq(std::slice::from_ref(&authored))
            .unwrap()
            .wait()
            .unwrap();
        assert_eq!(
            store.faq("opening-hours", "fr").unwrap(),
            Some(authored.clone())
        );
        let listed: Vec<(String, String)> = store
            .all_faq()
            .unwrap()
            .into_iter()
            .map(|e| (e.key, e.lang))
            .collect();
        let expected = [
            ("billing", "en"),
            ("billing", "fr"),
            ("opening-hours", "fr"),
        ];
        assert_eq!(listed, expected.map(|(k, l)| (k.to_owned(), l.to_owned())));
    }
);

store_test!(
    tickets_get_distinct_ids_and_list_oldest_first,
    |store: &Arc<dyn Store>| {
        assert!(store.tickets().unwrap().is_empty());
        let (first, durable) = store
            .create_ticket(&json!({"phone": "0102030405"}))
            .unwrap();
        durable.wait().unwrap();
        let (second, durable) = store.create_ticket(&json!({"email": "a@b.c"})).unwrap();
        durable.wait().unwrap();
        assert_ne!(first, second);
        let tickets = store.tickets().unwrap();
        let listed: Vec<(&str, &Value)> =
            tickets.iter().map(|t| (t.id.as_str(), &t.body)).collect();
        assert_eq!(
            listed,
            vec![
                (first.as_str(), &json!({"phone": "0102030405"})),
                (second.as_str(), &json!({"email": "a@b.c"}))
            ]
        );
        assert!(tickets.iter().all(|t| t.created_ms > 0));
    }
);

store_test!(malformed_ids_are_invalid_input, |store: &Arc<dyn Store>| {
    let long = "x".repeat(1000);
    for bad in ["", "a\0b", long.as_str()] {
        assert!(matches!(
            store.create_conversation(bad, "h", &json!({})),
            Err(StoreError::InvalidInput(_))
        ));
        assert!(matches!(
            store.conversation(bad),
            Err(StoreError::InvalidInput(_))
        ));
        assert!(matches!(
            store.faq(bad, "fr"),
            Err(StoreError::InvalidInput(_))
        ));
    }
    assert!(matches!(
        store.put_faq(&[faq("ok", "fr", "x"), faq("bad\0key", "fr", "x")]),
        Err(StoreError::InvalidInput(_))
    ));
    assert_eq!(
        store.faq("ok", "fr").unwrap(),
        None,
        "a refused batch was partly written"
    );
});

store_test!(flush_resolves, |store: &Arc<dyn Store>| {
    create(store, "c1");
    store.flush().wait().unwrap();
});

store_test!(concurrent_appends_keep_seqs_contiguous, |store: &Arc<
    dyn Store,
>| {
    const THREADS: u64 = 8;
    const APPENDS: u64 = 40;
    create(store, "shared");
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(store);
            thread::spawn(move || {
                (0..APPENDS)
                    .map(|n| {
                        let bodies = [
                            json!({"t": t, "n": n, "part": 0}),
                            json!({"t": t, "n": n, "part": 1}),
                        ];
                        let seqs = append(&store, "shared", &bodies, None);
                        assert_eq!(seqs[1], seqs[0] + 1, "one append's events were split");
                        seqs[0]
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut firsts = BTreeSet::new();
    for handle in handles {
        let mine = handle.join().unwrap();
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "a thread's appends went backwards"
        );
        firsts.extend(mine);
    }
    let total = THREADS * APPENDS * 2;
    assert_eq!(firsts, (1..=total).step_by(2).collect::<BTreeSet<u64>>());
    let events = store.events_after("shared", 0).unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=total).collect::<Vec<_>>()
    );
    let distinct: BTreeSet<String> = events.iter().map(|e| e.body.to_string()).collect();
    assert_eq!(
        distinct.len() as u64,
        total,
        "an event was lost or duplicated"
    );
    assert_eq!(
        store.conversation("shared").unwrap().unwrap().last_seq,
        total
    );
});

store_test!(update_ticket_replaces_the_body_only, |store: &Arc<
    dyn Store,
>| {
    let (first, durable) = store
        .create_ticket(&json!({"phone": "0102030405"}))
        .unwrap();
    durable.wait().unwrap();
    let (second, durable) = store.create_ticket(&json!({"email": "a@b.c"})).unwrap();
    durable.wait().unwrap();
    let before = store.tickets().unwrap();
    let done = json!({"phone": "0102030405", "done": true});
    store.update_ticket(&first, &done).unwrap().wait().unwrap();
    let after = store.tickets().unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(
        (&after[0].id, after[0].created_ms, &after[0].body),
        (&first, before[0].created_ms, &done)
    );
    assert_eq!(after[1], before[1], "another ticket changed");
    assert_eq!(after[1].id, second);
    let unknown = format!("{}{}", first, second);
    for id in [unknown.as_str(), "nope", "", "0"] {
        assert!(
            matches!(store.update_ticket(id, &done), Err(StoreError::NotFound)),
            "{id:?}"
        );
    }
    assert_eq!(store.tickets().unwrap(), after);
});

store_test!(conversations_lists_current_records_by_id, |store: &Arc<
    dyn Store,
>| {
    assert!(store.conversations().unwrap().is_empty());
    for id in ["c2", "c10", "a"] {
        create(store, id);
    }
    append(store, "c2", &[json!("x")], Some(&json!({"phase": "faq"})));
    let listed = store.conversations().unwrap();
    let ids: Vec<&str> = listed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "c10", "c2"]);
    assert_eq!(listed[2], store.conversation("c2").unwrap().unwrap());
    assert_eq!(
        (listed[2].last_seq, &listed[2].state),
        (1, &json!({"phase": "faq"}))
    );
});
