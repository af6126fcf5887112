//! 重大公共服务项目 (the register of major projects) and 民生实事 (the yearly list of
//! livelihood projects): their records, their checks, and their schedule lights.
//!
//! A project's year is judged like any indicator with a yearly target (methods §2): the
//! year's planned investment is the target, the completed investment reported so far in
//! the year is a year-to-date flow. The programme's total (the plan's 89.88亿元) is judged
//! on the cumulative path the projects' yearly plans draw: the year's target is what
//! every year so far planned, the start is what the years before completed. A 民生实事
//! item is a year-to-date flow toward its quantity. Amounts are in 万元.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::work::Milestone;
use crate::eval::schedule::{Flow, LightBands, Schedule, ScheduleInput, evaluate};
use crate::period::fraction_of_year_elapsed;
use crate::plan::Polarity;
use crate::target::Target;

/// 万元 in one 亿元.
pub const WAN_PER_YI: f64 = 10_000.0;

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    NotStarted,
    Building,
    Completed,
    Terminated,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::Building,
        ProjectStatus::Completed,
        ProjectStatus::NotStarted,
        ProjectStatus::Terminated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "not_started",
            ProjectStatus::Building => "building",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Terminated => "terminated",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "未开工",
            ProjectStatus::Building => "在建",
            ProjectStatus::Completed => "已完工",
            ProjectStatus::Terminated => "已终止",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "not started",
            ProjectStatus::Building => "under construction",
            ProjectStatus::Completed => "completed",
            ProjectStatus::Terminated => "terminated",
        }
    }

    /// Closed: completed or terminated; a closed project is no longer edited but by the
    /// office.
    pub fn is_closed(self) -> bool {
        matches!(self, ProjectStatus::Completed | ProjectStatus::Terminated)
    }
}

impl std::str::FromStr for ProjectStatus {
    type Err = String;

    /// The code or either label.
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        ProjectStatus::ALL
            .into_iter()
            .find(|p| p.code() == s || p.label_zh() == s || p.label_en() == s)
            .ok_or_else(|| format!("状态“{s}”无效,应为 在建、已完工、未开工 或 已终止"))
    }
}

/// A project's investment in one year, in 万元.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectYear {
    pub year: i32,
    pub planned_wan: f64,
    /// Completed in the year so far (year-to-date); None = not reported.
    #[serde(default)]
    pub completed_wan: Option<f64>,
    /// The day the completed amount stands at; None = today within the year, the year's
    /// end after it.
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
    /// Every completed amount reported in the year, by day (the register appends one
    /// whenever the amount changes; see [`MajorProject::carry_reports`]): a past month is
    /// judged on the amount that stood at its end, never on a later report.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<AmountReport>,
}

/// A year-to-date completed amount as it stood on a day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmountReport {
    pub as_of: NaiveDate,
    pub completed_wan: f64,
}

impl ProjectYear {
    /// The completed amount known on `day`, and the day it stood at. A year with no
    /// dated reports (written before they were kept) has only its one amount, known from
    /// its `as_of` (or on any day when undated).
    pub fn completed_on(&self, day: NaiveDate) -> Option<(f64, NaiveDate)> {
        if self.reports.is_empty() {
            let done = self.completed_wan?;
            let at = self.as_of.unwrap_or(day);
            return (at <= day).then_some((done, at));
        }
        self.reports
            .iter()
            .filter(|r| r.as_of <= day)
            .max_by_key(|r| r.as_of)
            .map(|r| (r.completed_wan, r.as_of))
    }
}

/// A major public-service project (重大公共服务项目).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MajorProject {
    /// `XM01`: letters, digits and `-`, unique.
    pub code: String,
    pub name: String,
    /// The plan's domain code.
    pub domain: String,
    /// The key task it serves (`1.2`), if any.
    #[serde(default)]
    pub key_task: Option<String>,
    /// The place code it is located in (a town, or the district for one across towns).
    #[serde(default)]
    pub place: Option<String>,
    pub lead_unit: String,
    #[serde(default)]
    pub partner_units: Vec<String>,
    /// Total planned investment, 万元.
    pub total_wan: f64,
    pub start: NaiveDate,
    pub end: NaiveDate,
    #[serde(default)]
    pub years: Vec<ProjectYear>,
    /// The physical milestones (形象进度节点).
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    pub status: ProjectStatus,
    /// What was said when it was closed (completed or terminated).
    #[serde(default)]
    pub closing_note: String,
    /// Labelled synthetic data (the demo).
    #[serde(default)]
    pub synthetic: bool,
}

/// What a project's references are checked against.
#[derive(Debug, Clone, Default)]
pub struct Known {
    pub domains: BTreeSet<String>,
    pub tasks: BTreeSet<String>,
    pub places: BTreeSet<String>,
}

