//! What `relais agents add` is asked to write, checked before anything is opened.
//!
//! The rules are the contract's (names `[a-z0-9_.-]+`, languages `fr`/`en`) plus bounds that
//! keep the panel readable. Checking here, not only in the server, lets the direct-store path
//! and the admin-API path refuse the same inputs with the same words.

use std::fmt;

/// Longest agent name, in characters.
const MAX_NAME: usize = 64;
/// Longest display name, in characters.
const MAX_DISPLAY_NAME: usize = 64;
/// Longest skill, in characters.
const MAX_SKILL: usize = 32;
/// Most concurrent chats an agent may be given.
pub(crate) const MAX_CAPACITY: u32 = 50;
/// The languages the corpus and the routing know.
const LANGS: [&str; 2] = ["fr", "en"];

/// A checked agent definition, without its password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AgentSpec {
    /// Unique id, `[a-z0-9_.-]+`.
    pub(crate) name: String,
    /// Shown to customers and in the panel.
    pub(crate) display_name: String,
    /// Languages served, without duplicates, in the order given.
    pub(crate) langs: Vec<String>,
    /// Skills, without duplicates, in the order given.
    pub(crate) skills: Vec<String>,
    /// Concurrent chats, 1 to [`MAX_CAPACITY`].
    pub(crate) capacity: u32,
}

/// Why an agent definition was refused; the message names the option to fix.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct SpecError(String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// Checks an agent name (also used by `remove`).
pub(crate) fn check_name(name: &str) -> Result<(), SpecError> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'));
    // "." and ".." would be path segments in the admin API's URLs.
    let only_dots = name.chars().all(|c| c == '.');
    if name.is_empty() || name.chars().count() > MAX_NAME || !valid_chars || only_dots {
        return Err(SpecError(format!(
            "invalid agent name {name:?}: use 1 to {MAX_NAME} characters among a-z, 0-9, '_', '.', '-'"
        )));
    }
    Ok(())
}

impl AgentSpec {
    /// Checks and normalises the options of `agents add`; the display name defaults to the
    /// name.
    pub(crate) fn new(
        name: &str,
        display_name: Option<&str>,
        langs: &[String],
        skills: &[String],
        capacity: u32,
    ) -> Result<AgentSpec, SpecError> {
        check_name(name)?;
        let display_name = check_display_name(display_name.unwrap_or(name))?;
        let langs = dedup(langs.iter().map(|l| l.trim().to_ascii_lowercase()));
        if langs.is_empty() {
            return Err(SpecError("--lang needs at least one language".to_owned()));
        }
        if let Some(bad) = langs.iter().find(|l| !LANGS.contains(&l.as_str())) {
            return Err(SpecError(format!(
                "unknown language {bad:?} in --lang: use {}",
                LANGS.join(", ")
            )));
        }
        let skills = dedup(skills.iter().map(|s| s.trim().to_ascii_lowercase()));
        if skills.is_empty() {
            return Err(SpecError("--skills needs at least one skill".to_owned()));
        }
        if let Some(bad) = skills.iter().find(|s| !valid_skill(s)) {
            return Err(SpecError(format!(
                "invalid skill {bad:?} in --skills: use 1 to {MAX_SKILL} characters among a-z, 0-9, '_', '-'"
            )));
        }
        if !(1..=MAX_CAPACITY).contains(&capacity) {
            return Err(SpecError(format!(
                "--capacity must be between 1 and {MAX_CAPACITY} concurrent chats"
            )));
        }
        Ok(AgentSpec {
            name: name.to_owned(),
            display_name,
            langs,
            skills,
            capacity,
        })
    }
}

fn check_display_name(raw: &str) -> Result<String, SpecError> {
    let trimmed = raw.trim();
    let length = trimmed.chars().count();
    if length == 0 || length > MAX_DISPLAY_NAME || trimmed.chars().any(char::is_control) {
        return Err(SpecError(format!(
            "invalid --display-name: use 1 to {MAX_DISPLAY_NAME} characters, no control characters"
        )));
    }
    Ok(trimmed.to_owned())
}

fn valid_skill(skill: &str) -> bool {
    !skill.is_empty()
        && skill.chars().count() <= MAX_SKILL
        && skill
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

/// Keeps the first occurrence of each item, dropping empty ones (`--lang fr,,en`).
fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for item in items {
        if !item.is_empty() && !kept.contains(&item) {
            kept.push(item);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn spec(
        name: &str,
        langs: &[&str],
        skills: &[&str],
        capacity: u32,
    ) -> Result<AgentSpec, SpecError> {
        AgentSpec::new(name, None, &strings(langs), &strings(skills), capacity)
    }

    #[test]
    fn a_valid_definition_is_normalised() {
        let spec = AgentSpec::new(
            "alice.b-2",
            Some("  Alice B.  "),
            &strings(&["FR", "en", "fr"]),
            &strings(&["Billing", "technical", "billing", ""]),
            3,
        )
        .expect("valid");
        assert_eq!(spec.display_name, "Alice B.");
        assert_eq!(spec.langs, ["fr", "en"]);
        assert_eq!(spec.skills, ["billing", "technical"]);
    }

    #[test]
    fn the_display_name_defaults_to_the_name() {
        let spec = spec("bob", &["en"], &["general"], 1).expect("valid");
        assert_eq!(spec.display_name, "bob");
    }

    #[test]
    fn names_outside_the_alphabet_are_refused() {
        for name in [
            "",
            ".",
            "..",
            "Alice",
            "al ice",
            "alice/..",
            "é",
            &"a".repeat(MAX_NAME + 1),
        ] {
            let err = spec(name, &["fr"], &["general"], 3).expect_err(name);
            assert!(err.to_string().contains("invalid agent name"), "{err}");
        }
    }

    #[test]
    fn languages_skills_and_capacity_are_checked() {
        assert!(spec("a", &["de"], &["general"], 3).is_err());
        assert!(spec("a", &[], &["general"], 3).is_err());
        assert!(spec("a", &["fr"], &[], 3).is_err());
        assert!(spec("a", &["fr"], &["bill ing"], 3).is_err());
        assert!(spec("a", &["fr"], &["general"], 0).is_err());
        assert!(spec("a", &["fr"], &["general"], MAX_CAPACITY + 1).is_err());
        assert!(spec("a", &["fr"], &["general"], MAX_CAPACITY).is_ok());
    }

    #[test]
    fn display_names_with_control_characters_are_refused() {
        let refused = AgentSpec::new(
            "a",
            Some("Al\u{1b}[31mice"),
            &strings(&["fr"]),
            &strings(&["g"]),
            3,
        );
        assert!(refused.is_err());
        let blank = AgentSpec::new("a", Some("   "), &strings(&["fr"]), &strings(&["g"]), 3);
        assert!(blank.is_err());
    }
}
