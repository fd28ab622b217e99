//! The exchange formats of `faq import` and `faq export`.
//!
//! - **CSV**: UTF-8, a header line `key,lang,text`, then one row per answer variant, the
//!   variants of one answer in order. Fields holding commas, quotes or line breaks are quoted
//!   (the `csv` crate's RFC 4180 dialect), so any text survives.
//! - **JSON**: an array of `{"key": ..., "lang": "fr", "variants": [...]}`.
//!
//! Both read back to the same [`FaqAnswer`]s they were written from.

use std::path::Path;

use relais_nlu::Lang;
use serde::{Deserialize, Serialize};

/// The variants of one FAQ answer in one language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FaqAnswer {
    pub(super) key: String,
    pub(super) lang: Lang,
    pub(super) variants: Vec<String>,
}

/// A file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    /// `key,lang,text`, one row per variant.
    Csv,
    /// An array of `{key, lang, variants}`.
    Json,
}

impl Format {
    /// The format of `path`, from its extension.
    pub(super) fn of(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// One CSV row.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    key: String,
    lang: String,
    text: String,
}

/// A problem in an imported file, at a CSV line or JSON entry.
pub(super) type RowError = String;

/// `answers` written in `format`.
pub(super) fn write(answers: &[FaqAnswer], format: Format) -> anyhow::Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(answers)? + "\n"),
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            for answer in answers {
                for text in &answer.variants {
                    writer.serialize(Row {
                        key: answer.key.clone(),
                        lang: answer.lang.code().to_owned(),
                        text: text.clone(),
                    })?;
                }
            }
            // A header is written with the first row; an empty export still gets one.
            if answers.is_empty() {
                writer.write_record(["key", "lang", "text"])?;
            }
            Ok(String::from_utf8(writer.into_inner()?)?)
        }
    }
}

/// Reads `text` in `format`: the answers in order of first appearance, variants in file order,
/// or every problem found, each naming its line (CSV) or entry (JSON).
pub(super) fn read(text: &str, format: Format) -> Result<Vec<FaqAnswer>, Vec<RowError>> {
    match format {
        Format::Json => read_json(text),
        Format::Csv => read_csv(text),
    }
}

fn read_json(text: &str) -> Result<Vec<FaqAnswer>, Vec<RowError>> {
    let answers: Vec<FaqAnswer> =
        serde_json::from_str(text).map_err(|e| vec![format!("line {}: {e}", e.line())])?;
    let mut errors = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        let place = format!("entry {}", i + 1);
        check_key(&answer.key, &place, &mut errors);
        if answer.variants.iter().any(|v| v.trim().is_empty()) || answer.variants.is_empty() {
            errors.push(format!("{place}: every answer needs non-blank variants"));
        }
    }
    if errors.is_empty() {
        Ok(merge(answers))
    } else {
        Err(errors)
    }
}

fn read_csv(text: &str) -> Result<Vec<FaqAnswer>, Vec<RowError>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| vec![format!("line 1: {e}")])?
        .clone();
    let mut answers = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let parsed = record.and_then(|record| {
            let line = record.position().map_or(0, csv::Position::line);
            Ok((line, record.deserialize::<Row>(Some(&headers))?))
        });
        let (line, row) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                let line = error.position().map_or(0, csv::Position::line);
                errors.push(format!("line {line}: {error}"));
                continue;
            }
        };
        let place = format!("line {line}");
        check_key(&row.key, &place, &mut errors);
        let Some(lang) = Lang::from_code(&row.lang) else {
            errors.push(format!(
                "{place}: unknown language {:?} (expected fr or en)",
                row.lang
            ));
            continue;
        };
        if row.text.trim().is_empty() {
            errors.push(format!("{place}: empty answer text"));
            continue;
        }
        answers.push(FaqAnswer {
            key: row.key,
            lang,
            variants: vec![row.text],
        });
    }
    if errors.is_empty() {
        Ok(merge(answers))
    } else {
        Err(errors)
    }
}

fn check_key(key: &str, place: &str, errors: &mut Vec<RowError>) {
    let valid = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid {
        errors.push(format!(
            "{place}: invalid answer key {key:?}: use only a-z, 0-9 and _"
        ));
    }
}

/// Gathers the variants of each (key, language) in order of first appearance.
fn merge(answers: Vec<FaqAnswer>) -> Vec<FaqAnswer> {
    let mut merged: Vec<FaqAnswer> = Vec::new();
    for answer in answers {
        match merged
            .iter_mut()
            .find(|m| m.key == answer.key && m.lang == answer.lang)
        {
            Some(existing) => existing.variants.extend(answer.variants),
            None => merged.push(answer),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. CSV and JSON read back what they wrote, commas, quotes, line breaks and accents included;
    //! 2. bad rows are all reported with their line.

    use super::*;

    fn answers() -> Vec<FaqAnswer> {
        vec![
            FaqAnswer {
                key: "bill_explain".into(),
                lang: Lang::Fr,
                variants: vec![
                    "Votre facture, \"détaillée\" :\n- abonnement".into(),
                    "Deuxième variante.".into(),
                ],
            },
            FaqAnswer {
                key: "bill_explain".into(),
                lang: Lang::En,
                variants: vec!["Your bill, explained.".into()],
            },
        ]
    }

    #[test]
    fn both_formats_round_trip() {
        for format in [Format::Csv, Format::Json] {
            let text = write(&answers(), format).expect("write");
            assert_eq!(read(&text, format), Ok(answers()), "{format:?}");
        }
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let text = "key,lang,text\nok,fr,Bien\nBad Key,fr,x\nok,de,Gut\nok,en,\n";
        let errors = read(text, Format::Csv).expect_err("bad rows");
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("line 3: invalid answer key"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("line 4: unknown language"),
            "{errors:?}"
        );
    }
}
