//! Handing over to a human when no advisor is online:
//! 1. two misunderstandings in a row lead to an advisor offer; accepting it says no advisor is
//!    available and shows the callback form;
//! 2. an explicit request for a human leads to the same;
//! 3. the form requires explicit consent, is acknowledged, confirmed, and replayed on resume.

use serde_json::{Value, json};

use crate::support::{Client, Server, quick_values};

/// Reads events up to the callback form, accepting an advisor offer on the way; checks that a
/// `handoff` event with state `unavailable` came first (never a dead end, never a silent form).
async fn until_callback_form(client: &mut Client) -> Value {
    let mut unavailable = false;
    loop {
        let frame = client.next_event().await;
        match (frame["type"].as_str(), frame["outcome"].as_str()) {
            (Some("handoff"), _) => {
                assert_eq!(frame["state"], "unavailable", "{frame}");
                unavailable = true;
            }
            (Some("bot"), Some("handoff_offer")) => {
                client.choose("handoff:yes").await;
            }
            (Some("bot"), _) if !frame["form"].is_null() => {
                assert!(unavailable, "the form came without saying why: {frame}");
                assert_callback_form(&frame);
                return frame;
            }
            (Some("bot"), Some("handoff")) => {}
            _ => panic!("unexpected frame while waiting for the callback form: {frame}"),
        }
    }
}

fn assert_callback_form(bot: &Value) {
    assert_eq!(bot["form"], "callback", "{bot}");
    assert!(!bot["text"].as_str().unwrap_or_default().is_empty());
}

#[tokio::test]
async fn two_misunderstandings_lead_to_an_advisor_and_the_callback_form() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(Some("fr")).await;
    let (_, first) = client.say("xqzv wplm").await;
    assert_eq!(first["outcome"], "fallback", "{first}");
    let (_, second) = client.say("blorf snargle").await;
    assert_eq!(second["outcome"], "handoff_offer", "{second}");
    assert!(
        quick_values(&second).contains(&"handoff:yes".to_owned()),
        "{second}"
    );
    assert_ne!(first["text"], second["text"], "never the same line twice");

    client.choose("handoff:yes").await;
    until_callback_form(&mut client).await;
}

#[tokio::test]
async fn asking_for_a_human_leads_to_the_callback_form() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(Some("en")).await;
    client.send_text("I want to talk to a human advisor").await;
    let bot = until_callback_form(&mut client).await;
    assert_eq!(bot["lang"], "en");
}

#[tokio::test]
async fn the_callback_form_needs_consent_and_is_confirmed_durably() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    let (welcome, _) = client.hello(Some("fr")).await;
    client.send_text("je veux parler à un conseiller").await;
    let bot = until_callback_form(&mut client).await;
    let before_form = bot["seq"].as_u64().expect("seq");

    let mut form = json!({"type": "callback", "name": "Ana Martin",
        "contact": "ana@example.fr", "message": "Rappelez-moi demain matin", "id": "f1"});
    client.send(form.clone()).await;
    let err = client.expect_error("consent_required").await;
    assert_eq!(err["id"], "f1");
    form["consent"] = json!(false);
    client.send(form.clone()).await;
    client.expect_error("consent_required").await;

    form["consent"] = json!(true);
    client.send(form).await;
    let ack = client.expect("ack").await;
    assert_eq!(ack["seq"].as_u64(), Some(before_form + 1));
    assert_eq!(ack["id"], "f1");
    let confirmation = client.expect("bot").await;
    assert_eq!(confirmation["seq"].as_u64(), Some(before_form + 2));
    assert!(confirmation["form"].is_null(), "{confirmation}");
    client.close().await;

    // The form is a transcript event: it replays as a `callback` frame.
    let mut again = Client::connect(&server).await;
    again
        .send(json!({"type": "hello", "resume": welcome["resume"], "last_seq": before_form}))
        .await;
    again.expect("welcome").await;
    let replayed = again.expect("callback").await;
    assert_eq!(replayed["seq"].as_u64(), Some(before_form + 1));
    assert!(replayed["ticket"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        replayed.get("contact").is_none(),
        "personal data stays in the ticket"
    );
    assert_eq!(again.expect("bot").await, confirmation);
}
