//! Test harness: starts the real `relais serve` on `127.0.0.1:0` and talks to it.
//!
//! [`Server`] owns the child process (killed on drop) and reads the one listening line from its
//! stdout. [`Client`] is a websocket client whose every wait is bounded by [`WAIT`], so a
//! broken server fails a test instead of hanging it.
//!
//! Debugging: `RELAIS_E2E_LOG` sets the servers' `RUST_LOG` (default `warn`), and
//! `RELAIS_E2E_LOG_DIR` keeps their logs in that directory instead of the temporary one.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// Longest wait for any one frame or response.
pub(crate) const WAIT: Duration = Duration::from_secs(15);
/// Longest wait for the server to load, train and listen (debug builds train slowly).
const STARTUP: Duration = Duration::from_secs(120);

/// The repository root.
pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A data directory owned by a test, shared by the servers it starts one after the other.
pub(crate) struct DataDir(TempDir);

impl DataDir {
    /// A fresh, empty data directory.
    pub(crate) fn new() -> DataDir {
        DataDir(tempfile::tempdir().expect("temp dir"))
    }
}

static SERVERS: AtomicU32 = AtomicU32::new(0);

/// A running `relais serve`, killed on drop.
pub(crate) struct Server {
    /// Always `Some` until `terminate` takes it.
    child: Option<Child>,
    /// The address it listens on.
    pub(crate) addr: SocketAddr,
    log: PathBuf,
    _own_data: Option<DataDir>,
}

impl Server {
    /// Starts a server on a fresh data directory.
    pub(crate) fn start() -> Server {
        let data = DataDir::new();
        let mut server = Server::start_in(&data);
        server._own_data = Some(data);
        server
    }

    /// Starts a server on `data`, with the repository's intents and web directories.
    pub(crate) fn start_in(data: &DataDir) -> Server {
        Server::start_with(data, &[])
    }

    /// Starts a server on `data` with extra `relais serve` arguments.
    pub(crate) fn start_with(data: &DataDir, extra: &[&str]) -> Server {
        let log = match std::env::var_os("RELAIS_E2E_LOG_DIR") {
            Some(dir) => Path::new(&dir).join(format!(
                "relais-{}-{}.log",
                std::process::id(),
                SERVERS.fetch_add(1, Ordering::Relaxed)
            )),
            None => data.0.path().join("server.log"),
        };
        let log_file = std::fs::File::options()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .arg("--data")
            .arg(data.0.path().join("store"))
            .arg("--intents")
            .arg(repo().join("intents"))
            .arg("--web")
            .arg(repo().join("web"))
            .args(extra)
            .env(
                "RUST_LOG",
                std::env::var("RELAIS_E2E_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .expect("spawn relais serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the child never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(STARTUP) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("relais serve did not start; its log:\n{}", read_log(&log));
            }
        };
        let addr = line
            .strip_prefix("relais listening on http://")
            .unwrap_or_else(|| panic!("unexpected first stdout line: {line:?}"))
            .parse()
            .expect("socket address");
        Server {
            child: Some(child),
            addr,
            log,
            _own_data: None,
        }
    }

    /// The websocket URL.
    pub(crate) fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Kills the process at once (SIGKILL): nothing gets a chance to flush.
    pub(crate) fn kill(self) {
        // Drop kills and reaps.
    }

    /// Sends SIGTERM and waits (bounded) for the process to exit.
    pub(crate) fn terminate(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("child present until terminate");
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.expect("run kill").success());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(WAIT) {
            Ok(status) => status.expect("wait"),
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("no exit after SIGTERM; log:\n{}", read_log(&self.log));
            }
        }
    }

    /// A plain HTTP GET; returns the status code, the headers (lowercase names) and the body.
    pub(crate) async fn get(&self, path: &str) -> (u16, Vec<(String, String)>, String) {
        let response = self.request("GET", path, &[], None).await;
        (response.status, response.headers, response.body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn read_log(path: &Path) -> String {
    let mut text = String::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let _ = file.read_to_string(&mut text);
    }
    text
}

/// A customer websocket connection.
pub(crate) struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// Unique in the test process, so that message ids never collide between clients.
    number: u32,
    next_id: u32,
}

