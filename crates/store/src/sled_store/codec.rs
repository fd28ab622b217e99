//! Encoding of sled values: JSON documents, read back into typed structs at the boundary so
//! that raw bytes never leave this backend.
//!
//! A value that fails to decode is reported as a corrupted record of its tree, never skipped.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ConversationRecord, StoreError, StoreResult};

/// A conversation as stored in `layout::CONVERSATIONS`.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ConversationValue {
    /// Milliseconds since the Unix epoch at creation.
    pub(super) created_ms: u64,
    /// Sequence number of the last event (0 when none).
    pub(super) last_seq: u64,
    /// The hash of the resume token, so that the index entry can be found from here.
    pub(super) resume_token_hash: String,
    /// The dialogue state.
    pub(super) state: Value,
}

impl ConversationValue {
    /// The public record of conversation `id`.
    pub(super) fn into_record(self, id: &str) -> ConversationRecord {
        ConversationRecord {
            id: id.to_owned(),
            created_ms: self.created_ms,
            last_seq: self.last_seq,
            state: self.state,
        }
    }
}

/// Only the `last_seq` of a [`ConversationValue`], read without building its state.
#[derive(Debug, Deserialize)]
pub(super) struct LastSeq {
    /// Sequence number of the last event (0 when none).
    pub(super) last_seq: u64,
}

/// An event as stored in `layout::EVENTS`; its seq is in the key.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct EventValue<B> {
    /// Milliseconds since the Unix epoch when the event was appended.
    pub(super) at_ms: u64,
    /// The event: borrowed when encoding, owned when decoding.
    pub(super) body: B,
}

/// Encodes a value as JSON.
pub(super) fn encode<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Backend(format!("cannot encode a record: {e}")))
}

/// Decodes a JSON value read from `tree`.
pub(super) fn decode<T: DeserializeOwned>(tree: &str, bytes: &[u8]) -> StoreResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Backend(format!("corrupted record in tree {tree}: {e}")))
}

/// Decodes a UTF-8 string read from `tree` (ids stored as values).
pub(super) fn decode_str(tree: &str, bytes: &[u8]) -> StoreResult<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|e| StoreError::Backend(format!("corrupted record in tree {tree}: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn events_round_trip_from_borrowed_to_owned_bodies() {
        let body = json!({"kind": "customer", "text": "bonjour"});
        let bytes = encode(&EventValue {
            at_ms: 7,
            body: &body,
        })
        .unwrap();
        let back: EventValue<Value> = decode("events", &bytes).unwrap();
        assert_eq!((back.at_ms, back.body), (7, body));
    }

    #[test]
    fn garbage_is_reported_as_corruption_naming_the_tree() {
        let err = decode::<ConversationValue>("conversations", b"{not json").unwrap_err();
        assert!(matches!(err, StoreError::Backend(m) if m.contains("tree conversations")));
    }
}
