//! The live handoff as the issue tells it, through the real binary, the demo corpus and real
//! websockets on both sides:
//! 1. a customer the bot fails to understand twice accepts the advisor offer, is queued at
//!    position 1 with an estimated wait, and an agent serving their language accepts: the
//!    agent gets the transcript with the misunderstood messages and the intents the bot
//!    detected, both sides talk, the agent closes and the bot takes the conversation back;
//!    every transition is in the transcript;
//! 2. the bot says nothing while the queue or an agent owns the conversation: each customer
//!    message is stored and acknowledged, and the next event is the agent's;
//! 3. a French customer is never routed to an English-only agent.

use serde_json::{Value, json};

use crate::agent_support::{
    AgentDef, AgentSocket, GIBBERISH, add_agent, queue_ids, queued, queued_customer, replay,
    transcript_events, until_handoff,
};
use crate::support::{DataDir, Server};

/// The intent the demo corpus gives "comment payer ma facture".
const PAYMENT: &str = "payment_methods";

#[tokio::test]
async fn misunderstood_twice_then_served_by_an_agent_who_sees_everything() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr,en"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    assert_eq!(alice.hello["agent"]["name"], "alice", "{}", alice.hello);

    // One question the bot answers, then two it does not understand.
    let (mut customer, welcome) = crate::agent_support::customer(&server, "fr").await;
    let id = welcome["conversation"].as_str().expect("id").to_owned();
    let (_, answer) = customer.say("comment payer ma facture").await;
    assert_eq!(answer["intent"], PAYMENT, "{answer}");
    let offer = crate::agent_support::misunderstood_twice(&mut customer).await;
    let accept_ack = customer.choose("handoff:yes").await;
    let queued = until_handoff(&mut customer).await;
    assert_eq!(queued["state"], "queued", "{queued}");
    assert_eq!(queued["position"], 1, "{queued}");
    assert!(
        queued["eta_s"].as_u64().is_some(),
        "an estimated wait: {queued}"
    );
    assert!(
        queued["seq"].as_u64() > accept_ack["seq"].as_u64(),
        "the handoff is an event after the click: {queued}"
    );

    // The queue item tells the agent what the bot understood and what it missed.
    let item = alice.wait_queued(&id).await;
    assert_eq!(item["lang"], "fr", "{item}");
    assert_eq!(item["position"], 1, "{item}");
    let understood = item["understood"].as_array().expect("understood");
    assert!(
        understood
            .iter()
            .any(|u| u["intent"] == PAYMENT && u["confidence"].as_f64().is_some_and(|c| c > 0.0)),
        "{item}"
    );
    let missed = item["missed"].to_string();
    for text in GIBBERISH {
        assert!(missed.contains(text), "{text:?} missing from {item}");
    }

    // Accepting gives the whole transcript, misunderstood messages and detected intents included.
    let transcript = alice.accept(&id).await;
    let events = transcript_events(&transcript);
    for text in GIBBERISH {
        assert!(
            events
                .iter()
                .any(|e| e["type"] == "customer" && e["text"] == text),
            "{text:?} missing from the transcript {transcript}"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "bot" && e["intent"] == PAYMENT),
        "the bot's detected intent missing from {transcript}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "bot" && e["text"] == offer["text"]),
        "the offer missing from {transcript}"
    );
    let seqs: Vec<u64> = events.iter().filter_map(|e| e["seq"].as_u64()).collect();
    assert_eq!(
        seqs.len(),
        events.len(),
        "every event has its seq: {transcript}"
    );
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    assert!(
        transcript["context"].to_string().contains(PAYMENT),
        "the context carries what the bot understood: {transcript}"
    );

    let assigned = customer.expect_event("handoff").await;
    assert_eq!(assigned["state"], "assigned", "{assigned}");
    assert_eq!(assigned["agent"], "Alice", "{assigned}");

    // Both sides talk; the agent's message is an event with its seq, shown with the agent's name.
    let hello = "Bonjour, je suis Alice. Que puis-je faire pour vous ?";
    let ack = alice.say(&id, hello).await;
    let said = customer.expect_event("agent").await;
    assert_eq!(said["text"], hello);
    assert_eq!(said["agent"], "Alice");
    assert_eq!(said["seq"], ack["seq"], "{said} {ack}");

    let question = "Ma facture de mars est deux fois trop élevée.";
    let customer_ack = customer.send_text(question).await;
    let heard = alice.expect("customer").await;
    assert_eq!(heard["conversation"], id.as_str());
    assert_eq!(heard["text"], question);
    assert_eq!(heard["seq"], customer_ack["seq"]);

    // The agent closes: the customer is told, and the bot answers again.
    alice
        .send(json!({"type": "close", "conversation": id}))
        .await;
    let ended = customer.expect_event("handoff").await;
    assert_eq!(ended["state"], "ended", "{ended}");
    assert_eq!(customer.expect_event("end").await["by"], "agent");
    customer.expect_event("survey").await;
    let (_, back) = customer.say("comment payer ma facture").await;
    assert_eq!(
        back["intent"], PAYMENT,
        "the bot has the conversation back: {back}"
    );

    // Every transition is in the transcript, in order, and the bot was silent in between.
    let resume = welcome["resume"].as_str().expect("resume");
    let frames = replay(&server, resume).await;
    let states: Vec<&str> = frames
        .iter()
        .filter(|f| f["type"] == "handoff")
        .filter_map(|f| f["state"].as_str())
        .collect();
    assert_eq!(states, ["queued", "assigned", "ended"], "{frames:?}");
    assert_eq!(bot_events_while_owned(&frames), 0, "{frames:?}");
    alice.close().await;
}

