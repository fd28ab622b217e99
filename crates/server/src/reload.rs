//! Hot reload of the corpus: `POST /api/admin/reload` swaps the engine and the knowledge every
//! new turn reads, without touching a single websocket.
//!
//! The server never reads corpus files itself (it does not depend on `relais-corpus`): the
//! binary hands it a [`CorpusSource`] that loads, validates and trains. A reload runs the
//! source off the reactor; a corpus with problems is refused with them (`file:line: ...`)
//! and the one in force keeps serving. Otherwise the new FAQ answers are seeded (answers set
//! by authors in the store still win), then the engine and knowledge are swapped as one
//! `Arc`: a turn already running finishes on the corpus it started with, the next one reads
//! the new corpus. Reloads are serialised, so two publishes land in order.

use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use relais_engine::Engine;
use relais_store::FaqEntry;
use serde_json::json;

use crate::admin::Admin;
use crate::api_error::ApiError;
use crate::faq::seed_faq;
use crate::knowledge::Knowledge;
use crate::state::AppState;

/// A corpus loaded and trained by a [`CorpusSource`], ready to serve.
pub struct LoadedCorpus {
    /// The dialogue engine over the new matcher.
    pub engine: Engine,
    /// The server's knowledge of the new corpus.
    pub knowledge: Knowledge,
    /// The corpus's FAQ answers, to seed into the store.
    pub faq: Vec<FaqEntry>,
    /// What the operator calls this corpus (e.g. the published version), for the answer.
    pub version: String,
}

/// Why a corpus was not loaded: its problems, one `file:line: message` each.
#[derive(Debug, thiserror::Error)]
#[error("the corpus is invalid ({} problem(s))", .problems.len())]
pub struct CorpusRefused {
    /// Every problem found.
    pub problems: Vec<String>,
}

/// Where reloads read the corpus from; supplied by the binary, called off the reactor.
pub trait CorpusSource: Send + Sync + 'static {
    /// Loads, validates and trains the corpus to serve now.
    fn load(&self) -> Result<LoadedCorpus, CorpusRefused>;
}

/// What every turn reads: the engine and knowledge of one corpus, swapped together.
pub(crate) struct Live {
    pub(crate) engine: Arc<Engine>,
    pub(crate) knowledge: Arc<Knowledge>,
    /// The version of the corpus in force (`startup` until the first reload).
    pub(crate) version: String,
}

/// The live corpus and how to reload it.
pub(crate) struct LiveCorpus {
    current: RwLock<Arc<Live>>,
    source: OnceLock<Arc<dyn CorpusSource>>,
    /// Held for a whole reload, so reloads apply in the order they were asked for.
    reloading: tokio::sync::Mutex<()>,
}

impl LiveCorpus {
    /// The corpus the server started with.
    pub(crate) fn new(engine: Engine, knowledge: Knowledge) -> LiveCorpus {
        LiveCorpus {
            current: RwLock::new(Arc::new(Live {
                engine: Arc::new(engine),
                knowledge: Arc::new(knowledge),
                version: "startup".to_owned(),
            })),
            source: OnceLock::new(),
            reloading: tokio::sync::Mutex::new(()),
        }
    }

    /// The corpus in force.
    pub(crate) fn get(&self) -> Arc<Live> {
        // Writers only swap an `Arc`, so a poisoned lock still holds a whole value.
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Sets where reloads come from; `false` if it was already set.
    pub(crate) fn set_source(&self, source: Arc<dyn CorpusSource>) -> bool {
        self.source.set(source).is_ok()
    }

    fn swap(&self, live: Live) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(live);
    }
}

/// What a reload did.
#[derive(Debug)]
pub(crate) enum ReloadOutcome {
    /// The new corpus serves.
    Reloaded { version: String, faq_written: usize },
    /// The corpus was refused; the old one serves.
    Refused(CorpusRefused),
}

/// Why a reload could not run at all.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReloadError {
    /// The binary gave no [`CorpusSource`].
    #[error("this server was started without a corpus to reload from")]
    NoSource,
    /// The loader task panicked or was cancelled.
    #[error("the corpus loader failed: {0}")]
    Loader(String),
    /// Seeding the FAQ answers failed.
    #[error("cannot seed the FAQ answers: {0}")]
    Store(#[from] relais_store::StoreError),
}

/// Loads the corpus from the source and, if valid, seeds its answers and swaps it in.
pub(crate) async fn reload(app: &AppState) -> Result<ReloadOutcome, ReloadError> {
    let live = app.live_corpus();
    let source = live.source.get().cloned().ok_or(ReloadError::NoSource)?;
    let _serial = live.reloading.lock().await;
    let loaded = tokio::task::spawn_blocking(move || source.load())
        .await
        .map_err(|e| ReloadError::Loader(e.to_string()))?;
    let loaded = match loaded {
        Ok(loaded) => loaded,
        Err(refused) => return Ok(ReloadOutcome::Refused(refused)),
    };
    let (report, durable) = seed_faq(app.store().as_ref(), loaded.faq)?;
    durable.await?;
    live.swap(Live {
        engine: Arc::new(loaded.engine),
        knowledge: Arc::new(loaded.knowledge),
        version: loaded.version.clone(),
    });
    tracing::info!(version = %loaded.version, faq_written = report.written, "corpus reloaded");
    Ok(ReloadOutcome::Reloaded {
        version: loaded.version,
        faq_written: report.written,
    })
}

