//! Agents and their login sessions in sled: trees `layout::AGENTS` and
//! `layout::AGENT_SESSIONS`.
//!
//! Every write method expects the caller to hold the store's write lock and to log the
//! changes it records. Sessions are keyed by token hash, so dropping an agent's sessions means
//! scanning them; sled transactions cannot scan, so it is that lock that closes the race in
//! which a login lands between the scan and the removal and leaves a session for a name that
//! a later agent could inherit. Logins and removals are rare, so the lock costs nothing that
//! matters.

use sled::Transactional;

use super::codec::{decode, encode};
use super::layout::{AGENT_SESSIONS, AGENTS};
use super::wal::WriteSet;
use super::{backend, put, transaction_error};
use crate::{AgentRecord, AgentSession, StoreError, StoreResult};

/// The agent and session trees.
pub(super) struct Agents {
    agents: sled::Tree,
    sessions: sled::Tree,
}

impl Agents {
    /// Wraps the two trees.
    pub(super) fn new(agents: sled::Tree, sessions: sled::Tree) -> Self {
        Self { agents, sessions }
    }

    /// Inserts or replaces `agent` (its name already checked).
    pub(super) fn put(&self, agent: &AgentRecord, writes: &mut WriteSet) -> StoreResult<()> {
        put(writes, &self.agents, agent.name.as_bytes(), &encode(agent)?)
    }

    /// The agent called `name`.
    pub(super) fn get(&self, name: &str) -> StoreResult<Option<AgentRecord>> {
        self.agents
            .get(name)
            .map_err(backend)?
            .map(|bytes| decode(AGENTS, &bytes))
            .transpose()
    }

    /// Every agent, by name.
    pub(super) fn all(&self) -> StoreResult<Vec<AgentRecord>> {
        self.agents
            .iter()
            .values()
            .map(|bytes| decode(AGENTS, &bytes.map_err(backend)?))
            .collect()
    }

    /// Removes agent `name` and its sessions in one transaction; true if the agent existed.
    pub(super) fn remove(&self, name: &str, writes: &mut WriteSet) -> StoreResult<bool> {
        let mut theirs = Vec::new();
        for entry in self.sessions.iter() {
            let (token_hash, bytes) = entry.map_err(backend)?;
            let session: AgentSession = decode(AGENT_SESSIONS, &bytes)?;
            if session.agent == name {
                theirs.push(token_hash);
            }
        }
        let existed = (&self.agents, &self.sessions)
            .transaction(|(agents, sessions)| {
                for token_hash in &theirs {
                    sessions.remove(token_hash)?;
                }
                Ok(agents.remove(name)?.is_some())
            })
            .map_err(transaction_error)?;
        for token_hash in &theirs {
            writes.remove(AGENT_SESSIONS.as_bytes(), token_hash);
        }
        writes.remove(AGENTS.as_bytes(), name.as_bytes());
        Ok(existed)
    }

    /// Stores `session` under `token_hash`; [`StoreError::NotFound`] if its agent is unknown.
    pub(super) fn put_session(
        &self,
        token_hash: &str,
        session: &AgentSession,
        writes: &mut WriteSet,
    ) -> StoreResult<()> {
        let bytes = encode(session)?;
        if !self.agents.contains_key(&session.agent).map_err(backend)? {
            return Err(StoreError::NotFound);
        }
        put(writes, &self.sessions, token_hash.as_bytes(), &bytes)
    }

    /// The session stored under `token_hash`.
    pub(super) fn session(&self, token_hash: &str) -> StoreResult<Option<AgentSession>> {
        self.sessions
            .get(token_hash)
            .map_err(backend)?
            .map(|bytes| decode(AGENT_SESSIONS, &bytes))
            .transpose()
    }

    /// Removes the session stored under `token_hash`, if any.
    pub(super) fn remove_session(
        &self,
        token_hash: &str,
        writes: &mut WriteSet,
    ) -> StoreResult<()> {
        self.sessions.remove(token_hash).map_err(backend)?;
        writes.remove(AGENT_SESSIONS.as_bytes(), token_hash.as_bytes());
        Ok(())
    }
}
