//! The trained matcher and the result of matching one utterance.
//!
//! Training analyses every example (module `analysis`), builds the TF-IDF feature space
//! (`features`), fits one-vs-rest linear SVMs (`model`), calibrates a softmax temperature on a
//! held-out fold (`calibrate`) and compiles keywords and patterns (`rules`). Matching runs the
//! same analysis with typo correction, scores every intent, adds authored evidence, and decides
//! with the corpus thresholds.
//!
//! An intent whose id is [`OUT_OF_SCOPE_INTENT`] is special: its examples are trained as a
//! class of their own (what customers say that the corpus does not cover), it never appears as
//! a candidate, and when it wins the utterance is out of scope.

use crate::analysis::{Analysis, Analyzer};
use crate::calibrate;
use crate::eval::Scored;
use crate::explain;
use crate::features::{Doc, FeatureOptions, Featurizer, SparseVec};
use crate::lang::{self, Lang};
use crate::model::LinearModel;
use crate::model::train::{self as svm, SvmOptions};
use crate::rules::{Capture, Hit, Rules};
use crate::spec::{CorpusSpec, IntentSpec, MatchConfig};
use crate::synonyms::Synonyms;
use crate::typo::TypoIndex;

/// The reserved intent id of out-of-scope examples (as in the CLINC150 dataset).
pub const OUT_OF_SCOPE_INTENT: &str = "oos";

/// Example visits below which the solver may run more passes than [`TrainOptions::max_passes`].
const SMALL_CORPUS_VISITS: usize = 200_000;
/// Up to this many examples, every fold is held out in turn for calibration.
const SMALL_CORPUS_EXAMPLES: usize = 3_000;
/// How many candidates a result lists at most.
const MAX_CANDIDATES: usize = 5;
/// How many pieces of evidence an explanation gives per candidate.
const MAX_EVIDENCE: usize = 8;

/// Why a corpus cannot be trained.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The corpus has no intent with at least one example or keyword.
    #[error("the corpus has no intent with examples or keywords")]
    Empty,
    /// An authored regex pattern does not compile.
    #[error("intent `{intent}`: pattern `{pattern}` is not a valid regex: {cause}")]
    BadPattern {
        /// The intent holding the pattern.
        intent: String,
        /// The pattern as written.
        pattern: String,
        /// What the regex compiler said.
        cause: String,
    },
}

/// Model hyperparameters; [`TrainOptions::default`] holds the values tuned on the validation
/// splits of CLINC150, BANKING77 and HWU64.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainOptions {
    /// SVM inverse regularisation strength.
    pub c: f32,
    /// Extra weight of an intent's own examples against all others in its one-vs-rest SVM
    /// (each intent has far fewer examples than the rest together).
    pub positive_weight: f32,
    /// Cap on passes over the data for large corpora (small ones may run more, up to 200,000
    /// example visits); the solver stops earlier once converged.
    pub max_passes: usize,
    /// Features seen in fewer training utterances are dropped.
    pub min_df: u32,
    /// Weight of character n-grams relative to words, before normalisation.
    pub char_weight: f32,
    /// Confidences are calibrated on stratified folds of the examples, each scored by a model
    /// trained on the other folds (0 or 1: no calibration). Large corpora use the first fold
    /// only.
    pub folds: usize,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            c: 1.0,
            positive_weight: 2.0,
            max_passes: 15,
            min_df: 1,
            char_weight: 0.45,
            folds: 3,
        }
    }
}

/// A matcher trained from a corpus; immutable and cheap to share between threads.
pub struct Matcher {
    /// Public intents in corpus order; the out-of-scope class, if any, is the next class.
    intents: Vec<String>,
    has_oos_class: bool,
    analyzer: Analyzer,
    typo: TypoIndex,
    featurizer: Featurizer,
    model: LinearModel,
    rules: Rules,
    temperature: f32,
    held_out: Vec<HeldOutRow>,
    config: MatchConfig,
}

/// What the matcher decided for one utterance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The top candidate is confident and clearly ahead.
    Match,
    /// The top two candidates are too close to choose.
    Ambiguous,
    /// No intent is confident enough.
    OutOfScope,
}

