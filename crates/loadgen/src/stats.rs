//! Latency statistics: percentiles over every recorded round trip, and medians over runs.
//!
//! Samples are kept whole and sorted once at the end rather than bucketed in a histogram: a
//! 30 s run at tens of thousands of turns per second is a few megabytes, and exact percentiles
//! are easier to trust than bucket bounds.

use std::time::Duration;

use serde::Serialize;

/// Percentiles of a set of round-trip times, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub(crate) struct LatencySummary {
    /// Number of round trips measured.
    pub(crate) samples: u64,
    /// Median.
    pub(crate) p50_us: u64,
    /// 90th percentile.
    pub(crate) p90_us: u64,
    /// 99th percentile.
    pub(crate) p99_us: u64,
    /// Slowest round trip.
    pub(crate) max_us: u64,
}

impl LatencySummary {
    /// Summarises `samples` (any order; sorted in place). All zero when empty.
    pub(crate) fn from_samples(samples: &mut [Duration]) -> Self {
        samples.sort_unstable();
        let micros = |p: f64| percentile(samples, p).map_or(0, duration_us);
        LatencySummary {
            samples: samples.len() as u64,
            p50_us: micros(50.0),
            p90_us: micros(90.0),
            p99_us: micros(99.0),
            max_us: samples.last().copied().map_or(0, duration_us),
        }
    }
}

/// The nearest-rank `p`th percentile (0 < p <= 100) of `sorted`: the smallest sample that at
/// least `p` percent of the samples do not exceed. `None` when there are no samples.
pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    Some(sorted[index])
}

/// Whole microseconds of `d`, rounded to nearest.
pub(crate) fn duration_us(d: Duration) -> u64 {
    ((d.as_nanos() + 500) / 1_000) as u64
}

/// The median of `values` (the mean of the two middle values for an even count); `None` when
/// empty. NaNs are not expected and sort last.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn nearest_rank_percentiles_of_one_to_a_hundred() {
        let sorted = ms(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 90.0), Some(Duration::from_millis(90)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&sorted, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&sorted, 0.1), Some(Duration::from_millis(1)));
    }

    #[test]
    fn percentile_rounds_the_rank_up() {
        let sorted = ms(&[10, 20, 30]);
        // 50% of 3 samples is rank 1.5, so the second sample.
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(20)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(30)));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn summary_sorts_unordered_samples() {
        let mut samples = ms(&[5, 1, 4, 2, 3]);
        let summary = LatencySummary::from_samples(&mut samples);
        assert_eq!(summary.samples, 5);
        assert_eq!(summary.p50_us, 3_000);
        assert_eq!(summary.p90_us, 5_000);
        assert_eq!(summary.max_us, 5_000);
    }

    #[test]
    fn summary_of_nothing_is_zero() {
        assert_eq!(
            LatencySummary::from_samples(&mut []),
            LatencySummary::default()
        );
    }

    #[test]
    fn microseconds_round_to_nearest() {
        assert_eq!(duration_us(Duration::from_nanos(1_499)), 1);
        assert_eq!(duration_us(Duration::from_nanos(1_500)), 2);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
    }
}
