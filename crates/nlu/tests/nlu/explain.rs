//! Explanations.
//!
//! Properties checked:
//! 1. every candidate of the result gets its evidence, in the same order;
//! 2. evidence names the words, keywords and patterns that drove the score, with signs;
//! 3. the strongest evidence comes first.

use super::fixtures::energy_matcher;

#[test]
fn evidence_follows_candidates() {
    let m = energy_matcher();
    let (result, explanation) = m.explain("je veux 12 kva pour mon abonnement");
    let intents: Vec<&String> = result.candidates.iter().map(|c| &c.intent).collect();
    let explained: Vec<&String> = explanation.evidence.iter().map(|(i, _)| i).collect();
    assert_eq!(intents, explained);
    let (top, evidence) = &explanation.evidence[0];
    assert_eq!(top, "subscription_power");
    let kinds: Vec<&str> = evidence.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains(&"pattern"), "{evidence:?}");
    assert!(kinds.contains(&"keyword"), "{evidence:?}");
    assert!(evidence.iter().any(|e| e.feature == "12 kva"));
    assert!(
        evidence
            .windows(2)
            .all(|w| w[0].weight.abs() >= w[1].weight.abs())
    );
}

#[test]
fn words_drive_learned_scores() {
    let m = energy_matcher();
    let (_, explanation) = m.explain("coupure de courant");
    let (top, evidence) = &explanation.evidence[0];
    assert_eq!(top, "power_outage");
    let positive: Vec<&str> = evidence
        .iter()
        .filter(|e| e.weight > 0.0)
        .map(|e| e.feature.as_str())
        .collect();
    assert!(
        positive
            .iter()
            .any(|f| f.contains("courant") || f.contains("coupur")),
        "{evidence:?}"
    );
}
