//! Group commit: one flusher thread makes many writers' data durable with one flush.
//!
//! A writer hands over the bytes that make its write durable (a log record) and gets a
//! [`Durable`] ([`GroupCommit::log`]). The flusher takes every record and waiter present,
//! passes the records, in the order they were handed over, to one call of the flush function
//! (for the WAL: one `write` and one `fdatasync`), and completes all the waiters with the
//! outcome; writers arriving during that flush ride the next one. A waiter without a record
//! ([`GroupCommit::register`]) resolves once everything handed over before it is durable.
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

/// The flush operation: makes the given records (and every earlier one) durable, or says why
/// it could not. Records of a failed call must be retried by the next call: they are never
/// handed over again.
pub(crate) type FlushFn = Box<dyn FnMut(&[u8]) -> Result<(), String> + Send>;

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
    /// Records handed over since the last round, in order.
    records: Vec<u8>,
    waiters: Vec<DurableSender>,
    /// True while the flusher waits for work: only then does a writer need to wake it.
    idle: bool,
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

    /// Hands over `record` (whole frames); the [`Durable`] resolves once it is durable.
    pub(crate) fn log(&self, record: &[u8]) -> Durable {
        let (tx, durable) = Durable::pending();
        self.push(record, Some(tx));
        durable
    }

    /// Hands over `record` with nobody waiting for it: it rides the next flush.
    pub(crate) fn log_unawaited(&self, record: &[u8]) {
        self.push(record, None);
    }

    /// A [`Durable`] for every record handed over before this call.
    pub(crate) fn register(&self) -> Durable {
        let (tx, durable) = Durable::pending();
        self.push(&[], Some(tx));
        durable
    }

    fn push(&self, record: &[u8], waiter: Option<DurableSender>) {
        let wake = {
            let mut pending = self.shared.lock();
            pending.records.extend_from_slice(record);
            pending.waiters.extend(waiter);
            mem::take(&mut pending.idle)
        };
        if wake {
            self.shared.wake.notify_one();
        }
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

/// The flusher loop: wait for records or waiters, flush once for all of them, complete the
/// waiters, repeat.
fn run(shared: &Shared, mut flush: FlushFn) {
    // The records buffer of the previous round, emptied, to swap in without reallocating.
    let mut records = Vec::new();
    loop {
        let batch = {
            let mut pending = shared.lock();
            while pending.waiters.is_empty() && pending.records.is_empty() && !pending.closing {
                pending.idle = true;
                pending = shared
                    .wake
                    .wait(pending)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            pending.idle = false;
            if pending.waiters.is_empty() && pending.records.is_empty() {
                return;
            }
            mem::swap(&mut records, &mut pending.records);
            mem::take(&mut pending.waiters)
        };
        let outcome = flush(&records);
        records.clear();
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
        let flush: FlushFn = Box::new(move |_records: &[u8]| {
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
    fn records_reach_the_flush_in_order_one_batch_per_round() {
        let (batches_tx, batches) = mpsc::channel();
        let (gate, gate_rx) = mpsc::channel::<()>();
        let flush: FlushFn = Box::new(move |records: &[u8]| {
            let _ = batches_tx.send(records.to_vec());
            let _ = gate_rx.recv();
            Ok(())
        });
        let commit = GroupCommit::start(flush).unwrap();
        let first = commit.log(b"a");
        assert_eq!(batches.recv().unwrap(), b"a");
        commit.log_unawaited(b"b");
        let second = commit.log(b"cd");
        let barrier = commit.register();
        gate.send(()).unwrap();
        first.wait().unwrap();
        assert_eq!(batches.recv().unwrap(), b"bcd");
        gate.send(()).unwrap();
        second.wait().unwrap();
        barrier.wait().unwrap();
        assert_eq!(commit.stats().flushes, 2);
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
