//! The network edge of Relais: an axum server carrying out the dialogue engine's decisions.
//!
//! It owns the customer and advisor websocket protocols (`docs/protocol.md`), one task per
//! session, the per-conversation fan-out of events to every socket of a conversation, the live
//! handoff to human advisors (queue, ownership, advisor panel API, admin API), the static demo
//! page, widget and panel, and graceful shutdown. A message is acknowledged only once the
//! store says it is durable, and the `ack` always precedes the reply.
//!
//! Key design decisions: sessions hold no conversation state of their own. The store holds the
//! transcript, the dialogue state and who owns the conversation (bot, queue or one advisor); a
//! session only remembers the last seq it sent, so resume, a second tab and a restart all
//! replay from the same source of truth. The advisor queue is an actor: one task decides every
//! change of hands, so two advisors can never both win a chat.
//!
//! What it deliberately does not do: understand text (`relais-nlu`), decide replies
//! (`relais-engine`), or persist anything itself (`relais-store`); nor read the environment or
//! the command line (the `relais` binary resolves a [`ServerConfig`]).

mod admin;
mod admin_dashboard;
mod agent_api;
mod agent_protocol;
mod agent_session;
mod aggregates;
mod analytics_feed;
mod api_error;
mod auth;
mod callback;
mod canned;
mod chat_feed;
mod config;
mod conversation;
mod error;
mod faq;
#[doc(hidden)]
pub mod fuzzing;
mod handoff;
mod headers;
mod hours;
mod http;
mod hub;
mod ids;
mod inbox;
mod knowledge;
mod limits;
#[cfg(test)]
mod log_audit_test;
mod metrics;
mod origin;
mod ownership;
mod protocol;
mod queue;
mod reload;
pub mod retention;
mod session;
mod state;
mod stored_state;
mod suggest;
mod survey;
#[cfg(test)]
mod test_support;
mod texts;
mod transcript;
mod transcript_download;

use std::future::Future;

pub use admin::{ADMIN_FILE, AdminFile};
pub use admin_dashboard::{
    ADMIN_PASSWORD_FILE, AdminPasswordError, SESSION_TTL, set_admin_password,
};
pub use aggregates::{
    PERSIST_EVERY, Since, SinceError, daily_aggregates, replace_daily, with_aggregates,
};
pub use analytics_feed::{conversation_events, rebuild_from_store};
pub use canned::{Canned, CannedError, default_canned, load_canned};
pub use config::{OpeningHours, ServerConfig};
pub use error::ErrorCode;
pub use faq::{SOURCE_AUTHOR, SOURCE_CORPUS, SeedReport, seed_faq};
pub use hours::OpeningHoursError;
pub use http::app;
pub use ids::RandomnessError;
pub use knowledge::{IntentMeta, Knowledge};
pub use origin::{Origin, OriginError};
pub use reload::{CorpusRefused, CorpusSource, LoadedCorpus};
pub use state::AppState;

/// Serves `state` on `listener` until `shutdown` resolves, then closes every websocket session
/// with a close frame (waiting at most the configured grace period), flushes the store and
/// returns.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let retention = retention::spawn(&state);
    let signal_state = state.clone();
    // Not `axum::serve`: it sets no deadline on request headers (see `limits::accept`).
    limits::accept::serve(
        listener,
        app(state.clone()),
        state.config().handshake_timeout,
        async move {
            shutdown.await;
            signal_state.begin_shutdown();
        },
    )
    .await;
    // Upgraded sockets escape axum's graceful shutdown: wait for the sessions ourselves.
    state.begin_shutdown();
    if !state.wait_for_sessions().await {
        tracing::warn!(
            remaining = state.session_count(),
            "some websocket sessions did not close within the grace period"
        );
    }
    // A purge in progress finishes before the last flush.
    if let Some(retention) = retention
        && let Err(err) = retention.await
    {
        tracing::error!(error = %err, "the retention task failed");
    }
    // Everything acknowledged is already durable; this covers writes that await nothing.
    if let Err(err) = state.store().flush().await {
        tracing::error!(error = %err, "final store flush failed");
    }
    Ok(())
}
