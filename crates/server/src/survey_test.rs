//! The end of a chat and the survey, through frames and customer sessions over in-memory
//! sockets:
//! 1. `end` and `survey` client frames decode, and the new server frames encode to the
//!    documented shapes; their events survive a round trip through JSON;
//! 2. answers are checked: a score from 1 to 7, or skipped; a bounded comment;
//! 3. `end` is acknowledged, then the survey comes, in the conversation's language; ending
//!    again acknowledges the same end;
//! 4. an answer before any survey, out of range or repeated gets its error code, and the
//!    session goes on;
//! 5. writing after the end continues the chat, and the next end asks again;
//! 6. an idle chat ends with a survey after `survey_after_idle` (paused time), once.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Message;
use relais_nlu::Lang;
use relais_store::{MemoryStore, Store};
use serde_json::{Value, json};

use super::*;
use crate::config::ServerConfig;
use crate::protocol::{ClientFrame, ServerFrame, decode};
use crate::survey::context::ChatPath;
use crate::test_support::{Peer, app, app_with};

#[test]
fn end_and_survey_frames_decode() {
    assert_eq!(
        decode(r#"{"type":"end"}"#).unwrap(),
        ClientFrame::End { id: None }
    );
    assert_eq!(
        decode(r#"{"type":"end","id":"e1","extra":1}"#).unwrap(),
        ClientFrame::End {
            id: Some("e1".into())
        }
    );
    assert_eq!(
        decode(r#"{"type":"survey","score":6,"comment":"ok","id":"s1"}"#).unwrap(),
        ClientFrame::Survey {
            score: Some(6),
            comment: Some("ok".into()),
            skipped: None,
            id: Some("s1".into())
        }
    );
    assert_eq!(
        decode(r#"{"type":"survey","skipped":true}"#).unwrap(),
        ClientFrame::Survey {
            score: None,
            comment: None,
            skipped: Some(true),
            id: None
        }
    );
    for bad in [
        r#"{"type":"survey","score":"6"}"#,
        r#"{"type":"survey","score":5.5}"#,
        r#"{"type":"survey","skipped":"yes"}"#,
    ] {
        assert_eq!(
            decode(bad).unwrap_err().code().as_str(),
            "invalid_frame",
            "{bad}"
        );
    }
}

#[test]
fn new_server_frames_encode_to_the_documented_shape() {
    assert_eq!(
        ServerFrame::End {
            seq: 7,
            by: EndReason::Customer
        }
        .encode(),
        r#"{"type":"end","seq":7,"by":"customer"}"#
    );
    let question = SurveyQuestion::new(Lang::En);
    let json: Value = serde_json::from_str(
        &ServerFrame::Survey {
            seq: 8,
            question: &question,
        }
        .encode(),
    )
    .unwrap();
    assert_eq!(
        json,
        json!({"type": "survey", "seq": 8, "scale": [1, 7],
            "question": "How easy was it to get your question handled?",
            "labels": ["Very difficult", "Very easy"], "lang": "en"})
    );
    let answer = SurveyAnswer {
        score: Some(6),
        comment: Some("Quick".into()),
        skipped: false,
    };
    assert_eq!(
        ServerFrame::SurveyAnswer {
            seq: 9,
            answer: &answer,
            id: Some("s1")
        }
        .encode(),
        r#"{"type":"survey_answer","seq":9,"score":6,"comment":"Quick","id":"s1"}"#
    );
}

#[test]
fn end_and_survey_events_round_trip_and_replay_without_analytics() {
    let answer = Event::SurveyAnswer {
        answer: SurveyAnswer {
            score: None,
            comment: None,
            skipped: true,
        },
        context: SurveyContext {
            asked_seq: 4,
            ended_by: EndReason::Idle,
            path: ChatPath::Callback,
            queued: true,
            queue_wait_ms: Some(1_500),
            intents: vec!["bill_explain".into()],
            customer_turns: 2,
            lang: Lang::Fr,
        },
        id: None,
    };
    let events = [
        Event::End {
            by: EndReason::Agent,
        },
        Event::Survey {
            question: SurveyQuestion::new(Lang::Fr),
            by: EndReason::Agent,
        },
        answer.clone(),
    ];
    for event in events {
        assert_eq!(Event::from_json(1, &event.to_json()), Some(event));
    }
    let stored = answer.to_json();
    assert_eq!(stored["kind"], "survey_answer");
    assert_eq!(stored["path"], "callback");
    assert_eq!(stored["queue_wait_ms"], 1_500);
    assert_eq!(
        answer.frame(5).encode(),
        r#"{"type":"survey_answer","seq":5,"skipped":true}"#,
        "the customer's frame carries no analytics"
    );
}

#[test]
fn answers_are_checked() {
    let ok = SurveyAnswer::validate(Some(7), Some("  merci  ".into()), None).unwrap();
    assert_eq!(
        (ok.score, ok.comment.as_deref(), ok.skipped),
        (Some(7), Some("merci"), false)
    );
    let blank = SurveyAnswer::validate(Some(1), Some(" \n ".into()), Some(false)).unwrap();
    assert_eq!(blank.comment, None, "a blank comment is no comment");
    let skipped = SurveyAnswer::validate(None, None, Some(true)).unwrap();
    assert_eq!((skipped.score, skipped.skipped), (None, true));
    let code = |score, comment: Option<String>, skipped| {
        SurveyAnswer::validate(score, comment, skipped)
            .unwrap_err()
            .code()
            .as_str()
    };
    for score in [0, 8, -1, 1_000] {
        assert_eq!(code(Some(score), None, None), "score_out_of_range");
    }
    assert_eq!(code(None, None, None), "invalid_frame");
    assert_eq!(code(None, None, Some(false)), "invalid_frame");
    assert_eq!(code(Some(5), None, Some(true)), "invalid_frame");
    let long = "é".repeat(MAX_COMMENT_CHARS + 1);
    assert_eq!(code(Some(5), Some(long), None), "text_too_long");
    assert!(SurveyAnswer::validate(Some(5), Some("é".repeat(MAX_COMMENT_CHARS)), None).is_ok());
}

/// The next text frame as JSON, pings skipped (the server may ping a quiet socket).
async fn next_frame(peer: &mut Peer) -> Value {
    loop {
        match peer.message().await {
            Message::Text(text) => return serde_json::from_str(text.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Sends `frame` and returns the next frame, which must be an error with `code`.
async fn refused(peer: &mut Peer, frame: Value, code: &str) {
    peer.send(frame);
    let error = peer.expect("error").await;
    assert_eq!(error["code"], code, "{error}");
}

#[tokio::test]
async fn the_customer_ends_the_chat_then_answers_the_survey_once() {
    let app = app();
    let mut peer = Peer::connect(&app);
    let (welcome, _) = peer.hello().await;
    refused(
        &mut peer,
        json!({"type": "survey", "score": 5, "id": "early"}),
        "survey_not_asked",
    )
    .await;
    peer.say("expliquer ma facture", "m1").await;

    peer.send(json!({"type": "end", "id": "e1"}));
    assert_eq!(
        peer.expect("ack").await,
        json!({"type": "ack", "seq": 4, "id": "e1"})
    );
    let survey = peer.expect("survey").await;
    assert_eq!(survey["seq"], 5);
    assert_eq!(survey["scale"], json!([1, 7]));
    assert_eq!(survey["lang"], "fr");
    assert!(
        survey["question"]
            .as_str()
            .unwrap()
            .contains("facile d’obtenir une réponse")
    );

    peer.send(json!({"type": "end", "id": "e2"}));
    assert_eq!(
        peer.expect("ack").await,
        json!({"type": "ack", "seq": 4, "id": "e2"}),
        "ending again acknowledges the same end"
    );

    refused(
        &mut peer,
        json!({"type": "survey", "score": 8}),
        "score_out_of_range",
    )
    .await;
    peer.send(json!({"type": "survey", "score": 6, "comment": "Rapide", "id": "s1"}));
    assert_eq!(
        peer.expect("ack").await,
        json!({"type": "ack", "seq": 6, "id": "s1"})
    );
    refused(
        &mut peer,
        json!({"type": "survey", "score": 2}),
        "survey_already_answered",
    )
    .await;
    refused(
        &mut peer,
        json!({"type": "survey", "skipped": true}),
        "survey_already_answered",
    )
    .await;

    let id = welcome["conversation"].as_str().unwrap();
    let stored = app.store().events_after(id, 5).unwrap();
    assert_eq!(stored.len(), 1, "errors store nothing");
    let body = &stored[0].body;
    assert_eq!(
        (
            &body["kind"],
            &body["score"],
            &body["comment"],
            &body["path"],
            &body["ended_by"],
            &body["asked_seq"]
        ),
        (
            &json!("survey_answer"),
            &json!(6),
            &json!("Rapide"),
            &json!("bot_only"),
            &json!("customer"),
            &json!(5)
        )
    );
    assert_eq!(body["customer_turns"], 1);

    // Still a working conversation.
    let (ack, bot) = peer.say("bonjour", "m2").await;
    assert_eq!(
        (ack["seq"].as_u64(), bot["seq"].as_u64()),
        (Some(7), Some(8))
    );
}

#[tokio::test]
async fn writing_after_the_end_continues_and_the_next_end_asks_again() {
    let app = app();
    let mut peer = Peer::connect(&app);
    let mut second = Peer::connect(&app);
    let (welcome, _) = peer.hello().await;
    second.send(json!({"type": "hello", "resume": welcome["resume"], "last_seq": 1}));
    second.expect("welcome").await;

    peer.send(json!({"type": "end", "id": "e0"}));
    assert_eq!(peer.expect("ack").await["seq"], 2);
    assert_eq!(
        second.expect("end").await,
        json!({"type": "end", "seq": 2, "by": "customer"}),
        "nothing said: an end, no survey"
    );

    peer.say("expliquer ma facture", "m1").await;
    peer.send(json!({"type": "end", "id": "e1"}));
    assert_eq!(peer.expect("ack").await["seq"], 5);
    assert_eq!(peer.expect("survey").await["seq"], 6);
    second.expect("customer").await;
    second.expect("bot").await;
    second.expect("end").await;
    second.expect("survey").await;
    peer.send(json!({"type": "survey", "skipped": true, "id": "s1"}));
    assert_eq!(peer.expect("ack").await["seq"], 7);
    assert_eq!(
        second.expect("survey_answer").await,
        json!({"type": "survey_answer", "seq": 7, "skipped": true, "id": "s1"})
    );

    peer.say("bonjour", "m2").await;
    peer.send(json!({"type": "end", "id": "e2"}));
    assert_eq!(peer.expect("ack").await["seq"], 10);
    assert_eq!(
        peer.expect("survey").await["seq"],
        11,
        "a new stretch, a new survey"
    );
}

#[tokio::test(start_paused = true)]
async fn an_idle_chat_ends_with_a_survey_once() {
    let config = ServerConfig {
        survey_after_idle: Some(Duration::from_secs(2)),
        ..ServerConfig::default()
    };
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let app = app_with(store, config);
    let mut peer = Peer::connect(&app);
    peer.hello().await;
    peer.say("expliquer ma facture", "m1").await;
    // Paused time moves on by itself once everything waits: the idle deadline is next.
    let before = tokio::time::Instant::now();
    let end = next_frame(&mut peer).await;
    assert!(before.elapsed() >= Duration::from_secs(2));
    assert_eq!(end, json!({"type": "end", "seq": 4, "by": "idle"}));
    let survey = next_frame(&mut peer).await;
    assert_eq!(
        (&survey["type"], &survey["seq"]),
        (&json!("survey"), &json!(5))
    );
    // No second survey while nobody writes: what follows answers a later message.
    tokio::time::sleep(Duration::from_secs(60)).await;
    peer.send(json!({"type": "message", "text": "bonjour", "id": "m2"}));
    let ack = next_frame(&mut peer).await;
    assert_eq!(
        (&ack["type"], &ack["seq"]),
        (&json!("ack"), &json!(6)),
        "nothing was stored meanwhile"
    );
}
