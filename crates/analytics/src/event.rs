//! The analytics' own input: a small, stable event shape, independent of the server's
//! transcript format.
//!
//! The server converts its transcript events into these (and keeps the per-conversation
//! bookkeeping that takes, such as "this is the conversation's first handoff"), so that the
//! transcript can evolve without the aggregates changing meaning. Every event carries the UTC
//! day it happened on: a day's figures are what happened that day.

use serde::{Deserialize, Serialize};

use crate::day::Day;

/// One thing that happened in a conversation, on a UTC day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsEvent {
    /// When it happened.
    pub day: Day,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl AnalyticsEvent {
    /// `kind` on `day`.
    pub fn new(day: Day, kind: EventKind) -> AnalyticsEvent {
        AnalyticsEvent { day, kind }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// A conversation began.
    ConversationStarted,
    /// The customer wrote or clicked while the bot had the conversation (messages to an
    /// advisor are not turns: the bot did not have to understand them).
    CustomerTurn,
    /// The bot answered a customer turn.
    BotReply {
        /// How.
        outcome: ReplyOutcome,
        /// The intent answered or asked about, if any.
        intent: Option<String>,
        /// The matcher's confidence in that intent, 0 to 1.
        confidence: f32,
    },
    /// The customer answered a clarifying question: `accepted` when the bot then answered one
    /// of the intents it had offered, not when they moved on, said "none" or asked for a human.
    ClarificationAnswered {
        /// Whether one of the offered choices was taken.
        accepted: bool,
    },
    /// The conversation's first handoff to a human (later ones are not counted again, so
    /// handoff rates stay per conversation).
    HandoffRequested {
        /// Why.
        reason: HandoffReason,
    },
    /// A human got involved for the first time (handoff requested, advisor takeover, or a
    /// callback left): the conversation is not contained.
    Escalated,
    /// The conversation entered the advisor queue.
    Queued,
    /// An advisor took a waiting conversation after `wait_ms`.
    Assigned {
        /// Time spent waiting in the queue.
        wait_ms: u64,
    },
    /// The customer left the queue after `wait_ms`, before any advisor took them.
    AbandonedQueue {
        /// Time spent waiting in the queue.
        wait_ms: u64,
    },
    /// The advisor's first message came `after_ms` after they took the conversation.
    AdvisorFirstResponse {
        /// Time from assignment to the first advisor message.
        after_ms: u64,
    },
    /// The customer left a callback request.
    CallbackLeft,
    /// The conversation ended.
    ConversationEnded {
        /// How it was handled.
        path: Path,
    },
    /// The customer answered the effort survey.
    SurveyAnswered {
        /// How easy it was, 1 (very hard) to 7 (very easy).
        score: Score,
        /// How the conversation was handled.
        path: Path,
        /// The intents the bot answered in the conversation.
        intents: Vec<String>,
        /// Total time the customer waited in the queue, if they were queued.
        wait_ms: Option<u64>,
    },
    /// The customer was asked the effort survey and skipped it.
    SurveySkipped {
        /// How the conversation was handled.
        path: Path,
    },
    /// The bot did not understand this customer text (normalised and masked when aggregated).
    MissedQuestion {
        /// What the customer wrote.
        text: String,
    },
}

/// How the bot answered a customer turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyOutcome {
    /// An answer from the FAQ, given with confidence.
    Answered,
    /// A clarifying question or a menu of topics.
    Clarify,
    /// Not understood.
    Fallback,
    /// Greeting, thanks, goodbye: understood.
    Smalltalk,
    /// An offer to talk to an advisor.
    HandoffOffer,
}

/// Why a conversation went to a human.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoffReason {
    /// Several misunderstandings in a row.
    Misunderstandings,
    /// The customer was frustrated.
    Frustration,
    /// The customer asked for a human.
    Explicit,
    /// The bot understood but has no answer for the need.
    NotCovered,
    /// An advisor took the conversation over from the bot.
    Takeover,
    /// Not recorded (data written before reasons were kept).
    Unknown,
}

impl HandoffReason {
    /// Every reason, in report order.
    pub const ALL: [HandoffReason; 6] = [
        HandoffReason::Misunderstandings,
        HandoffReason::Frustration,
        HandoffReason::Explicit,
        HandoffReason::NotCovered,
        HandoffReason::Takeover,
        HandoffReason::Unknown,
    ];

    /// The reason's name, as written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::Misunderstandings => "misunderstandings",
            HandoffReason::Frustration => "frustration",
            HandoffReason::Explicit => "explicit",
            HandoffReason::NotCovered => "not_covered",
            HandoffReason::Takeover => "takeover",
            HandoffReason::Unknown => "unknown",
        }
    }

    /// The reason named `name`; [`HandoffReason::Unknown`] for a name this build does not know.
    pub fn from_name(name: &str) -> HandoffReason {
        HandoffReason::ALL
            .into_iter()
            .find(|reason| reason.as_str() == name)
            .unwrap_or(HandoffReason::Unknown)
    }
}

/// Which way a chat went, for effort scores and ends (the names of the server's survey
/// context).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Path {
    /// No advisor chatted and no callback was left (a customer who left the queue included).
    BotOnly,
    /// An advisor took the chat.
    HandedOff,
    /// No advisor chat, but the customer left a callback request.
    Callback,
}

/// A Customer Effort Score: 1 (very hard) to 7 (very easy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Score(u8);

/// A score outside 1..=7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an effort score is 1 to 7, not {0}")]
pub struct ScoreError(pub u8);

impl Score {
    /// Lowest score.
    pub const MIN: u8 = 1;
    /// Highest score.
    pub const MAX: u8 = 7;

    /// The score `value`, if in 1..=7.
    pub fn new(value: u8) -> Result<Score, ScoreError> {
        if (Score::MIN..=Score::MAX).contains(&value) {
            Ok(Score(value))
        } else {
            Err(ScoreError(value))
        }
    }

    /// The value, 1..=7.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Score {
    type Error = ScoreError;

    fn try_from(value: u8) -> Result<Score, ScoreError> {
        Score::new(value)
    }
}

impl From<Score> for u8 {
    fn from(score: Score) -> u8 {
        score.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_one_to_seven() {
        assert_eq!(Score::new(0), Err(ScoreError(0)));
        assert_eq!(Score::new(8), Err(ScoreError(8)));
        assert_eq!(Score::new(1).map(Score::get), Ok(1));
        assert_eq!(Score::new(7).map(Score::get), Ok(7));
        assert!(serde_json::from_str::<Score>("9").is_err());
    }

    #[test]
    fn reasons_round_trip_by_name() {
        for reason in HandoffReason::ALL {
            assert_eq!(HandoffReason::from_name(reason.as_str()), reason);
            let json = serde_json::to_string(&reason).unwrap();
            assert_eq!(json, format!("\"{}\"", reason.as_str()));
        }
        assert_eq!(HandoffReason::from_name("boredom"), HandoffReason::Unknown);
    }

    #[test]
    fn events_serialise_flat_with_their_day() {
        let event = AnalyticsEvent::new(Day::from_days(1), EventKind::Assigned { wait_ms: 1500 });
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"day": "1970-01-02", "kind": "assigned", "wait_ms": 1500})
        );
        assert_eq!(
            serde_json::from_value::<AnalyticsEvent>(json).unwrap(),
            event
        );
    }
}
