//! What the persisted daily aggregates cost: a customer turn (question and answer appended)
//! through the aggregating wrapper against the bare in-memory store (the difference is the
//! conversion and fold), and a year's report read from the daily records (365 records,
//! whatever the number of conversations).
//!
//! Run: `cargo bench -p relais-server --bench aggregates`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::Criterion;
use relais_analytics::{AnalyticsEvent, Daily, Day, EventKind, ReplyOutcome, Report};
use relais_server::{daily_aggregates, replace_daily, with_aggregates};
use relais_store::{MemoryStore, Store};
use serde_json::{Value, json};

fn turn(n: u64) -> Vec<Value> {
    vec![
        json!({"kind": "customer", "text": format!("ma facture numéro {n} est trop élevée")}),
        json!({"kind": "bot", "text": "Voici comment lire votre facture.", "intent": "bill_explain",
               "confidence": 0.82, "outcome": "answer", "quick_replies": [], "lang": "fr"}),
    ]
}

fn append_turns(c: &mut Criterion) {
    let mut group = c.benchmark_group("turn");
    for (name, store) in [
        ("bare", Arc::new(MemoryStore::new()) as Arc<dyn Store>),
        ("aggregating", with_aggregates(Arc::new(MemoryStore::new()))),
    ] {
        store.create_conversation("c", "h", &json!({})).unwrap();
        let mut n = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                n += 1;
                let (events, durable) = store.append("c", turn(n), None).unwrap();
                black_box(events);
                durable.wait().unwrap();
            });
        });
    }
    group.finish();
}

fn year_report(c: &mut Criterion) {
    // A year of days, each with 200 conversations of three turns, one missed question each.
    let mut daily = Daily::new();
    for day in 20_000..20_365 {
        let day = Day::from_days(day);
        for n in 0..200u32 {
            let mut fold = |kind| daily.fold(&AnalyticsEvent::new(day, kind));
            fold(EventKind::ConversationStarted);
            for _ in 0..3 {
                fold(EventKind::CustomerTurn);
                fold(EventKind::BotReply {
                    outcome: ReplyOutcome::Answered,
                    intent: Some(format!("intent_{}", n % 40)),
                    confidence: 0.8,
                });
            }
            fold(EventKind::MissedQuestion {
                text: format!("question number {} of the day", n % 60),
            });
        }
    }
    let store = with_aggregates(Arc::new(MemoryStore::new()));
    replace_daily(store.as_ref(), daily)
        .unwrap()
        .wait()
        .unwrap();
    let (from, to) = (Day::from_days(20_000), Day::from_days(20_364));
    c.bench_function("report/365 days", |b| {
        b.iter(|| {
            let daily = daily_aggregates(store.as_ref(), from, to).unwrap();
            black_box(Report::over(&daily, from, to))
        });
    });
}

// Written out rather than through `criterion_group!`, whose generated function has no doc.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    append_turns(&mut criterion);
    year_report(&mut criterion);
    criterion.final_summary();
}
