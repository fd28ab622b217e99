//! Session behaviour over an in-memory socket, with the in-memory store:
//! 1. `ack` (the customer's seq) comes before the bot reply (the next seq);
//! 2. frames before `hello` are refused and the session lives on;
//! 3. a second socket of the conversation sees every event once, in order, even when it lags;
//! 4. resume replays exactly the events after `last_seq`;
//! 5. a resent client id is acknowledged again without a new event;
//! 6. a click is stored as its label and replays with its value;
//! 7. a storage failure answers `internal` without details, and the session goes on; the
//!    state the failed turn changed is not kept for the next one;
//! 8. shutdown closes the socket with "going away".

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::ws::{Message, close_code};
use relais_store::{
    AgentRecord, AgentSession, ClientMessage, ConversationId, ConversationRecord, Durable,
    FaqEntry, MemoryStore, QueueEntry, RawValue, Store, StoreError, StoreResult,
    StoredClientMessage, StoredEvent, Ticket,
};
use serde_json::{Value, json};

use crate::config::ServerConfig;
use crate::conversation::{self, Input, TurnResult};
use crate::stored_state::StoredState;
use crate::test_support::{Peer, WAIT, app, app_with};

#[tokio::test]
async fn ack_comes_before_the_bot_reply() {
    let app = app();
    let mut peer = Peer::connect(&app);
    let (welcome, greeting) = peer.hello().await;
    assert_eq!(welcome["seq"], 0);
    assert_eq!(welcome["resumed"], false);
    assert_eq!(welcome["conversation"].as_str().map(str::len), Some(32));
    assert_eq!(greeting["seq"], 1);
    let (ack, bot) = peer.say("bonjour", "c1").await;
    assert_eq!(ack, json!({"type": "ack", "seq": 2, "id": "c1"}));
    assert_eq!(bot["seq"], 3);
    let (ack, bot) = peer.say("expliquer ma facture", "c2").await;
    assert_eq!(
        (ack["seq"].as_u64(), bot["seq"].as_u64()),
        (Some(4), Some(5))
    );
}

#[tokio::test]
async fn frames_before_hello_are_refused() {
    let app = app();
    let mut peer = Peer::connect(&app);
    peer.send(json!({"type": "message", "text": "bonjour", "id": "x"}));
    let err = peer.expect("error").await;
    assert_eq!(err["code"], "hello_required");
    assert_eq!(err["id"], "x");
    peer.send(json!({"type": "choice", "value": "other"}));
    assert_eq!(peer.expect("error").await["code"], "hello_required");
    peer.hello().await;
}

