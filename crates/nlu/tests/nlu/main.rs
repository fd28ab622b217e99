//! Behaviour of the matcher on a small bilingual corpus, one module per property family.

mod calibration;
mod determinism;
mod explain;
mod fixtures;
mod normalisation;
mod patterns;
mod scope;
mod typos;
