//! Advisor authentication: login with argon2id-verified passwords, random tokens stored as
//! their SHA-256, token extraction (`Authorization: Bearer` or the HttpOnly, SameSite=Strict
//! `relais_agent` cookie; never the URL), rate-limited failures, logout and revocation by
//! epoch.
//!
//! A token is valid while its stored session exists, has not expired and carries the agent's
//! current epoch: changing or removing an agent revokes every session of theirs at once, with
//! no list of sessions to walk.

pub(crate) mod credentials;
mod limiter;
pub(crate) mod password;

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use relais_store::{AgentRecord, AgentSession, StoreError};
use tokio::sync::Semaphore;

pub(crate) use limiter::LoginLimiter;
pub(crate) use password::PasswordError;

use crate::api_error::ApiError;
use crate::ids::{RandomnessError, hash_token, is_token, new_token};
use crate::state::AppState;

/// The name of the login cookie.
pub(crate) const COOKIE: &str = "relais_agent";
/// Password hashes computed at once; more logins wait (each takes tens of ms of CPU).
const CONCURRENT_HASHES: usize = 2;

/// Login state shared by every request: the failure counts and the hashing permits.
#[derive(Debug)]
pub(crate) struct Auth {
    limiter: LoginLimiter,
    hashing: Semaphore,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            limiter: LoginLimiter::default(),
            hashing: Semaphore::new(CONCURRENT_HASHES),
        }
    }
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoginError {
    #[error("unknown agent or wrong password")]
    BadCredentials,
    #[error("too many failed logins")]
    RateLimited(Duration),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Randomness(#[from] RandomnessError),
    #[error("password check failed: {0}")]
    Task(String),
}

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> ApiError {
        match err {
            LoginError::BadCredentials => ApiError::bad_credentials(),
            LoginError::RateLimited(wait) => ApiError::rate_limited(wait),
            other => ApiError::internal(&other),
        }
    }
}

/// A successful login.
pub(crate) struct Login {
    /// The secret token to give the panel.
    pub(crate) token: String,
    /// The agent.
    pub(crate) agent: AgentRecord,
}

/// Checks `name` and `password`, rate-limited per name and per `ip`, and opens a session.
pub(crate) async fn login(
    app: &AppState,
    name: &str,
    password: &str,
    ip: Option<IpAddr>,
) -> Result<Login, LoginError> {
    let auth = app.auth();
    let now = tokio::time::Instant::now();
    auth.limiter
        .check(name, ip, now)
        .map_err(LoginError::RateLimited)?;
    // A name the store refuses (bad characters) is simply unknown.
    let agent = app.store().agent(name).unwrap_or(None);
    let phc = agent.as_ref().map(|a| a.password_hash.clone());
    let password = password.to_owned();
    let valid = {
        let _permit = auth
            .hashing
            .acquire()
            .await
            .map_err(|e| LoginError::Task(e.to_string()))?;
        tokio::task::spawn_blocking(move || password::verify(phc.as_deref(), &password))
            .await
            .map_err(|e| LoginError::Task(e.to_string()))?
    };
    let agent = match (valid, agent) {
        (true, Some(agent)) => agent,
        _ => {
            auth.limiter.failed(name, ip, tokio::time::Instant::now());
            return Err(LoginError::BadCredentials);
        }
    };
    auth.limiter.succeeded(name);
    let token = new_token()?;
    let session = AgentSession {
        agent: agent.name.clone(),
        epoch: agent.epoch,
        expires_ms: now_ms().saturating_add(duration_ms(app.config().agent_token_ttl)),
    };
    app.store()
        .put_agent_session(&hash_token(&token), &session)?
        .await?;
    Ok(Login { token, agent })
}

/// Hashes a new password off the async runtime.
pub(crate) async fn hash_password(
    app: &AppState,
    password: String,
) -> Result<String, PasswordError> {
    let _permit = app
        .auth()
        .hashing
        .acquire()
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?;
    tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
}

/// The agent whose valid token hashes to `token_hash`, if any.
pub(crate) fn agent_of(
    app: &AppState,
    token_hash: &str,
) -> Result<Option<AgentRecord>, StoreError> {
    let Some(session) = app.store().agent_session(token_hash)? else {
        return Ok(None);
    };
    if session.expires_ms <= now_ms() {
        return Ok(None);
    }
    let agent = app.store().agent(&session.agent)?;
    Ok(agent.filter(|a| a.epoch == session.epoch))
}

/// An authenticated advisor: the extractor every agent endpoint takes.
#[derive(Debug)]
pub(crate) struct AuthedAgent {
    /// The agent, as stored now.
    pub(crate) record: AgentRecord,
    /// The hash of the token they came with (for logout).
    pub(crate) token_hash: String,
}

impl FromRequestParts<AppState> for AuthedAgent {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        let token = token_from(&parts.headers).ok_or_else(ApiError::unauthorized)?;
        let token_hash = hash_token(token);
        match agent_of(app, &token_hash)? {
            Some(record) => Ok(AuthedAgent { record, token_hash }),
            None => Err(ApiError::unauthorized()),
        }
    }
}

/// The token of a request: `Authorization: Bearer`, else the cookie. Never the URL: tokens in
/// URLs end up in proxy logs and browser history. Only well-formed tokens are returned, so
/// garbage never reaches the store.
pub(crate) fn token_from(headers: &HeaderMap) -> Option<&str> {
    [
        credentials::bearer(headers),
        credentials::cookie(headers, COOKIE),
    ]
    .into_iter()
    .flatten()
    .find(|token| is_token(token))
}

/// The `Set-Cookie` value that stores `token` in the panel's browser; `secure` (the page is
/// served over https) keeps it off plain-HTTP requests.
pub(crate) fn login_cookie(token: &str, ttl: Duration, secure: bool) -> String {
    credentials::set_cookie(COOKIE, token, ttl, secure)
}

/// The `Set-Cookie` value that removes the login cookie.
pub(crate) fn logout_cookie(secure: bool) -> String {
    credentials::clear_cookie(COOKIE, secure)
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, duration_ms)
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "auth_test.rs"]
mod tests;