/// One ranked candidate intent.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The intent id.
    pub intent: String,
    /// Calibrated confidence in `[0, 1]`.
    pub confidence: f32,
}

/// A value captured by a named group of an authored pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// The capture group name, e.g. `kva`.
    pub name: String,
    /// The captured text, normalised.
    pub value: String,
    /// The intent whose pattern captured it.
    pub intent: String,
}

/// The result of matching one utterance.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchResult {
    /// Candidates, most confident first (at most a handful).
    pub candidates: Vec<Candidate>,
    /// The decision taken from the candidates and the configured thresholds.
    pub decision: Decision,
    /// Entities captured by patterns.
    pub entities: Vec<Entity>,
}

impl MatchResult {
    /// The best candidate, if any.
    pub fn top(&self) -> Option<&Candidate> {
        self.candidates.first()
    }
}

/// One piece of evidence behind a candidate's score.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// What kind of feature it is: `stem`, `word` (as written), `bigram` (of stems), `chars`
    /// (character n-grams of one word, summed), `signal` (`?`, `!`, emoji...), `keyword` or
    /// `pattern`.
    pub kind: String,
    /// The feature as matched, e.g. `abonn` or `15 kva`.
    pub feature: String,
    /// Its contribution to the candidate's raw score.
    pub weight: f32,
}

/// Why the matcher ranked candidates as it did.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The normalised tokens the matcher saw.
    pub tokens: Vec<String>,
    /// For each candidate of the match result, in the same order, its strongest evidence.
    pub evidence: Vec<(String, Vec<Evidence>)>,
    /// Typo corrections applied: (word as typed, folded; vocabulary word used instead).
    pub corrections: Vec<(String, String)>,
    /// The language used for stemming.
    pub lang: Lang,
}

/// A held-out training example, scored by a model trained without it.
#[derive(Clone, Copy, Debug)]
struct HeldOutRow {
    gold: usize,
    top: usize,
    confidence: f32,
    oos_won: bool,
}

/// Everything computed while matching one utterance.
struct Scoring {
    analysis: Analysis,
    x: SparseVec,
    confidence: Vec<f32>,
    hits: Vec<Hit>,
    captures: Vec<Capture>,
}

/// A training utterance: text, declared language, class.
struct TrainDoc<'a> {
    text: &'a str,
    lang: Option<Lang>,
    class: usize,
    /// Keywords are trained on but are not examples to cross-validate.
    example: bool,
}

impl Matcher {
    /// Trains a matcher from a corpus. Deterministic: the same corpus gives the same matcher.
    pub fn train(spec: &CorpusSpec) -> Result<Matcher, TrainError> {
        Matcher::train_with(spec, &TrainOptions::default())
    }

