//! Training: one-vs-rest linear SVMs (L2-regularised, squared hinge loss) by dual coordinate
//! descent, as in LIBLINEAR (Hsieh et al., 2008).
//!
//! Unlike LIBLINEAR, which solves one class after another, every pass visits each example once
//! for all classes: one sparse-dense product with the feature-major weights gives the example's
//! score for every class (contiguous, vectorisable), then each class whose dual variable moves
//! updates its column. A class stops moving once its projected gradient range is below `eps`.
//! Classes are independent, so they are split into blocks trained on separate threads, and the
//! result does not depend on the number of threads.
//!
//! Deterministic: the visiting order of each pass comes from a xorshift generator with a fixed
//! seed, identical for every block, so the same data always gives bit-identical weights.

use std::ops::Range;

use super::LinearModel;
use crate::features::SparseVec;

/// Solver options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SvmOptions {
    /// Inverse regularisation strength.
    pub(crate) c: f32,
    /// Multiplier of `c` for a class' own examples.
    pub(crate) positive_weight: f32,
    /// Stopping tolerance on the projected gradient.
    pub(crate) eps: f32,
    /// Cap on passes over the data.
    pub(crate) max_passes: usize,
    /// Value of the constant feature that carries the bias.
    pub(crate) bias: f32,
}

/// The training set, shared by every block.
#[derive(Clone, Copy)]
struct Problem<'a> {
    xs: &'a [&'a SparseVec],
    labels: &'a [u32],
    n_features: usize,
    options: SvmOptions,
}

/// Trains one binary SVM per class on `xs` (labels: class indices).
pub(crate) fn train(
    xs: &[&SparseVec],
    labels: &[u32],
    n_classes: usize,
    n_features: usize,
    options: SvmOptions,
) -> LinearModel {
    let problem = Problem {
        xs,
        labels,
        n_features,
        options,
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, n_classes.max(1));
    let per = n_classes.div_ceil(threads.max(1)).max(1);
    let blocks: Vec<Range<usize>> = (0..n_classes)
        .step_by(per)
        .map(|lo| lo..(lo + per).min(n_classes))
        .collect();
    let trained: Vec<Block> = std::thread::scope(|scope| {
        let handles: Vec<_> = blocks
            .iter()
            .map(|range| {
                let range = range.clone();
                scope.spawn(move || train_block(problem, range))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut weights = vec![0.0f32; n_features * n_classes];
    let mut bias = vec![0.0f32; n_classes];
    for block in trained {
        let width = block.classes.len();
        for feature in 0..n_features {
            let from = &block.weights[feature * width..(feature + 1) * width];
            weights[feature * n_classes + block.classes.start..][..width].copy_from_slice(from);
        }
        bias[block.classes.clone()].copy_from_slice(&block.bias);
    }
    LinearModel {
        n_classes,
        weights,
        bias,
    }
}

/// The weights of a range of classes, feature-major within the block.
struct Block {
    classes: Range<usize>,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// Dual coordinate descent for the classes in `classes`, each against all other examples.
fn train_block(problem: Problem<'_>, classes: Range<usize>) -> Block {
    let Problem {
        xs,
        labels,
        n_features,
        options,
    } = problem;
    let width = classes.len();
    let n = xs.len();
    // Squared hinge loss: the dual gets a diagonal term 1 / (2C) and no upper bound; a class'
    // own examples get a larger C.
    let diag_neg = 0.5 / options.c;
    let diag_pos = 0.5 / (options.c * options.positive_weight);
    let sq_norm: Vec<f32> = xs
        .iter()
        .map(|x| x.values.iter().map(|v| v * v).sum::<f32>() + options.bias * options.bias)
        .collect();
    let mut weights = vec![0.0f32; n_features * width];
    let mut bias_weight = vec![0.0f32; width];
    let mut alpha = vec![0.0f32; n * width];
    // Classes whose projected gradient range is still above tolerance.
    let mut active: Vec<usize> = (0..width).collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = XorShift::new(0x5eed);
    let mut scores = vec![0.0f32; width];
    let mut pg_max = vec![0.0f32; width];
    let mut pg_min = vec![0.0f32; width];
    for _ in 0..options.max_passes {
        for s in 0..n {
            let j = s + rng.below(n - s);
            order.swap(s, j);
        }
        pg_max.fill(f32::NEG_INFINITY);
        pg_min.fill(f32::INFINITY);
        // Few active classes: gather their weights only instead of whole rows.
        let dense = active.len() * 4 >= width;
        for &i in &order {
            let x = xs[i];
            if dense {
                for (score, &b) in scores.iter_mut().zip(&bias_weight) {
                    *score = b * options.bias;
                }
                for (&f, &v) in x.ids.iter().zip(&x.values) {
                    let row = &weights[f as usize * width..(f as usize + 1) * width];
                    for (score, &w) in scores.iter_mut().zip(row) {
                        *score += v * w;
                    }
                }
            } else {
                for &k in &active {
                    scores[k] = bias_weight[k] * options.bias
                        + x.ids
                            .iter()
                            .zip(&x.values)
                            .map(|(&f, &v)| v * weights[f as usize * width + k])
                            .sum::<f32>();
                }
            }
            let label = labels[i] as usize;
            let alpha_i = &mut alpha[i * width..(i + 1) * width];
            for &k in &active {
                let (y, diag) = if classes.start + k == label {
                    (1.0, diag_pos)
                } else {
                    (-1.0, diag_neg)
                };
                let g = y * scores[k] - 1.0 + alpha_i[k] * diag;
                let pg = if alpha_i[k] == 0.0 { g.min(0.0) } else { g };
                pg_max[k] = pg_max[k].max(pg);
                pg_min[k] = pg_min[k].min(pg);
                if pg.abs() > 1e-12 {
                    let old = alpha_i[k];
                    alpha_i[k] = (old - g / (sq_norm[i] + diag)).max(0.0);
                    let d = (alpha_i[k] - old) * y;
                    for (&f, &v) in x.ids.iter().zip(&x.values) {
                        weights[f as usize * width + k] += d * v;
                    }
                    bias_weight[k] += d * options.bias;
                }
            }
        }
        active.retain(|&k| pg_max[k] - pg_min[k] > options.eps);
        if active.is_empty() {
            break;
        }
    }
    Block {
        classes,
        weights,
        bias: bias_weight.iter().map(|b| b * options.bias).collect(),
    }
}

/// A small deterministic generator (xorshift64*), enough for shuffling.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// A number in `0..n` (`n > 0`); the tiny modulo bias is irrelevant for shuffling.
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}