/// Whether a code is letters, digits and `-`, 1–20 long.
pub fn is_code(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn bad_amount(v: f64) -> bool {
    !v.is_finite() || v < 0.0
}

/// Unit lists as people type them: split on `、`, `,`, `,`, `;`, `;`; blanks dropped.
pub fn split_units(s: &str) -> Vec<String> {
    s.split(['、', ',', '\u{ff0c}', ';', '\u{ff1b}'])
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .collect()
}

/// Milestones written as text, one per `;`: `标题@计划日期` or `标题@计划日期@完成日期`.
pub fn parse_milestones(s: &str) -> Result<Vec<Milestone>, String> {
    let mut out = Vec::new();
    for (n, part) in s
        .split([';', '\u{ff1b}', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let fields: Vec<&str> = part.split(['@', '\u{ff20}']).map(str::trim).collect();
        let date = |t: &str| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .map_err(|_| format!("节点“{part}”的日期“{t}”应写作 2025-06-30"))
        };
        let (title, due, done_on) = match fields.as_slice() {
            [t, due] => (*t, date(due)?, None),
            [t, due, ""] => (*t, date(due)?, None),
            [t, due, done] => (*t, date(due)?, Some(date(done)?)),
            _ => {
                return Err(format!(
                    "节点“{part}”应写作 标题@计划日期 或 标题@计划日期@完成日期"
                ));
            }
        };
        if title.is_empty() {
            return Err(format!("节点“{part}”缺少标题"));
        }
        out.push(Milestone {
            id: n as u32 + 1,
            title: title.to_string(),
            due,
            done_on,
            evidence: String::new(),
        });
    }
    Ok(out)
}

/// The text [`parse_milestones`] reads back.
pub fn format_milestones(ms: &[Milestone]) -> String {
    ms.iter()
        .map(|m| match m.done_on {
            Some(d) => format!("{}@{}@{}", m.title, m.due, d),
            None => format!("{}@{}", m.title, m.due),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// Yearly investment written as text, one year per line or `;`: `2025 12000 3000` (year,
/// planned, completed so far; the completed may be left out), amounts in 万元.
pub fn parse_years(s: &str) -> Result<Vec<ProjectYear>, String> {
    let mut out: Vec<ProjectYear> = Vec::new();
    for part in s
        .split([';', '\u{ff1b}', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let f: Vec<&str> = part
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | '\u{ff0c}' | '/'))
            .filter(|t| !t.is_empty())
            .collect();
        let amount = |t: &str| -> Result<f64, String> {
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("“{part}”中的金额“{t}”应为不小于 0 的数(万元)"))
        };
        let (year, planned, completed) = match f.as_slice() {
            [y, p] => (y, amount(p)?, None),
            [y, p, c] => (y, amount(p)?, Some(amount(c)?)),
            _ => {
                return Err(format!(
                    "“{part}”应写作 年度 计划投资 [完成投资],如 2025 12000 3000"
                ));
            }
        };
        let year: i32 = year
            .trim_end_matches('年')
            .parse()
            .ok()
            .filter(|y| (1990..=2100).contains(y))
            .ok_or_else(|| format!("“{part}”中的年度“{year}”应为四位数字"))?;
        if out.iter().any(|y| y.year == year) {
            return Err(format!("{year} 年重复"));
        }
        out.push(ProjectYear {
            year,
            planned_wan: planned,
            completed_wan: completed,
            as_of: None,
            reports: Vec::new(),
        });
    }
    out.sort_by_key(|y| y.year);
    Ok(out)
}

/// The text [`parse_years`] reads back.
pub fn format_years(years: &[ProjectYear]) -> String {
    years
        .iter()
        .map(|y| match y.completed_wan {
            Some(c) => format!("{} {} {}", y.year, fmt_wan(y.planned_wan), fmt_wan(c)),
            None => format!("{} {}", y.year, fmt_wan(y.planned_wan)),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl MajorProject {
    /// The record id: the code.
    pub fn id(&self) -> &str {
        &self.code
    }

    pub fn year(&self, year: i32) -> Option<&ProjectYear> {
        self.years.iter().find(|y| y.year == year)
    }

    /// Completed over every year, 万元.
    pub fn completed_total_wan(&self) -> f64 {
        self.years.iter().filter_map(|y| y.completed_wan).sum()
    }

    /// Every problem, each naming the project and the field; empty when sound.
    pub fn validate(&self, known: &Known) -> Vec<String> {
        let who = if self.code.trim().is_empty() {
            "重大项目".to_string()
        } else {
            format!("重大项目 {}", self.code)
        };
        let mut out = Vec::new();
        let mut say = |s: String| out.push(format!("{who}:{s}"));
        if !is_code(&self.code) {
            say(format!(
                "项目编号“{}”应为 1–20 位字母、数字或“-”",
                self.code
            ));
        }
        for (field, v) in [
            ("项目名称", &self.name),
            ("领域", &self.domain),
            ("牵头单位", &self.lead_unit),
        ] {
            if v.trim().is_empty() {
                say(format!("{field}不能为空"));
            }
        }
        if !self.domain.is_empty()
            && !known.domains.is_empty()
            && !known.domains.contains(&self.domain)
        {
            say(format!("未知领域“{}”", self.domain));
        }
        if let Some(t) = &self.key_task
            && !known.tasks.is_empty()
            && !known.tasks.contains(t)
        {
            say(format!("未知重点任务“{t}”"));
        }
        if let Some(p) = &self.place
            && !known.places.is_empty()
            && !known.places.contains(p)
        {
            say(format!("未知地点编码“{p}”"));
        }
        let mut partners = BTreeSet::new();
        for p in &self.partner_units {
            if *p == self.lead_unit {
                say(format!("牵头单位“{p}”不应同时列为配合单位"));
            } else if !partners.insert(p) {
                say(format!("配合单位“{p}”重复"));
            }
        }
        if bad_amount(self.total_wan) || self.total_wan == 0.0 {
            say(format!(
                "总投资 {} 万元无效(须为大于 0 的数)",
                self.total_wan
            ));
        }
        if self.end < self.start {
            say(format!("竣工日期 {} 早于开工日期 {}", self.end, self.start));
        }
        let mut years = BTreeSet::new();
        for y in &self.years {
            if !years.insert(y.year) {
                say(format!("{} 年的投资重复列出", y.year));
            }
            if y.year < self.start.year() || y.year > self.end.year() {
                say(format!(
                    "{} 年不在建设期 {}–{} 年内",
                    y.year,
                    self.start.year(),
                    self.end.year()
                ));
            }
            if bad_amount(y.planned_wan) {
                say(format!(
                    "{} 年计划投资 {} 万元无效(须为不小于 0 的数)",
                    y.year, y.planned_wan
                ));
            }
            if let Some(c) = y.completed_wan.filter(|c| bad_amount(*c)) {
                say(format!(
                    "{} 年完成投资 {c} 万元无效(须为不小于 0 的数)",
                    y.year
                ));
            }
            if let Some(d) = y.as_of.filter(|d| d.year() != y.year) {
                say(format!("{} 年完成投资的截至日期 {d} 不在该年内", y.year));
            }
        }
        let planned: f64 = self.years.iter().map(|y| y.planned_wan).sum();
        // Rounding of typed amounts is not a contradiction; a real excess is.
        if planned.is_finite() && self.total_wan.is_finite() && planned > self.total_wan + 0.5 {
            say(format!(
                "各年计划投资合计 {} 万元超过总投资 {} 万元",
                fmt_wan(planned),
                fmt_wan(self.total_wan)
            ));
        }
        let mut ids = BTreeSet::new();
        for m in &self.milestones {
            if !ids.insert(m.id) {
                say(format!("节点编号 {} 重复", m.id));
            }
            if m.title.trim().is_empty() {
                say(format!("节点 {} 缺少标题", m.id));
            }
        }
        if self.status.is_closed() && self.closing_note.trim().is_empty() {
            say(format!("{}须写明说明", self.status.label_zh()));
        }
        out
    }

    /// The milestones overdue on `today`: none for a terminated project (its remaining
    /// steps will never be taken, and its closing note says why), nor for one completed.
    pub fn overdue_milestones(&self, today: NaiveDate) -> usize {
        if self.status.is_closed() {
            return 0;
        }
        self.milestones
            .iter()
            .filter(|m| m.is_overdue(today))
            .count()
    }

    /// Keeps the dated reports of `stored` (a form or a file carries only the latest
    /// amount) and adds one for every year whose completed amount changed, dated its
    /// `as_of` or `today`.
    pub fn carry_reports(&mut self, stored: Option<&MajorProject>, today: NaiveDate) {
        for y in &mut self.years {
            let before = stored.and_then(|s| s.year(y.year));
            if y.reports.is_empty() {
                y.reports = before.map(|b| b.reports.clone()).unwrap_or_default();
            }
            let Some(done) = y.completed_wan else {
                continue;
            };
            let was = match y.reports.last() {
                Some(r) => Some(r.completed_wan),
                None => before.and_then(|b| b.completed_wan),
            };
            if was != Some(done) {
                let as_of = y.as_of.unwrap_or(today);
                y.reports.retain(|r| r.as_of != as_of);
                y.reports.push(AmountReport {
                    as_of,
                    completed_wan: done,
                });
                y.reports.sort_by_key(|r| r.as_of);
            }
        }
    }

    /// The year's light as it stood on `day` (a past month's ranking): the amount
    /// reported by then, judged on the day it stood at. None as [`Self::year_schedule`].
    pub fn year_schedule_on(
        &self,
        year: i32,
        day: NaiveDate,
        bands: &LightBands,
    ) -> Option<Schedule> {
        if self.status == ProjectStatus::Terminated {
            return None;
        }
        let y = self.year(year).filter(|y| y.planned_wan > 0.0)?;
        let (done, at) = match y.completed_on(day) {
            Some((d, at)) => (Some(d), at),
            None => (None, day),
        };
        Some(investment_schedule(y.planned_wan, None, done, year, at).with_bands(bands))
    }

    /// The year's schedule light (methods §2): the year's planned investment is the
    /// target, the completed so far a year-to-date flow. None when the project plans
    /// nothing that year or is terminated.
    pub fn year_schedule(
        &self,
        year: i32,
        today: NaiveDate,
        bands: &LightBands,
    ) -> Option<Schedule> {
        if self.status == ProjectStatus::Terminated {
            return None;
        }
        let y = self.year(year).filter(|y| y.planned_wan > 0.0)?;
        let at = y.as_of.unwrap_or(today);
        Some(investment_schedule(y.planned_wan, None, y.completed_wan, year, at).with_bands(bands))
    }
}

/// What [`investment_schedule`] needs before the bands: the judgement is made with them.
pub struct PendingSchedule {
    target: Target,
    start: Option<f64>,
    actual: Option<f64>,
    fraction: f64,
    as_of: String,
}

impl PendingSchedule {
    pub fn with_bands(&self, bands: &LightBands) -> Schedule {
        evaluate(
            &ScheduleInput {
                target: &self.target,
                polarity: Polarity::HigherIsBetter,
                start: self.start,
                actual: self.actual,
                fraction: self.fraction,
                flow: if self.start.is_some() {
                    Flow::Level
                } else {
                    Flow::YearToDate
                },
                as_of: Some(&self.as_of),
            },
            bands,
        )
    }
}

/// An amount toward `target` in `year`, reported as of `at`: a year-to-date flow when
/// `start` is None, else a level from `start` (a cumulative total).
fn investment_schedule(
    target: f64,
    start: Option<f64>,
    actual: Option<f64>,
    year: i32,
    at: NaiveDate,
) -> PendingSchedule {
    // A year-to-date amount is a floor gathered over the year (`≥`, spread over the
    // year by the schedule); a cumulative total is a level to reach (a plain number: a
    // `≥` on a level would be a bound checked directly, with no schedule).
    let text = match start {
        None => format!("≥{}", fmt_wan(target)),
        Some(_) => fmt_wan(target),
    };
    let target = Target::parse(&text).unwrap_or_else(|_| Target::none(text));
    PendingSchedule {
        target,
        start,
        actual,
        fraction: fraction_of_year_elapsed(year, at),
        as_of: if at.year() > year {
            format!("{year}年末")
        } else {
            format!("{}月{}日", at.month(), at.day())
        },
    }
}

/// The day a set of yearly figures stands at: the latest `as_of` reported for `year`
/// (never after `today`), else `today` within the year and the year's end after it.
fn reported_at<'a>(
    lines: impl Iterator<Item = &'a ProjectYear>,
    year: i32,
    today: NaiveDate,
) -> NaiveDate {
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(today);
    let fallback = today.min(year_end);
    lines
        .filter(|y| y.year == year && y.completed_wan.is_some())
        .filter_map(|y| y.as_of)
        .max()
        .map_or(fallback, |d| d.min(fallback))
}

/// An amount in 万元 as people read it: at most two decimals, no trailing zeros.
pub fn fmt_wan(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// Investment of a set of projects in one year, with its light.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearTotal {
    pub year: i32,
    pub projects: usize,
    pub planned_wan: f64,
    /// None when no project reported a completed amount for the year.
    pub completed_wan: Option<f64>,
    pub schedule: Schedule,
}

/// The year's planned against completed over `projects` (terminated ones left out), with
/// the light of their sum. Projects planning nothing that year are left out.
pub fn year_total(
    projects: &[&MajorProject],
    year: i32,
    today: NaiveDate,
    bands: &LightBands,
) -> YearTotal {
    let mut planned = 0.0;
    let mut completed: Option<f64> = None;
    let mut n = 0;
    for p in projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Terminated)
    {
        if let Some(y) = p.year(year).filter(|y| y.planned_wan > 0.0) {
            n += 1;
            planned += y.planned_wan;
            if let Some(c) = y.completed_wan {
                *completed.get_or_insert(0.0) += c;
            }
        }
    }
    let at = reported_at(projects.iter().flat_map(|p| p.years.iter()), year, today);
    let schedule = investment_schedule(planned, None, completed, year, at).with_bands(bands);
    YearTotal {
        year,
        projects: n,
        planned_wan: planned,
        completed_wan: completed,
        schedule,
    }
}

/// The programme's investment against the plan's total (89.88亿元).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgrammeTotal {
    /// The plan's total, 万元 (None when the plan states none).
    pub goal_wan: Option<f64>,
    /// What the registered projects plan in total (terminated ones left out).
    pub registered_wan: f64,
    /// What every year through `year` planned.
    pub planned_to_date_wan: f64,
    /// What every year through `year` completed.
    pub completed_to_date_wan: f64,
    /// completed ÷ goal.
    pub share_of_goal: Option<f64>,
    pub year: i32,
    /// The light: the cumulative path through `year` as the year's target, the years
    /// before as the start (methods §2).
    pub schedule: Schedule,
    pub projects: usize,
}

pub fn programme_total(
    projects: &[MajorProject],
    goal_wan: Option<f64>,
    year: i32,
    today: NaiveDate,
    bands: &LightBands,
) -> ProgrammeTotal {
    let live: Vec<&MajorProject> = projects
        .iter()
        .filter(|p| p.status != ProjectStatus::Terminated)
        .collect();
    let sum = |f: &dyn Fn(&ProjectYear) -> Option<f64>, through: i32| -> f64 {
        live.iter()
            .flat_map(|p| p.years.iter())
            .filter(|y| y.year <= through)
            .filter_map(f)
            .sum()
    };
    let planned_to_date = sum(&|y| Some(y.planned_wan), year);
    let completed_before = sum(&|y| y.completed_wan, year.saturating_sub(1));
    let completed_to_date = sum(&|y| y.completed_wan, year);
    let reported = live
        .iter()
        .flat_map(|p| p.years.iter())
        .any(|y| y.year <= year && y.completed_wan.is_some());
    let at = reported_at(live.iter().flat_map(|p| p.years.iter()), year, today);
    let schedule = investment_schedule(
        planned_to_date,
        Some(completed_before),
        reported.then_some(completed_to_date),
        year,
        at,
    )
    .with_bands(bands);
    ProgrammeTotal {
        goal_wan,
        registered_wan: live.iter().map(|p| p.total_wan).sum(),
        planned_to_date_wan: planned_to_date,
        completed_to_date_wan: completed_to_date,
        share_of_goal: goal_wan.filter(|g| *g > 0.0).map(|g| completed_to_date / g),
        year,
        schedule,
        projects: live.len(),
    }
}

// ---- 民生实事 ---------------------------------------------------------------------------

/// A month's cumulative progress of a 民生实事 item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthProgress {
    /// 1–12.
    pub month: u32,
    /// Done since 1 January, in the item's unit.
    pub done: f64,
    #[serde(default)]
    pub note: String,
}

/// One item of a year's 民生实事 list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LivelihoodItem {
    pub year: i32,
    /// Its number in the year's list, 1…
    pub number: u32,
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    pub target: f64,
    /// 个, 户, 人次 …
    pub unit: String,
    pub lead_unit: String,
    /// Place codes it is carried out in (empty: district-wide).
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub progress: Vec<MonthProgress>,
    #[serde(default)]
    pub completed_on: Option<NaiveDate>,
    #[serde(default)]
    pub synthetic: bool,
}

