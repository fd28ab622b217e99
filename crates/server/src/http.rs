//! The HTTP surface: the customer websocket, the health check, the advisors' panel, API and
//! websocket, the admin API, and the static web files.

use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::admin_dashboard;
use crate::agent_api::ClientIp;
use crate::session::Session;
use crate::state::AppState;
use crate::{admin, agent_api, headers, inbox, origin, reload, transcript_download};

/// The whole application as a router, for [`crate::run`] and for tests without network.
pub fn app(state: AppState) -> Router {
    let web = &state.config().web_dir;
    let static_files = ServeDir::new(web);
    let panel = ServeFile::new(web.join("agent").join("index.html"));
    let dashboard = ServeFile::new(web.join("admin").join("index.html"));
    let api = Router::new()
        .route("/api/agent/login", post(agent_api::login))
        .route("/api/agent/logout", post(agent_api::logout))
        .route("/api/agent/me", get(agent_api::me))
        .route("/api/agent/canned", get(agent_api::canned))
        .route("/api/agent/tickets", get(agent_api::tickets))
        .route("/api/agent/tickets/{id}/done", post(agent_api::ticket_done))
        .route("/api/admin/agents", get(admin::list))
        .route(
            "/api/admin/agents/{name}",
            put(admin::put).delete(admin::remove),
        )
        .route("/api/admin/inbox", get(inbox::list))
        .route("/api/admin/inbox/status", post(inbox::set_status))
        .route("/api/admin/reload", post(reload::handle))
        .route("/api/admin/corpus", get(reload::version))
        .merge(admin_dashboard::routes())
        // Tokens and customer data must not linger in caches.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    // Checked before credentials: a foreign page never reaches a handler.
    let staff = api
        .route("/agent/ws", get(agent_api::websocket))
        .route_layer(middleware::from_fn(origin::own));
    let customer = Router::new()
        .route("/ws", get(websocket))
        .route("/api/transcript", post(transcript_download::download))
        .merge(admin_dashboard::customer_routes())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            origin::customer,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(crate::metrics::scrape))
        .route_service("/agent", panel.clone())
        .route_service("/agent/", panel)
        .route_service("/admin", dashboard.clone())
        .route_service("/admin/", dashboard)
        .merge(customer)
        .merge(staff)
        .fallback_service(static_files)
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state)
}

/// `GET /healthz`: 200 while the server accepts conversations, 503 once it is shutting down.
async fn healthz(State(state): State<AppState>) -> Response {
    if state.is_shutting_down() {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else {
        (StatusCode::OK, "ok\n").into_response()
    }
}

/// `GET /ws`: upgrades to a customer session with bounded buffers and message sizes.
async fn websocket(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    upgrade: WebSocketUpgrade,
) -> Response {
    if state.is_shutting_down() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    }
    let config = state.config();
    if state.session_count() >= config.max_sessions {
        tracing::warn!(
            max = config.max_sessions,
            "session limit reached; refusing a socket"
        );
        return (StatusCode::SERVICE_UNAVAILABLE, "too many sessions\n").into_response();
    }
    // Held until the session ends. Without connection info (tests without network) there is
    // no address to count.
    let slot = match ip.map(|ip| state.limits().connect(ip)) {
        Some(None) => {
            tracing::debug!("per-address socket limit reached; refusing a socket");
            return (StatusCode::TOO_MANY_REQUESTS, "too many connections\n").into_response();
        }
        Some(Some(slot)) => Some(slot),
        None => None,
    };
    // Taken now so that a session counts from the upgrade on, for shutdown to wait for it.
    let tracked = state.sessions().token();
    upgrade
        .read_buffer_size(config.read_buffer_size)
        .write_buffer_size(config.write_buffer_size)
        .max_write_buffer_size(config.max_write_buffer_size)
        .max_message_size(config.max_message_bytes)
        .max_frame_size(config.max_message_bytes)
        .on_upgrade(move |socket| async move {
            Session::new(state, socket).with_peer(ip).run().await;
            drop((tracked, slot));
        })
}

#[cfg(test)]
mod tests {
    use axum::body::{Body, to_bytes};
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;
    use crate::config::ServerConfig;
    use crate::test_support::app_with;

