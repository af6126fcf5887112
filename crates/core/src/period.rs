//! Reporting periods: year, half, quarter, month and ISO week.
//!
//! Written forms (and `Display`): `2024`, `2024H1`, `2024Q1`, `2024-03`, `2024W05`.
//! Chinese forms (`label_zh`): `2024年`, `2024年上半年`, `2024年第1季度`, `2024年3月`,
//! `2024年第5周`.
//!
//! An ISO week belongs to its ISO year: `2024W01` starts on Monday 2024-01-01, `2020W01`
//! starts on 2019-12-30, `2026W53` exists and `2025W53` does not.
//!
//! The fraction of the year elapsed is counted in whole days, and a day counts once it is
//! over: on date d it is (days from 1 January through d, inclusive) ÷ (days in the year).
//! So the fraction at the end of a June report is 181/365 in 2025 (182/366 in 2024), not
//! 0.5: the schedule (methods §2) is a time-proportional one, and the calendar is uneven.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The length of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Year,
    Half,
    Quarter,
    Month,
    Week,
}

impl PeriodKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            PeriodKind::Year => "年度",
            PeriodKind::Half => "半年",
            PeriodKind::Quarter => "季度",
            PeriodKind::Month => "月度",
            PeriodKind::Week => "周",
        }
    }
}

/// A reporting period. Always valid: it can only be built through the checked
/// constructors or by parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    year: i32,
    kind: PeriodKind,
    /// 1-based number within the year (1 for a year).
    index: u8,
}

/// Why a period text or a period's parts are not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("无法识别的期间“{0}”:应写作 2024、2024H1、2024Q1、2024-03 或 2024W05")]
    Unrecognized(String),
    #[error("期间“{text}”的年份须为四位数字(0000–9999)")]
    BadYear { text: String },
    #[error("期间“{text}”:半年只能是 H1 或 H2")]
    BadHalf { text: String },
    #[error("期间“{text}”:季度只能是 Q1–Q4")]
    BadQuarter { text: String },
    #[error("期间“{text}”:月份须为两位数字 01–12")]
    BadMonth { text: String },
    #[error("期间“{text}”:周次须为两位数字,且在该 ISO 年的周数之内(52 或 53)")]
    BadWeek { text: String },
}

const MIN_YEAR: i32 = 0;
const MAX_YEAR: i32 = 9999;

impl Period {
    pub fn year_of(year: i32) -> Result<Period, PeriodError> {
        Self::checked(year, PeriodKind::Year, 1)
    }

    pub fn half(year: i32, half: u8) -> Result<Period, PeriodError> {
        Self::checked(year, PeriodKind::Half, half)
    }

    pub fn quarter(year: i32, quarter: u8) -> Result<Period, PeriodError> {
        Self::checked(year, PeriodKind::Quarter, quarter)
    }

    pub fn month(year: i32, month: u8) -> Result<Period, PeriodError> {
        Self::checked(year, PeriodKind::Month, month)
    }

    /// ISO week `week` of ISO year `year`.
    pub fn week(year: i32, week: u8) -> Result<Period, PeriodError> {
        Self::checked(year, PeriodKind::Week, week)
    }

