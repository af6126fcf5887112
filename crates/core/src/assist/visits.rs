//! 探访关爱 (methods §9): visit plans by category, the visits due per period, done and
//! overdue, and the 探访关爱率.
//!
//! The rules, precisely:
//!
//! * **Frequency.** Each category may have a visit frequency (每月, 每季度, 每半年, 每年); a
//!   household's is the most frequent of its categories' (none: no visits due).
//! * **Periods.** A frequency cuts the calendar year into periods (months, quarters,
//!   halves, the year); one visit is required per period, its deadline the period's last
//!   day.
//! * **Due.** A period is due for a household when the household was 在册救助 (active) on
//!   the period's first day — a household registered during a period owes its first visit
//!   in the next one.
//! * **Done, open, overdue.** A due period is done when the household has at least one
//!   visit dated within it; not done, it is open until its deadline and overdue after.
//! * **The rate of a period** (探访关爱率 of a month, a quarter …): households whose due
//!   period covering it is done / households with a due period covering it. For the
//!   current, incomplete period it is the progress so far.
//! * **The rate of a year** (K7.2f): households with at least one due period that has
//!   ended by the day (due so far) / of them, those whose every such period is done. The
//!   current, incomplete period does not count yet.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::register::{Category, Household, HouseholdStatus};

/// How often a household must be visited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Monthly,
    Quarterly,
    HalfYearly,
    Yearly,
}

impl Frequency {
    /// The months of one period.
    pub fn months(self) -> u32 {
        match self {
            Frequency::Monthly => 1,
            Frequency::Quarterly => 3,
            Frequency::HalfYearly => 6,
            Frequency::Yearly => 12,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Frequency::Monthly => "每月",
            Frequency::Quarterly => "每季度",
            Frequency::HalfYearly => "每半年",
            Frequency::Yearly => "每年",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::HalfYearly => "half-yearly",
            Frequency::Yearly => "yearly",
        }
    }

    /// The period containing `day`: its first and last day.
    pub fn period_of(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        let m = self.months();
        let first_month = (day.month0() / m) * m + 1;
        let start = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
        let next = if first_month + m > 12 {
            NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(day.year(), first_month + m, 1)
        };
        let end = next.and_then(|n| n.pred_opt()).unwrap_or(day);
        (start, end)
    }

    /// Every period of `year`, in order.
    pub fn periods_of_year(self, year: i32) -> Vec<(NaiveDate, NaiveDate)> {
        (0..12 / self.months())
            .filter_map(|k| NaiveDate::from_ymd_opt(year, k * self.months() + 1, 1))
            .map(|d| self.period_of(d))
            .collect()
    }

    /// The period's name: `2025年10月`, `2025年第4季度`, `2025年下半年`, `2025年`.
    pub fn period_label(self, start: NaiveDate) -> String {
        let y = start.year();
        match self {
            Frequency::Monthly => format!("{y}年{}月", start.month()),
            Frequency::Quarterly => format!("{y}年第{}季度", start.month0() / 3 + 1),
            Frequency::HalfYearly if start.month() <= 6 => format!("{y}年上半年"),
            Frequency::HalfYearly => format!("{y}年下半年"),
            Frequency::Yearly => format!("{y}年"),
        }
    }

    /// The period's English name: `Oct 2025`, `2025 Q4`, `2025 H2`, `2025`.
    pub fn period_label_en(self, start: NaiveDate) -> String {
        let y = start.year();
        match self {
            Frequency::Monthly => start.format("%b %Y").to_string(),
            Frequency::Quarterly => format!("{y} Q{}", start.month0() / 3 + 1),
            Frequency::HalfYearly if start.month() <= 6 => format!("{y} H1"),
            Frequency::HalfYearly => format!("{y} H2"),
            Frequency::Yearly => format!("{y}"),
        }
    }
}

