//! Behaviour of the engine, one test per rule of the dialogue. Match results are injected with
//! `respond_to_match`, so these tests depend on the dialogue rules only, not on matcher quality.

use std::collections::BTreeMap;
use std::sync::Arc;

use relais_nlu::{
    Candidate, CorpusSpec, Decision, Entity, Example, IntentSpec, Lang, MatchResult, Matcher,
};

use super::*;
use crate::reply::{Handoff, HandoffReason, Outcome};
use crate::state::Pending;
use crate::texts::scolds;

/// FAQ texts by (key, lang).
struct Faq(BTreeMap<(String, Lang), Vec<String>>);

impl Answers for Faq {
    fn variants(&self, key: &str, lang: Lang) -> Vec<String> {
        self.0
            .get(&(key.to_string(), lang))
            .cloned()
            .unwrap_or_default()
    }
}

fn faq() -> Faq {
    let entries: &[(&str, Lang, &[&str])] = &[
        ("bill", Lang::Fr, &["Facture A", "Facture B", "Facture C"]),
        ("bill", Lang::En, &["Bill A", "Bill B", "Bill C"]),
        ("bill_estimated", Lang::Fr, &["Estimée A", "Estimée B"]),
        ("bill_estimated", Lang::En, &["Estimated A", "Estimated B"]),
        (
            "subscription_power",
            Lang::Fr,
            &[
                "Pour {kva} kVA, voici le détail.",
                "La puissance dépend de vos appareils.",
            ],
        ),
        (
            "move_house",
            Lang::Fr,
            &["Déménagement A", "Déménagement B"],
        ),
        (
            "greeting",
            Lang::Fr,
            &["Bonjour, que puis-je faire pour vous ?"],
        ),
        ("thanks", Lang::Fr, &["Avec plaisir !", "Je vous en prie !"]),
        ("thanks", Lang::En, &["You're welcome!", "My pleasure!"]),
    ];
    Faq(entries
        .iter()
        .map(|(key, lang, texts)| {
            (
                (key.to_string(), *lang),
                texts.iter().map(|t| t.to_string()).collect(),
            )
        })
        .collect())
}

const INTENTS: &[(&str, &str, &str)] = &[
    ("greeting", "Bonjour", "Hello"),
    ("thanks", "Merci", "Thanks"),
    ("goodbye", "Au revoir", "Goodbye"),
    ("human_agent", "Conseiller", "Advisor"),
    (
        "bill_explain",
        "Comprendre ma facture",
        "Understand my bill",
    ),
    ("bill_estimated", "Facture estimée", "Estimated bill"),
    ("subscription_power", "Puissance du compteur", "Meter power"),
    ("move_house", "Déménagement", "Moving house"),
    ("power_outage", "Panne de courant", "Power cut"),
    ("no_answer_yet", "Sans réponse", "No answer"),
];

const TOPICS: &[&str] = &["bill_explain", "subscription_power", "move_house"];

fn engine(misunderstandings: u32) -> Engine {
    let spec = CorpusSpec {
        intents: INTENTS
            .iter()
            .map(|(id, _, _)| IntentSpec {
                id: id.to_string(),
                examples: vec![Example {
                    text: id.replace('_', " "),
                    lang: None,
                }],
                ..IntentSpec::default()
            })
            .collect(),
        ..CorpusSpec::default()
    };
    let matcher = Matcher::train(&spec).expect("the inline corpus trains");
    let intents = INTENTS
        .iter()
        .map(|(id, fr, en)| IntentInfo {
            id: id.to_string(),
            labels: BTreeMap::from([(Lang::Fr, fr.to_string()), (Lang::En, en.to_string())]),
            answer_key: if *id == "bill_explain" { "bill" } else { id }.to_string(),
        })
        .collect();
    let config = EngineConfig {
        misunderstandings_before_handoff: misunderstandings,
        main_topics: TOPICS.iter().map(|t| t.to_string()).collect(),
        default_lang: Lang::Fr,
    };
    Engine::new(Arc::new(matcher), intents, config)
}

fn result(decision: Decision, candidates: &[(&str, f32)]) -> MatchResult {
    MatchResult {
        candidates: candidates
            .iter()
            .map(|(intent, confidence)| Candidate {
                intent: intent.to_string(),
                confidence: *confidence,
            })
            .collect(),
        decision,
        entities: Vec::new(),
    }
}

fn matched(intent: &str) -> MatchResult {
    result(Decision::Match, &[(intent, 0.9), ("power_outage", 0.05)])
}

