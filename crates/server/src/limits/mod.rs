//! Bounds on what one client can make the server do, so that hostile traffic cannot starve
//! honest customers.
//!
//! The bounds live where they bite: request headers in the accept loop ([`accept`]), open
//! sockets and new conversations per address here ([`Limits`], shared through the app state),
//! frames per second and silence per socket in the session ([`FrameGate`], [`Liveness`]), and
//! the length of what the matcher reads at its call site ([`matcher_prefix`]). Every number
//! comes from [`crate::ServerConfig`]; `docs/protocol.md` lists them with their defaults.
//!
//! Not here: total sessions (`max_sessions`, checked at upgrade), message size and outbound
//! buffers (given to the websocket layer at upgrade), customer text length (`protocol`).

pub(crate) mod accept;
mod bucket;
mod liveness;
mod per_ip;
mod prefix;

use std::net::IpAddr;

use tokio::time::Instant;

pub(crate) use bucket::{Admission, FrameGate};
pub(crate) use liveness::{Liveness, Verdict};
pub(crate) use per_ip::IpSlot;
pub(crate) use prefix::matcher_prefix;

use crate::config::ServerConfig;
use per_ip::{ConversationStarts, IpConnections};

/// The per-address tables of one server.
#[derive(Debug)]
pub(crate) struct Limits {
    connections: IpConnections,
    starts: ConversationStarts,
}

impl Limits {
    /// Empty tables with the bounds of `config`.
    pub(crate) fn new(config: &ServerConfig) -> Self {
        Limits {
            connections: IpConnections::new(config.max_connections_per_ip),
            starts: ConversationStarts::new(config.new_conversations_per_ip_per_minute),
        }
    }

    /// A slot for one more customer socket from `ip`; `None` when it has its maximum.
    pub(crate) fn connect(&self, ip: IpAddr) -> Option<IpSlot> {
        self.connections.acquire(ip)
    }

    /// Whether `ip` may start a new conversation now (counted if so).
    pub(crate) fn start_conversation(&self, ip: IpAddr) -> bool {
        self.starts.try_start(ip, Instant::now())
    }
}
