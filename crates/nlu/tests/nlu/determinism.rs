//! Determinism.
//!
//! Properties checked:
//! 1. training the same corpus twice gives the same answers, bit for bit;
//! 2. explanations are identical too;
//! 3. matching the same text twice on one matcher gives the same result.

use super::fixtures::{energy, energy_matcher};
use relais_nlu::Matcher;

const PROBES: &[&str] = &[
    "ma facture est trop chère",
    "9 kva",
    "I am moving house",
    "plus de courant",
    "quel temps fait-il à Paris",
    "",
];

#[test]
fn same_corpus_same_model() {
    let a = energy_matcher();
    let b = match Matcher::train(&energy()) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(a.temperature().to_bits(), b.temperature().to_bits());
    for text in PROBES {
        assert_eq!(a.match_text(text), b.match_text(text), "{text}");
        assert_eq!(a.explain(text), b.explain(text), "{text}");
    }
}

#[test]
fn same_text_same_answer() {
    let m = energy_matcher();
    for text in PROBES {
        assert_eq!(m.match_text(text), m.match_text(text));
    }
}
