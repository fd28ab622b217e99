//! The engine's answers, read through from the FAQ store, and the seeding of corpus answers.
//!
//! Answers are not cached: the store is the single source of truth, so an author's edit is live
//! on the next turn. Seeding at startup copies the corpus answers into the store under the
//! source `corpus`, and never overwrites an entry an author set by hand (source `author`).

use relais_engine::Answers;
use relais_nlu::Lang;
use relais_store::{Durable, FaqEntry, Store, StoreResult};

/// The source of FAQ entries seeded from the corpus.
pub const SOURCE_CORPUS: &str = "corpus";
/// The source of FAQ entries set by an author, which seeding never overwrites.
pub const SOURCE_AUTHOR: &str = "author";

/// [`Answers`] over a store.
pub(crate) struct StoreAnswers<'a>(pub(crate) &'a dyn Store);

impl Answers for StoreAnswers<'_> {
    fn variants(&self, key: &str, lang: Lang) -> Vec<String> {
        match self.0.faq(key, lang.code()) {
            Ok(entry) => entry.map(|e| e.variants).unwrap_or_default(),
            Err(err) => {
                // The engine falls back to its own wording when there is no answer.
                tracing::error!(key, %lang, error = %err, "FAQ lookup failed");
                Vec::new()
            }
        }
    }
}

/// What [`seed_faq`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Entries written (new, or replacing an earlier corpus version).
    pub written: usize,
    /// Entries left alone because an author owns them.
    pub kept_author: usize,
}

/// Writes corpus answers into the FAQ store (their `source` is set to [`SOURCE_CORPUS`]),
/// skipping keys an author owns; await the returned [`Durable`] before relying on them.
pub fn seed_faq(store: &dyn Store, entries: Vec<FaqEntry>) -> StoreResult<(SeedReport, Durable)> {
    let mut report = SeedReport::default();
    let mut to_write = Vec::with_capacity(entries.len());
    for mut entry in entries {
        let existing = store.faq(&entry.key, &entry.lang)?;
        if existing.is_some_and(|e| e.source == SOURCE_AUTHOR) {
            report.kept_author += 1;
            continue;
        }
        entry.source = SOURCE_CORPUS.to_owned();
        to_write.push(entry);
    }
    report.written = to_write.len();
    let durable = store.put_faq(&to_write)?;
    Ok((report, durable))
}

#[cfg(test)]
mod tests {
    use relais_store::MemoryStore;

    use super::*;

    fn entry(key: &str, lang: &str, text: &str, source: &str) -> FaqEntry {
        FaqEntry {
            key: key.into(),
            lang: lang.into(),
            variants: vec![text.into()],
            source: source.into(),
        }
    }

    #[tokio::test]
    async fn seeding_never_overwrites_author_entries() {
        let store = MemoryStore::new();
        store
            .put_faq(&[entry("bill", "fr", "écrit à la main", SOURCE_AUTHOR)])
            .unwrap()
            .await
            .unwrap();
        let (report, durable) = seed_faq(
            &store,
            vec![
                entry("bill", "fr", "du corpus", "whatever"),
                entry("bill", "en", "from corpus", "whatever"),
            ],
        )
        .unwrap();
        durable.await.unwrap();
        assert_eq!(
            report,
            SeedReport {
                written: 1,
                kept_author: 1
            }
        );
        let fr = store.faq("bill", "fr").unwrap().unwrap();
        assert_eq!(fr.variants, vec!["écrit à la main"]);
        let en = store.faq("bill", "en").unwrap().unwrap();
        assert_eq!(en.source, SOURCE_CORPUS);
    }

    #[tokio::test]
    async fn reseeding_replaces_older_corpus_entries() {
        let store = MemoryStore::new();
        for text in ["v1", "v2"] {
            let (_, durable) = seed_faq(&store, vec![entry("k", "en", text, "")]).unwrap();
            durable.await.unwrap();
        }
        assert_eq!(store.faq("k", "en").unwrap().unwrap().variants, vec!["v2"]);
    }

    #[test]
    fn answers_read_through_the_store() {
        let store = MemoryStore::new();
        let answers = StoreAnswers(&store);
        assert!(answers.variants("k", Lang::En).is_empty());
        store
            .put_faq(&[entry("k", "en", "hello", SOURCE_CORPUS)])
            .unwrap()
            .wait()
            .unwrap();
        assert_eq!(answers.variants("k", Lang::En), vec!["hello"]);
        assert!(answers.variants("k", Lang::Fr).is_empty());
    }
}
