//! The whole corpus path, `relais_corpus::from_sources`: a `relais.toml` and intent files in,
//! a corpus or one-line problems at real lines out. A corpus it accepts keeps its documented
//! shape and trains: the loader's checks (patterns above all) are the ones the matcher needs.
//!
//! Input layout: files separated by NUL bytes (which TOML text cannot hold, so no file loses
//! anything); the first is `relais.toml` (none when empty), the next ones intent files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_corpus::SourceFile;
use relais_fuzz::{check_corpus_errors, check_line};
use relais_nlu::{Lang, Matcher, TrainError};

/// More files add nothing the cross-file checks do not already see with a few.
const MAX_INTENT_FILES: usize = 4;
/// Training runs on small accepted corpora only, to keep executions fast.
const MAX_TRAINED_TEXTS: usize = 40;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let config = parts
        .next()
        .filter(|config| !config.is_empty())
        .map(|config| SourceFile {
            path: "intents/relais.toml".into(),
            text: config.to_owned(),
        });
    let files: Vec<SourceFile> = parts
        .take(MAX_INTENT_FILES)
        .enumerate()
        .map(|(i, text)| SourceFile {
            path: format!("intents/f{i}.toml").into(),
            text: text.to_owned(),
        })
        .collect();
    let sources: Vec<(&str, &str)> = config
        .iter()
        .chain(&files)
        .map(|f| (f.path.to_str().unwrap_or_default(), f.text.as_str()))
        .collect();

    let corpus = match relais_corpus::from_sources(config.as_ref(), &files) {
        Ok(corpus) => corpus,
        Err(errors) => return check_corpus_errors(&errors, &sources),
    };
    for intent in &corpus.spec.intents {
        let location = corpus
            .location(&intent.id)
            .unwrap_or_else(|| panic!("intent {:?} has no location", intent.id));
        let (_, text) = sources
            .iter()
            .find(|(path, _)| location.file.as_os_str() == *path)
            .unwrap_or_else(|| panic!("{location}: names no given file"));
        check_line(Some(location.line), text, &intent.id);
    }
    let keys: Vec<(&str, Lang)> = corpus
        .answers
        .iter()
        .map(|a| (a.key.as_str(), a.lang))
        .collect();
    assert!(keys.is_sorted(), "answers not sorted: {keys:?}");
    assert!(
        corpus.answers.iter().all(|a| !a.variants.is_empty()),
        "answer without variant"
    );
    for topic in &corpus.dialogue.main_topics {
        let intent = corpus.spec.intents.iter().find(|i| &i.id == topic);
        let labelled = intent.is_some_and(|i| Lang::ALL.iter().all(|l| i.labels.contains_key(l)));
        assert!(labelled, "main topic {topic:?} is not a labelled intent");
    }

    let texts: usize = corpus
        .spec
        .intents
        .iter()
        .map(|i| i.examples.len() + i.keywords.len())
        .sum();
    if texts <= MAX_TRAINED_TEXTS {
        match Matcher::train(&corpus.spec) {
            Ok(_) | Err(TrainError::Empty) => {}
            Err(err) => panic!("the loader accepted a corpus the matcher cannot train: {err}"),
        }
    }
});
