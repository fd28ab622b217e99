//! [`AdminClient`]: the agents of a data directory held by a running `relais serve`, reached
//! through its admin API (`/api/admin/agents`) with the token from `DIR/admin.json`.
//!
//! The server hashes the password itself and bumps the epoch on change, so this client only
//! carries the checked definition over. Only `http://` is spoken: the server writes a loopback
//! URL, and a plain HTTP client keeps the binary small (ureq without TLS).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::{Value, json};
use ureq::http::{Response, StatusCode};

use super::directory::{AgentDirectory, AgentView, Written};
use super::spec::AgentSpec;

/// The file `relais serve` writes in its data directory while it runs.
const ADMIN_FILE: &str = "admin.json";
/// Bound on every admin request: the server answers these from memory and one store write.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The contents of `admin.json`.
#[derive(Deserialize)]
struct AdminFile {
    /// Base URL, e.g. `http://127.0.0.1:8080`.
    url: String,
    /// The bearer token of the admin API.
    token: String,
}

/// A client of the admin API of the server that holds a data directory.
pub(crate) struct AdminClient {
    base: String,
    authorization: String,
    http: ureq::Agent,
}

impl AdminClient {
    /// Reads `data/admin.json`.
    pub(crate) fn from_data_dir(data: &Path) -> anyhow::Result<AdminClient> {
        let path = data.join(ADMIN_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (a server that is still starting writes it once it listens: \
                 retry in a moment; otherwise the process holding the directory is not a relais \
                 server of this version)",
                path.display()
            )
        })?;
        let file: AdminFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid admin file", path.display()))?;
        if !file.url.starts_with("http://") {
            bail!("{}: the admin URL must start with http://", path.display());
        }
        if file.token.is_empty() {
            bail!("{}: the admin token is empty", path.display());
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build();
        Ok(AdminClient {
            base: file.url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {}", file.token),
            http: config.into(),
        })
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Reads the answer: its status and its body as JSON (`Null` when empty).
    fn answer(
        &self,
        result: Result<Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<(StatusCode, Value)> {
        let mut response = result.with_context(|| {
            format!(
                "the server at {} does not answer (stale admin.json?)",
                self.base
            )
        })?;
        let status = response.status();
        let text = response
            .body_mut()
            .read_to_string()
            .context("cannot read the server's answer")?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            bail!("the server refused the admin token of admin.json ({status})");
        }
        Ok((status, body))
    }
}

/// The server's error as a readable sentence.
fn refusal(status: StatusCode, body: &Value) -> anyhow::Error {
    let message = body["error"]["message"]
        .as_str()
        .or_else(|| body.as_str())
        .unwrap_or("no details");
    anyhow::anyhow!("the server refused the request ({status}): {message}")
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
        let request = self
            .http
            .put(self.url(&format!("/api/admin/agents/{}", spec.name)))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        let (status, body) = self.answer(request)?;
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
        let request = self
            .http
            .get(self.url("/api/admin/agents"))
            .header("Authorization", &self.authorization)
            .call();
        let (status, body) = self.answer(request)?;
        if !status.is_success() {
            return Err(refusal(status, &body));
        }
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
        let request = self
            .http
            .delete(self.url(&format!("/api/admin/agents/{name}")))
            .header("Authorization", &self.authorization)
            .call();
        let (status, body) = self.answer(request)?;
        match status {
            s if s.is_success() => Ok(true),
            // An error object means "no such agent"; a bare 404 means no admin API at all.
            StatusCode::NOT_FOUND if body["error"].is_object() => Ok(false),
            s => Err(refusal(s, &body)),
        }
    }
}
