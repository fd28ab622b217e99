//! Group commit: one flusher thread makes many writers' data durable with one flush.
//!
//! A writer applies its write to the backend's memory first, then registers a waiter
//! ([`GroupCommit::register`]). The flusher takes every waiter present, flushes once, and
//! completes them all with the outcome; waiters arriving during that flush ride the next one.
//! Because each waiter is registered after its write, the flush that completes it covers it.
//!
//! On flush failure every waiter of that round receives the error (their writes are not known
//! to be durable); the next round flushes again, so a transient failure is not sticky.
//! Dropping the [`GroupCommit`] flushes the waiters still pending, then joins the thread.

use std::mem;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

use crate::durable::{Durable, DurableSender};
use crate::{StoreError, StoreResult};

/// Counters of the flusher, for tests and benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlushStats {
    /// Flushes performed.
    pub flushes: u64,
    /// Waiters completed by those flushes (one per write that asked for durability).
    pub writes: u64,
}

/// The flush operation: makes every write applied so far durable, or says why it could not.
pub(crate) type FlushFn = Box<dyn FnMut() -> Result<(), String> + Send>;

/// Owner of the flusher thread.
pub(crate) struct GroupCommit {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// What writers and the flusher share.
struct Shared {
    /// Held only to push or take waiters and bump counters, never across a flush.
    state: Mutex<Pending>,
    /// Signalled when a waiter arrives or shutdown starts.
    wake: Condvar,
}

#[derive(Default)]
struct Pending {
    waiters: Vec<DurableSender>,
    closing: bool,
    stats: FlushStats,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // The guarded data is a list and counters that every section leaves consistent, so a
        // panic elsewhere cannot have left it half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl GroupCommit {
    /// Starts the flusher thread.
    pub(crate) fn start(flush: FlushFn) -> StoreResult<Self> {
        let shared = Arc::new(Shared {
            state: Mutex::new(Pending::default()),
            wake: Condvar::new(),
        });
        let for_thread = Arc::clone(&shared);
        let thread = thread::Builder::new()
            .name("relais-store-flush".to_owned())
            .spawn(move || run(&for_thread, flush))
            .map_err(|e| StoreError::Backend(format!("cannot start the flusher thread: {e}")))?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Registers a waiter for every write applied before this call.
    pub(crate) fn register(&self) -> Durable {
        let (tx, durable) = Durable::pending();
        self.shared.lock().waiters.push(tx);
        self.shared.wake.notify_one();
        durable
    }

    /// The counters so far.
    pub(crate) fn stats(&self) -> FlushStats {
        self.shared.lock().stats
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panicking flusher already dropped its waiters (they saw an error); nothing
            // more can be done for them here.
            let _ = thread.join();
        }
    }
}

/// The flusher loop: wait for waiters, flush once for all of them, complete them, repeat.
fn run(shared: &Shared, mut flush: FlushFn) {
    loop {
        let batch = {
            let mut pending = shared.lock();
            while pending.waiters.is_empty() && !pending.closing {
                pending = shared
                    .wake
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if pending.waiters.is_empty() {
                return;
            }
            mem::take(&mut pending.waiters)
        };
        let outcome = flush();
        {
            let mut pending = shared.lock();
            pending.stats.flushes += 1;
            pending.stats.writes += batch.len() as u64;
        }
        for waiter in batch {
            // A send fails only when the caller dropped its Durable: nobody is listening.
            let _ = waiter.send(outcome.clone().map_err(StoreError::Backend));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    /// A flush that reports each call, then waits for the test to let it finish.
    fn gated_flush(
        outcomes: Vec<Result<(), String>>,
    ) -> (FlushFn, mpsc::Receiver<()>, mpsc::Sender<()>) {
        let (started_tx, started_rx) = mpsc::channel();
        let (gate_tx, gate_rx) = mpsc::channel::<()>();
        let mut outcomes = outcomes.into_iter();
        let flush: FlushFn = Box::new(move || {
            let _ = started_tx.send(());
            let _ = gate_rx.recv();
            outcomes.next().unwrap_or(Ok(()))
        });
        (flush, started_rx, gate_tx)
    }

    #[test]
    fn waiters_arriving_during_a_flush_share_the_next_one() {
        let (flush, started, gate) = gated_flush(vec![]);
        let commit = GroupCommit::start(flush).unwrap();
        let first = commit.register();
        started.recv().unwrap();
        let later: Vec<Durable> = (0..10).map(|_| commit.register()).collect();
        gate.send(()).unwrap();
        first.wait().unwrap();
        started.recv().unwrap();
        gate.send(()).unwrap();
        for durable in later {
            durable.wait().unwrap();
        }
        assert_eq!(
            commit.stats(),
            FlushStats {
                flushes: 2,
                writes: 11
            }
        );
    }

    #[test]
    fn a_failed_flush_fails_every_waiter_of_its_round_only() {
        let (flush, started, gate) = gated_flush(vec![Err("disk on fire".to_owned()), Ok(())]);
        let commit = GroupCommit::start(flush).unwrap();
        let first = commit.register();
        started.recv().unwrap();
        let second = commit.register();
        let third = commit.register();
        gate.send(()).unwrap();
        assert!(matches!(first.wait(), Err(StoreError::Backend(m)) if m == "disk on fire"));
        started.recv().unwrap();
        gate.send(()).unwrap();
        assert!(second.wait().is_ok());
        assert!(third.wait().is_ok());
    }

    #[test]
    fn dropping_flushes_pending_waiters_before_joining() {
        let (flush, started, gate) = gated_flush(vec![]);
        let commit = GroupCommit::start(flush).unwrap();
        let first = commit.register();
        started.recv().unwrap();
        let second = commit.register();
        // Two flushes are due (the one in progress and the one for `second`): open the gate
        // for both before dropping, as drop blocks until the thread ends.
        gate.send(()).unwrap();
        gate.send(()).unwrap();
        drop(commit);
        assert!(first.wait().is_ok());
        assert!(second.wait().is_ok());
    }

    #[test]
    fn shutting_down_with_no_waiters_does_not_flush() {
        let (flush, started, _gate) = gated_flush(vec![]);
        let commit = GroupCommit::start(flush).unwrap();
        drop(commit);
        assert!(started.try_recv().is_err(), "flushed with nobody waiting");
    }
}
