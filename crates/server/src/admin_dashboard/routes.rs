//! The admin API's routes for the dashboard, the figures and the data kept, and the
//! customer's own erasure endpoint.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use relais_analytics::{Day, Report};
use relais_store::StoreError;
use serde::Deserialize;
use serde_json::json;

use super::access::{self, AdminAccess, LIMITER, LIMITER_NAME};
use super::password;
use crate::agent_api::ClientIp;
use crate::aggregates::{Since, daily_aggregates, replace_daily};
use crate::analytics_feed::rebuild_from_store;
use crate::api_error::ApiError;
use crate::auth::now_ms;
use crate::ids::{hash_resume_token, is_token};
use crate::origin::over_https;
use crate::retention::{Age, Erasure, erase_conversation, purge_older_than};
use crate::state::AppState;

/// Longest admin password accepted at login, in bytes.
const MAX_PASSWORD: usize = 1024;

/// The admin routes (under the staff API: own origin only, `no-store`).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/admin/login", post(login))
        .route("/api/admin/logout", post(logout))
        .route("/api/admin/session", get(session))
        .route("/api/admin/stats", get(stats))
        .route("/api/admin/stats/rebuild", post(rebuild))
        .route("/api/admin/conversations/purge", post(purge))
        .route("/api/admin/conversations/{id}/erase", post(erase))
}

/// The customer's erasure route (under the customer routes: the widget's origins).
pub(crate) fn customer_routes() -> Router<AppState> {
    Router::new().route("/api/conversation/erase", post(customer_erase))
}

#[derive(Deserialize)]
struct LoginBody {
    password: String,
}

/// `POST /api/admin/login` `{"password"}`: opens a dashboard session (the cookie).
async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: LoginBody = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid("expected {\"password\": \"...\"}"))?;
    if body.password.len() > MAX_PASSWORD {
        return Err(ApiError::invalid("password too long"));
    }
    let now = tokio::time::Instant::now();
    LIMITER
        .check(LIMITER_NAME, ip, now)
        .map_err(ApiError::rate_limited)?;
    let Some(phc) = password::stored(app.config().data_dir.as_deref()) else {
        return Ok(refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_admin_password",
            "no admin password is set: run `relais admin passwd` on the server",
        ));
    };
    let check = phc.clone();
    let valid = tokio::task::spawn_blocking(move || password::verify(&check, &body.password))
        .await
        .map_err(|e| ApiError::internal(&e))?;
    if !valid {
        LIMITER.failed(LIMITER_NAME, ip, tokio::time::Instant::now());
        return Err(ApiError::bad_credentials());
    }
    LIMITER.succeeded(LIMITER_NAME);
    let mut response = Json(json!({"ok": true})).into_response();
    let cookie = access::session_cookie(&access::new_session(&app, &phc), over_https(&headers));
    set_cookie(&mut response, &cookie);
    Ok(response)
}

/// `POST /api/admin/logout`: removes the session cookie.
async fn logout(headers: HeaderMap) -> Response {
    let mut response = Json(json!({"ok": true})).into_response();
    set_cookie(&mut response, &access::cleared_cookie(over_https(&headers)));
    response
}

/// `GET /api/admin/session`: 200 while the session (or token) is valid.
async fn session(_: AdminAccess) -> Json<serde_json::Value> {
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct StatsQuery {
    since: Option<String>,
}

/// `GET /api/admin/stats?since=7d|YYYY-MM-DD` (default 30d): the report of the period.
async fn stats(
    State(app): State<AppState>,
    _: AdminAccess,
    Query(query): Query<StatsQuery>,
) -> Result<Json<Report>, ApiError> {
    let since = match query.since.as_deref() {
        Some(text) => text
            .parse::<Since>()
            .map_err(|e| ApiError::invalid(e.to_string()))?,
        None => Since::default(),
    };
    let (from, to) = since.range(Day::from_unix_ms(now_ms()));
    let store = Arc::clone(app.store());
    let report = blocking(move || {
        let daily = daily_aggregates(store.as_ref(), from, to)?;
        Ok(Report::over(&daily, from, to))
    })
    .await?;
    Ok(Json(report))
}

/// `POST /api/admin/stats/rebuild`: recomputes the aggregates of every day the stored
/// transcripts cover (a full scan).
async fn rebuild(
    State(app): State<AppState>,
    _: AdminAccess,
) -> Result<Json<serde_json::Value>, ApiError> {
    let store = Arc::clone(app.store());
    let days = blocking(move || {
        let daily = rebuild_from_store(store.as_ref())?;
        let days = daily
            .range(Day::from_days(0), Day::from_days(u32::MAX))
            .count();
        replace_daily(store.as_ref(), daily)?.wait()?;
        Ok(days)
    })
    .await?;
    Ok(Json(json!({"days": days})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PurgeBody {
    older_than: String,
}

/// `POST /api/admin/conversations/purge` `{"older_than": "90d"}`: erases the conversations
/// idle for longer (see `retention`).
async fn purge(
    State(app): State<AppState>,
    _: AdminAccess,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: PurgeBody = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid("expected {\"older_than\": \"<days>d\"}"))?;
    let age: Age = body
        .older_than
        .parse()
        .map_err(|e: crate::retention::AgeError| ApiError::invalid(e.to_string()))?;
    let cutoff = age.cutoff_ms(now_ms());
    let store = Arc::clone(app.store());
    let report = blocking(move || purge_older_than(store.as_ref(), cutoff)).await?;
    tracing::info!(
        purged = report.purged,
        kept_active = report.kept_active,
        tickets_removed = report.tickets_removed,
        "purge requested through the admin API"
    );
    Ok(Json(report).into_response())
}

/// `POST /api/admin/conversations/{id}/erase`: erases one conversation (a customer's request
/// received by other means).
async fn erase(
    State(app): State<AppState>,
    _: AdminAccess,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let store = Arc::clone(app.store());
    let outcome = blocking(move || match erase_conversation(store.as_ref(), &id) {
        // An id the store refuses names no conversation.
        Err(StoreError::InvalidInput(_)) => Ok(Erasure::NotFound),
        other => other,
    })
    .await?;
    Ok(erasure_response(outcome))
}

/// `POST /api/conversation/erase` with `Authorization: Bearer <resume token>`: the customer
/// erases their own conversation.
async fn customer_erase(
    State(app): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| is_token(token))
        .ok_or_else(ApiError::unauthorized)?;
    let store = Arc::clone(app.store());
    let hash = hash_resume_token(token);
    let outcome = blocking(move || {
        let Some(id) = store.find_by_resume(&hash)? else {
            return Ok(None);
        };
        erase_conversation(store.as_ref(), &id).map(Some)
    })
    .await?
    // An unknown token is not told apart from a wrong one.
    .ok_or_else(ApiError::unauthorized)?;
    Ok(erasure_response(outcome))
}

fn erasure_response(outcome: Erasure) -> Response {
    match outcome {
        Erasure::Erased => Json(json!({"erased": true})).into_response(),
        Erasure::NotFound => refusal(StatusCode::NOT_FOUND, "not_found", "no such conversation"),
        Erasure::Active => refusal(
            StatusCode::CONFLICT,
            "conversation_active",
            "the conversation is queued or with an advisor: end the chat first",
        ),
    }
}

/// An error answer in the API's shape, for the codes `ApiError` does not have.
fn refusal(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// Runs store work off the async runtime.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(ApiError::from)
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}
