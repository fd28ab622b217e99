//! Daily aggregates, erasure and ticket removal, under every backend; and, for sled, that an
//! erased conversation's text leaves the data directory.
//!
//! Properties checked:
//! 1. daily records read back by day range, in day order, replaced per day, and an empty or
//!    backwards range reads nothing;
//! 2. erasing a conversation removes its record, transcript, resume entry, client message
//!    index and queue entry, and nothing of another conversation; a second erasure finds
//!    nothing, and the id may not be reused to read the old transcript;
//! 3. removing a ticket removes it only, and ticket ids are never reused;
//! 4. (sled) erasure survives a reopen; the erased text stays in sled's files until a
//!    compaction, after which no file of the data directory holds it (inbox items included),
//!    while the kept conversation's text is still there and readable;
//! 5. erasing a conversation removes every inbox item recorded from it (fallbacks, takeover
//!    messages, advisors' flags, open or closed), even once the conversation itself is gone,
//!    and no other item; the erased items free their room in the bounded inbox;
//! 6. an inbox item naming a conversation id that breaks the id rules is refused, so an
//!    erasure can find every item of its conversation by id.

use std::path::Path;
use std::sync::Arc;

use relais_store::{
    ClientMessage, DailyRecord, InboxKind, InboxStatus, MAX_INBOX_ITEMS, NewInboxItem, SledStore,
    Store, StoreError,
};
use serde_json::json;

use crate::fixture::TempDataDir;
use crate::queue::{enqueue, entry, queued};

fn record(day: u32, n: u64) -> DailyRecord {
    DailyRecord {
        day,
        figures: json!({"conversations": n}),
    }
}

fn days(records: &[DailyRecord]) -> Vec<(u32, u64)> {
    records
        .iter()
        .map(|r| (r.day, r.figures["conversations"].as_u64().unwrap()))
        .collect()
}

store_test!(daily_records_read_back_by_range, |store: &Arc<
    dyn Store,
>| {
    assert!(store.daily(0, u32::MAX).unwrap().is_empty());
    store
        .put_daily(&[record(20_001, 1), record(20_000, 2), record(20_005, 3)])
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(
        days(&store.daily(0, u32::MAX).unwrap()),
        vec![(20_000, 2), (20_001, 1), (20_005, 3)]
    );
    assert_eq!(
        days(&store.daily(20_001, 20_005).unwrap()),
        vec![(20_001, 1), (20_005, 3)]
    );
    store
        .put_daily(&[record(20_001, 7)])
        .unwrap()
        .wait()
        .unwrap();
    assert_eq!(
        days(&store.daily(20_001, 20_001).unwrap()),
        vec![(20_001, 7)]
    );
    assert!(store.daily(20_002, 20_004).unwrap().is_empty());
    assert!(store.daily(20_005, 20_000).unwrap().is_empty());
});

/// Creates `id` with one customer event carrying `text`, indexed under a client id.
fn conversation_with(store: &dyn Store, id: &str, text: &str) {
    store
        .create_conversation(id, &format!("hash-{id}"), &json!({"phase": "bot"}))
        .unwrap();
    let client = ClientMessage {
        id: "m1",
        digest: b"d",
    };
    let (_, durable) = store
        .append_turn(id, vec![json!({"text": text})], None, Some(client))
        .unwrap();
    durable.wait().unwrap();
    let (_, durable) = store
        .append(
            id,
            vec![json!({"bot": "ok"})],
            Some(&json!({"secret": text})),
        )
        .unwrap();
    durable.wait().unwrap();
}

