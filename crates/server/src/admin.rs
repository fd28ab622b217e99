//! The admin API (agents: list, add or change, remove) and the `admin.json` file that tells
//! local tools where it is.
//!
//! Only `Authorization: Bearer <admin token>` is accepted: the token is drawn at startup and
//! written, with the server's URL, to `<data>/admin.json` (mode 0600), so whoever may read the
//! data directory may administer the server, and nobody else. `relais agents` goes through
//! here when the server holds the store's lock.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path as FsPath, PathBuf};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use relais_store::AgentRecord;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api_error::ApiError;
use crate::auth::{credentials, hash_password, now_ms};
use crate::state::AppState;

/// The file name, in the data directory.
pub const ADMIN_FILE: &str = "admin.json";
/// Longest agent name.
const MAX_NAME: usize = 64;
/// Longest display name, in characters.
const MAX_DISPLAY: usize = 80;
/// Longest skill name.
const MAX_SKILL: usize = 32;
/// Most skills per agent.
const MAX_SKILLS: usize = 20;
/// Most concurrent chats per agent.
const MAX_CAPACITY: u32 = 50;
/// Capacity when none is given.
const DEFAULT_CAPACITY: u32 = 3;
/// Longest password, in bytes.
const MAX_PASSWORD: usize = 1024;

/// A request carrying the admin token.
pub(crate) struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if holds_admin_token(&parts.headers, app) {
            Ok(Admin)
        } else {
            Err(ApiError::unauthorized())
        }
    }
}

/// Whether `headers` carry the admin token as `Authorization: Bearer`.
pub(crate) fn holds_admin_token(headers: &HeaderMap, app: &AppState) -> bool {
    // Comparing digests keeps the comparison's time independent of the token.
    credentials::bearer(headers).is_some_and(|given| {
        Sha256::digest(given.as_bytes()) == Sha256::digest(app.admin_token().as_bytes())
    })
}

/// An agent as the admin API shows it (never the password hash).
fn view(agent: &AgentRecord) -> Value {
    json!({
        "name": agent.name,
        "display_name": agent.display_name,
        "langs": agent.langs,
        "skills": agent.skills,
        "capacity": agent.capacity,
        "epoch": agent.epoch,
        "created_ms": agent.created_ms,
    })
}

/// `GET /api/admin/agents`: every agent, by name.
pub(crate) async fn list(State(app): State<AppState>, _: Admin) -> Result<Json<Value>, ApiError> {
    let agents = app.store().agents()?;
    Ok(Json(Value::Array(agents.iter().map(view).collect())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentBody {
    display_name: Option<String>,
    langs: Vec<String>,
    #[serde(default)]
    skills: Vec<String>,
    capacity: Option<u32>,
    password: Option<String>,
}

/// `PUT /api/admin/agents/{name}`: adds an agent (201) or changes one (200; its epoch moves
/// on, which revokes its sessions, and its panel is disconnected).
pub(crate) async fn put(
    State(app): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    check_name(&name)?;
    let body: AgentBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(format!(
            "expected {{display_name?, langs, skills, capacity?, password}}: {e}"
        ))
    })?;
    let existing = app.store().agent(&name)?;
    let langs = check_langs(body.langs)?;
    let skills = check_skills(body.skills)?;
    let capacity = body.capacity.unwrap_or(DEFAULT_CAPACITY);
    if !(1..=MAX_CAPACITY).contains(&capacity) {
        return Err(ApiError::invalid(format!(
            "capacity must be 1 to {MAX_CAPACITY}"
        )));
    }
    let display_name = match body.display_name {
        Some(display) => check_display(&display)?,
        None => existing
            .as_ref()
            .map_or_else(|| name.clone(), |a| a.display_name.clone()),
    };
    let password_hash = match (body.password, &existing) {
        (Some(password), _) => {
            if password.is_empty() || password.len() > MAX_PASSWORD {
                return Err(ApiError::invalid(format!(
                    "the password must have 1 to {MAX_PASSWORD} bytes"
                )));
            }
            hash_password(&app, password)
                .await
                .map_err(|e| ApiError::internal(&e))?
        }
        (None, Some(agent)) => agent.password_hash.clone(),
        (None, None) => return Err(ApiError::invalid("a new agent needs a password")),
    };
    let record = AgentRecord {
        name: name.clone(),
        display_name,
        langs,
        skills,
        capacity,
        password_hash,
        epoch: existing.as_ref().map_or(1, |a| a.epoch + 1),
        created_ms: existing.as_ref().map_or_else(now_ms, |a| a.created_ms),
    };
    app.store().put_agent(&record)?.await?;
    let status = if existing.is_some() {
        app.queue().revoke(&name, false).await;
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(view(&record))).into_response())
}

/// `DELETE /api/admin/agents/{name}`: removes an agent and its sessions; its chats go back to
/// the head of the queue at once.
pub(crate) async fn remove(
    State(app): State<AppState>,
    _: Admin,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    check_name(&name).map_err(|_| ApiError::not_found("agent"))?;
    let (existed, durable) = app.store().remove_agent(&name)?;
    durable.await?;
    if !existed {
        return Err(ApiError::not_found("agent"));
    }
    app.queue().revoke(&name, true).await;
    Ok(Json(json!({"removed": true, "name": name})))
}