fn ambiguous() -> MatchResult {
    result(
        Decision::Ambiguous,
        &[
            ("bill_explain", 0.46),
            ("bill_estimated", 0.41),
            ("power_outage", 0.02),
        ],
    )
}

fn oos() -> MatchResult {
    result(Decision::OutOfScope, &[("power_outage", 0.1)])
}

/// A conversation: one engine, one FAQ, one state.
struct Chat {
    engine: Engine,
    faq: Faq,
    state: ConversationState,
}

impl Chat {
    fn new() -> Chat {
        Chat::with_handoff_after(2)
    }

    fn with_handoff_after(misunderstandings: u32) -> Chat {
        Chat {
            engine: engine(misunderstandings),
            faq: faq(),
            state: ConversationState::default(),
        }
    }

    fn say(&mut self, text: &str, understood: MatchResult) -> Reply {
        self.engine
            .respond_to_match(&mut self.state, text, &understood, &self.faq)
    }

    fn click(&mut self, value: &str) -> Reply {
        self.engine
            .respond(&mut self.state, Turn::Choice(value.to_string()), &self.faq)
    }
}

fn values(reply: &Reply) -> Vec<&str> {
    reply
        .quick_replies
        .iter()
        .map(|q| q.value.as_str())
        .collect()
}

fn requested(reason: HandoffReason) -> Option<Handoff> {
    Some(Handoff::Requested { reason })
}

#[test]
fn confident_match_answers_from_the_faq_in_the_conversation_language() {
    let mut chat = Chat::new();
    let fr = chat.say("je ne comprends pas ma facture", matched("bill_explain"));
    assert_eq!(fr.outcome, Outcome::Answer);
    assert_eq!(fr.text, "Facture A");
    assert_eq!(fr.intent.as_deref(), Some("bill_explain"));
    assert_eq!(fr.confidence, 0.9);
    assert_eq!((fr.lang, fr.handoff), (Lang::Fr, None));

    let en = chat.say("I don't understand my bill", matched("bill_explain"));
    assert_eq!((en.lang, en.text.as_str()), (Lang::En, "Bill B"));
}

#[test]
fn answer_variants_rotate_and_never_repeat_in_a_row() {
    let mut chat = Chat::new();
    let texts: Vec<String> = (0..4)
        .map(|_| chat.say("ma facture", matched("bill_explain")).text)
        .collect();
    assert_eq!(texts, ["Facture A", "Facture B", "Facture C", "Facture A"]);
}

#[test]
fn placeholders_are_filled_from_entities_and_unfillable_variants_skipped() {
    let mut chat = Chat::new();
    let mut with_kva = matched("subscription_power");
    with_kva.entities.push(Entity {
        name: "kva".into(),
        value: "15".into(),
        intent: "subscription_power".into(),
    });
    let filled = chat.say("puissance pour 15 kva", with_kva.clone());
    assert_eq!(filled.text, "Pour 15 kVA, voici le détail.");

    for _ in 0..3 {
        let generic = chat.say("quelle puissance choisir", matched("subscription_power"));
        assert_eq!(generic.text, "La puissance dépend de vos appareils.");
        assert!(!generic.text.contains('{'));
    }
}

#[test]
fn an_intent_without_answer_text_offers_an_advisor() {
    let mut chat = Chat::new();
    let reply = chat.say("une question sans réponse", matched("no_answer_yet"));
    assert_eq!(reply.outcome, Outcome::HandoffOffer);
    assert_eq!(reply.intent.as_deref(), Some("no_answer_yet"));
    assert_eq!(values(&reply), ["handoff:yes", "handoff:no"]);
    let accepted = chat.click("handoff:yes");
    assert_eq!(accepted.handoff, requested(HandoffReason::NotCovered));
}

#[test]
fn ambiguity_asks_with_candidates_something_else_and_an_advisor() {
    let mut chat = Chat::new();
    let reply = chat.say("ma facture est bizarre", ambiguous());
    assert_eq!(reply.outcome, Outcome::Clarify);
    assert_eq!(
        values(&reply),
        [
            "intent:bill_explain",
            "intent:bill_estimated",
            "other",
            "human"
        ]
    );
    let labels: Vec<&str> = reply
        .quick_replies
        .iter()
        .map(|q| q.label.as_str())
        .collect();
    assert_eq!(labels[..2], ["Comprendre ma facture", "Facture estimée"]);
    assert_eq!(reply.intent, None);

    let chosen = chat.click("intent:bill_estimated");
    assert_eq!(chosen.outcome, Outcome::Answer);
    assert_eq!(chosen.intent.as_deref(), Some("bill_estimated"));
    assert_eq!(chosen.text, "Estimée A");
}

