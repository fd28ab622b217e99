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
use relais_engine::Engine;
use relais_server::{
    AdminFile, AppState, CorpusRefused, CorpusSource, IntentMeta, Knowledge, LoadedCorpus,
    OpeningHours, Origin, ServerConfig, seed_faq,
};
use relais_store::{FaqEntry, SledStore, Store};

use crate::commands::engine_setup::engine_from_corpus;

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
    /// Most customer websocket sessions from one client address; further ones get 429.
    #[arg(long, env = "RELAIS_MAX_CONNECTIONS_PER_IP",
        default_value_t = ServerConfig::default().max_connections_per_ip)]
    max_connections_per_ip: usize,
    /// New conversations one client address may start per minute; resuming is not limited.
    #[arg(long, env = "RELAIS_NEW_CONVERSATIONS_PER_IP_PER_MINUTE",
        default_value_t = ServerConfig::default().new_conversations_per_ip_per_minute)]
    new_conversations_per_ip_per_minute: u32,
    /// Frames a customer socket may send per second on average; faster ones are dropped
    /// with a `rate_limited` error, and a socket that keeps flooding is closed (1008).
    #[arg(long, env = "RELAIS_FRAMES_PER_SECOND",
        default_value_t = ServerConfig::default().frames_per_second)]
    frames_per_second: u32,
    /// Frames a customer socket may send in one burst (e.g. resends after a reconnection).
    #[arg(long, env = "RELAIS_FRAME_BURST",
        default_value_t = ServerConfig::default().frame_burst)]
    frame_burst: u32,
    /// Largest websocket message accepted, in bytes; a larger one closes the socket (1009).
    #[arg(long, env = "RELAIS_MAX_MESSAGE_BYTES",
        default_value_t = ServerConfig::default().max_message_bytes)]
    max_message_bytes: usize,
    /// Seconds a client has for its request headers, then for its `hello` once upgraded.
    #[arg(long, env = "RELAIS_HANDSHAKE_TIMEOUT_SECS",
        default_value_t = ServerConfig::default().handshake_timeout.as_secs())]
    handshake_timeout_secs: u64,
    /// Seconds a customer socket may stay silent (the server pings it after a third of it;
    /// browsers answer by themselves) before it is closed.
    #[arg(long, env = "RELAIS_IDLE_TIMEOUT_SECS",
        default_value_t = ServerConfig::default().idle_timeout.as_secs())]
    idle_timeout_secs: u64,
    /// Seconds one frame may take to reach a client (a client that does not read is dropped).
    #[arg(long, env = "RELAIS_SEND_TIMEOUT_SECS",
        default_value_t = ServerConfig::default().send_timeout.as_secs())]
    send_timeout_secs: u64,
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
    /// Seconds a customer may stay silent with the chat open before it counts as ended and
    /// the effort survey is asked (fractions allowed; 0: never).
    #[arg(long, env = "RELAIS_SURVEY_AFTER_IDLE_SECS", default_value_t = 600.0)]
    survey_after_idle_secs: f64,
    /// A site allowed to open the customer websocket from its pages (the widget embedded
    /// elsewhere), as `https://host[:port]`; repeatable, or comma-separated in the variable.
    /// The server's own pages are always allowed; advisor and admin endpoints never allow
    /// other sites.
    #[arg(
        long = "allow-origin",
        env = "RELAIS_ALLOW_ORIGINS",
        value_delimiter = ','
    )]
    allow_origins: Vec<Origin>,
    /// How long a conversation is kept after its last event, e.g. `365d`, before the hourly
    /// purge erases it (its figures stay in the daily aggregates); `0d` disables the purge.
    #[arg(long, env = "RELAIS_RETENTION", default_value = "365d")]
    retention: relais_server::retention::Age,
}

