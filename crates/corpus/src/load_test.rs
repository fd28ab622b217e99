//! Loading a corpus directory from disk. Properties checked:
//!
//! 1. Intent files are the `*.toml` files directly in the directory, read in name order;
//!    `relais.toml`, subdirectories (the reserved `tests/`) and other files are not intents.
//! 2. Problems are reported under the path the directory was given with.
//! 3. A file that is not UTF-8 is reported with its name and line, next to other files' problems.
//! 4. A missing or empty directory is an error, not a panic nor an empty corpus.

use std::fs;
use std::path::Path;

use super::load_dir;
use crate::error::ErrorKind;

fn intent(id: &str) -> String {
    format!(
        "[[intent]]\nid = \"{id}\"\ndescription = \"d\"\nkeywords = [\"{id}\"]\n\
         labels = {{ fr = \"{id}\", en = \"{id}\" }}\n"
    )
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent directory");
    }
    fs::write(path, text).expect("write fixture file");
}

#[test]
fn reads_toml_files_in_name_order_and_skips_the_rest() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "zeta.toml", intent("zeta"));
    write(dir.path(), "alpha.toml", intent("alpha"));
    write(
        dir.path(),
        "relais.toml",
        "[dialogue]\nmain_topics = [\"zeta\"]\n",
    );
    write(dir.path(), "README.md", "not toml");
    write(dir.path(), "notes.toml.bak", "not = [valid");
    write(dir.path(), "tests/conversation.toml", "anything = 1\n");
    fs::create_dir(dir.path().join("nested.toml")).expect("create directory named .toml");

    let corpus = load_dir(dir.path()).expect("valid corpus");
    let ids: Vec<_> = corpus.spec.intents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["alpha", "zeta"]);
    assert_eq!(corpus.dialogue.main_topics, ["zeta"]);
    let location = corpus.location("zeta").expect("zeta has a location");
    assert_eq!(location.file, dir.path().join("zeta.toml"));
    assert_eq!(location.line, 1);
}

#[test]
fn a_non_utf8_file_is_reported_with_its_line_among_other_problems() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.toml", intent("a"));
    let mut latin1 = intent("b").into_bytes();
    latin1.extend_from_slice(b"# caf\xe9\n");
    write(dir.path(), "b.toml", latin1);
    write(dir.path(), "c.toml", "[[intent]]\nid = \"c\"\n");

    let errors = load_dir(dir.path()).expect_err("problems");
    let found: Vec<_> = errors
        .errors()
        .iter()
        .map(|e| {
            (
                e.file
                    .strip_prefix(dir.path())
                    .expect("inside dir")
                    .to_path_buf(),
                e.line,
                e.kind.clone(),
            )
        })
        .collect();
    assert_eq!(found.len(), 2, "{errors}");
    assert_eq!(found[0], ("b.toml".into(), Some(6), ErrorKind::NotUtf8));
    assert_eq!(found[1].0, Path::new("c.toml"));
    assert!(matches!(
        found[1].2,
        ErrorKind::MissingKey {
            key: "description",
            ..
        }
    ));
}

#[test]
fn a_missing_directory_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("nope");
    let errors = load_dir(&missing).expect_err("missing directory");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.errors()[0].file, missing);
    assert!(matches!(errors.errors()[0].kind, ErrorKind::Io(_)));
}

#[test]
fn a_directory_without_intent_files_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "relais.toml", "");
    let errors = load_dir(dir.path()).expect_err("no intent file");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors.errors()[0].kind, ErrorKind::NoIntentFile);
    assert_eq!(errors.errors()[0].line, None);
}
