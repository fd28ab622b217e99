//! Reports over hand-built event sequences. Every expected figure is counted by hand from the
//! sequence in the comment above it, not read back from the implementation.
//!
//! Properties checked:
//! 1. Each figure of the module docs' table, on a day of four typical conversations.
//! 2. A period merges its days; its series has one point per day, empty days at 0.
//! 3. Folding in one place, or in parts merged later (also through JSON), gives one report.
//! 4. An empty period has every rate at 0, never NaN, and the JSON keys `relais stats` needs.
//! 5. Rates stay within [0, 1] when a conversation's events fall on two days.
//! 6. Forgetting missed questions' texts keeps every count.

use serde_json::Value;

use crate::event::EventKind::*;
use crate::{
    AnalyticsEvent, Daily, DailyAggregate, Day, EventKind, HandoffReason, Path, ReplyOutcome,
    Report, Score,
};

fn day(text: &str) -> Day {
    text.parse().unwrap()
}

fn reply(outcome: ReplyOutcome, intent: Option<&str>, confidence: f32) -> EventKind {
    BotReply {
        outcome,
        intent: intent.map(str::to_owned),
        confidence,
    }
}

fn answered(intent: &str, confidence: f32) -> EventKind {
    reply(ReplyOutcome::Answered, Some(intent), confidence)
}

fn fallback() -> EventKind {
    reply(ReplyOutcome::Fallback, None, 0.1)
}

fn missed(text: &str) -> EventKind {
    MissedQuestion { text: text.into() }
}

fn survey(score: u8, path: Path, intents: &[&str], wait_ms: Option<u64>) -> EventKind {
    SurveyAnswered {
        score: Score::new(score).unwrap(),
        path,
        intents: intents.iter().map(|i| (*i).to_owned()).collect(),
        wait_ms,
    }
}

fn fold(daily: &mut Daily, on: Day, kinds: Vec<EventKind>) {
    for kind in kinds {
        daily.fold(&AnalyticsEvent::new(on, kind));
    }
}

/// Four conversations of one day.
fn four_conversations() -> Vec<EventKind> {
    vec![
        // 1. Bot only: an answer, small talk, a miss; survey 6.
        ConversationStarted,
        CustomerTurn,
        answered("billing", 0.9),
        CustomerTurn,
        reply(ReplyOutcome::Smalltalk, Some("thanks"), 1.0),
        CustomerTurn,
        fallback(),
        missed("Où est mon colis ?"),
        ConversationEnded {
            path: Path::BotOnly,
        },
        survey(6, Path::BotOnly, &["billing"], None),
        // 2. A clarification taken, then an explicit request; waits 40 s, advisor answers
        // after 8 s; survey 3.
        ConversationStarted,
        CustomerTurn,
        reply(ReplyOutcome::Clarify, None, 0.5),
        CustomerTurn,
        answered("moving", 0.7),
        ClarificationAnswered { accepted: true },
        CustomerTurn,
        HandoffRequested {
            reason: HandoffReason::Explicit,
        },
        Escalated,
        Queued,
        Assigned { wait_ms: 40_000 },
        AdvisorFirstResponse { after_ms: 8_000 },
        ConversationEnded {
            path: Path::HandedOff,
        },
        survey(3, Path::HandedOff, &["moving"], Some(40_000)),
        // 3. Two misses, an offer accepted, no advisor: a callback; survey skipped.
        ConversationStarted,
        CustomerTurn,
        fallback(),
        missed("colis perdu"),
        CustomerTurn,
        fallback(),
        missed("où   est MON colis"),
        CustomerTurn,
        reply(ReplyOutcome::HandoffOffer, None, 0.0),
        CustomerTurn,
        HandoffRequested {
            reason: HandoffReason::Misunderstandings,
        },
        Escalated,
        CallbackLeft,
        SurveySkipped {
            path: Path::Callback,
        },
        // 4. A clarification refused, frustration, the customer leaves the queue after 70 s.
        ConversationStarted,
        CustomerTurn,
        reply(ReplyOutcome::Clarify, None, 0.4),
        CustomerTurn,
        fallback(),
        ClarificationAnswered { accepted: false },
        missed("autre"),
        HandoffRequested {
            reason: HandoffReason::Frustration,
        },
        Escalated,
        Queued,
        AbandonedQueue { wait_ms: 70_000 },
    ]
}