    /// Trains with explicit hyperparameters (for experiments; [`Matcher::train`] uses defaults).
    pub fn train_with(spec: &CorpusSpec, options: &TrainOptions) -> Result<Matcher, TrainError> {
        let (public, oos): (Vec<&IntentSpec>, Vec<&IntentSpec>) = spec
            .intents
            .iter()
            .partition(|i| i.id != OUT_OF_SCOPE_INTENT);
        let classes: Vec<&IntentSpec> = public.iter().chain(&oos).copied().collect();
        let docs = training_docs(&classes);
        if !docs.iter().any(|d| d.class < public.len()) {
            return Err(TrainError::Empty);
        }
        let analyzer = Analyzer::new(Synonyms::new(&spec.synonyms), majority_lang(&docs));
        let rules = Rules::compile(classes.iter().copied().enumerate(), &analyzer)?;
        let analyses: Vec<Analysis> = docs
            .iter()
            .map(|d| analyzer.analyze(d.text, d.lang, None))
            .collect();
        let feature_docs: Vec<Doc<'_>> = analyses.iter().map(as_doc).collect();
        let featurizer = Featurizer::fit(
            &feature_docs,
            &analyzer.stemmers,
            FeatureOptions {
                min_df: options.min_df,
                char_weight: options.char_weight,
            },
        );
        let xs: Vec<SparseVec> = feature_docs
            .iter()
            .map(|d| featurizer.vectorize(d, &analyzer.stemmers))
            .collect();
        let labels: Vec<u32> = docs.iter().map(|d| d.class as u32).collect();
        let n_classes = classes.len();
        let svm_options = SvmOptions {
            c: options.c,
            positive_weight: options.positive_weight,
            eps: 0.01,
            // Small corpora are cheap: let them converge tightly (near-identical intents then
            // get near-identical scores); large ones stop at the cap.
            max_passes: options
                .max_passes
                .max(SMALL_CORPUS_VISITS / docs.len().max(1)),
            bias: 1.0,
        };
        let all: Vec<&SparseVec> = xs.iter().collect();
        let model = svm::train(&all, &labels, n_classes, featurizer.len(), svm_options);
        let typo = TypoIndex::build(
            featurizer
                .words()
                .iter()
                .map(|(w, n)| (&**w, *n))
                .chain(analyzer.synonyms().words().map(|w| (w, 1))),
        );
        let mut matcher = Matcher {
            intents: public.iter().map(|i| i.id.clone()).collect(),
            has_oos_class: !oos.is_empty(),
            analyzer,
            typo,
            featurizer,
            model,
            rules,
            temperature: 1.0,
            held_out: Vec::new(),
            config: spec.config.clone(),
        };
        let folds = HeldOutFold {
            docs: &docs,
            analyses: &analyses,
            xs: &xs,
            labels: &labels,
            folds: options.folds,
            svm: svm_options,
        };
        if let Some((raw, gold)) = folds.held_out_scores(&matcher) {
            matcher.temperature = calibrate::fit_temperature(&raw, &gold, n_classes);
            matcher.held_out = raw
                .chunks_exact(n_classes)
                .zip(&gold)
                .map(|(row, &gold)| matcher.held_out_row(row, gold as usize))
                .collect();
        }
        Ok(matcher)
    }

    /// Matches one utterance.
    pub fn match_text(&self, text: &str) -> MatchResult {
        let scoring = self.score(text);
        self.result(&scoring)
    }