/// The half-year a report card is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardTime {
    MidYear,
    YearEnd,
}

impl CardTime {
    pub fn month(self) -> u32 {
        match self {
            CardTime::MidYear => 6,
            CardTime::YearEnd => 12,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CardTime::MidYear => "年中",
            CardTime::YearEnd => "年终",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            CardTime::MidYear => "mid-year",
            CardTime::YearEnd => "year-end",
        }
    }
}

impl std::str::FromStr for CardTime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "mid" | "mid_year" | "年中" | "6" => Ok(CardTime::MidYear),
            "end" | "year_end" | "年终" | "12" => Ok(CardTime::YearEnd),
            other => Err(format!("“{other}”应为 mid(年中)或 end(年终)")),
        }
    }
}

/// One row of a report card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardRow {
    pub number: u32,
    pub name: String,
    pub lead_unit: String,
    pub target: f64,
    pub unit: String,
    /// Done by the card's month (the latest month reported up to it).
    pub done: Option<f64>,
    /// done ÷ target.
    pub share: Option<f64>,
    pub completed_on: Option<NaiveDate>,
    pub schedule: Schedule,
}

impl LivelihoodItem {
    /// `2024-03`.
    pub fn id(&self) -> String {
        format!("{}-{:02}", self.year, self.number)
    }

