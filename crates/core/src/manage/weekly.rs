//! 周计划: each department's and each town's weekly plan, carried over week to week, each
//! item optionally linked to the task, project or order it advances, and the programme
//! office's week view with the units that did not file and the items grouped by link.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// An ISO 8601 week: weeks start on Monday and belong to the year of their Thursday, so
/// 2026-W01 starts on 2025-12-29 and 2020-W53 exists. Always valid when built through
/// [`IsoWeek::new`], [`IsoWeek::from_date`] or parsing. Written `2025-W27` (parsing also
/// accepts `2025W27`); serialized as that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

/// Why a text is not an ISO week.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum IsoWeekError {
    #[error("无法识别的周“{text}”:应写作 2025-W27")]
    Unrecognized { text: String },
    #[error("{year} 年没有第 {week} 周(ISO 周,该年共 {weeks} 周)")]
    NoSuchWeek { year: i32, week: u32, weeks: u32 },
}

impl IsoWeek {
    /// The week, if it exists in that ISO year.
    pub fn new(year: i32, week: u32) -> Option<IsoWeek> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)?;
        Some(IsoWeek { year, week })
    }

    /// The week containing `date`.
    pub fn from_date(date: NaiveDate) -> IsoWeek {
        let w = date.iso_week();
        IsoWeek {
            year: w.year(),
            week: w.week(),
        }
    }

    /// 52 or 53.
    pub fn weeks_in_year(year: i32) -> u32 {
        if NaiveDate::from_isoywd_opt(year, 53, Weekday::Mon).is_some() {
            53
        } else {
            52
        }
    }

    /// The Monday of the week. Never panics: for a week built by hand that does not
    /// exist (e.g. `IsoWeek { year: 2025, week: 53 }`) it counts on from week 1, so
    /// 2025-W53 gives the Monday of 2026-W01.
    pub fn monday(&self) -> NaiveDate {
        if let Some(d) = NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon) {
            return d;
        }
        NaiveDate::from_isoywd_opt(self.year, 1, Weekday::Mon)
            .and_then(|d| d.checked_add_signed(Duration::weeks(self.week as i64 - 1)))
            .unwrap_or(if self.year < 0 {
                NaiveDate::MIN
            } else {
                NaiveDate::MAX
            })
    }

    /// Whether the week exists in its ISO year (always true unless built by hand).
    pub fn is_valid(&self) -> bool {
        IsoWeek::new(self.year, self.week).is_some()
    }

    pub fn sunday(&self) -> NaiveDate {
        let m = self.monday();
        m.checked_add_signed(Duration::days(6)).unwrap_or(m)
    }

    pub fn contains(&self, date: NaiveDate) -> bool {
        IsoWeek::from_date(date) == *self
    }

    /// The following week (the same week at the end of chrono's calendar).
    pub fn next(&self) -> IsoWeek {
        let m = self.monday();
        IsoWeek::from_date(m.checked_add_signed(Duration::days(7)).unwrap_or(m))
    }

    /// The week before (the same week at the start of chrono's calendar).
    pub fn previous(&self) -> IsoWeek {
        let m = self.monday();
        IsoWeek::from_date(m.checked_sub_signed(Duration::days(7)).unwrap_or(m))
    }

    /// The weeks from `self` to `last`, both included (empty when `last` is earlier).
    pub fn through(&self, last: IsoWeek) -> Vec<IsoWeek> {
        let mut out = Vec::new();
        let mut w = *self;
        while w <= last {
            out.push(w);
            let n = w.next();
            if n == w {
                break;
            }
            w = n;
        }
        out
    }

    /// `2025年第27周`.
    pub fn label_zh(&self) -> String {
        format!("{}年第{}周", self.year, self.week)
    }

    /// Same as [`IsoWeek::label_zh`].
    pub fn label(&self) -> String {
        self.label_zh()
    }

    /// `Week 27, 2025`.
    pub fn label_en(&self) -> String {
        format!("Week {}, {}", self.week, self.year)
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = IsoWeekError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || IsoWeekError::Unrecognized {
            text: s.to_string(),
        };
        let t = s.trim();
        let (y, w) = t
            .split_once("-W")
            .or_else(|| t.split_once('W'))
            .or_else(|| t.split_once("-w"))
            .or_else(|| t.split_once('w'))
            .ok_or_else(bad)?;
        if y.len() != 4
            || !y.bytes().all(|b| b.is_ascii_digit())
            || w.is_empty()
            || w.len() > 2
            || !w.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let week: u32 = w.parse().map_err(|_| bad())?;
        IsoWeek::new(year, week).ok_or(IsoWeekError::NoSuchWeek {
            year,
            week,
            weeks: IsoWeek::weeks_in_year(year),
        })
    }
}

