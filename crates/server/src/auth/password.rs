//! Password hashing with argon2id (PHC strings), off the async runtime.
//!
//! Verification of an unknown agent's login runs against a fixed dummy hash, so that the
//! answer takes as long as for a known agent and does not reveal which names exist.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// A password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PasswordError {
    /// No randomness for the salt.
    #[error("the operating system gave no randomness: {0}")]
    Randomness(getrandom::Error),
    /// argon2 refused the input (e.g. a password over its length limit).
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// The argon2id PHC string of `password`, with a fresh 128-bit salt (blocking: tens of ms).
pub(crate) fn hash(password: &str) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(PasswordError::Randomness)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches the PHC string `phc` (blocking: tens of ms). `None` checks
/// against a dummy hash and always answers `false`, in about the same time.
pub(crate) fn verify(phc: Option<&str>, password: &str) -> bool {
    let Some(phc) = phc else {
        if let Some(dummy) = dummy() {
            let _ = check(dummy, password);
        }
        return false;
    };
    check(phc, password)
}

fn check(phc: &str, password: &str) -> bool {
    matches(phc, password).unwrap_or_else(|err| {
        tracing::error!(error = %err, "an agent's stored password hash is unreadable");
        false
    })
}

/// Whether `password` matches the PHC string `phc`; an error when `phc` is not one (blocking:
/// tens of ms). Callers log the error in their own terms.
pub(crate) fn matches(phc: &str, password: &str) -> Result<bool, argon2::password_hash::Error> {
    let parsed = PasswordHash::new(phc)?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

fn dummy() -> Option<&'static str> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    DUMMY
        .get_or_init(|| hash("relais dummy password").ok())
        .as_deref()
}

/// A PHC string with the lowest argon2id costs, so that tests do not spend seconds hashing
/// (verification reads the costs from the string).
#[cfg(test)]
pub(crate) fn hash_cheaply(password: &str) -> String {
    use argon2::{Algorithm, Params, Version};
    let params = Params::new(8, 1, 1, None).expect("valid parameters");
    let salt = SaltString::encode_b64(&[7u8; 16]).expect("valid salt");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .expect("hashable")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let phc = hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(verify(Some(&phc), "correct horse"));
        assert!(!verify(Some(&phc), "correct horse "));
        assert!(!verify(None, "correct horse"));
        assert!(!verify(Some("not a phc string"), "correct horse"));
        assert_ne!(hash("correct horse").unwrap(), phc, "salted");
    }
}
