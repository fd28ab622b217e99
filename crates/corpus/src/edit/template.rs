//! The text of a new intent: every field, the optional ones commented out with what they mean.

use relais_nlu::Lang;
use toml_edit::Value;

/// What `relais intents new` is given for a new intent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewIntent {
    /// The intent id (`a-z`, `0-9`, `_`).
    pub id: String,
    /// What the intent covers, for authors.
    pub description: String,
    /// First training examples, each with its language; the loader refuses an intent with
    /// neither examples nor keywords.
    pub examples: Vec<(Lang, String)>,
}

/// The first lines of an intent file created for a new intent.
pub(crate) fn file_header(file_name: &str) -> String {
    format!(
        "# {file_name}: intents of one domain of the advisor (format: docs/corpus-format.md).\n"
    )
}

/// The `[[intent]]` block of `new`, preceded by a blank line.
pub(crate) fn intent_block(new: &NewIntent) -> String {
    let id = quoted(&new.id);
    let mut text = format!(
        "\n[[intent]]\n\
         id = {id}\n\
         description = {}\n\
         # skill = \"general\"                    # advisor skill for handoff routing (a-z, 0-9, _)\n\
         # answer = {id}   # FAQ key of the answer (default: the id); intents may share one\n\
         # labels = {{ fr = \"...\", en = \"...\" }}  # quick-reply labels; main topics need both\n\
         # keywords = [\"...\"]                   # strong evidence, normalised: lowercase, no accents\n\
         # patterns = ['(?P<name>\\d+)\\s*kva']    # regexes on normalised text; named groups are entities\n\
         \n\
         [intent.examples]                      # training utterances, as customers type them\n",
        quoted(&new.description),
    );
    for lang in Lang::ALL {
        let examples: Vec<&str> = new
            .examples
            .iter()
            .filter(|(l, _)| *l == lang)
            .map(|(_, text)| text.as_str())
            .collect();
        if examples.is_empty() {
            continue;
        }
        text.push_str(&format!("{} = [\n", lang.code()));
        for example in examples {
            text.push_str(&format!("    {},\n", quoted(example)));
        }
        text.push_str("]\n");
    }
    text.push_str(&format!(
        "\n\
         # [intent.answers]                     # answer variants, one picked each time:\n\
         # fr = [\"...\"]                         # `relais faq set {} --lang fr`\n",
        new.id
    ));
    text
}

/// `text` as a TOML basic string, escaped.
fn quoted(text: &str) -> String {
    Value::from(text).to_string().trim().to_owned()
}
