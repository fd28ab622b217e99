//! Keywords claimed by several intents.
//!
//! A keyword is strong evidence for its intent; given to two intents it pushes both and
//! separates neither. Keywords are compared as the matcher sees them: normalised (lower case,
//! accents folded, elisions dropped) and with synonym variants rewritten to their canonical
//! word ("invoice" is "bill" when a synonym set says so). Stemming is not applied, so
//! "facture" and "factures" in two intents are not reported.

use std::collections::BTreeMap;

use relais_corpus::Corpus;
use relais_corpus::edit::{Field, Locator};
use relais_nlu::SynonymSet;

use super::finding::Finding;
use super::samples;

/// One warning per keyword that several intents claim, at its first occurrence.
pub(super) fn check(corpus: &Corpus, locator: &Locator<'_>) -> Vec<Finding> {
    let mut claims: BTreeMap<Vec<String>, Vec<(&str, usize, &str)>> = BTreeMap::new();
    for intent in &corpus.spec.intents {
        for (index, keyword) in intent.keywords.iter().enumerate() {
            let key = rewrite(samples::words(keyword), &corpus.spec.synonyms);
            if !key.is_empty() {
                claims
                    .entry(key)
                    .or_default()
                    .push((&intent.id, index, keyword));
            }
        }
    }
    let mut findings = Vec::new();
    for claimants in claims.values() {
        let mut intents: Vec<&str> = claimants.iter().map(|(id, _, _)| *id).collect();
        intents.dedup();
        if intents.len() < 2 {
            continue;
        }
        let (first_id, first_index, first_text) = claimants[0];
        let details = claimants[1..]
            .iter()
            .map(|(id, index, text)| {
                let place = locator
                    .locate(id, Field::Keyword(*index))
                    .map_or_else(String::new, |l| format!(" at {l}"));
                format!("also {text:?} in {id}{place}")
            })
            .collect();
        findings.push(
            Finding::warning(
                "shared-keyword",
                locator.locate(first_id, Field::Keyword(first_index)),
                format!(
                    "keyword {first_text:?} of {first_id} is claimed by {} intents: {}",
                    intents.len(),
                    intents.join(", ")
                ),
            )
            .with_details(details),
        );
    }
    findings
}

/// `words` with every synonym variant (a run of words) replaced by its canonical words.
fn rewrite(words: Vec<String>, synonyms: &[SynonymSet]) -> Vec<String> {
    let rules: Vec<(Vec<String>, Vec<String>)> = synonyms
        .iter()
        .flat_map(|set| {
            let canonical = samples::words(&set.canonical);
            set.variants
                .iter()
                .map(move |variant| (samples::words(variant), canonical.clone()))
        })
        .filter(|(variant, _)| !variant.is_empty())
        .collect();
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let rule = rules
            .iter()
            .filter(|(variant, _)| words[i..].starts_with(variant))
            .max_by_key(|(variant, _)| variant.len());
        match rule {
            Some((variant, canonical)) => {
                out.extend(canonical.iter().cloned());
                i += variant.len();
            }
            None => {
                out.push(words[i].clone());
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonym_variants_become_their_canonical_words() {
        let synonyms = [SynonymSet {
            canonical: "bill".into(),
            variants: vec!["invoice".into(), "power bill".into()],
        }];
        let words = |text: &str| rewrite(samples::words(text), &synonyms);
        assert_eq!(words("my Invoice"), ["my", "bill"]);
        assert_eq!(words("power bill due"), ["bill", "due"]);
        assert_eq!(words("power cut"), ["power", "cut"]);
    }
}
