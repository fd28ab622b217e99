//! The one table mapping every failure a client can see to a stable wire code.
//!
//! Handlers of both sockets (customer and advisor) return [`SessionError`]; the session turns
//! it into an `error` frame through [`SessionError::code`] and [`SessionError::client_message`].
//! Internal faults (storage, randomness) are logged with their details here and reach the
//! client only as `internal`.

use relais_store::StoreError;

use crate::ids::RandomnessError;

/// Every error code a client can receive in an `error` frame (see `docs/protocol.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// The text frame is not valid JSON.
    InvalidJson,
    /// The frame's `type` is not one the server knows.
    UnknownType,
    /// A field is missing, has the wrong type or an unacceptable value.
    InvalidFrame,
    /// The customer text is longer than the configured limit.
    TextTooLong,
    /// The customer text is empty or only whitespace.
    EmptyText,
    /// A binary websocket frame was received.
    BinaryNotSupported,
    /// A frame other than `hello` came before `hello`.
    HelloRequired,
    /// A second `hello` came on the same connection.
    AlreadyStarted,
    /// The resume token is unknown; a new conversation was started instead.
    ResumeInvalid,
    /// The callback form was sent without explicit consent.
    ConsentRequired,
    /// The callback form's contact is neither an email address nor a phone number.
    InvalidContact,
    /// The websocket message exceeded the size limit; the connection is closed.
    MessageTooLarge,
    /// The client sends frames faster than allowed; frames are dropped until it slows down,
    /// and the connection is closed with 1008 if it does not.
    RateLimited,
    /// This address started too many conversations in the last minute; resuming still works.
    TooManyConversations,
    /// The frame type belongs to the advisors' socket; a customer socket refuses it.
    AgentOnly,
    /// `leave_queue` while neither waiting for nor chatting with an advisor.
    NotQueued,
    /// A survey `score` outside the survey's scale (1 to 7).
    ScoreOutOfRange,
    /// A survey answer while no survey was asked.
    SurveyNotAsked,
    /// A second answer to the same survey.
    SurveyAlreadyAnswered,
    /// Advisor socket: no such conversation waiting, running or held.
    NotFound,
    /// Advisor socket: another advisor took the conversation first.
    AlreadyTaken,
    /// Advisor socket: the conversation is not this advisor's.
    NotOwner,
    /// Advisor socket: the advisor may not take this conversation (language, skill, reserved
    /// for another advisor, or capacity reached).
    NotEligible,
    /// Advisor socket: the frame type is known but not supported yet.
    Unsupported,
    /// The server failed; the frame may be sent again.
    Internal,
}

impl ErrorCode {
    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::UnknownType => "unknown_type",
            ErrorCode::InvalidFrame => "invalid_frame",
            ErrorCode::TextTooLong => "text_too_long",
            ErrorCode::EmptyText => "empty_text",
            ErrorCode::BinaryNotSupported => "binary_not_supported",
            ErrorCode::HelloRequired => "hello_required",
            ErrorCode::AlreadyStarted => "already_started",
            ErrorCode::ResumeInvalid => "resume_invalid",
            ErrorCode::ConsentRequired => "consent_required",
            ErrorCode::InvalidContact => "invalid_contact",
            ErrorCode::MessageTooLarge => "message_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::TooManyConversations => "too_many_conversations",
            ErrorCode::AgentOnly => "agent_only",
            ErrorCode::NotQueued => "not_queued",
            ErrorCode::ScoreOutOfRange => "score_out_of_range",
            ErrorCode::SurveyNotAsked => "survey_not_asked",
            ErrorCode::SurveyAlreadyAnswered => "survey_already_answered",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyTaken => "already_taken",
            ErrorCode::NotOwner => "not_owner",
            ErrorCode::NotEligible => "not_eligible",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::Internal => "internal",
        }
    }
}

