//! [`Flusher`]: the thread that persists the pending figures every few seconds, and once more
//! when it stops.
//!
//! A plain thread rather than a tokio task: the wrapper is also used by the `relais` commands,
//! which run no runtime, and a persist is a short blocking store write.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::pending::Core;

/// Stops (after a last persist) when dropped.
pub(super) struct Flusher {
    /// Dropping it wakes the thread up for its last persist.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Flusher {
    pub(super) fn start(core: Arc<Core>, every: Duration) -> Flusher {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("relais-aggregates".to_owned())
            .spawn(move || {
                loop {
                    let last =
                        !matches!(stopped.recv_timeout(every), Err(RecvTimeoutError::Timeout));
                    if let Err(err) = core.persist() {
                        tracing::error!(error = %err, "cannot persist the daily aggregates");
                    }
                    if last {
                        break;
                    }
                }
            });
        let thread = match thread {
            Ok(thread) => Some(thread),
            Err(err) => {
                // Figures are then persisted at each store flush (shutdown included) only.
                tracing::error!(error = %err, "cannot start the aggregates thread");
                None
            }
        };
        Flusher {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
