//! Where a value of an intent is written: the line of one example, keyword, pattern or
//! answer list, for tools that point authors at it (`relais intents lint`).

use relais_nlu::Lang;
use toml_edit::{ImDocument, Item, Table};

use crate::edit::snapshot::Snapshot;
use crate::location::{LineIndex, Location};
use crate::model::SourceFile;

/// A value of an intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// Example `index` (from 0) of language `lang`, counted in that language's array.
    Example(Lang, usize),
    /// Keyword `index` (from 0).
    Keyword(usize),
    /// Pattern `index` (from 0).
    Pattern(usize),
    /// The answer variants in `lang`.
    Answers(Lang),
}

/// Finds the lines of values in a snapshot's intent files, each file parsed once.
pub struct Locator<'s> {
    files: Vec<(&'s SourceFile, ImDocument<&'s str>, LineIndex<'s>)>,
}

impl Snapshot {
    /// A locator over this snapshot's intent files (files that do not parse are skipped).
    pub fn locator(&self) -> Locator<'_> {
        let files = self
            .files()
            .iter()
            .filter_map(|file| {
                let doc = ImDocument::parse(file.text.as_str()).ok()?;
                Some((file, doc, LineIndex::new(&file.text)))
            })
            .collect();
        Locator { files }
    }
}

impl Locator<'_> {
    /// The file and line where `field` of intent `id` is written, if it is.
    pub fn locate(&self, id: &str, field: Field) -> Option<Location> {
        self.files.iter().find_map(|(file, doc, lines)| {
            let intent = doc
                .get("intent")?
                .as_array_of_tables()?
                .iter()
                .find(|table| table.get("id").and_then(Item::as_str) == Some(id))?;
            let span = span_of(intent, field)?;
            Some(Location {
                file: file.path.clone(),
                line: lines.position(span.start).line,
            })
        })
    }
}

fn span_of(intent: &Table, field: Field) -> Option<std::ops::Range<usize>> {
    let lang_entry = |key: &str, lang: Lang| intent.get(key)?.as_table_like()?.get(lang.code());
    match field {
        Field::Example(lang, index) => lang_entry("examples", lang)?.as_array()?.get(index)?.span(),
        Field::Keyword(index) => intent.get("keywords")?.as_array()?.get(index)?.span(),
        Field::Pattern(index) => intent.get("patterns")?.as_array()?.get(index)?.span(),
        Field::Answers(lang) => lang_entry("answers", lang)?.span(),
    }
}
