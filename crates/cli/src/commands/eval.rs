//! `relais eval`: train on a corpus or a labelled dataset, evaluate on a test set.
//!
//! This module does the file reading and the printing; the metrics, threshold tuning and
//! dataset parsing live in `relais_nlu::{eval, dataset}`. The test set is matched one utterance
//! at a time with `Matcher::match_text`, exactly as the server does, and each call is timed.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use relais_nlu::dataset::{self, Labelled};
use relais_nlu::eval::{self, Metrics, Outcome, Scored};
use relais_nlu::{CorpusSpec, Decision, MatchConfig, Matcher};

/// How many confused pairs the report lists.
const TOP_CONFUSIONS: usize = 10;

/// Arguments of `relais eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    /// Training data: a corpus directory, or a JSON Lines file with one `{"text", "intent"}`
    /// per line (intent `oos` marks out-of-scope utterances). Repeat to merge several sources.
    #[arg(long, required = true, value_name = "DIR|FILE.jsonl")]
    train: Vec<PathBuf>,
    /// Validation JSON Lines. With `oos` lines, the out-of-scope threshold is tuned on it;
    /// without (a closed set), it is added to the training data.
    #[arg(long, value_name = "FILE.jsonl")]
    val: Option<PathBuf>,
    /// Test JSON Lines, matched one utterance at a time.
    #[arg(long, value_name = "FILE.jsonl")]
    test: PathBuf,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Where the out-of-scope threshold came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ThresholdSource {
    /// Tuned on the `--val` set.
    Validation,
    /// Taken from the corpus directory's `relais.toml`.
    Corpus,
    /// Tuned on cross-validation folds of the training data (it has `oos` examples).
    CrossValidation,
    /// Nothing to reject against: every utterance gets its best intent.
    ClosedSet,
}

impl ThresholdSource {
    fn describe(self) -> &'static str {
        match self {
            ThresholdSource::Validation => "tuned on --val",
            ThresholdSource::Corpus => "from the corpus configuration",
            ThresholdSource::CrossValidation => {
                "tuned on cross-validation folds of the training data"
            }
            ThresholdSource::ClosedSet => "closed set: no rejection",
        }
    }

    fn key(self) -> &'static str {
        match self {
            ThresholdSource::Validation => "val",
            ThresholdSource::Corpus => "corpus",
            ThresholdSource::CrossValidation => "cross_validation",
            ThresholdSource::ClosedSet => "closed_set",
        }
    }
}

/// The training data gathered from every `--train` (and a closed-set `--val`).
struct Training {
    spec: CorpusSpec,
    /// Whether a corpus directory brought its own thresholds.
    from_corpus: bool,
    /// How many labelled utterances came from JSON Lines.
    n_lines: usize,
}

/// Everything the report shows.
struct Report {
    metrics: Metrics,
    n_intents: usize,
    n_train_examples: usize,
    val_added_to_training: bool,
    threshold: f32,
    source: ThresholdSource,
    temperature: f32,
    train_seconds: f64,
    p50_us: f64,
    p99_us: f64,
}

