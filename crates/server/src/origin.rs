//! Origin checks, against cross-site websocket hijacking and cross-site requests.
//!
//! A browser always sends `Origin` on a websocket handshake and on a cross-site or non-GET
//! fetch, and a page cannot forge it; cookies, on the other hand, may ride along with the
//! request. So every endpoint that acts for someone checks where the request comes from:
//!
//! - the customer websocket (`/ws`) accepts the server's own origin and the configured
//!   [`ServerConfig::allowed_origins`](crate::ServerConfig) (the sites embedding the widget);
//! - the advisors' and admin endpoints (`/agent/ws`, `/api/agent/*`, `/api/admin/*`) accept
//!   their own origin only.
//!
//! A request without `Origin` comes from a non-browser client (the CLI, a load generator, a
//! test), which could send any `Origin` it liked: it is let through, and credentials decide.
//! "Own origin" is the request's `Host`: same host and port. The scheme must match
//! `X-Forwarded-Proto` when a proxy gives it; otherwise either `http` or `https` is taken, as
//! a server behind a TLS proxy cannot tell (a proxy keeping `Host` and setting the header
//! makes the check exact).

use std::fmt;
use std::str::FromStr;

use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The header a TLS-terminating proxy sets to the scheme the client used.
const FORWARDED_PROTO: &str = "x-forwarded-proto";

/// A web origin: `http` or `https`, a host and a port (explicit or the scheme's default).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    https: bool,
    /// Lowercase; IPv6 addresses keep their brackets.
    host: String,
    port: u16,
}

/// Why a text is not an origin.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OriginError {
    /// Not `http://` or `https://`.
    #[error("an origin starts with http:// or https://")]
    Scheme,
    /// The host and port part is missing or invalid.
    #[error("an origin needs a valid host (and optional port)")]
    Host,
    /// There is a path, query or user information.
    #[error("an origin is scheme://host[:port], without path, query or user")]
    Extra,
}

impl Origin {
    /// The port a scheme implies.
    fn default_port(https: bool) -> u16 {
        if https { 443 } else { 80 }
    }

    /// Whether this origin is the one `host` (a `Host` header value) names, for a request
    /// that came over `https` (`None`: unknown, either scheme).
    fn is_host(&self, host: &str, https: Option<bool>) -> bool {
        let Ok(authority) = Authority::from_str(host.trim()) else {
            return false;
        };
        if authority.as_str().contains('@') || https.is_some_and(|h| h != self.https) {
            return false;
        }
        let Some(port) = port_of(&authority) else {
            return false;
        };
        let port = port.unwrap_or(Origin::default_port(self.https));
        authority.host().eq_ignore_ascii_case(&self.host) && port == self.port
    }
}

/// The explicit port of `authority`: `Some(None)` when there is none, `None` when it is not a
/// valid port (`http::uri::Authority` accepts any digits there).
fn port_of(authority: &Authority) -> Option<Option<u16>> {
    let text = authority.as_str();
    let after_host = &text[text.rfind(']').map_or(0, |end| end + 1)..];
    match after_host.rsplit_once(':') {
        None => Some(None),
        Some((_, port)) => port.parse().ok().map(Some),
    }
}

impl FromStr for Origin {
    type Err = OriginError;

