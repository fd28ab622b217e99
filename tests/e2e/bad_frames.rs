//! Every kind of bad frame is answered with an `error` frame carrying a code and a readable
//! message, and the connection stays usable (except for an oversized message, which closes it
//! with 1009 after saying why).

use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{Client, Server};

fn callback(contact: &str, consent: Option<bool>) -> Message {
    let mut frame = json!({"type": "callback", "name": "Ana", "contact": contact, "message": "?"});
    if let Some(consent) = consent {
        frame["consent"] = json!(consent);
    }
    Message::text(frame.to_string())
}

#[tokio::test]
async fn every_bad_frame_gets_an_error_and_the_connection_goes_on() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;

    client
        .send(json!({"type": "message", "text": "Bonjour"}))
        .await;
    client.expect_error("hello_required").await;
    client.hello(None).await;

    let too_long = "é".repeat(2001);
    let cases: Vec<(Message, &str)> = vec![
        (Message::text("{not json"), "invalid_json"),
        (Message::text(r#"{"type":"dance"}"#), "unknown_type"),
        (Message::text(r#"{"type":"message"}"#), "invalid_frame"),
        (
            Message::text(r#"{"type":"message","text":7}"#),
            "invalid_frame",
        ),
        (
            Message::text(r#"{"type":"choice","value":""}"#),
            "invalid_frame",
        ),
        (
            Message::text(json!({"type":"message","text": too_long}).to_string()),
            "text_too_long",
        ),
        (
            Message::text(r#"{"type":"message","text":"  "}"#),
            "empty_text",
        ),
        (Message::binary(vec![1u8, 2, 3]), "binary_not_supported"),
        (Message::text(r#"{"type":"hello"}"#), "already_started"),
        (callback("ana@example.fr", None), "consent_required"),
        (callback("ana@example.fr", Some(false)), "consent_required"),
        (callback("not a contact", Some(true)), "invalid_contact"),
    ];
    let mut expected_seq = 2;
    for (frame, code) in cases {
        client.send_raw(frame).await;
        client.expect_error(code).await;
        let (ack, _) = client.say("Bonjour").await;
        assert_eq!(ack["seq"], expected_seq, "still usable after {code}");
        expected_seq += 2;
    }
}

#[tokio::test]
async fn errors_name_the_client_message_they_refer_to() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(None).await;
    client
        .send(json!({"type": "message", "text": "", "id": "c42"}))
        .await;
    let err = client.expect_error("empty_text").await;
    assert_eq!(err["id"], "c42");
}

#[tokio::test]
async fn an_unknown_resume_token_starts_a_new_conversation_and_says_so() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client
        .send(json!({"type": "hello", "resume": "no-such-token", "last_seq": 4}))
        .await;
    client.expect_error("resume_invalid").await;
    let welcome = client.expect("welcome").await;
    assert_eq!(welcome["resumed"], false);
    assert_ne!(welcome["resume"], "no-such-token");
    assert_eq!(client.expect("bot").await["seq"], 1);
}

// The server stops reading at the oversized frame's header, so closing the socket with the rest
// of the frame unread makes the kernel reset the connection, which may discard the error and
// close frames before the client reads them: they are checked when they arrive, not required.
#[tokio::test]
async fn an_oversized_message_ends_the_connection_and_nothing_else() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(None).await;
    let huge = json!({"type": "message", "text": "a".repeat(70 * 1024)}).to_string();
    client.send_raw(Message::text(huge)).await;
    while let Some(message) = client.next_message().await {
        match message {
            Message::Text(text) => {
                let frame: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                assert_eq!(frame["code"], "message_too_large", "{frame}");
            }
            Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Size),
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut other = Client::connect(&server).await;
    other.hello(None).await;
    other.say("Bonjour").await;
}
