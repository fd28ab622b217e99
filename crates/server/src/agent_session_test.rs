//! Both sides of a live handoff over in-memory sockets, with the in-memory store:
//! 1. a customer who asks for a human is queued; the advisor accepts and gets the transcript;
//!    while the advisor owns the chat the bot is silent, messages and typing flow both ways
//!    (stored before anyone sees them), and closing gives the conversation back to the bot;
//! 2. refused frames get the right codes and the session goes on;
//! 3. an advisor who reconnects gets their chats back, and a new connection replaces the old;
//! 4. a customer who leaves ends the advisor's chat;
//! 5. a panel is closed as soon as its agent is changed or removed, including a panel
//!    authorised just before the change and connected just after it.

use std::sync::Arc;

use axum::extract::ws::{Message, close_code};
use relais_store::{AgentRecord, FaqEntry, MemoryStore, Store};
use serde_json::{Value, json};

use crate::config::ServerConfig;
use crate::state::AppState;
use crate::test_support::{Peer, app_with};

fn alice() -> AgentRecord {
    AgentRecord {
        name: "alice".into(),
        display_name: "Alice".into(),
        langs: vec!["fr".into()],
        skills: vec!["billing".into()],
        capacity: 3,
        password_hash: "unused".into(),
        epoch: 1,
        created_ms: 0,
    }
}

async fn app_with_faq() -> AppState {
    let store = Arc::new(MemoryStore::new());
    let answer = FaqEntry {
        key: "bill_explain".into(),
        lang: "fr".into(),
        variants: vec!["Votre facture comprend l'abonnement et la consommation.".into()],
        source: "corpus".into(),
    };
    store.put_faq(&[answer]).unwrap().await.unwrap();
    app_with(store, ServerConfig::default())
}

/// The advisor's next frame of type `kind`, skipping queue and live refreshes and
/// suggestions.
async fn until(agent: &mut Peer, kind: &str) -> Value {
    loop {
        let frame = agent.recv().await;
        if frame["type"] == kind {
            return frame;
        }
        assert!(
            ["queue", "live", "suggestions"].contains(&frame["type"].as_str().unwrap_or("")),
            "expected {kind}, got {frame}"
        );
    }
}

/// A connected advisor past `hello` (stored first, as the admin API would have).
async fn advisor(app: &AppState) -> (Peer, Value) {
    app.store().put_agent(&alice()).unwrap().await.unwrap();
    let mut agent = Peer::agent(app, &alice());
    let hello = agent.expect("hello").await;
    (agent, hello)
}

/// A customer queued by asking for a human; returns it and its conversation id.
async fn queued_customer(app: &AppState) -> (Peer, String) {
    let mut customer = Peer::connect(app);
    let (welcome, _) = customer.hello().await;
    let id = welcome["conversation"].as_str().unwrap().to_owned();
    customer.send(json!({"type": "message", "text": "je veux parler à un conseiller", "id": "m1"}));
    let ack = customer.expect("ack").await;
    let queued = customer.expect("handoff").await;
    assert_eq!(queued["state"], "queued", "{queued}");
    assert_eq!(queued["position"], 1);
    assert_eq!(queued["seq"], ack["seq"].as_u64().unwrap() + 1);
    (customer, id)
}

