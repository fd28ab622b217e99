//! The loaded corpus and its parts, as plain data.

use std::collections::BTreeMap;
use std::path::PathBuf;

use relais_nlu::{CorpusSpec, IntentSpec, Lang};

use crate::location::Location;

/// A whole corpus, checked and ready to train on and to seed the FAQ store from.
#[derive(Clone, Debug, PartialEq)]
pub struct Corpus {
    /// What the matcher trains on: intents (files in name order, intents in file order),
    /// synonyms and thresholds.
    pub spec: CorpusSpec,
    /// FAQ answers, sorted by key then language; each has at least one variant.
    pub answers: Vec<Answer>,
    /// How conversations behave, from `[dialogue]`.
    pub dialogue: DialogueConfig,
    /// Where each intent is defined, by intent id.
    pub locations: BTreeMap<String, Location>,
}

impl Corpus {
    /// Where intent `id` is defined.
    pub fn location(&self, id: &str) -> Option<&Location> {
        self.locations.get(id)
    }

    /// The answer stored under `key` in `lang`.
    pub fn answer(&self, key: &str, lang: Lang) -> Option<&Answer> {
        self.answers
            .iter()
            .find(|answer| answer.key == key && answer.lang == lang)
    }
}

/// The variants of one FAQ answer in one language; one is picked each time it is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The FAQ key: the `answer` of the intents that give it, by default their id.
    pub key: String,
    /// The language of the variants.
    pub lang: Lang,
    /// The variants, in authored order; never empty.
    pub variants: Vec<String>,
}

/// How conversations behave, from the `[dialogue]` table of `relais.toml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogueConfig {
    /// How many misunderstood utterances in a row before a human advisor is offered (at least 1).
    pub misunderstandings_before_handoff: u32,
    /// The language of a conversation until the customer's own is detected.
    pub default_lang: Lang,
    /// Intents offered as quick replies when the customer is lost, in authored order.
    pub main_topics: Vec<String>,
}

impl Default for DialogueConfig {
    fn default() -> Self {
        DialogueConfig {
            misunderstandings_before_handoff: 2,
            default_lang: Lang::Fr,
            main_topics: Vec::new(),
        }
    }
}

/// What one intent file defines.
#[derive(Clone, Debug, PartialEq)]
pub struct FileContents {
    /// The intents, in file order.
    pub intents: Vec<SourcedIntent>,
}

/// An intent as read from its file, with its answers and its place.
#[derive(Clone, Debug, PartialEq)]
pub struct SourcedIntent {
    /// The intent, as the matcher sees it.
    pub spec: IntentSpec,
    /// Its answer variants per language (the `[intent.answers]` table).
    pub answers: BTreeMap<Lang, Vec<String>>,
    /// The line of its `[[intent]]` header.
    pub location: Location,
}

/// The text of one corpus file and the path it is reported under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// The path shown in problems, e.g. `intents/billing.toml`.
    pub path: PathBuf,
    /// The file's content.
    pub text: String,
}
