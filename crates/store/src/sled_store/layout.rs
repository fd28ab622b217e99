//! The on-disk layout of the sled backend: one tree per relation, named here and nowhere else,
//! with the key encodings of each.
//!
//! Composite keys join their parts with a NUL byte, which identifiers cannot contain (see
//! `validate`), so a key decodes one way only and a prefix scan never strays into another
//! conversation. Numbers in keys are big-endian so that byte order is numeric order.
//! Values are JSON documents (see `codec`). A change to any of this that an existing data
//! directory would misread must bump `SCHEMA_VERSION` (see `schema`).
//!
//! A new relation gets its own tree here (the daily aggregates did). Adding a tree
//! needs no schema bump: older directories simply lack it, and sled creates it empty.

/// File in the data directory that an open store holds an exclusive lock on, so that two
/// processes never write the same directory (sled's own lock error is only a message).
pub(super) const LOCK_FILE: &str = "relais.lock";

/// sled's own data file in the directory, which sled locks while open.
pub(super) const SLED_DB_FILE: &str = "db";

/// Directory, inside the data directory, of the write-ahead log (see `wal`): files
/// `<generation>.log`, 20 decimal digits.
pub(super) const WAL_DIR: &str = "wal";

/// Store-wide facts. Keys: [`SCHEMA_VERSION_KEY`].
pub(super) const META: &str = "meta";

/// Key in [`META`] of the schema version, a big-endian `u32`, written at creation.
pub(super) const SCHEMA_VERSION_KEY: &[u8] = b"schema_version";

/// Conversations. Key: the conversation id. Value: `codec::ConversationValue`.
pub(super) const CONVERSATIONS: &str = "conversations";

/// Resume index. Key: the resume token hash. Value: the conversation id.
pub(super) const RESUME: &str = "resume";

/// Transcript events. Key: [`event_key`]. Value: `codec::EventValue`.
pub(super) const EVENTS: &str = "events";

/// The client message index: which seq each client message id of a conversation was stored
/// as. Key: [`client_message_key`]. Value: [`client_message_value`]. Written in the same WAL
/// record as the event it points to; kept as long as the conversation.
pub(super) const CLIENT_MESSAGES: &str = "client_messages";

/// FAQ answers. Key: [`faq_key`]. Value: a JSON `FaqEntry`.
pub(super) const FAQ: &str = "faq";

/// Callback tickets. Key: [`ticket_key`]. Value: a JSON `Ticket`.
pub(super) const TICKETS: &str = "tickets";

/// Agents. Key: the agent name. Value: a JSON `AgentRecord`.
pub(super) const AGENTS: &str = "agents";

/// Agent login sessions. Key: the SHA-256 hash of the token, as given. Value: a JSON
/// `AgentSession`.
pub(super) const AGENT_SESSIONS: &str = "agent_sessions";

/// The handoff queue, in serving order. Key: `queue_order::sort_key` (inverted priority,
/// big-endian order). Value: a JSON `QueueEntry`.
pub(super) const QUEUE: &str = "queue";

/// Which conversations are queued. Key: the conversation id. Value: its key in [`QUEUE`].
pub(super) const QUEUED: &str = "queued";

/// Daily analytics aggregates. Key: [`day_key`]. Value: the day's figures, JSON owned by the
/// layers above. Kept when conversations are purged.
pub(super) const DAILY: &str = "daily";

/// The inbox of missed questions. Key: [`inbox_key`]. Value: a JSON `InboxItem`.
pub(super) const INBOX: &str = "inbox";

/// The reviewed (promoted or dismissed) inbox items, evicted first when the inbox is full.
/// Key: [`inbox_key`]. Value: empty.
pub(super) const INBOX_CLOSED: &str = "inbox_closed";

/// Which inbox items each conversation has, so that erasing a conversation removes its items
/// without reading the whole inbox. Key: [`inbox_conversation_key`]. Value: empty. Written in
/// the same WAL record as the item.
pub(super) const INBOX_BY_CONVERSATION: &str = "inbox_by_conversation";

/// The trees that WAL records may change (every tree but [`META`]).
pub(super) const DATA_TREES: [&str; 14] = [
    CONVERSATIONS,
    RESUME,
    EVENTS,
    CLIENT_MESSAGES,
    FAQ,
    TICKETS,
    AGENTS,
    AGENT_SESSIONS,
    QUEUE,
    QUEUED,
    DAILY,
    INBOX,
    INBOX_CLOSED,
    INBOX_BY_CONVERSATION,
];

/// Separator inside composite keys.
const SEP: u8 = 0;

/// Size of a big-endian `u64` in a key.
const SEQ_LEN: usize = 8;

/// `conversation id, NUL, big-endian seq`: one conversation's events are contiguous and in
/// seq order, so `events_after` is a range scan.
pub(super) fn event_key(id: &str, seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.len() + 1 + SEQ_LEN);
    key.extend_from_slice(id.as_bytes());
    key.push(SEP);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

/// The seq at the end of an [`event_key`], or `None` if the key is not one.
pub(super) fn event_seq(key: &[u8]) -> Option<u64> {
    let split = key.len().checked_sub(SEQ_LEN)?;
    let (head, seq) = key.split_at(split);
    if head.last() != Some(&SEP) {
        return None;
    }
    Some(u64::from_be_bytes(seq.try_into().ok()?))
}

/// `conversation id, NUL, client id`: a conversation's entries are contiguous, after a prefix
/// no other conversation shares (conversation ids hold no NUL), so it can be removed with it.
pub(super) fn client_message_key(id: &str, client_id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.len() + 1 + client_id.len());
    key.extend_from_slice(id.as_bytes());
    key.push(SEP);
    key.extend_from_slice(client_id.as_bytes());
    key
}

