//! 考核评价: the yearly assessment of every department and town.
//!
//! The scheme ([`Scheme`]) is data — TOML, set by the programme office, printed with
//! every result ([`Scheme::describe_zh`]):
//!
//! - items, each with a weight (default 指标年度目标完成 50, 任务和项目按期完成 15,
//!   督办按期办结 10, 数据报送及时 15, 满意度调查 10); each item scores 0–100;
//! - 指标年度目标完成: each of the unit's indicators judged against its own target for
//!   the year — the year check (达标 / 未达标) once the year's figure is complete, else
//!   the schedule light as of the day (达标 / 预警 / 滞后); a figure due and absent is
//!   无数据. Each result earns the scheme's credit (达标 1, 预警 0.6, 未达标 / 滞后 /
//!   无数据 0); score = Σ credit ÷ number judged × 100;
//! - 任务和项目按期完成, 督办按期办结, 数据报送及时: on time ÷ due × 100;
//! - an item that does not apply (nothing due, no survey yet) is left out and its weight
//!   is redistributed over the others in proportion to their weights — and said so;
//! - each applicable item's points = its redistributed weight × score ÷ 100; the subtotal
//!   is their sum (≤ 100);
//! - deductions (named, with points and reason) are taken off, at most `max_deduction`
//!   points in all; total = subtotal − deducted, not below 0;
//! - grade by the thresholds (优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格);
//! - ranks are competition style on the total rounded to `tie_decimals` decimals; a unit
//!   with no applicable item has no total, no rank and no grade (无数据).
//!
//! Pure: the app gathers the facts and passes the day in.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::eval::explain::fmt_num;
use crate::manage::rank::RankBy;

/// One item of the scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 指标年度目标完成: the unit's indicators against their own targets for the year.
    Indicators,
    /// 任务和项目按期完成: milestones of the tasks and projects it leads done by their dates.
    TasksOnTime,
    /// 督办按期办结: supervision orders closed on time.
    OrdersOnTime,
    /// 数据报送及时: reports filed on time.
    Timeliness,
    /// 满意度调查: survey results, when there are any.
    Survey,
}

impl ItemKind {
    pub const ALL: [ItemKind; 5] = [
        ItemKind::Indicators,
        ItemKind::TasksOnTime,
        ItemKind::OrdersOnTime,
        ItemKind::Timeliness,
        ItemKind::Survey,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            ItemKind::Indicators => "指标年度目标完成",
            ItemKind::TasksOnTime => "任务和项目按期完成",
            ItemKind::OrdersOnTime => "督办按期办结",
            ItemKind::Timeliness => "数据报送及时",
            ItemKind::Survey => "满意度调查",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ItemKind::Indicators => "indicators against the year's targets",
            ItemKind::TasksOnTime => "tasks and projects on time",
            ItemKind::OrdersOnTime => "supervision orders closed on time",
            ItemKind::Timeliness => "reporting on time",
            ItemKind::Survey => "satisfaction survey",
        }
    }
}

crate::labelled!(ItemKind, "考核项目", {
    Indicators => "indicators",
    TasksOnTime => "tasks_on_time",
    OrdersOnTime => "orders_on_time",
    Timeliness => "timeliness",
    Survey => "survey",
});

/// The grade of a total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Fail,
}

impl Grade {
    pub fn label_zh(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Good => "良好",
            Grade::Pass => "合格",
            Grade::Fail => "不合格",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Grade::Excellent => "excellent",
            Grade::Good => "good",
            Grade::Pass => "pass",
            Grade::Fail => "fail",
        }
    }
}

/// One weighted item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeItem {
    pub kind: ItemKind,
    /// Points out of 100 before redistribution.
    pub weight: f64,
}

/// What each indicator result earns (a share of 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Credits {
    /// 达标 on the year check.
    pub met: f64,
    /// 未达标 on the year check.
    pub not_met: f64,
    /// A green light (the year not complete).
    pub green: f64,
    /// A yellow light.
    pub yellow: f64,
    /// A red light.
    pub red: f64,
    /// A figure due and absent.
    pub no_data: f64,
}

impl Default for Credits {
    fn default() -> Self {
        Credits {
            met: 1.0,
            not_met: 0.0,
            green: 1.0,
            yellow: 0.6,
            red: 0.0,
            no_data: 0.0,
        }
    }
}

/// The lowest total of each grade (points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Grades {
    pub excellent: f64,
    pub good: f64,
    pub pass: f64,
}

impl Default for Grades {
    fn default() -> Self {
        Grades {
            excellent: 90.0,
            good: 80.0,
            pass: 60.0,
        }
    }
}

