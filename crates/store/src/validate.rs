//! Input rules shared by every backend, so that all of them accept and refuse the same ids.
//!
//! Sled keys are built from these strings (see `sled_store::layout`): a length limit keeps
//! keys small, and NUL is the separator inside composite keys.

use serde_json::Value;

use crate::{ClientMessage, StoreError, StoreResult};

/// Longest accepted identifier or key, in bytes.
pub(crate) const MAX_ID_LEN: usize = 256;

/// Longest client message id accepted, in bytes (see `ClientMessage`).
pub const MAX_CLIENT_ID_LEN: usize = 256;

/// Longest client message digest accepted, in bytes (see `ClientMessage`).
pub const MAX_CLIENT_DIGEST_LEN: usize = 64;

/// Checks a client message: id and digest within their limits. Any content is allowed: the
/// id is the last part of its key, after a conversation id that holds no NUL.
fn check_client_message(message: &ClientMessage<'_>) -> StoreResult<()> {
    if message.id.len() > MAX_CLIENT_ID_LEN {
        return Err(StoreError::InvalidInput(format!(
            "client message id is longer than {MAX_CLIENT_ID_LEN} bytes"
        )));
    }
    if message.digest.len() > MAX_CLIENT_DIGEST_LEN {
        return Err(StoreError::InvalidInput(format!(
            "client message digest is longer than {MAX_CLIENT_DIGEST_LEN} bytes"
        )));
    }
    Ok(())
}

/// Checks an append to conversation `id`: the id, and the client message with the event it
/// is indexed under (the first one).
pub(crate) fn check_append(
    id: &str,
    events: &[Value],
    client: Option<&ClientMessage<'_>>,
) -> StoreResult<()> {
    check_id("conversation id", id)?;
    if let Some(client) = client {
        check_client_message(client)?;
        if events.is_empty() {
            return Err(StoreError::InvalidInput(
                "a client message needs an event".to_owned(),
            ));
        }
    }
    Ok(())
}

/// Checks a lookup of client message `client_id` in conversation `id`.
pub(crate) fn check_client_lookup(id: &str, client_id: &str) -> StoreResult<()> {
    check_id("conversation id", id)?;
    check_client_message(&ClientMessage {
        id: client_id,
        digest: &[],
    })
}

/// Checks an identifier or key: non-empty, at most [`MAX_ID_LEN`] bytes, no NUL byte.
pub(crate) fn check_id(what: &str, value: &str) -> StoreResult<()> {
    let problem = if value.is_empty() {
        "is empty".to_owned()
    } else if value.len() > MAX_ID_LEN {
        format!("is longer than {MAX_ID_LEN} bytes")
    } else if value.contains('\0') {
        "contains a NUL byte".to_owned()
    } else {
        return Ok(());
    };
    Err(StoreError::InvalidInput(format!("{what} {problem}")))
}

/// Checks an agent name: an identifier (see [`check_id`]) made of `[a-z0-9_.-]` only, so it
/// is safe in URLs, logs and the `agent:<name>` owner tag.
pub(crate) fn check_agent_name(name: &str) -> StoreResult<()> {
    check_id("agent name", name)?;
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
    if name.chars().all(allowed) {
        Ok(())
    } else {
        Err(StoreError::InvalidInput(
            "agent name may only contain a-z, 0-9, '_', '.' and '-'".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_names_are_lowercase_ascii_words() {
        for good in ["alice", "bob.martin", "agent_07", "x-y"] {
            assert!(check_agent_name(good).is_ok(), "{good}");
        }
        for bad in ["", "Alice", "é", "a b", "a/b", "a\0b", "<script>"] {
            assert!(
                matches!(check_agent_name(bad), Err(StoreError::InvalidInput(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn accepts_ordinary_ids_and_refuses_empty_long_or_nul() {
        assert!(check_id("id", "abc-123_é").is_ok());
        assert!(check_id("id", &"x".repeat(MAX_ID_LEN)).is_ok());
        for bad in ["", "a\0b", &"x".repeat(MAX_ID_LEN + 1)] {
            let err = check_id("conversation id", bad).unwrap_err();
            assert!(
                matches!(err, StoreError::InvalidInput(ref m) if m.starts_with("conversation id"))
            );
        }
    }
}
