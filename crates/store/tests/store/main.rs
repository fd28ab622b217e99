//! Integration tests of relais-store, built as one binary with one module per feature.
//!
//! `conformance` (conversations, FAQ, tickets), `client_messages`, `agents` and `queue` run every behaviour of
//! the `Store` contract under each backend (through `store_test!`); `crash` and `sled_only`
//! check what only the sled backend promises.

#[macro_use]
mod macros;
mod fixture;

mod agents;
mod client_messages;
mod conformance;
mod crash;
mod inbox;
mod privacy;
mod queue;
mod sled_only;
