//! The normaliser and the matcher, trained once on the demo corpus (`intents/`): any utterance
//! gets a well-formed result, and `explain` agrees with `match_text` on it.
#![no_main]

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use relais_nlu::{Decision, Matcher, OUT_OF_SCOPE_INTENT};

/// Most candidates a result lists (the matcher's documented "handful").
const MAX_CANDIDATES: usize = 5;

/// The demo corpus's matcher, trained on first use (about a second) and shared by every run.
fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../intents");
        // A broken demo corpus is a setup fault, not a finding: stop with the loader's report.
        let corpus = relais_corpus::load_dir(&dir).unwrap_or_else(|err| panic!("{err}"));
        Matcher::train(&corpus.spec).unwrap_or_else(|err| panic!("{err}"))
    })
}

fuzz_target!(|data: &[u8]| {
    // Utterances reach the matcher as text (a websocket text frame, decoded JSON).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = relais_nlu::normalize::normalize(text);
    let _ = relais_nlu::lang::detect(text);

    let matcher = matcher();
    let result = matcher.match_text(text);
    let (explained, explanation) = matcher.explain(text);
    assert_eq!(result, explained, "explain disagrees with match_text");

    assert!(result.candidates.len() <= MAX_CANDIDATES, "{result:?}");
    let mut seen = HashSet::new();
    for candidate in &result.candidates {
        assert!(
            (0.0..=1.0).contains(&candidate.confidence),
            "confidence out of [0, 1]: {result:?}"
        );
        assert_ne!(candidate.intent, OUT_OF_SCOPE_INTENT);
        assert!(matcher.intents().contains(&candidate.intent), "{result:?}");
        assert!(
            seen.insert(&candidate.intent),
            "repeated candidate: {result:?}"
        );
    }
    let confidences: Vec<f32> = result.candidates.iter().map(|c| -c.confidence).collect();
    assert!(confidences.is_sorted(), "candidates not ranked: {result:?}");
    if result.decision == Decision::Match {
        assert!(result.top().is_some(), "a match without a candidate");
    }

    let explained_intents: Vec<&String> = explanation.evidence.iter().map(|(i, _)| i).collect();
    let candidates: Vec<&String> = result.candidates.iter().map(|c| &c.intent).collect();
    assert_eq!(
        explained_intents, candidates,
        "explanation is not about the candidates"
    );
    for (_, evidence) in &explanation.evidence {
        assert!(
            evidence.iter().all(|e| e.weight.is_finite()),
            "{explanation:?}"
        );
    }
});
