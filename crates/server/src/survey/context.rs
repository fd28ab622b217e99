//! What the transcript says about surveys: whether one is due, pending or answered, and the
//! analytics context stored with an answer. Pure functions over decoded events.

use relais_engine::Outcome;
use relais_nlu::Lang;
use relais_store::StoredEvent;
use serde::{Deserialize, Serialize};

use super::EndReason;
use crate::protocol::{EndedBy, HandoffState};
use crate::transcript::Event;

/// A stored event this build can read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Decoded {
    pub(crate) seq: u64,
    pub(crate) at_ms: u64,
    pub(crate) event: Event,
}

impl Decoded {
    /// The events of `stored` this build can read, in order.
    pub(crate) fn all(stored: &[StoredEvent]) -> Vec<Decoded> {
        stored
            .iter()
            .filter_map(|s| {
                Event::from_json(s.seq, &s.body).map(|event| Decoded {
                    seq: s.seq,
                    at_ms: s.at_ms,
                    event,
                })
            })
            .collect()
    }
}

/// Where a conversation stands with ends and surveys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Status {
    /// The latest survey asked.
    pub(crate) survey: Option<u64>,
    /// The latest survey has an answer (or was skipped).
    pub(crate) answered: bool,
    /// The customer wrote (message, click or form) since the latest survey, or since the
    /// start when none was asked: a new survey may be asked.
    pub(crate) customer_since_survey: bool,
    /// The latest `end`, when the customer has not written since.
    pub(crate) open_end: Option<u64>,
    /// The latest advisor chat was closed by the advisor and no `end` followed yet.
    pub(crate) agent_closed_unended: bool,
}

impl Status {
    /// Reads the status off the transcript.
    pub(crate) fn of(events: &[Decoded]) -> Status {
        let mut status = Status::default();
        for decoded in events {
            match &decoded.event {
                Event::Customer { .. } | Event::Callback { .. } => {
                    status.customer_since_survey = true;
                    status.open_end = None;
                }
                Event::Handoff { handoff, .. } => {
                    status.agent_closed_unended =
                        handoff.state == HandoffState::Ended && handoff.by == Some(EndedBy::Agent);
                }
                Event::End { .. } => {
                    status.open_end = Some(decoded.seq);
                    status.agent_closed_unended = false;
                }
                Event::Survey { .. } => {
                    status.survey = Some(decoded.seq);
                    status.answered = false;
                    status.customer_since_survey = false;
                }
                Event::SurveyAnswer { .. } => status.answered = true,
                Event::Bot { .. } | Event::Agent { .. } => {}
            }
        }
        status
    }
}

/// Which way the chat went, for CES by path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ChatPath {
    /// Only the bot answered (a customer who waited and left the queue included).
    BotOnly,
    /// An advisor took the chat.
    HandedOff,
    /// No advisor chat, but the customer left a callback request.
    Callback,
}

/// What an answer is about, stored with it so that analytics needs no join.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct SurveyContext {
    /// The seq of the survey answered.
    pub(crate) asked_seq: u64,
    /// How the chat ended.
    pub(crate) ended_by: EndReason,
    /// Which way the chat went.
    pub(crate) path: ChatPath,
    /// The customer waited in the advisor queue at some point.
    pub(crate) queued: bool,
    /// Total time spent waiting in the queue, in milliseconds, when queued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) queue_wait_ms: Option<u64>,
    /// Intents the bot answered from the FAQ, first answered first, each once.
    pub(crate) intents: Vec<String>,
    /// Customer messages and clicks.
    pub(crate) customer_turns: u32,
    /// The language the survey was asked in.
    pub(crate) lang: Lang,
}

