//! Origins and credentials (issue 7, item 2), over real sockets:
//! 1. the customer websocket refuses a foreign `Origin` (another site, `null`, another port of
//!    the same host) with 403 and accepts its own origin, a site given with `--allow-origin`,
//!    and no `Origin` at all (a non-browser client);
//! 2. the advisor websocket, the advisor API and the admin API accept their own origin and no
//!    `Origin` only: a foreign site and even an allowed widget site get 403, valid credentials
//!    or not;
//! 3. a valid advisor token in the URL (`?token=`) opens nothing;
//! 4. an advisor's open panel socket is closed (1008) when the agent is changed or removed
//!    through `relais agents`, and the old token is void;
//! 5. meanwhile an honest customer is answered.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::agent_support::{AgentDef, AgentSocket, Credentials, add_agent, login, open_agent_ws};
use crate::support::{Client, DataDir, Server, WAIT};

/// The site embedding the widget, allowed on the customer websocket.
const SHOP: &str = "https://shop.example";
/// A site nobody allowed.
const EVIL: &str = "https://evil.example";

/// A websocket handshake on `path` with extra `headers`; on refusal, the HTTP status and body.
async fn handshake(
    server: &Server,
    path: &str,
    headers: &[(&'static str, &str)],
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, (u16, String)> {
    let mut request = format!("ws://{}{path}", server.addr)
        .into_client_request()
        .expect("websocket request");
    for (name, value) in headers {
        request
            .headers_mut()
            .insert(*name, HeaderValue::from_str(value).expect("header value"));
    }
    match tokio::time::timeout(WAIT, connect_async(request))
        .await
        .expect("handshake in time")
    {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err((response.status().as_u16(), body))
        }
        Err(other) => panic!("handshake failed otherwise than by an HTTP refusal: {other}"),
    }
}

/// Asserts a 403 refusal naming the origin as the reason.
fn assert_forbidden(status: u16, body: &str, what: &str) {
    assert_eq!(status, 403, "{what}: {body}");
    let body: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e} {body}"));
    assert_eq!(body["error"]["code"], "forbidden_origin", "{what}: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}: {body}"
    );
}

/// The admin token from `admin.json`.
fn admin_token(data: &DataDir) -> String {
    let path = data.store_path().join("admin.json");
    let text = std::fs::read_to_string(&path).expect("admin.json");
    let file: Value = serde_json::from_str(&text).expect("admin.json is JSON");
    file["token"].as_str().expect("admin token").to_owned()
}

/// A customer who says something and is answered.
async fn assert_answered(customer: &mut Client, text: &str) {
    let (ack, bot) = customer.say(text).await;
    assert!(ack["seq"].as_u64().is_some(), "{ack}");
    assert!(bot["text"].as_str().is_some_and(|t| !t.is_empty()), "{bot}");
}

/// Starts a conversation on a customer socket opened with custom headers and checks that a
/// message is acknowledged and answered.
async fn chat_on(mut ws: WebSocketStream<MaybeTlsStream<TcpStream>>) {
    ws.send(Message::text(
        json!({"type": "hello", "lang": "fr"}).to_string(),
    ))
    .await
    .expect("send hello");
    let text = "Je veux comprendre ma facture";
    let message = json!({"type": "message", "id": "origins-1", "text": text});
    let mut seen = Vec::new();
    loop {
        let frame = match tokio::time::timeout(WAIT, ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                serde_json::from_str::<Value>(text.as_str()).expect("JSON frame")
            }
            Ok(Some(Ok(_))) => continue,
            other => panic!("the customer socket ended: {other:?} after {seen:?}"),
        };
        let kind = frame["type"].as_str().unwrap_or_default().to_owned();
        if kind == "welcome" {
            ws.send(Message::text(message.to_string()))
                .await
                .expect("send a message");
        }
        seen.push(kind);
        if seen.iter().filter(|k| *k == "bot").count() == 2 {
            break;
        }
    }
    let events: Vec<&str> = seen
        .iter()
        .map(String::as_str)
        .filter(|k| !["typing", "queue_update"].contains(k))
        .collect();
    assert_eq!(events, ["welcome", "bot", "ack", "bot"], "{seen:?}");
}

