//! `relais inbox`: the missed questions the server recorded, grouped by similarity, and
//! their review: promote a group to a training example (or a new intent), or dismiss it.
//!
//! Items are read from the store when no server holds the data directory, else through the
//! running server's admin API (see `admin_api`); grouping is done here either way, so both
//! paths print the same. Promotion edits the corpus through the edit writer (validated, all
//! or nothing) and only then marks the group's items promoted; it becomes live with
//! `relais intents publish`.

mod group;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use relais_corpus::edit::NewIntent;
use relais_nlu::Lang;
use relais_store::{InboxItem, InboxStatus};
use serde_json::json;

use self::group::Group;
use super::admin_api::{self, DataDir};
use super::admin_client::success;
use super::intents::editing;
use super::intents::parse_lang;

/// Arguments of `relais inbox`.
#[derive(Debug, clap::Args)]
pub(crate) struct InboxArgs {
    /// Data directory of the store, the one `relais serve --data` uses (a running server on
    /// it is reached through its admin API).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    /// How alike two questions must be to count as one: the Jaccard index of their normalised
    /// word sets, 0 to 1.
    #[arg(long, default_value_t = 0.5, global = true)]
    similarity: f64,
    #[command(subcommand)]
    command: InboxCommand,
}

#[derive(Debug, Subcommand)]
enum InboxCommand {
    /// The open items grouped by similarity, most frequent first, each group named by an ITEM
    /// id.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Include promoted and dismissed items.
        #[arg(long)]
        all: bool,
    },
    /// Add a group's question as a training example of an intent (or of a new one), and mark
    /// the group promoted.
    Promote(PromoteArgs),
    /// Mark a group dismissed: not worth teaching.
    Dismiss {
        /// The group's ITEM id, as `relais inbox list` shows it (any item of the group).
        item: u64,
    },
}

/// Arguments of `relais inbox promote`.
#[derive(Debug, clap::Args)]
struct PromoteArgs {
    /// The group's ITEM id, as `relais inbox list` shows it (any item of the group).
    item: u64,
    /// The intent to teach.
    #[arg(
        long,
        conflicts_with = "new_intent",
        required_unless_present = "new_intent"
    )]
    intent: Option<String>,
    /// Create this intent with the question as its first example.
    #[arg(long, value_name = "ID")]
    new_intent: Option<String>,
    /// With `--new-intent`: the intent file (default: one named after the id).
    #[arg(long, value_name = "FILE", requires = "new_intent")]
    domain: Option<String>,
    /// With `--new-intent`: what the intent covers.
    #[arg(long, short, requires = "new_intent")]
    description: Option<String>,
    /// The text to add instead of the group's first question (e.g. a cleaned-up spelling).
    #[arg(long)]
    text: Option<String>,
    /// The example's language (default: the group's most frequent one).
    #[arg(long, value_parser = parse_lang)]
    lang: Option<Lang>,
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
}

