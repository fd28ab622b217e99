//! Figures, purge and erasure through the real binary, over real websockets:
//! 1. three conversations (bot only, handed off to an advisor, callback form) with surveys
//!    answered and skipped give exactly the expected counts and rates in `relais stats --json`,
//!    through the admin API while the server runs and from the store once it stopped;
//! 2. the customer erases their conversation with the resume token, and `relais conversations
//!    purge` removes the others (with the callback ticket) through the admin API: the figures
//!    stay the same, the missed questions' texts go;
//! 3. `relais stats --rebuild` recomputes the same figures from the transcripts, and keeps
//!    those of days whose transcripts were all purged;
//! 4. after `relais conversations compact`, no file under the data directory holds the
//!    customer's survey comments, name or contact details, nor the inbox's items of the
//!    erased and purged conversations: a fallback utterance of each (erased by the customer,
//!    purged) and an advisor's FAQ flag.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::agent_support::{self, AgentDef, AgentSocket, GIBBERISH, customer};
use crate::support::{Client, DataDir, Server};

/// Texts only one customer wrote, looked for in every file afterwards.
const COMMENT_A: &str = "zorblaxquint comment of the bot only chat";
const COMMENT_C: &str = "zorblaxquint comment of the callback chat";
const NAME_C: &str = "Quintessa Zorblaxine";
const CONTACT_C: &str = "quintessa.zorblaxine@example.fr";
/// What the bot cannot understand: a missed question, in the inbox too.
const MISSED: &str = "flurbo wizzle snarf";
/// The advisor's "this should be a FAQ" flag on the handed-off chat (an inbox item).
const FLAGGED: &str = "zorblaxquint answer the advisor flagged";

/// Every text looked for in every file: present before the erasure and the purge, nowhere
/// after the compaction. `GIBBERISH[0]` is the handed-off chat's first fallback, so the
/// purge must take its inbox items; `MISSED` is the erased chat's.
const MARKERS: [&str; 7] = [
    COMMENT_A,
    COMMENT_C,
    NAME_C,
    CONTACT_C,
    MISSED,
    GIBBERISH[0],
    FLAGGED,
];

/// Runs `relais ARGS --data <store>`; returns stdout, failing on a non-zero exit.
fn relais(data: &DataDir, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(args)
        .arg("--data")
        .arg(data.store_path())
        .output()
        .expect("run relais");
    assert!(
        output.status.success(),
        "relais {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 stdout")
}