    async fn get(router: Router, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = to_bytes(body, 1 << 20).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    fn state_with_web() -> (AppState, tempfile::TempDir) {
        let web = tempfile::tempdir().unwrap();
        std::fs::write(web.path().join("index.html"), "<h1>Volta</h1>").unwrap();
        std::fs::write(web.path().join("widget.js"), "console.log(1)").unwrap();
        std::fs::create_dir(web.path().join("agent")).unwrap();
        std::fs::write(web.path().join("agent/index.html"), "<h1>Panel</h1>").unwrap();
        let config = ServerConfig {
            web_dir: web.path().to_owned(),
            ..ServerConfig::default()
        };
        let store = std::sync::Arc::new(relais_store::MemoryStore::new());
        (app_with(store, config), web)
    }

    #[tokio::test]
    async fn healthz_is_ok_until_shutdown_begins() {
        let (state, _web) = state_with_web();
        let (status, _, _) = get(app(state.clone()), "/healthz").await;
        assert_eq!(status, StatusCode::OK);
        state.begin_shutdown();
        let (status, _, _) = get(app(state), "/healthz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }

    #[tokio::test]
    async fn static_files_come_from_the_web_dir_with_nosniff() {
        let (state, _web) = state_with_web();
        let (status, headers, body) = get(app(state.clone()), "/").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "<h1>Volta</h1>");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let (status, headers, _) = get(app(state.clone()), "/widget.js").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .contains("javascript")
        );
        let (status, headers, _) = get(app(state), "/../Cargo.toml").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }

    #[tokio::test]
    async fn the_panel_is_served_at_agent_with_and_without_slash() {
        let (state, _web) = state_with_web();
        for path in ["/agent", "/agent/", "/agent/index.html"] {
            let (status, _, body) = get(app(state.clone()), path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(body, "<h1>Panel</h1>", "{path}");
        }
    }

    #[tokio::test]
    async fn the_agent_socket_and_api_refuse_requests_without_a_token() {
        let (state, _web) = state_with_web();
        for path in [
            "/agent/ws",
            "/agent/ws?token=0000000000000000000000000000000000000000000000000000000000000000",
            "/api/agent/tickets",
            "/api/agent/canned?lang=fr",
            "/api/agent/me",
        ] {
            let (status, headers, body) = get(app(state.clone()), path).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
            if path.starts_with("/api/") {
                assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{path}");
            }
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["error"]["code"], "unauthorized");
        }
        let (status, _, _) = get(app(state), "/api/admin/agents").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn the_websocket_route_wants_an_upgrade() {
        let (state, _web) = state_with_web();
        let (status, _, _) = get(app(state), "/ws").await;
        assert!(status.is_client_error(), "{status}");
    }

    /// A GET of `path` with `headers`; returns the status, the headers and the body.
    async fn get_with(
        router: Router,
        path: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut request = Request::get(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = router
            .oneshot(request.body(Body::empty()).unwrap())
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

    #[tokio::test]
    async fn pages_forbid_inline_code_and_staff_pages_refuse_framing() {
        let (state, _web) = state_with_web();
        for (path, status) in [("/", 200), ("/widget.js", 200), ("/missing", 404)] {
            let (got, headers, _) = get(app(state.clone()), path).await;
            assert_eq!(got.as_u16(), status, "{path}");
            let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'self'"), "{path}: {csp}");
            assert_eq!(headers[header::X_FRAME_OPTIONS], "SAMEORIGIN", "{path}");
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        }
        for path in [
            "/agent",
            "/agent/",
            "/agent/index.html",
            "/%61gent/index.html",
            "/api/agent/me",
            "/admin",
        ] {
            let (_, headers, body) = get(app(state.clone()), path).await;
            let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
            assert!(csp.contains("script-src 'self';"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{path}: {body}");
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        }
    }

    #[tokio::test]
    async fn foreign_origins_are_refused_before_credentials_are_looked_at() {
        let (state, _web) = state_with_web();
        let host = ("host", "relais.example");
        let evil = ("origin", "https://evil.example");
        for path in ["/ws", "/agent/ws", "/api/agent/me", "/api/admin/agents"] {
            let (status, _, body) = get_with(app(state.clone()), path, &[host, evil]).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {body}");
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["error"]["code"], "forbidden_origin", "{path}");
        }
        // The own origin and no origin reach the handlers: the credentials check, or the
        // websocket upgrade, answers.
        let own = ("origin", "http://relais.example");
        for headers in [&[host, own][..], &[host][..]] {
            for path in ["/agent/ws", "/api/agent/me", "/api/admin/agents"] {
                let (status, _, _) = get_with(app(state.clone()), path, headers).await;
                assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {headers:?}");
            }
            let (status, _, _) = get_with(app(state.clone()), "/ws", headers).await;
            assert!(
                status.is_client_error() && status != StatusCode::FORBIDDEN,
                "{status}"
            );
        }
    }

    #[tokio::test]
    async fn configured_sites_may_open_the_customer_socket_only() {
        let web = tempfile::tempdir().unwrap();
        let config = ServerConfig {
            web_dir: web.path().to_owned(),
            allowed_origins: vec!["https://shop.example".parse().unwrap()],
            ..ServerConfig::default()
        };
        let state = app_with(
            std::sync::Arc::new(relais_store::MemoryStore::new()),
            config,
        );
        let headers = [
            ("host", "relais.example"),
            ("origin", "https://shop.example"),
        ];
        let (status, _, _) = get_with(app(state.clone()), "/ws", &headers).await;
        assert!(
            status.is_client_error() && status != StatusCode::FORBIDDEN,
            "{status}"
        );
        for path in ["/agent/ws", "/api/agent/me", "/api/admin/agents"] {
            let (status, _, _) = get_with(app(state.clone()), path, &headers).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        }
    }
}
