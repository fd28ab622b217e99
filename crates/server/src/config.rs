//! The server's tunables, as one plain struct with safe defaults.
//!
//! The binary resolves command-line flags and environment variables into a [`ServerConfig`];
//! this crate never reads the environment itself.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::hours::OpeningHours;
use crate::origin::Origin;

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
    /// Most customer websocket sessions from one client address; further upgrades are
    /// refused with 429.
    pub max_connections_per_ip: usize,
    /// New conversations one client address may start per minute (bursts of as many); a
    /// `hello` over it gets `too_many_conversations` (resuming is not limited).
    pub new_conversations_per_ip_per_minute: u32,
    /// Frames a customer socket may send per second on average (pings and pongs included).
    pub frames_per_second: u32,
    /// Frames a customer socket may send in a burst; a frame over the rate is dropped, the
    /// first of a row with a `rate_limited` error.
    pub frame_burst: u32,
    /// Frames dropped in a row for the rate after which the socket is closed with 1008.
    pub max_dropped_frames: u32,
    /// How long a client has for its request headers (websocket upgrade included) and then
    /// for its `hello`; also how long a keep-alive HTTP connection may sit idle.
    pub handshake_timeout: Duration,
    /// How long a customer socket may stay silent (no frame, not even a pong) before it is
    /// closed; the server pings after a third of it, which browsers answer by themselves.
    pub idle_timeout: Duration,
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
    /// How long a customer may stay silent, with the widget open, before the chat counts as
    /// ended and the effort survey is asked; `None`: never.
    pub survey_after_idle: Option<Duration>,
    /// Sites besides the server's own pages allowed to open the customer websocket from a
    /// browser (the sites embedding the widget); advisor and admin endpoints never allow them.
    pub allowed_origins: Vec<Origin>,
    /// How long a conversation is kept after its last event before it is purged (checked
    /// hourly); `None`: kept forever. Daily aggregates are never purged.
    pub retention: Option<Duration>,
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
            max_connections_per_ip: 100,
            new_conversations_per_ip_per_minute: 30,
            frames_per_second: 5,
            frame_burst: 30,
            max_dropped_frames: 20,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(90),
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
            survey_after_idle: Some(Duration::from_secs(600)),
            allowed_origins: Vec::new(),
            retention: Some(Duration::from_secs(365 * 86_400)),
        }
    }
}
