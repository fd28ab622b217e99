//! Every canned line the engine says, in French and English, with several variants each.
//!
//! Variants are picked in rotation (see `rotation`), so the same line never comes twice in a row.
//! Lines may hold a `{topic}` placeholder, filled with an intent's label. The tone is the
//! product's: brief, warm, never a reprimand, always a way forward.

use relais_nlu::Lang;

/// A kind of canned line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// First message of a conversation, before the main topics.
    Welcome,
    /// Answer to "bonjour" when the FAQ has none.
    Greeting,
    /// Answer to "merci" when the FAQ has none.
    Thanks,
    /// Answer to "au revoir" when the FAQ has none.
    Goodbye,
    /// "Which of these topics?" before several candidates.
    Clarify,
    /// "Is it about {topic}?" before a single candidate.
    ClarifyOne,
    /// "Yes" to a question with several choices: which one?
    ClarifyWhich,
    /// "No" to a clarification: here are the main topics, or an advisor.
    Neither,
    /// "Something else": describe it, or pick a topic, or an advisor.
    Other,
    /// Not understood; the main topics follow as quick replies.
    Fallback,
    /// Handoff offer after repeated misunderstandings.
    OfferMisunderstood,
    /// Empathy and a handoff offer for a frustrated customer.
    OfferFrustration,
    /// Handoff offer when none of the main topics fits.
    OfferNoTopic,
    /// Handoff offer when the intent has no answer text.
    OfferNoAnswer,
    /// The customer wants an advisor: the request is passed on.
    Handoff,
    /// The customer declined an advisor: carry on.
    HandoffDeclined,
    /// "Anything else?" answered "no": a warm close that leaves the door open.
    NothingElse,
    /// "Anything else?" answered "yes": listening.
    Listening,
    /// A short acknowledgement of frustration, put before another reply.
    Empathy,
}

impl Line {
    /// Every line, for tests that check them all.
    #[cfg(test)]
    pub(crate) const ALL: [Line; 19] = [
        Line::Welcome,
        Line::Greeting,
        Line::Thanks,
        Line::Goodbye,
        Line::Clarify,
        Line::ClarifyOne,
        Line::ClarifyWhich,
        Line::Neither,
        Line::Other,
        Line::Fallback,
        Line::OfferMisunderstood,
        Line::OfferFrustration,
        Line::OfferNoTopic,
        Line::OfferNoAnswer,
        Line::Handoff,
        Line::HandoffDeclined,
        Line::NothingElse,
        Line::Listening,
        Line::Empathy,
    ];

    /// The key under which the last variant used is remembered.
    pub(crate) fn rotation_key(self) -> String {
        format!("line:{self:?}")
    }

