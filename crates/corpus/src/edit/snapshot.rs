//! A corpus directory's text, read once: what edits start from and what a commit writes.
//!
//! A snapshot holds the text of every file the loader reads (the intent files and
//! `relais.toml`), so it can be validated without touching the disk and, later, copied as a
//! whole (e.g. by a `publish` step) once validated.

use std::fs;
use std::path::{Path, PathBuf};

use crate::assemble::from_sources;
use crate::config_file::CONFIG_FILE;
use crate::edit::error::EditError;
use crate::error::CorpusErrors;
use crate::model::{Corpus, SourceFile};

/// The text of a corpus directory's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    dir: PathBuf,
    config: Option<SourceFile>,
    files: Vec<SourceFile>,
}

impl Snapshot {
    /// Reads the files [`load_dir`](crate::load_dir) reads: `relais.toml` if present and every
    /// other `*.toml` directly in `dir`, in name order.
    pub fn read(dir: &Path) -> Result<Snapshot, EditError> {
        let entries = fs::read_dir(dir).map_err(|e| EditError::io(dir, &e))?;
        let mut paths = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| EditError::io(dir, &e))?.path();
            let is_toml = path.extension().is_some_and(|ext| ext == "toml");
            let is_config = path.file_name().is_some_and(|name| name == CONFIG_FILE);
            if is_toml && !is_config && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let files = paths
            .into_iter()
            .map(read_text)
            .collect::<Result<Vec<_>, _>>()?;
        let config_path = dir.join(CONFIG_FILE);
        let config = if config_path.is_file() {
            Some(read_text(config_path)?)
        } else {
            None
        };
        Ok(Snapshot {
            dir: dir.to_path_buf(),
            config,
            files,
        })
    }

    /// The corpus directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `relais.toml`, if the directory has one.
    pub fn config(&self) -> Option<&SourceFile> {
        self.config.as_ref()
    }

    /// The intent files, in name order.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The intent file at `path`, if the snapshot has it.
    pub fn file(&self, path: &Path) -> Option<&SourceFile> {
        self.files.iter().find(|file| file.path == path)
    }

    /// Loads the corpus from this text, with every problem as [`load_dir`](crate::load_dir)
    /// would report it.
    pub fn load(&self) -> Result<Corpus, CorpusErrors> {
        from_sources(self.config.as_ref(), &self.files)
    }

    /// This snapshot with the intent file `path` holding `text` (added, in name order, when new).
    pub(crate) fn with_file(&self, path: &Path, text: String) -> Snapshot {
        let mut next = self.clone();
        match next.files.iter_mut().find(|file| file.path == path) {
            Some(file) => file.text = text,
            None => {
                next.files.push(SourceFile {
                    path: path.to_path_buf(),
                    text,
                });
                next.files.sort_by(|a, b| a.path.cmp(&b.path));
            }
        }
        next
    }
}

fn read_text(path: PathBuf) -> Result<SourceFile, EditError> {
    let bytes = fs::read(&path).map_err(|e| EditError::io(&path, &e))?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceFile { path, text }),
        Err(_) => Err(EditError::NotUtf8(path)),
    }
}
