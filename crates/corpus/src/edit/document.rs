//! Changes to one intent file's TOML document that keep the author's comments and layout.
//!
//! Values are added in the style of their neighbours: an element pushed on a multi-line array
//! takes the indentation of the previous element, and a missing table is created as a
//! `[intent.NAME]` section right after the intent's other sections.

use relais_nlu::Lang;
use toml_edit::{Array, DocumentMut, Item, Table, Value};

/// The `[[intent]]` table whose `id` is `id`.
pub(crate) fn intent_mut<'d>(doc: &'d mut DocumentMut, id: &str) -> Option<&'d mut Table> {
    doc.get_mut("intent")?
        .as_array_of_tables_mut()?
        .iter_mut()
        .find(|table| table.get("id").and_then(Item::as_str) == Some(id))
}

/// Appends `text` to the `lang` array of the language table `key` (`examples`, `answers`) of
/// `intent`, creating the table or the array when missing; `None` when `key` or its `lang`
/// entry holds another type of value (which a loaded corpus never has).
pub(crate) fn push_text(intent: &mut Table, key: &str, lang: Lang, text: &str) -> Option<()> {
    let array = lang_array(intent, key, lang)?;
    push_like_siblings(array, text);
    Some(())
}

/// Replaces the `lang` array of the language table `key` of `intent` with `texts`. Returns
/// `Some(false)`, leaving the document untouched, when it already holds exactly `texts`;
/// `None` as [`push_text`] does.
pub(crate) fn set_texts(
    intent: &mut Table,
    key: &str,
    lang: Lang,
    texts: &[String],
) -> Option<bool> {
    let current = intent
        .get(key)
        .and_then(Item::as_table_like)
        .and_then(|table| table.get(lang.code()))
        .and_then(Item::as_array)
        .map(|array| array.iter().map(Value::as_str).collect::<Vec<_>>());
    let wanted: Vec<Option<&str>> = texts.iter().map(|t| Some(t.as_str())).collect();
    if current.as_ref() == Some(&wanted) {
        return Some(false);
    }
    let array = lang_array(intent, key, lang)?;
    let multi_line = array.is_empty() || is_multi_line(array);
    let inline_single = !multi_line;
    array.clear();
    for text in texts {
        if inline_single {
            array.push(text.as_str());
        } else {
            array.push_formatted(Value::from(text.as_str()).decorated("\n    ", ""));
        }
    }
    if !inline_single {
        array.set_trailing_comma(true);
        array.set_trailing("\n");
    }
    Some(true)
}

/// The `lang` array of the language table `key`, created (empty) when missing. A new table is
/// a `[intent.KEY]` section; a new array is multi-line, unless it goes in an inline table.
fn lang_array<'t>(intent: &'t mut Table, key: &str, lang: Lang) -> Option<&'t mut Array> {
    let inline = matches!(intent.get(key), Some(Item::Value(_)));
    let table = intent
        .entry(key)
        .or_insert_with(|| {
            let mut table = Table::new();
            table.decor_mut().set_prefix("\n");
            Item::Table(table)
        })
        .as_table_like_mut()?;
    if table.get(lang.code()).is_none() {
        let mut array = Array::new();
        if !inline {
            array.set_trailing_comma(true);
            array.set_trailing("\n");
        }
        table.insert(lang.code(), Item::Value(Value::Array(array)));
    }
    table.get_mut(lang.code())?.as_array_mut()
}

/// Whether the elements of `array` start on their own lines.
fn is_multi_line(array: &Array) -> bool {
    array
        .iter()
        .next()
        .and_then(|value| value.decor().prefix())
        .and_then(|prefix| prefix.as_str())
        .is_some_and(|prefix| prefix.contains('\n'))
        || array.trailing().as_str().is_some_and(|t| t.contains('\n'))
}

/// Pushes `text` formatted like the array's last element (same line breaks and indentation).
fn push_like_siblings(array: &mut Array, text: &str) {
    let prefix = array
        .iter()
        .last()
        .and_then(|value| value.decor().prefix())
        .and_then(|prefix| prefix.as_str())
        .map(str::to_owned);
    match prefix {
        Some(prefix) => array.push_formatted(Value::from(text).decorated(prefix, "")),
        None if is_multi_line(array) => {
            array.push_formatted(Value::from(text).decorated("\n    ", ""));
        }
        None => array.push(text),
    }
}
