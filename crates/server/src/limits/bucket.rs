//! A token bucket, and the per-connection frame gate built on it.
//!
//! Both are pure: every call takes the current instant, so tests step time by hand.

use std::time::Duration;

use tokio::time::Instant;

/// Allows `capacity` events at once, then one more every `refill_every`.
#[derive(Clone, Debug)]
pub(crate) struct TokenBucket {
    capacity: u32,
    refill_every: Duration,
    /// Whole tokens left as of `updated`.
    tokens: u32,
    /// When `tokens` was last brought up to date; the fraction of a token accrued since
    /// then is kept by advancing it by whole refill periods only.
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket of `capacity` tokens (at least one) gaining `per_period` tokens (at least
    /// one) every `period`.
    pub(crate) fn new(capacity: u32, per_period: u32, period: Duration, now: Instant) -> Self {
        let refill_every = period / per_period.max(1);
        TokenBucket {
            capacity: capacity.max(1),
            // A zero period would refill without bound: treat it as the shortest one.
            refill_every: refill_every.max(Duration::from_nanos(1)),
            tokens: capacity.max(1),
            updated: now,
        }
    }

    /// Takes a token if one is left at `now`.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens == 0 {
            return false;
        }
        self.tokens -= 1;
        true
    }

    /// Whether the bucket is full at `now` (nothing is owed: forgetting it loses nothing).
    pub(crate) fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens == self.capacity
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated);
        let periods = elapsed.as_nanos() / self.refill_every.as_nanos();
        if periods == 0 {
            return;
        }
        let room = u128::from(self.capacity - self.tokens);
        if periods >= room {
            self.tokens = self.capacity;
            self.updated = now;
        } else {
            // `periods < room <= u32::MAX`, so both conversions are exact.
            let added = u32::try_from(periods).unwrap_or(u32::MAX);
            self.tokens += added;
            self.updated += self.refill_every * added;
        }
    }
}

/// What to do with a frame a client sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Handle it.
    Pass,
    /// Drop it; `tell` is true for the first frame dropped in a row, which gets an `error`
    /// frame (later ones get nothing, so that a flood is not answered by a flood).
    Drop {
        /// Whether to send `rate_limited`.
        tell: bool,
    },
    /// The client keeps flooding: close the connection with 1008.
    Close,
}

/// Rate limit of the frames of one connection: a token bucket, and a count of the frames
/// dropped in a row since the last one let through.
#[derive(Clone, Debug)]
pub(crate) struct FrameGate {
    bucket: TokenBucket,
    dropped: u32,
    max_dropped: u32,
}

impl FrameGate {
    /// `per_second` frames a second with bursts of `burst`; the connection closes once
    /// `max_dropped` frames were dropped in a row.
    pub(crate) fn new(per_second: u32, burst: u32, max_dropped: u32, now: Instant) -> Self {
        FrameGate {
            bucket: TokenBucket::new(burst, per_second, Duration::from_secs(1), now),
            dropped: 0,
            max_dropped: max_dropped.max(1),
        }
    }

    /// Decides about one frame received at `now`.
    pub(crate) fn admit(&mut self, now: Instant) -> Admission {
        if self.bucket.take(now) {
            self.dropped = 0;
            return Admission::Pass;
        }
        self.dropped = self.dropped.saturating_add(1);
        if self.dropped >= self.max_dropped {
            Admission::Close
        } else {
            Admission::Drop {
                tell: self.dropped == 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_full_bucket_allows_a_burst_then_refills_at_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(3, 2, SECOND, start);
        assert!((0..3).all(|_| bucket.take(start)));
        assert!(!bucket.take(start), "burst used up");
        let half = start + SECOND / 2;
        assert!(bucket.take(half), "two a second: one after half a second");
        assert!(!bucket.take(half));
        assert!(
            !bucket.take(half + SECOND / 4),
            "a quarter second is half a token"
        );
        assert!(
            bucket.take(start + SECOND),
            "the fraction was kept: a second token at one second"
        );
    }

    #[test]
    fn refill_never_exceeds_the_capacity() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2, 10, SECOND, start);
        assert!(bucket.take(start));
        let much_later = start + Duration::from_secs(3600);
        assert!(bucket.is_full(much_later));
        assert!(bucket.take(much_later) && bucket.take(much_later));
        assert!(!bucket.take(much_later));
    }

    #[test]
    fn a_per_minute_bucket_counts_in_minutes() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2, 2, Duration::from_secs(60), start);
        assert!(bucket.take(start) && bucket.take(start));
        assert!(!bucket.take(start + Duration::from_secs(29)));
        assert!(bucket.take(start + Duration::from_secs(30)));
        assert!(!bucket.is_full(start + Duration::from_secs(30)));
    }

    #[test]
    fn the_gate_tells_once_then_closes_when_the_flood_goes_on() {
        let start = Instant::now();
        let mut gate = FrameGate::new(1, 2, 3, start);
        assert_eq!(gate.admit(start), Admission::Pass);
        assert_eq!(gate.admit(start), Admission::Pass);
        assert_eq!(gate.admit(start), Admission::Drop { tell: true });
        assert_eq!(gate.admit(start), Admission::Drop { tell: false });
        assert_eq!(gate.admit(start), Admission::Close);
    }

    #[test]
    fn a_client_that_slows_down_is_forgiven() {
        let start = Instant::now();
        let mut gate = FrameGate::new(1, 1, 3, start);
        assert_eq!(gate.admit(start), Admission::Pass);
        assert_eq!(gate.admit(start), Admission::Drop { tell: true });
        assert_eq!(gate.admit(start), Admission::Drop { tell: false });
        let later = start + SECOND;
        assert_eq!(gate.admit(later), Admission::Pass, "a token came back");
        assert_eq!(
            gate.admit(later),
            Admission::Drop { tell: true },
            "a new episode is told again"
        );
        assert_eq!(gate.admit(later), Admission::Drop { tell: false });
    }
}
