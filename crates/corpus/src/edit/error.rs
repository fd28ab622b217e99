//! Why an edit of the corpus was refused.

use std::path::PathBuf;

use crate::error::CorpusErrors;
use crate::location::Location;

/// Why an edit could not be made; nothing was written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// A corpus file or directory could not be read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file or directory at fault.
        path: PathBuf,
        /// What the operating system said.
        cause: String,
    },
    /// A corpus file is not UTF-8.
    #[error("{}: not valid UTF-8", .0.display())]
    NotUtf8(PathBuf),
    /// The corpus has problems, before the edit (fix them first) or after it (the edit is
    /// refused); each problem carries its file and line.
    #[error("{0}")]
    Invalid(CorpusErrors),
    /// The corpus has no intent with this id.
    #[error("no intent `{0}` in the corpus")]
    UnknownIntent(String),
    /// No intent gives answers under this FAQ key.
    #[error("no intent has the answer key `{0}`")]
    UnknownAnswerKey(String),
    /// `intents new` with an id that is taken.
    #[error("intent `{id}` already exists at {at}")]
    IntentExists {
        /// The id asked for.
        id: String,
        /// Where the existing intent is.
        at: Location,
    },
    /// The file named for a new intent is not an intent file of this corpus directory.
    #[error("{}: not an intent file name (expected NAME.toml, other than relais.toml, directly in the corpus directory)", .0.display())]
    BadFileName(PathBuf),
    /// A file changed on disk between reading and writing (someone else edited it).
    #[error("{}: changed on disk while the edit was being made; run the command again", .0.display())]
    Changed(PathBuf),
}

impl EditError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, error: &std::io::Error) -> Self {
        EditError::Io {
            path: path.into(),
            cause: error.to_string(),
        }
    }
}
