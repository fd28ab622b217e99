//! `relais_corpus::parse_file` on one intent file: every input gives intents or a list of
//! one-line problems at real lines of the file; an accepted intent keeps the format's rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_fuzz::{check_corpus_errors, check_line};

const PATH: &str = "intents/fuzz.toml";

fuzz_target!(|data: &[u8]| {
    // The loader reports non-UTF-8 files itself before parsing (`load_dir`); parsing takes text.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match relais_corpus::parse_file(PATH, text) {
        Ok(file) => {
            for intent in &file.intents {
                assert_eq!(intent.location.file.as_os_str(), PATH);
                check_line(Some(intent.location.line), text, &intent.spec.id);
                let id_ok = !intent.spec.id.is_empty()
                    && intent
                        .spec
                        .id
                        .bytes()
                        .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
                assert!(id_ok, "accepted intent id {:?}", intent.spec.id);
                assert!(
                    !intent.spec.examples.is_empty() || !intent.spec.keywords.is_empty(),
                    "accepted intent {:?} has neither examples nor keywords",
                    intent.spec.id
                );
            }
        }
        Err(errors) => check_corpus_errors(&errors, &[(PATH, text)]),
    }
});
