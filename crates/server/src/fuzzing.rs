//! Entry points for the fuzz targets in `fuzz/` (`scripts/fuzz.sh`): the crate-private frame
//! decoders and the checks that follow them, reachable from outside without making the
//! protocol types public.
//!
//! Each function runs exactly what a session does with one text frame before any I/O, with the
//! default limits of [`ServerConfig`], and returns the `error` frame the client would receive.
//! Not an API: hidden from the docs and free to change with the fuzz targets.

use crate::agent_protocol::{AgentClientFrame, AgentFrame, decode_agent};
use crate::callback::CallbackForm;
use crate::config::ServerConfig;
use crate::error::{ErrorCode, SessionError};
use crate::protocol::{ClientFrame, ServerFrame, check_client_id, check_text, decode};

/// A frame refused before reaching its handler: the wire code and the `error` frame sent back.
#[derive(Debug)]
pub struct Rejected {
    /// The code of the `error` frame.
    pub code: ErrorCode,
    /// The `error` frame as sent on the socket (JSON text).
    pub frame: String,
}

/// Decodes one customer text frame and runs the checks of its handler (client id, text,
/// callback form); `Err` holds the `error` frame the customer would receive.
pub fn client_frame(text: &str) -> Result<(), Rejected> {
    let max_text_chars = ServerConfig::default().max_text_chars;
    let frame = decode(text).map_err(|err| customer_error(&err, None))?;
    let checked = match &frame {
        ClientFrame::Message { text, id } => {
            check_client_id(id.as_deref()).and_then(|()| check_text(text, max_text_chars))
        }
        ClientFrame::Callback {
            name,
            contact,
            message,
            consent,
            id,
        } => check_client_id(id.as_deref()).and_then(|()| {
            CallbackForm::validate(name, contact, message, *consent, max_text_chars).map(|_| ())
        }),
        // The other frames' checks need the session (or are a single length test).
        _ => check_client_id(client_id(&frame)),
    };
    checked.map_err(|err| customer_error(&err, client_id(&frame)))
}

/// Decodes one advisor text frame and checks the text of a `message`; `Err` holds the `error`
/// frame the advisor would receive.
pub fn agent_frame(text: &str) -> Result<(), Rejected> {
    let max_text_chars = ServerConfig::default().max_text_chars;
    let frame = decode_agent(text).map_err(|err| agent_error(&err, None))?;
    match &frame {
        AgentClientFrame::Message { text, .. } => check_text(text, max_text_chars),
        _ => Ok(()),
    }
    .map_err(|err| agent_error(&err, Some(frame.conversation())))
}

/// The client message id of a customer frame, echoed in its `error` frame.
fn client_id(frame: &ClientFrame) -> Option<&str> {
    match frame {
        ClientFrame::Message { id, .. }
        | ClientFrame::Choice { id, .. }
        | ClientFrame::Callback { id, .. }
        | ClientFrame::End { id }
        | ClientFrame::Survey { id, .. } => id.as_deref(),
        // `hello`, `leave_queue`, `typing`: no id. A wildcard, so new frames build unchanged.
        _ => None,
    }
}

fn customer_error(err: &SessionError, id: Option<&str>) -> Rejected {
    let frame = ServerFrame::Error {
        code: err.code(),
        message: err.client_message(),
        id,
    };
    Rejected {
        code: err.code(),
        frame: frame.encode(),
    }
}

fn agent_error(err: &SessionError, conversation: Option<&str>) -> Rejected {
    let frame = AgentFrame::Error {
        code: err.code(),
        message: err.client_message(),
        conversation,
    };
    Rejected {
        code: err.code(),
        frame: frame.encode(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_frames_pass_or_get_the_session_error() {
        assert!(client_frame(r#"{"type":"message","text":"Bonjour","id":"c1"}"#).is_ok());
        let rejected = client_frame(r#"{"type":"message","text":"  ","id":"c1"}"#).unwrap_err();
        assert_eq!(rejected.code, ErrorCode::EmptyText);
        assert_eq!(
            rejected.frame,
            r#"{"type":"error","code":"empty_text","message":"the text is empty","id":"c1"}"#
        );
        let callback = r#"{"type":"callback","name":"A","contact":"a@b.fr","consent":false}"#;
        assert_eq!(
            client_frame(callback).unwrap_err().code,
            ErrorCode::ConsentRequired
        );
        assert_eq!(client_frame("{").unwrap_err().code, ErrorCode::InvalidJson);
    }

    #[test]
    fn advisor_frames_pass_or_get_the_session_error() {
        assert!(agent_frame(r#"{"type":"accept","conversation":"c1"}"#).is_ok());
        let long = "x".repeat(ServerConfig::default().max_text_chars + 1);
        let rejected = agent_frame(&format!(
            r#"{{"type":"message","conversation":"c1","text":"{long}"}}"#
        ))
        .unwrap_err();
        assert_eq!(rejected.code, ErrorCode::TextTooLong);
        assert!(rejected.frame.contains(r#""conversation":"c1""#));
    }
}
