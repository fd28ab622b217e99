//! Fixtures shared by the unit tests: a tiny trained engine and an app over the memory store.

use std::sync::Arc;

use relais_engine::{Engine, EngineConfig, IntentInfo};
use relais_nlu::{CorpusSpec, Example, IntentSpec, Lang, Matcher};
use relais_store::{MemoryStore, Store};

use crate::config::ServerConfig;
use crate::state::AppState;

/// Three intents in French and English; enough for the engine to greet, answer and fall back.
fn spec() -> CorpusSpec {
    let intent = |id: &str, examples: &[&str]| IntentSpec {
        id: id.into(),
        description: id.into(),
        labels: [
            (Lang::Fr, format!("Label {id}")),
            (Lang::En, format!("Label {id}")),
        ]
        .into_iter()
        .collect(),
        examples: examples
            .iter()
            .map(|t| Example {
                text: (*t).into(),
                lang: None,
            })
            .collect(),
        ..IntentSpec::default()
    };
    CorpusSpec {
        intents: vec![
            intent("greeting", &["bonjour", "salut", "hello", "hi there"]),
            intent(
                "bill_explain",
                &[
                    "expliquer ma facture",
                    "comprendre ma facture",
                    "explain my bill",
                ],
            ),
            intent(
                "power_outage",
                &[
                    "plus de courant",
                    "coupure d'électricité",
                    "power cut at home",
                ],
            ),
        ],
        ..CorpusSpec::default()
    }
}

fn engine() -> Engine {
    let spec = spec();
    let matcher = Matcher::train(&spec).unwrap();
    let intents = spec
        .intents
        .iter()
        .map(|i| IntentInfo {
            id: i.id.clone(),
            labels: i.labels.clone(),
            answer_key: i.answer_key().to_owned(),
        })
        .collect();
    let config = EngineConfig {
        main_topics: vec!["bill_explain".into(), "power_outage".into()],
        ..EngineConfig::default()
    };
    Engine::new(Arc::new(matcher), intents, config)
}

pub(crate) fn app_with(store: Arc<dyn Store>, config: ServerConfig) -> AppState {
    AppState::new(config, engine(), store)
}

pub(crate) fn app() -> AppState {
    app_with(Arc::new(MemoryStore::new()), ServerConfig::default())
}
