//! `relais intents new` and `relais intents add-example`: the two edits of an intent's
//! definition, made through the corpus edit writer.

use std::path::PathBuf;
use std::process::ExitCode;

use relais_corpus::edit::NewIntent;
use relais_nlu::Lang;

use super::editing;

/// Arguments of `relais intents new`.
#[derive(Debug, clap::Args)]
pub(crate) struct NewArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The new intent's id: a-z, 0-9 and _ only.
    id: String,
    /// The intent file to append to, in the corpus directory (`billing` or `billing.toml`);
    /// created if missing. Default: a file named after the id.
    #[arg(long, value_name = "FILE")]
    domain: Option<String>,
    /// What the intent covers, for authors.
    #[arg(long, short)]
    description: String,
    /// A first training example (repeat for more). An intent needs at least one to be matched.
    #[arg(long = "example", short = 'e', value_name = "TEXT", required = true)]
    examples: Vec<String>,
    /// The language of the examples.
    #[arg(long, value_parser = parse_lang, default_value = "fr")]
    lang: Lang,
}

/// Arguments of `relais intents add-example`.
#[derive(Debug, clap::Args)]
pub(crate) struct AddExampleArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// The intent to teach.
    id: String,
    /// The utterance, as a customer would type it.
    text: String,
    /// Its language.
    #[arg(long, value_parser = parse_lang)]
    lang: Lang,
}

/// Parses a language code given on the command line.
pub(crate) fn parse_lang(code: &str) -> Result<Lang, String> {
    Lang::from_code(code).ok_or_else(|| format!("unknown language {code:?} (expected fr or en)"))
}

/// Runs `relais intents new`.
pub(super) fn run_new(args: &NewArgs) -> anyhow::Result<ExitCode> {
    let mut editor = match editing::open(&args.intents) {
        Ok(editor) => editor,
        Err(code) => return Ok(code),
    };
    let new = NewIntent {
        id: args.id.clone(),
        description: args.description.clone(),
        examples: args
            .examples
            .iter()
            .map(|text| (args.lang, text.clone()))
            .collect(),
    };
    let domain = args.domain.clone().unwrap_or_else(|| args.id.clone());
    if let Err(error) = editor.new_intent(&domain, &new) {
        return Ok(editing::refused(&error));
    }
    match editing::commit(editor) {
        Ok(committed) => {
            if let Some(location) = committed.corpus.location(&args.id) {
                println!("added intent {} at {location}", args.id);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => Ok(code),
    }
}

/// Runs `relais intents add-example`.
pub(super) fn run_add_example(args: &AddExampleArgs) -> anyhow::Result<ExitCode> {
    let mut editor = match editing::open(&args.intents) {
        Ok(editor) => editor,
        Err(code) => return Ok(code),
    };
    if let Err(error) = editor.add_example(&args.id, args.lang, &args.text) {
        return Ok(editing::refused(&error));
    }
    match editing::commit(editor) {
        Ok(committed) => {
            let count = committed
                .corpus
                .spec
                .intents
                .iter()
                .find(|intent| intent.id == args.id)
                .map_or(0, |intent| {
                    intent
                        .examples
                        .iter()
                        .filter(|e| e.lang == Some(args.lang))
                        .count()
                });
            println!(
                "added a {} example to {}: it now has {count} in {}",
                args.lang, args.id, args.lang
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => Ok(code),
    }
}
