//! The learning loop against the real binary: a question the bot misses lands in the inbox, is
//! promoted to a training example, published, and the running server answers it, while one
//! websocket session stays connected throughout. A broken corpus is then refused and the
//! server keeps serving the last good one, on the same socket.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::{Client, DataDir, Server, repo};

/// A question no intent of the demo corpus covers (made-up words, so it stays a fallback).
const MISSED: &str = "zorglub quantique flambant";
/// The intent the author teaches it to.
const INTENT: &str = "bill_explain";

/// Runs `relais ARGS --data DATA` with `RELAIS_INTENTS=intents`, to completion.
fn relais(args: &[&str], data: &Path, intents: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env("RELAIS_INTENTS", intents)
        .env_remove("RELAIS_DATA")
        .output()
        .expect("run relais")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The open inbox groups, as `relais inbox list --json` prints them.
fn inbox(data: &Path, intents: &Path) -> Vec<Value> {
    let output = relais(&["inbox", "list", "--json"], data, intents);
    assert!(output.status.success(), "{output:?}");
    serde_json::from_slice(&output.stdout).expect("inbox JSON")
}

#[tokio::test]
async fn a_missed_question_is_promoted_published_and_answered_on_the_same_socket() {
    let data = DataDir::new();
    let corpus = tempfile::tempdir().unwrap();
    let intents = corpus.path().join("intents");
    copy_dir(&repo().join("intents"), &intents);
    let store = data.store_path();
    // Published before the server starts: it serves the snapshot, not the working copy.
    let first = relais(&["intents", "publish"], &store, &intents);
    assert!(first.status.success(), "{first:?}");
    assert!(stdout(&first).contains("published v1"), "{first:?}");

    let server = Server::start_in(&data);
    let mut client = Client::connect(&server).await;
    client.hello(Some("fr")).await;
    let (_, missed) = client.say(MISSED).await;
    assert_eq!(missed["outcome"], "fallback", "{missed}");

    // Listed through the running server's admin API (the server holds the store).
    let groups = inbox(&store, &intents);
    let group = groups
        .iter()
        .find(|g| g["text"] == MISSED)
        .unwrap_or_else(|| panic!("{MISSED:?} is not in the inbox: {groups:?}"));
    assert_eq!(group["kinds"]["fallback"], 1);
    assert_eq!(group["langs"][0], "fr");
    let item = group["item"].as_u64().unwrap().to_string();

    let promoted = relais(
        &["inbox", "promote", &item, "--intent", INTENT],
        &store,
        &intents,
    );
    assert!(promoted.status.success(), "{promoted:?}");
    assert!(
        !inbox(&store, &intents).iter().any(|g| g["text"] == MISSED),
        "a promoted group leaves the open inbox"
    );
    // A proposal until published: the server still misses it.
    let (_, still) = client.say(MISSED).await;
    assert_ne!(still["outcome"], "answer", "{still}");
    assert!(still["intent"].is_null(), "{still}");

    let review = relais(&["intents", "review", "--folds", "0"], &store, &intents);
    assert!(review.status.success(), "{review:?}");
    assert!(
        stdout(&review).contains(&format!("+ example fr: {MISSED}")),
        "{review:?}"
    );

    let published = relais(&["intents", "publish"], &store, &intents);
    assert!(published.status.success(), "{published:?}");
    assert!(
        stdout(&published).contains("now serves v2"),
        "{published:?}"
    );

    // The same socket, never closed, now gets the answer.
    let (_, answered) = client.say(MISSED).await;
    assert_eq!(answered["outcome"], "answer", "{answered}");
    assert_eq!(answered["intent"], INTENT, "{answered}");

    // A broken corpus is refused, nothing is published, the server keeps v2.
    let broken = intents.join("billing.toml");
    let text = std::fs::read_to_string(&broken).unwrap();
    std::fs::write(&broken, text.replacen("[[intent]]", "[[intent]\n", 1)).unwrap();
    let refused = relais(&["intents", "publish"], &store, &intents);
    assert!(!refused.status.success(), "{refused:?}");
    let errors = String::from_utf8_lossy(&refused.stderr);
    assert!(errors.contains("billing.toml:"), "{errors}");
    assert!(errors.contains("nothing was published"), "{errors}");
    assert!(!store.join("published").join("v3").exists());
    let (_, again) = client.say(MISSED).await;
    assert_eq!(again["intent"], INTENT, "{again}");
    client.close().await;
}

#[tokio::test]
async fn an_advisors_faq_flag_and_the_taken_conversation_land_in_the_inbox() {
    use crate::agent_support::{AgentDef, AgentSocket, GIBBERISH, add_agent, queued_customer};
    use serde_json::json;

    let data = DataDir::new();
    add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);
    let mut agent = AgentSocket::login(&server, "alice").await;
    let waiting = queued_customer(&server, "fr").await;
    agent.wait_queued(&waiting.conversation).await;
    agent.accept(&waiting.conversation).await;
    let answer = "Les frais de mise en service sont de 20 € HT.";
    agent
        .send(json!({"type": "flag_faq", "conversation": waiting.conversation, "text": answer}))
        .await;
    let flagged = agent.expect("flagged").await;
    assert_eq!(flagged["conversation"], waiting.conversation.as_str());
    let flag_id = flagged["item"].as_u64().expect("item id");

    let groups = inbox(&data.store_path(), &repo().join("intents"));
    let flag = groups
        .iter()
        .find(|g| g["flag"] == true)
        .unwrap_or_else(|| panic!("no flag group: {groups:?}"));
    assert_eq!(flag["text"], answer);
    assert_eq!(flag["ids"], json!([flag_id]));
    assert_eq!(flag["kinds"], json!({"flag_faq": 1}));
    // The customer's misunderstood messages: each a fallback, then again as taken over.
    for text in GIBBERISH {
        let group = groups
            .iter()
            .find(|g| g["text"] == text)
            .unwrap_or_else(|| panic!("{text:?} not in the inbox: {groups:?}"));
        assert_eq!(group["kinds"]["takeover"], 1, "{group}");
        assert_eq!(group["flag"], false, "{group}");
    }
    // A flag on a conversation that does not exist is refused.
    agent
        .send(json!({"type": "flag_faq", "conversation": "0".repeat(32), "text": answer}))
        .await;
    agent.expect_error("not_found").await;
}
