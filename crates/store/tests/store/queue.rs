//! The handoff queue, checked under every backend.
//!
//! Properties checked:
//! 1. the queue is served by priority (higher first), then first come first served, whatever
//!    `order` the caller passed in;
//! 2. an entry reads back with every field as queued, and its order as the store assigned it;
//! 3. a conversation is queued at most once: a second enqueue is `AlreadyExists` and leaves
//!    the first entry as it was;
//! 4. dequeue returns the entry and takes it out; dequeuing an absent conversation gives
//!    `None`; a dequeued conversation can queue again, at the back;
//! 5. `enqueue_front` goes ahead of its priority (latest first) but behind higher priorities;
//! 6. concurrent enqueues all land, with distinct orders, each thread's in its own order;
//! 7. malformed conversation ids are invalid input.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;

use relais_store::{QueueEntry, Store, StoreError};
use serde_json::json;

/// An entry for `conversation` at `priority`, with a deliberately bogus caller-side order.
pub(crate) fn entry(conversation: &str, priority: u8) -> QueueEntry {
    QueueEntry {
        conversation: conversation.to_owned(),
        order: 12_345,
        lang: "fr".to_owned(),
        skill: Some("billing".to_owned()),
        priority,
        requested_agent: None,
        reason: "misunderstood".to_owned(),
        enqueued_ms: 1_700_000_000_000,
        context: json!({"understood": [{"intent": "billing", "confidence": 0.42}], "missed": ["hein"]}),
    }
}

/// Queues `entry` at the back, waits for durability, returns the entry as stored.
pub(crate) fn enqueue(store: &dyn Store, entry: QueueEntry) -> QueueEntry {
    let (stored, durable) = store.enqueue(entry).unwrap();
    durable.wait().unwrap();
    stored
}

/// The queued conversations, in serving order.
pub(crate) fn queued(store: &dyn Store) -> Vec<String> {
    store
        .queue()
        .unwrap()
        .into_iter()
        .map(|e| e.conversation)
        .collect()
}

store_test!(queue_is_priority_desc_then_fifo, |store: &Arc<
    dyn Store,
>| {
    assert!(store.queue().unwrap().is_empty());
    for (conversation, priority) in [("a", 0), ("b", 1), ("c", 0), ("d", 2), ("e", 1)] {
        enqueue(store.as_ref(), entry(conversation, priority));
    }
    assert_eq!(queued(store.as_ref()), ["d", "b", "e", "a", "c"]);
    let queue = store.queue().unwrap();
    let zeros: Vec<u64> = queue
        .iter()
        .filter(|e| e.priority == 0)
        .map(|e| e.order)
        .collect();
    assert!(zeros[0] < zeros[1], "orders do not grow: {zeros:?}");
});

store_test!(
    entries_read_back_with_the_order_the_store_assigned,
    |store: &Arc<dyn Store>| {
        let mut asked = entry("c1", 1);
        asked.requested_agent = Some("alice".to_owned());
        asked.skill = None;
        let stored = enqueue(store.as_ref(), asked.clone());
        assert_ne!(stored.order, asked.order, "the caller's order was kept");
        assert_eq!(
            QueueEntry {
                order: asked.order,
                ..stored.clone()
            },
            asked,
            "a field other than the order changed"
        );
        assert_eq!(store.queue().unwrap(), vec![stored]);
    }
);

store_test!(enqueue_twice_is_already_exists, |store: &Arc<dyn Store>| {
    let first = enqueue(store.as_ref(), entry("c1", 0));
    let mut again = entry("c1", 3);
    again.reason = "asked for a human".to_owned();
    assert!(matches!(
        store.enqueue(again.clone()),
        Err(StoreError::AlreadyExists)
    ));
    assert!(matches!(
        store.enqueue_front(again),
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(store.queue().unwrap(), vec![first]);
});

store_test!(
    dequeue_takes_the_entry_out_and_absent_is_none,
    |store: &Arc<dyn Store>| {
        let (absent, durable) = store.dequeue("nobody").unwrap();
        durable.wait().unwrap();
        assert_eq!(absent, None);
        let a = enqueue(store.as_ref(), entry("a", 0));
        enqueue(store.as_ref(), entry("b", 0));
        let (taken, durable) = store.dequeue("a").unwrap();
        durable.wait().unwrap();
        assert_eq!(taken, Some(a));
        assert_eq!(queued(store.as_ref()), ["b"]);
        assert_eq!(store.dequeue("a").unwrap().0, None);
        // Queued again, it waits behind those who stayed.
        let back = enqueue(store.as_ref(), entry("a", 0));
        assert_eq!(queued(store.as_ref()), ["b", "a"]);
        assert_eq!(store.dequeue("a").unwrap().0, Some(back));
    }
);

store_test!(
    enqueue_front_goes_to_the_head_of_its_priority,
    |store: &Arc<dyn Store>| {
        enqueue(store.as_ref(), entry("a", 0));
        enqueue(store.as_ref(), entry("urgent", 1));
        enqueue(store.as_ref(), entry("b", 0));
        for returning in ["r1", "r2"] {
            let (stored, durable) = store.enqueue_front(entry(returning, 0)).unwrap();
            durable.wait().unwrap();
            assert_eq!(stored.conversation, returning);
        }
        assert_eq!(queued(store.as_ref()), ["urgent", "r2", "r1", "a", "b"]);
        enqueue(store.as_ref(), entry("c", 0));
        assert_eq!(queued(store.as_ref()).last().map(String::as_str), Some("c"));
    }
);

store_test!(concurrent_enqueues_get_distinct_orders, |store: &Arc<
    dyn Store,
>| {
    const THREADS: usize = 8;
    const PER_THREAD: usize = 25;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = Arc::clone(store);
            thread::spawn(move || {
                (0..PER_THREAD)
                    .map(|n| enqueue(store.as_ref(), entry(&format!("t{t}-{n}"), 0)).order)
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut orders = BTreeSet::new();
    for handle in handles {
        let mine = handle.join().unwrap();
        assert!(
            mine.windows(2).all(|w| w[0] < w[1]),
            "a thread's entries were not queued in the order it made them"
        );
        orders.extend(mine);
    }
    assert_eq!(
        orders.len(),
        THREADS * PER_THREAD,
        "two entries share an order"
    );
    let queue = store.queue().unwrap();
    assert_eq!(queue.len(), THREADS * PER_THREAD);
    assert!(
        queue.windows(2).all(|w| w[0].order < w[1].order),
        "the queue is not in order"
    );
});

store_test!(
    malformed_conversation_ids_are_invalid_input,
    |store: &Arc<dyn Store>| {
        for bad in ["", "a\0b"] {
            assert!(matches!(
                store.enqueue(entry(bad, 0)),
                Err(StoreError::InvalidInput(_))
            ));
            assert!(matches!(
                store.dequeue(bad),
                Err(StoreError::InvalidInput(_))
            ));
        }
        assert!(store.queue().unwrap().is_empty());
    }
);
