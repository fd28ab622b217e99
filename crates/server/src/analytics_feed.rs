//! Transcript events turned into analytics events (`relais-analytics`' own shape).
//!
//! A pure fold: [`Feed`] is the little per-conversation memory the conversion needs (who has
//! the chat, a customer turn awaiting its reply, the choices of a pending clarification, when
//! the wait or the advisor chat began, whether the conversation was already escalated), fed
//! the conversation's events in seq order. It is serialisable so that a live caller can keep
//! it with the conversation's state and convert each event as it is appended, or rebuild it
//! by replaying the transcript ([`conversation_events`]).
//!
//! The transcript does not say why a conversation was queued (the reason lives in the queue
//! entry, kept in the conversation's state): callers pass it along.

use relais_analytics::{AnalyticsEvent, Daily, Day, EventKind, HandoffReason, Path, ReplyOutcome};
use relais_engine::Outcome;
use relais_store::{ConversationRecord, Store, StoreResult, StoredEvent};
use serde::{Deserialize, Serialize};

use crate::protocol::{BotMessage, EndedBy, HandoffEvent, HandoffState};
use crate::stored_state::StoredState;
use crate::survey::{SurveyAnswer, SurveyContext};
use crate::transcript::Event;

/// The quick-reply prefix of an intent the engine offers (its choice vocabulary).
const INTENT_CHOICE: &str = "intent:";

/// Who has the conversation, as far as analytics care.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    #[default]
    Bot,
    Queue,
    Advisor,
}

/// What converting a conversation's next event needs to remember from the earlier ones.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Feed {
    phase: Phase,
    /// A customer turn is waiting for the bot's reply.
    awaiting_reply: bool,
    /// What the customer typed in that turn (`None` for a click): the missed question if the
    /// bot does not understand it.
    typed: Option<String>,
    /// The intents offered by the last clarifying question, until the next reply settles it.
    offered: Option<Vec<String>>,
    queued_at_ms: Option<u64>,
    /// When the advisor took the chat, until their first message.
    assigned_at_ms: Option<u64>,
    handed_off: bool,
    escalated: bool,
    /// Since the last end: an advisor took the chat, a callback was left.
    advisor_chatted: bool,
    callback_left: bool,
}

impl Feed {
    /// The analytics events of transcript event `seq`, appended at `at_ms`. `queue_reason`
    /// is the reason of the conversation's handoff as its queue entry names it (`explicit`,
    /// `frustration`...), which `queued` events do not carry.
    pub(crate) fn convert(
        &mut self,
        seq: u64,
        at_ms: u64,
        event: &Event,
        queue_reason: Option<&str>,
    ) -> Vec<AnalyticsEvent> {
        let mut out = Vec::new();
        if seq == 1 {
            out.push(EventKind::ConversationStarted);
        }
        match event {
            Event::Customer { text, choice, .. } => {
                if self.phase == Phase::Bot {
                    out.push(EventKind::CustomerTurn);
                    self.awaiting_reply = true;
                    self.typed = choice.is_none().then(|| text.clone());
                }
            }
            Event::Bot { message, handoff } => match handoff {
                Some(reason) => {
                    self.turn_unanswered(&mut out);
                    self.hand_off(&mut out, engine_reason(*reason));
                }
                None => self.bot_said(&mut out, message),
            },
            Event::Callback { .. } => {
                self.callback_left = true;
                out.push(EventKind::CallbackLeft);
                self.escalate(&mut out);
            }
            Event::Agent { .. } => {
                if let Some(since) = self.assigned_at_ms.take() {
                    let after_ms = at_ms.saturating_sub(since);
                    out.push(EventKind::AdvisorFirstResponse { after_ms });
                }
            }
            Event::Handoff { handoff, .. } => self.handoff(&mut out, at_ms, handoff, queue_reason),
            Event::End { .. } => {
                out.push(EventKind::ConversationEnded { path: self.path() });
                self.advisor_chatted = false;
                self.callback_left = false;
            }
            // The question alone changes nothing; its answer counts.
            Event::Survey { .. } => {}
            Event::SurveyAnswer {
                answer, context, ..
            } => out.extend(survey_answer(answer, context)),
        }
        let day = Day::from_unix_ms(at_ms);
        out.into_iter()
            .map(|kind| AnalyticsEvent::new(day, kind))
            .collect()
    }

