//! One customer of the handoff workload: opens a conversation, asks for a human (clicking
//! `handoff:yes` if the bot offers one first), waits in the queue counting `queue_update`
//! frames, and once an advisor takes it, sends stamped messages at a fixed rate while timing
//! the advisor's messages it receives.
//!
//! The opening and the way into the queue run under a semaphore permit, so at most
//! `--connect-concurrency` customers are queueing at a time; waiting costs no permit.

use std::{sync::Arc, time::Duration};

use futures_util::{SinkExt, StreamExt};
use tokio::{
    sync::{Semaphore, mpsc, watch},
    time::Instant,
};
use tokio_tungstenite::tungstenite::Message;

use super::{
    frame::{Frame, Step, handoff_step},
    shared::{Live, Phase, Traffic, sleep_until_or_never},
};
use crate::{
    buffers::CLIENT_BUFFERS,
    schedule::Schedule,
    script::Lang,
    session::{self, ClientSocket, SessionError},
    stamp,
};

/// What a customer says to ask for an advisor.
pub(crate) fn ask_for_human(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "je veux parler à un conseiller",
        Lang::En => "I want to talk to a human advisor",
    }
}

/// What every customer task is given.
#[derive(Clone)]
pub(crate) struct CustomerPlan {
    /// Customer websocket URL.
    pub(crate) url: String,
    /// Messages per second the customer sends once assigned.
    pub(crate) rate: f64,
    /// Number of customers (spreads send phases).
    pub(crate) customers: usize,
    /// Longest opening plus way into the queue.
    pub(crate) queue_timeout: Duration,
    /// The run's base instant for stamps.
    pub(crate) base: Instant,
    /// Limits customers opening and queueing at once.
    pub(crate) permits: Arc<Semaphore>,
    /// Live counters.
    pub(crate) live: Arc<Live>,
}

/// A customer that reached the queue, as reported to the coordinator.
#[derive(Debug)]
pub(crate) struct Queued {
    /// Its conversation id.
    pub(crate) conversation: String,
    /// From sending the request for a human to the `queued` frame.
    pub(crate) took: Duration,
}

/// What a customer task returns.
#[derive(Debug, Default)]
pub(crate) struct CustomerOutcome {
    /// Whether it reached the queue.
    pub(crate) queued: bool,
    /// Whether an advisor took it.
    pub(crate) assigned: bool,
    /// Its messages, and the advisor's messages it received.
    pub(crate) traffic: Traffic,
}

/// Runs customer `index` until the phase is `Stop`. Reports reaching the queue (or not) on
/// `settled`.
pub(crate) async fn run(
    index: usize,
    plan: CustomerPlan,
    settled: mpsc::UnboundedSender<Result<Queued, String>>,
    mut phase: watch::Receiver<Phase>,
) -> CustomerOutcome {
    let mut outcome = CustomerOutcome::default();
    let opened = {
        // The semaphore is never closed.
        let Ok(_permit) = plan.permits.acquire().await else {
            return outcome;
        };
        tokio::time::timeout(plan.queue_timeout, into_queue(index, &plan))
            .await
            .unwrap_or_else(|_| Err("timeout".to_owned()))
    };
    let mut socket = match opened {
        Ok((socket, queued)) => {
            outcome.queued = true;
            let _ = settled.send(Ok(queued));
            socket
        }
        Err(label) => {
            let _ = settled.send(Err(label));
            return outcome;
        }
    };
    drop(settled);
    let schedule = Schedule::new(plan.rate, index, plan.customers);
    let mut due: Option<u64> = None;
    loop {
        let current = *phase.borrow_and_update();
        let window = match current {
            Phase::Stop => break,
            Phase::Chat(window) if outcome.assigned => Some(window),
            _ => None,
        };
        // The next send, once assigned and chatting: the slot due, skipping passed ones.
        let next_send = window.and_then(|window| {
            let elapsed = Instant::now().saturating_duration_since(window.start);
            let next = schedule.next_slot(due.unwrap_or(0), elapsed);
            outcome.traffic.skipped += if due.is_some() { next.skipped } else { 0 };
            due = Some(next.slot);
            let at = window.start + schedule.offset(next.slot);
            (at < window.end).then_some(at)
        });
        tokio::select! {
            changed = phase.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            () = sleep_until_or_never(next_send) => {
                let sent = Instant::now();
                let text = stamp::stamped_text(plan.base, sent);
                if let Some(window) = window
                    && window.measures(plan.base, sent.saturating_duration_since(plan.base))
                {
                    outcome.traffic.sent += 1;
                }
                due = due.map(|slot| slot + 1);
                let id = due.unwrap_or_default();
                if let Err(err) = socket.send(Message::text(session::message_frame(&text, id))).await {
                    outcome.traffic.error(SessionError::from(err).label());
                    break;
                }
            }
            message = socket.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None => {
                        outcome.traffic.error("closed");
                        break;
                    }
                    Some(Err(err)) => {
                        outcome.traffic.error(SessionError::from(err).label());
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                let received = Instant::now();
                on_frame(&text, received, &current, &plan, &mut outcome);
            }
        }
    }
    let _ = socket.close(None).await;
    outcome
}

