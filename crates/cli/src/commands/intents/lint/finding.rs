//! One problem `relais intents lint` reports, and how findings are printed.

use std::fmt::{self, Write as _};

use relais_corpus::Location;
use serde::Serialize;

/// How serious a finding is: errors make `lint` exit with status 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Severity {
    /// The corpus is wrong: it teaches a contradiction or holds a rule that cannot work.
    Error,
    /// Worth a look: the corpus works, but the advisor will understand less well.
    Warning,
}

/// One finding, at a place in the corpus.
#[derive(Clone, Debug, Serialize)]
pub(super) struct Finding {
    pub(super) severity: Severity,
    /// A stable name of the check, e.g. `near-duplicate`.
    pub(super) check: &'static str,
    /// `file:line` of the value at fault, when it has one.
    #[serde(serialize_with = "as_display")]
    pub(super) location: Option<Location>,
    pub(super) message: String,
    /// Further lines: the other places involved, examples to look at, suggestions.
    pub(super) details: Vec<String>,
}

fn as_display<S: serde::Serializer>(
    location: &Option<Location>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match location {
        Some(location) => serializer.serialize_str(&location.to_string()),
        None => serializer.serialize_none(),
    }
}

impl Finding {
    /// A warning from `check` at `location`.
    pub(super) fn warning(
        check: &'static str,
        location: Option<Location>,
        message: String,
    ) -> Finding {
        Finding {
            severity: Severity::Warning,
            check,
            location,
            message,
            details: Vec::new(),
        }
    }

    /// An error from `check` at `location`.
    pub(super) fn error(
        check: &'static str,
        location: Option<Location>,
        message: String,
    ) -> Finding {
        Finding {
            severity: Severity::Error,
            ..Finding::warning(check, location, message)
        }
    }

    /// This finding with `details` added.
    pub(super) fn with_details(mut self, details: Vec<String>) -> Finding {
        self.details.extend(details);
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut line = String::new();
        if let Some(location) = &self.location {
            let _ = write!(line, "{location}: ");
        }
        writeln!(f, "{line}{severity}[{}]: {}", self.check, self.message)?;
        for detail in &self.details {
            writeln!(f, "    {detail}")?;
        }
        Ok(())
    }
}

/// An example quoted in a message, on one line whatever it holds.
pub(super) fn quote(text: &str) -> String {
    format!("{text:?}")
}
