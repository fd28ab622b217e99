//! `relais intents` (stub, being written).

use std::process::ExitCode;

/// Arguments of `relais intents`.
#[derive(Debug, clap::Args)]
pub(crate) struct IntentsArgs {}

/// Runs `relais intents`.
pub(crate) fn run(_args: IntentsArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
