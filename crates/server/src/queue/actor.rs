//! The queue actor's task: its mailbox loop, grace-period timers, the periodic live-view
//! refresh, and the pushes to advisors' panels and waiting customers.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use relais_store::{QueueEntry, StoredEvent};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::book::{AgentInfo, Book, Held};
use super::live::LiveBoard;
use super::{ActionError, Connected, HandoffAnswer, HandoffAsk, Reply, Request, Taken};
use crate::agent_protocol::AgentFrame;
use crate::auth::now_ms;
use crate::config::ServerConfig;
use crate::conversation::Commit;
use crate::hub::{Hub, Signal};
use crate::ownership::{Ownership, TransitionError};
use crate::protocol::Unavailable;
use crate::stored_state::Owner;

/// How often the live view is refreshed (and pruned) at most.
const LIVE_TICK: Duration = Duration::from_secs(2);
/// Requests handled before the panels are refreshed, when many are waiting.
const BATCH: usize = 64;
/// Most waiting conversations sent to one advisor.
const MAX_ITEMS: usize = 50;

/// What the actor works with, handed over by the application state.
pub(crate) struct ActorParts {
    pub(crate) ownership: Ownership,
    pub(crate) hub: Hub,
    /// Where the short publishing tasks are tracked (shutdown waits for them).
    pub(crate) tasks: TaskTracker,
    pub(crate) shutdown: CancellationToken,
    pub(crate) config: ServerConfig,
}

/// One advisor's connected panel.
struct Conn {
    id: u64,
    langs: Vec<String>,
    queue: watch::Sender<Arc<str>>,
    live: watch::Sender<Arc<str>>,
    kick: CancellationToken,
}

/// The queue actor.
pub(crate) struct Actor {
    parts: ActorParts,
    mailbox: mpsc::Receiver<Request>,
    book: Book,
    live: LiveBoard,
    conns: HashMap<String, Conn>,
    next_conn: u64,
    /// The place and wait each waiting customer was last told.
    announced: HashMap<String, (u64, u64)>,
    queue_dirty: bool,
    live_dirty: bool,
}

impl Actor {
    /// An actor reading `mailbox`; nothing runs until [`Actor::run`].
    pub(crate) fn new(parts: ActorParts, mailbox: mpsc::Receiver<Request>) -> Actor {
        let book = Book::new(parts.config.default_handling_time);
        Actor {
            parts,
            mailbox,
            book,
            live: LiveBoard::default(),
            conns: HashMap::new(),
            next_conn: 0,
            announced: HashMap::new(),
            queue_dirty: false,
            live_dirty: false,
        }
    }

