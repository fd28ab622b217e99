//! Harness for the live handoff: agents created with the real `relais agents add`, logged in
//! over HTTP, and connected to `/agent/ws`; plus the customer's way into the queue.
//!
//! [`AgentSocket`] skips the frames the server pushes on its own schedule (`queue`, `live`,
//! `suggestions`, `customer_typing`) unless asked for them, so a test waits for what it means
//! and still fails on anything unexpected, such as an `error`.

use std::io::Write;
use std::process::{Command, Stdio};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::support::{Client, DataDir, Server, WAIT, quick_values};

/// An advisor to create with `relais agents add`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AgentDef<'a> {
    /// Login name.
    pub(crate) name: &'a str,
    /// Shown to customers.
    pub(crate) display_name: &'a str,
    /// `--lang`, comma-separated.
    pub(crate) langs: &'a str,
    /// `--skills`, comma-separated.
    pub(crate) skills: &'a str,
    /// `--capacity`.
    pub(crate) capacity: u32,
}

/// Every skill of the demo corpus: tests not about skills use it so that routing depends on
/// the language only.
pub(crate) const ALL_SKILLS: &str = "billing,technical,contracts,general";

impl<'a> AgentDef<'a> {
    /// An agent with every skill and a capacity of 3.
    pub(crate) fn new(name: &'a str, display_name: &'a str, langs: &'a str) -> AgentDef<'a> {
        AgentDef {
            name,
            display_name,
            langs,
            skills: ALL_SKILLS,
            capacity: 3,
        }
    }
}

/// The password tests give agent `name`.
pub(crate) fn password_of(name: &str) -> String {
    format!("pw-{name}-correct-horse")
}

/// Runs `relais agents add` on `data` (directly, or through the server running on it), with
/// the password on stdin; panics with its output unless it succeeds.
pub(crate) fn add_agent(data: &DataDir, agent: AgentDef<'_>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(["agents", "add", agent.name])
        .args(["--lang", agent.langs, "--skills", agent.skills])
        .args(["--display-name", agent.display_name])
        .args(["--capacity", &agent.capacity.to_string()])
        .arg("--data")
        .arg(data.store_path())
        .env_remove("RELAIS_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn relais agents add");
    let mut stdin = child.stdin.take().expect("piped stdin");
    writeln!(stdin, "{}", password_of(agent.name)).expect("write the password");
    drop(stdin);
    let output = child.wait_with_output().expect("relais agents add");
    assert!(
        output.status.success(),
        "relais agents add {} failed: {}{}",
        agent.name,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `POST /api/agent/login` with `password`.
pub(crate) async fn login_with(
    server: &Server,
    name: &str,
    password: &str,
) -> crate::support::HttpResponse {
    server
        .request(
            "POST",
            "/api/agent/login",
            &[],
            Some(&json!({"name": name, "password": password})),
        )
        .await
}

/// Logs agent `name` in with its test password; returns the token.
pub(crate) async fn login(server: &Server, name: &str) -> String {
    let response = login_with(server, name, &password_of(name)).await;
    assert_eq!(response.status, 200, "login of {name}: {}", response.body);
    let body = response.json();
    assert_eq!(body["agent"]["name"], name, "{body}");
    body["token"].as_str().expect("a token").to_owned()
}

/// How a connection to `/agent/ws` presents its credentials.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Credentials<'a> {
    /// None at all.
    Nothing,
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// The `relais_agent` cookie.
    Cookie(&'a str),
    /// `?token=<token>`.
    Query(&'a str),
}

/// Frames the server pushes to agents on its own schedule.
const BACKGROUND: [&str; 4] = ["queue", "live", "suggestions", "customer_typing"];

/// An agent's websocket.
pub(crate) struct AgentSocket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `hello` frame received on connect.
    pub(crate) hello: Value,
}

/// Opens `/agent/ws`; the handshake's HTTP status when the server refuses it.
pub(crate) async fn open_agent_ws(
    server: &Server,
    credentials: Credentials<'_>,
) -> Result<WebSocketStream<MaybeTlsStream<TcpStream>>, u16> {
    let mut url = format!("ws://{}/agent/ws", server.addr);
    if let Credentials::Query(token) = credentials {
        url.push_str(&format!("?token={token}"));
    }
    let mut request = url.into_client_request().expect("websocket request");
    let header = match credentials {
        Credentials::Bearer(token) => Some(("authorization", format!("Bearer {token}"))),
        Credentials::Cookie(token) => Some(("cookie", format!("relais_agent={token}"))),
        Credentials::Nothing | Credentials::Query(_) => None,
    };
    if let Some((name, value)) = header {
        request
            .headers_mut()
            .insert(name, HeaderValue::from_str(&value).expect("header value"));
    }
    match tokio::time::timeout(WAIT, connect_async(request))
        .await
        .expect("agent websocket handshake in time")
    {
        Ok((ws, _)) => Ok(ws),
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(other) => panic!("agent websocket failed otherwise than by an HTTP refusal: {other}"),
    }
}

impl AgentSocket {
    /// Wraps a socket opened some other way (its `hello` not read yet: `hello` is null).
    pub(crate) fn from_stream(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> AgentSocket {
        AgentSocket {
            ws,
            hello: Value::Null,
        }
    }

    /// Connects with a Bearer token and reads the `hello` frame.
    pub(crate) async fn connect(server: &Server, token: &str) -> AgentSocket {
        let ws = open_agent_ws(server, Credentials::Bearer(token))
            .await
            .unwrap_or_else(|status| panic!("agent websocket refused with HTTP {status}"));
        let mut socket = AgentSocket {
            ws,
            hello: Value::Null,
        };
        socket.hello = socket.expect("hello").await;
        socket
    }

    /// Logs agent `name` in and connects.
    pub(crate) async fn login(server: &Server, name: &str) -> AgentSocket {
        let token = login(server, name).await;
        AgentSocket::connect(server, &token).await
    }

    /// Sends a JSON frame.
    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("send on the agent socket");
    }

    /// The next JSON frame, whatever its type.
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            let message = match tokio::time::timeout(WAIT, self.ws.next()).await {
                Ok(Some(Ok(message))) => message,
                Ok(other) => panic!("the agent socket ended: {other:?}"),
                Err(_) => panic!("no agent frame within {WAIT:?}"),
            };
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).expect("JSON agent frame");
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => panic!("expected a text frame on the agent socket, got {other:?}"),
            }
        }
    }

    /// The next frame of type `kind`, background frames of other types skipped.
    pub(crate) async fn expect(&mut self, kind: &str) -> Value {
        loop {
            let frame = self.recv().await;
            let got = frame["type"].as_str().unwrap_or_default();
            if got == kind {
                return frame;
            }
            assert!(
                BACKGROUND.contains(&got),
                "expected a {kind} frame, got {frame}"
            );
        }
    }

    /// The next `error` frame, which must have `code`.
    pub(crate) async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.expect("error").await;
        assert_eq!(frame["code"], code, "unexpected error {frame}");
        frame
    }

    /// The next `queue` frame satisfying `wanted`, earlier ones skipped (and returned for
    /// checks on what the agent saw meanwhile).
    pub(crate) async fn queue_until(
        &mut self,
        wanted: impl Fn(&[Value]) -> bool,
    ) -> (Vec<Value>, Vec<Vec<Value>>) {
        let mut seen = Vec::new();
        loop {
            let frame = self.expect("queue").await;
            let items = frame["items"].as_array().cloned().expect("queue items");
            if wanted(&items) {
                return (items, seen);
            }
            seen.push(items);
        }
    }

    /// Waits until conversation `id` is in this agent's queue; returns its item.
    pub(crate) async fn wait_queued(&mut self, id: &str) -> Value {
        let (items, _) = self.queue_until(|items| queued(items, id).is_some()).await;
        queued(&items, id).cloned().expect("the item")
    }

    /// Accepts conversation `id`; returns the `transcript` frame.
    pub(crate) async fn accept(&mut self, id: &str) -> Value {
        self.send(json!({"type": "accept", "conversation": id}))
            .await;
        let transcript = self.expect("transcript").await;
        assert_eq!(transcript["conversation"], id, "{transcript}");
        transcript
    }

    /// Sends `text` to conversation `id`; returns the `ack`.
    pub(crate) async fn say(&mut self, id: &str, text: &str) -> Value {
        self.send(json!({"type": "message", "conversation": id, "text": text}))
            .await;
        let ack = self.expect("ack").await;
        assert_eq!(ack["conversation"], id, "{ack}");
        assert!(ack["seq"].as_u64().is_some(), "{ack}");
        ack
    }

    /// Takes a customer led into the queue and greets them with `greeting`; the customer has
    /// received the `handoff` frame (who joined) and the greeting when this returns.
    pub(crate) async fn take_queued(&mut self, server: &Server, greeting: &str) -> QueuedCustomer {
        let mut customer = queued_customer(server, "fr").await;
        self.wait_queued(&customer.conversation).await;
        self.accept(&customer.conversation).await;
        customer.client.expect_event("handoff").await;
        self.say(&customer.conversation, greeting).await;
        customer.client.expect_event("agent").await;
        customer
    }

    /// Closes the chat of `customer`; returns the `handoff` (ended), `end` and `survey` frames
    /// the customer then receives.
    pub(crate) async fn close_chat(&mut self, customer: &mut QueuedCustomer) -> [Value; 3] {
        self.send(json!({"type": "close", "conversation": customer.conversation}))
            .await;
        self.expect("chat_ended").await;
        let ended = customer.client.expect_event("handoff").await;
        let end = customer.client.expect_event("end").await;
        let survey = customer.client.expect_event("survey").await;
        [ended, end, survey]
    }

    /// Reads frames (any text frames are skipped) until the server closes the socket; returns
    /// the close code, `None` when the connection ended without a close frame.
    pub(crate) async fn closed_by_server(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next()).await {
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => return None,
                Err(_) => panic!("the agent socket was not closed within {WAIT:?}"),
            }
        }
    }

    /// Closes the websocket.
    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// The item of conversation `id` in a queue frame's items.