/// Runs `relais eval`.
pub(crate) fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let mut training = load_training(&args.train)?;
    let val = args.val.as_deref().map(read_jsonl).transpose()?;
    let test = read_jsonl(&args.test)?;
    anyhow::ensure!(
        !test.is_empty(),
        "{}: no utterance to test",
        args.test.display()
    );
    let tuning = match val {
        Some(val) if val.iter().any(Labelled::is_oos) => Some(val),
        Some(val) => {
            // A closed-set validation split has nothing to tune a threshold on; published
            // figures for such datasets train on train + validation, so do the same.
            dataset::extend_corpus(&mut training.spec, &val);
            training.n_lines += val.len();
            None
        }
        None => None,
    };
    let val_added_to_training = args.val.is_some() && tuning.is_none();

    let started = Instant::now();
    let mut matcher = Matcher::train(&training.spec).context("training failed")?;
    let train_seconds = started.elapsed().as_secs_f64();

    let has_oos_training = training
        .spec
        .intents
        .iter()
        .any(|i| i.id == relais_nlu::OUT_OF_SCOPE_INTENT);
    let (threshold, source) = if let Some(tuning) = &tuning {
        let scored = score_all(&mut matcher, tuning);
        (
            eval::tune_threshold(&scored).unwrap_or(0.0),
            ThresholdSource::Validation,
        )
    } else if training.from_corpus {
        (matcher.config().oos_threshold, ThresholdSource::Corpus)
    } else if has_oos_training {
        let held_out = matcher.held_out();
        match eval::tune_threshold(&held_out) {
            Some(t) => (t, ThresholdSource::CrossValidation),
            None => (0.0, ThresholdSource::ClosedSet),
        }
    } else {
        (0.0, ThresholdSource::ClosedSet)
    };
    let margin = matcher.config().ambiguity_margin;
    matcher.set_config(MatchConfig {
        oos_threshold: threshold,
        ambiguity_margin: margin,
    });

    let (outcomes, mut latencies) = run_test(&matcher, &test);
    latencies.sort_unstable();
    let report = Report {
        metrics: eval::metrics(&outcomes),
        n_intents: matcher.intents().len(),
        n_train_examples: training.spec.intents.iter().map(|i| i.examples.len()).sum(),
        val_added_to_training,
        threshold,
        source,
        temperature: matcher.temperature(),
        train_seconds,
        p50_us: percentile_us(&latencies, 0.50),
        p99_us: percentile_us(&latencies, 0.99),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", json_report(&report))?;
    } else {
        write_table(&mut out, &report, training.n_lines)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Merges every `--train` source; corpus directories bring synonyms and thresholds.
fn load_training(paths: &[PathBuf]) -> anyhow::Result<Training> {
    let mut training = Training {
        spec: CorpusSpec::default(),
        from_corpus: false,
        n_lines: 0,
    };
    for path in paths {
        if path.is_dir() {
            let corpus = relais_corpus::load_dir(path)
                .map_err(|e| anyhow::anyhow!("{}:\n{e}", path.display()))?;
            merge_corpus(&mut training.spec, corpus.spec, !training.from_corpus);
            training.from_corpus = true;
        } else {
            let items = read_jsonl(path)?;
            training.n_lines += items.len();
            dataset::extend_corpus(&mut training.spec, &items);
        }
    }
    Ok(training)
}

/// Adds a corpus' intents (merging examples of intents already present) and synonyms; the
/// first corpus' thresholds are kept.
fn merge_corpus(into: &mut CorpusSpec, from: CorpusSpec, take_config: bool) {
    if take_config {
        into.config = from.config;
    }
    into.synonyms.extend(from.synonyms);
    for intent in from.intents {
        match into.intents.iter_mut().find(|i| i.id == intent.id) {
            Some(existing) => {
                existing.examples.extend(intent.examples);
                existing.keywords.extend(intent.keywords);
                existing.patterns.extend(intent.patterns);
            }
            None => into.intents.push(intent),
        }
    }
}

fn read_jsonl(path: &Path) -> anyhow::Result<Vec<Labelled>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    dataset::parse_jsonl(&text).with_context(|| format!("{}", path.display()))
}

/// Scores every utterance with no threshold, for tuning; restores the matcher's thresholds.
fn score_all(matcher: &mut Matcher, items: &[Labelled]) -> Vec<Scored> {
    let config = matcher.config().clone();
    matcher.set_config(MatchConfig {
        oos_threshold: 0.0,
        ambiguity_margin: 0.0,
    });
    let scored = items
        .iter()
        .map(|item| {
            let result = matcher.match_text(&item.text);
            let top = result.top();
            Scored {
                gold: item.gold().map(str::to_string),
                top: top.map(|c| c.intent.clone()),
                confidence: top.map_or(0.0, |c| c.confidence),
                model_rejected: result.decision == Decision::OutOfScope,
            }
        })
        .collect();
    matcher.set_config(config);
    scored
}

/// Matches every test utterance as the server would, timing each call.
fn run_test(matcher: &Matcher, test: &[Labelled]) -> (Vec<Outcome>, Vec<Duration>) {
    let mut progress = Progress::new(test.len());
    let mut outcomes = Vec::with_capacity(test.len());
    let mut latencies = Vec::with_capacity(test.len());
    for (i, item) in test.iter().enumerate() {
        let started = Instant::now();
        let result = matcher.match_text(&item.text);
        latencies.push(started.elapsed());
        let predicted = match result.decision {
            Decision::OutOfScope => None,
            Decision::Match | Decision::Ambiguous => result.top().map(|c| c.intent.clone()),
        };
        outcomes.push(Outcome {
            gold: item.gold().map(str::to_string),
            predicted,
        });
        progress.update(i + 1);
    }
    progress.finish();
    (outcomes, latencies)
}

/// Nearest-rank percentile of sorted durations, in microseconds.
fn percentile_us(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1e6
}

fn label(intent: Option<&str>) -> &str {
    intent.unwrap_or("(out of scope)")
}