crate::labelled!(Frequency, "探访频次", {
    Monthly => "monthly" | "月",
    Quarterly => "quarterly" | "季度" | "季",
    HalfYearly => "half_yearly" | "半年",
    Yearly => "yearly" | "年",
});

/// How a visit was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitMode {
    /// 入户
    Home,
    /// 电话
    Phone,
    /// 视频
    Video,
}

impl VisitMode {
    pub fn label_zh(self) -> &'static str {
        match self {
            VisitMode::Home => "入户",
            VisitMode::Phone => "电话",
            VisitMode::Video => "视频",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            VisitMode::Home => "home visit",
            VisitMode::Phone => "phone call",
            VisitMode::Video => "video call",
        }
    }
}

crate::labelled!(VisitMode, "探访方式", {
    Home => "home" | "入户探访",
    Phone => "phone" | "电话探访",
    Video => "video" | "视频探访",
});

/// One category's frequency in the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRow {
    pub category: Category,
    pub frequency: Frequency,
}

/// The visit plan: a frequency per category (categories without one owe no visits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitPlan {
    pub rows: Vec<PlanRow>,
}

impl Default for VisitPlan {
    /// 特困供养 monthly, 最低生活保障 quarterly, 低保边缘 half-yearly, 独居/空巢老人 and
    /// 困境儿童 monthly.
    fn default() -> Self {
        let row = |category, frequency| PlanRow {
            category,
            frequency,
        };
        VisitPlan {
            rows: vec![
                row(Category::Tekun, Frequency::Monthly),
                row(Category::Dibao, Frequency::Quarterly),
                row(Category::DibaoEdge, Frequency::HalfYearly),
                row(Category::ElderAlone, Frequency::Monthly),
                row(Category::Child, Frequency::Monthly),
            ],
        }
    }
}

impl VisitPlan {
    /// The frequency of `category`, if it has one.
    pub fn of(&self, category: Category) -> Option<Frequency> {
        self.rows
            .iter()
            .find(|r| r.category == category)
            .map(|r| r.frequency)
    }

    /// The most frequent of the categories' frequencies.
    pub fn frequency_for(&self, categories: &[Category]) -> Option<Frequency> {
        categories
            .iter()
            .filter_map(|c| self.of(*c))
            .min_by_key(|f| f.months())
    }

    /// Sets (or with `None` removes) a category's frequency.
    pub fn set(&mut self, category: Category, frequency: Option<Frequency>) {
        self.rows.retain(|r| r.category != category);
        if let Some(frequency) = frequency {
            self.rows.push(PlanRow {
                category,
                frequency,
            });
        }
        self.rows.sort_by_key(|r| r.category);
    }

    /// Every problem at once (a category twice).
    pub fn problems(&self) -> Vec<String> {
        let mut seen = std::collections::HashSet::new();
        self.rows
            .iter()
            .filter(|r| !seen.insert(r.category))
            .map(|r| format!("类别“{}”重复", r.category.label_zh()))
            .collect()
    }
}

/// A visit to a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// The record's id, e.g. `V-H330902002-0001-20251012-1a2b`.
    pub id: String,
    pub household: String,
    /// The household's place when visited (for scope).
    pub place: String,
    pub date: NaiveDate,
    /// Who visited (a name or unit; not personal data of the household).
    pub visitor: String,
    pub mode: VisitMode,
    /// 探访情况.
    #[serde(default)]
    pub findings: String,
    /// Needs found (助餐, 助医 …).
    #[serde(default)]
    pub needs_found: Vec<String>,
    /// 后续跟进.
    #[serde(default)]
    pub follow_up: String,
    /// The login that recorded it.
    #[serde(default)]
    pub by: String,
    /// Synthetic demo data (演示).
    #[serde(default)]
    pub demo: bool,
}

