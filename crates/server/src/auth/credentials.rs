//! The credentials a request carries, read and written the same way for advisors and the
//! admin dashboard: the `Authorization: Bearer` token and named cookies, which are always
//! HttpOnly, SameSite=Strict and site-wide.

use std::time::Duration;

use axum::http::{HeaderMap, header};

/// The token of `Authorization: Bearer <token>`, trimmed.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// The value of the first cookie called `name`, trimmed.
pub(crate) fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim())
}

/// The `Set-Cookie` value that stores `value` as cookie `name` for `ttl`; `secure` (the page
/// is served over https) keeps it off plain-HTTP requests.
pub(crate) fn set_cookie(name: &str, value: &str, ttl: Duration, secure: bool) -> String {
    format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        ttl.as_secs(),
        secure_flag(secure)
    )
}

/// The `Set-Cookie` value that removes cookie `name`.
pub(crate) fn clear_cookie(name: &str, secure: bool) -> String {
    format!(
        "{name}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        secure_flag(secure)
    )
}

fn secure_flag(secure: bool) -> &'static str {
    if secure { "; Secure" } else { "" }
}
