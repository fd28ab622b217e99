//! The schema version of a data directory: written at creation, checked at every open.
//!
//! Policy: `SCHEMA_VERSION` changes whenever `layout` or `codec` change in a way an existing
//! directory would misread. A directory of a newer version is refused (run the newer Relais).
//! A directory of an older version is migrated in place at open by a step written for that
//! version, or refused with a clear message while no such step exists; version 1 is the
//! first, so none exists yet. A directory holding data but no version marker is refused too:
//! it is not a Relais data directory.

use super::backend;
use super::layout::{META, SCHEMA_VERSION_KEY};
use crate::{StoreError, StoreResult};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// Checks the version of an opened directory, writing it (durably) if the directory is new.
pub(super) fn check_or_init(db: &sled::Db) -> StoreResult<()> {
    let meta = db.open_tree(META).map_err(backend)?;
    match meta.get(SCHEMA_VERSION_KEY).map_err(backend)? {
        Some(bytes) => match decode_version(&bytes)? {
            SCHEMA_VERSION => Ok(()),
            found => Err(mismatch(found)),
        },
        None if holds_no_data(db)? => {
            meta.insert(SCHEMA_VERSION_KEY, &SCHEMA_VERSION.to_be_bytes())
                .map_err(backend)?;
            db.flush().map_err(backend)?;
            Ok(())
        }
        None => Err(mismatch(0)),
    }
}

/// True if every tree of the directory is empty (a new directory, or one whose creation was
/// interrupted before the version was written).
fn holds_no_data(db: &sled::Db) -> StoreResult<bool> {
    for name in db.tree_names() {
        if !db.open_tree(name).map_err(backend)?.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

fn decode_version(bytes: &[u8]) -> StoreResult<u32> {
    let array: [u8; 4] = bytes.try_into().map_err(|_| {
        StoreError::Backend(format!(
            "corrupted schema version marker ({} bytes instead of 4)",
            bytes.len()
        ))
    })?;
    Ok(u32::from_be_bytes(array))
}

fn mismatch(found: u32) -> StoreError {
    let hint = if found == 0 {
        "the directory holds data but no Relais schema version, so it is not a Relais data \
         directory: point --data at an empty directory or an existing Relais one"
    } else if found > SCHEMA_VERSION {
        "it was written by a newer Relais: run that version (or newer), or point --data at \
         another directory"
    } else {
        "this build has no migration from that version: run the Relais release that wrote it, \
         or point --data at another directory"
    };
    StoreError::SchemaMismatch {
        found,
        expected: SCHEMA_VERSION,
        hint: hint.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::SledStore;

    /// Opens the directory with sled alone, to tamper with it as another program would.
    fn raw(dir: &Path) -> sled::Db {
        sled::Config::new().path(dir).open().unwrap()
    }

    fn write_version(dir: &Path, version: u32) {
        let db = raw(dir);
        let meta = db.open_tree(META).unwrap();
        meta.insert(SCHEMA_VERSION_KEY, &version.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }

    #[test]
    fn creation_writes_the_current_version() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        let db = raw(dir.path());
        let stored = db
            .open_tree(META)
            .unwrap()
            .get(SCHEMA_VERSION_KEY)
            .unwrap()
            .unwrap();
        assert_eq!(decode_version(&stored).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_newer_version_is_refused_with_a_message_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        write_version(dir.path(), SCHEMA_VERSION + 1);
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(
            err,
            StoreError::SchemaMismatch { found, expected: SCHEMA_VERSION, .. } if found == SCHEMA_VERSION + 1
        ));
        let message = err.to_string();
        assert!(
            message.contains(&format!("version {}", SCHEMA_VERSION + 1)),
            "{message}"
        );
        assert!(message.contains("newer Relais"), "{message}");
    }

    #[test]
    fn data_without_a_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = raw(dir.path());
            db.open_tree("someone-else")
                .unwrap()
                .insert(b"k", b"v")
                .unwrap();
            db.flush().unwrap();
        }
        let err = SledStore::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::SchemaMismatch { found: 0, .. }));
        assert!(err.to_string().contains("not a Relais data directory"));
    }

    #[test]
    fn a_garbled_marker_is_corruption_not_a_version() {
        let dir = tempfile::tempdir().unwrap();
        drop(SledStore::open(dir.path()).unwrap());
        {
            let db = raw(dir.path());
            db.open_tree(META)
                .unwrap()
                .insert(SCHEMA_VERSION_KEY, b"v1")
                .unwrap();
            db.flush().unwrap();
        }
        assert!(matches!(
            SledStore::open(dir.path()),
            Err(StoreError::Backend(_))
        ));
    }
}
