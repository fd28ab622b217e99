//! Websocket buffer sizes: the flags shared by the echo server and the client side.
//!
//! tungstenite allocates its read buffer eagerly (128 KiB by default) and grows its write
//! buffer up to `write_buffer_size` before writing, which dominates the memory of an idle
//! connection. The echo server must use the same sizes as the Relais server for the
//! comparison to be fair, hence flags rather than constants; the defaults are the Relais
//! server's (`relais_server::ServerConfig::default`).

use std::fmt;

use serde::Serialize;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Buffer sizes of one side's websocket connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::Args)]
pub(crate) struct WsBuffers {
    /// Read buffer capacity per connection, in bytes (allocated up front).
    #[arg(long, default_value_t = 4096)]
    pub(crate) read_buffer: usize,
    /// Bytes buffered before a write reaches the socket (a flush always writes through).
    #[arg(long, default_value_t = 4096)]
    pub(crate) write_buffer: usize,
    /// Largest write buffer before sends fail, in bytes.
    #[arg(long, default_value_t = 131_072)]
    pub(crate) max_write_buffer: usize,
    /// Largest accepted incoming message, in bytes.
    #[arg(long, default_value_t = 65_536)]
    pub(crate) max_message: usize,
}

impl WsBuffers {
    /// The tungstenite configuration with these sizes.
    pub(crate) fn config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(self.read_buffer)
            .write_buffer_size(self.write_buffer)
            .max_write_buffer_size(self.max_write_buffer)
            .max_message_size(Some(self.max_message))
            .max_frame_size(Some(self.max_message))
    }

    /// The same sizes as command-line flags, to start another process with them.
    pub(crate) fn to_args(self) -> Vec<String> {
        vec![
            format!("--read-buffer={}", self.read_buffer),
            format!("--write-buffer={}", self.write_buffer),
            format!("--max-write-buffer={}", self.max_write_buffer),
            format!("--max-message={}", self.max_message),
        ]
    }
}

impl fmt::Display for WsBuffers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {} B, write {} B, max write {} B, max message {} B",
            self.read_buffer, self.write_buffer, self.max_write_buffer, self.max_message
        )
    }
}

/// Client-side buffer sizes: small, so that 10,000 sessions fit in the load generator.
pub(crate) const CLIENT_BUFFERS: WsBuffers = WsBuffers {
    read_buffer: 4096,
    write_buffer: 0,
    max_write_buffer: 65_536,
    max_message: 65_536,
};

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Flags {
        #[command(flatten)]
        buffers: WsBuffers,
    }

    #[test]
    fn flags_round_trip_through_to_args() {
        let buffers = WsBuffers {
            read_buffer: 1,
            write_buffer: 2,
            max_write_buffer: 3,
            max_message: 4,
        };
        let argv = std::iter::once("x".to_owned()).chain(buffers.to_args());
        assert_eq!(Flags::parse_from(argv).buffers, buffers);
    }

    #[test]
    fn config_carries_every_size() {
        let config = CLIENT_BUFFERS.config();
        assert_eq!(config.read_buffer_size, 4096);
        assert_eq!(config.write_buffer_size, 0);
        assert_eq!(config.max_write_buffer_size, 65_536);
        assert_eq!(config.max_message_size, Some(65_536));
    }
}
