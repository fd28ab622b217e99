//! Playing a scripted dialogue through the engine, exactly as the server drives it.
//!
//! The server (`relais_server::conversation`) opens a conversation with `Engine::greet` (with
//! the widget's language hint), then for each customer turn calls `Engine::respond`, which
//! for typed text is `Matcher::match_text` followed by `Engine::respond_to_match`: the runner
//! makes the same two calls, keeping the match result to show the candidates. Between the
//! engine and the customer the server does a few things more, none of which changes a
//! decision the tests check:
//!
//! - answers are read from the FAQ store, seeded from the corpus at startup; an answer an
//!   author set in the store directly (source `author`) wins over the corpus there, while the
//!   runner reads the corpus answers (merged per key and language as the seeding does);
//! - once the engine asks for a handoff, the server queues the conversation and the bot stops
//!   answering; the runner stops there too and refuses further turns of the script;
//! - messages longer than the server's limit are refused before reaching the engine.

use std::collections::BTreeMap;
use std::sync::Arc;

use relais_corpus::Corpus;
use relais_engine::{
    Answers, ConversationState, Engine, Handoff, HandoffReason, Pending, Reply, Turn,
};
use relais_nlu::{Candidate, Lang, Matcher};
use serde::Serialize;

use super::script::{Dialogue, Expect, Input};
use crate::commands::engine_setup::engine_from_corpus;

/// The engine and matcher of one corpus, built as `relais serve` builds them.
pub(super) struct Harness {
    engine: Engine,
    matcher: Arc<Matcher>,
    answers: CorpusAnswers,
}

/// The corpus answers, merged per (key, language) as the server seeds its FAQ store.
struct CorpusAnswers(BTreeMap<(String, Lang), Vec<String>>);

impl Answers for CorpusAnswers {
    fn variants(&self, key: &str, lang: Lang) -> Vec<String> {
        self.0
            .get(&(key.to_owned(), lang))
            .cloned()
            .unwrap_or_default()
    }
}

impl Harness {
    /// Trains the matcher and builds the engine over `corpus`, as `relais serve` does.
    pub(super) fn new(corpus: &Corpus) -> anyhow::Result<Harness> {
        let (engine, matcher) = engine_from_corpus(corpus)?;
        let mut answers: BTreeMap<(String, Lang), Vec<String>> = BTreeMap::new();
        for answer in &corpus.answers {
            answers
                .entry((answer.key.clone(), answer.lang))
                .or_default()
                .extend(answer.variants.iter().cloned());
        }
        Ok(Harness {
            engine,
            matcher,
            answers: CorpusAnswers(answers),
        })
    }

    /// Plays `dialogue` until its end or its first failing turn.
    pub(super) fn play(&self, dialogue: &Dialogue) -> Option<Failure> {
        let mut state = ConversationState::default();
        let mut last = self.engine.greet(&mut state, dialogue.lang, &self.answers);
        let mut handed_off: Option<usize> = None;
        for (index, turn) in dialogue.turns.iter().enumerate() {
            let number = index + 1;
            let fail = |problems: Vec<Mismatch>, reply: Option<Seen>, candidates| Failure {
                turn: number,
                place: turn.place.clone(),
                input: turn.input.clone(),
                problems,
                reply,
                candidates,
            };
            if let Some(at) = handed_off {
                let problem = Mismatch::note(format!(
                    "the conversation went to an advisor at turn {at}: the bot no longer answers"
                ));
                return Some(fail(vec![problem], None, Vec::new()));
            }
            let (reply, candidates) = match self.respond(&mut state, &turn.input, &last) {
                Ok(answered) => answered,
                Err(problem) => return Some(fail(vec![problem], None, Vec::new())),
            };
            let seen = Seen::of(&reply, &state);
            let problems = check(&turn.expect, &seen);
            if !problems.is_empty() {
                return Some(fail(problems, Some(seen), candidates));
            }
            if reply.handoff.is_some() {
                handed_off = Some(number);
            }
            last = reply;
        }
        None
    }

    /// The bot's reply to one customer input, and the matcher's candidates for typed text.
    fn respond(
        &self,
        state: &mut ConversationState,
        input: &Input,
        last: &Reply,
    ) -> Result<(Reply, Vec<Candidate>), Mismatch> {
        match input {
            Input::Say(text) => {
                let result = self.matcher.match_text(text);
                let reply = self
                    .engine
                    .respond_to_match(state, text, &result, &self.answers);
                Ok((reply, result.candidates))
            }
            Input::Choose(value) => {
                let turn = Turn::Choice(value.clone());
                Ok((self.engine.respond(state, turn, &self.answers), Vec::new()))
            }
            Input::Click(label) => {
                let wanted = label.trim().to_lowercase();
                let button = last
                    .quick_replies
                    .iter()
                    .find(|q| q.label.trim().to_lowercase() == wanted);
                match button {
                    Some(button) => {
                        let turn = Turn::Choice(button.value.clone());
                        Ok((self.engine.respond(state, turn, &self.answers), Vec::new()))
                    }
                    None => {
                        let labels: Vec<&str> = last
                            .quick_replies
                            .iter()
                            .map(|q| q.label.as_str())
                            .collect();
                        Err(Mismatch::note(format!(
                            "no button {label:?} on the previous bot turn (buttons: {labels:?})"
                        )))
                    }
                }
            }
        }
    }
}

