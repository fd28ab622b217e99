//! The end of a chat and the Customer Effort Score survey that follows it: when a chat ends,
//! what is asked, which answers are accepted, and what is stored with an answer.
//!
//! A chat ends three ways: the customer's `end` frame (the widget's close button), an advisor
//! closing a handed-off chat, or no customer activity for `survey_after_idle` while a socket
//! is open. Each appends an `end` event and, if the customer said something since the last
//! survey, a `survey` event asking "how easy was it" on a 1 to 7 scale in the conversation's
//! language. Both are stored events: a widget reopened later replays a pending survey and can
//! still answer it.
//!
//! Rules (the prose version is in docs/protocol.md):
//! - one survey per stretch of conversation: a new one is asked only if the customer wrote
//!   since the last one. Writing after `end` simply continues the conversation, and the next
//!   end may ask again;
//! - an answer is for the latest survey, once: a `score` of 1 to 7 with an optional comment,
//!   or `skipped: true`. Never answering is fine too: the survey stays pending;
//! - the answer event carries what analytics needs (path, intents, queue wait, who ended the
//!   chat), derived from the transcript when it is stored, so aggregating needs no join.
//!
//! Writes follow `ownership.rs`: take the conversation's turn lock, read, decide, append. Only
//! events are appended; the dialogue state is left as it is. Each decision reads the whole
//! transcript: that happens once per end or answer, never per turn.

mod context;

use relais_nlu::Lang;
use serde::{Deserialize, Serialize};

use crate::conversation::Commit;
use crate::error::SessionError;
use crate::hub::Subscription;
use crate::state::AppState;
use crate::stored_state::{Owner, StoredState};
use crate::transcript::Event;

pub(crate) use context::SurveyContext;
use context::{Decoded, Status};

/// The ends of the score scale, inclusive.
pub(crate) const SCALE: [u8; 2] = [1, 7];
/// Longest comment kept with an answer, in characters.
pub(crate) const MAX_COMMENT_CHARS: usize = 1_000;

/// How a chat ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EndReason {
    /// The customer closed the chat (`end`).
    Customer,
    /// The advisor closed a handed-off chat.
    Agent,
    /// Nobody wrote for `survey_after_idle`.
    Idle,
}

/// The survey question, as stored in `survey` events and sent in `survey` frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct SurveyQuestion {
    /// Lowest and highest score.
    pub(crate) scale: [u8; 2],
    /// The question, in `lang`.
    pub(crate) question: String,
    /// What the lowest and the highest score mean, in `lang`.
    pub(crate) labels: [String; 2],
    /// The conversation's language when the survey was asked.
    pub(crate) lang: Lang,
}

impl SurveyQuestion {
    /// The question in `lang`.
    pub(crate) fn new(lang: Lang) -> SurveyQuestion {
        let (question, low, high) = match lang {
            Lang::Fr => (
                "Dans quelle mesure a-t-il été facile d’obtenir une réponse à votre question ?",
                "Très difficile",
                "Très facile",
            ),
            Lang::En => (
                "How easy was it to get your question handled?",
                "Very difficult",
                "Very easy",
            ),
        };
        SurveyQuestion {
            scale: SCALE,
            question: question.to_owned(),
            labels: [low.to_owned(), high.to_owned()],
            lang,
        }
    }
}

/// The customer's answer, as stored in `survey_answer` events and sent in their frames.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct SurveyAnswer {
    /// The score, 1 to 7; `None` when skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) score: Option<u8>,
    /// The customer's comment, trimmed, at most [`MAX_COMMENT_CHARS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) comment: Option<String>,
    /// The customer chose not to answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) skipped: bool,
}

