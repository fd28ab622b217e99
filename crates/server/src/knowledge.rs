//! What the server knows of the corpus beyond the engine: the trained matcher (for advisors'
//! suggested answers), each intent's answer key and skill (for routing), and canned responses.

use std::collections::HashMap;
use std::sync::Arc;

use relais_nlu::{Lang, Matcher};

use crate::canned::Canned;

/// Per-intent facts the server routes and suggests with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntentMeta {
    /// The FAQ key of the intent's answer.
    pub answer_key: String,
    /// The advisor skill the intent calls for (`billing`, `technical`...), if any.
    pub skill: Option<String>,
}

/// The corpus knowledge shared by every session; built once at startup.
pub struct Knowledge {
    matcher: Arc<Matcher>,
    intents: HashMap<String, IntentMeta>,
    canned: Vec<Canned>,
}

impl Knowledge {
    /// Knowledge over a trained matcher, the intents' metadata and the canned responses.
    pub fn new(
        matcher: Arc<Matcher>,
        intents: impl IntoIterator<Item = (String, IntentMeta)>,
        canned: Vec<Canned>,
    ) -> Knowledge {
        Knowledge {
            matcher,
            intents: intents.into_iter().collect(),
            canned,
        }
    }

    /// The trained matcher.
    pub(crate) fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// What is known of intent `id`.
    pub(crate) fn intent(&self, id: &str) -> Option<&IntentMeta> {
        self.intents.get(id)
    }

    /// The canned responses in `lang`.
    pub(crate) fn canned(&self, lang: Lang) -> impl Iterator<Item = &Canned> {
        self.canned.iter().filter(move |c| c.lang == lang)
    }
}

impl std::fmt::Debug for Knowledge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Knowledge")
            .field("intents", &self.intents.len())
            .field("canned", &self.canned.len())
            .finish_non_exhaustive()
    }
}
