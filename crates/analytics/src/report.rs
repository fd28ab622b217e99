//! The figures of a period, computed from its days: what `relais stats` prints and the
//! dashboard draws.
//!
//! Definitions (every rate is a fraction in [0, 1], and 0 when its denominator is 0):
//!
//! | figure | definition |
//! |---|---|
//! | `understanding_rate` | customer turns the bot answered or recognised as small talk / customer turns |
//! | `fallback_rate` | customer turns not understood / customer turns |
//! | `clarification_acceptance_rate` | clarifying questions answered by taking an offered choice / those answered at all |
//! | `containment_rate` | conversations with no human involved (no handoff, takeover or callback) / conversations |
//! | `handoff_rate` | conversations handed to a human / conversations (`handoffs_by_reason` split it) |
//! | `queue.abandonment_rate` | waits the customer ended / waits that ended |
//! | `*_p50_s`, `*_p90_s` | percentiles in seconds, as bucket bounds (`null` without data) |
//! | `ces_mean` | mean effort score, 1 (very hard) to 7 (very easy); 0 without answers |
//!
//! Each event counts on its own day, so a conversation that crosses midnight counts on both;
//! rates are clamped so that such a split never shows above 1.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aggregate::{Aggregate, ByPath, Daily, Outcomes};
use crate::day::Day;
use crate::event::HandoffReason;
use crate::histogram::DurationHistogram;
use crate::tally::Distribution;

/// Missed questions listed in a report.
pub const TOP_MISSED: usize = 20;
/// Answered intents listed in a report.
pub const TOP_INTENTS: usize = 20;
/// Most days in a report's series (the most recent ones are kept).
pub const MAX_SERIES_DAYS: u32 = 3_660;

/// The figures of a period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// First day, included.
    pub from: Day,
    /// Last day, included.
    pub to: Day,
    /// Conversations started.
    pub conversations: u64,
    /// Customer turns the bot had to understand.
    pub customer_turns: u64,
    /// See the module docs.
    pub understanding_rate: f64,
    /// See the module docs.
    pub fallback_rate: f64,
    /// Bot replies to customer turns, by outcome.
    pub replies: Outcomes,
    /// Mean matcher confidence of the answers given, 0 to 1.
    pub answer_confidence_mean: f64,
    /// Clarifying questions asked.
    pub clarifications: u64,
    /// Clarifying questions the customer answered.
    pub clarifications_answered: u64,
    /// See the module docs.
    pub clarification_acceptance_rate: f64,
    /// Conversations with no human involved.
    pub contained: u64,
    /// See the module docs.
    pub containment_rate: f64,
    /// Conversations handed to a human.
    pub handoffs: u64,
    /// See the module docs.
    pub handoff_rate: f64,
    /// Handoffs per reason, every reason listed.
    pub handoffs_by_reason: BTreeMap<HandoffReason, Share>,
    /// Callback requests left.
    pub callbacks: u64,
    /// The advisor queue.
    pub queue: QueueFigures,
    /// Time from an advisor taking a conversation to their first message.
    pub advisor_first_response: Durations,
    /// Effort scores given.
    pub ces_count: u64,
    /// Mean effort score; 0 without answers.
    pub ces_mean: f64,
    /// Effort scores 1..=7: how many of each (index 0 is score 1).
    pub ces_distribution: [u64; 7],
    /// Effort scores per path.
    pub ces_by_path: ByPath<Ces>,
    /// Effort scores per intent answered in the conversation, most answered first.
    pub ces_by_intent: Vec<IntentCes>,
    /// Surveys skipped.
    pub surveys_skipped: u64,
    /// The intents answered most, most first.
    pub top_intents: Vec<Counted>,
    /// Customer texts the bot did not understand (all of them, listed or not).
    pub missed_questions_total: u64,
    /// The most frequent of those, normalised and masked, most first.
    pub missed_questions: Vec<Counted>,
    /// One point per day of the period, for charts.
    pub series: Vec<DayPoint>,
}

