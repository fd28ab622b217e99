//! Counters folded from events, per UTC day: [`Aggregate`] (one day's or one period's
//! figures), [`DailyAggregate`] (a day and its figures, the unit to persist) and [`Daily`]
//! (days by date, the fold's target).
//!
//! Everything in an aggregate is a sum, a fixed-size histogram, a bounded map or a bounded
//! list, so that merging two is cheap and associative and a day stays a few kilobytes
//! whatever the traffic: a period's report is a merge of its days, never a scan of
//! conversations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::day::Day;
use crate::event::{AnalyticsEvent, EventKind, HandoffReason, Path, ReplyOutcome};
use crate::histogram::DurationHistogram;
use crate::tally::{Distribution, IntentMap, Merge};
use crate::top::TopTexts;

/// Bot replies to customer turns, by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outcomes {
    /// Answered from the FAQ.
    pub answered: u64,
    /// Clarifying questions and topic menus.
    pub clarify: u64,
    /// Not understood.
    pub fallback: u64,
    /// Greetings, thanks, goodbyes.
    pub smalltalk: u64,
    /// Offers of an advisor.
    pub handoff_offer: u64,
}

impl Outcomes {
    fn slot(&mut self, outcome: ReplyOutcome) -> &mut u64 {
        match outcome {
            ReplyOutcome::Answered => &mut self.answered,
            ReplyOutcome::Clarify => &mut self.clarify,
            ReplyOutcome::Fallback => &mut self.fallback,
            ReplyOutcome::Smalltalk => &mut self.smalltalk,
            ReplyOutcome::HandoffOffer => &mut self.handoff_offer,
        }
    }

    fn merge(&mut self, other: &Outcomes) {
        self.answered += other.answered;
        self.clarify += other.clarify;
        self.fallback += other.fallback;
        self.smalltalk += other.smalltalk;
        self.handoff_offer += other.handoff_offer;
    }
}

/// A value per [`Path`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ByPath<T> {
    /// No advisor chat, no callback.
    pub bot_only: T,
    /// An advisor took the chat.
    pub handed_off: T,
    /// A callback request, no advisor chat.
    pub callback: T,
}

impl<T> ByPath<T> {
    /// The value for `path`.
    pub fn get(&self, path: Path) -> &T {
        match path {
            Path::BotOnly => &self.bot_only,
            Path::HandedOff => &self.handed_off,
            Path::Callback => &self.callback,
        }
    }

    fn get_mut(&mut self, path: Path) -> &mut T {
        match path {
            Path::BotOnly => &mut self.bot_only,
            Path::HandedOff => &mut self.handed_off,
            Path::Callback => &mut self.callback,
        }
    }
}

fn merge_paths<T: Merge>(mine: &mut ByPath<T>, theirs: &ByPath<T>) {
    mine.bot_only.merge(&theirs.bot_only);
    mine.handed_off.merge(&theirs.handed_off);
    mine.callback.merge(&theirs.callback);
}

/// The figures of one day or one period, folded from events.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Aggregate {
    pub(crate) conversations: u64,
    pub(crate) customer_turns: u64,
    pub(crate) replies: Outcomes,
    /// Sum of the confidence of answered replies (for its mean).
    pub(crate) answer_confidence: f64,
    pub(crate) answers_by_intent: IntentMap<u64>,
    pub(crate) clarifications_accepted: u64,
    pub(crate) clarifications_rejected: u64,
    pub(crate) escalated: u64,
    /// First handoffs of conversations, by reason.
    pub(crate) handoffs: BTreeMap<HandoffReason, u64>,
    pub(crate) callbacks: u64,
    pub(crate) queued: u64,
    /// Waits that ended with an advisor taking the conversation.
    pub(crate) queue_wait: DurationHistogram,
    /// Waits that ended with the customer leaving the queue.
    pub(crate) abandoned_wait: DurationHistogram,
    pub(crate) first_response: DurationHistogram,
    pub(crate) ended: ByPath<u64>,
    pub(crate) ces: ByPath<Distribution>,
    pub(crate) ces_by_intent: IntentMap<Distribution>,
    pub(crate) surveys_skipped: u64,
    /// Every missed question, including those whose text was forgotten.
    pub(crate) missed_total: u64,
    pub(crate) missed: TopTexts,
}

