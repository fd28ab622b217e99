//! Matcher benchmarks on CLINC150: one match (without and with keyword rules), and training
//! on the whole training set.
//!
//! The data is read from the shared datasets folder beside the repository
//! (`../../../shared/datasets/clinc150` from this crate); without it the benches say so and
//! measure nothing.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use relais_nlu::dataset::{self, Labelled};
use relais_nlu::{CorpusSpec, Matcher};

fn clinc150(split: &str) -> Option<Vec<Labelled>> {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "../../../shared/datasets/clinc150",
        &format!("{split}.jsonl"),
    ]
    .iter()
    .collect();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: {} is not available", path.display());
        return None;
    };
    match dataset::parse_jsonl(&text) {
        Ok(items) => Some(items),
        Err(e) => {
            eprintln!("skipping: {}: {e}", path.display());
            None
        }
    }
}

fn training_spec() -> Option<CorpusSpec> {
    let mut spec = CorpusSpec::default();
    dataset::extend_corpus(&mut spec, &clinc150("train")?);
    Some(spec)
}

fn bench_match(c: &mut Criterion) {
    let (Some(spec), Some(val)) = (training_spec(), clinc150("val")) else {
        return;
    };
    let matcher = match Matcher::train(&spec) {
        Ok(m) => m,
        Err(e) => panic!("CLINC150 must train: {e}"),
    };
    let texts: Vec<&str> = val.iter().map(|l| l.text.as_str()).collect();
    let mut next = 0;
    c.bench_function("match_one/clinc150", |b| {
        b.iter(|| {
            next = (next + 1) % texts.len();
            black_box(matcher.match_text(black_box(texts[next])))
        })
    });
}

/// CLINC150 with one authored keyword per intent (its id's words, `credit_limit` → "credit
/// limit"), so that a match also runs the keyword rules, as the demo corpus' matches do.
fn bench_match_keywords(c: &mut Criterion) {
    let (Some(mut spec), Some(val)) = (training_spec(), clinc150("val")) else {
        return;
    };
    for intent in &mut spec.intents {
        intent.keywords.push(intent.id.replace('_', " "));
    }
    let matcher = match Matcher::train(&spec) {
        Ok(m) => m,
        Err(e) => panic!("CLINC150 with keywords must train: {e}"),
    };
    let texts: Vec<&str> = val.iter().map(|l| l.text.as_str()).collect();
    let mut next = 0;
    c.bench_function("match_one/clinc150_keywords", |b| {
        b.iter(|| {
            next = (next + 1) % texts.len();
            black_box(matcher.match_text(black_box(texts[next])))
        })
    });
}

fn bench_train(c: &mut Criterion) {
    let Some(spec) = training_spec() else {
        return;
    };
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("clinc150", |b| b.iter(|| black_box(Matcher::train(&spec))));
    group.finish();
}

criterion_group!(benches, bench_match, bench_match_keywords, bench_train);
criterion_main!(benches);