#[test]
fn a_day_of_four_conversations() {
    let d = day("2025-03-10");
    let mut daily = Daily::new();
    fold(&mut daily, d, four_conversations());
    let r = Report::over(&daily, d, d);

    assert_eq!(r.conversations, 4);
    // Turns: 3 + 3 + 4 + 2.
    assert_eq!(r.customer_turns, 12);
    // Replies: answered 2 (billing, moving), small talk 1, fallback 4 (1 + 2 + 1),
    // clarify 2, offer 1; the two turns ending in a handoff got none (10 + 2 = 12).
    assert_eq!(
        (
            r.replies.answered,
            r.replies.smalltalk,
            r.replies.fallback,
            r.replies.clarify,
            r.replies.handoff_offer
        ),
        (2, 1, 4, 2, 1)
    );
    // Understood: (2 answered + 1 small talk) / 12.
    assert_eq!(r.understanding_rate, 0.25);
    assert_eq!(r.fallback_rate, 4.0 / 12.0);
    // Confidence of the answers: (0.9 + 0.7) / 2.
    assert!((r.answer_confidence_mean - 0.8).abs() < 1e-6);
    assert_eq!(r.clarifications, 2);
    assert_eq!(r.clarifications_answered, 2);
    assert_eq!(r.clarification_acceptance_rate, 0.5);
    // Only conversation 1 had no human.
    assert_eq!(r.contained, 1);
    assert_eq!(r.containment_rate, 0.25);
    assert_eq!(r.handoffs, 3);
    assert_eq!(r.handoff_rate, 0.75);
    for (reason, count) in [
        (HandoffReason::Explicit, 1),
        (HandoffReason::Misunderstandings, 1),
        (HandoffReason::Frustration, 1),
        (HandoffReason::NotCovered, 0),
        (HandoffReason::Takeover, 0),
        (HandoffReason::Unknown, 0),
    ] {
        let share = r.handoffs_by_reason[&reason];
        assert_eq!(share.count, count, "{reason:?}");
        assert_eq!(share.rate, count as f64 / 4.0, "{reason:?}");
    }
    assert_eq!(r.callbacks, 1);
    assert_eq!(r.queue.queued, 2);
    assert_eq!(r.queue.assigned, 1);
    assert_eq!(r.queue.abandoned, 1);
    assert_eq!(r.queue.abandonment_rate, 0.5);
    // One wait of 40 s: its bucket (30, 45] capped by the longest wait.
    assert_eq!(r.queue.wait_p50_s, Some(40));
    assert_eq!(r.queue.wait_p90_s, Some(40));
    assert_eq!(r.advisor_first_response.count, 1);
    assert_eq!(r.advisor_first_response.p50_s, Some(8));
    // Scores 6 and 3.
    assert_eq!(r.ces_count, 2);
    assert_eq!(r.ces_mean, 4.5);
    assert_eq!(r.ces_distribution, [0, 0, 1, 0, 0, 1, 0]);
    assert_eq!(r.ces_by_path.bot_only.count, 1);
    assert_eq!(r.ces_by_path.bot_only.mean, 6.0);
    assert_eq!(r.ces_by_path.handed_off.mean, 3.0);
    assert_eq!(r.ces_by_path.callback.count, 0);
    assert_eq!(r.ces_by_path.callback.mean, 0.0);
    let by_intent: Vec<(&str, f64)> = r
        .ces_by_intent
        .iter()
        .map(|i| (i.intent.as_str(), i.ces.mean))
        .collect();
    assert_eq!(by_intent, vec![("billing", 6.0), ("moving", 3.0)]);
    assert_eq!(r.surveys_skipped, 1);
    let intents: Vec<(&str, u64)> = r
        .top_intents
        .iter()
        .map(|c| (c.text.as_str(), c.count))
        .collect();
    assert_eq!(intents, vec![("billing", 1), ("moving", 1)]);
    // "Où est mon colis ?" and "où   est MON colis" normalise to one text.
    assert_eq!(r.missed_questions_total, 4);
    let missed: Vec<(&str, u64)> = r
        .missed_questions
        .iter()
        .map(|c| (c.text.as_str(), c.count))
        .collect();
    assert_eq!(
        missed,
        vec![("où est mon colis", 2), ("autre", 1), ("colis perdu", 1)]
    );
    assert_eq!(r.series.len(), 1);
    assert_eq!(r.series[0].conversations, 4);
    assert_eq!(r.series[0].handoff_rate, 0.75);
}

