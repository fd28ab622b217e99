//! The server's tunables, as one plain struct with safe defaults.
//!
//! The binary resolves command-line flags and environment variables into a [`ServerConfig`];
//! this crate never reads the environment itself.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::hours::OpeningHours;

/// Everything the server can be tuned with; [`ServerConfig::default`] is a sound production
/// choice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Directory of the static files (`index.html`, `widget.js`, ...) served under `/`.
    pub web_dir: PathBuf,
    /// Longest customer text accepted, in Unicode scalar values; longer texts get `text_too_long`.
    pub max_text_chars: usize,
    /// Largest websocket message or frame accepted, in bytes; a larger one ends the connection.
    pub max_message_bytes: usize,
    /// Size of a session's websocket read chunk, in bytes (idle memory grows with it).
    pub read_buffer_size: usize,
    /// Bytes buffered before a websocket write reaches the socket.
    pub write_buffer_size: usize,
    /// Most bytes a session may have waiting to be written before sends fail.
    pub max_write_buffer_size: usize,
    /// Most websocket sessions at once; further upgrades are refused with 503.
    pub max_sessions: usize,
    /// Capacity of each conversation's event channel; a slower socket catches up from the store.
    pub hub_capacity: usize,
    /// How long one frame may take to reach a client before the session is dropped.
    pub send_timeout: Duration,
    /// How long shutdown waits for sessions to say goodbye before giving up on them.
    pub shutdown_grace: Duration,
    /// The data directory, where [`crate::AdminFile`] writes `admin.json` (the admin API's
    /// address and token); `None` writes nothing.
    pub data_dir: Option<PathBuf>,
    /// How long a disconnected advisor keeps their chats before they go back to the head of
    /// the queue.
    pub agent_grace: Duration,
    /// How long an advisor's login token stays valid.
    pub agent_token_ttl: Duration,
    /// When advisors chat live; outside these hours a handoff offers the callback form.
    /// `None`: always open (whenever an advisor is online).
    pub opening_hours: Option<OpeningHours>,
    /// Longest estimated wait offered; above it a handoff offers the callback form instead.
    pub max_wait: Option<Duration>,
    /// Most conversations waiting at once; beyond it a handoff offers the callback form.
    pub max_queue: usize,
    /// Mean handling time of a chat assumed until closed chats give a measure.
    pub default_handling_time: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            web_dir: PathBuf::from("web"),
            max_text_chars: 2_000,
            max_message_bytes: 64 * 1024,
            read_buffer_size: 4 * 1024,
            write_buffer_size: 4 * 1024,
            max_write_buffer_size: 128 * 1024,
            max_sessions: 50_000,
            hub_capacity: 16,
            send_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(5),
            data_dir: None,
            agent_grace: Duration::from_secs(60),
            agent_token_ttl: Duration::from_secs(12 * 3600),
            opening_hours: None,
            max_wait: None,
            max_queue: 10_000,
            default_handling_time: Duration::from_secs(240),
        }
    }
}
