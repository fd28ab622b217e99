//! Agents and agent sessions, checked under every backend.
//!
//! Properties checked:
//! 1. an agent reads back as put, `put_agent` replaces, and agents are listed by name;
//! 2. agent names outside `[a-z0-9_.-]+` are refused and nothing is written;
//! 3. sessions read back under their token hash, are replaced by a put and gone after
//!    `remove_agent_session`; a session for an unknown agent is `NotFound`;
//! 4. `remove_agent` says whether the agent existed and drops its sessions, not others';
//! 5. a login racing with the agent's removal never leaves a session behind.

use std::sync::{Arc, mpsc};
use std::thread;

use relais_store::{AgentRecord, AgentSession, Store, StoreError};

pub(crate) fn agent(name: &str, epoch: u64) -> AgentRecord {
    AgentRecord {
        name: name.to_owned(),
        display_name: format!("<b>{name}</b>"),
        langs: vec!["fr".to_owned(), "en".to_owned()],
        skills: vec!["billing".to_owned()],
        capacity: 3,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        epoch,
        created_ms: 1_700_000_000_000,
    }
}

pub(crate) fn session(agent: &str, epoch: u64) -> AgentSession {
    AgentSession {
        agent: agent.to_owned(),
        epoch,
        expires_ms: 1_700_043_200_000,
    }
}

pub(crate) fn put_agent(store: &dyn Store, record: &AgentRecord) {
    store.put_agent(record).unwrap().wait().unwrap();
}

pub(crate) fn put_session(store: &dyn Store, token_hash: &str, s: &AgentSession) {
    store
        .put_agent_session(token_hash, s)
        .unwrap()
        .wait()
        .unwrap();
}

store_test!(
    agents_read_back_are_replaced_and_listed_by_name,
    |store: &Arc<dyn Store>| {
        assert!(store.agents().unwrap().is_empty());
        for name in ["zoe", "alice", "bob.m"] {
            put_agent(store.as_ref(), &agent(name, 1));
        }
        assert_eq!(store.agent("alice").unwrap(), Some(agent("alice", 1)));
        assert_eq!(store.agent("carol").unwrap(), None);
        let mut changed = agent("alice", 2);
        changed.langs = vec!["en".to_owned()];
        changed.capacity = 5;
        put_agent(store.as_ref(), &changed);
        assert_eq!(store.agent("alice").unwrap(), Some(changed.clone()));
        assert_eq!(
            store.agents().unwrap(),
            vec![changed, agent("bob.m", 1), agent("zoe", 1)]
        );
    }
);

store_test!(bad_agent_names_are_refused, |store: &Arc<dyn Store>| {
    for bad in ["", "Alice", "al ice", "élodie", "a/b", "a\0b"] {
        assert!(
            matches!(
                store.put_agent(&agent(bad, 1)),
                Err(StoreError::InvalidInput(_))
            ),
            "{bad:?} accepted"
        );
    }
    assert!(store.agents().unwrap().is_empty());
    assert!(matches!(store.agent(""), Err(StoreError::InvalidInput(_))));
});

store_test!(sessions_are_stored_replaced_and_removed, |store: &Arc<
    dyn Store,
>| {
    assert!(matches!(
        store.put_agent_session("h1", &session("ghost", 1)),
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.agent_session("h1").unwrap(), None);
    put_agent(store.as_ref(), &agent("alice", 1));
    put_session(store.as_ref(), "h1", &session("alice", 1));
    put_session(store.as_ref(), "h2", &session("alice", 1));
    assert_eq!(
        store.agent_session("h1").unwrap(),
        Some(session("alice", 1))
    );
    put_session(store.as_ref(), "h1", &session("alice", 2));
    assert_eq!(
        store.agent_session("h1").unwrap(),
        Some(session("alice", 2))
    );
    store.remove_agent_session("h1").unwrap().wait().unwrap();
    assert_eq!(store.agent_session("h1").unwrap(), None);
    assert_eq!(
        store.agent_session("h2").unwrap(),
        Some(session("alice", 1))
    );
    // Logging out twice is harmless.
    store.remove_agent_session("h1").unwrap().wait().unwrap();
    assert!(matches!(
        store.agent_session(""),
        Err(StoreError::InvalidInput(_))
    ));
});

store_test!(remove_agent_drops_its_sessions_only, |store: &Arc<
    dyn Store,
>| {
    put_agent(store.as_ref(), &agent("alice", 1));
    put_agent(store.as_ref(), &agent("bob", 1));
    put_session(store.as_ref(), "a1", &session("alice", 1));
    put_session(store.as_ref(), "a2", &session("alice", 1));
    put_session(store.as_ref(), "b1", &session("bob", 1));
    let (existed, durable) = store.remove_agent("alice").unwrap();
    durable.wait().unwrap();
    assert!(existed);
    assert_eq!(store.agent("alice").unwrap(), None);
    assert_eq!(store.agent_session("a1").unwrap(), None);
    assert_eq!(store.agent_session("a2").unwrap(), None);
    assert_eq!(store.agent_session("b1").unwrap(), Some(session("bob", 1)));
    assert_eq!(store.agents().unwrap(), vec![agent("bob", 1)]);
    let (existed, durable) = store.remove_agent("alice").unwrap();
    durable.wait().unwrap();
    assert!(!existed);
    // Re-added under the same name, the agent inherits nothing.
    put_agent(store.as_ref(), &agent("alice", 1));
    assert_eq!(store.agent_session("a1").unwrap(), None);
});

store_test!(a_login_racing_a_removal_leaves_no_session, |store: &Arc<
    dyn Store,
>| {
    const ROUNDS: usize = 20;
    for round in 0..ROUNDS {
        put_agent(store.as_ref(), &agent("alice", 1));
        let (first_granted, granted_rx) = mpsc::channel();
        let login = {
            let store = Arc::clone(store);
            thread::spawn(move || {
                // Logs in until the agent is gone; returns every hash it was granted.
                let mut granted = Vec::new();
                for n in 0.. {
                    let hash = format!("r{round}-{n}");
                    match store.put_agent_session(&hash, &session("alice", 1)) {
                        Ok(durable) => {
                            durable.wait().unwrap();
                            granted.push(hash);
                            // Only the first send matters; later ones find nobody.
                            let _ = first_granted.send(());
                        }
                        Err(StoreError::NotFound) => return granted,
                        Err(other) => panic!("login failed: {other}"),
                    }
                }
                granted
            })
        };
        // Let at least one login through before removing, so there is something to drop.
        granted_rx.recv().unwrap();
        store.remove_agent("alice").unwrap().1.wait().unwrap();
        for hash in login.join().unwrap() {
            assert_eq!(
                store.agent_session(&hash).unwrap(),
                None,
                "session {hash} outlived its agent's removal"
            );
        }
    }
});