    fn bot_said(&mut self, out: &mut Vec<EventKind>, message: &BotMessage) {
        if !std::mem::take(&mut self.awaiting_reply) {
            // The greeting, the callback confirmation: not replies to a turn.
            return;
        }
        let typed = self.typed.take();
        let Some(outcome) = reply_outcome(message.outcome) else {
            self.settle_clarification(out, false);
            return;
        };
        let accepted = outcome == ReplyOutcome::Answered
            && message.intent.as_ref().is_some_and(|intent| {
                self.offered
                    .as_ref()
                    .is_some_and(|offered| offered.contains(intent))
            });
        self.settle_clarification(out, accepted);
        out.push(EventKind::BotReply {
            outcome,
            intent: message.intent.clone(),
            confidence: message.confidence,
        });
        match outcome {
            ReplyOutcome::Fallback => {
                if let Some(text) = typed {
                    out.push(EventKind::MissedQuestion { text });
                }
            }
            ReplyOutcome::Clarify => {
                self.offered = Some(
                    message
                        .quick_replies
                        .iter()
                        .filter_map(|q| q.value.strip_prefix(INTENT_CHOICE))
                        .map(str::to_owned)
                        .collect(),
                );
            }
            ReplyOutcome::Answered | ReplyOutcome::Smalltalk | ReplyOutcome::HandoffOffer => {}
        }
    }

    fn handoff(
        &mut self,
        out: &mut Vec<EventKind>,
        at_ms: u64,
        handoff: &HandoffEvent,
        queue_reason: Option<&str>,
    ) {
        match handoff.state {
            HandoffState::Queued => {
                self.turn_unanswered(out);
                if !handoff.requeued {
                    let reason =
                        queue_reason.map_or(HandoffReason::Unknown, HandoffReason::from_name);
                    self.hand_off(out, reason);
                    out.push(EventKind::Queued);
                }
                self.phase = Phase::Queue;
                self.queued_at_ms = Some(at_ms);
                self.assigned_at_ms = None;
            }
            HandoffState::Assigned => {
                self.turn_unanswered(out);
                match self.queued_at_ms.take() {
                    Some(since) if self.phase == Phase::Queue => {
                        let wait_ms = at_ms.saturating_sub(since);
                        out.push(EventKind::Assigned { wait_ms });
                    }
                    _ => self.hand_off(out, HandoffReason::Takeover),
                }
                self.phase = Phase::Advisor;
                self.assigned_at_ms = Some(at_ms);
                self.advisor_chatted = true;
            }
            HandoffState::Ended | HandoffState::Returned => {
                let waiting_since = self.queued_at_ms.take();
                if let (Phase::Queue, Some(since), Some(EndedBy::Customer)) =
                    (self.phase, waiting_since, handoff.by)
                {
                    let wait_ms = at_ms.saturating_sub(since);
                    out.push(EventKind::AbandonedQueue { wait_ms });
                }
                self.phase = Phase::Bot;
                self.assigned_at_ms = None;
            }
            // The bot message that follows carries the reason.
            HandoffState::Unavailable => self.turn_unanswered(out),
        }
    }

    /// The awaited reply will not come: the turn went to a human. A clarification the
    /// customer answered that way was declined; one left unanswered is not counted.
    fn turn_unanswered(&mut self, out: &mut Vec<EventKind>) {
        if std::mem::take(&mut self.awaiting_reply) {
            self.typed = None;
            self.settle_clarification(out, false);
        }
        self.offered = None;
    }

