//! The learning-loop commands driven as a real process, with no server running: `relais inbox
//! list|promote|dismiss` on a store seeded through the store API, `relais intents review` and
//! `relais intents publish` on a temporary copy of the demo corpus and a temporary data
//! directory.
//!
//! Properties checked:
//! 1. `inbox list` groups similar questions with their count, most frequent first, keeps
//!    advisors' FAQ flags apart, in JSON and in text (control characters blanked).
//! 2. `inbox promote ITEM --intent ID` adds the group's question as an example of that intent
//!    (a new one with `--new-intent`) and marks every item of the group promoted; a flag group
//!    or an unknown item is refused with a non-zero exit and nothing changes.
//! 3. `inbox dismiss ITEM` marks the group's items dismissed; they leave the open list but stay
//!    in `--all`.
//! 4. `intents review` after an `add-example` shows the added example under its intent with
//!    `file:line`, and the held-out accuracy before and after, the after run holding out one
//!    example more; it refuses a broken corpus with file and line.
//! 5. `intents publish` refuses a broken corpus with file:line, exit 1 and nothing written
//!    under `<data>/published`; a good corpus becomes v1, a changed one v2, `CURRENT` names
//!    the version in force, an unchanged one publishes nothing new.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use relais_store::{InboxKind, InboxStatus, NewInboxItem, SledStore, Store};
use serde_json::Value;

mod common;

use common::{assert_ok, demo_copy, stderr, stdout};

/// Runs `relais ARGS` with the corpus `intents` and the data directory `data`.
fn relais(intents: &Path, data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_relais"))
        .args(args)
        .env("RELAIS_INTENTS", intents)
        .env("RELAIS_DATA", data)
        .output()
        .expect("run relais")
}

/// Runs `relais inbox promote ITEM FLAG TARGET`, `FLAG` being `--intent` or `--new-intent`.
fn promote(intents: &Path, data: &Path, item: &str, flag: &str, target: &str) -> Output {
    relais(intents, data, &["inbox", "promote", item, flag, target])
}

/// The intent `id` as `relais intents show --json` reports it.
fn show_intent(intents: &Path, data: &Path, id: &str) -> Value {
    json(&relais(intents, data, &["intents", "show", id, "--json"]))
}

fn json(output: &Output) -> Value {
    assert_ok(output);
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

/// Every file under `dir` with its bytes, by relative path.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in fs::read_dir(&next).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).expect("read");
                let relative = path.strip_prefix(dir).expect("under dir").to_path_buf();
                files.push((relative, bytes));
            }
        }
    }
    files.sort();
    files
}

/// Seeds the inbox of the store in `data` with `items` (kind, text, lang); returns their ids.
/// The store is closed on return, so the commands can open it.
fn seed(data: &Path, items: &[(InboxKind, &str, &str)]) -> Vec<u64> {
    let store = SledStore::open(data).expect("open the store");
    items
        .iter()
        .map(|(kind, text, lang)| {
            let item = NewInboxItem {
                kind: *kind,
                text: (*text).to_owned(),
                lang: Some((*lang).to_owned()),
                conversation: Some("c".repeat(32)),
                agent: (*kind == InboxKind::FlagFaq).then(|| "alice".to_owned()),
            };
            let (id, durable) = store.add_inbox_item(&item).expect("add inbox item");
            durable.wait().expect("durable");
            id
        })
        .collect()
}

/// Every item's status, by id, read from the store (no command runs meanwhile).
fn statuses(data: &Path) -> Vec<(u64, InboxStatus)> {
    let store = SledStore::open(data).expect("open the store");
    let items = store.inbox_items().expect("inbox items");
    items
        .into_iter()
        .map(|item| (item.id, item.status))
        .collect()
}

/// The group of `list` whose text is `text`.
fn group<'a>(list: &'a Value, text: &str) -> &'a Value {
    list.as_array()
        .expect("a list of groups")
        .iter()
        .find(|g| g["text"] == text)
        .unwrap_or_else(|| panic!("no group {text:?} in {list:#}"))
}

const MISSED: &str = "zorglub quantique flambant";
const MISSED_AGAIN: &str = "Zorglub quantique flambant !";
const NOISE: &str = "blorf snargle";
const NEW_QUESTION: &str = "ou trouver le plan du parking visiteurs";
const FLAG: &str = "Les frais de mise en service sont de 20 € HT.";

