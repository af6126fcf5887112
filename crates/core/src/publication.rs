//! 公开发布 (publication): a period's approved figures, frozen as the office published them,
//! with each figure's indicator, place, period, value, unit, target as written (`(推算)` when
//! derived), light, and the indicator's metadata; the programme's project summary as
//! published. A published set never changes: a correction is a new version with a visible
//! note, and every older version stays readable. What the public dashboard and the open
//! data serve is only ever read from here.
//!
//! Pure: the app assembles a [`Publication`] from the approved values and stores the
//! [`PublicationRecord`]; this module decides versions, the open-data rows and their CSV.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::eval::Light;
use crate::period::Period;

/// The licence of every published figure.
pub const LICENCE: &str = "CC-BY-4.0";
/// Its name as shown.
pub const LICENCE_ZH: &str = "知识共享署名 4.0 国际许可协议";
pub const LICENCE_EN: &str = "Creative Commons Attribution 4.0 International (CC BY 4.0)";
pub const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/4.0/";
/// The longest correction note.
pub const MAX_NOTE: usize = 500;

/// One published figure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedFigure {
    pub indicator: String,
    pub place: String,
    pub period: Period,
    pub value: f64,
    pub unit: String,
    /// The target the figure was judged against, as written (`≥28.07`, `全覆盖`; a derived
    /// one ends in `(推算)`); empty when the year has none; `无分解目标` for a town without
    /// its share of a summed target.
    pub target: String,
    /// The target was derived from the plan's final one (推算).
    pub target_derived: bool,
    pub light: Light,
}

/// An indicator's metadata as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorMeta {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub unit: String,
    /// 统计口径 (empty: not written).
    pub definition: String,
    /// 汇总方式, in words.
    pub aggregation: String,
    pub aggregation_en: String,
    /// 数据来源 (empty: not named).
    pub source: String,
    pub lead_unit: String,
    /// `higher` or `lower` is better.
    pub polarity: String,
    /// A row of the plan's table of targets (a headline indicator).
    pub headline: bool,
}

/// A place as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceMeta {
    pub code: String,
    pub name: String,
    /// The place above (None: the plan's own place).
    pub parent: Option<String>,
}

/// A domain as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainMeta {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

/// One major project's progress as published (no contact, no closing note).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedProject {
    pub code: String,
    pub name: String,
    pub domain: String,
    pub place: Option<String>,
    pub lead_unit: String,
    pub total_wan: f64,
    pub planned_wan: f64,
    pub completed_wan: Option<f64>,
    /// 在建, 已完工 …
    pub status: String,
    pub light: Option<Light>,
}

/// The register's summary as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedProjects {
    pub year: i32,
    /// The plan's total, 万元.
    pub goal_wan: Option<f64>,
    pub completed_to_date_wan: f64,
    pub light: Light,
    pub projects: Vec<PublishedProject>,
}

/// One version of a period's published set: frozen once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub period: Period,
    /// 1 for the first publication, +1 at every correction.
    pub version: u32,
    /// The app's day it was published on.
    pub published_on: NaiveDate,
    /// The correction's note, shown beside the figures (empty for the first version).
    #[serde(default)]
    pub note: String,
    pub figures: Vec<PublishedFigure>,
    pub indicators: Vec<IndicatorMeta>,
    pub places: Vec<PlaceMeta>,
    pub domains: Vec<DomainMeta>,
    #[serde(default)]
    pub projects: Option<PublishedProjects>,
}

impl Publication {
    pub fn indicator(&self, code: &str) -> Option<&IndicatorMeta> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn place(&self, code: &str) -> Option<&PlaceMeta> {
        self.places.iter().find(|p| p.code == code)
    }
}

/// Every version of one period's published set: the stored record (`publication`, id the
/// period). Versions are only ever appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicationRecord {
    pub period: Period,
    pub versions: Vec<Publication>,
}

impl PublicationRecord {
    /// The version in force (the latest).
    pub fn current(&self) -> Option<&Publication> {
        self.versions.last()
    }

    pub fn version(&self, v: u32) -> Option<&Publication> {
        self.versions.iter().find(|p| p.version == v)
    }
}

/// Why a set cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error("{0} 尚未结束,不能发布(发布的是已结束期间的已审核数据)")]
    NotEnded(Period),
    #[error("{0} 没有已审核通过的数据可发布")]
    Nothing(Period),
    #[error("{0} 已发布第 {1} 版:更正重新发布须写明更正说明")]
    NoteRequired(Period, u32),
    #[error("更正说明最多 {MAX_NOTE} 个字")]
    NoteTooLong,
}

/// The version a publication of `period` on `today` becomes, given what is stored, and the
/// note as kept: a period that has not ended, an empty set, and a correction without a note
/// are refused.
pub fn next_version(
    stored: Option<&PublicationRecord>,
    period: Period,
    today: NaiveDate,
    figures: usize,
    note: &str,
) -> Result<(u32, String), PublishError> {
    let note = note.trim().to_string();
    if period.end() >= today {
        return Err(PublishError::NotEnded(period));
    }
    if figures == 0 {
        return Err(PublishError::Nothing(period));
    }
    if note.chars().count() > MAX_NOTE {
        return Err(PublishError::NoteTooLong);
    }
    let last = stored.and_then(|r| r.current()).map(|p| p.version);
    match last {
        Some(v) if note.is_empty() => Err(PublishError::NoteRequired(period, v)),
        Some(v) => Ok((v + 1, note)),
        None => Ok((1, note)),
    }
}

