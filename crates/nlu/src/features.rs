//! Features: from analysed terms to a sparse, L2-normalised TF-IDF vector.
//!
//! Feature kinds are stemmed words, stemmed bigrams, character n-grams of the folded word (typo
//! and morphology robustness) and signals (`?`, `!`, currency signs, emoji). Every feature is
//! identified by a 64-bit hash of its kind and text, so matching allocates no feature strings;
//! the vocabulary keeps each kept feature's name for explanations. Words seen in training are
//! cached in a lexicon with their feature ids already resolved, so a match only stems and
//! n-grams words the corpus never saw.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::analysis::{Stemmers, Term};
use crate::hashing::{IdMap, combine, hash_str, new_id_map};
use crate::lang::Lang;
use crate::normalize::TokenKind;

/// Character n-gram lengths, taken within the word and its boundary markers `<` and `>`.
const CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 2..=4;

/// What a feature is; part of its hash and of its explanation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A stemmed word.
    Stem,
    /// A word as written (folded), or a number.
    Word,
    /// Two consecutive stemmed words (numbers as `#`).
    Bigram,
    /// A character n-gram of a folded word.
    Chars,
    /// `?`, `!`, a currency sign or an emoji.
    Signal,
}

impl Kind {
    /// The name used in explanations.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Stem => "stem",
            Kind::Word => "word",
            Kind::Bigram => "bigram",
            Kind::Chars => "chars",
            Kind::Signal => "signal",
        }
    }

    fn seed(self) -> u64 {
        match self {
            Kind::Stem => 1,
            Kind::Bigram => 2,
            Kind::Chars => 3,
            Kind::Signal => 4,
            Kind::Word => 5,
        }
    }
}

/// Feature weighting options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FeatureOptions {
    /// Features seen in fewer training documents are dropped.
    pub(crate) min_df: u32,
    /// Scale of character n-gram features relative to word features, before normalisation.
    pub(crate) char_weight: f32,
}

/// A sparse vector: sorted feature ids and their values.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct SparseVec {
    pub(crate) ids: Vec<u32>,
    pub(crate) values: Vec<f32>,
}

/// A word the corpus knows, with its feature ids resolved.
#[derive(Debug)]
struct LexEntry {
    /// Hash of the stem per language ([`Lang::ALL`] order), for bigrams.
    stem_hash: [u64; 2],
    /// Feature id of the stem per language, when kept in the vocabulary.
    stem_id: [Option<u32>; 2],
    /// Feature ids of the word as written and of its character n-grams, with repeats.
    spelling: Box<[u32]>,
}

/// The trained feature space: vocabulary, IDF weights and lexicon of known words.
#[derive(Debug)]
pub(crate) struct Featurizer {
    ids: IdMap<u32>,
    names: Vec<(Kind, Box<str>)>,
    idf: Vec<f32>,
    lexicon: IdMap<LexEntry>,
    /// Known words and how many training documents hold them, in first-seen order.
    words: Vec<(Box<str>, u32)>,
    options: FeatureOptions,
}

/// Receives the features of one document.
trait Sink {
    /// One occurrence of a feature; `name` is only called by sinks that need it.
    fn emit(&mut self, kind: Kind, hash: u64, name: &dyn Fn() -> String);
}

/// A document's terms as the featurizer needs them.
pub(crate) struct Doc<'a> {
    /// Terms after typo correction and synonym rewriting.
    pub(crate) terms: &'a [Term],
    /// Language used for stemming.
    pub(crate) lang: Lang,
}

