//! The queue's rules on plain values:
//! 1. serving order is priority first, then arrival; positions count the same language only;
//! 2. routing: language and skill must match, a named advisor who is present gets the chat;
//! 3. the estimated wait is position × mean handling time ÷ free capacity (at least 1), and the
//!    mean follows closed chats;
//! 4. exactly one advisor wins a claim, within their capacity;
//! 5. a disconnected advisor keeps their chats until the grace period ends.

use std::time::Duration;

use relais_store::QueueEntry;
use tokio::time::Instant;

use super::*;

fn entry(id: &str, order: u64, lang: &str, skill: Option<&str>, priority: u8) -> QueueEntry {
    QueueEntry {
        conversation: id.into(),
        order,
        lang: lang.into(),
        skill: skill.map(Into::into),
        priority,
        requested_agent: None,
        reason: "explicit".into(),
        enqueued_ms: 0,
        context: serde_json::json!({}),
    }
}

fn agent(name: &str, langs: &[&str], skills: &[&str], capacity: u32) -> AgentInfo {
    AgentInfo {
        name: name.into(),
        display_name: name.to_uppercase(),
        langs: langs.iter().map(|s| (*s).into()).collect(),
        skills: skills.iter().map(|s| (*s).into()).collect(),
        capacity,
    }
}

fn book() -> Book {
    Book::new(Duration::from_secs(240))
}

#[test]
fn serving_order_is_priority_then_arrival_and_positions_are_per_language() {
    let mut book = book();
    book.enqueue(entry("a", 1, "fr", None, 0));
    book.enqueue(entry("b", 2, "en", None, 0));
    book.enqueue(entry("c", 3, "fr", None, 1));
    book.enqueue(entry("d", 4, "fr", None, 0));
    let order: Vec<&str> = book.waiting().map(|e| e.conversation.as_str()).collect();
    assert_eq!(order, ["c", "a", "b", "d"]);
    assert_eq!(book.position("c").map(|p| p.0), Some(1));
    assert_eq!(book.position("a").map(|p| p.0), Some(2));
    assert_eq!(
        book.position("b").map(|p| p.0),
        Some(1),
        "English has its own line"
    );
    assert_eq!(book.position("d").map(|p| p.0), Some(3));
    let all: Vec<(&str, u64)> = book
        .positions()
        .into_iter()
        .map(|(id, p, _)| (id, p))
        .collect();
    assert_eq!(all, [("c", 1), ("a", 2), ("b", 1), ("d", 3)]);
    assert_eq!(
        book.prospect(&entry("x", 0, "fr", None, 1)).0,
        2,
        "behind c, ahead of a"
    );
    assert_eq!(book.dequeue("a").map(|e| e.order), Some(1));
    assert_eq!(book.position("d").map(|p| p.0), Some(2));
}

#[test]
fn routing_respects_language_skill_and_named_advisors() {
    let mut book = book();
    let fr_billing = agent("alice", &["fr"], &["billing"], 3);
    let en_only = agent("bob", &["en"], &["billing", "technical"], 3);
    book.connect(fr_billing.clone());
    book.connect(en_only.clone());
    let billing_fr = entry("a", 1, "fr", Some("billing"), 0);
    let technical_fr = entry("b", 2, "fr", Some("technical"), 0);
    let plain_en = entry("c", 3, "en", None, 0);
    assert!(book.may_take(&fr_billing, &billing_fr));
    assert!(
        !book.may_take(&en_only, &billing_fr),
        "a French customer is not routed to bob"
    );
    assert!(!book.may_take(&fr_billing, &technical_fr), "skill missing");
    assert!(book.may_take(&en_only, &plain_en));
    assert!(book.anyone_covers("fr", None));
    assert!(!book.anyone_covers("fr", Some("technical")));

    let mut named = entry("d", 4, "en", None, 0);
    named.requested_agent = Some("alice".into());
    assert!(
        book.may_take(&fr_billing, &named),
        "named advisors get it whatever the language"
    );
    assert!(
        !book.may_take(&en_only, &named),
        "and nobody else while they are present"
    );
    named.requested_agent = Some("carol".into());
    assert!(
        book.may_take(&en_only, &named),
        "an absent advisor's name does not block"
    );

    book.enqueue(billing_fr);
    book.enqueue(technical_fr);
    book.enqueue(plain_en);
    let alice: Vec<(&str, u64)> = book
        .items_for("alice")
        .into_iter()
        .map(|(e, p)| (e.conversation.as_str(), p))
        .collect();
    assert_eq!(alice, [("a", 1)]);
    assert_eq!(
        book.find_connected("ALICE").map(|a| a.name.as_str()),
        Some("alice"),
        "display names match case-insensitively"
    );
}

