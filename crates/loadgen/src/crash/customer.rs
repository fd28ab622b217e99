//! One customer session of a crash run, behaving like the widget: it chats with message ids,
//! and whenever its connection breaks it reconnects with backoff, resumes its conversation
//! from the highest seq it saw and sends every unacknowledged message again with its
//! original id.

use std::{sync::Arc, time::Duration};

use futures_util::{SinkExt, StreamExt};
use tokio::{net::TcpStream, sync::watch, time::Instant};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{self, Message},
};

use super::{
    Phase,
    ledger::Ledger,
    rng::Rng,
    wire::{self, Incoming},
};

/// First pause before reconnecting; it doubles up to [`BACKOFF_MAX`] while attempts fail.
const BACKOFF_MIN: Duration = Duration::from_millis(50);
/// Longest pause between two connection attempts.
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// What the customers write: ordinary questions that never ask for a human, so the bot keeps
/// answering (each session starts at its own line).
const LINES: [&str; 8] = [
    "Comment transmettre mon relevé de compteur ?",
    "How do I submit my meter reading?",
    "Quand sera prélevée ma prochaine mensualité ?",
    "Can I pay my bill in instalments?",
    "Je voudrais passer à la facture électronique",
    "Where can I find my supply point number?",
    "Comment modifier le montant de mes mensualités ?",
    "Do you offer a green electricity plan?",
];

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How every session behaves.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    /// Mean pause between two new messages of a session (drawn from `0..=2 × think`).
    pub(crate) think: Duration,
    /// Most unacknowledged messages a session has at once.
    pub(crate) window: usize,
    /// A connection with unacknowledged messages and no frame for this long is dropped.
    pub(crate) stall: Duration,
    /// Longest connection attempt (TCP plus websocket handshake).
    pub(crate) connect_timeout: Duration,
}

/// The server's current address, numbered: a restart bumps the generation.
#[derive(Clone, Debug)]
pub(crate) struct Endpoint {
    /// How many times the server was started before this one.
    pub(crate) generation: u64,
    /// Its customer websocket URL.
    pub(crate) url: String,
}

/// The channels between a session and the coordinator.
#[derive(Clone, Debug)]
pub(crate) struct Links {
    /// Where the server is.
    pub(crate) endpoint: watch::Receiver<Endpoint>,
    /// What sessions should be doing.
    pub(crate) phase: watch::Receiver<Phase>,
    /// For each session, the generation of the server it last got a `welcome` from.
    pub(crate) welcomed: Arc<watch::Sender<Vec<Option<u64>>>>,
}

/// Why a connection ended before the session was done.
#[derive(Debug)]
enum Break {
    /// Connecting failed (refused while the server is down, handshake error, timeout).
    Connect,
    /// The connection broke or was closed.
    Lost,
    /// No frame for [`Plan::stall`] while messages waited for their `ack`.
    Stalled,
    /// The server sent an `error` frame with this code.
    Server(String),
    /// The server broke the protocol (recorded in the ledger).
    Protocol,
}

impl Break {
    fn label(&self) -> String {
        match self {
            Break::Connect => "connect".to_owned(),
            Break::Lost => "connection lost".to_owned(),
            Break::Stalled => "stalled".to_owned(),
            Break::Server(code) => format!("server:{code}"),
            Break::Protocol => "protocol".to_owned(),
        }
    }
}

/// Runs session `session` until the coordinator stops it, or until it drained (every
/// message acknowledged) once asked to; returns its ledger.
pub(crate) async fn run(session: usize, seed: u64, plan: Arc<Plan>, mut links: Links) -> Ledger {
    let mut ledger = Ledger::new(session);
    let mut rng = Rng::new(seed);
    let mut backoff = BACKOFF_MIN;
    loop {
        let endpoint = links.endpoint.borrow_and_update().clone();
        let outcome = connection(
            &endpoint,
            &mut ledger,
            &mut rng,
            &plan,
            &mut links,
            &mut backoff,
        )
        .await;
        let Err(why) = outcome else {
            return ledger;
        };
        *ledger.tally.breaks.entry(why.label()).or_default() += 1;
        if done(&ledger, *links.phase.borrow()) {
            return ledger;
        }
        let pause = rng.duration_between(backoff / 2, backoff);
        backoff = (backoff * 2).min(BACKOFF_MAX);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            // A restarted server (maybe on another port) is worth trying at once.
            changed = links.endpoint.changed() => {
                if changed.is_err() {
                    return ledger;
                }
            }
            // Stopped, or the coordinator is gone: either way nobody waits for more.
            _ = links.phase.wait_for(|phase| *phase == Phase::Stop) => return ledger,
        }
    }
}

/// Whether the session has nothing left to do in `phase`.
fn done(ledger: &Ledger, phase: Phase) -> bool {
    match phase {
        Phase::Chat => false,
        Phase::Drain => ledger.token.is_some() && ledger.unacked() == 0,
        Phase::Stop => true,
    }
}

