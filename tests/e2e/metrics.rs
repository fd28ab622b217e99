//! `GET /metrics`, read by a Prometheus text-format parser (`prometheus-parse`):
//! 1. it answers only to the admin token;
//! 2. after a real conversation over a websocket, the turn, handoff and error counters and the
//!    match-latency histogram moved by exactly what the test did, and the open customer
//!    connection is counted.

use prometheus_parse::{Scrape, Value};
use serde_json::Value as Json;
use tokio_tungstenite::tungstenite::Message;

use crate::support::{Client, DataDir, Server};

/// The admin token the server wrote to `admin.json`.
fn admin_token(data: &DataDir) -> String {
    let text = std::fs::read_to_string(data.store_path().join("admin.json")).expect("admin.json");
    let admin: Json = serde_json::from_str(&text).expect("admin.json is JSON");
    admin["token"].as_str().expect("token").to_owned()
}

async fn scrape(server: &Server, token: &str) -> Scrape {
    let bearer = format!("Bearer {token}");
    let response = server
        .request("GET", "/metrics", &[("authorization", &bearer)], None)
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        response.header("content-type")
    );
    let lines = response.body.lines().map(|l| Ok(l.to_owned()));
    Scrape::parse(lines).expect("Prometheus text format")
}

/// The sum of the samples named `metric` (with `label`, if given); 0 when there is none.
fn value(scrape: &Scrape, metric: &str, label: Option<(&str, &str)>) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
        .map(|s| match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            other => panic!("{metric} is not a single value: {other:?}"),
        })
        .sum()
}

/// Observations in the histogram `metric`, read from its `+Inf` bucket.
fn observations(scrape: &Scrape, metric: &str) -> f64 {
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == metric)
        .unwrap_or_else(|| panic!("no histogram {metric}"));
    match &sample.value {
        Value::Histogram(buckets) => buckets
            .iter()
            .find(|b| b.less_than.is_infinite())
            .map(|b| b.count)
            .expect("a +Inf bucket"),
        other => panic!("{metric} is not a histogram: {other:?}"),
    }
}

#[tokio::test]
async fn metrics_need_the_admin_token() {
    let data = DataDir::new();
    let server = Server::start_in(&data);
    let (status, _, _) = server.get("/metrics").await;
    assert_eq!(status, 401);
    let wrong = server
        .request("GET", "/metrics", &[("authorization", "Bearer nope")], None)
        .await;
    assert_eq!(wrong.status, 401);
    scrape(&server, &admin_token(&data)).await;
}

#[tokio::test]
async fn counters_move_by_exactly_what_a_conversation_did() {
    let data = DataDir::new();
    let server = Server::start_in(&data);
    let token = admin_token(&data);
    let before = scrape(&server, &token).await;
    assert_eq!(value(&before, "relais_customer_turns_total", None), 0.0);
    assert_eq!(value(&before, "relais_handoffs_total", None), 0.0);

    let mut client = Client::connect(&server).await;
    client.hello(Some("fr")).await;
    let mut turns = 0.0;
    client.say("Bonjour").await;
    turns += 1.0;
    client.send_raw(Message::text("not json")).await;
    client.expect_error("invalid_json").await;
    // No advisor is online: the request ends on the callback form (after an offer, if the
    // bot makes one first).
    client.send_text("je veux parler à un conseiller").await;
    turns += 1.0;
    loop {
        let frame = client.next_event().await;
        if frame["type"] == "bot" && frame["outcome"] == "handoff_offer" {
            client.choose("handoff:yes").await;
            turns += 1.0;
        } else if frame["type"] == "bot" && frame["form"] == "callback" {
            break;
        }
    }

    let after = scrape(&server, &token).await;
    assert_eq!(value(&after, "relais_customer_turns_total", None), turns);
    assert_eq!(value(&after, "relais_handoffs_total", None), 1.0);
    assert_eq!(
        value(
            &after,
            "relais_handoffs_total",
            Some(("reason", "explicit"))
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            "relais_errors_total",
            Some(("code", "invalid_json"))
        ),
        1.0
    );
    assert_eq!(value(&after, "relais_errors_total", None), 1.0);
    // Every turn went through the engine: the bot had the conversation throughout.
    assert_eq!(observations(&after, "relais_match_seconds"), turns);
    // Each turn waited for the store at least once, and so did the greeting.
    assert!(observations(&after, "relais_store_flush_seconds") > turns);
    assert_eq!(
        value(
            &after,
            "relais_open_connections",
            Some(("side", "customer"))
        ),
        1.0
    );
    assert_eq!(value(&after, "relais_queue_length", None), 0.0);
    client.close().await;
}
