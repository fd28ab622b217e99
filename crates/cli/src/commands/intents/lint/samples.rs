//! Every training example of the corpus, with where it is written and the words matching sees.

use relais_corpus::Corpus;
use relais_corpus::Location;
use relais_corpus::edit::{Field, Locator};
use relais_nlu::Lang;
use relais_nlu::normalize::{self, TokenKind};

/// One training example.
pub(super) struct Sample<'c> {
    /// The intent it teaches.
    pub(super) intent: &'c str,
    /// The example as written.
    pub(super) text: &'c str,
    /// Where it is written.
    pub(super) location: Option<Location>,
}

impl Sample<'_> {
    /// `"text" (intent at file:line)`, for messages.
    pub(super) fn describe(&self) -> String {
        let place = self
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!(" at {l}"));
        format!("{:?} ({}{place})", self.text, self.intent)
    }
}

/// Every example of every intent, in corpus order.
pub(super) fn all<'c>(corpus: &'c Corpus, locator: &Locator<'_>) -> Vec<Sample<'c>> {
    let mut samples = Vec::new();
    for intent in &corpus.spec.intents {
        let mut index = [0usize; 2];
        for example in &intent.examples {
            let lang = example.lang.unwrap_or(corpus.dialogue.default_lang);
            let slot = usize::from(lang == Lang::En);
            let location = locator.locate(&intent.id, Field::Example(lang, index[slot]));
            index[slot] += 1;
            samples.push(Sample {
                intent: &intent.id,
                text: &example.text,
                location,
            });
        }
    }
    samples
}

/// The normalised words of `text` (lower case, accents folded, elisions dropped), without
/// the `?` and `!` signals, which carry tone rather than topic.
pub(super) fn words(text: &str) -> Vec<String> {
    normalize::tokenize(text)
        .into_iter()
        .filter(|token| token.kind != TokenKind::Punct)
        .map(|token| token.key)
        .collect()
}