/// A count and its share of conversations.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Share {
    /// How many.
    pub count: u64,
    /// Out of the period's conversations, 0 to 1.
    pub rate: f64,
}

/// The advisor queue's figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueFigures {
    /// Conversations that entered the queue.
    pub queued: u64,
    /// Waits ended by an advisor taking the conversation.
    pub assigned: u64,
    /// Waits ended by the customer leaving.
    pub abandoned: u64,
    /// See the module docs.
    pub abandonment_rate: f64,
    /// Median wait before an advisor took the conversation, in seconds.
    pub wait_p50_s: Option<u64>,
    /// 90th percentile of that wait, in seconds.
    pub wait_p90_s: Option<u64>,
}

/// Percentiles of a duration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Durations {
    /// How many were measured.
    pub count: u64,
    /// Median, in seconds.
    pub p50_s: Option<u64>,
    /// 90th percentile, in seconds.
    pub p90_s: Option<u64>,
}

impl Durations {
    fn of(histogram: &DurationHistogram) -> Durations {
        Durations {
            count: histogram.count(),
            p50_s: histogram.quantile_s(0.5),
            p90_s: histogram.quantile_s(0.9),
        }
    }
}

/// Effort scores of a group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Ces {
    /// Scores given.
    pub count: u64,
    /// Their mean; 0 without scores.
    pub mean: f64,
    /// How many of each score 1..=7.
    pub distribution: [u64; 7],
}

impl Ces {
    fn of(distribution: &Distribution) -> Ces {
        Ces {
            count: distribution.count(),
            mean: distribution.mean(),
            distribution: distribution.counts(),
        }
    }
}

/// Effort scores of the conversations where an intent was answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IntentCes {
    /// The intent.
    pub intent: String,
    /// Its scores.
    #[serde(flatten)]
    pub ces: Ces,
}

/// A text or an intent and how often it came.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counted {
    /// The missed question (normalised) or the intent.
    pub text: String,
    /// How many times.
    pub count: u64,
}

/// One day of a report's series.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayPoint {
    /// The day.
    pub day: Day,
    /// Conversations started.
    pub conversations: u64,
    /// Customer turns.
    pub customer_turns: u64,
    /// See the module docs.
    pub understanding_rate: f64,
    /// See the module docs.
    pub fallback_rate: f64,
    /// See the module docs.
    pub containment_rate: f64,
    /// See the module docs.
    pub handoff_rate: f64,
    /// Effort scores given.
    pub ces_count: u64,
    /// Mean effort score; 0 without answers.
    pub ces_mean: f64,
    /// Median queue wait, in seconds.
    pub wait_p50_s: Option<u64>,
    /// 90th percentile queue wait, in seconds.
    pub wait_p90_s: Option<u64>,
}

impl Report {
    /// The report of the days from `from` to `to` included (swapped if given backwards).
    pub fn over(daily: &Daily, from: Day, to: Day) -> Report {
        let (from, to) = (from.min(to), from.max(to));
        let mut total = Aggregate::default();
        for (_, figures) in daily.range(from, to) {
            total.merge(figures);
        }
        let mut report = Report::of(&total, from, to);
        let start = from.max(to.minus(MAX_SERIES_DAYS - 1));
        let empty = Aggregate::default();
        let mut day = start;
        loop {
            let figures = daily.get(day).unwrap_or(&empty);
            report.series.push(DayPoint::of(day, figures));
            if day >= to {
                break;
            }
            day = day.next();
        }
        report
    }