    /// Rebuilds the queue from the store, then serves requests until shutdown or until every
    /// handle is gone.
    pub(crate) async fn run(mut self) {
        self.rebuild();
        let mut tick = tokio::time::interval(LIVE_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let shutdown = self.parts.shutdown.clone();
        loop {
            let deadline = self.book.next_deadline();
            // Due grace periods before requests: a request sees every expiry that is due.
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = sleep_until(deadline) => {
                    let returned = self.book.expire(Instant::now());
                    self.requeue(returned);
                }
                request = self.mailbox.recv() => {
                    let Some(request) = request else { break };
                    self.handle(request);
                    for _ in 0..BATCH {
                        match self.mailbox.try_recv() {
                            Ok(request) => self.handle(request),
                            Err(_) => break,
                        }
                    }
                }
                _ = tick.tick() => {
                    if self.live.prune(Instant::now()) {
                        self.live_dirty = true;
                    }
                    self.flush_live();
                }
            }
            self.flush_queue();
            crate::metrics::metrics().queue_state(self.book.len(), self.conns.len());
        }
        tracing::info!("advisor queue stopped");
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::Handoff(ask, reply) => self.on_handoff(ask, reply),
            Request::Leave(id, reply) => self.on_leave(id, reply),
            Request::Position(id, reply) => {
                let _ = reply.send(self.book.position(&id));
            }
            Request::Connect(info, reply) => self.on_connect(info, reply),
            Request::Disconnect { agent, connection } => self.on_disconnect(&agent, connection),
            Request::Accept(info, id, reply) => self.on_accept(&info, id, reply),
            Request::TakeOver(info, entry, reply) => self.on_take_over(&info, entry, reply),
            Request::HandBack {
                agent,
                conversation,
                closed,
                reply,
            } => self.on_hand_back(&agent, conversation, closed, reply),
            Request::Activity(item) => {
                let id = &item.conversation;
                if !self.book.is_waiting(id) && self.book.holder(id).is_none() {
                    self.live.touch(item, Instant::now());
                    self.live_dirty = true;
                }
            }
            Request::Revoke { agent, removed } => self.on_revoke(&agent, removed),
            #[cfg(test)]
            Request::Snapshot(reply) => {
                let _ = reply.send(super::Snapshot {
                    waiting: self
                        .book
                        .waiting()
                        .map(|e| e.conversation.clone())
                        .collect(),
                    held: self.book.held(),
                });
            }
        }
    }

    // ---- customers ----

    fn on_handoff(&mut self, ask: HandoffAsk, reply: Reply<Result<HandoffAnswer, ActionError>>) {
        let id = ask.entry.conversation.clone();
        if self.book.is_waiting(&id) || self.book.holder(&id).is_some() {
            let _ = reply.send(Ok(HandoffAnswer::AlreadyHandled));
            return;
        }
        let (entry, position, eta) = match self.route(ask) {
            Ok(routed) => routed,
            Err(why) => {
                let _ = reply.send(Ok(HandoffAnswer::Unavailable(why)));
                return;
            }
        };
        match self.parts.ownership.enqueue(entry, position, eta) {
            Ok((stored, commit)) => {
                self.book.enqueue(stored);
                self.announced.insert(id.clone(), (position, eta));
                self.live_dirty |= self.live.remove(&id);
                self.queue_dirty = true;
                self.settle(id, commit, Some(reply), HandoffAnswer::Queued);
            }
            Err(TransitionError::WrongOwner(_)) => {
                let _ = reply.send(Ok(HandoffAnswer::AlreadyHandled));
            }
            Err(err) => {
                let _ = reply.send(Err(err.into()));
            }
        }
    }

    /// Decides whether and how a conversation can be queued now.
    fn route(&self, ask: HandoffAsk) -> Result<(QueueEntry, u64, u64), Unavailable> {
        let config = &self.parts.config;
        let mut entry = ask.entry;
        if config.opening_hours.is_some_and(|h| !h.is_open(now_ms())) {
            return Err(Unavailable::Closed);
        }
        if self.book.len() >= config.max_queue {
            return Err(Unavailable::QueueFull);
        }
        let requested = ask
            .requested
            .as_deref()
            .and_then(|wanted| self.book.find_connected(wanted))
            .or_else(|| mentioned(&self.book, &ask.text))
            .map(|agent| agent.name.clone());
        entry.requested_agent = requested;
        if entry.requested_agent.is_none()
            && !self.book.anyone_covers(&entry.lang, entry.skill.as_deref())
        {
            // Better any advisor of the language than none with the skill.
            if entry.skill.is_some() && self.book.anyone_covers(&entry.lang, None) {
                if let (Value::Object(context), Some(skill)) =
                    (&mut entry.context, entry.skill.take())
                {
                    context.insert("wanted_skill".to_owned(), Value::from(skill));
                }
            } else {
                return Err(Unavailable::NoAgent);
            }
        }
        let (position, eta) = self.book.prospect(&entry);
        if config.max_wait.is_some_and(|max| eta > max.as_secs()) {
            return Err(Unavailable::WaitTooLong);
        }
        Ok((entry, position, eta))
    }

    fn on_leave(
        &mut self,
        id: String,
        reply: Reply<Result<Option<Vec<StoredEvent>>, ActionError>>,
    ) {
        let waiting = self.book.dequeue(&id);
        let held = self.book.unhold(&id);
        match self.parts.ownership.customer_left(&id) {
            Ok((_, commit)) => {
                self.announced.remove(&id);
                self.queue_dirty = true;
                self.settle(id, commit, Some(reply), Some);
            }
            Err(TransitionError::WrongOwner(Owner::Bot)) => {
                let _ = reply.send(Ok(None));
            }
            Err(err) => {
                // Nothing changed in the store: put the conversation back where it was.
                if let Some(entry) = waiting {
                    self.book.enqueue(entry);
                }
                if let Some(held) = held {
                    self.book.recover_held(held);
                }
                let _ = reply.send(Err(err.into()));
            }
        }
    }

    // ---- advisors ----

    fn on_connect(&mut self, info: AgentInfo, reply: Reply<Connected>) {
        let name = info.name.clone();
        if let Some(old) = self.conns.remove(&name) {
            old.kick.cancel();
        }
        let langs = info.langs.clone();
        let chats = self.book.connect(info);
        self.next_conn += 1;
        let (queue, queue_rx) = watch::channel(self.queue_frame(&name));
        let (live, live_rx) = watch::channel(self.live_frame(&langs));
        let kick = CancellationToken::new();
        let connected = Connected {
            id: self.next_conn,
            chats,
            queue: queue_rx,
            live: live_rx,
            kicked: kick.clone(),
        };
        self.conns.insert(
            name,
            Conn {
                id: self.next_conn,
                langs,
                queue,
                live,
                kick,
            },
        );
        // Waits change with the advisors' free capacity.
        self.queue_dirty = true;
        let _ = reply.send(connected);
    }

    fn on_disconnect(&mut self, agent: &str, connection: u64) {
        if self.conns.get(agent).is_some_and(|c| c.id == connection) {
            self.conns.remove(agent);
            let grace = self.parts.config.agent_grace;
            self.book.disconnect(agent, Instant::now() + grace);
            self.queue_dirty = true;
        }
    }

    fn on_revoke(&mut self, agent: &str, removed: bool) {
        if let Some(conn) = self.conns.remove(agent) {
            conn.kick.cancel();
        }
        if removed {
            let returned = self.book.evict(agent);
            self.requeue(returned);
        } else {
            let grace = self.parts.config.agent_grace;
            self.book.disconnect(agent, Instant::now() + grace);
        }
        self.queue_dirty = true;
    }

    fn on_accept(
        &mut self,
        info: &AgentInfo,
        id: String,
        reply: Reply<Result<Taken, ActionError>>,
    ) {
        let entry = match self.book.claim(&info.name, &id, Instant::now()) {
            Ok(entry) => entry,
            Err(refusal) => {
                let _ = reply.send(Err(ActionError::Refused(refusal)));
                return;
            }
        };
        let assigned =
            self.parts
                .ownership
                .assign(&id, &Owner::Queue, &info.name, &info.display_name, &entry);
        match assigned {
            Ok(commit) => {
                self.announced.remove(&id);
                self.queue_dirty = true;
                self.settle(id, commit, Some(reply), move |_| Taken { entry });
            }
            Err(err) => {
                self.book.unclaim(&id, true);
                let _ = reply.send(Err(err.into()));
            }
        }
    }

    fn on_take_over(
        &mut self,
        info: &AgentInfo,
        entry: QueueEntry,
        reply: Reply<Result<Taken, ActionError>>,
    ) {
        let id = entry.conversation.clone();
        if self.book.is_waiting(&id) {
            // The customer asked in the meantime: an ordinary accept.
            return self.on_accept(info, id, reply);
        }
        if let Err(refusal) = self
            .book
            .take_over(&info.name, entry.clone(), Instant::now())
        {
            let _ = reply.send(Err(ActionError::Refused(refusal)));
            return;
        }
        let assigned =
            self.parts
                .ownership
                .assign(&id, &Owner::Bot, &info.name, &info.display_name, &entry);
        match assigned {
            Ok(commit) => {
                crate::metrics::metrics().handoff(relais_analytics::HandoffReason::Takeover);
                self.live_dirty |= self.live.remove(&id);
                self.queue_dirty = true;
                self.settle(id, commit, Some(reply), move |_| Taken { entry });
            }
            Err(err) => {
                self.book.unclaim(&id, false);
                let _ = reply.send(Err(err.into()));
            }
        }
    }

    fn on_hand_back(
        &mut self,
        agent: &str,
        id: String,
        closed: bool,
        reply: Reply<Result<(), ActionError>>,
    ) {
        if let Err(refusal) = self.book.release(agent, &id, closed, Instant::now()) {
            let _ = reply.send(Err(ActionError::Refused(refusal)));
            return;
        }
        self.queue_dirty = true;
        match self.parts.ownership.hand_back(&id, agent, closed) {
            Ok(commit) => self.settle(id, commit, Some(reply), |_| ()),
            Err(err) => {
                let _ = reply.send(Err(err.into()));
            }
        }
    }

    /// Chats whose advisor is gone go back to the head of the queue.
    fn requeue(&mut self, returned: Vec<Held>) {
        for held in returned {
            let mut entry = held.entry;
            let id = entry.conversation.clone();
            entry.priority = entry.priority.max(self.book.top_priority().unwrap_or(0));
            let eta = self.book.eta_s(&entry, 1);
            match self.parts.ownership.requeue(entry, &held.agent, 1, eta) {
                Ok((stored, commit)) => {
                    self.book.enqueue(stored);
                    self.announced.insert(id.clone(), (1, eta));
                    self.queue_dirty = true;
                    self.settle(id, commit, None::<Reply<Result<(), ActionError>>>, |_| ());
                }
                Err(err) => {
                    tracing::warn!(conversation = %id, error = %err, "cannot requeue a chat");
                }
            }
        }
    }

    // ---- pushes ----

    /// Waits for a transition to be durable in a short task, publishes it to the
    /// conversation's sockets, then answers `reply`.
    fn settle<T: Send + 'static>(
        &self,
        id: String,
        commit: Commit,
        reply: Option<Reply<Result<T, ActionError>>>,
        value: impl FnOnce(Vec<StoredEvent>) -> T + Send + 'static,
    ) {
        let hub = self.parts.hub.clone();
        self.parts.tasks.spawn(async move {
            let result = match commit.durable().await {
                Ok(events) => {
                    hub.publish(&id, &events);
                    Ok(value(events))
                }
                Err(err) => Err(ActionError::Internal(err.to_string())),
            };
            if let Some(reply) = reply {
                let _ = reply.send(result);
            }
        });
    }

    /// Sends each panel its queue and each waiting customer a changed place or wait.
    fn flush_queue(&mut self) {
        if !std::mem::take(&mut self.queue_dirty) {
            return;
        }
        for (name, conn) in &self.conns {
            let frame = self.queue_frame(name);
            conn.queue.send_if_modified(|current| {
                let changed = *current != frame;
                if changed {
                    *current = frame.clone();
                }
                changed
            });
        }
        let hub = &self.parts.hub;
        let mut still: HashMap<String, (u64, u64)> = HashMap::with_capacity(self.announced.len());
        for (id, position, eta_s) in self.book.positions() {
            let now = (position, eta_s);
            if self.announced.get(id) != Some(&now) {
                hub.signal(id, Signal::QueueUpdate { position, eta_s });
            }
            still.insert(id.to_owned(), now);
        }
        self.announced = still;
    }

    fn flush_live(&mut self) {
        if !std::mem::take(&mut self.live_dirty) {
            return;
        }
        for conn in self.conns.values() {
            let frame = self.live_frame(&conn.langs);
            conn.live.send_if_modified(|current| {
                let changed = *current != frame;
                if changed {
                    *current = frame.clone();
                }
                changed
            });
        }
    }

    fn queue_frame(&self, agent: &str) -> Arc<str> {
        let now = now_ms();
        let items = self.book.items_for(agent);
        let total = items.len();
        let items = items
            .into_iter()
            .take(MAX_ITEMS)
            .map(|(entry, position)| queue_item(entry, position, now))
            .collect();
        AgentFrame::Queue { items, total }.encode().into()
    }

    fn live_frame(&self, langs: &[String]) -> Arc<str> {
        let items = self
            .live
            .for_langs(langs)
            .into_iter()
            .filter_map(|item| serde_json::to_value(item).ok())
            .collect();
        AgentFrame::Live { items }.encode().into()
    }

    // ---- restart ----

    /// Rebuilds the book from the store: the queue in its stored order (entries whose
    /// conversation is no longer waiting are dropped), and chats held by advisors, whose
    /// grace period starts now.
    fn rebuild(&mut self) {
        let ownership = self.parts.ownership.clone();
        let store = ownership.store();
        match store.queue() {
            Ok(entries) => {
                for entry in entries {
                    match ownership.owner(&entry.conversation) {
                        Ok((Owner::Queue, _)) => self.book.enqueue(entry),
                        _ => {
                            if let Err(err) = ownership.drop_stale(&entry.conversation) {
                                tracing::warn!(error = %err, "cannot drop a stale queue entry");
                            }
                        }
                    }
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot read the queue from the store"),
        }
        let now = Instant::now();
        let grace_until = now + self.parts.config.agent_grace;
        match store.conversations() {
            Ok(records) => {
                for record in records {
                    let state =
                        crate::stored_state::StoredState::from_json(&record.id, &record.state);
                    let Owner::Agent(name) = &state.owner else {
                        continue;
                    };
                    let agent = store.agent(name).ok().flatten();
                    // A removed advisor's chats go back to the queue at once.
                    let (info, until) = match &agent {
                        Some(record) => (AgentInfo::from(record), grace_until),
                        None => (AgentInfo::gone(name), now),
                    };
                    let entry = state
                        .handoff
                        .clone()
                        .unwrap_or_else(|| bare_entry(&record.id, &state));
                    self.book.recover(info, entry, now, until);
                }
            }
            Err(err) => tracing::error!(error = %err, "cannot read conversations from the store"),
        }
        for (id, position, eta) in self.book.positions() {
            self.announced.insert(id.to_owned(), (position, eta));
        }
        tracing::info!(
            waiting = self.book.len(),
            "advisor queue rebuilt from the store"
        );
    }
}

/// A queue entry for a held conversation that has none stored (written by an older build).
fn bare_entry(id: &str, state: &crate::stored_state::StoredState) -> QueueEntry {
    QueueEntry {
        conversation: id.to_owned(),
        order: 0,
        lang: state
            .lang
            .or(state.dialogue.lang)
            .map_or("fr", |l| l.code())
            .to_owned(),
        skill: None,
        priority: 0,
        requested_agent: None,
        reason: "explicit".to_owned(),
        enqueued_ms: now_ms(),
        context: json!({}),
    }
}

/// One waiting conversation as an advisor's queue shows it.
fn queue_item(entry: &QueueEntry, position: u64, now_ms: u64) -> Value {
    let list = |key: &str| entry.context.get(key).cloned().unwrap_or_else(|| json!([]));
    json!({
        "conversation": entry.conversation,
        "lang": entry.lang,
        "skill": entry.skill,
        "priority": entry.priority,
        "waiting_s": now_ms.saturating_sub(entry.enqueued_ms) / 1000,
        "enqueued_ms": entry.enqueued_ms,
        "reason": entry.reason,
        "position": position,
        "requested_agent": entry.requested_agent,
        "understood": list("understood"),
        "missed": list("missed"),
    })
}

/// The connected advisor named in `text` (display name or login name, as whole words).
fn mentioned<'a>(book: &'a Book, text: &str) -> Option<&'a AgentInfo> {
    let words = as_words(text);
    book.connected().find(|agent| {
        [&agent.display_name, &agent.name].iter().any(|name| {
            let name = as_words(name);
            name.trim().chars().count() >= 3 && words.contains(&name)
        })
    })
}

/// Lowercase words separated and surrounded by single spaces.
fn as_words(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    format!(" {} ", words.join(" "))
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