impl Aggregate {
    /// Counts one event.
    pub fn fold(&mut self, kind: &EventKind) {
        match kind {
            EventKind::ConversationStarted => self.conversations += 1,
            EventKind::CustomerTurn => self.customer_turns += 1,
            EventKind::BotReply {
                outcome,
                intent,
                confidence,
            } => {
                *self.replies.slot(*outcome) += 1;
                if *outcome == ReplyOutcome::Answered {
                    self.answer_confidence += f64::from(confidence.clamp(0.0, 1.0));
                    if let Some(intent) = intent {
                        *self.answers_by_intent.entry(intent) += 1;
                    }
                }
            }
            EventKind::ClarificationAnswered { accepted: true } => {
                self.clarifications_accepted += 1;
            }
            EventKind::ClarificationAnswered { accepted: false } => {
                self.clarifications_rejected += 1;
            }
            EventKind::HandoffRequested { reason } => {
                *self.handoffs.entry(*reason).or_default() += 1;
            }
            EventKind::Escalated => self.escalated += 1,
            EventKind::Queued => self.queued += 1,
            EventKind::Assigned { wait_ms } => self.queue_wait.record(*wait_ms),
            EventKind::AbandonedQueue { wait_ms } => self.abandoned_wait.record(*wait_ms),
            EventKind::AdvisorFirstResponse { after_ms } => self.first_response.record(*after_ms),
            EventKind::CallbackLeft => self.callbacks += 1,
            EventKind::ConversationEnded { path } => *self.ended.get_mut(*path) += 1,
            EventKind::SurveyAnswered {
                score,
                path,
                intents,
                wait_ms: _,
            } => {
                self.ces.get_mut(*path).add(*score);
                for intent in intents {
                    self.ces_by_intent.entry(intent).add(*score);
                }
            }
            EventKind::SurveySkipped { .. } => self.surveys_skipped += 1,
            EventKind::MissedQuestion { text } => {
                self.missed_total += 1;
                self.missed.add(text);
            }
        }
    }

    /// Adds `other`'s figures.
    pub fn merge(&mut self, other: &Aggregate) {
        self.conversations += other.conversations;
        self.customer_turns += other.customer_turns;
        self.replies.merge(&other.replies);
        self.answer_confidence += other.answer_confidence;
        self.answers_by_intent.merge(&other.answers_by_intent);
        self.clarifications_accepted += other.clarifications_accepted;
        self.clarifications_rejected += other.clarifications_rejected;
        self.escalated += other.escalated;
        for (reason, count) in &other.handoffs {
            *self.handoffs.entry(*reason).or_default() += count;
        }
        self.callbacks += other.callbacks;
        self.queued += other.queued;
        self.queue_wait.merge(&other.queue_wait);
        self.abandoned_wait.merge(&other.abandoned_wait);
        self.first_response.merge(&other.first_response);
        merge_paths(&mut self.ended, &other.ended);
        merge_paths(&mut self.ces, &other.ces);
        self.ces_by_intent.merge(&other.ces_by_intent);
        self.surveys_skipped += other.surveys_skipped;
        self.missed_total += other.missed_total;
        self.missed.merge(&other.missed);
    }

    /// Effort scores of every path together.
    pub(crate) fn ces_total(&self) -> Distribution {
        let mut total = self.ces.bot_only;
        total.merge(&self.ces.handed_off);
        total.merge(&self.ces.callback);
        total
    }

    /// Forgets one missed question's text (a customer's erasure request); its count stays.
    pub fn forget_missed(&mut self, text: &str) {
        self.missed.forget(text);
    }

    /// Forgets every missed question's text (a purge); every count stays.
    pub fn forget_texts(&mut self) {
        self.missed.clear();
    }
}

/// One day's figures: the unit to persist, one record per day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DailyAggregate {
    /// The UTC day.
    pub day: Day,
    /// Its figures.
    #[serde(flatten)]
    pub figures: Aggregate,
}

/// Aggregates by day: where events are folded, and what reports are computed over.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Daily {
    days: BTreeMap<Day, Aggregate>,
}

impl Daily {
    /// No day yet.
    pub fn new() -> Daily {
        Daily::default()
    }

    /// Counts `event` in the aggregate of its day.
    pub fn fold(&mut self, event: &AnalyticsEvent) {
        self.days.entry(event.day).or_default().fold(&event.kind);
    }

    /// Adds a stored day's figures (merged with any already held for that day).
    pub fn merge_day(&mut self, daily: &DailyAggregate) {
        self.days
            .entry(daily.day)
            .or_default()
            .merge(&daily.figures);
    }

    /// The figures of `day`, if anything happened that day.
    pub fn get(&self, day: Day) -> Option<&Aggregate> {
        self.days.get(&day)
    }

    /// The days from `from` to `to` included that have figures, in date order.
    pub fn range(&self, from: Day, to: Day) -> impl Iterator<Item = (Day, &Aggregate)> {
        // Empty rather than a panic when `from` is after `to`.
        self.days
            .range(from.min(to)..=to)
            .filter(move |(day, _)| **day >= from)
            .map(|(day, figures)| (*day, figures))
    }

    /// Empties the collection, handing every day over as a record (to add into the store).
    pub fn drain(&mut self) -> Vec<DailyAggregate> {
        std::mem::take(&mut self.days)
            .into_iter()
            .map(|(day, figures)| DailyAggregate { day, figures })
            .collect()
    }

    /// Whether no day is held.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

impl FromIterator<DailyAggregate> for Daily {
    fn from_iter<I: IntoIterator<Item = DailyAggregate>>(records: I) -> Daily {
        let mut daily = Daily::new();
        for record in records {
            daily.merge_day(&record);
        }
        daily
    }
}
