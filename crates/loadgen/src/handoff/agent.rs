//! The advisors of the handoff workload: created through the admin API (`<data>/admin.json`),
//! logged in over HTTP, connected to `/agent/ws` with a Bearer token; then each advisor's task
//! accepts the conversations the coordinator assigns it and, during the chat phase, writes to
//! each of its customers at a fixed rate while timing the customers' messages it receives.

use std::{collections::HashMap, net::SocketAddr, path::Path, time::Duration};

use anyhow::Context as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::{
    sync::{mpsc, watch},
    time::Instant,
};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

use super::{
    frame::Frame,
    shared::{Live, Phase, Traffic, sleep_until_or_never},
};
use crate::{
    buffers::CLIENT_BUFFERS,
    http,
    schedule::Schedule,
    session::{ClientSocket, SessionError},
    stamp,
};

/// How often `admin.json` is looked for while the server starts.
const ADMIN_FILE_PROBE: Duration = Duration::from_millis(50);

/// The advisors to create.
#[derive(Clone, Debug)]
pub(crate) struct AgentSpec {
    /// Languages, e.g. `["fr", "en"]`.
    pub(crate) langs: Vec<String>,
    /// Skills, e.g. `["general"]`.
    pub(crate) skills: Vec<String>,
    /// Chats each holds at once.
    pub(crate) capacity: u32,
}

/// The login name of advisor `index`.
pub(crate) fn agent_name(index: usize) -> String {
    format!("lg-agent-{index}")
}

/// The password the load generator gives advisor `name`.
fn password_of(name: &str) -> String {
    format!("{name}-loadgen-password")
}

/// Waits for the server's `admin.json` in `data` and returns its admin token.
pub(crate) async fn admin_token(data: &Path, timeout: Duration) -> anyhow::Result<String> {
    let path = data.join("admin.json");
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(text) = tokio::fs::read_to_string(&path).await
            && let Ok(value) = serde_json::from_str::<serde_json::Value>(&text)
            && let Some(token) = value["token"].as_str()
        {
            return Ok(token.to_owned());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} did not appear within {timeout:?}",
            path.display()
        );
        tokio::time::sleep(ADMIN_FILE_PROBE).await;
    }
}

/// Creates advisor `name` through the admin API.
pub(crate) async fn create(
    addr: SocketAddr,
    admin_token: &str,
    name: &str,
    spec: &AgentSpec,
) -> anyhow::Result<()> {
    let body = json!({
        "langs": spec.langs,
        "skills": spec.skills,
        "capacity": spec.capacity,
        "password": password_of(name),
    });
    let path = format!("/api/admin/agents/{name}");
    let response = http::request(addr, "PUT", &path, Some(admin_token), &body).await?;
    anyhow::ensure!(
        matches!(response.status, 200 | 201),
        "creating advisor {name}: HTTP {} {}",
        response.status,
        response.body
    );
    Ok(())
}

/// Logs advisor `name` in; returns its token.
pub(crate) async fn login(addr: SocketAddr, name: &str) -> anyhow::Result<String> {
    let body = json!({"name": name, "password": password_of(name)});
    let response = http::request(addr, "POST", "/api/agent/login", None, &body).await?;
    anyhow::ensure!(
        response.status == 200,
        "login of {name}: HTTP {} {}",
        response.status,
        response.body
    );
    let value: serde_json::Value = serde_json::from_str(&response.body)?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .context("login answer without a token")
}

/// Opens `/agent/ws` with `token` and reads its `hello`.
pub(crate) async fn connect(addr: SocketAddr, token: &str) -> anyhow::Result<ClientSocket> {
    let mut request = format!("ws://{addr}/agent/ws").into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let (mut socket, _) =
        tokio_tungstenite::connect_async_with_config(request, Some(CLIENT_BUFFERS.config()), true)
            .await?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let frame = Frame::parse(text.as_str()).map_err(anyhow::Error::msg)?;
                anyhow::ensure!(frame.kind == "hello", "expected hello, got {}", frame.kind);
                return Ok(socket);
            }
            Some(Ok(_)) => {}
            other => anyhow::bail!("the advisor socket ended before hello: {other:?}"),
        }
    }
}

/// A conversation the coordinator gives an advisor to accept.
#[derive(Debug)]
pub(crate) struct Assignment {
    /// The conversation id.
    pub(crate) conversation: String,
    /// Its index among all chats (spreads send phases).
    pub(crate) chat_index: usize,
}

/// What every advisor task is given.
#[derive(Clone)]
pub(crate) struct AgentPlan {
    /// Messages per second the advisor sends in each chat.
    pub(crate) rate: f64,
    /// All chats of the run (spreads send phases).
    pub(crate) chats: usize,
    /// The run's base instant for stamps.
    pub(crate) base: Instant,
    /// Live counters.
    pub(crate) live: std::sync::Arc<Live>,
}

/// What an advisor task returns.
#[derive(Debug, Default)]
pub(crate) struct AgentOutcome {
    /// Its messages, and its customers' messages it received.
    pub(crate) traffic: Traffic,
}

