//! Who may do what in the live handoff:
//! 1. the agent websocket and the agent HTTP endpoints refuse requests without a valid token
//!    (none, a made-up one, a customer's resume token, a logged-out one) with HTTP 401, and
//!    accept the token from login as a Bearer header or as the cookie login sets;
//! 2. wrong passwords and unknown agents get the same 401, and repeated failures are
//!    rate-limited with 429 and Retry-After, even for the right password;
//! 3. a customer can neither read nor write another customer's conversation;
//! 4. two agents accepting the same conversation at once: exactly one gets it, the other a
//!    clear `already_taken` refusal.

use serde_json::{Value, json};

use crate::agent_support::{
    AgentDef, AgentSocket, Credentials, add_agent, login_with, open_agent_ws, password_of,
    queue_ids, queued_customer, replay,
};
use crate::support::{Client, DataDir, Server};

/// A token of the right shape that the server never issued.
const MADE_UP: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[tokio::test]
async fn agent_endpoints_refuse_requests_without_a_valid_token() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let (_, welcome) = crate::agent_support::customer(&server, "fr").await;
    let resume = welcome["resume"].as_str().expect("resume token");

    for credentials in [
        Credentials::Nothing,
        Credentials::Bearer(MADE_UP),
        Credentials::Cookie(MADE_UP),
        Credentials::Query(MADE_UP),
        Credentials::Bearer(resume),
    ] {
        let refused = open_agent_ws(&server, credentials).await;
        assert_eq!(
            refused.err(),
            Some(401),
            "{credentials:?} was not refused with 401"
        );
    }
    for path in ["/api/agent/tickets", "/api/agent/canned?lang=fr"] {
        let none = server.request("GET", path, &[], None).await;
        assert_eq!(none.status, 401, "{path} without a token: {}", none.body);
        let bearer = format!("Bearer {MADE_UP}");
        let made_up = server
            .request("GET", path, &[("Authorization", &bearer)], None)
            .await;
        assert_eq!(
            made_up.status, 401,
            "{path} with a made-up token: {}",
            made_up.body
        );
    }

    // The real token works as a Bearer header and as the cookie login sets.
    let response = login_with(&server, "alice", &password_of("alice")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let token = response.json()["token"].as_str().expect("token").to_owned();
    let cookie = response
        .header("set-cookie")
        .expect("a session cookie")
        .to_owned();
    assert!(
        cookie.starts_with(&format!("relais_agent={token}")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Strict"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
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
    let canned = server
        .request(
            "GET",
            "/api/agent/canned?lang=fr",
            &[("Cookie", &format!("relais_agent={token}"))],
            None,
        )
        .await;
    assert_eq!(canned.status, 200, "{}", canned.body);
    assert!(
        open_agent_ws(&server, Credentials::Bearer(&token))
            .await
            .is_ok()
    );
    assert!(
        open_agent_ws(&server, Credentials::Cookie(&token))
            .await
            .is_ok()
    );

    // Logged out, the token is void.
    let logout = server
        .request(
            "POST",
            "/api/agent/logout",
            &[("Authorization", &bearer)],
            None,
        )
        .await;
    assert!(
        logout.status < 300,
        "logout: {} {}",
        logout.status,
        logout.body
    );
    assert_eq!(
        open_agent_ws(&server, Credentials::Bearer(&token))
            .await
            .err(),
        Some(401)
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_then_rate_limited() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let wrong = login_with(&server, "alice", "not-her-password").await;
    let unknown = login_with(&server, "nobody", "not-her-password").await;
    for refused in [&wrong, &unknown] {
        assert_eq!(refused.status, 401, "{}", refused.body);
        assert_eq!(refused.json()["error"]["code"], "bad_credentials");
        assert!(
            refused.header("set-cookie").is_none(),
            "no session on failure"
        );
    }
    assert_eq!(
        wrong.json(),
        unknown.json(),
        "an unknown agent and a wrong password must look the same"
    );
    for _ in 0..3 {
        let refused = login_with(&server, "alice", "still-not-it").await;
        assert_eq!(refused.status, 401, "{}", refused.body);
    }
    // Five failures for alice (four here, plus "nobody" counting for the same address).
    let limited = login_with(&server, "alice", &password_of("alice")).await;
    assert_eq!(limited.status, 429, "{}", limited.body);
    assert_eq!(limited.json()["error"]["code"], "rate_limited");
    let retry = limited.header("retry-after").expect("Retry-After");
    assert!(retry.parse::<u64>().is_ok_and(|s| s > 0), "{retry}");
}

#[tokio::test]
async fn a_customer_cannot_read_or_write_another_conversation() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    let mut victim = queued_customer(&server, "fr").await;
    let id = victim.conversation.clone();
    alice.wait_queued(&id).await;
    alice.accept(&id).await;
    victim.client.expect_event("handoff").await;
    let secret = "Mon numéro client est le 0042 et mon IBAN FR76 3000";
    victim.client.send_text(secret).await;
    alice.expect("customer").await;

    // The conversation id is not a key: using it as a resume token starts a new conversation.
    let mut intruder = Client::connect(&server).await;
    intruder
        .send(json!({"type": "hello", "resume": id, "last_seq": 0}))
        .await;
    intruder.expect_error("resume_invalid").await;
    let welcome = intruder.expect("welcome").await;
    assert_eq!(welcome["resumed"], false);
    assert_ne!(welcome["conversation"], id.as_str());
    let greeting = intruder.expect("bot").await;
    assert_eq!(
        greeting["seq"], 1,
        "a fresh conversation, not a replay: {greeting}"
    );

    // Naming other conversations in frames changes nothing: a queued customer stays queued,
    // and the message lands in the intruder's own conversation. (Frames on one connection are
    // handled in order, so the ack means the leave_queue before it was handled too.)
    let waiting = queued_customer(&server, "fr").await;
    alice.wait_queued(&waiting.conversation).await;
    intruder
        .send(json!({"type": "leave_queue", "conversation": waiting.conversation}))
        .await;
    let forged = "forged message for the other conversation";
    intruder
        .send(json!({"type": "message", "text": forged, "id": "x1", "conversation": id}))
        .await;
    let ack = loop {
        let frame = intruder.next_event().await;
        match frame["type"].as_str() {
            Some("ack") => break frame,
            // A leave_queue outside the queue may be refused; it must not act elsewhere.
            Some("error") => {}
            _ => panic!("unexpected frame for the intruder: {frame}"),
        }
    };
    assert_eq!(
        ack["seq"], 2,
        "stored in the intruder's conversation: {ack}"
    );
    let later = queued_customer(&server, "fr").await;
    let (items, _) = alice
        .queue_until(|items| crate::agent_support::queued(items, &later.conversation).is_some())
        .await;
    assert_eq!(
        queue_ids(&items),
        [waiting.conversation.as_str(), later.conversation.as_str()],
        "the intruder took nobody out of the queue"
    );
    // The agent's next customer frame is the victim's, not the forgery.
    let next = "Vous m'entendez toujours ?";
    victim.client.send_text(next).await;
    let heard = alice.expect("customer").await;
    assert_eq!(heard["text"], next, "{heard}");
    assert_eq!(heard["conversation"], id.as_str());

    // The victim's transcript holds nothing of the intruder, and the intruder's nothing of it.
    let theirs = replay(&server, &victim.resume).await;
    assert!(!format!("{theirs:?}").contains(forged), "{theirs:?}");
    let intruder_resume = welcome["resume"].as_str().expect("resume");
    let own = replay(&server, intruder_resume).await;
    assert!(!format!("{own:?}").contains(secret), "{own:?}");
    // And a customer's resume token opens no agent door.
    assert_eq!(
        open_agent_ws(&server, Credentials::Bearer(intruder_resume))
            .await
            .err(),
        Some(401)
    );
}

/// What an agent got in answer to `accept`: `Ok` with the transcript or `Err` with the error.
async fn outcome_of_accept(agent: &mut AgentSocket) -> Result<Value, Value> {
    loop {
        let frame = agent.recv().await;
        match frame["type"].as_str() {
            Some("transcript") => return Ok(frame),
            Some("error") => return Err(frame),
            _ => {}
        }
    }
}

#[tokio::test]
async fn two_agents_accepting_the_same_conversation_exactly_one_wins() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    add_agent(&data, AgentDef::new("bruno", "Bruno", "fr"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    let mut bruno = AgentSocket::login(&server, "bruno").await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(queued_customer(&server, "fr").await);
    }
    let want: Vec<String> = waiting.iter().map(|w| w.conversation.clone()).collect();
    alice.queue_until(|items| queue_ids(items) == want).await;
    bruno.queue_until(|items| queue_ids(items) == want).await;

    for customer in &mut waiting {
        let accept = json!({"type": "accept", "conversation": customer.conversation});
        tokio::join!(alice.send(accept.clone()), bruno.send(accept));
        let (a, b) = tokio::join!(outcome_of_accept(&mut alice), outcome_of_accept(&mut bruno));
        let (winner, refusal) = match (a, b) {
            (Ok(_), Err(refusal)) => ("Alice", refusal),
            (Err(refusal), Ok(_)) => ("Bruno", refusal),
            (a, b) => panic!("not exactly one winner: {a:?} {b:?}"),
        };
        assert_eq!(refusal["code"], "already_taken", "{refusal}");
        assert!(
            refusal["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{refusal}"
        );
        let assigned = customer.client.expect_event("handoff").await;
        assert_eq!(assigned["state"], "assigned");
        assert_eq!(assigned["agent"], winner, "{assigned}");
        // Exactly one assignment: the customer's next event is a message of the winner.
        let ack = match winner {
            "Alice" => alice.say(&customer.conversation, "C'est Alice.").await,
            _ => bruno.say(&customer.conversation, "C'est Bruno.").await,
        };
        let next = customer.client.next_event().await;
        assert_eq!(next["type"], "agent", "{next}");
        assert_eq!(next["agent"], winner);
        assert_eq!(next["seq"], ack["seq"]);
    }
}
