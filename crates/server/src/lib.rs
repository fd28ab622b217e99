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
mod agent_api;
mod agent_protocol;
mod agent_session;
mod api_error;
mod auth;
mod callback;
mod canned;
mod chat_feed;
mod config;
mod conversation;
mod error;
mod faq;
mod handoff;
mod hours;
mod http;
mod hub;
mod ids;
mod knowledge;
mod ownership;
mod protocol;
mod queue;
mod session;
mod state;
mod stored_state;
mod suggest;
#[cfg(test)]
mod test_support;
mod texts;
mod transcript;

use std::future::Future;
use std::net::SocketAddr;

use axum::serve::ListenerExt;

pub use admin::{ADMIN_FILE, AdminFile};
pub use canned::{Canned, CannedError, default_canned, load_canned};
pub use config::{OpeningHours, ServerConfig};
pub use error::ErrorCode;
pub use faq::{SOURCE_AUTHOR, SOURCE_CORPUS, SeedReport, seed_faq};
pub use hours::OpeningHoursError;
pub use http::app;
pub use ids::RandomnessError;
pub use knowledge::{IntentMeta, Knowledge};
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
    // A turn is two small frames (`ack`, then `bot`): with Nagle's algorithm on, the second
    // waits for the client's delayed ACK, about 40 ms (measured: docs/benchmarks.md, "Load").
    let listener = listener.tap_io(|tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(error = %err, "cannot set TCP_NODELAY");
        }
    });
    axum::serve(
        listener,
        app(state.clone()).into_make_service_with_connect_info::<SocketAddr>(),
    )
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
