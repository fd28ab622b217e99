//! [`Since`]: the start of a reported period, as `relais stats --since` and the dashboard
//! give it: a number of days back (`7d`, today included) or a date (`YYYY-MM-DD`).

use std::fmt;
use std::str::FromStr;

use relais_analytics::Day;

/// Longest period accepted, in days (ten years).
const MAX_DAYS: u32 = 3_660;

/// Where a period starts; it always ends today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// The last `n` days, today included (`7d`).
    Days(u32),
    /// From this day on (`2026-01-31`).
    Date(Day),
}

/// A `--since` value that is neither `<n>d` nor `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a period start: write <days>d (1 to {MAX_DAYS}, e.g. 7d) or YYYY-MM-DD")]
pub struct SinceError(String);

impl Since {
    /// The first and last day of the period ending `today` (a date after today starts it
    /// today).
    pub fn range(self, today: Day) -> (Day, Day) {
        let from = match self {
            Since::Days(n) => today.minus(n.saturating_sub(1)),
            Since::Date(day) => day.min(today),
        };
        (from, today)
    }
}

impl Default for Since {
    /// The last 30 days.
    fn default() -> Since {
        Since::Days(30)
    }
}

impl FromStr for Since {
    type Err = SinceError;

    fn from_str(text: &str) -> Result<Since, SinceError> {
        let error = || SinceError(text.to_owned());
        if let Some(days) = text.strip_suffix('d') {
            let days: u32 = days.parse().map_err(|_| error())?;
            return if (1..=MAX_DAYS).contains(&days) {
                Ok(Since::Days(days))
            } else {
                Err(error())
            };
        }
        text.parse::<Day>().map(Since::Date).map_err(|_| error())
    }
}

impl fmt::Display for Since {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Since::Days(n) => write!(f, "{n}d"),
            Since::Date(day) => write!(f, "{day}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Day {
        text.parse().unwrap()
    }

    #[test]
    fn days_count_today_in_and_dates_start_there() {
        let today = day("2026-03-10");
        assert_eq!(
            "7d".parse::<Since>().unwrap().range(today),
            (day("2026-03-04"), today)
        );
        assert_eq!("1d".parse::<Since>().unwrap().range(today), (today, today));
        assert_eq!(
            "2026-02-27".parse::<Since>().unwrap().range(today),
            (day("2026-02-27"), today)
        );
        // A start in the future is today.
        assert_eq!(
            "2026-04-01".parse::<Since>().unwrap().range(today),
            (today, today)
        );
    }

    #[test]
    fn malformed_starts_are_refused() {
        for bad in [
            "",
            "d",
            "0d",
            "7",
            "-3d",
            "3661d",
            "7days",
            "2026-02-30",
            "1969-12-31",
        ] {
            assert!(bad.parse::<Since>().is_err(), "{bad}");
        }
        assert_eq!("30d".parse::<Since>().unwrap().to_string(), "30d");
    }
}
