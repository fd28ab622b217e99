//! Decisions: match, ambiguity, out of scope.
//!
//! Properties checked:
//! 1. a clear utterance is a match, an unrelated one is out of scope under the corpus threshold;
//! 2. two intents trained on the same examples are ambiguous;
//! 3. the reserved `oos` intent is never a candidate, and rejects what it was trained on;
//! 4. a corpus without examples or keywords cannot be trained;
//! 5. thresholds can be replaced after training.

use relais_nlu::{
    CorpusSpec, Decision, Example, IntentSpec, MatchConfig, Matcher, OUT_OF_SCOPE_INTENT,
    TrainError,
};

use super::fixtures::{energy, energy_matcher};

fn train(spec: &CorpusSpec) -> Matcher {
    match Matcher::train(spec) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

fn examples(texts: &[&str]) -> Vec<Example> {
    texts
        .iter()
        .map(|t| Example {
            text: (*t).to_string(),
            lang: None,
        })
        .collect()
}

#[test]
fn clear_is_match_and_unrelated_is_out_of_scope() {
    let m = energy_matcher();
    assert_eq!(
        m.match_text("je ne comprends pas ma facture").decision,
        Decision::Match
    );
    assert_eq!(
        m.match_text("recette de la tarte aux pommes").decision,
        Decision::OutOfScope
    );
}

#[test]
fn twins_are_ambiguous() {
    let mut spec = energy();
    let mut twin = spec.intents[0].clone();
    twin.id = "bill_twin".into();
    twin.keywords.clear();
    spec.intents[0].keywords.clear();
    spec.intents.push(twin);
    spec.config.oos_threshold = 0.0;
    let m = train(&spec);
    let result = m.match_text("je ne comprends pas ma facture");
    assert_eq!(result.decision, Decision::Ambiguous);
    let top2: Vec<&str> = result.candidates[..2]
        .iter()
        .map(|c| c.intent.as_str())
        .collect();
    assert!(top2.contains(&"bill_explain") && top2.contains(&"bill_twin"));
}

#[test]
fn reserved_oos_intent_rejects_and_hides() {
    let mut spec = energy();
    spec.config.oos_threshold = 0.0;
    spec.intents.push(IntentSpec {
        id: OUT_OF_SCOPE_INTENT.into(),
        examples: examples(&[
            "recette de cuisine",
            "quel temps fait-il",
            "who won the football match",
            "tell me a joke",
            "recette de la tarte aux pommes",
            "what is the weather like",
        ]),
        ..IntentSpec::default()
    });
    let m = train(&spec);
    assert!(!m.intents().iter().any(|i| i == OUT_OF_SCOPE_INTENT));
    let result = m.match_text("une recette de cuisine");
    assert_eq!(result.decision, Decision::OutOfScope);
    assert!(
        result
            .candidates
            .iter()
            .all(|c| c.intent != OUT_OF_SCOPE_INTENT)
    );
    assert_eq!(
        m.match_text("ma facture est trop chère").decision,
        Decision::Match
    );
}

#[test]
fn empty_corpora_cannot_be_trained() {
    let spec = CorpusSpec {
        intents: vec![IntentSpec {
            id: "empty".into(),
            ..IntentSpec::default()
        }],
        ..CorpusSpec::default()
    };
    assert!(matches!(Matcher::train(&spec), Err(TrainError::Empty)));
    assert!(matches!(
        Matcher::train(&CorpusSpec::default()),
        Err(TrainError::Empty)
    ));
}

#[test]
fn thresholds_can_be_replaced() {
    let mut m = energy_matcher();
    let text = "je ne comprends pas ma facture";
    m.set_config(MatchConfig {
        oos_threshold: 1.01,
        ambiguity_margin: 0.0,
    });
    assert_eq!(m.match_text(text).decision, Decision::OutOfScope);
    assert_eq!(m.config().oos_threshold, 1.01);
}
