//! The quick-reply vocabulary: the `value` of every button the engine offers, which the server
//! echoes back as a `Turn::Choice`. The values and their meaning are listed in the crate docs,
//! the public description of this contract.

use relais_nlu::Lang;

use crate::catalog::Catalog;
use crate::reply::QuickReply;
use crate::texts::Button;

/// A parsed quick-reply value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Choice {
    /// `intent:<id>`.
    Intent(String),
    /// `other`.
    Other,
    /// `human`.
    Human,
    /// `handoff:yes`.
    HandoffYes,
    /// `handoff:no`.
    HandoffNo,
}

const INTENT_PREFIX: &str = "intent:";

impl Choice {
    /// Parses a value the engine issued; `None` for anything else.
    pub(crate) fn parse(value: &str) -> Option<Choice> {
        match value {
            "other" => Some(Choice::Other),
            "human" => Some(Choice::Human),
            "handoff:yes" => Some(Choice::HandoffYes),
            "handoff:no" => Some(Choice::HandoffNo),
            _ => value
                .strip_prefix(INTENT_PREFIX)
                .filter(|id| !id.is_empty())
                .map(|id| Choice::Intent(id.to_string())),
        }
    }

    /// The value sent on the wire.
    pub(crate) fn value(&self) -> String {
        match self {
            Choice::Intent(id) => format!("{INTENT_PREFIX}{id}"),
            Choice::Other => "other".into(),
            Choice::Human => "human".into(),
            Choice::HandoffYes => "handoff:yes".into(),
            Choice::HandoffNo => "handoff:no".into(),
        }
    }

    /// The button for this choice in `lang`.
    pub(crate) fn button(&self, catalog: &Catalog, lang: Lang) -> QuickReply {
        let label = match self {
            Choice::Intent(id) => catalog.label(id, lang),
            Choice::Other => Button::Other.label(lang).into(),
            Choice::Human => Button::Human.label(lang).into(),
            Choice::HandoffYes => Button::HandoffYes.label(lang).into(),
            Choice::HandoffNo => Button::HandoffNo.label(lang).into(),
        };
        QuickReply {
            label,
            value: self.value(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        for choice in [
            Choice::Intent("move_house".into()),
            Choice::Other,
            Choice::Human,
            Choice::HandoffYes,
            Choice::HandoffNo,
        ] {
            assert_eq!(Choice::parse(&choice.value()), Some(choice));
        }
    }

    #[test]
    fn foreign_values_are_rejected() {
        for value in ["", "intent:", "topic:x", "HUMAN", "handoff:maybe"] {
            assert_eq!(Choice::parse(value), None, "{value}");
        }
    }
}