/// Bot events between the `queued` and the `ended` handoff events of a replay.
fn bot_events_while_owned(frames: &[Value]) -> usize {
    let start = frames
        .iter()
        .position(|f| f["type"] == "handoff" && f["state"] == "queued")
        .expect("a queued event");
    let end = frames
        .iter()
        .position(|f| f["type"] == "handoff" && f["state"] == "ended")
        .expect("an ended event");
    frames[start..end]
        .iter()
        .filter(|f| f["type"] == "bot")
        .count()
}

#[tokio::test]
async fn the_bot_says_nothing_while_the_queue_or_an_agent_owns_the_chat() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    let mut waiting = queued_customer(&server, "fr").await;
    let id = waiting.conversation.clone();

    // While queued: a question the bot could answer, and a quick reply, get only their acks.
    let asked = waiting.client.send_text("comment payer ma facture").await;
    let clicked = waiting.client.choose("intent:payment_methods").await;
    assert_eq!(
        clicked["seq"].as_u64(),
        asked["seq"].as_u64().map(|s| s + 1)
    );
    alice.wait_queued(&id).await;
    let transcript = alice.accept(&id).await;
    let events = transcript_events(&transcript);
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "customer" && e["text"] == "comment payer ma facture"),
        "what the customer said while queued reaches the agent: {transcript}"
    );
    let assigned = waiting.client.expect_event("handoff").await;
    assert_eq!(assigned["state"], "assigned");
    assert_eq!(
        assigned["seq"].as_u64(),
        clicked["seq"].as_u64().map(|s| s + 1),
        "no bot event while queued: {assigned}"
    );

    // While assigned: the customer's messages go to the agent, and the next event is the agent's.
    for text in ["bonjour", "comment payer ma facture", "merci au revoir"] {
        let ack = waiting.client.send_text(text).await;
        let heard = alice.expect("customer").await;
        assert_eq!(heard["text"], text);
        let reply = format!("Bien noté : {text}");
        alice.say(&id, &reply).await;
        let next = waiting.client.next_event().await;
        assert_eq!(
            next["type"], "agent",
            "the bot spoke while an agent owns the chat: {next}"
        );
        assert_eq!(next["text"], reply.as_str());
        assert_eq!(
            next["seq"].as_u64(),
            ack["seq"].as_u64().map(|s| s + 1),
            "{next}"
        );
    }
    let frames = replay(&server, &waiting.resume).await;
    let after_queued = frames
        .iter()
        .skip_while(|f| !(f["type"] == "handoff" && f["state"] == "queued"));
    assert_eq!(
        after_queued.filter(|f| f["type"] == "bot").count(),
        0,
        "{frames:?}"
    );
}

#[tokio::test]
async fn a_french_customer_is_not_routed_to_an_english_only_agent() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("bob", "Bob", "en"));
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut bob = AgentSocket::login(&server, "bob").await;
    let mut alice = AgentSocket::login(&server, "alice").await;

    let french = queued_customer(&server, "fr").await;
    alice.wait_queued(&french.conversation).await;
    let english = queued_customer(&server, "en").await;
    // Bob's first view with the English customer: he has not seen the French one before it,
    // nor does he now.
    let (items, before) = bob
        .queue_until(|items| queued(items, &english.conversation).is_some())
        .await;
    assert_eq!(
        queue_ids(&items),
        [english.conversation.as_str()],
        "{items:?}"
    );
    for earlier in &before {
        assert!(
            queued(earlier, &french.conversation).is_none(),
            "the English-only agent was offered a French conversation: {earlier:?}"
        );
    }

    // Accepting it anyway is refused, and the French customer stays queued for Alice.
    bob.send(json!({"type": "accept", "conversation": french.conversation}))
        .await;
    bob.expect_error("not_eligible").await;
    let mut french_client = french.client;
    alice.accept(&french.conversation).await;
    let assigned = french_client.expect_event("handoff").await;
    assert_eq!(assigned["state"], "assigned");
    assert_eq!(assigned["agent"], "Alice", "{assigned}");
}
