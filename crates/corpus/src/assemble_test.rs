//! Building a corpus from several files. Properties checked:
//!
//! 1. A valid multi-file corpus loads into the expected spec, answers, dialogue and locations.
//! 2. Problems of every file come back together, sorted by file then line.
//! 3. Cross-file problems name both places: duplicate intent ids, one answer given twice.
//! 4. Main topics must name intents labelled in every language; unknown topics are not reported
//!    when some intent file did not parse (its intents are unknown, so the check would accuse
//!    valid topics).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use relais_nlu::{Lang, MatchConfig, SynonymSet};

use super::from_sources;
use crate::error::ErrorKind;
use crate::location::Location;
use crate::model::{Answer, DialogueConfig, SourceFile};

fn source(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: PathBuf::from(path),
        text: text.to_string(),
    }
}

fn at(path: &str, line: usize) -> Location {
    Location {
        file: PathBuf::from(path),
        line,
    }
}

const CONFIG: &str = r#"[matcher]
oos_threshold = 0.5

[dialogue]
default_lang = "en"
main_topics = [
  "bill_explain",
  "greeting",
]

[[synonyms]]
canonical = "kva"
variants = ["kilovoltampere"]
"#;

const BILLING: &str = r#"[[intent]]
id = "bill_explain"
description = "Understanding a bill"
labels = { fr = "Ma facture", en = "My bill" }
answer = "bill_faq"
[intent.examples]
fr = ["je ne comprends pas ma facture"]
en = ["explain my bill"]
[intent.answers]
fr = ["Votre facture comprend..."]

[[intent]]
id = "bill_copy"
description = "A copy of a bill"
answer = "bill_faq"
[intent.examples]
en = ["send me a copy of my bill"]
[intent.answers]
en = ["Here is how to read it..."]
"#;

const SMALLTALK: &str = r#"[[intent]]
id = "greeting"
description = "Hello"
labels = { fr = "Bonjour", en = "Hello" }
keywords = ["bonjour", "hello"]
"#;

#[test]
fn a_valid_corpus_loads_into_the_expected_spec() {
    let corpus = from_sources(
        Some(&source("c/relais.toml", CONFIG)),
        &[
            source("c/billing.toml", BILLING),
            source("c/smalltalk.toml", SMALLTALK),
        ],
    )
    .expect("valid corpus");

    let ids: Vec<_> = corpus.spec.intents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["bill_explain", "bill_copy", "greeting"]);
    assert_eq!(corpus.spec.intents[0].examples.len(), 2);
    assert_eq!(corpus.spec.intents[2].keywords, ["bonjour", "hello"]);
    assert_eq!(
        corpus.spec.config,
        MatchConfig {
            oos_threshold: 0.5,
            ..MatchConfig::default()
        }
    );
    assert_eq!(
        corpus.spec.synonyms,
        [SynonymSet {
            canonical: "kva".to_string(),
            variants: vec!["kilovoltampere".to_string()],
        }]
    );
    assert_eq!(
        corpus.dialogue,
        DialogueConfig {
            misunderstandings_before_handoff: 2,
            default_lang: Lang::En,
            main_topics: vec!["bill_explain".to_string(), "greeting".to_string()],
        }
    );
    // Two intents share the `bill_faq` answer, each giving one language.
    assert_eq!(
        corpus.answers,
        [
            Answer {
                key: "bill_faq".to_string(),
                lang: Lang::Fr,
                variants: vec!["Votre facture comprend...".to_string()],
            },
            Answer {
                key: "bill_faq".to_string(),
                lang: Lang::En,
                variants: vec!["Here is how to read it...".to_string()],
            },
        ]
    );
    assert_eq!(
        corpus
            .answer("bill_faq", Lang::En)
            .map(|a| a.variants.len()),
        Some(1)
    );
    assert_eq!(
        corpus.locations,
        BTreeMap::from([
            ("bill_explain".to_string(), at("c/billing.toml", 1)),
            ("bill_copy".to_string(), at("c/billing.toml", 12)),
            ("greeting".to_string(), at("c/smalltalk.toml", 1)),
        ])
    );
    assert_eq!(
        corpus.location("greeting"),
        Some(&at("c/smalltalk.toml", 1))
    );
}

#[test]
fn without_relais_toml_the_defaults_apply() {
    let corpus = from_sources(None, &[source("smalltalk.toml", SMALLTALK)]).expect("valid");
    assert_eq!(corpus.spec.config, MatchConfig::default());
    assert_eq!(corpus.dialogue, DialogueConfig::default());
    assert!(corpus.spec.synonyms.is_empty());
    assert!(corpus.answers.is_empty());
}

