//! The waiting customer's side of the live handoff:
//! 1. a second customer sees position 2, then 1 once the first is taken, live;
//! 2. a customer may leave the queue: the transition is recorded, the bot answers again and
//!    the customers behind move up;
//! 3. a restart keeps the queue, in order: resumed customers move up as before;
//! 4. with no advisor online (or none for the customer's language), the customer is told so
//!    and offered the callback form, which becomes a ticket the agents see.

use serde_json::{Value, json};

use crate::agent_support::{
    AgentDef, AgentSocket, QueuedCustomer, accept_offer, add_agent, customer, login, queue_ids,
    queued_customer,
};
use crate::support::{Client, DataDir, Server};

/// Reads `client`'s `queue_update` frames until `position` is reached; every position seen on
/// the way must be in `allowed`.
async fn wait_position(client: &mut Client, position: u64, allowed: &[u64]) {
    loop {
        let update = client.next_queue_update().await;
        let seen = update["position"].as_u64().expect("position");
        assert!(
            allowed.contains(&seen),
            "position {seen} not in {allowed:?}: {update}"
        );
        assert!(
            update["eta_s"].as_u64().is_some(),
            "an estimated wait: {update}"
        );
        if seen == position {
            return;
        }
    }
}

fn ids(customers: &[&QueuedCustomer]) -> Vec<String> {
    customers.iter().map(|c| c.conversation.clone()).collect()
}

#[tokio::test]
async fn a_second_customer_sees_position_two_then_one() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;

    let first = queued_customer(&server, "fr").await;
    assert_eq!(first.queued["position"], 1, "{}", first.queued);
    let mut second = queued_customer(&server, "fr").await;
    assert_eq!(second.queued["position"], 2, "{}", second.queued);
    let first_eta = first.queued["eta_s"].as_u64().expect("eta");
    let second_eta = second.queued["eta_s"].as_u64().expect("eta");
    assert!(
        second_eta >= first_eta,
        "waiting longer behind someone: {first_eta} {second_eta}"
    );

    let want = ids(&[&first, &second]);
    let (items, _) = alice.queue_until(|items| queue_ids(items) == want).await;
    assert_eq!(items[0]["position"], 1);
    assert_eq!(items[1]["position"], 2);

    alice.accept(&first.conversation).await;
    wait_position(&mut second.client, 1, &[2, 1]).await;
}

#[tokio::test]
async fn leaving_the_queue_gives_the_bot_back_and_moves_the_others_up() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    let first = queued_customer(&server, "fr").await;
    let mut second = queued_customer(&server, "fr").await;
    let mut third = queued_customer(&server, "fr").await;
    assert_eq!(third.queued["position"], 3);

    second.client.send(json!({"type": "leave_queue"})).await;
    let left = second.client.expect_event("handoff").await;
    assert!(
        left["state"] == "returned" || left["state"] == "ended",
        "leaving is a recorded transition back to the bot: {left}"
    );
    wait_position(&mut third.client, 2, &[3, 2]).await;
    let want = ids(&[&first, &third]);
    alice.queue_until(|items| queue_ids(items) == want).await;
    let (_, bot) = second.client.say("comment payer ma facture").await;
    assert_eq!(
        bot["intent"], "payment_methods",
        "the bot answers again: {bot}"
    );
}

/// Reconnects a queued customer to `server` with its resume token.
async fn resume(server: &Server, waiting: &QueuedCustomer) -> Client {
    let mut client = Client::connect(server).await;
    client
        .send(json!({"type": "hello", "resume": waiting.resume,
            "last_seq": waiting.queued["seq"]}))
        .await;
    let welcome = client.expect("welcome").await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    assert_eq!(welcome["conversation"], waiting.conversation.as_str());
    client
}

#[tokio::test]
async fn a_restart_keeps_the_queue_in_order() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let alice = AgentSocket::login(&server, "alice").await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(queued_customer(&server, "fr").await);
    }
    let positions: Vec<&Value> = waiting.iter().map(|w| &w.queued["position"]).collect();
    assert_eq!(positions, [1, 2, 3]);
    alice.close().await;
    let status = server.terminate();
    assert!(status.success(), "clean shutdown: {status:?}");

    let server = Server::start_in(&data);
    let mut clients = Vec::new();
    for w in &waiting {
        clients.push(resume(&server, w).await);
    }
    let mut alice = AgentSocket::login(&server, "alice").await;
    let want: Vec<String> = waiting.iter().map(|w| w.conversation.clone()).collect();
    let (items, _) = alice.queue_until(|items| items.len() == want.len()).await;
    assert_eq!(queue_ids(&items), want, "the order after the restart");
    let positions: Vec<&Value> = items.iter().map(|i| &i["position"]).collect();
    assert_eq!(positions, [1, 2, 3]);

    alice.accept(&waiting[0].conversation).await;
    let assigned = clients[0].expect_event("handoff").await;
    assert_eq!(assigned["state"], "assigned", "{assigned}");
    wait_position(&mut clients[1], 1, &[2, 1]).await;
    wait_position(&mut clients[2], 2, &[3, 2]).await;
}

/// Checks the `unavailable` handoff, then fills the callback form; returns the form's text.
async fn callback_after_unavailable(client: &mut Client, unavailable: &Value) -> String {
    assert_eq!(unavailable["state"], "unavailable", "{unavailable}");
    let form = client.expect_event("bot").await;
    assert_eq!(form["form"], "callback", "never a dead end: {form}");
    assert!(
        !form["text"].as_str().unwrap_or_default().is_empty(),
        "{form}"
    );
    let message = "Rappelez-moi demain matin, merci";
    client
        .send(
            json!({"type": "callback", "name": "Ana Martin", "contact": "ana@example.fr",
            "message": message, "consent": true, "id": "form-1"}),
        )
        .await;
    let ack = client.expect_event("ack").await;
    assert_eq!(ack["id"], "form-1");
    let confirmation = client.expect_event("bot").await;
    assert!(confirmation["form"].is_null(), "{confirmation}");
    message.to_owned()
}

#[tokio::test]
async fn no_advisor_online_leads_to_the_callback_form_and_a_ticket_agents_see() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr,en"));
    let server = Server::start_in(&data);
    let (mut client, welcome) = customer(&server, "fr").await;
    let unavailable = accept_offer(&mut client).await;
    let message = callback_after_unavailable(&mut client, &unavailable).await;

    let token = login(&server, "alice").await;
    let bearer = format!("Bearer {token}");
    let tickets = server
        .request(
            "GET",
            "/api/agent/tickets",
            &[("Authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(tickets.status, 200, "{}", tickets.body);
    let conversation = welcome["conversation"].as_str().expect("id");
    let listed = tickets.json().to_string();
    for wanted in [conversation, "ana@example.fr", message.as_str()] {
        assert!(
            listed.contains(wanted),
            "{wanted:?} missing from the tickets {listed}"
        );
    }
}

#[tokio::test]
async fn a_french_customer_with_only_an_english_agent_online_is_offered_a_callback() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("bob", "Bob", "en"));
    let server = Server::start_in(&data);
    let mut bob = AgentSocket::login(&server, "bob").await;
    let (mut client, _) = customer(&server, "fr").await;
    let unavailable = accept_offer(&mut client).await;
    callback_after_unavailable(&mut client, &unavailable).await;

    // The English customer right after is queued for Bob: he was online all along.
    let english = queued_customer(&server, "en").await;
    let item = bob.wait_queued(&english.conversation).await;
    assert_eq!(item["lang"], "en");
}
