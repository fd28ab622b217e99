//! Compaction: rewrites the data directory's sled files from the live records alone, so that
//! erased and purged records leave the disk.
//!
//! sled is log-structured: a removed value stays in its segment of the `db` file until sled
//! reuses that segment, which nothing forces. So [`SledStore::compact`] copies every tree
//! into a fresh sled directory and swaps the files, with the store closed. sled's id
//! generator (ticket numbers, queue orders) is not part of its trees: the new one is advanced
//! past the old one's value, a loop of about a million steps per restart the directory has
//! seen (tens of milliseconds each).
//!
//! The swap survives a crash at any point: the new files are built in `compact.new/` (thrown
//! away if incomplete), renamed to `compact.ready/` once complete and synced, and installed
//! from there by moving the old files to `compact.old/`, then the new ones in. A marker file
//! in `compact.ready/` records that the old files are all out; [`recover`], run at every
//! open, finishes an interrupted installation or drops an incomplete build.

use std::fs;
use std::io;
use std::path::Path;

use super::layout::SLED_DB_FILE;
use super::lock::{DirLock, wait_for_sled_release};
use super::wal::{CHECKPOINT_BYTES, Wal};
use super::{SledStore, backend, schema};
use crate::{StoreError, StoreResult};

/// Where the new sled files are built.
const BUILDING: &str = "compact.new";
/// The complete new sled files, waiting to replace the old ones.
const READY: &str = "compact.ready";
/// Where the old sled files go while the new ones are installed.
const REPLACED: &str = "compact.old";
/// In [`READY`]: every old sled file has been moved out.
const OLD_OUT: &str = ".old-files-moved";

/// Whether a directory entry is one of sled's own files (`conf`, `db`, `blobs`, `snap.*`).
fn is_sled_file(name: &str) -> bool {
    matches!(name, "conf" | "blobs") || name == SLED_DB_FILE || name.starts_with("snap.")
}

impl SledStore {
    /// Rewrites the sled files of the data directory `dir` from its live records (see the
    /// module docs). The store must be closed: [`StoreError::Locked`] if anyone holds it.
    pub fn compact(dir: &Path) -> StoreResult<()> {
        let _lock = DirLock::acquire(dir)?;
        recover(dir)?;
        build(dir)?;
        install(dir).map_err(|e| io_error(dir, &e))
    }
}

fn io_error(dir: &Path, error: &io::Error) -> StoreError {
    StoreError::Backend(format!("cannot compact {}: {error}", dir.display()))
}

/// Copies the live records into [`READY`], complete and synced.
fn build(dir: &Path) -> StoreResult<()> {
    let building = dir.join(BUILDING);
    {
        let old = sled::Config::new().path(dir).open().map_err(backend)?;
        schema::check_or_init(&old)?;
        // Replays what a crash left in the log; closing it checkpoints and deletes it.
        drop(Wal::open(dir, &old, CHECKPOINT_BYTES)?);
        let new = sled::Config::new()
            .path(&building)
            .open()
            .map_err(backend)?;
        for name in old.tree_names() {
            let (from, to) = (
                old.open_tree(&name).map_err(backend)?,
                new.open_tree(&name).map_err(backend)?,
            );
            for entry in from.iter() {
                let (key, value) = entry.map_err(backend)?;
                to.insert(key, value).map_err(backend)?;
            }
        }
        let next_id = old.generate_id().map_err(backend)?;
        while new.generate_id().map_err(backend)? < next_id {}
        new.flush().map_err(backend)?;
    }
    for db in [building.as_path(), dir] {
        if !wait_for_sled_release(&db.join(SLED_DB_FILE)) {
            return Err(StoreError::Locked {
                path: dir.to_path_buf(),
            });
        }
    }
    let io = |e: io::Error| io_error(dir, &e);
    sync_dir(&building).map_err(io)?;
    fs::rename(&building, dir.join(READY)).map_err(io)?;
    sync_dir(dir).map_err(io)
}

/// Finishes a compaction a crash interrupted, or drops its incomplete build; a no-op when
/// there was none. Runs with the directory locked, before sled opens it.
pub(super) fn recover(dir: &Path) -> StoreResult<()> {
    let io = |e: io::Error| {
        StoreError::Backend(format!(
            "cannot finish an interrupted compaction of {}: {e}",
            dir.display()
        ))
    };
    let building = dir.join(BUILDING);
    if building.exists() {
        fs::remove_dir_all(&building).map_err(io)?;
    }
    if dir.join(READY).exists() {
        install(dir).map_err(io)?;
    } else if dir.join(REPLACED).exists() {
        fs::remove_dir_all(dir.join(REPLACED)).map_err(io)?;
    }
    Ok(())
}