impl Featurizer {
    /// Builds the vocabulary, IDF weights and lexicon from the training documents.
    pub(crate) fn fit(docs: &[Doc<'_>], stemmers: &Stemmers, options: FeatureOptions) -> Self {
        struct Counter {
            seen: IdMap<usize>,
            order: Vec<(u64, Kind, String, u32)>,
            in_doc: IdMap<()>,
        }
        impl Sink for Counter {
            fn emit(&mut self, kind: Kind, hash: u64, name: &dyn Fn() -> String) {
                if self.in_doc.insert(hash, ()).is_some() {
                    return;
                }
                match self.seen.entry(hash) {
                    Entry::Occupied(e) => self.order[*e.get()].3 += 1,
                    Entry::Vacant(e) => {
                        e.insert(self.order.len());
                        self.order.push((hash, kind, name(), 1));
                    }
                }
            }
        }
        let mut counter = Counter {
            seen: new_id_map(),
            order: Vec::new(),
            in_doc: new_id_map(),
        };
        let mut words: Vec<(Box<str>, u32)> = Vec::new();
        let mut word_index: HashMap<&str, usize> = HashMap::new();
        for doc in docs {
            counter.in_doc.clear();
            emit_doc(doc, stemmers, &mut counter);
            let mut in_doc: Vec<&str> = Vec::new();
            for term in doc.terms.iter().filter(|t| t.kind == TokenKind::Word) {
                if in_doc.contains(&term.key.as_str()) {
                    continue;
                }
                in_doc.push(&term.key);
                match word_index.entry(&term.key) {
                    std::collections::hash_map::Entry::Occupied(e) => words[*e.get()].1 += 1,
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(words.len());
                        words.push((term.key.as_str().into(), 1));
                    }
                }
            }
        }
        let n_docs = docs.len() as f32;
        let mut ids = new_id_map();
        let mut names = Vec::new();
        let mut idf = Vec::new();
        for (hash, kind, name, df) in counter.order {
            if df < options.min_df {
                continue;
            }
            ids.insert(hash, names.len() as u32);
            names.push((kind, name.into_boxed_str()));
            idf.push(((1.0 + n_docs) / (1.0 + df as f32)).ln() + 1.0);
        }
        let mut featurizer = Featurizer {
            ids,
            names,
            idf,
            lexicon: new_id_map(),
            words: Vec::new(),
            options,
        };
        for (word, _) in &words {
            let entry = featurizer.lex_entry(word, stemmers);
            featurizer.lexicon.insert(hash_str(0, word), entry);
        }
        featurizer.words = words;
        featurizer
    }

    /// The TF-IDF vector of a document, L2-normalised.
    pub(crate) fn vectorize(&self, doc: &Doc<'_>, stemmers: &Stemmers) -> SparseVec {
        self.vectorize_into(doc, stemmers, None)
    }

    /// [`Featurizer::vectorize`], also pushing each term's [`stem_key`] to `stems` (what
    /// keyword rules compare), from the stems the vector needed anyway.
    pub(crate) fn vectorize_with_stems(
        &self,
        doc: &Doc<'_>,
        stemmers: &Stemmers,
        stems: &mut Vec<u64>,
    ) -> SparseVec {
        self.vectorize_into(doc, stemmers, Some(stems))
    }

    /// Each term's [`stem_key`], known words read from the lexicon.
    pub(crate) fn stem_keys(&self, doc: &Doc<'_>, stemmers: &Stemmers) -> Vec<u64> {
        let lang = lang_index(doc.lang);
        doc.terms
            .iter()
            .map(|term| match self.known(term) {
                Some(entry) => entry.stem_hash[lang],
                None => stem_key(&term.key, doc.lang, stemmers),
            })
            .collect()
    }

    /// The lexicon entry of a word term the corpus knows.
    fn known(&self, term: &Term) -> Option<&LexEntry> {
        match term.kind {
            TokenKind::Word => self.lexicon.get(&hash_str(0, &term.key)),
            _ => None,
        }
    }

    fn vectorize_into(
        &self,
        doc: &Doc<'_>,
        stemmers: &Stemmers,
        mut stems: Option<&mut Vec<u64>>,
    ) -> SparseVec {
        let mut ids: Vec<u32> = Vec::with_capacity(doc.terms.len() * 16);
        let lang = lang_index(doc.lang);
        let mut previous: Option<u64> = None;
        let mut sink = Lookup {
            featurizer: self,
            ids: &mut ids,
        };
        for term in doc.terms {
            let (chain, stem) = match term.kind {
                TokenKind::Word => {
                    let stem = match self.lexicon.get(&hash_str(0, &term.key)) {
                        Some(entry) => {
                            sink.ids.extend(entry.stem_id[lang]);
                            sink.ids.extend_from_slice(&entry.spelling);
                            entry.stem_hash[lang]
                        }
                        None => emit_word(&term.key, doc.lang, stemmers, &mut sink).0,
                    };
                    (Some(stem), Some(stem))
                }
                _ => (emit_term(term, &mut sink).map(|(hash, _)| hash), None),
            };
            if let Some(stems) = stems.as_deref_mut() {
                // A number or a sign is "stemmed" only for keywords, which may hold them.
                stems.push(stem.unwrap_or_else(|| stem_key(&term.key, doc.lang, stemmers)));
            }
            if let (Some(a), Some(b)) = (previous, chain) {
                emit_bigram(a, b, &|| String::new(), &mut sink);
            }
            previous = chain;
        }
        self.weigh(ids)
    }

