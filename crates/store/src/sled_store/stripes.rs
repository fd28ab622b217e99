//! Locks striped by conversation id: writes to one conversation are serialised (seqs stay
//! contiguous, and the WAL logs them in the order sled applied them) while writes to other
//! conversations mostly take other locks.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Number of locks: far more than cores, so unrelated conversations rarely share one.
const STRIPES: usize = 64;

/// A fixed set of locks, one chosen per conversation id.
pub(super) struct Stripes {
    locks: Box<[Mutex<()>]>,
}

impl Stripes {
    /// The locks, all free.
    pub(super) fn new() -> Self {
        Self {
            locks: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }

    /// Takes the lock of conversation `id`.
    pub(super) fn lock(&self, id: &str) -> MutexGuard<'_, ()> {
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        let stripe = (hasher.finish() % STRIPES as u64) as usize;
        // The lock guards no data, so a panic while it was held leaves nothing to repair.
        self.locks[stripe]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
