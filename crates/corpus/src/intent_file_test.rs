//! Reading one intent file. Properties checked:
//!
//! 1. Every field of a valid intent lands in the spec, with the `[[intent]]` line as location.
//! 2. `[intent.examples]` sections, inline tables and dotted keys read the same.
//! 3. Each kind of problem is reported with its file, the line of the value at fault and its cause.
//! 4. All problems of a file come back together, in line order.
//! 5. Whole-intent checks (no example and no keyword, answers without examples) do not pile
//!    onto an intent that already has an error.

use std::collections::BTreeMap;
use std::path::PathBuf;

use relais_nlu::{Example, Lang};

use super::parse_file;
use crate::error::ErrorKind;

/// `(line, kind)` of every problem in `text`, read as `billing.toml`; panics if there is none.
fn problems(text: &str) -> Vec<(Option<usize>, ErrorKind)> {
    let errors = parse_file("billing.toml", text).expect_err("the file should have problems");
    errors
        .errors()
        .iter()
        .map(|error| {
            assert_eq!(error.file, PathBuf::from("billing.toml"));
            (error.line, error.kind.clone())
        })
        .collect()
}

/// The single problem of `text`.
fn problem(text: &str) -> (Option<usize>, ErrorKind) {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "expected exactly one problem, got {all:?}");
    all.remove(0)
}

const VALID: &str = r#"# Billing intents
[[intent]]
id = "subscription_power"
description = "Which kVA power level to choose"
skill = "technical"
answer = "power_faq"
labels = { fr = "Puissance du compteur", en = "Meter power (kVA)" }
keywords = ["kva", "puissance"]
patterns = ['(?P<kva>\d{1,2})\s*kva']

[intent.examples]
fr = ["quelle puissance choisir", "passer en 9 kva"]
en = ["which power level do I need"]

[intent.answers]
fr = ["Variante 1", "Variante 2"]
en = ["Variant 1"]

[[intent]]
id = "greeting"
description = "Hello"
keywords = ["bonjour"]
"#;

#[test]
fn a_valid_intent_keeps_every_field() {
    let contents = parse_file("billing.toml", VALID).expect("valid file");
    assert_eq!(contents.intents.len(), 2);
    let intent = &contents.intents[0];
    assert_eq!(intent.location.file, PathBuf::from("billing.toml"));
    assert_eq!(intent.location.line, 2);
    let spec = &intent.spec;
    assert_eq!(spec.id, "subscription_power");
    assert_eq!(spec.description, "Which kVA power level to choose");
    assert_eq!(spec.skill.as_deref(), Some("technical"));
    assert_eq!(spec.answer_key(), "power_faq");
    assert_eq!(
        spec.labels,
        BTreeMap::from([
            (Lang::Fr, "Puissance du compteur".to_string()),
            (Lang::En, "Meter power (kVA)".to_string()),
        ])
    );
    assert_eq!(spec.keywords, ["kva", "puissance"]);
    assert_eq!(spec.patterns, [r"(?P<kva>\d{1,2})\s*kva"]);
    let example = |text: &str, lang| Example {
        text: text.to_string(),
        lang: Some(lang),
    };
    assert_eq!(
        spec.examples,
        [
            example("quelle puissance choisir", Lang::Fr),
            example("passer en 9 kva", Lang::Fr),
            example("which power level do I need", Lang::En),
        ]
    );
    assert_eq!(intent.answers[&Lang::Fr], ["Variante 1", "Variante 2"]);
    assert_eq!(intent.answers[&Lang::En], ["Variant 1"]);

    let greeting = &contents.intents[1];
    assert_eq!(greeting.location.line, 19);
    assert_eq!(greeting.spec.answer_key(), "greeting");
    assert!(greeting.spec.skill.is_none());
    assert!(greeting.answers.is_empty());
}

#[test]
fn sections_inline_tables_and_dotted_keys_read_the_same() {
    let header = "[[intent]]\nid = \"a\"\ndescription = \"d\"\n";
    let section = format!("{header}[intent.examples]\nfr = [\"bonjour\"]\nen = [\"hello\"]\n");
    let inline = format!("{header}examples = {{ fr = [\"bonjour\"], en = [\"hello\"] }}\n");
    let dotted = format!("{header}examples.fr = [\"bonjour\"]\nexamples.en = [\"hello\"]\n");
    let read = |text: &str| parse_file("a.toml", text).expect("valid file").intents;
    assert_eq!(read(&section), read(&inline));
    assert_eq!(read(&section), read(&dotted));
    assert_eq!(read(&section)[0].spec.examples.len(), 2);
}