#[test]
fn the_wait_is_position_times_mean_handling_over_free_capacity() {
    let mut book = book();
    let queued = entry("a", 1, "fr", None, 0);
    assert_eq!(
        book.eta_s(&queued, 1),
        240,
        "nobody online: capacity counts as 1"
    );
    book.connect(agent("alice", &["fr"], &[], 2));
    book.connect(agent("bob", &["fr"], &[], 1));
    book.connect(agent("eve", &["en"], &[], 5));
    assert_eq!(book.eta_s(&queued, 3), 240, "3 × 240 s over 3 free slots");
    assert_eq!(book.eta_s(&queued, 1), 80);

    let now = Instant::now();
    book.enqueue(queued);
    book.claim("alice", "a", now).unwrap();
    assert_eq!(
        book.eta_s(&entry("b", 2, "fr", None, 0), 1),
        120,
        "2 free slots left"
    );
    book.release("alice", "a", true, now + Duration::from_secs(60))
        .unwrap();
    assert_eq!(
        book.mean_handling(),
        Duration::from_secs(60),
        "measured from closed chats"
    );
    assert_eq!(book.eta_s(&entry("b", 2, "fr", None, 0), 1), 20);
}

#[test]
fn exactly_one_advisor_wins_a_claim_within_capacity() {
    let mut book = book();
    let now = Instant::now();
    book.connect(agent("alice", &["fr"], &[], 1));
    book.connect(agent("bob", &["fr"], &[], 1));
    book.connect(agent("eve", &["en"], &[], 1));
    book.enqueue(entry("a", 1, "fr", None, 0));
    book.enqueue(entry("b", 2, "fr", None, 0));
    assert_eq!(book.claim("eve", "a", now), Err(Refusal::NotEligible));
    assert!(book.claim("alice", "a", now).is_ok());
    assert_eq!(book.claim("bob", "a", now), Err(Refusal::AlreadyTaken));
    assert_eq!(book.claim("alice", "b", now), Err(Refusal::AtCapacity));
    assert_eq!(book.claim("bob", "zzz", now), Err(Refusal::NotFound));
    assert_eq!(book.holder("a"), Some("alice"));
    assert_eq!(
        book.release("bob", "a", true, now).err(),
        Some(Refusal::NotOwner)
    );
    book.unclaim("a", true);
    assert!(book.is_waiting("a"), "a failed write puts the chat back");
    assert_eq!(book.holder("a"), None);
}

#[test]
fn a_disconnected_advisor_keeps_chats_until_the_grace_period_ends() {
    let mut book = book();
    let now = Instant::now();
    let grace = Duration::from_secs(60);
    book.connect(agent("alice", &["fr"], &[], 3));
    book.enqueue(entry("a", 1, "fr", None, 0));
    book.claim("alice", "a", now).unwrap();
    book.disconnect("alice", now + grace);
    assert_eq!(book.next_deadline(), Some(now + grace));
    assert!(
        !book.anyone_covers("fr", None),
        "away advisors take nothing new"
    );
    assert!(book.expire(now + grace - Duration::from_secs(1)).is_empty());
    assert_eq!(
        book.connect(agent("alice", &["fr"], &[], 3)),
        ["a"],
        "back in time"
    );
    assert_eq!(book.next_deadline(), None);
    book.disconnect("alice", now + 2 * grace);
    let returned = book.expire(now + 2 * grace);
    assert_eq!(returned.len(), 1);
    assert_eq!(returned[0].entry.conversation, "a");
    assert_eq!(book.holder("a"), None);
    assert!(book.connect(agent("alice", &["fr"], &[], 3)).is_empty());
}
