//! The plan as data: domains, indicators with their targets, key tasks, major projects,
//! and the history of revised targets.
//!
//! A `Plan` is plain data (serde); `Plan::validate` checks everything at once and returns
//! every problem, so an editor of a plan file sees the whole list in one pass.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use crate::eval::Flow;
use crate::period::PeriodKind;
use crate::place::Level;
use crate::target::{Op, Target};

/// Whether a higher or a lower value is better. A property of the indicator, never of the
/// target text (methods §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    #[default]
    HigherIsBetter,
    LowerIsBetter,
}

impl Polarity {
    /// +1 for higher-is-better, −1 for lower-is-better (the `d` of methods §3).
    pub fn direction(self) -> f64 {
        match self {
            Polarity::HigherIsBetter => 1.0,
            Polarity::LowerIsBetter => -1.0,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "越高越好",
            Polarity::LowerIsBetter => "越低越好",
        }
    }
}

/// How values of an indicator combine over the places below a place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Aggregation {
    /// Counts and amounts add up.
    Sum,
    /// A rate: Σ numerator / Σ denominator × scale (e.g. 托位数 per 1,000 residents).
    RatioOfSums {
        numerator: String,
        denominator: String,
        #[serde(default = "one")]
        scale: f64,
    },
    /// A mean weighted by each place's population (e.g. 人均预期寿命).
    PopulationWeightedMean,
    /// The most recent value reported for the place itself (standards, yes/no, …).
    Latest,
    /// Only meaningful for the place that reports it (a district-wide survey rate).
    NotAggregable,
}

fn yearly() -> PeriodKind {
    PeriodKind::Year
}

fn one() -> f64 {
    1.0
}

impl Aggregation {
    pub fn label_zh(&self) -> String {
        match self {
            Aggregation::Sum => "求和".into(),
            Aggregation::RatioOfSums {
                numerator,
                denominator,
                scale,
            } => format!("比率(Σ{numerator} ÷ Σ{denominator} × {scale})"),
            Aggregation::PopulationWeightedMean => "按人口加权平均".into(),
            Aggregation::Latest => "取最新值".into(),
            Aggregation::NotAggregable => "不可汇总".into(),
        }
    }

    pub fn label_en(&self) -> String {
        match self {
            Aggregation::Sum => "sum".into(),
            Aggregation::RatioOfSums {
                numerator,
                denominator,
                scale,
            } => format!("ratio (Σ{numerator} ÷ Σ{denominator} × {scale})"),
            Aggregation::PopulationWeightedMean => "population-weighted mean".into(),
            Aggregation::Latest => "latest value".into(),
            Aggregation::NotAggregable => "not aggregated".into(),
        }
    }
}

/// Whether a yearly value is that year's own figure or a running total since the plan's
/// start (累计).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Accumulation {
    #[default]
    Annual,
    Cumulative,
}

/// One of the plan's domains (领域), e.g. 幼有善育.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Stable ASCII code, e.g. `YY`.
    pub code: String,
    /// Chinese name, e.g. `幼有善育`.
    pub name: String,
    /// The section of 二、重点任务 that covers it, e.g. `（一）`, and its lead unit.
    pub lead_unit: String,
    /// Short English name for the English interface.
    #[serde(default)]
    pub name_en: String,
}

/// Where an indicator comes from in the plan's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IndicatorSource {
    /// A row of the plan's table of five-year targets; `seq` is its 序号.
    Table { seq: u32 },
    /// A quantified target inside a key task; `task` is the task's code and `sentence` the
    /// sentence it was read from, verbatim.
    Task { task: String, sentence: String },
}

