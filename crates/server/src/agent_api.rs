//! The advisors' HTTP endpoints: login and logout, who am I, canned responses, tickets, and
//! the upgrade to the advisor websocket. Every endpoint but login needs a valid token
//! ([`AuthedAgent`]), checked before any upgrade.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_nlu::Lang;
use relais_store::StoreError;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::agent_protocol::AgentView;
use crate::agent_session::AgentSession;
use crate::api_error::ApiError;
use crate::auth::{self, AuthedAgent, login_cookie, logout_cookie, now_ms};
use crate::origin::over_https;
use crate::state::AppState;

/// Longest name or password accepted at login, in bytes.
const MAX_CREDENTIAL_BYTES: usize = 1024;

/// The client's address, when the server runs with connection info.
pub(crate) struct ClientIp(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(ClientIp(ip))
    }
}

#[derive(Deserialize)]
struct Credentials {
    name: String,
    password: String,
}

/// `POST /api/agent/login`: `{"name","password"}` → the token, the agent, and the cookie.
pub(crate) async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let credentials: Credentials = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid("expected {\"name\": \"...\", \"password\": \"...\"}"))?;
    if credentials.name.len() > MAX_CREDENTIAL_BYTES
        || credentials.password.len() > MAX_CREDENTIAL_BYTES
    {
        return Err(ApiError::invalid("name or password too long"));
    }
    let login = auth::login(&app, &credentials.name, &credentials.password, ip).await?;
    let body = json!({"token": login.token, "agent": AgentView::from(&login.agent)});
    let mut response = (StatusCode::OK, Json(body)).into_response();
    set_cookie(
        &mut response,
        &login_cookie(
            &login.token,
            app.config().agent_token_ttl,
            over_https(&headers),
        ),
    );
    Ok(response)
}

/// `POST /api/agent/logout`: ends the session of the token used.
pub(crate) async fn logout(
    State(app): State<AppState>,
    agent: AuthedAgent,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    app.store().remove_agent_session(&agent.token_hash)?.await?;
    let mut response = (StatusCode::OK, Json(json!({"ok": true}))).into_response();
    set_cookie(&mut response, &logout_cookie(over_https(&headers)));
    Ok(response)
}

/// `GET /api/agent/me`: who the token belongs to (for a panel reloaded with its cookie).
pub(crate) async fn me(agent: AuthedAgent) -> Json<Value> {
    Json(json!({"agent": AgentView::from(&agent.record)}))
}

#[derive(Deserialize)]
pub(crate) struct CannedQuery {
    lang: Option<String>,
}

/// `GET /api/agent/canned?lang=fr`: `[{"label","text"}]` in that language (default: the
/// advisor's first language).
pub(crate) async fn canned(
    State(app): State<AppState>,
    agent: AuthedAgent,
    Query(query): Query<CannedQuery>,
) -> Result<Json<Value>, ApiError> {
    let code = query
        .lang
        .or_else(|| agent.record.langs.first().cloned())
        .unwrap_or_else(|| "fr".to_owned());
    let lang = Lang::from_code(&code).ok_or_else(|| ApiError::invalid("lang must be fr or en"))?;
    let items: Vec<Value> = app
        .knowledge()
        .canned(lang)
        .map(|c| json!({"label": c.label, "text": c.text}))
        .collect();
    Ok(Json(Value::Array(items)))
}

/// `GET /api/agent/tickets`: every callback/message ticket, newest first, each
/// `{"id","created_ms","status","body"}` (`status` is `open` or `done`).
pub(crate) async fn tickets(
    State(app): State<AppState>,
    _agent: AuthedAgent,
) -> Result<Json<Value>, ApiError> {
    let tickets = app.store().tickets()?;
    let items: Vec<Value> = tickets
        .into_iter()
        .rev()
        .map(|t| {
            let status = t
                .body
                .get("status")
                .cloned()
                .unwrap_or_else(|| json!("open"));
            json!({"id": t.id, "created_ms": t.created_ms, "status": status, "body": t.body})
        })
        .collect();
    Ok(Json(Value::Array(items)))
}

/// `POST /api/agent/tickets/{id}/done`: marks a ticket processed by this advisor.
pub(crate) async fn ticket_done(
    State(app): State<AppState>,
    agent: AuthedAgent,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let ticket = app
        .store()
        .tickets()?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::not_found("ticket"))?;
    let mut body = ticket.body;
    if let Value::Object(fields) = &mut body {
        fields.insert("status".into(), json!("done"));
        fields.insert("done_by".into(), json!(agent.record.name));
        fields.insert("done_ms".into(), json!(now_ms()));
    }
    match app.store().update_ticket(&id, &body) {
        Ok(durable) => durable.await?,
        Err(StoreError::NotFound) => return Err(ApiError::not_found("ticket")),
        Err(err) => return Err(err.into()),
    }
    Ok(Json(json!({"id": id, "status": "done", "body": body})))
}

