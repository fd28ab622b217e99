//! Advisor authentication over the in-memory store:
//! 1. a right password gives a token that authenticates; a wrong one or an unknown name
//!    gives the same refusal;
//! 2. five failures lock the name out, even for the right password, until the window moves;
//! 3. changing the agent (epoch) or the token's age revokes it, and so does logout;
//! 4. tokens are taken from the Bearer header or the cookie, never the URL, and only
//!    well-formed;
//! 5. the cookie is HttpOnly and SameSite=Strict, and Secure when the page is served over https.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use relais_store::{AgentRecord, MemoryStore, Store};

use super::login as log_in;
use super::*;
use crate::config::ServerConfig;
use crate::test_support::app_with;

const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

fn alice(password_hash: String, epoch: u64) -> AgentRecord {
    AgentRecord {
        name: "alice".into(),
        display_name: "Alice".into(),
        langs: vec!["fr".into()],
        skills: vec!["billing".into()],
        capacity: 3,
        password_hash,
        epoch,
        created_ms: 0,
    }
}

async fn app_with_alice(config: ServerConfig) -> (AppState, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    let hash = password::hash_cheaply("s3cret");
    store.put_agent(&alice(hash, 1)).unwrap().await.unwrap();
    (app_with(store.clone(), config), store)
}

#[tokio::test]
async fn the_right_password_gives_a_working_token_and_wrong_ones_the_same_refusal() {
    let (app, _) = app_with_alice(ServerConfig::default()).await;
    let login = log_in(&app, "alice", "s3cret", IP).await.unwrap();
    assert!(crate::ids::is_token(&login.token));
    let agent = agent_of(&app, &hash_token(&login.token)).unwrap().unwrap();
    assert_eq!(agent.name, "alice");
    for (name, password) in [("alice", "nope"), ("mallory", "s3cret"), ("Bad Name!", "x")] {
        let err = log_in(&app, name, password, IP).await.err().unwrap();
        assert!(matches!(err, LoginError::BadCredentials), "{name}: {err}");
    }
    assert!(
        agent_of(&app, &hash_token("not a token"))
            .unwrap()
            .is_none()
    );
}

#[tokio::test(start_paused = true)]
async fn five_failures_lock_the_name_even_for_the_right_password() {
    let (app, _) = app_with_alice(ServerConfig::default()).await;
    for _ in 0..limiter::MAX_FAILURES {
        let other_ip = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 9)));
        assert!(matches!(
            log_in(&app, "alice", "guess", other_ip).await,
            Err(LoginError::BadCredentials)
        ));
    }
    match log_in(&app, "alice", "s3cret", IP).await {
        Err(LoginError::RateLimited(wait)) => assert!(wait <= limiter::WINDOW),
        other => panic!(
            "expected a rate limit, got {:?}",
            other.map(|l| l.agent.name)
        ),
    }
    tokio::time::advance(limiter::WINDOW).await;
    assert!(
        log_in(&app, "alice", "s3cret", IP).await.is_ok(),
        "the window moved on"
    );
}

#[tokio::test]
async fn epoch_age_and_logout_revoke_tokens() {
    let (app, store) = app_with_alice(ServerConfig::default()).await;
    let token = log_in(&app, "alice", "s3cret", IP).await.unwrap().token;
    let hash = hash_token(&token);
    assert!(agent_of(&app, &hash).unwrap().is_some());
    let changed = alice(password::hash_cheaply("s3cret"), 2);
    store.put_agent(&changed).unwrap().await.unwrap();
    assert!(
        agent_of(&app, &hash).unwrap().is_none(),
        "the epoch moved on"
    );

    let token = log_in(&app, "alice", "s3cret", IP).await.unwrap().token;
    assert!(agent_of(&app, &hash_token(&token)).unwrap().is_some());
    store
        .remove_agent_session(&hash_token(&token))
        .unwrap()
        .await
        .unwrap();
    assert!(
        agent_of(&app, &hash_token(&token)).unwrap().is_none(),
        "logged out"
    );

    let expired = ServerConfig {
        agent_token_ttl: Duration::ZERO,
        ..ServerConfig::default()
    };
    let (app, _) = app_with_alice(expired).await;
    let token = log_in(&app, "alice", "s3cret", IP).await.unwrap().token;
    assert!(
        agent_of(&app, &hash_token(&token)).unwrap().is_none(),
        "expired"
    );
}

#[test]
fn tokens_come_from_bearer_or_cookie_never_the_url_and_must_be_well_formed() {
    let token = "a".repeat(64);
    let other = "b".repeat(64);
    let mut headers = HeaderMap::new();
    assert_eq!(token_from(&headers), None);
    headers.insert(
        header::COOKIE,
        HeaderValue::from_str(&format!("theme=dark; relais_agent={other}")).unwrap(),
    );
    assert_eq!(token_from(&headers), Some(other.as_str()));
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    assert_eq!(
        token_from(&headers),
        Some(token.as_str()),
        "the header comes first"
    );
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Bearer nope"),
    );
    assert_eq!(
        token_from(&headers),
        Some(other.as_str()),
        "malformed ones are skipped"
    );
}

#[test]
fn cookies_are_http_only_strict_and_secure_over_https() {
    let token = "a".repeat(64);
    let ttl = Duration::from_secs(60);
    let plain = login_cookie(&token, ttl, false);
    assert_eq!(
        plain,
        format!("relais_agent={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=60")
    );
    assert_eq!(login_cookie(&token, ttl, true), format!("{plain}; Secure"));
    assert!(logout_cookie(false).ends_with("Max-Age=0"));
    assert!(logout_cookie(true).ends_with("Max-Age=0; Secure"));
}
