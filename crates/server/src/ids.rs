//! Conversation ids and secret tokens (resume, advisor login, admin): OS randomness rendered as
//! url-safe text.
//!
//! A conversation id is 128 random bits and a token 256 random bits, both as lowercase hex
//! (url-safe, no padding, no ambiguity). Only the SHA-256 of a resume or login token is stored,
//! so a leaked data directory does not let anyone take over a conversation or a session.

use sha2::{Digest, Sha256};

/// Why fresh randomness could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("the operating system gave no randomness: {0}")]
pub struct RandomnessError(getrandom::Error);

/// A fresh conversation id (128 bits of OS randomness).
pub(crate) fn new_conversation_id() -> Result<String, RandomnessError> {
    random_hex::<16>()
}

/// A fresh resume token (256 bits of OS randomness).
pub(crate) fn new_resume_token() -> Result<String, RandomnessError> {
    new_token()
}

/// The form in which a resume token is stored and looked up: hex SHA-256.
pub(crate) fn hash_resume_token(token: &str) -> String {
    hash_token(token)
}

/// A fresh secret token (256 bits of OS randomness), for advisor logins and the admin API.
pub(crate) fn new_token() -> Result<String, RandomnessError> {
    random_hex::<32>()
}

/// The form in which a secret token is stored and compared: hex SHA-256.
pub(crate) fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Whether `text` looks like a token of [`new_token`]: 64 lowercase hex digits.
pub(crate) fn is_token(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn random_hex<const N: usize>() -> Result<String, RandomnessError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(RandomnessError)?;
    Ok(hex(&bytes))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_and_long_enough() {
        let id = new_conversation_id().unwrap();
        let token = new_resume_token().unwrap();
        assert_eq!(id.len(), 32, "128 bits as hex");
        assert_eq!(token.len(), 64, "256 bits as hex");
        for s in [&id, &token] {
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
    }

    /// Issue 7: at least 122 bits of randomness. Every one of the 128 bits of an id (and of
    /// the 256 of a token) takes both values across 64 draws; a fixed bit (a version field,
    /// a truncated source) fails this with certainty, a sound source with odds of about 2^-54.
    #[test]
    fn every_bit_of_ids_and_tokens_is_random() {
        fn bits_seen(draws: &[String]) -> (Vec<bool>, Vec<bool>) {
            let len = draws[0].len() * 4;
            let (mut ones, mut zeros) = (vec![false; len], vec![false; len]);
            for draw in draws {
                for (i, digit) in draw.chars().enumerate() {
                    let value = digit.to_digit(16).unwrap();
                    for bit in 0..4 {
                        let seen = if value >> (3 - bit) & 1 == 1 {
                            &mut ones
                        } else {
                            &mut zeros
                        };
                        seen[i * 4 + bit] = true;
                    }
                }
            }
            (ones, zeros)
        }
        let ids: Vec<String> = (0..64).map(|_| new_conversation_id().unwrap()).collect();
        let tokens: Vec<String> = (0..64).map(|_| new_resume_token().unwrap()).collect();
        for (draws, bits) in [(&ids, 128), (&tokens, 256)] {
            let (ones, zeros) = bits_seen(draws);
            assert_eq!(ones.len(), bits);
            assert!(ones.iter().chain(&zeros).all(|seen| *seen), "a fixed bit");
        }
    }

    #[test]
    fn tokens_are_recognised() {
        assert!(is_token(&new_token().unwrap()));
        assert!(!is_token(&new_conversation_id().unwrap()));
        assert!(!is_token(&"A".repeat(64)));
    }

    #[test]
    fn ids_differ_between_draws() {
        let ids: std::collections::HashSet<String> =
            (0..100).map(|_| new_conversation_id().unwrap()).collect();
        assert_eq!(ids.len(), 100);
    }

    #[test]
    fn token_hash_is_stable_and_not_the_token() {
        let token = new_resume_token().unwrap();
        let hash = hash_resume_token(&token);
        assert_eq!(hash, hash_resume_token(&token));
        assert_ne!(hash, token);
        assert_eq!(
            hash_resume_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
