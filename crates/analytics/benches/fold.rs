//! The cost of incremental counters: folding events into daily aggregates, and merging a
//! year of days into a report.
//!
//! Run with `cargo bench -p relais-analytics --bench fold`. Before measuring, it prints the
//! size of a busy day's aggregate as stored (JSON), the figure to multiply by the days kept.

// criterion's macros generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use relais_analytics::{
    AnalyticsEvent, Daily, DailyAggregate, Day, EventKind, HandoffReason, Path, ReplyOutcome,
    Report, Score,
};

/// Events folded in the fold benchmark.
const EVENTS: usize = 1_000_000;
/// Days merged in the report benchmark.
const DAYS: u32 = 365;
/// Distinct missed questions: more than the heavy-hitters list keeps.
const MISSED_TEXTS: u64 = 1_000;
/// Intents answered.
const INTENTS: [&str; 12] = [
    "bill_explain",
    "bill_pay",
    "move_house",
    "meter_reading",
    "outage",
    "contract_change",
    "tariff",
    "refund",
    "payment_plan",
    "opening_hours",
    "green_offer",
    "solar",
];

/// A deterministic pseudo-random sequence (xorshift), so every run folds the same events.
struct Rng(u64);

impl Rng {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// One conversation's events: a few turns, sometimes a handoff, often a survey.
fn conversation(rng: &mut Rng, out: &mut Vec<EventKind>) {
    out.push(EventKind::ConversationStarted);
    let mut intents = Vec::new();
    for _ in 0..1 + rng.next(4) {
        out.push(EventKind::CustomerTurn);
        let roll = rng.next(100);
        let outcome = match roll {
            0..60 => ReplyOutcome::Answered,
            60..75 => ReplyOutcome::Smalltalk,
            75..85 => ReplyOutcome::Clarify,
            85..97 => ReplyOutcome::Fallback,
            _ => ReplyOutcome::HandoffOffer,
        };
        let intent = INTENTS[rng.next(INTENTS.len() as u64) as usize];
        out.push(EventKind::BotReply {
            outcome,
            intent: Some(intent.to_owned()),
            confidence: 0.8,
        });
        if outcome == ReplyOutcome::Answered {
            intents.push(intent.to_owned());
        }
        if outcome == ReplyOutcome::Fallback {
            out.push(EventKind::MissedQuestion {
                text: format!("question numéro {}", word(rng.next(MISSED_TEXTS))),
            });
        }
    }
    let handed_off = rng.next(100) < 20;
    if handed_off {
        out.push(EventKind::HandoffRequested {
            reason: HandoffReason::Explicit,
        });
        out.push(EventKind::Escalated);
        out.push(EventKind::Queued);
        out.push(EventKind::Assigned {
            wait_ms: rng.next(600_000),
        });
        out.push(EventKind::AdvisorFirstResponse {
            after_ms: rng.next(60_000),
        });
    }
    let path = if handed_off {
        Path::HandedOff
    } else {
        Path::BotOnly
    };
    out.push(EventKind::ConversationEnded { path });
    if rng.next(2) == 0 {
        let score = Score::new(1 + rng.next(7) as u8).expect("1..=7");
        out.push(EventKind::SurveyAnswered {
            score,
            path,
            intents,
            wait_ms: None,
        });
    }
}

/// Letters for a number (missed questions hold no digits: they would be masked).
fn word(mut n: u64) -> String {
    let mut out = String::from("q");
    while n > 0 {
        out.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    out
}

/// At least `count` events, spread evenly over `days` days.
fn events(count: usize, days: u32) -> Vec<AnalyticsEvent> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut kinds = Vec::with_capacity(count + 32);
    while kinds.len() < count {
        conversation(&mut rng, &mut kinds);
    }
    let per_day = kinds.len().div_ceil(days as usize);
    let first = Day::from_days(20_000);
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| {
            AnalyticsEvent::new(Day::from_days(first.days() + (i / per_day) as u32), kind)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let year = events(EVENTS, DAYS);
    let mut daily = Daily::new();
    for event in &year {
        daily.fold(event);
    }
    let records = daily.drain();
    let sizes: Vec<usize> = records
        .iter()
        .map(|r| serde_json::to_vec(r).map_or(0, |json| json.len()))
        .collect();
    eprintln!(
        "{} events over {} days ({} per day); stored aggregate per day: max {} bytes, mean {} bytes",
        year.len(),
        records.len(),
        year.len() / records.len(),
        sizes.iter().max().copied().unwrap_or(0),
        sizes.iter().sum::<usize>() / sizes.len().max(1),
    );

    let mut group = c.benchmark_group("analytics");
    group.sample_size(10);
    group.throughput(Throughput::Elements(year.len() as u64));
    group.bench_function("fold 1M events into 365 days", |b| {
        b.iter(|| {
            let mut daily = Daily::new();
            for event in &year {
                daily.fold(event);
            }
            black_box(daily)
        })
    });
    group.throughput(Throughput::Elements(u64::from(DAYS)));
    let (from, to) = (records[0].day, records[records.len() - 1].day);
    group.bench_function("load 365 stored days and report on them", |b| {
        b.iter_batched(
            || records.clone(),
            |records: Vec<DailyAggregate>| {
                let daily: Daily = records.into_iter().collect();
                black_box(Report::over(&daily, from, to))
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