#[tokio::test]
async fn an_advisor_serves_a_customer_then_the_bot_takes_over_again() {
    let app = app_with_faq().await;
    let (mut agent, hello) = advisor(&app).await;
    assert_eq!(hello["agent"]["display_name"], "Alice");
    assert_eq!(hello["chats"], json!([]));
    let (mut customer, id) = queued_customer(&app).await;

    let queue = loop {
        let frame = until(&mut agent, "queue").await;
        if frame["total"] == 1 {
            break frame;
        }
    };
    assert_eq!(queue["items"][0]["conversation"], id.as_str());
    assert_eq!(queue["items"][0]["reason"], "explicit");

    agent.send(json!({"type": "accept", "conversation": id}));
    let transcript = until(&mut agent, "transcript").await;
    let events = transcript["events"].as_array().unwrap();
    assert!(events.iter().any(|e| e["type"] == "customer"
        && e["text"] == "je veux parler à un conseiller"
        && e["at_ms"].is_u64()));
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "handoff" && e["state"] == "queued")
    );
    let last = events.last().unwrap();
    assert_eq!(
        (&last["state"], &last["agent"]),
        (&json!("assigned"), &json!("Alice"))
    );
    assert_eq!(transcript["context"]["lang"], "fr");
    let assigned = customer.expect("handoff").await;
    assert_eq!(
        (&assigned["state"], &assigned["agent"]),
        (&json!("assigned"), &json!("Alice"))
    );

    // The bot is silent: an ack, and the advisor gets the message with suggestions.
    customer.send(json!({"type": "message", "text": "expliquer ma facture", "id": "m2"}));
    let ack = customer.expect("ack").await;
    let forwarded = until(&mut agent, "customer").await;
    assert_eq!(forwarded["text"], "expliquer ma facture");
    assert_eq!(forwarded["seq"], ack["seq"]);
    let suggestions = until(&mut agent, "suggestions").await;
    assert_eq!(
        suggestions["items"][0]["intent"], "bill_explain",
        "{suggestions}"
    );
    assert!(
        suggestions["items"][0]["text"]
            .as_str()
            .unwrap()
            .contains("abonnement")
    );

    customer.send(json!({"type": "typing"}));
    assert_eq!(
        until(&mut agent, "customer_typing").await["conversation"],
        id.as_str()
    );
    agent.send(json!({"type": "typing", "conversation": id}));
    assert_eq!(
        customer.recv().await,
        json!({"type": "agent_typing"}),
        "no bot frame came"
    );

    agent.send(json!({"type": "message", "conversation": id, "text": "Je regarde <b>ça</b>"}));
    let agent_ack = until(&mut agent, "ack").await;
    let said = customer.expect("agent").await;
    assert_eq!(said["text"], "Je regarde <b>ça</b>");
    assert_eq!(said["agent"], "Alice");
    assert_eq!(said["seq"], agent_ack["seq"]);
    let stored = app.store().events_after(&id, 0).unwrap();
    assert_eq!(
        stored.last().unwrap().body["kind"],
        "agent",
        "stored before it was shown"
    );

    agent.send(json!({"type": "close", "conversation": id}));
    let ended = until(&mut agent, "chat_ended").await;
    assert_eq!(ended["by"], "agent");
    let back = customer.expect("handoff").await;
    assert_eq!(
        (&back["state"], &back["by"]),
        (&json!("ended"), &json!("agent"))
    );
    assert_eq!(customer.expect("end").await["by"], "agent");
    customer.expect("survey").await;
    let (_, bot) = customer.say("expliquer ma facture", "m3").await;
    assert_eq!(bot["intent"], "bill_explain", "the bot answers again");
}

#[tokio::test]
async fn refused_advisor_frames_get_their_codes_and_the_session_goes_on() {
    let app = app_with_faq().await;
    let (mut agent, _) = advisor(&app).await;
    let unknown = "0123456789abcdef0123456789abcdef";
    for (frame, code) in [
        (
            json!({"type": "accept", "conversation": unknown}),
            "not_found",
        ),
        (
            json!({"type": "accept", "conversation": "../etc"}),
            "not_found",
        ),
        (
            json!({"type": "takeover", "conversation": unknown}),
            "not_found",
        ),
        (
            json!({"type": "message", "conversation": unknown, "text": "hi"}),
            "not_owner",
        ),
        (
            json!({"type": "close", "conversation": unknown}),
            "not_owner",
        ),
        (
            json!({"type": "flag_faq", "conversation": unknown, "text": "x"}),
            "not_found",
        ),
        (json!({"type": "dance"}), "unknown_type"),
        (json!({"type": "accept"}), "invalid_frame"),
    ] {
        agent.send(frame.clone());
        let err = until(&mut agent, "error").await;
        assert_eq!(err["code"], code, "{frame} → {err}");
    }
    let (_customer, id) = queued_customer(&app).await;
    agent.send(json!({"type": "accept", "conversation": id}));
    until(&mut agent, "transcript").await;
    agent.send(json!({"type": "message", "conversation": id, "text": "  "}));
    assert_eq!(until(&mut agent, "error").await["code"], "empty_text");
    let long = "x".repeat(app.config().max_text_chars + 1);
    agent.send(json!({"type": "message", "conversation": id, "text": long}));
    assert_eq!(until(&mut agent, "error").await["code"], "text_too_long");
}

