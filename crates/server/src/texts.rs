//! What the server itself says, in French and English: the callback offer it makes while no
//! live advisor queue exists, and the confirmation of a callback request.

use relais_nlu::Lang;

/// The bot's offer of the callback/message form after a handoff decision.
pub(crate) fn callback_offer(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => {
            "Nos conseillers ne peuvent pas vous répondre en direct pour le moment. \
             Laissez-nous vos coordonnées et votre message : un conseiller vous recontacte \
             au plus vite."
        }
        Lang::En => {
            "Our advisors can't chat live right now. Leave your details and your message, \
             and an advisor will get back to you as soon as possible."
        }
    }
}

/// The bot's confirmation once a callback request is stored.
pub(crate) fn callback_confirmed(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => {
            "Merci, votre demande est bien enregistrée. Un conseiller vous recontacte \
             rapidement. Puis-je vous aider pour autre chose en attendant ?"
        }
        Lang::En => {
            "Thank you, your request has been recorded. An advisor will get back to you \
             shortly. Can I help with anything else in the meantime?"
        }
    }
}