/// A measured quantity with unit, polarity, aggregation rule, baseline and yearly targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Stable code, e.g. `T01` for table row 1, `K1.2a` for the first target of task 1.2.
    pub code: String,
    pub name: String,
    /// Unit as the plan writes it: `%`, `个`, `万人次`, `元`, `‰`.
    pub unit: String,
    pub domain: String,
    pub polarity: Polarity,
    pub aggregation: Aggregation,
    #[serde(default)]
    pub accumulation: Accumulation,
    /// How often it is reported (yearly unless the plan file says otherwise).
    #[serde(default = "yearly")]
    pub frequency: PeriodKind,
    /// Whether a report within the year is the level reached (default) or the amount so far
    /// this year (a flow reported year-to-date); the schedule differs (methods §2).
    #[serde(default)]
    pub flow: Flow,
    /// The level of the places that report it (村(社区), 镇(街道) …); `None`: the plan's
    /// own place reports it. Completeness expects a report from every place at this level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_level: Option<Level>,
    /// A pass/fail milestone (评估率 100 = passed).
    #[serde(default)]
    pub milestone: bool,
    pub lead_unit: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partner_units: Vec<String>,
    /// A natural limit (e.g. 100 for a percentage), used by the progress measure when the
    /// indicator has no target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    pub source: IndicatorSource,
    /// Where its figures come from unless a figure names its own (默认数据来源: 浙里健康,
    /// 统计年鉴 …); the plan file's `source`. Empty: not named.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub data_source: String,
    /// How it is counted (统计口径); the plan file's `definition`. Empty: not written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub definition: String,
    /// The baseline (基期) cell as written.
    pub baseline: Target,
    /// The target per year, as written and parsed.
    pub targets: BTreeMap<i32, Target>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Indicator {
    pub fn target(&self, year: i32) -> Option<&Target> {
        self.targets.get(&year).filter(|t| t.is_set())
    }

    /// The last year that has a target, and that target.
    pub fn final_target(&self) -> Option<(i32, &Target)> {
        self.targets
            .iter()
            .rev()
            .find(|(_, t)| t.is_set())
            .map(|(y, t)| (*y, t))
    }

    pub fn is_table_row(&self) -> bool {
        matches!(self.source, IndicatorSource::Table { .. })
    }

    /// Whether its final target is a milestone (methods §2): a pass/fail indicator, full
    /// coverage (全覆盖, 应保尽保, 应联尽联), 动态清零 (0 on a lower-is-better indicator) or
    /// the indicator's natural limit (100 % by a year). Such a target has no derived
    /// yearly path: until its year it is judged against the lead unit's dated plan.
    pub fn has_milestone_target(&self) -> bool {
        let Some((_, t)) = self.final_target() else {
            return false;
        };
        self.milestone
            || t.op == Op::Full
            || (self.polarity == Polarity::LowerIsBetter && t.value == Some(0.0))
            || (self.polarity == Polarity::HigherIsBetter
                && matches!(t.op, Op::Eq | Op::Ge)
                && t.value.is_some()
                && t.value == self.limit)
    }

    /// The key task (重点任务) a task-text indicator was read from.
    pub fn task_code(&self) -> Option<&str> {
        match &self.source {
            IndicatorSource::Task { task, .. } => Some(task),
            IndicatorSource::Table { .. } => None,
        }
    }
}

/// Whether a unit is a share (`%`, `‰`, `％`, `百分比`), the only kind a target of full
/// coverage (全覆盖, 应保尽保) can be judged in without being a milestone.
pub fn is_share_unit(unit: &str) -> bool {
    matches!(unit.trim(), "%" | "％" | "‰" | "百分比")
}

/// A key task (重点任务) of 二、重点任务.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTask {
    /// `1.2` for the second task of section (一).
    pub code: String,
    pub domain: String,
    pub title: String,
    pub lead_unit: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partner_units: Vec<String>,
    /// The task's text, verbatim.
    pub text: String,
}

/// A major project (重大项目), with the investment it plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    pub lead_unit: String,
    /// Total planned investment in 亿元.
    pub investment_yi_yuan: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_year: Option<i32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sentence: String,
}

/// One revised target cell: what it was and what it became.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRevision {
    pub indicator: String,
    pub year: i32,
    pub old: String,
    pub new: String,
}

