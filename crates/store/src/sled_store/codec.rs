//! Encoding of sled values: JSON documents, read back into typed structs at the boundary so
//! that raw bytes never leave this backend.
//!
//! A value that fails to decode is reported as a corrupted record of its tree, never skipped.

use std::borrow::Cow;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

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

/// A [`ConversationValue`] read or written without building its state: the state stays the
/// JSON text it is stored as, so an append rewrites the record with one pass over it.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ConversationParts<'a> {
    /// Milliseconds since the Unix epoch at creation.
    pub(super) created_ms: u64,
    /// Sequence number of the last event (0 when none).
    pub(super) last_seq: u64,
    /// The hash of the resume token.
    #[serde(borrow)]
    pub(super) resume_token_hash: Cow<'a, str>,
    /// The dialogue state, as stored.
    #[serde(borrow)]
    pub(super) state: &'a RawValue,
}

/// Only the `last_seq` of a [`ConversationValue`], read without building its state.
#[derive(Debug, Deserialize)]
pub(super) struct LastSeq {
    /// Sequence number of the last event (0 when none).
    pub(super) last_seq: u64,
}

/// An event as stored in `layout::EVENTS`; its seq is in the key.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct EventValue<B, C = IgnoredAny> {
    /// Milliseconds since the Unix epoch when the event was appended.
    pub(super) at_ms: u64,
    /// The event: borrowed when encoding, owned when decoding.
    pub(super) body: B,
    /// The client's id for it, when it is the client message of its append: an entry of
    /// `layout::CLIENT_MESSAGES` is believed only if the event it points to names the same
    /// client id (a crash may leave an entry of an append that never completed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) client: Option<C>,
}

/// Encodes a value as JSON.
pub(super) fn encode<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Backend(format!("cannot encode a record: {e}")))
}

/// Decodes a JSON value read from `tree`, borrowing from `bytes` where it can.
pub(super) fn decode_borrowed<'a, T: Deserialize<'a>>(
    tree: &str,
    bytes: &'a [u8],
) -> StoreResult<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Backend(format!("corrupted record in tree {tree}: {e}")))
}

/// Encodes a value as a JSON text (for a state given as a JSON value).
pub(super) fn encode_raw<T: Serialize>(value: &T) -> StoreResult<Box<RawValue>> {
    serde_json::value::to_raw_value(value)
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
            client: Some("m1"),
        })
        .unwrap();
        let back: EventValue<Value> = decode("events", &bytes).unwrap();
        assert_eq!((back.at_ms, back.body), (7, body));
        let client: EventValue<IgnoredAny, String> = decode("events", &bytes).unwrap();
        assert_eq!(client.client.as_deref(), Some("m1"));
    }

    #[test]
    fn a_record_rewritten_through_its_parts_keeps_every_field() {
        let value = ConversationValue {
            created_ms: 3,
            last_seq: 5,
            resume_token_hash: "h\"q".to_owned(),
            state: json!({"turns": 2, "lang": "fr"}),
        };
        let bytes = encode(&value).unwrap();
        let mut parts: ConversationParts<'_> = decode_borrowed("conversations", &bytes).unwrap();
        parts.last_seq += 1;
        let back: ConversationValue = decode("conversations", &encode(&parts).unwrap()).unwrap();
        assert_eq!(
            (
                back.created_ms,
                back.last_seq,
                back.resume_token_hash,
                back.state
            ),
            (3, 6, "h\"q".to_owned(), value.state)
        );
    }

    #[test]
    fn garbage_is_reported_as_corruption_naming_the_tree() {
        let err = decode::<ConversationValue>("conversations", b"{not json").unwrap_err();
        assert!(matches!(err, StoreError::Backend(m) if m.contains("tree conversations")));
    }
}
