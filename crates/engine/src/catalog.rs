//! The corpus' intents as the engine sees them: labels for buttons, answer keys, and which
//! intents are small talk or a request for a human.

use std::collections::BTreeMap;

use relais_nlu::Lang;

use crate::config::IntentInfo;
use crate::normalize;

/// Intent id of a greeting ("bonjour").
pub(crate) const GREETING: &str = "greeting";
/// Intent id of thanks ("merci").
pub(crate) const THANKS: &str = "thanks";
/// Intent id of a goodbye ("au revoir").
pub(crate) const GOODBYE: &str = "goodbye";
/// Intent id of an explicit request for a human advisor.
pub(crate) const HUMAN_AGENT: &str = "human_agent";

/// What an intent means for the dialogue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Greeting, thanks or goodbye: answered, never offered as a topic.
    Smalltalk,
    /// The customer asks for an advisor.
    Human,
    /// A question the FAQ answers.
    Business,
    /// The corpus' class of out-of-scope examples: not understood, whatever its confidence.
    OutOfScope,
}

/// Intent metadata by id.
#[derive(Debug)]
pub(crate) struct Catalog {
    intents: BTreeMap<String, IntentInfo>,
}

impl Catalog {
    /// Indexes `intents` by id (a later duplicate replaces an earlier one).
    pub(crate) fn new(intents: Vec<IntentInfo>) -> Catalog {
        Catalog {
            intents: intents.into_iter().map(|i| (i.id.clone(), i)).collect(),
        }
    }

    /// Whether the corpus has this intent.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.intents.contains_key(id)
    }

    /// What `id` means for the dialogue.
    pub(crate) fn kind(id: &str) -> Kind {
        match id {
            GREETING | THANKS | GOODBYE => Kind::Smalltalk,
            HUMAN_AGENT => Kind::Human,
            relais_nlu::OUT_OF_SCOPE_INTENT => Kind::OutOfScope,
            _ => Kind::Business,
        }
    }

    /// The FAQ key of the answer to `id` (the id itself when the intent is unknown).
    pub(crate) fn answer_key<'a>(&'a self, id: &'a str) -> &'a str {
        self.intents.get(id).map_or(id, |i| i.answer_key.as_str())
    }

    /// The button label of `id` in `lang`, falling back to another language's label, then to
    /// the id made readable.
    pub(crate) fn label(&self, id: &str, lang: Lang) -> String {
        let labels = self.intents.get(id).map(|i| &i.labels);
        labels
            .and_then(|l| l.get(&lang).or_else(|| l.values().next()))
            .cloned()
            .unwrap_or_else(|| id.replace('_', " "))
    }

    /// The intent among `ids` whose label, in any language, is exactly what the customer typed.
    pub(crate) fn find_by_label<'a>(&self, text: &str, ids: &'a [String]) -> Option<&'a String> {
        let typed = normalize::fold(text);
        if typed.is_empty() {
            return None;
        }
        ids.iter().find(|id| {
            self.intents.get(id.as_str()).is_some_and(|info| {
                info.labels
                    .values()
                    .any(|label| normalize::fold(label) == typed)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::new(vec![IntentInfo {
            id: "bill_explain".into(),
            labels: BTreeMap::from([(Lang::Fr, "Comprendre ma facture".into())]),
            answer_key: "bill".into(),
        }])
    }

    #[test]
    fn labels_fall_back_to_another_language_then_the_id() {
        let c = catalog();
        assert_eq!(c.label("bill_explain", Lang::Fr), "Comprendre ma facture");
        assert_eq!(c.label("bill_explain", Lang::En), "Comprendre ma facture");
        assert_eq!(c.label("move_house", Lang::En), "move house");
    }

    #[test]
    fn answer_keys_and_kinds() {
        let c = catalog();
        assert_eq!(c.answer_key("bill_explain"), "bill");
        assert_eq!(c.answer_key("unknown"), "unknown");
        assert_eq!(Catalog::kind("thanks"), Kind::Smalltalk);
        assert_eq!(Catalog::kind("human_agent"), Kind::Human);
        assert_eq!(Catalog::kind("bill_explain"), Kind::Business);
        assert_eq!(Catalog::kind("oos"), Kind::OutOfScope);
    }

    #[test]
    fn typed_labels_are_recognised_loosely() {
        let c = catalog();
        let ids = vec!["bill_explain".to_string()];
        assert_eq!(
            c.find_by_label("comprendre ma facture !", &ids),
            Some(&ids[0])
        );
        assert_eq!(c.find_by_label("facture", &ids), None);
    }
}
