//! [`Durable`]: the promise that some writes are on disk.
//!
//! It is a plain [`Future`] fed by a `futures-channel` oneshot, so it works under any async
//! runtime (the crate does not depend on one), and [`Durable::wait`] blocks a thread on it
//! for synchronous callers.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use futures_channel::oneshot;

use crate::{StoreError, StoreResult};

/// The sending half held by the flusher: completing it resolves the matching [`Durable`].
pub(crate) type DurableSender = oneshot::Sender<StoreResult<()>>;

/// A future that resolves once the writes it stands for are durable.
///
/// Resolves to the flush error if the flush covering these writes failed: the writes are
/// then not known to be on disk and must not be acknowledged.
#[derive(Debug)]
#[must_use = "a write is not durable until its Durable resolves"]
pub struct Durable(State);

#[derive(Debug)]
enum State {
    /// Nothing to wait for.
    Ready,
    /// Waiting for the flusher's verdict.
    Pending(oneshot::Receiver<StoreResult<()>>),
}

impl Durable {
    /// A `Durable` for writes that are already durable, or need no durability.
    pub fn ready() -> Self {
        Self(State::Ready)
    }

    /// A `Durable` completed through the returned sender.
    pub(crate) fn pending() -> (DurableSender, Self) {
        let (tx, rx) = oneshot::channel();
        (tx, Self(State::Pending(rx)))
    }

    /// Blocks the current thread until the writes are durable (for callers outside async code).
    pub fn wait(mut self) -> StoreResult<()> {
        let waker = Waker::from(Arc::new(Unparker(thread::current())));
        let mut cx = Context::from_waker(&waker);
        loop {
            if let Poll::Ready(outcome) = Pin::new(&mut self).poll(&mut cx) {
                return outcome;
            }
            // Spurious unparks just lead to another poll.
            thread::park();
        }
    }
}

impl Future for Durable {
    type Output = StoreResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            State::Ready => Poll::Ready(Ok(())),
            State::Pending(rx) => Pin::new(rx).poll(cx).map(|received| {
                received.unwrap_or_else(|_canceled| {
                    Err(StoreError::Backend(
                        "the flusher stopped before these writes were flushed".to_owned(),
                    ))
                })
            }),
        }
    }
}

/// Wakes a thread parked in [`Durable::wait`].
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts wake-ups, standing in for an async runtime's waker.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn as_a_future_it_is_pending_until_completed_and_wakes_its_task() {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let (tx, mut durable) = Durable::pending();
        assert!(Pin::new(&mut durable).poll(&mut cx).is_pending());
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
        tx.send(Ok(())).unwrap();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert!(matches!(
            Pin::new(&mut durable).poll(&mut cx),
            Poll::Ready(Ok(()))
        ));
    }

    #[test]
    fn ready_resolves_at_once() {
        assert!(Durable::ready().wait().is_ok());
    }

    #[test]
    fn wait_returns_what_another_thread_sends() {
        let (tx, durable) = Durable::pending();
        let sender = thread::spawn(move || {
            tx.send(Err(StoreError::Backend("disk gone".to_owned())))
                .map_err(|_| ())
        });
        let outcome = durable.wait();
        assert!(matches!(outcome, Err(StoreError::Backend(m)) if m == "disk gone"));
        assert!(sender.join().is_ok_and(|sent| sent.is_ok()));
    }

    #[test]
    fn dropped_sender_is_an_error_not_a_hang() {
        let (tx, durable) = Durable::pending();
        drop(tx);
        assert!(matches!(durable.wait(), Err(StoreError::Backend(_))));
    }
}
