//! Records of the human handoff: advisors ([`AgentRecord`]), their login sessions
//! ([`AgentSession`]) and the persistent queue of conversations waiting for one
//! ([`QueueEntry`]).
//!
//! The store keeps them as given and interprets only what it must: agent names and token
//! hashes are keys, a queue entry's priority and order give the queue its order (see
//! `queue_order`). Password checks, token expiry and routing belong to the server.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An advisor who can log in to the panel and take conversations over.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// Unique login name, `[a-z0-9_.-]+` (the store refuses others as invalid input).
    pub name: String,
    /// Name shown to customers and in the panel: untrusted text, never rendered as HTML.
    pub display_name: String,
    /// Languages the advisor serves (`fr`, `en`).
    pub langs: Vec<String>,
    /// Skills the advisor covers (`billing`, `technical`, `contracts`, `general`, ...).
    pub skills: Vec<String>,
    /// How many chats the advisor holds at once.
    pub capacity: u32,
    /// The argon2id PHC string of the password.
    pub password_hash: String,
    /// Bumped whenever the agent is changed: sessions carrying an older epoch are revoked.
    pub epoch: u64,
    /// Milliseconds since the Unix epoch when the agent was first added.
    pub created_ms: u64,
}

impl fmt::Debug for AgentRecord {
    /// Everything but the password hash, which has no business in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AgentRecord")
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("langs", &self.langs)
            .field("skills", &self.skills)
            .field("capacity", &self.capacity)
            .field("password_hash", &"<redacted>")
            .field("epoch", &self.epoch)
            .field("created_ms", &self.created_ms)
            .finish()
    }
}

/// A logged-in agent's session, stored under the SHA-256 of its token (never the token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSession {
    /// The agent's name.
    pub agent: String,
    /// The agent's epoch at login; a session is void once the agent's epoch has moved on.
    pub epoch: u64,
    /// Milliseconds since the Unix epoch after which the session is void.
    pub expires_ms: u64,
}

/// A conversation waiting for an advisor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueEntry {
    /// The waiting conversation; it is queued at most once.
    pub conversation: String,
    /// FIFO key within a priority, assigned by the store (ignored on the way in).
    pub order: u64,
    /// Language of the conversation.
    pub lang: String,
    /// Skill derived from the intents the conversation touched, if any.
    pub skill: Option<String>,
    /// 0 is normal; higher priorities are served first.
    pub priority: u8,
    /// The advisor the customer asked for by name, if any.
    pub requested_agent: Option<String>,
    /// Why the conversation was handed off.
    pub reason: String,
    /// Milliseconds since the Unix epoch when the conversation was first queued.
    pub enqueued_ms: u64,
    /// What the bot understood (intents with confidence, misses): opaque JSON for the agent.
    pub context: serde_json::Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_an_agent_hides_the_password_hash() {
        let agent = AgentRecord {
            name: "alice".to_owned(),
            display_name: "Alice".to_owned(),
            langs: vec!["fr".to_owned()],
            skills: vec!["billing".to_owned()],
            capacity: 3,
            password_hash: "$argon2id$v=19$secret-material".to_owned(),
            epoch: 1,
            created_ms: 5,
        };
        let shown = format!("{agent:?}");
        assert!(!shown.contains("secret-material"), "{shown}");
        assert!(
            shown.contains("alice") && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