/// A deduction (扣分) for one unit in one year, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deduction {
    pub year: i32,
    pub unit: String,
    /// What it is for, e.g. `数据造假` or `重大安全事故`.
    pub name: String,
    pub points: f64,
    pub reason: String,
}

/// The assessment scheme (考核评价方案).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scheme {
    /// The most points deducted from one unit in a year (20).
    pub max_deduction: f64,
    /// Totals equal after rounding to this many decimals share a rank (2).
    pub tie_decimals: u32,
    pub credits: Credits,
    pub grades: Grades,
    pub items: Vec<SchemeItem>,
    pub deductions: Vec<Deduction>,
}

impl Default for Scheme {
    fn default() -> Self {
        let w = |kind, weight| SchemeItem { kind, weight };
        Scheme {
            max_deduction: 20.0,
            tie_decimals: 2,
            credits: Credits::default(),
            grades: Grades::default(),
            items: vec![
                w(ItemKind::Indicators, 50.0),
                w(ItemKind::TasksOnTime, 15.0),
                w(ItemKind::OrdersOnTime, 10.0),
                w(ItemKind::Timeliness, 15.0),
                w(ItemKind::Survey, 10.0),
            ],
            deductions: Vec::new(),
        }
    }
}

fn share_ok(v: f64) -> bool {
    v.is_finite() && (0.0..=1.0).contains(&v)
}

impl Scheme {
    /// The scheme as a TOML file (what `assess scheme show` prints and `set` reads).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Reads a scheme from TOML and checks it: every problem, each naming its field.
    pub fn from_toml(text: &str) -> Result<Scheme, Vec<String>> {
        let scheme: Scheme =
            toml::from_str(text).map_err(|e| vec![format!("考核方案文件无法读取:{e}")])?;
        let problems = scheme.validate();
        if problems.is_empty() {
            Ok(scheme)
        } else {
            Err(problems)
        }
    }

