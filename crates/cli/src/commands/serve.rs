//! `relais serve`: loads the corpus, trains the matcher, opens the store and serves customers.
//!
//! Everything slow or fallible happens before the listening line is printed, so that line
//! (`relais listening on http://ADDR`, the only thing written to stdout) means ready to chat.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use relais_corpus::Corpus;
use relais_engine::{Engine, EngineConfig, IntentInfo};
use relais_nlu::Matcher;
use relais_server::{
    AdminFile, AppState, IntentMeta, Knowledge, OpeningHours, ServerConfig, seed_faq,
};
use relais_store::{FaqEntry, SledStore, Store};

/// Arguments of `relais serve`; each can also come from its environment variable.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the listening line tells which).
    #[arg(long, env = "RELAIS_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Data directory of the store (created if missing).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data")]
    data: PathBuf,
    /// Corpus directory (intents and answers).
    #[arg(long, env = "RELAIS_INTENTS", default_value = "./intents")]
    intents: PathBuf,
    /// Directory of the static web files: demo page and widget.
    #[arg(long, env = "RELAIS_WEB", default_value = "./web")]
    web: PathBuf,
    /// Longest customer message accepted, in characters.
    #[arg(long, env = "RELAIS_MAX_TEXT_CHARS", default_value_t = 2000)]
    max_text_chars: usize,
    /// Most customer websocket sessions at once; further ones are refused with 503.
    #[arg(long, env = "RELAIS_MAX_SESSIONS", default_value_t = 50_000)]
    max_sessions: usize,
    /// Seconds a disconnected advisor keeps their chats before they go back to the queue.
    #[arg(long, env = "RELAIS_AGENT_GRACE_SECS", default_value_t = 60)]
    agent_grace_secs: u64,
    /// When advisors chat live, e.g. `mon-fri 08:00-20:00 UTC+01:00` (default: always,
    /// whenever an advisor is online). Outside these hours customers get the callback form.
    #[arg(long, env = "RELAIS_OPENING_HOURS")]
    opening_hours: Option<OpeningHours>,
    /// Longest estimated wait in seconds offered to a customer; above it they get the
    /// callback form instead (default: no limit).
    #[arg(long, env = "RELAIS_MAX_WAIT_SECS")]
    max_wait_secs: Option<u64>,
    /// Most conversations waiting for an advisor at once; beyond it, the callback form.
    #[arg(long, env = "RELAIS_MAX_QUEUE", default_value_t = 10_000)]
    max_queue: usize,
}

/// Runs `relais serve` until Ctrl-C or SIGTERM.
pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    let corpus = match relais_corpus::load_dir(&args.intents) {
        Ok(corpus) => corpus,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("error: the corpus in {} is invalid", args.intents.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let canned_path = args.intents.join("canned.toml");
    let canned = match relais_server::load_canned(&canned_path) {
        Ok(canned) => canned,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let (engine, knowledge) = build_engine(&corpus, canned)?;
    let store = SledStore::open(&args.data)
        .with_context(|| format!("cannot open the data directory {}", args.data.display()))?;
    let store: Arc<dyn Store> = Arc::new(store);
    if !args.web.join("index.html").is_file() {
        tracing::warn!(web = %args.web.display(), "no index.html in the web directory");
    }
    let config = ServerConfig {
        web_dir: args.web,
        max_text_chars: args.max_text_chars,
        max_sessions: args.max_sessions,
        data_dir: Some(args.data),
        agent_grace: Duration::from_secs(args.agent_grace_secs),
        opening_hours: args.opening_hours,
        max_wait: args.max_wait_secs.map(Duration::from_secs),
        max_queue: args.max_queue,
        ..ServerConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(args.addr, config, engine, knowledge, store, &corpus))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    addr: SocketAddr,
    config: ServerConfig,
    engine: Engine,
    knowledge: Knowledge,
    store: Arc<dyn Store>,
    corpus: &Corpus,
) -> anyhow::Result<()> {
    let (report, durable) =
        seed_faq(store.as_ref(), faq_entries(corpus)).context("cannot seed the FAQ answers")?;
    durable.await.context("cannot seed the FAQ answers")?;
    tracing::info!(
        written = report.written,
        kept_author = report.kept_author,
        "FAQ answers seeded from the corpus"
    );
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;
    let state =
        AppState::new(config, engine, knowledge, store).context("cannot draw the admin token")?;
    // Written before the listening line: whoever sees the server ready finds the file.
    let admin = AdminFile::write(&state, local).context("cannot write admin.json")?;
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "relais listening on http://{local}")?;
        stdout.flush()?;
    }
    relais_server::run(listener, state, shutdown_signal()).await?;
    // Removed at clean shutdown only, just before the store's lock is released.
    drop(admin);
    tracing::info!("stopped cleanly");
    Ok(())
}

/// The dialogue engine and the server's knowledge of the corpus, over one trained matcher.
fn build_engine(
    corpus: &Corpus,
    canned: Vec<relais_server::Canned>,
) -> anyhow::Result<(Engine, Knowledge)> {
    let matcher = Arc::new(Matcher::train(&corpus.spec).context("cannot train the matcher")?);
    let knowledge = Knowledge::new(
        Arc::clone(&matcher),
        corpus.spec.intents.iter().map(|intent| {
            (
                intent.id.clone(),
                IntentMeta {
                    answer_key: intent.answer_key().to_owned(),
                    skill: intent.skill.clone(),
                },
            )
        }),
        canned,
    );
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
    Ok((Engine::new(matcher, intents, config), knowledge))
}

fn faq_entries(corpus: &Corpus) -> Vec<FaqEntry> {
    // One entry per (key, language); the loader may list a key in several places.
    let mut merged: BTreeMap<(String, &str), Vec<String>> = BTreeMap::new();
    for answer in &corpus.answers {
        merged
            .entry((answer.key.clone(), answer.lang.code()))
            .or_default()
            .extend(answer.variants.iter().cloned());
    }
    merged
        .into_iter()
        .map(|((key, lang), variants)| FaqEntry {
            key,
            lang: lang.to_owned(),
            variants,
            source: relais_server::SOURCE_CORPUS.to_owned(),
        })
        .collect()
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr: stdout carries only the listening line.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