    /// Done by the end of `month`: the latest report in or before it.
    pub fn done_by(&self, month: u32) -> Option<f64> {
        self.progress
            .iter()
            .filter(|p| p.month <= month)
            .max_by_key(|p| p.month)
            .map(|p| p.done)
    }

    /// The latest month reported.
    pub fn latest(&self) -> Option<&MonthProgress> {
        self.progress.iter().max_by_key(|p| p.month)
    }

    pub fn validate(&self, known: &Known) -> Vec<String> {
        let who = format!("{}年民生实事第{}项", self.year, self.number);
        let mut out = Vec::new();
        let mut say = |s: String| out.push(format!("{who}:{s}"));
        if !(2000..=2100).contains(&self.year) {
            say(format!("年度 {} 无效", self.year));
        }
        if self.number == 0 {
            say("序号须从 1 起".into());
        }
        for (field, v) in [
            ("名称", &self.name),
            ("计量单位", &self.unit),
            ("牵头单位", &self.lead_unit),
        ] {
            if v.trim().is_empty() {
                say(format!("{field}不能为空"));
            }
        }
        if bad_amount(self.target) || self.target == 0.0 {
            say(format!("目标数量 {} 无效(须为大于 0 的数)", self.target));
        }
        for p in &self.places {
            if !known.places.is_empty() && !known.places.contains(p) {
                say(format!("未知地点编码“{p}”"));
            }
        }
        let mut months = BTreeSet::new();
        let mut last: Option<(u32, f64)> = None;
        let mut sorted: Vec<&MonthProgress> = self.progress.iter().collect();
        sorted.sort_by_key(|p| p.month);
        for p in sorted {
            if !(1..=12).contains(&p.month) {
                say(format!("月份 {} 无效(1–12)", p.month));
            }
            if !months.insert(p.month) {
                say(format!("{} 月进度重复", p.month));
            }
            if bad_amount(p.done) {
                say(format!(
                    "{} 月累计完成 {} 无效(须为不小于 0 的数)",
                    p.month, p.done
                ));
            }
            if let Some((m, d)) = last
                && p.done < d
            {
                say(format!(
                    "{} 月累计完成 {} 少于 {m} 月的 {d}(进度为年初至今累计,不应减少)",
                    p.month,
                    fmt_wan(p.done)
                ));
            }
            last = Some((p.month, p.done));
        }
        if let Some(d) = self.completed_on.filter(|d| d.year() != self.year) {
            say(format!("完成日期 {d} 不在 {} 年内", self.year));
        }
        out
    }

