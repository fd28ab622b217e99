//! The scripted customer side of a conversation: realistic utterances for an electricity
//! supplier, in French and English, cycled per session.
//!
//! Each session starts at a different point of its language's list so that concurrent sessions
//! do not all ask the same question at the same moment. The lines avoid asking for a human
//! advisor or accepting an offer, so a scripted conversation never leaves the bot.

/// The language a scripted session speaks (sent in `hello`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lang {
    /// French.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Sessions alternate languages: even indexes speak French, odd ones English.
    pub(crate) fn for_session(index: usize) -> Self {
        if index.is_multiple_of(2) {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    /// The protocol code of the language.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    fn lines(self) -> &'static [&'static str] {
        match self {
            Lang::Fr => FR,
            Lang::En => EN,
        }
    }
}

const FR: &[&str] = &[
    "Bonjour, ma facture de ce mois est beaucoup plus élevée que d'habitude, pourquoi ?",
    "Comment transmettre mon relevé de compteur ?",
    "Je déménage le mois prochain, comment faire suivre mon contrat d'électricité ?",
    "Quand sera prélevée ma prochaine mensualité ?",
    "Je voudrais passer à la facture électronique",
    "Comment changer le RIB pour le prélèvement automatique ?",
    "Il y a une coupure de courant dans ma rue depuis ce matin",
    "Quelle est la différence entre l'option heures creuses et l'option base ?",
    "Mon compteur Linky affiche un code erreur, que faire ?",
    "Puis-je payer ma facture en plusieurs fois ?",
    "Comment résilier mon contrat ?",
    "Je n'ai pas reçu ma facture de mars",
    "Comment augmenter la puissance de mon compteur ?",
    "Où trouver mon numéro de point de livraison ?",
    "Est-ce que vous proposez une offre d'électricité verte ?",
    "Comment modifier le montant de mes mensualités ?",
    "J'ai emménagé dans un nouveau logement, comment ouvrir un compteur ?",
    "merci pour ces informations",
];

const EN: &[&str] = &[
    "Hello, my bill this month is much higher than usual, why is that?",
    "How do I submit my meter reading?",
    "I am moving next month, how do I transfer my electricity contract?",
    "When will my next monthly payment be taken?",
    "I would like to switch to paperless billing",
    "How can I change the bank account for my direct debit?",
    "There has been a power cut on my street since this morning",
    "What is the difference between the off-peak tariff and the standard tariff?",
    "My smart meter shows an error code, what should I do?",
    "Can I pay my bill in instalments?",
    "How do I cancel my contract?",
    "I did not receive my March bill",
    "How do I increase the capacity of my meter?",
    "Where can I find my supply point number?",
    "Do you offer a green electricity plan?",
    "How can I change the amount of my monthly payments?",
    "I just moved into a new home, how do I get the power connected?",
    "thanks for the information",
];

/// The endless sequence of utterances one session sends.
#[derive(Clone, Debug)]
pub(crate) struct Script {
    lines: &'static [&'static str],
    next: usize,
}

impl Script {
    /// The script of session `index`: its language's lines, starting at a session-specific
    /// offset.
    pub(crate) fn for_session(index: usize) -> Self {
        let lines = Lang::for_session(index).lines();
        // Consecutive sessions of one language are two indexes apart: halve so they start on
        // consecutive lines.
        Script {
            lines,
            next: (index / 2) % lines.len(),
        }
    }

    /// The next utterance, wrapping around at the end of the list.
    pub(crate) fn next_line(&mut self) -> &'static str {
        let line = self.lines[self.next];
        self.next = (self.next + 1) % self.lines.len();
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_alternate_languages() {
        assert_eq!(Lang::for_session(0), Lang::Fr);
        assert_eq!(Lang::for_session(1), Lang::En);
        assert_eq!(Lang::for_session(2).code(), "fr");
        assert_eq!(Lang::for_session(3).code(), "en");
    }

    #[test]
    fn a_script_cycles_through_every_line_then_repeats() {
        let mut script = Script::for_session(0);
        let first_round: Vec<_> = (0..FR.len()).map(|_| script.next_line()).collect();
        assert_eq!(first_round, FR);
        assert_eq!(script.next_line(), FR[0]);
    }

    #[test]
    fn sessions_of_one_language_start_on_different_lines() {
        assert_eq!(Script::for_session(0).next_line(), FR[0]);
        assert_eq!(Script::for_session(2).next_line(), FR[1]);
        assert_eq!(Script::for_session(1).next_line(), EN[0]);
        assert_eq!(Script::for_session(3).next_line(), EN[1]);
        let wrapped = 2 * FR.len();
        assert_eq!(Script::for_session(wrapped).next_line(), FR[0]);
    }

    #[test]
    fn both_languages_have_the_same_number_of_lines() {
        // Keeps the per-language load identical when sessions alternate languages.
        assert_eq!(FR.len(), EN.len());
    }
}