/// A failure while handling one client frame; the connection stays open unless noted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionError {
    #[error("the frame is not valid JSON ({0})")]
    InvalidJson(String),
    #[error("unknown frame type `{0}`")]
    UnknownType(String),
    #[error("invalid frame: {0}")]
    InvalidFrame(String),
    #[error("the text is longer than {limit} characters")]
    TextTooLong { limit: usize },
    #[error("the text is empty")]
    EmptyText,
    #[error("binary frames are not supported; send JSON text frames")]
    BinaryNotSupported,
    #[error("the first frame must be `hello`")]
    HelloRequired,
    #[error("the conversation has already started on this connection")]
    AlreadyStarted,
    #[error("the resume token is not valid; a new conversation has started")]
    ResumeInvalid,
    #[error("the callback form needs the customer's explicit consent (`consent: true`)")]
    ConsentRequired,
    #[error("the contact must be an email address or a phone number")]
    InvalidContact,
    #[error("the message is larger than {limit} bytes; the connection is closed")]
    MessageTooLarge { limit: usize },
    #[error("too many frames; slow down (frames are dropped meanwhile)")]
    RateLimited,
    #[error("too many new conversations from your address; try again in a minute")]
    TooManyConversations,
    #[error("`{0}` is an advisor frame; a customer connection cannot send it")]
    AgentOnly(String),
    #[error("you are not waiting for an advisor")]
    NotQueued,
    #[error("the survey score must be a whole number from 1 to 7")]
    ScoreOutOfRange,
    #[error("no survey was asked in this conversation")]
    SurveyNotAsked,
    #[error("this survey has already been answered")]
    SurveyAlreadyAnswered,
    #[error("no such conversation is waiting or running")]
    NotFound,
    #[error("another advisor has already taken this conversation")]
    AlreadyTaken,
    #[error("this conversation is not yours")]
    NotOwner,
    #[error("{0}")]
    NotEligible(&'static str),
    #[error("the advisor queue is not running")]
    QueueStopped,
    #[error("{0}")]
    Internal(String),
    #[error("storage failure: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    #[error("conversation `{0}` vanished from the store")]
    MissingConversation(String),
}

impl SessionError {
    /// The wire code of this failure: the single mapping table.
    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            SessionError::InvalidJson(_) => ErrorCode::InvalidJson,
            SessionError::UnknownType(_) => ErrorCode::UnknownType,
            SessionError::InvalidFrame(_) => ErrorCode::InvalidFrame,
            SessionError::TextTooLong { .. } => ErrorCode::TextTooLong,
            SessionError::EmptyText => ErrorCode::EmptyText,
            SessionError::BinaryNotSupported => ErrorCode::BinaryNotSupported,
            SessionError::HelloRequired => ErrorCode::HelloRequired,
            SessionError::AlreadyStarted => ErrorCode::AlreadyStarted,
            SessionError::ResumeInvalid => ErrorCode::ResumeInvalid,
            SessionError::ConsentRequired => ErrorCode::ConsentRequired,
            SessionError::InvalidContact => ErrorCode::InvalidContact,
            SessionError::MessageTooLarge { .. } => ErrorCode::MessageTooLarge,
            SessionError::RateLimited => ErrorCode::RateLimited,
            SessionError::TooManyConversations => ErrorCode::TooManyConversations,
            SessionError::AgentOnly(_) => ErrorCode::AgentOnly,
            SessionError::NotQueued => ErrorCode::NotQueued,
            SessionError::ScoreOutOfRange => ErrorCode::ScoreOutOfRange,
            SessionError::SurveyNotAsked => ErrorCode::SurveyNotAsked,
            SessionError::SurveyAlreadyAnswered => ErrorCode::SurveyAlreadyAnswered,
            SessionError::NotFound => ErrorCode::NotFound,
            SessionError::AlreadyTaken => ErrorCode::AlreadyTaken,
            SessionError::NotOwner => ErrorCode::NotOwner,
            SessionError::NotEligible(_) => ErrorCode::NotEligible,
            SessionError::QueueStopped
            | SessionError::Internal(_)
            | SessionError::Store(_)
            | SessionError::Randomness(_)
            | SessionError::MissingConversation(_) => ErrorCode::Internal,
        }
    }

    /// The message shown to the client: the error itself for caller mistakes, a neutral
    /// sentence for internal faults (whose details go to the log, never to the client).
    pub(crate) fn client_message(&self) -> String {
        match self.code() {
            ErrorCode::Internal => {
                tracing::error!(error = %self, "internal failure while handling a frame");
                "Something went wrong on our side; please try again.".to_owned()
            }
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_never_reach_the_client() {
        let err = SessionError::Store(StoreError::Backend("disk /dev/sda1 on fire".into()));
        assert_eq!(err.code().as_str(), "internal");
        assert!(!err.client_message().contains("sda1"));
    }

    #[test]
    fn caller_mistakes_explain_themselves() {
        let err = SessionError::TextTooLong { limit: 2000 };
        assert_eq!(err.code().as_str(), "text_too_long");
        assert!(err.client_message().contains("2000"));
    }
}
