//! The state shared by every request and session: a cheap handle over one `Arc`.

use std::sync::Arc;

use relais_engine::Engine;
use relais_store::Store;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::hub::Hub;

/// Everything a request or websocket session needs; clone it freely.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServerConfig,
    engine: Engine,
    store: Arc<dyn Store>,
    hub: Hub,
    /// Cancelled when shutdown begins; every session watches it.
    shutdown: CancellationToken,
    /// Every websocket session, so that shutdown can wait for their goodbyes.
    sessions: TaskTracker,
}

impl AppState {
    /// Assembles the state from a trained engine and an opened store.
    pub fn new(config: ServerConfig, engine: Engine, store: Arc<dyn Store>) -> AppState {
        let hub = Hub::new(config.hub_capacity);
        AppState {
            inner: Arc::new(Inner {
                config,
                engine,
                store,
                hub,
                shutdown: CancellationToken::new(),
                sessions: TaskTracker::new(),
            }),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The store behind every conversation.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
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
        let sessions = &self.inner.sessions;
        sessions.close();
        let ended = tokio::time::timeout(self.inner.config.shutdown_grace, sessions.wait()).await;
        ended.is_ok()
    }

    /// How many websocket sessions are running.
    pub fn session_count(&self) -> usize {
        self.inner.sessions.len()
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    pub(crate) fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    pub(crate) fn sessions(&self) -> &TaskTracker {
        &self.inner.sessions
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