store_test!(
    erasure_removes_everything_of_one_conversation,
    |store: &Arc<dyn Store>| {
        conversation_with(store.as_ref(), "gone", "my IBAN is FR76");
        conversation_with(store.as_ref(), "kept", "hello");
        enqueue(store.as_ref(), entry("gone", 0));
        enqueue(store.as_ref(), entry("kept", 0));

        let (existed, durable) = store.erase_conversation("gone").unwrap();
        durable.wait().unwrap();
        assert!(existed);
        assert_eq!(store.conversation("gone").unwrap(), None);
        assert_eq!(store.find_by_resume("hash-gone").unwrap(), None);
        assert_eq!(store.client_message("gone", "m1").unwrap(), None);
        assert!(store.events_after("gone", 0).is_err());
        assert_eq!(queued(store.as_ref()), vec!["kept".to_owned()]);
        assert!(
            store
                .conversations()
                .unwrap()
                .iter()
                .all(|c| c.id == "kept")
        );

        // The other conversation is whole.
        assert_eq!(store.events_after("kept", 0).unwrap().len(), 2);
        assert_eq!(
            store.find_by_resume("hash-kept").unwrap().as_deref(),
            Some("kept")
        );
        assert_eq!(store.client_message("kept", "m1").unwrap().unwrap().seq, 1);

        let (again, durable) = store.erase_conversation("gone").unwrap();
        durable.wait().unwrap();
        assert!(!again);
        // A new conversation under the same id starts empty.
        store
            .create_conversation("gone", "hash-new", &json!({}))
            .unwrap();
        assert!(store.events_after("gone", 0).unwrap().is_empty());
        assert_eq!(store.client_message("gone", "m1").unwrap(), None);
    }
);

store_test!(
    ticket_removal_removes_one_and_ids_are_not_reused,
    |store: &Arc<dyn Store>| {
        let (first, _) = store.create_ticket(&json!({"contact": "a@b.fr"})).unwrap();
        let (second, durable) = store.create_ticket(&json!({"contact": "c@d.fr"})).unwrap();
        durable.wait().unwrap();
        let (removed, durable) = store.remove_ticket(&second).unwrap();
        durable.wait().unwrap();
        assert!(removed);
        assert!(!store.remove_ticket(&second).unwrap().0);
        assert!(!store.remove_ticket("not-a-ticket").unwrap().0);
        let ids: Vec<String> = store.tickets().unwrap().into_iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![first.clone()]);
        let (third, _) = store.create_ticket(&json!({"contact": "e@f.fr"})).unwrap();
        assert!(third != first && third != second, "{third} reused");
    }
);

/// Records an inbox item of `kind` with `text`, from `conversation` if any; returns its id.
fn inbox_item(store: &dyn Store, kind: InboxKind, text: &str, conversation: Option<&str>) -> u64 {
    let item = NewInboxItem {
        kind,
        text: text.to_owned(),
        lang: Some("fr".to_owned()),
        conversation: conversation.map(str::to_owned),
        agent: (kind == InboxKind::FlagFaq).then(|| "alice".to_owned()),
    };
    let (id, durable) = store.add_inbox_item(&item).unwrap();
    durable.wait().unwrap();
    id
}

/// The texts of the inbox, oldest first.
fn inbox_texts(store: &dyn Store) -> Vec<String> {
    store
        .inbox_items()
        .unwrap()
        .into_iter()
        .map(|i| i.item.text)
        .collect()
}

store_test!(
    erasure_removes_the_conversations_inbox_items_only,
    |store: &Arc<dyn Store>| {
        conversation_with(store.as_ref(), "gone", "first words");
        conversation_with(store.as_ref(), "kept", "hello");
        let store = store.as_ref();
        inbox_item(store, InboxKind::Fallback, "gone fallback", Some("gone"));
        inbox_item(store, InboxKind::Fallback, "kept fallback", Some("kept"));
        let closed = inbox_item(store, InboxKind::Takeover, "gone takeover", Some("gone"));
        inbox_item(store, InboxKind::FlagFaq, "gone flag", Some("gone"));
        inbox_item(store, InboxKind::Fallback, "no conversation", None);
        // An id that extends the erased one is another conversation.
        inbox_item(store, InboxKind::Fallback, "gone2 fallback", Some("gone2"));
        let (_, durable) = store
            .set_inbox_status(&[closed], InboxStatus::Dismissed)
            .unwrap();
        durable.wait().unwrap();

        let (existed, durable) = store.erase_conversation("gone").unwrap();
        durable.wait().unwrap();
        assert!(existed);
        assert_eq!(
            inbox_texts(store),
            ["kept fallback", "no conversation", "gone2 fallback"]
        );

        // Items recorded after the conversation went are erased by a later request.
        inbox_item(store, InboxKind::Fallback, "late gone item", Some("gone"));
        let (existed, durable) = store.erase_conversation("gone").unwrap();
        durable.wait().unwrap();
        assert!(!existed);
        assert_eq!(
            inbox_texts(store),
            ["kept fallback", "no conversation", "gone2 fallback"]
        );
    }
);

