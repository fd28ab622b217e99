//! Recovery from the write-ahead log, with the log files handled directly.
//!
//! Properties checked:
//! 1. a directory whose sled holds nothing of the writes gets them all back from the WAL;
//! 2. a torn last record is ignored, and the store opens and goes on writing;
//! 3. past the size limit the WAL is checkpointed: older files go, nothing is lost;
//! 4. a directory without `wal/` (written before the WAL existed) opens with its data;
//! 5. an index entry left by an append a crash cut short (in sled, never logged) is
//!    disowned, before and after its seq is reused by another message;
//! 6. the WAL alone replays an erasure with the conversation's inbox items, and the inbox
//!    index it restores lets a later erasure find the other conversation's items.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::SledStore;
use super::layout::WAL_DIR;
use super::wal::WriteSet;
use crate::{ClientMessage, InboxKind, NewInboxItem, Store};

/// The WAL files of `dir`, oldest first.
fn wal_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir.join(WAL_DIR))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Copies the WAL of `from` (open, so its log is not checkpointed) into `to`, a directory
/// holding an empty store, as if `to` had crashed with sled keeping none of the writes.
fn transplant_wal(from: &Path, to: &Path) {
    drop(SledStore::open(to).unwrap());
    assert!(wal_files(to).is_empty(), "a closed store keeps no WAL");
    for file in wal_files(from) {
        fs::copy(&file, to.join(WAL_DIR).join(file.file_name().unwrap())).unwrap();
    }
}

/// Writes of every kind whose only durable copy is the WAL.
fn write_some(store: &SledStore) {
    store
        .create_conversation("c1", "h1", &json!({"phase": "new"}))
        .unwrap();
    for n in 1..=3 {
        let (_, durable) = store
            .append("c1", vec![json!({"n": n})], Some(&json!({"phase": n})))
            .unwrap();
        durable.wait().unwrap();
    }
    let client = ClientMessage {
        id: "m1",
        digest: b"d1",
    };
    let (_, durable) = store
        .append_turn("c1", vec![json!({"n": 4})], None, Some(client))
        .unwrap();
    durable.wait().unwrap();
    let (_, durable) = store.create_ticket(&json!({"phone": "0600"})).unwrap();
    durable.wait().unwrap();
}

#[test]
fn the_wal_alone_restores_every_write() {
    let (source, target) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = SledStore::open(source.path()).unwrap();
    write_some(&store);
    transplant_wal(source.path(), target.path());

    let recovered = SledStore::open(target.path()).unwrap();
    assert_eq!(
        recovered.conversation("c1").unwrap(),
        store.conversation("c1").unwrap()
    );
    assert_eq!(
        recovered.events_after("c1", 0).unwrap(),
        store.events_after("c1", 0).unwrap()
    );
    assert_eq!(
        recovered.find_by_resume("h1").unwrap(),
        Some("c1".to_owned())
    );
    assert_eq!(recovered.tickets().unwrap(), store.tickets().unwrap());
    assert_eq!(
        recovered.client_message("c1", "m1").unwrap().map(|m| m.seq),
        Some(4)
    );
}

#[test]
fn a_torn_last_record_is_ignored_and_writing_goes_on() {
    let (source, target) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = SledStore::open(source.path()).unwrap();
    store.create_conversation("c1", "h1", &json!({})).unwrap();
    for n in 1..=2 {
        let (_, durable) = store.append("c1", vec![json!({"n": n})], None).unwrap();
        durable.wait().unwrap();
    }
    transplant_wal(source.path(), target.path());
    // Tear the last record as a crash in the middle of its write would: its first half is
    // there, the rest of the file still zeroes.
    let mut torn = WriteSet::new();
    torn.insert(
        b"events",
        b"c1\0\0\0\0\0\0\0\0\x03",
        b"{\"at_ms\":0,\"body\":{\"n\":3}}",
    );
    torn.insert(b"conversations", b"c1", b"{}");
    let frame = torn.into_frame();
    let last = wal_files(target.path()).pop().unwrap();
    let mut content = fs::read(&last).unwrap();
    let end = content.iter().rposition(|&b| b != 0).unwrap() + 1;
    content[end..end + frame.len() / 2].copy_from_slice(&frame[..frame.len() / 2]);
    fs::write(&last, content).unwrap();

    let recovered = SledStore::open(target.path()).unwrap();
    let seqs: Vec<u64> = recovered
        .events_after("c1", 0)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
    let (more, durable) = recovered.append("c1", vec![json!({"n": 3})], None).unwrap();
    durable.wait().unwrap();
    assert_eq!(more[0].seq, 3);
    drop(recovered);
    let reopened = SledStore::open(target.path()).unwrap();
    assert_eq!(reopened.conversation("c1").unwrap().unwrap().last_seq, 3);
}

