//! Unit tests of the crash run's pure parts: the seeded generator, frame decoding, the
//! session ledger and the transcript audit. They live outside `crash/` because the e2e suite
//! includes that directory by path and would run them a second time.
//!
//! Properties checked:
//! 1. the generator replays from its seed and stays within the asked range;
//! 2. frames decode to what the run needs, and frames missing a seq are refused;
//! 3. the ledger tracks acks in any order, resends exactly the unacknowledged messages and
//!    tells recognised duplicates from new stores;
//! 4. the audit passes a faithful transcript and counts each kind of fault on its own.

use std::time::Duration;

use crate::crash::{
    audit::{Findings, audit},
    ledger::Ledger,
    rng::Rng,
    wire::{self, Incoming},
};

#[test]
fn the_generator_replays_from_its_seed_within_range() {
    let (mut a, mut b) = (Rng::new(7), Rng::new(7));
    let draws: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
    assert_eq!(draws, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
    assert_ne!(
        draws,
        (0..5).map(|_| Rng::new(8).next_u64()).collect::<Vec<_>>()
    );
    let (low, high) = (Duration::from_millis(100), Duration::from_millis(120));
    let drawn: Vec<Duration> = (0..200).map(|_| a.duration_between(low, high)).collect();
    assert!(drawn.iter().all(|d| (low..=high).contains(d)));
    assert!(
        drawn.contains(&low) && drawn.contains(&high),
        "both ends reachable"
    );
    assert_eq!(
        a.duration_between(high, low),
        high,
        "an empty range gives its start"
    );
}

#[test]
fn frames_decode_to_what_the_run_needs() {
    let welcome = r#"{"type":"welcome","conversation":"c","resume":"t","seq":4,"resumed":true}"#;
    assert_eq!(
        wire::parse(welcome),
        Ok(Incoming::Welcome {
            token: "t".to_owned(),
            seq: 4,
            resumed: true
        })
    );
    assert_eq!(
        wire::parse(r#"{"type":"ack","seq":5,"id":"s1-m1"}"#),
        Ok(Incoming::Ack {
            id: Some("s1-m1".to_owned()),
            seq: 5
        })
    );
    assert_eq!(
        wire::parse(r#"{"type":"customer","seq":5,"id":"x","text":"hi","extra":1}"#),
        Ok(Incoming::Customer {
            seq: 5,
            id: Some("x".to_owned()),
            text: "hi".to_owned()
        })
    );
    assert_eq!(
        wire::parse(r#"{"type":"bot","seq":6,"text":"hello"}"#),
        Ok(Incoming::Event { seq: 6 })
    );
    assert_eq!(
        wire::parse(r#"{"type":"error","code":"internal","message":"m"}"#),
        Ok(Incoming::Error {
            code: "internal".to_owned()
        })
    );
    assert_eq!(
        wire::parse(r#"{"type":"queue_update","position":1}"#),
        Ok(Incoming::Live)
    );
    for broken in [
        r#"{"type":"ack","id":"x"}"#,
        r#"{"type":"welcome"}"#,
        "[]",
        "{",
    ] {
        assert!(wire::parse(broken).is_err(), "{broken}");
    }
}

#[test]
fn client_frames_carry_ids_and_resume_points() {
    let message: serde_json::Value =
        serde_json::from_str(&wire::message("s3-m2", "Bonjour")).expect("JSON");
    assert_eq!(
        message,
        serde_json::json!({"type": "message", "id": "s3-m2", "text": "Bonjour"})
    );
    let hello: serde_json::Value =
        serde_json::from_str(&wire::hello_resume("tok", 9)).expect("JSON");
    assert_eq!(
        hello,
        serde_json::json!({"type": "hello", "resume": "tok", "last_seq": 9})
    );
}

/// A ledger with a conversation and `n` messages sent, none acknowledged.
fn ledger_with(n: usize) -> Ledger {
    let mut ledger = Ledger::new(3);
    ledger.welcomed("tok", 0, false);
    for i in 0..n {
        ledger.send_new(format!("text {i}"));
    }
    ledger
}

#[test]
fn the_ledger_resends_exactly_the_unacknowledged_messages() {
    let mut ledger = ledger_with(3);
    assert_eq!(ledger.sent[0].id, "s3-m1", "ids are unique per session");
    ledger.acked(Some("s3-m2"), 4);
    assert_eq!(ledger.unacked(), 2);
    // The server died; the session resumes after seq 4.
    ledger.welcomed("tok", 6, true);
    let again = ledger.resend_all();
    assert_eq!(
        again,
        [
            ("s3-m1".to_owned(), "text 0".to_owned()),
            ("s3-m3".to_owned(), "text 2".to_owned())
        ]
    );
    // m1 had been stored before the kill (seq 2 <= welcome 6): a recognised duplicate; m3
    // is stored anew.
    ledger.acked(Some("s3-m1"), 2);
    ledger.acked(Some("s3-m3"), 7);
    assert_eq!(ledger.unacked(), 0);
    assert!(ledger.resend_all().is_empty());
    assert_eq!(ledger.tally.resent, 2);
    assert_eq!(ledger.tally.reacked, 1);
    assert_eq!(ledger.tally.resumes, 1);
    assert_eq!(ledger.last_seq, 7);
    assert!(ledger.tally.anomalies.is_empty());
}

#[test]
fn the_ledger_flags_acks_it_cannot_explain() {
    let mut ledger = ledger_with(1);
    ledger.acked(Some("s3-m9"), 2);
    ledger.acked(None, 2);
    ledger.acked(Some("s3-m1"), 2);
    ledger.acked(Some("s3-m1"), 3);
    assert_eq!(
        ledger.tally.anomalies.len(),
        3,
        "{:?}",
        ledger.tally.anomalies
    );
    assert_eq!(ledger.sent[0].ack, Some(2), "the first ack stands");
}

#[test]
fn a_refused_token_starts_a_new_conversation_from_seq_zero() {
    let mut ledger = ledger_with(0);
    ledger.saw(12);
    ledger.welcomed("new", 0, false);
    assert_eq!(ledger.token.as_deref(), Some("new"));
    assert_eq!(ledger.last_seq, 0);
    assert_eq!(ledger.tally.conversations_restarted, 1);
}

/// The transcript a correct server holds for `ledger`: the greeting, then each acknowledged
/// message at its seq followed by a bot reply.
fn faithful(ledger: &Ledger) -> Vec<Incoming> {
    let mut events = vec![Incoming::Event { seq: 1 }];
    for sent in &ledger.sent {
        if let Some(seq) = sent.ack {
            events.push(customer(seq, &sent.id, &sent.text));
            events.push(Incoming::Event { seq: seq + 1 });
        }
    }
    events
}

fn customer(seq: u64, id: &str, text: &str) -> Incoming {
    Incoming::Customer {
        seq,
        id: Some(id.to_owned()),
        text: text.to_owned(),
    }
}

/// Three messages acknowledged at seqs 2, 4 and 6.
fn acked_three() -> Ledger {
    let mut ledger = ledger_with(3);
    for (i, seq) in [2, 4, 6].into_iter().enumerate() {
        ledger.acked(Some(&format!("s3-m{}", i + 1)), seq);
    }
    ledger
}

#[test]
fn a_faithful_transcript_passes_the_audit() {
    let ledger = acked_three();
    let findings = audit(&ledger, &faithful(&ledger));
    assert_eq!(findings, Findings::default());
    assert!(findings.is_clean());
}

#[test]
fn each_fault_is_counted_on_its_own() {
    let ledger = acked_three();
    let transcript = faithful(&ledger);

    let mut lost = transcript.clone();
    lost.truncate(5);
    let found = audit(&ledger, &lost);
    assert_eq!((found.lost, found.gaps), (1, 0));
    assert!(!found.is_clean());

    let mut duplicated = transcript.clone();
    duplicated.push(customer(8, "s3-m2", "text 1"));
    let found = audit(&ledger, &duplicated);
    assert_eq!((found.duplicated, found.lost, found.gaps), (1, 0, 0));

    let mut invented = transcript.clone();
    invented.push(customer(8, "s3-m1", "other text"));
    invented.push(customer(9, "s9-m1", "text 0"));
    invented.push(Incoming::Customer {
        seq: 10,
        id: None,
        text: "text 0".to_owned(),
    });
    assert_eq!(audit(&ledger, &invented).invented, 3);

    let mut gap = transcript.clone();
    gap.remove(2);
    let found = audit(&ledger, &gap);
    assert_eq!((found.gaps, found.lost), (1, 0));

    // m2 and m3 swapped: each is at the other's acknowledged seq, and out of order.
    let mut swapped = transcript;
    swapped[3] = customer(4, "s3-m3", "text 2");
    swapped[5] = customer(6, "s3-m2", "text 1");
    let found = audit(&ledger, &swapped);
    assert_eq!((found.misplaced, found.out_of_order), (2, 1));
}

#[test]
fn unacknowledged_messages_may_be_stored_once_or_not_at_all() {
    let mut ledger = ledger_with(2);
    ledger.acked(Some("s3-m1"), 2);
    let mut transcript = faithful(&ledger);
    let found = audit(&ledger, &transcript);
    assert_eq!((found.unacked_absent, found.unacked_stored), (1, 0));
    assert!(found.is_clean());
    transcript.push(customer(4, "s3-m2", "text 1"));
    let found = audit(&ledger, &transcript);
    assert_eq!((found.unacked_absent, found.unacked_stored), (0, 1));
    assert!(found.is_clean());
    transcript.push(customer(5, "s3-m2", "text 1"));
    assert_eq!(audit(&ledger, &transcript).duplicated, 1);
}
