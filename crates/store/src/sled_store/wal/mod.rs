//! The write-ahead log that makes `SledStore`'s writes durable.
//!
//! Every write applies its changes to sled's trees in memory (plain inserts, no sled
//! transaction, no sled flush), then hands its complete write set, as one checksummed record
//! (see `record`), to the group commit. The flusher appends every pending record to the
//! current WAL file with one `write` and one `fdatasync`, then resolves their `Durable`s.
//!
//! **Ordering.** A record is handed over after its changes are applied, under the lock that
//! serialises writes to its keys (`SledStore` holds it), so the log orders the writes to any
//! key as sled applied them, and a record in the log is always already in sled's memory.
//!
//! **Checkpoint.** Once the current file exceeds a size, the flusher continues in a new file
//! and the checkpoint thread flushes sled (`Db::flush`, which covers every record of the older
//! files, since they were applied before being logged) and deletes the older files, oldest
//! first. Closing the store does a last checkpoint, so a cleanly closed directory has no WAL.
//!
//! **Recovery** (at open, before anything else touches the trees): every record of every WAL
//! file, oldest file first, is applied again; each file is read up to its first incomplete or
//! corrupted record (a write torn by the crash, never acknowledged). Records hold absolute
//! values, so applying a record that sled already holds changes nothing, and the files present
//! are always the newest ones, so the replay ends with every key at its last logged value.
//! Then sled is flushed and the replayed files are deleted.

mod record;
mod segment;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

pub(super) use self::record::WriteSet;
use self::record::{Change, changes, frames};
use self::segment::Segment;
use super::backend;
use super::layout::{DATA_TREES, WAL_DIR};
use crate::group_commit::{FlushStats, GroupCommit};
use crate::{Durable, StoreError, StoreResult};

/// Size of the current WAL file past which it is checkpointed: bounds the replay at open
/// (tens of thousands of records, well under a second) and the disk the log takes.
pub(super) const CHECKPOINT_BYTES: u64 = 16 << 20;

/// The WAL of one data directory.
pub(super) struct Wal {
    // Field order is drop order: the flusher writes what is pending and stops, then the
    // checkpoint thread finishes, then the last checkpoint runs.
    commit: GroupCommit,
    // Held for its drop (which joins the thread); read only by tests.
    #[cfg_attr(not(test), allow(dead_code))]
    checkpoints: Checkpointer,
    closer: Closer,
}

/// What the flusher, the checkpoint thread and `Wal::checkpoint` share.
struct Shared {
    dir: PathBuf,
    db: sled::Db,
    /// The file being written; held by the flusher for each batch.
    segment: Mutex<Segment>,
}

impl Shared {
    fn segment(&self) -> MutexGuard<'_, Segment> {
        // A segment is left consistent by every section (its fields change together after
        // the IO succeeds), so a panic elsewhere cannot have left it half-updated.
        self.segment.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Flushes sled, then deletes the WAL files older than `generation`: everything they hold
    /// was applied before the flush started.
    fn checkpoint_before(&self, generation: u64) -> StoreResult<()> {
        self.db.flush().map_err(backend)?;
        segment::delete_before(&self.dir, generation).map_err(|e| self.io_error(&e))?;
        segment::sync_dir(&self.dir).map_err(|e| self.io_error(&e))
    }

    fn io_error(&self, error: &std::io::Error) -> StoreError {
        StoreError::Backend(format!("WAL in {}: {error}", self.dir.display()))
    }
}

impl Wal {
    /// Replays the WAL of `data_dir` into `db`, then starts logging to a new file; the
    /// current file is checkpointed past `checkpoint_bytes`.
    pub(super) fn open(data_dir: &Path, db: &sled::Db, checkpoint_bytes: u64) -> StoreResult<Self> {
        let dir = data_dir.join(WAL_DIR);
        let io = |e: std::io::Error| StoreError::Backend(format!("WAL in {}: {e}", dir.display()));
        fs::create_dir_all(&dir).map_err(io)?;
        let files = segment::list(&dir).map_err(io)?;
        for (_, path) in &files {
            replay(db, &fs::read(path).map_err(io)?)?;
        }
        let next = files.last().map_or(1, |(generation, _)| generation + 1);
        if !files.is_empty() {
            db.flush().map_err(backend)?;
            segment::delete_before(&dir, next).map_err(io)?;
        }
        let shared = Arc::new(Shared {
            segment: Mutex::new(Segment::create(&dir, next).map_err(io)?),
            dir,
            db: db.clone(),
        });
        let checkpoints = Checkpointer::start(Arc::clone(&shared))?;
        let for_flusher = Arc::clone(&shared);
        let requests = checkpoints.requests.clone();
        let commit = GroupCommit::start(Box::new(move |records| {
            let mut segment = for_flusher.segment();
            segment
                .append(records)
                .map_err(|e| for_flusher.io_error(&e).to_string())?;
            if segment.len() >= checkpoint_bytes && segment.rotate().is_ok() {
                // A failed rotation is retried after the next batch.
                let _ = requests.send(Request {
                    generation: segment.generation(),
                    done: None,
                });
            }
            Ok(())
        }))?;
        Ok(Self {
            commit,
            checkpoints,
            closer: Closer(shared),
        })
    }