/// `seq (u64 BE), digest`: where a client message is stored, and the digest of its content.
pub(super) fn client_message_value(seq: u64, digest: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(SEQ_LEN + digest.len());
    value.extend_from_slice(&seq.to_be_bytes());
    value.extend_from_slice(digest);
    value
}

/// The seq and digest of a [`client_message_value`], or `None` if the value is not one.
pub(super) fn client_message_parts(value: &[u8]) -> Option<(u64, &[u8])> {
    let (seq, digest) = value.split_at_checked(SEQ_LEN)?;
    Some((u64::from_be_bytes(seq.try_into().ok()?), digest))
}

/// The day (days since 1970-01-01), big-endian, so days iterate in date order.
pub(super) fn day_key(day: u32) -> [u8; 4] {
    day.to_be_bytes()
}

/// `conversation id, NUL`: the prefix of every key of one conversation in [`EVENTS`],
/// [`CLIENT_MESSAGES`] and [`INBOX_BY_CONVERSATION`], shared by no other conversation (ids
/// hold no NUL).
pub(super) fn conversation_prefix(id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(id.len() + 1);
    key.extend_from_slice(id.as_bytes());
    key.push(SEP);
    key
}

/// `key, NUL, lang`: ordered by key then language, like `all_faq` returns them.
pub(super) fn faq_key(key: &str, lang: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(key.len() + 1 + lang.len());
    bytes.extend_from_slice(key.as_bytes());
    bytes.push(SEP);
    bytes.extend_from_slice(lang.as_bytes());
    bytes
}

/// The inbox item id, big-endian, so items iterate in arrival order.
pub(super) fn inbox_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

/// `conversation id, NUL, inbox item id (u64 BE)`: a conversation's items are contiguous,
/// after its [`conversation_prefix`].
pub(super) fn inbox_conversation_key(conversation: &str, id: u64) -> Vec<u8> {
    let mut key = conversation_prefix(conversation);
    key.extend_from_slice(&inbox_key(id));
    key
}

/// The item id at the end of an [`inbox_conversation_key`] that starts with `prefix`, or
/// `None` if the key is not one of that conversation's.
pub(super) fn inbox_conversation_item(prefix: &[u8], key: &[u8]) -> Option<u64> {
    let id = key.strip_prefix(prefix)?;
    Some(u64::from_be_bytes(id.try_into().ok()?))
}

/// The ticket number, big-endian, so tickets iterate in creation order.
pub(super) fn ticket_key(number: u64) -> [u8; 8] {
    number.to_be_bytes()
}

/// The key of ticket `id`, or `None` if `id` is not a ticket number as the store writes
/// them (decimal, no sign or leading zero), so that no ticket has it.
pub(super) fn ticket_key_of(id: &str) -> Option<[u8; 8]> {
    let number: u64 = id.parse().ok()?;
    (number.to_string() == id).then(|| ticket_key(number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_keys_sort_by_conversation_then_numeric_seq() {
        let mut keys = vec![
            event_key("b", 1),
            event_key("a", 256),
            event_key("ab", 1),
            event_key("a", 2),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                event_key("a", 2),
                event_key("a", 256),
                event_key("ab", 1),
                event_key("b", 1),
            ]
        );
    }

    #[test]
    fn event_seq_reads_back_the_seq_and_refuses_foreign_keys() {
        assert_eq!(event_seq(&event_key("conv", 42)), Some(42));
        assert_eq!(event_seq(&event_key("conv", u64::MAX)), Some(u64::MAX));
        assert_eq!(event_seq(b"short"), None);
        assert_eq!(event_seq(b"no-separator-here"), None);
    }

    #[test]
    fn ticket_ids_map_back_to_their_key_only_in_canonical_form() {
        assert_eq!(ticket_key_of("42"), Some(ticket_key(42)));
        for foreign in ["", "042", "+42", "-1", "4 2", "x", "18446744073709551616"] {
            assert_eq!(ticket_key_of(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn client_message_values_read_back_and_short_ones_are_refused() {
        let value = client_message_value(7, b"digest");
        assert_eq!(client_message_parts(&value), Some((7, &b"digest"[..])));
        assert_eq!(
            client_message_parts(&client_message_value(9, b"")),
            Some((9, &b""[..]))
        );
        assert_eq!(client_message_parts(b"short"), None);
    }

    #[test]
    fn client_message_keys_of_a_conversation_share_its_prefix_only() {
        let key = client_message_key("ab", "c");
        assert!(key.starts_with(b"ab\0"));
        assert!(!client_message_key("a", "b\0c").starts_with(b"ab\0"));
    }

    #[test]
    fn inbox_conversation_keys_read_back_their_item_for_their_conversation_only() {
        let key = inbox_conversation_key("ab", 7);
        assert_eq!(
            inbox_conversation_item(&conversation_prefix("ab"), &key),
            Some(7)
        );
        assert_eq!(
            inbox_conversation_item(&conversation_prefix("a"), &key),
            None
        );
        assert_eq!(
            inbox_conversation_item(&conversation_prefix("ab"), b"ab\0short"),
            None
        );
    }

    #[test]
    fn faq_keys_sort_by_key_then_language() {
        let mut keys = vec![faq_key("a-b", "en"), faq_key("a", "fr"), faq_key("a", "en")];
        keys.sort();
        assert_eq!(
            keys,
            vec![faq_key("a", "en"), faq_key("a", "fr"), faq_key("a-b", "en")]
        );
    }
}