#[test]
fn a_typed_label_or_yes_picks_the_candidate() {
    let mut chat = Chat::new();
    chat.say("ma facture est bizarre", ambiguous());
    let by_label = chat.say("Facture estimée", oos());
    assert_eq!(by_label.intent.as_deref(), Some("bill_estimated"));

    let one = result(
        Decision::Ambiguous,
        &[("move_house", 0.4), ("greeting", 0.35)],
    );
    let question = chat.say("bonjour je déménage", one);
    assert_eq!(question.outcome, Outcome::Clarify);
    assert!(question.text.contains("Déménagement"), "{}", question.text);
    let yes = chat.say("oui", oos());
    assert_eq!(yes.outcome, Outcome::Answer);
    assert_eq!(yes.intent.as_deref(), Some("move_house"));

    chat.say("ma facture est bizarre", ambiguous());
    let which = chat.say("oui", oos());
    assert_eq!(which.outcome, Outcome::Clarify);
    assert_eq!(
        values(&which)[..2],
        ["intent:bill_explain", "intent:bill_estimated"]
    );
}

#[test]
fn no_to_a_clarification_offers_the_main_topics_and_an_advisor() {
    for answer in [
        Turn::Message("non".into()),
        Turn::Message("Ni l'un ni l'autre".into()),
        Turn::Message("aucun".into()),
        Turn::Message("neither".into()),
        Turn::Message("something else".into()),
        Turn::Choice("other".into()),
    ] {
        let mut chat = Chat::new();
        chat.say("ma facture est bizarre", ambiguous());
        let reply = match &answer {
            Turn::Message(text) => chat.say(text, oos()),
            Turn::Choice(value) => chat.click(value),
        };
        assert_eq!(reply.outcome, Outcome::Clarify, "{answer:?}");
        // The rejected candidate is not offered again; the other topics and an advisor are.
        assert_eq!(
            values(&reply),
            ["intent:subscription_power", "intent:move_house", "human"],
            "{answer:?}"
        );
        assert_eq!(chat.state.misunderstanding_streak, 0, "{answer:?}");
    }
}

#[test]
fn no_to_the_topics_offers_an_advisor() {
    let mut chat = Chat::new();
    chat.say("ma facture est bizarre", ambiguous());
    chat.say("non", oos());
    let reply = chat.say("non plus", oos());
    assert_eq!(reply.outcome, Outcome::HandoffOffer);
    assert_eq!(
        chat.state.pending,
        Some(Pending::HandoffOffer {
            reason: HandoffReason::NotCovered
        })
    );
    let typed_yes = chat.say("Oui, un conseiller", oos());
    assert_eq!(typed_yes.handoff, requested(HandoffReason::NotCovered));
}

#[test]
fn fallback_lines_differ_on_consecutive_turns_and_suggest_topics() {
    let mut chat = Chat::with_handoff_after(10);
    let mut previous = String::new();
    for turn in 0..6 {
        let reply = chat.say("xqzv wplm", oos());
        assert_eq!(reply.outcome, Outcome::Fallback, "turn {turn}");
        assert_ne!(reply.text, previous, "turn {turn}");
        assert_eq!(
            values(&reply),
            [
                "intent:bill_explain",
                "intent:subscription_power",
                "intent:move_house"
            ]
        );
        previous = reply.text;
    }
    assert_eq!(chat.state.misunderstandings, 6);
}

#[test]
fn n_misunderstandings_in_a_row_offer_an_advisor_with_n_configurable() {
    for n in 1..=4 {
        let mut chat = Chat::with_handoff_after(n);
        for miss in 1..n {
            let reply = chat.say("xqzv wplm", oos());
            assert_eq!(reply.outcome, Outcome::Fallback, "n={n} miss={miss}");
            assert_eq!(chat.state.misunderstanding_streak, miss);
        }
        let offer = chat.say("xqzv wplm", oos());
        assert_eq!(offer.outcome, Outcome::HandoffOffer, "n={n}");
        assert_eq!(values(&offer), ["handoff:yes", "handoff:no"]);
        assert_eq!(offer.handoff, None);
        let accepted = chat.click("handoff:yes");
        assert_eq!(accepted.outcome, Outcome::Handoff);
        assert_eq!(
            accepted.handoff,
            requested(HandoffReason::Misunderstandings)
        );
    }
}

#[test]
fn an_understood_turn_resets_the_streak() {
    let mut chat = Chat::new();
    chat.say("xqzv", oos());
    chat.say("ma facture", matched("bill_explain"));
    assert_eq!(chat.state.misunderstanding_streak, 0);
    assert_eq!(chat.say("wplm", oos()).outcome, Outcome::Fallback);
}

