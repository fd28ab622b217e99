//! Writing files atomically: a temporary file in the same directory, then a rename.
//!
//! A rename within one directory replaces the file in one step, so a reader (or a crash) sees
//! the old text or the new one, never half of it. Several files are written in two phases:
//! every temporary file first (any failure removes them and leaves the corpus untouched), then
//! the renames.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::edit::error::EditError;

/// A temporary file holding a file's new text, not yet renamed over it.
struct Staged {
    temp: PathBuf,
    target: PathBuf,
}

/// Writes every `(path, text)` so that each file is replaced whole or not at all.
pub(crate) fn write_all(files: &[(PathBuf, String)]) -> Result<(), EditError> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, text) in files {
        match stage(path, text) {
            Ok(file) => staged.push(file),
            Err(error) => {
                for file in &staged {
                    // Best effort: the temporary file is ours and useless now.
                    let _ = fs::remove_file(&file.temp);
                }
                return Err(error);
            }
        }
    }
    for file in &staged {
        fs::rename(&file.temp, &file.target).map_err(|e| EditError::io(&file.target, &e))?;
    }
    if let Some(dir) = files.first().and_then(|(path, _)| path.parent()) {
        sync_dir(dir);
    }
    Ok(())
}

/// Writes `text` to a temporary file next to `path`, flushed to disk, with `path`'s permissions.
fn stage(path: &Path, text: &str) -> Result<Staged, EditError> {
    let dir = parent_of(path);
    let name = path.file_name().map_or_else(
        || "corpus".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&temp, meta.permissions())?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => Ok(Staged {
            temp,
            target: path.to_path_buf(),
        }),
        Err(error) => {
            let _ = fs::remove_file(&temp);
            Err(EditError::io(path, &error))
        }
    }
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Makes the renames durable; a failure only weakens durability, never correctness.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(parent_of(&dir.join("x"))) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
