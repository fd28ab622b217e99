//! Picking the next variant of a line or answer so that the same text never comes twice in a
//! row, deterministically (the variant after the last one used, skipping unusable ones).

use std::collections::BTreeMap;

/// The index of the variant to use for `key` among `count` variants, of which only those for
/// which `usable` holds qualify; `None` when none does. Records the choice in `last`.
///
/// Starting after the last index used guarantees a different variant whenever a second usable
/// one exists. Indices are taken modulo `count`, so a variant list that shrank (corpus edited
/// between turns) is handled.
pub(crate) fn pick(
    last: &mut BTreeMap<String, u32>,
    key: &str,
    count: usize,
    usable: impl Fn(usize) -> bool,
) -> Option<usize> {
    let start = last.get(key).map_or(0, |&i| i as usize + 1);
    let index = (0..count)
        .map(|offset| (start + offset) % count)
        .find(|&i| usable(i))?;
    // Variant lists are short (a handful of texts), so the index always fits.
    last.insert(key.to_string(), u32::try_from(index).unwrap_or(u32::MAX));
    Some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_through_variants_without_immediate_repeat() {
        let mut last = BTreeMap::new();
        let picks: Vec<_> = (0..5).map(|_| pick(&mut last, "k", 3, |_| true)).collect();
        assert_eq!(picks, [Some(0), Some(1), Some(2), Some(0), Some(1)]);
    }

    #[test]
    fn skips_unusable_variants_and_keys_are_independent() {
        let mut last = BTreeMap::new();
        assert_eq!(pick(&mut last, "a", 3, |i| i != 1), Some(0));
        assert_eq!(pick(&mut last, "a", 3, |i| i != 1), Some(2));
        assert_eq!(pick(&mut last, "b", 3, |_| true), Some(0));
        assert_eq!(pick(&mut last, "a", 3, |i| i != 1), Some(0));
        assert_eq!(pick(&mut last, "a", 3, |_| false), None);
    }

    #[test]
    fn a_single_usable_variant_is_reused() {
        let mut last = BTreeMap::new();
        assert_eq!(pick(&mut last, "k", 2, |i| i == 1), Some(1));
        assert_eq!(pick(&mut last, "k", 2, |i| i == 1), Some(1));
    }

    #[test]
    fn survives_a_shrunken_variant_list() {
        let mut last = BTreeMap::from([("k".to_string(), 7)]);
        assert_eq!(pick(&mut last, "k", 2, |_| true), Some(0));
    }
}
