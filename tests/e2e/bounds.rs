//! Bounds against hostile clients (issue 7): each attack runs against a real server started
//! with small limits, and an honest customer connected at the same time is still answered.
//!
//! Attacks below the websocket layer (slow headers, raw frames, invalid UTF-8, not reading)
//! speak raw TCP through [`Raw`]; the others use the ordinary test client.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{Client, DataDir, Server, WAIT};

const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

/// A server on a fresh data directory with `flags`, and an honest customer chatting on it.
async fn server_and_honest(flags: &[&str]) -> (Server, Client, DataDir) {
    let data = DataDir::new();
    let server = Server::start_with(&data, flags);
    let mut honest = Client::connect(&server).await;
    honest.hello(Some("fr")).await;
    honest.say("Bonjour").await;
    (server, honest, data)
}

/// The honest customer is still answered.
async fn still_answered(honest: &mut Client) {
    let (_, bot) = honest.say("expliquer ma facture").await;
    assert!(bot["text"].as_str().is_some_and(|t| !t.is_empty()), "{bot}");
}

/// A websocket spoken by hand over TCP.
struct Raw {
    tcp: TcpStream,
}

impl Raw {
    /// Upgrades a fresh connection to `/ws`.
    async fn upgrade(server: &Server) -> Raw {
        let tcp = TcpStream::connect(server.addr).await.expect("connect");
        Raw::upgrade_over(tcp, server).await
    }

    async fn upgrade_over(mut tcp: TcpStream, server: &Server) -> Raw {
        let (status, _) = upgrade_request(&mut tcp, server).await;
        assert_eq!(status, 101, "upgrade refused");
        Raw { tcp }
    }

    /// Sends one final frame, masked with a zero key (so the payload goes as is).
    async fn send(&mut self, opcode: u8, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n @ 0..=125 => frame.push(0x80 | u8::try_from(n).unwrap()),
            n @ 126..=0xFFFF => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&u64::try_from(n).unwrap().to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        self.tcp.write_all(&frame).await.expect("write a frame");
    }

    async fn send_json(&mut self, frame: Value) {
        self.send(TEXT, frame.to_string().as_bytes()).await;
    }

    /// The next frame as (opcode, payload); `None` when the connection ended.
    async fn next(&mut self) -> Option<(u8, Vec<u8>)> {
        tokio::time::timeout(WAIT, self.read_frame())
            .await
            .expect("a frame or the end within WAIT")
    }

