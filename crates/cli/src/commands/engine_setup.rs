//! The dialogue engine over a corpus, built one way for every command that runs it (`serve`,
//! `test`), so that scripted tests play exactly the engine customers talk to.

use std::sync::Arc;

use anyhow::Context;
use relais_corpus::Corpus;
use relais_engine::{Engine, EngineConfig, IntentInfo};
use relais_nlu::Matcher;

/// Trains the matcher on `corpus` and builds the engine over it; the matcher is shared with
/// the caller (the server's knowledge, the test runner's candidate lists).
pub(crate) fn engine_from_corpus(corpus: &Corpus) -> anyhow::Result<(Engine, Arc<Matcher>)> {
    let matcher = Arc::new(Matcher::train(&corpus.spec).context("cannot train the matcher")?);
    let intents = corpus
        .spec
        .intents
        .iter()
        .map(|intent| IntentInfo {
            id: intent.id.clone(),
            labels: intent.labels.clone(),
            answer_key: intent.answer_key().to_owned(),
        })
        .collect();
    let config = EngineConfig {
        misunderstandings_before_handoff: corpus.dialogue.misunderstandings_before_handoff,
        main_topics: corpus.dialogue.main_topics.clone(),
        default_lang: corpus.dialogue.default_lang,
    };
    Ok((Engine::new(Arc::clone(&matcher), intents, config), matcher))
}
