//! What the engine is told about the corpus beyond the trained matcher.

use std::collections::BTreeMap;

use relais_nlu::Lang;

/// Per-intent metadata the engine needs beyond matching.
#[derive(Clone, Debug, PartialEq)]
pub struct IntentInfo {
    /// The intent id.
    pub id: String,
    /// Quick-reply labels per language.
    pub labels: BTreeMap<Lang, String>,
    /// The FAQ key of its answer.
    pub answer_key: String,
}

/// Tunable behaviour of the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineConfig {
    /// Consecutive misunderstandings before a handoff is offered (0 is treated as 1).
    pub misunderstandings_before_handoff: u32,
    /// The intents offered as main topics when the customer is lost.
    pub main_topics: Vec<String>,
    /// Language of a conversation before the customer says anything telling.
    pub default_lang: Lang,
}

impl Default for EngineConfig {
    /// Two misunderstandings before a handoff offer, no main topics, French.
    fn default() -> Self {
        EngineConfig {
            misunderstandings_before_handoff: 2,
            main_topics: Vec::new(),
            default_lang: Lang::Fr,
        }
    }
}