    /// Every problem of the scheme, each naming its field; empty when it can be used.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, item) in self.items.iter().enumerate() {
            if !seen.insert(item.kind) {
                out.push(format!(
                    "items 第 {} 项:考核项目“{}”重复",
                    i + 1,
                    item.kind.label_zh()
                ));
            }
            if !(item.weight.is_finite() && item.weight >= 0.0) {
                out.push(format!(
                    "items 第 {} 项(“{}”):权重 weight 应为不小于 0 的数",
                    i + 1,
                    item.kind.label_zh()
                ));
            }
        }
        if !self
            .items
            .iter()
            .any(|i| i.weight.is_finite() && i.weight > 0.0)
        {
            out.push("items:至少一个考核项目的权重应大于 0".into());
        }
        let c = &self.credits;
        for (name, v) in [
            ("met", c.met),
            ("not_met", c.not_met),
            ("green", c.green),
            ("yellow", c.yellow),
            ("red", c.red),
            ("no_data", c.no_data),
        ] {
            if !share_ok(v) {
                out.push(format!("credits.{name}:应在 0 到 1 之间,现为 {v}"));
            }
        }
        let g = &self.grades;
        for (name, v) in [
            ("excellent", g.excellent),
            ("good", g.good),
            ("pass", g.pass),
        ] {
            if !(v.is_finite() && (0.0..=100.0).contains(&v)) {
                out.push(format!("grades.{name}:应在 0 到 100 分之间,现为 {v}"));
            }
        }
        if !(g.excellent >= g.good && g.good >= g.pass) {
            out.push("grades:应满足 优秀 ≥ 良好 ≥ 合格 的分数线".into());
        }
        if !(self.max_deduction.is_finite() && (0.0..=100.0).contains(&self.max_deduction)) {
            out.push(format!(
                "max_deduction:应在 0 到 100 分之间,现为 {}",
                self.max_deduction
            ));
        }
        if self.tie_decimals > 6 {
            out.push("tie_decimals:不应大于 6".into());
        }
        for (i, d) in self.deductions.iter().enumerate() {
            let at = format!("deductions 第 {} 项", i + 1);
            if !(1900..=2200).contains(&d.year) {
                out.push(format!("{at}:年份 year {} 无效", d.year));
            }
            if d.unit.trim().is_empty() {
                out.push(format!("{at}:单位 unit 不能为空"));
            }
            if d.name.trim().is_empty() {
                out.push(format!("{at}:扣分事项 name 不能为空"));
            }
            if d.reason.trim().is_empty() {
                out.push(format!("{at}:扣分理由 reason 不能为空"));
            }
            if !(d.points.is_finite() && d.points > 0.0 && d.points <= 100.0) {
                out.push(format!("{at}:扣分 points 应大于 0 且不大于 100 分"));
            }
        }
        out
    }

    fn weight(&self, kind: ItemKind) -> f64 {
        self.items
            .iter()
            .find(|i| i.kind == kind)
            .map(|i| i.weight)
            .filter(|w| w.is_finite() && *w > 0.0)
            .unwrap_or(0.0)
    }

    /// The grade of a total.
    pub fn grade(&self, total: f64) -> Grade {
        let g = &self.grades;
        if total >= g.excellent {
            Grade::Excellent
        } else if total >= g.good {
            Grade::Good
        } else if total >= g.pass {
            Grade::Pass
        } else {
            Grade::Fail
        }
    }

    /// The scheme in Chinese, printed with every result.
    pub fn describe_zh(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| format!("{} {} 分", i.kind.label_zh(), fmt_num(i.weight)))
            .collect();
        let c = &self.credits;
        let g = &self.grades;
        [
            format!("1. 考核项目及权重:{}。", items.join(",")),
            format!(
                "2. 指标年度目标完成:每项指标对照本单位当年目标评价——全年数据齐全时按年度目标核验(达标计 {}、未达标计 {}),否则按截至当日的进度灯(达标计 {}、预警计 {}、滞后计 {});应报未报计 {};得分 = 各项得分之和 ÷ 参评指标数 × 100。无目标或无分解目标的指标不参评。",
                fmt_num(c.met),
                fmt_num(c.not_met),
                fmt_num(c.green),
                fmt_num(c.yellow),
                fmt_num(c.red),
                fmt_num(c.no_data)
            ),
            "3. 任务和项目按期完成、督办按期办结、数据报送及时:得分 = 按期数 ÷ 应完成数 × 100。".into(),
            "4. 某项无应完成事项(或暂无满意度调查结果)时不适用,其权重按其余各项权重的比例分配给其余各项;各项得分 = 分配后的权重 × 项目得分 ÷ 100。".into(),
            format!(
                "5. 总分 = 各项得分之和 − 扣分(扣分合计至多 {} 分),不低于 0 分。",
                fmt_num(self.max_deduction)
            ),
            format!(
                "6. 等次:{} 分及以上为优秀,{} 分及以上为良好,{} 分及以上为合格,其余为不合格。",
                fmt_num(g.excellent),
                fmt_num(g.good),
                fmt_num(g.pass)
            ),
            format!(
                "7. 总分保留 {} 位小数后相同的并列同一名次;没有任何适用项目的单位不排名(无数据)。",
                self.tie_decimals
            ),
        ]
        .join("\n")
    }

    /// The scheme in English.
    pub fn describe_en(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .map(|i| format!("{} {} points", i.kind.label_en(), fmt_num(i.weight)))
            .collect();
        let c = &self.credits;
        let g = &self.grades;
        [
            format!("1. Items and weights: {}.", items.join(", ")),
            format!(
                "2. Indicators: each of the unit's indicators is judged against its own target for the year — by the year check once the year's figure is complete (met {}, not met {}), else by the schedule light as of the day (green {}, yellow {}, red {}); a figure due and absent earns {}; score = sum of credits ÷ indicators judged × 100. Indicators without a target (or without a decomposed one) are not judged.",
                fmt_num(c.met),
                fmt_num(c.not_met),
                fmt_num(c.green),
                fmt_num(c.yellow),
                fmt_num(c.red),
                fmt_num(c.no_data)
            ),
            "3. Tasks and projects, orders, reporting: score = on time ÷ due × 100.".into(),
            "4. An item with nothing due (or no survey yet) does not apply: its weight is shared among the others in proportion to their weights; an item's points = its weight after that × its score ÷ 100.".into(),
            format!(
                "5. Total = sum of the items' points − deductions (at most {} points), not below 0.",
                fmt_num(self.max_deduction)
            ),
            format!(
                "6. Grades: {} points and above excellent, {} good, {} pass, below that fail.",
                fmt_num(g.excellent),
                fmt_num(g.good),
                fmt_num(g.pass)
            ),
            format!(
                "7. Totals equal after rounding to {} decimals share a rank; a unit with no applicable item is not ranked (no data).",
                self.tie_decimals
            ),
        ]
        .join("\n")
    }
}

/// How one indicator stood in the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Met,
    NotMet,
    Green,
    Yellow,
    Red,
    NoData,
}

