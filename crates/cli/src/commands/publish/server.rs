//! [`RunningServer`]: the admin API of the `relais serve` that holds a data directory, found
//! through the `admin.json` it writes there while it runs.
//!
//! Used by `relais intents publish` to ask for a reload. Unlike `admin_api::open`, it never
//! opens the store: publishing needs no data directory but the snapshots'. Only `http://` is
//! spoken: the server writes a loopback URL (ureq without TLS).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::Value;
use ureq::http::StatusCode;

/// The file `relais serve` writes in its data directory while it runs.
const ADMIN_FILE: &str = "admin.json";
/// Bound on every admin request: a reload trains a matcher, which takes seconds at most.
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Deserialize)]
struct AdminFile {
    url: String,
    token: String,
}

/// A client of a running server's admin API.
pub(crate) struct RunningServer {
    base: String,
    authorization: String,
    http: ureq::Agent,
}

impl RunningServer {
    /// The server announced in `data/admin.json`, or `None` when there is no such file (no
    /// server runs on that directory, or it stopped cleanly).
    pub(crate) fn find(data: &Path) -> anyhow::Result<Option<RunningServer>> {
        let path = data.join(ADMIN_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
        };
        let file: AdminFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid admin file", path.display()))?;
        if !file.url.starts_with("http://") || file.token.is_empty() {
            bail!("{}: expected an http:// URL and a token", path.display());
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build();
        Ok(Some(RunningServer {
            base: file.url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {}", file.token),
            http: config.into(),
        }))
    }

    /// The server's base URL.
    pub(crate) fn url(&self) -> &str {
        &self.base
    }

    /// `POST path` with a JSON body: the status and JSON body.
    pub(crate) fn post(&self, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        self.answer(request)
    }

    fn answer(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
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
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            bail!("the server refused the admin token of admin.json ({status})");
        }
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, body))
    }
}

/// The server's error as a readable sentence.
pub(crate) fn refusal(status: StatusCode, body: &Value) -> anyhow::Error {
    let message = body["error"]["message"]
        .as_str()
        .or_else(|| body.as_str())
        .unwrap_or("no details");
    anyhow::anyhow!("the server refused the request ({status}): {message}")
}
