//! Temporary stores that own their directory.

use std::path::Path;
use std::sync::Arc;

use relais_store::{MemoryStore, SledStore, Store};
use tempfile::TempDir;

/// A fresh store of one backend; a sled store lives in a directory deleted on drop.
pub(crate) struct TempStore {
    // Declared first so the store closes before its directory goes.
    store: Arc<dyn Store>,
    _dir: Option<TempDir>,
}

impl TempStore {
    /// An empty in-memory store.
    pub(crate) fn memory() -> Self {
        Self {
            store: Arc::new(MemoryStore::new()),
            _dir: None,
        }
    }

    /// An empty sled store in a new temporary directory.
    pub(crate) fn sled() -> Self {
        let dir = TempDir::new().unwrap();
        Self {
            store: Arc::new(SledStore::open(dir.path()).unwrap()),
            _dir: Some(dir),
        }
    }

    /// The store under test.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// A sled data directory that can be opened, closed and reopened.
pub(crate) struct TempDataDir {
    dir: TempDir,
}

impl TempDataDir {
    /// A new, empty directory.
    pub(crate) fn new() -> Self {
        Self {
            dir: TempDir::new().unwrap(),
        }
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Opens (or reopens) the store in it.
    pub(crate) fn open(&self) -> SledStore {
        SledStore::open(self.path()).unwrap()
    }
}
