//! A small seeded pseudo-random generator (SplitMix64), so a crash run's schedule can be
//! replayed from the seed it prints. Not for anything secret.

use std::time::Duration;

/// SplitMix64: 64 bits of state, passes BigCrush, two lines of arithmetic per draw.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A duration drawn uniformly from `low..=high` (at millisecond resolution; `low` when
    /// the range is empty).
    pub(crate) fn duration_between(&mut self, low: Duration, high: Duration) -> Duration {
        let span_ms = high.saturating_sub(low).as_millis();
        let span_ms = u64::try_from(span_ms).unwrap_or(u64::MAX);
        let offset = match span_ms.checked_add(1) {
            Some(choices) => self.next_u64() % choices,
            None => self.next_u64(),
        };
        low + Duration::from_millis(offset)
    }
}
