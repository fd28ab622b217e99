//! Integration tests of relais-store, built as one binary with one module per feature.
//!
//! `conformance` runs every behaviour of the `Store` contract under each backend (through
//! `store_test!`); the other modules check what only the sled backend promises.

#[macro_use]
mod macros;
mod fixture;

mod conformance;
mod crash;
mod sled_only;