    fn of(total: &Aggregate, from: Day, to: Day) -> Report {
        let turns = total.customer_turns;
        let replies = total.replies;
        let conversations = total.conversations;
        let handoffs: u64 = total.handoffs.values().sum();
        let answered_clarifications = total.clarifications_accepted + total.clarifications_rejected;
        let assigned = total.queue_wait.count();
        let abandoned = total.abandoned_wait.count();
        let ces = total.ces_total();
        let mut ces_by_intent: Vec<IntentCes> = total
            .ces_by_intent
            .iter()
            .map(|(intent, scores)| IntentCes {
                intent: intent.to_owned(),
                ces: Ces::of(scores),
            })
            .collect();
        ces_by_intent.sort_by_key(|i| std::cmp::Reverse(i.ces.count));
        let mut top_intents: Vec<Counted> = total
            .answers_by_intent
            .iter()
            .map(|(intent, count)| Counted {
                text: intent.to_owned(),
                count: *count,
            })
            .collect();
        top_intents.sort_by_key(|c| std::cmp::Reverse(c.count));
        top_intents.truncate(TOP_INTENTS);
        Report {
            from,
            to,
            conversations,
            customer_turns: turns,
            understanding_rate: ratio(replies.answered + replies.smalltalk, turns),
            fallback_rate: ratio(replies.fallback, turns),
            replies,
            answer_confidence_mean: if replies.answered == 0 {
                0.0
            } else {
                (total.answer_confidence / replies.answered as f64).clamp(0.0, 1.0)
            },
            clarifications: replies.clarify,
            clarifications_answered: answered_clarifications,
            clarification_acceptance_rate: ratio(
                total.clarifications_accepted,
                answered_clarifications,
            ),
            contained: conversations.saturating_sub(total.escalated),
            containment_rate: contained_rate(total),
            handoffs,
            handoff_rate: ratio(handoffs, conversations),
            handoffs_by_reason: HandoffReason::ALL
                .into_iter()
                .map(|reason| {
                    let count = total.handoffs.get(&reason).copied().unwrap_or(0);
                    let rate = ratio(count, conversations);
                    (reason, Share { count, rate })
                })
                .collect(),
            callbacks: total.callbacks,
            queue: QueueFigures {
                queued: total.queued,
                assigned,
                abandoned,
                abandonment_rate: ratio(abandoned, assigned + abandoned),
                wait_p50_s: total.queue_wait.quantile_s(0.5),
                wait_p90_s: total.queue_wait.quantile_s(0.9),
            },
            advisor_first_response: Durations::of(&total.first_response),
            ces_count: ces.count(),
            ces_mean: ces.mean(),
            ces_distribution: ces.counts(),
            ces_by_path: ByPath {
                bot_only: Ces::of(&total.ces.bot_only),
                handed_off: Ces::of(&total.ces.handed_off),
                callback: Ces::of(&total.ces.callback),
            },
            ces_by_intent,
            surveys_skipped: total.surveys_skipped,
            top_intents,
            missed_questions_total: total.missed_total,
            missed_questions: total
                .missed
                .top(TOP_MISSED)
                .into_iter()
                .map(|(text, count)| Counted { text, count })
                .collect(),
            series: Vec::new(),
        }
    }
}

impl DayPoint {
    fn of(day: Day, figures: &Aggregate) -> DayPoint {
        let turns = figures.customer_turns;
        let replies = &figures.replies;
        let handoffs: u64 = figures.handoffs.values().sum();
        let ces = figures.ces_total();
        DayPoint {
            day,
            conversations: figures.conversations,
            customer_turns: turns,
            understanding_rate: ratio(replies.answered + replies.smalltalk, turns),
            fallback_rate: ratio(replies.fallback, turns),
            containment_rate: contained_rate(figures),
            handoff_rate: ratio(handoffs, figures.conversations),
            ces_count: ces.count(),
            ces_mean: ces.mean(),
            wait_p50_s: figures.queue_wait.quantile_s(0.5),
            wait_p90_s: figures.queue_wait.quantile_s(0.9),
        }
    }
}

fn contained_rate(figures: &Aggregate) -> f64 {
    let conversations = figures.conversations;
    ratio(
        conversations.saturating_sub(figures.escalated),
        conversations,
    )
}

/// `part / whole` clamped to [0, 1]; 0 when `whole` is 0.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64).min(1.0)
    }
}