#[tokio::test]
async fn foreign_origins_are_refused_and_own_allowed_or_none_accepted() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_with(&data, &["--allow-origin", SHOP]);
    let own = format!("http://{}", server.addr);
    let mut honest = Client::connect(&server).await;
    honest.hello(Some("fr")).await;

    // 1. The customer websocket.
    // Another port of the same host is another origin (another local service's page).
    let next_door = format!("http://{}:{}", server.addr.ip(), server.addr.port() ^ 1);
    for origin in [EVIL, "null", next_door.as_str()] {
        let (status, body) = handshake(&server, "/ws", &[("origin", origin)])
            .await
            .expect_err("a foreign page is refused");
        assert_forbidden(status, &body, &format!("/ws from {origin}"));
    }
    for origin in [own.as_str(), SHOP] {
        let ws = handshake(&server, "/ws", &[("origin", origin)])
            .await
            .unwrap_or_else(|(s, b)| panic!("/ws from {origin} refused: {s} {b}"));
        chat_on(ws).await;
    }
    assert_answered(&mut honest, "Comment payer ma facture ?").await;

    // 2. The advisor websocket and API, and the admin API.
    let token = login(&server, "alice").await;
    let bearer = format!("Bearer {token}");
    for origin in [EVIL, SHOP, next_door.as_str()] {
        let refused = handshake(
            &server,
            "/agent/ws",
            &[("origin", origin), ("authorization", &bearer)],
        )
        .await
        .expect_err("a foreign page is refused");
        assert_forbidden(refused.0, &refused.1, &format!("/agent/ws from {origin}"));
        let tickets = server
            .request(
                "GET",
                "/api/agent/tickets",
                &[("Origin", origin), ("Authorization", &bearer)],
                None,
            )
            .await;
        assert_forbidden(tickets.status, &tickets.body, "/api/agent/tickets");
        let login = server
            .request(
                "POST",
                "/api/agent/login",
                &[("Origin", origin)],
                Some(&serde_json::json!({"name": "alice", "password": "x"})),
            )
            .await;
        assert_forbidden(login.status, &login.body, "/api/agent/login");
    }
    let mut panel = handshake(
        &server,
        "/agent/ws",
        &[("origin", &own), ("authorization", &bearer)],
    )
    .await
    .map(AgentSocket::from_stream)
    .unwrap_or_else(|(s, b)| panic!("/agent/ws from its own origin refused: {s} {b}"));
    panel.expect("hello").await;
    let tickets = server
        .request(
            "GET",
            "/api/agent/tickets",
            &[("Origin", &own), ("Authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(tickets.status, 200, "{}", tickets.body);

    let admin = format!("Bearer {}", admin_token(&data));
    for (origin, status) in [
        (Some(EVIL), 403),
        (Some(SHOP), 403),
        (Some(&own), 200),
        (None, 200),
    ] {
        let mut headers = vec![("Authorization", admin.as_str())];
        headers.extend(origin.map(|o| ("Origin", o)));
        let list = server
            .request("GET", "/api/admin/agents", &headers, None)
            .await;
        assert_eq!(
            list.status, status,
            "admin API from {origin:?}: {}",
            list.body
        );
    }

    // 3. No token in URLs, even a valid one.
    let query = format!("/api/agent/tickets?token={token}");
    let in_url = server.request("GET", &query, &[], None).await;
    assert_eq!(in_url.status, 401, "{}", in_url.body);
    assert_eq!(
        open_agent_ws(&server, Credentials::Query(&token))
            .await
            .err(),
        Some(401)
    );

    assert_answered(&mut honest, "Merci, et pour une coupure de courant ?").await;
    panel.close().await;
}

#[tokio::test]
async fn changing_or_removing_an_agent_closes_their_open_panel() {
    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    add_agent(&data, AgentDef::new("bruno", "Bruno", "fr"));
    let server = Server::start_in(&data);
    let mut honest = Client::connect(&server).await;
    honest.hello(Some("fr")).await;

    // Removed with `relais agents remove`, through the running server's admin API.
    let alice_token = login(&server, "alice").await;
    let mut alice = AgentSocket::connect(&server, &alice_token).await;
    let removed = std::process::Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["agents", "remove", "alice", "--data"])
        .arg(data.store_path())
        .env_remove("RELAIS_DATA")
        .output()
        .expect("relais agents remove");
    assert!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    assert_eq!(alice.closed_by_server().await, Some(1008));
    assert_eq!(
        open_agent_ws(&server, Credentials::Bearer(&alice_token))
            .await
            .err(),
        Some(401)
    );

    // Changed with `relais agents add` on the same name: the epoch moves on.
    let bruno_token = login(&server, "bruno").await;
    let mut bruno = AgentSocket::connect(&server, &bruno_token).await;
    add_agent(&data, AgentDef::new("bruno", "Bruno B.", "fr,en"));
    assert_eq!(bruno.closed_by_server().await, Some(1008));
    assert_eq!(
        open_agent_ws(&server, Credentials::Cookie(&bruno_token))
            .await
            .err(),
        Some(401)
    );
    let again = AgentSocket::login(&server, "bruno").await;
    assert_eq!(again.hello["agent"]["display_name"], "Bruno B.");
    assert_answered(&mut honest, "Je veux comprendre ma facture").await;
    again.close().await;
}
