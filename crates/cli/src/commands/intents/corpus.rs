//! Loading and training a corpus directory, with every problem as one `file:line: message` line.

use std::path::Path;
use std::process::ExitCode;

use relais_corpus::Corpus;
use relais_nlu::{Matcher, TrainError};

/// A corpus and the matcher trained on it.
pub(super) struct Loaded {
    pub(super) corpus: Corpus,
    pub(super) matcher: Matcher,
}

/// Why a corpus could not be loaded or trained: one line per problem.
pub(super) struct Problems(Vec<String>);

impl From<&relais_corpus::CorpusErrors> for Problems {
    fn from(errors: &relais_corpus::CorpusErrors) -> Self {
        Problems(errors.errors().iter().map(ToString::to_string).collect())
    }
}

impl Problems {
    /// Prints every problem and a count to stderr; the exit status of a failed command.
    pub(super) fn report(&self, dir: &Path) -> ExitCode {
        for line in &self.0 {
            eprintln!("{line}");
        }
        let count = self.0.len();
        let plural = if count == 1 { "" } else { "s" };
        eprintln!("{count} problem{plural} in {}", dir.display());
        ExitCode::FAILURE
    }
}

/// Loads the corpus in `dir` and trains a matcher on it.
pub(super) fn load(dir: &Path) -> Result<Loaded, Problems> {
    let corpus = relais_corpus::load_dir(dir).map_err(|errors| Problems::from(&errors))?;
    let matcher = Matcher::train(&corpus.spec).map_err(|error| {
        // The loader already compiles every pattern, but the matcher has the last word; point
        // at the intent when the error names one.
        let place = match &error {
            TrainError::BadPattern { intent, .. } => corpus
                .location(intent)
                .map_or_else(|| dir.display().to_string(), ToString::to_string),
            _ => dir.display().to_string(),
        };
        Problems(vec![format!("{place}: {error}")])
    })?;
    Ok(Loaded { corpus, matcher })
}
