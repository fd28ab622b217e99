//! Patterns that cannot work as written.
//!
//! The matcher runs each pattern, case-insensitively and with accents folded out of the
//! pattern, on the *normalised* utterance: its tokens' folded forms joined by single spaces
//! (see `relais_nlu::normalize`). That text only ever holds the characters `c` for which
//! `normalize(c) == c` (lower-case letters without accents, digits, `?`, `!`, `€ $ £ %`,
//! emoji), single spaces between tokens and `.` inside decimals. Hence, precisely:
//!
//! - **unreachable** (error): every string the pattern matches contains a character outside
//!   that alphabet (an apostrophe, a hyphen, a comma, a newline...) or two spaces in a row
//!   written literally; it can never fire. Upper case and accents are *not* such characters,
//!   since the pattern is folded and case-insensitive.
//! - **matches everything** (error): the pattern matches the empty string, so it fires on
//!   every utterance and adds its bonus to its intent each time.
//! - **shadowed** (warning): the same pattern, once folded and lower-cased, is written again
//!   (in the same intent or another): the later copy adds nothing but a second bonus.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex_syntax::ParserBuilder;
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};
use relais_corpus::Corpus;
use relais_corpus::edit::{Field, Locator};
use relais_nlu::normalize;

use super::finding::Finding;

/// Findings about the patterns of every intent.
pub(super) fn check(corpus: &Corpus, locator: &Locator<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut seen: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for intent in &corpus.spec.intents {
        for (index, pattern) in intent.patterns.iter().enumerate() {
            let location = locator.locate(&intent.id, Field::Pattern(index));
            let folded = normalize::fold(&pattern.to_lowercase());
            let Ok(hir) = ParserBuilder::new()
                .case_insensitive(true)
                .build()
                .parse(&normalize::fold(pattern))
            else {
                continue; // the loader reports patterns that do not compile
            };
            if let Some(culprit) = unreachable_because(&hir) {
                findings.push(Finding::error(
                    "unreachable-pattern",
                    location.clone(),
                    format!(
                        "pattern {pattern:?} of {} can never match: it needs {culprit}, which \
                         normalised text never contains (normalised text is lower case without \
                         accents, words and numbers separated by single spaces, no punctuation \
                         but ? and !)",
                        intent.id
                    ),
                ));
            } else if hir.properties().minimum_len() == Some(0) {
                findings.push(Finding::error(
                    "pattern-matches-everything",
                    location.clone(),
                    format!(
                        "pattern {pattern:?} of {} matches the empty string, so it fires on every \
                         utterance",
                        intent.id
                    ),
                ));
            }
            match seen.get(&folded) {
                Some((first, first_index)) => {
                    let place = locator
                        .locate(first, Field::Pattern(*first_index))
                        .map_or_else(String::new, |l| format!(" at {l}"));
                    findings.push(Finding::warning(
                        "shadowed-pattern",
                        location,
                        format!(
                            "pattern {pattern:?} of {} repeats a pattern of {first}{place}: \
                             it adds nothing but a second bonus",
                            intent.id
                        ),
                    ));
                }
                None => {
                    seen.insert(folded, (intent.id.clone(), index));
                }
            }
        }
    }
    findings
}

/// Why `hir` can match no normalised text, naming the part at fault; `None` when it can.
fn unreachable_because(hir: &Hir) -> Option<String> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => None,
        HirKind::Literal(literal) => {
            let text = String::from_utf8_lossy(&literal.0);
            if text.contains("  ") {
                return Some("two spaces in a row".to_owned());
            }
            text.chars()
                .find(|&c| !in_alphabet(c))
                .map(|c| format!("the character {c:?}"))
        }
        HirKind::Class(Class::Unicode(class)) => {
            let mut within = class.clone();
            within.intersect(alphabet());
            within.ranges().is_empty().then(|| format!("one of {hir}"))
        }
        HirKind::Class(Class::Bytes(class)) => {
            let reachable = class
                .iter()
                .flat_map(|range| range.start()..=range.end())
                .any(|byte| byte.is_ascii() && in_alphabet(char::from(byte)));
            (!reachable).then(|| format!("one of {hir}"))
        }
        HirKind::Repetition(repetition) if repetition.min == 0 => None,
        HirKind::Repetition(repetition) => unreachable_because(&repetition.sub),
        HirKind::Capture(capture) => unreachable_because(&capture.sub),
        HirKind::Concat(parts) => parts.iter().find_map(unreachable_because),
        HirKind::Alternation(branches) => {
            let reasons: Vec<String> = branches
                .iter()
                .map(unreachable_because)
                .collect::<Option<_>>()?;
            Some(reasons.join(" or "))
        }
    }
}

/// Whether `c` can appear in normalised text.
fn in_alphabet(c: char) -> bool {
    alphabet()
        .ranges()
        .iter()
        .any(|range| range.start() <= c && c <= range.end())
}

/// The characters normalised text can hold: each `c` with `normalize(c) == c`, plus the space
/// between tokens and the `.` of decimals. Computed once, over the Basic Multilingual Plane and
/// the emoji blocks (normalisation keeps no other character).
fn alphabet() -> &'static ClassUnicode {
    static ALPHABET: OnceLock<ClassUnicode> = OnceLock::new();
    ALPHABET.get_or_init(|| {
        let planes = ('\0'..='\u{FFFF}').chain('\u{1F000}'..='\u{1FAFF}');
        let mut ranges: Vec<ClassUnicodeRange> = vec![
            ClassUnicodeRange::new(' ', ' '),
            ClassUnicodeRange::new('.', '.'),
        ];
        let mut buffer = [0u8; 4];
        for c in planes {
            let text: &str = c.encode_utf8(&mut buffer);
            if normalize::normalize(text) == text {
                ranges.push(ClassUnicodeRange::new(c, c));
            }
        }
        // `ClassUnicode::new` merges adjacent single characters into ranges.
        ClassUnicode::new(ranges)
    })
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. patterns needing a character normalisation removes are unreachable, whichever part
    //!    of the pattern needs it;
    //! 2. upper case, accents, optional parts and one reachable branch keep a pattern reachable.

    use super::*;

    fn reason(pattern: &str) -> Option<String> {
        let hir = ParserBuilder::new()
            .case_insensitive(true)
            .build()
            .parse(&normalize::fold(pattern))
            .expect("valid pattern");
        unreachable_because(&hir)
    }

    #[test]
    fn patterns_needing_removed_characters_are_unreachable() {
        for pattern in [
            "l'index",
            r"kilo-?volt-ampere",
            r"\d+,\d+",
            r"(?:a|b)\nc",
            "mon  compteur",
            r"[,;:]",
            r"(?P<x>\d+)\s*(kva|kw)-",
        ] {
            assert!(reason(pattern).is_some(), "{pattern}");
        }
        assert_eq!(reason("l'index").as_deref(), Some("the character '\\''"));
    }

    #[test]
    fn case_accents_and_optional_parts_stay_reachable() {
        for pattern in [
            r"(?P<kva>\d{1,2})\s*KVA",
            "électricité",
            r"kilo-?volt",
            r"(kva|k-va)",
            r"\d+(\.\d+)?\s*€",
            r"^bonjour\b",
            "😡",
        ] {
            assert_eq!(reason(pattern), None, "{pattern}");
        }
    }
}