/// A version of the plan after the first: its date, reason and the targets it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    pub version: u32,
    /// `YYYY-MM-DD`, as the revision document dates it.
    pub date: String,
    pub reason: String,
    /// The document that decided it (文号), e.g. `定政办发〔2025〕12号`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub document: String,
    /// Who recorded it (a login).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
    pub changes: Vec<TargetRevision>,
}

/// What a revision of one target cell asks for (方案调整): the new text, when it was
/// decided, why, by which document and who records it.
#[derive(Debug, Clone, Copy)]
pub struct RevisionRequest<'a> {
    pub indicator: &'a str,
    pub year: i32,
    pub text: &'a str,
    /// `YYYY-MM-DD`: the revision applies from this day on.
    pub date: &'a str,
    pub reason: &'a str,
    pub document: &'a str,
    pub by: &'a str,
}

/// The plan: what a county (or city, or province) promised, year by year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Stable ASCII code, e.g. `dinghai-qiyouxiang`.
    pub code: String,
    pub name: String,
    pub issuer: String,
    /// The place the plan is for (statistical code), e.g. `330902`.
    #[serde(default)]
    pub place: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    pub baseline_year: i32,
    pub target_years: Vec<i32>,
    /// The current version: 1 for the plan as published, +1 for each revision.
    #[serde(default = "first_version")]
    pub version: u32,
    pub domains: Vec<Domain>,
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub tasks: Vec<KeyTask>,
    #[serde(default)]
    pub projects: Vec<Project>,
    #[serde(default)]
    pub revisions: Vec<Revision>,
}

fn first_version() -> u32 {
    1
}

/// One thing wrong with a plan, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanProblem {
    /// Where: `指标 T06`, `指标 T06 2024年`, `任务 1.2`, `领域 YY`.
    pub at: String,
    pub message: String,
}

impl fmt::Display for PlanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.at, self.message)
    }
}

