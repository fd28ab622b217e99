//! Opening hours of the live advisors: `[DAYS ]HH:MM-HH:MM[ UTC±HH:MM]`, e.g.
//! `mon-fri 08:00-20:00 UTC+01:00`.
//!
//! A fixed UTC offset rather than a time-zone database: no dependency, and the operator says
//! exactly what they mean (change it at the daylight-saving switch). Days default to every day;
//! a closing time before the opening time spans midnight.

use std::fmt;
use std::str::FromStr;

/// Minutes in a day.
const DAY_MINUTES: i64 = 24 * 60;
/// Day names, Monday first.
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// When advisors chat live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpeningHours {
    /// Bit `d` set: open on day `d` (0 = Monday).
    days: u8,
    /// Opening time, minutes after local midnight.
    open: u16,
    /// Closing time, minutes after local midnight.
    close: u16,
    /// Local time minus UTC, in minutes.
    utc_offset: i16,
}

/// Why an opening-hours text was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid opening hours `{0}`: expected `[DAYS ]HH:MM-HH:MM[ UTC±HH:MM]`, e.g. `mon-fri 08:00-20:00 UTC+01:00`"
)]
pub struct OpeningHoursError(String);

impl OpeningHours {
    /// Hours that never open (tests of the "closed" path).
    #[cfg(test)]
    pub(crate) fn never() -> OpeningHours {
        OpeningHours {
            days: 0,
            open: 0,
            close: 60,
            utc_offset: 0,
        }
    }

    /// Whether advisors are on duty at `unix_ms` (milliseconds since the Unix epoch).
    pub fn is_open(&self, unix_ms: u64) -> bool {
        let minutes =
            i64::try_from(unix_ms / 60_000).unwrap_or(i64::MAX) + i64::from(self.utc_offset);
        let day_index = minutes.div_euclid(DAY_MINUTES);
        let minute = minutes.rem_euclid(DAY_MINUTES);
        // 1970-01-01 was a Thursday (index 3, Monday first).
        let weekday = (day_index + 3).rem_euclid(7);
        let (open, close) = (i64::from(self.open), i64::from(self.close));
        if open <= close {
            self.open_on(weekday) && (open..close).contains(&minute)
        } else {
            // Spans midnight: the evening belongs to today, the small hours to yesterday.
            (minute >= open && self.open_on(weekday))
                || (minute < close && self.open_on((weekday + 6) % 7))
        }
    }

    fn open_on(&self, weekday: i64) -> bool {
        self.days & (1 << weekday) != 0
    }
}

impl FromStr for OpeningHours {
    type Err = OpeningHoursError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || OpeningHoursError(text.chars().take(80).collect());
        let words: Vec<&str> = text.split_whitespace().collect();
        let (days, rest) = match words.first() {
            Some(first) if first.starts_with(|c: char| c.is_ascii_alphabetic()) => {
                (parse_days(first).ok_or_else(err)?, &words[1..])
            }
            _ => (0x7f, &words[..]),
        };
        let (range, offset) = match rest {
            [range] => (range, None),
            [range, offset] => (range, Some(offset)),
            _ => return Err(err()),
        };
        let (open, close) = range.split_once('-').ok_or_else(err)?;
        let open = parse_time(open).ok_or_else(err)?;
        let close = parse_time(close).ok_or_else(err)?;
        let utc_offset = match offset {
            None => 0,
            Some(offset) => parse_offset(offset).ok_or_else(err)?,
        };
        if open == close {
            return Err(err());
        }
        Ok(OpeningHours {
            days,
            open,
            close,
            utc_offset,
        })
    }
}

impl fmt::Display for OpeningHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<&str> = (0..7)
            .filter(|d| self.days & (1 << d) != 0)
            .map(|d| DAYS[d])
            .collect();
        let sign = if self.utc_offset < 0 { '-' } else { '+' };
        let offset = self.utc_offset.unsigned_abs();
        write!(
            f,
            "{} {:02}:{:02}-{:02}:{:02} UTC{sign}{:02}:{:02}",
            days.join(","),
            self.open / 60,
            self.open % 60,
            self.close / 60,
            self.close % 60,
            offset / 60,
            offset % 60
        )
    }
}

