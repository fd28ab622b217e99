//! The conversation test format: scripted dialogues in TOML, one or more per file.
//!
//! ```toml
//! [[dialogue]]
//! name = "bill explained, then no"       # required
//! lang = "fr"                            # optional: the widget's language hint at greeting
//!
//! [[dialogue.turn]]
//! say = "je comprends pas ma facture"    # what the customer types, or
//! # choose = "intent:bill_explain"       # the value of a quick reply clicked, or
//! # click = "Comprendre ma facture"      # the label of a button of the previous bot turn
//! intent = "bill_explain"                # expected: the intent acted on
//! outcome = "answer"                     # answer, clarify, fallback, smalltalk,
//!                                        # handoff_offer or handoff
//! # handoff = false                      # whether the server must start a handoff
//! # reason = "misunderstandings"         # handoff (or offer) reason: misunderstandings,
//!                                        # frustration, explicit or not_covered
//! # offers = ["human"]                   # quick-reply values the reply must include
//! # lang = "fr"                          # the reply's language
//! ```
//!
//! Every expectation is optional; a turn checks only what it states.

use std::ops::Range;
use std::path::{Path, PathBuf};

use relais_engine::{HandoffReason, Outcome};
use relais_nlu::Lang;
use serde::Deserialize;
use toml::Spanned;

/// One test file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    dialogue: Vec<Spanned<RawDialogue>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDialogue {
    name: String,
    lang: Option<Lang>,
    #[serde(default)]
    turn: Vec<Spanned<RawTurn>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTurn {
    say: Option<String>,
    choose: Option<String>,
    click: Option<String>,
    intent: Option<String>,
    outcome: Option<Outcome>,
    handoff: Option<bool>,
    reason: Option<HandoffReason>,
    #[serde(default)]
    offers: Vec<String>,
    lang: Option<Lang>,
}

/// A scripted dialogue.
#[derive(Debug)]
pub(super) struct Dialogue {
    pub(super) name: String,
    /// The language hint given when the conversation opens.
    pub(super) lang: Option<Lang>,
    pub(super) turns: Vec<ScriptTurn>,
    /// `file:line` of its `[[dialogue]]`.
    pub(super) place: String,
}

/// One customer turn and what the bot should do.
#[derive(Debug)]
pub(super) struct ScriptTurn {
    pub(super) input: Input,
    pub(super) expect: Expect,
    /// `file:line` of its `[[dialogue.turn]]`.
    pub(super) place: String,
}

/// What the customer does.
#[derive(Clone, Debug)]
pub(super) enum Input {
    /// Types a message.
    Say(String),
    /// Clicks the quick reply with this value.
    Choose(String),
    /// Clicks the button of the previous bot turn with this label.
    Click(String),
}

/// What the bot's reply must be; `None` checks nothing.
#[derive(Clone, Debug, Default)]
pub(super) struct Expect {
    pub(super) intent: Option<String>,
    pub(super) outcome: Option<Outcome>,
    pub(super) handoff: Option<bool>,
    pub(super) reason: Option<HandoffReason>,
    pub(super) offers: Vec<String>,
    pub(super) lang: Option<Lang>,
}

/// Reads the dialogues of one test file, or every problem as `file:line: message`.
pub(super) fn parse(path: &Path, text: &str) -> Result<Vec<Dialogue>, Vec<String>> {
    let line_of = |span: Range<usize>| text[..span.start.min(text.len())].matches('\n').count() + 1;
    let place = |span: Range<usize>| format!("{}:{}", path.display(), line_of(span));
    let file: File = toml::from_str(text).map_err(|error| {
        let at = error
            .span()
            .map_or_else(|| path.display().to_string(), place);
        vec![format!("{at}: {}", error.message().trim())]
    })?;
    let mut errors = Vec::new();
    let mut dialogues = Vec::new();
    for dialogue in file.dialogue {
        let span = dialogue.span();
        let raw = dialogue.into_inner();
        if raw.turn.is_empty() {
            errors.push(format!(
                "{}: dialogue {:?} has no turn",
                place(span.clone()),
                raw.name
            ));
        }
        let mut turns = Vec::new();
        for turn in raw.turn {
            let turn_place = place(turn.span());
            let turn = turn.into_inner();
            let input = match (turn.say, turn.choose, turn.click) {
                (Some(text), None, None) => Input::Say(text),
                (None, Some(value), None) => Input::Choose(value),
                (None, None, Some(label)) => Input::Click(label),
                _ => {
                    errors.push(format!(
                        "{turn_place}: a turn needs exactly one of `say`, `choose` or `click`"
                    ));
                    continue;
                }
            };
            let expect = Expect {
                intent: turn.intent,
                outcome: turn.outcome,
                handoff: turn.handoff,
                reason: turn.reason,
                offers: turn.offers,
                lang: turn.lang,
            };
            turns.push(ScriptTurn {
                input,
                expect,
                place: turn_place,
            });
        }
        dialogues.push(Dialogue {
            name: raw.name,
            lang: raw.lang,
            turns,
            place: place(span),
        });
    }
    if errors.is_empty() {
        Ok(dialogues)
    } else {
        Err(errors)
    }
}

/// The test files of `dir`: its `*.toml` files, in name order.
pub(super) fn files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|ext| ext == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}
