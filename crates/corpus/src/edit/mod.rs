//! Editing the corpus files the way an author would, without breaking them.
//!
//! **What it owns.** Changes made by the authoring commands (`relais intents new`,
//! `add-example`, `relais faq set`, `faq import`): each is applied to the file's TOML document
//! with `toml_edit`, so the author's comments, ordering and layout survive; only the values
//! touched change.
//!
//! **Key decision.** Nothing is written until the whole corpus, rebuilt from the edited text,
//! loads without a single problem: an [`Editor`] starts from a [`Snapshot`] (the text of every
//! corpus file), edits copies of the documents in memory, and [`Editor::commit`] validates the
//! resulting snapshot with the loader before writing the changed files atomically (temporary
//! file in the same directory, then rename). A refused edit reports every problem as
//! `file:line: message` and leaves every file byte-identical. Because a snapshot is the whole
//! corpus as text, a later review/publish step can validate one and copy it as a unit.
//!
//! **What it does not do.** Delete or rename intents, edit `relais.toml`, or merge concurrent
//! edits: a file changed on disk since it was read is refused ([`EditError::Changed`]).

mod document;
mod error;
mod locate;
mod snapshot;
mod template;
mod write;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};

use relais_nlu::Lang;
use toml_edit::DocumentMut;

use crate::config_file::CONFIG_FILE;
use crate::location::Location;
use crate::model::Corpus;

pub use error::EditError;
pub use locate::{Field, Locator};
pub use snapshot::Snapshot;
pub use template::NewIntent;

/// Edits of one corpus directory, applied in memory until [`Editor::commit`].
#[derive(Debug)]
pub struct Editor {
    base: Snapshot,
    corpus: Corpus,
    /// The documents edited so far, by path.
    edited: BTreeMap<PathBuf, DocumentMut>,
    /// Intents added by [`Editor::new_intent`], and where.
    added: BTreeMap<String, Location>,
}

/// What a successful [`Editor::commit`] did.
#[derive(Debug)]
pub struct Committed {
    /// The files written (created or replaced), in name order.
    pub changed: Vec<PathBuf>,
    /// The corpus as it now is on disk.
    pub corpus: Corpus,
}

impl Editor {
    /// Reads the corpus in `dir`; refuses a corpus that already has problems, since an edit
    /// could not be told apart from them.
    pub fn open(dir: &Path) -> Result<Editor, EditError> {
        let base = Snapshot::read(dir)?;
        let corpus = base.load().map_err(EditError::Invalid)?;
        Ok(Editor {
            base,
            corpus,
            edited: BTreeMap::new(),
            added: BTreeMap::new(),
        })
    }

    /// The corpus as it was read, before any edit.
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The files as they were read, before any edit.
    pub fn snapshot(&self) -> &Snapshot {
        &self.base
    }

    /// Appends a new intent, with comments showing every field, to the intent file `file` of
    /// the corpus directory (`billing` or `billing.toml`), creating the file if needed.
    /// Returns the file's path.
    pub fn new_intent(&mut self, file: &str, new: &NewIntent) -> Result<PathBuf, EditError> {
        let existing = self.corpus.location(&new.id).or(self.added.get(&new.id));
        if let Some(at) = existing.cloned() {
            return Err(EditError::IntentExists {
                id: new.id.clone(),
                at,
            });
        }
        let path = self.intent_file_path(file)?;
        let mut text = match self.current_text(&path) {
            Some(text) => text,
            None => template::file_header(&file_name(&path)),
        };
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        // The block starts with a blank line, then the `[[intent]]` header.
        let line = text.lines().count() + 2;
        text.push_str(&template::intent_block(new));
        match text.parse::<DocumentMut>() {
            Ok(doc) => {
                self.edited.insert(path.clone(), doc);
                let location = Location {
                    file: path.clone(),
                    line,
                };
                self.added.insert(new.id.clone(), location);
                Ok(path)
            }
            // Only strange input gets here (the id and description are escaped); the loader
            // says where and why.
            Err(_) => Err(self.refusal(&path, text)),
        }
    }

    /// Appends the training example `text` in `lang` to intent `id`.
    pub fn add_example(&mut self, id: &str, lang: Lang, text: &str) -> Result<(), EditError> {
        let doc = self.intent_document(id)?;
        document::intent_mut(doc, id)
            .and_then(|intent| document::push_text(intent, "examples", lang, text))
            .ok_or_else(|| EditError::UnknownIntent(id.to_owned()))
    }

    /// Replaces the answer variants of intent `id` in `lang`. Returns `false` (and changes
    /// nothing) when the intent already has exactly these variants.
    pub fn set_answers(
        &mut self,
        id: &str,
        lang: Lang,
        variants: &[String],
    ) -> Result<bool, EditError> {
        let doc = self.intent_document(id)?;
        document::intent_mut(doc, id)
            .and_then(|intent| document::set_texts(intent, "answers", lang, variants))
            .ok_or_else(|| EditError::UnknownIntent(id.to_owned()))
    }

