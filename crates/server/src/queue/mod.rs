//! The advisor queue as an actor: one task owns the waiting line, the advisors' presence and
//! who holds which chat; everyone else sends it requests with a `oneshot` reply slot over a
//! bounded channel.
//!
//! Serialising every decision in one task is what makes "exactly one advisor wins a chat" and
//! "the queue order is the store's order" simple to hold. The actor decides and writes the
//! ownership transition (`ownership`), then a short task waits for the write to be durable,
//! publishes it to the conversation's sockets and only then replies: nobody is told anything
//! that is not on disk. Advisors' panels receive the queue and the live view through `watch`
//! channels (latest value wins, so a slow panel cannot make the actor wait).
//!
//! Health: when the actor stops (shutdown), every request fails with [`QueueError::Stopped`].

mod actor;
mod book;
mod live;

use std::sync::Arc;

use relais_store::{QueueEntry, StoredEvent};
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

pub(crate) use actor::{Actor, ActorParts};
pub(crate) use book::{AgentInfo, Refusal};
pub(crate) use live::LiveItem;

use crate::error::SessionError;
use crate::ownership::TransitionError;
use crate::protocol::Unavailable;

/// Requests waiting for the actor at most; senders wait when it is full.
pub(crate) const MAILBOX: usize = 1024;

/// The actor is not running.
#[derive(Debug, thiserror::Error)]
pub(crate) enum QueueError {
    #[error("the advisor queue is not running")]
    Stopped,
}

/// Why an advisor's request failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ActionError {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("the advisor queue is not running")]
    Stopped,
    #[error("{0}")]
    Internal(String),
}

impl From<QueueError> for ActionError {
    fn from(_: QueueError) -> Self {
        ActionError::Stopped
    }
}

impl From<TransitionError> for ActionError {
    fn from(err: TransitionError) -> Self {
        match err {
            TransitionError::WrongOwner(_) | TransitionError::Missing => {
                ActionError::Refused(Refusal::NotFound)
            }
            TransitionError::Store(err) => ActionError::Internal(err.to_string()),
        }
    }
}

impl From<ActionError> for SessionError {
    fn from(err: ActionError) -> SessionError {
        match err {
            ActionError::Refused(Refusal::NotFound) => SessionError::NotFound,
            ActionError::Refused(Refusal::AlreadyTaken) => SessionError::AlreadyTaken,
            ActionError::Refused(Refusal::NotOwner) => SessionError::NotOwner,
            ActionError::Refused(Refusal::NotEligible) => SessionError::NotEligible(
                "this conversation needs another language or skill, or another advisor",
            ),
            ActionError::Refused(Refusal::AtCapacity) => {
                SessionError::NotEligible("you already hold as many chats as your capacity")
            }
            ActionError::Stopped => SessionError::QueueStopped,
            ActionError::Internal(message) => SessionError::Internal(message),
        }
    }
}

/// A customer's request for an advisor.
#[derive(Clone, Debug)]
pub(crate) struct HandoffAsk {
    /// The entry to queue (its `order` is the store's to set).
    pub(crate) entry: QueueEntry,
    /// The advisor asked for in `hello`, if any.
    pub(crate) requested: Option<String>,
    /// The message that triggered the handoff, where an advisor may be named.
    pub(crate) text: String,
}

/// The actor's answer to a [`HandoffAsk`].
#[derive(Debug)]
pub(crate) enum HandoffAnswer {
    /// Queued: the durable, published `handoff queued` event.
    Queued(Vec<StoredEvent>),
    /// No advisor now, for this reason: offer the callback form.
    Unavailable(Unavailable),
    /// Someone else already handed the conversation over (another tab).
    AlreadyHandled,
}

/// What an advisor's panel gets on connecting.
#[derive(Debug)]
pub(crate) struct Connected {
    /// This connection's number, to say goodbye with.
    pub(crate) id: u64,
    /// The chats the advisor holds.
    pub(crate) chats: Vec<String>,
    /// The encoded `queue` frame for this advisor, latest first.
    pub(crate) queue: watch::Receiver<Arc<str>>,
    /// The encoded `live` frame for this advisor.
    pub(crate) live: watch::Receiver<Arc<str>>,
    /// Cancelled when another connection of the same advisor replaces this one, or the
    /// advisor is revoked.
    pub(crate) kicked: CancellationToken,
}

/// A successful accept or takeover.
#[derive(Debug)]
pub(crate) struct Taken {
    /// The entry (routing and context of the conversation).
    pub(crate) entry: QueueEntry,
}

type Reply<T> = oneshot::Sender<T>;