    /// The light at the end of `month` (methods §2: a year-to-date flow toward the
    /// target quantity). An item marked completed is judged on the target itself.
    pub fn schedule_at(&self, month: u32, bands: &LightBands) -> Schedule {
        let month = month.clamp(1, 12);
        let end = NaiveDate::from_ymd_opt(self.year, month, 1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .and_then(|d| d.pred_opt())
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or_default());
        let done = match (self.done_by(month), self.completed_on) {
            (_, Some(c)) if c <= end => Some(self.target.max(self.done_by(month).unwrap_or(0.0))),
            (d, _) => d,
        };
        let text = format!("≥{}", fmt_wan(self.target));
        let target = Target::parse(&text).unwrap_or_else(|_| Target::none(text));
        let as_of = format!("{month}月末");
        evaluate(
            &ScheduleInput {
                target: &target,
                polarity: Polarity::HigherIsBetter,
                start: None,
                actual: done,
                fraction: fraction_of_year_elapsed(self.year, end),
                flow: Flow::YearToDate,
                as_of: Some(&as_of),
            },
            bands,
        )
    }
}

/// The mid-year or year-end report card of a year's list, in list order.
pub fn report_card(
    items: &[LivelihoodItem],
    year: i32,
    at: CardTime,
    bands: &LightBands,
) -> Vec<CardRow> {
    let mut rows: Vec<CardRow> = items
        .iter()
        .filter(|i| i.year == year)
        .map(|i| {
            let schedule = i.schedule_at(at.month(), bands);
            let done = match i.completed_on {
                Some(c) if c.month() <= at.month() => {
                    Some(i.target.max(i.done_by(at.month()).unwrap_or(0.0)))
                }
                _ => i.done_by(at.month()),
            };
            CardRow {
                number: i.number,
                name: i.name.clone(),
                lead_unit: i.lead_unit.clone(),
                target: i.target,
                unit: i.unit.clone(),
                done,
                share: done.map(|d| d / i.target),
                completed_on: i.completed_on.filter(|c| c.month() <= at.month()),
                schedule,
            }
        })
        .collect();
    rows.sort_by_key(|r| r.number);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::schedule::Light;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn project() -> MajorProject {
        MajorProject {
            code: "XM01".into(),
            name: "区妇幼保健院迁建".into(),
            domain: "BY".into(),
            key_task: Some("2.1".into()),
            place: Some("330902001".into()),
            lead_unit: "区卫健局".into(),
            partner_units: vec!["区住建局".into()],
            total_wan: 30000.0,
            start: d("2024-03-01"),
            end: d("2026-12-31"),
            years: vec![
                ProjectYear {
                    year: 2024,
                    planned_wan: 10000.0,
                    completed_wan: Some(11000.0),
                    as_of: None,
                    reports: Vec::new(),
                },
                ProjectYear {
                    year: 2025,
                    planned_wan: 12000.0,
                    completed_wan: Some(3000.0),
                    as_of: Some(d("2025-06-30")),
                    reports: Vec::new(),
                },
                ProjectYear {
                    year: 2026,
                    planned_wan: 8000.0,
                    completed_wan: None,
                    as_of: None,
                    reports: Vec::new(),
                },
            ],
            milestones: parse_milestones("主体封顶@2025-06-30;竣工验收@2026-12-31").unwrap(),
            status: ProjectStatus::Building,
            closing_note: String::new(),
            synthetic: false,
        }
    }

    #[test]
    fn a_past_day_reads_the_amount_that_stood_then_and_changes_are_dated() {
        let mut p = project();
        // Undated legacy amount: known from its as_of only.
        let y25 = p.year(2025).unwrap().clone();
        assert_eq!(y25.completed_on(d("2025-03-31")), None);
        assert_eq!(
            y25.completed_on(d("2025-07-31")),
            Some((3000.0, d("2025-06-30")))
        );
        // The first save dates the amounts; a later one adds a report when it changed.
        p.carry_reports(None, d("2025-07-01"));
        assert_eq!(p.year(2025).unwrap().reports.len(), 1);
        let stored = p.clone();
        let mut next = project();
        next.years[1].completed_wan = Some(7000.0);
        next.years[1].as_of = Some(d("2025-09-30"));
        next.carry_reports(Some(&stored), d("2025-10-08"));
        let y = next.year(2025).unwrap();
        assert_eq!(y.reports.len(), 2);
        assert_eq!(
            y.completed_on(d("2025-08-31")),
            Some((3000.0, d("2025-06-30")))
        );
        assert_eq!(
            y.completed_on(d("2025-09-30")),
            Some((7000.0, d("2025-09-30")))
        );
        // Unchanged: no new report.
        let again = next.clone();
        next.carry_reports(Some(&again), d("2025-10-09"));
        assert_eq!(next.year(2025).unwrap().reports.len(), 2);
        // The August light reads June's 3000 of 12000, not September's 7000.
        let bands = LightBands::default();
        let aug = next
            .year_schedule_on(2025, d("2025-08-31"), &bands)
            .unwrap();
        let sep = next
            .year_schedule_on(2025, d("2025-09-30"), &bands)
            .unwrap();
        assert!(aug.gap.unwrap() > 20.0, "{:?}", aug.gap);
        assert_ne!(aug.light, Light::Green);
        assert!(sep.expected.is_some());
    }

    #[test]
    fn a_closed_project_has_no_overdue_milestone() {
        let mut p = project();
        assert_eq!(p.overdue_milestones(d("2025-10-01")), 1);
        p.status = ProjectStatus::Terminated;
        p.closing_note = "规划调整,停建".into();
        assert_eq!(p.overdue_milestones(d("2025-10-01")), 0);
    }

    #[test]
    fn a_sound_project_validates_and_each_fault_is_named() {
        let known = Known {
            domains: ["BY".to_string()].into(),
            tasks: ["2.1".to_string()].into(),
            places: ["330902001".to_string()].into(),
        };
        assert!(
            project().validate(&known).is_empty(),
            "{:?}",
            project().validate(&known)
        );
        let mut p = project();
        p.code = "XM 01".into();
        p.domain = "ZZ".into();
        p.partner_units.push("区卫健局".into());
        p.years[0].planned_wan = -1.0;
        p.years.push(p.years[1].clone());
        p.years.push(ProjectYear {
            year: 2030,
            planned_wan: 1.0,
            completed_wan: None,
            as_of: None,
            reports: Vec::new(),
        });
        p.end = d("2024-01-01");
        p.status = ProjectStatus::Completed;
        let problems = p.validate(&known);
        let all = problems.join("\n");
        for needle in [
            "项目编号",
            "未知领域“ZZ”",
            "不应同时列为配合单位",
            "计划投资 -1 万元无效",
            "2025 年的投资重复",
            "2030 年不在建设期",
            "早于开工日期",
            "已完工须写明说明",
        ] {
            assert!(all.contains(needle), "{needle} missing in {all}");
        }
        let mut over = project();
        over.total_wan = 20000.0;
        assert!(over.validate(&known).join("").contains("超过总投资"));
    }

    #[test]
    fn milestones_round_trip_as_text_and_bad_text_is_explained() {
        let ms = parse_milestones("开工@2024-03-01@2024-03-05; 封顶@2025-06-30").unwrap();
        assert_eq!(ms.len(), 2);
        assert_eq!(ms[0].done_on, Some(d("2024-03-05")));
        assert_eq!(ms[1].id, 2);
        assert_eq!(parse_milestones(&format_milestones(&ms)).unwrap(), ms);
        assert!(
            parse_milestones("开工@2024/3/1")
                .unwrap_err()
                .contains("2025-06-30")
        );
        assert!(
            parse_milestones("开工")
                .unwrap_err()
                .contains("标题@计划日期")
        );
        assert!(parse_milestones("").unwrap().is_empty());
    }

    #[test]
    fn a_years_investment_is_judged_on_the_time_schedule() {
        let bands = LightBands::default();
        let p = project();
        // 2024 done, 110 % of the year's plan: green.
        let s = p.year_schedule(2024, d("2025-07-01"), &bands).unwrap();
        assert_eq!(s.light, Light::Green);
        // 2025: 3000 of 12000 by 30 June (half the year): 25 points behind → yellow.
        let s = p.year_schedule(2025, d("2025-07-01"), &bands).unwrap();
        assert_eq!(s.light, Light::Yellow);
        let gap = s.gap.unwrap();
        assert!((gap - 24.6).abs() < 1.0, "{gap}");
        // 2026: nothing reported yet → grey, never a false red.
        let s = p.year_schedule(2026, d("2026-03-01"), &bands).unwrap();
        assert_eq!(s.light, Light::Grey);
        assert!(p.year_schedule(2027, d("2027-03-01"), &bands).is_none());
        let mut stopped = p.clone();
        stopped.status = ProjectStatus::Terminated;
        assert!(
            stopped
                .year_schedule(2025, d("2025-07-01"), &bands)
                .is_none()
        );
    }

    #[test]
    fn the_programme_total_runs_on_the_cumulative_path() {
        let bands = LightBands::default();
        let mut other = project();
        other.code = "XM02".into();
        other.years[1].completed_wan = Some(1000.0);
        let mut stopped = project();
        stopped.code = "XM03".into();
        stopped.status = ProjectStatus::Terminated;
        let all = vec![project(), other, stopped];
        let t = programme_total(&all, Some(898_800.0), 2025, d("2025-06-30"), &bands);
        assert_eq!(t.projects, 2);
        assert_eq!(t.registered_wan, 60000.0);
        assert_eq!(t.planned_to_date_wan, 44000.0);
        assert_eq!(t.completed_to_date_wan, 26000.0);
        // Start 22000 (2024 done), target 44000, half a year: expected 33000, have 26000
        // → 7000 of the 22000 task behind ≈ 32 points → red.
        assert_eq!(t.schedule.light, Light::Red);
        assert!((t.share_of_goal.unwrap() - 26000.0 / 898_800.0).abs() < 1e-12);
        let y = year_total(
            &all.iter().collect::<Vec<_>>(),
            2025,
            d("2025-06-30"),
            &bands,
        );
        assert_eq!(
            (y.projects, y.planned_wan, y.completed_wan),
            (2, 24000.0, Some(4000.0))
        );
        assert_eq!(y.schedule.light, Light::Red);
        let none = programme_total(&[], None, 2025, d("2025-06-30"), &bands);
        assert_eq!(none.schedule.light, Light::Grey);
        assert_eq!(none.share_of_goal, None);
    }

    fn item() -> LivelihoodItem {
        LivelihoodItem {
            year: 2025,
            number: 1,
            name: "新增普惠托位".into(),
            domain: Some("YY".into()),
            target: 300.0,
            unit: "个".into(),
            lead_unit: "区卫健局".into(),
            places: vec![],
            progress: vec![
                MonthProgress {
                    month: 3,
                    done: 60.0,
                    note: String::new(),
                },
                MonthProgress {
                    month: 6,
                    done: 150.0,
                    note: String::new(),
                },
            ],
            completed_on: None,
            synthetic: false,
        }
    }

    #[test]
    fn a_report_card_judges_each_item_at_its_month() {
        let bands = LightBands::default();
        let mut late = item();
        late.number = 2;
        late.progress.truncate(1);
        let mut done = item();
        done.number = 3;
        done.completed_on = Some(d("2025-05-20"));
        let items = vec![late, item(), done];
        let card = report_card(&items, 2025, CardTime::MidYear, &bands);
        assert_eq!(
            card.iter().map(|r| r.number).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(card[0].schedule.light, Light::Green);
        assert_eq!(card[0].share, Some(0.5));
        // 60 of 300 by June: 30 points behind → yellow at the edge, red beyond.
        assert_ne!(card[1].schedule.light, Light::Green);
        assert_eq!(card[1].done, Some(60.0));
        assert_eq!(card[2].schedule.light, Light::Green);
        assert_eq!(card[2].done, Some(300.0));
        let end = report_card(&items, 2025, CardTime::YearEnd, &bands);
        assert_eq!(end[0].schedule.light, Light::Red);
        assert!(report_card(&items, 2024, CardTime::YearEnd, &bands).is_empty());
    }

    #[test]
    fn a_livelihood_item_names_its_faults() {
        let mut i = item();
        assert!(i.validate(&Known::default()).is_empty());
        i.progress.push(MonthProgress {
            month: 7,
            done: 100.0,
            note: String::new(),
        });
        i.progress.push(MonthProgress {
            month: 13,
            done: 200.0,
            note: String::new(),
        });
        i.unit.clear();
        i.completed_on = Some(d("2026-01-02"));
        let all = i.validate(&Known::default()).join("\n");
        for needle in [
            "计量单位不能为空",
            "7 月累计完成 100 少于 6 月",
            "月份 13 无效",
            "不在 2025 年内",
        ] {
            assert!(all.contains(needle), "{needle} missing in {all}");
        }
        assert_eq!(i.id(), "2025-01");
    }

    #[test]
    fn years_round_trip_as_text() {
        let ys = parse_years("2025 12000 3000\n2024 10000").unwrap();
        assert_eq!(ys[0].year, 2024);
        assert_eq!(ys[1].completed_wan, Some(3000.0));
        assert_eq!(parse_years(&format_years(&ys)).unwrap(), ys);
        assert!(parse_years("2025 -1").unwrap_err().contains("不小于 0"));
        assert!(parse_years("2025").unwrap_err().contains("年度 计划投资"));
        assert!(parse_years("2025 1;2025 2").unwrap_err().contains("重复"));
    }

    #[test]
    fn status_reads_codes_and_labels() {
        assert_eq!("在建".parse::<ProjectStatus>(), Ok(ProjectStatus::Building));
        assert_eq!(
            "terminated".parse::<ProjectStatus>(),
            Ok(ProjectStatus::Terminated)
        );
        assert!("停工".parse::<ProjectStatus>().is_err());
        assert_eq!(
            split_units("区民政局、区财政局, 区住建局"),
            vec!["区民政局", "区财政局", "区住建局"]
        );
        assert_eq!(fmt_wan(12000.0), "12000");
        assert_eq!(fmt_wan(0.126), "0.13");
    }
}
