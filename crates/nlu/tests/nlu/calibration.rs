//! Calibration.
//!
//! Properties checked:
//! 1. every confidence is in [0, 1] and candidates are sorted, whatever the input;
//! 2. the candidates' confidences never sum above 1 (they are shares of one distribution);
//! 3. a clear in-corpus utterance is more confident than an unrelated one.

use super::fixtures::energy_matcher;

#[test]
fn confidences_are_probabilities() {
    let m = energy_matcher();
    let long = "facture ".repeat(500);
    for text in [
        "facture",
        "",
        "???",
        "😀😀😀",
        "9999999999 kva kva kva",
        long.as_str(),
        "zzzz qqqq",
    ] {
        let result = m.match_text(text);
        let confidences: Vec<f32> = result.candidates.iter().map(|c| c.confidence).collect();
        assert!(
            confidences.iter().all(|c| (0.0..=1.0).contains(c)),
            "{text}: {confidences:?}"
        );
        assert!(
            confidences.windows(2).all(|w| w[0] >= w[1]),
            "{text}: {confidences:?}"
        );
        assert!(
            confidences.iter().sum::<f32>() <= 1.0 + 1e-5,
            "{text}: {confidences:?}"
        );
    }
}

#[test]
fn clear_utterances_are_more_confident_than_unrelated_ones() {
    let m = energy_matcher();
    let confidence = |text: &str| m.match_text(text).top().map_or(0.0, |c| c.confidence);
    assert!(
        confidence("je ne comprends pas ma facture") > confidence("recette de la tarte aux pommes")
    );
    assert!(confidence("power cut in my street") > confidence("who won the football match"));
}
