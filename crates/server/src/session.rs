//! One customer websocket session: one task, one `select!` loop.
//!
//! The loop waits on client frames, on the conversation's durable events published by other
//! sockets, and on shutdown. Every branch is cancel-safe: partial state lives in [`Session`]
//! (the conversation attached, the last seq sent), never inside a pending future. The socket
//! is any `Stream + Sink` of websocket messages, so tests can drive a session without network.
//!
//! Delivery invariant: frames with a seq reach the client in seq order, each exactly once.
//! `last_sent` is the highest seq sent; an event above `last_sent + 1` first pulls the gap from
//! the store, and an event at or below it is skipped.

use std::net::IpAddr;
use std::ops::ControlFlow;

use axum::extract::ws::{CloseFrame, Message, close_code};
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use relais_nlu::Lang;
use relais_store::{StoreError, StoredEvent};

use crate::callback::CallbackForm;
use crate::conversation::{self, Commit, HandoffRequest, Input, TurnResult};
use crate::error::SessionError;
use crate::hub::{Received, Signal, Subscription};
use crate::limits::{Admission, FrameGate, Liveness, Verdict};
use crate::protocol::{
    ClientFrame, EndedBy, HandoffState, MAX_CHOICE_CHARS, ServerFrame, Unavailable,
    check_client_id, check_text, decode,
};
use crate::queue::{HandoffAnswer, HandoffAsk};
use crate::state::AppState;
use crate::stored_state::{Owner, StoredState};
use crate::survey::{self, EndReason, Ending, SurveyAnswer};
use crate::transcript::Event;

/// Longest wait for a client's close frame after the server closed for a bound.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Least time between two `typing` signals forwarded to the advisor.
const TYPING_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The socket can no longer be written to: the session ends.
#[derive(Debug)]
struct Gone;

/// Why handling a frame stopped.
#[derive(Debug)]
enum Failure {
    /// Tell the client with an `error` frame and carry on.
    Session(SessionError),
    /// The socket is gone.
    Gone,
}

impl From<SessionError> for Failure {
    fn from(err: SessionError) -> Self {
        Failure::Session(err)
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Failure::Session(SessionError::Store(err))
    }
}

impl From<Gone> for Failure {
    fn from(_: Gone) -> Self {
        Failure::Gone
    }
}

/// What the loop woke up for.
enum Wake {
    Shutdown,
    Client(Option<Result<Message, axum::Error>>),
    Live(Received),
    /// No customer activity for `survey_after_idle`.
    Idle,
    /// Time to look at the socket's silence (see [`Liveness`]).
    Timer,
}

/// One websocket session.
pub(crate) struct Session<S> {
    app: AppState,
    socket: S,
    /// The conversation, once `hello` has been handled.
    sub: Option<Subscription>,
    /// Highest seq sent to this client.
    last_sent: u64,
    /// When the last `typing` was forwarded.
    last_typing: Option<tokio::time::Instant>,
    /// When the chat counts as idle (survey), if the customer stays silent until then.
    idle_at: Option<tokio::time::Instant>,
    /// An advisor's close was just sent: the chat's end and survey may be due.
    agent_closed: bool,
    /// The client's address, for the per-address bound on new conversations.
    peer: Option<IpAddr>,
    /// The frame rate limit.
    gate: FrameGate,
    /// The handshake and idle timeouts.
    liveness: Liveness,
}

