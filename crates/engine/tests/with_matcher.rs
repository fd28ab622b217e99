//! A few turns through a real `Matcher::train` on a tiny inline corpus. They assert only what any
//! sane matcher gives (an exact training example matches its intent; a tiny corpus makes no
//! promise about rejecting gibberish); the dialogue rules themselves are tested with injected
//! match results in the crate.

use std::collections::BTreeMap;
use std::sync::Arc;

use relais_engine::{
    Answers, ConversationState, Engine, EngineConfig, Handoff, HandoffReason, IntentInfo, Outcome,
    Reply, Turn,
};
use relais_nlu::{CorpusSpec, Example, IntentSpec, Lang, Matcher};

const CORPUS: &[(&str, &[&str], &[&str])] = &[
    (
        "greeting",
        &["bonjour", "salut", "bonsoir madame"],
        &["hello", "hi there", "good morning"],
    ),
    (
        "bill_explain",
        &[
            "je ne comprends pas ma facture",
            "explication de facture",
            "facture incomprehensible",
        ],
        &[
            "explain my bill",
            "i do not understand my invoice",
            "what is this charge on my bill",
        ],
    ),
    (
        "move_house",
        &[
            "je déménage le mois prochain",
            "changement d'adresse",
            "nouveau logement",
        ],
        &[
            "i am moving house",
            "new address next month",
            "relocating to another flat",
        ],
    ),
];

struct Faq;

impl Answers for Faq {
    fn variants(&self, key: &str, lang: Lang) -> Vec<String> {
        vec![format!("{key} ({lang})")]
    }
}

fn engine() -> Engine {
    let examples = |texts: &[&str], lang| {
        texts
            .iter()
            .map(move |t| Example {
                text: t.to_string(),
                lang: Some(lang),
            })
            .collect::<Vec<_>>()
    };
    let spec = CorpusSpec {
        intents: CORPUS
            .iter()
            .map(|(id, fr, en)| IntentSpec {
                id: id.to_string(),
                examples: [examples(fr, Lang::Fr), examples(en, Lang::En)].concat(),
                ..IntentSpec::default()
            })
            .collect(),
        ..CorpusSpec::default()
    };
    let matcher = Matcher::train(&spec).expect("the inline corpus trains");
    let intents = CORPUS
        .iter()
        .map(|(id, _, _)| IntentInfo {
            id: id.to_string(),
            labels: BTreeMap::new(),
            answer_key: id.to_string(),
        })
        .collect();
    let config = EngineConfig {
        main_topics: vec!["bill_explain".into(), "move_house".into()],
        ..EngineConfig::default()
    };
    Engine::new(Arc::new(matcher), intents, config)
}

fn say(engine: &Engine, state: &mut ConversationState, text: &str) -> Reply {
    engine.respond(state, Turn::Message(text.to_string()), &Faq)
}

#[test]
fn exact_training_examples_get_their_answer_in_their_language() {
    let engine = engine();
    let mut state = ConversationState::default();
    let fr = say(&engine, &mut state, "je ne comprends pas ma facture");
    assert_eq!(fr.outcome, Outcome::Answer);
    assert_eq!(fr.text, "bill_explain (fr)");

    let en = say(&engine, &mut state, "i am moving house");
    assert_eq!(en.outcome, Outcome::Answer);
    assert_eq!(
        (en.intent.as_deref(), en.lang),
        (Some("move_house"), Lang::En)
    );
}

#[test]
fn a_greeting_is_small_talk_and_a_request_for_a_human_hands_off() {
    let engine = engine();
    let mut state = ConversationState::default();
    let hello = say(&engine, &mut state, "bonjour");
    assert_eq!(hello.outcome, Outcome::Smalltalk);
    assert_eq!(hello.intent.as_deref(), Some("greeting"));

    // The corpus has no `human_agent` intent: whatever the matcher makes of it, the request
    // is recognised.
    let human = say(&engine, &mut state, "je veux parler à un conseiller");
    assert_eq!(human.outcome, Outcome::Handoff);
    assert_eq!(
        human.handoff,
        Some(Handoff::Requested {
            reason: HandoffReason::Explicit
        })
    );
}

#[test]
fn clicking_a_suggested_topic_answers_it() {
    let engine = engine();
    let mut state = ConversationState::default();
    let welcome = engine.greet(&mut state, None, &Faq);
    let topic = welcome.quick_replies[1].value.clone();
    let reply = engine.respond(&mut state, Turn::Choice(topic), &Faq);
    assert_eq!(reply.outcome, Outcome::Answer);
    assert_eq!(reply.text, "move_house (fr)");
}
