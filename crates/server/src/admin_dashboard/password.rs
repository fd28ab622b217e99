//! The admin password: an argon2id hash in `<data>/admin-password` (mode 0600), written by
//! `relais admin passwd` and read at each login, so a change applies without a restart.

use std::io::Write;
use std::path::Path;

use crate::auth::PasswordError;
use crate::auth::password;

/// The file name, in the data directory.
pub const ADMIN_PASSWORD_FILE: &str = "admin-password";

/// Shortest admin password accepted, in characters.
const MIN_CHARS: usize = 10;
/// Longest admin password accepted, in bytes.
const MAX_BYTES: usize = 1024;

/// Why the admin password could not be set.
#[derive(Debug, thiserror::Error)]
pub enum AdminPasswordError {
    /// Too short or too long.
    #[error(
        "the admin password must have at least {MIN_CHARS} characters and at most {MAX_BYTES} bytes"
    )]
    Length,
    /// No randomness for the salt, or argon2 refused the input.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// The file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// Hashes `password` and writes it to `<data_dir>/admin-password`, replacing any (which ends
/// every dashboard session opened with the old one). Blocking: tens of milliseconds.
pub fn set_admin_password(data_dir: &Path, password: &str) -> Result<(), AdminPasswordError> {
    if password.chars().count() < MIN_CHARS || password.len() > MAX_BYTES {
        return Err(AdminPasswordError::Length);
    }
    let phc = password::hash(password).map_err(|err| {
        AdminPasswordError::Hash(match err {
            PasswordError::Randomness(e) => e.to_string(),
            PasswordError::Hash(message) => message,
        })
    })?;
    let path = data_dir.join(ADMIN_PASSWORD_FILE);
    write_private(&path, format!("{phc}\n").as_bytes()).map_err(|source| {
        AdminPasswordError::Write {
            path: path.display().to_string(),
            source,
        }
    })
}

/// Writes `bytes` to a temporary file readable by its owner only, then renames it over `path`.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// The stored hash, if a password was set.
pub(super) fn stored(data_dir: Option<&Path>) -> Option<String> {
    let text = std::fs::read_to_string(data_dir?.join(ADMIN_PASSWORD_FILE)).ok()?;
    let phc = text.trim();
    (!phc.is_empty()).then(|| phc.to_owned())
}

/// Whether `password` matches the PHC string `phc` (blocking: tens of milliseconds).
pub(super) fn verify(phc: &str, password: &str) -> bool {
    password::matches(phc, password).unwrap_or_else(|err| {
        tracing::error!(error = %err, "the admin password file is unreadable");
        false
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_password_verifies_and_others_do_not() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(stored(Some(dir.path())), None);
        assert!(matches!(
            set_admin_password(dir.path(), "short"),
            Err(AdminPasswordError::Length)
        ));
        set_admin_password(dir.path(), "correct horse battery").unwrap();
        let phc = stored(Some(dir.path())).unwrap();
        assert!(verify(&phc, "correct horse battery"));
        assert!(!verify(&phc, "correct horse battery "));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(ADMIN_PASSWORD_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
