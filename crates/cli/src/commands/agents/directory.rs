//! The agents of a data directory, reached directly or through the running server.
//!
//! sled lets one process open a data directory. When `relais serve` holds it,
//! [`SledStore::open`] fails with [`StoreError::Locked`] and the commands go through the
//! server's admin API instead, found in `DIR/admin.json`. Both paths implement
//! [`AgentDirectory`], so `add`, `list` and `remove` behave and print the same either way.

use std::path::Path;

use anyhow::{Context, bail};
use relais_store::{SledStore, StoreError};
use serde::{Deserialize, Serialize};

use super::admin;
use super::direct::DirectStore;
use super::spec::AgentSpec;

/// An agent as listed: everything but the password hash and the bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AgentView {
    /// Unique id.
    pub(crate) name: String,
    /// Shown to customers and in the panel.
    pub(crate) display_name: String,
    /// Languages served.
    pub(crate) langs: Vec<String>,
    /// Skills covered.
    pub(crate) skills: Vec<String>,
    /// Concurrent chats.
    pub(crate) capacity: u32,
}

/// What `put` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Written {
    /// The agent did not exist.
    Added,
    /// The agent existed: it was replaced and its epoch bumped, revoking its sessions.
    Updated,
}

/// The operations of `relais agents`, on whichever side holds the data directory.
pub(crate) trait AgentDirectory {
    /// Adds the agent, or replaces it (same name) and revokes its sessions.
    fn put(&self, spec: &AgentSpec, password: &str) -> anyhow::Result<Written>;
    /// Every agent, by name.
    fn list(&self) -> anyhow::Result<Vec<AgentView>>;
    /// Removes the agent and its sessions; `false` if there was none of that name.
    fn remove(&self, name: &str) -> anyhow::Result<bool>;
}

/// How to treat a data directory that does not exist yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Missing {
    /// Create it (adding the first agent before the first `serve`).
    Create,
    /// Fail: listing or removing from nothing is a mistyped `--data`.
    Fail,
}

/// Opens the agents of `data`: the store itself when free, else the server holding it.
pub(crate) fn open(data: &Path, missing: Missing) -> anyhow::Result<Box<dyn AgentDirectory>> {
    if missing == Missing::Fail && !data.is_dir() {
        bail!("no data directory at {} (see --data)", data.display());
    }
    match SledStore::open(data) {
        Ok(store) => Ok(Box::new(DirectStore::new(store))),
        Err(StoreError::Locked { .. }) => {
            let client = admin::connect(data).with_context(|| {
                format!(
                    "{} is in use by another process; reaching it through its admin API",
                    data.display()
                )
            })?;
            Ok(Box::new(client))
        }
        Err(err) => {
            Err(err).with_context(|| format!("cannot open the data directory {}", data.display()))
        }
    }
}