    /// Parses `scheme://host[:port]`; one trailing `/` is tolerated (as typed in a config).
    fn from_str(text: &str) -> Result<Origin, OriginError> {
        let (scheme, rest) = text.trim().split_once("://").ok_or(OriginError::Scheme)?;
        let https = match scheme.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => return Err(OriginError::Scheme),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#', '@']) {
            return Err(OriginError::Extra);
        }
        let authority = Authority::from_str(rest).map_err(|_| OriginError::Host)?;
        let port = port_of(&authority).ok_or(OriginError::Host)?;
        if authority.host().is_empty() {
            return Err(OriginError::Host);
        }
        Ok(Origin {
            https,
            host: authority.host().to_ascii_lowercase(),
            port: port.unwrap_or(Origin::default_port(https)),
        })
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.https { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.host)?;
        if self.port != Origin::default_port(self.https) {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

/// Who may call an endpoint from a browser page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Callers<'a> {
    /// The server's own pages only.
    Own,
    /// The server's own pages and these sites.
    OwnAnd(&'a [Origin]),
}

/// Whether a request with `headers` may go on: no `Origin` (not a browser), the own origin,
/// or one of the allowed sites. An `Origin` that is not an http(s) origin (`null` from a
/// sandboxed frame or a file) is refused.
///
/// The own host is the `Host` header, or for HTTP/2 (which has none) the request target's
/// `authority`.
pub(crate) fn allowed(headers: &HeaderMap, authority: Option<&str>, callers: Callers<'_>) -> bool {
    let Some(value) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = value.to_str().ok().and_then(|v| v.parse::<Origin>().ok()) else {
        return false;
    };
    let own = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or(authority)
        .is_some_and(|host| origin.is_host(host, forwarded_https(headers)));
    own || matches!(callers, Callers::OwnAnd(sites) if sites.contains(&origin))
}

/// Whether the request reached us over https, as far as we can tell: a proxy said so with
/// `X-Forwarded-Proto`, or the page sending it is an https page. (Relais speaks plain HTTP
/// itself; TLS ends in a proxy.)
pub(crate) fn over_https(headers: &HeaderMap) -> bool {
    forwarded_https(headers).unwrap_or_else(|| {
        headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<Origin>().ok())
            .is_some_and(|origin| origin.https)
    })
}

/// The scheme a proxy says the client used (its first hop): `Some(true)` for https.
fn forwarded_https(headers: &HeaderMap) -> Option<bool> {
    let first = headers
        .get(FORWARDED_PROTO)?
        .to_str()
        .ok()?
        .split(',')
        .next()?;
    match first.trim().to_ascii_lowercase().as_str() {
        "https" => Some(true),
        "http" => Some(false),
        _ => None,
    }
}

/// The 403 answer to a refused origin, shaped like every API error.
fn refusal() -> Response {
    let body = serde_json::json!({"error": {
        "code": "forbidden_origin",
        "message": "requests from this site are not allowed here",
    }});
    (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
}

/// Middleware for the customer endpoints (the websocket): own origin or a configured site.
pub(crate) async fn customer(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let callers = Callers::OwnAnd(&app.config().allowed_origins);
    guard(callers, request, next).await
}

/// Middleware for the advisors' and admin endpoints: own origin only.
pub(crate) async fn own(request: Request, next: Next) -> Response {
    guard(Callers::Own, request, next).await
}

async fn guard(callers: Callers<'_>, request: Request, next: Next) -> Response {
    let authority = request.uri().authority().map(|a| a.as_str());
    if allowed(request.headers(), authority, callers) {
        next.run(request).await
    } else {
        tracing::debug!(
            path = request.uri().path(),
            "request from a foreign origin refused"
        );
        refusal()
    }
}

#[cfg(test)]
mod tests {
    //! 1. origins parse into scheme, lowercase host and effective port, and print back;
    //!    anything else (other schemes, paths, users, `null`) is refused;
    //! 2. no `Origin` is allowed everywhere;
    //! 3. the own origin is the `Host`'s host and port, with the scheme from
    //!    `X-Forwarded-Proto` when given;
    //! 4. configured sites are allowed only where the callers say so.

    use axum::http::HeaderValue;

    use super::*;

    fn origin(text: &str) -> Origin {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn origins_parse_and_print_back() {
        assert_eq!(
            origin("HTTPS://Example.COM").to_string(),
            "https://example.com"
        );
        assert_eq!(
            origin("https://example.com:443/"),
            origin("https://example.com")
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").to_string(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("http://[::1]:81").to_string(), "http://[::1]:81");
        assert_ne!(origin("http://example.com"), origin("https://example.com"));
        assert_ne!(
            origin("http://example.com"),
            origin("http://example.com:8080")
        );
        for (bad, why) in [
            ("null", OriginError::Scheme),
            ("example.com", OriginError::Scheme),
            ("ftp://example.com", OriginError::Scheme),
            ("chrome-extension://abc", OriginError::Scheme),
            ("https://", OriginError::Host),
            ("https://example.com:99999", OriginError::Host),
            ("https://example.com:", OriginError::Host),
            ("https://example.com/chat", OriginError::Extra),
            ("https://example.com?x=1", OriginError::Extra),
            ("https://user@example.com", OriginError::Extra),
        ] {
            assert_eq!(bad.parse::<Origin>(), Err(why), "{bad}");
        }
    }

    #[test]
    fn requests_without_an_origin_are_allowed() {
        let none = headers(&[("host", "relais.example")]);
        assert!(allowed(&none, None, Callers::Own));
        assert!(allowed(&HeaderMap::new(), None, Callers::Own));
    }

    #[test]
    fn the_own_origin_is_the_host_with_its_port() {
        let own = |origin: &str, host: &str| {
            allowed(
                &headers(&[("origin", origin), ("host", host)]),
                None,
                Callers::Own,
            )
        };
        assert!(own("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(own("http://Relais.Example", "relais.example"));
        assert!(
            own("https://relais.example", "relais.example"),
            "behind a TLS proxy"
        );
        assert!(own("https://relais.example:8443", "relais.example:8443"));
        assert!(
            !own("http://127.0.0.1:8081", "127.0.0.1:8080"),
            "another port"
        );
        assert!(!own("https://relais.example", "relais.example:80"));
        assert!(
            !own("https://relais.example", "relais.example:65979"),
            "443 + 65536"
        );
        assert!(!own("http://evil.example", "relais.example"));
        assert!(!own("http://relais.example.evil.example", "relais.example"));
        assert!(!own("null", "relais.example"));
        assert!(!own("http://relais.example", "user@relais.example"));
        let no_host = headers(&[("origin", "http://relais.example")]);
        assert!(!allowed(&no_host, None, Callers::Own));
        let http2 = Some("relais.example");
        assert!(
            allowed(&no_host, http2, Callers::Own),
            "HTTP/2: the :authority"
        );
        let both = headers(&[
            ("origin", "http://relais.example"),
            ("host", "other.example"),
        ]);
        assert!(
            !allowed(&both, http2, Callers::Own),
            "the Host header comes first"
        );
    }

    #[test]
    fn a_proxy_saying_https_makes_the_scheme_count() {
        let proxied = |origin: &str, proto: &str| {
            let h = headers(&[
                ("origin", origin),
                ("host", "relais.example"),
                ("x-forwarded-proto", proto),
            ]);
            allowed(&h, None, Callers::Own)
        };
        assert!(proxied("https://relais.example", "https"));
        assert!(
            !proxied("http://relais.example", "https"),
            "a downgraded page"
        );
        assert!(proxied("http://relais.example", "http"));
        assert!(!proxied("https://relais.example", "http"));
    }

    #[test]
    fn https_is_known_from_the_proxy_or_the_page() {
        assert!(!over_https(&HeaderMap::new()));
        assert!(!over_https(&headers(&[(
            "origin",
            "http://relais.example"
        )])));
        assert!(over_https(&headers(&[(
            "origin",
            "https://relais.example"
        )])));
        assert!(over_https(&headers(&[("x-forwarded-proto", "https")])));
        assert!(over_https(&headers(&[(
            "x-forwarded-proto",
            "HTTPS, http"
        )])));
        let proxy_says_http = headers(&[
            ("x-forwarded-proto", "http"),
            ("origin", "https://relais.example"),
        ]);
        assert!(!over_https(&proxy_says_http), "the proxy knows best");
    }

    #[test]
    fn configured_sites_are_allowed_only_where_the_callers_say() {
        let sites = [origin("https://shop.example")];
        let from = |o: &str| headers(&[("origin", o), ("host", "relais.example")]);
        assert!(allowed(
            &from("https://shop.example"),
            None,
            Callers::OwnAnd(&sites)
        ));
        assert!(!allowed(&from("https://shop.example"), None, Callers::Own));
        assert!(!allowed(
            &from("http://shop.example"),
            None,
            Callers::OwnAnd(&sites)
        ));
        assert!(!allowed(
            &from("https://evil.example"),
            None,
            Callers::OwnAnd(&sites)
        ));
        assert!(allowed(
            &from("http://relais.example"),
            None,
            Callers::OwnAnd(&sites)
        ));
    }
}
