//! Per-conversation fan-out: every socket of a conversation sees every event once it is durable.
//! The same channel carries live-only signals (typing, queue position), which are never stored.
//!
//! The hub maps a conversation id to a bounded broadcast channel plus the lock that serialises
//! the conversation's turns, which also keeps the conversation's decoded state between turns
//! ([`StateCache`]). Entries live exactly as long as some socket is subscribed. A
//! receiver that falls behind is told it lagged and catches up from the store, so the channel's
//! capacity bounds memory without ever losing an event.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use relais_store::StoredEvent;
use tokio::sync::broadcast;

use crate::stored_state::StateCache;

/// The map of live conversations; a cheap handle.
#[derive(Clone, Debug)]
pub(crate) struct Hub {
    /// Live conversations. Every `Arc<Channel>` clone outside the map belongs to a
    /// [`Subscription`] and is made or dropped under this lock, which makes the strong count a
    /// reliable subscriber count.
    conversations: Arc<Mutex<HashMap<String, Arc<Channel>>>>,
    capacity: usize,
}

#[derive(Debug)]
struct Channel {
    sender: broadcast::Sender<Live>,
    /// Held while a turn reads the state, runs the engine and appends: turns of one
    /// conversation never interleave, so seq numbers can be predicted under it. It guards
    /// the state kept between turns, which lives and dies with this entry.
    turn: Mutex<StateCache>,
}

/// What travels on a conversation's channel.
#[derive(Clone, Debug)]
enum Live {
    Event(Arc<StoredEvent>),
    Signal(Signal),
}

/// A live-only notice about a conversation: never stored, lost if nobody listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The waiting customer's place and estimated wait.
    QueueUpdate {
        /// 1 is next.
        position: u64,
        /// Estimated wait in seconds.
        eta_s: u64,
    },
    /// The advisor is typing.
    AgentTyping,
    /// The customer is typing.
    CustomerTyping,
}

/// What a subscriber receives next.
#[derive(Debug)]
pub(crate) enum Received {
    /// A durable event of the conversation.
    Event(Arc<StoredEvent>),
    /// A live-only notice.
    Signal(Signal),
    /// Events were dropped because this receiver was too slow: catch up from the store.
    Lagged,
}

/// One socket's attachment to a conversation.
#[derive(Debug)]
pub(crate) struct Subscription {
    hub: Hub,
    id: String,
    channel: Arc<Channel>,
    receiver: broadcast::Receiver<Live>,
}