/// One row of the open data: a figure with its indicator's and place's metadata, the
/// version it was published in and the licence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenRow {
    pub indicator: String,
    pub indicator_name: String,
    pub domain: String,
    pub place: String,
    pub place_name: String,
    pub period: String,
    pub value: f64,
    pub unit: String,
    pub target: String,
    pub target_derived: bool,
    pub light: Light,
    pub definition: String,
    pub aggregation: String,
    pub source: String,
    pub lead_unit: String,
    pub published_version: u32,
    pub published_on: NaiveDate,
    pub correction_note: String,
    pub licence: &'static str,
}

/// The open-data rows of the versions in force, `keep` choosing the figures, by indicator,
/// place and period.
pub fn open_rows<'a>(
    current: impl IntoIterator<Item = &'a Publication>,
    keep: impl Fn(&PublishedFigure) -> bool,
) -> Vec<OpenRow> {
    let mut rows = Vec::new();
    for p in current {
        for f in p.figures.iter().filter(|f| keep(f)) {
            let meta = p.indicator(&f.indicator);
            let text = |g: fn(&IndicatorMeta) -> &String| meta.map(g).cloned().unwrap_or_default();
            rows.push(OpenRow {
                indicator: f.indicator.clone(),
                indicator_name: text(|m| &m.name),
                domain: text(|m| &m.domain),
                place: f.place.clone(),
                place_name: p
                    .place(&f.place)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                period: f.period.to_string(),
                value: f.value,
                unit: f.unit.clone(),
                target: f.target.clone(),
                target_derived: f.target_derived,
                light: f.light,
                definition: text(|m| &m.definition),
                aggregation: text(|m| &m.aggregation),
                source: text(|m| &m.source),
                lead_unit: text(|m| &m.lead_unit),
                published_version: p.version,
                published_on: p.published_on,
                correction_note: p.note.clone(),
                licence: LICENCE,
            });
        }
    }
    rows.sort_by(|a, b| {
        (&a.indicator, &a.place, &a.period).cmp(&(&b.indicator, &b.place, &b.period))
    });
    rows
}

/// The open data's columns, in order (Chinese, then the JSON field name).
pub const OPEN_COLUMNS: [(&str, &str); 19] = [
    ("指标代码", "indicator"),
    ("指标名称", "indicator_name"),
    ("领域", "domain"),
    ("地区代码", "place"),
    ("地区名称", "place_name"),
    ("期间", "period"),
    ("数值", "value"),
    ("单位", "unit"),
    ("目标", "target"),
    ("目标为推算", "target_derived"),
    ("灯号", "light"),
    ("统计口径", "definition"),
    ("汇总方式", "aggregation"),
    ("数据来源", "source"),
    ("牵头单位", "lead_unit"),
    ("发布版本", "published_version"),
    ("发布日期", "published_on"),
    ("更正说明", "correction_note"),
    ("许可协议", "licence"),
];

impl OpenRow {
    /// The cells in [`OPEN_COLUMNS`] order.
    pub fn cells(&self) -> [String; 19] {
        [
            self.indicator.clone(),
            self.indicator_name.clone(),
            self.domain.clone(),
            self.place.clone(),
            self.place_name.clone(),
            self.period.clone(),
            number(self.value),
            self.unit.clone(),
            self.target.clone(),
            if self.target_derived { "是" } else { "否" }.to_string(),
            self.light.label_zh().to_string(),
            self.definition.clone(),
            self.aggregation.clone(),
            self.source.clone(),
            self.lead_unit.clone(),
            self.published_version.to_string(),
            self.published_on.to_string(),
            self.correction_note.clone(),
            LICENCE.to_string(),
        ]
    }
}

