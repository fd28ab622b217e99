//! The edit writer. Properties checked:
//!
//! 1. An added example lands in its intent's language array, in the style of its neighbours,
//!    and the rest of the file (comments, other intents) is byte-identical.
//! 2. Missing `examples`/`answers` tables and language arrays are created inside the right
//!    intent, even when other intents follow it in the file.
//! 3. Setting the answers an intent already has changes nothing; new ones replace them.
//! 4. A new intent is appended with comments for every field, or creates its file; the result
//!    loads; taken ids and bad file names are refused.
//! 5. An edit that breaks the corpus is refused with file and line and writes nothing.
//! 6. A file changed on disk after it was read is not overwritten.
//! 7. The locator finds the line of an example, keyword, pattern and answer list.

use std::fs;
use std::path::Path;

use relais_nlu::Lang;
use tempfile::TempDir;

use super::*;

const BILLING: &str = r#"# Billing: keep this comment.

[[intent]]
id = "bill_explain"   # trailing comment
description = "Reading a bill"
keywords = ["facture"]
patterns = ['montant\s+facture']

[intent.examples]
fr = [
    "je ne comprends pas ma facture",
    "detail de ma facture",
]

[intent.answers]
fr = ["Votre facture comprend l'abonnement."]

[[intent]]
id = "payment"
description = "Paying"
examples = { en = ["how do I pay"] }
"#;

fn corpus() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(dir.path().join("billing.toml"), BILLING).expect("write billing");
    dir
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).expect("read corpus file")
}

fn open(dir: &TempDir) -> Editor {
    Editor::open(dir.path()).expect("valid corpus")
}

fn examples(corpus: &Corpus, id: &str, lang: Lang) -> Vec<String> {
    let intent = corpus.spec.intents.iter().find(|i| i.id == id);
    intent
        .map(|i| i.examples.iter().filter(|e| e.lang == Some(lang)))
        .into_iter()
        .flatten()
        .map(|e| e.text.clone())
        .collect()
}

#[test]
fn added_examples_follow_their_neighbours_and_keep_the_rest() {
    let dir = corpus();
    let mut editor = open(&dir);
    editor
        .add_example("bill_explain", Lang::Fr, "facture \"trop\" chère")
        .expect("add");
    let committed = editor.commit().expect("commit");
    assert_eq!(committed.changed, [dir.path().join("billing.toml")]);
    // toml_edit writes a text holding double quotes as a literal string: no escapes needed.
    let expected = BILLING.replace(
        "    \"detail de ma facture\",\n",
        "    \"detail de ma facture\",\n    'facture \"trop\" chère',\n",
    );
    assert_eq!(read(dir.path(), "billing.toml"), expected);
    let fr = examples(&committed.corpus, "bill_explain", Lang::Fr);
    assert_eq!(
        fr.last().map(String::as_str),
        Some("facture \"trop\" chère")
    );
}

#[test]
fn missing_tables_and_arrays_are_created_in_the_right_intent() {
    let dir = corpus();
    let mut editor = open(&dir);
    editor
        .add_example("bill_explain", Lang::En, "explain my bill")
        .expect("add en");
    editor
        .add_example("payment", Lang::Fr, "comment payer")
        .expect("add fr inline");
    let changed = editor
        .set_answers(
            "payment",
            Lang::En,
            &["By card.".into(), "By transfer.".into()],
        )
        .expect("set answers");
    assert!(changed);
    let committed = editor.commit().expect("commit");
    let corpus = committed.corpus;
    assert_eq!(
        examples(&corpus, "bill_explain", Lang::En),
        ["explain my bill"]
    );
    assert_eq!(examples(&corpus, "payment", Lang::Fr), ["comment payer"]);
    assert_eq!(examples(&corpus, "payment", Lang::En), ["how do I pay"]);
    let answer = corpus
        .answer("payment", Lang::En)
        .map(|a| a.variants.clone());
    assert_eq!(answer, Some(vec!["By card.".into(), "By transfer.".into()]));
    // bill_explain's answers did not move to the intent that follows it.
    assert!(corpus.answer("bill_explain", Lang::Fr).is_some());
    let text = read(dir.path(), "billing.toml");
    assert!(
        text.starts_with("# Billing: keep this comment.\n"),
        "{text}"
    );
    assert!(
        text.contains("id = \"bill_explain\"   # trailing comment"),
        "{text}"
    );
}

#[test]
fn setting_the_same_answers_changes_nothing() {
    let dir = corpus();
    let mut editor = open(&dir);
    let same = ["Votre facture comprend l'abonnement.".to_string()];
    assert!(
        !editor
            .set_faq("bill_explain", Lang::Fr, &same)
            .expect("set")
    );
    assert!(editor.commit().expect("commit").changed.is_empty());
    assert_eq!(read(dir.path(), "billing.toml"), BILLING);

    let mut editor = open(&dir);
    let new = ["Une.".to_string(), "Deux, \"trois\"\nquatre.".to_string()];
    assert!(editor.set_faq("bill_explain", Lang::Fr, &new).expect("set"));
    let corpus = editor.commit().expect("commit").corpus;
    let variants = corpus
        .answer("bill_explain", Lang::Fr)
        .map(|a| a.variants.clone());
    assert_eq!(variants.as_deref(), Some(&new[..]));
    assert!(matches!(
        open(&dir).set_faq("nope", Lang::Fr, &new),
        Err(EditError::UnknownAnswerKey(_))
    ));
}