/// What the bot did on one turn, in the terms expectations use.
#[derive(Debug, Serialize)]
pub(super) struct Seen {
    pub(super) text: String,
    pub(super) intent: Option<String>,
    pub(super) confidence: f32,
    pub(super) outcome: relais_engine::Outcome,
    pub(super) handoff: bool,
    /// The handoff reason, or that of the advisor offer the bot is waiting an answer to.
    pub(super) reason: Option<HandoffReason>,
    pub(super) offers: Vec<String>,
    pub(super) lang: Lang,
}

impl Seen {
    fn of(reply: &Reply, state: &ConversationState) -> Seen {
        let reason = match (&reply.handoff, &state.pending) {
            (Some(Handoff::Requested { reason }), _) => Some(*reason),
            (None, Some(Pending::HandoffOffer { reason })) => Some(*reason),
            _ => None,
        };
        Seen {
            text: reply.text.clone(),
            intent: reply.intent.clone(),
            confidence: reply.confidence,
            outcome: reply.outcome,
            handoff: reply.handoff.is_some(),
            reason,
            offers: reply
                .quick_replies
                .iter()
                .map(|q| q.value.clone())
                .collect(),
            lang: reply.lang,
        }
    }
}

/// One expectation not met.
#[derive(Debug, Serialize)]
pub(super) struct Mismatch {
    /// What was checked (`intent`, `outcome`...), or `turn` for a script problem.
    pub(super) field: &'static str,
    pub(super) expected: String,
    pub(super) actual: String,
}

impl Mismatch {
    fn note(message: String) -> Mismatch {
        Mismatch {
            field: "turn",
            expected: String::new(),
            actual: message,
        }
    }
}

/// The first failing turn of a dialogue.
#[derive(Debug, Serialize)]
pub(super) struct Failure {
    /// The turn, from 1.
    pub(super) turn: usize,
    pub(super) place: String,
    #[serde(serialize_with = "input_text")]
    pub(super) input: Input,
    pub(super) problems: Vec<Mismatch>,
    /// The bot's reply, when there was one.
    pub(super) reply: Option<Seen>,
    /// The matcher's candidates for a typed message, best first.
    #[serde(serialize_with = "candidate_pairs")]
    pub(super) candidates: Vec<Candidate>,
}

fn input_text<S: serde::Serializer>(input: &Input, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&describe_input(input))
}

fn candidate_pairs<S: serde::Serializer>(
    candidates: &[Candidate],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(candidates.iter().map(|c| (&c.intent, c.confidence)))
}

/// `say "..."`, `choose intent:x` or `click "Label"`.
pub(super) fn describe_input(input: &Input) -> String {
    match input {
        Input::Say(text) => format!("say {text:?}"),
        Input::Choose(value) => format!("choose {value}"),
        Input::Click(label) => format!("click {label:?}"),
    }
}

/// The expectations of `expect` that `seen` does not meet.
fn check(expect: &Expect, seen: &Seen) -> Vec<Mismatch> {
    let mut problems = Vec::new();
    let mut compare = |field, expected: Option<String>, actual: String| {
        if let Some(expected) = expected
            && expected != actual
        {
            problems.push(Mismatch {
                field,
                expected,
                actual,
            });
        }
    };
    let none = || "(none)".to_owned();
    compare(
        "intent",
        expect.intent.clone(),
        seen.intent.clone().unwrap_or_else(none),
    );
    compare("outcome", expect.outcome.map(name), name(seen.outcome));
    compare(
        "handoff",
        expect.handoff.map(|h| h.to_string()),
        seen.handoff.to_string(),
    );
    compare(
        "reason",
        expect.reason.map(name),
        seen.reason.map_or_else(none, name),
    );
    compare(
        "lang",
        expect.lang.map(|l| l.to_string()),
        seen.lang.to_string(),
    );
    let missing: Vec<&String> = expect
        .offers
        .iter()
        .filter(|value| !seen.offers.contains(value))
        .collect();
    if !missing.is_empty() {
        problems.push(Mismatch {
            field: "offers",
            expected: format!("{:?}", expect.offers),
            actual: format!("{:?}", seen.offers),
        });
    }
    problems
}

/// The wire name of a serialisable enum value (`handoff_offer`, `not_covered`...).
fn name(value: impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        Ok(other) => other.to_string(),
        Err(error) => error.to_string(),
    }
}
