//! Authored evidence: keywords and regex patterns add explicit, explainable score to their intent.
//!
//! A keyword matches when its stemmed words appear consecutively in the utterance (so
//! "abonnements" matches the keyword "abonnement"), compared by the stem hashes the features
//! computed already (a match stems nothing again here); a pattern is a regex run on the analysed
//! text (folded, typo-corrected, synonyms rewritten: "15 kilovolt-ampères" is seen as
//! "15 kva"), case-insensitively, with accents folded out of the pattern too. Each hit adds a
//! fixed bonus to the intent's raw score, once per keyword or pattern, and named captures
//! become entities.

use regex::{Regex, RegexBuilder};

use crate::analysis::{Analysis, Analyzer};
use crate::features::stem_key;
use crate::hashing::IdMap;
use crate::lang::Lang;
use crate::matcher::TrainError;
use crate::normalize;
use crate::spec::IntentSpec;

/// Raw-score bonus of a matched keyword (SVM margins are around ±1).
const KEYWORD_BONUS: f32 = 0.5;
/// Raw-score bonus of a matched pattern.
const PATTERN_BONUS: f32 = 0.75;

/// A keyword, stemmed in each language.
#[derive(Debug)]
struct Keyword {
    class: usize,
    text: String,
    /// Its words' [`stem_key`]s per language, in [`Lang::ALL`] order.
    stems: [Vec<u64>; 2],
}

/// A compiled pattern.
#[derive(Debug)]
struct Pattern {
    class: usize,
    source: String,
    regex: Regex,
}

/// What a keyword or pattern contributed to one class.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Hit {
    /// The class credited.
    pub(crate) class: usize,
    /// `keyword` or `pattern`.
    pub(crate) kind: &'static str,
    /// The keyword as authored, or the text the pattern matched.
    pub(crate) feature: String,
    /// The bonus added to the raw score.
    pub(crate) weight: f32,
}

/// A named capture of a pattern.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Capture {
    /// The class whose pattern captured it.
    pub(crate) class: usize,
    /// The capture group name.
    pub(crate) name: String,
    /// The captured text.
    pub(crate) value: String,
}

/// The keywords and patterns of a corpus.
#[derive(Debug, Default)]
pub(crate) struct Rules {
    keywords: Vec<Keyword>,
    /// Per language ([`Lang::ALL`] order), the keywords (indices) starting with each stem key:
    /// a match looks up each of its terms once instead of trying every keyword everywhere.
    by_first_stem: [IdMap<Vec<usize>>; 2],
    patterns: Vec<Pattern>,
}