/// Checks an agent name: `[a-z0-9_.-]`, 1 to 64 characters.
fn check_name(name: &str) -> Result<(), ApiError> {
    let valid = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if valid {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "an agent name has 1 to {MAX_NAME} characters among a-z 0-9 _ . -"
        )))
    }
}

fn check_langs(langs: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for lang in langs {
        let lang = lang.trim().to_lowercase();
        if relais_nlu::Lang::from_code(&lang).is_none() {
            return Err(ApiError::invalid("langs must be among fr, en"));
        }
        if !out.contains(&lang) {
            out.push(lang);
        }
    }
    if out.is_empty() {
        return Err(ApiError::invalid("an agent needs at least one language"));
    }
    Ok(out)
}

fn check_skills(skills: Vec<String>) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for skill in skills {
        let skill = skill.trim().to_lowercase();
        let valid = !skill.is_empty()
            && skill.len() <= MAX_SKILL
            && skill
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b));
        if !valid {
            return Err(ApiError::invalid(format!(
                "a skill has 1 to {MAX_SKILL} characters among a-z 0-9 _ -"
            )));
        }
        if !out.contains(&skill) {
            out.push(skill);
        }
    }
    if out.len() > MAX_SKILLS {
        return Err(ApiError::invalid(format!("at most {MAX_SKILLS} skills")));
    }
    Ok(out)
}

fn check_display(display: &str) -> Result<String, ApiError> {
    let display = display.trim();
    let count = display.chars().count();
    if count == 0 || count > MAX_DISPLAY || display.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "a display name has 1 to {MAX_DISPLAY} printable characters"
        )));
    }
    Ok(display.to_owned())
}

/// The URL local tools should use for a server bound to `addr` (a wildcard address is
/// reached through loopback).
fn local_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(v4) if v4.ip().is_unspecified() => format!("http://127.0.0.1:{}", v4.port()),
        SocketAddr::V6(v6) if v6.ip().is_unspecified() => format!("http://[::1]:{}", v6.port()),
        other => format!("http://{other}"),
    }
}

/// `<data>/admin.json` while it exists: written by [`AdminFile::write`], removed when dropped.
#[derive(Debug)]
#[must_use = "the file is removed when this is dropped"]
pub struct AdminFile {
    dir: PathBuf,
}

impl AdminFile {
    /// Writes `admin.json` (the admin API's URL for a server bound to `addr`, and its token)
    /// into the configured data directory; `None` when no data directory is configured.
    /// Call it once listening and before announcing it, so that whoever sees the server
    /// ready also finds the file.
    pub fn write(state: &AppState, addr: SocketAddr) -> std::io::Result<Option<AdminFile>> {
        let Some(dir) = state.config().data_dir.clone() else {
            return Ok(None);
        };
        write_file(&dir, &local_url(addr), state.admin_token())?;
        Ok(Some(AdminFile { dir }))
    }
}

impl Drop for AdminFile {
    fn drop(&mut self) {
        if let Err(err) = remove_file(&self.dir) {
            tracing::warn!(error = %err, "cannot remove admin.json");
        }
    }
}

/// Writes `<dir>/admin.json` = `{"url","token"}`, readable by the owner only, atomically.
fn write_file(dir: &FsPath, url: &str, token: &str) -> std::io::Result<PathBuf> {
    let path = dir.join(ADMIN_FILE);
    let temp = dir.join(format!(".{ADMIN_FILE}.tmp"));
    let body = json!({"url": url, "token": token}).to_string();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = std::fs::remove_file(&temp);
    let mut file = options.open(&temp)?;
    file.write_all(body.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temp, &path)?;
    Ok(path)
}

/// Removes `<dir>/admin.json` if present.
fn remove_file(dir: &FsPath) -> std::io::Result<()> {
    match std::fs::remove_file(dir.join(ADMIN_FILE)) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_langs_skills_and_display_names_are_checked() {
        assert!(check_name("alice.m-2_x").is_ok());
        for bad in ["", "Alice", "al ice", "a/b", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_langs(vec!["FR".into(), "fr".into(), "en".into()]).unwrap(),
            ["fr", "en"]
        );
        assert!(check_langs(vec![]).is_err());
        assert!(check_langs(vec!["de".into()]).is_err());
        assert_eq!(check_skills(vec![" Billing ".into()]).unwrap(), ["billing"]);
        assert!(check_skills(vec!["bill ing".into()]).is_err());
        assert!(
            check_display("Alice <b>").is_ok(),
            "shown as text, so any printable text"
        );
        assert!(check_display("a\u{7}").is_err());
        assert!(check_display("  ").is_err());
    }

    #[test]
    fn the_admin_file_is_private_and_removable() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_file(dir.path(), "http://127.0.0.1:1", "t0k").unwrap();
        let body: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(body, json!({"url": "http://127.0.0.1:1", "token": "t0k"}));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        remove_file(dir.path()).unwrap();
        assert!(!path.exists());
        remove_file(dir.path()).unwrap();
    }

    #[test]
    fn wildcard_addresses_are_reached_through_loopback() {
        assert_eq!(
            local_url("0.0.0.0:80".parse().unwrap()),
            "http://127.0.0.1:80"
        );
        assert_eq!(local_url("[::]:81".parse().unwrap()), "http://[::1]:81");
        assert_eq!(
            local_url("127.0.0.1:82".parse().unwrap()),
            "http://127.0.0.1:82"
        );
    }
}