impl TryFrom<String> for IsoWeek {
    type Error = IsoWeekError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<IsoWeek> for String {
    fn from(w: IsoWeek) -> String {
        w.to_string()
    }
}

/// The state of one item of a weekly plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekItemStatus {
    /// 计划
    Planned,
    /// 已完成
    Done,
    /// 结转: not done in an earlier week, carried into this one.
    Carried,
}

impl WeekItemStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            WeekItemStatus::Planned => "计划",
            WeekItemStatus::Done => "已完成",
            WeekItemStatus::Carried => "结转",
        }
    }

    /// Same as [`WeekItemStatus::label_zh`].
    pub fn label(self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(self) -> &'static str {
        match self {
            WeekItemStatus::Planned => "planned",
            WeekItemStatus::Done => "done",
            WeekItemStatus::Carried => "carried over",
        }
    }
}

crate::labelled!(WeekItemStatus, "周计划事项状态", {
    Planned => "planned",
    Done => "done",
    Carried => "carried",
});

/// One line of a weekly plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekItem {
    pub text: String,
    pub status: WeekItemStatus,
    /// What it advances, if anything: a task or project (`task:1.2`, `project:P02`) or a
    /// supervision order (`DB-2025-0003`); see [`WeekItem::link`].
    #[serde(default)]
    pub work_item: Option<String>,
}

/// What a weekly item advances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WeekLink<'a> {
    /// A key task or project (`task:…`, `project:…`).
    Work(&'a str),
    /// A supervision order (督办单).
    Order(&'a str),
}

impl WeekItem {
    /// The item's link, read from `work_item`: an id with the prefix `task:` or
    /// `project:` is a work item, any other an order.
    pub fn link(&self) -> Option<WeekLink<'_>> {
        let id = self
            .work_item
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())?;
        Some(if id.starts_with("task:") || id.starts_with("project:") {
            WeekLink::Work(id)
        } else {
            WeekLink::Order(id)
        })
    }
}

/// Who files weekly plans: the departments (the lead units) and the towns (镇街).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilerKind {
    Department,
    Town,
}

impl FilerKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            FilerKind::Department => "区级部门",
            FilerKind::Town => "镇(街道)",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FilerKind::Department => "department",
            FilerKind::Town => "town",
        }
    }
}

/// A unit's plan for one week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeeklyPlan {
    pub unit: String,
    pub week: IsoWeek,
    pub items: Vec<WeekItem>,
    pub filed_at: NaiveDateTime,
    pub filed_by: String,
}

/// The items of `previous` not done (planned or already carried) become the next week's
/// carried items, in order.
pub fn carry_over(previous: &WeeklyPlan) -> Vec<WeekItem> {
    previous
        .items
        .iter()
        .filter(|i| i.status != WeekItemStatus::Done)
        .map(|i| WeekItem {
            text: i.text.clone(),
            status: WeekItemStatus::Carried,
            work_item: i.work_item.clone(),
        })
        .collect()
}

/// One unit's line in the week view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekRow {
    pub unit: String,
    pub filed: bool,
    /// Items still in the state 计划.
    pub planned: usize,
    pub done: usize,
    pub carried: usize,
    pub filed_at: Option<NaiveDateTime>,
    pub filed_by: Option<String>,
    /// Whether the unit is one of those expected to file.
    pub expected: bool,
    /// A department or a town (expected units only).
    pub kind: Option<FilerKind>,
}

impl WeekRow {
    pub fn total(&self) -> usize {
        self.planned + self.done + self.carried
    }
}

/// The programme office's view of one week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekView {
    pub week: IsoWeek,
    /// The expected units in the order given, then any other unit that filed (by name).
    pub rows: Vec<WeekRow>,
    /// Expected units that did not file for the week.
    pub missing: Vec<String>,
    /// The week's linked items grouped by what they advance (tasks and projects first,
    /// then orders, each by id), every unit's item under it.
    pub by_link: Vec<LinkGroup>,
}

