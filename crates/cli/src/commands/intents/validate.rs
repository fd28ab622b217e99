//! `relais intents validate [DIR]`: load, train, summarise.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::process::ExitCode;

use relais_corpus::Corpus;
use relais_nlu::Lang;

use super::corpus;

/// Arguments of `relais intents validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// The corpus directory.
    #[arg(env = "RELAIS_INTENTS", default_value = "intents")]
    dir: PathBuf,
}

/// Runs `relais intents validate`.
pub(super) fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    match corpus::load(&args.dir) {
        Ok(loaded) => {
            print!("{}", Summary::of(&loaded.corpus));
            println!("{}: corpus OK", args.dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => Ok(problems.report(&args.dir)),
    }
}

/// Counts that tell an author what the corpus holds.
struct Summary<'c> {
    corpus: &'c Corpus,
}

impl<'c> Summary<'c> {
    fn of(corpus: &'c Corpus) -> Self {
        Summary { corpus }
    }

    /// `fr 12, en 10`, counting `count(lang)` for every language.
    fn per_lang(count: impl Fn(Lang) -> usize) -> String {
        Lang::ALL
            .iter()
            .map(|&lang| format!("{lang} {}", count(lang)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let corpus = self.corpus;
        let intents = &corpus.spec.intents;
        let files: BTreeSet<_> = corpus.locations.values().map(|l| &l.file).collect();
        let examples = intents.iter().flat_map(|i| &i.examples);
        let examples_in = |lang| examples.clone().filter(|e| e.lang == Some(lang)).count();
        let keys: BTreeSet<_> = corpus.answers.iter().map(|a| &a.key).collect();
        let answers_in = |lang| corpus.answers.iter().filter(|a| a.lang == lang).count();
        let keywords: usize = intents.iter().map(|i| i.keywords.len()).sum();
        let patterns: usize = intents.iter().map(|i| i.patterns.len()).sum();
        let config = &corpus.spec.config;
        let dialogue = &corpus.dialogue;

        writeln!(f, "intents:   {} in {} files", intents.len(), files.len())?;
        writeln!(
            f,
            "examples:  {} ({})",
            examples.clone().count(),
            Summary::per_lang(examples_in)
        )?;
        writeln!(f, "keywords:  {keywords}, patterns: {patterns}")?;
        writeln!(
            f,
            "answers:   {} keys ({})",
            keys.len(),
            Summary::per_lang(answers_in)
        )?;
        writeln!(f, "synonyms:  {} sets", corpus.spec.synonyms.len())?;
        writeln!(
            f,
            "matcher:   oos_threshold {}, ambiguity_margin {}",
            config.oos_threshold, config.ambiguity_margin
        )?;
        writeln!(
            f,
            "dialogue:  default_lang {}, handoff after {} misunderstandings",
            dialogue.default_lang, dialogue.misunderstandings_before_handoff
        )?;
        writeln!(f, "main topics: {}", dialogue.main_topics.join(", "))
    }
}
