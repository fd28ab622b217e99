//! What the live handoff keeps across disconnections and restarts, through the real binary:
//! 1. `admin.json` (URL and admin token, owner-only) exists exactly while the server runs,
//!    and its token opens the admin API;
//! 2. an advisor who disconnects and does not come back within the grace period loses the
//!    chat to the head of the queue: the customer is told, the others move down;
//! 3. a chat held by an advisor survives a restart: they get it back on reconnecting.

use serde_json::Value;

use crate::agent_support::{AgentDef, AgentSocket, add_agent, queue_ids, queued_customer};
use crate::support::{DataDir, Server};

fn admin_file(data: &DataDir) -> std::path::PathBuf {
    data.store_path().join("admin.json")
}

#[tokio::test]
async fn admin_json_exists_while_the_server_runs_and_opens_the_admin_api() {
    let data = DataDir::new();
    let server = Server::start_in(&data);
    let text = std::fs::read_to_string(admin_file(&data)).expect("admin.json while running");
    let admin: Value = serde_json::from_str(&text).expect("admin.json is JSON");
    assert_eq!(admin["url"], format!("http://{}", server.addr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(admin_file(&data))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only");
    }
    let token = admin["token"].as_str().expect("token");
    let bearer = format!("Bearer {token}");
    let listed = server
        .request(
            "GET",
            "/api/admin/agents",
            &[("authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(
        (listed.status, listed.json()),
        (200, Value::Array(Vec::new()))
    );
    let refused = server.request("GET", "/api/admin/agents", &[], None).await;
    assert_eq!(refused.status, 401);
    assert!(server.terminate().success());
    assert!(!admin_file(&data).exists(), "removed at clean shutdown");
}

#[tokio::test]
async fn an_advisor_who_stays_away_loses_the_chat_to_the_head_of_the_queue() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_with(&data, &["--agent-grace-secs", "1"]);
    let mut alice = AgentSocket::login(&server, "alice").await;
    let mut first = queued_customer(&server, "fr").await;
    let mut second = queued_customer(&server, "fr").await;
    alice.wait_queued(&second.conversation).await;
    alice.accept(&first.conversation).await;
    let assigned = first.client.expect_event("handoff").await;
    assert_eq!(assigned["state"], "assigned", "{assigned}");
    alice.close().await;

    // No sleep: the customer's next event is the requeue, whenever the grace period ends.
    let requeued = first.client.expect_event("handoff").await;
    assert_eq!(requeued["state"], "queued", "{requeued}");
    assert_eq!(requeued["requeued"], true, "{requeued}");
    assert_eq!(requeued["position"], 1, "{requeued}");
    let moved = loop {
        let frame = second.client.recv().await;
        if frame["type"] == "queue_update" && frame["position"] == 2 {
            break frame;
        }
    };
    assert!(moved["eta_s"].as_u64().is_some(), "{moved}");

    let mut back = AgentSocket::login(&server, "alice").await;
    assert_eq!(
        back.hello["chats"],
        Value::Array(Vec::new()),
        "{}",
        back.hello
    );
    let (items, _) = back.queue_until(|items| items.len() == 2).await;
    assert_eq!(
        queue_ids(&items),
        [first.conversation.clone(), second.conversation.clone()],
        "the returned chat is served first"
    );
}

#[tokio::test]
async fn a_chat_held_by_an_advisor_survives_a_restart() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    let customer = queued_customer(&server, "fr").await;
    alice.accept(&customer.conversation).await;
    alice
        .say(&customer.conversation, "Je regarde votre dossier.")
        .await;
    assert!(server.terminate().success());

    let server = Server::start_in(&data);
    let mut alice = AgentSocket::login(&server, "alice").await;
    assert_eq!(
        alice.hello["chats"],
        serde_json::json!([customer.conversation]),
        "{}",
        alice.hello
    );
    let transcript = alice.expect("transcript").await;
    let said = transcript["events"]
        .as_array()
        .expect("events")
        .iter()
        .any(|e| e["type"] == "agent" && e["text"] == "Je regarde votre dossier.");
    assert!(said, "{transcript}");
    alice.say(&customer.conversation, "Me revoilà.").await;
}
