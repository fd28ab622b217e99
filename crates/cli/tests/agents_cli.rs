//! `relais agents add|list|remove` driven as a real process, on a free data directory and on
//! one that a running `relais serve` holds.
//!
//! Properties checked:
//! 1. `add` creates the data directory if needed and stores the agent with an argon2id PHC hash
//!    of the password read from stdin (one line), which verifies it and nothing else;
//! 2. `list` prints a table, `list --json` an array, both without the hash;
//! 3. `add` of an existing name replaces it, bumps its epoch and keeps its creation time;
//! 4. `remove` removes it; removing an unknown agent fails;
//! 5. bad input (name, language, capacity, short or missing password, missing directory) is
//!    refused before anything is written;
//! 6. while a server holds the directory, the same commands go through its admin API with the
//!    same output: the agent can log in with its password, an update logs its sessions out, a
//!    removal refuses its logins.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use relais_store::{AgentRecord, SledStore, Store};
use serde_json::{Value, json};
use tempfile::TempDir;

const PASSWORD: &str = "correct horse battery";

/// Runs `relais agents ARGS --data DATA` with `stdin` as its standard input.
fn agents(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .arg("agents")
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("RELAIS_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run relais agents");
    let mut input = child.stdin.take().expect("piped stdin");
    // A command that refuses its arguments exits without reading stdin.
    if let Err(err) = input.write_all(stdin.as_bytes()) {
        assert_eq!(
            err.kind(),
            std::io::ErrorKind::BrokenPipe,
            "write stdin: {err}"
        );
    }
    drop(input);
    child.wait_with_output().expect("relais agents output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed; returns its stdout.
fn ok(data: &Path, args: &[&str], stdin: &str) -> String {
    let output = agents(data, args, stdin);
    assert!(
        output.status.success(),
        "relais agents {args:?} failed: {}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Runs a command that must fail; returns its stderr.
fn fails(data: &Path, args: &[&str], stdin: &str) -> String {
    let output = agents(data, args, stdin);
    assert!(
        !output.status.success(),
        "relais agents {args:?} succeeded: {}",
        text(&output.stdout)
    );
    text(&output.stderr)
}

const ADD_ALICE: [&str; 8] = [
    "add",
    "alice",
    "--lang",
    "fr,en",
    "--skills",
    "billing,technical",
    "--display-name",
    "Alice",
];

fn stored(data: &Path, name: &str) -> Option<AgentRecord> {
    let store = SledStore::open(data).expect("the store opens once the command has exited");
    store.agent(name).expect("read the agent")
}

fn verifies(record: &AgentRecord, password: &str) -> bool {
    let hash = PasswordHash::new(&record.password_hash).expect("a PHC string");
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

#[test]
fn add_list_update_remove_on_a_free_data_directory() {
    let dir = TempDir::new().expect("temp dir");
    let data = dir.path().join("data");

    let added = ok(&data, &ADD_ALICE, &format!("{PASSWORD}\n"));
    assert!(added.starts_with("added agent alice"), "{added}");
    let record = stored(&data, "alice").expect("alice is stored");
    assert!(record.password_hash.starts_with("$argon2id$"), "{record:?}");
    assert!(!record.password_hash.contains(PASSWORD));
    assert!(verifies(&record, PASSWORD));
    assert!(!verifies(&record, "correct horse battery staple"));
    assert_eq!(
        (record.langs.clone(), record.skills.clone(), record.capacity),
        (
            vec!["fr".to_owned(), "en".to_owned()],
            vec!["billing".to_owned(), "technical".to_owned()],
            3
        )
    );
    assert_eq!(record.display_name, "Alice");

    let table = ok(&data, &["list"], "");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[0].starts_with("NAME"), "{table}");
    assert!(lines[1].starts_with("alice  Alice"), "{table}");
    let json: Value = serde_json::from_str(&ok(&data, &["list", "--json"], "")).expect("JSON");
    assert_eq!(
        json,
        json!([{"name": "alice", "display_name": "Alice", "langs": ["fr", "en"],
            "skills": ["billing", "technical"], "capacity": 3}])
    );

    // Replacing: new definition and password, epoch bumped, creation time kept.
    let updated = ok(
        &data,
        &["add", "alice", "--lang", "fr", "--capacity", "5"],
        "a new password\r\n",
    );
    assert!(updated.starts_with("updated agent alice"), "{updated}");
    let after = stored(&data, "alice").expect("alice is still stored");
    assert_eq!(after.epoch, record.epoch + 1);
    assert_eq!(after.created_ms, record.created_ms);
    assert_eq!(
        (after.langs.clone(), after.capacity),
        (vec!["fr".to_owned()], 5)
    );
    assert_eq!(after.skills, ["general"], "the default skill");
    assert_eq!(after.display_name, "alice", "the default display name");
    assert!(verifies(&after, "a new password") && !verifies(&after, PASSWORD));

    let removed = ok(&data, &["remove", "alice"], "");
    assert!(removed.starts_with("removed agent alice"), "{removed}");
    assert!(stored(&data, "alice").is_none());
    let err = fails(&data, &["remove", "alice"], "");
    assert!(err.contains("no agent named alice"), "{err}");
    assert!(ok(&data, &["list"], "").contains("no agents yet"));
    assert_eq!(ok(&data, &["list", "--json"], "").trim(), "[]");
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let dir = TempDir::new().expect("temp dir");
    let data = dir.path().join("data");
    let line = format!("{PASSWORD}\n");
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["add", "Alice", "--lang", "fr"],
            &line,
            "invalid agent name",
        ),
        (&["add", "..", "--lang", "fr"], &line, "invalid agent name"),
        (&["add", "alice", "--lang", "de"], &line, "unknown language"),
        (
            &["add", "alice", "--lang", "fr", "--capacity", "0"],
            &line,
            "--capacity",
        ),
        (
            &["add", "alice", "--lang", "fr"],
            "short\n",
            "8 to 1024 characters",
        ),
        (
            &["add", "alice", "--lang", "fr"],
            "",
            "no password on stdin",
        ),
    ];
    for (args, stdin, expected) in cases {
        let err = fails(&data, args, stdin);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert!(!data.exists(), "nothing was created");
    let err = fails(&data, &["list"], "");
    assert!(err.contains("no data directory"), "{err}");
    assert!(!data.exists());
}

/// A running `relais serve` on a data directory, killed on drop.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start(data: &Path) -> Serve {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .arg("--intents")
            .arg(repo.join("intents"))
            .arg("--web")
            .arg(repo.join("web"))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn relais serve");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        // Debug builds train the matcher slowly.
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("relais serve listening");
        let addr: SocketAddr = line
            .strip_prefix("relais listening on http://")
            .expect("the listening line")
            .parse()
            .expect("an address");
        Serve {
            child,
            url: format!("http://{addr}"),
        }
    }

    /// A JSON request; returns the status and the body (`Null` when empty).
    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(15)))
            .build()
            .into();
        let url = format!("{}{path}", self.url);
        let auth = token.map(|t| format!("Bearer {t}"));
        let result = match (method, body) {
            ("GET", None) => {
                let mut request = http.get(&url);
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.call()
            }
            ("POST", body) => {
                let mut request = http.post(&url).header("Content-Type", "application/json");
                if let Some(auth) = &auth {
                    request = request.header("Authorization", auth);
                }
                request.send(body.unwrap_or(Value::Null).to_string())
            }
            other => panic!("unsupported request {other:?}"),
        };
        let mut response = result.expect("an HTTP response");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("a body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, body)
    }

    fn login(&self, name: &str, password: &str) -> (u16, Value) {
        self.request(
            "POST",
            "/api/agent/login",
            None,
            Some(json!({"name": name, "password": password})),
        )
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_same_commands_go_through_a_running_server() {
    let dir = TempDir::new().expect("temp dir");
    let data = dir.path().join("data");
    // Bob is added directly, before the server starts: it must see him.
    ok(&data, &["add", "bob", "--lang", "en"], "bob's password\n");
    let direct_table = ok(&data, &["list"], "");
    let direct_json = ok(&data, &["list", "--json"], "");
    let server = Serve::start(&data);
    assert!(
        data.join("admin.json").is_file(),
        "the server publishes its admin API"
    );

    assert_eq!(
        ok(&data, &["list"], ""),
        direct_table,
        "the same table either way"
    );
    assert_eq!(ok(&data, &["list", "--json"], ""), direct_json);

    let added = ok(&data, &ADD_ALICE, &format!("{PASSWORD}\n"));
    assert!(added.starts_with("added agent alice"), "{added}");
    let (status, body) = server.login("alice", PASSWORD);
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().expect("a token").to_owned();
    let (status, _) = server.request("GET", "/api/agent/tickets", Some(&token), None);
    assert_eq!(status, 200, "the session works");

    let json: Value = serde_json::from_str(&ok(&data, &["list", "--json"], "")).expect("JSON");
    let names: Vec<&str> = json
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert!(
        !json.to_string().contains("argon2"),
        "no hash in the list: {json}"
    );
    assert_eq!(json[0]["display_name"], "Alice");

    // An update through the server logs the agent's sessions out and changes the password.
    let updated = ok(&data, &ADD_ALICE, "a brand new password\n");
    assert!(updated.starts_with("updated agent alice"), "{updated}");
    let (status, _) = server.request("GET", "/api/agent/tickets", Some(&token), None);
    assert_eq!(status, 401, "the old session is revoked");
    assert_eq!(server.login("alice", PASSWORD).0, 401);
    assert_eq!(server.login("alice", "a brand new password").0, 200);

    let removed = ok(&data, &["remove", "alice"], "");
    assert!(removed.starts_with("removed agent alice"), "{removed}");
    assert_eq!(server.login("alice", "a brand new password").0, 401);
    let err = fails(&data, &["remove", "alice"], "");
    assert!(err.contains("no agent named alice"), "{err}");
    drop(server);
}