#[test]
fn an_empty_file_defines_no_intent() {
    let contents = parse_file("empty.toml", "# nothing yet\n").expect("valid file");
    assert!(contents.intents.is_empty());
}

#[test]
fn syntax_errors_give_line_and_column() {
    let errors = parse_file(
        "billing.toml",
        "[[intent]]\nid = \"a\"\nkeywords = [\"a\",\n  \"b\"\n",
    )
    .expect_err("unterminated array");
    let error = &errors.errors()[0];
    assert_eq!(errors.len(), 1);
    assert_eq!(error.line, Some(5));
    assert!(error.column.is_some());
    assert!(matches!(error.kind, ErrorKind::Syntax(_)), "{error}");
    assert!(!error.to_string().contains('\n'));
}

#[test]
fn duplicate_keys_are_syntax_errors_at_the_second() {
    let (line, kind) = problem("[[intent]]\nid = \"a\"\nid = \"b\"\n");
    assert_eq!(line, Some(3));
    assert!(matches!(kind, ErrorKind::Syntax(_)));
}

#[test]
fn unknown_keys_are_reported_where_written() {
    let text = "intents = 1\n[[intent]]\nid = \"a\"\ndescription = \"d\"\nkeywords = [\"k\"]\nexemples = []\n";
    let all = problems(text);
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[0].0, Some(1));
    assert!(
        matches!(&all[0].1, ErrorKind::UnknownKey { key, table, .. } if key == "intents" && table == "the file")
    );
    assert_eq!(all[1].0, Some(6));
    assert!(
        matches!(&all[1].1, ErrorKind::UnknownKey { key, table, expected } if key == "exemples" && table == "[[intent]]" && expected.contains("examples"))
    );
}

#[test]
fn unknown_keys_inside_sub_tables_are_reported() {
    let text = "[[intent]]\nid = \"a\"\ndescription = \"d\"\n[intent.examples]\nfr = [\"x\"]\nde = [\"hallo\"]\n";
    assert_eq!(
        problem(text),
        (Some(6), ErrorKind::UnknownLang("de".to_string()))
    );
}

#[test]
fn missing_required_keys_point_at_the_intent_header() {
    let text = "\n[[intent]]\nkeywords = [\"k\"]\n";
    let all = problems(text);
    assert_eq!(
        all,
        [
            (
                Some(2),
                ErrorKind::MissingKey {
                    key: "id",
                    table: "[[intent]]".to_string()
                }
            ),
            (
                Some(2),
                ErrorKind::MissingKey {
                    key: "description",
                    table: "[[intent]]".to_string()
                }
            ),
        ]
    );
}

#[test]
fn wrong_types_name_the_key_and_both_types() {
    let text = r#"[[intent]]
id = "a"
description = 3
keywords = "kva"
patterns = ["ok",
  4]
examples = ["not a table"]
"#;
    let wrong = |key: &str, expected, found| ErrorKind::WrongType {
        key: key.to_string(),
        expected,
        found,
    };
    assert_eq!(
        problems(text),
        [
            (Some(3), wrong("intent.description", "a string", "integer")),
            (
                Some(4),
                wrong("intent.keywords", "an array of strings", "string")
            ),
            (Some(6), wrong("intent.patterns[1]", "a string", "integer")),
            (
                Some(7),
                wrong("intent.examples", "a table of languages (fr, en)", "array")
            ),
        ]
    );
}

#[test]
fn intent_must_be_an_array_of_tables() {
    let (line, kind) = problem("[intent]\nid = \"a\"\n");
    assert_eq!(line, Some(1));
    assert!(
        matches!(kind, ErrorKind::WrongType { ref key, found: "table", .. } if key == "intent"),
        "{kind:?}"
    );
}

#[test]
fn identifiers_allow_only_lowercase_digits_and_underscore() {
    let text = "[[intent]]\nid = \"Bill-Explain\"\ndescription = \"d\"\nskill = \"Billing\"\nanswer = \"\"\nkeywords = [\"k\"]\n";
    let invalid = |what, value: &str| ErrorKind::InvalidIdent {
        what,
        value: value.to_string(),
    };
    assert_eq!(
        problems(text),
        [
            (Some(2), invalid("intent id", "Bill-Explain")),
            (Some(4), invalid("skill", "Billing")),
            (Some(5), invalid("answer key", "")),
        ]
    );
}

