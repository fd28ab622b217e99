//! Errors of the HTTP API (agent and admin endpoints) as JSON:
//! `{"error": {"code": "...", "message": "..."}}` with a fitting status.
//!
//! Internal faults are logged here with their details and reach the client only as `internal`.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use relais_store::StoreError;

/// A refused or failed API request.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    retry_after: Option<Duration>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400: the request body or a parameter is unacceptable.
    pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 401: no valid credentials.
    pub(crate) fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid token is required",
        )
    }

    /// 401: wrong name or password (the same answer for both).
    pub(crate) fn bad_credentials() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "unknown agent or wrong password",
        )
    }

    /// 429: too many failed logins; try again after `retry_after`.
    pub(crate) fn rate_limited(retry_after: Duration) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many failed logins; try again later",
            )
        }
    }

    /// 404: no such thing.
    pub(crate) fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 503: the server is stopping.
    pub(crate) fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the server is shutting down",
        )
    }

    /// 503: too many sessions.
    pub(crate) fn busy() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many connections; try again later",
        )
    }

    /// 500: a fault on our side, logged with `detail`, never sent.
    pub(crate) fn internal(detail: &dyn std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal failure while handling an API request");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; please try again",
        )
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> ApiError {
        ApiError::internal(&err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(wait) = self.retry_after {
            // Whole seconds, rounded up so that a client retrying on time is let in.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            if let Ok(value) = HeaderValue::from_str(&secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}
