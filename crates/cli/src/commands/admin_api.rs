//! The data directory as `relais stats` and `relais conversations` reach it: the store opened
//! directly when no server holds it, else the running server's admin API (`DIR/admin.json`
//! gives its URL and token), like `relais agents`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use relais_store::{SledStore, Store, StoreError};
use serde::Deserialize;
use serde_json::Value;

/// Bound on every admin request; a purge of a large store is the slowest.
const TIMEOUT: Duration = Duration::from_secs(600);

/// Where the data directory's operations run.
pub(crate) enum DataDir {
    /// The store, opened by this process, with the aggregates wrapper over it.
    Direct {
        /// The wrapped store.
        store: Arc<dyn Store>,
        /// The same store, unwrapped, for what only sled offers (checkpoints).
        sled: Arc<SledStore>,
    },
    /// The server that holds it.
    Server(AdminApi),
}

/// Opens `data`: directly when free, else through the server holding it.
pub(crate) fn open(data: &Path) -> anyhow::Result<DataDir> {
    if !data.is_dir() {
        bail!("no data directory at {} (see --data)", data.display());
    }
    match SledStore::open(data) {
        Ok(store) => {
            let sled = Arc::new(store);
            let store = relais_server::with_aggregates(Arc::clone(&sled) as Arc<dyn Store>);
            Ok(DataDir::Direct { store, sled })
        }
        Err(StoreError::Locked { .. }) => AdminApi::from_data_dir(data)
            .map(DataDir::Server)
            .with_context(|| {
                format!(
                    "{} is in use by another process; reaching it through its admin API",
                    data.display()
                )
            }),
        Err(err) => {
            Err(err).with_context(|| format!("cannot open the data directory {}", data.display()))
        }
    }
}

/// The contents of `admin.json`.
#[derive(Deserialize)]
struct AdminFile {
    url: String,
    token: String,
}

/// A client of a running server's admin API.
pub(crate) struct AdminApi {
    base: String,
    authorization: String,
    http: ureq::Agent,
}

impl AdminApi {
    fn from_data_dir(data: &Path) -> anyhow::Result<AdminApi> {
        let path = data.join(relais_server::ADMIN_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (a starting server writes it once it listens: retry in a moment)",
                path.display()
            )
        })?;
        let file: AdminFile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid admin file", path.display()))?;
        if !file.url.starts_with("http://") || file.token.is_empty() {
            bail!("{}: expected an http:// URL and a token", path.display());
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(TIMEOUT))
            .build();
        Ok(AdminApi {
            base: file.url.trim_end_matches('/').to_owned(),
            authorization: format!("Bearer {}", file.token),
            http: config.into(),
        })
    }

    /// `GET path`: the JSON answer of a successful request.
    pub(crate) fn get(&self, path: &str) -> anyhow::Result<Value> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .call();
        self.answer(request)
    }

    /// `POST path` with a JSON body: the JSON answer, with its status (errors included).
    pub(crate) fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.authorization)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        self.read(request)
    }

    fn answer(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<Value> {
        let (status, body) = self.read(result)?;
        if !(200..300).contains(&status) {
            let message = body["error"]["message"].as_str().unwrap_or("no details");
            bail!("the server refused the request ({status}): {message}");
        }
        Ok(body)
    }

    fn read(
        &self,
        result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut response = result.with_context(|| {
            format!(
                "the server at {} does not answer (stale admin.json?)",
                self.base
            )
        })?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            bail!("the server refused the admin token of admin.json ({status})");
        }
        let text = response
            .body_mut()
            .read_to_string()
            .context("cannot read the server's answer")?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, body))
    }
}