#[test]
fn inbox_lists_groups_promotes_and_dismisses_them() {
    let corpus = demo_copy();
    let intents = corpus.path();
    let data = tempfile::tempdir().expect("temp dir");
    let ids = seed(
        data.path(),
        &[
            (InboxKind::Fallback, MISSED, "fr"),
            (InboxKind::Fallback, NOISE, "fr"),
            (InboxKind::FlagFaq, FLAG, "fr"),
            (InboxKind::RejectedClarification, MISSED_AGAIN, "fr"),
            (InboxKind::Takeover, NEW_QUESTION, "fr"),
            (InboxKind::Takeover, "ligne\u{1b}[31m rouge", "fr"),
        ],
    );

    // 1. Grouped, most frequent first, flags apart.
    let list = json(&relais(intents, data.path(), &["inbox", "list", "--json"]));
    assert_eq!(list.as_array().map(Vec::len), Some(5), "{list:#}");
    assert_eq!(list[0]["text"], MISSED, "the most frequent group first");
    assert_eq!(list[0]["count"], 2);
    assert_eq!(list[0]["ids"], serde_json::json!([ids[0], ids[3]]));
    assert_eq!(
        list[0]["kinds"],
        serde_json::json!({"fallback": 1, "rejected_clarification": 1})
    );
    let flag = group(&list, FLAG);
    assert_eq!(flag["flag"], true);
    assert_eq!(flag["count"], 1);
    assert_eq!(group(&list, NOISE)["flag"], false);
    let text = relais(intents, data.path(), &["inbox", "list"]);
    assert_ok(&text);
    let shown = stdout(&text);
    assert!(shown.contains("ITEM") && shown.contains(MISSED), "{shown}");
    assert!(
        shown.contains(MISSED_AGAIN),
        "other wordings shown: {shown}"
    );
    assert!(
        !shown.contains('\u{1b}'),
        "control characters blanked: {shown}"
    );

    // 2. Promotion: refused for a flag and an unknown item, then done.
    let before = tree(intents);
    let refused = promote(
        intents,
        data.path(),
        &ids[2].to_string(),
        "--intent",
        "bill_explain",
    );
    assert!(!refused.status.success(), "a flag is not a question");
    assert!(stderr(&refused).contains("faq set"), "{}", stderr(&refused));
    let unknown = promote(intents, data.path(), "999999", "--intent", "bill_explain");
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("999999"), "{}", stderr(&unknown));
    assert_eq!(tree(intents), before, "refusals change no file");
    assert!(
        statuses(data.path())
            .iter()
            .all(|(_, s)| *s == InboxStatus::Open)
    );

    // Any item of the group names it: the second one here.
    let promoted = promote(
        intents,
        data.path(),
        &ids[3].to_string(),
        "--intent",
        "bill_explain",
    );
    assert_ok(&promoted);
    let show = show_intent(intents, data.path(), "bill_explain");
    assert!(
        show.to_string().contains(MISSED),
        "the group's first question is an example now: {show:#}"
    );
    let created = promote(
        intents,
        data.path(),
        &ids[4].to_string(),
        "--new-intent",
        "visitor_parking",
    );
    assert_ok(&created);
    let show = show_intent(intents, data.path(), "visitor_parking");
    assert!(show.to_string().contains(NEW_QUESTION), "{show:#}");

    // 3. Dismissal.
    assert_ok(&relais(
        intents,
        data.path(),
        &["inbox", "dismiss", &ids[1].to_string()],
    ));
    let open = json(&relais(intents, data.path(), &["inbox", "list", "--json"]));
    let texts: Vec<&Value> = open
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| &g["text"])
        .collect();
    assert_eq!(
        texts.len(),
        2,
        "the flag and the escape text stay: {open:#}"
    );
    assert!(texts.contains(&&Value::from(FLAG)), "{open:#}");
    let all = json(&relais(
        intents,
        data.path(),
        &["inbox", "list", "--json", "--all"],
    ));
    assert_eq!(all.as_array().map(Vec::len), Some(5), "{all:#}");
    assert_eq!(
        statuses(data.path()),
        vec![
            (ids[0], InboxStatus::Promoted),
            (ids[1], InboxStatus::Dismissed),
            (ids[2], InboxStatus::Open),
            (ids[3], InboxStatus::Promoted),
            (ids[4], InboxStatus::Promoted),
            (ids[5], InboxStatus::Open),
        ]
    );
    // A reviewed group is no longer open.
    let again = relais(
        intents,
        data.path(),
        &["inbox", "dismiss", &ids[0].to_string()],
    );
    assert!(!again.status.success());
}