/// Runs `relais serve` until Ctrl-C or SIGTERM.
pub(crate) fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging();
    // The published snapshot when there is one: authoring changes are proposals until
    // `relais intents publish` (see `commands::publish`).
    let (corpus_dir, version) = super::publish::serving_dir(&args.data, &args.intents)?;
    tracing::info!(corpus = %corpus_dir.display(), %version, "serving this corpus");
    let corpus = match relais_corpus::load_dir(&corpus_dir) {
        Ok(corpus) => corpus,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("error: the corpus in {} is invalid", corpus_dir.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let source = Arc::new(PublishedSource {
        data: args.data.clone(),
        intents: args.intents.clone(),
    });
    let canned_path = corpus_dir.join("canned.toml");
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
    // Every append is folded into the persisted daily aggregates (`relais stats`).
    let store: Arc<dyn Store> = relais_server::with_aggregates(Arc::new(store));
    if !args.web.join("index.html").is_file() {
        tracing::warn!(web = %args.web.display(), "no index.html in the web directory");
    }
    let config = ServerConfig {
        web_dir: args.web,
        max_text_chars: args.max_text_chars,
        max_sessions: args.max_sessions,
        max_connections_per_ip: args.max_connections_per_ip,
        new_conversations_per_ip_per_minute: args.new_conversations_per_ip_per_minute,
        frames_per_second: args.frames_per_second,
        frame_burst: args.frame_burst,
        max_message_bytes: args.max_message_bytes,
        handshake_timeout: Duration::from_secs(args.handshake_timeout_secs),
        idle_timeout: Duration::from_secs(args.idle_timeout_secs),
        send_timeout: Duration::from_secs(args.send_timeout_secs),
        data_dir: Some(args.data),
        agent_grace: Duration::from_secs(args.agent_grace_secs),
        opening_hours: args.opening_hours,
        max_wait: args.max_wait_secs.map(Duration::from_secs),
        max_queue: args.max_queue,
        survey_after_idle: Duration::try_from_secs_f64(args.survey_after_idle_secs)
            .ok()
            .filter(|after| !after.is_zero()),
        allowed_origins: args.allow_origins,
        retention: Some(args.retention.duration()).filter(|keep| !keep.is_zero()),
        ..ServerConfig::default()
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(serve(
        args.addr, config, engine, knowledge, store, &corpus, source,
    ))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(
    addr: SocketAddr,
    config: ServerConfig,
    engine: Engine,
    knowledge: Knowledge,
    store: Arc<dyn Store>,
    corpus: &Corpus,
    source: Arc<PublishedSource>,
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
    state.set_corpus_source(source);
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

/// What `POST /api/admin/reload` loads: the current published snapshot of the data
/// directory, else the working copy (as at startup).
struct PublishedSource {
    data: PathBuf,
    intents: PathBuf,
}

impl CorpusSource for PublishedSource {
    fn load(&self) -> Result<LoadedCorpus, CorpusRefused> {
        let refused = |problem: String| CorpusRefused {
            problems: vec![problem],
        };
        let (dir, version) = super::publish::serving_dir(&self.data, &self.intents)
            .map_err(|e| refused(format!("{e:#}")))?;
        let corpus = relais_corpus::load_dir(&dir).map_err(|errors| CorpusRefused {
            problems: errors.errors().iter().map(ToString::to_string).collect(),
        })?;
        let canned = relais_server::load_canned(&dir.join("canned.toml"))
            .map_err(|e| refused(e.to_string()))?;
        let (engine, knowledge) =
            build_engine(&corpus, canned).map_err(|e| refused(format!("{e:#}")))?;
        Ok(LoadedCorpus {
            engine,
            knowledge,
            faq: faq_entries(&corpus),
            version,
        })
    }
}

/// The dialogue engine and the server's knowledge of the corpus, over one trained matcher.
fn build_engine(
    corpus: &Corpus,
    canned: Vec<relais_server::Canned>,
) -> anyhow::Result<(Engine, Knowledge)> {
    let (engine, matcher) = engine_from_corpus(corpus)?;
    let knowledge = Knowledge::new(
        matcher,
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
    Ok((engine, knowledge))
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