impl Rules {
    /// Compiles the keywords and patterns of `intents` (class index, intent).
    pub(crate) fn compile<'a>(
        intents: impl IntoIterator<Item = (usize, &'a IntentSpec)>,
        analyzer: &Analyzer,
    ) -> Result<Rules, TrainError> {
        let mut rules = Rules::default();
        for (class, intent) in intents {
            for keyword in &intent.keywords {
                let analysis = analyzer.analyze(keyword, None, None);
                let stems = Lang::ALL.map(|lang| {
                    analysis
                        .terms
                        .iter()
                        .map(|t| stem_key(&t.key, lang, &analyzer.stemmers))
                        .collect::<Vec<_>>()
                });
                if !stems[0].is_empty() {
                    rules.keywords.push(Keyword {
                        class,
                        text: keyword.clone(),
                        stems,
                    });
                }
            }
            for pattern in &intent.patterns {
                let regex = RegexBuilder::new(&normalize::fold(pattern))
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| TrainError::BadPattern {
                        intent: intent.id.clone(),
                        pattern: pattern.clone(),
                        cause: e.to_string(),
                    })?;
                rules.patterns.push(Pattern {
                    class,
                    source: pattern.clone(),
                    regex,
                });
            }
        }
        for (index, keyword) in rules.keywords.iter().enumerate() {
            for (by_first, stems) in rules.by_first_stem.iter_mut().zip(&keyword.stems) {
                if let Some(&first) = stems.first() {
                    by_first.entry(first).or_insert_with(Vec::new).push(index);
                }
            }
        }
        Ok(rules)
    }

    /// Adds the bonus of every keyword and pattern found in `analysis` to `scores`, recording
    /// the hits and the named captures. `stems` holds each term's [`stem_key`] in the
    /// analysis' language (`Featurizer::vectorize_with_stems`).
    pub(crate) fn apply(
        &self,
        analysis: &Analysis,
        stems: &[u64],
        scores: &mut [f32],
        hits: &mut Vec<Hit>,
        captures: &mut Vec<Capture>,
    ) {
        if !self.keywords.is_empty() {
            let lang = Lang::ALL
                .iter()
                .position(|&l| l == analysis.lang)
                .unwrap_or(0);
            let by_first = &self.by_first_stem[lang];
            let mut found: Vec<usize> = Vec::new();
            for (at, stem) in stems.iter().enumerate() {
                for &index in by_first.get(stem).into_iter().flatten() {
                    if stems[at..].starts_with(&self.keywords[index].stems[lang]) {
                        found.push(index);
                    }
                }
            }
            // Each keyword counts once, in corpus order, however often it occurs.
            found.sort_unstable();
            found.dedup();
            for keyword in found.into_iter().map(|index| &self.keywords[index]) {
                scores[keyword.class] += KEYWORD_BONUS;
                hits.push(Hit {
                    class: keyword.class,
                    kind: "keyword",
                    feature: keyword.text.clone(),
                    weight: KEYWORD_BONUS,
                });
            }
        }
        if self.patterns.is_empty() {
            return;
        }
        let text = analysis.text();
        for pattern in &self.patterns {
            let Some(found) = pattern.regex.captures(&text) else {
                continue;
            };
            scores[pattern.class] += PATTERN_BONUS;
            hits.push(Hit {
                class: pattern.class,
                kind: "pattern",
                feature: found
                    .get(0)
                    .map_or_else(|| pattern.source.clone(), |m| m.as_str().to_string()),
                weight: PATTERN_BONUS,
            });
            for name in pattern.regex.capture_names().flatten() {
                if let Some(value) = found.name(name) {
                    captures.push(Capture {
                        class: pattern.class,
                        name: name.to_string(),
                        value: value.as_str().to_string(),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Keyword rules:
    //! 1. a keyword matches its stemmed words in a row, and counts once however often it occurs;
    //! 2. hits come in corpus order, whatever their order in the utterance.

    use super::*;
    use crate::synonyms::Synonyms;

    fn keyword_hits(rules: &Rules, analyzer: &Analyzer, text: &str) -> (Vec<String>, Vec<f32>) {
        let analysis = analyzer.analyze(text, Some(Lang::Fr), None);
        let stems: Vec<u64> = analysis
            .terms
            .iter()
            .map(|t| stem_key(&t.key, analysis.lang, &analyzer.stemmers))
            .collect();
        let mut scores = vec![0.0; 2];
        let (mut hits, mut captures) = (Vec::new(), Vec::new());
        rules.apply(&analysis, &stems, &mut scores, &mut hits, &mut captures);
        (hits.into_iter().map(|h| h.feature).collect(), scores)
    }

    #[test]
    fn keywords_match_words_in_a_row_once_in_corpus_order() {
        let analyzer = Analyzer::new(Synonyms::new(&[]), Lang::Fr);
        let intent = |id: &str, keywords: &[&str]| IntentSpec {
            id: id.into(),
            keywords: keywords.iter().map(|k| (*k).to_owned()).collect(),
            ..IntentSpec::default()
        };
        let intents = [
            intent("bill", &["facture", "heures creuses"]),
            intent("contract", &["abonnement"]),
        ];
        let rules = Rules::compile(intents.iter().enumerate(), &analyzer).unwrap();

        let (hits, scores) = keyword_hits(
            &rules,
            &analyzer,
            "abonnements et factures, encore mes factures en heures creuses",
        );
        assert_eq!(hits, ["facture", "heures creuses", "abonnement"]);
        assert_eq!(scores, [2.0 * KEYWORD_BONUS, KEYWORD_BONUS]);

        let (hits, _) = keyword_hits(&rules, &analyzer, "les heures pas creuses");
        assert!(hits.is_empty(), "not in a row: {hits:?}");
    }
}
