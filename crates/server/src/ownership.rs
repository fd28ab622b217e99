//! Changes of hands of a conversation (bot, queue, advisor), each one a `handoff` transcript
//! event written in the same store write as the new owner.
//!
//! Every transition takes the conversation's turn lock, reads the stored owner, refuses if it
//! is not the expected one, and appends. The stored owner is therefore always the one the
//! transcript last announced, and a customer turn (which reads it under the same lock) can
//! never slip a bot reply in while a human owns the chat. The queue actor decides *whether* a
//! transition happens; this module makes it durable and visible.

use std::sync::Arc;

use relais_store::{Durable, QueueEntry, Store, StoreError, StoredEvent};

use crate::conversation::Commit;
use crate::hub::Hub;
use crate::protocol::{EndedBy, HandoffEvent};
use crate::stored_state::{Loaded, Owner, StoredState};
use crate::transcript::Event;

/// A transition could not happen.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransitionError {
    /// The conversation is not owned by whom the transition expects.
    #[error("the conversation is owned by {0:?}")]
    WrongOwner(Owner),
    /// No such conversation.
    #[error("no such conversation")]
    Missing,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes ownership transitions; a cheap handle.
#[derive(Clone)]
pub(crate) struct Ownership {
    store: Arc<dyn Store>,
    hub: Hub,
}

impl Ownership {
    /// Transitions over `store`, locking turns through `hub`.
    pub(crate) fn new(store: Arc<dyn Store>, hub: Hub) -> Ownership {
        Ownership { store, hub }
    }

    /// The store.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The conversation's owner and handoff entry, as stored.
    pub(crate) fn owner(&self, id: &str) -> Result<(Owner, Option<QueueEntry>), TransitionError> {
        let record = self
            .store
            .conversation(id)?
            .ok_or(TransitionError::Missing)?;
        let state = StoredState::from_json(id, &record.state);
        Ok((state.owner, state.handoff))
    }

    /// bot → queue: stores `entry` in the queue and announces `position` and `eta_s`.
    pub(crate) fn enqueue(
        &self,
        entry: QueueEntry,
        position: u64,
        eta_s: u64,
    ) -> Result<(QueueEntry, Commit), TransitionError> {
        let id = entry.conversation.clone();
        self.transition(&id, |this, state| {
            expect_owner(state, &Owner::Bot)?;
            // An entry left by a crash between the two writes of an earlier handoff is stale.
            let (_, dequeued) = this.store.dequeue(&id)?;
            let (entry, queued) = this.store.enqueue(entry)?;
            state.owner = Owner::Queue;
            state.handoff = Some(entry.clone());
            let event = HandoffEvent::queued(position, eta_s, false);
            Ok((entry, vec![handoff(event, None)], vec![dequeued, queued]))
        })
    }

    /// queue or bot → advisor `name`, shown to the customer as `display_name`. From the queue,
    /// the entry leaves the store's queue in the same step.
    pub(crate) fn assign(
        &self,
        id: &str,
        from: &Owner,
        name: &str,
        display_name: &str,
        entry: &QueueEntry,
    ) -> Result<Commit, TransitionError> {
        self.transition(id, |this, state| {
            expect_owner(state, from)?;
            let mut durables = Vec::new();
            if *from == Owner::Queue {
                durables.push(this.store.dequeue(id)?.1);
            }
            state.owner = Owner::Agent(name.to_owned());
            state.handoff = Some(entry.clone());
            let event = HandoffEvent::assigned(display_name);
            Ok(((), vec![handoff(event, Some(name))], durables))
        })
        .map(|((), commit)| commit)
    }

    /// advisor `name` → bot: closed by the advisor (`ended`) or handed back (`returned`).
    pub(crate) fn hand_back(
        &self,
        id: &str,
        name: &str,
        closed: bool,
    ) -> Result<Commit, TransitionError> {
        self.transition(id, |_, state| {
            expect_owner(state, &Owner::Agent(name.to_owned()))?;
            back_to_bot(state);
            let event = if closed {
                HandoffEvent::ended(EndedBy::Agent)
            } else {
                HandoffEvent::returned()
            };
            Ok(((), vec![handoff(event, Some(name))], Vec::new()))
        })
        .map(|((), commit)| commit)
    }

