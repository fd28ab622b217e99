//! Named fixture corpora, shared by every test module.

use relais_nlu::{CorpusSpec, Example, IntentSpec, Lang, MatchConfig, Matcher, SynonymSet};

fn intent(id: &str, fr: &[&str], en: &[&str]) -> IntentSpec {
    let examples = fr
        .iter()
        .map(|t| (t, Lang::Fr))
        .chain(en.iter().map(|t| (t, Lang::En)))
        .map(|(text, lang)| Example {
            text: (*text).to_string(),
            lang: Some(lang),
        })
        .collect();
    IntentSpec {
        id: id.to_string(),
        description: format!("{id} (fixture)"),
        examples,
        ..IntentSpec::default()
    }
}

/// A small French/English energy-supplier corpus: bills, power level (with keywords, a kVA
/// pattern and kVA synonyms), moving house, outages and greetings.
pub(crate) fn energy() -> CorpusSpec {
    let mut power = intent(
        "subscription_power",
        &[
            "quelle puissance de compteur choisir",
            "je veux changer la puissance de mon abonnement",
            "augmenter ma puissance électrique",
            "passer à une puissance supérieure",
            "mon disjoncteur saute trop souvent, il faut plus de puissance",
            "baisser la puissance de l'abonnement",
        ],
        &[
            "which power level do I need",
            "I want to change the power of my subscription",
            "increase my meter power",
            "lower my subscribed power",
        ],
    );
    power.keywords = vec!["kva".into(), "puissance".into()];
    power.patterns = vec![r"(?P<kva>\d{1,2})\s*kva".into()];
    let mut bill = intent(
        "bill_explain",
        &[
            "je ne comprends pas ma facture",
            "pourquoi ma facture est si élevée",
            "expliquez moi ma facture d'électricité",
            "ma facture a augmenté ce mois-ci",
            "le montant de la facture est trop cher",
            "à quoi correspond cette ligne sur ma facture",
        ],
        &[
            "I don't understand my bill",
            "why is my bill so high",
            "explain my electricity bill",
            "my bill went up this month",
        ],
    );
    bill.keywords = vec!["facture".into(), "bill".into()];
    CorpusSpec {
        intents: vec![
            bill,
            power,
            intent(
                "move_house",
                &[
                    "je déménage le mois prochain",
                    "résilier mon contrat car je déménage",
                    "transférer mon contrat dans mon nouveau logement",
                    "j'emménage dans un nouvel appartement",
                    "changement d'adresse pour mon contrat",
                ],
                &[
                    "I am moving house next month",
                    "transfer my contract to my new home",
                    "I'm moving to a new flat",
                ],
            ),
            intent(
                "power_outage",
                &[
                    "je n'ai plus de courant",
                    "coupure d'électricité dans mon quartier",
                    "panne de courant chez moi",
                    "il n'y a plus d'électricité dans la maison",
                    "le courant est coupé depuis ce matin",
                ],
                &[
                    "I have no power",
                    "power cut in my street",
                    "there is an outage at home",
                    "the electricity is off since this morning",
                ],
            ),
            intent(
                "greeting",
                &["bonjour", "salut", "bonsoir, j'ai une question"],
                &["hello", "hi there", "good morning"],
            ),
        ],
        synonyms: vec![SynonymSet {
            canonical: "kva".into(),
            variants: vec![
                "kilovoltampère".into(),
                "kilo volt ampère".into(),
                "kilovolt-ampère".into(),
            ],
        }],
        config: MatchConfig {
            oos_threshold: 0.5,
            ambiguity_margin: 0.1,
        },
    }
}

/// The [`energy`] corpus, trained.
pub(crate) fn energy_matcher() -> Matcher {
    match Matcher::train(&energy()) {
        Ok(matcher) => matcher,
        Err(e) => panic!("the energy fixture must train: {e}"),
    }
}

/// The intent `text` is matched to, with its decision.
pub(crate) fn top(matcher: &Matcher, text: &str) -> Option<String> {
    matcher.match_text(text).top().map(|c| c.intent.clone())
}
