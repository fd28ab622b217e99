//! Canned responses for advisors: short ready-made replies, per language.
//!
//! They come from the corpus file `canned.toml` when it exists (so that the team edits them
//! with the rest of the content), else from built-in defaults in French and English.
//!
//! ```toml
//! [[canned]]
//! lang = "fr"
//! label = "Accueil"
//! text = "Bonjour, je suis votre conseiller. Je regarde votre demande."
//! ```

use std::path::{Path, PathBuf};

use relais_nlu::Lang;
use serde::{Deserialize, Serialize};

/// Longest label accepted, in characters.
const MAX_LABEL_CHARS: usize = 60;
/// Longest text accepted, in characters.
const MAX_TEXT_CHARS: usize = 1_000;

/// One canned response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Canned {
    /// Its language.
    pub lang: Lang,
    /// The short name shown on the button.
    pub label: String,
    /// The text inserted into the composer.
    pub text: String,
}

/// The canned-responses file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CannedError {
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML of the expected shape.
    #[error("{}: {message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line.
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CannedFile {
    #[serde(default)]
    canned: Vec<Canned>,
}

/// The canned responses of `path`, or the built-in defaults when the file does not exist.
pub fn load_canned(path: &Path) -> Result<Vec<Canned>, CannedError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(default_canned()),
        Err(source) => {
            return Err(CannedError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let parse_error = |message: String| CannedError::Parse {
        path: path.to_owned(),
        message,
    };
    let file: CannedFile = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
    for (i, canned) in file.canned.iter().enumerate() {
        let label = canned.label.trim().chars().count();
        let text = canned.text.trim().chars().count();
        if !(1..=MAX_LABEL_CHARS).contains(&label) || !(1..=MAX_TEXT_CHARS).contains(&text) {
            return Err(parse_error(format!(
                "canned response {} needs a label of 1 to {MAX_LABEL_CHARS} characters and a \
                 text of 1 to {MAX_TEXT_CHARS}",
                i + 1
            )));
        }
    }
    Ok(file.canned)
}

/// The built-in canned responses, in French and English.
pub fn default_canned() -> Vec<Canned> {
    let fr = |label: &str, text: &str| Canned {
        lang: Lang::Fr,
        label: label.to_owned(),
        text: text.to_owned(),
    };
    let en = |label: &str, text: &str| Canned {
        lang: Lang::En,
        label: label.to_owned(),
        text: text.to_owned(),
    };
    vec![
        fr(
            "Accueil",
            "Bonjour, je suis votre conseiller. J'ai bien lu votre échange : je regarde cela tout de suite.",
        ),
        fr(
            "Un instant",
            "Merci de votre patience, je vérifie votre dossier et je reviens vers vous dans un instant.",
        ),
        fr(
            "Numéro de contrat",
            "Pouvez-vous m'indiquer votre numéro de contrat ou de client ? Il figure en haut de votre facture.",
        ),
        fr("Autre chose ?", "Puis-je vous aider pour autre chose ?"),
        fr("Au revoir", "Merci de votre confiance et bonne journée !"),
        en(
            "Welcome",
            "Hello, I'm your advisor. I've read your conversation and I'm looking into it right now.",
        ),
        en(
            "One moment",
            "Thank you for your patience, I'm checking your account and will be right back.",
        ),
        en(
            "Contract number",
            "Could you give me your contract or customer number? It is at the top of your bill.",
        ),
        en(
            "Anything else?",
            "Is there anything else I can help you with?",
        ),
        en("Goodbye", "Thank you for contacting us, have a nice day!"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_both_languages() {
        let canned = default_canned();
        for lang in [Lang::Fr, Lang::En] {
            assert!(canned.iter().filter(|c| c.lang == lang).count() >= 3);
        }
    }

    #[test]
    fn a_missing_file_gives_the_defaults_and_a_file_replaces_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("canned.toml");
        assert_eq!(load_canned(&path).unwrap(), default_canned());
        std::fs::write(
            &path,
            "[[canned]]\nlang = \"en\"\nlabel = \"Hi\"\ntext = \"Hello there\"\n",
        )
        .unwrap();
        assert_eq!(
            load_canned(&path).unwrap(),
            vec![Canned {
                lang: Lang::En,
                label: "Hi".into(),
                text: "Hello there".into()
            }]
        );
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("canned.toml");
        for bad in [
            "[[canned]]\nlang = \"de\"\nlabel = \"Hi\"\ntext = \"x\"\n",
            "[[canned]]\nlang = \"en\"\nlabel = \"\"\ntext = \"x\"\n",
            "[[canned]]\nlang = \"en\"\nlabel = \"Hi\"\ntext = \"x\"\ncolour = 1\n",
            "not toml [",
        ] {
            std::fs::write(&path, bad).unwrap();
            let err = load_canned(&path).unwrap_err();
            assert!(err.to_string().contains("canned.toml"), "{err}");
        }
    }
}
