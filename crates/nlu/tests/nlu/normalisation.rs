//! Normalisation seen through matching.
//!
//! Properties checked:
//! 1. accents, case and elisions (straight or typographic apostrophe) do not change a match;
//! 2. emoji are signals, not noise: an emoji changes the scores but not a clear intent.

use super::fixtures::energy_matcher;

#[test]
fn accents_case_and_elisions_do_not_matter() {
    let m = energy_matcher();
    let reference = m.match_text("coupure d'électricité");
    for variant in [
        "COUPURE D'ELECTRICITE",
        "coupure d’électricité",
        "Coupure d electricite",
    ] {
        let result = m.match_text(variant);
        assert_eq!(
            result.top().map(|c| &c.intent),
            reference.top().map(|c| &c.intent)
        );
    }
    assert_eq!(
        m.match_text("l'abonnement").candidates,
        m.match_text("abonnement").candidates
    );
}

#[test]
fn emoji_are_kept_as_signals() {
    let m = energy_matcher();
    let (_, explanation) = m.explain("plus de courant 😡");
    assert!(explanation.tokens.contains(&"😡".to_string()));
    let top = m.match_text("plus de courant 😡");
    assert_eq!(top.top().map(|c| c.intent.as_str()), Some("power_outage"));
}
