use futures_util::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio_tungstenite::{WebSocketStream, tungstenite::Message};

use super::*;

/// A client and a server websocket joined by an in-memory pipe.
async fn pipe() -> (WebSocketStream<DuplexStream>, WebSocketStream<DuplexStream>) {
    let (client_io, server_io) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(tokio_tungstenite::accept_async(server_io));
    let (client, _) = tokio_tungstenite::client_async("ws://127.0.0.1/ws", client_io)
        .await
        .expect("client handshake");
    let server = server.await.expect("join").expect("server handshake");
    (client, server)
}

/// Receives one text frame on the fake server side and decodes it.
async fn receive_json(server: &mut WebSocketStream<DuplexStream>) -> serde_json::Value {
    let message = server.next().await.expect("a frame").expect("no error");
    serde_json::from_str(message.to_text().expect("text")).expect("json")
}

async fn send_json(server: &mut WebSocketStream<DuplexStream>, value: serde_json::Value) {
    server
        .send(Message::text(value.to_string()))
        .await
        .expect("send");
}

#[tokio::test]
async fn relais_open_says_hello_then_waits_for_welcome_and_greeting() {
    let (mut client, mut server) = pipe().await;
    let fake = tokio::spawn(async move {
        let hello = receive_json(&mut server).await;
        send_json(
            &mut server,
            serde_json::json!({"type": "welcome", "conversation": "c",
            "resume": "r", "seq": 1, "resumed": false}),
        )
        .await;
        send_json(
            &mut server,
            serde_json::json!({"type": "bot", "seq": 1, "text": "Bonjour"}),
        )
        .await;
        hello
    });
    open(&mut client, Target::Relais, Lang::En)
        .await
        .expect("open");
    let hello = fake.await.expect("join");
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["lang"], "en");
}

#[tokio::test]
async fn relais_turn_skips_ack_and_typing_and_ends_at_the_bot_frame() {
    let (mut client, mut server) = pipe().await;
    let fake = tokio::spawn(async move {
        let message = receive_json(&mut server).await;
        send_json(
            &mut server,
            serde_json::json!({"type": "ack", "seq": 2, "id": "7"}),
        )
        .await;
        send_json(&mut server, serde_json::json!({"type": "typing"})).await;
        send_json(
            &mut server,
            serde_json::json!({"type": "bot", "seq": 3, "text": "ok", "outcome": "answer"}),
        )
        .await;
        // Sent after the bot frame: must be left for the next turn, not consumed by this one.
        send_json(
            &mut server,
            serde_json::json!({"type": "error", "code": "internal"}),
        )
        .await;
        (message, server)
    });
    let outcome = turn(
        &mut client,
        Target::Relais,
        &message_frame("Comment résilier ?", 7),
    )
    .await
    .expect("turn");
    assert_eq!(outcome.as_deref(), Some("answer"));
    let (message, _server) = fake.await.expect("join");
    assert_eq!(message["type"], "message");
    assert_eq!(message["text"], "Comment résilier ?");
    assert_eq!(message["id"], "7");
    let next = turn(&mut client, Target::Relais, &message_frame("encore", 8)).await;
    assert_eq!(
        next.expect_err("the pending error frame").label(),
        "server:internal"
    );
}

#[tokio::test]
async fn a_server_close_ends_the_turn_as_closed() {
    let (mut client, mut server) = pipe().await;
    let fake = tokio::spawn(async move {
        receive_json(&mut server).await;
        server.close(None).await.expect("close");
    });
    let result = turn(&mut client, Target::Relais, &message_frame("bonjour", 1)).await;
    fake.await.expect("join");
    assert_eq!(result.expect_err("closed").label(), "closed");
}

#[tokio::test]
async fn echo_turn_accepts_the_same_text_and_rejects_another() {
    let (mut client, mut server) = pipe().await;
    let fake = tokio::spawn(async move {
        let first = server.next().await.expect("frame").expect("ok");
        server.send(first).await.expect("echo");
        server.next().await.expect("frame").expect("ok");
        server
            .send(Message::text("something else"))
            .await
            .expect("send");
    });
    turn(&mut client, Target::Echo, &message_frame("hello", 1))
        .await
        .expect("echoed");
    let second = turn(&mut client, Target::Echo, &message_frame("hello", 2)).await;
    fake.await.expect("join");
    assert_eq!(second.expect_err("mismatch").label(), "protocol");
}

#[test]
fn server_frames_are_classified_by_type() {
    assert_eq!(
        ServerFrame::parse(r#"{"type":"welcome","seq":0}"#).ok(),
        Some(ServerFrame::Welcome)
    );
    assert_eq!(
        ServerFrame::parse(r#"{"type":"bot","seq":2,"outcome":"clarify"}"#).ok(),
        Some(ServerFrame::Bot(Some("clarify".to_owned())))
    );
    assert_eq!(
        ServerFrame::parse(r#"{"type":"error","code":"empty_text"}"#).ok(),
        Some(ServerFrame::Error("empty_text".to_owned()))
    );
    assert_eq!(
        ServerFrame::parse(r#"{"type":"ack","seq":1}"#).ok(),
        Some(ServerFrame::Other)
    );
    assert_eq!(
        ServerFrame::parse("not json").expect_err("invalid").label(),
        "protocol"
    );
}

#[test]
fn frames_are_valid_protocol_json() {
    let hello: serde_json::Value = serde_json::from_str(&hello_frame(Lang::Fr)).expect("json");
    assert_eq!(hello, serde_json::json!({"type": "hello", "lang": "fr"}));
    let message: serde_json::Value =
        serde_json::from_str(&message_frame("l'\"électricité\"", 42)).expect("json");
    assert_eq!(
        message,
        serde_json::json!({"type": "message", "text": "l'\"électricité\"", "id": "42"})
    );
}