/// The items of one week that advance the same task, project or order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkGroup {
    /// The id as written on the items (`task:1.2`, `project:P02`, `DB-2025-0003`).
    pub link: String,
    pub order: bool,
    /// Each unit's item under it, in the order of the view's rows.
    pub items: Vec<LinkedItem>,
}

/// One unit's item under a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkedItem {
    pub unit: String,
    pub text: String,
    pub status: WeekItemStatus,
}

impl WeekView {
    /// Builds the view from the plans of `week` (plans of other weeks are ignored; of
    /// several plans of one unit the last filed counts); `expected_units` in the order
    /// shown, each with its kind.
    pub fn build(
        week: IsoWeek,
        expected_units: &[(String, FilerKind)],
        plans: &[WeeklyPlan],
    ) -> WeekView {
        let mut latest: BTreeMap<&str, &WeeklyPlan> = BTreeMap::new();
        for p in plans.iter().filter(|p| p.week == week) {
            match latest.get(p.unit.as_str()) {
                Some(q) if q.filed_at.cmp(&p.filed_at) == Ordering::Greater => {}
                _ => {
                    latest.insert(p.unit.as_str(), p);
                }
            }
        }
        let row = |unit: &str, kind: Option<FilerKind>| -> WeekRow {
            let expected = kind.is_some();
            match latest.get(unit) {
                Some(p) => {
                    let count =
                        |s: WeekItemStatus| p.items.iter().filter(|i| i.status == s).count();
                    WeekRow {
                        unit: unit.to_string(),
                        filed: true,
                        planned: count(WeekItemStatus::Planned),
                        done: count(WeekItemStatus::Done),
                        carried: count(WeekItemStatus::Carried),
                        filed_at: Some(p.filed_at),
                        filed_by: Some(p.filed_by.clone()),
                        expected,
                        kind,
                    }
                }
                None => WeekRow {
                    unit: unit.to_string(),
                    filed: false,
                    planned: 0,
                    done: 0,
                    carried: 0,
                    filed_at: None,
                    filed_by: None,
                    expected,
                    kind,
                },
            }
        };
        let mut rows = Vec::new();
        let mut missing = Vec::new();
        let mut listed = std::collections::BTreeSet::new();
        for (u, kind) in expected_units {
            if !listed.insert(u.as_str()) {
                continue;
            }
            let r = row(u, Some(*kind));
            if !r.filed {
                missing.push(u.clone());
            }
            rows.push(r);
        }
        for u in latest.keys() {
            if !listed.contains(u) {
                rows.push(row(u, None));
            }
        }
        let mut groups: BTreeMap<WeekLink<'_>, Vec<LinkedItem>> = BTreeMap::new();
        for r in &rows {
            let Some(p) = latest.get(r.unit.as_str()) else {
                continue;
            };
            for item in &p.items {
                if let Some(link) = item.link() {
                    groups.entry(link).or_default().push(LinkedItem {
                        unit: r.unit.clone(),
                        text: item.text.clone(),
                        status: item.status,
                    });
                }
            }
        }
        let by_link = groups
            .into_iter()
            .map(|(link, items)| {
                let (id, order) = match link {
                    WeekLink::Work(id) => (id, false),
                    WeekLink::Order(id) => (id, true),
                };
                LinkGroup {
                    link: id.to_string(),
                    order,
                    items,
                }
            })
            .collect();
        WeekView {
            week,
            rows,
            missing,
            by_link,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn w(s: &str) -> IsoWeek {
        s.parse().unwrap()
    }

    #[test]
    fn parse_display_labels() {
        let x = w("2025-W27");
        assert_eq!(
            x,
            IsoWeek {
                year: 2025,
                week: 27
            }
        );
        assert_eq!(x.to_string(), "2025-W27");
        assert_eq!(w("2025W07").to_string(), "2025-W07");
        assert_eq!(x.label_zh(), "2025年第27周");
        assert_eq!(x.label_en(), "Week 27, 2025");
        assert_eq!(x.monday(), d("2025-06-30"));
        assert_eq!(x.sunday(), d("2025-07-06"));
        for bad in [
            "",
            "2025",
            "2025-W",
            "25-W01",
            "2025-W001",
            "2025-Wx",
            "2025-W00",
        ] {
            assert!(bad.parse::<IsoWeek>().is_err(), "{bad}");
        }
        let err = "2025-W53".parse::<IsoWeek>().unwrap_err();
        assert!(matches!(err, IsoWeekError::NoSuchWeek { weeks: 52, .. }));
        assert!(err.to_string().contains("2025"));
        let json = serde_json::to_string(&"x".parse::<IsoWeek>().unwrap_err()).unwrap();
        assert_eq!(json, r#"{"problem":"unrecognized","text":"x"}"#);
    }

    #[test]
    fn week_53_and_year_boundaries() {
        let w53 = w("2020-W53");
        assert_eq!(w53.monday(), d("2020-12-28"));
        assert_eq!(w53.sunday(), d("2021-01-03"));
        assert_eq!(IsoWeek::from_date(d("2021-01-03")), w53);
        assert_eq!(w53.next(), w("2021-W01"));
        assert_eq!(w("2021-W01").previous(), w53);
        assert_eq!(w("2020-W52").next(), w53);
        assert_eq!(IsoWeek::weeks_in_year(2020), 53);
        assert_eq!(IsoWeek::weeks_in_year(2025), 52);
        assert_eq!(IsoWeek::weeks_in_year(2026), 53);

        let w1 = w("2026-W01");
        assert_eq!(w1.monday(), d("2025-12-29"));
        assert_eq!(IsoWeek::from_date(d("2025-12-29")), w1);
        assert_eq!(IsoWeek::from_date(d("2025-12-28")), w("2025-W52"));
        assert_eq!(w1.previous(), w("2025-W52"));
        assert_eq!(w("2025-W52").next(), w1);
        assert!(w1.contains(d("2026-01-04")));
        assert!(!w1.contains(d("2026-01-05")));
        assert!(w("2025-W52") < w1);
    }

    #[test]
    fn hand_built_invalid_week_does_not_panic() {
        let x = IsoWeek {
            year: 2025,
            week: 53,
        };
        assert!(!x.is_valid());
        assert_eq!(x.monday(), d("2025-12-29"));
        assert_eq!(x.next(), w("2026-W02"));
        let z = IsoWeek {
            year: 2025,
            week: 0,
        };
        assert_eq!(z.monday(), d("2024-12-23"));
        let far = IsoWeek {
            year: i32::MAX,
            week: u32::MAX,
        };
        let _ = (far.monday(), far.sunday(), far.next(), far.previous());
        assert_eq!(
            w("2025-W51").through(w("2026-W02")),
            vec![w("2025-W51"), w("2025-W52"), w("2026-W01"), w("2026-W02")]
        );
        assert!(w("2026-W02").through(w("2025-W51")).is_empty());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn weeks_round_trip(days in 0i64..(400 * 366)) {
                let date = d("1900-01-01") + Duration::days(days);
                let x = IsoWeek::from_date(date);
                prop_assert!(x.is_valid());
                prop_assert!(x.contains(date));
                prop_assert!(x.monday() <= date && date <= x.sunday());
                prop_assert_eq!(x.monday().weekday(), Weekday::Mon);
                prop_assert_eq!(x.sunday() - x.monday(), Duration::days(6));
                prop_assert_eq!(x.to_string().parse::<IsoWeek>().unwrap(), x);
                prop_assert_eq!(x.next().previous(), x);
                prop_assert_eq!(x.next().monday() - x.monday(), Duration::days(7));
                prop_assert!(x.previous() < x && x < x.next());
                prop_assert!(x.week >= 1 && x.week <= IsoWeek::weeks_in_year(x.year));
            }

            #[test]
            fn parse_never_panics(s in "\\PC{0,12}") {
                let _ = s.parse::<IsoWeek>();
            }
        }
    }

    #[test]
    fn serde_as_string() {
        let x = w("2026-W01");
        assert_eq!(serde_json::to_string(&x).unwrap(), "\"2026-W01\"");
        assert_eq!(serde_json::from_str::<IsoWeek>("\"2026-W01\"").unwrap(), x);
        assert!(serde_json::from_str::<IsoWeek>("\"2025-W53\"").is_err());
    }

    fn item(text: &str, status: WeekItemStatus) -> WeekItem {
        WeekItem {
            text: text.into(),
            status,
            work_item: Some("task:1.2".into()),
        }
    }

    fn plan(unit: &str, week: &str, items: Vec<WeekItem>, at: &str) -> WeeklyPlan {
        WeeklyPlan {
            unit: unit.into(),
            week: w(week),
            items,
            filed_at: d(at).and_hms_opt(9, 0, 0).unwrap(),
            filed_by: format!("{unit}填报员"),
        }
    }

    #[test]
    fn carry_over_undone() {
        use WeekItemStatus::*;
        let p = plan(
            "区民政局",
            "2025-W52",
            vec![item("a", Planned), item("b", Done), item("c", Carried)],
            "2025-12-22",
        );
        let next = carry_over(&p);
        assert_eq!(next.len(), 2);
        assert_eq!(next[0].text, "a");
        assert!(next.iter().all(|i| i.status == Carried));
        assert_eq!(next[0].work_item.as_deref(), Some("task:1.2"));
    }

    #[test]
    fn week_view() {
        use WeekItemStatus::*;
        let expected: Vec<(String, FilerKind)> = ["区民政局", "区教育局", "区卫健局"]
            .map(|u| (u.to_string(), FilerKind::Department))
            .to_vec();
        let plans = vec![
            plan(
                "区民政局",
                "2026-W01",
                vec![item("a", Planned)],
                "2025-12-29",
            ),
            plan(
                "区民政局",
                "2026-W01",
                vec![item("a", Done), item("b", Carried), item("c", Planned)],
                "2025-12-31",
            ),
            plan("区教育局", "2025-W52", vec![item("x", Done)], "2025-12-22"),
            plan("区文旅局", "2026-W01", vec![], "2025-12-30"),
        ];
        let v = WeekView::build(w("2026-W01"), &expected, &plans);
        assert_eq!(
            v.missing,
            vec!["区教育局".to_string(), "区卫健局".to_string()]
        );
        assert_eq!(v.rows.len(), 4);
        let r = &v.rows[0];
        assert!(r.filed && r.expected);
        assert_eq!((r.planned, r.done, r.carried, r.total()), (1, 1, 1, 3));
        assert_eq!(
            r.filed_at,
            Some(d("2025-12-31").and_hms_opt(9, 0, 0).unwrap())
        );
        assert!(!v.rows[1].filed);
        assert_eq!(v.rows[3].unit, "区文旅局");
        assert!(v.rows[3].filed && !v.rows[3].expected);
        assert_eq!(v.rows[0].kind, Some(FilerKind::Department));
        assert_eq!(v.rows[3].kind, None);
        // Every linked item of the latest plans, under its link (the earlier refiling of
        // 区民政局 and the other week's plan do not count).
        assert_eq!(v.by_link.len(), 1);
        assert_eq!(v.by_link[0].link, "task:1.2");
        assert_eq!(v.by_link[0].items.len(), 3);
    }

    #[test]
    fn towns_file_too_and_items_group_by_what_they_advance() {
        use WeekItemStatus::*;
        let expected = vec![
            ("区民政局".to_string(), FilerKind::Department),
            ("盐仓街道".to_string(), FilerKind::Town),
        ];
        let linked = |text: &str, link: Option<&str>| WeekItem {
            text: text.into(),
            status: Planned,
            work_item: link.map(String::from),
        };
        let plans = vec![
            plan(
                "区民政局",
                "2026-W02",
                vec![
                    linked("督办整改", Some("DB-2026-0001")),
                    linked("项目推进", Some("project:P02")),
                    linked("日常", None),
                ],
                "2026-01-05",
            ),
            plan(
                "盐仓街道",
                "2026-W02",
                vec![linked("配合整改", Some("DB-2026-0001"))],
                "2026-01-05",
            ),
        ];
        let v = WeekView::build(w("2026-W02"), &expected, &plans);
        assert!(v.missing.is_empty());
        assert_eq!(v.rows[1].kind, Some(FilerKind::Town));
        let links: Vec<(&str, bool, usize)> = v
            .by_link
            .iter()
            .map(|g| (g.link.as_str(), g.order, g.items.len()))
            .collect();
        assert_eq!(
            links,
            vec![("project:P02", false, 1), ("DB-2026-0001", true, 2)]
        );
        assert_eq!(v.by_link[1].items[1].unit, "盐仓街道");
        assert_eq!(linked("x", Some("  ")).link(), None);
        assert_eq!(
            linked("x", Some("task:1.2")).link(),
            Some(WeekLink::Work("task:1.2"))
        );
    }
}
