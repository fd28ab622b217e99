//! Fixed-bucket duration histograms: queue waits and advisor response times.
//!
//! Fixed buckets keep a day's aggregate small and make merging a sum, at the price of
//! percentiles that are bucket bounds rather than exact values: the p50 reported is the upper
//! bound of the bucket holding the median (never more than the longest duration seen), so
//! "p50 30 s" reads "half waited 30 s or less".

use serde::{Deserialize, Serialize};

/// Upper bounds of the buckets, in seconds; one more bucket holds everything longer.
pub(crate) const BOUNDS_S: [u64; 14] = [
    5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600,
];

/// Counts of durations per bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DurationHistogram {
    /// Durations per bucket: `counts[i]` for durations up to `BOUNDS_S[i]`, the last for longer.
    counts: [u64; BOUNDS_S.len() + 1],
    /// The longest duration recorded, in milliseconds.
    max_ms: u64,
}

impl DurationHistogram {
    /// Counts one duration.
    pub(crate) fn record(&mut self, ms: u64) {
        let bucket = BOUNDS_S
            .iter()
            .position(|bound| ms <= bound * 1000)
            .unwrap_or(BOUNDS_S.len());
        self.counts[bucket] += 1;
        self.max_ms = self.max_ms.max(ms);
    }

    /// Adds `other`'s durations.
    pub(crate) fn merge(&mut self, other: &DurationHistogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        self.max_ms = self.max_ms.max(other.max_ms);
    }

    /// How many durations were recorded.
    pub(crate) fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `q` quantile (0 < q <= 1) in whole seconds, as the upper bound of its bucket capped
    /// by the longest duration seen; `None` when nothing was recorded.
    pub(crate) fn quantile_s(&self, q: f64) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        // The rank of the quantile, 1-based: the smallest n with n >= q * total.
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let max_s = self.max_ms.div_ceil(1000);
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                let bound = BOUNDS_S.get(bucket).copied().unwrap_or(max_s);
                return Some(bound.min(max_s));
            }
        }
        Some(max_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(ms: &[u64]) -> DurationHistogram {
        let mut histogram = DurationHistogram::default();
        for &ms in ms {
            histogram.record(ms);
        }
        histogram
    }

    #[test]
    fn empty_has_no_quantiles() {
        assert_eq!(DurationHistogram::default().quantile_s(0.5), None);
    }

    #[test]
    fn quantiles_are_bucket_bounds() {
        // 10 waits: 4 in (0,5], 3 in (10,20], 2 in (30,45], 1 in (300,600].
        let h = of(&[
            1_000, 2_000, 3_000, 5_000, 11_000, 15_000, 20_000, 31_000, 44_000, 400_000,
        ]);
        assert_eq!(h.count(), 10);
        // p50: rank 5 falls in the (10,20] bucket.
        assert_eq!(h.quantile_s(0.5), Some(20));
        // p90: rank 9 falls in (30,45].
        assert_eq!(h.quantile_s(0.9), Some(45));
        // p100: rank 10 is the 400 s wait, whose bucket bound 600 is capped by the max.
        assert_eq!(h.quantile_s(1.0), Some(400));
        // p40: rank 4 is the last of the first bucket.
        assert_eq!(h.quantile_s(0.4), Some(5));
    }

    #[test]
    fn a_single_short_duration_is_its_own_quantile() {
        assert_eq!(of(&[7_200]).quantile_s(0.5), Some(8));
    }

    #[test]
    fn durations_past_the_last_bound_report_the_max() {
        assert_eq!(of(&[7_200_000]).quantile_s(0.9), Some(7_200));
    }

    #[test]
    fn merging_equals_recording_everything_in_one() {
        let mut merged = of(&[1_000, 50_000]);
        merged.merge(&of(&[90_000, 4_000_000]));
        assert_eq!(merged, of(&[1_000, 50_000, 90_000, 4_000_000]));
    }
}