#[test]
fn review_shows_the_diff_and_the_accuracy_before_and_after() {
    let corpus = demo_copy();
    let intents = corpus.path();
    let data = tempfile::tempdir().expect("temp dir");
    assert_ok(&relais(intents, data.path(), &["intents", "publish"]));
    assert_ok(&relais(
        intents,
        data.path(),
        &[
            "intents",
            "add-example",
            "bill_explain",
            MISSED,
            "--lang",
            "fr",
        ],
    ));

    let report = json(&relais(
        intents,
        data.path(),
        &["intents", "review", "--folds", "2", "--json"],
    ));
    assert_eq!(report["published"], "v1");
    let changes = report["changes"].as_array().expect("changes");
    assert_eq!(changes.len(), 1, "{report:#}");
    assert_eq!(changes[0]["id"], "bill_explain");
    assert_eq!(changes[0]["status"], "changed");
    assert_eq!(
        changes[0]["examples_added"],
        serde_json::json!([format!("fr: {MISSED}")])
    );
    let location = changes[0]["location"].as_str().expect("location");
    assert!(
        location.starts_with("billing.toml:") || location.contains("/billing.toml:"),
        "{location}"
    );
    let total = |when: &str| report["accuracy"][when]["total"].as_u64().expect("total");
    assert_eq!(
        total("after"),
        total("before") + 1,
        "every example is held out once: {report:#}"
    );
    for when in ["before", "after"] {
        let right = report["accuracy"][when]["right"].as_u64().expect("right");
        assert!(right <= total(when), "{report:#}");
        let tests = &report["tests"][when];
        assert!(tests["passed"].as_u64().is_some(), "{report:#}");
    }

    let text = relais(intents, data.path(), &["intents", "review", "--folds", "2"]);
    assert_ok(&text);
    let shown = stdout(&text);
    assert!(shown.contains("changes since the published v1"), "{shown}");
    assert!(
        shown.contains(&format!("+ example fr: {MISSED}")),
        "{shown}"
    );
    assert!(shown.contains("held-out accuracy (2 folds):"), "{shown}");
    assert!(shown.contains(" -> "), "{shown}");
    assert!(
        stderr(&text).is_empty(),
        "no progress bar when stderr is not a terminal: {}",
        stderr(&text)
    );

    fs::write(intents.join("broken.toml"), "[[intent]\nid = 1\n").expect("write");
    let broken = relais(intents, data.path(), &["intents", "review", "--folds", "0"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("broken.toml:1:"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn publish_refuses_a_broken_corpus_and_numbers_good_ones() {
    let corpus = demo_copy();
    let intents = corpus.path();
    let data = tempfile::tempdir().expect("temp dir");
    let published = data.path().join("published");
    let current = || fs::read_to_string(published.join("CURRENT")).expect("CURRENT");

    fs::write(intents.join("broken.toml"), "[[intent]\nid = 1\n").expect("write");
    let refused = relais(intents, data.path(), &["intents", "publish"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("broken.toml:1:"),
        "{}",
        stderr(&refused)
    );
    assert!(!published.exists(), "nothing written when refused");
    fs::remove_file(intents.join("broken.toml")).expect("remove");

    let first = relais(intents, data.path(), &["intents", "publish"]);
    assert_ok(&first);
    assert!(
        stdout(&first).contains("published v1"),
        "{}",
        stdout(&first)
    );
    assert_eq!(current().trim(), "1");
    let corpus_files: Vec<_> = tree(intents);
    assert_eq!(
        tree(&published.join("v1")),
        corpus_files,
        "v1 is a full copy"
    );

    let unchanged = relais(intents, data.path(), &["intents", "publish"]);
    assert_ok(&unchanged);
    assert!(
        stdout(&unchanged).contains("nothing changed since v1"),
        "{}",
        stdout(&unchanged)
    );
    assert!(!published.join("v2").exists());

    assert_ok(&relais(
        intents,
        data.path(),
        &[
            "intents",
            "add-example",
            "bill_explain",
            MISSED,
            "--lang",
            "fr",
        ],
    ));
    let second = relais(intents, data.path(), &["intents", "publish"]);
    assert_ok(&second);
    assert!(
        stdout(&second).contains("published v2"),
        "{}",
        stdout(&second)
    );
    assert_eq!(current().trim(), "2");
    assert_eq!(tree(&published.join("v2")), tree(intents));
    assert_ne!(tree(&published.join("v1")), tree(&published.join("v2")));

    // Broken again: refused, v2 stays in force, no v3.
    fs::write(intents.join("broken.toml"), "[[intent]\nid = 1\n").expect("write");
    let before = tree(&published);
    let again = relais(intents, data.path(), &["intents", "publish"]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(tree(&published), before, "nothing written when refused");
    assert_eq!(current().trim(), "2");
}