    /// The kind and text of a feature, for explanations.
    pub(crate) fn name(&self, id: u32) -> (Kind, &str) {
        let (kind, name) = &self.names[id as usize];
        (*kind, name)
    }

    /// How many features the vocabulary keeps.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// Feature ids of `word` as written and of its character n-grams (known or not).
    pub(crate) fn spelling_ids(&self, word: &str) -> Vec<u32> {
        if let Some(entry) = self.lexicon.get(&hash_str(0, word)) {
            return entry.spelling.to_vec();
        }
        let mut ids = Vec::new();
        emit_spelling(
            word,
            &mut Lookup {
                featurizer: self,
                ids: &mut ids,
            },
        );
        ids
    }

    /// Known words with the number of training documents holding them, in first-seen order.
    pub(crate) fn words(&self) -> &[(Box<str>, u32)] {
        &self.words
    }

    fn lex_entry(&self, word: &str, stemmers: &Stemmers) -> LexEntry {
        let mut stem_hash = [0; 2];
        let mut stem_id = [None; 2];
        let mut spelling = Vec::new();
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            let mut ids = Vec::new();
            let mut sink = Lookup {
                featurizer: self,
                ids: &mut ids,
            };
            stem_hash[i] = emit_stem(word, lang, stemmers, &mut sink).0;
            stem_id[i] = ids.first().copied();
        }
        let mut sink = Lookup {
            featurizer: self,
            ids: &mut spelling,
        };
        emit_spelling(word, &mut sink);
        LexEntry {
            stem_hash,
            stem_id,
            spelling: spelling.into_boxed_slice(),
        }
    }

    /// Sublinear TF times IDF, char n-grams scaled, then L2 normalisation.
    fn weigh(&self, mut ids: Vec<u32>) -> SparseVec {
        ids.sort_unstable();
        let mut out = SparseVec {
            ids: Vec::with_capacity(ids.len()),
            values: Vec::with_capacity(ids.len()),
        };
        let mut i = 0;
        while i < ids.len() {
            let id = ids[i];
            let run = ids[i..].iter().take_while(|&&x| x == id).count();
            let scale = match self.names[id as usize].0 {
                Kind::Chars => self.options.char_weight,
                _ => 1.0,
            };
            out.ids.push(id);
            out.values
                .push((1.0 + (run as f32).ln()) * self.idf[id as usize] * scale);
            i += run;
        }
        let norm = out.values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            out.values.iter_mut().for_each(|v| *v /= norm);
        }
        out
    }
}

/// What a term is compared by in keyword rules: the hash of its stem in `lang`, the same
/// hash as its stem feature's (so a known word's comes precomputed from the lexicon).
pub(crate) fn stem_key(word: &str, lang: Lang, stemmers: &Stemmers) -> u64 {
    hash_str(Kind::Stem.seed(), &stemmers.stem(lang, word))
}

/// A sink resolving hashes to vocabulary ids, ignoring unknown features.
struct Lookup<'a> {
    featurizer: &'a Featurizer,
    ids: &'a mut Vec<u32>,
}

impl Sink for Lookup<'_> {
    fn emit(&mut self, _kind: Kind, hash: u64, _name: &dyn Fn() -> String) {
        if let Some(&id) = self.featurizer.ids.get(&hash) {
            self.ids.push(id);
        }
    }
}

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Fr => 0,
        Lang::En => 1,
    }
}

/// Emits every feature of a document (the slow path, used to build the vocabulary).
fn emit_doc(doc: &Doc<'_>, stemmers: &Stemmers, sink: &mut dyn Sink) {
    let mut previous: Option<(u64, String)> = None;
    for term in doc.terms {
        let chain = match term.kind {
            TokenKind::Word => Some(emit_word(&term.key, doc.lang, stemmers, sink)),
            _ => emit_term(term, sink),
        };
        if let (Some((a, name_a)), Some((b, name_b))) = (&previous, &chain) {
            emit_bigram(*a, *b, &|| format!("{name_a} {name_b}"), sink);
        }
        previous = chain;
    }
}