impl<S> Session<S>
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    /// A session over `socket`, before `hello`.
    pub(crate) fn new(app: AppState, socket: S) -> Self {
        let now = tokio::time::Instant::now();
        let config = app.config();
        let gate = FrameGate::new(
            config.frames_per_second,
            config.frame_burst,
            config.max_dropped_frames,
            now,
        );
        let liveness = Liveness::new(config.handshake_timeout, config.idle_timeout, now);
        Session {
            app,
            socket,
            sub: None,
            last_sent: 0,
            last_typing: None,
            idle_at: None,
            agent_closed: false,
            peer: None,
            gate,
            liveness,
        }
    }

    /// The session of a client at `peer` (its new conversations count against the address).
    pub(crate) fn with_peer(mut self, peer: Option<IpAddr>) -> Self {
        self.peer = peer;
        self
    }

    /// Runs the session until the client leaves, the socket fails or shutdown begins.
    pub(crate) async fn run(mut self) {
        let _open = crate::metrics::metrics().customer_connected();
        let shutdown = self.app.shutdown_token().clone();
        loop {
            let check_at = self.liveness.next_check(self.sub.is_some());
            let wake = tokio::select! {
                biased;
                () = shutdown.cancelled() => Wake::Shutdown,
                incoming = self.socket.next() => Wake::Client(incoming),
                received = recv_live(self.sub.as_mut()) => Wake::Live(received),
                () = sleep_until(self.idle_at) => Wake::Idle,
                () = tokio::time::sleep_until(check_at) => Wake::Timer,
            };
            let flow = match wake {
                Wake::Shutdown => {
                    self.close(close_code::AWAY, "server shutting down").await;
                    ControlFlow::Break(())
                }
                Wake::Client(None) => ControlFlow::Break(()),
                Wake::Client(Some(Err(err))) => {
                    self.on_read_error(&err).await;
                    ControlFlow::Break(())
                }
                Wake::Client(Some(Ok(message))) => to_flow(self.on_message(message).await),
                Wake::Live(Received::Event(event)) => to_flow(self.deliver(&event).await),
                Wake::Live(Received::Signal(signal)) => to_flow(self.on_signal(&signal).await),
                Wake::Live(Received::Lagged) => to_flow(self.catch_up(u64::MAX).await),
                Wake::Idle => to_flow(self.on_idle().await),
                Wake::Timer => to_flow(self.on_timer().await),
            };
            let flow = if flow.is_continue() && std::mem::take(&mut self.agent_closed) {
                to_flow(self.on_agent_closed().await)
            } else {
                flow
            };
            if flow.is_break() {
                break;
            }
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), Gone> {
        let now = tokio::time::Instant::now();
        self.liveness.heard(now);
        if !matches!(message, Message::Close(_)) {
            match self.gate.admit(now) {
                Admission::Pass => {}
                Admission::Drop { tell: true } => {
                    return self.report(&SessionError::RateLimited, None).await;
                }
                Admission::Drop { tell: false } => return Ok(()),
                Admission::Close => {
                    self.close_and_drain(close_code::POLICY, "rate limited")
                        .await;
                    return Err(Gone);
                }
            }
        }
        match message {
            Message::Text(text) => self.on_text(text.as_str()).await,
            Message::Binary(_) => self.report(&SessionError::BinaryNotSupported, None).await,
            Message::Close(_) => Err(Gone),
            // Pings are answered by the websocket layer itself.
            Message::Ping(_) | Message::Pong(_) => Ok(()),
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), Gone> {
        self.rearm_idle();
        let frame = match decode(text) {
            Ok(frame) => frame,
            Err(err) => return self.report(&err, None).await,
        };
        let client_id = match &frame {
            ClientFrame::Message { id, .. }
            | ClientFrame::Choice { id, .. }
            | ClientFrame::Callback { id, .. } => id.clone(),
            ClientFrame::End { id } | ClientFrame::Survey { id, .. } => id.clone(),
            ClientFrame::Hello { .. } | ClientFrame::LeaveQueue {} | ClientFrame::Typing {} => None,
        };
        match self.dispatch(frame).await {
            Ok(()) => Ok(()),
            Err(Failure::Gone) => Err(Gone),
            Err(Failure::Session(err)) => self.report(&err, client_id.as_deref()).await,
        }
    }

    async fn dispatch(&mut self, frame: ClientFrame) -> Result<(), Failure> {
        match frame {
            ClientFrame::Hello {
                lang,
                resume,
                last_seq,
                requested_agent,
            } => {
                self.on_hello(lang, resume, last_seq.unwrap_or(0)).await?;
                match (&self.sub, requested_agent) {
                    (Some(sub), Some(name)) if !name.trim().is_empty() => {
                        Ok(conversation::request_agent(&self.app, sub, name.trim())?)
                    }
                    _ => Ok(()),
                }
            }
            ClientFrame::LeaveQueue {} => self.on_leave_queue().await,
            ClientFrame::End { id } => {
                check_client_id(id.as_deref())?;
                self.on_end(id.as_deref()).await
            }
            ClientFrame::Survey {
                score,
                comment,
                skipped,
                id,
            } => {
                check_client_id(id.as_deref())?;
                let answer = SurveyAnswer::validate(score, comment, skipped)?;
                self.on_survey(answer, id.as_deref()).await
            }
            ClientFrame::Typing {} => {
                let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
                let now = tokio::time::Instant::now();
                if self.last_typing.is_none_or(|t| now >= t + TYPING_EVERY) {
                    self.last_typing = Some(now);
                    self.app.hub().signal(sub.id(), Signal::CustomerTyping);
                }
                Ok(())
            }
            ClientFrame::Message { text, id } => {
                check_client_id(id.as_deref())?;
                check_text(&text, self.app.config().max_text_chars)?;
                self.on_turn(Input::Message(&text), id.as_deref()).await
            }
            ClientFrame::Choice { value, id } => {
                check_client_id(id.as_deref())?;
                if value.is_empty() || value.chars().count() > MAX_CHOICE_CHARS {
                    return Err(SessionError::InvalidFrame(format!(
                        "`value` must have 1 to {MAX_CHOICE_CHARS} characters"
                    ))
                    .into());
                }
                self.on_turn(Input::Choice(&value), id.as_deref()).await
            }
            ClientFrame::Callback {
                name,
                contact,
                message,
                consent,
                id,
            } => {
                check_client_id(id.as_deref())?;
                let max = self.app.config().max_text_chars;
                let form = CallbackForm::validate(&name, &contact, &message, consent, max)?;
                self.on_callback(&form, id.as_deref()).await
            }
        }
    }

    async fn on_hello(
        &mut self,
        lang: Option<Lang>,
        resume: Option<String>,
        last_seq: u64,
    ) -> Result<(), Failure> {
        if self.sub.is_some() {
            return Err(SessionError::AlreadyStarted.into());
        }
        if let Some(token) = resume {
            match conversation::find(&self.app, &token)? {
                Some(id) => return self.resume(&id, &token, last_seq).await,
                None => self.report(&SessionError::ResumeInvalid, None).await?,
            }
        }
        if let Some(ip) = self.peer
            && !self.app.limits().start_conversation(ip)
        {
            return Err(SessionError::TooManyConversations.into());
        }
        let opened = conversation::open(&self.app)?;
        let sub = self.app.hub().subscribe(&opened.id);
        self.send(&ServerFrame::Welcome {
            conversation: &opened.id,
            resume: &opened.token,
            seq: 0,
            resumed: false,
        })
        .await?;
        let commit = conversation::greet(&self.app, &sub, lang);
        self.sub = Some(sub);
        self.finish(commit?, None).await
    }

    /// Subscribes first, then replays from the store: no event can fall between the two.
    async fn resume(&mut self, id: &str, token: &str, last_seq: u64) -> Result<(), Failure> {
        let sub = self.app.hub().subscribe(id);
        let record = conversation::record(&self.app, id)?;
        self.send(&ServerFrame::Welcome {
            conversation: id,
            resume: token,
            seq: record.last_seq,
            resumed: true,
        })
        .await?;
        // A client claiming more than exists has nothing to skip beyond what exists.
        self.last_sent = last_seq.min(record.last_seq);
        self.sub = Some(sub);
        self.catch_up(u64::MAX).await?;
        if StoredState::from_json(id, &record.state).owner == Owner::Queue {
            // A waiting customer who comes back sees where they stand now.
            if let Ok(Some((position, eta_s))) = self.app.queue().position(id).await {
                self.send(&ServerFrame::QueueUpdate { position, eta_s })
                    .await?;
            }
        }
        Ok(())
    }

    async fn on_turn(&mut self, input: Input<'_>, client_id: Option<&str>) -> Result<(), Failure> {
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        match conversation::customer_turn(&self.app, sub, input, client_id)? {
            TurnResult::Committed(commit) => self.finish(commit, Some(client_id)).await,
            TurnResult::AlreadyStored(seq) => self.ack_again(seq, client_id).await,
            TurnResult::Handoff(commit, request) => {
                self.finish(commit, Some(client_id)).await?;
                self.hand_off(request).await
            }
        }
    }

    /// Carries out the engine's handoff decision: into the queue when an advisor can come,
    /// else the reason and the callback form.
    async fn hand_off(&mut self, request: HandoffRequest) -> Result<(), Failure> {
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        let id = sub.id().to_owned();
        let reason = serde_json::to_value(request.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        crate::metrics::metrics().handoff(relais_analytics::HandoffReason::from_name(&reason));
        let ask = HandoffAsk {
            entry: conversation::handoff_entry(&self.app, &id, &reason)?,
            requested: request.requested,
            text: request.text,
        };
        let answer = match self.app.queue().handoff(ask).await {
            Ok(answer) => answer,
            Err(err) => {
                // Never a dead end: without a queue, the customer still gets the form.
                tracing::error!(error = %err, "the advisor queue failed; offering the callback form");
                HandoffAnswer::Unavailable(Unavailable::NoAgent)
            }
        };
        match answer {
            HandoffAnswer::Queued(events) => {
                for event in &events {
                    self.deliver(event).await?;
                }
                Ok(())
            }
            HandoffAnswer::Unavailable(why) => {
                let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
                let commit = conversation::unavailable(&self.app, sub, why, request.reason)?;
                self.finish(commit, None).await
            }
            HandoffAnswer::AlreadyHandled => Ok(()),
        }
    }

    /// The customer leaves the queue, or ends the chat with their advisor.
    async fn on_leave_queue(&mut self) -> Result<(), Failure> {
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        let id = sub.id().to_owned();
        match self
            .app
            .queue()
            .leave(&id)
            .await
            .map_err(SessionError::from)?
        {
            Some(events) => {
                for event in &events {
                    self.deliver(event).await?;
                }
                Ok(())
            }
            None => Err(SessionError::NotQueued.into()),
        }
    }

    /// A live-only notice about the conversation.
    async fn on_signal(&mut self, signal: &Signal) -> Result<(), Gone> {
        match signal {
            Signal::QueueUpdate { position, eta_s } => {
                self.send(&ServerFrame::QueueUpdate {
                    position: *position,
                    eta_s: *eta_s,
                })
                .await
            }
            Signal::AgentTyping => self.send(&ServerFrame::AgentTyping {}).await,
            // Meant for the advisor.
            Signal::CustomerTyping => Ok(()),
        }
    }

    async fn on_callback(
        &mut self,
        form: &CallbackForm,
        client_id: Option<&str>,
    ) -> Result<(), Failure> {
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        match conversation::callback(&self.app, sub, form, client_id)? {
            TurnResult::Committed(commit) | TurnResult::Handoff(commit, _) => {
                self.finish(commit, Some(client_id)).await
            }
            TurnResult::AlreadyStored(seq) => self.ack_again(seq, client_id).await,
        }
    }

    /// Waits for durability, publishes to the other sockets, then tells this client: the
    /// first event as an `ack` when `ack` is given (the client caused it), the rest as frames.
    async fn finish(&mut self, commit: Commit, ack: Option<Option<&str>>) -> Result<(), Failure> {
        let events = commit.durable().await?;
        if let Some(sub) = &self.sub {
            sub.publish(&events);
        }
        let Some(first) = events.first() else {
            return Ok(());
        };
        if first.seq > self.last_sent + 1 {
            self.catch_up(first.seq).await?;
        }
        let rest = match ack {
            Some(client_id) => {
                // Buffered only: it leaves with the bot's reply, in one socket write.
                self.feed(&ServerFrame::Ack {
                    seq: first.seq,
                    id: client_id,
                })
                .await?;
                self.last_sent = first.seq;
                &events[1..]
            }
            None => &events[..],
        };
        for event in rest {
            self.send_event(event).await?;
        }
        // Writes the ack if nothing followed it (a no-op once a frame was sent).
        self.flush().await?;
        Ok(())
    }

    /// Acknowledges a resent message again, after anything the client has not seen yet.
    async fn ack_again(&mut self, seq: u64, client_id: Option<&str>) -> Result<(), Failure> {
        if seq > self.last_sent {
            self.catch_up(seq).await?;
        }
        self.send(&ServerFrame::Ack { seq, id: client_id }).await?;
        if seq > self.last_sent {
            self.last_sent = seq;
            self.catch_up(u64::MAX).await?;
        }
        Ok(())
    }

    /// Sends an event published by another socket, unless it was already sent.
    async fn deliver(&mut self, event: &StoredEvent) -> Result<(), Gone> {
        if event.seq <= self.last_sent {
            return Ok(());
        }
        if event.seq > self.last_sent + 1 {
            self.catch_up(event.seq).await?;
        }
        self.send_event(event).await
    }

    /// Sends the stored events after `last_sent` and before `before`.
    async fn catch_up(&mut self, before: u64) -> Result<(), Gone> {
        let Some(sub) = &self.sub else {
            return Ok(());
        };
        let events = match self.app.store().events_after(sub.id(), self.last_sent) {
            Ok(events) => events,
            Err(err) => return self.report(&SessionError::Store(err), None).await,
        };
        for event in events.iter().take_while(|e| e.seq < before) {
            self.send_event(event).await?;
        }
        Ok(())
    }

    async fn send_event(&mut self, event: &StoredEvent) -> Result<(), Gone> {
        if let Some(decoded) = Event::from_json(event.seq, &event.body) {
            self.send(&decoded.frame(event.seq)).await?;
            self.noticed(&decoded);
        }
        self.last_sent = event.seq;
        Ok(())
    }

    async fn report(&mut self, err: &SessionError, client_id: Option<&str>) -> Result<(), Gone> {
        crate::metrics::metrics().error(err.code());
        self.send(&ServerFrame::Error {
            code: err.code(),
            message: err.client_message(),
            id: client_id,
        })
        .await
    }

    /// Queues a frame on the socket without flushing it: the next `send` or `flush` writes it.
    async fn feed(&mut self, frame: &ServerFrame<'_>) -> Result<(), Gone> {
        tracing::debug!(frame = frame.describe(), "sending");
        let message = Message::Text(frame.encode().into());
        let timeout = self.app.config().send_timeout;
        written(tokio::time::timeout(timeout, self.socket.feed(message)).await)
    }

    /// Writes out the frames queued by `feed`.
    async fn flush(&mut self) -> Result<(), Gone> {
        let timeout = self.app.config().send_timeout;
        written(tokio::time::timeout(timeout, self.socket.flush()).await)
    }

    async fn send(&mut self, frame: &ServerFrame<'_>) -> Result<(), Gone> {
        tracing::debug!(frame = frame.describe(), "sending");
        let message = Message::Text(frame.encode().into());
        let timeout = self.app.config().send_timeout;
        match tokio::time::timeout(timeout, self.socket.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => {
                tracing::debug!(error = %err, "websocket send failed; ending the session");
                Err(Gone)
            }
            Err(_) => {
                tracing::debug!("websocket send timed out; ending the session");
                Err(Gone)
            }
        }
    }

    /// A read error ends the stream; a message over the size limit still gets an explanation.
    async fn on_read_error(&mut self, err: &axum::Error) {
        // tungstenite reports an oversized message as "Space limit exceeded: ..."; the e2e
        // suite checks that this still holds.
        if err.to_string().starts_with("Space limit exceeded") {
            let limit = self.app.config().max_message_bytes;
            let _ = self
                .report(&SessionError::MessageTooLarge { limit }, None)
                .await;
            self.close(close_code::SIZE, "message too large").await;
        } else if err.to_string().starts_with("UTF-8 encoding error") {
            // tungstenite's wording for a text frame that is not UTF-8; checked end to end too.
            self.close_and_drain(close_code::INVALID, "text frames must be UTF-8")
                .await;
        } else {
            tracing::debug!(error = %err, "websocket read failed; ending the session");
        }
    }

    /// Pings a silent socket, or closes it once the handshake or idle timeout has passed.
    async fn on_timer(&mut self) -> Result<(), Gone> {
        let now = tokio::time::Instant::now();
        match self.liveness.check(self.sub.is_some(), now) {
            Verdict::Wait => Ok(()),
            Verdict::Ping => {
                let timeout = self.app.config().send_timeout;
                let ping = self.socket.send(Message::Ping(Default::default()));
                match tokio::time::timeout(timeout, ping).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(_)) | Err(_) => Err(Gone),
                }
            }
            Verdict::NoHello => {
                self.close_and_drain(close_code::POLICY, "hello expected")
                    .await;
                Err(Gone)
            }
            Verdict::Idle => {
                self.close_and_drain(close_code::AWAY, "idle").await;
                Err(Gone)
            }
        }
    }

    /// Closes, then reads and discards what the client still sends until its own close
    /// frame, for at most [`LINGER`]: dropping a socket with unread input makes the kernel
    /// reset the connection, and the client may then never see the close code.
    async fn close_and_drain(&mut self, code: u16, reason: &'static str) {
        self.close(code, reason).await;
        let drain = async {
            while let Some(Ok(message)) = self.socket.next().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER, drain).await;
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        // Best effort: the client may already be gone.
        let timeout = self.app.config().send_timeout;
        let _ = tokio::time::timeout(timeout, self.socket.send(Message::Close(Some(frame)))).await;
    }
}

