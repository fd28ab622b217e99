//! Operational metrics, served at `GET /metrics` in the Prometheus text format (the
//! OpenMetrics flavour, which Prometheus scrapes natively).
//!
//! Built on `prometheus-client`, the Prometheus project's own Rust client: typed metrics owned
//! by a registry value (no global recorder to install), label sets checked at compile time,
//! and four small dependencies. The registry is process-wide because a process is one scrape
//! target and the hooks sit where no shared handle reaches (the commit path, the queue actor):
//! each hook is a one-line call on [`metrics()`].
//!
//! Who may read it: whoever holds the admin token (`Authorization: Bearer`, as for the admin
//! API; Prometheus sends it with `authorization: {credentials_file: ...}`). The figures hold
//! no customer text, id or contact: counts, durations and error codes only.

use std::sync::LazyLock;
use std::time::Duration;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use relais_analytics::HandoffReason;

use crate::admin::Admin;
use crate::error::ErrorCode;

/// The content type of the OpenMetrics text format.
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// One label, name and value.
type Label = [(&'static str, &'static str); 1];

/// Every metric of the process.
pub(crate) struct Metrics {
    registry: Registry,
    connections: Family<Label, Gauge>,
    turns: Counter,
    match_seconds: Histogram,
    handoffs: Family<Label, Counter>,
    queue_length: Gauge,
    flush_seconds: Histogram,
    errors: Family<Label, Counter>,
}

/// The process's metrics.
pub(crate) fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

impl Metrics {
    /// Metrics at zero, registered under their public names.
    pub(crate) fn new() -> Metrics {
        let mut m = Metrics {
            registry: Registry::with_prefix("relais"),
            connections: Family::default(),
            turns: Counter::default(),
            // 10 µs to 82 ms: one match takes microseconds.
            match_seconds: Histogram::new(exponential_buckets(1e-5, 2.0, 14)),
            handoffs: Family::default(),
            queue_length: Gauge::default(),
            // 100 µs to 0.8 s: a group commit's fdatasync, shared by concurrent writes.
            flush_seconds: Histogram::new(exponential_buckets(1e-4, 2.0, 14)),
            errors: Family::default(),
        };
        let r = &mut m.registry;
        r.register(
            "open_connections",
            "Open websocket connections, by side (customer, advisor)",
            m.connections.clone(),
        );
        r.register(
            "customer_turns",
            "Customer messages and clicks handled",
            m.turns.clone(),
        );
        r.register(
            "match_seconds",
            "Time the dialogue engine took to answer one customer turn",
            m.match_seconds.clone(),
        );
        r.register(
            "handoffs",
            "Handoffs to a human, by reason",
            m.handoffs.clone(),
        );
        r.register(
            "queue_length",
            "Conversations waiting for an advisor",
            m.queue_length.clone(),
        );
        r.register(
            "store_flush_seconds",
            "Time from a write to the store saying it is durable",
            m.flush_seconds.clone(),
        );
        r.register(
            "errors",
            "Error frames sent to customers, by code",
            m.errors.clone(),
        );
        m
    }

    /// The metrics in the OpenMetrics text format.
    pub(crate) fn render(&self) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        encode(&mut text, &self.registry)?;
        Ok(text)
    }

    /// A customer socket opened; it counts as open until the guard is dropped.
    pub(crate) fn customer_connected(&self) -> OpenConnection {
        let gauge = self
            .connections
            .get_or_create_owned(&[("side", "customer")]);
        gauge.inc();
        OpenConnection { gauge }
    }

    /// The advisor queue's state: conversations waiting, advisors' panels connected.
    pub(crate) fn queue_state(&self, waiting: usize, advisors: usize) {
        self.queue_length.set(gauge_value(waiting));
        self.connections
            .get_or_create(&[("side", "advisor")])
            .set(gauge_value(advisors));
    }

    /// A customer turn was handled.
    pub(crate) fn turn(&self) {
        self.turns.inc();
    }

    /// The engine answered a turn in `took`.
    pub(crate) fn matched(&self, took: Duration) {
        self.match_seconds.observe(took.as_secs_f64());
    }

    /// A conversation was handed to a human (or taken over) for `reason`.
    pub(crate) fn handoff(&self, reason: HandoffReason) {
        self.handoffs
            .get_or_create(&[("reason", reason.as_str())])
            .inc();
    }

    /// A write became durable `took` after it was made.
    pub(crate) fn flushed(&self, took: Duration) {
        self.flush_seconds.observe(took.as_secs_f64());
    }

    /// An error frame with `code` was sent to a customer.
    pub(crate) fn error(&self, code: ErrorCode) {
        self.errors.get_or_create(&[("code", code.as_str())]).inc();
    }
}

/// An open customer connection, counted until dropped.
pub(crate) struct OpenConnection {
    gauge: Gauge,
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `GET /metrics`: the process's metrics, for the admin token's holder.
pub(crate) async fn scrape(_: Admin) -> Response {
    match metrics().render() {
        Ok(text) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, CONTENT_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            text,
        )
            .into_response(),
        Err(err) => crate::api_error::ApiError::internal(&err).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line starting with `prefix` (name and labels).
    fn sample(text: &str, prefix: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(prefix)?.trim().parse().ok())
    }

    #[test]
    fn every_metric_renders_with_its_labels() {
        let m = Metrics::new();
        let open = m.customer_connected();
        let second = m.customer_connected();
        m.queue_state(3, 2);
        m.turn();
        m.turn();
        m.matched(Duration::from_micros(30));
        m.handoff(HandoffReason::Explicit);
        m.handoff(HandoffReason::Takeover);
        m.handoff(HandoffReason::Explicit);
        m.flushed(Duration::from_millis(2));
        m.error(ErrorCode::InvalidJson);
        drop(second);
        let text = m.render().unwrap();
        let get = |prefix: &str| sample(&text, prefix);
        assert_eq!(
            get(r#"relais_open_connections{side="customer"} "#),
            Some(1.0)
        );
        assert_eq!(
            get(r#"relais_open_connections{side="advisor"} "#),
            Some(2.0)
        );
        assert_eq!(get("relais_queue_length "), Some(3.0));
        assert_eq!(get("relais_customer_turns_total "), Some(2.0));
        assert_eq!(get("relais_match_seconds_count "), Some(1.0));
        // 30 µs is above the 20 µs bucket and within the 40 µs one.
        assert_eq!(
            get(r#"relais_match_seconds_bucket{le="0.00002"} "#),
            Some(0.0)
        );
        assert_eq!(
            get(r#"relais_match_seconds_bucket{le="0.00004"} "#),
            Some(1.0)
        );
        assert_eq!(
            get(r#"relais_handoffs_total{reason="explicit"} "#),
            Some(2.0)
        );
        assert_eq!(
            get(r#"relais_handoffs_total{reason="takeover"} "#),
            Some(1.0)
        );
        assert_eq!(get("relais_store_flush_seconds_count "), Some(1.0));
        assert_eq!(
            get(r#"relais_errors_total{code="invalid_json"} "#),
            Some(1.0)
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
        drop(open);
        let text = m.render().unwrap();
        assert_eq!(
            sample(&text, r#"relais_open_connections{side="customer"} "#),
            Some(0.0)
        );
    }
}