    /// queue or advisor → bot: the customer left the queue or ended the chat. Returns the
    /// previous owner.
    pub(crate) fn customer_left(&self, id: &str) -> Result<(Owner, Commit), TransitionError> {
        self.transition(id, |this, state| {
            let previous = state.owner.clone();
            let mut durables = Vec::new();
            match &previous {
                Owner::Bot => return Err(TransitionError::WrongOwner(Owner::Bot)),
                Owner::Queue => durables.push(this.store.dequeue(id)?.1),
                Owner::Agent(_) => {}
            }
            back_to_bot(state);
            let name = previous.agent().map(str::to_owned);
            let event = handoff(HandoffEvent::ended(EndedBy::Customer), name.as_deref());
            Ok((previous, vec![event], durables))
        })
    }

    /// advisor `name` → queue, at the head: the advisor left and their grace period ran out.
    pub(crate) fn requeue(
        &self,
        entry: QueueEntry,
        name: &str,
        position: u64,
        eta_s: u64,
    ) -> Result<(QueueEntry, Commit), TransitionError> {
        let id = entry.conversation.clone();
        self.transition(&id, |this, state| {
            expect_owner(state, &Owner::Agent(name.to_owned()))?;
            let (_, dequeued) = this.store.dequeue(&id)?;
            let (entry, queued) = this.store.enqueue_front(entry)?;
            state.owner = Owner::Queue;
            state.handoff = Some(entry.clone());
            let event = HandoffEvent::queued(position, eta_s, true);
            Ok((
                entry,
                vec![handoff(event, Some(name))],
                vec![dequeued, queued],
            ))
        })
    }

    /// Removes a queue entry whose conversation is not waiting any more (restart cleanup).
    pub(crate) fn drop_stale(&self, id: &str) -> Result<(), StoreError> {
        let sub = self.hub.subscribe(id);
        let _turn = sub.turn();
        let (_, durable) = self.store.dequeue(id)?;
        drop(durable);
        Ok(())
    }

    /// Runs `change` on the conversation's state under its turn lock (kept there between
    /// writes, see `StateCache`), then appends the events it returns together with the new
    /// state, and keeps that state for the next write.
    fn transition<T>(
        &self,
        id: &str,
        change: impl FnOnce(
            &Ownership,
            &mut StoredState,
        ) -> Result<(T, Vec<Event>, Vec<Durable>), TransitionError>,
    ) -> Result<(T, Commit), TransitionError> {
        let sub = self.hub.subscribe(id);
        let mut turn = sub.turn();
        let mut loaded = turn
            .take(self.store.as_ref(), id)?
            .ok_or(TransitionError::Missing)?;
        // A refused or failed change keeps nothing: the next write decodes the record again.
        let (value, events, mut durables) = change(self, &mut loaded.state)?;
        let bodies = events.iter().map(Event::to_json).collect();
        let (stored, durable): (Vec<StoredEvent>, Durable) =
            self.store
                .append_turn(id, bodies, Some(&loaded.state.to_raw()), None)?;
        durables.push(durable);
        let last_seq = stored.last().map_or(loaded.last_seq, |event| event.seq);
        turn.keep(Loaded { last_seq, ..loaded });
        Ok((value, Commit::new(stored, durables)))
    }
}

fn expect_owner(state: &StoredState, expected: &Owner) -> Result<(), TransitionError> {
    if state.owner == *expected {
        Ok(())
    } else {
        Err(TransitionError::WrongOwner(state.owner.clone()))
    }
}

/// The bot takes over again, without a question pending from before the advisor.
fn back_to_bot(state: &mut StoredState) {
    state.owner = Owner::Bot;
    state.dialogue.pending = None;
    state.dialogue.misunderstanding_streak = 0;
    state.quick_replies.clear();
}

fn handoff(event: HandoffEvent, name: Option<&str>) -> Event {
    Event::Handoff {
        handoff: event,
        name: name.map(str::to_owned),
    }
}

impl std::fmt::Debug for Ownership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ownership").finish_non_exhaustive()
    }
}