/// A held chat and its send schedule.
struct Chat {
    conversation: String,
    schedule: Schedule,
    due: Option<u64>,
}

/// Runs one advisor until the phase is `Stop`: accepts its assignments (reporting each
/// accept's time or error code on `accepted`) and chats.
pub(crate) async fn run(
    mut socket: ClientSocket,
    plan: AgentPlan,
    mut assignments: mpsc::UnboundedReceiver<Assignment>,
    accepted: mpsc::UnboundedSender<Result<Duration, String>>,
    mut phase: watch::Receiver<Phase>,
) -> AgentOutcome {
    let mut outcome = AgentOutcome::default();
    let mut pending: HashMap<String, (Instant, usize)> = HashMap::new();
    let mut chats: Vec<Chat> = Vec::new();
    let mut assignments_open = true;
    loop {
        let current = *phase.borrow_and_update();
        let window = match current {
            Phase::Stop => break,
            Phase::Chat(window) => Some(window),
            Phase::Queueing => None,
        };
        // The chat whose next message is due first.
        let next_send = window.and_then(|window| {
            let elapsed = Instant::now().saturating_duration_since(window.start);
            let mut first: Option<(Instant, usize)> = None;
            for (i, chat) in chats.iter_mut().enumerate() {
                let next = chat.schedule.next_slot(chat.due.unwrap_or(0), elapsed);
                if chat.due.is_some() {
                    outcome.traffic.skipped += next.skipped;
                }
                chat.due = Some(next.slot);
                let at = window.start + chat.schedule.offset(next.slot);
                if at < window.end && first.is_none_or(|(t, _)| at < t) {
                    first = Some((at, i));
                }
            }
            first
        });
        tokio::select! {
            changed = phase.changed() => {
                if changed.is_err() {
                    break;
                }
            }
            assignment = assignments.recv(), if assignments_open => {
                let Some(assignment) = assignment else {
                    assignments_open = false;
                    continue;
                };
                let frame = json!({"type": "accept", "conversation": assignment.conversation});
                if let Err(err) = socket.send(Message::text(frame.to_string())).await {
                    outcome.traffic.error(SessionError::from(err).label());
                    break;
                }
                pending.insert(assignment.conversation, (Instant::now(), assignment.chat_index));
            }
            () = sleep_until_or_never(next_send.map(|(at, _)| at)) => {
                let Some((_, i)) = next_send else { continue };
                let sent = Instant::now();
                let text = stamp::stamped_text(plan.base, sent);
                if let Some(window) = window
                    && window.measures(plan.base, sent.saturating_duration_since(plan.base))
                {
                    outcome.traffic.sent += 1;
                }
                let chat = &mut chats[i];
                chat.due = chat.due.map(|slot| slot + 1);
                let frame = json!({"type": "message", "conversation": chat.conversation, "text": text});
                if let Err(err) = socket.send(Message::text(frame.to_string())).await {
                    outcome.traffic.error(SessionError::from(err).label());
                    break;
                }
            }
            message = socket.next() => {
                let text = match message {
                    Some(Ok(Message::Text(text))) => text,
                    Some(Ok(Message::Close(_))) | None => {
                        outcome.traffic.error("agent:closed");
                        break;
                    }
                    Some(Err(err)) => {
                        outcome.traffic.error(format!("agent:{}", SessionError::from(err).label()));
                        break;
                    }
                    Some(Ok(_)) => continue,
                };
                let received = Instant::now();
                let frame = match Frame::parse(text.as_str()) {
                    Ok(frame) => frame,
                    Err(_) => {
                        outcome.traffic.error("agent:protocol");
                        continue;
                    }
                };
                match frame.kind.as_str() {
                    "queue" => Live::bump(&plan.live.agent_queue_frames),
                    "ack" => outcome.traffic.acks += 1,
                    "transcript" => {
                        let taken = frame.conversation.and_then(|id| pending.remove_entry(&id));
                        if let Some((conversation, (asked, chat_index))) = taken {
                            let _ = accepted.send(Ok(asked.elapsed()));
                            chats.push(Chat {
                                conversation,
                                schedule: Schedule::new(plan.rate, chat_index, plan.chats),
                                due: None,
                            });
                        }
                    }
                    "customer" => {
                        if let (Some(window), Some(sent)) =
                            (window, frame.text.as_deref().and_then(stamp::read_stamp))
                            && window.measures(plan.base, sent)
                        {
                            outcome.traffic.received.push(received.saturating_duration_since(plan.base + sent));
                        }
                    }
                    "chat_ended" => outcome.traffic.error("agent:chat_ended"),
                    "error" => {
                        let code = frame.code.unwrap_or_default();
                        match frame.conversation.and_then(|id| pending.remove(&id)) {
                            Some(_) => {
                                let _ = accepted.send(Err(format!("accept:{code}")));
                            }
                            None => outcome.traffic.error(format!("agent:server:{code}")),
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let _ = socket.close(None).await;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advisor_names_are_valid_login_names() {
        let name = agent_name(42);
        assert_eq!(name, "lg-agent-42");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
        );
        assert_ne!(password_of(&name), password_of(&agent_name(43)));
    }
}
