//! The customer's copy of their conversation: `POST /api/transcript` answers a plain text file
//! or a printable HTML page, in the conversation's language, with the time of every line.
//!
//! The resume token authorises it and travels only in `Authorization: Bearer`, never in the
//! URL, where server logs, proxies and browser history would keep it. Times are shown at the
//! UTC offset the client gives (the browser's own, `utc_offset_min`), else in UTC, and the
//! document says which. The HTML page escapes every text, has no script and no inline style:
//! its stylesheet is the widget's (`widget.css`, whose transcript rules apply to this page
//! only), linked by absolute URL so that a saved copy still finds it.

mod render;
mod time;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_nlu::Lang;
use serde::Deserialize;

use crate::api_error::ApiError;
use crate::auth::now_ms;
use crate::ids::{hash_resume_token, is_token};
use crate::state::AppState;
use crate::stored_state::StoredState;

use render::Document;

/// Furthest UTC offset accepted, in minutes (UTC−12:00 to UTC+14:00 exist; a margin is kept).
const MAX_OFFSET_MIN: i32 = 16 * 60;

/// The body of a download request.
#[derive(Debug, Deserialize)]
struct DownloadRequest {
    /// `text` or `html`.
    format: Format,
    /// Minutes to add to UTC for the times shown (the browser's offset); default 0 (UTC).
    #[serde(default)]
    utc_offset_min: i32,
}

/// The kind of file asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Format {
    /// Plain UTF-8 text.
    Text,
    /// A printable HTML page.
    Html,
}

/// `POST /api/transcript` with `Authorization: Bearer <resume token>` and
/// `{"format": "text" | "html", "utc_offset_min"?: n}`: the conversation as an attachment.
pub(crate) async fn download(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let token = bearer(&headers).ok_or_else(ApiError::unauthorized)?;
    let request: DownloadRequest = serde_json::from_slice(&body).map_err(|_| {
        ApiError::invalid(r#"expected {"format": "text" | "html", "utc_offset_min"?: minutes}"#)
    })?;
    if request.utc_offset_min.abs() > MAX_OFFSET_MIN {
        return Err(ApiError::invalid("utc_offset_min is out of range"));
    }
    let store = app.store();
    let id = store
        .find_by_resume(&hash_resume_token(token))?
        .ok_or_else(ApiError::unauthorized)?;
    let record = store
        .conversation(&id)?
        .ok_or_else(ApiError::unauthorized)?;
    let state = StoredState::from_json(&id, &record.state);
    let lang = state.lang.or(state.dialogue.lang).unwrap_or(Lang::Fr);
    let events = store.events_after(&id, 0)?;
    let document = Document::new(&id, lang, request.utc_offset_min, &events, now_ms());
    let (body, content_type) = match request.format {
        Format::Text => (document.text(), "text/plain; charset=utf-8"),
        Format::Html => (
            document.html(&stylesheet_url(&headers)),
            "text/html; charset=utf-8",
        ),
    };
    let extension = match request.format {
        Format::Text => "txt",
        Format::Html => "html",
    };
    let disposition = format!(
        "attachment; filename=\"{}.{extension}\"",
        document.file_stem()
    );
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The resume token of `Authorization: Bearer`, if well-formed. Nothing else is looked at:
/// not the query string, not a cookie.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|token| is_token(token))
}

/// The absolute URL of the stylesheet, on the host the client asked (`/widget.css` when the
/// `Host` header is missing or odd). Over https when a proxy says so.
fn stylesheet_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host.len() <= 255
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    match host {
        Some(host) => {
            let scheme = if https { "https" } else { "http" };
            format!("{scheme}://{host}/widget.css")
        }
        None => "/widget.css".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use serde_json::json;
    use tower::ServiceExt;

    use super::*;
    use crate::test_support::{Peer, app};

    const PAYLOAD: &str = "<img src=x onerror=alert(1)>";

    async fn post(
        state: &AppState,
        uri: &str,
        auth: Option<&str>,
        body: serde_json::Value,
    ) -> (StatusCode, HeaderMap, String) {
        let mut request = Request::post(uri).header(header::HOST, "chat.example:8080");
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let request = request.body(Body::from(body.to_string())).unwrap();
        let response = crate::http::app(state.clone())
            .oneshot(request)
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, 1 << 20).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    /// A conversation where the customer sent markup; returns its resume token.
    async fn conversation(state: &AppState) -> String {
        let mut peer = Peer::connect(state);
        let (welcome, _) = peer.hello().await;
        peer.say(PAYLOAD, "m1").await;
        welcome["resume"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn the_token_in_the_authorization_header_gets_the_text() {
        let state = app();
        let token = conversation(&state).await;
        let bearer = format!("Bearer {token}");
        let (status, headers, body) = post(
            &state,
            "/api/transcript",
            Some(&bearer),
            json!({"format": "text", "utc_offset_min": 120}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"conversation-")
                && disposition.ends_with(".txt\""),
            "{disposition}"
        );
        assert!(body.contains(&format!("Vous\u{a0}: {PAYLOAD}")), "{body}");
        assert!(body.contains("UTC+02:00"), "{body}");
    }

    #[tokio::test]
    async fn the_html_page_escapes_every_text_and_links_its_stylesheet() {
        let state = app();
        let token = conversation(&state).await;
        let bearer = format!("Bearer {token}");
        let (status, headers, body) = post(
            &state,
            "/api/transcript",
            Some(&bearer),
            json!({"format": "html"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert!(!body.contains("<img"), "{body}");
        assert!(
            body.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{body}"
        );
        assert!(!body.contains("<script"), "{body}");
        assert!(!body.contains("style="), "{body}");
        assert!(
            body.contains(r#"<link rel="stylesheet" href="http://chat.example:8080/widget.css">"#),
            "{body}"
        );
    }

    #[tokio::test]
    async fn only_a_valid_bearer_token_is_accepted() {
        let state = app();
        let token = conversation(&state).await;
        let body = json!({"format": "text"});
        let wrong = format!("Bearer {}", "0".repeat(64));
        for auth in [
            None,
            Some(wrong.as_str()),
            Some("Bearer nope"),
            Some(&*token),
        ] {
            let (status, _, text) = post(&state, "/api/transcript", auth, body.clone()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{auth:?}: {text}");
        }
        let in_query = format!("/api/transcript?token={token}&resume={token}");
        let (status, _, _) = post(&state, &in_query, None, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "never from the URL");
    }

    #[tokio::test]
    async fn malformed_requests_are_refused() {
        let state = app();
        let token = conversation(&state).await;
        let bearer = format!("Bearer {token}");
        for body in [
            json!({"format": "pdf"}),
            json!({}),
            json!({"format": "text", "utc_offset_min": 100_000}),
        ] {
            let (status, _, text) = post(&state, "/api/transcript", Some(&bearer), body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        }
    }

    #[test]
    fn the_stylesheet_is_linked_on_the_host_asked() {
        let mut headers = HeaderMap::new();
        assert_eq!(stylesheet_url(&headers), "/widget.css");
        headers.insert(header::HOST, HeaderValue::from_static("relais.example"));
        assert_eq!(stylesheet_url(&headers), "http://relais.example/widget.css");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            stylesheet_url(&headers),
            "https://relais.example/widget.css"
        );
        headers.insert(header::HOST, HeaderValue::from_static("evil\"><x"));
        assert_eq!(stylesheet_url(&headers), "/widget.css");
    }
}
