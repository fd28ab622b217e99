//! The network edge of Relais: an axum server carrying out the dialogue engine's decisions.
//!
//! It owns the customer websocket protocol (`docs/protocol.md`), one task per session, the
//! per-conversation fan-out of events to every socket of a conversation, the static demo page
//! and widget, and graceful shutdown. A customer message is acknowledged only once the store
//! says it is durable, and the `ack` always precedes the bot's reply.
//!
//! Key design decision: sessions hold no conversation state of their own. The store holds the
//! transcript and the dialogue state; a session only remembers the last seq it sent, so resume,
//! a second tab and a restart all replay from the same source of truth.
//!
//! What it deliberately does not do: understand text (`relais-nlu`), decide replies
//! (`relais-engine`), or persist anything itself (`relais-store`); nor read the environment or
//! the command line (the `relais` binary resolves a [`ServerConfig`]).

mod callback;
mod config;
mod conversation;
mod error;
mod faq;
mod http;
mod hub;
mod ids;
mod protocol;
mod session;
mod state;
mod stored_state;
#[cfg(test)]
mod test_support;
mod texts;
mod transcript;

use std::future::Future;

pub use config::ServerConfig;
pub use error::ErrorCode;
pub use faq::{SOURCE_AUTHOR, SOURCE_CORPUS, SeedReport, seed_faq};
pub use http::app;
pub use state::AppState;

/// Serves `state` on `listener` until `shutdown` resolves, then closes every websocket session
/// with a close frame (waiting at most the configured grace period), flushes the store and
/// returns.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let signal_state = state.clone();
    axum::serve(listener, app(state.clone()))
        .with_graceful_shutdown(async move {
            shutdown.await;
            signal_state.begin_shutdown();
        })
        .await?;
    // Upgraded sockets escape axum's graceful shutdown: wait for the sessions ourselves.
    state.begin_shutdown();
    if !state.wait_for_sessions().await {
        tracing::warn!(
            remaining = state.session_count(),
            "some websocket sessions did not close within the grace period"
        );
    }
    // Everything acknowledged is already durable; this covers writes that await nothing.
    if let Err(err) = state.store().flush().await {
        tracing::error!(error = %err, "final store flush failed");
    }
    Ok(())
}
