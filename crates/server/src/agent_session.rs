//! One advisor's panel connection: one task, one `select!` loop over the panel's frames, the
//! feeds of the chats they hold, their queue and live view, being replaced or revoked, and
//! shutdown.
//!
//! The advisor's chats belong to the advisor, not to the connection: a new connection takes
//! them over (replacing an older one), and a lost connection keeps them for the grace period.
//! Like the customer session, the socket is any `Stream + Sink`, so tests need no network.

use std::collections::HashMap;
use std::ops::ControlFlow;

use axum::extract::ws::{CloseFrame, Message, close_code};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use relais_nlu::Lang;
use relais_store::{AgentRecord, QueueEntry};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use crate::agent_protocol::{
    AgentClientFrame, AgentFrame, AgentView, ChatEndedBy, decode_agent, transcript_events,
};
use crate::chat_feed::{ChatFeed, FeedOut};
use crate::conversation;
use crate::error::SessionError;
use crate::hub::Signal;
use crate::protocol::check_text;
use crate::queue::{AgentInfo, Connected};
use crate::state::AppState;
use crate::suggest::suggestions;
use crate::transcript::Event;

/// Frames the chat feeds may queue for the panel before they wait.
const OUTBOX: usize = 256;

/// The socket can no longer be written to.
#[derive(Debug)]
struct Gone;

/// What the loop woke up for.
enum Wake {
    Shutdown,
    Kicked,
    Client(Option<Result<Message, axum::Error>>),
    Feed(FeedOut),
    Queue,
    Live,
}

/// One advisor's panel connection.
pub(crate) struct AgentSession<S> {
    app: AppState,
    socket: S,
    info: AgentInfo,
    /// The agent's epoch when the socket was authorised; a change revokes the socket.
    epoch: u64,
    view: AgentView,
    /// Held chats, with the abort handle of their feed.
    chats: HashMap<String, AbortHandle>,
    feeds: JoinSet<()>,
    outbox: mpsc::Sender<FeedOut>,
    inbox: mpsc::Receiver<FeedOut>,
}