impl Plan {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    pub fn domain(&self, code: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.code == code)
    }

    pub fn table_indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(|i| i.is_table_row())
    }

    pub fn task_indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(|i| !i.is_table_row())
    }

    pub fn final_year(&self) -> i32 {
        self.target_years
            .iter()
            .copied()
            .max()
            .unwrap_or(self.baseline_year)
    }

    /// Checks the whole plan and returns every problem found (empty when valid).
    pub fn validate(&self) -> Vec<PlanProblem> {
        let mut problems = Vec::new();
        let mut push = |at: String, message: String| problems.push(PlanProblem { at, message });

        if self.code.trim().is_empty() {
            push("方案".into(), "缺少方案编码 code".into());
        }
        if self.name.trim().is_empty() {
            push("方案".into(), "缺少方案名称 name".into());
        }
        if self.target_years.is_empty() {
            push("方案".into(), "缺少目标年份 target_years".into());
        }
        let years: BTreeSet<i32> = self.target_years.iter().copied().collect();
        if years.len() != self.target_years.len() {
            push("方案".into(), "目标年份 target_years 有重复".into());
        }
        if let Some(first) = years.iter().next()
            && *first <= self.baseline_year
        {
            push(
                "方案".into(),
                format!("目标年份 {first} 不晚于基期年份 {}", self.baseline_year),
            );
        }

        let mut domain_codes = HashSet::new();
        for d in &self.domains {
            if !domain_codes.insert(d.code.as_str()) {
                push(format!("领域 {}", d.code), "领域编码重复".into());
            }
            if d.name.trim().is_empty() {
                push(format!("领域 {}", d.code), "缺少领域名称".into());
            }
            if d.lead_unit.trim().is_empty() {
                push(format!("领域 {}", d.code), "缺少牵头单位".into());
            }
        }

        let mut codes = HashSet::new();
        let mut seqs = HashSet::new();
        let task_codes: HashSet<&str> = self.tasks.iter().map(|t| t.code.as_str()).collect();
        for ind in &self.indicators {
            let at = format!("指标 {}({})", ind.code, ind.name);
            if ind.code.trim().is_empty() {
                push(format!("指标 {}", ind.name), "缺少指标编码".into());
            } else if !codes.insert(ind.code.as_str()) {
                push(at.clone(), "指标编码重复".into());
            }
            if ind.name.trim().is_empty() {
                push(at.clone(), "缺少指标名称".into());
            }
            if !domain_codes.contains(ind.domain.as_str()) {
                push(at.clone(), format!("未知领域“{}”", ind.domain));
            }
            if ind.lead_unit.trim().is_empty() {
                push(at.clone(), "缺少牵头单位".into());
            }
            match &ind.source {
                IndicatorSource::Table { seq } => {
                    if !seqs.insert(*seq) {
                        push(at.clone(), format!("表格序号 {seq} 重复"));
                    }
                }
                IndicatorSource::Task { task, sentence } => {
                    if !task_codes.contains(task.as_str()) {
                        push(at.clone(), format!("未知重点任务“{task}”"));
                    }
                    if sentence.trim().is_empty() {
                        push(at.clone(), "缺少出处原文 sentence".into());
                    }
                }
            }
            if let Aggregation::RatioOfSums {
                numerator,
                denominator,
                scale,
            } = &ind.aggregation
            {
                if numerator.trim().is_empty() || denominator.trim().is_empty() {
                    push(at.clone(), "比率指标须写明分子和分母".into());
                }
                if !(scale.is_finite() && *scale > 0.0) {
                    push(at.clone(), format!("比率倍数 scale 须为正数,现为 {scale}"));
                }
            }
            check_cell(&mut push, &at, "基期", &ind.baseline);
            if ind.targets.values().all(|t| !t.is_set()) {
                push(at.clone(), "没有任何一年设定目标".into());
            }
            for (year, t) in &ind.targets {
                if !years.contains(year) {
                    push(
                        format!("{at} {year}年"),
                        format!("年份 {year} 不在方案目标年份 {:?} 内", self.target_years),
                    );
                }
                check_cell(&mut push, &format!("{at} {year}年"), "目标", t);
                if ind.milestone && t.is_set() && t.op != Op::Full && t.value != Some(100.0) {
                    push(
                        format!("{at} {year}年"),
                        format!("达标类指标的目标应为 100 或“全覆盖”,现为“{}”", t.text),
                    );
                }
                if t.op == Op::Full && !ind.milestone && !is_share_unit(&ind.unit) {
                    push(
                        format!("{at} {year}年"),
                        format!(
                            "“{}”无法判断:单位“{}”不是占比,也不是达标类指标。请改为覆盖率(单位 %,写明分子和分母)或标为达标类(milestone = true),并在 note 中说明",
                            t.text, ind.unit
                        ),
                    );
                }
            }
        }

        let mut seen_tasks = HashSet::new();
        for t in &self.tasks {
            let at = format!("任务 {}", t.code);
            if !seen_tasks.insert(t.code.as_str()) {
                push(at.clone(), "任务编号重复".into());
            }
            if !domain_codes.contains(t.domain.as_str()) {
                push(at.clone(), format!("未知领域“{}”", t.domain));
            }
            if t.title.trim().is_empty() {
                push(at.clone(), "缺少任务名称".into());
            }
            if t.lead_unit.trim().is_empty() {
                push(at.clone(), "缺少牵头单位".into());
            }
        }

        let mut seen_projects = HashSet::new();
        for p in &self.projects {
            let at = format!("项目 {}", p.code);
            if !seen_projects.insert(p.code.as_str()) {
                push(at.clone(), "项目编号重复".into());
            }
            if !(p.investment_yi_yuan.is_finite() && p.investment_yi_yuan >= 0.0) {
                push(at.clone(), "计划投资须为非负数(亿元)".into());
            }
        }

        for r in &self.revisions {
            for c in &r.changes {
                let at = format!("修订 v{} 指标 {} {}年", r.version, c.indicator, c.year);
                if !codes.contains(c.indicator.as_str()) {
                    push(at.clone(), "修订了不存在的指标".into());
                }
                if let Err(e) = Target::parse(&c.new) {
                    push(at, e.to_string());
                }
            }
        }
        problems
    }

    /// Revises one target and records the change as a new version. The old text stays in
    /// the history; the plan's current target is the new one.
    pub fn revise_target(
        &mut self,
        indicator: &str,
        year: i32,
        new_text: &str,
        date: &str,
        reason: &str,
    ) -> Result<u32, PlanProblem> {
        self.revise(&RevisionRequest {
            indicator,
            year,
            text: new_text,
            date,
            reason,
            document: "",
            by: "",
        })
    }

    /// Revises one target cell (方案调整) with its reason, document and author, as a new
    /// version. Refused: an unknown indicator or year, a text that is not a target or
    /// that does not change the cell, a date that is not `YYYY-MM-DD`, an empty reason,
    /// and a date before the latest revision (the history runs forward).
    pub fn revise(&mut self, r: &RevisionRequest<'_>) -> Result<u32, PlanProblem> {
        let (indicator, year, new_text) = (r.indicator, r.year, r.text.trim());
        let at = format!("指标 {indicator} {year}年");
        let problem = |message: String| PlanProblem {
            at: at.clone(),
            message,
        };
        let date = chrono::NaiveDate::parse_from_str(r.date.trim(), "%Y-%m-%d")
            .map_err(|_| problem(format!("调整日期“{}”应写为 2025-03-01", r.date)))?;
        if r.reason.trim().is_empty() {
            return Err(problem("请写明调整原因".into()));
        }
        if let Some(last) = self.revisions.last()
            && revision_date(last).is_some_and(|d| d > date)
        {
            return Err(problem(format!(
                "调整日期 {date} 早于上一次调整(第 {} 版,{})",
                last.version, last.date
            )));
        }
        if let Some(ind) = self.indicator(indicator)
            && ind
                .targets
                .get(&year)
                .is_some_and(|t| t.text.trim() == new_text)
        {
            return Err(problem(format!("新目标“{new_text}”与现行目标相同")));
        }
        if !self.target_years.contains(&year) {
            return Err(PlanProblem {
                at,
                message: format!("年份 {year} 不在方案目标年份内"),
            });
        }
        let new = Target::parse(new_text).map_err(|e| PlanProblem {
            at: at.clone(),
            message: e.to_string(),
        })?;
        let ind = self
            .indicators
            .iter_mut()
            .find(|i| i.code == indicator)
            .ok_or_else(|| PlanProblem {
                at: at.clone(),
                message: "指标不存在".into(),
            })?;
        let old = ind
            .targets
            .insert(year, new)
            .map(|t| t.text)
            .unwrap_or_default();
        self.version += 1;
        self.revisions.push(Revision {
            version: self.version,
            date: date.to_string(),
            reason: r.reason.trim().to_string(),
            document: r.document.trim().to_string(),
            by: r.by.to_string(),
            changes: vec![TargetRevision {
                indicator: indicator.to_string(),
                year,
                old,
                new: new_text.to_string(),
            }],
        });
        Ok(self.version)
    }

    /// Every revision that changed a target of `indicator`, oldest first, with the change.
    pub fn revisions_of<'a>(
        &'a self,
        indicator: &'a str,
    ) -> impl Iterator<Item = (&'a Revision, &'a TargetRevision)> + 'a {
        self.revisions.iter().flat_map(move |r| {
            r.changes
                .iter()
                .filter(move |c| c.indicator == indicator)
                .map(move |c| (r, c))
        })
    }

    /// The target cell as the plan wrote it before any revision (原目标), when a revision
    /// changed it; `None` when it was never revised.
    pub fn original_target(&self, indicator: &str, year: i32) -> Option<&str> {
        self.revisions
            .iter()
            .flat_map(|r| r.changes.iter())
            .find(|c| c.indicator == indicator && c.year == year)
            .map(|c| c.old.as_str())
    }

    /// The target of `indicator` for `year` as it stood on `on`: the current cell, undoing
    /// every revision dated after `on` (a revision applies from its date). `None` for an
    /// unknown indicator.
    pub fn target_on(&self, indicator: &str, year: i32, on: chrono::NaiveDate) -> Option<Target> {
        let ind = self.indicator(indicator)?;
        let mut text: Option<&str> = None;
        for r in self.revisions.iter().rev() {
            if revision_date(r).is_none_or(|d| d <= on) {
                continue;
            }
            for c in r.changes.iter().rev() {
                if c.indicator == indicator && c.year == year {
                    text = Some(&c.old);
                }
            }
        }
        match text {
            Some(old) => Some(Target::parse(old).unwrap_or_else(|_| unset(old))),
            None => Some(ind.targets.get(&year).cloned().unwrap_or_else(|| unset(""))),
        }
    }

    /// The cells a year keeps although a later revision changed them: a year whose
    /// year-end came before the revision's date was judged against the target then in
    /// force and keeps it (`(indicator, year, the target in force)`).
    pub fn superseded_targets(&self) -> Vec<(String, i32, Target)> {
        let mut out: Vec<(String, i32, Target)> = Vec::new();
        for r in &self.revisions {
            for c in &r.changes {
                if out
                    .iter()
                    .any(|(i, y, _)| *i == c.indicator && *y == c.year)
                {
                    continue;
                }
                let Some(year_end) = chrono::NaiveDate::from_ymd_opt(c.year, 12, 31) else {
                    continue;
                };
                let current = self
                    .indicator(&c.indicator)
                    .and_then(|i| i.targets.get(&c.year))
                    .map(|t| t.text.as_str())
                    .unwrap_or("");
                if let Some(kept) = self.target_on(&c.indicator, c.year, year_end)
                    && kept.text != current
                {
                    out.push((c.indicator.clone(), c.year, kept));
                }
            }
        }
        out
    }

    /// Every text a target cell has had, oldest first, with the version that set it.
    pub fn target_history(&self, indicator: &str, year: i32) -> Vec<(u32, String)> {
        let changes: Vec<(u32, &TargetRevision)> = self
            .revisions
            .iter()
            .flat_map(|r| r.changes.iter().map(move |c| (r.version, c)))
            .filter(|(_, c)| c.indicator == indicator && c.year == year)
            .collect();
        let mut history = Vec::new();
        match changes.first() {
            Some((_, c)) => history.push((1, c.old.clone())),
            None => {
                if let Some(t) = self.indicator(indicator).and_then(|i| i.targets.get(&year)) {
                    history.push((1, t.text.clone()));
                }
            }
        }
        history.extend(changes.iter().map(|(v, c)| (*v, c.new.clone())));
        history
    }
}

