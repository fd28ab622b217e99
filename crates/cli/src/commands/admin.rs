//! `relais admin passwd`: sets the password of the `/admin` dashboard, stored as an argon2id
//! hash in `<data>/admin-password` (read at each login: no restart needed; changing it ends
//! every dashboard session).
//!
//! The password is read from stdin (one line) or, on a terminal, typed twice without echo.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;

/// Arguments of `relais admin`.
#[derive(Debug, clap::Args)]
pub(crate) struct AdminArgs {
    /// Data directory, the one `relais serve --data` uses (created if missing).
    #[arg(long, env = "RELAIS_DATA", default_value = "./data", global = true)]
    data: PathBuf,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Set the dashboard's admin password (at least 10 characters).
    Passwd,
}

/// Runs `relais admin`.
pub(crate) fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AdminCommand::Passwd => {
            let password = read_password()?;
            std::fs::create_dir_all(&args.data).with_context(|| {
                format!("cannot create the data directory {}", args.data.display())
            })?;
            relais_server::set_admin_password(&args.data, &password)?;
            let mut stdout = std::io::stdout().lock();
            writeln!(
                stdout,
                "admin password set in {}; log in at /admin",
                args.data.join(relais_server::ADMIN_PASSWORD_FILE).display()
            )?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = prompt("Admin password: ")?;
        if first != prompt("Repeat the password: ")? {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from stdin (expected one line of UTF-8)")?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("no password on stdin: pipe it as one line, or run from a terminal to type it");
    }
    Ok(password.to_owned())
}

/// Prompts on stderr and reads from the terminal without echo.
fn prompt(text: &str) -> anyhow::Result<String> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(text.as_bytes())?;
    stderr.flush()?;
    rpassword::read_password().context("cannot read the password from the terminal")
}
