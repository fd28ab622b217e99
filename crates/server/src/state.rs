//! The state shared by every request and session: a cheap handle over one `Arc`.

use std::sync::Arc;

use relais_engine::Engine;
use relais_store::Store;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::Auth;
use crate::config::ServerConfig;
use crate::hub::Hub;
use crate::ids::{RandomnessError, new_token};
use crate::knowledge::Knowledge;
use crate::limits::Limits;
use crate::ownership::Ownership;
use crate::queue::{Actor, ActorParts, MAILBOX, QueueHandle};
use crate::reload::{CorpusSource, LiveCorpus};

/// Everything a request or websocket session needs; clone it freely.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    /// The engine and knowledge in force, swapped as one by a reload (see `reload`).
    live: LiveCorpus,
    store: Arc<dyn Store>,
    hub: Hub,
    queue: QueueHandle,
    auth: Auth,
    /// The secret of the admin API (written to `admin.json`, compared in constant time).
    admin_token: String,
    /// Cancelled when shutdown begins; every session watches it.
    shutdown: CancellationToken,
    /// Every websocket session, so that shutdown can wait for their goodbyes.
    sessions: TaskTracker,
    /// The queue actor and its short publishing tasks, which shutdown waits for too.
    background: TaskTracker,
    /// Per-address bounds on customer sockets and new conversations.
    limits: Limits,
}

impl AppState {
    /// Assembles the state from a trained engine, the corpus knowledge and an opened store,
    /// and starts the advisor queue (which rebuilds itself from the store). Must be called
    /// within a tokio runtime.
    pub fn new(
        config: ServerConfig,
        engine: Engine,
        knowledge: Knowledge,
        store: Arc<dyn Store>,
    ) -> Result<AppState, RandomnessError> {
        let hub = Hub::new(config.hub_capacity);
        let limits = Limits::new(&config);
        let shutdown = CancellationToken::new();
        let sessions = TaskTracker::new();
        let background = TaskTracker::new();
        let (tx, mailbox) = mpsc::channel(MAILBOX);
        let actor = Actor::new(
            ActorParts {
                ownership: Ownership::new(Arc::clone(&store), hub.clone()),
                hub: hub.clone(),
                tasks: background.clone(),
                shutdown: shutdown.clone(),
                config: config.clone(),
            },
            mailbox,
        );
        background.spawn(actor.run());
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                live: LiveCorpus::new(engine, knowledge),
                store,
                hub,
                queue: QueueHandle::new(tx),
                auth: Auth::default(),
                admin_token: new_token()?,
                shutdown,
                sessions,
                background,
                limits,
            }),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The store behind every conversation.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The admin API's bearer token (also written to `<data>/admin.json` by [`crate::run`]).
    pub fn admin_token(&self) -> &str {
        &self.inner.admin_token
    }

    /// Tells every session to close and stops accepting new ones.
    pub fn begin_shutdown(&self) {
        self.inner.shutdown.cancel();
    }

    /// Whether shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.shutdown.is_cancelled()
    }

    /// Waits (at most the configured grace period) for every session to end; `false` when
    /// some were still running.
    pub async fn wait_for_sessions(&self) -> bool {
        let (sessions, background) = (&self.inner.sessions, &self.inner.background);
        sessions.close();
        background.close();
        let both = async {
            sessions.wait().await;
            background.wait().await;
        };
        let ended = tokio::time::timeout(self.inner.config.shutdown_grace, both).await;
        ended.is_ok()
    }

    /// How many websocket sessions are running.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    /// Sets where `POST /api/admin/reload` reads the corpus from; `false` if already set.
    pub fn set_corpus_source(&self, source: Arc<dyn CorpusSource>) -> bool {
        self.inner.live.set_source(source)
    }

    /// The engine in force (a reload may swap it between two turns).
    pub(crate) fn engine(&self) -> Arc<Engine> {
        Arc::clone(&self.inner.live.get().engine)
    }

    /// The corpus knowledge in force (a reload may swap it between two turns).
    pub(crate) fn knowledge(&self) -> Arc<Knowledge> {
        Arc::clone(&self.inner.live.get().knowledge)
    }

    pub(crate) fn live_corpus(&self) -> &LiveCorpus {
        &self.inner.live
    }

    pub(crate) fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub(crate) fn queue(&self) -> &QueueHandle {
        &self.inner.queue
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    pub(crate) fn sessions(&self) -> &TaskTracker {
        &self.inner.sessions
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .field("sessions", &self.inner.sessions.len())
            .finish_non_exhaustive()
    }
}