/// Day 1: two conversations, one handed off; day 3: one, contained, scored 7.
fn a_three_day_period() -> Vec<(Day, Vec<EventKind>)> {
    vec![
        (
            day("2025-01-30"),
            vec![
                ConversationStarted,
                CustomerTurn,
                answered("billing", 0.8),
                ConversationStarted,
                CustomerTurn,
                HandoffRequested {
                    reason: HandoffReason::Explicit,
                },
                Escalated,
                Queued,
                Assigned { wait_ms: 12_000 },
            ],
        ),
        (
            day("2025-02-01"),
            vec![
                ConversationStarted,
                CustomerTurn,
                fallback(),
                CustomerTurn,
                answered("moving", 0.9),
                survey(7, Path::BotOnly, &["moving"], None),
            ],
        ),
    ]
}

#[test]
fn a_period_merges_its_days_and_charts_each_one() {
    let mut daily = Daily::new();
    for (on, kinds) in a_three_day_period() {
        fold(&mut daily, on, kinds);
    }
    let r = Report::over(&daily, day("2025-01-30"), day("2025-02-01"));
    assert_eq!(r.conversations, 3);
    assert_eq!(r.customer_turns, 4);
    // Understood: the two answers out of four turns.
    assert_eq!(r.understanding_rate, 0.5);
    assert_eq!(r.fallback_rate, 0.25);
    assert_eq!(r.handoff_rate, 1.0 / 3.0);
    assert_eq!(r.containment_rate, 2.0 / 3.0);
    assert_eq!(r.ces_count, 1);
    assert_eq!(r.ces_mean, 7.0);
    // 12 s lies in (10, 20]: capped by the max, 12.
    assert_eq!(r.queue.wait_p50_s, Some(12));

    let days: Vec<String> = r.series.iter().map(|p| p.day.to_string()).collect();
    assert_eq!(days, ["2025-01-30", "2025-01-31", "2025-02-01"]);
    let first = &r.series[0];
    assert_eq!(
        (
            first.conversations,
            first.handoff_rate,
            first.containment_rate
        ),
        (2, 0.5, 0.5)
    );
    let empty = &r.series[1];
    assert_eq!(
        (
            empty.conversations,
            empty.understanding_rate,
            empty.handoff_rate,
            empty.ces_mean,
            empty.wait_p50_s
        ),
        (0, 0.0, 0.0, 0.0, None)
    );
    let last = &r.series[2];
    assert_eq!(
        (last.customer_turns, last.fallback_rate, last.ces_mean),
        (2, 0.5, 7.0)
    );

    // A period of the last day alone sees only it; a reversed period is the same period.
    let last_day = Report::over(&daily, day("2025-02-01"), day("2025-02-01"));
    assert_eq!(last_day.conversations, 1);
    let backwards = Report::over(&daily, day("2025-02-01"), day("2025-01-30"));
    assert_eq!(backwards, r);
}

