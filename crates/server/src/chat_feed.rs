//! One held chat's feed to its advisor: a small task per chat that turns the conversation's
//! events and signals into advisor frames (customer messages with suggestions, typing, the end
//! of the chat).
//!
//! It subscribes to the conversation like any customer socket, so it gets exactly the durable
//! events; a lag or a gap is filled from the store. It only sends into its panel's bounded
//! channel, so a slow panel slows its own feeds and nothing else.

use relais_nlu::Lang;
use relais_store::StoredEvent;
use tokio::sync::mpsc;

use crate::agent_protocol::{AgentFrame, ChatEndedBy};
use crate::hub::{Received, Signal, Subscription};
use crate::protocol::{EndedBy, HandoffState};
use crate::state::AppState;
use crate::suggest::suggestions;
use crate::transcript::Event;

/// What a feed tells its panel's session.
#[derive(Debug)]
pub(crate) enum FeedOut {
    /// An encoded frame to send.
    Frame(String),
    /// The chat left the advisor: forget it and tell the panel.
    Ended {
        conversation: String,
        by: ChatEndedBy,
    },
}

/// The feed of one chat.
pub(crate) struct ChatFeed {
    pub(crate) app: AppState,
    pub(crate) sub: Subscription,
    /// The highest seq already shown to the advisor (the transcript's last).
    pub(crate) last_seq: u64,
    pub(crate) lang: Lang,
    pub(crate) out: mpsc::Sender<FeedOut>,
}

impl ChatFeed {
    /// Runs until the chat leaves the advisor or the panel's session ends.
    pub(crate) async fn run(mut self) {
        loop {
            let more = match self.sub.recv().await {
                Received::Event(event) => {
                    let caught_up =
                        event.seq <= self.last_seq + 1 || self.catch_up(event.seq).await;
                    caught_up && self.handle(&event).await
                }
                Received::Lagged => self.catch_up(u64::MAX).await,
                Received::Signal(Signal::CustomerTyping) => {
                    let frame = AgentFrame::CustomerTyping {
                        conversation: self.sub.id(),
                    };
                    self.send(FeedOut::Frame(frame.encode())).await
                }
                Received::Signal(Signal::AgentTyping | Signal::QueueUpdate { .. }) => true,
            };
            if !more {
                return;
            }
        }
    }

    /// Handles the stored events after `last_seq` and before `before`; `false` when the feed
    /// is over.
    async fn catch_up(&mut self, before: u64) -> bool {
        let events = match self.app.store().events_after(self.sub.id(), self.last_seq) {
            Ok(events) => events,
            Err(err) => {
                tracing::warn!(error = %err, "an advisor's feed cannot catch up");
                return true;
            }
        };
        for event in events.iter().take_while(|e| e.seq < before) {
            if !self.handle(event).await {
                return false;
            }
        }
        true
    }

    /// One durable event; `false` when the feed is over.
    async fn handle(&mut self, stored: &StoredEvent) -> bool {
        if stored.seq <= self.last_seq {
            return true;
        }
        self.last_seq = stored.seq;
        let conversation = self.sub.id().to_owned();
        match Event::from_json(stored.seq, &stored.body) {
            Some(Event::Customer { text, .. }) => {
                let frame = AgentFrame::Customer {
                    conversation: &conversation,
                    seq: stored.seq,
                    text: &text,
                };
                if !self.send(FeedOut::Frame(frame.encode())).await {
                    return false;
                }
                let items = suggestions(&self.app, &text, self.lang);
                let frame = AgentFrame::Suggestions {
                    conversation: &conversation,
                    items: &items,
                };
                self.send(FeedOut::Frame(frame.encode())).await
            }
            Some(Event::Handoff { handoff, .. }) => {
                let by = match (handoff.state, handoff.by) {
                    (HandoffState::Ended, Some(EndedBy::Customer)) => ChatEndedBy::Customer,
                    (HandoffState::Ended | HandoffState::Returned, _) => ChatEndedBy::Agent,
                    (HandoffState::Queued, _) => ChatEndedBy::Timeout,
                    (HandoffState::Assigned | HandoffState::Unavailable, _) => return true,
                };
                let _ = self.send(FeedOut::Ended { conversation, by }).await;
                false
            }
            _ => true,
        }
    }

    /// `false` when the panel's session is gone.
    async fn send(&self, out: FeedOut) -> bool {
        self.out.send(out).await.is_ok()
    }
}
