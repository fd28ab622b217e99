//! [`DirectStore`]: the agents read and written in the data directory itself.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use relais_store::{AgentRecord, SledStore, Store};

use super::directory::{AgentDirectory, AgentView, Written};
use super::password;
use super::spec::AgentSpec;

/// The data directory opened by this process (no server is running on it).
pub(crate) struct DirectStore {
    store: SledStore,
}

impl DirectStore {
    /// Wraps an open store.
    pub(crate) fn new(store: SledStore) -> DirectStore {
        DirectStore { store }
    }
}

impl AgentDirectory for DirectStore {
    fn put(&self, spec: &AgentSpec, password: &str) -> anyhow::Result<Written> {
        let password_hash = password::hash(password)?;
        let existing = self
            .store
            .agent(&spec.name)
            .context("cannot read the agents")?;
        // Replacing an agent bumps its epoch, which voids every session opened before.
        let (written, epoch, created_ms) = match existing {
            Some(old) => (
                Written::Updated,
                old.epoch.saturating_add(1),
                old.created_ms,
            ),
            None => (Written::Added, 0, now_ms()),
        };
        let record = AgentRecord {
            name: spec.name.clone(),
            display_name: spec.display_name.clone(),
            langs: spec.langs.clone(),
            skills: spec.skills.clone(),
            capacity: spec.capacity,
            password_hash,
            epoch,
            created_ms,
        };
        self.store
            .put_agent(&record)
            .and_then(relais_store::Durable::wait)
            .context("cannot write the agent")?;
        Ok(written)
    }

    fn list(&self) -> anyhow::Result<Vec<AgentView>> {
        let agents = self.store.agents().context("cannot read the agents")?;
        Ok(agents
            .into_iter()
            .map(|a| AgentView {
                name: a.name,
                display_name: a.display_name,
                langs: a.langs,
                skills: a.skills,
                capacity: a.capacity,
            })
            .collect())
    }

    fn remove(&self, name: &str) -> anyhow::Result<bool> {
        let (removed, durable) = self
            .store
            .remove_agent(name)
            .context("cannot remove the agent")?;
        durable.wait().context("cannot remove the agent")?;
        Ok(removed)
    }
}

/// Now, in milliseconds since the Unix epoch (0 if the clock is before 1970).
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