    /// Explains the ranking of `text`.
    pub fn explain(&self, text: &str) -> (MatchResult, Explanation) {
        let scoring = self.score(text);
        let result = self.result(&scoring);
        let evidence = result
            .candidates
            .iter()
            .filter_map(|c| {
                let class = self.intents.iter().position(|i| *i == c.intent)?;
                let mut evidence = explain::evidence(
                    &self.featurizer,
                    &self.model,
                    &scoring.analysis,
                    &scoring.x,
                    class,
                );
                evidence.extend(scoring.hits.iter().filter(|h| h.class == class).map(|h| {
                    Evidence {
                        kind: h.kind.to_string(),
                        feature: h.feature.clone(),
                        weight: h.weight,
                    }
                }));
                evidence.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()));
                evidence.truncate(MAX_EVIDENCE);
                Some((c.intent.clone(), evidence))
            })
            .collect();
        let explanation = Explanation {
            tokens: scoring
                .analysis
                .terms
                .iter()
                .map(|t| t.key.clone())
                .collect(),
            evidence,
            corrections: scoring
                .analysis
                .terms
                .iter()
                .filter_map(|t| Some((t.typed.clone()?, t.key.clone())))
                .collect(),
            lang: scoring.analysis.lang,
        };
        (result, explanation)
    }

    /// The intent ids this matcher knows, in corpus order.
    pub fn intents(&self) -> &[String] {
        &self.intents
    }

    /// The thresholds in force.
    pub fn config(&self) -> &MatchConfig {
        &self.config
    }

    /// Replaces the thresholds (e.g. after tuning on validation data).
    pub fn set_config(&mut self, config: MatchConfig) {
        self.config = config;
    }

    /// The calibrated softmax temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Held-out training examples (all of them for small corpora, one fold for large ones), as
    /// scored by a model that did not see them (empty when the corpus was too small to
    /// calibrate); for tuning thresholds without extra data.
    pub fn held_out(&self) -> Vec<Scored> {
        let name = |class: usize| self.intents.get(class).cloned();
        self.held_out
            .iter()
            .map(|row| Scored {
                gold: name(row.gold),
                top: name(row.top),
                confidence: row.confidence,
                model_rejected: row.oos_won,
            })
            .collect()
    }

    /// Analyses, featurises and scores `text`.
    fn score(&self, text: &str) -> Scoring {
        let analysis = self.analyzer.analyze(text, None, Some(&self.typo));
        let mut stems = Vec::with_capacity(analysis.terms.len());
        let x = self.featurizer.vectorize_with_stems(
            &as_doc(&analysis),
            &self.analyzer.stemmers,
            &mut stems,
        );
        let mut raw = vec![0.0; self.model.n_classes()];
        self.model.scores(&x, &mut raw);
        let mut hits = Vec::new();
        let mut captures = Vec::new();
        self.rules
            .apply(&analysis, &stems, &mut raw, &mut hits, &mut captures);
        let mut confidence = vec![0.0; raw.len()];
        calibrate::softmax(&raw, self.temperature, &mut confidence);
        Scoring {
            analysis,
            x,
            confidence,
            hits,
            captures,
        }
    }

    fn result(&self, scoring: &Scoring) -> MatchResult {
        let candidates: Vec<Candidate> = top_classes(&scoring.confidence[..self.intents.len()])
            .into_iter()
            .map(|class| Candidate {
                intent: self.intents[class].clone(),
                confidence: scoring.confidence[class],
            })
            .collect();
        let oos_won = self.oos_wins(&scoring.confidence);
        let decision = if oos_won {
            Decision::OutOfScope
        } else {
            decide(&candidates, &self.config)
        };
        let entities = scoring
            .captures
            .iter()
            .map(|c| Entity {
                name: c.name.clone(),
                value: c.value.clone(),
                intent: self
                    .intents
                    .get(c.class)
                    .map_or(OUT_OF_SCOPE_INTENT, String::as_str)
                    .to_string(),
            })
            .collect();
        MatchResult {
            candidates,
            decision,
            entities,
        }
    }

    /// Whether the out-of-scope class has the highest confidence.
    fn oos_wins(&self, confidence: &[f32]) -> bool {
        let n = self.intents.len();
        self.has_oos_class && confidence[..n].iter().all(|&c| c < confidence[n])
    }

    fn held_out_row(&self, raw: &[f32], gold: usize) -> HeldOutRow {
        let mut confidence = vec![0.0; raw.len()];
        calibrate::softmax(raw, self.temperature, &mut confidence);
        let top = top_classes(&confidence[..self.intents.len()])
            .first()
            .copied()
            .unwrap_or(0);
        HeldOutRow {
            gold,
            top,
            confidence: confidence[top],
            oos_won: self.oos_wins(&confidence),
        }
    }
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("intents", &self.intents.len())
            .field("has_oos_class", &self.has_oos_class)
            .field("features", &self.featurizer.len())
            .field("temperature", &self.temperature)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The inputs of the calibration fold, kept together.
struct HeldOutFold<'a> {
    docs: &'a [TrainDoc<'a>],
    analyses: &'a [Analysis],
    xs: &'a [SparseVec],
    labels: &'a [u32],
    folds: usize,
    svm: SvmOptions,
}