#[test]
fn unknown_languages_are_reported_in_every_language_table() {
    let text = r#"[[intent]]
id = "a"
description = "d"
labels = { fr = "A", es = "B" }
[intent.examples]
fr = ["x"]
EN = ["y"]
[intent.answers]
it = ["z"]
"#;
    assert_eq!(
        problems(text),
        [
            (Some(4), ErrorKind::UnknownLang("es".to_string())),
            (Some(7), ErrorKind::UnknownLang("EN".to_string())),
            (Some(9), ErrorKind::UnknownLang("it".to_string())),
        ]
    );
}

#[test]
fn bad_patterns_are_reported_at_their_own_line() {
    let text = r#"[[intent]]
id = "a"
description = "d"
keywords = ["k"]
patterns = [
  '\d+ kva',
  '(?P<kva\d+)',
]
"#;
    let (line, kind) = problem(text);
    assert_eq!(line, Some(7));
    match kind {
        ErrorKind::BadPattern { pattern, cause } => {
            assert_eq!(pattern, r"(?P<kva\d+)");
            assert!(!cause.is_empty() && !cause.contains('\n'), "{cause:?}");
        }
        other => panic!("expected a bad pattern, got {other:?}"),
    }
}

#[test]
fn issue_7_patterns_are_checked_as_the_matcher_compiles_them() {
    // Valid as written, but the matcher folds accents away first: `[f-e]` is a reversed range.
    let text = r#"[[intent]]
id = "a"
description = "d"
keywords = ["k"]
patterns = ['[f-é]']
"#;
    let (line, kind) = problem(text);
    assert_eq!(line, Some(5));
    assert!(
        matches!(&kind, ErrorKind::BadPattern { pattern, .. } if pattern == "[f-é]"),
        "{kind:?}"
    );
}

#[test]
fn blank_texts_are_reported() {
    let text = r#"[[intent]]
id = "a"
description = "  "
labels = { fr = "" }
keywords = ["k", " "]
[intent.examples]
fr = ["ok", ""]
[intent.answers]
fr = []
en = ["\t"]
"#;
    assert_eq!(
        problems(text),
        [
            (Some(3), ErrorKind::Empty("description")),
            (Some(4), ErrorKind::Empty("label")),
            (Some(5), ErrorKind::Empty("keyword")),
            (Some(7), ErrorKind::Empty("example")),
            (
                Some(9),
                ErrorKind::NoAnswerVariant("answers.fr".to_string())
            ),
            (Some(10), ErrorKind::Empty("answer variant")),
            (
                Some(10),
                ErrorKind::NoAnswerVariant("answers.en".to_string())
            ),
        ]
    );
}

#[test]
fn an_intent_needs_an_example_or_a_keyword() {
    let text = "[[intent]]\nid = \"a\"\ndescription = \"d\"\n\n[[intent]]\nid = \"b\"\ndescription = \"d\"\nkeywords = [\"only\"]\n";
    assert_eq!(
        problem(text),
        (Some(1), ErrorKind::Unmatchable("a".to_string()))
    );
}

#[test]
fn answers_need_examples_to_learn_from() {
    let text = "[[intent]]\nid = \"a\"\ndescription = \"d\"\nkeywords = [\"k\"]\n[intent.answers]\nfr = [\"oui\"]\n";
    assert_eq!(
        problem(text),
        (Some(5), ErrorKind::AnswersWithoutExamples("a".to_string()))
    );
}

#[test]
fn whole_intent_checks_do_not_pile_onto_other_errors() {
    // `examples` has the wrong type: that is the one problem, not also "no examples".
    let text = "[[intent]]\nid = \"a\"\ndescription = \"d\"\nexamples = \"bonjour\"\n";
    let (line, kind) = problem(text);
    assert_eq!(line, Some(4));
    assert!(matches!(kind, ErrorKind::WrongType { .. }));
}

#[test]
fn every_problem_of_a_file_is_reported_in_line_order() {
    let text = r#"[[intent]]
id = "ok_one"
description = "fine"
keywords = ["k"]

[[intent]]
id = "Broken"
description = "d"
color = "blue"
patterns = ['(']
[intent.examples]
fr = ["x"]
xx = ["y"]

[[intent]]
id = "empty"
description = "d"
"#;
    let errors = parse_file("billing.toml", text).expect_err("several problems");
    let lines: Vec<_> = errors.errors().iter().map(|e| e.line).collect();
    assert_eq!(
        lines,
        [Some(7), Some(9), Some(10), Some(13), Some(15)],
        "{errors}"
    );
    let display = errors.to_string();
    assert_eq!(display.lines().count(), 5);
    assert!(
        display
            .lines()
            .all(|line| line.starts_with("billing.toml:"))
    );
    assert!(display.contains("billing.toml:15: intent `empty` has neither examples"));
}
