//! `relais-loadgen echo-server`: a bare tokio-tungstenite echo server, the baseline Relais is
//! measured against.
//!
//! One task per connection, each echoing text and binary messages back unchanged. It uses the
//! same buffer sizes as the Relais server (flags) so the memory and latency comparison only
//! differs by what Relais does per message. It stops by itself after `--lifetime`.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use futures_util::{SinkExt, StreamExt};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
    sync::Semaphore,
    task::JoinSet,
};
use tokio_tungstenite::tungstenite::{Message, protocol::WebSocketConfig};

use crate::{buffers::WsBuffers, duration::parse_duration};

/// Arguments of `relais-loadgen echo-server`.
#[derive(Debug, clap::Args)]
pub(crate) struct EchoArgs {
    /// Address to listen on; loopback only.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Stop after this long, whatever happens.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    lifetime: Duration,
    /// Most connections served at once; further ones wait to be accepted.
    #[arg(long, default_value_t = 20_000)]
    max_connections: usize,
    #[command(flatten)]
    buffers: WsBuffers,
}

/// The start of the line announcing the listening address, for scripts to parse.
const LISTENING_PREFIX: &str = "echo listening on ";

/// Runs the echo server until its lifetime ends or it gets Ctrl-C.
pub(crate) async fn run(args: EchoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.addr.ip().is_loopback(),
        "the echo server listens on loopback only"
    );
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("binding {}", args.addr))?;
    let addr = listener.local_addr()?;
    println!("{LISTENING_PREFIX}ws://{addr}/ws");
    println!("echo buffers: {}", args.buffers);
    let shutdown = async {
        tokio::select! {
            () = tokio::time::sleep(args.lifetime) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    serve(
        listener,
        args.buffers.config(),
        args.max_connections,
        shutdown,
    )
    .await;
    Ok(())
}

/// Accepts connections until `shutdown` completes, then aborts the remaining ones.
pub(crate) async fn serve(
    listener: TcpListener,
    config: WebSocketConfig,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(max_connections));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            // Reap finished connections so the set stays as large as the live ones.
            Some(_) = connections.join_next() => {}
            accepted = accept(&listener, &permits) => match accepted {
                Ok((stream, permit)) => {
                    connections.spawn(async move {
                        // A failed connection only concerns its client.
                        let _ = echo_connection(stream, config).await;
                        drop(permit);
                    });
                }
                Err(err) => eprintln!("echo: accept failed: {err}"),
            },
        }
    }
    connections.shutdown().await;
}

async fn accept(
    listener: &TcpListener,
    permits: &Arc<Semaphore>,
) -> std::io::Result<(tokio::net::TcpStream, tokio::sync::OwnedSemaphorePermit)> {
    let permit = Arc::clone(permits)
        .acquire_owned()
        .await
        .map_err(|_| std::io::Error::other("connection limit closed"))?;
    let (stream, _) = listener.accept().await?;
    stream.set_nodelay(true)?;
    Ok((stream, permit))
}

/// Echoes every data message of one websocket connection until it closes.
pub(crate) async fn echo_connection<S>(
    io: S,
    config: WebSocketConfig,
) -> Result<(), tokio_tungstenite::tungstenite::Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut socket = tokio_tungstenite::accept_async_with_config(io, Some(config)).await?;
    while let Some(message) = socket.next().await {
        match message? {
            message @ (Message::Text(_) | Message::Binary(_)) => socket.send(message).await?,
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
    Ok(())
}

/// An echo server on a free loopback port, for tests of the measuring code.
#[cfg(test)]
pub(crate) struct EchoFixture {
    /// Its websocket URL.
    pub(crate) url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
}

#[cfg(test)]
impl EchoFixture {
    /// Starts a server accepting at most `max_connections` at once.
    pub(crate) async fn start(max_connections: usize) -> EchoFixture {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}/ws", listener.local_addr().expect("addr"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let config = crate::buffers::CLIENT_BUFFERS.config();
        let server = tokio::spawn(serve(listener, config, max_connections, async {
            let _ = stopped.await;
        }));
        EchoFixture { url, stop, server }
    }

    /// Shuts the server down and waits until it has returned.
    pub(crate) async fn stop(self) {
        self.stop.send(()).expect("server still running");
        self.server.await.expect("serve returns after shutdown");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        buffers::CLIENT_BUFFERS,
        script::Lang,
        session::{self, Target},
    };

    #[tokio::test]
    async fn the_echo_server_refuses_a_non_loopback_address() {
        let args = EchoArgs {
            addr: "0.0.0.0:0".parse().expect("addr"),
            lifetime: Duration::from_secs(1),
            max_connections: 1,
            buffers: CLIENT_BUFFERS,
        };
        let err = run(args).await.expect_err("refused");
        assert!(err.to_string().contains("loopback"), "{err}");
    }

    #[tokio::test]
    async fn echo_connection_returns_every_message_over_a_pipe() {
        let (client_io, server_io) = tokio::io::duplex(16 * 1024);
        let server = tokio::spawn(echo_connection(server_io, CLIENT_BUFFERS.config()));
        let (mut client, _) = tokio_tungstenite::client_async("ws://127.0.0.1/ws", client_io)
            .await
            .expect("handshake");
        for id in 0..3 {
            let frame = session::message_frame("Quand sera prélevée ma mensualité ?", id);
            session::turn(&mut client, Target::Echo, &frame)
                .await
                .expect("echoed");
        }
        client.close(None).await.expect("close");
        server.await.expect("join").expect("clean end");
    }

    #[tokio::test]
    async fn serve_echoes_over_loopback_and_stops_on_shutdown() {
        let echo = EchoFixture::start(4).await;
        let mut client = session::connect(&echo.url, &CLIENT_BUFFERS)
            .await
            .expect("connect");
        session::open(&mut client, Target::Echo, Lang::Fr)
            .await
            .expect("open");
        session::turn(
            &mut client,
            Target::Echo,
            &session::message_frame("bonjour", 1),
        )
        .await
        .expect("echoed");
        echo.stop().await;
        let after = session::turn(&mut client, Target::Echo, &session::message_frame("x", 2)).await;
        assert!(after.is_err(), "connections end with the server");
    }
}