pub(crate) fn queued<'a>(items: &'a [Value], id: &str) -> Option<&'a Value> {
    items.iter().find(|item| item["conversation"] == id)
}

/// The conversation ids of a queue frame's items, in order.
pub(crate) fn queue_ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|item| {
            item["conversation"]
                .as_str()
                .expect("conversation id")
                .to_owned()
        })
        .collect()
}

/// What the customer says that the demo corpus does not understand.
pub(crate) const GIBBERISH: [&str; 2] = ["xqzv wplm", "blorf snargle"];

/// A new customer conversation in `lang`; returns the client and the welcome frame.
pub(crate) async fn customer(server: &Server, lang: &str) -> (Client, Value) {
    let mut client = Client::connect(server).await;
    let (welcome, _) = client.hello(Some(lang)).await;
    (client, welcome)
}

/// Two misunderstandings in a row; returns the bot's advisor offer.
pub(crate) async fn misunderstood_twice(client: &mut Client) -> Value {
    let (_, first) = client.say(GIBBERISH[0]).await;
    assert_eq!(first["outcome"], "fallback", "{first}");
    let (_, offer) = client.say(GIBBERISH[1]).await;
    assert_eq!(offer["outcome"], "handoff_offer", "{offer}");
    assert!(
        quick_values(&offer).contains(&"handoff:yes".to_owned()),
        "{offer}"
    );
    offer
}