fn new_intent(id: &str) -> NewIntent {
    NewIntent {
        id: id.into(),
        description: "Refund of an overpayment".into(),
        examples: vec![
            (Lang::Fr, "je veux être remboursé".into()),
            (Lang::En, "I want a refund".into()),
        ],
    }
}

#[test]
fn new_intents_are_appended_or_create_their_file() {
    let dir = corpus();
    let mut editor = open(&dir);
    let path = editor
        .new_intent("billing", &new_intent("refund"))
        .expect("new");
    assert_eq!(path, dir.path().join("billing.toml"));
    editor
        .add_example("refund", Lang::Fr, "remboursement")
        .expect("add to new");
    let corpus = editor.commit().expect("commit").corpus;
    assert_eq!(
        examples(&corpus, "refund", Lang::Fr),
        ["je veux être remboursé", "remboursement"]
    );
    let text = read(dir.path(), "billing.toml");
    assert!(text.starts_with(BILLING), "the old text is kept as is");
    for field in [
        "# skill",
        "# answer",
        "# labels",
        "# keywords",
        "# patterns",
        "# [intent.answers]",
    ] {
        assert!(text.contains(field), "{field} in {text}");
    }
    let location = corpus.location("refund").expect("located");
    assert_eq!(text.lines().nth(location.line - 1), Some("[[intent]]"));

    let mut editor = open(&dir);
    editor
        .new_intent("refunds.toml", &new_intent("refund_status"))
        .expect("new file");
    editor.commit().expect("commit");
    assert!(read(dir.path(), "refunds.toml").starts_with("# refunds.toml: "));

    let mut editor = open(&dir);
    let taken = editor.new_intent("other", &new_intent("refund"));
    assert!(
        matches!(taken, Err(EditError::IntentExists { .. })),
        "{taken:?}"
    );
    for bad in ["relais.toml", "../x.toml", "sub/x.toml", "x.txt"] {
        let refused = editor.new_intent(bad, &new_intent("fresh"));
        assert!(
            matches!(refused, Err(EditError::BadFileName(_))),
            "{bad}: {refused:?}"
        );
    }
}

#[test]
fn a_breaking_edit_is_refused_with_its_line_and_writes_nothing() {
    let dir = corpus();
    let mut editor = open(&dir);
    editor
        .add_example("bill_explain", Lang::Fr, "   ")
        .expect("applied in memory");
    let error = editor.commit().expect_err("blank example refused");
    let message = error.to_string();
    assert!(
        message.contains("billing.toml:13: empty example"),
        "{message}"
    );
    assert_eq!(read(dir.path(), "billing.toml"), BILLING);

    let mut editor = open(&dir);
    let mut bad = new_intent("Bad-Id");
    bad.examples.clear();
    editor
        .new_intent("billing", &bad)
        .expect("applied in memory");
    let message = editor.commit().expect_err("refused").to_string();
    assert!(
        message.contains("billing.toml:24: invalid intent id"),
        "{message}"
    );
    assert_eq!(read(dir.path(), "billing.toml"), BILLING);
    let leftovers: Vec<_> = fs::read_dir(dir.path()).expect("list").collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");

    fs::write(dir.path().join("broken.toml"), "[[intent]\n").expect("write broken");
    let message = Editor::open(dir.path())
        .expect_err("broken corpus")
        .to_string();
    assert!(
        message.contains("broken.toml:1: TOML syntax error"),
        "{message}"
    );
}

#[test]
fn a_file_changed_on_disk_is_not_overwritten() {
    let dir = corpus();
    let mut editor = open(&dir);
    editor
        .add_example("payment", Lang::En, "pay by card")
        .expect("add");
    let theirs = BILLING.replace("Paying", "Paying a bill");
    fs::write(dir.path().join("billing.toml"), &theirs).expect("concurrent edit");
    assert!(matches!(editor.commit(), Err(EditError::Changed(_))));
    assert_eq!(read(dir.path(), "billing.toml"), theirs);
}

#[test]
fn the_locator_finds_values_by_line() {
    let dir = corpus();
    let editor = open(&dir);
    let locator = editor.snapshot().locator();
    let line = |field| locator.locate("bill_explain", field).map(|l| l.line);
    assert_eq!(line(Field::Keyword(0)), Some(6));
    assert_eq!(line(Field::Pattern(0)), Some(7));
    assert_eq!(line(Field::Example(Lang::Fr, 1)), Some(12));
    assert_eq!(line(Field::Answers(Lang::Fr)), Some(16));
    assert_eq!(line(Field::Example(Lang::En, 0)), None);
    let payment = locator.locate("payment", Field::Example(Lang::En, 0));
    assert_eq!(payment.map(|l| l.line), Some(21));
}