/// `GET /agent/ws`: upgrades an authenticated advisor to their panel socket.
pub(crate) async fn websocket(
    State(app): State<AppState>,
    agent: AuthedAgent,
    upgrade: WebSocketUpgrade,
) -> Response {
    if app.is_shutting_down() {
        return ApiError::unavailable().into_response();
    }
    let config = app.config();
    if app.session_count() >= config.max_sessions {
        tracing::warn!(
            max = config.max_sessions,
            "session limit reached; refusing a panel"
        );
        return ApiError::busy().into_response();
    }
    let tracked = app.sessions().token();
    let record = agent.record;
    upgrade
        .read_buffer_size(config.read_buffer_size)
        .write_buffer_size(config.write_buffer_size)
        .max_write_buffer_size(config.max_write_buffer_size)
        .max_message_size(config.max_message_bytes)
        .max_frame_size(config.max_message_bytes)
        .on_upgrade(move |socket| async move {
            AgentSession::new(app, socket, &record).run().await;
            drop(tracked);
        })
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::{Body, to_bytes};
    use axum::http::{Method, Request};
    use tower::ServiceExt;

    use super::*;
    use crate::test_support::app;

    /// Sends one request; returns the status, the headers and the JSON body (null if none).
    async fn call(
        router: &Router,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(auth) = auth {
            request = request.header(header::AUTHORIZATION, format!("Bearer {auth}"));
        }
        let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
        let response = router
            .clone()
            .oneshot(request.body(body).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, 1 << 20).await.unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (parts.status, parts.headers, json)
    }

    #[tokio::test]
    async fn an_admin_adds_an_agent_who_logs_in_and_works_until_changed() {
        let app = app();
        let router = crate::http::app(app.clone());
        let admin = app.admin_token().to_owned();
        let agent = json!({"display_name": "Alice", "langs": ["fr"], "skills": ["billing"],
            "password": "pw-alice"});
        let path = "/api/admin/agents/alice";
        let (status, _, _) = call(&router, Method::PUT, path, None, Some(agent.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = call(
            &router,
            Method::PUT,
            path,
            Some("nope"),
            Some(agent.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, body) = call(&router, Method::PUT, path, Some(&admin), Some(agent)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["capacity"], 3);
        let (status, _, list) = call(
            &router,
            Method::GET,
            "/api/admin/agents",
            Some(&admin),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list[0]["name"], "alice");
        assert!(list[0].get("password_hash").is_none());

        let login = json!({"name": "alice", "password": "pw-alice"});
        let (status, headers, body) =
            call(&router, Method::POST, "/api/agent/login", None, Some(login)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap().to_owned();
        assert_eq!(body["agent"]["display_name"], "Alice");
        let cookie = headers[header::SET_COOKIE].to_str().unwrap();
        assert!(cookie.starts_with(&format!("relais_agent={token}; HttpOnly; SameSite=Strict")));

        let (status, _, canned) = call(
            &router,
            Method::GET,
            "/api/agent/canned?lang=en",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(canned.as_array().is_some_and(|c| !c.is_empty()));
        assert!(canned[0]["label"].is_string() && canned[0]["text"].is_string());

        let (id, durable) = app
            .store()
            .create_ticket(&json!({"kind": "callback", "name": "Ana"}))
            .unwrap();
        durable.await.unwrap();
        let (_, _, tickets) = call(
            &router,
            Method::GET,
            "/api/agent/tickets",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(tickets[0]["id"], id.as_str());
        assert_eq!(tickets[0]["status"], "open");
        let done = format!("/api/agent/tickets/{id}/done");
        let (status, _, body) = call(&router, Method::POST, &done, Some(&token), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["body"]["done_by"], "alice");
        let (_, _, tickets) = call(
            &router,
            Method::GET,
            "/api/agent/tickets",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(tickets[0]["status"], "done");
        let (status, _, _) = call(
            &router,
            Method::POST,
            "/api/agent/tickets/nope/done",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // A change moves the epoch on: the token is void.
        let change = json!({"langs": ["fr", "en"], "skills": []});
        let (status, _, body) = call(&router, Method::PUT, path, Some(&admin), Some(change)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["epoch"], 2);
        assert_eq!(body["display_name"], "Alice", "kept when not given");
        let (status, _, _) = call(&router, Method::GET, "/api/agent/me", Some(&token), None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (status, _, _) = call(&router, Method::DELETE, path, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = call(&router, Method::DELETE, path, Some(&admin), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let bad = json!({"langs": ["de"], "password": "x"});
        let (status, _, body) = call(&router, Method::PUT, path, Some(&admin), Some(bad)).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (StatusCode::BAD_REQUEST, &json!("invalid_request"))
        );
    }
}
