//! Typo tolerance through matching.
//!
//! Properties checked:
//! 1. misspelt corpus words ("abonement", "puisance", "factur") still reach their intent;
//! 2. the explanation says which word was corrected into which;
//! 3. short words are not "corrected" into unrelated vocabulary.

use super::fixtures::{energy_matcher, top};

#[test]
fn misspelt_words_reach_their_intent() {
    let m = energy_matcher();
    assert_eq!(
        top(&m, "changer la puisance de mon abonement").as_deref(),
        Some("subscription_power")
    );
    assert_eq!(
        top(&m, "je comprends pas ma factur").as_deref(),
        Some("bill_explain")
    );
    assert_eq!(
        top(&m, "demenagemnt, transferer mon contrat").as_deref(),
        Some("move_house")
    );
    assert_eq!(
        top(&m, "why is my bil so hihg").as_deref(),
        Some("bill_explain")
    );
}

#[test]
fn corrections_are_explained() {
    let m = energy_matcher();
    let (_, explanation) = m.explain("changer la puisance de mon abonement");
    assert!(
        explanation
            .corrections
            .contains(&("puisance".into(), "puissance".into()))
    );
    assert!(
        explanation
            .corrections
            .contains(&("abonement".into(), "abonnement".into()))
    );
    assert!(explanation.tokens.contains(&"puissance".to_string()));
}

#[test]
fn short_words_are_left_alone() {
    let m = energy_matcher();
    let (_, explanation) = m.explain("hey yo");
    assert!(
        explanation.corrections.is_empty(),
        "{:?}",
        explanation.corrections
    );
}
