//! The authoring commands driven as a real process on a temporary copy of the demo corpus:
//! `relais intents new|add-example|list|show|lint`, `relais faq set|import|export`, `relais test`.
//!
//! Properties checked:
//! 1. `intents new` appends a commented intent to a domain file and `add-example` teaches it;
//!    `list` and `show` report them; the rest of the file is untouched.
//! 2. A refused edit (it would break the corpus, the id is taken, another file is broken) exits
//!    1 naming file and line, and leaves every file byte-identical.
//! 3. `faq set` reads one variant per paragraph from stdin or a file.
//! 4. `faq export` then `faq import` changes nothing (CSV and JSON); imported text with commas,
//!    quotes and line breaks comes back out the same; a bad row refuses the whole import.
//! 5. `intents lint` passes the demo corpus with warnings only, and fails a corpus holding a
//!    duplicated example and an unreachable pattern, with their lines, in text and JSON; its
//!    cross-validation names the pair of intents it confuses.
//! 6. `relais test` passes the demo advisor's conversation tests, and a failing script exits
//!    1 with expected and actual values and the candidates with scores.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod common;

use common::{assert_ok, demo_copy, stderr, stdout};

/// Every corpus file directly in `dir` (`*.toml`, temporary files of the writer included),
/// by name, with its text; the bytes are compared, the text keeps failures readable.
fn contents(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .expect("read dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_file())
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.ends_with(".toml") || n.ends_with(".tmp"))
        })
        .map(|path| {
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let bytes = fs::read(&path).expect("read");
            (name, String::from_utf8(bytes).expect("UTF-8 corpus file"))
        })
        .collect()
}

/// Runs `relais` with `args` on the corpus `dir`, feeding `stdin`.
fn relais_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(args)
        .env("RELAIS_INTENTS", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run relais");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait for relais")
}

fn relais(dir: &Path, args: &[&str]) -> Output {
    relais_in(dir, args, "")
}

