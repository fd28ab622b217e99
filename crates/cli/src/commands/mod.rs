//! One module per subcommand.

pub(crate) mod agents;
pub(crate) mod eval;
pub(crate) mod intents;
pub(crate) mod serve;
