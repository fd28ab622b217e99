//! When a customer socket has been silent too long: before `hello`, after the handshake
//! timeout; after it, after the idle timeout.
//!
//! Silence is measured on frames received, pongs included. The server pings a socket that
//! has been silent for a third of the idle timeout, and a browser answers pings by itself, so
//! an idle but alive widget is never dropped; a vanished peer is. Pure: the session asks
//! [`Liveness::next_check`] when to wake up and [`Liveness::check`] what to do then.

use std::time::Duration;

use tokio::time::Instant;

/// What a silent socket calls for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing yet.
    Wait,
    /// Send a ping to see whether the peer is still there.
    Ping,
    /// No `hello` within the handshake timeout: close.
    NoHello,
    /// Silent for the idle timeout: close.
    Idle,
}

/// The silence clock of one socket.
#[derive(Clone, Debug)]
pub(crate) struct Liveness {
    hello_by: Instant,
    idle: Duration,
    /// When a frame was last received (or the socket opened).
    heard: Instant,
    /// When a ping was last sent, if after `heard`.
    pinged: Option<Instant>,
}

impl Liveness {
    /// A socket opened at `now` that must say `hello` within `handshake` and may then stay
    /// silent for `idle`.
    pub(crate) fn new(handshake: Duration, idle: Duration, now: Instant) -> Self {
        Liveness {
            hello_by: now + handshake,
            idle,
            heard: now,
            pinged: None,
        }
    }

    /// A frame arrived at `now`.
    pub(crate) fn heard(&mut self, now: Instant) {
        self.heard = now;
        self.pinged = None;
    }

    /// When [`Liveness::check`] may next have something to say.
    pub(crate) fn next_check(&self, greeted: bool) -> Instant {
        let idle_at = self.heard + self.idle;
        if !greeted {
            return self.hello_by.min(idle_at);
        }
        let ping_at = self.pinged.unwrap_or(self.heard) + self.idle / 3;
        ping_at.min(idle_at)
    }

    /// What to do at `now`; a [`Verdict::Ping`] is counted as sent.
    pub(crate) fn check(&mut self, greeted: bool, now: Instant) -> Verdict {
        if !greeted && now >= self.hello_by {
            return Verdict::NoHello;
        }
        if now >= self.heard + self.idle {
            return Verdict::Idle;
        }
        if greeted && now >= self.pinged.unwrap_or(self.heard) + self.idle / 3 {
            self.pinged = Some(now);
            return Verdict::Ping;
        }
        Verdict::Wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn no_hello_within_the_handshake_timeout_closes() {
        let start = Instant::now();
        let mut live = Liveness::new(5 * S, 60 * S, start);
        assert_eq!(live.next_check(false), start + 5 * S);
        assert_eq!(live.check(false, start + 4 * S), Verdict::Wait);
        live.heard(start + 4 * S);
        assert_eq!(
            live.check(false, start + 5 * S),
            Verdict::NoHello,
            "frames other than hello do not count"
        );
        assert_eq!(live.check(true, start + 5 * S), Verdict::Wait, "greeted");
    }

    #[test]
    fn a_silent_socket_is_pinged_every_third_then_dropped() {
        let start = Instant::now();
        let mut live = Liveness::new(5 * S, 60 * S, start);
        assert_eq!(live.next_check(true), start + 20 * S);
        assert_eq!(live.check(true, start + 19 * S), Verdict::Wait);
        assert_eq!(live.check(true, start + 20 * S), Verdict::Ping);
        assert_eq!(live.next_check(true), start + 40 * S);
        assert_eq!(live.check(true, start + 40 * S), Verdict::Ping);
        assert_eq!(live.next_check(true), start + 60 * S);
        assert_eq!(live.check(true, start + 60 * S), Verdict::Idle);
    }

    #[test]
    fn an_answered_ping_keeps_the_socket() {
        let start = Instant::now();
        let mut live = Liveness::new(5 * S, 60 * S, start);
        assert_eq!(live.check(true, start + 20 * S), Verdict::Ping);
        live.heard(start + 21 * S);
        assert_eq!(live.next_check(true), start + 41 * S);
        assert_eq!(live.check(true, start + 70 * S), Verdict::Ping);
        assert_eq!(live.check(true, start + 81 * S), Verdict::Idle);
    }
}
