//! `relais intents show ID`: everything one intent defines, with where it is written.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use relais_corpus::Corpus;
use relais_nlu::{IntentSpec, Lang};
use serde::Serialize;

use super::corpus;

/// Arguments of `relais intents show`.
#[derive(Debug, clap::Args)]
pub(crate) struct ShowArgs {
    /// The corpus directory.
    #[arg(long, env = "RELAIS_INTENTS", default_value = "intents")]
    intents: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// The intent id.
    id: String,
}

/// One intent as shown.
#[derive(Serialize)]
struct View<'c> {
    id: &'c str,
    location: String,
    description: &'c str,
    skill: Option<&'c str>,
    answer_key: &'c str,
    labels: Vec<(Lang, &'c str)>,
    keywords: &'c [String],
    patterns: &'c [String],
    examples: Vec<(Lang, Vec<&'c str>)>,
    answers: Vec<(Lang, &'c [String])>,
}

/// Runs `relais intents show`.
pub(super) fn run(args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let corpus = match relais_corpus::load_dir(&args.intents) {
        Ok(corpus) => corpus,
        Err(errors) => return Ok(corpus::Problems::from(&errors).report(&args.intents)),
    };
    let Some(intent) = corpus.spec.intents.iter().find(|i| i.id == args.id) else {
        eprintln!("no intent `{}` in {}", args.id, args.intents.display());
        return Ok(ExitCode::FAILURE);
    };
    let view = view(&corpus, intent);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&view)?);
    } else {
        print!("{}", text(&view));
    }
    Ok(ExitCode::SUCCESS)
}

fn view<'c>(corpus: &'c Corpus, intent: &'c IntentSpec) -> View<'c> {
    View {
        id: &intent.id,
        location: corpus
            .location(&intent.id)
            .map(ToString::to_string)
            .unwrap_or_default(),
        description: &intent.description,
        skill: intent.skill.as_deref(),
        answer_key: intent.answer_key(),
        labels: intent
            .labels
            .iter()
            .map(|(lang, label)| (*lang, label.as_str()))
            .collect(),
        keywords: &intent.keywords,
        patterns: &intent.patterns,
        examples: Lang::ALL
            .iter()
            .map(|&lang| {
                let texts = intent
                    .examples
                    .iter()
                    .filter(|e| e.lang == Some(lang))
                    .map(|e| e.text.as_str())
                    .collect();
                (lang, texts)
            })
            .collect(),
        answers: Lang::ALL
            .iter()
            .filter_map(|&lang| {
                let answer = corpus.answer(intent.answer_key(), lang)?;
                Some((lang, answer.variants.as_slice()))
            })
            .collect(),
    }
}

fn text(view: &View<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  ({})", view.id, view.location);
    let _ = writeln!(out, "description: {}", view.description);
    let _ = writeln!(out, "skill:       {}", view.skill.unwrap_or("-"));
    let _ = writeln!(out, "answer key:  {}", view.answer_key);
    for (lang, label) in &view.labels {
        let _ = writeln!(out, "label {lang}:    {label}");
    }
    let _ = writeln!(out, "keywords:    {}", view.keywords.join(", "));
    for pattern in view.patterns {
        let _ = writeln!(out, "pattern:     {pattern}");
    }
    for (lang, examples) in &view.examples {
        let _ = writeln!(out, "examples {lang} ({}):", examples.len());
        for example in examples {
            let _ = writeln!(out, "  - {example}");
        }
    }
    for (lang, variants) in &view.answers {
        let _ = writeln!(out, "answers {lang} ({}):", variants.len());
        for variant in *variants {
            let _ = writeln!(out, "  - {variant}");
        }
    }
    out
}