#[test]
fn duplicate_ids_across_files_name_both_places() {
    let errors = from_sources(
        None,
        &[
            source("a.toml", SMALLTALK),
            source("b.toml", &format!("\n\n{SMALLTALK}")),
        ],
    )
    .expect_err("duplicate id");
    assert_eq!(errors.len(), 1);
    let error = &errors.errors()[0];
    assert_eq!(
        (error.file.as_path(), error.line),
        (PathBuf::from("b.toml").as_path(), Some(3))
    );
    assert_eq!(
        error.kind,
        ErrorKind::DuplicateIntent {
            id: "greeting".to_string(),
            first: at("a.toml", 1),
        }
    );
    assert_eq!(
        error.to_string(),
        "b.toml:3: intent `greeting` is already defined at a.toml:1"
    );
}

#[test]
fn one_answer_given_twice_in_a_language_is_reported() {
    let other = r#"[[intent]]
id = "bill_amount"
description = "How much"
answer = "bill_faq"
[intent.examples]
fr = ["combien je dois"]
[intent.answers]
fr = ["Autre réponse"]
"#;
    let errors = from_sources(
        None,
        &[source("billing.toml", BILLING), source("more.toml", other)],
    )
    .expect_err("answer given twice");
    assert_eq!(errors.len(), 1);
    let error = &errors.errors()[0];
    assert_eq!(error.file, PathBuf::from("more.toml"));
    assert_eq!(error.line, Some(1));
    assert_eq!(
        error.kind,
        ErrorKind::DuplicateAnswer {
            key: "bill_faq".to_string(),
            lang: Lang::Fr,
            by: "bill_explain".to_string(),
            first: at("billing.toml", 1),
        }
    );
}

#[test]
fn unknown_main_topics_are_reported_at_their_line() {
    let errors = from_sources(
        Some(&source("relais.toml", CONFIG)),
        &[source("smalltalk.toml", SMALLTALK)],
    )
    .expect_err("bill_explain is not defined");
    assert_eq!(errors.len(), 1);
    let error = &errors.errors()[0];
    assert_eq!(error.file, PathBuf::from("relais.toml"));
    assert_eq!(error.line, Some(7));
    assert_eq!(
        error.kind,
        ErrorKind::UnknownMainTopic("bill_explain".to_string())
    );
}

#[test]
fn main_topics_need_a_label_in_every_language() {
    let half_labelled = SMALLTALK.replace(", en = \"Hello\"", "");
    let errors = from_sources(
        Some(&source(
            "relais.toml",
            "[dialogue]\nmain_topics = [\"greeting\"]\n",
        )),
        &[source("smalltalk.toml", &half_labelled)],
    )
    .expect_err("greeting has no English label");
    assert_eq!(errors.len(), 1, "{errors}");
    let error = &errors.errors()[0];
    assert_eq!(
        (error.file.as_path(), error.line),
        (Path::new("relais.toml"), Some(2))
    );
    assert_eq!(
        error.kind,
        ErrorKind::MainTopicWithoutLabel {
            topic: "greeting".to_string(),
            lang: Lang::En,
        }
    );
}

#[test]
fn main_topics_are_not_checked_when_an_intent_file_does_not_parse() {
    let errors = from_sources(
        Some(&source("relais.toml", CONFIG)),
        &[
            source("billing.toml", "[[intent]\n"),
            source("smalltalk.toml", SMALLTALK),
        ],
    )
    .expect_err("syntax error");
    let kinds: Vec<_> = errors.errors().iter().map(|e| &e.kind).collect();
    assert_eq!(kinds.len(), 1, "{errors}");
    assert!(matches!(kinds[0], ErrorKind::Syntax(_)));
}

#[test]
fn problems_of_every_file_are_reported_together_in_order() {
    let errors = from_sources(
        Some(&source(
            "c/relais.toml",
            "[dialogue]\ndefault_lang = \"xx\"\n",
        )),
        &[
            source(
                "c/billing.toml",
                "[[intent]]\nid = \"a\"\ndescription = \"d\"\n",
            ),
            source(
                "c/smalltalk.toml",
                "[[intent]]\nid = \"B\"\ndescription = \"d\"\nkeywords = [\"k\"]\n",
            ),
        ],
    )
    .expect_err("three files with problems");
    let display = errors.to_string();
    let lines: Vec<_> = display.lines().collect();
    assert_eq!(lines.len(), 3, "{display}");
    assert!(lines[0].starts_with("c/billing.toml:1: intent `a` has neither"));
    assert!(lines[1].starts_with("c/relais.toml:2: unknown language \"xx\""));
    assert!(lines[2].starts_with("c/smalltalk.toml:2: invalid intent id \"B\""));
}