store_test!(erased_inbox_items_free_their_room, |store: &Arc<
    dyn Store,
>| {
    let store = store.as_ref();
    for i in 0..3 {
        inbox_item(
            store,
            InboxKind::Fallback,
            &format!("gone {i}"),
            Some("gone"),
        );
    }
    let first_other = inbox_item(store, InboxKind::Fallback, "other 0", Some("other"));
    for i in 1..MAX_INBOX_ITEMS - 3 {
        let item = NewInboxItem {
            kind: InboxKind::Fallback,
            text: format!("other {i}"),
            lang: None,
            conversation: Some("other".to_owned()),
            agent: None,
        };
        // Not awaited one by one: the erasure's `Durable` below covers them.
        let _unawaited = store.add_inbox_item(&item).unwrap();
    }
    let (_, durable) = store.erase_conversation("gone").unwrap();
    durable.wait().unwrap();
    for i in 0..3 {
        inbox_item(store, InboxKind::Fallback, &format!("new {i}"), Some("new"));
    }
    let items = store.inbox_items().unwrap();
    assert_eq!(items.len(), MAX_INBOX_ITEMS);
    assert_eq!(items[0].id, first_other, "nothing was evicted");
    inbox_item(store, InboxKind::Fallback, "one too many", Some("new"));
    let items = store.inbox_items().unwrap();
    assert_eq!(items.len(), MAX_INBOX_ITEMS);
    assert_ne!(items[0].id, first_other, "the oldest went");
});

store_test!(
    inbox_items_with_a_bad_conversation_id_are_refused,
    |store: &Arc<dyn Store>| {
        for conversation in ["", "gone\0x", &"c".repeat(300)] {
            let item = NewInboxItem {
                kind: InboxKind::Fallback,
                text: "a question".to_owned(),
                lang: None,
                conversation: Some(conversation.to_owned()),
                agent: None,
            };
            let err = store.add_inbox_item(&item).unwrap_err();
            assert!(matches!(err, StoreError::InvalidInput(_)), "{err}");
        }
        assert!(store.inbox_items().unwrap().is_empty());
    }
);

/// Whether any file under `dir` contains `needle`.
fn any_file_contains(dir: &Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().any(|entry| {
        let path = entry.unwrap().path();
        if path.is_dir() {
            any_file_contains(&path, needle)
        } else {
            let bytes = std::fs::read(&path).unwrap();
            bytes.windows(needle.len()).any(|w| w == needle)
        }
    })
}

#[test]
fn erased_text_leaves_the_data_directory_after_a_compaction() {
    let dir = TempDataDir::new();
    let marker = b"marker-7f3a9c-erase-me";
    let kept = b"marker-kept-5b21";
    let inbox_marker = b"marker-inbox-91c4e0";
    {
        let store = dir.open();
        conversation_with(&store, "gone", std::str::from_utf8(marker).unwrap());
        conversation_with(&store, "kept", std::str::from_utf8(kept).unwrap());
        inbox_item(
            &store,
            InboxKind::Fallback,
            std::str::from_utf8(inbox_marker).unwrap(),
            Some("gone"),
        );
        store.checkpoint().unwrap();
        assert!(any_file_contains(dir.path(), marker));
        assert!(any_file_contains(dir.path(), inbox_marker));
        let (_, durable) = store.erase_conversation("gone").unwrap();
        durable.wait().unwrap();
        store.checkpoint().unwrap();
    }
    let store = dir.open();
    assert_eq!(store.conversation("gone").unwrap(), None);
    assert!(store.inbox_items().unwrap().is_empty());
    drop(store);
    // sled keeps removed values in its segments: only a compaction drops them.
    assert!(any_file_contains(dir.path(), marker));
    SledStore::compact(dir.path()).unwrap();
    assert!(any_file_contains(dir.path(), kept));
    assert!(!any_file_contains(dir.path(), marker));
    assert!(!any_file_contains(dir.path(), inbox_marker));
    let store = dir.open();
    assert_eq!(store.conversation("gone").unwrap(), None);
    assert_eq!(store.events_after("kept", 0).unwrap().len(), 2);
}
