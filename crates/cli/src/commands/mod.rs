//! One module per subcommand.

pub(crate) mod admin;
pub(crate) mod admin_api;
pub(crate) mod admin_client;
pub(crate) mod agents;
pub(crate) mod conversations;
pub(crate) mod engine_setup;
pub(crate) mod eval;
pub(crate) mod faq;
pub(crate) mod inbox;
pub(crate) mod intents;
pub(crate) mod publish;
pub(crate) mod review;
pub(crate) mod serve;
pub(crate) mod stats;
pub(crate) mod test;
