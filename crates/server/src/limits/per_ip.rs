//! Per-address bounds: open connections (an RAII slot per socket) and new conversations per
//! minute (a token bucket per address).
//!
//! Both tables are bounded. Connection counts leave the table when their last slot drops.
//! Conversation buckets are pruned, once the table holds [`MAX_ADDRESSES`], of every address
//! whose bucket is full again (forgetting it loses nothing); if none can go, a new address is
//! refused rather than the table grown: a flood of distinct addresses cannot grow memory.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::bucket::TokenBucket;

/// Most addresses tracked by each table.
pub(crate) const MAX_ADDRESSES: usize = 100_000;

/// Open connections per client address.
#[derive(Debug)]
pub(crate) struct IpConnections {
    max_per_ip: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One counted connection; dropping it gives the slot back.
#[derive(Debug)]
pub(crate) struct IpSlot {
    ip: IpAddr,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl IpConnections {
    /// At most `max_per_ip` connections from one address.
    pub(crate) fn new(max_per_ip: usize) -> Self {
        IpConnections {
            max_per_ip,
            open: Arc::default(),
        }
    }

    /// A slot for one more connection from `ip`, or `None` when it has its maximum (or the
    /// table is full of other addresses).
    pub(crate) fn acquire(&self, ip: IpAddr) -> Option<IpSlot> {
        let mut open = lock(&self.open);
        let table_full = open.len() >= MAX_ADDRESSES;
        match open.entry(ip) {
            Entry::Occupied(mut count) => {
                if *count.get() >= self.max_per_ip {
                    return None;
                }
                *count.get_mut() += 1;
            }
            Entry::Vacant(slot) => {
                if table_full || self.max_per_ip == 0 {
                    return None;
                }
                slot.insert(1);
            }
        }
        Some(IpSlot {
            ip,
            open: Arc::clone(&self.open),
        })
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        lock(&self.open).len()
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut open = lock(&self.open);
        if let Entry::Occupied(mut count) = open.entry(self.ip) {
            *count.get_mut() -= 1;
            if *count.get() == 0 {
                count.remove();
            }
        }
    }
}

/// New conversations per client address, `per_minute` a minute with bursts of as many.
#[derive(Debug)]
pub(crate) struct ConversationStarts {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, TokenBucket>>,
}

impl ConversationStarts {
    /// At most `per_minute` new conversations a minute from one address.
    pub(crate) fn new(per_minute: u32) -> Self {
        ConversationStarts {
            per_minute,
            buckets: Mutex::default(),
        }
    }

    /// Whether `ip` may start one more conversation at `now` (and counts it if so).
    pub(crate) fn try_start(&self, ip: IpAddr, now: Instant) -> bool {
        if self.per_minute == 0 {
            return false;
        }
        let mut buckets = lock(&self.buckets);
        if buckets.len() >= MAX_ADDRESSES && !buckets.contains_key(&ip) {
            buckets.retain(|_, bucket| !bucket.is_full(now));
            if buckets.len() >= MAX_ADDRESSES {
                return false;
            }
        }
        let per_minute = self.per_minute;
        buckets
            .entry(ip)
            .or_insert_with(|| TokenBucket::new(per_minute, per_minute, MINUTE, now))
            .take(now)
    }
}

const MINUTE: Duration = Duration::from_secs(60);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update leaves the table consistent, so a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V6(Ipv6Addr::LOCALHOST);

    #[test]
    fn each_address_has_its_own_count_and_slots_come_back_on_drop() {
        let limits = IpConnections::new(2);
        let first = limits.acquire(A).unwrap();
        let second = limits.acquire(A).unwrap();
        assert!(limits.acquire(A).is_none(), "third from A");
        let other = limits.acquire(B);
        assert!(other.is_some(), "B is counted apart");
        drop(first);
        let third = limits.acquire(A);
        assert!(third.is_some(), "a dropped slot is free again");
        drop((second, third, other));
        assert_eq!(limits.tracked(), 0, "idle addresses leave the table");
    }

    #[test]
    fn zero_allows_nothing() {
        assert!(IpConnections::new(0).acquire(A).is_none());
        assert!(!ConversationStarts::new(0).try_start(A, Instant::now()));
    }

    #[test]
    fn conversation_starts_are_limited_per_address_and_per_minute() {
        let starts = ConversationStarts::new(2);
        let now = Instant::now();
        assert!(starts.try_start(A, now));
        assert!(starts.try_start(A, now));
        assert!(!starts.try_start(A, now), "third within the minute");
        assert!(starts.try_start(B, now), "B is counted apart");
        assert!(
            starts.try_start(A, now + Duration::from_secs(30)),
            "one back"
        );
        assert!(!starts.try_start(A, now + Duration::from_secs(30)));
    }

    #[test]
    fn the_conversation_table_is_bounded_and_forgets_full_buckets() {
        let starts = ConversationStarts::new(1);
        let now = Instant::now();
        let address = |i: usize| IpAddr::V6(Ipv6Addr::from(u128::try_from(i).unwrap() + 1));
        for i in 0..MAX_ADDRESSES {
            assert!(starts.try_start(address(i), now));
        }
        assert!(
            !starts.try_start(A, now),
            "full of addresses that still owe: a new one is refused"
        );
        let later = now + MINUTE;
        assert!(starts.try_start(A, later), "full buckets were forgotten");
        assert_eq!(lock(&starts.buckets).len(), 1);
    }
}
