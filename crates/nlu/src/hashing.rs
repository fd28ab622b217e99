//! Stable 64-bit hashes of feature texts, and maps keyed by such hashes.
//!
//! Features and known words are looked up by a hash of their text rather than by the text, so a
//! match builds no strings. The hash is FNV-1a with a SplitMix64 finaliser: fixed (no per-process
//! seed, so training is reproducible) and well mixed, which lets the maps use the hash itself as
//! their bucket hash. At the vocabulary sizes of intent corpora (around a million features at
//! most) a 64-bit collision is vanishingly unlikely.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map keyed by an already-mixed 64-bit hash.
pub(crate) type IdMap<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// An empty [`IdMap`].
pub(crate) fn new_id_map<V>() -> IdMap<V> {
    IdMap::default()
}

/// Hashes `text` under a `seed` that separates namespaces (feature kinds).
pub(crate) fn hash_str(seed: u64, text: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325_u64 ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for &b in text.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix(h)
}

/// Combines two hashes in order (`combine(s, a, b) != combine(s, b, a)`).
pub(crate) fn combine(seed: u64, a: u64, b: u64) -> u64 {
    mix(a.rotate_left(29) ^ b.wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ seed)
}

/// The SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hasher that passes an already-mixed `u64` key through.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are used; other writes still hash correctly, just slower.
        for &b in bytes {
            self.0 = mix(self.0 ^ u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_separated_by_seed() {
        assert_eq!(hash_str(1, "abonn"), hash_str(1, "abonn"));
        assert_ne!(hash_str(1, "abonn"), hash_str(2, "abonn"));
        assert_ne!(hash_str(1, "abonn"), hash_str(1, "abon"));
        assert_ne!(combine(2, 10, 20), combine(2, 20, 10));
    }
}