/// `POST /api/admin/reload`: **200** `{"reloaded": true, "version", "faq_written"}`; a corpus
/// with problems: **422** `invalid_corpus` with `problems` (the old corpus keeps serving).
pub(crate) async fn handle(State(app): State<AppState>, _: Admin) -> Result<Response, ApiError> {
    match reload(&app).await {
        Ok(ReloadOutcome::Reloaded {
            version,
            faq_written,
        }) => Ok(Json(json!({
            "reloaded": true,
            "version": version,
            "faq_written": faq_written,
        }))
        .into_response()),
        Ok(ReloadOutcome::Refused(refused)) => {
            let body = json!({"error": {
                "code": "invalid_corpus",
                "message": refused.to_string(),
                "problems": refused.problems,
            }});
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response())
        }
        Err(ReloadError::NoSource) => Err(ApiError::invalid(ReloadError::NoSource.to_string())),
        Err(err) => Err(ApiError::internal(&err)),
    }
}

/// `GET /api/admin/corpus`: `{"version"}` of the corpus in force.
pub(crate) async fn version(State(app): State<AppState>, _: Admin) -> Json<serde_json::Value> {
    Json(json!({"version": app.live_corpus().get().version}))
}

#[cfg(test)]
mod tests {
    use relais_engine::{EngineConfig, IntentInfo};
    use relais_nlu::{CorpusSpec, Example, IntentSpec, Matcher};

    use super::*;
    use crate::knowledge::IntentMeta;
    use crate::test_support::app;

    /// A corpus of one intent, `parcel`, answering in French.
    fn parcel_corpus() -> LoadedCorpus {
        let spec = CorpusSpec {
            intents: vec![IntentSpec {
                id: "parcel".into(),
                description: "parcel".into(),
                examples: ["ou est mon colis", "suivre mon colis", "colis en retard"]
                    .iter()
                    .map(|t| Example {
                        text: (*t).into(),
                        lang: None,
                    })
                    .collect(),
                ..IntentSpec::default()
            }],
            ..CorpusSpec::default()
        };
        let matcher = Arc::new(Matcher::train(&spec).unwrap());
        let meta = IntentMeta {
            answer_key: "parcel".into(),
            skill: None,
        };
        let info = IntentInfo {
            id: "parcel".into(),
            labels: Default::default(),
            answer_key: "parcel".into(),
        };
        LoadedCorpus {
            engine: Engine::new(Arc::clone(&matcher), vec![info], EngineConfig::default()),
            knowledge: Knowledge::new(matcher, [("parcel".to_owned(), meta)], Vec::new()),
            faq: vec![FaqEntry {
                key: "parcel".into(),
                lang: "fr".into(),
                variants: vec!["Suivez votre colis en ligne.".into()],
                source: String::new(),
            }],
            version: "7".into(),
        }
    }

    struct Fixed(fn() -> Result<LoadedCorpus, CorpusRefused>);

    impl CorpusSource for Fixed {
        fn load(&self) -> Result<LoadedCorpus, CorpusRefused> {
            (self.0)()
        }
    }

    #[tokio::test]
    async fn a_valid_corpus_is_swapped_in_with_its_answers() {
        let app = app();
        assert!(app.knowledge().intent("parcel").is_none());
        assert!(app.set_corpus_source(Arc::new(Fixed(|| Ok(parcel_corpus())))));
        let outcome = reload(&app).await.unwrap();
        assert!(
            matches!(outcome, ReloadOutcome::Reloaded { ref version, faq_written: 1 } if version == "7")
        );
        assert!(app.knowledge().intent("parcel").is_some());
        let matched = app.knowledge().matcher().match_text("ou est mon colis");
        assert_eq!(matched.candidates[0].intent, "parcel");
        let entry = app.store().faq("parcel", "fr").unwrap().unwrap();
        assert_eq!(entry.variants, ["Suivez votre colis en ligne."]);
        assert_eq!(app.live_corpus().get().version, "7");
    }

    #[tokio::test]
    async fn a_refused_corpus_leaves_the_old_one_serving() {
        let app = app();
        let refuse = || {
            Err(CorpusRefused {
                problems: vec!["billing.toml:3: duplicate id".into()],
            })
        };
        app.set_corpus_source(Arc::new(Fixed(refuse)));
        let outcome = reload(&app).await.unwrap();
        assert!(
            matches!(outcome, ReloadOutcome::Refused(ref r) if r.problems == ["billing.toml:3: duplicate id"])
        );
        assert!(app.knowledge().intent("bill_explain").is_some());
        assert_eq!(app.live_corpus().get().version, "startup");
    }

    #[tokio::test]
    async fn without_a_source_nothing_reloads() {
        let app = app();
        assert!(matches!(reload(&app).await, Err(ReloadError::NoSource)));
    }
}