impl Hub {
    /// An empty hub whose channels hold `capacity` events each.
    pub(crate) fn new(capacity: usize) -> Hub {
        Hub {
            conversations: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    /// Subscribes to the events of conversation `id` published from now on.
    pub(crate) fn subscribe(&self, id: &str) -> Subscription {
        let mut map = self.lock();
        let channel = Arc::clone(map.entry(id.to_owned()).or_insert_with(|| {
            Arc::new(Channel {
                sender: broadcast::channel(self.capacity).0,
                turn: Mutex::new(StateCache::default()),
            })
        }));
        drop(map);
        let receiver = channel.sender.subscribe();
        Subscription {
            hub: self.clone(),
            id: id.to_owned(),
            channel,
            receiver,
        }
    }

    /// Sends durable events to the conversation's subscribers, if it has any.
    pub(crate) fn publish(&self, id: &str, events: &[StoredEvent]) {
        // Sent under the map lock, without cloning the channel (see `conversations`).
        if let Some(channel) = self.lock().get(id) {
            for event in events {
                // An error only means that every subscriber has just left.
                let _ = channel.sender.send(Live::Event(Arc::new(event.clone())));
            }
        }
    }

    /// Sends a live-only signal to the conversation's subscribers, if it has any.
    pub(crate) fn signal(&self, id: &str, signal: Signal) {
        if let Some(channel) = self.lock().get(id) {
            let _ = channel.sender.send(Live::Signal(signal));
        }
    }

    /// How many conversations have at least one subscriber.
    #[cfg(test)]
    pub(crate) fn live(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Channel>>> {
        // The map is consistent after every statement, so a poisoned lock is still usable.
        self.conversations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Subscription {
    /// The conversation id.
    pub(crate) fn id(&self) -> &str {
        &self.id
    }

    /// Takes the conversation's turn lock, with the state kept between turns; hold it only
    /// for synchronous work.
    pub(crate) fn turn(&self) -> MutexGuard<'_, StateCache> {
        // A turn takes the kept state out and puts it back only after its write succeeded,
        // so a turn that panicked left nothing stale behind: a poisoned lock is still usable.
        self.channel
            .turn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends durable events to every subscriber of the conversation, this one included.
    pub(crate) fn publish(&self, events: &[StoredEvent]) {
        for event in events {
            // An error means no receiver, impossible while `self` holds one.
            let _ = self
                .channel
                .sender
                .send(Live::Event(Arc::new(event.clone())));
        }
    }

    /// Waits for the next event. Cancel-safe.
    pub(crate) async fn recv(&mut self) -> Received {
        match self.receiver.recv().await {
            Ok(Live::Event(event)) => Received::Event(event),
            Ok(Live::Signal(signal)) => Received::Signal(signal),
            Err(broadcast::error::RecvError::Lagged(_)) => Received::Lagged,
            // Invariant: `self.channel` keeps a sender alive, so the channel never closes.
            Err(broadcast::error::RecvError::Closed) => std::future::pending().await,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut map = self.hub.lock();
        // The map's Arc plus ours: we are the last subscriber.
        if Arc::strong_count(&self.channel) == 2 {
            map.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64) -> StoredEvent {
        StoredEvent {
            seq,
            at_ms: 0,
            body: serde_json::json!({"n": seq}),
        }
    }

    async fn next_seq(sub: &mut Subscription) -> Option<u64> {
        match sub.recv().await {
            Received::Event(e) => Some(e.seq),
            Received::Lagged | Received::Signal(_) => None,
        }
    }

    #[tokio::test]
    async fn every_subscriber_of_a_conversation_gets_its_events() {
        let hub = Hub::new(8);
        let mut a = hub.subscribe("c1");
        let mut b = hub.subscribe("c1");
        let mut other = hub.subscribe("c2");
        a.publish(&[event(1), event(2)]);
        other.publish(&[event(7)]);
        assert_eq!(next_seq(&mut a).await, Some(1));
        assert_eq!(next_seq(&mut a).await, Some(2));
        assert_eq!(next_seq(&mut b).await, Some(1));
        assert_eq!(next_seq(&mut b).await, Some(2));
        assert_eq!(next_seq(&mut other).await, Some(7));
    }

    #[tokio::test]
    async fn a_slow_subscriber_learns_it_lagged() {
        let hub = Hub::new(2);
        let mut slow = hub.subscribe("c1");
        let fast = hub.subscribe("c1");
        fast.publish(&[event(1), event(2), event(3)]);
        assert_eq!(next_seq(&mut slow).await, None, "lag is reported");
        assert_eq!(next_seq(&mut slow).await, Some(2), "then the newest events");
    }

    #[tokio::test]
    async fn signals_and_events_reach_subscribers_without_subscribing() {
        let hub = Hub::new(8);
        let mut a = hub.subscribe("c1");
        hub.signal("c1", Signal::AgentTyping);
        hub.publish("c1", &[event(4)]);
        hub.signal("nobody", Signal::CustomerTyping);
        assert!(matches!(
            a.recv().await,
            Received::Signal(Signal::AgentTyping)
        ));
        assert_eq!(next_seq(&mut a).await, Some(4));
    }

    #[test]
    fn entries_live_as_long_as_their_subscribers() {
        let hub = Hub::new(4);
        let a = hub.subscribe("c1");
        let b = hub.subscribe("c1");
        assert_eq!(hub.live(), 1);
        drop(a);
        assert_eq!(hub.live(), 1);
        drop(b);
        assert_eq!(hub.live(), 0);
        let _c = hub.subscribe("c1");
        assert_eq!(hub.live(), 1);
    }
}