    fn settle_clarification(&mut self, out: &mut Vec<EventKind>, accepted: bool) {
        if self.offered.take().is_some() {
            out.push(EventKind::ClarificationAnswered { accepted });
        }
    }

    fn hand_off(&mut self, out: &mut Vec<EventKind>, reason: HandoffReason) {
        if !std::mem::replace(&mut self.handed_off, true) {
            out.push(EventKind::HandoffRequested { reason });
        }
        self.escalate(out);
    }

    fn escalate(&mut self, out: &mut Vec<EventKind>) {
        if !std::mem::replace(&mut self.escalated, true) {
            out.push(EventKind::Escalated);
        }
    }

    /// The way the chat went since the last end, named as the survey context names it.
    fn path(&self) -> Path {
        if self.advisor_chatted {
            Path::HandedOff
        } else if self.callback_left {
            Path::Callback
        } else {
            Path::BotOnly
        }
    }
}

/// The answer's analytics event: the context stored with it says which way the chat went.
fn survey_answer(answer: &SurveyAnswer, context: &SurveyContext) -> Option<EventKind> {
    // Both name paths alike (`bot_only`, `handed_off`, `callback`); the survey's own type
    // stays private to it.
    let path = serde_json::to_value(context.path)
        .ok()
        .and_then(|name| serde_json::from_value::<Path>(name).ok())?;
    match answer.score.map(relais_analytics::Score::new) {
        Some(Ok(score)) => Some(EventKind::SurveyAnswered {
            score,
            path,
            intents: context.intents.clone(),
            wait_ms: context.queue_wait_ms,
        }),
        Some(Err(_)) => None,
        None => answer.skipped.then_some(EventKind::SurveySkipped { path }),
    }
}

fn reply_outcome(outcome: Outcome) -> Option<ReplyOutcome> {
    match outcome {
        Outcome::Answer => Some(ReplyOutcome::Answered),
        Outcome::Clarify => Some(ReplyOutcome::Clarify),
        Outcome::Fallback => Some(ReplyOutcome::Fallback),
        Outcome::Smalltalk => Some(ReplyOutcome::Smalltalk),
        Outcome::HandoffOffer => Some(ReplyOutcome::HandoffOffer),
        // Messages the server writes around a handoff, never an answer to a turn.
        Outcome::Handoff => None,
    }
}

fn engine_reason(reason: relais_engine::HandoffReason) -> HandoffReason {
    match reason {
        relais_engine::HandoffReason::Misunderstandings => HandoffReason::Misunderstandings,
        relais_engine::HandoffReason::Frustration => HandoffReason::Frustration,
        relais_engine::HandoffReason::Explicit => HandoffReason::Explicit,
        relais_engine::HandoffReason::NotCovered => HandoffReason::NotCovered,
    }
}

/// The analytics events of a whole stored conversation, converted from its first event.
/// Events this build cannot read are skipped.
pub fn conversation_events(
    record: &ConversationRecord,
    events: &[StoredEvent],
) -> Vec<AnalyticsEvent> {
    let state = StoredState::from_json(&record.id, &record.state);
    let queue_reason = state.handoff.as_ref().map(|entry| entry.reason.as_str());
    let mut feed = Feed::default();
    events
        .iter()
        .filter_map(|stored| {
            Event::from_json(stored.seq, &stored.body).map(|event| (stored, event))
        })
        .flat_map(|(stored, event)| feed.convert(stored.seq, stored.at_ms, &event, queue_reason))
        .collect()
}

/// Daily aggregates rebuilt from every stored transcript: a full scan, for a backfill or a
/// check of the incremental counters, not for every request.
pub fn rebuild_from_store(store: &dyn Store) -> StoreResult<Daily> {
    let mut daily = Daily::new();
    for record in store.conversations()? {
        let events = store.events_after(&record.id, 0)?;
        for event in conversation_events(&record, &events) {
            daily.fold(&event);
        }
    }
    Ok(daily)
}

#[cfg(test)]
#[path = "analytics_feed_test.rs"]
mod tests;