/// Emits the stem, spelling and character n-grams of a word; returns the stem's hash and text.
fn emit_word(word: &str, lang: Lang, stemmers: &Stemmers, sink: &mut dyn Sink) -> (u64, String) {
    let stem = emit_stem(word, lang, stemmers, sink);
    emit_spelling(word, sink);
    stem
}

fn emit_stem(word: &str, lang: Lang, stemmers: &Stemmers, sink: &mut dyn Sink) -> (u64, String) {
    let stem = stemmers.stem(lang, word).into_owned();
    let hash = hash_str(Kind::Stem.seed(), &stem);
    sink.emit(Kind::Stem, hash, &|| stem.clone());
    (hash, stem)
}

/// Emits the word as written and its character n-grams.
fn emit_spelling(word: &str, sink: &mut dyn Sink) {
    sink.emit(Kind::Word, hash_str(Kind::Word.seed(), word), &|| {
        word.to_string()
    });
    let padded = format!("<{word}>");
    let bounds: Vec<usize> = padded
        .char_indices()
        .map(|(i, _)| i)
        .chain([padded.len()])
        .collect();
    let n_chars = bounds.len() - 1;
    for n in CHAR_NGRAMS {
        for start in 0..(n_chars + 1).saturating_sub(n) {
            let gram = &padded[bounds[start]..bounds[start + n]];
            sink.emit(Kind::Chars, hash_str(Kind::Chars.seed(), gram), &|| {
                gram.to_string()
            });
        }
    }
}

/// Emits a number or a signal; numbers also return what they contribute to bigrams (`#`).
fn emit_term(term: &Term, sink: &mut dyn Sink) -> Option<(u64, String)> {
    match term.kind {
        TokenKind::Number => {
            sink.emit(Kind::Word, hash_str(Kind::Word.seed(), &term.key), &|| {
                term.key.clone()
            });
            Some((hash_str(Kind::Stem.seed(), "#"), "#".to_string()))
        }
        _ => {
            sink.emit(
                Kind::Signal,
                hash_str(Kind::Signal.seed(), &term.key),
                &|| term.key.clone(),
            );
            None
        }
    }
}

fn emit_bigram(a: u64, b: u64, name: &dyn Fn() -> String, sink: &mut dyn Sink) {
    sink.emit(Kind::Bigram, combine(Kind::Bigram.seed(), a, b), name);
}

#[cfg(test)]
mod tests {
    //! Stem keys for keyword rules come from the featurisation pass:
    //! 1. for known words, unknown words, numbers and signs they are each term's own stem hash;
    //! 2. collecting them changes nothing in the vector.

    use super::*;
    use crate::analysis::Analyzer;
    use crate::synonyms::Synonyms;

    #[test]
    fn stem_keys_are_each_terms_stem_hash_and_leave_the_vector_alone() {
        let analyzer = Analyzer::new(Synonyms::new(&[]), Lang::Fr);
        let training = ["mes factures sont trop chères", "résilier mon abonnement"];
        let analyses: Vec<_> = training
            .iter()
            .map(|text| analyzer.analyze(text, Some(Lang::Fr), None))
            .collect();
        let docs: Vec<Doc<'_>> = analyses
            .iter()
            .map(|a| Doc {
                terms: &a.terms,
                lang: a.lang,
            })
            .collect();
        let options = FeatureOptions {
            min_df: 1,
            char_weight: 0.45,
        };
        let featurizer = Featurizer::fit(&docs, &analyzer.stemmers, options);
        for lang in Lang::ALL {
            // Known words, an unknown one, a number and signs.
            let analysis =
                analyzer.analyze("Factures 15 € abonnements inconnus ?", Some(lang), None);
            let doc = Doc {
                terms: &analysis.terms,
                lang,
            };
            let expected: Vec<u64> = analysis
                .terms
                .iter()
                .map(|t| hash_str(Kind::Stem.seed(), &analyzer.stemmers.stem(lang, &t.key)))
                .collect();
            assert_eq!(expected.len(), 6, "{:?}", analysis.terms);
            let mut stems = Vec::new();
            let x = featurizer.vectorize_with_stems(&doc, &analyzer.stemmers, &mut stems);
            assert_eq!(stems, expected, "{lang:?}");
            assert_eq!(featurizer.stem_keys(&doc, &analyzer.stemmers), expected);
            assert_eq!(x, featurizer.vectorize(&doc, &analyzer.stemmers));
        }
    }
}