fn json_report(r: &Report) -> serde_json::Value {
    let m = &r.metrics;
    let confusions: Vec<serde_json::Value> = m
        .confusions
        .iter()
        .take(TOP_CONFUSIONS)
        .map(|c| {
            serde_json::json!({
                "gold": c.gold.as_deref().unwrap_or(relais_nlu::OUT_OF_SCOPE_INTENT),
                "predicted": c.predicted.as_deref().unwrap_or(relais_nlu::OUT_OF_SCOPE_INTENT),
                "count": c.count,
            })
        })
        .collect();
    serde_json::json!({
        "in_scope_accuracy": m.in_scope_accuracy,
        "oos_recall": m.oos_recall,
        "oos_precision": m.oos_precision,
        "macro_f1": m.macro_f1,
        "n_test": m.n_test,
        "n_test_oos": m.n_oos,
        "n_intents": r.n_intents,
        "n_train_examples": r.n_train_examples,
        "val_added_to_training": r.val_added_to_training,
        "threshold": r.threshold,
        "threshold_source": r.source.key(),
        "temperature": r.temperature,
        "train_seconds": r.train_seconds,
        "match_p50_us": r.p50_us,
        "match_p99_us": r.p99_us,
        "top_confusions": confusions,
    })
}

fn write_table(out: &mut impl Write, r: &Report, n_lines: usize) -> std::io::Result<()> {
    let m = &r.metrics;
    let pct = |v: f64| format!("{:6.2} %", v * 100.0);
    writeln!(
        out,
        "trained on {} examples ({} from JSON Lines), {} intents, in {:.2} s",
        r.n_train_examples, n_lines, r.n_intents, r.train_seconds
    )?;
    if r.val_added_to_training {
        writeln!(
            out,
            "--val has no out-of-scope line: closed set, added to the training data"
        )?;
    }
    writeln!(
        out,
        "out-of-scope threshold {:.3} ({}), softmax temperature {:.3}",
        r.threshold,
        r.source.describe(),
        r.temperature
    )?;
    writeln!(
        out,
        "test: {} utterances, {} out of scope",
        m.n_test, m.n_oos
    )?;
    writeln!(out)?;
    writeln!(out, "  in-scope accuracy  {}", pct(m.in_scope_accuracy))?;
    match (m.oos_recall, m.oos_precision) {
        (Some(recall), Some(precision)) => {
            writeln!(out, "  oos recall         {}", pct(recall))?;
            writeln!(out, "  oos precision      {}", pct(precision))?;
        }
        _ => writeln!(out, "  oos recall         n/a (no out-of-scope test line)")?,
    }
    writeln!(out, "  macro F1           {}", pct(m.macro_f1))?;
    writeln!(
        out,
        "  match latency      p50 {:.1} µs, p99 {:.1} µs",
        r.p50_us, r.p99_us
    )?;
    if !m.confusions.is_empty() {
        writeln!(out)?;
        writeln!(out, "most confused (true -> answered):")?;
        for c in m.confusions.iter().take(TOP_CONFUSIONS) {
            writeln!(
                out,
                "  {:5}  {} -> {}",
                c.count,
                label(c.gold.as_deref()),
                label(c.predicted.as_deref())
            )?;
        }
    }
    Ok(())
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Progress {
    total: usize,
    enabled: bool,
    drawn: usize,
}

impl Progress {
    const WIDTH: usize = 30;

    fn new(total: usize) -> Self {
        Progress {
            total,
            enabled: std::io::stderr().is_terminal(),
            drawn: usize::MAX,
        }
    }

    fn update(&mut self, done: usize) {
        if !self.enabled || self.total == 0 {
            return;
        }
        let filled = done * Self::WIDTH / self.total;
        if filled == self.drawn && done != self.total {
            return;
        }
        self.drawn = filled;
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(Self::WIDTH - filled));
        // Progress is best effort: a closed stderr must not fail the evaluation.
        let _ = write!(
            std::io::stderr(),
            "\rmatching [{bar}] {done}/{}",
            self.total
        );
    }

    fn finish(&self) {
        if self.enabled {
            let _ = writeln!(std::io::stderr());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let d: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile_us(&d, 0.5), 50.0);
        assert_eq!(percentile_us(&d, 0.99), 99.0);
        assert_eq!(percentile_us(&d[..1], 0.99), 1.0);
        assert_eq!(percentile_us(&[], 0.5), 0.0);
    }

    #[test]
    fn corpora_merge_by_intent() {
        let mut into = CorpusSpec::default();
        let items = [Labelled {
            text: "hello".into(),
            intent: "greet".into(),
        }];
        dataset::extend_corpus(&mut into, &items);
        let mut from = CorpusSpec::default();
        dataset::extend_corpus(&mut from, &items);
        from.config.oos_threshold = 0.9;
        merge_corpus(&mut into, from, true);
        assert_eq!(into.intents.len(), 1);
        assert_eq!(into.intents[0].examples.len(), 2);
        assert_eq!(into.config.oos_threshold, 0.9);
    }
}
