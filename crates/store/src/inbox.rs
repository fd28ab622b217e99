//! The inbox of missed questions: what the bot did not understand, clarifications customers
//! rejected, conversations advisors took over, and advisors' "this should be a FAQ" flags.
//!
//! The store keeps items in arrival order, each with a status; grouping similar questions and
//! turning them into training examples is the authoring tools' job. The inbox is bounded
//! ([`MAX_INBOX_ITEMS`]): when it is full, a new item first evicts the oldest closed item
//! (dismissed or promoted), and only when none is closed the oldest open one.

use serde::{Deserialize, Serialize};

use crate::validate::check_id;
use crate::{StoreError, StoreResult};

/// Most items the inbox keeps.
pub const MAX_INBOX_ITEMS: usize = 10_000;
/// Longest text of an item, in bytes (customer messages are bounded well below it).
pub const MAX_INBOX_TEXT_BYTES: usize = 8 * 1024;

/// Why an item landed in the inbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// The bot did not understand the message (fallback).
    Fallback,
    /// The customer answered "none of these" to a clarification about this message.
    RejectedClarification,
    /// A customer message of a conversation an advisor took over.
    Takeover,
    /// An advisor's text flagged as "this answer should become a FAQ".
    FlagFaq,
}

/// Where an item is in its review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxStatus {
    /// Waiting for an author.
    Open,
    /// Turned into a training example or an intent.
    Promoted,
    /// Judged not worth teaching.
    Dismissed,
}

impl InboxStatus {
    /// Whether the item was reviewed (promoted or dismissed), so it may be evicted first.
    pub fn is_closed(self) -> bool {
        self != InboxStatus::Open
    }
}

/// What the recorder knows of a new item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewInboxItem {
    /// Why it was recorded.
    pub kind: InboxKind,
    /// The customer's message, or the advisor's text for a flag (untrusted).
    pub text: String,
    /// Language code of the conversation (`fr`, `en`), when known.
    pub lang: Option<String>,
    /// The conversation it comes from, when any.
    pub conversation: Option<String>,
    /// The advisor who flagged it (flags only).
    pub agent: Option<String>,
}

/// An item as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// Its id, assigned by the store; ids grow with arrival order and are never reused.
    pub id: u64,
    /// Milliseconds since the Unix epoch at arrival.
    pub created_ms: u64,
    /// Its review status.
    pub status: InboxStatus,
    /// What was recorded.
    #[serde(flatten)]
    pub item: NewInboxItem,
}

/// Refuses an item the inbox cannot keep (empty or over-long text, or a conversation id that
/// breaks the id rules, so that erasing a conversation finds its items by id alone).
pub(crate) fn check_item(item: &NewInboxItem) -> StoreResult<()> {
    if let Some(conversation) = &item.conversation {
        check_id("conversation id", conversation)?;
    }
    if item.text.trim().is_empty() {
        return Err(StoreError::InvalidInput("inbox text is empty".to_owned()));
    }
    if item.text.len() > MAX_INBOX_TEXT_BYTES {
        return Err(StoreError::InvalidInput(format!(
            "inbox text is longer than {MAX_INBOX_TEXT_BYTES} bytes"
        )));
    }
    Ok(())
}