fn assert_refused(output: &Output) {
    assert_eq!(output.status.code(), Some(1), "stderr:\n{}", stderr(output));
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn new_intents_and_examples_are_written_in_place() {
    let corpus = demo_copy();
    let dir = corpus.path();
    let before = fs::read_to_string(dir.join("billing.toml")).expect("read");
    let new = [
        "intents",
        "new",
        "refund",
        "--domain",
        "billing",
        "--description",
        "Refunds",
        "--example",
        "je veux être remboursé",
        "--example",
        "remboursement du trop-perçu",
    ];
    let output = relais(dir, &new);
    assert_ok(&output);
    assert!(
        stdout(&output).contains("added intent refund at"),
        "{}",
        stdout(&output)
    );
    assert_ok(&relais(
        dir,
        &[
            "intents",
            "add-example",
            "refund",
            "refund please",
            "--lang",
            "en",
        ],
    ));

    let after = fs::read_to_string(dir.join("billing.toml")).expect("read");
    assert!(
        after.starts_with(&before),
        "the existing text is kept byte for byte"
    );
    assert!(after.contains("# keywords = "), "{after}");

    let list = json(&relais(dir, &["intents", "list", "--json"]));
    let refund = list
        .as_array()
        .and_then(|rows| rows.iter().find(|row| row["id"] == "refund"))
        .expect("refund listed");
    assert_eq!(
        refund["examples"],
        serde_json::json!([["fr", 2], ["en", 1]])
    );
    assert_eq!(refund["answers"], serde_json::json!([["fr", 0], ["en", 0]]));

    let show = relais(dir, &["intents", "show", "refund"]);
    assert_ok(&show);
    assert!(
        stdout(&show).contains("  - refund please"),
        "{}",
        stdout(&show)
    );
    assert_ok(&relais(
        dir,
        &["intents", "validate", dir.to_str().expect("utf-8 path")],
    ));
}

#[test]
fn refused_edits_name_file_and_line_and_change_nothing() {
    let corpus = demo_copy();
    let dir = corpus.path();
    let before = contents(dir);

    let blank = relais(
        dir,
        &[
            "intents",
            "add-example",
            "bill_explain",
            "   ",
            "--lang",
            "fr",
        ],
    );
    assert_refused(&blank);
    let message = stderr(&blank);
    assert!(
        message.contains("billing.toml:") && message.contains("empty example"),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");

    let taken = relais(
        dir,
        &["intents", "new", "bill_explain", "-d", "x", "-e", "y"],
    );
    assert_refused(&taken);
    assert!(
        stderr(&taken).contains("already exists at"),
        "{}",
        stderr(&taken)
    );

    let unknown = relais(
        dir,
        &["intents", "add-example", "nope", "hello", "--lang", "en"],
    );
    assert_refused(&unknown);
    assert_eq!(contents(dir), before);

    fs::write(dir.join("broken.toml"), "[[intent]\nid = 1\n").expect("write broken file");
    let broken = relais(
        dir,
        &[
            "intents",
            "add-example",
            "bill_explain",
            "ok",
            "--lang",
            "fr",
        ],
    );
    assert_refused(&broken);
    assert!(
        stderr(&broken).contains("broken.toml:1: TOML syntax error"),
        "{}",
        stderr(&broken)
    );
    fs::remove_file(dir.join("broken.toml")).expect("remove broken file");
    assert_eq!(
        contents(dir),
        before,
        "no file changed, no temporary file left"
    );
}

#[test]
fn faq_set_takes_one_variant_per_paragraph() {
    let corpus = demo_copy();
    let dir = corpus.path();
    let text = "Première variante.\n\nDeuxième,\nsur deux lignes.\n";
    assert_ok(&relais_in(
        dir,
        &["faq", "set", "green_offer", "--lang", "fr"],
        text,
    ));
    let show = json(&relais(dir, &["intents", "show", "green_offer", "--json"]));
    let fr = &show["answers"][0];
    assert_eq!(
        fr,
        &serde_json::json!(["fr", ["Première variante.", "Deuxième,\nsur deux lignes."]])
    );

    let file = dir.join("answer.txt");
    fs::write(&file, "Only one.\n").expect("write answer file");
    let file = file.to_str().expect("utf-8 path");
    assert_ok(&relais(
        dir,
        &["faq", "set", "green_offer", "--lang", "en", "--file", file],
    ));
    let show = json(&relais(dir, &["intents", "show", "green_offer", "--json"]));
    assert_eq!(show["answers"][1], serde_json::json!(["en", ["Only one."]]));

    let before = contents(dir);
    assert_refused(&relais_in(
        dir,
        &["faq", "set", "green_offer", "--lang", "fr"],
        "\n \n",
    ));
    assert_eq!(contents(dir), before);
}

#[test]
fn faq_export_and_import_round_trip() {
    let corpus = demo_copy();
    let dir = corpus.path();
    let before = contents(dir);
    for format in ["csv", "json"] {
        let export = relais(dir, &["faq", "export", "--format", format]);
        assert_ok(&export);
        let file = dir.join(format!("faq.{format}"));
        fs::write(&file, &export.stdout).expect("write export");
        let import = relais(dir, &["faq", "import", file.to_str().expect("utf-8 path")]);
        assert_ok(&import);
        assert!(
            stdout(&import).contains("nothing to change"),
            "{}",
            stdout(&import)
        );
        fs::remove_file(&file).expect("remove export");
        assert_eq!(
            contents(dir),
            before,
            "{format}: export then import is a no-op"
        );
    }

    let csv = "key,lang,text\n\
               green_offer,en,\"Green, \"\"certified\"\" power\nwith origin guarantees.\"\n\
               green_offer,en,Second variant é\n";
    let file = dir.join("import.csv");
    fs::write(&file, csv).expect("write csv");
    let path = file.to_str().expect("utf-8 path");
    assert_ok(&relais(dir, &["faq", "import", path]));
    let export = stdout(&relais(dir, &["faq", "export"]));
    assert!(
        export.contains("green_offer,en,\"Green, \"\"certified\"\" power\nwith origin guarantees.\"\ngreen_offer,en,Second variant é\n"),
        "{export}"
    );

    let bad = "key,lang,text\ngreen_offer,fr,Bien\nno_such_key,fr,Rien\ngreen_offer,de,Gut\n";
    fs::write(&file, bad).expect("write bad csv");
    let before = contents(dir);
    let refused = relais(dir, &["faq", "import", path]);
    assert_refused(&refused);
    assert!(
        stderr(&refused).contains("line 4: unknown language"),
        "{}",
        stderr(&refused)
    );
    let unknown = "key,lang,text\nno_such_key,fr,Rien\n";
    fs::write(&file, unknown).expect("write csv");
    let refused = relais(dir, &["faq", "import", path]);
    assert_refused(&refused);
    assert!(
        stderr(&refused).contains("no_such_key"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(contents(dir), before);
}

const LINTED: &str = r#"[[intent]]
id = "bill"
description = "Bills"
keywords = ["facture"]
patterns = ["l'index \\d+"]

[intent.examples]
fr = ["ma facture est fausse", "expliquer ma facture", "facture trop chere"]

[[intent]]
id = "pay"
description = "Paying"
keywords = ["facture", "payer"]

[intent.examples]
fr = ["payer ma facture", "Ma facture est fausse !", "comment payer"]
"#;

#[test]
fn lint_reports_errors_with_their_lines() {
    let demo = demo_copy();
    let output = relais(demo.path(), &["intents", "lint", "--folds", "0"]);
    assert_ok(&output);
    assert!(stdout(&output).contains("0 errors"), "{}", stdout(&output));

    let corpus = tempfile::tempdir().expect("temp dir");
    let dir = corpus.path();
    fs::write(dir.join("billing.toml"), LINTED).expect("write corpus");
    let output = relais(dir, &["intents", "lint", "--folds", "0"]);
    assert_refused(&output);
    let text = stdout(&output);
    let file = dir.join("billing.toml").display().to_string();
    for expected in [
        format!("{file}:16: error[duplicate-example]"),
        format!("{file}:5: error[unreachable-pattern]"),
        format!("{file}:4: warning[shared-keyword]"),
        format!("{file}:1: warning[few-examples]"),
        format!("{file}:1: warning[missing-answer]"),
    ] {
        assert!(text.contains(&expected), "{expected} in\n{text}");
    }

    let report = json(&relais(dir, &["intents", "lint", "--json", "--folds", "3"]));
    assert_eq!(report["errors"], 2);
    assert_eq!(report["cross_validation"]["folds"], 3);
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["check"] == "unreachable-pattern" && f["location"] == format!("{file}:5"))
    );
}

#[test]
fn conversation_tests_pass_on_the_demo_and_explain_failures() {
    let corpus = demo_copy();
    let dir = corpus.path();
    let output = relais(dir, &["test"]);
    assert_ok(&output);
    assert!(
        stdout(&output).contains(", 0 failed"),
        "{}",
        stdout(&output)
    );

    let script = r#"[[dialogue]]
name = "wrong on purpose"
lang = "fr"

[[dialogue.turn]]
say = "je veux résilier mon contrat"
intent = "contract_terminate"

[[dialogue.turn]]
say = "je déménage le 15 juin"
intent = "bill_explain"
outcome = "fallback"
"#;
    let tests = dir.join("failing");
    fs::create_dir(&tests).expect("create tests dir");
    fs::write(tests.join("wrong.toml"), script).expect("write script");
    let output = relais(dir, &["test", tests.to_str().expect("utf-8 path")]);
    assert_refused(&output);
    let text = stdout(&output);
    assert!(
        text.contains("FAIL  wrong.toml: wrong on purpose"),
        "{text}"
    );
    assert!(text.contains("wrong.toml:9: turn 2"), "{text}");
    assert!(
        text.contains("intent   expected bill_explain, got move_house"),
        "{text}"
    );
    assert!(
        text.contains("outcome  expected fallback, got answer"),
        "{text}"
    );
    assert!(text.contains("candidates:\n      move_house"), "{text}");

    fs::write(
        tests.join("wrong.toml"),
        "[[dialogue]]\nname = \"x\"\n\n[[dialogue.turn]]\nintent = \"x\"\n",
    )
    .expect("write invalid script");
    let output = relais(dir, &["test", tests.to_str().expect("utf-8 path")]);
    assert_refused(&output);
    assert!(
        stderr(&output).contains("wrong.toml:4: a turn needs exactly one of"),
        "{}",
        stderr(&output)
    );
}