impl SurveyAnswer {
    /// Checks the fields of a client `survey` frame: a score in [`SCALE`], or `skipped`.
    pub(crate) fn validate(
        score: Option<i64>,
        comment: Option<String>,
        skipped: Option<bool>,
    ) -> Result<SurveyAnswer, SessionError> {
        let comment = comment
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
        {
            return Err(SessionError::TextTooLong {
                limit: MAX_COMMENT_CHARS,
            });
        }
        let skipped = skipped.unwrap_or(false);
        let score = match (score, skipped) {
            (Some(_), true) => {
                return Err(SessionError::InvalidFrame(
                    "a skipped survey has no `score`".to_owned(),
                ));
            }
            (None, true) => None,
            (None, false) => {
                return Err(SessionError::InvalidFrame(
                    "a survey answer needs a `score` or `skipped: true`".to_owned(),
                ));
            }
            (Some(score), false) => Some(
                u8::try_from(score)
                    .ok()
                    .filter(|s| (SCALE[0]..=SCALE[1]).contains(s))
                    .ok_or(SessionError::ScoreOutOfRange)?,
            ),
        };
        Ok(SurveyAnswer {
            score,
            comment,
            skipped,
        })
    }
}

/// What ending the chat did.
pub(crate) enum Ending {
    /// An `end` event, and a survey if one is due, were appended.
    Stored(Commit),
    /// The chat had already ended at this seq, and nobody wrote since: nothing new.
    AlreadyEnded(u64),
    /// Nothing to end (an idle chat already ended, a closed advisor chat already handled, or
    /// an idle chat held by the queue or an advisor).
    Nothing,
}

/// Ends the chat for `reason`: appends `end`, then a survey when the customer wrote since the
/// last one. Idempotent under the turn lock, so several sockets of one conversation may all
/// try: one writes, the others find it done.
pub(crate) fn end(
    app: &AppState,
    sub: &Subscription,
    reason: EndReason,
) -> Result<Ending, SessionError> {
    let _turn = sub.turn();
    let (state, events) = load(app, sub.id())?;
    let status = Status::of(&events);
    match reason {
        EndReason::Customer => {
            if let Some(seq) = status.open_end {
                return Ok(Ending::AlreadyEnded(seq));
            }
        }
        EndReason::Agent => {
            if !status.agent_closed_unended {
                return Ok(Ending::Nothing);
            }
        }
        EndReason::Idle => {
            let waiting_or_with_advisor = state.owner != Owner::Bot;
            if waiting_or_with_advisor || status.open_end.is_some() || !status.customer_since_survey
            {
                return Ok(Ending::Nothing);
            }
        }
    }
    let mut appended = vec![Event::End { by: reason }];
    if status.customer_since_survey {
        appended.push(Event::Survey {
            question: SurveyQuestion::new(language(&state)),
            by: reason,
        });
    }
    append(app, sub.id(), &appended).map(Ending::Stored)
}

/// Stores the customer's answer to the latest survey, with its analytics context.
pub(crate) fn answer(
    app: &AppState,
    sub: &Subscription,
    answer: SurveyAnswer,
    client_id: Option<&str>,
) -> Result<Commit, SessionError> {
    let _turn = sub.turn();
    let (_, events) = load(app, sub.id())?;
    let status = Status::of(&events);
    let Some(asked) = status.survey else {
        return Err(SessionError::SurveyNotAsked);
    };
    if status.answered {
        return Err(SessionError::SurveyAlreadyAnswered);
    }
    let event = Event::SurveyAnswer {
        answer,
        context: SurveyContext::of(&events, asked),
        id: client_id.map(str::to_owned),
    };
    append(app, sub.id(), &[event])
}

/// The conversation's state and its decoded transcript.
fn load(app: &AppState, id: &str) -> Result<(StoredState, Vec<Decoded>), SessionError> {
    let record = app
        .store()
        .conversation(id)?
        .ok_or_else(|| SessionError::MissingConversation(id.to_owned()))?;
    let state = StoredState::from_json(id, &record.state);
    let events = app.store().events_after(id, 0)?;
    Ok((state, Decoded::all(&events)))
}

/// Appends `events` without touching the dialogue state.
fn append(app: &AppState, id: &str, events: &[Event]) -> Result<Commit, SessionError> {
    let bodies = events.iter().map(Event::to_json).collect();
    let (stored, durable) = app.store().append(id, bodies, None)?;
    Ok(Commit::new(stored, vec![durable]))
}

/// The conversation's language: that of the last bot message, else of the dialogue.
fn language(state: &StoredState) -> Lang {
    state.lang.or(state.dialogue.lang).unwrap_or(Lang::Fr)
}

#[cfg(test)]
#[path = "survey_test.rs"]
mod tests;
