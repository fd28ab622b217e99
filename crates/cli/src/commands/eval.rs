//! `relais eval` (stub, being written).

use std::process::ExitCode;

/// Arguments of `relais eval`.
#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {}

/// Runs `relais eval`.
pub(crate) fn run(_args: EvalArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
