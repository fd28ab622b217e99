//! The send schedule of one session at a fixed rate.
//!
//! Session `i` of `n` sends at `phase + k * period` with its phase spread evenly over one
//! period, so a thousand sessions at one message per second send a steady thousand messages
//! per second instead of a burst each second. With one message outstanding per session, a
//! reply that arrives after the next slot makes that send late (it goes at once), and slots
//! that passed entirely are skipped and counted.

use std::time::Duration;

/// When one session sends, as offsets from the common start instant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Schedule {
    period: Duration,
    phase: Duration,
}

/// The slot to send next and how many were skipped to get there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NextSlot {
    /// Index of the slot to send.
    pub(crate) slot: u64,
    /// Slots that passed while the previous reply was outstanding.
    pub(crate) skipped: u64,
}

impl Schedule {
    /// The schedule of session `index` of `sessions` sending `rate` messages per second.
    /// `rate` must be positive and finite (checked on the command line).
    pub(crate) fn new(rate: f64, index: usize, sessions: usize) -> Self {
        let period = Duration::from_secs_f64(1.0 / rate);
        let phase = period.mul_f64(index as f64 / sessions.max(1) as f64);
        Schedule { period, phase }
    }

    /// Offset of slot `k` from the start.
    pub(crate) fn offset(&self, k: u64) -> Duration {
        self.phase + self.period.mul_f64(k as f64)
    }

    /// The slot to use after slot `due` became due and `elapsed` has passed since the start:
    /// `due` itself if it is not yet late, otherwise the latest slot already passed.
    pub(crate) fn next_slot(&self, due: u64, elapsed: Duration) -> NextSlot {
        if self.offset(due) >= elapsed {
            return NextSlot {
                slot: due,
                skipped: 0,
            };
        }
        let latest_passed =
            ((elapsed - self.phase).as_secs_f64() / self.period.as_secs_f64()).floor() as u64;
        // Rounding must not move backwards past the slot that was due.
        let slot = latest_passed.max(due);
        NextSlot {
            slot,
            skipped: slot - due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn phases_spread_sessions_evenly_over_one_period() {
        let offsets: Vec<_> = (0..4).map(|i| Schedule::new(1.0, i, 4).offset(0)).collect();
        assert_eq!(offsets, [ms(0), ms(250), ms(500), ms(750)]);
    }

    #[test]
    fn slots_are_one_period_apart() {
        let schedule = Schedule::new(2.0, 1, 2);
        assert_eq!(schedule.offset(0), ms(250));
        assert_eq!(schedule.offset(3), ms(1_750));
    }

    #[test]
    fn a_slot_not_yet_due_is_kept() {
        let schedule = Schedule::new(1.0, 0, 1);
        assert_eq!(
            schedule.next_slot(3, ms(2_100)),
            NextSlot {
                slot: 3,
                skipped: 0
            }
        );
    }

    #[test]
    fn a_late_slot_is_sent_at_once_without_skipping() {
        let schedule = Schedule::new(1.0, 0, 1);
        assert_eq!(
            schedule.next_slot(3, ms(3_400)),
            NextSlot {
                slot: 3,
                skipped: 0
            }
        );
    }

    #[test]
    fn slots_passed_entirely_are_skipped() {
        let schedule = Schedule::new(1.0, 1, 2);
        // Slots at 0.5 s, 1.5 s, 2.5 s, 3.5 s: at 3.6 s with slot 1 due, slots 1 and 2 passed.
        assert_eq!(
            schedule.next_slot(1, ms(3_600)),
            NextSlot {
                slot: 3,
                skipped: 2
            }
        );
    }
}