/// Runs `relais inbox`.
pub(crate) fn run(args: InboxArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.similarity) {
        bail!("--similarity must be between 0 and 1");
    }
    let dir = admin_api::open(&args.data)?;
    match args.command {
        InboxCommand::List { json, all } => list(&dir, args.similarity, json, all),
        InboxCommand::Promote(promote_args) => promote(&dir, args.similarity, &promote_args),
        InboxCommand::Dismiss { item } => {
            let group = find(&dir, args.similarity, item)?;
            let updated = set_status(&dir, &group.ids, InboxStatus::Dismissed)?;
            println!("dismissed group {} ({updated} item(s))", group.item);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Every item of the inbox, oldest first.
fn items(dir: &DataDir) -> anyhow::Result<Vec<InboxItem>> {
    match dir {
        DataDir::Direct { store, .. } => Ok(store.inbox_items()?),
        DataDir::Server(api) => {
            let mut body = success(api.get("/api/admin/inbox")?)?;
            serde_json::from_value(body["items"].take())
                .context("the server's inbox is not in the expected shape")
        }
    }
}

/// Sets the status of `ids`; how many exist.
fn set_status(dir: &DataDir, ids: &[u64], status: InboxStatus) -> anyhow::Result<usize> {
    match dir {
        DataDir::Direct { store, .. } => {
            let (updated, durable) = store.set_inbox_status(ids, status)?;
            durable.wait()?;
            Ok(updated)
        }
        DataDir::Server(api) => {
            let body = success(api.post(
                "/api/admin/inbox/status",
                &json!({"ids": ids, "status": status}),
            )?)?;
            Ok(body["updated"].as_u64().unwrap_or(0) as usize)
        }
    }
}

/// The open groups (every group with `all`).
fn groups(dir: &DataDir, similarity: f64, all: bool) -> anyhow::Result<Vec<Group>> {
    let items: Vec<InboxItem> = items(dir)?
        .into_iter()
        .filter(|item| all || item.status == InboxStatus::Open)
        .collect();
    Ok(group::group(&items, similarity))
}

/// The open group holding item `item`.
fn find(dir: &DataDir, similarity: f64, item: u64) -> anyhow::Result<Group> {
    groups(dir, similarity, false)?
        .into_iter()
        .find(|group| group.ids.contains(&item))
        .with_context(|| format!("no open inbox item {item} (see `relais inbox list`)"))
}

/// Customer text made safe for a terminal: control characters blanked, one line, bounded.
fn printable(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if text.chars().count() > max {
        out.push('…');
    }
    out
}

fn list(dir: &DataDir, similarity: f64, json: bool, all: bool) -> anyhow::Result<ExitCode> {
    let groups = groups(dir, similarity, all)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&groups)?);
        return Ok(ExitCode::SUCCESS);
    }
    if groups.is_empty() {
        println!("the inbox is empty");
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{:>8}  {:>5}  {:<24}  {:<5}  text",
        "ITEM", "COUNT", "WHY", "LANG"
    );
    for group in &groups {
        let why: Vec<String> = group
            .kinds
            .iter()
            .map(|(kind, n)| format!("{kind}:{n}"))
            .collect();
        println!(
            "{:>8}  {:>5}  {:<24}  {:<5}  {}",
            group.item,
            group.count,
            why.join(","),
            group.langs.first().map_or("-", String::as_str),
            printable(&group.text, 100)
        );
        for other in group.texts.iter().skip(1) {
            println!("{:>49}{}", "", printable(other, 100));
        }
    }
    println!(
        "\n{} group(s); `relais inbox promote ITEM --intent ID` or `relais inbox dismiss ITEM`",
        groups.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn promote(dir: &DataDir, similarity: f64, args: &PromoteArgs) -> anyhow::Result<ExitCode> {
    let group = find(dir, similarity, args.item)?;
    if group.flag {
        bail!(
            "group {} holds advisors' answers flagged as FAQ material, not questions: write \
             the answer with `relais faq set ID --lang LANG`, then `relais inbox dismiss {}`",
            group.item,
            group.item
        );
    }
    let lang = match args.lang {
        Some(lang) => lang,
        None => group
            .langs
            .first()
            .and_then(|code| Lang::from_code(code))
            .context("the group's language is unknown: pass --lang")?,
    };
    let text = args.text.clone().unwrap_or_else(|| group.text.clone());
    if let Err(code) = teach(&args.intents, args, lang, &text) {
        return Ok(code);
    }
    let updated = set_status(dir, &group.ids, InboxStatus::Promoted)?;
    println!(
        "promoted group {} ({updated} item(s)); `relais intents review`, then `relais intents \
         publish` to make it live",
        group.item
    );
    Ok(ExitCode::SUCCESS)
}

/// Adds `text` to the corpus as `args` says; the exit status when refused.
fn teach(intents: &Path, args: &PromoteArgs, lang: Lang, text: &str) -> Result<(), ExitCode> {
    let mut editor = editing::open(intents)?;
    let edited = match (&args.intent, &args.new_intent) {
        (Some(id), _) => editor.add_example(id, lang, text),
        (None, Some(id)) => {
            let new = NewIntent {
                id: id.clone(),
                description: args
                    .description
                    .clone()
                    .unwrap_or_else(|| "Promoted from the inbox of missed questions".to_owned()),
                examples: vec![(lang, text.to_owned())],
            };
            editor
                .new_intent(args.domain.as_deref().unwrap_or(id), &new)
                .map(drop)
        }
        // clap requires one of the two.
        (None, None) => return Err(ExitCode::FAILURE),
    };
    if let Err(error) = edited {
        return Err(editing::refused(&error));
    }
    editing::commit(editor)?;
    let target = args.intent.as_ref().or(args.new_intent.as_ref());
    println!(
        "added a {lang} example to {}: {}",
        target.map_or("", String::as_str),
        printable(text, 100)
    );
    Ok(())
}
