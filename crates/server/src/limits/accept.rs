//! The accept loop: HTTP/1.1 connections with a deadline on request headers.
//!
//! `axum::serve` gives hyper no timer, so a client that opens a connection and sends its
//! headers a byte at a time (slowloris), or nothing at all, would hold a socket forever. This
//! loop is `axum::serve` with hyper's header read timeout on: the headers of every request,
//! the websocket upgrade's included, must arrive within the handshake timeout, and a
//! keep-alive connection idle that long between requests is closed. Each request carries the
//! peer address as `ConnectInfo<SocketAddr>`. Upgraded sockets leave the connection task
//! (the websocket session owns them), so graceful shutdown only waits for plain requests.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Serves `router` on `listener` until `shutdown` resolves, then lets the connections finish
/// their requests and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let stop = CancellationToken::new();
    let connections = TaskTracker::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    on_accept_error(err).await;
                    continue;
                }
            },
        };
        let connection = Connection {
            router: router.clone(),
            peer,
            header_timeout,
        };
        connections.spawn(connection.run(tcp, stop.clone()));
    }
    stop.cancel();
    connections.close();
    connections.wait().await;
}

/// A failed accept is about one connection (aborted, reset) or about the process (out of
/// file descriptors); for the latter, pause so that the loop does not spin.
async fn on_accept_error(err: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %err, "cannot accept connections; retrying in a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One accepted TCP connection.
struct Connection {
    router: Router,
    peer: SocketAddr,
    header_timeout: Duration,
}

impl Connection {
    async fn run(self, tcp: TcpStream, stop: CancellationToken) {
        // A turn is two small frames (`ack`, then `bot`): with Nagle's algorithm on, the second
        // waits for the client's delayed ACK, about 40 ms (measured: docs/benchmarks.md, "Load").
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(error = %err, "cannot set TCP_NODELAY");
        }
        let (router, peer) = (self.router, self.peer);
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout);
        let connection = builder
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades();
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = stop.cancelled() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(err) = result {
            // Header timeouts and resets land here: routine, and caused by clients.
            tracing::debug!(error = %err, "connection ended with an error");
        }
    }
}
