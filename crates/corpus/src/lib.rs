//! Loads the intent corpus that people author in TOML under `intents/`, and reports every
//! problem in it with file, line and cause.
//!
//! **What it owns.** Turning a corpus directory into a [`Corpus`]: the [`relais_nlu::CorpusSpec`]
//! the matcher trains on, the FAQ [`Answer`]s seeded into the store, the [`DialogueConfig`], and
//! where each intent was written ([`Location`]) for authoring tools.
//!
//! **Key decision.** Files are parsed with `toml_edit`, which keeps the span of every key and
//! value, and walked by hand rather than deserialised with serde: serde stops at the first
//! problem, while authors need all of them at once, each with its line. So one pass over
//! every file collects every syntax error, unknown key, missing or mistyped field, bad language
//! code, bad identifier, blank text and uncompilable pattern, then cross-file checks add
//! duplicate intent ids (naming both places), conflicting answers, and main topics that are
//! not intents or lack a label.
//!
//! **What it does not do.** Train or judge matching quality (that is `relais-nlu` and
//! `relais eval`) or read conversation tests under `tests/`. Writing corpus files is the
//! separate [`edit`] module's job.
//!
//! # The format
//!
//! A corpus directory holds an optional `relais.toml` and any number of intent files
//! (`*.toml`, one domain per file), read in file-name order; subdirectories are ignored.
//! `docs/corpus-format.md` is the author's guide with a full example. Every key is listed
//! here; any other key is an error.
//!
//! `relais.toml` (every table and key optional):
//!
//! | key | type | meaning (default) |
//! |---|---|---|
//! | `matcher.oos_threshold` | number in 0..=1 | below this confidence: out of scope (0.35) |
//! | `matcher.ambiguity_margin` | number in 0..=1 | top two closer than this: ambiguous (0.15) |
//! | `dialogue.misunderstandings_before_handoff` | integer >= 1 | misunderstood turns in a row before an advisor is offered (2) |
//! | `dialogue.default_lang` | `"fr"` or `"en"` | language until the customer's is detected (`"fr"`) |
//! | `dialogue.main_topics` | array of intent ids, each labelled in fr and en | quick replies offered to a lost customer (none) |
//! | `[[synonyms]]` `canonical` | string, required | the word variants are rewritten to |
//! | `[[synonyms]]` `variants` | non-empty array of strings, required | each in one set only |
//!
//! Intent files hold `[[intent]]` tables:
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `id` | string of `[a-z0-9_]`, required | unique in the corpus |
//! | `description` | non-blank string, required | what the intent covers, for authors |
//! | `skill` | string of `[a-z0-9_]` | advisor skill for handoff routing |
//! | `answer` | string of `[a-z0-9_]` | FAQ key of the answer (default: the id); intents may share one |
//! | `labels` | table `fr`/`en` -> non-blank string | quick-reply label |
//! | `keywords` | array of non-blank strings | strong evidence for the intent |
//! | `patterns` | array of regexes (`regex` syntax) | matched on normalised text; named groups become entities |
//! | `examples` | table `fr`/`en` -> array of non-blank strings | training utterances |
//! | `answers` | table `fr`/`en` -> non-empty array of non-blank strings | answer variants |
//!
//! An intent needs at least one example or keyword; an intent with `answers` needs examples;
//! one answer key gets its variants in a given language from one intent only.
//!
//! # Example
//!
//! ```
//! let file = relais_corpus::parse_file(
//!     "billing.toml",
//!     r#"
//! [[intent]]
//! id = "bill_explain"
//! description = "Understanding the lines of a bill"
//! [intent.examples]
//! fr = ["je ne comprends pas ma facture"]
//! "#,
//! )
//! .unwrap();
//! assert_eq!(file.intents[0].spec.id, "bill_explain");
//! assert_eq!(file.intents[0].location.line, 2);
//!
//! let errors = relais_corpus::parse_file("billing.toml", "[[intent]]\nid = \"Bill\"\n").unwrap_err();
//! assert_eq!(
//!     errors.to_string(),
//!     "billing.toml:1: missing required key `description` in [[intent]]\n\
//!      billing.toml:2: invalid intent id \"Bill\": use only a-z, 0-9 and _"
//! );
//! ```

mod assemble;
mod config_file;
pub mod edit;
mod error;
mod intent_file;
mod load;
mod location;
mod model;
mod reader;

pub use assemble::from_sources;
pub use config_file::CONFIG_FILE;
pub use error::{CorpusError, CorpusErrors, ErrorKind};
pub use intent_file::parse_file;
pub use load::load_dir;
pub use location::Location;
pub use model::{Answer, Corpus, DialogueConfig, FileContents, SourceFile, SourcedIntent};