/// One request to the actor.
#[derive(Debug)]
pub(crate) enum Request {
    Handoff(HandoffAsk, Reply<Result<HandoffAnswer, ActionError>>),
    Leave(String, Reply<Result<Option<Vec<StoredEvent>>, ActionError>>),
    Position(String, Reply<Option<(u64, u64)>>),
    Connect(AgentInfo, Reply<Connected>),
    Disconnect {
        agent: String,
        connection: u64,
    },
    Accept(AgentInfo, String, Reply<Result<Taken, ActionError>>),
    TakeOver(AgentInfo, QueueEntry, Reply<Result<Taken, ActionError>>),
    HandBack {
        agent: String,
        conversation: String,
        closed: bool,
        reply: Reply<Result<(), ActionError>>,
    },
    Activity(LiveItem),
    Revoke {
        agent: String,
        removed: bool,
    },
    #[cfg(test)]
    Snapshot(Reply<Snapshot>),
}

/// The actor's state, for tests.
#[cfg(test)]
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    /// Waiting conversations in serving order.
    pub(crate) waiting: Vec<String>,
    /// (conversation, advisor) pairs, sorted.
    pub(crate) held: Vec<(String, String)>,
}

/// The cheap handle every session talks to the actor through.
#[derive(Clone, Debug)]
pub(crate) struct QueueHandle {
    tx: mpsc::Sender<Request>,
}

impl QueueHandle {
    /// A handle over the actor's mailbox.
    pub(crate) fn new(tx: mpsc::Sender<Request>) -> QueueHandle {
        QueueHandle { tx }
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Request) -> Result<T, QueueError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(make(reply))
            .await
            .map_err(|_| QueueError::Stopped)?;
        answer.await.map_err(|_| QueueError::Stopped)
    }

    /// Queues a conversation, or says why no advisor can chat now.
    pub(crate) async fn handoff(&self, ask: HandoffAsk) -> Result<HandoffAnswer, ActionError> {
        self.ask(|reply| Request::Handoff(ask, reply)).await?
    }

    /// The customer leaves the queue or their advisor; `None` when they had neither.
    pub(crate) async fn leave(&self, id: &str) -> Result<Option<Vec<StoredEvent>>, ActionError> {
        self.ask(|reply| Request::Leave(id.to_owned(), reply))
            .await?
    }

    /// A waiting conversation's place and estimated wait.
    pub(crate) async fn position(&self, id: &str) -> Result<Option<(u64, u64)>, QueueError> {
        self.ask(|reply| Request::Position(id.to_owned(), reply))
            .await
    }

    /// An advisor's panel connected.
    pub(crate) async fn connect(&self, agent: AgentInfo) -> Result<Connected, QueueError> {
        self.ask(|reply| Request::Connect(agent, reply)).await
    }

    /// An advisor's panel disconnected (their chats wait for the grace period).
    pub(crate) async fn disconnect(&self, agent: &str, connection: u64) {
        let request = Request::Disconnect {
            agent: agent.to_owned(),
            connection,
        };
        // A stopped actor has nothing left to release.
        let _ = self.tx.send(request).await;
    }

    /// An advisor takes a waiting conversation.
    pub(crate) async fn accept(&self, agent: AgentInfo, id: &str) -> Result<Taken, ActionError> {
        self.ask(|reply| Request::Accept(agent, id.to_owned(), reply))
            .await?
    }

    /// An advisor takes over a conversation still with the bot.
    pub(crate) async fn take_over(
        &self,
        agent: AgentInfo,
        entry: QueueEntry,
    ) -> Result<Taken, ActionError> {
        self.ask(|reply| Request::TakeOver(agent, entry, reply))
            .await?
    }

    /// An advisor closes a chat (`closed`) or hands it back to the bot.
    pub(crate) async fn hand_back(
        &self,
        agent: &str,
        id: &str,
        closed: bool,
    ) -> Result<(), ActionError> {
        self.ask(|reply| Request::HandBack {
            agent: agent.to_owned(),
            conversation: id.to_owned(),
            closed,
            reply,
        })
        .await?
    }

    /// A bot turn happened (for the live view); dropped when the actor is busy.
    pub(crate) fn activity(&self, item: LiveItem) {
        let _ = self.tx.try_send(Request::Activity(item));
    }

    /// An advisor was changed or removed: their panel is disconnected at once.
    pub(crate) async fn revoke(&self, agent: &str, removed: bool) {
        let request = Request::Revoke {
            agent: agent.to_owned(),
            removed,
        };
        let _ = self.tx.send(request).await;
    }

    /// The actor's state.
    #[cfg(test)]
    pub(crate) async fn snapshot(&self) -> Snapshot {
        self.ask(Request::Snapshot).await.expect("actor running")
    }
}

#[cfg(test)]
#[path = "queue_test.rs"]
mod tests;