    /// The interchangeable texts of this line in `lang`.
    pub(crate) fn variants(self, lang: Lang) -> &'static [&'static str] {
        match lang {
            Lang::Fr => self.french(),
            Lang::En => self.english(),
        }
    }

    fn french(self) -> &'static [&'static str] {
        match self {
            Line::Welcome => &[
                "Bonjour ! Je suis votre conseiller virtuel. Posez-moi votre question, ou choisissez un sujet :",
                "Bonjour et bienvenue ! Dites-moi en quelques mots ce qui vous amène, ou choisissez un sujet :",
            ],
            Line::Greeting => &[
                "Bonjour ! Comment puis-je vous aider ?",
                "Bonjour, que puis-je faire pour vous ?",
            ],
            Line::Thanks => &[
                "Avec plaisir ! Puis-je vous aider sur autre chose ?",
                "Je vous en prie. N'hésitez pas si vous avez une autre question.",
            ],
            Line::Goodbye => &[
                "Au revoir, et bonne journée !",
                "Merci de votre visite, à bientôt !",
            ],
            Line::Clarify => &[
                "Je veux être sûr de bien comprendre : votre question porte sur lequel de ces sujets ?",
                "Pour bien vous répondre, pouvez-vous préciser le sujet ?",
                "Votre demande peut concerner plusieurs sujets. Lequel correspond le mieux ?",
            ],
            Line::ClarifyOne => &[
                "Votre question porte-t-elle sur « {topic} » ?",
                "Si je comprends bien, il s'agit de « {topic} » ?",
            ],
            Line::ClarifyWhich => &[
                "Lequel de ces sujets ? Choisissez-le ci-dessous.",
                "D'accord, mais lequel ? Cliquez sur le bon sujet.",
            ],
            Line::Neither => &[
                "D'accord, ce n'est pas ça. Voici les sujets sur lesquels je peux vous aider, ou je peux vous passer un conseiller.",
                "Entendu. Choisissez un des sujets principaux ci-dessous, ou demandez un conseiller.",
            ],
            Line::Other => &[
                "Pas de souci. Décrivez-moi votre demande en quelques mots, choisissez un sujet, ou demandez un conseiller.",
                "Bien sûr. Dites-moi ce qu'il vous faut avec vos mots, ou choisissez parmi ces sujets. Un conseiller peut aussi prendre le relais.",
            ],
            Line::Fallback => &[
                "Désolé, je n'ai pas compris. Voici ce sur quoi je peux vous aider :",
                "Je ne suis pas sûr de comprendre. Pouvez-vous reformuler, ou choisir un sujet ?",
                "Cette demande m'échappe, pardon. Je peux par exemple vous aider sur ces sujets :",
                "Je n'ai pas saisi votre demande. Essayez avec d'autres mots, ou choisissez un sujet :",
            ],
            Line::OfferMisunderstood => &[
                "Je n'arrive pas à bien comprendre votre demande, désolé. Voulez-vous parler à un conseiller ?",
                "Je crois que je ne vous suis pas. Un conseiller pourrait vous aider : voulez-vous que je vous mette en relation ?",
            ],
            Line::OfferFrustration => &[
                "Je comprends votre agacement, et je suis désolé. Voulez-vous qu'un conseiller prenne le relais ?",
                "Désolé que ce soit si compliqué. Je peux vous passer un conseiller, voulez-vous ?",
                "Je suis navré pour ce désagrément. Souhaitez-vous échanger avec un conseiller ?",
            ],
            Line::OfferNoTopic => &[
                "Vous pouvez aussi me décrire votre demande en quelques mots. Ou préférez-vous qu'un conseiller vous aide ?",
                "Si rien ne correspond, un conseiller peut prendre le relais. Voulez-vous que je vous mette en relation ?",
            ],
            Line::OfferNoAnswer => &[
                "Je n'ai pas de réponse toute prête sur ce sujet. Voulez-vous qu'un conseiller vous réponde ?",
                "Sur ce point, un conseiller sera plus utile que moi. Voulez-vous que je vous mette en relation ?",
            ],
            Line::Handoff => &[
                "Très bien, je transmets votre demande à un conseiller.",
                "C'est noté : je fais appel à un conseiller pour vous.",
            ],
            Line::HandoffDeclined => &[
                "Très bien, continuons ensemble. Posez-moi votre question, ou choisissez un sujet :",
                "D'accord ! Je reste à votre disposition. Que puis-je faire pour vous ?",
            ],
            Line::NothingElse => &[
                "Très bien ! Je reste là si besoin : il suffit de m'écrire. Bonne journée !",
                "Parfait. N'hésitez pas à revenir vers moi à tout moment. Bonne journée !",
            ],
            Line::Listening => &[
                "Je vous écoute : posez votre question, ou choisissez un sujet.",
                "Avec plaisir. Dites-moi tout, ou choisissez un sujet :",
            ],
            Line::Empathy => &[
                "Je comprends votre agacement.",
                "Désolé pour ce désagrément.",
                "Je vois que c'est pénible, désolé.",
            ],
        }
    }

    fn english(self) -> &'static [&'static str] {
        match self {
            Line::Welcome => &[
                "Hello! I'm your virtual advisor. Ask me your question, or pick a topic:",
                "Hello and welcome! Tell me in a few words what brings you here, or pick a topic:",
            ],
            Line::Greeting => &["Hello! How can I help you?", "Hi, what can I do for you?"],
            Line::Thanks => &[
                "You're welcome! Can I help with anything else?",
                "My pleasure. Feel free to ask if you have another question.",
            ],
            Line::Goodbye => &[
                "Goodbye, have a nice day!",
                "Thanks for stopping by, see you soon!",
            ],
            Line::Clarify => &[
                "I want to be sure I understand: which of these topics is your question about?",
                "To answer properly, could you tell me which topic this is about?",
                "Your request could be about several things. Which one fits best?",
            ],
            Line::ClarifyOne => &[
                "Is your question about “{topic}”?",
                "Just to be sure: is this about “{topic}”?",
            ],
            Line::ClarifyWhich => &[
                "Which of these topics? Pick it below.",
                "Sure, but which one? Click the right topic.",
            ],
            Line::Neither => &[
                "OK, not that. Here are the topics I can help with, or I can pass you to an advisor.",
                "Understood. Pick one of the main topics below, or ask for an advisor.",
            ],
            Line::Other => &[
                "No problem. Describe your request in a few words, pick a topic, or ask for an advisor.",
                "Of course. Tell me what you need in your own words, or choose one of these topics. An advisor can also take over.",
            ],
            Line::Fallback => &[
                "Sorry, I didn't understand. Here is what I can help with:",
                "I'm not sure I follow. Could you rephrase, or pick a topic?",
                "That one escapes me, sorry. I can help with topics such as these:",
                "I didn't catch your request. Try other words, or choose a topic:",
            ],
            Line::OfferMisunderstood => &[
                "I'm having trouble understanding your request, sorry. Would you like to talk to an advisor?",
                "I don't think I'm following you. An advisor could help: shall I put you in touch?",
            ],
            Line::OfferFrustration => &[
                "I understand this is frustrating, and I'm sorry. Would you like an advisor to take over?",
                "Sorry this is so complicated. I can pass you to an advisor, would you like that?",
                "I'm sorry for the trouble. Would you like to talk to an advisor?",
            ],
            Line::OfferNoTopic => &[
                "You can also describe your request in a few words. Or would you rather have an advisor help you?",
                "If nothing fits, an advisor can take over. Shall I put you in touch?",
            ],
            Line::OfferNoAnswer => &[
                "I don't have a ready answer on this topic. Would you like an advisor to answer you?",
                "On this point an advisor will be more useful than me. Shall I put you in touch?",
            ],
            Line::Handoff => &[
                "Sure, I'm passing your request to an advisor.",
                "Noted: I'm calling in an advisor for you.",
            ],
            Line::HandoffDeclined => &[
                "All right, let's carry on together. Ask me your question, or pick a topic:",
                "OK! I'm here if you need me. What can I do for you?",
            ],
            Line::NothingElse => &[
                "All right! I'm here if you need me: just write. Have a nice day!",
                "Perfect. Feel free to come back to me any time. Have a nice day!",
            ],
            Line::Listening => &[
                "I'm listening: ask your question, or pick a topic.",
                "Happy to help. Tell me more, or pick a topic:",
            ],
            Line::Empathy => &[
                "I understand this is annoying.",
                "Sorry for the trouble.",
                "I can see this is a pain, sorry.",
            ],
        }
    }
}

