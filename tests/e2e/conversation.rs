//! The conversation as a customer lives it, through the real binary and the demo corpus:
//! 1. a bilingual conversation gets each answer from the FAQ, in the language of the message;
//! 2. a clarification answered "no" offers the main topics and an advisor: no dead end;
//! 3. frustration gets empathy and an advisor, never a reprimand.

use relais_nlu::{Decision, Lang, Matcher};
use serde_json::Value;

use crate::support::{Client, Server, answer_variants, corpus, quick_values};

/// Whether `text` is `variant` with its `{placeholders}` filled in.
fn fills(variant: &str, text: &str) -> bool {
    let literals: Vec<&str> = variant.split(['{', '}']).step_by(2).collect();
    let Some(mut rest) = text.strip_prefix(literals[0]) else {
        return false;
    };
    for literal in &literals[1..] {
        match rest.find(literal) {
            Some(at) => rest = &rest[at + literal.len()..],
            None => return false,
        }
    }
    rest.is_empty() || literals.last().is_some_and(|l| l.is_empty())
}

fn assert_faq_answer(bot: &Value, intent: &str, lang: &str) {
    assert_eq!(bot["outcome"], "answer", "{bot}");
    assert_eq!(bot["intent"], intent, "{bot}");
    assert_eq!(bot["lang"], lang, "{bot}");
    let text = bot["text"].as_str().expect("text");
    let variants = answer_variants(&corpus(), intent, lang);
    assert!(
        variants.iter().any(|v| fills(v, text)),
        "{text:?} is none of the {lang} answers of {intent}: {variants:?}"
    );
}

#[tokio::test]
async fn a_bilingual_conversation_answers_in_the_customers_language() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    let (_, greeting) = client.hello(None).await;
    assert_eq!(
        greeting["lang"], "fr",
        "default language of the demo corpus"
    );

    let (_, bot) = client.say("Bonjour").await;
    assert_eq!(bot["outcome"], "smalltalk", "{bot}");
    assert_eq!(bot["lang"], "fr");

    let (_, bot) = client.say("how can I pay my bill").await;
    assert_faq_answer(&bot, "payment_methods", "en");

    let (_, bot) = client
        .say("quelle puissance de compteur choisir pour 15 kVA")
        .await;
    assert_faq_answer(&bot, "subscription_power", "fr");
}

/// An utterance the demo corpus' matcher finds ambiguous: two intents' labels side by side.
fn ambiguous_utterance() -> String {
    let corpus = corpus();
    let matcher = Matcher::train(&corpus.spec).expect("the demo corpus trains");
    let intents = &corpus.spec.intents;
    for lang in [Lang::Fr, Lang::En] {
        for (i, a) in intents.iter().enumerate() {
            for b in &intents[i + 1..] {
                let (Some(la), Some(lb)) = (a.labels.get(&lang), b.labels.get(&lang)) else {
                    continue;
                };
                let utterance = format!("{la} {lb}");
                if matcher.match_text(&utterance).decision == Decision::Ambiguous {
                    return utterance;
                }
            }
        }
    }
    panic!("no pair of intent labels is ambiguous for the demo corpus' matcher");
}

#[tokio::test]
async fn no_to_a_clarification_offers_topics_and_an_advisor() {
    let utterance = ambiguous_utterance();
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(Some("fr")).await;
    let (_, question) = client.say(&utterance).await;
    assert_eq!(
        question["outcome"], "clarify",
        "{utterance:?} gets {question}"
    );
    let choices = quick_values(&question);
    assert!(
        choices.iter().filter(|v| v.starts_with("intent:")).count() >= 2,
        "the question offers the candidates: {question}"
    );

    let (_, bot) = client.say("non").await;
    let offered = quick_values(&bot);
    let topics = corpus().dialogue.main_topics;
    let topics_offered = offered
        .iter()
        .filter(|v| topics.iter().any(|t| v.as_str() == format!("intent:{t}")))
        .count();
    assert!(topics_offered >= 2, "main topics offered after no: {bot}");
    assert!(
        offered.iter().any(|v| v == "human" || v == "handoff:yes"),
        "an advisor offered after no: {bot}"
    );
    assert!(!bot["text"].as_str().unwrap_or_default().is_empty());
}

const REPRIMANDS: [&str; 10] = [
    "poli", "respect", "langage", "insult", "courtois", "vulgar", "polite", "language", "rude",
    "calm",
];

#[tokio::test]
async fn frustration_gets_empathy_and_an_advisor_not_a_reprimand() {
    let server = Server::start();
    let mut client = Client::connect(&server).await;
    client.hello(Some("fr")).await;
    let (_, bot) = client
        .say("c'est vraiment nul, votre site marche jamais !!! 😡")
        .await;
    let text = bot["text"].as_str().expect("text").to_lowercase();
    for word in REPRIMANDS {
        assert!(!text.contains(word), "reprimand {word:?} in {text:?}");
    }
    let advisor = quick_values(&bot)
        .iter()
        .any(|v| v == "human" || v == "handoff:yes")
        || bot["form"] == "callback";
    assert!(advisor, "an advisor is offered: {bot}");
    assert_eq!(bot["lang"], "fr");
}
