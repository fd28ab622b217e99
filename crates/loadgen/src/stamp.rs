//! Timestamped chat texts: the sender writes its send time into the message, the receiver
//! (another task of the same process) reads it back, so one-way delivery latency needs no
//! bookkeeping shared between sender and receiver.
//!
//! Times are microseconds since a base instant taken once per run; both sides use the same
//! monotonic clock.

use std::time::Duration;

use tokio::time::Instant;

/// What follows the stamp, so the message reads like a chat line.
const FILLER: &str = "merci, je regarde cela tout de suite";

/// A message text carrying `sent` as microseconds since `base`.
pub(crate) fn stamped_text(base: Instant, sent: Instant) -> String {
    format!(
        "lg {} {FILLER}",
        sent.saturating_duration_since(base).as_micros()
    )
}

/// The send time (offset from the base) written in `text`, if it is a stamped text.
pub(crate) fn read_stamp(text: &str) -> Option<Duration> {
    let micros = text.strip_prefix("lg ")?.split(' ').next()?.parse().ok()?;
    Some(Duration::from_micros(micros))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_reads_back_to_its_send_time() {
        let base = Instant::now();
        let sent = base + Duration::from_micros(1_234_567);
        let text = stamped_text(base, sent);
        assert_eq!(read_stamp(&text), Some(Duration::from_micros(1_234_567)));
    }

    #[test]
    fn other_texts_have_no_stamp() {
        for text in ["je veux parler à un conseiller", "lg", "lg x y", "LG 12 z"] {
            assert_eq!(read_stamp(text), None, "{text}");
        }
    }
}
