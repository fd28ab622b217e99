//! The customer-protocol frames a crash run sends and tells apart (see `docs/protocol.md`).
//!
//! Decoding keeps only what the run checks: seqs, client ids, texts and error codes. Unknown
//! frame types are accepted, as the protocol requires of clients.

use serde::Deserialize;
use serde_json::json;

/// `hello` opening a new conversation in `lang`.
pub(crate) fn hello_new(lang: &str) -> String {
    json!({"type": "hello", "lang": lang}).to_string()
}

/// `hello` resuming the conversation of `token`, replaying the events after `last_seq`.
pub(crate) fn hello_resume(token: &str, last_seq: u64) -> String {
    json!({"type": "hello", "resume": token, "last_seq": last_seq}).to_string()
}

/// A customer `message` with its client id.
pub(crate) fn message(id: &str, text: &str) -> String {
    json!({"type": "message", "id": id, "text": text}).to_string()
}

/// A server frame, reduced to what the run needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    /// `welcome`: the conversation is open (`resumed` when it is the one asked for).
    Welcome {
        /// The conversation's resume token.
        token: String,
        /// The conversation's last seq when the welcome was sent.
        seq: u64,
        /// Whether the resume token was honoured.
        resumed: bool,
    },
    /// `ack`: a message of this socket is durably stored as event `seq`.
    Ack {
        /// The client id it carried.
        id: Option<String>,
        /// Its event number.
        seq: u64,
    },
    /// A `customer` event (replayed, or from another socket).
    Customer {
        /// Its event number.
        seq: u64,
        /// The client id it was sent with.
        id: Option<String>,
        /// What the customer wrote.
        text: String,
    },
    /// Any other event: `bot`, `handoff`, `agent`, `callback`...
    Event {
        /// Its event number.
        seq: u64,
    },
    /// `error` with its code.
    Error {
        /// The error code, e.g. `internal`.
        code: String,
    },
    /// A frame that stands for no event (`typing`, `queue_update`...).
    Live,
}

impl Incoming {
    /// The event number the frame carries, if it stands for an event.
    pub(crate) fn seq(&self) -> Option<u64> {
        match self {
            Incoming::Ack { seq, .. }
            | Incoming::Customer { seq, .. }
            | Incoming::Event { seq } => Some(*seq),
            Incoming::Welcome { .. } | Incoming::Error { .. } | Incoming::Live => None,
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "type")]
    kind: String,
    seq: Option<u64>,
    id: Option<String>,
    text: Option<String>,
    code: Option<String>,
    resume: Option<String>,
    resumed: Option<bool>,
}

/// Decodes one text frame from the server.
pub(crate) fn parse(text: &str) -> Result<Incoming, String> {
    let raw: Raw = serde_json::from_str(text).map_err(|err| format!("invalid frame: {err}"))?;
    let missing = |field: &str| format!("`{}` frame without `{field}`", raw.kind);
    Ok(match (raw.kind.as_str(), raw.seq) {
        ("welcome", Some(seq)) => Incoming::Welcome {
            token: raw.resume.clone().ok_or_else(|| missing("resume"))?,
            seq,
            resumed: raw.resumed.unwrap_or(false),
        },
        ("welcome" | "ack" | "customer", None) => return Err(missing("seq")),
        ("ack", Some(seq)) => Incoming::Ack { id: raw.id, seq },
        ("customer", Some(seq)) => Incoming::Customer {
            seq,
            id: raw.id,
            text: raw.text.unwrap_or_default(),
        },
        ("error", _) => Incoming::Error {
            code: raw.code.unwrap_or_default(),
        },
        (_, Some(seq)) => Incoming::Event { seq },
        (_, None) => Incoming::Live,
    })
}
