//! The programme's clock: China Standard Time (UTC+8, no daylight saving), the time every
//! county and city of Zhejiang works in.
//!
//! Timestamps are stored in UTC. Deadlines, due dates, "today" and "on or before the
//! deadline" are Beijing calendar days, and times are shown in Beijing time: between 00:00
//! and 08:00 in Beijing the UTC date is still yesterday, and a report sent at 07:00 on its
//! due day must count as on time.

use chrono::{Duration, NaiveDate, NaiveDateTime};

/// Hours east of UTC.
pub const OFFSET_HOURS: i64 = 8;

/// The Beijing wall-clock time of a UTC timestamp.
pub fn beijing(utc: NaiveDateTime) -> NaiveDateTime {
    utc + Duration::hours(OFFSET_HOURS)
}

/// The Beijing calendar day of a UTC timestamp.
pub fn beijing_date(utc: NaiveDateTime) -> NaiveDate {
    beijing(utc).date()
}

/// `2025-10-31 17:05`: a UTC timestamp as people in the programme read it.
pub fn show_minute(utc: NaiveDateTime) -> String {
    beijing(utc).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn the_beijing_day_starts_at_16_utc() {
        assert_eq!(
            beijing_date(utc("2025-10-30 15:59")),
            NaiveDate::from_ymd_opt(2025, 10, 30).unwrap()
        );
        assert_eq!(
            beijing_date(utc("2025-10-30 16:00")),
            NaiveDate::from_ymd_opt(2025, 10, 31).unwrap()
        );
        assert_eq!(show_minute(utc("2025-12-31 23:30")), "2026-01-01 07:30");
    }
}