    fn checked(year: i32, kind: PeriodKind, index: u8) -> Result<Period, PeriodError> {
        let p = Period { year, kind, index };
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(PeriodError::BadYear { text: p.raw_text() });
        }
        let ok = match kind {
            PeriodKind::Year => index == 1,
            PeriodKind::Half => (1..=2).contains(&index),
            PeriodKind::Quarter => (1..=4).contains(&index),
            PeriodKind::Month => (1..=12).contains(&index),
            PeriodKind::Week => {
                index >= 1 && NaiveDate::from_isoywd_opt(year, index.into(), Weekday::Mon).is_some()
            }
        };
        if ok {
            Ok(p)
        } else {
            let text = p.raw_text();
            Err(match kind {
                PeriodKind::Year => PeriodError::Unrecognized(text),
                PeriodKind::Half => PeriodError::BadHalf { text },
                PeriodKind::Quarter => PeriodError::BadQuarter { text },
                PeriodKind::Month => PeriodError::BadMonth { text },
                PeriodKind::Week => PeriodError::BadWeek { text },
            })
        }
    }

    /// The period of `kind` that contains `date` (for weeks: the ISO week).
    pub fn containing(kind: PeriodKind, date: NaiveDate) -> Result<Period, PeriodError> {
        let y = date.year();
        let m = date.month() as u8;
        match kind {
            PeriodKind::Year => Self::year_of(y),
            PeriodKind::Half => Self::half(y, if m <= 6 { 1 } else { 2 }),
            PeriodKind::Quarter => Self::quarter(y, (m - 1) / 3 + 1),
            PeriodKind::Month => Self::month(y, m),
            PeriodKind::Week => {
                let w = date.iso_week();
                Self::week(w.year(), w.week() as u8)
            }
        }
    }

    fn raw_text(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{:04}", self.year),
            PeriodKind::Half => format!("{:04}H{}", self.year, self.index),
            PeriodKind::Quarter => format!("{:04}Q{}", self.year, self.index),
            PeriodKind::Month => format!("{:04}-{:02}", self.year, self.index),
            PeriodKind::Week => format!("{:04}W{:02}", self.year, self.index),
        }
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The number of the period within its year: half 1–2, quarter 1–4, month 1–12,
    /// ISO week 1–53; 1 for a year.
    pub fn index(&self) -> u8 {
        self.index
    }

    /// The year the period belongs to; for a week, its ISO year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The first day.
    pub fn start(&self) -> NaiveDate {
        let y = self.year;
        let i = u32::from(self.index);
        let d = match self.kind {
            PeriodKind::Year => NaiveDate::from_ymd_opt(y, 1, 1),
            PeriodKind::Half => NaiveDate::from_ymd_opt(y, (i - 1) * 6 + 1, 1),
            PeriodKind::Quarter => NaiveDate::from_ymd_opt(y, (i - 1) * 3 + 1, 1),
            PeriodKind::Month => NaiveDate::from_ymd_opt(y, i, 1),
            PeriodKind::Week => NaiveDate::from_isoywd_opt(y, i, Weekday::Mon),
        };
        // Every constructor has checked these parts, so the date exists.
        d.unwrap_or(NaiveDate::MIN)
    }

    /// The last day (inclusive).
    pub fn end(&self) -> NaiveDate {
        match self.kind {
            PeriodKind::Week => self.start() + Duration::days(6),
            _ => {
                let months = match self.kind {
                    PeriodKind::Year => 12,
                    PeriodKind::Half => 6,
                    PeriodKind::Quarter => 3,
                    _ => 1,
                };
                let first = self.start();
                let next = first
                    .checked_add_months(chrono::Months::new(months))
                    .unwrap_or(NaiveDate::MAX);
                next.pred_opt().unwrap_or(next)
            }
        }
    }

    /// Number of days in the period.
    pub fn days(&self) -> i64 {
        (self.end() - self.start()).num_days() + 1
    }

    /// Whether `date` falls within the period (both ends inclusive).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start() <= date && date <= self.end()
    }

    /// Whether every day of `other` falls within this period (a month within its quarter;
    /// a week straddling two months is within neither).
    pub fn contains_period(&self, other: &Period) -> bool {
        self.start() <= other.start() && other.end() <= self.end()
    }

    /// The next period of the same kind, if it is still within years 0000–9999.
    pub fn succ(&self) -> Option<Period> {
        Self::containing(self.kind, self.end().succ_opt()?).ok()
    }

    /// The previous period of the same kind, if it is still within years 0000–9999.
    pub fn pred(&self) -> Option<Period> {
        Self::containing(self.kind, self.start().pred_opt()?).ok()
    }

    /// The Chinese name: `2024年`, `2024年上半年`, `2024年第1季度`, `2024年3月`, `2024年第5周`.
    pub fn label_zh(&self) -> String {
        let y = self.year;
        match self.kind {
            PeriodKind::Year => format!("{y}年"),
            PeriodKind::Half if self.index == 1 => format!("{y}年上半年"),
            PeriodKind::Half => format!("{y}年下半年"),
            PeriodKind::Quarter => format!("{y}年第{}季度", self.index),
            PeriodKind::Month => format!("{y}年{}月", self.index),
            PeriodKind::Week => format!("{y}年第{}周", self.index),
        }
    }

    /// The English name: `2024`, `2024 H1`, `2024 Q1`, `Mar 2024`, `2024 week 5`.
    pub fn label_en(&self) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let y = self.year;
        match self.kind {
            PeriodKind::Year => format!("{y}"),
            PeriodKind::Half => format!("{y} H{}", self.index),
            PeriodKind::Quarter => format!("{y} Q{}", self.index),
            PeriodKind::Month => match MONTHS.get((self.index as usize).wrapping_sub(1)) {
                Some(m) => format!("{m} {y}"),
                None => format!("{y}-{:02}", self.index),
            },
            PeriodKind::Week => format!("{y} week {}", self.index),
        }
    }

    /// The fraction of the period's year elapsed at the end of `date` (see the module
    /// documentation): 0 before the year, 1 from its last day on.
    pub fn fraction_of_year_elapsed(&self, date: NaiveDate) -> f64 {
        fraction_of_year_elapsed(self.year, date)
    }

    /// The fraction of the year elapsed when the period is over: the `f` of the schedule
    /// for a report on this period. June 2025 → 181/365; 2025Q2 → 181/365; 2024H1 →
    /// 182/366; a year → 1. A week's year is its ISO year, and the fraction is taken in
    /// that calendar year, so the last days of `2026W53` (in January 2027) give 1.
    pub fn year_fraction_at_end(&self) -> f64 {
        self.fraction_of_year_elapsed(self.end())
    }
}