/// Moves the old sled files out and the new ones (in [`READY`]) in; each step can be redone.
fn install(dir: &Path) -> io::Result<()> {
    let ready = dir.join(READY);
    let replaced = dir.join(REPLACED);
    if !ready.join(OLD_OUT).exists() {
        fs::create_dir_all(&replaced)?;
        for entry in fs::read_dir(dir)? {
            let name = entry?.file_name();
            if name.to_str().is_some_and(is_sled_file) {
                fs::rename(dir.join(&name), replaced.join(&name))?;
            }
        }
        sync_dir(dir)?;
        fs::File::create(ready.join(OLD_OUT))?;
        sync_dir(&ready)?;
    }
    for entry in fs::read_dir(&ready)? {
        let name = entry?.file_name();
        if name != OLD_OUT {
            fs::rename(ready.join(&name), dir.join(&name))?;
        }
    }
    sync_dir(dir)?;
    fs::remove_dir_all(&ready)?;
    if replaced.exists() {
        fs::remove_dir_all(&replaced)?;
    }
    sync_dir(dir)
}

/// Makes renames in `dir` durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Store;

    /// A directory with one conversation and one ticket; returns the ticket's id.
    fn populated(dir: &Path) -> String {
        let store = SledStore::open(dir).unwrap();
        store.create_conversation("c", "h", &json!({})).unwrap();
        let (_, durable) = store.append("c", vec![json!({"t": "kept"})], None).unwrap();
        durable.wait().unwrap();
        let (ticket, durable) = store.create_ticket(&json!({})).unwrap();
        durable.wait().unwrap();
        ticket
    }

    fn assert_intact(dir: &Path, ticket: &str) {
        let store = SledStore::open(dir).unwrap();
        assert_eq!(
            store.events_after("c", 0).unwrap()[0].body,
            json!({"t": "kept"})
        );
        assert_eq!(store.find_by_resume("h").unwrap().as_deref(), Some("c"));
        let (next, _) = store.create_ticket(&json!({})).unwrap();
        assert!(
            next.parse::<u64>().unwrap() > ticket.parse::<u64>().unwrap(),
            "ticket number {next} reused (last was {ticket})"
        );
        for leftover in [BUILDING, READY, REPLACED] {
            assert!(!dir.join(leftover).exists(), "{leftover} left behind");
        }
    }

    #[test]
    fn a_compaction_keeps_every_record_and_the_id_sequence() {
        let dir = tempfile::tempdir().unwrap();
        let ticket = populated(dir.path());
        SledStore::compact(dir.path()).unwrap();
        assert_intact(dir.path(), &ticket);
    }

    #[test]
    fn an_incomplete_build_is_dropped_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let ticket = populated(dir.path());
        fs::create_dir(dir.path().join(BUILDING)).unwrap();
        fs::write(dir.path().join(BUILDING).join("db"), b"half written").unwrap();
        assert_intact(dir.path(), &ticket);
    }

    #[test]
    fn an_installation_cut_short_is_finished_at_open() {
        // Cut after moving one old file out, and after moving one new file in.
        for new_files_moved in [0, 1] {
            let dir = tempfile::tempdir().unwrap();
            let ticket = populated(dir.path());
            build(dir.path()).unwrap();
            let (ready, replaced) = (dir.path().join(READY), dir.path().join(REPLACED));
            fs::create_dir(&replaced).unwrap();
            fs::rename(dir.path().join("db"), replaced.join("db")).unwrap();
            if new_files_moved == 1 {
                for entry in fs::read_dir(dir.path()).unwrap() {
                    let name = entry.unwrap().file_name();
                    if name.to_str().is_some_and(is_sled_file) {
                        fs::rename(dir.path().join(&name), replaced.join(&name)).unwrap();
                    }
                }
                fs::File::create(ready.join(OLD_OUT)).unwrap();
                fs::rename(ready.join("db"), dir.path().join("db")).unwrap();
            }
            assert_intact(dir.path(), &ticket);
        }
    }
}
