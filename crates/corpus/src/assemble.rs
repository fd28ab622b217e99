//! Building a corpus from its files' text, with the checks that span files.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use relais_nlu::{CorpusSpec, Lang};

use crate::config_file::{self, ConfigFile};
use crate::error::{CorpusError, CorpusErrors, ErrorKind, into_result};
use crate::intent_file;
use crate::location::Location;
use crate::model::{Answer, Corpus, SourceFile};

/// Builds a corpus from file contents already in memory: the optional `relais.toml` and the
/// intent files, in the order their intents should keep. Pure: nothing is read from disk.
pub fn from_sources(
    config: Option<&SourceFile>,
    intent_files: &[SourceFile],
) -> Result<Corpus, CorpusErrors> {
    let (corpus, errors) = assemble(config, intent_files, true);
    into_result(corpus, errors)
}

/// Reads every file and runs the cross-file checks, returning the corpus as far as it could be
/// built and every problem. `complete` is `false` when some intent file could not be read at
/// all, which makes "no such intent" checks unreliable, so they are skipped.
pub(crate) fn assemble(
    config: Option<&SourceFile>,
    intent_files: &[SourceFile],
    complete: bool,
) -> (Corpus, Vec<CorpusError>) {
    let mut errors = Vec::new();
    let settings = match config {
        Some(file) => {
            let (settings, problems) = config_file::read(&file.path, &file.text);
            errors.extend(problems);
            settings
        }
        None => ConfigFile::default(),
    };

    let mut all_intents_known = complete;
    let mut locations: BTreeMap<String, Location> = BTreeMap::new();
    // (answer key, language) -> (variants, intent that gave them, where it is).
    type Given = (Vec<String>, String, Location);
    let mut answers: BTreeMap<(String, Lang), Given> = BTreeMap::new();
    let mut intents = Vec::new();
    for file in intent_files {
        let read = intent_file::read(&file.path, &file.text);
        errors.extend(read.errors);
        all_intents_known &= read.parsed;
        for intent in read.contents.intents {
            let id = intent.spec.id.clone();
            if let Some(first) = locations.get(&id) {
                let first = first.clone();
                errors.push(CorpusError::at(
                    &intent.location,
                    ErrorKind::DuplicateIntent { id, first },
                ));
                continue;
            }
            for (lang, variants) in intent.answers {
                let key = intent.spec.answer_key().to_string();
                match answers.entry((key.clone(), lang)) {
                    Entry::Vacant(slot) => {
                        slot.insert((variants, id.clone(), intent.location.clone()));
                    }
                    Entry::Occupied(slot) => {
                        let (_, by, first) = slot.get().clone();
                        errors.push(CorpusError::at(
                            &intent.location,
                            ErrorKind::DuplicateAnswer {
                                key,
                                lang,
                                by,
                                first,
                            },
                        ));
                    }
                }
            }
            locations.insert(id, intent.location);
            intents.push(intent.spec);
        }
    }

    if let Some(file) = config {
        for topic in &settings.main_topics {
            let location = Location {
                file: file.path.clone(),
                line: topic.line,
            };
            match intents.iter().find(|intent| intent.id == topic.value) {
                Some(intent) => {
                    for lang in Lang::ALL {
                        if !intent.labels.contains_key(&lang) {
                            errors.push(CorpusError::at(
                                &location,
                                ErrorKind::MainTopicWithoutLabel {
                                    topic: topic.value.clone(),
                                    lang,
                                },
                            ));
                        }
                    }
                }
                None if all_intents_known => errors.push(CorpusError::at(
                    &location,
                    ErrorKind::UnknownMainTopic(topic.value.clone()),
                )),
                None => {}
            }
        }
    }

    let corpus = Corpus {
        spec: CorpusSpec {
            intents,
            synonyms: settings.synonyms,
            config: settings.matcher,
        },
        answers: answers
            .into_iter()
            .map(|((key, lang), (variants, _, _))| Answer {
                key,
                lang,
                variants,
            })
            .collect(),
        dialogue: settings.dialogue,
        locations,
    };
    (corpus, errors)
}

#[cfg(test)]
#[path = "assemble_test.rs"]
mod tests;
