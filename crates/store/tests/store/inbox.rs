//! The inbox of missed questions, checked under every backend.
//!
//! Properties checked:
//! 1. items read back as recorded, open, oldest first, with growing ids;
//! 2. `set_inbox_status` changes exactly the named items and counts only existing ones;
//! 3. empty and over-long texts are refused as invalid input;
//! 4. a full inbox evicts the oldest closed item first, then the oldest open one, and never
//!    holds more than `MAX_INBOX_ITEMS`;
//! 5. (sled) items and statuses survive a reopen.

use std::sync::Arc;

use relais_store::{
    InboxKind, InboxStatus, MAX_INBOX_ITEMS, MAX_INBOX_TEXT_BYTES, NewInboxItem, Store, StoreError,
};

fn item(kind: InboxKind, text: &str) -> NewInboxItem {
    NewInboxItem {
        kind,
        text: text.to_owned(),
        lang: Some("fr".to_owned()),
        conversation: Some("conv-1".to_owned()),
        agent: None,
    }
}

fn add(store: &Arc<dyn Store>, text: &str) -> u64 {
    let (id, durable) = store
        .add_inbox_item(&item(InboxKind::Fallback, text))
        .unwrap();
    durable.wait().unwrap();
    id
}

fn statuses(store: &Arc<dyn Store>) -> Vec<(String, InboxStatus)> {
    store
        .inbox_items()
        .unwrap()
        .into_iter()
        .map(|i| (i.item.text, i.status))
        .collect()
}

store_test!(items_read_back_open_and_in_order, |store: &Arc<
    dyn Store,
>| {
    let first = add(store, "ou est mon colis");
    let mut flag = item(InboxKind::FlagFaq, "Le délai est de 3 jours.");
    flag.agent = Some("alice".to_owned());
    let (second, durable) = store.add_inbox_item(&flag).unwrap();
    durable.wait().unwrap();
    assert!(second > first);
    let items = store.inbox_items().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].id, first);
    assert_eq!(items[0].item, item(InboxKind::Fallback, "ou est mon colis"));
    assert_eq!(items[1].item, flag);
    assert!(items.iter().all(|i| i.status == InboxStatus::Open));
    assert!(items[0].created_ms > 0);
});

store_test!(status_changes_only_the_named_items, |store: &Arc<
    dyn Store,
>| {
    let a = add(store, "a question");
    let b = add(store, "b question");
    let c = add(store, "c question");
    let (found, durable) = store
        .set_inbox_status(&[a, c, c + 1000], InboxStatus::Dismissed)
        .unwrap();
    durable.wait().unwrap();
    assert_eq!(found, 2);
    assert_eq!(
        statuses(store),
        vec![
            ("a question".to_owned(), InboxStatus::Dismissed),
            ("b question".to_owned(), InboxStatus::Open),
            ("c question".to_owned(), InboxStatus::Dismissed),
        ]
    );
    for (id, status) in [(a, InboxStatus::Open), (b, InboxStatus::Promoted)] {
        let (found, durable) = store.set_inbox_status(&[id], status).unwrap();
        durable.wait().unwrap();
        assert_eq!(found, 1);
    }
    assert_eq!(
        statuses(store),
        vec![
            ("a question".to_owned(), InboxStatus::Open),
            ("b question".to_owned(), InboxStatus::Promoted),
            ("c question".to_owned(), InboxStatus::Dismissed),
        ]
    );
});

store_test!(bad_texts_are_refused, |store: &Arc<dyn Store>| {
    for text in ["", "   ", &"x".repeat(MAX_INBOX_TEXT_BYTES + 1)] {
        let err = store
            .add_inbox_item(&item(InboxKind::Fallback, text))
            .unwrap_err();
        assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
    }
    assert!(store.inbox_items().unwrap().is_empty());
});

store_test!(a_full_inbox_evicts_closed_items_first, |store: &Arc<
    dyn Store,
>| {
    let ids: Vec<u64> = (0..MAX_INBOX_ITEMS)
        .map(|i| {
            store
                .add_inbox_item(&item(InboxKind::Fallback, &format!("question {i}")))
                .unwrap()
                .0
        })
        .collect();
    // Close two items in the middle: they go before the older open ones.
    let (_, durable) = store
        .set_inbox_status(&[ids[7], ids[3]], InboxStatus::Dismissed)
        .unwrap();
    durable.wait().unwrap();
    add(store, "newest 1");
    add(store, "newest 2");
    add(store, "newest 3");
    let items = store.inbox_items().unwrap();
    assert_eq!(items.len(), MAX_INBOX_ITEMS);
    let kept: Vec<u64> = items.iter().map(|i| i.id).collect();
    assert!(!kept.contains(&ids[3]) && !kept.contains(&ids[7]));
    // Then the oldest open one.
    assert!(!kept.contains(&ids[0]));
    assert!(kept.contains(&ids[1]));
    assert_eq!(items.last().unwrap().item.text, "newest 3");
});

#[test]
fn sled_inbox_survives_a_reopen_and_keeps_counting() {
    let dir = crate::fixture::TempDataDir::new();
    let (first, second) = {
        let store: Arc<dyn Store> = Arc::new(dir.open());
        let first = add(&store, "first");
        let second = add(&store, "second");
        let (_, durable) = store
            .set_inbox_status(&[first], InboxStatus::Promoted)
            .unwrap();
        durable.wait().unwrap();
        (first, second)
    };
    let store: Arc<dyn Store> = Arc::new(dir.open());
    assert_eq!(
        statuses(&store),
        vec![
            ("first".to_owned(), InboxStatus::Promoted),
            ("second".to_owned(), InboxStatus::Open),
        ]
    );
    let third = add(&store, "third");
    assert!(third > second && second > first);
}
