//! The HTTP surface of `relais serve`:
//! 1. `/healthz` answers 200 once the listening line is printed;
//! 2. `/` is the demo page with the widget's one script tag, with `nosniff`;
//! 3. static files come from the web directory, and unknown paths are 404;
//! 4. SIGTERM closes every websocket with "going away" and the process exits successfully;
//! 5. sockets beyond `--max-sessions` are refused with 503.

use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{Client, DataDir, Server};

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn healthz_is_ok_once_listening() {
    let server = Server::start();
    let (status, _, _) = server.get("/healthz").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_demo_page_carries_the_widget() {
    let server = Server::start();
    let (status, headers, body) = server.get("/").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").is_some_and(|v| v.starts_with("text/html")));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert!(body.contains("/widget.js"), "the page loads the widget");

    let (status, headers, body) = server.get("/widget.js").await;
    assert_eq!(status, 200);
    assert!(header(&headers, "content-type").is_some_and(|v| v.contains("javascript")));
    assert_eq!(header(&headers, "x-content-type-options"), Some("nosniff"));
    assert!(!body.is_empty());

    let (status, _, _) = server.get("/no/such/file.txt").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn sigterm_says_goodbye_to_every_socket_and_exits_cleanly() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(None).await;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .expect("join");
    assert!(status.success(), "exit status {status:?}");
    match client.next_message().await {
        Some(Message::Close(Some(frame))) => assert_eq!(frame.code, CloseCode::Away),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn sockets_beyond_the_session_limit_are_refused() {
    let data = DataDir::new();
    let server = Server::start_with(&data, &["--max-sessions", "1"]);
    let mut first = Client::connect(&server).await;
    first.hello(None).await;
    match tokio_tungstenite::connect_async(server.ws_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503);
        }
        other => panic!("expected a 503 refusal, got {other:?}"),
    }
    first.say("Bonjour").await;
}
