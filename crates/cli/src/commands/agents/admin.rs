//! The agents of a data directory held by a running `relais serve`, reached through its admin
//! API (`/api/admin/agents`) with the shared [`AdminClient`].
//!
//! The server hashes the password itself and bumps the epoch on change, so this client only
//! carries the checked definition over.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};
use ureq::http::StatusCode;

use super::directory::{AgentDirectory, AgentView, Written};
use super::spec::AgentSpec;
use crate::commands::admin_client::{AdminClient, refusal, success};

/// Bound on every admin request: the server answers these from memory and one store write.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The admin API of the server that holds `data`, as announced in `data/admin.json`.
pub(super) fn connect(data: &Path) -> anyhow::Result<AdminClient> {
    AdminClient::from_data_dir(data, TIMEOUT)
}

impl AgentDirectory for AdminClient {
    fn put(&self, spec: &AgentSpec, password: &str) -> anyhow::Result<Written> {
        // Added or updated is only for the message: the server bumps the epoch itself.
        let existed = self.list()?.iter().any(|a| a.name == spec.name);
        let body = json!({
            "display_name": spec.display_name,
            "langs": spec.langs,
            "skills": spec.skills,
            "capacity": spec.capacity,
            "password": password,
        });
        // The inherent `put`, the HTTP verb (not this trait method).
        let path = format!("/api/admin/agents/{}", spec.name);
        let (status, body) = AdminClient::put(self, &path, &body)?;
        if !status.is_success() {
            return Err(refusal(status, &body));
        }
        Ok(if existed && status != StatusCode::CREATED {
            Written::Updated
        } else {
            Written::Added
        })
    }

    fn list(&self) -> anyhow::Result<Vec<AgentView>> {
        let body = success(self.get("/api/admin/agents")?)?;
        // Either a bare array or `{"agents": [...]}`.
        let items = match body {
            Value::Object(mut object) => object.remove("agents").unwrap_or(Value::Null),
            other => other,
        };
        let mut agents: Vec<AgentView> = serde_json::from_value(items)
            .context("the server's agent list is not in the expected shape")?;
        agents.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(agents)
    }

    fn remove(&self, name: &str) -> anyhow::Result<bool> {
        let (status, body) = self.delete(&format!("/api/admin/agents/{name}"))?;
        match status {
            s if s.is_success() => Ok(true),
            // An error object means "no such agent"; a bare 404 means no admin API at all.
            StatusCode::NOT_FOUND if body["error"].is_object() => Ok(false),
            s => Err(refusal(s, &body)),
        }
    }
}