static CLIENTS: AtomicU32 = AtomicU32::new(0);

impl Client {
    /// Connects to the server's `/ws`.
    pub(crate) async fn connect(server: &Server) -> Client {
        let (ws, _) = tokio::time::timeout(WAIT, connect_async(server.ws_url()))
            .await
            .expect("connect in time")
            .expect("websocket handshake");
        Client {
            ws,
            number: CLIENTS.fetch_add(1, Ordering::Relaxed),
            next_id: 0,
        }
    }

    /// Sends a JSON frame.
    pub(crate) async fn send(&mut self, frame: Value) {
        self.send_raw(Message::text(frame.to_string())).await;
    }

    /// Sends a raw websocket message.
    pub(crate) async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("send");
    }

    /// The next raw websocket message; `None` when the connection ended.
    pub(crate) async fn next_message(&mut self) -> Option<Message> {
        match tokio::time::timeout(WAIT, self.ws.next()).await {
            Ok(Some(Ok(message))) => Some(message),
            Ok(Some(Err(_)) | None) => None,
            Err(_) => panic!("no websocket message within {WAIT:?}"),
        }
    }

    /// The next JSON frame (`typing` frames skipped).
    pub(crate) async fn recv(&mut self) -> Value {
        loop {
            match self.next_message().await {
                Some(Message::Text(text)) => {
                    let frame: Value = serde_json::from_str(text.as_str()).expect("JSON frame");
                    if frame["type"] != "typing" {
                        return frame;
                    }
                }
                Some(Message::Ping(_) | Message::Pong(_)) => {}
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    /// The next frame, which must be of type `kind`.
    pub(crate) async fn expect(&mut self, kind: &str) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["type"], kind, "unexpected frame {frame}");
        frame
    }

    /// The next frame, which must be an error with `code`.
    pub(crate) async fn expect_error(&mut self, code: &str) -> Value {
        let frame = self.expect("error").await;
        assert_eq!(frame["code"], code, "unexpected error {frame}");
        assert!(
            frame["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error without a readable message: {frame}"
        );
        frame
    }

    /// Starts a new conversation; returns the welcome and the greeting.
    pub(crate) async fn hello(&mut self, lang: Option<&str>) -> (Value, Value) {
        let mut frame = json!({"type": "hello"});
        if let Some(lang) = lang {
            frame["lang"] = json!(lang);
        }
        self.send(frame).await;
        let welcome = self.expect("welcome").await;
        assert_eq!(welcome["resumed"], false);
        let greeting = self.expect("bot").await;
        assert_eq!(greeting["seq"], 1);
        (welcome, greeting)
    }

    /// Sends a message with a fresh client id; returns the `ack` and the bot reply.
    pub(crate) async fn say(&mut self, text: &str) -> (Value, Value) {
        self.next_id += 1;
        let id = format!("c{}-m{}", self.number, self.next_id);
        self.send(json!({"type": "message", "text": text, "id": id}))
            .await;
        self.turn_frames(&id).await
    }

    async fn turn_frames(&mut self, id: &str) -> (Value, Value) {
        let ack = self.expect("ack").await;
        assert_eq!(ack["id"], id, "ack for another message: {ack}");
        let bot = self.expect("bot").await;
        assert_eq!(
            bot["seq"].as_u64(),
            ack["seq"].as_u64().map(|s| s + 1),
            "the bot reply follows the ack: {ack} {bot}"
        );
        (ack, bot)
    }

    /// Closes the connection politely.
    pub(crate) async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// Values of a bot frame's quick replies.
pub(crate) fn quick_values(bot: &Value) -> Vec<String> {
    bot["quick_replies"]
        .as_array()
        .map(|qs| {
            qs.iter()
                .filter_map(|q| q["value"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The demo corpus, loaded the way the server loads it.
pub(crate) fn corpus() -> relais_corpus::Corpus {
    relais_corpus::load_dir(&repo().join("intents")).expect("the demo corpus loads")
}

/// The answer variants of `key` in `lang` in the demo corpus.
pub(crate) fn answer_variants(
    corpus: &relais_corpus::Corpus,
    key: &str,
    lang: &str,
) -> Vec<String> {
    corpus
        .answers
        .iter()
        .filter(|a| a.key == key && a.lang.code() == lang)
        .flat_map(|a| a.variants.iter().cloned())
        .collect()
}

// --- Additions for the live handoff (issue 4): the store path, any HTTP request, and the
// customer frames that are not bot replies. ---

impl DataDir {
    /// The directory the servers started on this data directory get as `--data`.
    pub(crate) fn store_path(&self) -> PathBuf {
        self.0.path().join("store")
    }
}

/// An HTTP response: status, headers (lowercase names) and body.
pub(crate) struct HttpResponse {
    /// Status code.
    pub(crate) status: u16,
    /// Headers in order, names in lowercase.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, decoded from chunked transfer encoding if needed.
    pub(crate) body: String,
}

impl HttpResponse {
    /// The first header called `name` (lowercase).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "HTTP {} body is not JSON ({e}): {:?}",
                self.status, self.body
            )
        })
    }
}

impl Server {
    /// An HTTP request with extra `headers` and an optional JSON `body`.
    pub(crate) async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> HttpResponse {
        tokio::time::timeout(WAIT, http_request(self.addr, method, path, headers, body))
            .await
            .expect("HTTP response in time")
    }
}

async fn http_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> HttpResponse {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("HTTP head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// Decodes a chunked body (sizes in hex, each chunk followed by CRLF, ends with size 0).
fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").expect("chunk size line");
        let size = usize::from_str_radix(size.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        if size == 0 {
            return body;
        }
        body.push_str(&after[..size]);
        rest = after[size..]
            .strip_prefix("\r\n")
            .expect("CRLF after a chunk");
    }
}

/// Customer frames that are live only (no seq): skipped when waiting for events.
const LIVE_ONLY: [&str; 3] = ["typing", "queue_update", "agent_typing"];

impl Client {
    /// The next frame that stands for an event (carries a `seq`), live-only frames skipped.
    pub(crate) async fn next_event(&mut self) -> Value {
        loop {
            let frame = self.recv().await;
            let kind = frame["type"].as_str().unwrap_or_default();
            if !LIVE_ONLY.contains(&kind) {
                return frame;
            }
        }
    }

    /// The next event frame, which must be of type `kind`.
    pub(crate) async fn expect_event(&mut self, kind: &str) -> Value {
        let frame = self.next_event().await;
        assert_eq!(frame["type"], kind, "unexpected frame {frame}");
        frame
    }

    /// The next `queue_update` frame; any event frame meanwhile fails the test.
    pub(crate) async fn next_queue_update(&mut self) -> Value {
        loop {
            let frame = self.recv().await;
            match frame["type"].as_str() {
                Some("queue_update") => return frame,
                Some("typing" | "agent_typing") => {}
                _ => panic!("expected a queue_update, got {frame}"),
            }
        }
    }

    /// Sends a message with a fresh client id and returns its `ack` (no reply awaited).
    pub(crate) async fn send_text(&mut self, text: &str) -> Value {
        self.next_id += 1;
        let id = format!("c{}-m{}", self.number, self.next_id);
        self.send(json!({"type": "message", "text": text, "id": id}))
            .await;
        let ack = self.expect_event("ack").await;
        assert_eq!(ack["id"], id, "ack for another message: {ack}");
        ack
    }

    /// Clicks a quick reply and returns its `ack` (no reply awaited).
    pub(crate) async fn choose(&mut self, value: &str) -> Value {
        self.send(json!({"type": "choice", "value": value})).await;
        self.expect_event("ack").await
    }
}