/// Handles one frame received while waiting or chatting.
fn on_frame(
    text: &str,
    received: Instant,
    phase: &Phase,
    plan: &CustomerPlan,
    outcome: &mut CustomerOutcome,
) {
    let frame = match Frame::parse(text) {
        Ok(frame) => frame,
        Err(_) => return outcome.traffic.error("protocol"),
    };
    match frame.kind.as_str() {
        "queue_update" => Live::bump(&plan.live.queue_updates),
        "ack" => outcome.traffic.acks += 1,
        "handoff" => match frame.state.as_deref() {
            Some("assigned") => outcome.assigned = true,
            Some(state) => outcome.traffic.error(format!("customer:handoff_{state}")),
            None => outcome.traffic.error("protocol"),
        },
        "agent" => {
            let Some(text) = frame.text.as_deref() else {
                return outcome.traffic.error("protocol");
            };
            if let (Phase::Chat(window), Some(sent)) = (phase, stamp::read_stamp(text))
                && window.measures(plan.base, sent)
            {
                outcome
                    .traffic
                    .received
                    .push(received.saturating_duration_since(plan.base + sent));
            }
        }
        "error" => outcome.traffic.error(format!(
            "customer:server:{}",
            frame.code.as_deref().unwrap_or("unknown")
        )),
        _ => {}
    }
}

/// Opens a conversation and asks for a human; returns the socket once queued.
async fn into_queue(index: usize, plan: &CustomerPlan) -> Result<(ClientSocket, Queued), String> {
    let lang = Lang::for_session(index);
    let mut socket = session::connect(&plan.url, &CLIENT_BUFFERS)
        .await
        .map_err(|err| err.label())?;
    send(&mut socket, session::hello_frame(lang)).await?;
    let welcome = next_frame(&mut socket).await?;
    let conversation = match (welcome.kind.as_str(), welcome.conversation) {
        ("welcome", Some(conversation)) => conversation,
        _ => return Err("protocol".to_owned()),
    };
    // The greeting.
    while next_frame(&mut socket).await?.kind != "bot" {}
    let asked = Instant::now();
    send(
        &mut socket,
        session::message_frame(ask_for_human(lang), 1_000_000),
    )
    .await?;
    loop {
        match handoff_step(&next_frame(&mut socket).await?) {
            Step::Wait => {}
            Step::Accept => {
                let click =
                    serde_json::json!({"type": "choice", "value": "handoff:yes", "id": "1000001"});
                send(&mut socket, click.to_string()).await?;
            }
            Step::Queued => {
                let took = asked.elapsed();
                return Ok((socket, Queued { conversation, took }));
            }
            Step::Failed(label) => return Err(label),
        }
    }
}

async fn send(socket: &mut ClientSocket, text: String) -> Result<(), String> {
    socket
        .send(Message::text(text))
        .await
        .map_err(|err| SessionError::from(err).label())
}

/// The next text frame, decoded.
async fn next_frame(socket: &mut ClientSocket) -> Result<Frame, String> {
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => return Frame::parse(text.as_str()),
            Some(Ok(Message::Close(_))) | None => return Err("closed".to_owned()),
            Some(Err(err)) => return Err(SessionError::from(err).label()),
            Some(Ok(_)) => {}
        }
    }
}
