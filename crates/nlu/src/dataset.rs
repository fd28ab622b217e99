//! Labelled utterances in JSON Lines (`{"text": ..., "intent": ...}` per line), as used by
//! public intent datasets; the intent [`OUT_OF_SCOPE_INTENT`] marks out-of-scope utterances.
//!
//! Parsing works on text already read: file access is the caller's business.

use serde::Deserialize;

use crate::matcher::OUT_OF_SCOPE_INTENT;
use crate::spec::{CorpusSpec, Example, IntentSpec};

/// One labelled utterance.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// The utterance.
    pub text: String,
    /// Its intent, or `oos`.
    pub intent: String,
}

impl Labelled {
    /// Whether the utterance is labelled out of scope.
    pub fn is_oos(&self) -> bool {
        self.intent == OUT_OF_SCOPE_INTENT
    }

    /// The intent, or `None` when out of scope.
    pub fn gold(&self) -> Option<&str> {
        (!self.is_oos()).then_some(self.intent.as_str())
    }
}

/// Why a JSON Lines dataset cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {cause}")]
pub struct DatasetError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub cause: String,
}

/// Parses JSON Lines; blank lines are skipped.
pub fn parse_jsonl(text: &str) -> Result<Vec<Labelled>, DatasetError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item: Labelled = serde_json::from_str(line).map_err(|e| DatasetError {
            line: i + 1,
            cause: e.to_string(),
        })?;
        if item.intent.trim().is_empty() {
            return Err(DatasetError {
                line: i + 1,
                cause: "empty intent".to_string(),
            });
        }
        out.push(item);
    }
    Ok(out)
}

/// Adds labelled utterances to a corpus as examples (language left to detection), creating
/// intents in first-seen order; `oos` utterances go to the reserved out-of-scope intent.
pub fn extend_corpus(spec: &mut CorpusSpec, items: &[Labelled]) {
    for item in items {
        let at = match spec.intents.iter().position(|i| i.id == item.intent) {
            Some(at) => at,
            None => {
                spec.intents.push(IntentSpec {
                    id: item.intent.clone(),
                    ..IntentSpec::default()
                });
                spec.intents.len() - 1
            }
        };
        spec.intents[at].examples.push(Example {
            text: item.text.clone(),
            lang: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_and_builds_a_corpus() {
        let text = "{\"text\": \"hi\", \"intent\": \"greet\"}\n\n\
                    {\"text\": \"weather?\", \"intent\": \"oos\"}\n\
                    {\"text\": \"hello\", \"intent\": \"greet\"}\n";
        let items = parse_jsonl(text).map_err(|e| e.to_string());
        let items = items.as_deref().unwrap_or_default();
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].gold(), None);
        let mut spec = CorpusSpec::default();
        extend_corpus(&mut spec, items);
        let ids: Vec<&str> = spec.intents.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["greet", "oos"]);
        assert_eq!(spec.intents[0].examples.len(), 2);
    }

    #[test]
    fn reports_the_bad_line() {
        let err = parse_jsonl("{\"text\": \"a\", \"intent\": \"x\"}\n{\"text\": 3}\n");
        assert_eq!(err.map_err(|e| e.line).err(), Some(2));
        let err = parse_jsonl("{\"text\": \"a\", \"intent\": \" \"}");
        assert!(err.is_err());
    }
}