impl SurveyContext {
    /// The context of the survey asked at seq `asked`: the stretch of conversation since the
    /// survey before it (or since the start) up to it.
    pub(crate) fn of(events: &[Decoded], asked: u64) -> SurveyContext {
        let (ended_by, lang) = events
            .iter()
            .find_map(|d| match &d.event {
                Event::Survey { question, by } if d.seq == asked => Some((*by, question.lang)),
                _ => None,
            })
            .unwrap_or((EndReason::Customer, Lang::Fr));
        let previous = events
            .iter()
            .rev()
            .find(|d| d.seq < asked && matches!(d.event, Event::Survey { .. }))
            .map_or(0, |d| d.seq);
        let mut context = SurveyContext {
            asked_seq: asked,
            ended_by,
            path: ChatPath::BotOnly,
            queued: false,
            queue_wait_ms: None,
            intents: Vec::new(),
            customer_turns: 0,
            lang,
        };
        let (mut assigned, mut callback) = (false, false);
        let mut waiting_since: Option<u64> = None;
        let mut wait = 0u64;
        for decoded in events.iter().filter(|d| d.seq > previous && d.seq <= asked) {
            match &decoded.event {
                Event::Customer { .. } => context.customer_turns += 1,
                Event::Callback { .. } => callback = true,
                Event::Bot { message, .. } => {
                    if message.outcome == Outcome::Answer
                        && let Some(intent) = &message.intent
                        && !context.intents.contains(intent)
                    {
                        context.intents.push(intent.clone());
                    }
                }
                Event::Handoff { handoff, .. } => {
                    if let Some(since) = waiting_since.take() {
                        wait += decoded.at_ms.saturating_sub(since);
                    }
                    match handoff.state {
                        HandoffState::Queued => {
                            context.queued = true;
                            waiting_since = Some(decoded.at_ms);
                        }
                        HandoffState::Assigned => assigned = true,
                        HandoffState::Ended
                        | HandoffState::Returned
                        | HandoffState::Unavailable => {}
                    }
                }
                Event::End { .. } | Event::Survey { .. } => {
                    if let Some(since) = waiting_since.take() {
                        wait += decoded.at_ms.saturating_sub(since);
                    }
                }
                Event::Agent { .. } | Event::SurveyAnswer { .. } => {}
            }
        }
        context.queue_wait_ms = context.queued.then_some(wait);
        context.path = if assigned {
            ChatPath::HandedOff
        } else if callback {
            ChatPath::Callback
        } else {
            ChatPath::BotOnly
        };
        context
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{BotMessage, HandoffEvent};
    use crate::survey::SurveyQuestion;

    fn at(seq: u64, at_ms: u64, event: Event) -> Decoded {
        Decoded { seq, at_ms, event }
    }

    fn customer(text: &str) -> Event {
        Event::Customer {
            text: text.into(),
            id: None,
            choice: None,
        }
    }

    fn bot(outcome: Outcome, intent: Option<&str>) -> Event {
        Event::Bot {
            message: BotMessage {
                text: "…".into(),
                intent: intent.map(str::to_owned),
                confidence: 0.8,
                outcome,
                quick_replies: Vec::new(),
                form: None,
                lang: Lang::En,
            },
            handoff: None,
        }
    }

    fn handoff(event: HandoffEvent) -> Event {
        Event::Handoff {
            handoff: event,
            name: None,
        }
    }

    fn survey(by: EndReason) -> Event {
        Event::Survey {
            question: SurveyQuestion::new(Lang::En),
            by,
        }
    }

    /// Numbers events 1, 2, ... one second apart.
    fn numbered(events: Vec<Event>) -> Vec<Decoded> {
        events
            .into_iter()
            .zip(1u64..)
            .map(|(event, seq)| at(seq, seq * 1_000, event))
            .collect()
    }

    #[test]
    fn a_survey_is_due_only_after_the_customer_wrote() {
        let greeting = numbered(vec![bot(Outcome::Smalltalk, Some("greeting"))]);
        let status = Status::of(&greeting);
        assert!(!status.customer_since_survey, "nothing said yet");
        assert_eq!(status.survey, None);

        let mut events = greeting;
        events.push(at(2, 2_000, customer("hi")));
        assert!(Status::of(&events).customer_since_survey);

        events.push(at(
            3,
            3_000,
            Event::End {
                by: EndReason::Customer,
            },
        ));
        events.push(at(4, 3_000, survey(EndReason::Customer)));
        let status = Status::of(&events);
        assert_eq!(
            (status.survey, status.answered, status.open_end),
            (Some(4), false, Some(3))
        );
        assert!(
            !status.customer_since_survey,
            "the survey covers what was said"
        );

        events.push(at(5, 4_000, customer("one more thing")));
        let status = Status::of(&events);
        assert!(
            status.customer_since_survey,
            "writing again continues the chat"
        );
        assert_eq!(status.open_end, None, "the end is over");
        assert_eq!(status.survey, Some(4), "the old survey is still the latest");
    }

    #[test]
    fn an_answer_closes_the_latest_survey() {
        let mut events = numbered(vec![
            customer("hi"),
            Event::End {
                by: EndReason::Customer,
            },
            survey(EndReason::Customer),
        ]);
        events.push(at(
            4,
            4_000,
            Event::SurveyAnswer {
                answer: crate::survey::SurveyAnswer {
                    score: Some(6),
                    comment: None,
                    skipped: false,
                },
                context: SurveyContext::of(&events, 3),
                id: None,
            },
        ));
        assert!(Status::of(&events).answered);
        events.push(at(5, 5_000, customer("again")));
        events.push(at(6, 6_000, survey(EndReason::Idle)));
        assert!(!Status::of(&events).answered, "a new survey is open");
    }

    #[test]
    fn an_advisor_close_is_due_an_end_until_one_follows() {
        let mut events = numbered(vec![
            customer("human please"),
            handoff(HandoffEvent::queued(1, 60, false)),
            handoff(HandoffEvent::assigned("Alice")),
            handoff(HandoffEvent::ended(EndedBy::Agent)),
        ]);
        assert!(Status::of(&events).agent_closed_unended);
        events.push(at(
            5,
            5_000,
            Event::End {
                by: EndReason::Agent,
            },
        ));
        assert!(!Status::of(&events).agent_closed_unended);

        let left = numbered(vec![
            customer("human please"),
            handoff(HandoffEvent::queued(1, 60, false)),
            handoff(HandoffEvent::ended(EndedBy::Customer)),
        ]);
        assert!(
            !Status::of(&left).agent_closed_unended,
            "leaving the queue is not an advisor close"
        );
    }

    #[test]
    fn the_context_of_a_bot_only_chat_lists_the_answered_intents() {
        let events = numbered(vec![
            bot(Outcome::Smalltalk, Some("greeting")),
            customer("my bill"),
            bot(Outcome::Answer, Some("bill_explain")),
            customer("xqzv"),
            bot(Outcome::Fallback, None),
            customer("pay"),
            bot(Outcome::Answer, Some("payment_methods")),
            customer("my bill again"),
            bot(Outcome::Answer, Some("bill_explain")),
            Event::End {
                by: EndReason::Customer,
            },
            survey(EndReason::Customer),
        ]);
        let context = SurveyContext::of(&events, 11);
        assert_eq!(
            context,
            SurveyContext {
                asked_seq: 11,
                ended_by: EndReason::Customer,
                path: ChatPath::BotOnly,
                queued: false,
                queue_wait_ms: None,
                intents: vec!["bill_explain".into(), "payment_methods".into()],
                customer_turns: 4,
                lang: Lang::En,
            }
        );
    }

    #[test]
    fn the_context_of_a_handed_off_chat_measures_the_wait() {
        let events = vec![
            at(1, 0, customer("advisor")),
            at(2, 10_000, handoff(HandoffEvent::queued(2, 120, false))),
            at(3, 70_000, handoff(HandoffEvent::assigned("Alice"))),
            at(
                4,
                80_000,
                Event::Agent {
                    text: "Hello".into(),
                    agent: "Alice".into(),
                    name: "alice".into(),
                },
            ),
            at(5, 90_000, handoff(HandoffEvent::queued(1, 60, true))),
            at(6, 95_000, handoff(HandoffEvent::assigned("Bob"))),
            at(7, 99_000, handoff(HandoffEvent::ended(EndedBy::Agent))),
            at(
                8,
                99_500,
                Event::End {
                    by: EndReason::Agent,
                },
            ),
            at(9, 99_500, survey(EndReason::Agent)),
        ];
        let context = SurveyContext::of(&events, 9);
        assert_eq!(context.path, ChatPath::HandedOff);
        assert_eq!(context.ended_by, EndReason::Agent);
        assert_eq!(context.queue_wait_ms, Some(60_000 + 5_000));
    }

    #[test]
    fn the_context_covers_only_the_stretch_since_the_previous_survey() {
        let events = vec![
            at(1, 0, customer("advisor")),
            at(2, 1_000, handoff(HandoffEvent::queued(1, 60, false))),
            at(
                3,
                4_000,
                handoff(HandoffEvent::unavailable(
                    crate::protocol::Unavailable::NoAgent,
                )),
            ),
            at(
                4,
                4_000,
                Event::Callback {
                    ticket: "t1".into(),
                    id: None,
                },
            ),
            at(
                5,
                5_000,
                Event::End {
                    by: EndReason::Customer,
                },
            ),
            at(6, 5_000, survey(EndReason::Customer)),
            at(7, 9_000, customer("still there?")),
            at(8, 9_000, bot(Outcome::Answer, Some("opening_hours"))),
            at(
                9,
                600_000,
                Event::End {
                    by: EndReason::Idle,
                },
            ),
            at(10, 600_000, survey(EndReason::Idle)),
        ];
        let first = SurveyContext::of(&events, 6);
        assert_eq!(
            (first.path, first.queued, first.queue_wait_ms),
            (ChatPath::Callback, true, Some(3_000))
        );
        let second = SurveyContext::of(&events, 10);
        assert_eq!(
            (
                second.path,
                second.queued,
                second.customer_turns,
                second.ended_by
            ),
            (ChatPath::BotOnly, false, 1, EndReason::Idle)
        );
        assert_eq!(second.intents, ["opening_hours"]);
    }
}
