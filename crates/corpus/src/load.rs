//! Loading a corpus directory from disk.

use std::fs;
use std::path::{Path, PathBuf};

use crate::assemble::assemble;
use crate::config_file::CONFIG_FILE;
use crate::error::{CorpusError, CorpusErrors, ErrorKind, into_result};
use crate::location::line_of_byte;
use crate::model::{Corpus, SourceFile};

/// Loads the corpus in `dir`: its optional `relais.toml` and every other `*.toml` file directly
/// inside it, read in file-name order. Subdirectories (such as the reserved `tests/`) and other
/// files are ignored. Every problem of every file is reported at once.
pub fn load_dir(dir: &Path) -> Result<Corpus, CorpusErrors> {
    let paths = intent_paths(dir)?;
    let mut errors = Vec::new();
    if paths.is_empty() {
        errors.push(CorpusError::whole_file(dir, ErrorKind::NoIntentFile));
    }

    let mut complete = true;
    let mut files = Vec::new();
    for path in paths {
        match read_text(path, &mut errors) {
            Some(file) => files.push(file),
            None => complete = false,
        }
    }
    let config_path = dir.join(CONFIG_FILE);
    let config = if config_path.is_file() {
        read_text(config_path, &mut errors)
    } else {
        None
    };

    let (corpus, problems) = assemble(config.as_ref(), &files, complete);
    errors.extend(problems);
    into_result(corpus, errors)
}

/// The intent files directly inside `dir`, sorted by path.
fn intent_paths(dir: &Path) -> Result<Vec<PathBuf>, CorpusErrors> {
    let unreadable = |error: std::io::Error| {
        CorpusErrors::from(CorpusError::whole_file(
            dir,
            ErrorKind::Io(error.to_string()),
        ))
    };
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(unreadable)? {
        let path = entry.map_err(unreadable)?.path();
        let is_toml = path.extension().is_some_and(|ext| ext == "toml");
        let is_config = path.file_name().is_some_and(|name| name == CONFIG_FILE);
        if is_toml && !is_config && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

/// Reads `path` as UTF-8 text, or records why it cannot: a file that is not UTF-8 is reported
/// at the line of its first bad byte.
fn read_text(path: PathBuf, errors: &mut Vec<CorpusError>) -> Option<SourceFile> {
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => {
            errors.push(CorpusError::whole_file(
                path,
                ErrorKind::Io(error.to_string()),
            ));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(SourceFile { path, text }),
        Err(error) => {
            let line = line_of_byte(error.as_bytes(), error.utf8_error().valid_up_to());
            errors.push(CorpusError {
                file: path,
                line: Some(line),
                column: None,
                kind: ErrorKind::NotUtf8,
            });
            None
        }
    }
}

#[cfg(test)]
#[path = "load_test.rs"]
mod tests;