    /// Replaces the variants of the FAQ answer `key` in `lang`, in the intent that gives them
    /// (or, when none does yet in `lang`, the first intent whose answer key is `key`).
    /// Returns `false` when nothing changed.
    pub fn set_faq(
        &mut self,
        key: &str,
        lang: Lang,
        variants: &[String],
    ) -> Result<bool, EditError> {
        let id = self.giver_of(key, lang)?;
        self.set_answers(&id, lang, variants)
    }

    /// The intent whose answers `key` in `lang` belong in.
    fn giver_of(&mut self, key: &str, lang: Lang) -> Result<String, EditError> {
        let ids: Vec<String> = self
            .corpus
            .spec
            .intents
            .iter()
            .filter(|intent| intent.answer_key() == key)
            .map(|intent| intent.id.clone())
            .collect();
        for id in &ids {
            let doc = self.intent_document(id)?;
            let gives = document::intent_mut(doc, id)
                .and_then(|intent| intent.get("answers"))
                .and_then(|answers| answers.as_table_like())
                .is_some_and(|answers| answers.contains_key(lang.code()));
            if gives {
                return Ok(id.clone());
            }
        }
        ids.into_iter()
            .next()
            .ok_or_else(|| EditError::UnknownAnswerKey(key.to_owned()))
    }

    /// The corpus files as they would be after the edits made so far.
    pub fn proposed(&self) -> Snapshot {
        self.edited
            .iter()
            .fold(self.base.clone(), |snapshot, (path, doc)| {
                snapshot.with_file(path, doc.to_string())
            })
    }

    /// Validates the edited corpus and, when it loads without a problem, writes the changed
    /// files atomically. On any error nothing is written.
    pub fn commit(self) -> Result<Committed, EditError> {
        let proposed = self.proposed();
        let corpus = proposed.load().map_err(EditError::Invalid)?;
        let changes: Vec<(PathBuf, String)> = proposed
            .files()
            .iter()
            .filter(|file| self.base.file(&file.path).map(|f| &f.text) != Some(&file.text))
            .map(|file| (file.path.clone(), file.text.clone()))
            .collect();
        for (path, _) in &changes {
            self.check_unchanged_on_disk(path)?;
        }
        write::write_all(&changes)?;
        Ok(Committed {
            changed: changes.into_iter().map(|(path, _)| path).collect(),
            corpus,
        })
    }

    /// Refuses to overwrite a file someone changed (or created) since the snapshot was read.
    fn check_unchanged_on_disk(&self, path: &Path) -> Result<(), EditError> {
        let expected = self.base.file(path).map(|file| file.text.as_bytes());
        let actual = match fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
            Err(error) => return Err(EditError::io(path, &error)),
        };
        if actual.as_deref() == expected {
            Ok(())
        } else {
            Err(EditError::Changed(path.to_path_buf()))
        }
    }

    /// The document of the file defining intent `id`, parsed on first use.
    fn intent_document(&mut self, id: &str) -> Result<&mut DocumentMut, EditError> {
        let path = match self.corpus.location(id) {
            Some(location) => location.file.clone(),
            None => self
                .added
                .get(id)
                .map(|location| location.file.clone())
                .ok_or_else(|| EditError::UnknownIntent(id.to_owned()))?,
        };
        if !self.edited.contains_key(&path) {
            let text = self.current_text(&path).unwrap_or_default();
            let doc = text
                .parse::<DocumentMut>()
                .map_err(|_| self.refusal(&path, text.clone()))?;
            self.edited.insert(path.clone(), doc);
        }
        self.edited
            .get_mut(&path)
            .ok_or_else(|| EditError::UnknownIntent(id.to_owned()))
    }

    /// The text of intent file `path` with the edits so far, if it exists.
    fn current_text(&self, path: &Path) -> Option<String> {
        match self.edited.get(path) {
            Some(doc) => Some(doc.to_string()),
            None => self.base.file(path).map(|file| file.text.clone()),
        }
    }

    /// The error refusing `path` holding `text`: the loader's problems with it.
    fn refusal(&self, path: &Path, text: String) -> EditError {
        match self.base.with_file(path, text).load() {
            Err(errors) => EditError::Invalid(errors),
            Ok(_) => EditError::BadFileName(path.to_path_buf()),
        }
    }

    /// The path of intent file `name` (`billing` or `billing.toml`) in the corpus directory.
    fn intent_file_path(&self, name: &str) -> Result<PathBuf, EditError> {
        let mut name = PathBuf::from(name);
        if name.extension().is_none() {
            name.set_extension("toml");
        }
        let plain = matches!(
            name.components().collect::<Vec<_>>().as_slice(),
            [Component::Normal(_)]
        );
        let is_toml = name.extension().is_some_and(|ext| ext == "toml");
        if !plain || !is_toml || name.as_os_str() == CONFIG_FILE {
            return Err(EditError::BadFileName(name));
        }
        Ok(self.base.dir().join(name))
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |name| name.to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests;
