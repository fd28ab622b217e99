//! `relais intents publish`: validates the corpus, snapshots it as the next published version
//! in the data directory, and makes a running server serve it without a restart.
//!
//! Changes made with the authoring commands are proposals until published: `relais serve`
//! serves the current snapshot when there is one (see [`serving_dir`]), and a running server
//! switches to it on `POST /api/admin/reload`. A corpus with a single problem is refused
//! before anything is written, with every problem as `file:line: message`.

pub(crate) mod snapshot;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;
use ureq::http::StatusCode;

use super::admin_client::{AdminClient, refusal};

/// Bound on the reload request: a reload trains a matcher, which takes seconds at most.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Arguments of `relais intents publish`.
#[derive(Debug, clap::Args)]
pub(crate) struct PublishArgs {
    /// The corpus directory to publish.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The data directory `relais serve --data` uses; snapshots go to `<data>/published/`.
    #[arg(long, env = "RELAIS_DATA", default_value = "./data")]
    data: PathBuf,
}

/// The corpus `relais serve` serves: the current published snapshot of `data` if any,
/// else the working copy `intents`.
pub(crate) fn serving_dir(data: &Path, intents: &Path) -> anyhow::Result<(PathBuf, String)> {
    Ok(match snapshot::current(data)? {
        Some(snapshot) => (snapshot.dir, format!("v{}", snapshot.version)),
        None => (intents.to_path_buf(), "working copy".to_owned()),
    })
}

/// Every problem of the corpus in `dir` (corpus files and canned responses), one
/// `file:line: message` each; empty when it can be served.
pub(crate) fn problems(dir: &Path) -> Vec<String> {
    let mut problems = match relais_corpus::load_dir(dir) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.errors().iter().map(ToString::to_string).collect(),
    };
    if let Err(err) = relais_server::load_canned(&dir.join("canned.toml")) {
        problems.push(err.to_string());
    }
    problems
}

/// Runs `relais intents publish`.
pub(crate) fn run(args: &PublishArgs) -> anyhow::Result<ExitCode> {
    let problems = problems(&args.intents);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("{problem}");
        }
        eprintln!(
            "refused: the corpus in {} has {} problem(s); nothing was published",
            args.intents.display(),
            problems.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let version = match snapshot::current(&args.data)? {
        Some(current) if snapshot::same_tree(&args.intents, &current.dir)? => {
            println!("nothing changed since v{}", current.version);
            current.version
        }
        _ => {
            let published = snapshot::publish(&args.intents, &args.data)?;
            println!(
                "published v{} to {}",
                published.version,
                published.dir.display()
            );
            published.version
        }
    };
    let Some(server) = AdminClient::find(&args.data, TIMEOUT)? else {
        println!(
            "no server runs on {}: the next `relais serve --data {}` serves v{version}",
            args.data.display(),
            args.data.display()
        );
        return Ok(ExitCode::SUCCESS);
    };
    let (status, body) = server
        .post("/api/admin/reload", &json!({}))
        .context("the snapshot is published, but the running server could not be told")?;
    match status {
        StatusCode::OK => {
            println!(
                "the server at {} now serves v{version} (reloaded without a restart)",
                server.url()
            );
            Ok(ExitCode::SUCCESS)
        }
        StatusCode::UNPROCESSABLE_ENTITY => {
            for problem in body["error"]["problems"].as_array().into_iter().flatten() {
                eprintln!("{}", problem.as_str().unwrap_or_default());
            }
            eprintln!("the server refused v{version}: it keeps serving its previous corpus");
            Ok(ExitCode::FAILURE)
        }
        status => Err(refusal(status, &body)),
    }
}