#[test]
fn a_declined_offer_carries_on_without_offering_again_at_once() {
    let mut chat = Chat::new();
    chat.say("xqzv", oos());
    chat.say("wplm", oos());
    let declined = chat.say("non merci", oos());
    assert_eq!(declined.outcome, Outcome::Clarify);
    assert_eq!(declined.handoff, None);
    assert_eq!(values(&declined).last(), Some(&"human"));
    assert_eq!(chat.say("zzz", oos()).outcome, Outcome::Fallback);
    assert_eq!(chat.say("yyy", oos()).outcome, Outcome::HandoffOffer);
    assert_eq!(chat.click("handoff:no").outcome, Outcome::Clarify);
}

#[test]
fn frustration_gets_empathy_and_an_advisor_never_a_reprimand() {
    let angry = [
        "Damn!",
        "putain ça marche jamais",
        "t'es vraiment nul",
        "thanks for nothing",
        "😡😡",
        "JE VEUX UNE REPONSE MAINTENANT",
        "bravo...",
        "c'est quoi ce truc ?!",
    ];
    let mut chat = Chat::new();
    for (count, text) in angry.iter().enumerate() {
        let reply = chat.say(text, oos());
        assert_eq!(reply.outcome, Outcome::HandoffOffer, "{text}");
        assert_eq!(values(&reply), ["handoff:yes", "handoff:no"], "{text}");
        assert!(!scolds(&reply.text), "{text}: {}", reply.text);
        assert_eq!(chat.state.frustration_count as usize, count + 1);
    }
    let accepted = chat.click("handoff:yes");
    assert_eq!(accepted.handoff, requested(HandoffReason::Frustration));
}

#[test]
fn a_frustrated_question_is_answered_with_empathy_and_an_advisor_button() {
    let mut chat = Chat::new();
    let reply = chat.say("ma facture est ENCORE fausse !!!", matched("bill_explain"));
    assert_eq!(reply.outcome, Outcome::Answer);
    assert!(reply.text.ends_with("Facture A"), "{}", reply.text);
    assert_ne!(reply.text, "Facture A");
    assert!(!scolds(&reply.text));
    assert_eq!(values(&reply), ["human"]);
}

#[test]
fn sarcastic_thanks_is_not_taken_for_thanks() {
    let mut chat = Chat::new();
    let reply = chat.say("super merci pour rien", matched("thanks"));
    assert_eq!(reply.outcome, Outcome::HandoffOffer);
    assert!(!reply.text.contains("plaisir"), "{}", reply.text);
}

#[test]
fn an_explicit_request_for_a_human_hands_off() {
    let mut chat = Chat::new();
    let typed = chat.say("je veux parler à un conseiller", oos());
    assert_eq!(typed.outcome, Outcome::Handoff);
    assert_eq!(typed.handoff, requested(HandoffReason::Explicit));
    assert_eq!(chat.state.misunderstandings, 0);

    let by_intent = chat.say("est-ce possible d'avoir quelqu'un", matched("human_agent"));
    assert_eq!(by_intent.handoff, requested(HandoffReason::Explicit));
    assert_eq!(by_intent.intent.as_deref(), Some("human_agent"));

    chat.say("ma facture est bizarre", ambiguous());
    let clicked = chat.click("human");
    assert_eq!(clicked.outcome, Outcome::Handoff);
    assert_eq!(clicked.handoff, requested(HandoffReason::Explicit));
    assert_eq!(chat.state.pending, None);
}

#[test]
fn smalltalk_greets_thanks_and_says_goodbye() {
    let mut chat = Chat::new();
    let hello = chat.say("Bonjour", matched("greeting"));
    assert_eq!(hello.outcome, Outcome::Smalltalk);
    assert_eq!(hello.text, "Bonjour, que puis-je faire pour vous ?");
    assert_eq!(values(&hello).len(), TOPICS.len());

    let thanks = chat.say("merci", matched("thanks"));
    assert_eq!(
        (thanks.outcome, thanks.text.as_str()),
        (Outcome::Smalltalk, "Avec plaisir !")
    );

    // No FAQ text for goodbye: a built-in line, in the conversation's language.
    let bye = chat.say("au revoir", matched("goodbye"));
    assert_eq!(bye.outcome, Outcome::Smalltalk);
    assert!(
        bye.text.contains("revoir") || bye.text.contains("bientôt"),
        "{}",
        bye.text
    );
    assert!(bye.quick_replies.is_empty());
}

