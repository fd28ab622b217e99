//! Who may use the admin API: [`AdminAccess`] accepts the admin token (`Authorization:
//! Bearer`) or a dashboard session cookie, signed with HMAC-SHA256 under the admin token.
//!
//! The cookie is `<expiry ms>.<hex signature>`; the signature covers the expiry and a digest
//! of the stored password hash, so changing the password ends every session, and a restart
//! (a new admin token) ends them too.

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{SESSION_TTL, password};
use crate::admin::holds_admin_token;
use crate::api_error::ApiError;
use crate::auth::{LoginLimiter, credentials, now_ms};
use crate::state::AppState;

/// The name of the dashboard's cookie.
pub(super) const COOKIE: &str = "relais_admin";

/// Failed admin logins, per address. One per process rather than per `AppState`: there is
/// one admin password per data directory, and a process serves one.
pub(super) static LIMITER: LazyLock<LoginLimiter> = LazyLock::new(LoginLimiter::default);

/// The name failures are counted under.
pub(super) const LIMITER_NAME: &str = "admin";

type HmacSha256 = Hmac<Sha256>;

/// A request allowed to use the admin API.
pub(crate) struct AdminAccess;

impl FromRequestParts<AppState> for AdminAccess {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiError> {
        if holds_admin_token(&parts.headers, app) || session_is_valid(&parts.headers, app) {
            Ok(AdminAccess)
        } else {
            Err(ApiError::unauthorized())
        }
    }
}

fn session_is_valid(headers: &HeaderMap, app: &AppState) -> bool {
    let Some(cookie) = credentials::cookie(headers, COOKIE) else {
        return false;
    };
    let Some((expiry, signature)) = cookie.split_once('.') else {
        return false;
    };
    let (Ok(expiry_ms), Some(signature)) = (expiry.parse::<u64>(), unhex(signature)) else {
        return false;
    };
    if expiry_ms <= now_ms() {
        return false;
    }
    let Some(phc) = password::stored(app.config().data_dir.as_deref()) else {
        return false;
    };
    mac(app, expiry_ms, &phc).verify_slice(&signature).is_ok()
}

/// The value of a fresh session cookie for the password hash `phc`.
pub(super) fn new_session(app: &AppState, phc: &str) -> String {
    let expiry_ms = now_ms().saturating_add(SESSION_TTL.as_millis() as u64);
    let signature = mac(app, expiry_ms, phc).finalize().into_bytes();
    format!("{expiry_ms}.{}", hex(&signature))
}

fn mac(app: &AppState, expiry_ms: u64, phc: &str) -> HmacSha256 {
    // Invariant: HMAC takes keys of any length.
    let mut mac = HmacSha256::new_from_slice(app.admin_token().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(b"relais-admin-session\0");
    mac.update(expiry_ms.to_string().as_bytes());
    mac.update(b"\0");
    mac.update(&Sha256::digest(phc.as_bytes()));
    mac
}

/// The `Set-Cookie` value of a session; `secure` when the page is served over https.
pub(super) fn session_cookie(value: &str, secure: bool) -> String {
    credentials::set_cookie(COOKIE, value, SESSION_TTL, secure)
}

/// The `Set-Cookie` value that removes the session cookie.
pub(super) fn cleared_cookie(secure: bool) -> String {
    credentials::clear_cookie(COOKIE, secure)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}
