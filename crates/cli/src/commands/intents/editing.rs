//! What the editing commands (`intents new`, `add-example`, `faq set`, `faq import`) share:
//! opening the corpus for an edit, and telling the author why an edit was refused.

use std::path::Path;
use std::process::ExitCode;

use relais_corpus::edit::{Committed, EditError, Editor};

/// Opens the corpus in `dir` for editing, or prints why it cannot be edited.
pub(crate) fn open(dir: &Path) -> Result<Editor, ExitCode> {
    Editor::open(dir).map_err(|error| {
        eprintln!("{error}");
        match error {
            EditError::Invalid(_) => {
                eprintln!(
                    "the corpus in {} has problems: fix them first",
                    dir.display()
                );
            }
            _ => eprintln!("cannot edit the corpus in {}", dir.display()),
        }
        ExitCode::FAILURE
    })
}

/// Prints why an edit was refused; the exit status of a refused edit.
pub(crate) fn refused(error: &EditError) -> ExitCode {
    eprintln!("{error}");
    if matches!(error, EditError::Invalid(_)) {
        eprintln!("(lines refer to the files as they would be after the edit)");
    }
    eprintln!("refused: nothing was written");
    ExitCode::FAILURE
}

/// Validates and writes the edits, printing the files written or why nothing was.
pub(crate) fn commit(editor: Editor) -> Result<Committed, ExitCode> {
    match editor.commit() {
        Ok(committed) => {
            for path in &committed.changed {
                eprintln!("wrote {}", path.display());
            }
            Ok(committed)
        }
        Err(error) => Err(refused(&error)),
    }
}