/// The fraction of calendar year `year` elapsed at the end of `date`: days from 1 January
/// through `date` inclusive ÷ days in the year, clamped to 0..=1.
pub fn fraction_of_year_elapsed(year: i32, date: NaiveDate) -> f64 {
    let (Some(first), Some(next)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year.saturating_add(1), 1, 1),
    ) else {
        return if date.year() < year { 0.0 } else { 1.0 };
    };
    let total = (next - first).num_days();
    let done = (date - first).num_days() + 1;
    (done.clamp(0, total) as f64) / (total as f64)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw_text())
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(text: &str) -> Result<Period, PeriodError> {
        let unrecognized = || PeriodError::Unrecognized(text.to_string());
        let owned = || text.to_string();
        let year_part = text.get(..4).ok_or_else(unrecognized)?;
        let rest = text.get(4..).ok_or_else(unrecognized)?;
        if !year_part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(if text.bytes().take(4).any(|b| b.is_ascii_digit()) {
                PeriodError::BadYear { text: owned() }
            } else {
                unrecognized()
            });
        }
        let year: i32 = year_part.parse().map_err(|_| unrecognized())?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if rest.is_empty() {
            return Period::year_of(year);
        }
        if let Some(h) = rest.strip_prefix('H') {
            return match h {
                "1" => Period::half(year, 1),
                "2" => Period::half(year, 2),
                _ => Err(PeriodError::BadHalf { text: owned() }),
            };
        }
        if let Some(q) = rest.strip_prefix('Q') {
            if !digits(q, 1) {
                return Err(PeriodError::BadQuarter { text: owned() });
            }
            let n = q
                .parse()
                .map_err(|_| PeriodError::BadQuarter { text: owned() })?;
            return Period::quarter(year, n).map_err(|_| PeriodError::BadQuarter { text: owned() });
        }
        if let Some(m) = rest.strip_prefix('-') {
            if !digits(m, 2) {
                return Err(PeriodError::BadMonth { text: owned() });
            }
            let n = m
                .parse()
                .map_err(|_| PeriodError::BadMonth { text: owned() })?;
            return Period::month(year, n).map_err(|_| PeriodError::BadMonth { text: owned() });
        }
        if let Some(w) = rest.strip_prefix('W') {
            if !digits(w, 2) {
                return Err(PeriodError::BadWeek { text: owned() });
            }
            let n = w
                .parse()
                .map_err(|_| PeriodError::BadWeek { text: owned() })?;
            return Period::week(year, n).map_err(|_| PeriodError::BadWeek { text: owned() });
        }
        Err(unrecognized())
    }
}