/// `mon-fri`, `sat`, `mon,wed,fri`, `mon-fri,sun`.
fn parse_days(text: &str) -> Option<u8> {
    let index = |name: &str| DAYS.iter().position(|d| d.eq_ignore_ascii_case(name));
    let mut days = 0u8;
    for part in text.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (index(from)?, index(to)?);
                let mut d = from;
                loop {
                    days |= 1 << d;
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => days |= 1 << index(part)?,
        }
    }
    Some(days)
}

/// `HH:MM`, 00:00 to 24:00.
fn parse_time(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
}

/// `UTC+01:00`, `UTC-05:30`, `UTC`.
fn parse_offset(text: &str) -> Option<i16> {
    let rest = text.strip_prefix("UTC")?;
    if rest.is_empty() {
        return Some(0);
    }
    let (sign, rest) = match rest.chars().next()? {
        '+' => (1, &rest[1..]),
        '-' => (-1, &rest[1..]),
        _ => return None,
    };
    let minutes = i16::try_from(parse_time(rest)?).ok()?;
    (minutes <= 14 * 60).then_some(sign * minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Milliseconds of a UTC date and time in January 2024 (2024-01-01 was a Monday).
    fn jan_2024(day: u64, hour: u64, minute: u64) -> u64 {
        const JAN_1_2024_MS: u64 = 1_704_067_200_000;
        JAN_1_2024_MS + ((day - 1) * 24 * 60 + hour * 60 + minute) * 60_000
    }

    #[test]
    fn weekdays_and_times_are_respected() {
        let hours: OpeningHours = "mon-fri 08:00-20:00".parse().unwrap();
        assert!(hours.is_open(jan_2024(1, 8, 0)), "Monday 08:00 opens");
        assert!(hours.is_open(jan_2024(5, 19, 59)), "Friday 19:59");
        assert!(!hours.is_open(jan_2024(5, 20, 0)), "Friday 20:00 closed");
        assert!(!hours.is_open(jan_2024(6, 10, 0)), "Saturday closed");
        assert!(!hours.is_open(jan_2024(2, 7, 59)), "Tuesday before opening");
    }

    #[test]
    fn the_offset_shifts_local_time() {
        let hours: OpeningHours = "09:00-17:00 UTC+01:00".parse().unwrap();
        assert!(hours.is_open(jan_2024(3, 8, 0)), "08:00 UTC is 09:00 local");
        assert!(
            !hours.is_open(jan_2024(3, 16, 0)),
            "16:00 UTC is 17:00 local"
        );
        let west: OpeningHours = "09:00-17:00 UTC-05:30".parse().unwrap();
        assert!(west.is_open(jan_2024(3, 14, 30)));
        assert!(!west.is_open(jan_2024(3, 14, 29)));
    }

    #[test]
    fn a_night_shift_spans_midnight_from_its_opening_day() {
        let hours: OpeningHours = "fri 22:00-06:00".parse().unwrap();
        assert!(hours.is_open(jan_2024(5, 23, 0)), "Friday night");
        assert!(hours.is_open(jan_2024(6, 5, 0)), "Saturday small hours");
        assert!(
            !hours.is_open(jan_2024(5, 5, 0)),
            "Friday small hours belong to Thursday"
        );
    }

    #[test]
    fn bad_texts_are_refused_and_good_ones_round_trip() {
        for bad in [
            "",
            "8-20",
            "mon 08:00",
            "xyz 08:00-20:00",
            "08:00-08:00",
            "08:00-25:00",
            "08:00-20:00 GMT+1",
            "08:00-20:00 UTC+15:00",
        ] {
            assert!(bad.parse::<OpeningHours>().is_err(), "{bad}");
        }
        let hours: OpeningHours = "sat-mon 08:30-12:00 UTC-02:00".parse().unwrap();
        assert_eq!(hours.to_string(), "mon,sat,sun 08:30-12:00 UTC-02:00");
        assert_eq!(hours.to_string().parse::<OpeningHours>(), Ok(hours));
    }
}
