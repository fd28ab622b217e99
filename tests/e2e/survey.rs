//! The end of a chat, the effort survey and the transcript download, through the real binary
//! over real websockets and HTTP:
//! 1. a bot-only chat ended by the customer gets the survey in its language; an answer before
//!    any survey, out of range or repeated gets its error code and the socket still works; the
//!    answer is stored (a replay shows it);
//! 2. an advisor closing a handed-off chat sends the customer the survey;
//! 3. a chat left idle (a tiny `--survey-after-idle-secs`) gets the survey by itself;
//! 4. the customer downloads the transcript as text and as HTML with the resume token in the
//!    Authorization header only: markup is escaped in the page, a wrong token, no token or a
//!    token in the query string is refused.

use serde_json::{Value, json};

use crate::agent_support::{self, AgentDef, AgentSocket, replay};
use crate::support::{Client, DataDir, Server};

/// What the customer writes that must never become markup.
const PAYLOAD: &str = "<img src=x onerror=alert(1)>";

/// Sends `frame`, which must be refused with `code`.
async fn refused(client: &mut Client, frame: Value, code: &str) {
    client.send(frame).await;
    client.expect_error(code).await;
}

/// A new French conversation with one answered question; returns the client and welcome.
async fn chatted(server: &Server) -> (Client, Value) {
    let mut client = Client::connect(server).await;
    let (welcome, _) = client.hello(Some("fr")).await;
    let (_, bot) = client.say("Comment puis-je payer ma facture ?").await;
    assert_eq!(bot["outcome"], "answer", "{bot}");
    (client, welcome)
}

#[tokio::test]
async fn a_chat_ended_by_the_customer_gets_one_survey_and_keeps_the_answer() {
    let server = Server::start();
    let mut early = Client::connect(&server).await;
    early.hello(Some("en")).await;
    refused(
        &mut early,
        json!({"type": "survey", "score": 4}),
        "survey_not_asked",
    )
    .await;

    let (mut client, welcome) = chatted(&server).await;
    client.send(json!({"type": "end", "id": "end-1"})).await;
    let ack = client.expect("ack").await;
    assert_eq!(ack["id"], "end-1");
    let survey = client.expect("survey").await;
    assert_eq!(
        survey["seq"].as_u64(),
        ack["seq"].as_u64().map(|s| s + 1),
        "{survey}"
    );
    assert_eq!(survey["scale"], json!([1, 7]));
    assert_eq!(survey["lang"], "fr");
    assert_eq!(
        survey["question"],
        "Dans quelle mesure a-t-il été facile d’obtenir une réponse à votre question ?"
    );
    assert_eq!(survey["labels"], json!(["Très difficile", "Très facile"]));

    for score in [0, 8, -3] {
        refused(
            &mut client,
            json!({"type": "survey", "score": score}),
            "score_out_of_range",
        )
        .await;
    }
    refused(
        &mut client,
        json!({"type": "survey", "comment": "no score"}),
        "invalid_frame",
    )
    .await;
    client
        .send(json!({"type": "survey", "score": 6, "comment": "Rapide et clair", "id": "s-1"}))
        .await;
    let answered = client.expect("ack").await;
    assert_eq!(answered["id"], "s-1");
    refused(
        &mut client,
        json!({"type": "survey", "score": 7}),
        "survey_already_answered",
    )
    .await;
    // The socket still chats after every refusal.
    let (_, bot) = client.say("Quels sont vos horaires ?").await;
    assert!(bot["text"].as_str().is_some_and(|t| !t.is_empty()), "{bot}");
    client.close().await;

    let frames = replay(&server, welcome["resume"].as_str().expect("token")).await;
    let kinds: Vec<&str> = frames.iter().filter_map(|f| f["type"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "bot",
            "customer",
            "bot",
            "end",
            "survey",
            "survey_answer",
            "customer",
            "bot"
        ]
    );
    assert_eq!(frames[3]["by"], "customer");
    let answer = &frames[5];
    assert_eq!(
        (&answer["seq"], &answer["score"], &answer["comment"]),
        (&answered["seq"], &json!(6), &json!("Rapide et clair"))
    );
    assert!(
        answer.get("path").is_none(),
        "analytics stay on the server: {answer}"
    );
}