impl Outcome {
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::Met => "达标",
            Outcome::NotMet => "未达标",
            Outcome::Green => "进度达标",
            Outcome::Yellow => "进度预警",
            Outcome::Red => "进度滞后",
            Outcome::NoData => "应报未报",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Outcome::Met => "met",
            Outcome::NotMet => "not met",
            Outcome::Green => "on schedule",
            Outcome::Yellow => "warning",
            Outcome::Red => "behind schedule",
            Outcome::NoData => "due, not reported",
        }
    }

    fn credit(self, c: &Credits) -> f64 {
        let v = match self {
            Outcome::Met => c.met,
            Outcome::NotMet => c.not_met,
            Outcome::Green => c.green,
            Outcome::Yellow => c.yellow,
            Outcome::Red => c.red,
            Outcome::NoData => c.no_data,
        };
        if share_ok(v) { v } else { 0.0 }
    }
}

/// One indicator's result for a unit, with the sentence that explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorResult {
    pub code: String,
    pub name: String,
    pub outcome: Outcome,
    /// The judgement in words (the year check's or the light's formula).
    pub detail: String,
}

/// Things due and how many were done on time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    pub on_time: usize,
    pub due: usize,
    /// What was late or missing, in words (for the explanation).
    #[serde(default)]
    pub late: Vec<String>,
}

/// What the assessment of one unit reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitFacts {
    pub unit: String,
    pub indicators: Vec<IndicatorResult>,
    pub tasks: Tally,
    pub orders: Tally,
    pub reports: Tally,
    /// The survey's score (0–100) when there is one.
    #[serde(default)]
    pub survey: Option<f64>,
}

/// One item as scored, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub kind: ItemKind,
    /// The scheme's weight.
    pub weight: f64,
    /// The weight after redistribution (0 when the item does not apply).
    pub applied_weight: f64,
    /// The item's score 0–100; None = does not apply.
    pub score: Option<f64>,
    /// applied_weight × score ÷ 100.
    pub points: f64,
    /// The inputs, name and value, in the order used.
    pub inputs: Vec<(String, String)>,
    /// The formula with the numbers filled in.
    pub formula: String,
}

/// One unit's assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitAssessment {
    pub unit: String,
    pub rank: Option<u32>,
    /// Total 0–100; None when no item applies.
    pub total: Option<f64>,
    pub grade: Option<Grade>,
    /// Σ points of the items.
    pub subtotal: f64,
    /// Points deducted (capped at the scheme's maximum).
    pub deducted: f64,
    pub items: Vec<ItemScore>,
    pub deductions: Vec<Deduction>,
    /// The indicators' results, for the explanation.
    pub indicators: Vec<IndicatorResult>,
    /// What was said about redistribution and caps.
    pub notes: Vec<String>,
}

/// A year's assessment of departments or towns, with the scheme it was computed by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub year: i32,
    pub by: RankBy,
    /// The day the figures stand at: the year's end once it has ended, else the app's day.
    pub as_of: NaiveDate,
    /// Whether the year had ended on `as_of` (else the result is 截至 `as_of`).
    pub complete: bool,
    pub scheme: Scheme,
    pub rows: Vec<UnitAssessment>,
}

impl Assessment {
    pub fn row(&self, unit: &str) -> Option<&UnitAssessment> {
        self.rows.iter().find(|r| r.unit == unit)
    }

    /// The title: `2024年度部门考核评价` or `2025年度镇(街道)考核评价(截至2025-10-15)`.
    pub fn title_zh(&self) -> String {
        let who = match self.by {
            RankBy::Department => "部门",
            RankBy::Town => "镇(街道)",
        };
        let mut s = format!("{}年度{who}考核评价", self.year);
        if !self.complete {
            s.push_str(&format!("(截至{})", self.as_of));
        }
        s
    }

    pub fn title_en(&self) -> String {
        let who = match self.by {
            RankBy::Department => "departments",
            RankBy::Town => "towns",
        };
        let mut s = format!("Assessment of {who}, {}", self.year);
        if !self.complete {
            s.push_str(&format!(" (as of {})", self.as_of));
        }
        s
    }
}

fn pct(v: f64) -> String {
    fmt_num((v * 100.0).round() / 100.0)
}

fn tally_item(
    t: &Tally,
    what_due: &str,
    what_ok: &str,
) -> (Option<f64>, Vec<(String, String)>, String) {
    let mut inputs = vec![
        (what_due.to_string(), format!("{} 项", t.due)),
        (what_ok.to_string(), format!("{} 项", t.on_time)),
    ];
    if !t.late.is_empty() {
        inputs.push(("逾期或未完成".into(), t.late.join(";")));
    }
    if t.due == 0 {
        return (
            None,
            inputs,
            format!("{what_due} 0 项 → 不适用,权重按比例分配给其余各项"),
        );
    }
    let ok = t.on_time.min(t.due);
    let s = ok as f64 / t.due as f64 * 100.0;
    (
        Some(s),
        inputs,
        format!(
            "{what_ok} {ok} ÷ {what_due} {} × 100 = {} 分",
            t.due,
            pct(s)
        ),
    )
}

