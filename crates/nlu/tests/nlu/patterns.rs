//! Keywords, patterns and synonyms.
//!
//! Properties checked:
//! 1. a pattern's named capture becomes an entity on the result, also when the number is glued
//!    to its unit or the unit is written as a synonym;
//! 2. a matched pattern or keyword raises its intent's confidence;
//! 3. an invalid pattern is a training error naming the intent.

use relais_nlu::{Matcher, TrainError};

use super::fixtures::{energy, energy_matcher};

#[test]
fn captures_become_entities() {
    let m = energy_matcher();
    for text in [
        "je voudrais passer à 9 kVA",
        "passer à 9kva",
        "9 kilovolt-ampères svp",
        "9 KILO VOLT AMPÈRE",
    ] {
        let result = m.match_text(text);
        let entity = result.entities.first();
        assert_eq!(
            entity.map(|e| (e.name.as_str(), e.value.as_str())),
            Some(("kva", "9")),
            "{text}"
        );
        assert_eq!(
            entity.map(|e| e.intent.as_str()),
            Some("subscription_power")
        );
        assert_eq!(
            result.top().map(|c| c.intent.as_str()),
            Some("subscription_power")
        );
    }
    assert!(m.match_text("ma facture est fausse").entities.is_empty());
}

#[test]
fn authored_evidence_raises_confidence() {
    let mut spec = energy();
    let with = energy_matcher();
    for intent in &mut spec.intents {
        intent.keywords.clear();
        intent.patterns.clear();
    }
    let without = Matcher::train(&spec).map_err(|e| e.to_string());
    let without = without.as_ref().map_err(String::as_str);
    let confidence = |m: &Matcher| {
        let result = m.match_text("12 kva");
        result
            .candidates
            .iter()
            .find(|c| c.intent == "subscription_power")
            .map_or(0.0, |c| c.confidence)
    };
    let Ok(without) = without else {
        panic!("training without rules failed: {without:?}");
    };
    assert!(confidence(&with) > confidence(without) + 0.1);
}

#[test]
fn invalid_patterns_are_reported() {
    let mut spec = energy();
    spec.intents[0].patterns.push("(unclosed".into());
    match Matcher::train(&spec) {
        Err(TrainError::BadPattern {
            intent, pattern, ..
        }) => {
            assert_eq!(intent, "bill_explain");
            assert_eq!(pattern, "(unclosed");
        }
        other => panic!("expected BadPattern, got {other:?}"),
    }
}
