//! [`AdminClient`]: the admin API of the `relais serve` that holds a data directory, found
//! through the `admin.json` it writes there while it runs.
//!
//! One client for every command that reaches a running server (`agents`, `stats`,
//! `conversations`, `inbox`, `intents publish`): each passes its own time bound and reads the
//! answers it expects. Only `http://` is spoken: the server writes a loopback URL, and a plain
//! HTTP client keeps the binary small (ureq without TLS).

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use serde_json::Value;
use ureq::http::{Response, StatusCode};

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
    /// The server announced in `data/admin.json`, or `None` when there is no such file (no
    /// server runs on that directory, or it stopped cleanly). Requests give up after `timeout`.
    pub(crate) fn find(data: &Path, timeout: Duration) -> anyhow::Result<Option<AdminClient>> {
        let path = data.join(relais_server::ADMIN_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => AdminClient::parse(&path, &text, timeout).map(Some),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// The server announced in `data/admin.json`, for a directory known to be held by a
    /// running process. Requests give up after `timeout`.
    pub(crate) fn from_data_dir(data: &Path, timeout: Duration) -> anyhow::Result<AdminClient> {
        let path = data.join(relais_server::ADMIN_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (a server that is still starting writes it once it listens: \
                 retry in a moment; otherwise the process holding the directory is not a relais \
                 server of this version)",
                path.display()
            )
        })?;
        AdminClient::parse(&path, &text, timeout)
    }

    /// The client described by `text`, the contents of the admin file at `path`.
    fn parse(path: &Path, text: &str, timeout: Duration) -> anyhow::Result<AdminClient> {
        let file: AdminFile = serde_json::from_str(text)
            .with_context(|| format!("{} is not a valid admin file", path.display()))?;
        if !file.url.starts_with("http://") {
            bail!("{}: the admin URL must start with http://", path.display());
        }
        if file.token.is_empty() {
            bail!("{}: the admin token is empty", path.display());
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .build();
        Ok(AdminClient {
            base: file.url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {}", file.token),
            http: config.into(),
        })
    }

    /// The server's base URL.
    pub(crate) fn url(&self) -> &str {
        &self.base
    }

    /// `GET path`: the status and JSON body.
    pub(crate) fn get(&self, path: &str) -> anyhow::Result<(StatusCode, Value)> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .call();
        self.answer(request)
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

    /// `PUT path` with a JSON body: the status and JSON body.
    pub(crate) fn put(&self, path: &str, body: &Value) -> anyhow::Result<(StatusCode, Value)> {
        let request = self
            .http
            .put(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        self.answer(request)
    }

    /// `DELETE path`: the status and JSON body.
    pub(crate) fn delete(&self, path: &str) -> anyhow::Result<(StatusCode, Value)> {
        let request = self
            .http
            .delete(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .call();
        self.answer(request)
    }

    /// Reads the answer: its status and its body as JSON (`Null` when empty, a string when
    /// not JSON). A refused token is an error: no command can do anything with it.
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

/// The body of a successful answer; otherwise the server's error as a readable sentence.
pub(crate) fn success((status, body): (StatusCode, Value)) -> anyhow::Result<Value> {
    if status.is_success() {
        Ok(body)
    } else {
        Err(refusal(status, &body))
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
