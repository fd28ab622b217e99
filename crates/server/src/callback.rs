//! The callback/message form: validation of what the customer typed, and the ticket it becomes.

use relais_nlu::Lang;

use crate::error::SessionError;

/// Longest name or contact accepted, in characters.
const MAX_FIELD_CHARS: usize = 200;

/// A validated callback request.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct CallbackForm {
    pub(crate) name: String,
    pub(crate) contact: String,
    pub(crate) message: String,
}

impl CallbackForm {
    /// Validates the form: consent first, then each field.
    pub(crate) fn validate(
        name: &str,
        contact: &str,
        message: &str,
        consent: Option<bool>,
        max_text_chars: usize,
    ) -> Result<CallbackForm, SessionError> {
        if consent != Some(true) {
            return Err(SessionError::ConsentRequired);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_FIELD_CHARS {
            return Err(SessionError::InvalidFrame(format!(
                "`name` must have 1 to {MAX_FIELD_CHARS} characters"
            )));
        }
        let contact = contact.trim();
        if !(is_email(contact) || is_phone(contact)) {
            return Err(SessionError::InvalidContact);
        }
        if message.chars().count() > max_text_chars {
            return Err(SessionError::TextTooLong {
                limit: max_text_chars,
            });
        }
        Ok(CallbackForm {
            name: name.to_owned(),
            contact: contact.to_owned(),
            message: message.trim().to_owned(),
        })
    }

    /// What identifies the form besides its client id, to recognise a resend.
    pub(crate) fn content(&self) -> String {
        format!(
            "callback\n{}\n{}\n{}",
            self.name, self.contact, self.message
        )
    }

    /// The ticket stored for advisors.
    pub(crate) fn ticket(&self, conversation: &str, lang: Lang) -> serde_json::Value {
        serde_json::json!({
            "kind": "callback",
            "conversation": conversation,
            "name": self.name,
            "contact": self.contact,
            "message": self.message,
            "lang": lang,
            "consent": true,
        })
    }
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.chars().count() <= MAX_FIELD_CHARS
        && !local.is_empty()
        && !s.chars().any(char::is_whitespace)
        && !domain.contains('@')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-'))
        && domain.contains('.')
}

fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    s.chars()
        .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        && (6..=15).contains(&digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        name: &str,
        contact: &str,
        consent: Option<bool>,
    ) -> Result<CallbackForm, &'static str> {
        CallbackForm::validate(name, contact, "rappel svp", consent, 100)
            .map_err(|e| e.code().as_str())
    }

    #[test]
    fn consent_is_required_and_explicit() {
        assert_eq!(
            check("Ana", "ana@example.fr", None),
            Err("consent_required")
        );
        assert_eq!(
            check("Ana", "ana@example.fr", Some(false)),
            Err("consent_required")
        );
        assert!(check("Ana", "ana@example.fr", Some(true)).is_ok());
    }

    #[test]
    fn contact_is_an_email_or_a_phone_number() {
        for good in [
            "ana@example.fr",
            "06 12 34 56 78",
            "+33 (0)6.12.34.56.78",
            "0612345678",
        ] {
            assert!(check("Ana", good, Some(true)).is_ok(), "{good}");
        }
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.fr",
            "ana@example",
            "a b@example.fr",
            "12",
            "06 12 ab",
        ] {
            assert_eq!(
                check("Ana", bad, Some(true)),
                Err("invalid_contact"),
                "{bad}"
            );
        }
    }

    #[test]
    fn name_and_message_are_bounded() {
        assert_eq!(
            check(" ", "ana@example.fr", Some(true)),
            Err("invalid_frame")
        );
        let long = "x".repeat(101);
        let err = CallbackForm::validate("Ana", "ana@example.fr", &long, Some(true), 100);
        assert_eq!(err.map_err(|e| e.code().as_str()), Err("text_too_long"));
    }

    #[test]
    fn the_ticket_carries_the_form() {
        let form = check(" Ana ", "ana@example.fr", Some(true)).unwrap();
        let ticket = form.ticket("c1", Lang::Fr);
        assert_eq!(ticket["name"], "Ana");
        assert_eq!(ticket["conversation"], "c1");
        assert_eq!(ticket["lang"], "fr");
        assert_eq!(ticket["message"], "rappel svp");
    }
}