#[tokio::test]
async fn a_reconnecting_advisor_gets_their_chats_and_replaces_the_old_connection() {
    let app = app_with_faq().await;
    let (mut first, _) = advisor(&app).await;
    let (_customer, id) = queued_customer(&app).await;
    first.send(json!({"type": "accept", "conversation": id}));
    until(&mut first, "transcript").await;

    let (mut second, hello) = advisor(&app).await;
    assert_eq!(hello["chats"], json!([id]));
    assert_eq!(
        until(&mut second, "transcript").await["conversation"],
        id.as_str()
    );
    loop {
        match first.message().await {
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, close_code::POLICY);
                break;
            }
            Message::Text(_) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_customer_who_leaves_ends_the_advisors_chat() {
    let app = app_with_faq().await;
    let (mut agent, _) = advisor(&app).await;
    let (mut customer, id) = queued_customer(&app).await;
    agent.send(json!({"type": "accept", "conversation": id}));
    until(&mut agent, "transcript").await;
    customer.expect("handoff").await;
    customer.send(json!({"type": "leave_queue"}));
    let ended = customer.expect("handoff").await;
    assert_eq!(
        (&ended["state"], &ended["by"]),
        (&json!("ended"), &json!("customer"))
    );
    let chat_ended = until(&mut agent, "chat_ended").await;
    assert_eq!(
        (&chat_ended["conversation"], &chat_ended["by"]),
        (&json!(id), &json!("customer"))
    );
    customer.send(json!({"type": "leave_queue"}));
    assert_eq!(customer.expect("error").await["code"], "not_queued");
    agent.send(json!({"type": "message", "conversation": id, "text": "allo ?"}));
    assert_eq!(until(&mut agent, "error").await["code"], "not_owner");
}

#[tokio::test(start_paused = true)]
async fn a_running_bot_conversation_shows_live_and_can_be_taken_over() {
    let app = app_with_faq().await;
    let (mut agent, _) = advisor(&app).await;
    let mut customer = Peer::connect(&app);
    let (welcome, _) = customer.hello().await;
    let id = welcome["conversation"].as_str().unwrap().to_owned();
    customer.say("expliquer ma facture", "m1").await;
    let live = loop {
        let frame = until(&mut agent, "live").await;
        if frame["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
        {
            break frame;
        }
    };
    let item = &live["items"][0];
    assert_eq!(item["conversation"], id.as_str());
    assert_eq!(item["last_text_preview"], "expliquer ma facture");
    assert_eq!(item["turns"], 1);

    agent.send(json!({"type": "takeover", "conversation": id}));
    let transcript = until(&mut agent, "transcript").await;
    assert_eq!(transcript["context"]["reason"], "takeover");
    let assigned = customer.expect("handoff").await;
    assert_eq!(assigned["state"], "assigned");
    let live = until(&mut agent, "live").await;
    assert_eq!(live["items"], json!([]), "no longer with the bot");
}

/// Reads the advisor's frames up to the close frame, which must say the access is revoked.
async fn until_closed_for_policy(agent: &mut Peer) {
    loop {
        match agent.message().await {
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, close_code::POLICY, "{frame:?}");
                return;
            }
            Message::Text(_) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn changing_or_removing_an_agent_closes_their_open_panel() {
    let app = app_with_faq().await;
    let (mut agent, _) = advisor(&app).await;
    let changed = AgentRecord {
        epoch: 2,
        ..alice()
    };
    app.store().put_agent(&changed).unwrap().await.unwrap();
    app.queue().revoke("alice", false).await;
    until_closed_for_policy(&mut agent).await;

    let (mut agent, _) = advisor(&app).await;
    let (_, durable) = app.store().remove_agent("alice").unwrap();
    durable.await.unwrap();
    app.queue().revoke("alice", true).await;
    until_closed_for_policy(&mut agent).await;
}

#[tokio::test]
async fn a_panel_authorised_before_a_change_is_closed_without_a_hello() {
    let app = app_with_faq().await;
    // Authorised under epoch 1, connected after the change to epoch 2 was revoked.
    let changed = AgentRecord {
        epoch: 2,
        ..alice()
    };
    app.store().put_agent(&changed).unwrap().await.unwrap();
    let mut stale = Peer::agent(&app, &alice());
    match stale.message().await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, close_code::POLICY),
        other => panic!("expected the panel closed, got {other:?}"),
    }
    // Removed altogether: the same.
    let (_, durable) = app.store().remove_agent("alice").unwrap();
    durable.await.unwrap();
    let mut removed = Peer::agent(&app, &changed);
    match removed.message().await {
        Message::Close(Some(frame)) => assert_eq!(frame.code, close_code::POLICY),
        other => panic!("expected the panel closed, got {other:?}"),
    }
}