async fn resume(peer: &mut Peer, welcome: &Value, last_seq: u64) -> Value {
    peer.send(json!({"type": "hello", "resume": welcome["resume"], "last_seq": last_seq}));
    let again = peer.expect("welcome").await;
    assert_eq!(again["resumed"], true);
    assert_eq!(again["conversation"], welcome["conversation"]);
    again
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_replays_exactly_the_events_after_last_seq() {
    let app = app();
    let mut first = Peer::connect(&app);
    let (welcome, greeting) = first.hello().await;
    let (_, bot3) = first.say("bonjour", "a").await;
    let (_, bot5) = first.say("expliquer ma facture", "b").await;

    let mut second = Peer::connect(&app);
    let again = resume(&mut second, &welcome, 2).await;
    assert_eq!(again["seq"], 5);
    assert_eq!(second.recv().await, bot3);
    let customer = second.expect("customer").await;
    assert_eq!(
        customer,
        json!({"type": "customer", "seq": 4, "text": "expliquer ma facture", "id": "b"})
    );
    assert_eq!(second.recv().await, bot5);

    let mut third = Peer::connect(&app);
    resume(&mut third, &welcome, 0).await;
    assert_eq!(third.recv().await, greeting);
    for seq in 2..=5 {
        assert_eq!(third.recv().await["seq"], seq);
    }
    // A client claiming more than exists gets nothing replayed, and nothing skipped later.
    let mut fourth = Peer::connect(&app);
    resume(&mut fourth, &welcome, 99).await;
    let (ack, _) = fourth.say("bonjour", "c").await;
    assert_eq!(ack["seq"], 6);
}

// One thread: the session of `slow` cannot run between the two sends of one publish, so with
// a channel of capacity 1 it lags on every turn and must catch up from the store.
#[tokio::test(flavor = "current_thread")]
async fn every_socket_sees_every_event_once_in_order_even_when_lagging() {
    let config = ServerConfig {
        hub_capacity: 1,
        ..ServerConfig::default()
    };
    let app = app_with(Arc::new(MemoryStore::new()), config);
    let mut talker = Peer::connect(&app);
    let (welcome, _) = talker.hello().await;
    let mut slow = Peer::connect(&app);
    resume(&mut slow, &welcome, 1).await;
    let mut expected = Vec::new();
    for (i, text) in ["bonjour", "expliquer ma facture", "plus de courant"]
        .iter()
        .enumerate()
    {
        let (ack, bot) = talker.say(text, &format!("m{i}")).await;
        expected
            .push(json!({"type": "customer", "seq": ack["seq"], "text": text, "id": ack["id"]}));
        expected.push(bot);
    }
    for frame in &expected {
        assert_eq!(&slow.recv().await, frame);
    }
    // The talker's own events are not echoed back to it: its next frame is the next ack.
    let (ack, _) = talker.say("salut", "m9").await;
    assert_eq!(ack["seq"], 8);
    assert_eq!(slow.expect("customer").await["seq"], 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_client_id_is_acknowledged_again_without_a_new_event() {
    let app = app();
    let mut peer = Peer::connect(&app);
    peer.hello().await;
    let (ack, _) = peer.say("bonjour", "same").await;
    peer.send(json!({"type": "message", "text": "bonjour", "id": "same"}));
    assert_eq!(peer.expect("ack").await, ack);
    let (next, _) = peer.say("salut", "other").await;
    assert_eq!(next["seq"], 4);
}

#[tokio::test]
async fn a_click_is_stored_as_its_label_and_replays_with_its_value() {
    let app = app();
    let mut peer = Peer::connect(&app);
    let (welcome, greeting) = peer.hello().await;
    let button = greeting["quick_replies"]
        .as_array()
        .and_then(|q| q.first())
        .cloned()
        .expect("the greeting offers the main topics");
    peer.send(json!({"type": "choice", "value": button["value"]}));
    let ack = peer.expect("ack").await;
    assert_eq!(ack, json!({"type": "ack", "seq": 2}));
    peer.expect("bot").await;

    let mut again = Peer::connect(&app);
    resume(&mut again, &welcome, 1).await;
    let customer = again.expect("customer").await;
    assert_eq!(customer["text"], button["label"]);
    assert_eq!(customer["choice"], button["value"]);
}

/// A store whose appends fail while `failing` is set.
struct Flaky {
    inner: MemoryStore,
    failing: AtomicBool,
}

impl Flaky {
    fn check(&self) -> StoreResult<()> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(StoreError::Backend("disk /dev/sdz on fire".into()));
        }
        Ok(())
    }
}

impl Store for Flaky {
    fn create_conversation(
        &self,
        id: &str,
        hash: &str,
        state: &Value,
    ) -> StoreResult<ConversationRecord> {
        self.inner.create_conversation(id, hash, state)
    }
    fn find_by_resume(&self, hash: &str) -> StoreResult<Option<ConversationId>> {
        self.inner.find_by_resume(hash)
    }
    fn conversation(&self, id: &str) -> StoreResult<Option<ConversationRecord>> {
        self.inner.conversation(id)
    }
    fn append(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&Value>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        self.check()?;
        self.inner.append(id, events, state)
    }
    fn append_turn(
        &self,
        id: &str,
        events: Vec<Value>,
        state: Option<&RawValue>,
        client: Option<ClientMessage<'_>>,
    ) -> StoreResult<(Vec<StoredEvent>, Durable)> {
        self.check()?;
        self.inner.append_turn(id, events, state, client)
    }
    fn client_message(
        &self,
        id: &str,
        client_id: &str,
    ) -> StoreResult<Option<StoredClientMessage>> {
        self.inner.client_message(id, client_id)
    }
    fn last_seq(&self, id: &str) -> StoreResult<Option<u64>> {
        self.inner.last_seq(id)
    }
    fn events_after(&self, id: &str, after: u64) -> StoreResult<Vec<StoredEvent>> {
        self.inner.events_after(id, after)
    }
    fn faq(&self, key: &str, lang: &str) -> StoreResult<Option<FaqEntry>> {
        self.inner.faq(key, lang)
    }
    fn put_faq(&self, entries: &[FaqEntry]) -> StoreResult<Durable> {
        self.inner.put_faq(entries)
    }
    fn all_faq(&self) -> StoreResult<Vec<FaqEntry>> {
        self.inner.all_faq()
    }
    fn create_ticket(&self, ticket: &Value) -> StoreResult<(String, Durable)> {
        self.inner.create_ticket(ticket)
    }
    fn tickets(&self) -> StoreResult<Vec<Ticket>> {
        self.inner.tickets()
    }
    fn update_ticket(&self, id: &str, body: &Value) -> StoreResult<Durable> {
        self.inner.update_ticket(id, body)
    }
    fn conversations(&self) -> StoreResult<Vec<ConversationRecord>> {
        self.inner.conversations()
    }
    fn put_agent(&self, agent: &AgentRecord) -> StoreResult<Durable> {
        self.inner.put_agent(agent)
    }
    fn agent(&self, name: &str) -> StoreResult<Option<AgentRecord>> {
        self.inner.agent(name)
    }
    fn agents(&self) -> StoreResult<Vec<AgentRecord>> {
        self.inner.agents()
    }
    fn remove_agent(&self, name: &str) -> StoreResult<(bool, Durable)> {
        self.inner.remove_agent(name)
    }
    fn put_agent_session(&self, hash: &str, session: &AgentSession) -> StoreResult<Durable> {
        self.inner.put_agent_session(hash, session)
    }
    fn agent_session(&self, hash: &str) -> StoreResult<Option<AgentSession>> {
        self.inner.agent_session(hash)
    }
    fn remove_agent_session(&self, hash: &str) -> StoreResult<Durable> {
        self.inner.remove_agent_session(hash)
    }
    fn enqueue(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.inner.enqueue(entry)
    }
    fn enqueue_front(&self, entry: QueueEntry) -> StoreResult<(QueueEntry, Durable)> {
        self.inner.enqueue_front(entry)
    }
    fn dequeue(&self, id: &str) -> StoreResult<(Option<QueueEntry>, Durable)> {
        self.inner.dequeue(id)
    }
    fn queue(&self) -> StoreResult<Vec<QueueEntry>> {
        self.inner.queue()
    }
    fn flush(&self) -> Durable {
        self.inner.flush()
    }
    fn put_daily(&self, records: &[relais_store::DailyRecord]) -> StoreResult<Durable> {
        self.inner.put_daily(records)
    }
    fn daily(&self, from: u32, to: u32) -> StoreResult<Vec<relais_store::DailyRecord>> {
        self.inner.daily(from, to)
    }
    fn erase_conversation(&self, id: &str) -> StoreResult<(bool, Durable)> {
        self.inner.erase_conversation(id)
    }
    fn remove_ticket(&self, id: &str) -> StoreResult<(bool, Durable)> {
        self.inner.remove_ticket(id)
    }
    fn add_inbox_item(&self, item: &relais_store::NewInboxItem) -> StoreResult<(u64, Durable)> {
        self.inner.add_inbox_item(item)
    }
    fn inbox_items(&self) -> StoreResult<Vec<relais_store::InboxItem>> {
        self.inner.inbox_items()
    }
    fn set_inbox_status(
        &self,
        ids: &[u64],
        status: relais_store::InboxStatus,
    ) -> StoreResult<(usize, Durable)> {
        self.inner.set_inbox_status(ids, status)
    }
}

#[tokio::test]
async fn a_storage_failure_is_internal_and_the_session_goes_on() {
    let store = Arc::new(Flaky {
        inner: MemoryStore::new(),
        failing: AtomicBool::new(false),
    });
    let app = app_with(store.clone(), ServerConfig::default());
    let mut peer = Peer::connect(&app);
    peer.hello().await;
    store.failing.store(true, Ordering::SeqCst);
    peer.send(json!({"type": "message", "text": "bonjour", "id": "lost"}));
    let err = peer.expect("error").await;
    assert_eq!(err["code"], "internal");
    assert_eq!(err["id"], "lost");
    assert!(!err["message"].as_str().unwrap().contains("sdz"));
    store.failing.store(false, Ordering::SeqCst);
    let (ack, _) = peer.say("bonjour", "lost").await;
    assert_eq!(ack["seq"], 2, "nothing was stored by the failed turn");
}

#[tokio::test]
async fn a_failed_append_keeps_no_state_for_the_next_turn() {
    let store = Arc::new(Flaky {
        inner: MemoryStore::new(),
        failing: AtomicBool::new(false),
    });
    let app = app_with(store.clone(), ServerConfig::default());
    let opened = conversation::open(&app).unwrap();
    let sub = app.hub().subscribe(&opened.id);
    conversation::greet(&app, &sub, None).unwrap();
    assert!(sub.turn().is_kept());
    store.failing.store(true, Ordering::SeqCst);
    let said = conversation::customer_turn(&app, &sub, Input::Message("bonjour"), Some("m1"));
    assert!(said.is_err());
    assert!(!sub.turn().is_kept(), "the failed turn's state is dropped");
    store.failing.store(false, Ordering::SeqCst);
    let said = conversation::customer_turn(&app, &sub, Input::Message("bonjour"), Some("m1"));
    assert!(matches!(said, Ok(TurnResult::Committed(_))));
    let record = store.conversation(&opened.id).unwrap().unwrap();
    assert_eq!(
        record.last_seq, 3,
        "greeting, then one customer turn and its reply"
    );
    let state = StoredState::from_json(&opened.id, &record.state);
    assert_eq!(state.turns, 1, "the failed turn is not counted");
}

#[tokio::test]
async fn shutdown_closes_the_socket_as_going_away() {
    let app = app();
    let mut peer = Peer::connect(&app);
    peer.hello().await;
    app.begin_shutdown();
    match peer.message().await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, close_code::AWAY),
        other => panic!("expected a close frame, got {other:?}"),
    }
    tokio::time::timeout(WAIT, peer.task)
        .await
        .expect("the session ends")
        .unwrap();
}
