//! Authored evidence: keywords and regex patterns add explicit, explainable score to their intent.
//!
//! A keyword matches when its stemmed words appear consecutively in the utterance (so
//! "abonnements" matches the keyword "abonnement"); a pattern is a regex run on the analysed
//! text (folded, typo-corrected, synonyms rewritten: "15 kilovolt-ampères" is seen as
//! "15 kva"), case-insensitively, with accents folded out of the pattern too. Each hit adds a
//! fixed bonus to the intent's raw score, once per keyword or pattern, and named captures
//! become entities.

use regex::{Regex, RegexBuilder};

use crate::analysis::{Analysis, Analyzer};
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
    /// Stems per language, in [`Lang::ALL`] order.
    stems: [Vec<String>; 2],
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
                        .map(|t| analyzer.stemmers.stem(lang, &t.key).into_owned())
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
        Ok(rules)
    }

    /// Adds the bonus of every keyword and pattern found in `analysis` to `scores`, recording
    /// the hits and the named captures.
    pub(crate) fn apply(
        &self,
        analysis: &Analysis,
        analyzer: &Analyzer,
        scores: &mut [f32],
        hits: &mut Vec<Hit>,
        captures: &mut Vec<Capture>,
    ) {
        if !self.keywords.is_empty() {
            let lang = Lang::ALL
                .iter()
                .position(|&l| l == analysis.lang)
                .unwrap_or(0);
            let stems: Vec<_> = analysis
                .terms
                .iter()
                .map(|t| analyzer.stemmers.stem(analysis.lang, &t.key))
                .collect();
            for keyword in &self.keywords {
                let wanted = &keyword.stems[lang];
                if stems
                    .windows(wanted.len())
                    .any(|w| w.iter().eq(wanted.iter()))
                {
                    scores[keyword.class] += KEYWORD_BONUS;
                    hits.push(Hit {
                        class: keyword.class,
                        kind: "keyword",
                        feature: keyword.text.clone(),
                        weight: KEYWORD_BONUS,
                    });
                }
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
