//! The linear model: one weight per (feature, class), stored feature-major.
//!
//! A match is a sparse-dense product: for each of the utterance's few dozen features, one
//! contiguous row of class weights is added to the scores. That layout is what keeps a match
//! within microseconds with hundreds of intents.

pub(crate) mod train;

use crate::features::SparseVec;

/// Weights and biases of a one-vs-rest linear classifier.
#[derive(Clone, PartialEq)]
pub(crate) struct LinearModel {
    n_classes: usize,
    /// `weights[feature * n_classes + class]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl LinearModel {
    /// Raw scores of every class for `x`, written to `out` (length: number of classes).
    pub(crate) fn scores(&self, x: &SparseVec, out: &mut [f32]) {
        out.copy_from_slice(&self.bias);
        for (&id, &value) in x.ids.iter().zip(&x.values) {
            let start = id as usize * self.n_classes;
            let row = &self.weights[start..start + self.n_classes];
            for (score, &w) in out.iter_mut().zip(row) {
                *score += value * w;
            }
        }
    }

    /// The weight of `feature` for `class`.
    pub(crate) fn weight(&self, feature: u32, class: usize) -> f32 {
        self.weights[feature as usize * self.n_classes + class]
    }

    /// How many classes the model scores.
    pub(crate) fn n_classes(&self) -> usize {
        self.n_classes
    }
}

impl std::fmt::Debug for LinearModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinearModel")
            .field("n_classes", &self.n_classes)
            .field("n_features", &(self.weights.len() / self.n_classes.max(1)))
            .finish()
    }
}