#[test]
fn a_full_wal_is_checkpointed_without_losing_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open_with(dir.path(), 4096).unwrap();
    store.create_conversation("c1", "h1", &json!({})).unwrap();
    for n in 1..=200 {
        let (_, durable) = store.append("c1", vec![json!({"n": n})], None).unwrap();
        durable.wait().unwrap();
    }
    store.wal.settle_checkpoints();
    let files = wal_files(dir.path());
    assert_eq!(files.len(), 1, "older WAL files left behind: {files:?}");
    let first = dir.path().join(WAL_DIR).join(format!("{:020}.log", 1));
    assert!(!first.exists(), "never rotated");
    assert_eq!(store.events_after("c1", 0).unwrap().len(), 200);
    drop(store);
    let reopened = SledStore::open(dir.path()).unwrap();
    let events = reopened.events_after("c1", 0).unwrap();
    assert_eq!(events.len(), 200);
    assert_eq!(events[199].body, json!({"n": 200}));
}

#[test]
fn a_directory_without_a_wal_opens_with_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let before = {
        let store = SledStore::open(dir.path()).unwrap();
        write_some(&store);
        store.events_after("c1", 0).unwrap()
    };
    fs::remove_dir_all(dir.path().join(WAL_DIR)).unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.events_after("c1", 0).unwrap(), before);
    let (more, durable) = store.append("c1", vec![json!({"n": 5})], None).unwrap();
    durable.wait().unwrap();
    assert_eq!(more[0].seq, 5);
}

#[test]
fn an_index_entry_of_an_append_cut_short_is_disowned() {
    let dir = tempfile::tempdir().unwrap();
    let store = SledStore::open(dir.path()).unwrap();
    store.create_conversation("c1", "h1", &json!({})).unwrap();
    // What sled may keep of an append whose record never reached the WAL: its event and
    // index entry, but not the conversation record with the new `last_seq`.
    let event = super::codec::encode(&super::codec::EventValue {
        at_ms: 1,
        body: json!("lost"),
        client: Some("m1"),
    })
    .unwrap();
    store
        .events
        .insert(super::layout::event_key("c1", 1), event)
        .unwrap();
    store
        .client_messages
        .insert(
            super::layout::client_message_key("c1", "m1"),
            super::layout::client_message_value(1, b"d1"),
        )
        .unwrap();
    assert_eq!(
        store.client_message("c1", "m1").unwrap(),
        None,
        "past last_seq"
    );
    let client = ClientMessage {
        id: "m2",
        digest: b"d2",
    };
    let (events, durable) = store
        .append_turn("c1", vec![json!("kept")], None, Some(client))
        .unwrap();
    durable.wait().unwrap();
    assert_eq!(events[0].seq, 1);
    assert_eq!(
        store.client_message("c1", "m1").unwrap(),
        None,
        "its seq is another message now"
    );
    assert_eq!(
        store.client_message("c1", "m2").unwrap().map(|m| m.seq),
        Some(1)
    );
}

#[test]
fn the_wal_alone_replays_an_erasure_with_its_inbox_items() {
    let (source, target) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = SledStore::open(source.path()).unwrap();
    write_some(&store);
    for conversation in ["c1", "c2"] {
        let item = NewInboxItem {
            kind: InboxKind::Fallback,
            text: format!("question of {conversation}"),
            lang: None,
            conversation: Some(conversation.to_owned()),
            agent: None,
        };
        let (_, durable) = store.add_inbox_item(&item).unwrap();
        durable.wait().unwrap();
    }
    let (erased, durable) = store.erase_conversation("c1").unwrap();
    durable.wait().unwrap();
    assert!(erased);
    transplant_wal(source.path(), target.path());

    let recovered = SledStore::open(target.path()).unwrap();
    assert_eq!(recovered.conversation("c1").unwrap(), None);
    let texts: Vec<String> = recovered
        .inbox_items()
        .unwrap()
        .into_iter()
        .map(|i| i.item.text)
        .collect();
    assert_eq!(texts, ["question of c2"]);
    let (_, durable) = recovered.erase_conversation("c2").unwrap();
    durable.wait().unwrap();
    assert!(recovered.inbox_items().unwrap().is_empty());
}
