//! Calibration: turning raw class scores into confidences in `[0, 1]`.
//!
//! Confidences are a softmax over the raw scores divided by a temperature. The temperature is
//! fitted on held-out data (cross-validation folds of the training set) by minimising the
//! negative log-likelihood of the true class, so that a confidence of 0.8 is right about 80 % of
//! the time on unseen text. One scalar keeps the ranking intact and cannot overfit.

use std::f64::consts::{LN_2, LN_10};

/// Writes `softmax(scores / temperature)` to `out`.
pub(crate) fn softmax(scores: &[f32], temperature: f32, out: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for (o, &s) in out.iter_mut().zip(scores) {
        *o = ((s - max) / temperature).exp();
        sum += *o;
    }
    if sum > 0.0 && sum.is_finite() {
        out.iter_mut().for_each(|o| *o /= sum);
    } else {
        // Only reachable with non-finite scores; fall back to a uniform distribution.
        let uniform = 1.0 / out.len().max(1) as f32;
        out.iter_mut().for_each(|o| *o = uniform);
    }
}

/// Range searched for the temperature, on a log scale: 0.1 to 20.
///
/// The floor matters for small corpora: when every held-out example is classified with room to
/// spare, the likelihood keeps improving as the temperature goes to zero, which would make every
/// answer, even to unrelated text, look certain. At 0.1 a raw-score lead of 0.23 (a quarter of
/// the SVM margin) already means 10:1 odds; the public datasets all fit above it (0.13 to 0.18).
const LOG_T_RANGE: (f64, f64) = (-LN_10, LN_2 + LN_10);

/// The temperature minimising the mean negative log-likelihood of `labels` under
/// `softmax(scores / t)`; `scores` holds one row of `n_classes` scores per label.
pub(crate) fn fit_temperature(scores: &[f32], labels: &[u32], n_classes: usize) -> f32 {
    let nll = |log_t: f64| -> f64 {
        let inv_t = (-log_t).exp() as f32;
        let mut total = 0.0f64;
        for (row, &label) in scores.chunks_exact(n_classes).zip(labels) {
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let sum: f32 = row.iter().map(|&s| ((s - max) * inv_t).exp()).sum();
            total += f64::from(sum.ln() - (row[label as usize] - max) * inv_t);
        }
        total / labels.len().max(1) as f64
    };
    // The NLL is unimodal in log t for a fixed ranking: golden-section search.
    let (mut a, mut b) = LOG_T_RANGE;
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (nll(c), nll(d));
    // 24 steps shrink the range by 0.618^24: a relative precision of about 1e-4 on t.
    for _ in 0..24 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = nll(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = nll(d);
        }
    }
    ((a + b) / 2.0).exp() as f32
}

#[cfg(test)]
mod tests {
    //! Properties checked:
    //! 1. confidences are in `[0, 1]` and sum to 1, even for extreme scores;
    //! 2. the fitted temperature sharpens when scores are reliable and flattens when not, and
    //!    never goes below its floor.

    use super::*;

    #[test]
    fn confidences_stay_in_unit_interval() {
        let mut out = [0.0; 4];
        for scores in [
            [1.0, -1.0, 0.5, 0.0],
            [1e30, -1e30, 0.0, 3.0],
            [-5.0, -5.0, -5.0, -5.0],
            [f32::MAX, f32::MIN, 0.0, 1.0],
        ] {
            for t in [1e-3, 0.1, 1.0, 50.0] {
                softmax(&scores, t, &mut out);
                assert!(out.iter().all(|p| (0.0..=1.0).contains(p)), "{out:?}");
                assert!((out.iter().sum::<f32>() - 1.0).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn temperature_follows_reliability() {
        // Right 3 times out of 3: a sharp (small) temperature fits best.
        let reliable = [1.0, -1.0, 0.8, -1.0, 0.9, -1.0];
        let t_reliable = fit_temperature(&reliable, &[0, 0, 0], 2);
        // Right 2 times out of 4 with the same margins: a flat (large) temperature fits best.
        let unreliable = [1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0];
        let t_unreliable = fit_temperature(&unreliable, &[0, 0, 1, 0], 2);
        assert!(t_reliable < 0.2, "{t_reliable}");
        assert!(t_reliable >= 0.099, "the floor holds: {t_reliable}");
        assert!(t_unreliable > 1.0, "{t_unreliable}");
    }
}