/// One connection: open or resume the conversation, resend, chat until done or broken.
async fn connection(
    endpoint: &Endpoint,
    ledger: &mut Ledger,
    rng: &mut Rng,
    plan: &Plan,
    links: &mut Links,
    backoff: &mut Duration,
) -> Result<(), Break> {
    let mut socket =
        match tokio::time::timeout(plan.connect_timeout, connect_async(&endpoint.url)).await {
            Ok(Ok((socket, _response))) => socket,
            Ok(Err(_)) | Err(_) => return Err(Break::Connect),
        };
    let hello = match &ledger.token {
        Some(token) => wire::hello_resume(token, ledger.last_seq),
        None => wire::hello_new(if ledger.session.is_multiple_of(2) {
            "fr"
        } else {
            "en"
        }),
    };
    let asked_from = ledger.last_seq;
    send(&mut socket, hello).await?;
    let mut highest = welcome(&mut socket, ledger, plan).await?.min(asked_from);
    *backoff = BACKOFF_MIN;
    links
        .welcomed
        .send_modify(|generations| generations[ledger.session] = Some(endpoint.generation));
    for (id, text) in ledger.resend_all() {
        send(&mut socket, wire::message(&id, &text)).await?;
    }
    let mut next_send = Instant::now() + pause(rng, plan.think);
    let mut last_frame = Instant::now();
    loop {
        let phase = *links.phase.borrow_and_update();
        if done(ledger, phase) {
            // A polite goodbye; the session is over whatever the server answers.
            let _ = socket.close(None).await;
            return Ok(());
        }
        let may_send = phase == Phase::Chat && ledger.unacked() < plan.window;
        let waiting = ledger.unacked() > 0;
        tokio::select! {
            frame = socket.next() => {
                last_frame = Instant::now();
                let text = match frame {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        ledger.anomaly("binary frame from the server".to_owned());
                        return Err(Break::Protocol);
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => return Err(Break::Lost),
                };
                on_frame(text.as_str(), ledger, &mut highest)?;
            }
            () = tokio::time::sleep_until(next_send), if may_send => {
                if !waiting {
                    last_frame = Instant::now();
                }
                let text = LINES[(ledger.session + ledger.sent.len()) % LINES.len()].to_owned();
                let id = ledger.send_new(text.clone());
                send(&mut socket, wire::message(&id, &text)).await?;
                next_send = Instant::now() + pause(rng, plan.think);
            }
            () = tokio::time::sleep_until(last_frame + plan.stall), if waiting => {
                return Err(Break::Stalled);
            }
            changed = links.phase.changed() => {
                if changed.is_err() {
                    // The coordinator is gone: nobody will read the ledger's future.
                    return Ok(());
                }
            }
        }
    }
}

/// Reads frames up to the `welcome` answering `hello`; returns its seq.
async fn welcome(socket: &mut Socket, ledger: &mut Ledger, plan: &Plan) -> Result<u64, Break> {
    loop {
        let frame = tokio::time::timeout(plan.stall, socket.next())
            .await
            .map_err(|_| Break::Stalled)?;
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Binary(_) | Message::Close(_)) | Err(_)) | None => {
                return Err(Break::Lost);
            }
        };
        match wire::parse(text.as_str()) {
            Ok(Incoming::Welcome {
                token,
                seq,
                resumed,
                ..
            }) => {
                ledger.welcomed(&token, seq, resumed);
                return Ok(seq);
            }
            // The server has forgotten the conversation; a new one's welcome follows.
            Ok(Incoming::Error { code }) if code == "resume_invalid" => {}
            Ok(Incoming::Error { code }) => return Err(Break::Server(code)),
            Ok(Incoming::Live) => {}
            Ok(other) => {
                ledger.anomaly(format!("{other:?} before welcome"));
                return Err(Break::Protocol);
            }
            Err(err) => {
                ledger.anomaly(err);
                return Err(Break::Protocol);
            }
        }
    }
}

/// Applies one frame of a chatting connection to the ledger. `highest` is the highest event
/// seq sent on this connection: events must come in order and once per connection (an
/// `ack` of a resent message may repeat an old seq: that is the point of resending).
fn on_frame(text: &str, ledger: &mut Ledger, highest: &mut u64) -> Result<(), Break> {
    let frame = match wire::parse(text) {
        Ok(frame) => frame,
        Err(err) => {
            ledger.anomaly(err);
            return Err(Break::Protocol);
        }
    };
    match frame {
        Incoming::Ack { id, seq } => {
            ledger.acked(id.as_deref(), seq);
            *highest = (*highest).max(seq);
        }
        Incoming::Customer { seq, .. } | Incoming::Event { seq } => {
            if seq <= *highest {
                ledger.anomaly(format!(
                    "event {seq} after event {highest} on one connection"
                ));
            }
            *highest = (*highest).max(seq);
            ledger.saw(seq);
        }
        Incoming::Error { code } => return Err(Break::Server(code)),
        Incoming::Welcome { .. } => {
            ledger.anomaly("a second welcome on one connection".to_owned());
            return Err(Break::Protocol);
        }
        Incoming::Live => {}
    }
    Ok(())
}

async fn send(socket: &mut Socket, text: String) -> Result<(), Break> {
    socket
        .send(Message::text(text))
        .await
        .map_err(|_: tungstenite::Error| Break::Lost)
}

/// A pause drawn from `0..=2 × mean`.
fn pause(rng: &mut Rng, mean: Duration) -> Duration {
    rng.duration_between(Duration::ZERO, mean * 2)
}
