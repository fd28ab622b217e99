//! The agent's password: read from stdin (one line) or, on a terminal, typed without echo;
//! stored only as an argon2id hash in PHC string form.
//!
//! Reading from stdin keeps scripts and tests simple (`echo "$PW" | relais agents add ...`);
//! the terminal path uses `rpassword`, which switches the terminal's echo off portably without
//! `unsafe` termios calls in this crate.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, bail};
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, SaltString};

/// Shortest password accepted, in characters.
const MIN_CHARS: usize = 8;
/// Longest password accepted, in characters (argon2 hashes anything, but nobody types more).
const MAX_CHARS: usize = 1024;

/// Reads the password of agent `name`: prompted twice without echo when stdin is a terminal,
/// else the first line of stdin.
pub(crate) fn read(name: &str) -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = prompt(&format!("Password for agent {name}: "))?;
        let second = prompt("Repeat the password: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        first
    } else {
        read_line(&mut std::io::stdin().lock())?
    };
    check(&password)?;
    Ok(password)
}

/// Prompts on stderr (stdout may be piped to a script) and reads from the terminal, no echo.
fn prompt(text: &str) -> anyhow::Result<String> {
    let mut stderr = std::io::stderr().lock();
    stderr.write_all(text.as_bytes())?;
    stderr.flush()?;
    rpassword::read_password().context("cannot read the password from the terminal")
}

/// The first line of `input` without its line ending.
fn read_line(input: &mut impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from stdin (expected one line of UTF-8)")?;
    if line.is_empty() {
        bail!("no password on stdin: pipe it as one line, or run from a terminal to type it");
    }
    let without_newline = line.strip_suffix('\n').unwrap_or(&line);
    Ok(without_newline
        .strip_suffix('\r')
        .unwrap_or(without_newline)
        .to_owned())
}

fn check(password: &str) -> anyhow::Result<()> {
    let length = password.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&length) {
        bail!("the password must have {MIN_CHARS} to {MAX_CHARS} characters");
    }
    Ok(())
}

/// Hashes `password` with argon2id (the crate's default parameters) and a fresh 128-bit salt
/// from the OS, as a PHC string (`$argon2id$v=19$m=...`).
pub(crate) fn hash(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| anyhow::anyhow!("no OS randomness for the salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| anyhow::anyhow!("cannot encode the salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    Ok(hash.to_string())
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};

    use super::*;

    #[test]
    fn one_line_is_read_without_its_line_ending() {
        let read = |input: &str| read_line(&mut input.as_bytes()).expect("a line");
        assert_eq!(read("s3cret pass\n"), "s3cret pass");
        assert_eq!(read("s3cret pass\r\nsecond line\n"), "s3cret pass");
        assert_eq!(read("no newline"), "no newline");
        assert!(read_line(&mut "".as_bytes()).is_err());
    }

    #[test]
    fn short_and_huge_passwords_are_refused() {
        assert!(check("1234567").is_err());
        assert!(check("12345678").is_ok());
        assert!(check(&"x".repeat(MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn the_hash_is_an_argon2id_phc_string_that_verifies() {
        let phc = hash("correct horse").expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        let parsed = PasswordHash::new(&phc).expect("PHC string");
        let argon2 = Argon2::default();
        assert!(argon2.verify_password(b"correct horse", &parsed).is_ok());
        assert!(argon2.verify_password(b"wrong horse", &parsed).is_err());
    }

    #[test]
    fn each_hash_gets_its_own_salt() {
        assert_ne!(
            hash("same password").expect("hash"),
            hash("same password").expect("hash")
        );
    }
}