impl Visit {
    /// Every problem at once (the household and place are the app's to check).
    pub fn problems(&self, today: NaiveDate) -> Vec<String> {
        let mut out = Vec::new();
        if self.household.trim().is_empty() {
            out.push("请选择困难家庭".to_string());
        }
        if self.visitor.trim().is_empty() {
            out.push("探访人不能为空".to_string());
        }
        if self.date > today {
            out.push("探访日期不能晚于今天".to_string());
        }
        if self.findings.chars().count() > 2000 || self.follow_up.chars().count() > 2000 {
            out.push("探访情况和后续跟进各不超过2000字".to_string());
        }
        out
    }
}

/// Where a due period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueState {
    /// 已探访
    Done,
    /// 待探访 (the deadline not yet passed)
    Open,
    /// 已逾期
    Overdue,
}

impl DueState {
    pub fn label_zh(self) -> &'static str {
        match self {
            DueState::Done => "已探访",
            DueState::Open => "待探访",
            DueState::Overdue => "已逾期",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DueState::Done => "visited",
            DueState::Open => "due",
            DueState::Overdue => "overdue",
        }
    }
}

crate::labelled!(DueState, "探访状态", {
    Done => "done",
    Open => "open",
    Overdue => "overdue",
});

/// One due period of a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DuePeriod {
    pub start: NaiveDate,
    /// The deadline (the period's last day).
    pub deadline: NaiveDate,
    pub label: String,
    pub visits: usize,
    pub state: DueState,
}

/// A household's visits due in a year, up to a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    pub household: String,
    pub place: String,
    pub frequency: Option<Frequency>,
    /// The due periods that have begun by the day, in order.
    pub periods: Vec<DuePeriod>,
    /// The last visit, if any.
    pub last_visit: Option<NaiveDate>,
}

impl Schedule {
    /// The period containing the day, if due.
    pub fn current(&self, day: NaiveDate) -> Option<&DuePeriod> {
        self.periods
            .iter()
            .find(|p| p.start <= day && day <= p.deadline)
    }

    /// The overdue periods.
    pub fn overdue(&self) -> impl Iterator<Item = &DuePeriod> {
        self.periods.iter().filter(|p| p.state == DueState::Overdue)
    }

    /// Whether the household counts in the year's rate (a due period ended by the day)
    /// and, if so, whether every such period was done.
    pub fn year_standing(&self, day: NaiveDate) -> Option<bool> {
        let ended: Vec<&DuePeriod> = self.periods.iter().filter(|p| p.deadline < day).collect();
        if ended.is_empty() {
            None
        } else {
            Some(ended.iter().all(|p| p.state == DueState::Done))
        }
    }
}

/// The household's status on `day` by its history (its current status when it has none).
pub fn status_on(h: &Household, day: NaiveDate) -> Option<HouseholdStatus> {
    if h.history.is_empty() {
        return Some(h.status);
    }
    h.history
        .iter()
        .filter(|c| c.date <= day)
        .max_by_key(|c| c.date)
        .map(|c| c.status)
}

/// The household's due periods of `year` that have begun by `day`, with the visits
/// counted (only visits of this household are used).
pub fn schedule(
    plan: &VisitPlan,
    h: &Household,
    visits: &[&Visit],
    year: i32,
    day: NaiveDate,
) -> Schedule {
    let frequency = plan.frequency_for(&h.categories);
    let mut periods = Vec::new();
    if let Some(f) = frequency {
        for (start, end) in f.periods_of_year(year) {
            if start > day || status_on(h, start) != Some(HouseholdStatus::Active) {
                continue;
            }
            let n = visits
                .iter()
                .filter(|v| v.household == h.id && v.date >= start && v.date <= end)
                .count();
            let state = if n > 0 {
                DueState::Done
            } else if end < day {
                DueState::Overdue
            } else {
                DueState::Open
            };
            periods.push(DuePeriod {
                start,
                deadline: end,
                label: f.period_label(start),
                visits: n,
                state,
            });
        }
    }
    Schedule {
        household: h.id.clone(),
        place: h.place.clone(),
        frequency,
        periods,
        last_visit: visits
            .iter()
            .filter(|v| v.household == h.id && v.date <= day)
            .map(|v| v.date)
            .max(),
    }
}