impl<S> AgentSession<S>
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    /// A session for the authenticated `agent` over `socket`.
    pub(crate) fn new(app: AppState, socket: S, agent: &AgentRecord) -> Self {
        let (outbox, inbox) = mpsc::channel(OUTBOX);
        AgentSession {
            app,
            socket,
            info: AgentInfo::from(agent),
            epoch: agent.epoch,
            view: AgentView::from(agent),
            chats: HashMap::new(),
            feeds: JoinSet::new(),
            outbox,
            inbox,
        }
    }

    /// Runs until the panel leaves, the socket fails, the advisor is replaced or revoked, or
    /// shutdown begins.
    pub(crate) async fn run(mut self) {
        let Ok(mut connected) = self.app.queue().connect(self.info.clone()).await else {
            self.close(close_code::AWAY, "the advisor queue is not running")
                .await;
            return;
        };
        if !self.still_authorised() {
            self.close(close_code::POLICY, "access revoked").await;
        } else if self.start(&mut connected).await.is_ok() {
            self.serve(&mut connected).await;
        }
        self.app
            .queue()
            .disconnect(&self.info.name, connected.id)
            .await;
        self.feeds.abort_all();
    }

    /// Whether the agent still exists with the epoch they were authorised under. Checked once
    /// connected to the queue: a change stored before that connection was missed by the
    /// queue's revocation (which only kicks connected panels), one stored after it is not.
    /// A store failure counts as revoked: the panel reconnects.
    fn still_authorised(&self) -> bool {
        match self.app.store().agent(&self.info.name) {
            Ok(agent) => agent.is_some_and(|a| a.epoch == self.epoch),
            Err(err) => {
                tracing::warn!(error = %err, "cannot check an advisor's epoch; closing their panel");
                false
            }
        }
    }

    /// Sends `hello`, the transcripts of the chats held, the queue and the live view.
    async fn start(&mut self, connected: &mut Connected) -> Result<(), Gone> {
        let hello = AgentFrame::Hello {
            agent: &self.view,
            chats: &connected.chats,
        };
        self.send(hello.encode()).await?;
        for id in connected.chats.clone() {
            match conversation::held_entry(&self.app, &id) {
                Ok(entry) => self.open_chat(&id, entry.as_ref()).await?,
                Err(err) => self.report(&err, Some(&id)).await?,
            }
        }
        let queue = connected.queue.borrow_and_update().to_string();
        self.send(queue).await?;
        let live = connected.live.borrow_and_update().to_string();
        self.send(live).await
    }

    async fn serve(&mut self, connected: &mut Connected) {
        let shutdown = self.app.shutdown_token().clone();
        let kicked = connected.kicked.clone();
        loop {
            let wake = tokio::select! {
                biased;
                () = shutdown.cancelled() => Wake::Shutdown,
                () = kicked.cancelled() => Wake::Kicked,
                incoming = self.socket.next() => Wake::Client(incoming),
                Some(out) = self.inbox.recv() => Wake::Feed(out),
                Ok(()) = connected.queue.changed() => Wake::Queue,
                Ok(()) = connected.live.changed() => Wake::Live,
            };
            let flow = match wake {
                Wake::Shutdown => {
                    self.close(close_code::AWAY, "server shutting down").await;
                    ControlFlow::Break(())
                }
                Wake::Kicked => {
                    self.close(close_code::POLICY, "signed in elsewhere, or access revoked")
                        .await;
                    ControlFlow::Break(())
                }
                Wake::Client(None | Some(Err(_))) => ControlFlow::Break(()),
                Wake::Client(Some(Ok(message))) => to_flow(self.on_message(message).await),
                Wake::Feed(out) => to_flow(self.on_feed(out).await),
                Wake::Queue => {
                    let frame = connected.queue.borrow_and_update().to_string();
                    to_flow(self.send(frame).await)
                }
                Wake::Live => {
                    let frame = connected.live.borrow_and_update().to_string();
                    to_flow(self.send(frame).await)
                }
            };
            if flow.is_break() {
                break;
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), Gone> {
        match message {
            Message::Text(text) => self.on_text(text.as_str()).await,
            Message::Binary(_) => self.report(&SessionError::BinaryNotSupported, None).await,
            Message::Close(_) => Err(Gone),
            Message::Ping(_) | Message::Pong(_) => Ok(()),
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), Gone> {
        let frame = match decode_agent(text) {
            Ok(frame) => frame,
            Err(err) => return self.report(&err, None).await,
        };
        let id = frame.conversation().to_owned();
        match self.dispatch(frame).await {
            Ok(()) => Ok(()),
            Err(Failure::Gone) => Err(Gone),
            Err(Failure::Session(err)) => self.report(&err, Some(&id)).await,
        }
    }

    async fn dispatch(&mut self, frame: AgentClientFrame) -> Result<(), Failure> {
        match frame {
            AgentClientFrame::Accept { conversation } => {
                check_id(&conversation)?;
                let taken = self
                    .app
                    .queue()
                    .accept(self.info.clone(), &conversation)
                    .await
                    .map_err(SessionError::from)?;
                crate::inbox::after_takeover(&self.app, &conversation, &taken.entry.lang);
                Ok(self.open_chat(&conversation, Some(&taken.entry)).await?)
            }
            AgentClientFrame::Takeover { conversation } => {
                check_id(&conversation)?;
                if self
                    .app
                    .store()
                    .conversation(&conversation)
                    .map_err(SessionError::from)?
                    .is_none()
                {
                    return Err(SessionError::NotFound.into());
                }
                let entry = conversation::handoff_entry(&self.app, &conversation, "takeover")?;
                let taken = self
                    .app
                    .queue()
                    .take_over(self.info.clone(), entry)
                    .await
                    .map_err(SessionError::from)?;
                crate::inbox::after_takeover(&self.app, &conversation, &taken.entry.lang);
                Ok(self.open_chat(&conversation, Some(&taken.entry)).await?)
            }
            AgentClientFrame::Message { conversation, text } => {
                self.owned(&conversation)?;
                check_text(&text, self.app.config().max_text_chars)?;
                self.write(&conversation, &text).await
            }
            AgentClientFrame::Typing { conversation } => {
                self.owned(&conversation)?;
                self.app.hub().signal(&conversation, Signal::AgentTyping);
                Ok(())
            }
            AgentClientFrame::Release { conversation } => {
                self.hand_back(&conversation, false).await
            }
            AgentClientFrame::Close { conversation } => self.hand_back(&conversation, true).await,
            AgentClientFrame::FlagFaq { conversation, text } => {
                check_id(&conversation)?;
                check_text(&text, self.app.config().max_text_chars)?;
                let item =
                    crate::inbox::flag(&self.app, &conversation, &self.info.name, &text).await?;
                let flagged = AgentFrame::Flagged {
                    conversation: &conversation,
                    item,
                };
                Ok(self.send(flagged.encode()).await?)
            }
        }
    }

    /// Stores the advisor's message, waits until it is durable, shows it to the customer,
    /// then acknowledges it.
    async fn write(&mut self, id: &str, text: &str) -> Result<(), Failure> {
        let sub = self.app.hub().subscribe(id);
        let commit = conversation::agent_message(
            &self.app,
            &sub,
            &self.info.name,
            &self.info.display_name,
            text,
        )?;
        let events = commit.durable().await.map_err(SessionError::from)?;
        sub.publish(&events);
        for event in &events {
            let ack = AgentFrame::Ack {
                conversation: id,
                seq: event.seq,
            };
            self.send(ack.encode()).await?;
        }
        Ok(())
    }

    async fn hand_back(&mut self, id: &str, closed: bool) -> Result<(), Failure> {
        self.owned(id)?;
        self.app
            .queue()
            .hand_back(&self.info.name, id, closed)
            .await
            .map_err(SessionError::from)?;
        self.end_chat(id, ChatEndedBy::Agent).await?;
        Ok(())
    }

    /// Starts showing a held chat: its transcript and context, suggestions for the latest
    /// customer message, then its live feed.
    async fn open_chat(&mut self, id: &str, entry: Option<&QueueEntry>) -> Result<(), Gone> {
        // Subscribed before reading: nothing falls between the transcript and the feed.
        let sub = self.app.hub().subscribe(id);
        let events = match self.app.store().events_after(id, 0) {
            Ok(events) => events,
            Err(err) => return self.report(&SessionError::Store(err), Some(id)).await,
        };
        let lang = entry
            .and_then(|e| Lang::from_code(&e.lang))
            .unwrap_or(Lang::Fr);
        let context = context_of(entry);
        let frame = AgentFrame::Transcript {
            conversation: id,
            events: transcript_events(&events),
            context: &context,
        };
        self.send(frame.encode()).await?;
        let latest = events
            .iter()
            .rev()
            .find_map(|e| match Event::from_json(e.seq, &e.body) {
                Some(Event::Customer {
                    text, choice: None, ..
                }) => Some(text),
                _ => None,
            });
        if let Some(text) = latest {
            let items = suggestions(&self.app, &text, lang);
            let frame = AgentFrame::Suggestions {
                conversation: id,
                items: &items,
            };
            self.send(frame.encode()).await?;
        }
        let feed = ChatFeed {
            app: self.app.clone(),
            sub,
            last_seq: events.last().map_or(0, |e| e.seq),
            lang,
            out: self.outbox.clone(),
        };
        let abort = self.feeds.spawn(feed.run());
        if let Some(old) = self.chats.insert(id.to_owned(), abort) {
            old.abort();
        }
        Ok(())
    }

    async fn on_feed(&mut self, out: FeedOut) -> Result<(), Gone> {
        match out {
            FeedOut::Frame(frame) => self.send(frame).await,
            FeedOut::Ended { conversation, by } => {
                if self.chats.contains_key(&conversation) {
                    self.end_chat(&conversation, by).await
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Forgets a chat and tells the panel.
    async fn end_chat(&mut self, id: &str, by: ChatEndedBy) -> Result<(), Gone> {
        if let Some(feed) = self.chats.remove(id) {
            feed.abort();
        }
        let frame = AgentFrame::ChatEnded {
            conversation: id,
            by,
        };
        self.send(frame.encode()).await
    }

    fn owned(&self, id: &str) -> Result<(), SessionError> {
        if self.chats.contains_key(id) {
            Ok(())
        } else {
            Err(SessionError::NotOwner)
        }
    }

    async fn report(&mut self, err: &SessionError, conversation: Option<&str>) -> Result<(), Gone> {
        let frame = AgentFrame::Error {
            code: err.code(),
            message: err.client_message(),
            conversation,
        };
        self.send(frame.encode()).await
    }

    async fn send(&mut self, text: String) -> Result<(), Gone> {
        let timeout = self.app.config().send_timeout;
        match tokio::time::timeout(timeout, self.socket.send(Message::Text(text.into()))).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "advisor websocket send failed; ending the session");
                Err(Gone)
            }
            Err(_) => {
                tracing::debug!("advisor websocket send timed out; ending the session");
                Err(Gone)
            }
        }
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        let timeout = self.app.config().send_timeout;
        let _ = tokio::time::timeout(timeout, self.socket.send(Message::Close(Some(frame)))).await;
    }
}

/// Why handling a frame stopped.
#[derive(Debug)]
enum Failure {
    Session(SessionError),
    Gone,
}

impl From<SessionError> for Failure {
    fn from(err: SessionError) -> Self {
        Failure::Session(err)
    }
}

impl From<Gone> for Failure {
    fn from(_: Gone) -> Self {
        Failure::Gone
    }
}

/// Conversation ids are 32 lowercase hex digits; anything else cannot exist.
fn check_id(id: &str) -> Result<(), SessionError> {
    let valid = id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(())
    } else {
        Err(SessionError::NotFound)
    }
}

/// What the advisor is told of a conversation besides its transcript.
fn context_of(entry: Option<&QueueEntry>) -> Value {
    let Some(entry) = entry else {
        return Value::Object(serde_json::Map::new());
    };
    let mut context = match &entry.context {
        Value::Object(fields) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    context.insert("lang".into(), Value::from(entry.lang.clone()));
    context.insert("skill".into(), serde_json::json!(entry.skill));
    context.insert("priority".into(), Value::from(entry.priority));
    context.insert("reason".into(), Value::from(entry.reason.clone()));
    context.insert(
        "requested_agent".into(),
        serde_json::json!(entry.requested_agent),
    );
    context.insert("enqueued_ms".into(), Value::from(entry.enqueued_ms));
    Value::Object(context)
}

fn to_flow(result: Result<(), Gone>) -> ControlFlow<()> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(Gone) => ControlFlow::Break(()),
    }
}

#[cfg(test)]
#[path = "agent_session_test.rs"]
mod tests;