impl HeldOutFold<'_> {
    /// Raw scores (rule bonuses included) of the held-out examples, with their classes; `None`
    /// when there are too few examples.
    ///
    /// Small corpora are fully cross-validated (every fold held out in turn), so that every
    /// example informs the temperature. Large ones hold out only the first fold: its thousands
    /// of rows fit one temperature well, and a single extra model keeps training within seconds.
    fn held_out_scores(&self, matcher: &Matcher) -> Option<(Vec<f32>, Vec<u32>)> {
        let n_examples = self.docs.iter().filter(|d| d.example).count();
        if self.folds < 2 || n_examples < 2 * self.folds {
            return None;
        }
        let n_classes = matcher.model.n_classes();
        // Stratified: an example's fold is its rank within its class modulo the fold count.
        let mut seen = vec![0usize; n_classes];
        let fold_of: Vec<usize> = self
            .docs
            .iter()
            .map(|d| {
                let rank = seen[d.class];
                seen[d.class] += 1;
                rank % self.folds
            })
            .collect();
        let held_out_folds = if n_examples <= SMALL_CORPUS_EXAMPLES {
            self.folds
        } else {
            1
        };
        let mut raw = Vec::new();
        let mut gold = Vec::new();
        let mut row = vec![0.0; n_classes];
        let (mut hits, mut captures) = (Vec::new(), Vec::new());
        for fold in 0..held_out_folds {
            // Keywords are authored knowledge, always trained on.
            let held_out = |i: usize| self.docs[i].example && fold_of[i] == fold;
            let train: Vec<usize> = (0..self.docs.len()).filter(|&i| !held_out(i)).collect();
            let xs: Vec<&SparseVec> = train.iter().map(|&i| &self.xs[i]).collect();
            let labels: Vec<u32> = train.iter().map(|&i| self.labels[i]).collect();
            let model = svm::train(&xs, &labels, n_classes, matcher.featurizer.len(), self.svm);
            for i in (0..self.docs.len()).filter(|&i| held_out(i)) {
                model.scores(&self.xs[i], &mut row);
                let analysis = &self.analyses[i];
                let stems = matcher
                    .featurizer
                    .stem_keys(&as_doc(analysis), &matcher.analyzer.stemmers);
                matcher
                    .rules
                    .apply(analysis, &stems, &mut row, &mut hits, &mut captures);
                raw.extend_from_slice(&row);
                gold.push(self.labels[i]);
            }
        }
        Some((raw, gold))
    }
}

fn as_doc(analysis: &Analysis) -> Doc<'_> {
    Doc {
        terms: &analysis.terms,
        lang: analysis.lang,
    }
}

/// Every example and keyword of every class, in corpus order.
fn training_docs<'a>(classes: &[&'a IntentSpec]) -> Vec<TrainDoc<'a>> {
    let mut docs = Vec::new();
    for (class, intent) in classes.iter().enumerate() {
        docs.extend(intent.examples.iter().map(|e| TrainDoc {
            text: &e.text,
            lang: e.lang,
            class,
            example: true,
        }));
        docs.extend(intent.keywords.iter().map(|k| TrainDoc {
            text: k,
            lang: None,
            class,
            example: false,
        }));
    }
    docs
}

/// The language most examples are written in (declared or detected); French on a tie.
fn majority_lang(docs: &[TrainDoc<'_>]) -> Lang {
    let (mut fr, mut en) = (0usize, 0usize);
    for doc in docs {
        match doc.lang.or_else(|| lang::detect(doc.text)) {
            Some(Lang::Fr) => fr += 1,
            Some(Lang::En) => en += 1,
            None => {}
        }
    }
    if en > fr { Lang::En } else { Lang::Fr }
}

/// The indices of the highest values, best first, ties to the lower index.
fn top_classes(confidence: &[f32]) -> Vec<usize> {
    let mut top: Vec<usize> = Vec::with_capacity(MAX_CANDIDATES + 1);
    for (class, &c) in confidence.iter().enumerate() {
        let at = top
            .iter()
            .position(|&t| c > confidence[t])
            .unwrap_or(top.len());
        if at < MAX_CANDIDATES {
            top.insert(at, class);
            top.truncate(MAX_CANDIDATES);
        }
    }
    top
}

fn decide(candidates: &[Candidate], config: &MatchConfig) -> Decision {
    match candidates {
        [] => Decision::OutOfScope,
        [top, ..] if top.confidence < config.oos_threshold => Decision::OutOfScope,
        [top, second, ..] if top.confidence - second.confidence < config.ambiguity_margin => {
            Decision::Ambiguous
        }
        _ => Decision::Match,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Matcher>();
    }

    #[test]
    fn top_classes_rank_best_first_with_stable_ties() {
        assert_eq!(top_classes(&[0.1, 0.5, 0.5, 0.2]), [1, 2, 3, 0]);
        let many: Vec<f32> = (0..10).map(|i| i as f32).collect();
        assert_eq!(top_classes(&many), [9, 8, 7, 6, 5]);
    }
}
