//! The admin routes over the router, without network.
//!
//! Properties checked:
//! 1. every admin route refuses a request without credentials, or with an advisor's kind of
//!    cookie, and the admin token opens them;
//! 2. sign-in: no password set is said so; a wrong password is refused; the right one sets an
//!    HttpOnly, SameSite=Strict cookie that opens the routes; a tampered cookie, or one from
//!    before a password change, opens nothing;
//! 3. the stats route reports the figures folded so far, and refuses a malformed period;
//! 4. the customer's erasure needs their resume token in the header, and works once.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use relais_store::{MemoryStore, Store};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::set_admin_password;
use crate::aggregates::with_aggregates;
use crate::config::ServerConfig;
use crate::http::app;
use crate::ids::hash_resume_token;
use crate::state::AppState;
use crate::test_support::app_with;

const PASSWORD: &str = "a long admin password";

struct Answer {
    status: StatusCode,
    cookie: Option<String>,
    body: Value,
}

async fn call(
    router: Router,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap();
    Answer {
        status: parts.status,
        cookie: parts
            .headers
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_owned()),
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    }
}

/// A GET of `path` on a fresh router over `state`.
async fn get(state: &AppState, path: &str, headers: &[(&str, &str)]) -> Answer {
    call(app(state.clone()), "GET", path, headers, None).await
}

/// A POST of `body` to `path` on a fresh router over `state`.
async fn post(
    state: &AppState,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    call(app(state.clone()), "POST", path, headers, body).await
}

/// A sign-in to the dashboard with `password`.
async fn log_in(state: &AppState, password: &str) -> Answer {
    let body = json!({ "password": password });
    post(state, "/api/admin/login", &[], Some(body)).await
}

fn state(data_dir: Option<&std::path::Path>) -> (AppState, Arc<dyn Store>) {
    let store = with_aggregates(Arc::new(MemoryStore::new()));
    let config = ServerConfig {
        data_dir: data_dir.map(ToOwned::to_owned),
        ..ServerConfig::default()
    };
    (app_with(Arc::clone(&store), config), store)
}

const ROUTES: [(&str, &str); 5] = [
    ("GET", "/api/admin/session"),
    ("GET", "/api/admin/stats"),
    ("POST", "/api/admin/stats/rebuild"),
    ("POST", "/api/admin/conversations/purge"),
    ("POST", "/api/admin/conversations/c1/erase"),
];

#[tokio::test]
async fn admin_routes_need_the_token_or_a_session() {
    let (app_state, _) = state(None);
    let bearer = format!("Bearer {}", app_state.admin_token());
    for (method, path) in ROUTES {
        for headers in [
            &[][..],
            &[("authorization", "Bearer 0000")][..],
            &[("cookie", "relais_agent=abc; relais_admin=123.abcd")][..],
        ] {
            let answer = call(app(app_state.clone()), method, path, headers, None).await;
            assert_eq!(
                answer.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} {headers:?}"
            );
        }
        let body = (method == "POST").then(|| json!({"older_than": "90d"}));
        let answer = call(
            app(app_state.clone()),
            method,
            path,
            &[("authorization", &bearer)],
            body,
        )
        .await;
        assert_ne!(answer.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(
            answer.status.is_success() || answer.status == StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            answer.status
        );
    }
}

#[tokio::test]
async fn the_dashboard_session_is_a_signed_http_only_cookie() {
    let (without, _) = state(None);
    let answer = log_in(&without, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(answer.body["error"]["code"], "no_admin_password");

    let dir = tempfile::tempdir().unwrap();
    set_admin_password(dir.path(), PASSWORD).unwrap();
    let (app_state, _) = state(Some(dir.path()));
    let wrong = log_in(&app_state, "nope").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.cookie.is_none());

    let right = log_in(&app_state, PASSWORD).await;
    assert_eq!(right.status, StatusCode::OK);
    let set_cookie = right.cookie.expect("a session cookie");
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let open = get(&app_state, "/api/admin/session", &[("cookie", &cookie)]).await;
    assert_eq!(open.status, StatusCode::OK);

    // One changed digit of the signature, or of the expiry, and it is refused.
    let tampered = if cookie.ends_with('0') {
        format!("{}1", &cookie[..cookie.len() - 1])
    } else {
        format!("{}0", &cookie[..cookie.len() - 1])
    };
    let later = cookie.replacen("relais_admin=", "relais_admin=9", 1);
    for bad in [tampered, later] {
        let answer = get(&app_state, "/api/admin/session", &[("cookie", &bad)]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{bad}");
    }

    set_admin_password(dir.path(), "another long password").unwrap();
    let stale = get(&app_state, "/api/admin/session", &[("cookie", &cookie)]).await;
    assert_eq!(stale.status, StatusCode::UNAUTHORIZED);

    let out = post(&app_state, "/api/admin/logout", &[], None).await;
    assert!(out.cookie.unwrap().contains("Max-Age=0"));
}

#[tokio::test]
async fn stats_report_the_folded_figures() {
    let (app_state, store) = state(None);
    let bearer = format!("Bearer {}", app_state.admin_token());
    store.create_conversation("c1", "h1", &json!({})).unwrap();
    store
        .append(
            "c1",
            vec![
                json!({"kind": "bot", "text": "Bonjour", "intent": null, "confidence": 1.0,
            "outcome": "smalltalk", "lang": "fr"}),
            ],
            None,
        )
        .unwrap()
        .1
        .wait()
        .unwrap();
    let answer = get(
        &app_state,
        "/api/admin/stats?since=7d",
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["conversations"], 1, "{}", answer.body);
    assert_eq!(answer.body["series"].as_array().unwrap().len(), 7);
    let bad = get(
        &app_state,
        "/api/admin/stats?since=forever",
        &[("authorization", &bearer)],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn customers_erase_their_conversation_with_the_resume_token() {
    let (app_state, store) = state(None);
    let token = "ab".repeat(32);
    store
        .create_conversation("c1", &hash_resume_token(&token), &json!({}))
        .unwrap();
    let bearer = format!("Bearer {token}");
    let nobody = post(&app_state, "/api/conversation/erase", &[], None).await;
    assert_eq!(nobody.status, StatusCode::UNAUTHORIZED);
    let erased = post(
        &app_state,
        "/api/conversation/erase",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(erased.status, StatusCode::OK);
    assert_eq!(erased.body, json!({"erased": true}));
    assert!(store.conversation("c1").unwrap().is_none());
    let again = post(
        &app_state,
        "/api/conversation/erase",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}