#[test]
fn folding_in_parts_and_through_json_gives_the_same_report() {
    let events: Vec<(Day, EventKind)> = a_three_day_period()
        .into_iter()
        .flat_map(|(on, kinds)| kinds.into_iter().map(move |k| (on, k)))
        .chain(
            four_conversations()
                .into_iter()
                .map(|k| (day("2025-01-31"), k)),
        )
        .collect();
    let mut whole = Daily::new();
    for (on, kind) in &events {
        whole.fold(&AnalyticsEvent::new(*on, kind.clone()));
    }
    // Every other event on one side: each day's figures come in two halves.
    let (mut odd, mut even) = (Daily::new(), Daily::new());
    for (i, (on, kind)) in events.iter().enumerate() {
        let side = if i % 2 == 0 { &mut even } else { &mut odd };
        side.fold(&AnalyticsEvent::new(*on, kind.clone()));
    }
    let mut records = odd.drain();
    records.extend(even.drain());
    let stored = serde_json::to_string(&records).unwrap();
    let loaded: Vec<DailyAggregate> = serde_json::from_str(&stored).unwrap();
    let merged: Daily = loaded.into_iter().collect();

    let (from, to) = (day("2025-01-30"), day("2025-02-01"));
    assert_eq!(
        Report::over(&merged, from, to),
        Report::over(&whole, from, to)
    );
    assert!(odd.is_empty() && even.is_empty());
}

#[test]
fn an_empty_period_has_zero_rates_and_every_key() {
    let r = Report::over(&Daily::new(), day("2025-05-01"), day("2025-05-07"));
    let json = serde_json::to_value(&r).unwrap();
    for key in [
        "conversations",
        "customer_turns",
        "understanding_rate",
        "fallback_rate",
        "containment_rate",
        "handoff_rate",
        "ces_count",
        "ces_mean",
        "clarification_acceptance_rate",
    ] {
        assert_eq!(json[key].as_f64(), Some(0.0), "{key}");
    }
    assert_eq!(json["queue"]["abandonment_rate"].as_f64(), Some(0.0));
    assert_eq!(json["queue"]["wait_p50_s"], Value::Null);
    assert_eq!(
        json["handoffs_by_reason"]["takeover"]["rate"].as_f64(),
        Some(0.0)
    );
    assert_eq!(json["from"], "2025-05-01");
    assert_eq!(json["series"].as_array().map(Vec::len), Some(7));
}

#[test]
fn rates_stay_within_one_when_a_conversation_spans_midnight() {
    // Started just before midnight, handed off just after, alongside one new conversation
    // handed off too: the second day has 1 conversation and 2 handoffs.
    let (d1, d2) = (day("2025-07-01"), day("2025-07-02"));
    let mut daily = Daily::new();
    fold(&mut daily, d1, vec![ConversationStarted, CustomerTurn]);
    let handoff = || {
        vec![
            HandoffRequested {
                reason: HandoffReason::Explicit,
            },
            Escalated,
        ]
    };
    fold(&mut daily, d2, handoff());
    fold(&mut daily, d2, vec![ConversationStarted, CustomerTurn]);
    fold(&mut daily, d2, handoff());
    let second = Report::over(&daily, d2, d2);
    assert_eq!(second.handoffs, 2);
    assert_eq!(second.handoff_rate, 1.0);
    assert_eq!(second.containment_rate, 0.0);
    let both = Report::over(&daily, d1, d2);
    assert_eq!(both.handoff_rate, 1.0);
    assert_eq!(both.contained, 0);
}

#[test]
fn forgetting_texts_keeps_the_counts() {
    let d = day("2025-03-10");
    let mut daily = Daily::new();
    fold(&mut daily, d, four_conversations());
    let mut records = daily.drain();
    records[0].figures.forget_missed("COLIS perdu");
    let r = Report::over(&records.iter().cloned().collect(), d, d);
    assert_eq!(r.missed_questions_total, 4);
    assert_eq!(r.missed_questions.len(), 2);
    assert!(r.missed_questions.iter().all(|m| m.text != "colis perdu"));

    records[0].figures.forget_texts();
    let r = Report::over(&records.into_iter().collect(), d, d);
    assert_eq!(r.missed_questions_total, 4);
    assert!(r.missed_questions.is_empty());
    assert_eq!(r.conversations, 4);
    assert_eq!(r.fallback_rate, 4.0 / 12.0);
}
