//! The data directory's lock, held for the life of a store.
//!
//! Relais takes its own lock file (`layout::LOCK_FILE`) because sled's lock error is only a
//! message. sled also locks its `db` file, and does not release it when the last handle is
//! dropped: IO jobs it handed to its thread pool still hold the file for a moment. A store
//! reopened at once (a restart within one process, a test) would then fail. So opening waits,
//! briefly, for sled's lock to be free, and so does closing, before the directory lock goes:
//! once a store is dropped, its directory can be opened again straight away.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::layout::{LOCK_FILE, SLED_DB_FILE};
use crate::{StoreError, StoreResult};

/// How long sled's lingering IO jobs may keep its file locked after a close.
const SLED_RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

/// Pause between two looks at sled's lock.
const SLED_RELEASE_POLL: Duration = Duration::from_millis(1);

/// The exclusive lock on a data directory.
#[derive(Debug)]
pub(super) struct DirLock {
    /// The locked `LOCK_FILE`; closing it releases the lock.
    _file: File,
    /// sled's own locked file in the directory.
    sled_file: PathBuf,
}

impl DirLock {
    /// Takes the directory's lock without waiting, then waits for sled's lock to be free.
    ///
    /// [`StoreError::Locked`] if another store holds the directory, or if something still
    /// holds sled's lock after [`SLED_RELEASE_TIMEOUT`].
    pub(super) fn acquire(dir: &Path) -> StoreResult<Self> {
        let path = dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        let locked = || StoreError::Locked {
            path: dir.to_path_buf(),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(locked()),
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::Backend(format!(
                    "cannot lock {}: {e}",
                    path.display()
                )));
            }
        }
        let sled_file = dir.join(SLED_DB_FILE);
        if !wait_for_sled_release(&sled_file) {
            return Err(locked());
        }
        Ok(Self {
            _file: file,
            sled_file,
        })
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        // A timeout here only means the next open waits (and may report `Locked`).
        let _released = wait_for_sled_release(&self.sled_file);
    }
}

/// Waits until nobody holds sled's lock on `sled_file` (true), or gives up (false).
pub(super) fn wait_for_sled_release(sled_file: &Path) -> bool {
    // No file yet (a new directory): nobody can hold its lock.
    let Ok(file) = File::options().read(true).write(true).open(sled_file) else {
        return true;
    };
    let deadline = Instant::now() + SLED_RELEASE_TIMEOUT;
    loop {
        match file.try_lock() {
            // Dropping `file` releases the lock taken just to test it.
            Ok(()) => return true,
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                thread::sleep(SLED_RELEASE_POLL);
            }
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::SledStore;

    #[test]
    fn a_closed_store_leaves_sled_free_to_reopen_at_once() {
        // Without the wait on close, sled's own open right after a creation fails now and
        // then with "could not acquire lock"; repeated to give that race its chances.
        for _ in 0..100 {
            let dir = tempfile::tempdir().unwrap();
            drop(SledStore::open(dir.path()).unwrap());
            drop(sled::Config::new().path(dir.path()).open().unwrap());
        }
    }
}