/// Reads the customer's frames up to the `handoff` event that answers a handoff request,
/// clicking `handoff:yes` if the bot offers an advisor first and letting a bot transfer
/// message through.
pub(crate) async fn until_handoff(client: &mut Client) -> Value {
    loop {
        let frame = client.next_event().await;
        match (frame["type"].as_str(), frame["outcome"].as_str()) {
            (Some("handoff"), _) => return frame,
            (Some("bot"), Some("handoff")) if frame["form"].is_null() => {}
            (Some("bot"), Some("handoff_offer")) => {
                client.choose("handoff:yes").await;
            }
            _ => panic!("unexpected frame while waiting for the handoff: {frame}"),
        }
    }
}

/// Two misunderstandings, then the offer accepted; returns the `handoff` frame.
pub(crate) async fn accept_offer(client: &mut Client) -> Value {
    misunderstood_twice(client).await;
    client.choose("handoff:yes").await;
    until_handoff(client).await
}

/// A new conversation in `lang` led into the queue (two misunderstandings, offer accepted);
/// returns the client, its conversation id, its resume token and its `queued` frame.
pub(crate) async fn queued_customer(server: &Server, lang: &str) -> QueuedCustomer {
    let (mut client, welcome) = customer(server, lang).await;
    let queued = accept_offer(&mut client).await;
    assert_eq!(queued["state"], "queued", "{queued}");
    QueuedCustomer {
        client,
        conversation: welcome["conversation"]
            .as_str()
            .expect("conversation id")
            .to_owned(),
        resume: welcome["resume"].as_str().expect("resume token").to_owned(),
        queued,
    }
}

/// A customer waiting in the queue.
pub(crate) struct QueuedCustomer {
    /// Its socket.
    pub(crate) client: Client,
    /// Its conversation id.
    pub(crate) conversation: String,
    /// Its resume token.
    pub(crate) resume: String,
    /// The `handoff` frame with `state: "queued"`.
    pub(crate) queued: Value,
}

/// A transcript event as the agent received it, flattened: `{"seq", "at_ms", "body": {...}}`
/// and a plain event both become one object, and the stored `kind` is copied to `type`.
pub(crate) fn flat_event(event: &Value) -> Value {
    let mut flat = match event.get("body") {
        Some(Value::Object(body)) => {
            let mut flat = body.clone();
            if let Some(seq) = event.get("seq") {
                flat.insert("seq".to_owned(), seq.clone());
            }
            flat
        }
        _ => event.as_object().cloned().expect("an event object"),
    };
    if !flat.contains_key("type")
        && let Some(kind) = flat.get("kind").cloned()
    {
        flat.insert("type".to_owned(), kind);
    }
    Value::Object(flat)
}

/// The flattened events of a `transcript` frame.
pub(crate) fn transcript_events(transcript: &Value) -> Vec<Value> {
    transcript["events"]
        .as_array()
        .unwrap_or_else(|| panic!("transcript without events: {transcript}"))
        .iter()
        .map(flat_event)
        .collect()
}

/// Replays a conversation from its start on a new socket; returns the replayed frames.
pub(crate) async fn replay(server: &Server, resume: &str) -> Vec<Value> {
    let mut client = Client::connect(server).await;
    client
        .send(json!({"type": "hello", "resume": resume, "last_seq": 0}))
        .await;
    let welcome = client.expect("welcome").await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    let last = welcome["seq"].as_u64().expect("welcome seq");
    let mut frames = Vec::new();
    while frames.len() < usize::try_from(last).expect("small") {
        frames.push(client.next_event().await);
    }
    client.close().await;
    frames
}
