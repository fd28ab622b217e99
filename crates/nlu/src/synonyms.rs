//! Synonyms: authored variants rewritten to their canonical word before featurisation.
//!
//! Variants and canonical forms are normalised like any text, so "Kilovolt-Ampère" in a
//! synonym set matches "kilovolt ampere" typed by a customer. Longer variants win over shorter
//! ones that start at the same place ("kilo volt ampere" before "kilo").

use crate::analysis::Term;
use crate::normalize::{self, TokenKind};
use crate::spec::SynonymSet;

/// One rewrite: a sequence of keys and what replaces it.
#[derive(Debug)]
struct Rule {
    variant: Vec<String>,
    canonical: Vec<(String, TokenKind)>,
}

/// The synonym rules of a corpus.
#[derive(Debug, Default)]
pub(crate) struct Synonyms {
    /// Longest variant first, then corpus order.
    rules: Vec<Rule>,
}

impl Synonyms {
    /// Compiles synonym sets; variants that normalise to nothing are ignored.
    pub(crate) fn new(sets: &[SynonymSet]) -> Self {
        let mut rules = Vec::new();
        for set in sets {
            let canonical: Vec<(String, TokenKind)> = normalize::tokenize(&set.canonical)
                .into_iter()
                .map(|t| (t.key, t.kind))
                .collect();
            for variant in &set.variants {
                let variant: Vec<String> = normalize::tokenize(variant)
                    .into_iter()
                    .map(|t| t.key)
                    .collect();
                let same = variant.iter().eq(canonical.iter().map(|(k, _)| k));
                if !variant.is_empty() && !same {
                    rules.push(Rule {
                        variant,
                        canonical: canonical.clone(),
                    });
                }
            }
        }
        // Stable sort: equal lengths keep corpus order.
        rules.sort_by_key(|r| std::cmp::Reverse(r.variant.len()));
        Synonyms { rules }
    }

    /// Every word of every variant and canonical form, for the typo vocabulary.
    pub(crate) fn words(&self) -> impl Iterator<Item = &str> {
        self.rules.iter().flat_map(|r| {
            r.variant
                .iter()
                .map(String::as_str)
                .chain(r.canonical.iter().map(|(k, _)| k.as_str()))
        })
    }

    /// Replaces every variant in `terms` by its canonical form.
    pub(crate) fn rewrite(&self, terms: Vec<Term>) -> Vec<Term> {
        if self.rules.is_empty() {
            return terms;
        }
        let mut out = Vec::with_capacity(terms.len());
        let mut i = 0;
        while i < terms.len() {
            let rest = &terms[i..];
            let rule = self.rules.iter().find(|r| {
                r.variant.len() <= rest.len()
                    && r.variant.iter().zip(rest).all(|(v, t)| *v == t.key)
            });
            match rule {
                Some(rule) => {
                    out.extend(rule.canonical.iter().map(|(key, kind)| Term {
                        key: key.clone(),
                        kind: *kind,
                        typed: None,
                    }));
                    i += rule.variant.len();
                }
                None => {
                    out.push(terms[i].clone());
                    i += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<Term> {
        normalize::tokenize(text)
            .into_iter()
            .map(|t| Term {
                key: t.key,
                kind: t.kind,
                typed: None,
            })
            .collect()
    }

    fn keys(terms: &[Term]) -> Vec<&str> {
        terms.iter().map(|t| t.key.as_str()).collect()
    }

    #[test]
    fn variants_are_rewritten_longest_first() {
        let synonyms = Synonyms::new(&[
            SynonymSet {
                canonical: "kva".into(),
                variants: vec![
                    "kilo".into(),
                    "kilo volt ampère".into(),
                    "Kilovolt-Ampere".into(),
                ],
            },
            SynonymSet {
                canonical: "edf".into(),
                variants: vec!["électricité de france".into()],
            },
        ]);
        let out = synonyms.rewrite(terms("15 kilo volt ampere chez Electricite de France"));
        assert_eq!(keys(&out), ["15", "kva", "chez", "edf"]);
        let out = synonyms.rewrite(terms("9 kilovolt ampère, 6 kilo"));
        assert_eq!(keys(&out), ["9", "kva", "6", "kva"]);
        assert!(synonyms.words().any(|w| w == "kilovolt"));
    }
}
