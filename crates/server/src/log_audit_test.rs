//! Issue 7: logs at the default level (INFO) never contain customer text, resume tokens or
//! conversation secrets. A whole customer session (new conversation, messages, a resume, a
//! bad resume token, bad frames) runs under a subscriber capturing INFO and above; the
//! capture must hold the server's own INFO lines (so it works) and none of the secrets.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::json;
use tracing::Level;

use crate::test_support::{Peer, app};

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

// Current-thread runtime: the session and the queue actor run on this thread, under the
// thread's default subscriber.
#[tokio::test]
async fn default_level_logs_hold_no_customer_text_or_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app();
    let mut peer = Peer::connect(&app);
    let (welcome, _) = peer.hello().await;
    let secret_text = "mon IBAN est FR7630006000011234567890189";
    peer.say(secret_text, "c1").await;
    peer.send(json!({"type": "message", "text": "", "id": "secret-client-id"}));
    peer.expect("error").await;
    let token = welcome["resume"].as_str().unwrap().to_owned();
    let mut again = Peer::connect(&app);
    again.send(json!({"type": "hello", "resume": token, "last_seq": 0}));
    again.expect("welcome").await;
    let mut stranger = Peer::connect(&app);
    let forged = "f".repeat(64);
    stranger.send(json!({"type": "hello", "resume": forged}));
    stranger.expect("error").await;
    drop((peer, again, stranger));
    app.begin_shutdown();
    app.wait_for_sessions().await;

    let logs = captured.text();
    assert!(
        logs.contains("advisor queue"),
        "the capture works: it holds the queue's INFO lines\n{logs}"
    );
    for secret in [secret_text, "FR7630006000011234567890189", &token, &forged] {
        assert!(!logs.contains(secret), "`{secret}` is in the logs:\n{logs}");
    }
}