/// The report of the last two days (a test running over midnight spans both).
fn stats(data: &DataDir) -> Value {
    let text = relais(data, &["stats", "--json", "--since", "2d"]);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Ends the chat and gives (or skips) the survey.
async fn end_with_survey(client: &mut Client, answer: Value) {
    client.send(json!({"type": "end", "id": "end"})).await;
    assert_eq!(client.expect_event("ack").await["id"], "end");
    client.expect_event("survey").await;
    let mut frame = answer;
    frame["type"] = json!("survey");
    frame["id"] = json!("survey");
    client.send(frame).await;
    assert_eq!(client.expect_event("ack").await["id"], "survey");
}

/// Asks for a human with no advisor online and fills in the callback form.
async fn callback_chat(server: &Server) -> (Client, Value) {
    let (mut client, welcome) = customer(server, "fr").await;
    client.send_text("je veux parler à un conseiller").await;
    loop {
        let frame = client.next_event().await;
        if frame["type"] == "bot" && frame["form"] == "callback" {
            break;
        }
        assert!(
            frame["type"] == "handoff" || frame["type"] == "bot",
            "unexpected frame before the callback form: {frame}"
        );
    }
    client
        .send(
            json!({"type": "callback", "name": NAME_C, "contact": CONTACT_C,
            "message": "Rappelez-moi demain", "consent": true, "id": "form"}),
        )
        .await;
    assert_eq!(client.expect_event("ack").await["id"], "form");
    client.expect_event("bot").await;
    (client, welcome)
}

/// The expected figures, counted by hand from the three chats below:
/// - conversations: bot only, handed off, callback = 3;
/// - customer turns (to the bot): bot only 2 (an answer, a fallback), handed off 3 (two
///   misunderstandings, then the click accepting the advisor offer), callback 1 = 6;
/// - understood: the one answer = 1/6; not understood: the two fallbacks = 2/6;
/// - handed to a human: the handed-off chat (misunderstandings) and the callback chat
///   (explicit request) = 2/3; contained: the bot-only chat = 1/3;
/// - effort scores: 6 (bot only) and 3 (callback) = 2 answers, mean 4.5; one skipped.
fn assert_expected(report: &Value) {
    let third = 1.0 / 3.0;
    assert_eq!(report["conversations"], 3, "{report}");
    assert_eq!(report["customer_turns"], 6, "{report}");
    for (field, expected) in [
        ("understanding_rate", 1.0 / 6.0),
        ("fallback_rate", 2.0 / 6.0),
        ("containment_rate", third),
        ("handoff_rate", 2.0 * third),
        ("ces_mean", 4.5),
    ] {
        let got = report[field]
            .as_f64()
            .unwrap_or_else(|| panic!("{field} missing"));
        assert!(
            (got - expected).abs() < 1e-9,
            "{field}: {got} != {expected}"
        );
    }
    assert_eq!(report["ces_count"], 2, "{report}");
    assert_eq!(report["surveys_skipped"], 1, "{report}");
    assert_eq!(report["callbacks"], 1, "{report}");
    assert_eq!(report["queue"]["queued"], 1, "{report}");
    assert_eq!(report["queue"]["assigned"], 1, "{report}");
    assert_eq!(report["ces_distribution"], json!([0, 0, 1, 0, 0, 1, 0]));
    assert_eq!(report["missed_questions_total"], 2, "{report}");
}

/// The report without what an erasure may change: the missed questions' texts.
fn counts_only(report: &Value) -> Value {
    let mut report = report.clone();
    report["missed_questions"] = Value::Null;
    report
}

fn missed_texts(report: &Value) -> Vec<String> {
    report["missed_questions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

/// The files under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else {
            let bytes = std::fs::read(&path).expect("read file");
            if bytes
                .windows(needle.len())
                .any(|window| window == needle.as_bytes())
            {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

#[tokio::test]
async fn figures_are_exact_and_erasure_and_purge_leave_no_trace() {
    let data = DataDir::new();
    agent_support::add_agent(&data, AgentDef::new("alice", "Alice", "fr"));
    let server = Server::start_in(&data);

    // The callback chat, while no advisor is online.
    let (mut callback, _) = callback_chat(&server).await;
    end_with_survey(&mut callback, json!({"score": 3, "comment": COMMENT_C})).await;

    // The bot-only chat.
    let (mut bot_only, bot_only_welcome) = customer(&server, "fr").await;
    let (_, answer) = bot_only.say("Comment puis-je payer ma facture ?").await;
    assert_eq!(answer["outcome"], "answer", "{answer}");
    let (_, missed) = bot_only.say(MISSED).await;
    assert_eq!(missed["outcome"], "fallback", "{missed}");
    end_with_survey(&mut bot_only, json!({"score": 6, "comment": COMMENT_A})).await;

    // The handed-off chat, closed by the advisor; its survey skipped.
    let mut agent = AgentSocket::login(&server, "alice").await;
    let mut handed = agent.take_queued(&server, "Bonjour, je regarde.").await;
    agent
        .send(json!({"type": "flag_faq", "conversation": handed.conversation, "text": FLAGGED}))
        .await;
    agent.expect("flagged").await;
    agent.close_chat(&mut handed).await;
    handed
        .client
        .send(json!({"type": "survey", "skipped": true, "id": "skip"}))
        .await;
    assert_eq!(handed.client.expect_event("ack").await["id"], "skip");
    agent.close().await;

    // What is looked for at the end is on disk now (the write-ahead log holds it).
    for marker in MARKERS {
        let found = files_containing(&data.store_path(), marker);
        assert!(
            !found.is_empty(),
            "{marker:?} is nowhere: the scan would prove nothing"
        );
    }

    // While the server runs: through the admin API.
    let live = stats(&data);
    assert_expected(&live);
    let texts = missed_texts(&live);
    assert!(texts.iter().any(|t| t == MISSED), "{texts:?}");
    // Recomputed from the transcripts, the figures are the ones kept as the chats went.
    let rebuilt = relais(&data, &["stats", "--rebuild", "--json", "--since", "2d"]);
    assert_eq!(serde_json::from_str::<Value>(&rebuilt).expect("JSON"), live);

    // The customer erases their conversation with the resume token (the widget's action).
    let resume = bot_only_welcome["resume"].as_str().expect("resume token");
    let bearer = format!("Bearer {resume}");
    let erase = async || {
        server
            .request(
                "POST",
                "/api/conversation/erase",
                &[("Authorization", &bearer)],
                None,
            )
            .await
    };
    let erased = erase().await;
    assert_eq!(erased.status, 200, "{}", erased.body);
    let again = erase().await;
    assert_eq!(again.status, 401, "the token died with its conversation");
    let after_erasure = stats(&data);
    assert_eq!(counts_only(&after_erasure), counts_only(&live));
    assert!(!missed_texts(&after_erasure).iter().any(|t| t == MISSED));

    // The others, through a purge by the admin API.
    let purged = relais(&data, &["conversations", "purge", "--older-than", "0d"]);
    assert!(purged.starts_with("purged 2 conversation(s)"), "{purged}");
    assert!(purged.contains("removed 1 ticket(s)"), "{purged}");
    let after_purge = stats(&data);
    assert_eq!(counts_only(&after_purge), counts_only(&live));
    assert!(missed_texts(&after_purge).is_empty(), "{after_purge}");

    // Once stopped: from the store, the same figures; then no trace on disk.
    assert!(server.terminate().success());
    let stopped = stats(&data);
    assert_eq!(counts_only(&stopped), counts_only(&live));
    assert_expected(&stopped);
    // A rebuild finds no transcript left: the days keep their figures.
    relais(&data, &["stats", "--rebuild"]);
    assert_eq!(counts_only(&stats(&data)), counts_only(&live));
    relais(&data, &["conversations", "compact"]);
    for marker in MARKERS {
        let found = files_containing(&data.store_path(), marker);
        assert!(found.is_empty(), "{marker:?} is still in {found:?}");
    }
    assert_eq!(counts_only(&stats(&data)), counts_only(&live));
}