#[tokio::test]
async fn an_advisor_closing_the_chat_sends_the_customer_the_survey() {
    let data = DataDir::new();
    agent_support::add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut agent = AgentSocket::login(&server, "alice").await;
    let mut customer = agent
        .take_queued(&server, "Bonjour, je regarde votre dossier.")
        .await;

    let [ended, end, survey] = agent.close_chat(&mut customer).await;
    assert_eq!(
        (&ended["state"], &ended["by"]),
        (&json!("ended"), &json!("agent"))
    );
    assert_eq!(end["by"], "agent");
    assert_eq!(survey["lang"], "fr");
    customer
        .client
        .send(json!({"type": "survey", "score": 7, "id": "s-1"}))
        .await;
    let answered = customer.client.expect_event("ack").await;
    assert_eq!(
        answered["seq"].as_u64(),
        survey["seq"].as_u64().map(|s| s + 1)
    );
    // Ending by hand now acknowledges the advisor's end: no second survey.
    customer
        .client
        .send(json!({"type": "end", "id": "e-1"}))
        .await;
    let again = customer.client.expect_event("ack").await;
    assert_eq!((&again["seq"], &again["id"]), (&end["seq"], &json!("e-1")));
    let (_, bot) = customer.client.say("Comment payer ma facture ?").await;
    assert_eq!(bot["outcome"], "answer", "the bot answers again: {bot}");
    agent.close().await;
}

#[tokio::test]
async fn an_idle_chat_gets_the_survey_by_itself() {
    let data = DataDir::new();
    let server = Server::start_with(&data, &["--survey-after-idle-secs", "0.3"]);
    let (mut client, _) = chatted(&server).await;
    let end = client.expect_event("end").await;
    assert_eq!(end["by"], "idle");
    let survey = client.expect_event("survey").await;
    assert_eq!(survey["seq"].as_u64(), end["seq"].as_u64().map(|s| s + 1));
    client
        .send(json!({"type": "survey", "skipped": true, "id": "skip"}))
        .await;
    assert_eq!(client.expect_event("ack").await["id"], "skip");
}

#[tokio::test]
async fn the_transcript_downloads_with_the_token_in_the_header_only() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    let (welcome, _) = client.hello(Some("fr")).await;
    client.say(PAYLOAD).await;
    let token = welcome["resume"].as_str().expect("token");
    let bearer = format!("Bearer {token}");

    let text = server
        .request(
            "POST",
            "/api/transcript",
            &[("Authorization", &bearer)],
            Some(&json!({"format": "text", "utc_offset_min": 60})),
        )
        .await;
    assert_eq!(text.status, 200, "{}", text.body);
    assert_eq!(
        text.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(text.header("cache-control"), Some("no-store"));
    assert!(
        text.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment; filename=\"conversation-")),
        "{:?}",
        text.headers
    );
    assert!(
        text.body.contains(&format!("Vous\u{a0}: {PAYLOAD}")),
        "{}",
        text.body
    );
    assert!(text.body.contains("Heures : UTC+01:00"), "{}", text.body);

    let html = server
        .request(
            "POST",
            "/api/transcript",
            &[("Authorization", &bearer)],
            Some(&json!({"format": "html"})),
        )
        .await;
    assert_eq!(html.status, 200, "{}", html.body);
    assert_eq!(
        html.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(
        html.body.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{}",
        html.body
    );
    assert!(!html.body.contains("<img"), "{}", html.body);
    assert!(!html.body.contains("<script"), "{}", html.body);
    assert!(
        html.body
            .contains(&format!("href=\"http://{}/widget.css\"", server.addr)),
        "{}",
        html.body
    );

    let wrong = format!("Bearer {}", "f".repeat(64));
    let body = json!({"format": "text"});
    for headers in [vec![], vec![("Authorization", wrong.as_str())]] {
        let refused = server
            .request("POST", "/api/transcript", &headers, Some(&body))
            .await;
        assert_eq!(refused.status, 401, "{}", refused.body);
        assert_eq!(refused.json()["error"]["code"], "unauthorized");
    }
    let in_url = server
        .request(
            "POST",
            &format!("/api/transcript?token={token}&resume={token}"),
            &[],
            Some(&body),
        )
        .await;
    assert_eq!(in_url.status, 401, "a token in the URL is not accepted");
}
