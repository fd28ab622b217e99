//! Problems found in a corpus, each with its file, line and cause.
//!
//! Loading never stops at the first problem: every file is read and checked, and all problems
//! come back together in [`CorpusErrors`], sorted by file and line, so an author fixes a corpus in
//! one pass. Values quoted from the corpus are shown with Rust string escapes, so a message
//! always fits on one line.

use std::fmt;
use std::path::PathBuf;

use crate::location::Location;

/// What is wrong, without the where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    /// A file or directory could not be read.
    #[error("cannot read: {0}")]
    Io(String),
    /// A file is not valid UTF-8 (the line is that of the first invalid byte).
    #[error("not valid UTF-8")]
    NotUtf8,
    /// The corpus directory holds no intent file.
    #[error("no intent file (*.toml other than relais.toml) in this directory")]
    NoIntentFile,
    /// The TOML itself does not parse.
    #[error("TOML syntax error: {0}")]
    Syntax(String),
    /// A key the format does not define (often a typo).
    #[error("unknown key {key:?} in {table} (expected one of: {expected})")]
    UnknownKey {
        /// The key as written.
        key: String,
        /// The table holding it, e.g. `[[intent]]`.
        table: String,
        /// The keys allowed there, comma-separated.
        expected: String,
    },
    /// A required key is absent.
    #[error("missing required key `{key}` in {table}")]
    MissingKey {
        /// The missing key.
        key: &'static str,
        /// The table that lacks it.
        table: String,
    },
    /// A value has the wrong TOML type.
    #[error("`{key}` must be {expected}, found {found}")]
    WrongType {
        /// Dotted path of the value, e.g. `intent.examples.fr[2]`.
        key: String,
        /// The type the format wants, in words.
        expected: &'static str,
        /// The TOML type found.
        found: &'static str,
    },
    /// A number outside its allowed range.
    #[error("`{key}` = {value} is out of range ({range})")]
    OutOfRange {
        /// Dotted path of the value.
        key: String,
        /// The value as read.
        value: String,
        /// The allowed range, in words.
        range: &'static str,
    },
    /// An identifier (intent id, answer key, skill) with characters outside `[a-z0-9_]`.
    #[error("invalid {what} {value:?}: use only a-z, 0-9 and _")]
    InvalidIdent {
        /// What the identifier names, e.g. `intent id`.
        what: &'static str,
        /// The identifier as written.
        value: String,
    },
    /// A language code other than `fr` and `en`.
    #[error("unknown language {0:?} (expected fr or en)")]
    UnknownLang(String),
    /// A string that must hold text is empty or blank.
    #[error("empty {0}")]
    Empty(&'static str),
    /// An answer list with no variant.
    #[error("`{0}` has no answer variant")]
    NoAnswerVariant(String),
    /// A pattern that the regex engine rejects.
    #[error("pattern {pattern:?} is not a valid regex: {cause}")]
    BadPattern {
        /// The pattern as written.
        pattern: String,
        /// What the regex compiler said, on one line.
        cause: String,
    },
    /// Two intents with the same id.
    #[error("intent `{id}` is already defined at {first}")]
    DuplicateIntent {
        /// The repeated id.
        id: String,
        /// Where it was defined first.
        first: Location,
    },
    /// Two intents give answers for the same answer key and language.
    #[error("answers for `{key}` in {lang} are already given by intent `{by}` at {first}")]
    DuplicateAnswer {
        /// The answer key.
        key: String,
        /// The language given twice.
        lang: relais_nlu::Lang,
        /// The intent that gave them first.
        by: String,
        /// Where that intent is.
        first: Location,
    },
    /// One synonym variant rewritten to two canonical words.
    #[error("synonym variant {variant:?} already maps to {canonical:?} (line {first_line})")]
    DuplicateSynonym {
        /// The variant given twice.
        variant: String,
        /// The canonical word it was first given for.
        canonical: String,
        /// The line of that first synonym set.
        first_line: usize,
    },
    /// `main_topics` names an intent that the corpus does not define.
    #[error("main topic `{0}` is not an intent of the corpus")]
    UnknownMainTopic(String),
    /// A main topic is offered as a quick reply, so it needs a label in every language.
    #[error("main topic `{topic}` has no label in {lang}")]
    MainTopicWithoutLabel {
        /// The intent offered as a main topic.
        topic: String,
        /// The language its `labels` lack.
        lang: relais_nlu::Lang,
    },
    /// An intent carries answers but no example to learn it from.
    #[error("intent `{0}` has answers but no examples")]
    AnswersWithoutExamples(String),
    /// An intent with neither examples nor keywords can never be matched.
    #[error("intent `{0}` has neither examples nor keywords, so it can never be matched")]
    Unmatchable(String),
}

/// One problem in the corpus: where it is and what it is.
#[derive(Clone, Debug, PartialEq)]
pub struct CorpusError {
    /// The file (or directory) at fault.
    pub file: PathBuf,
    /// The line, from 1, when the problem has one.
    pub line: Option<usize>,
    /// The column, from 1 and in characters, when known precisely.
    pub column: Option<usize>,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl CorpusError {
    /// A problem with a whole file or directory, at no particular line.
    pub fn whole_file(file: impl Into<PathBuf>, kind: ErrorKind) -> Self {
        CorpusError {
            file: file.into(),
            line: None,
            column: None,
            kind,
        }
    }

    /// A problem at `location`.
    pub fn at(location: &Location, kind: ErrorKind) -> Self {
        CorpusError {
            file: location.file.clone(),
            line: Some(location.line),
            column: None,
            kind,
        }
    }
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.kind),
            None => write!(f, "{}: {}", self.file.display(), self.kind),
        }
    }
}

impl std::error::Error for CorpusError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

/// Every problem found while loading a corpus; never empty.
///
/// Displays as one `file:line: message` per line.
#[derive(Clone, Debug, PartialEq)]
pub struct CorpusErrors(Vec<CorpusError>);

impl CorpusErrors {
    /// Wraps `errors`, sorted by file then line (stably, so same-line problems keep their order).
    /// Returns `None` when there is no error.
    pub fn from_vec(mut errors: Vec<CorpusError>) -> Option<Self> {
        if errors.is_empty() {
            return None;
        }
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Some(CorpusErrors(errors))
    }

    /// The problems, sorted by file then line.
    pub fn errors(&self) -> &[CorpusError] {
        &self.0
    }

    /// How many problems there are (at least one).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: an error list holds at least one problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The problems, by value.
    pub fn into_vec(self) -> Vec<CorpusError> {
        self.0
    }
}

impl fmt::Display for CorpusErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CorpusErrors {}

impl From<CorpusError> for CorpusErrors {
    fn from(error: CorpusError) -> Self {
        CorpusErrors(vec![error])
    }
}

impl<'a> IntoIterator for &'a CorpusErrors {
    type Item = &'a CorpusError;
    type IntoIter = std::slice::Iter<'a, CorpusError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Turns a result that may carry problems into the crate's result type.
pub(crate) fn into_result<T>(value: T, errors: Vec<CorpusError>) -> Result<T, CorpusErrors> {
    match CorpusErrors::from_vec(errors) {
        None => Ok(value),
        Some(errors) => Err(errors),
    }
}