#[test]
fn the_language_follows_the_customer_and_sticks_on_fragments() {
    let mut chat = Chat::new();
    assert_eq!(chat.say("15 kVA", oos()).lang, Lang::Fr, "default language");
    let en = chat.say("Hello, I need help with my bill", matched("bill_explain"));
    assert_eq!((en.lang, chat.state.lang), (Lang::En, Some(Lang::En)));
    let fragment = chat.say("9 kVA ?", oos());
    assert_eq!(fragment.lang, Lang::En);
    assert!(
        fragment
            .quick_replies
            .iter()
            .any(|q| q.label == "Meter power")
    );
    let fr = chat.say(
        "Bonjour, je voudrais comprendre ma facture",
        matched("bill_explain"),
    );
    assert_eq!(fr.lang, Lang::Fr);
    assert!(fr.text.starts_with("Facture"), "{}", fr.text);
}

#[test]
fn greet_welcomes_in_the_given_language_with_the_main_topics() {
    let mut chat = Chat::new();
    let welcome = chat
        .engine
        .greet(&mut chat.state, Some(Lang::En), &chat.faq);
    assert_eq!(
        (welcome.lang, welcome.outcome),
        (Lang::En, Outcome::Smalltalk)
    );
    assert!(welcome.text.starts_with("Hello"), "{}", welcome.text);
    assert_eq!(
        values(&welcome),
        [
            "intent:bill_explain",
            "intent:subscription_power",
            "intent:move_house"
        ]
    );
    assert_eq!(chat.state.lang, Some(Lang::En));
    // "No" to the topics of the welcome is not a dead end either.
    assert_eq!(chat.say("no", oos()).outcome, Outcome::HandoffOffer);
}

#[test]
fn an_unknown_choice_shows_the_topics() {
    let mut chat = Chat::new();
    for value in ["intent:does_not_exist", "bogus"] {
        let reply = chat.click(value);
        assert_eq!(reply.outcome, Outcome::Clarify, "{value}");
        assert_eq!(values(&reply).last(), Some(&"human"), "{value}");
    }
}

#[test]
fn the_state_round_trips_through_json_and_old_states_load() {
    let mut chat = Chat::new();
    chat.say("Hello, my bill", ambiguous());
    chat.say("xqzv", oos());
    chat.say("Damn!", oos());
    let json = serde_json::to_string(&chat.state).expect("the state serialises");
    let back: ConversationState = serde_json::from_str(&json).expect("and deserialises");
    assert_eq!(back, chat.state);
    assert!(back.pending.is_some() && back.frustration_count == 1);

    let old: ConversationState = serde_json::from_str(r#"{"lang":"fr"}"#).expect("old state");
    assert_eq!(old.lang, Some(Lang::Fr));
    assert_eq!(old.misunderstanding_streak, 0);
    let empty: ConversationState = serde_json::from_str("{}").expect("empty state");
    assert_eq!(empty, ConversationState::default());
}

#[test]
fn the_out_of_scope_class_is_never_answered() {
    let mut chat = Chat::new();
    let won = chat.say("quel temps fait-il", matched("oos"));
    assert_eq!(won.outcome, Outcome::Fallback);
    assert_eq!(chat.state.misunderstanding_streak, 1);
    let tied = result(Decision::Ambiguous, &[("oos", 0.4), ("greeting", 0.38)]);
    assert_eq!(chat.say("météo", tied).outcome, Outcome::HandoffOffer);
    assert_eq!(chat.click("intent:oos").outcome, Outcome::Clarify);
}

#[test]
fn no_after_an_answer_offers_the_other_topics_and_an_advisor() {
    let mut chat = Chat::new();
    chat.say("ma facture", matched("bill_explain"));
    let reply = chat.say("non", oos());
    assert_eq!(reply.outcome, Outcome::Clarify);
    assert_eq!(
        values(&reply),
        ["intent:subscription_power", "intent:move_house", "human"]
    );
    assert_eq!(chat.state.misunderstandings, 0);
}

#[test]
fn nothing_else_after_thanks_closes_warmly_and_yes_listens() {
    let mut chat = Chat::new();
    chat.say("merci", matched("thanks"));
    let close = chat.say("non merci", oos());
    assert_eq!(close.outcome, Outcome::Smalltalk);
    assert!(close.text.contains("Bonne journée"), "{}", close.text);
    assert_eq!(chat.state.misunderstandings, 0);

    chat.say("merci", matched("thanks"));
    let listening = chat.say("oui", oos());
    assert_eq!(listening.outcome, Outcome::Clarify);
    assert_eq!(values(&listening).len(), TOPICS.len() + 1);
}