// --- The end of a chat and the effort survey (survey.rs decides, this carries it out). ---

impl<S> Session<S>
where
    S: Stream<Item = Result<Message, axum::Error>> + Sink<Message, Error = axum::Error> + Unpin,
{
    /// The customer ends the chat: out of the queue or the advisor chat first, then `end`
    /// (acknowledged) and the survey if one is due. Ending twice acknowledges the first end.
    async fn on_end(&mut self, client_id: Option<&str>) -> Result<(), Failure> {
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        let id = sub.id().to_owned();
        if conversation::record(&self.app, &id)
            .map(|record| StoredState::from_json(&id, &record.state).owner != Owner::Bot)?
        {
            // Not waiting any more (a race with the advisor) is fine: the chat ends anyway.
            if let Some(events) = self
                .app
                .queue()
                .leave(&id)
                .await
                .map_err(SessionError::from)?
            {
                for event in &events {
                    self.deliver(event).await?;
                }
            }
        }
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        match survey::end(&self.app, sub, EndReason::Customer)? {
            Ending::Stored(commit) => self.finish(commit, Some(client_id)).await,
            Ending::AlreadyEnded(seq) => self.ack_again(seq, client_id).await,
            Ending::Nothing => Ok(()),
        }
    }

    /// The customer answers the latest survey: acknowledged like a message.
    async fn on_survey(
        &mut self,
        answer: SurveyAnswer,
        client_id: Option<&str>,
    ) -> Result<(), Failure> {
        let sub = self.sub.as_ref().ok_or(SessionError::HelloRequired)?;
        let commit = survey::answer(&self.app, sub, answer, client_id)?;
        self.finish(commit, Some(client_id)).await
    }

    /// Nobody wrote for `survey_after_idle`: the chat ends and the survey is asked, if due.
    async fn on_idle(&mut self) -> Result<(), Gone> {
        self.idle_at = None;
        self.end_for(EndReason::Idle).await
    }

    /// An advisor closed the chat: its end and survey, unless another socket wrote them.
    async fn on_agent_closed(&mut self) -> Result<(), Gone> {
        self.end_for(EndReason::Agent).await
    }

    async fn end_for(&mut self, reason: EndReason) -> Result<(), Gone> {
        let Some(sub) = &self.sub else {
            return Ok(());
        };
        let result = match survey::end(&self.app, sub, reason) {
            Ok(Ending::Stored(commit)) => self.finish(commit, None).await,
            Ok(Ending::AlreadyEnded(_) | Ending::Nothing) => Ok(()),
            Err(err) => Err(Failure::Session(err)),
        };
        match result {
            Ok(()) => Ok(()),
            Err(Failure::Gone) => Err(Gone),
            Err(Failure::Session(err)) => self.report(&err, None).await,
        }
    }

    /// Customer activity: the idle clock starts again.
    fn rearm_idle(&mut self) {
        let idle = self.app.config().survey_after_idle;
        self.idle_at = idle.map(|after| tokio::time::Instant::now() + after);
    }

    /// Watches the events sent for what concerns the end of the chat: the customer's words
    /// (from any socket) restart the idle clock; an advisor's close may call for a survey.
    fn noticed(&mut self, event: &Event) {
        match event {
            Event::Customer { .. } | Event::Callback { .. } => self.rearm_idle(),
            Event::Handoff { handoff, .. }
                if handoff.state == HandoffState::Ended && handoff.by == Some(EndedBy::Agent) =>
            {
                self.agent_closed = true;
            }
            _ => {}
        }
    }
}

/// Sleeps until `at`, forever when `None`. Cancel-safe: the deadline lives in the session.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn recv_live(sub: Option<&mut Subscription>) -> Received {
    match sub {
        Some(sub) => sub.recv().await,
        None => std::future::pending().await,
    }
}

/// The outcome of a timed socket write (`feed` or `flush`): any failure ends the session.
fn written(
    result: Result<Result<(), axum::Error>, tokio::time::error::Elapsed>,
) -> Result<(), Gone> {
    match result {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => {
            tracing::debug!(error = %err, "websocket write failed; ending the session");
            Err(Gone)
        }
        Err(_) => {
            tracing::debug!("websocket write timed out; ending the session");
            Err(Gone)
        }
    }
}

fn to_flow(result: Result<(), Gone>) -> ControlFlow<()> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(Gone) => ControlFlow::Break(()),
    }
}

#[cfg(test)]
#[path = "session_test.rs"]
mod tests;
