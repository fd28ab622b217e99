//! Reading `relais.toml`. Properties checked:
//!
//! 1. Absent tables and keys keep their documented defaults.
//! 2. Every setting is read, integers are accepted where numbers are expected.
//! 3. Out-of-range values, unknown languages, unknown keys and malformed synonyms are reported
//!    at the line of the value at fault, all at once.

use std::path::Path;

use relais_nlu::{Lang, MatchConfig, SynonymSet};

use super::read;
use crate::error::ErrorKind;
use crate::model::DialogueConfig;

/// `(line, kind)` of every problem of `text` read as `relais.toml`, in line order.
fn problems(text: &str) -> Vec<(Option<usize>, ErrorKind)> {
    let (_, mut errors) = read(Path::new("relais.toml"), text);
    errors.sort_by_key(|error| error.line);
    errors
        .into_iter()
        .map(|error| {
            assert_eq!(error.file, Path::new("relais.toml"));
            (error.line, error.kind)
        })
        .collect()
}

#[test]
fn an_empty_file_keeps_the_defaults() {
    let (config, errors) = read(Path::new("relais.toml"), "# defaults\n");
    assert!(errors.is_empty());
    assert_eq!(config.matcher, MatchConfig::default());
    assert_eq!(config.dialogue, DialogueConfig::default());
    assert!(config.synonyms.is_empty());
}

#[test]
fn every_setting_is_read() {
    let text = r#"
[matcher]
oos_threshold = 0.4
ambiguity_margin = 0

[dialogue]
misunderstandings_before_handoff = 3
default_lang = "en"
main_topics = ["bill_explain", "move_house"]

[[synonyms]]
canonical = "kva"
variants = ["kilovoltampere", "kilo volt ampere"]

[[synonyms]]
canonical = "facture"
variants = ["facturation"]
"#;
    let (config, errors) = read(Path::new("relais.toml"), text);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        config.matcher,
        MatchConfig {
            oos_threshold: 0.4,
            ambiguity_margin: 0.0
        }
    );
    assert_eq!(
        config.dialogue,
        DialogueConfig {
            misunderstandings_before_handoff: 3,
            default_lang: Lang::En,
            main_topics: vec!["bill_explain".to_string(), "move_house".to_string()],
        }
    );
    let lines: Vec<_> = config.main_topics.iter().map(|t| t.line).collect();
    assert_eq!(lines, [9, 9]);
    assert_eq!(
        config.synonyms,
        [
            SynonymSet {
                canonical: "kva".to_string(),
                variants: vec!["kilovoltampere".to_string(), "kilo volt ampere".to_string()],
            },
            SynonymSet {
                canonical: "facture".to_string(),
                variants: vec!["facturation".to_string()],
            },
        ]
    );
}

#[test]
fn bad_settings_are_all_reported_at_their_lines() {
    let text = r#"[matcher]
oos_threshold = 1.5
ambiguity_margin = "small"
temperature = 2

[dialogue]
misunderstandings_before_handoff = 0
default_lang = "de"
main_topics = "bill_explain"
"#;
    let out_of_range = |key: &str, value: &str, range| ErrorKind::OutOfRange {
        key: key.to_string(),
        value: value.to_string(),
        range,
    };
    let all = problems(text);
    assert_eq!(all.len(), 6, "{all:?}");
    assert_eq!(
        all[0],
        (
            Some(2),
            out_of_range("matcher.oos_threshold", "1.5", "0 to 1")
        )
    );
    assert_eq!(
        all[1],
        (
            Some(3),
            ErrorKind::WrongType {
                key: "matcher.ambiguity_margin".to_string(),
                expected: "a number",
                found: "string"
            }
        )
    );
    assert_eq!(all[2].0, Some(4));
    assert!(
        matches!(&all[2].1, ErrorKind::UnknownKey { key, table, .. } if key == "temperature" && table == "[matcher]")
    );
    assert_eq!(
        all[3],
        (
            Some(7),
            out_of_range(
                "dialogue.misunderstandings_before_handoff",
                "0",
                "at least 1"
            )
        )
    );
    assert_eq!(all[4], (Some(8), ErrorKind::UnknownLang("de".to_string())));
    assert_eq!(all[5].0, Some(9));
    assert!(matches!(&all[5].1, ErrorKind::WrongType { key, .. } if key == "dialogue.main_topics"));
}

#[test]
fn unknown_top_level_tables_are_reported() {
    let all = problems("[server]\nport = 80\n");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].0, Some(1));
    assert!(matches!(&all[0].1, ErrorKind::UnknownKey { key, .. } if key == "server"));
}

#[test]
fn malformed_synonyms_are_reported() {
    let text = r#"[[synonyms]]
variants = ["a"]

[[synonyms]]
canonical = "kva"
variants = []

[[synonyms]]
canonical = "compteur"
variants = ["linky", ""]

[[synonyms]]
canonical = "electricite"
variants = ["courant", "linky"]
"#;
    assert_eq!(
        problems(text),
        [
            (
                Some(1),
                ErrorKind::MissingKey {
                    key: "canonical",
                    table: "[[synonyms]]".to_string()
                }
            ),
            (Some(4), ErrorKind::Empty("variants list")),
            (Some(10), ErrorKind::Empty("synonym variant")),
            (
                Some(14),
                ErrorKind::DuplicateSynonym {
                    variant: "linky".to_string(),
                    canonical: "compteur".to_string(),
                    first_line: 8
                }
            ),
        ]
    );
}

#[test]
fn a_syntax_error_keeps_the_defaults_and_reports_its_line() {
    let (config, errors) = read(Path::new("relais.toml"), "[matcher]\noos_threshold = \n");
    assert_eq!(config.matcher, MatchConfig::default());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, Some(2));
    assert!(matches!(errors[0].kind, ErrorKind::Syntax(_)));
}