fn indicators_item(
    scheme: &Scheme,
    results: &[IndicatorResult],
) -> (Option<f64>, Vec<(String, String)>, String) {
    let c = &scheme.credits;
    let mut counts: Vec<(Outcome, usize)> = Vec::new();
    for o in [
        Outcome::Met,
        Outcome::NotMet,
        Outcome::Green,
        Outcome::Yellow,
        Outcome::Red,
        Outcome::NoData,
    ] {
        let n = results.iter().filter(|r| r.outcome == o).count();
        if n > 0 {
            counts.push((o, n));
        }
    }
    let mut inputs = vec![("参评指标".to_string(), format!("{} 项", results.len()))];
    for (o, n) in &counts {
        inputs.push((
            o.label_zh().to_string(),
            format!("{n} 项(每项计 {})", fmt_num(o.credit(c))),
        ));
    }
    if results.is_empty() {
        return (
            None,
            inputs,
            "无参评指标(均无目标或无分解目标)→ 不适用,权重按比例分配给其余各项".into(),
        );
    }
    let sum: f64 = results.iter().map(|r| r.outcome.credit(c)).sum();
    let s = sum / results.len() as f64 * 100.0;
    let terms: Vec<String> = counts
        .iter()
        .map(|(o, n)| format!("{} {n} × {}", o.label_zh(), fmt_num(o.credit(c))))
        .collect();
    (
        Some(s),
        inputs,
        format!(
            "({}) ÷ {} 项 × 100 = {} 分",
            terms.join(" + "),
            results.len(),
            pct(s)
        ),
    )
}

/// An item before redistribution: kind, weight, score, inputs, formula.
type RawItem = (ItemKind, f64, Option<f64>, Vec<(String, String)>, String);

/// Scores one unit (without rank) for `year`.
pub fn assess_unit(scheme: &Scheme, year: i32, facts: &UnitFacts) -> UnitAssessment {
    let mut raw: Vec<RawItem> = Vec::new();
    for item in &scheme.items {
        let (score, inputs, formula) = match item.kind {
            ItemKind::Indicators => indicators_item(scheme, &facts.indicators),
            ItemKind::TasksOnTime => tally_item(&facts.tasks, "到期节点", "按期完成"),
            ItemKind::OrdersOnTime => tally_item(&facts.orders, "到期督办单", "按期办结"),
            ItemKind::Timeliness => tally_item(&facts.reports, "应报数据", "按时报送"),
            ItemKind::Survey => match facts.survey.filter(|v| v.is_finite()) {
                Some(v) => {
                    let v = v.clamp(0.0, 100.0);
                    (
                        Some(v),
                        vec![("满意度得分".into(), format!("{} 分", pct(v)))],
                        format!("满意度调查得分 {} 分", pct(v)),
                    )
                }
                None => (
                    None,
                    Vec::new(),
                    "暂无满意度调查结果 → 不适用,权重按比例分配给其余各项".into(),
                ),
            },
        };
        let score = score.filter(|s| s.is_finite()).map(|s| s.clamp(0.0, 100.0));
        raw.push((item.kind, scheme.weight(item.kind), score, inputs, formula));
    }
    let applicable: f64 = raw.iter().filter(|r| r.2.is_some()).map(|r| r.1).sum();
    let mut notes = Vec::new();
    let skipped: Vec<&str> = raw
        .iter()
        .filter(|r| r.2.is_none() && r.1 > 0.0)
        .map(|r| r.0.label_zh())
        .collect();
    let items: Vec<ItemScore> = raw
        .into_iter()
        .map(|(kind, weight, score, inputs, formula)| {
            let applied = match score {
                Some(_) if applicable > 0.0 => weight * 100.0 / applicable,
                _ => 0.0,
            };
            let points = score.map_or(0.0, |s| applied * s / 100.0);
            let formula = match score {
                Some(s) if applied != weight => format!(
                    "{formula};权重 {} 分按比例调整为 {} 分,得分 {} × {} ÷ 100 = {} 分",
                    fmt_num(weight),
                    pct(applied),
                    pct(applied),
                    pct(s),
                    pct(points)
                ),
                Some(s) => format!(
                    "{formula};得分 {} × {} ÷ 100 = {} 分",
                    fmt_num(weight),
                    pct(s),
                    pct(points)
                ),
                None => formula,
            };
            ItemScore {
                kind,
                weight,
                applied_weight: applied,
                score,
                points,
                inputs,
                formula,
            }
        })
        .collect();
    if !skipped.is_empty() && applicable > 0.0 {
        notes.push(format!(
            "{}不适用,其权重已按比例分配给其余各项",
            skipped.join("、")
        ));
    }
    let deductions: Vec<Deduction> = scheme
        .deductions
        .iter()
        .filter(|d| d.year == year && d.unit == facts.unit)
        .filter(|d| d.points.is_finite() && d.points > 0.0)
        .cloned()
        .collect();
    // (+ 0.0: an empty sum is −0.0, which would print as “-0.00”.)
    let asked: f64 = deductions.iter().map(|d| d.points).sum::<f64>() + 0.0;
    let cap = if scheme.max_deduction.is_finite() {
        scheme.max_deduction.max(0.0)
    } else {
        0.0
    };
    let deducted = asked.min(cap);
    if asked > cap {
        notes.push(format!(
            "扣分合计 {} 分,超过上限按 {} 分扣减",
            pct(asked),
            fmt_num(cap)
        ));
    }
    let subtotal: f64 = items.iter().map(|i| i.points).sum::<f64>() + 0.0;
    let total = (applicable > 0.0).then(|| (subtotal - deducted).clamp(0.0, 100.0));
    if applicable <= 0.0 {
        notes.push("没有任何适用的考核项目 → 无数据,不排名".into());
    }
    UnitAssessment {
        unit: facts.unit.clone(),
        rank: None,
        total,
        grade: total.map(|t| scheme.grade(t)),
        subtotal,
        deducted,
        items,
        deductions,
        indicators: facts.indicators.clone(),
        notes,
    }
}