    async fn read_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let mut head = [0u8; 2];
        self.tcp.read_exact(&mut head).await.ok()?;
        let len = match head[1] & 0x7F {
            126 => u64::from(self.tcp.read_u16().await.ok()?),
            127 => self.tcp.read_u64().await.ok()?,
            n => u64::from(n),
        };
        let mut payload = vec![0u8; usize::try_from(len).unwrap()];
        self.tcp.read_exact(&mut payload).await.ok()?;
        Some((head[0] & 0x0F, payload))
    }

    /// The next text frame as JSON, pings skipped.
    async fn recv(&mut self) -> Value {
        loop {
            match self.next().await {
                Some((TEXT, payload)) => return serde_json::from_slice(&payload).unwrap(),
                Some((PING, _)) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// Reads until the server's close frame and returns its code; text frames are collected.
    async fn close_code(&mut self) -> (u16, Vec<Value>) {
        let mut texts = Vec::new();
        loop {
            match self.next().await {
                Some((CLOSE, payload)) => {
                    assert!(payload.len() >= 2, "close frame without a code");
                    return (u16::from_be_bytes([payload[0], payload[1]]), texts);
                }
                Some((TEXT, payload)) => texts.push(serde_json::from_slice(&payload).unwrap()),
                Some(_) => {}
                None => panic!("the connection ended without a close frame"),
            }
        }
    }
}

/// Sends a websocket upgrade request; returns the status and the head of the response.
async fn upgrade_request(tcp: &mut TcpStream, server: &Server) -> (u16, String) {
    let request = format!(
        "GET /ws HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(WAIT, tcp.read(&mut byte))
            .await
            .expect("response in time")
            .expect("read");
        assert_eq!(read, 1, "connection closed during the handshake");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("ASCII head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head)
}

/// Reads until the server closes the connection (end of stream or reset), within WAIT.
async fn dropped(tcp: &mut TcpStream) -> usize {
    let mut total = 0;
    let mut buf = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(WAIT, tcp.read(&mut buf))
            .await
            .expect("the server drops the connection within WAIT");
        match read {
            Ok(0) | Err(_) => return total,
            Ok(n) => total += n,
        }
    }
}

#[tokio::test]
async fn an_oversized_frame_is_refused_at_its_header_with_1009() {
    let (server, mut honest, _data) = server_and_honest(&["--max-message-bytes", "4096"]).await;
    let mut raw = Raw::upgrade(&server).await;
    raw.send_json(json!({"type": "hello"})).await;
    assert_eq!(raw.recv().await["type"], "welcome");
    assert_eq!(raw.recv().await["type"], "bot");
    // Only the header of a 1 MiB frame: the server must refuse without waiting for the rest.
    let mut header = vec![0x80 | TEXT, 0x80 | 127];
    header.extend_from_slice(&(1u64 << 20).to_be_bytes());
    header.extend_from_slice(&[0, 0, 0, 0]);
    raw.tcp.write_all(&header).await.unwrap();
    let (code, texts) = raw.close_code().await;
    assert_eq!(code, 1009);
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(texts[0]["code"], "message_too_large");
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_closes_with_1007() {
    let (server, mut honest, _data) = server_and_honest(&[]).await;
    let mut raw = Raw::upgrade(&server).await;
    raw.send_json(json!({"type": "hello"})).await;
    assert_eq!(raw.recv().await["type"], "welcome");
    raw.send(TEXT, &[b'{', 0xFF, 0xFE, b'}']).await;
    let (code, _) = raw.close_code().await;
    assert_eq!(code, 1007);
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn a_long_text_is_refused_and_a_long_allowed_one_is_answered_like_a_short_one() {
    let (server, mut honest, _data) = server_and_honest(&["--max-text-chars", "60000"]).await;
    let mut client = Client::connect(&server).await;
    client.hello(Some("fr")).await;
    let too_long = "a".repeat(60_001);
    client
        .send(json!({"type": "message", "text": too_long, "id": "x"}))
        .await;
    assert_eq!(client.expect_error("text_too_long").await["id"], "x");
    // The matcher reads a bounded prefix: the intent is found from the first words.
    let (_, short) = client.say("expliquer ma facture").await;
    let long = format!("expliquer ma facture {}", "zzz ".repeat(14_000));
    let (_, bot) = client.say(&long).await;
    assert_eq!(bot["intent"], short["intent"], "{bot}");
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let (server, mut honest, _data) = server_and_honest(&["--handshake-timeout-secs", "1"]).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: web")
        .await
        .unwrap();
    dropped(&mut silent).await;
    dropped(&mut slow).await;
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn an_upgraded_client_that_never_says_hello_is_closed_with_1008() {
    let (server, mut honest, _data) = server_and_honest(&["--handshake-timeout-secs", "1"]).await;
    let mut raw = Raw::upgrade(&server).await;
    let (code, texts) = raw.close_code().await;
    assert_eq!(code, 1008);
    assert!(texts.is_empty(), "{texts:?}");
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn a_silent_socket_is_closed_but_one_answering_pings_is_kept() {
    // Pings come every second of silence; a socket silent for 3 s is closed.
    let (server, _honest, _data) = server_and_honest(&["--idle-timeout-secs", "3"]).await;
    let mut silent = Raw::upgrade(&server).await;
    let mut alive = Raw::upgrade(&server).await;
    for raw in [&mut silent, &mut alive] {
        raw.send_json(json!({"type": "hello"})).await;
        assert_eq!(raw.recv().await["type"], "welcome");
        assert_eq!(raw.recv().await["type"], "bot");
    }
    // One answers pings, in its own task, and outlives more pings than the idle timeout
    // has seconds.
    let keeper = tokio::spawn(async move {
        let mut answered = 0;
        while answered < 5 {
            match alive.next().await {
                Some((PING, payload)) => {
                    alive.send(PONG, &payload).await;
                    answered += 1;
                }
                other => panic!("expected a ping, got {other:?}"),
            }
        }
        alive
            .send_json(json!({"type": "message", "text": "Bonjour", "id": "m"}))
            .await;
        assert_eq!(alive.recv().await["type"], "ack");
        assert_eq!(alive.recv().await["type"], "bot");
    });
    // The other reads but never answers: pings, then a close for idleness.
    let mut pings = 0;
    let code = loop {
        match silent.next().await {
            Some((PING, _)) => pings += 1,
            Some((CLOSE, payload)) => break u16::from_be_bytes([payload[0], payload[1]]),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(code, 1001);
    assert!(pings >= 1, "the server pinged before giving up");
    keeper.await.expect("the socket answering pings is kept");
}

#[tokio::test]
async fn sockets_per_address_are_bounded_with_429() {
    let (server, mut honest, _data) = server_and_honest(&["--max-connections-per-ip", "3"]).await;
    let _second = Client::connect(&server).await;
    let _third = Client::connect(&server).await;
    let mut fourth = TcpStream::connect(server.addr).await.unwrap();
    let (status, _) = upgrade_request(&mut fourth, &server).await;
    assert_eq!(status, 429);
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn new_conversations_per_address_are_bounded_but_resuming_is_not() {
    let (server, mut honest, _data) =
        server_and_honest(&["--new-conversations-per-ip-per-minute", "2"]).await;
    let mut second = Client::connect(&server).await;
    let (welcome, _) = second.hello(None).await;
    let mut third = Client::connect(&server).await;
    third.send(json!({"type": "hello"})).await;
    third.expect_error("too_many_conversations").await;
    // Still no conversation on this socket: `hello` may come again, to resume one.
    third
        .send(json!({"type": "hello", "resume": welcome["resume"], "last_seq": 1}))
        .await;
    let again = third.expect("welcome").await;
    assert_eq!(again["resumed"], true);
    assert_eq!(again["conversation"], welcome["conversation"]);
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn a_frame_flood_is_told_once_then_closed_with_1008() {
    let (server, mut honest, _data) =
        server_and_honest(&["--frames-per-second", "1", "--frame-burst", "5"]).await;
    let mut flooder = Client::connect(&server).await;
    flooder.hello(None).await;
    for _ in 0..60 {
        flooder.send(json!({"type": "typing"})).await;
    }
    flooder.expect_error("rate_limited").await;
    match flooder.next_message().await {
        Some(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::Policy),
        other => panic!("expected a close frame, got {other:?}"),
    }
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn a_ping_flood_counts_as_frames() {
    let (server, mut honest, _data) =
        server_and_honest(&["--frames-per-second", "1", "--frame-burst", "5"]).await;
    let mut flooder = Client::connect(&server).await;
    flooder.hello(None).await;
    for _ in 0..60 {
        flooder.send_raw(Message::Ping(vec![7u8; 125].into())).await;
    }
    // The websocket layer answers pings by itself (at most one pong waits at a time).
    let mut told = false;
    loop {
        match flooder.next_message().await {
            Some(Message::Pong(_)) => {}
            Some(Message::Text(text)) => {
                let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                assert_eq!(frame["code"], "rate_limited", "{frame}");
                assert!(!told, "told once: {frame}");
                told = true;
            }
            Some(Message::Close(Some(frame))) => {
                assert_eq!(frame.code, CloseCode::Policy);
                break;
            }
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
    assert!(told, "rate_limited came before the close");
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn advisor_frames_are_refused_on_a_customer_socket() {
    let (server, mut honest, _data) = server_and_honest(&[]).await;
    let mut client = Client::connect(&server).await;
    client.hello(None).await;
    for kind in ["accept", "takeover", "release", "close", "flag_faq"] {
        client
            .send(json!({"type": kind, "conversation": "x", "text": "hi"}))
            .await;
        client.expect_error("agent_only").await;
    }
    client.say("Bonjour").await;
    still_answered(&mut honest).await;
}

#[tokio::test]
async fn a_client_that_never_reads_is_dropped() {
    const TURNS: usize = 150;
    let flags = [
        "--send-timeout-secs",
        "1",
        "--max-connections-per-ip",
        "2",
        "--max-text-chars",
        "60000",
        "--frames-per-second",
        "1000",
        "--frame-burst",
        "1000",
    ];
    let (server, mut honest, _data) = server_and_honest(&flags).await;
    // A transcript of over 8 MB to replay: more than the kernel buffers on both sides.
    let mut writer = Client::connect(&server).await;
    let (welcome, _) = writer.hello(None).await;
    let long = "facture ".repeat(7000);
    for _ in 0..TURNS {
        writer.say(&long).await;
    }
    writer.close().await;
    // A reader with a tiny receive window asks for all of it and never reads. The writer's
    // slot is freed once the server has seen its close: until then, this address is full.
    let mut stuck = tokio::time::timeout(WAIT, async {
        loop {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.set_recv_buffer_size(4096).unwrap();
            let mut tcp = socket.connect(server.addr).await.unwrap();
            match upgrade_request(&mut tcp, &server).await.0 {
                101 => return Raw { tcp },
                429 => tokio::task::yield_now().await,
                other => panic!("unexpected status {other}"),
            }
        }
    })
    .await
    .expect("the writer's slot is freed");
    stuck
        .send_json(json!({"type": "hello", "resume": welcome["resume"], "last_seq": 0}))
        .await;
    // With the honest customer, the stuck reader holds this address's two sockets: a third
    // is accepted only once the server has dropped the reader. Polled, within WAIT.
    let accepted = tokio::time::timeout(WAIT, async {
        loop {
            let mut probe = TcpStream::connect(server.addr).await.unwrap();
            match upgrade_request(&mut probe, &server).await.0 {
                101 => return probe,
                429 => tokio::task::yield_now().await,
                other => panic!("unexpected status {other}"),
            }
        }
    })
    .await
    .expect("the reader is dropped within WAIT");
    drop(accepted);
    let received = dropped(&mut stuck.tcp).await;
    assert!(
        received < TURNS * long.len(),
        "the replay was cut short, got {received} bytes"
    );
    still_answered(&mut honest).await;
}