/// A fixed quick-reply button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Button {
    /// "Something else" under a clarification.
    Other,
    /// "Talk to an advisor".
    Human,
    /// Accept a handoff offer.
    HandoffYes,
    /// Decline a handoff offer.
    HandoffNo,
}

impl Button {
    /// The button's text in `lang`.
    pub(crate) fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Button::Other, Lang::Fr) => "Autre chose",
            (Button::Other, Lang::En) => "Something else",
            (Button::Human, Lang::Fr) => "Parler à un conseiller",
            (Button::Human, Lang::En) => "Talk to an advisor",
            (Button::HandoffYes, Lang::Fr) => "Oui, un conseiller",
            (Button::HandoffYes, Lang::En) => "Yes, an advisor",
            (Button::HandoffNo, Lang::Fr) => "Non merci",
            (Button::HandoffNo, Lang::En) => "No thanks",
        }
    }
}

/// Word starts of a reprimand about manners or language, in either language.
#[cfg(test)]
const REPRIMAND: &[&str] = &[
    "poli", "langage", "vulgaire", "grossier", "insult", "respect", "language", "manners", "rude",
    "swear", "offensi", "injur", "courtois", "calm",
];

/// Whether `text` comments on the customer's manners or language.
#[cfg(test)]
pub(crate) fn scolds(text: &str) -> bool {
    crate::normalize::words(text)
        .iter()
        .any(|w| REPRIMAND.iter().any(|r| w.starts_with(r)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_has_distinct_variants_in_both_languages() {
        for line in Line::ALL {
            for lang in Lang::ALL {
                let variants = line.variants(lang);
                assert!(variants.len() >= 2, "{line:?} {lang}");
                for (i, a) in variants.iter().enumerate() {
                    assert!(!variants[i + 1..].contains(a), "{line:?} {lang}: {a}");
                }
            }
        }
        assert!(Line::Fallback.variants(Lang::Fr).len() >= 3);
        assert!(Line::Fallback.variants(Lang::En).len() >= 3);
    }

    #[test]
    fn reprimands_are_recognised() {
        assert!(scolds("Merci de rester poli."));
        assert!(scolds("Please mind your language"));
    }

    #[test]
    fn no_line_scolds() {
        for line in Line::ALL {
            for lang in Lang::ALL {
                for text in line.variants(lang) {
                    assert!(!scolds(text), "{text}");
                }
            }
        }
    }
}
