//! Grouping inbox items by similarity: the same question asked in several ways counts once,
//! with how often it was asked.
//!
//! Texts are compared as sets of normalised words (relais-nlu's normaliser: case, accents,
//! elisions, punctuation) with the Jaccard index; an item joins the most similar group at or
//! above the threshold, else starts one. Groups are formed in arrival order and each is
//! named by its oldest item's id, so a group keeps its id as long as that item stays open.
//! Advisors' FAQ flags hold answers, not questions: they never share a group with questions.

use std::collections::{BTreeMap, BTreeSet};

use relais_store::{InboxItem, InboxKind};
use serde::Serialize;

/// Most distinct texts a group shows.
const MAX_SHOWN: usize = 5;

/// Similar items, counted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Group {
    /// The group's id: its oldest item's id.
    pub(crate) item: u64,
    /// How many items it holds.
    pub(crate) count: usize,
    /// The oldest item's text (untrusted).
    pub(crate) text: String,
    /// Whether it holds advisors' FAQ flags (answers) rather than customer questions.
    pub(crate) flag: bool,
    /// Items per reason (`fallback`, `rejected_clarification`, `takeover`, `flag_faq`).
    pub(crate) kinds: BTreeMap<String, usize>,
    /// Languages seen, most frequent first.
    pub(crate) langs: Vec<String>,
    /// Up to five distinct texts, oldest first.
    pub(crate) texts: Vec<String>,
    /// Every item's id.
    pub(crate) ids: Vec<u64>,
    /// When the latest item arrived, milliseconds since the Unix epoch.
    pub(crate) last_ms: u64,
}

/// The words of `text` that carry meaning, normalised.
fn words(text: &str) -> BTreeSet<String> {
    relais_nlu::normalize::normalize(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !matches!(*w, "?" | "!"))
        .map(str::to_owned)
        .collect()
}

/// `|a ∩ b| / |a ∪ b|`; two empty sets are identical.
fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

fn kind_name(kind: InboxKind) -> String {
    match kind {
        InboxKind::Fallback => "fallback",
        InboxKind::RejectedClarification => "rejected_clarification",
        InboxKind::Takeover => "takeover",
        InboxKind::FlagFaq => "flag_faq",
    }
    .to_owned()
}

/// Groups `items` (any order) at Jaccard `threshold`; most frequent group first, then oldest.
pub(crate) fn group(items: &[InboxItem], threshold: f64) -> Vec<Group> {
    let mut sorted: Vec<&InboxItem> = items.iter().collect();
    sorted.sort_by_key(|item| item.id);
    let mut groups: Vec<(BTreeSet<String>, Group, BTreeMap<String, usize>)> = Vec::new();
    for item in sorted {
        let flag = item.item.kind == InboxKind::FlagFaq;
        let own = words(&item.item.text);
        let best = groups
            .iter()
            .enumerate()
            .filter(|(_, (_, g, _))| g.flag == flag)
            .map(|(i, (w, _, _))| (i, jaccard(w, &own)))
            .filter(|&(_, score)| score >= threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        let index = match best {
            Some((i, _)) => i,
            None => {
                let fresh = Group {
                    item: item.id,
                    count: 0,
                    text: item.item.text.clone(),
                    flag,
                    kinds: BTreeMap::new(),
                    langs: Vec::new(),
                    texts: Vec::new(),
                    ids: Vec::new(),
                    last_ms: 0,
                };
                groups.push((own, fresh, BTreeMap::new()));
                groups.len() - 1
            }
        };
        let (_, group, langs) = &mut groups[index];
        group.count += 1;
        *group.kinds.entry(kind_name(item.item.kind)).or_default() += 1;
        if let Some(lang) = &item.item.lang {
            *langs.entry(lang.clone()).or_default() += 1;
        }
        if group.texts.len() < MAX_SHOWN && !group.texts.contains(&item.item.text) {
            group.texts.push(item.item.text.clone());
        }
        group.ids.push(item.id);
        group.last_ms = group.last_ms.max(item.created_ms);
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|(_, mut group, langs)| {
            let mut langs: Vec<(String, usize)> = langs.into_iter().collect();
            langs.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            group.langs = langs.into_iter().map(|(lang, _)| lang).collect();
            group
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.item.cmp(&b.item)));
    out
}

#[cfg(test)]
mod tests {
    use relais_store::{InboxStatus, NewInboxItem};

    use super::*;

    fn item(id: u64, kind: InboxKind, text: &str, lang: &str) -> InboxItem {
        InboxItem {
            id,
            created_ms: id * 10,
            status: InboxStatus::Open,
            item: NewInboxItem {
                kind,
                text: text.to_owned(),
                lang: Some(lang.to_owned()),
                conversation: None,
                agent: None,
            },
        }
    }

    #[test]
    fn rephrasings_group_together_and_the_most_frequent_comes_first() {
        let items = vec![
            item(5, InboxKind::Fallback, "Quel temps fait-il ?", "fr"),
            item(1, InboxKind::Fallback, "Où est mon colis ?", "fr"),
            item(2, InboxKind::Takeover, "ou est mon COLIS", "fr"),
            item(3, InboxKind::Fallback, "où est donc mon colis", "en"),
            item(4, InboxKind::FlagFaq, "où est mon colis", "fr"),
        ];
        let groups = group(&items, 0.6);
        assert_eq!(groups.len(), 3);
        let first = &groups[0];
        assert_eq!((first.item, first.count), (1, 3));
        assert_eq!(first.ids, [1, 2, 3]);
        assert_eq!(first.text, "Où est mon colis ?");
        assert_eq!(first.langs, ["fr", "en"]);
        assert_eq!(first.kinds["fallback"], 2);
        assert_eq!(first.kinds["takeover"], 1);
        assert_eq!(first.last_ms, 30);
        // The flag has the same words but is an answer: a group of its own.
        assert!(groups.iter().any(|g| g.flag && g.ids == [4]));
        assert!(groups.iter().any(|g| !g.flag && g.ids == [5]));
    }

    #[test]
    fn a_higher_threshold_splits_what_a_lower_one_joins() {
        let items = vec![
            item(1, InboxKind::Fallback, "résilier mon contrat", "fr"),
            item(
                2,
                InboxKind::Fallback,
                "résilier mon contrat internet",
                "fr",
            ),
        ];
        assert_eq!(group(&items, 0.5).len(), 1);
        assert_eq!(group(&items, 0.9).len(), 2);
    }
}