fn round_to(v: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals.min(12) as i32);
    (v * f).round() / f
}

/// Assesses every unit and ranks them.
pub fn assess(
    scheme: &Scheme,
    year: i32,
    by: RankBy,
    as_of: NaiveDate,
    complete: bool,
    facts: &[UnitFacts],
) -> Assessment {
    let mut rows: Vec<UnitAssessment> =
        facts.iter().map(|f| assess_unit(scheme, year, f)).collect();
    let key = |r: &UnitAssessment| r.total.map(|t| round_to(t, scheme.tie_decimals));
    rows.sort_by(|a, b| match (key(a), key(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.unit.cmp(&b.unit)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.unit.cmp(&b.unit),
    });
    let mut last: Option<f64> = None;
    let mut last_rank = 0u32;
    for (i, row) in rows.iter_mut().enumerate() {
        let Some(k) = key(row) else { continue };
        if last != Some(k) {
            last_rank = i as u32 + 1;
            last = Some(k);
        }
        row.rank = Some(last_rank);
    }
    Assessment {
        year,
        by,
        as_of,
        complete,
        scheme: scheme.clone(),
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ind(code: &str, outcome: Outcome) -> IndicatorResult {
        IndicatorResult {
            code: code.into(),
            name: code.into(),
            outcome,
            detail: String::new(),
        }
    }

    fn tally(on_time: usize, due: usize) -> Tally {
        Tally {
            on_time,
            due,
            late: Vec::new(),
        }
    }

    fn facts(unit: &str) -> UnitFacts {
        UnitFacts {
            unit: unit.into(),
            indicators: vec![
                ind("A1", Outcome::Met),
                ind("A2", Outcome::NotMet),
                ind("A3", Outcome::Yellow),
                ind("A4", Outcome::Met),
            ],
            tasks: tally(3, 4),
            orders: tally(1, 2),
            reports: tally(9, 10),
            survey: None,
        }
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn indicators_score_the_credits_of_their_results() {
        let s = Scheme::default();
        let a = assess_unit(&s, 2024, &facts("区卫健局"));
        let i = &a.items[0];
        assert_eq!(i.kind, ItemKind::Indicators);
        // (1 + 0 + 0.6 + 1) ÷ 4 × 100 = 65
        assert!((i.score.unwrap() - 65.0).abs() < 1e-9);
        assert!(i.formula.contains("÷ 4 项 × 100 = 65 分"), "{}", i.formula);
    }

    #[test]
    fn an_absent_survey_redistributes_its_weight_and_says_so() {
        let s = Scheme::default();
        let a = assess_unit(&s, 2024, &facts("区卫健局"));
        let survey = a.items.iter().find(|i| i.kind == ItemKind::Survey).unwrap();
        assert_eq!(survey.score, None);
        assert_eq!(survey.applied_weight, 0.0);
        assert!(survey.formula.contains("暂无满意度调查结果"));
        // The other 90 points are scaled up to 100: indicators 50 → 55.56.
        let i = &a.items[0];
        assert!((i.applied_weight - 50.0 * 100.0 / 90.0).abs() < 1e-9);
        assert!(a.notes.iter().any(|n| n.contains("满意度调查不适用")));
        let w: f64 = a.items.iter().map(|i| i.applied_weight).sum();
        assert!((w - 100.0).abs() < 1e-9);
        // 65×50 + 75×15 + 50×10 + 90×15, over 90.
        let expect = (65.0 * 50.0 + 75.0 * 15.0 + 50.0 * 10.0 + 90.0 * 15.0) / 90.0;
        assert!((a.total.unwrap() - expect).abs() < 1e-9);
        assert_eq!(a.grade, Some(Grade::Pass));
    }

    #[test]
    fn nothing_due_does_not_apply() {
        let mut f = facts("白泉镇");
        f.orders = tally(0, 0);
        let a = assess_unit(&Scheme::default(), 2024, &f);
        let o = a
            .items
            .iter()
            .find(|i| i.kind == ItemKind::OrdersOnTime)
            .unwrap();
        assert_eq!(o.score, None);
        assert!(o.formula.contains("不适用"));
    }

    #[test]
    fn deductions_are_named_capped_and_never_below_zero() {
        let s = Scheme {
            max_deduction: 5.0,
            deductions: vec![
                Deduction {
                    year: 2024,
                    unit: "区卫健局".into(),
                    name: "数据迟报".into(),
                    points: 3.0,
                    reason: "两次迟报".into(),
                },
                Deduction {
                    year: 2024,
                    unit: "区卫健局".into(),
                    name: "通报批评".into(),
                    points: 4.0,
                    reason: "督办未落实".into(),
                },
                Deduction {
                    year: 2023,
                    unit: "区卫健局".into(),
                    name: "往年".into(),
                    points: 4.0,
                    reason: "不计".into(),
                },
            ],
            ..Scheme::default()
        };
        let a = assess_unit(&s, 2024, &facts("区卫健局"));
        assert_eq!(a.deductions.len(), 2);
        assert_eq!(a.deducted, 5.0);
        assert!((a.total.unwrap() - (a.subtotal - 5.0)).abs() < 1e-9);
        assert!(a.notes.iter().any(|n| n.contains("超过上限")));
        let mut f = facts("区卫健局");
        f.indicators = vec![ind("A1", Outcome::NoData)];
        f.tasks = tally(0, 1);
        f.orders = tally(0, 1);
        f.reports = tally(0, 1);
        let a = assess_unit(&s, 2024, &f);
        assert_eq!(a.total, Some(0.0));
        assert_eq!(a.grade, Some(Grade::Fail));
    }

    #[test]
    fn grades_follow_the_thresholds() {
        let s = Scheme::default();
        assert_eq!(s.grade(90.0), Grade::Excellent);
        assert_eq!(s.grade(89.99), Grade::Good);
        assert_eq!(s.grade(80.0), Grade::Good);
        assert_eq!(s.grade(60.0), Grade::Pass);
        assert_eq!(s.grade(59.9), Grade::Fail);
    }

    #[test]
    fn a_unit_with_nothing_applicable_is_not_ranked() {
        let f = UnitFacts {
            unit: "某街道".into(),
            indicators: Vec::new(),
            tasks: Tally::default(),
            orders: Tally::default(),
            reports: Tally::default(),
            survey: None,
        };
        let a = assess(
            &Scheme::default(),
            2024,
            RankBy::Town,
            d("2024-12-31"),
            true,
            &[f, facts("甲镇"), facts("乙镇")],
        );
        assert_eq!(a.rows.len(), 3);
        assert_eq!(a.rows[0].rank, Some(1));
        assert_eq!(a.rows[1].rank, Some(1), "equal totals share a rank");
        assert_eq!(a.rows[2].unit, "某街道");
        assert_eq!(a.rows[2].rank, None);
        assert_eq!(a.rows[2].total, None);
        assert_eq!(a.rows[2].grade, None);
    }

    #[test]
    fn the_title_says_as_of_for_a_year_not_ended() {
        let a = assess(
            &Scheme::default(),
            2025,
            RankBy::Town,
            d("2025-10-15"),
            false,
            &[],
        );
        assert_eq!(a.title_zh(), "2025年度镇(街道)考核评价(截至2025-10-15)");
    }

    #[test]
    fn the_default_scheme_is_valid_and_round_trips_through_json() {
        let s = Scheme::default();
        assert!(s.validate().is_empty(), "{:?}", s.validate());
        let j = serde_json::to_string(&s).unwrap();
        let back: Scheme = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s);
        assert!(s.describe_zh().contains("满意度调查 10 分"));
        assert!(!s.describe_en().is_empty());
        let t = s.to_toml();
        assert!(t.contains("[[items]]"), "{t}");
        assert_eq!(Scheme::from_toml(&t).unwrap(), s);
        let mut with = s.clone();
        with.deductions.push(Deduction {
            year: 2024,
            unit: "区卫健局".into(),
            name: "数据迟报".into(),
            points: 2.0,
            reason: "3月数据迟报".into(),
        });
        assert_eq!(Scheme::from_toml(&with.to_toml()).unwrap(), with);
        assert!(Scheme::from_toml("items = 3").is_err());
        let bad = Scheme::from_toml("[grades]\nexcellent = 50\ngood = 80\n").unwrap_err();
        assert!(bad.join("").contains("grades"), "{bad:?}");
    }

    #[test]
    fn a_bad_scheme_names_every_field() {
        let mut s = Scheme::default();
        s.items.push(SchemeItem {
            kind: ItemKind::Survey,
            weight: -1.0,
        });
        s.credits.yellow = 1.5;
        s.grades.good = 95.0;
        s.deductions.push(Deduction {
            year: 2024,
            unit: String::new(),
            name: "x".into(),
            points: f64::NAN,
            reason: String::new(),
        });
        let p = s.validate().join("\n");
        for want in [
            "重复",
            "weight",
            "credits.yellow",
            "grades",
            "unit",
            "reason",
            "points",
        ] {
            assert!(p.contains(want), "{want} in {p}");
        }
    }

    fn outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            Just(Outcome::Met),
            Just(Outcome::NotMet),
            Just(Outcome::Green),
            Just(Outcome::Yellow),
            Just(Outcome::Red),
            Just(Outcome::NoData),
        ]
    }

    fn tally_s() -> impl Strategy<Value = Tally> {
        (0usize..20, 0usize..20).prop_map(|(a, b)| tally(a.min(b), b))
    }

    proptest! {
        /// The total is the weighted sum of the items' scores (over the redistributed
        /// weights) less the deductions, within 0–100; the weights applied sum to 100.
        #[test]
        fn the_total_is_the_weighted_sum_of_the_items(
            outcomes in proptest::collection::vec(outcome(), 0..12),
            tasks in tally_s(),
            orders in tally_s(),
            reports in tally_s(),
            survey in proptest::option::of(-10.0f64..120.0),
            weights in proptest::collection::vec(0.0f64..60.0, 5),
            ded in proptest::collection::vec(0.0f64..15.0, 0..3),
        ) {
            let mut s = Scheme::default();
            for (item, w) in s.items.iter_mut().zip(&weights) {
                item.weight = *w;
            }
            s.deductions = ded
                .iter()
                .filter(|p| **p > 0.0)
                .map(|p| Deduction {
                    year: 2024,
                    unit: "U".into(),
                    name: "n".into(),
                    points: *p,
                    reason: "r".into(),
                })
                .collect();
            let f = UnitFacts {
                unit: "U".into(),
                indicators: outcomes.iter().enumerate().map(|(i, o)| ind(&format!("I{i}"), *o)).collect(),
                tasks,
                orders,
                reports,
                survey,
            };
            let a = assess_unit(&s, 2024, &f);
            let weighted: f64 = a
                .items
                .iter()
                .filter_map(|i| i.score.map(|sc| i.applied_weight * sc / 100.0))
                .sum();
            prop_assert!((weighted - a.subtotal).abs() < 1e-9);
            match a.total {
                Some(t) => {
                    let w: f64 = a.items.iter().map(|i| i.applied_weight).sum();
                    prop_assert!((w - 100.0).abs() < 1e-9);
                    prop_assert!((0.0..=100.0).contains(&t));
                    let expect = (a.subtotal - a.deducted).max(0.0);
                    prop_assert!((t - expect).abs() < 1e-9);
                    prop_assert!(a.deducted <= s.max_deduction + 1e-12);
                    for i in &a.items {
                        if let Some(sc) = i.score {
                            prop_assert!((0.0..=100.0).contains(&sc));
                        }
                    }
                }
                None => prop_assert!(a.items.iter().all(|i| i.score.is_none() || i.weight == 0.0)),
            }
        }
    }
}
