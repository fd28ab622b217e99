//! The client message index and the encoded-state append, checked under every backend.
//!
//! Properties checked:
//! 1. a client message is indexed as the seq of the first event of its append, with its
//!    digest, in that conversation only, however many messages follow;
//! 2. the latest append with an id wins (the same id with other content is another message);
//! 3. unknown ids and conversations find nothing; oversized ids and digests, and a client
//!    message with no event, are refused as invalid input and write nothing;
//! 4. `append_turn` replaces the state with the encoded one when given, and keeps it otherwise;
//! 5. `last_seq` follows appends and is `None` for an unknown conversation.

use std::sync::Arc;

use relais_store::{
    ClientMessage, MAX_CLIENT_DIGEST_LEN, MAX_CLIENT_ID_LEN, RawValue, Store, StoreError,
    StoredClientMessage,
};
use serde_json::{Value, json};

/// Creates conversation `id`.
fn create(store: &Arc<dyn Store>, id: &str) {
    store
        .create_conversation(id, &format!("hash-of-{id}"), &json!({"phase": "new"}))
        .unwrap();
}

/// Appends `bodies` with client message `client_id` (digest `digest`), waits for
/// durability, returns the seqs given.
fn say(
    store: &Arc<dyn Store>,
    id: &str,
    client_id: &str,
    digest: &str,
    bodies: &[Value],
) -> Vec<u64> {
    let client = ClientMessage {
        id: client_id,
        digest: digest.as_bytes(),
    };
    let (events, durable) = store
        .append_turn(id, bodies.to_vec(), None, Some(client))
        .unwrap();
    durable.wait().unwrap();
    events.iter().map(|e| e.seq).collect()
}

fn stored(seq: u64, digest: &str) -> Option<StoredClientMessage> {
    Some(StoredClientMessage {
        seq,
        digest: digest.as_bytes().to_vec(),
    })
}

fn raw(value: &Value) -> Box<RawValue> {
    serde_json::value::to_raw_value(value).unwrap()
}

store_test!(
    a_client_message_is_indexed_as_its_first_event,
    |store: &Arc<dyn Store>| {
        // "c" is a prefix of "c1": their indexes must not mix.
        create(store, "c");
        create(store, "c1");
        assert_eq!(
            say(store, "c", "m1", "d1", &[json!("hi"), json!("bot")]),
            vec![1, 2]
        );
        for n in 0..40 {
            say(store, "c", &format!("n{n}"), "d", &[json!(n), json!("bot")]);
        }
        assert_eq!(store.client_message("c", "m1").unwrap(), stored(1, "d1"));
        assert_eq!(store.client_message("c", "n39").unwrap(), stored(81, "d"));
        assert_eq!(store.client_message("c1", "m1").unwrap(), None);
        say(store, "c1", "m1", "other", &[json!("x")]);
        assert_eq!(
            store.client_message("c1", "m1").unwrap(),
            stored(1, "other")
        );
        assert_eq!(store.client_message("c", "m1").unwrap(), stored(1, "d1"));
    }
);

store_test!(the_latest_message_with_an_id_wins, |store: &Arc<
    dyn Store,
>| {
    create(store, "c");
    say(store, "c", "m1", "bonjour", &[json!("Bonjour")]);
    say(store, "c", "m1", "au revoir", &[json!("Au revoir")]);
    assert_eq!(
        store.client_message("c", "m1").unwrap(),
        stored(2, "au revoir")
    );
});

store_test!(
    unknown_ids_find_nothing_and_bad_input_writes_nothing,
    |store: &Arc<dyn Store>| {
        create(store, "c");
        assert_eq!(store.client_message("c", "nope").unwrap(), None);
        assert_eq!(store.client_message("nope", "m1").unwrap(), None);
        // Any content is a valid client id, NUL and empty included.
        say(store, "c", "a\0b", "d", &[json!(1)]);
        say(store, "c", "", "e", &[json!(2)]);
        assert_eq!(store.client_message("c", "a\0b").unwrap(), stored(1, "d"));
        assert_eq!(store.client_message("c", "a").unwrap(), None);
        assert_eq!(store.client_message("c", "").unwrap(), stored(2, "e"));

        let long_id = "x".repeat(MAX_CLIENT_ID_LEN + 1);
        let long_digest = vec![0; MAX_CLIENT_DIGEST_LEN + 1];
        let bad = [
            (vec![json!(3)], long_id.as_str(), &b"d"[..]),
            (vec![json!(3)], "ok", long_digest.as_slice()),
            (vec![], "ok", &b"d"[..]),
        ];
        for (events, id, digest) in bad {
            let client = ClientMessage { id, digest };
            assert!(matches!(
                store.append_turn("c", events, None, Some(client)),
                Err(StoreError::InvalidInput(_))
            ));
        }
        assert!(matches!(
            store.client_message("c", &long_id),
            Err(StoreError::InvalidInput(_))
        ));
        assert_eq!(store.last_seq("c").unwrap(), Some(2), "nothing written");
        assert_eq!(store.client_message("c", "ok").unwrap(), None);
        let client = ClientMessage {
            id: "m",
            digest: b"d",
        };
        assert!(matches!(
            store.append_turn("nope", vec![json!(1)], None, Some(client)),
            Err(StoreError::NotFound)
        ));
    }
);

store_test!(
    append_turn_replaces_the_state_only_when_given_one,
    |store: &Arc<dyn Store>| {
        create(store, "c");
        let state = json!({"phase": "faq", "text": "l'été \"chaud\" ☀"});
        let (events, durable) = store
            .append_turn("c", vec![json!("a")], Some(&raw(&state)), None)
            .unwrap();
        durable.wait().unwrap();
        assert_eq!(events[0].body, json!("a"));
        let record = store.conversation("c").unwrap().unwrap();
        assert_eq!((record.last_seq, &record.state), (1, &state));
        say(store, "c", "m", "d", &[json!("b")]);
        assert_eq!(store.conversation("c").unwrap().unwrap().state, state);
        let (events, durable) = store
            .append_turn("c", Vec::new(), Some(&raw(&json!({"phase": "end"}))), None)
            .unwrap();
        durable.wait().unwrap();
        assert!(events.is_empty());
        let record = store.conversation("c").unwrap().unwrap();
        assert_eq!(
            (record.last_seq, record.state),
            (2, json!({"phase": "end"}))
        );
    }
);

store_test!(last_seq_follows_appends, |store: &Arc<dyn Store>| {
    assert_eq!(store.last_seq("c").unwrap(), None);
    create(store, "c");
    assert_eq!(store.last_seq("c").unwrap(), Some(0));
    store
        .append("c", vec![json!(1), json!(2)], None)
        .unwrap()
        .1
        .wait()
        .unwrap();
    say(store, "c", "m", "d", &[json!(3)]);
    assert_eq!(store.last_seq("c").unwrap(), Some(3));
});