/// A number as published: as few digits as it needs (no float noise).
pub fn number(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The rows as CSV: UTF-8 with a byte-order mark (Excel reads it as UTF-8), a header of
/// the Chinese column names, CRLF line ends, RFC 4180 quoting. A cell starting with `=`,
/// `+`, `-` or `@` that is not a number is prefixed with `'` (no formula runs when opened).
pub fn rows_csv(rows: &[OpenRow]) -> String {
    let mut out = String::from("\u{feff}");
    let header: Vec<&str> = OPEN_COLUMNS.iter().map(|(zh, _)| *zh).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = r.cells().iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@']) && c.parse::<f64>().is_err() {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

/// The published figure of `indicator` at `place` with the latest period among the
/// versions in force (a later publication wins for the same period), and its version.
pub fn latest<'a>(
    current: &[&'a Publication],
    indicator: &str,
    place: &str,
) -> Option<(&'a PublishedFigure, &'a Publication)> {
    let mut best: Option<(&PublishedFigure, &Publication)> = None;
    for p in current {
        for f in &p.figures {
            if f.indicator != indicator || f.place != place {
                continue;
            }
            let better = match best {
                None => true,
                Some((b, bp)) => (f.period, p.published_on) > (b.period, bp.published_on),
            };
            if better {
                best = Some((f, p));
            }
        }
    }
    best
}

/// The published trend of `indicator` at `place`: one figure per period, oldest first (a
/// later publication wins for the same period).
pub fn trend(current: &[&Publication], indicator: &str, place: &str) -> Vec<(Period, f64)> {
    let mut by: BTreeMap<Period, (NaiveDate, f64)> = BTreeMap::new();
    for p in current {
        for f in p
            .figures
            .iter()
            .filter(|f| f.indicator == indicator && f.place == place)
        {
            let e = by.entry(f.period).or_insert((p.published_on, f.value));
            if p.published_on >= e.0 {
                *e = (p.published_on, f.value);
            }
        }
    }
    by.into_iter().map(|(k, (_, v))| (k, v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn figure(period: &str, value: f64) -> PublishedFigure {
        PublishedFigure {
            indicator: "T01".into(),
            place: "330902".into(),
            period: period.parse().unwrap(),
            value,
            unit: "%".into(),
            target: "≥95".into(),
            target_derived: false,
            light: Light::Green,
        }
    }

    fn publication(
        period: &str,
        version: u32,
        on: NaiveDate,
        figures: Vec<PublishedFigure>,
    ) -> Publication {
        Publication {
            period: period.parse().unwrap(),
            version,
            published_on: on,
            note: String::new(),
            figures,
            indicators: vec![IndicatorMeta {
                code: "T01".into(),
                name: "覆盖率".into(),
                domain: "YY".into(),
                unit: "%".into(),
                definition: "口径,含逗号".into(),
                aggregation: "取最新值".into(),
                aggregation_en: "latest value".into(),
                source: "=统计年鉴".into(),
                lead_unit: "区卫健局".into(),
                polarity: "higher".into(),
                headline: true,
            }],
            places: vec![PlaceMeta {
                code: "330902".into(),
                name: "定海区".into(),
                parent: None,
            }],
            domains: vec![],
            projects: None,
        }
    }

    #[test]
    fn versions_need_an_ended_period_figures_and_a_note_to_correct() {
        let q2: Period = "2025Q2".parse().unwrap();
        let today = d(2025, 10, 15);
        assert_eq!(
            next_version(None, "2025Q4".parse().unwrap(), today, 3, ""),
            Err(PublishError::NotEnded("2025Q4".parse().unwrap()))
        );
        assert_eq!(
            next_version(None, q2, today, 0, ""),
            Err(PublishError::Nothing(q2))
        );
        assert_eq!(
            next_version(None, q2, today, 3, "  "),
            Ok((1, String::new()))
        );
        let rec = PublicationRecord {
            period: q2,
            versions: vec![publication("2025Q2", 1, d(2025, 8, 1), vec![])],
        };
        assert_eq!(
            next_version(Some(&rec), q2, today, 3, ""),
            Err(PublishError::NoteRequired(q2, 1))
        );
        assert_eq!(
            next_version(Some(&rec), q2, today, 3, " 更正 "),
            Ok((2, "更正".into()))
        );
        assert_eq!(
            next_version(Some(&rec), q2, today, 3, &"字".repeat(MAX_NOTE + 1)),
            Err(PublishError::NoteTooLong)
        );
    }

    #[test]
    fn csv_has_a_bom_a_header_and_quotes_what_needs_it() {
        let p = publication("2024", 1, d(2025, 2, 1), vec![figure("2024", 96.5)]);
        let rows = open_rows([&p], |_| true);
        let csv = rows_csv(&rows);
        assert!(csv.starts_with("\u{feff}指标代码,指标名称"));
        assert!(csv.contains("\"口径,含逗号\""), "{csv}");
        assert!(csv.contains(",'=统计年鉴,"), "no formula: {csv}");
        assert!(csv.contains(",96.5,%,≥95,否,达标,"), "{csv}");
        assert_eq!(csv.matches("\r\n").count(), 2);
    }

    #[test]
    fn latest_and_trend_read_the_versions_in_force() {
        let y2024 = publication("2024", 1, d(2025, 2, 1), vec![figure("2024", 90.0)]);
        let q2 = publication("2025Q2", 2, d(2025, 8, 1), vec![figure("2025Q2", 93.0)]);
        let both = [&y2024, &q2];
        let (f, p) = latest(&both, "T01", "330902").unwrap();
        assert_eq!((f.value, p.version), (93.0, 2));
        assert_eq!(
            trend(&both, "T01", "330902"),
            vec![
                ("2024".parse().unwrap(), 90.0),
                ("2025Q2".parse().unwrap(), 93.0)
            ]
        );
        assert!(latest(&both, "T02", "330902").is_none());
        assert_eq!(number(93.0), "93");
        assert_eq!(number(0.1 + 0.2), "0.3");
    }
}
