//! `relais intents validate|match` driven as a real process on temporary corpora.
//!
//! Properties checked:
//! 1. `validate` on a valid corpus exits 0 and summarises it; `intents/` is the default directory.
//! 2. `validate` on a broken corpus exits 1 and prints every problem of every file as
//!    `file:line: message` on stderr, non-UTF-8 files included.
//! 3. `match --json` ranks the intent an utterance was taught with first, with its location and
//!    the entities its patterns capture; the text output says the same.
//! 4. `match` on a broken corpus fails like `validate`.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

const POWER: &str = r#"# Meter intents
[[intent]]
id = "subscription_power"
description = "Which kVA power level to choose"
labels = { fr = "Puissance du compteur", en = "Meter power" }
keywords = ["kva", "puissance"]
patterns = ['(?P<kva>\d{1,2})\s*kva']

[intent.examples]
fr = ["quelle puissance choisir", "je veux passer a 9 kva", "changer la puissance de mon compteur"]
en = ["which power level do I need", "switch my meter to 12 kva"]
"#;

const SMALLTALK: &str = r#"[[intent]]
id = "greeting"
description = "Hello"
keywords = ["bonjour", "hello"]

[intent.examples]
fr = ["bonjour", "salut", "bonsoir"]
en = ["hello", "hi there", "good morning"]

[[intent]]
id = "goodbye"
description = "Bye"

[intent.examples]
fr = ["au revoir", "bonne journee", "a bientot"]
en = ["goodbye", "bye", "see you"]
"#;

const CONFIG: &str = "[dialogue]\nmain_topics = [\"subscription_power\"]\n";

/// A temporary corpus directory holding `files`.
fn corpus(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write corpus file");
    }
    dir
}

fn valid_corpus() -> TempDir {
    corpus(&[
        ("relais.toml", CONFIG.as_bytes()),
        ("meter.toml", POWER.as_bytes()),
        ("smalltalk.toml", SMALLTALK.as_bytes()),
    ])
}

/// Runs `relais` with `args` in `cwd`, without the corpus environment variable.
fn relais(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(args)
        .current_dir(cwd)
        .env_remove("RELAIS_INTENTS")
        .output()
        .expect("run relais")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn validate_summarises_a_valid_corpus() {
    let dir = valid_corpus();
    let out = relais(dir.path(), &["intents", "validate", "."]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("intents:   3 in 2 files"), "{stdout}");
    assert!(stdout.contains("examples:  17 (fr 9, en 8)"), "{stdout}");
    assert!(
        stdout.contains("main topics: subscription_power"),
        "{stdout}"
    );
    assert!(stdout.contains("corpus OK"), "{stdout}");
}

#[test]
fn validate_reads_intents_by_default() {
    let root = tempfile::tempdir().expect("temp dir");
    let dir = root.path().join("intents");
    fs::create_dir(&dir).expect("create intents/");
    fs::write(dir.join("smalltalk.toml"), SMALLTALK).expect("write corpus file");
    let out = relais(root.path(), &["intents", "validate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("intents:   2 in 1 files"));
}

#[test]
fn validate_reports_every_problem_with_file_and_line() {
    let broken_meter = POWER
        .replace("keywords = [", "keyword = [")
        .replace(r"\d{1,2})", r"\d{1,2}");
    let mut latin1 = SMALLTALK.as_bytes().to_vec();
    latin1.extend_from_slice(b"# caf\xe9\n");
    let dir = corpus(&[
        ("relais.toml", b"[dialogue]\nmain_topics = [\"nope\"]\n"),
        ("meter.toml", broken_meter.as_bytes()),
        ("smalltalk.toml", &latin1),
    ]);
    let out = relais(dir.path(), &["intents", "validate", "."]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    assert!(
        lines[0].starts_with("./meter.toml:6: unknown key \"keyword\""),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("./meter.toml:7: pattern ") && lines[1].contains("not a valid regex"),
        "{stderr}"
    );
    assert_eq!(lines[2], "./smalltalk.toml:17: not valid UTF-8");
    assert_eq!(lines[3], "3 problems in .");
}

#[test]
fn match_json_ranks_the_taught_intent_first() {
    let dir = valid_corpus();
    let out = relais(
        dir.path(),
        &[
            "intents",
            "match",
            "--intents",
            ".",
            "--json",
            "je veux passer a 9 kva",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(report["utterance"], "je veux passer a 9 kva");
    let candidates = report["candidates"].as_array().expect("candidates");
    assert_eq!(candidates[0]["intent"], "subscription_power");
    assert_eq!(candidates[0]["location"], "./meter.toml:2");
    let confidences: Vec<f64> = candidates
        .iter()
        .map(|c| c["confidence"].as_f64().expect("confidence"))
        .collect();
    assert!(
        confidences.windows(2).all(|w| w[0] >= w[1]),
        "{confidences:?}"
    );
    assert!(
        !candidates[0]["evidence"]
            .as_array()
            .expect("evidence")
            .is_empty()
    );
    if report["decision"] == "match" {
        assert_eq!(report["intent"], "subscription_power");
    } else {
        assert!(report["intent"].is_null());
    }
    let entities = report["entities"].as_array().expect("entities");
    assert!(
        entities.iter().any(|e| e["name"] == "kva"
            && e["value"] == "9"
            && e["intent"] == "subscription_power"),
        "{entities:?}"
    );
}

#[test]
fn match_text_shows_decision_candidates_and_evidence() {
    let dir = valid_corpus();
    let out = relais(
        dir.path(),
        &["intents", "match", "--intents", ".", "au revoir"],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("decision: "), "{stdout}");
    let first = stdout
        .lines()
        .find(|line| line.starts_with("  1. "))
        .expect("a ranked candidate");
    assert!(
        first.contains("goodbye") && first.contains("./smalltalk.toml:10"),
        "{stdout}"
    );
}

#[test]
fn match_on_a_broken_corpus_reports_its_problems() {
    let dir = corpus(&[("smalltalk.toml", b"[[intent]]\nid = \"Hello\"\n")]);
    let out = relais(
        dir.path(),
        &["intents", "match", "--intents", ".", "bonjour"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("./smalltalk.toml:1: missing required key `description`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("./smalltalk.toml:2: invalid intent id \"Hello\""),
        "{stderr}"
    );
}
