//! A UTC calendar day: the unit every aggregate is kept per.
//!
//! Stored as days since 1970-01-01 and written as `YYYY-MM-DD`, with the proleptic Gregorian
//! conversion done here (Howard Hinnant's `civil_from_days`) rather than by a date crate: it
//! is the only calendar arithmetic the analytics need.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds in a day.
const DAY_MS: u64 = 86_400_000;
/// Days from 0000-03-01 to 1970-01-01 (the shift of Hinnant's algorithms).
const EPOCH_SHIFT: i64 = 719_468;
/// Days in a 400-year Gregorian era.
const ERA_DAYS: i64 = 146_097;

/// A UTC calendar day, counted in days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(u32);

/// A text that is not a `YYYY-MM-DD` date from 1970 on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a date written YYYY-MM-DD, from 1970-01-01 on")]
pub struct DayError(String);

impl Day {
    /// The day `days` days after 1970-01-01.
    pub fn from_days(days: u32) -> Day {
        Day(days)
    }

    /// Days since 1970-01-01.
    pub fn days(self) -> u32 {
        self.0
    }

    /// The UTC day of an instant given in milliseconds since the Unix epoch.
    pub fn from_unix_ms(ms: u64) -> Day {
        // Saturates 11 million years from now.
        Day(u32::try_from(ms / DAY_MS).unwrap_or(u32::MAX))
    }

    /// The day after (saturating at the last representable day).
    pub fn next(self) -> Day {
        Day(self.0.saturating_add(1))
    }

    /// The day `n` days before (saturating at 1970-01-01).
    pub fn minus(self, n: u32) -> Day {
        Day(self.0.saturating_sub(n))
    }

    /// The day of a calendar date; `None` for an impossible date or one before 1970.
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let (m, d) = (i64::from(month), i64::from(day));
        let y = if m <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = if m > 2 { m - 3 } else { m + 9 };
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * ERA_DAYS + doe - EPOCH_SHIFT;
        let found = Day(u32::try_from(days).ok()?);
        // 31 February comes back as 3 March: only real dates round-trip.
        (found.ymd() == (year, month, day)).then_some(found)
    }

    /// The calendar date: (year, month 1..=12, day 1..=31).
    pub fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(i64::from(self.0))
    }
}

/// The calendar date (year, month 1..=12, day 1..=31) of `days` days from 1970-01-01,
/// negative before it: Hinnant's `civil_from_days`, for callers that need days before 1970 or
/// at a UTC offset (a [`Day`] holds neither).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + EPOCH_SHIFT;
    let era = z.div_euclid(ERA_DAYS);
    let doe = z.rem_euclid(ERA_DAYS);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // Day and month are in 1..=31 and 1..=12 by construction.
    (
        y,
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl FromStr for Day {
    type Err = DayError;

    fn from_str(text: &str) -> Result<Day, DayError> {
        let err = || DayError(text.chars().take(40).collect());
        let mut parts = text.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(err());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(err());
        }
        let number = |s: &str| s.parse::<u32>().map_err(|_| err());
        Day::from_ymd(i64::from(number(y)?), number(m)?, number(d)?).ok_or_else(err)
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Day, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_convert_both_ways() {
        // Reference points computed independently: 2000-03-01 is day 11017, 2024-02-29 is
        // day 19782 (1970..2024 has 54 years and 13 leap days: 54*365+13+31+28 = 19782).
        for (days, text) in [
            (0, "1970-01-01"),
            (31, "1970-02-01"),
            (365, "1971-01-01"),
            (11_016, "2000-02-29"),
            (11_017, "2000-03-01"),
            (19_782, "2024-02-29"),
            (19_783, "2024-03-01"),
        ] {
            assert_eq!(Day::from_days(days).to_string(), text, "{days}");
            assert_eq!(text.parse::<Day>(), Ok(Day::from_days(days)), "{text}");
        }
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        for days in 0..(4 * ERA_DAYS as u32) {
            let day = Day::from_days(days);
            let (y, m, d) = day.ymd();
            assert_eq!(Day::from_ymd(y, m, d), Some(day));
        }
    }

    #[test]
    fn impossible_or_malformed_dates_are_refused() {
        for text in [
            "2023-02-29",
            "2024-04-31",
            "2024-13-01",
            "2024-00-10",
            "1969-12-31",
            "2024-1-01",
            "20240101",
            "2024-01-01-01",
            "",
            "yyyy-mm-dd",
        ] {
            assert!(text.parse::<Day>().is_err(), "{text}");
        }
    }

    #[test]
    fn instants_fall_on_their_utc_day() {
        assert_eq!(Day::from_unix_ms(DAY_MS - 1), Day::from_days(0));
        assert_eq!(Day::from_unix_ms(DAY_MS), Day::from_days(1));
        // 2024-02-29T23:59:59.999Z
        let ms = 19_783 * DAY_MS - 1;
        assert_eq!(Day::from_unix_ms(ms).to_string(), "2024-02-29");
    }

    #[test]
    fn serialises_as_a_date_string() {
        let day: Day = "2025-06-30".parse().unwrap();
        assert_eq!(serde_json::to_string(&day).unwrap(), r#""2025-06-30""#);
        assert_eq!(serde_json::from_str::<Day>(r#""2025-06-30""#).unwrap(), day);
        assert!(serde_json::from_str::<Day>(r#""2025-06-31""#).is_err());
    }
}
