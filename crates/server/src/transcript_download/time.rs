//! Calendar dates and clock times of Unix milliseconds at a fixed UTC offset, in French and
//! English: all a transcript needs, without a date crate (the calendar arithmetic is the
//! analytics crate's [`civil_from_days`]).

use relais_analytics::civil_from_days;
use relais_nlu::Lang;

/// A date and a time of day at some UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    /// 1 to 12.
    pub(crate) month: u32,
    /// 1 to 31.
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
}

impl Civil {
    /// The date and time of `ms` (Unix milliseconds) at `offset_min` minutes from UTC.
    pub(crate) fn at(ms: u64, offset_min: i32) -> Civil {
        let minutes = i64::try_from(ms / 60_000).unwrap_or(i64::MAX / 2) + i64::from(offset_min);
        let days = minutes.div_euclid(24 * 60);
        let of_day = minutes.rem_euclid(24 * 60);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            // Both below 60 and 24 by construction.
            hour: u32::try_from(of_day / 60).unwrap_or(0),
            minute: u32::try_from(of_day % 60).unwrap_or(0),
        }
    }

    /// The same calendar day.
    pub(crate) fn same_day(&self, other: &Civil) -> bool {
        (self.year, self.month, self.day) == (other.year, other.month, other.day)
    }

    /// `14:03`.
    pub(crate) fn clock(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// `2024-05-01`.
    pub(crate) fn iso_date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// `1 mai 2024` or `1 May 2024`.
    pub(crate) fn long_date(&self, lang: Lang) -> String {
        const FR: [&str; 12] = [
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ];
        const EN: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        let names = match lang {
            Lang::Fr => FR,
            Lang::En => EN,
        };
        let index = usize::try_from(self.month.clamp(1, 12) - 1).unwrap_or(0);
        format!("{} {} {}", self.day, names[index], self.year)
    }
}

/// `UTC`, `UTC+02:00` or `UTC-03:30`.
pub(crate) fn offset_label(offset_min: i32) -> String {
    if offset_min == 0 {
        return "UTC".to_owned();
    }
    let sign = if offset_min < 0 { '-' } else { '+' };
    let abs = offset_min.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 60, abs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_match_known_instants() {
        // 2024-02-29 23:30:00 UTC, a leap day.
        let ms = 1_709_249_400_000;
        let utc = Civil::at(ms, 0);
        assert_eq!(
            (utc.iso_date(), utc.clock()),
            ("2024-02-29".to_owned(), "23:30".to_owned())
        );
        let paris = Civil::at(ms, 60);
        assert_eq!(
            (paris.iso_date(), paris.clock()),
            ("2024-03-01".to_owned(), "00:30".to_owned())
        );
        let montreal = Civil::at(ms, -5 * 60);
        assert_eq!(montreal.clock(), "18:30");
        assert_eq!(Civil::at(0, 0).iso_date(), "1970-01-01");
        assert_eq!(Civil::at(0, -60).iso_date(), "1969-12-31");
        assert_eq!(Civil::at(951_782_400_000, 0).iso_date(), "2000-02-29");
    }

    #[test]
    fn long_dates_and_offsets_read_naturally() {
        let day = Civil::at(1_714_557_600_000, 120); // 2024-05-01 12:00 at UTC+02:00
        assert_eq!(day.long_date(Lang::Fr), "1 mai 2024");
        assert_eq!(day.long_date(Lang::En), "1 May 2024");
        assert_eq!(offset_label(0), "UTC");
        assert_eq!(offset_label(120), "UTC+02:00");
        assert_eq!(offset_label(-210), "UTC-03:30");
        assert!(day.same_day(&Civil::at(1_714_557_600_000 + 3_600_000, 120)));
        assert!(!day.same_day(&Civil::at(1_714_557_600_000 + 13 * 3_600_000, 120)));
    }
}
