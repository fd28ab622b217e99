//! Checks shared by the fuzz targets in `fuzz_targets/`: the properties every input must keep,
//! beyond "does not panic". Each one is a promise a crate's docs make; a violation panics,
//! which libFuzzer reports as a crash with the input that caused it.
//!
//! The targets run under cargo-fuzz only (`scripts/fuzz.sh`); this crate is not a member of
//! the workspace and is never linked into Relais itself.

use relais_corpus::CorpusErrors;
use relais_server::ErrorCode;

/// Longest message an `error` frame may carry, in characters: whatever a client sends, the
/// server answers with a short explanation, not with a copy of the input.
pub const MAX_ERROR_MESSAGE_CHARS: usize = 300;

/// Checks an `error` frame sent back for a refused frame: valid JSON of type `error` with the
/// expected code, a caller-mistake code (internal faults cannot come from decoding alone) and a
/// short message.
pub fn check_error_frame(frame: &str, code: ErrorCode) {
    let value: serde_json::Value =
        serde_json::from_str(frame).unwrap_or_else(|err| panic!("error frame is not JSON: {err}"));
    assert_eq!(value["type"], "error", "{frame}");
    assert_eq!(value["code"], code.as_str(), "{frame}");
    assert_ne!(
        code,
        ErrorCode::Internal,
        "decoding alone gave an internal error: {frame}"
    );
    let message = value["message"]
        .as_str()
        .unwrap_or_else(|| panic!("no message: {frame}"));
    let chars = message.chars().count();
    assert!(
        chars <= MAX_ERROR_MESSAGE_CHARS,
        "error message of {chars} characters (limit {MAX_ERROR_MESSAGE_CHARS})"
    );
}

/// Checks the problems reported for corpus files `sources` (path, text): each names one of the
/// files, sits on one of its lines (or on the line after a final newline), fits on one line
/// as `relais_corpus` documents, and the list is sorted by file then line.
pub fn check_corpus_errors(errors: &CorpusErrors, sources: &[(&str, &str)]) {
    assert!(!errors.is_empty(), "an error list is never empty");
    for error in errors {
        let text = sources
            .iter()
            .find(|(path, _)| error.file.as_os_str() == *path)
            .map(|(_, text)| *text)
            .unwrap_or_else(|| panic!("{error}: names no given file"));
        check_line(error.line, text, &error.to_string());
        assert!(
            error.column.is_none_or(|column| column >= 1),
            "{error}: column 0"
        );
        assert!(
            !error.to_string().contains('\n'),
            "multi-line problem: {error:?}"
        );
    }
    let order: Vec<_> = errors.errors().iter().map(|e| (&e.file, e.line)).collect();
    assert!(order.is_sorted(), "problems not sorted: {order:?}");
}

/// Checks that `line`, when given, is a line of `text` (counted from 1; the line after a final
/// newline counts, as editors show it).
pub fn check_line(line: Option<usize>, text: &str, what: &str) {
    if let Some(line) = line {
        let lines = text.matches('\n').count() + 1;
        assert!(
            (1..=lines).contains(&line),
            "{what}: line {line} of {lines}"
        );
    }
}
