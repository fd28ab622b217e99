//! One client session: connecting, the opening exchange and one turn, for either target.
//!
//! For Relais a session says `hello`, waits for `welcome` and the greeting, then each turn
//! sends a `message` and waits for the `bot` frame (skipping `ack`, `typing` and the like).
//! For the echo server a turn sends the same `message` frame and waits for it to come back.
//! The exchanges are generic over the websocket's `Sink` and `Stream`, so tests run them over
//! an in-memory pipe.

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{self, Message},
};

use crate::{buffers::WsBuffers, script::Lang};

/// The kind of server a session talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Target {
    /// A Relais server speaking the customer protocol.
    Relais,
    /// The bare websocket echo server (`relais-loadgen echo-server`).
    Echo,
}

impl Target {
    /// The name used in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Target::Relais => "relais",
            Target::Echo => "echo",
        }
    }
}

/// A connected client websocket.
pub(crate) type ClientSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a session or one of its turns failed. [`SessionError::label`] groups them in reports.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionError {
    /// The TCP connection or websocket handshake failed.
    #[error("connect: {0}")]
    Connect(Box<tungstenite::Error>),
    /// Sending or receiving failed.
    #[error("websocket: {0}")]
    Socket(Box<tungstenite::Error>),
    /// The server closed the connection.
    #[error("connection closed by the server")]
    Closed,
    /// The server answered with an `error` frame.
    #[error("server error {0}")]
    Server(String),
    /// The server sent something the protocol does not allow here.
    #[error("protocol: {0}")]
    Protocol(String),
    /// No answer within the allowed time.
    #[error("timed out")]
    Timeout,
}

impl From<tungstenite::Error> for SessionError {
    fn from(err: tungstenite::Error) -> Self {
        // Boxed: the error is large and the `Ok` side of most results is tiny.
        SessionError::Socket(Box::new(err))
    }
}

impl SessionError {
    /// A short stable label to count errors by, e.g. `timeout` or `server:internal`.
    pub(crate) fn label(&self) -> String {
        match self {
            SessionError::Connect(_) => "connect".to_owned(),
            SessionError::Socket(_) => "socket".to_owned(),
            SessionError::Closed => "closed".to_owned(),
            SessionError::Server(code) => format!("server:{code}"),
            SessionError::Protocol(_) => "protocol".to_owned(),
            SessionError::Timeout => "timeout".to_owned(),
        }
    }
}

/// Opens a websocket to `url` with Nagle's algorithm disabled.
pub(crate) async fn connect(url: &str, buffers: &WsBuffers) -> Result<ClientSocket, SessionError> {
    let (socket, _response) =
        tokio_tungstenite::connect_async_with_config(url, Some(buffers.config()), true)
            .await
            .map_err(|err| SessionError::Connect(Box::new(err)))?;
    Ok(socket)
}

/// The `hello` frame that starts a Relais conversation.
pub(crate) fn hello_frame(lang: Lang) -> String {
    serde_json::json!({ "type": "hello", "lang": lang.code() }).to_string()
}

/// A customer `message` frame with a client message id.
pub(crate) fn message_frame(text: &str, id: u64) -> String {
    serde_json::json!({ "type": "message", "text": text, "id": id.to_string() }).to_string()
}

/// The server frames a scripted session tells apart.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ServerFrame {
    /// `welcome`: the conversation is open.
    Welcome,
    /// `bot`: the bot's turn, ending a round trip, with its outcome (`answer`, `fallback`...).
    Bot(Option<String>),
    /// `error` with its code.
    Error(String),
    /// Any other type (`ack`, `typing`, `customer`, or one added later).
    Other,
}

#[derive(Deserialize)]
struct RawFrame {
    #[serde(rename = "type")]
    kind: String,
    code: Option<String>,
    outcome: Option<String>,
}

impl ServerFrame {
    /// Classifies one text frame from a Relais server.
    pub(crate) fn parse(text: &str) -> Result<Self, SessionError> {
        let raw: RawFrame = serde_json::from_str(text)
            .map_err(|err| SessionError::Protocol(format!("invalid server frame: {err}")))?;
        Ok(match raw.kind.as_str() {
            "welcome" => ServerFrame::Welcome,
            "bot" => ServerFrame::Bot(raw.outcome),
            "error" => ServerFrame::Error(raw.code.unwrap_or_default()),
            _ => ServerFrame::Other,
        })
    }
}

/// Runs the opening exchange of `target` on a fresh socket; returns once the session can
/// start its first turn.
pub(crate) async fn open<S>(socket: &mut S, target: Target, lang: Lang) -> Result<(), SessionError>
where
    S: Stream<Item = Result<Message, tungstenite::Error>>
        + Sink<Message, Error = tungstenite::Error>
        + Unpin,
{
    match target {
        // The echo server has no opening exchange.
        Target::Echo => Ok(()),
        Target::Relais => {
            socket.send(Message::text(hello_frame(lang))).await?;
            wait_for(socket, |frame| {
                (frame == ServerFrame::Welcome).then_some(())
            })
            .await?;
            // A new conversation starts with the bot's greeting.
            wait_for(socket, bot_outcome).await.map(drop)
        }
    }
}

/// Sends `frame` (from [`message_frame`]) and waits for the answer that ends the round trip:
/// the `bot` frame for Relais, whose outcome is returned, or the same text for the echo
/// server (no outcome).
pub(crate) async fn turn<S>(
    socket: &mut S,
    target: Target,
    frame: &str,
) -> Result<Option<String>, SessionError>
where
    S: Stream<Item = Result<Message, tungstenite::Error>>
        + Sink<Message, Error = tungstenite::Error>
        + Unpin,
{
    socket.send(Message::text(frame)).await?;
    match target {
        Target::Relais => wait_for(socket, bot_outcome).await,
        Target::Echo => {
            let echoed = next_text(socket).await?;
            if echoed == frame {
                Ok(None)
            } else {
                Err(SessionError::Protocol(
                    "the echo differs from what was sent".to_owned(),
                ))
            }
        }
    }
}

/// The outcome of a `bot` frame; `None` for other frames.
fn bot_outcome(frame: ServerFrame) -> Option<Option<String>> {
    match frame {
        ServerFrame::Bot(outcome) => Some(outcome),
        _ => None,
    }
}

/// Reads frames until `pick` accepts one, skipping the others; an `error` frame fails.
async fn wait_for<S, T>(
    socket: &mut S,
    pick: impl Fn(ServerFrame) -> Option<T>,
) -> Result<T, SessionError>
where
    S: Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    loop {
        let text = next_text(socket).await?;
        match ServerFrame::parse(&text)? {
            ServerFrame::Error(code) => return Err(SessionError::Server(code)),
            frame => {
                if let Some(picked) = pick(frame) {
                    return Ok(picked);
                }
            }
        }
    }
}

/// The next text message; control frames are skipped (tungstenite answers pings itself).
async fn next_text<S>(socket: &mut S) -> Result<String, SessionError>
where
    S: Stream<Item = Result<Message, tungstenite::Error>> + Unpin,
{
    loop {
        match socket.next().await {
            None | Some(Ok(Message::Close(_))) => return Err(SessionError::Closed),
            Some(Err(err)) => return Err(err.into()),
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(Message::Binary(_))) => {
                return Err(SessionError::Protocol("unexpected binary frame".to_owned()));
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
        }
    }
}

#[cfg(test)]
#[path = "session_test.rs"]
mod tests;