    /// Logs the write set of a write already applied to the trees; the [`Durable`] resolves
    /// once it is on disk (at once if it is empty: nothing was written).
    pub(super) fn log(&self, writes: WriteSet) -> Durable {
        if writes.is_empty() {
            return Durable::ready();
        }
        self.commit.log(&writes.into_frame())
    }

    /// Logs a write set that nobody waits for: it is durable once any later [`Durable`] of
    /// this log resolves.
    pub(super) fn log_unawaited(&self, writes: WriteSet) {
        if !writes.is_empty() {
            self.commit.log_unawaited(&writes.into_frame());
        }
    }

    /// A [`Durable`] covering every write set logged so far.
    pub(super) fn barrier(&self) -> Durable {
        self.commit.register()
    }

    /// Moves to a new WAL file, flushes sled and deletes the older files, now.
    pub(super) fn checkpoint(&self) -> StoreResult<()> {
        let shared = &self.closer.0;
        let generation = {
            let mut segment = shared.segment();
            segment.rotate().map_err(|e| shared.io_error(&e))?;
            segment.generation()
        };
        shared.checkpoint_before(generation)
    }

    /// The group commit's counters (one flush is one `fdatasync` of the WAL).
    pub(super) fn stats(&self) -> FlushStats {
        self.commit.stats()
    }

    /// Waits until the checkpoints the flusher asked for so far are done (tests only).
    #[cfg(test)]
    pub(super) fn settle_checkpoints(&self) {
        let (done, finished) = mpsc::channel();
        let request = Request {
            generation: 0,
            done: Some(done),
        };
        if self.checkpoints.requests.send(request).is_ok() {
            let _ = finished.recv();
        }
    }
}

/// Applies the records of one WAL file's content to `db`.
fn replay(db: &sled::Db, content: &[u8]) -> StoreResult<()> {
    let mut trees: HashMap<&[u8], sled::Tree> = HashMap::new();
    let corrupted = |what: &str| StoreError::Backend(format!("corrupted WAL record: {what}"));
    for payload in frames(segment::records(content)) {
        for change in changes(payload) {
            let change = change.map_err(|e| corrupted(&e.to_string()))?;
            let (Change::Insert { tree, .. } | Change::Remove { tree, .. }) = change;
            let handle = match trees.get(tree) {
                Some(handle) => handle,
                None => {
                    if !DATA_TREES.iter().any(|name| name.as_bytes() == tree) {
                        return Err(corrupted("unknown tree"));
                    }
                    let handle = db.open_tree(tree).map_err(backend)?;
                    trees.entry(tree).or_insert(handle)
                }
            };
            match change {
                Change::Insert { key, value, .. } => handle.insert(key, value).map(drop),
                Change::Remove { key, .. } => handle.remove(key).map(drop),
            }
            .map_err(backend)?;
        }
    }
    Ok(())
}

/// A checkpoint asked of the checkpoint thread.
struct Request {
    /// Delete the WAL files older than this generation.
    generation: u64,
    /// Told once it is done.
    done: Option<Sender<()>>,
}

/// The checkpoint thread: runs the checkpoints the flusher asks for, off the ack path.
struct Checkpointer {
    requests: Sender<Request>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(shared: Arc<Shared>) -> StoreResult<Self> {
        let (requests, received) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("relais-store-checkpoint".to_owned())
            .spawn(move || run_checkpoints(&shared, &received))
            .map_err(|e| StoreError::Backend(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self {
            requests,
            thread: Some(thread),
        })
    }
}

fn run_checkpoints(shared: &Shared, requests: &Receiver<Request>) {
    while let Ok(first) = requests.recv() {
        // Requests that queued up meanwhile are covered by the newest.
        let mut generation = first.generation;
        let mut done: Vec<Sender<()>> = first.done.into_iter().collect();
        for request in requests.try_iter() {
            generation = generation.max(request.generation);
            done.extend(request.done);
        }
        // A failed checkpoint leaves its files; the next one deletes them.
        let _ = shared.checkpoint_before(generation);
        for done in done {
            let _ = done.send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel ends the thread once its current checkpoint is done (the
        // flusher's sender is gone already: it is dropped first).
        let (closed, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.requests, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs the last checkpoint when the store closes, after the flusher has stopped.
struct Closer(Arc<Shared>);

impl Drop for Closer {
    fn drop(&mut self) {
        let generation = self.0.segment().generation();
        // Everything is applied and nothing more comes: after a good flush, no file is needed.
        // On failure the files stay and the next open replays them.
        let _ = self.0.checkpoint_before(generation + 1);
    }
}
