//! The evaluation `relais intents review` compares: accuracy on the corpus's own held-out
//! folds, and the conversation tests.
//!
//! Folds follow `relais intents lint`: the `i`-th example of each intent goes to fold
//! `i mod k`. A held-out example counts as right when the matcher, trained on the other
//! folds, does not reject it and ranks its own intent first. The conversation tests run
//! through `relais test --json` (this same binary), so they are played exactly as there.

use std::path::Path;
use std::process::Command;

use anyhow::Context;
use indicatif::ProgressBar;
use relais_corpus::Corpus;
use relais_nlu::{Decision, Matcher, OUT_OF_SCOPE_INTENT};
use serde::Serialize;

/// Held-out accuracy of one corpus.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct Accuracy {
    /// Held-out examples answered with their own intent.
    pub(crate) right: usize,
    /// Held-out in-scope examples.
    pub(crate) total: usize,
}

impl Accuracy {
    /// `right / total` in percent (0 when there is nothing to hold out).
    pub(crate) fn percent(self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        100.0 * self.right as f64 / self.total as f64
    }
}

/// Cross-validates `corpus` over `folds` folds, advancing `bar` by one per fold.
pub(crate) fn cross_validate(
    corpus: &Corpus,
    folds: usize,
    bar: &ProgressBar,
) -> anyhow::Result<Accuracy> {
    let mut accuracy = Accuracy { right: 0, total: 0 };
    for fold in 0..folds {
        let mut training = corpus.spec.clone();
        let mut held_out = Vec::new();
        for intent in &mut training.intents {
            let mut index = 0;
            intent.examples.retain(|example| {
                let keep = index % folds != fold;
                index += 1;
                if !keep && intent.id != OUT_OF_SCOPE_INTENT {
                    held_out.push((intent.id.clone(), example.text.clone()));
                }
                keep
            });
        }
        let matcher = Matcher::train(&training).context("cannot train on a fold")?;
        for (intent, text) in held_out {
            let result = matcher.match_text(&text);
            let right = result.decision != Decision::OutOfScope
                && result
                    .candidates
                    .first()
                    .is_some_and(|c| c.intent == intent);
            accuracy.total += 1;
            accuracy.right += usize::from(right);
        }
        bar.inc(1);
    }
    Ok(accuracy)
}

/// What `relais test` said of one corpus.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub(crate) struct TestRun {
    /// Dialogues that passed.
    pub(crate) passed: usize,
    /// Dialogues that failed.
    pub(crate) failed: usize,
}

/// Plays the conversation tests of `tests` against the corpus in `corpus`; `None` when there
/// are none (or they cannot run, e.g. invalid files: `relais test` explains why).
pub(crate) fn conversation_tests(corpus: &Path, tests: &Path) -> anyhow::Result<Option<TestRun>> {
    if !tests.is_dir() {
        return Ok(None);
    }
    let me = std::env::current_exe().context("cannot find the relais binary")?;
    let output = Command::new(me)
        .arg("test")
        .arg(tests)
        .arg("--intents")
        .arg(corpus)
        .arg("--json")
        .output()
        .context("cannot run relais test")?;
    let report: serde_json::Value = match serde_json::from_slice(&output.stdout) {
        Ok(report) => report,
        Err(_) => return Ok(None),
    };
    let count = |key: &str| report[key].as_u64().map(|n| n as usize);
    Ok(count("passed")
        .zip(count("failed"))
        .map(|(passed, failed)| TestRun { passed, failed }))
}