/// A rate's parts: households visited as due over households due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Rate {
    pub due: usize,
    pub visited: usize,
}

impl Rate {
    /// The rate in per cent (`None` with nobody due).
    pub fn percent(&self) -> Option<f64> {
        (self.due > 0).then(|| self.visited as f64 * 100.0 / self.due as f64)
    }

    pub fn add(&mut self, visited: bool) {
        self.due += 1;
        if visited {
            self.visited += 1;
        }
    }
}

/// The rate of the period containing `day` (each household's own period that contains
/// it): per key of `group` (e.g. the town of the household's place), and the total.
pub fn period_rate<F: Fn(&Schedule) -> Vec<String>>(
    schedules: &[Schedule],
    day: NaiveDate,
    group: F,
) -> (BTreeMap<String, Rate>, Rate) {
    let mut per = BTreeMap::new();
    let mut total = Rate::default();
    for s in schedules {
        if let Some(p) = s.current(day) {
            let done = p.state == DueState::Done;
            total.add(done);
            for g in group(s) {
                per.entry(g).or_insert_with(Rate::default).add(done);
            }
        }
    }
    (per, total)
}

/// The year's rate up to `day` (see the module's note), per group and in total.
pub fn year_rate<F: Fn(&Schedule) -> Vec<String>>(
    schedules: &[Schedule],
    day: NaiveDate,
    group: F,
) -> (BTreeMap<String, Rate>, Rate) {
    let mut per = BTreeMap::new();
    let mut total = Rate::default();
    for s in schedules {
        if let Some(done) = s.year_standing(day) {
            total.add(done);
            for g in group(s) {
                per.entry(g).or_insert_with(Rate::default).add(done);
            }
        }
    }
    (per, total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assist::register::{MemberInfo, Personal, StatusChange};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn household(id: &str, cats: Vec<Category>, since: NaiveDate) -> Household {
        Household {
            id: id.into(),
            place: "v1".into(),
            lon: None,
            lat: None,
            categories: cats,
            income_year: 0.0,
            assets: 0.0,
            needs: vec![],
            status: HouseholdStatus::Active,
            history: vec![StatusChange {
                date: since,
                status: HouseholdStatus::Active,
                reason: "认定".into(),
                by: String::new(),
                review_due: None,
            }],
            consent: None,
            members: vec![MemberInfo::default()],
            personal: Personal::default(),
            demo: false,
        }
    }

    fn visit(h: &str, date: NaiveDate) -> Visit {
        Visit {
            id: format!("V-{h}-{date}"),
            household: h.into(),
            place: "v1".into(),
            date,
            visitor: "村社工".into(),
            mode: VisitMode::Home,
            findings: String::new(),
            needs_found: vec![],
            follow_up: String::new(),
            by: String::new(),
            demo: false,
        }
    }

    #[test]
    fn periods_cut_the_year() {
        assert_eq!(
            Frequency::Quarterly.period_of(d(2025, 10, 15)),
            (d(2025, 10, 1), d(2025, 12, 31))
        );
        assert_eq!(
            Frequency::Monthly.period_of(d(2024, 2, 10)),
            (d(2024, 2, 1), d(2024, 2, 29))
        );
        assert_eq!(
            Frequency::HalfYearly.period_of(d(2025, 3, 1)),
            (d(2025, 1, 1), d(2025, 6, 30))
        );
        assert_eq!(Frequency::Monthly.periods_of_year(2025).len(), 12);
        assert_eq!(Frequency::Yearly.periods_of_year(2025).len(), 1);
        assert_eq!(
            Frequency::Quarterly.period_label(d(2025, 7, 1)),
            "2025年第3季度"
        );
        assert_eq!(
            Frequency::Quarterly.period_label_en(d(2025, 7, 1)),
            "2025 Q3"
        );
        assert_eq!(
            Frequency::Monthly.period_label_en(d(2025, 10, 1)),
            "Oct 2025"
        );
        assert_eq!(
            Frequency::HalfYearly.period_label_en(d(2025, 7, 1)),
            "2025 H2"
        );
    }

    #[test]
    fn the_most_frequent_category_applies() {
        let plan = VisitPlan::default();
        assert_eq!(
            plan.frequency_for(&[Category::DibaoEdge, Category::Dibao]),
            Some(Frequency::Quarterly)
        );
        assert_eq!(
            plan.frequency_for(&[Category::Dibao, Category::ElderAlone]),
            Some(Frequency::Monthly)
        );
        assert_eq!(plan.frequency_for(&[Category::Disabled]), None);
        let mut edited = plan.clone();
        edited.set(Category::Disabled, Some(Frequency::Yearly));
        assert_eq!(
            edited.frequency_for(&[Category::Disabled]),
            Some(Frequency::Yearly)
        );
        assert!(edited.problems().is_empty());
    }

    #[test]
    fn due_periods_done_open_and_overdue() {
        let plan = VisitPlan::default();
        // 低保, quarterly, active since 2025-02-10: Q1 not due (registered within it).
        let h = household("H1", vec![Category::Dibao], d(2025, 2, 10));
        let v = [visit("H1", d(2025, 5, 3)), visit("H2", d(2025, 8, 1))];
        let refs: Vec<&Visit> = v.iter().collect();
        let s = schedule(&plan, &h, &refs, 2025, d(2025, 10, 15));
        let states: Vec<DueState> = s.periods.iter().map(|p| p.state).collect();
        assert_eq!(
            states,
            vec![DueState::Done, DueState::Overdue, DueState::Open]
        );
        assert_eq!(s.periods[1].deadline, d(2025, 9, 30));
        assert_eq!(s.overdue().count(), 1);
        assert_eq!(s.year_standing(d(2025, 10, 15)), Some(false));
        assert_eq!(s.last_visit, Some(d(2025, 5, 3)));
        // An exited household owes nothing from its exit on.
        let mut gone = h.clone();
        gone.history.push(StatusChange {
            date: d(2025, 6, 1),
            status: HouseholdStatus::Exited,
            reason: "退出".into(),
            by: String::new(),
            review_due: None,
        });
        let s = schedule(&plan, &gone, &refs, 2025, d(2025, 10, 15));
        assert_eq!(s.periods.len(), 1);
        assert_eq!(s.year_standing(d(2025, 10, 15)), Some(true));
    }

    #[test]
    fn the_rates_count_households_visited_as_due() {
        let plan = VisitPlan::default();
        let day = d(2025, 10, 15);
        let a = household("A", vec![Category::Dibao], d(2024, 1, 1));
        let b = household("B", vec![Category::Dibao], d(2024, 1, 1));
        let c = household("C", vec![Category::Dibao], d(2025, 8, 1));
        let v = [
            visit("A", d(2025, 2, 1)),
            visit("A", d(2025, 5, 1)),
            visit("A", d(2025, 8, 1)),
            visit("A", d(2025, 10, 2)),
            visit("B", d(2025, 2, 1)),
            visit("B", d(2025, 8, 1)),
        ];
        let refs: Vec<&Visit> = v.iter().collect();
        let all: Vec<Schedule> = [a, b, c]
            .iter()
            .map(|h| schedule(&plan, h, &refs, 2025, day))
            .collect();
        let town = |_: &Schedule| vec!["t1".to_string()];
        // The year: A all three ended quarters, B missed Q2, C has no ended due period.
        let (per, total) = year_rate(&all, day, town);
        assert_eq!(total, Rate { due: 2, visited: 1 });
        assert_eq!(per["t1"].percent(), Some(50.0));
        // The current quarter so far: A visited, B and C not yet.
        let (_, now) = period_rate(&all, day, town);
        assert_eq!(now, Rate { due: 3, visited: 1 });
        assert_eq!(Rate::default().percent(), None);
    }
}
