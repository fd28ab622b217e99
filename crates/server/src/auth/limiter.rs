//! Login rate limiting: after [`MAX_FAILURES`] failed logins within [`WINDOW`] for one agent
//! name, or from one IP address, further attempts are refused until the oldest failure of the
//! window expires.
//!
//! Checked before the password is verified, so a locked-out guesser learns nothing and costs
//! no hashing. Memory is bounded: at most [`MAX_KEYS`] names and addresses are tracked, and
//! keys whose failures have all expired are pruned when the table fills.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Failed logins allowed within [`WINDOW`].
pub(crate) const MAX_FAILURES: usize = 5;
/// The sliding window failures are counted in.
pub(crate) const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Most names and addresses tracked at once.
const MAX_KEYS: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Name(String),
    Ip(IpAddr),
}

/// Failed login attempts per agent name and per client address.
#[derive(Debug, Default)]
pub(crate) struct LoginLimiter {
    /// The times of recent failures, oldest first, at most [`MAX_FAILURES`] per key.
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginLimiter {
    /// `Err(retry_after)` when `name` or `ip` has used up its failures.
    pub(crate) fn check(
        &self,
        name: &str,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let map = self.lock();
        let wait = keys(name, ip)
            .filter_map(|key| map.get(&key))
            .filter(|times| times.len() >= MAX_FAILURES)
            .filter_map(|times| times.front())
            .map(|oldest| (*oldest + WINDOW).saturating_duration_since(now))
            .filter(|wait| !wait.is_zero())
            .max();
        match wait {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Records a failed login for `name` and `ip`.
    pub(crate) fn failed(&self, name: &str, ip: Option<IpAddr>, now: Instant) {
        let mut map = self.lock();
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| times.back().is_some_and(|t| now < *t + WINDOW));
        }
        for key in keys(name, ip) {
            if map.len() >= MAX_KEYS && !map.contains_key(&key) {
                continue;
            }
            let times = map.entry(key).or_default();
            while times.front().is_some_and(|t| now >= *t + WINDOW) {
                times.pop_front();
            }
            if times.len() >= MAX_FAILURES {
                times.pop_front();
            }
            times.push_back(now);
        }
    }

    /// A successful login clears the name's failures (not the address's).
    pub(crate) fn succeeded(&self, name: &str) {
        self.lock().remove(&Key::Name(name.to_lowercase()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, VecDeque<Instant>>> {
        // Every update leaves the map consistent, so a poisoned lock is still usable.
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn keys(name: &str, ip: Option<IpAddr>) -> impl Iterator<Item = Key> {
    std::iter::once(Key::Name(name.to_lowercase())).chain(ip.map(Key::Ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1)));
    const OTHER_IP: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2)));

    #[test]
    fn five_failures_for_a_name_lock_it_until_the_window_moves() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for i in 0..5u64 {
            let at = start + Duration::from_secs(i * 60);
            assert!(limiter.check("alice", IP, at).is_ok(), "attempt {i}");
            limiter.failed("alice", IP, at);
        }
        let later = start + Duration::from_secs(5 * 60);
        assert_eq!(
            limiter.check("Alice", OTHER_IP, later),
            Err(WINDOW - Duration::from_secs(5 * 60)),
            "the name is locked from any address, case-insensitively"
        );
        assert!(limiter.check("bob", OTHER_IP, later).is_ok());
        assert!(
            limiter.check("bob", IP, later).is_err(),
            "and the address for any name"
        );
        let expired = start + WINDOW;
        assert!(
            limiter.check("alice", OTHER_IP, expired).is_ok(),
            "oldest failure expired"
        );
        limiter.failed("alice", OTHER_IP, expired);
        assert!(
            limiter.check("alice", OTHER_IP, expired).is_err(),
            "five in the window again"
        );
    }

    #[test]
    fn success_clears_the_name_but_not_the_address() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for _ in 0..4 {
            limiter.failed("alice", IP, now);
        }
        limiter.succeeded("alice");
        limiter.failed("alice", OTHER_IP, now);
        assert!(limiter.check("alice", OTHER_IP, now).is_ok());
        limiter.failed("carol", IP, now);
        assert!(
            limiter.check("dave", IP, now).is_err(),
            "the address reached five"
        );
    }

    #[test]
    fn the_table_is_bounded() {
        let limiter = LoginLimiter::default();
        let now = Instant::now();
        for i in 0..(MAX_KEYS + 50) {
            limiter.failed(&format!("n{i}"), None, now);
        }
        assert!(limiter.lock().len() <= MAX_KEYS);
        let later = now + WINDOW;
        limiter.failed("fresh", None, later);
        assert!(
            limiter.lock().len() <= 2,
            "expired keys are pruned when full"
        );
    }
}