impl Ord for Period {
    /// Chronological: by first day, then by last day (a month before the quarter that
    /// starts with it, the quarter before its half, the half before its year). Two
    /// different periods never share both days, so this agrees with `Eq`.
    fn cmp(&self, other: &Self) -> Ordering {
        (self.start(), self.end(), self.kind, self.year, self.index).cmp(&(
            other.start(),
            other.end(),
            other.kind,
            other.year,
            other.index,
        ))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn parses_and_displays_every_kind() {
        for s in [
            "2024", "2024H1", "2024H2", "2024Q1", "2024Q4", "2024-03", "2024-12", "2024W05",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(p("2024H1").kind(), PeriodKind::Half);
        assert_eq!(p("2024-03").index(), 3);
    }

    #[test]
    fn chinese_labels() {
        assert_eq!(p("2024").label_zh(), "2024年");
        assert_eq!(p("2024H1").label_zh(), "2024年上半年");
        assert_eq!(p("2024H2").label_zh(), "2024年下半年");
        assert_eq!(p("2024Q1").label_zh(), "2024年第1季度");
        assert_eq!(p("2024-03").label_zh(), "2024年3月");
        assert_eq!(p("2024W05").label_zh(), "2024年第5周");
    }

    #[test]
    fn rejects_bad_text_with_a_clear_error() {
        use PeriodError::*;
        assert!(matches!("".parse::<Period>(), Err(Unrecognized(_))));
        assert!(matches!("20x4".parse::<Period>(), Err(BadYear { .. })));
        assert!(matches!("2024H3".parse::<Period>(), Err(BadHalf { .. })));
        assert!(matches!("2024Q5".parse::<Period>(), Err(BadQuarter { .. })));
        assert!(matches!("2024Q0".parse::<Period>(), Err(BadQuarter { .. })));
        assert!(matches!("2024-13".parse::<Period>(), Err(BadMonth { .. })));
        assert!(matches!("2024-3".parse::<Period>(), Err(BadMonth { .. })));
        assert!(matches!("2024W5".parse::<Period>(), Err(BadWeek { .. })));
        assert!(matches!("2024W00".parse::<Period>(), Err(BadWeek { .. })));
        assert!(matches!("2025W53".parse::<Period>(), Err(BadWeek { .. })));
        assert!(matches!("2024M03".parse::<Period>(), Err(Unrecognized(_))));
        assert!(matches!("2024 ".parse::<Period>(), Err(Unrecognized(_))));
        let msg = "2025W53".parse::<Period>().unwrap_err().to_string();
        assert!(msg.contains("2025W53"), "{msg}");
    }

    #[test]
    fn iso_weeks_belong_to_their_iso_year() {
        assert_eq!(p("2024W01").start(), d(2024, 1, 1));
        assert_eq!(p("2024W01").end(), d(2024, 1, 7));
        assert_eq!(p("2020W01").start(), d(2019, 12, 30));
        assert_eq!(p("2020W01").year(), 2020);
        assert_eq!(p("2026W53").start(), d(2026, 12, 28));
        assert_eq!(p("2026W53").end(), d(2027, 1, 3));
        assert!(Period::week(2025, 53).is_err());
        assert_eq!(
            Period::containing(PeriodKind::Week, d(2027, 1, 2)).unwrap(),
            p("2026W53")
        );
    }

    #[test]
    fn start_and_end_dates() {
        assert_eq!(
            (p("2024").start(), p("2024").end()),
            (d(2024, 1, 1), d(2024, 12, 31))
        );
        assert_eq!(p("2024H2").start(), d(2024, 7, 1));
        assert_eq!(p("2024H1").end(), d(2024, 6, 30));
        assert_eq!(p("2024Q3").start(), d(2024, 7, 1));
        assert_eq!(p("2024Q1").end(), d(2024, 3, 31));
        assert_eq!(p("2024-02").end(), d(2024, 2, 29));
        assert_eq!(p("2023-02").end(), d(2023, 2, 28));
        assert_eq!(p("2024-12").end(), d(2024, 12, 31));
        assert_eq!(p("2024").days(), 366);
        assert_eq!(p("2024W10").days(), 7);
    }

    #[test]
    fn containment() {
        assert!(p("2024-03").contains(d(2024, 3, 31)));
        assert!(!p("2024-03").contains(d(2024, 4, 1)));
        assert!(p("2024Q1").contains_period(&p("2024-03")));
        assert!(p("2024H1").contains_period(&p("2024Q2")));
        assert!(!p("2024Q1").contains_period(&p("2024-04")));
        // 2024W05 runs 29 Jan – 4 Feb: in neither month.
        assert!(!p("2024-01").contains_period(&p("2024W05")));
        assert!(p("2024").contains_period(&p("2024W05")));
        assert!(!p("2026").contains_period(&p("2026W53")));
    }

    #[test]
    fn ordering_is_chronological() {
        let mut v = [
            p("2024"),
            p("2024Q1"),
            p("2023-12"),
            p("2024-01"),
            p("2024H1"),
            p("2024W01"),
        ];
        v.sort();
        let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            s,
            ["2023-12", "2024W01", "2024-01", "2024Q1", "2024H1", "2024"]
        );
        assert!(p("2024-12") < p("2025-01"));
    }

    #[test]
    fn successor_and_predecessor() {
        assert_eq!(p("2024-12").succ(), Some(p("2025-01")));
        assert_eq!(p("2025-01").pred(), Some(p("2024-12")));
        assert_eq!(p("2026W52").succ(), Some(p("2026W53")));
        assert_eq!(p("2026W53").succ(), Some(p("2027W01")));
        assert_eq!(p("2024Q4").succ(), Some(p("2025Q1")));
        assert_eq!(p("9999").succ(), None);
        assert_eq!(p("0000-01").pred(), None);
    }

    #[test]
    fn fraction_of_year_is_day_based_and_counts_the_end_day() {
        assert_eq!(p("2025-06").year_fraction_at_end(), 181.0 / 365.0);
        assert_eq!(p("2024-06").year_fraction_at_end(), 182.0 / 366.0);
        assert_eq!(p("2025Q2").year_fraction_at_end(), 181.0 / 365.0);
        assert_eq!(p("2025").year_fraction_at_end(), 1.0);
        assert_eq!(p("2026W53").year_fraction_at_end(), 1.0);
        assert_eq!(
            p("2025").fraction_of_year_elapsed(d(2025, 1, 1)),
            1.0 / 365.0
        );
        assert_eq!(p("2025").fraction_of_year_elapsed(d(2024, 12, 31)), 0.0);
        assert_eq!(p("2025").fraction_of_year_elapsed(d(2026, 3, 1)), 1.0);
        assert_eq!(fraction_of_year_elapsed(2025, d(2025, 12, 31)), 1.0);
    }

    #[test]
    fn serializes_as_text() {
        let j = serde_json::to_string(&p("2024Q1")).unwrap();
        assert_eq!(j, "\"2024Q1\"");
        let back: Period = serde_json::from_str(&j).unwrap();
        assert_eq!(back, p("2024Q1"));
        assert!(serde_json::from_str::<Period>("\"2024Q9\"").is_err());
    }

    fn any_period() -> impl proptest::strategy::Strategy<Value = Period> {
        use proptest::prelude::*;
        (0i32..=9999, 0usize..5, 1u8..=53).prop_filter_map("valid", |(y, k, i)| {
            let kind = [
                PeriodKind::Year,
                PeriodKind::Half,
                PeriodKind::Quarter,
                PeriodKind::Month,
                PeriodKind::Week,
            ][k];
            Period::checked(y, kind, if kind == PeriodKind::Year { 1 } else { i }).ok()
        })
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,10}") {
            let _ = s.parse::<Period>();
        }

        #[test]
        fn parse_never_panics_on_near_misses(s in "[0-9]{3,5}[-HQWh]?[0-9]{0,3}") {
            if let Ok(per) = s.parse::<Period>() {
                proptest::prop_assert_eq!(per.to_string(), s);
            }
        }

        #[test]
        fn display_then_parse_is_identity(per in any_period()) {
            let back: Period = per.to_string().parse().unwrap();
            proptest::prop_assert_eq!(back, per);
            proptest::prop_assert!(per.start() <= per.end());
            proptest::prop_assert!(per.contains(per.start()) && per.contains(per.end()));
            let f = per.year_fraction_at_end();
            proptest::prop_assert!((0.0..=1.0).contains(&f));
        }

        #[test]
        fn successor_follows_without_gap(per in any_period()) {
            if let Some(next) = per.succ() {
                proptest::prop_assert_eq!(next.start(), per.end().succ_opt().unwrap());
                proptest::prop_assert!(per < next);
                proptest::prop_assert_eq!(next.pred(), Some(per));
            }
        }
    }
}
