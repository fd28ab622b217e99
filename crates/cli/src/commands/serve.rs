//! `relais serve` (stub, being written).

use std::process::ExitCode;

/// Arguments of `relais serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {}

/// Runs `relais serve`.
pub(crate) fn run(_args: ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
