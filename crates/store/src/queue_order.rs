//! The order of the handoff queue, shared by every backend: priority first (higher first),
//! then the store-assigned `order` (lower first).
//!
//! Orders come from a counter that only grows, also across restarts: an entry queued at the
//! back gets `MIDDLE + n`, one queued at the front (a chat returning from an advisor who left)
//! gets `MIDDLE - 1 - n`, so it goes ahead of every entry of its priority, including earlier
//! returns. Counters stay far below 2^63 (one step per queued conversation), so the two
//! ranges never meet; the arithmetic saturates rather than wraps if they ever did.

/// Where the two ranges of orders meet.
const MIDDLE: u64 = 1 << 63;

/// Size of [`sort_key`].
pub(crate) const SORT_KEY_LEN: usize = 9;

/// The order of an entry queued at the back, from a fresh counter value.
pub(crate) fn back(counter: u64) -> u64 {
    MIDDLE.saturating_add(counter)
}

/// The order of an entry queued at the front, from a fresh counter value.
pub(crate) fn front(counter: u64) -> u64 {
    (MIDDLE - 1).saturating_sub(counter)
}

/// Bytes that sort in serving order: inverted priority, then the order, big-endian.
pub(crate) fn sort_key(priority: u8, order: u64) -> [u8; SORT_KEY_LEN] {
    let mut key = [0; SORT_KEY_LEN];
    key[0] = !priority;
    key[1..].copy_from_slice(&order.to_be_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_by_priority_desc_then_order_with_fronts_first() {
        let mut keys = vec![
            sort_key(0, back(1)),
            sort_key(0, front(2)),
            sort_key(1, back(3)),
            sort_key(0, back(0)),
            sort_key(0, front(5)),
            sort_key(255, back(9)),
        ];
        keys.sort();
        assert_eq!(
            keys,
            vec![
                sort_key(255, back(9)),
                sort_key(1, back(3)),
                sort_key(0, front(5)),
                sort_key(0, front(2)),
                sort_key(0, back(0)),
                sort_key(0, back(1)),
            ]
        );
    }

    #[test]
    fn the_ranges_do_not_meet_even_at_the_extremes() {
        assert!(front(0) < back(0));
        assert!(front(u64::MAX) <= front(0));
        assert!(back(u64::MAX) >= back(0));
    }
}
