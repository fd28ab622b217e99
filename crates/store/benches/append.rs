//! Durable appends per second through `SledStore`, with 1, 16 and 128 concurrent writers.
//!
//! Each writer thread appends one event at a time to its own conversation and waits for the
//! `Durable` before the next, as a websocket session does before acknowledging a message. One
//! criterion iteration is one append, so the reported throughput is appends per second. With
//! one writer every append pays a whole flush; with more, writers share flushes (group
//! commit): the appends-per-flush ratio printed after each group shows by how much (a flush is
//! one write and one `fdatasync` of the store's write-ahead log).
//!
//! The store lives under cargo's target directory, not `/tmp`, which is often a tmpfs where
//! fsync costs nothing. Run with `cargo bench -p relais-store --bench append`.

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use relais_store::{SledStore, Store};
use serde_json::json;

const WRITER_COUNTS: [usize; 3] = [1, 16, 128];

fn conversation(writer: usize) -> String {
    format!("bench-{writer}")
}

/// Runs `appends` durable appends spread over `writers` threads; returns the time they took.
fn run(store: &Arc<SledStore>, writers: usize, appends: u64) -> Duration {
    let start = Arc::new(Barrier::new(writers + 1));
    let per_writer = appends / writers as u64;
    let remainder = appends % writers as u64;
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let (store, start) = (Arc::clone(store), Arc::clone(&start));
            let count = per_writer + u64::from((w as u64) < remainder);
            thread::spawn(move || {
                let id = conversation(w);
                start.wait();
                for n in 0..count {
                    let event =
                        json!({"kind": "customer", "text": "Bonjour, ma facture ?", "n": n});
                    let (_, durable) = store.append(&id, vec![event], None).expect("append");
                    durable.wait().expect("durable");
                }
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    for handle in handles {
        handle.join().expect("writer thread");
    }
    began.elapsed()
}

fn durable_appends(c: &mut Criterion) {
    let mut group = c.benchmark_group("durable_append");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(8));
    for writers in WRITER_COUNTS {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
        let store = Arc::new(SledStore::open(dir.path()).expect("open store"));
        for w in 0..writers {
            store
                .create_conversation(&conversation(w), &format!("resume-{w}"), &json!({}))
                .expect("create conversation");
        }
        let before = store.flush_stats();
        group.bench_with_input(
            BenchmarkId::new("writers", writers),
            &writers,
            |b, &writers| {
                b.iter_custom(|appends| run(&store, writers, appends));
            },
        );
        let after = store.flush_stats();
        let (writes, flushes) = (after.writes - before.writes, after.flushes - before.flushes);
        eprintln!(
            "writers={writers}: {writes} durable appends, {flushes} flushes, {:.1} appends per flush",
            writes as f64 / flushes.max(1) as f64
        );
    }
    group.finish();
}

// Written out rather than through `criterion_group!`, whose generated function has no doc.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    durable_appends(&mut criterion);
    criterion.final_summary();
}