/// A cell without a target (a text that once stood there but no longer reads is shown,
/// never judged).
fn unset(text: &str) -> Target {
    Target {
        text: text.to_string(),
        op: Op::None,
        value: None,
        unit: None,
        derived: false,
    }
}

/// A revision's date, when it is written as `YYYY-MM-DD`.
pub fn revision_date(r: &Revision) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(r.date.trim(), "%Y-%m-%d").ok()
}

fn check_cell(push: &mut impl FnMut(String, String), at: &str, what: &str, cell: &Target) {
    match Target::parse(&cell.text) {
        Err(e) => push(at.to_string(), format!("{what}{e}")),
        Ok(parsed) => {
            if parsed.op != cell.op || parsed.value != cell.value {
                push(
                    at.to_string(),
                    format!(
                        "{what}“{}”的解析结果({} {:?})与文件中写的({} {:?})不一致",
                        cell.text, parsed.op, parsed.value, cell.op, cell.value
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod revision_tests {
    use super::*;
    use chrono::NaiveDate;

    fn plan() -> Plan {
        let mut ind: Indicator = serde_json::from_value(serde_json::json!({
            "code": "K1.2c", "name": "持证率", "unit": "%", "domain": "YY",
            "polarity": "higher_is_better", "aggregation": {"rule": "not_aggregable"},
            "lead_unit": "区卫健局", "source": {"kind": "table", "seq": 1},
            "baseline": {"text": "70", "op": "=", "value": 70.0},
            "targets": {}
        }))
        .expect("indicator");
        for (y, t) in [(2025, "80%"), (2027, "90%")] {
            ind.targets.insert(y, Target::parse(t).unwrap());
        }
        Plan {
            code: "p".into(),
            name: "计划".into(),
            issuer: "区政府".into(),
            place: "330902".into(),
            published: String::new(),
            baseline_year: 2022,
            target_years: vec![2025, 2026, 2027],
            version: 1,
            domains: vec![Domain {
                code: "YY".into(),
                name: "幼有善育".into(),
                lead_unit: "区卫健局".into(),
                name_en: String::new(),
            }],
            indicators: vec![ind],
            tasks: vec![],
            projects: vec![],
            revisions: vec![],
        }
    }

    fn request<'a>(year: i32, text: &'a str, date: &'a str) -> RevisionRequest<'a> {
        RevisionRequest {
            indicator: "K1.2c",
            year,
            text,
            date,
            reason: "省考核口径调整",
            document: "定政办发〔2026〕3号",
            by: "office",
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_revision_keeps_the_original_and_applies_from_its_date() {
        let mut p = plan();
        assert_eq!(p.revise(&request(2025, "82%", "2026-03-01")), Ok(2));
        assert_eq!(p.revise(&request(2027, "92%", "2026-03-01")), Ok(3));
        let r = &p.revisions[0];
        assert_eq!(
            (r.document.as_str(), r.by.as_str()),
            ("定政办发〔2026〕3号", "office")
        );
        assert_eq!(p.original_target("K1.2c", 2025), Some("80%"));
        assert_eq!(p.original_target("K1.2c", 2026), None);
        // 2025 ended before the revision: it keeps 80 %; 2027 takes 92 % at once.
        assert_eq!(
            p.target_on("K1.2c", 2025, day("2025-12-31")).unwrap().text,
            "80%"
        );
        assert_eq!(
            p.target_on("K1.2c", 2025, day("2026-03-01")).unwrap().text,
            "82%"
        );
        let kept = p.superseded_targets();
        assert_eq!(kept.len(), 1, "{kept:?}");
        assert_eq!(
            (kept[0].0.as_str(), kept[0].1, kept[0].2.text.as_str()),
            ("K1.2c", 2025, "80%")
        );
        assert!(p.validate().is_empty(), "{:?}", p.validate());
        // A revision dated in its own year applies to that year too.
        let mut p = plan();
        p.revise(&request(2025, "82%", "2025-06-30")).unwrap();
        assert!(p.superseded_targets().is_empty());
    }

    #[test]
    fn a_revision_without_reason_date_change_or_order_is_refused() {
        let mut p = plan();
        let mut r = request(2025, "82%", "2026-03-01");
        r.reason = " ";
        assert!(p.revise(&r).is_err());
        assert!(
            p.revise(&request(2025, "80%", "2026-03-01")).is_err(),
            "unchanged"
        );
        assert!(
            p.revise(&request(2025, "约82", "2026-03-01")).is_err(),
            "not a target"
        );
        assert!(
            p.revise(&request(2025, "82%", "2026/03/01")).is_err(),
            "date"
        );
        assert!(
            p.revise(&request(2024, "82%", "2026-03-01")).is_err(),
            "year"
        );
        p.revise(&request(2025, "82%", "2026-03-01")).unwrap();
        assert!(
            p.revise(&request(2027, "92%", "2026-01-01")).is_err(),
            "earlier"
        );
        assert_eq!((p.version, p.revisions.len()), (2, 1));
    }
}
