//! Security headers on every response: a Content-Security-Policy without inline script or
//! style, `X-Content-Type-Options: nosniff`, and a framing policy chosen by path.
//!
//! Staff paths (`/agent…`, `/admin…`, `/api…`) hold an advisor's or an administrator's
//! powers: they are never framed, not even by the server's own pages (`frame-ancestors
//! 'none'`, `X-Frame-Options: DENY`), and their pages talk to their own origin only. The
//! customer side (the demo page, the widget's files) may be framed by its own origin only:
//! the widget is embedded with a script tag, so it runs in the host page and other sites never
//! need to frame anything of ours, while a foreign frame could trick a visitor into clicks.
//! The headers go on every response, not only HTML: they cost nothing elsewhere, and an error
//! page or a file served as HTML is covered too.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of customer pages: own resources only (any websocket, for a widget pointed at
/// another Relais server), framed by the own origin only.
const CUSTOMER_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'self'";
/// The policy of staff pages: own resources and own origin only, never framed.
const STAFF_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The first path segments that belong to staff (advisors and administrators).
const STAFF_SEGMENTS: [&str; 3] = ["agent", "admin", "api"];

/// Middleware adding the security headers to every response.
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let staff = is_staff_path(request.uri().path());
    let mut response = next.run(request).await;
    let (csp, framing) = if staff {
        (STAFF_CSP, "DENY")
    } else {
        (CUSTOMER_CSP, "SAMEORIGIN")
    };
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, csp),
        (header::X_FRAME_OPTIONS, framing),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ];
    for (name, value) in set {
        headers.insert::<HeaderName>(name, HeaderValue::from_static(value));
    }
    response
}

/// Whether `path` is a staff path, however it is spelled: percent-escapes are decoded and
/// empty or `.` segments skipped first, as the static file service would, so `/%61gent/` or
/// `//agent` cannot slip the panel out of its policy.
fn is_staff_path(path: &str) -> bool {
    let decoded = percent_decode(path);
    decoded
        .split('/')
        .find(|segment| !segment.is_empty() && *segment != ".")
        .is_some_and(|first| {
            STAFF_SEGMENTS
                .iter()
                .any(|staff| first.eq_ignore_ascii_case(staff))
        })
}

/// `path` with its `%XX` escapes decoded (bytes that do not form UTF-8 are replaced).
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    //! Staff paths are recognised however they are spelled, and nothing else is. The headers
    //! on real responses are checked by the router tests in `http.rs`.

    use super::*;

    #[test]
    fn staff_paths_are_recognised_however_spelled() {
        for staff in [
            "/agent",
            "/agent/",
            "/agent/index.html",
            "/agent/ws",
            "/admin",
            "/admin/agents",
            "/api/agent/login",
            "/api/admin/agents/x",
            "//agent/",
            "/./agent/",
            "/%61gent/index.html",
            "/%2Fagent",
            "/AGENT/",
        ] {
            assert!(is_staff_path(staff), "{staff}");
        }
        for customer in [
            "/",
            "/index.html",
            "/widget.js",
            "/ws",
            "/healthz",
            "/agents.html",
            "/agentx",
            "/static/agent/x",
            "/%zz",
            "/%",
        ] {
            assert!(!is_staff_path(customer), "{customer}");
        }
    }
}
