//! 月排名: the monthly ranking of towns or departments (methods §4).
//!
//! The rule, configurable and printed with every ranking ([`RankRule::describe_zh`]):
//!
//! - for unit i and indicator k in its scope, s_ik follows the indicator's light by the
//!   band rule of [`crate::eval::score`]: green [1, cap (1.2)], yellow [0.7, 1), red
//!   [0, 0.7), placed within the band by the schedule's gap (proportional, hold, bound,
//!   milestone and forced-red cases), so a red indicator always scores below a yellow one
//!   and a yellow below a green one — whatever the ratio of the figure to its schedule;
//! - an indicator with no figure or no light (no target) is listed as 无数据 and not
//!   scored;
//! - the unit's base score = the weighted mean over domains (those with at least one
//!   scored indicator) of the mean s_ik within the domain, × 100 (points). Equal weights
//!   by default; a domain missing from a non-empty weight table weighs 1; a negative or
//!   non-finite weight counts as 0; when the weights of the scored domains sum to 0 they
//!   are taken as equal;
//! - total = base + Σ points × rate over the extra terms (任务按期完成率, 督办按期办结率,
//!   报送及时率); a rate is clamped to [0, 1]; a rate that does not apply (None, missing
//!   or not finite) scores full points and is shown as 不适用;
//! - a unit with no scored indicator has no score: it is listed after every ranked unit,
//!   without a rank, as 无数据;
//! - ranks are competition style (1, 2, 2, 4): scores equal after rounding to
//!   `tie_decimals` decimals share a rank; rows with a rank are sorted by rank then unit
//!   name, unranked rows by unit name;
//! - how many are flagged from the bottom depends on the size of the group
//!   ([`RankRule::bottom_count`]): `bottom_n` (3) when at least `bottom_n_from` (10) units
//!   are ranked, else `small_group_bottom_n` (1, only the last) — three of four towns
//!   flagged would mean nothing;
//! - the bottom n are the ranked units whose rank is at or below the rank of the n-th
//!   from last (ties at the boundary are all in). Nobody is in the bottom when no more
//!   than n units are ranked, and units sharing first place never are;
//! - a unit without a figure for more than `missing_share` (half) of its indicators whose
//!   figure was due is flagged 缺报, ranked or not: missing figures never let a unit escape
//!   the ranking's scrutiny, and a figure not yet due (an annual one within its year) never
//!   counts as missing;
//! - a unit flagged (in the bottom, or 缺报) in each of the last `consecutive_months`
//!   rankings is to be supervised ([`flag_runs`]).

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::eval::explain::fmt_num;
use crate::eval::schedule::{Light, LightBands};
use crate::eval::score::{self, Judged, band_score};

/// Whom a ranking ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankBy {
    Town,
    Department,
}

impl RankBy {
    pub fn as_str(self) -> &'static str {
        crate::labels::Labelled::code(self)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RankBy::Town => "镇(街道)",
            RankBy::Department => "牵头部门",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RankBy::Town => "towns",
            RankBy::Department => "lead departments",
        }
    }
}

crate::labelled!(RankBy, "排名对象", {
    Town => "town" | "镇街",
    Department => "department" | "dept" | "部门",
});

/// An extra term added to the base score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermKind {
    /// 任务按期完成率: milestones of the unit's tasks and projects done by their dates.
    TaskOnTime,
    /// 督办按期办结率: supervision orders closed on time.
    OrderClosure,
    /// 报送及时率: reports filed on time.
    Timeliness,
}

impl TermKind {
    pub const ALL: [TermKind; 3] = [
        TermKind::TaskOnTime,
        TermKind::OrderClosure,
        TermKind::Timeliness,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            TermKind::TaskOnTime => "任务按期完成率",
            TermKind::OrderClosure => "督办按期办结率",
            TermKind::Timeliness => "报送及时率",
        }
    }

    /// Same as [`TermKind::label_zh`].
    pub fn label(self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(self) -> &'static str {
        match self {
            TermKind::TaskOnTime => "task on-time rate",
            TermKind::OrderClosure => "supervision-order on-time closure rate",
            TermKind::Timeliness => "reporting timeliness rate",
        }
    }
}

/// One extra term: `points × rate` is added to the base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankTerm {
    pub kind: TermKind,
    pub points: f64,
}

/// The ranking rule (methods §4 defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RankRule {
    /// The top of the green band of each s_ik (1.2; not below 1).
    pub cap: f64,
    /// The light bands the scores are placed in: the evaluation's own, set by whoever
    /// ranks from the lights (not part of the stored rule).
    #[serde(skip)]
    pub bands: LightBands,
    /// Weight per domain code; empty = equal weights.
    pub domain_weights: BTreeMap<String, f64>,
    /// Extra terms (each 5 points by default).
    pub terms: Vec<RankTerm>,
    /// How many units from the bottom are flagged (3) in a group of at least
    /// `bottom_n_from` ranked units.
    pub bottom_n: usize,
    /// The smallest group in which the bottom `bottom_n` are flagged (10).
    pub bottom_n_from: usize,
    /// How many from the bottom are flagged in a smaller group (1: only the last).
    pub small_group_bottom_n: usize,
    /// A unit without a figure for more than this share of its indicators whose figure was
    /// due is flagged 缺报 (0.5: most of them).
    pub missing_share: f64,
    /// How many consecutive months in the bottom raise a supervision order (2).
    pub consecutive_months: u32,
    /// Scores equal after rounding to this many decimals share a rank (4).
    pub tie_decimals: u32,
}

impl Default for RankRule {
    fn default() -> Self {
        RankRule {
            cap: score::DEFAULT_CAP,
            bands: LightBands::default(),
            domain_weights: BTreeMap::new(),
            terms: TermKind::ALL
                .iter()
                .map(|&kind| RankTerm { kind, points: 5.0 })
                .collect(),
            bottom_n: 3,
            bottom_n_from: 10,
            small_group_bottom_n: 1,
            missing_share: 0.5,
            consecutive_months: 2,
            tie_decimals: 4,
        }
    }
}

impl RankRule {
    /// The weight of a domain under this rule, before normalisation.
    pub fn weight_of(&self, domain: &str) -> f64 {
        if self.domain_weights.is_empty() {
            return 1.0;
        }
        let w = self.domain_weights.get(domain).copied().unwrap_or(1.0);
        if w.is_finite() && w > 0.0 { w } else { 0.0 }
    }

    /// How many units from the bottom are flagged when `ranked` units are ranked.
    pub fn bottom_count(&self, ranked: usize) -> usize {
        if ranked >= self.bottom_n_from {
            self.bottom_n
        } else {
            self.small_group_bottom_n
        }
    }

    /// The share of no-data indicators above which a unit is flagged 缺报 (0.5 when the
    /// configured one is not a share).
    pub fn missing_share_value(&self) -> f64 {
        if (0.0..1.0).contains(&self.missing_share) {
            self.missing_share
        } else {
            0.5
        }
    }

    /// Whether a unit without a figure for `missing` of its `due` indicators (those whose
    /// figure was due) is flagged 缺报.
    pub fn is_missing(&self, missing: usize, due: usize) -> bool {
        due > 0 && missing as f64 > self.missing_share_value() * due as f64
    }

    fn bottom_zh(&self) -> String {
        let n = |k: usize| {
            if k == 1 {
                "末位".to_string()
            } else {
                format!("后 {k} 位")
            }
        };
        if self.bottom_n_from == 0 || self.bottom_n == self.small_group_bottom_n {
            format!("标记排名{}", n(self.bottom_n))
        } else {
            format!(
                "参加排名的单位不少于 {m} 个时标记排名{},少于 {m} 个时标记排名{}",
                n(self.bottom_n),
                n(self.small_group_bottom_n),
                m = self.bottom_n_from
            )
        }
    }

    fn bottom_en(&self) -> String {
        let n = |k: usize| {
            if k == 1 {
                "the last unit".to_string()
            } else {
                format!("the bottom {k}")
            }
        };
        if self.bottom_n_from == 0 || self.bottom_n == self.small_group_bottom_n {
            format!("{} are flagged", n(self.bottom_n))
        } else {
            format!(
                "{} are flagged when at least {m} units are ranked, {} in a smaller group",
                n(self.bottom_n),
                n(self.small_group_bottom_n),
                m = self.bottom_n_from
            )
        }
    }

    fn missing_pct(&self) -> String {
        fmt_num(self.missing_share_value() * 100.0)
    }

    /// The whole rule in Chinese, as printed with every ranking.
    pub fn describe_zh(&self) -> String {
        let mut s = score::describe_zh(&self.bands, self.cap, 1);
        let mut n = score::DESCRIBE_LINES;
        let mut line = |s: &mut String, text: String| {
            n += 1;
            s.push_str(&format!("{n}. {text}\n"));
        };
        if self.domain_weights.is_empty() {
            line(
                &mut s,
                "基础分 = 各领域(至少有一项计分指标)内单项得分平均值的加权平均 × 100,各领域权重相等。".into(),
            );
        } else {
            let ws: Vec<String> = self
                .domain_weights
                .iter()
                .map(|(d, w)| format!("{d} {}", fmt_num(*w)))
                .collect();
            line(
                &mut s,
                format!(
                    "基础分 = 各领域(至少有一项计分指标)内单项得分平均值的加权平均 × 100;领域权重:{};未列出的领域权重为 1。",
                    ws.join("、")
                ),
            );
        }
        if self.terms.is_empty() {
            line(&mut s, "无附加项:总分 = 基础分。".into());
        } else {
            let ts: Vec<String> = self
                .terms
                .iter()
                .map(|t| format!("{} × {} 分", t.kind.label_zh(), fmt_num(t.points)))
                .collect();
            line(
                &mut s,
                format!(
                    "总分 = 基础分 + {};比率取 0–1,不适用的项按满分计并注明“不适用”。",
                    ts.join(" + ")
                ),
            );
        }
        line(
            &mut s,
            format!(
                "总分四舍五入到 {} 位小数后相同者名次并列(如 1、2、2、4)。",
                self.tie_decimals
            ),
        );
        line(
            &mut s,
            "没有任何计分指标的单位不排名次,列于最后,注明“无数据”。".into(),
        );
        line(
            &mut s,
            format!(
                "{}(边界并列者一并计入,并列第一者不标记)。",
                self.bottom_zh()
            ),
        );
        line(
            &mut s,
            format!(
                "应报指标中超过 {}% 未报数据的单位标记“缺报”,未排名的也不例外;尚未到报送期的(如年度指标在年内)不计。",
                self.missing_pct()
            ),
        );
        line(
            &mut s,
            format!(
                "连续 {} 个月被标记(排名靠后或缺报)的单位列入督办。",
                self.consecutive_months
            ),
        );
        line(
            &mut s,
            "部门排名只计各部门牵头的指标;配合单位(方案所列)不因配合的指标计分,但能看到这些指标、收到其提醒和督办。".into(),
        );
        s.truncate(s.trim_end().len());
        s
    }

    /// The whole rule in English, as printed with every ranking.
    pub fn describe_en(&self) -> String {
        let mut s = score::describe_en(&self.bands, self.cap, 1);
        let mut n = score::DESCRIBE_LINES;
        let mut line = |s: &mut String, text: String| {
            n += 1;
            s.push_str(&format!("{n}. {text}\n"));
        };
        if self.domain_weights.is_empty() {
            line(&mut s, "Base score = weighted mean over domains (with at least one scored indicator) of the mean indicator score within the domain × 100; all domains weigh the same.".into());
        } else {
            let ws: Vec<String> = self
                .domain_weights
                .iter()
                .map(|(d, w)| format!("{d} {}", fmt_num(*w)))
                .collect();
            line(
                &mut s,
                format!(
                    "Base score = weighted mean over domains (with at least one scored indicator) of the mean indicator score within the domain × 100; weights: {}; unlisted domains weigh 1.",
                    ws.join(", ")
                ),
            );
        }
        if self.terms.is_empty() {
            line(&mut s, "No extra terms: total = base.".into());
        } else {
            let ts: Vec<String> = self
                .terms
                .iter()
                .map(|t| format!("{} × {} points", t.kind.label_en(), fmt_num(t.points)))
                .collect();
            line(
                &mut s,
                format!(
                    "Total = base + {}; rates are in 0–1; a term that does not apply scores full points and is marked n/a.",
                    ts.join(" + ")
                ),
            );
        }
        line(
            &mut s,
            format!(
                "Totals equal after rounding to {} decimals share a rank (1, 2, 2, 4).",
                self.tie_decimals
            ),
        );
        line(
            &mut s,
            "A unit with no scored indicator gets no rank and is listed last as no data.".into(),
        );
        line(
            &mut s,
            format!(
                "{} (ties at the boundary included; units sharing first place never are).",
                self.bottom_en()
            ),
        );
        line(
            &mut s,
            format!(
                "A unit without figures for more than {}% of the indicators due by now is flagged as missing reports, ranked or not; figures not yet due (an annual one within its year) do not count.",
                self.missing_pct()
            ),
        );
        line(
            &mut s,
            format!(
                "Units flagged (at the bottom or missing reports) for {} consecutive months are put under supervision.",
                self.consecutive_months
            ),
        );
        line(
            &mut s,
            "The department ranking counts only the indicators a department leads; a partner unit the plan names scores nothing for them, but sees them and gets their reminders and orders.".into(),
        );
        s.truncate(s.trim_end().len());
        s
    }
}

/// One indicator's figures for one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorInput {
    pub indicator: String,
    pub domain: String,
    pub lower_is_better: bool,
    /// The current value A; None = no data.
    pub actual: Option<f64>,
    /// The value expected by now on the schedule (shown beside it; the score reads the
    /// light); None = no data.
    pub expected: Option<f64>,
    /// The figure's light and gap on the schedule (methods §2); None = no light (no
    /// figure or no target): not scored.
    #[serde(default)]
    pub judged: Option<Judged>,
    /// Whether a figure was due by now (an annual figure is not, within its year): one
    /// that was and is absent counts toward 缺报; one not yet due never does.
    #[serde(default = "due")]
    pub due: bool,
}

fn due() -> bool {
    true
}

/// One unit's inputs to the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitInput {
    pub unit: String,
    pub indicators: Vec<IndicatorInput>,
    /// Rates in [0, 1] for the extra terms; None (or missing) = not applicable.
    #[serde(default)]
    pub term_rates: BTreeMap<TermKind, Option<f64>>,
}

/// The mean indicator score of one domain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainScore {
    pub domain: String,
    /// Mean s_ik over the domain's scored indicators (a ratio, not ×100).
    pub mean: f64,
    /// How many indicators were scored.
    pub indicators: usize,
}

/// One indicator as scored: its light and s_ik (a ratio, not ×100).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    pub indicator: String,
    pub light: Light,
    pub score: f64,
}

/// One extra term as scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermScore {
    pub kind: TermKind,
    /// The rate used (clamped to [0, 1]); None = not applicable (full points).
    pub rate: Option<f64>,
    /// The points awarded.
    pub points: f64,
}

/// One unit's line in a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankRow {
    pub unit: String,
    /// None for a unit with no scored indicator (无数据).
    pub rank: Option<u32>,
    /// Total score: base + terms.
    pub score: Option<f64>,
    /// Base score (points, ×100).
    pub base: Option<f64>,
    pub domains: Vec<DomainScore>,
    pub terms: Vec<TermScore>,
    /// Indicator codes listed as no data.
    pub no_data: Vec<String>,
    /// Each scored indicator's light and score s_ik, in the input's order.
    #[serde(default)]
    pub scores: Vec<IndicatorScore>,
    pub previous_rank: Option<u32>,
    /// previous rank − rank: positive = moved up.
    pub change: Option<i32>,
    /// In the bottom this month ([`Ranking::bottom_count`] units from the last).
    pub bottom: bool,
    /// 缺报: without a figure for most of its indicators whose figure was due (the rule's
    /// `missing_share`).
    #[serde(default)]
    pub missing_data: bool,
    /// How many figures that were due are absent.
    #[serde(default)]
    pub missing: usize,
    /// How many of its indicators' figures were due.
    #[serde(default)]
    pub due: usize,
}

impl RankRow {
    /// How many of its scored indicators are green, yellow and red.
    pub fn light_counts(&self) -> [usize; 3] {
        [Light::Green, Light::Yellow, Light::Red]
            .map(|l| self.scores.iter().filter(|s| s.light == l).count())
    }

    /// The lights its score was scored from, each with its sign: `● 1 ▲ 0 ■ 2`.
    pub fn lights_text(&self) -> String {
        let [g, y, r] = self.light_counts();
        format!("● {g} ▲ {y} ■ {r}")
    }
}

/// A mark on a ranking's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Flagged (in the bottom or 缺报) the rule's run of months: to be supervised.
    Supervised,
    /// In the bottom this month (the bottom 3, or only the last in a small group).
    Bottom,
    /// 缺报: most figures due are absent.
    Missing,
    /// Not ranked, and not for missing reports: nothing was due, or nothing could be scored.
    Unranked,
}

/// A ranking, with the rule it was computed by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    pub rule: RankRule,
    pub rows: Vec<RankRow>,
}

impl Ranking {
    /// The row of a unit.
    pub fn row(&self, unit: &str) -> Option<&RankRow> {
        self.rows.iter().find(|r| r.unit == unit)
    }

    /// How many units are ranked.
    pub fn ranked(&self) -> usize {
        self.rows.iter().filter(|r| r.rank.is_some()).count()
    }

    /// How many units from the bottom are flagged in this ranking (by its group size).
    pub fn bottom_count(&self) -> usize {
        self.rule.bottom_count(self.ranked())
    }

    /// The bottom in words: `末位` or `后3位`.
    pub fn bottom_zh(&self) -> String {
        match self.bottom_count() {
            1 => "末位".into(),
            n => format!("后{n}位"),
        }
    }

    /// The bottom in words, in English: `last` or `bottom 3`.
    pub fn bottom_en(&self) -> String {
        match self.bottom_count() {
            1 => "last".into(),
            n => format!("bottom {n}"),
        }
    }

    /// Why a row is flagged this month (`排名后3位`, `排名末位`, `缺报`, or both), None
    /// when it is not.
    pub fn reason_zh(&self, row: &RankRow) -> Option<String> {
        let mut parts = Vec::new();
        if row.bottom {
            parts.push(format!("排名{}", self.bottom_zh()));
        }
        if row.missing_data {
            parts.push("缺报".to_string());
        }
        (!parts.is_empty()).then(|| parts.join("、"))
    }

    /// A row's marks, the most serious first: [`Mark::Supervised`] when it is in
    /// `supervised` (the units of [`flag_runs`]), then this month's (in the bottom, 缺报);
    /// an unranked unit not 缺报 is marked with why it is unranked, never left silent.
    pub fn marks(&self, row: &RankRow, supervised: &[String]) -> Vec<Mark> {
        let mut out = Vec::new();
        if supervised.contains(&row.unit) && (row.bottom || row.missing_data) {
            out.push(Mark::Supervised);
        }
        if row.bottom {
            out.push(Mark::Bottom);
        }
        if row.missing_data {
            out.push(Mark::Missing);
        } else if row.rank.is_none() {
            out.push(Mark::Unranked);
        }
        out
    }

    /// A mark in words: `连续2个月排名后3位·督办`, `后3位`/`末位`, `缺报(3项未报)`,
    /// `未排名:本月无应报数据`.
    pub fn mark_zh(&self, row: &RankRow, mark: Mark) -> String {
        match mark {
            Mark::Supervised => format!(
                "连续{}个月{}·督办",
                self.rule.consecutive_months,
                self.reason_zh(row).unwrap_or_else(|| "被标记".into())
            ),
            Mark::Bottom => self.bottom_zh(),
            Mark::Missing => format!("缺报({}项未报)", row.missing),
            Mark::Unranked if row.due == 0 => "未排名:本月无应报数据".into(),
            Mark::Unranked => "未排名:无可计分指标".into(),
        }
    }

    /// [`Ranking::mark_zh`] in English.
    pub fn mark_en(&self, row: &RankRow, mark: Mark) -> String {
        match mark {
            Mark::Supervised => format!(
                "flagged {} months running · supervised",
                self.rule.consecutive_months
            ),
            Mark::Bottom => self.bottom_en(),
            Mark::Missing => format!("missing reports ({} not filed)", row.missing),
            Mark::Unranked if row.due == 0 => "unranked: no figure due yet".into(),
            Mark::Unranked => "unranked: nothing to score".into(),
        }
    }

    /// A row's marks in words ([`Ranking::marks`], [`Ranking::mark_zh`]).
    pub fn marks_zh(&self, row: &RankRow, supervised: &[String]) -> Vec<String> {
        self.marks(row, supervised)
            .into_iter()
            .map(|m| self.mark_zh(row, m))
            .collect()
    }

    /// Units flagged this month: in the bottom or 缺报.
    pub fn flagged_units(&self) -> BTreeSet<String> {
        self.rows
            .iter()
            .filter(|r| r.bottom || r.missing_data)
            .map(|r| r.unit.clone())
            .collect()
    }

    /// Units in the bottom `bottom_n` by rank, ties at the boundary included (see the
    /// module documentation).
    pub fn bottom_units(&self, bottom_n: usize) -> BTreeSet<String> {
        let mut ranks: Vec<u32> = self.rows.iter().filter_map(|r| r.rank).collect();
        ranks.sort_unstable();
        if bottom_n == 0 || ranks.len() <= bottom_n {
            return BTreeSet::new();
        }
        let threshold = ranks[ranks.len() - bottom_n];
        self.rows
            .iter()
            .filter(|r| matches!(r.rank, Some(k) if k >= threshold && k > 1))
            .map(|r| r.unit.clone())
            .collect()
    }
}

/// The indicator score s_ik, or None when the indicator has no data: placed in the band
/// of its light by the band rule ([`crate::eval::score`]).
pub fn indicator_score(rule: &RankRule, input: &IndicatorInput) -> Option<f64> {
    input.actual.filter(|v| v.is_finite())?;
    band_score(input.judged.as_ref()?, &rule.bands, rule.cap)
}

fn round_to(v: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals.min(12) as i32);
    let r = (v * f).round() / f;
    if r == 0.0 { 0.0 } else { r }
}

/// Scores one unit (without rank).
pub fn score_unit(rule: &RankRule, input: &UnitInput) -> RankRow {
    let mut by_domain: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    let mut no_data = Vec::new();
    let mut scores = Vec::new();
    for ind in &input.indicators {
        match indicator_score(rule, ind) {
            Some(s) => {
                scores.push(IndicatorScore {
                    indicator: ind.indicator.clone(),
                    light: ind.judged.map_or(Light::Grey, |j| j.light),
                    score: s,
                });
                let e = by_domain.entry(ind.domain.as_str()).or_insert((0.0, 0));
                e.0 += s;
                e.1 += 1;
            }
            None => no_data.push(ind.indicator.clone()),
        }
    }
    let domains: Vec<DomainScore> = by_domain
        .iter()
        .map(|(d, (sum, n))| DomainScore {
            domain: (*d).to_string(),
            mean: sum / *n as f64,
            indicators: *n,
        })
        .collect();
    let base = if domains.is_empty() {
        None
    } else {
        let mut weights: Vec<f64> = domains.iter().map(|d| rule.weight_of(&d.domain)).collect();
        let total: f64 = weights.iter().sum();
        if !(total.is_finite() && total > 0.0) {
            weights = vec![1.0; domains.len()];
        }
        let total: f64 = weights.iter().sum();
        let mean: f64 = domains
            .iter()
            .zip(&weights)
            .map(|(d, w)| d.mean * w)
            .sum::<f64>()
            / total;
        Some(mean * 100.0)
    };
    let terms: Vec<TermScore> = rule
        .terms
        .iter()
        .map(|t| {
            let points = if t.points.is_finite() { t.points } else { 0.0 };
            let rate = input
                .term_rates
                .get(&t.kind)
                .copied()
                .flatten()
                .filter(|r| r.is_finite())
                .map(|r| r.clamp(0.0, 1.0));
            TermScore {
                kind: t.kind,
                rate,
                points: points * rate.unwrap_or(1.0),
            }
        })
        .collect();
    let score = base.map(|b| b + terms.iter().map(|t| t.points).sum::<f64>());
    let due: Vec<&IndicatorInput> = input.indicators.iter().filter(|i| i.due).collect();
    let missing = due
        .iter()
        .filter(|i| !i.actual.is_some_and(f64::is_finite))
        .count();
    let missing_data = rule.is_missing(missing, due.len());
    let due = due.len();
    RankRow {
        unit: input.unit.clone(),
        rank: None,
        score,
        base,
        domains,
        terms,
        no_data,
        scores,
        previous_rank: None,
        change: None,
        bottom: false,
        missing_data,
        missing,
        due,
    }
}

/// Ranks the units by the rule; `previous` (last month's ranking) gives the change.
pub fn rank(rule: &RankRule, inputs: &[UnitInput], previous: Option<&Ranking>) -> Ranking {
    let mut rows: Vec<(Option<f64>, RankRow)> = inputs
        .iter()
        .map(|i| {
            let row = score_unit(rule, i);
            (row.score.map(|s| round_to(s, rule.tie_decimals)), row)
        })
        .collect();
    rows.sort_by(|(ka, a), (kb, b)| match (ka, kb) {
        (Some(x), Some(y)) => y.total_cmp(x).then_with(|| a.unit.cmp(&b.unit)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.unit.cmp(&b.unit),
    });
    let mut out: Vec<RankRow> = Vec::with_capacity(rows.len());
    let mut last_key: Option<f64> = None;
    let mut last_rank = 0u32;
    for (i, (key, mut row)) in rows.into_iter().enumerate() {
        if let Some(k) = key {
            let r = if last_key == Some(k) {
                last_rank
            } else {
                (i + 1) as u32
            };
            last_key = Some(k);
            last_rank = r;
            row.rank = Some(r);
        }
        if let Some(prev) = previous.and_then(|p| p.row(&row.unit)) {
            row.previous_rank = prev.rank;
            if let (Some(p), Some(c)) = (prev.rank, row.rank) {
                row.change = Some(p as i32 - c as i32);
            }
        }
        out.push(row);
    }
    let mut ranking = Ranking {
        rule: rule.clone(),
        rows: out,
    };
    let bottom = ranking.bottom_units(ranking.bottom_count());
    for row in &mut ranking.rows {
        row.bottom = bottom.contains(&row.unit);
    }
    ranking
}

/// Units flagged — in the bottom (each month by its own group size, ties at the boundary
/// included) or 缺报 — in each of the last `rule.consecutive_months` rankings of `history`
/// (oldest first, one per consecutive month): the units to supervise. Empty when the
/// history is shorter than that or the run length is 0. Sorted by unit name.
pub fn flag_runs(history: &[Ranking], rule: &RankRule) -> Vec<String> {
    let n = rule.consecutive_months as usize;
    if n == 0 || history.len() < n {
        return Vec::new();
    }
    let mut recent = history[history.len() - n..].iter();
    let Some(first) = recent.next() else {
        return Vec::new();
    };
    let mut set = first.flagged_units();
    for r in recent {
        let b = r.flagged_units();
        set.retain(|u| b.contains(u));
    }
    set.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A proportional judgement whose score is A ÷ expected (expected ÷ A when lower is
    /// better) within the bands: the gap is (1 − ratio) × 100 points.
    fn judged_of(a: Option<f64>, e: Option<f64>, lower: bool) -> Option<Judged> {
        let (a, e) = (a.filter(|v| v.is_finite())?, e.filter(|v| v.is_finite())?);
        let ratio = if lower { e / a } else { a / e };
        let gap = (1.0 - ratio) * 100.0;
        if !gap.is_finite() {
            return None;
        }
        let light = if gap > 30.0 {
            Light::Red
        } else if gap > 0.0 {
            Light::Yellow
        } else {
            Light::Green
        };
        Some(Judged {
            light,
            band_light: light,
            mode: crate::eval::ScheduleMode::Proportional,
            gap: Some(gap),
            milestone: false,
        })
    }

    fn ind(code: &str, domain: &str, a: Option<f64>, e: Option<f64>) -> IndicatorInput {
        IndicatorInput {
            indicator: code.into(),
            domain: domain.into(),
            lower_is_better: false,
            actual: a,
            expected: e,
            judged: judged_of(a, e, false),
            due: true,
        }
    }

    fn lower(code: &str, domain: &str, a: f64, e: f64) -> IndicatorInput {
        IndicatorInput {
            lower_is_better: true,
            judged: judged_of(Some(a), Some(e), true),
            ..ind(code, domain, Some(a), Some(e))
        }
    }

    fn unit(name: &str, indicators: Vec<IndicatorInput>) -> UnitInput {
        UnitInput {
            unit: name.into(),
            indicators,
            term_rates: BTreeMap::new(),
        }
    }

    fn no_terms() -> RankRule {
        RankRule {
            terms: vec![],
            ..RankRule::default()
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn worked_example_by_hand() {
        // Domain YY: 0.9 and 1.2 (capped from 1.5) → mean 1.05.
        // Domain XY: lower-is-better 10 expected, 8 actual → 1.25 → capped 1.2.
        // base = (1.05 + 1.2) / 2 × 100 = 112.5
        // terms: task 0.8 × 5 = 4, closure None → 5, timeliness 1.0 → 5: total 126.5
        let mut u = unit(
            "城东街道",
            vec![
                ind("YY1", "YY", Some(90.0), Some(100.0)),
                ind("YY2", "YY", Some(15.0), Some(10.0)),
                lower("XY1", "XY", 8.0, 10.0),
                ind("XY2", "XY", None, Some(3.0)),
            ],
        );
        u.term_rates.insert(TermKind::TaskOnTime, Some(0.8));
        u.term_rates.insert(TermKind::OrderClosure, None);
        u.term_rates.insert(TermKind::Timeliness, Some(1.0));
        let r = rank(&RankRule::default(), &[u], None);
        let row = &r.rows[0];
        assert_eq!(row.rank, Some(1));
        assert!(close(row.base.unwrap(), 112.5));
        assert!(close(row.score.unwrap(), 126.5));
        assert_eq!(row.no_data, vec!["XY2".to_string()]);
        assert_eq!(row.domains.len(), 2);
        assert_eq!(row.domains[0].domain, "XY");
        assert_eq!(row.domains[0].indicators, 1);
        assert!(close(row.domains[1].mean, 1.05));
        assert_eq!(row.terms[1].rate, None);
        assert!(close(row.terms[1].points, 5.0));
        assert!(close(row.terms[0].points, 4.0));
    }

    fn judged_input(
        code: &str,
        target: &str,
        lower: bool,
        b: f64,
        a: f64,
        f: f64,
    ) -> IndicatorInput {
        use crate::eval::schedule::{Flow, ScheduleInput, judge};
        let t = crate::target::Target::parse(target).unwrap();
        let polarity = if lower {
            crate::plan::Polarity::LowerIsBetter
        } else {
            crate::plan::Polarity::HigherIsBetter
        };
        let j = judge(
            &ScheduleInput {
                target: &t,
                polarity,
                start: Some(b),
                actual: Some(a),
                fraction: f,
                flow: Flow::Level,
                as_of: None,
            },
            &LightBands::default(),
        );
        IndicatorInput {
            indicator: code.into(),
            domain: "ZY".into(),
            lower_is_better: lower,
            actual: Some(a),
            expected: j.expected,
            judged: Some(Judged::from_judgement(&j, j.band_light, false)),
            due: true,
        }
    }

    #[test]
    fn the_ranking_follows_the_lights() {
        // The case: 区住建局 with two of three indicators red (each within a
        // hair of its schedule as a ratio: 28.01 against 28.10, A ÷ expected 0.997) and a
        // bound `<5` beaten far (5 ÷ 1 was capped at 1.2) ranked first; 区人力社保局 with
        // one red last.
        let zj = unit(
            "区住建局",
            vec![
                judged_input("T15", "28.10", false, 28.00, 28.01, 1.0),
                judged_input("T16", "28.10", false, 28.00, 28.01, 1.0),
                judged_input("T17", "<5", true, 4.0, 1.0, 0.5),
            ],
        );
        let rs = unit(
            "区人力社保局",
            vec![
                judged_input("T01", "60", false, 50.0, 50.0, 0.5),
                judged_input("T02", "60", false, 50.0, 55.0, 0.5),
                judged_input("T03", "95", false, 95.0, 95.0, 0.5),
            ],
        );
        let lights = |u: &UnitInput| -> Vec<Light> {
            u.indicators
                .iter()
                .map(|i| i.judged.unwrap().light)
                .collect()
        };
        assert_eq!(lights(&zj), [Light::Red, Light::Red, Light::Green]);
        assert_eq!(lights(&rs), [Light::Red, Light::Green, Light::Green]);
        let r = rank(&no_terms(), &[zj.clone(), rs], None);
        assert_eq!(r.rows[0].unit, "区人力社保局");
        assert_eq!(r.row("区住建局").unwrap().rank, Some(2));
        // Each indicator's score is listed with its light, in its band.
        let row = r.row("区住建局").unwrap();
        assert_eq!(row.scores.len(), 3);
        assert!(
            row.scores[..2]
                .iter()
                .all(|s| s.light == Light::Red && s.score < 0.7)
        );
        // The bound beaten far earns 1, never more than the green band's top.
        assert_eq!(row.scores[2].score, 1.0);
        let far = judged_input("T17", "<5", true, 4.0, 0.01, 0.5);
        assert_eq!(indicator_score(&no_terms(), &far), Some(1.0));
        // A figure without a light (no target) is no data, not zero.
        let mut grey = far.clone();
        grey.judged = None;
        assert_eq!(indicator_score(&no_terms(), &grey), None);
    }

    #[test]
    fn cap_is_the_top_of_the_green_band() {
        let rule = no_terms();
        assert_eq!(
            indicator_score(&rule, &ind("a", "d", Some(300.0), Some(100.0))),
            Some(1.2)
        );
        assert!(close(
            indicator_score(&rule, &lower("a", "d", 5.0, 4.0)).unwrap(),
            0.8
        ));
        let custom = RankRule {
            cap: 2.0,
            ..no_terms()
        };
        assert_eq!(
            indicator_score(&custom, &ind("a", "d", Some(300.0), Some(100.0))),
            Some(2.0)
        );
        // A cap below 1 would put green under yellow: 1.2 instead.
        let bad = RankRule {
            cap: 0.5,
            ..no_terms()
        };
        assert_eq!(
            indicator_score(&bad, &ind("a", "d", Some(300.0), Some(100.0))),
            Some(1.2)
        );
        // Non-finite figures are no data.
        assert_eq!(
            indicator_score(&rule, &ind("a", "d", Some(f64::NAN), Some(2.0))),
            None
        );
    }

    #[test]
    fn ties_share_a_rank_competition_style() {
        let rule = no_terms();
        let inputs = vec![
            unit("甲", vec![ind("a", "d", Some(1.0), Some(1.0))]),
            unit("乙", vec![ind("a", "d", Some(0.9), Some(1.0))]),
            unit("丙", vec![ind("a", "d", Some(0.9), Some(1.0))]),
            unit("丁", vec![ind("a", "d", Some(0.5), Some(1.0))]),
            unit("戊", vec![ind("a", "d", None, Some(1.0))]),
        ];
        let r = rank(&rule, &inputs, None);
        let got: Vec<(&str, Option<u32>)> =
            r.rows.iter().map(|x| (x.unit.as_str(), x.rank)).collect();
        assert_eq!(
            got,
            vec![
                ("甲", Some(1)),
                ("丙", Some(2)),
                ("乙", Some(2)),
                ("丁", Some(4)),
                ("戊", None)
            ]
        );
        // 丙 < 乙 by code point, so 丙 first among the tied.
        assert!("丙" < "乙");
        // Near-equal after rounding also tie.
        let inputs = vec![
            unit("a", vec![ind("a", "d", Some(1.0), Some(1.0))]),
            unit("b", vec![ind("a", "d", Some(1.0 - 1e-9), Some(1.0))]),
        ];
        let r = rank(&rule, &inputs, None);
        assert_eq!(r.rows[0].rank, Some(1));
        assert_eq!(r.rows[1].rank, Some(1));
    }

    #[test]
    fn no_data_unit_is_listed_without_rank() {
        let rule = RankRule::default();
        let inputs = vec![
            unit("无", vec![ind("a", "d", None, None)]),
            unit("有", vec![ind("a", "d", Some(1.0), Some(1.0))]),
        ];
        let r = rank(&rule, &inputs, None);
        assert_eq!(r.rows[0].unit, "有");
        assert_eq!(r.rows[1].unit, "无");
        assert_eq!(r.rows[1].rank, None);
        assert_eq!(r.rows[1].score, None);
        assert_eq!(r.rows[1].base, None);
        assert_eq!(r.rows[1].no_data, vec!["a".to_string()]);
        assert!(!r.rows[1].bottom);
        // Unranked, but not let off: flagged for its missing figures.
        assert!(r.rows[1].missing_data);
        assert!(!r.rows[0].missing_data);
    }

    fn scored(vals: &[(&str, f64)]) -> Vec<UnitInput> {
        vals.iter()
            .map(|(n, v)| unit(n, vec![ind("a", "d", Some(*v), Some(1.0))]))
            .collect()
    }

    #[test]
    fn a_group_of_four_flags_only_the_last() {
        let rule = no_terms();
        let four = rank(
            &rule,
            &scored(&[("a", 1.0), ("b", 0.9), ("c", 0.8), ("d", 0.7)]),
            None,
        );
        assert_eq!(four.bottom_count(), 1);
        let bottom: Vec<&str> = four
            .rows
            .iter()
            .filter(|r| r.bottom)
            .map(|r| r.unit.as_str())
            .collect();
        assert_eq!(bottom, ["d"]);
        assert_eq!(four.bottom_zh(), "末位");
        let d = four.row("d").unwrap();
        assert_eq!(four.marks_zh(d, &[]), ["末位"]);
        assert!(four.marks_zh(d, &[]).iter().all(|m| !m.contains("后3位")));
        assert_eq!(
            four.marks_zh(d, &["d".to_string()]),
            ["连续2个月排名末位·督办", "末位"]
        );
        // Nine units: still only the last; ten: the bottom three.
        let names: Vec<String> = (0..10).map(|i| format!("u{i}")).collect();
        let vals: Vec<(&str, f64)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), 1.0 - i as f64 / 20.0))
            .collect();
        let nine = rank(&rule, &scored(&vals[..9]), None);
        assert_eq!(nine.bottom_units(nine.bottom_count()).len(), 1);
        let ten = rank(&rule, &scored(&vals), None);
        assert_eq!(ten.bottom_count(), 3);
        assert_eq!(
            ten.bottom_units(3),
            ["u7", "u8", "u9"].map(String::from).into()
        );
        assert_eq!(ten.bottom_zh(), "后3位");
        // Configurable: the bottom two in a small group.
        let two = RankRule {
            small_group_bottom_n: 2,
            ..no_terms()
        };
        let r = rank(
            &two,
            &scored(&[("a", 1.0), ("b", 0.9), ("c", 0.8), ("d", 0.7)]),
            None,
        );
        assert_eq!(
            r.bottom_units(r.bottom_count()),
            ["c", "d"].map(String::from).into()
        );
        // Ties for last are all in; a single unit is never its own bottom.
        let r = rank(&rule, &scored(&[("a", 1.0), ("b", 0.7), ("c", 0.7)]), None);
        assert_eq!(
            r.bottom_units(r.bottom_count()),
            ["b", "c"].map(String::from).into()
        );
        let r = rank(&rule, &scored(&[("a", 0.1)]), None);
        assert!(!r.rows[0].bottom);
    }

    #[test]
    fn most_indicators_without_data_is_flagged_missing() {
        let rule = no_terms();
        let with = |n: &str, known: usize, unknown: usize| {
            let mut inds: Vec<IndicatorInput> = (0..known)
                .map(|k| ind(&format!("k{k}"), "d", Some(1.0), Some(1.0)))
                .collect();
            inds.extend((0..unknown).map(|k| ind(&format!("m{k}"), "d", None, Some(1.0))));
            unit(n, inds)
        };
        let r = rank(
            &rule,
            &[
                with("全有", 3, 0),
                with("半数", 2, 2),
                with("多数缺", 1, 2),
                with("全缺", 0, 3),
                unit("无指标", vec![]),
            ],
            None,
        );
        let missing = |u: &str| r.row(u).unwrap().missing_data;
        assert!(!missing("全有"));
        // Exactly half is not most.
        assert!(!missing("半数"));
        // Ranked and still flagged.
        assert!(missing("多数缺"));
        assert!(r.row("多数缺").unwrap().rank.is_some());
        assert!(missing("全缺"));
        assert_eq!(r.row("全缺").unwrap().rank, None);
        // Nothing to report, nothing missing; but never silently unranked.
        assert!(!missing("无指标"));
        assert_eq!(
            r.marks_zh(r.row("无指标").unwrap(), &[]),
            ["未排名:本月无应报数据"]
        );
        let all = r.row("全缺").unwrap();
        assert_eq!(r.marks_zh(all, &[]), ["缺报(3项未报)"]);
        assert_eq!(r.reason_zh(all).as_deref(), Some("缺报"));
        assert!(r.flagged_units().contains("全缺"));
        // Figures not yet due (annual ones within their year) are not missing: two of
        // three not due, the one due reported.
        let mut annual = with("年报", 1, 2);
        for i in annual.indicators.iter_mut().skip(1) {
            i.due = false;
        }
        let r = rank(&rule, std::slice::from_ref(&annual), None);
        assert!(!r.rows[0].missing_data);
        assert_eq!(r.rows[0].no_data.len(), 2, "listed, not scored");
        // The one due missing too: 缺报 (1 of 1 due).
        annual.indicators[0].actual = None;
        let r = rank(&rule, &[annual], None);
        assert!(r.rows[0].missing_data);
        assert_eq!(r.rows[0].missing, 1);
        // A figure without an expected value (no target this year) is not a missing report.
        let r = rank(
            &rule,
            &[unit("无目标", vec![ind("a", "d", Some(1.0), None)])],
            None,
        );
        assert!(!r.rows[0].missing_data);
        // Configurable: a stricter share flags half as well.
        let strict = RankRule {
            missing_share: 0.25,
            ..no_terms()
        };
        let r = rank(&strict, &[with("半数", 2, 2)], None);
        assert!(r.rows[0].missing_data);
        // A share that is not one falls back to half.
        let odd = RankRule {
            missing_share: f64::NAN,
            ..no_terms()
        };
        assert!(!rank(&odd, &[with("半数", 2, 2)], None).rows[0].missing_data);
    }

    #[test]
    fn missing_data_two_months_running_is_supervised() {
        let rule = no_terms();
        let month = |gone: bool| {
            let mut inputs = scored(&[("a", 1.0), ("b", 0.9), ("c", 0.8), ("d", 0.7)]);
            if gone {
                inputs.push(unit("缺", vec![ind("a", "d", None, Some(1.0))]));
            } else {
                inputs.push(unit("缺", vec![ind("a", "d", Some(0.95), Some(1.0))]));
            }
            rank(&rule, &inputs, None)
        };
        // Missing both months: supervised although never ranked.
        assert_eq!(
            flag_runs(&[month(true), month(true)], &rule),
            ["d".to_string(), "缺".to_string()]
        );
        // Missing one month only: not yet.
        assert_eq!(
            flag_runs(&[month(false), month(true)], &rule),
            ["d".to_string()]
        );
        let m = month(true);
        let row = m.row("缺").unwrap();
        assert_eq!(
            m.marks_zh(row, &["缺".to_string()]),
            ["连续2个月缺报·督办", "缺报(1项未报)"]
        );
    }

    #[test]
    fn domain_weights() {
        let mut rule = no_terms();
        rule.domain_weights.insert("A".into(), 3.0);
        rule.domain_weights.insert("B".into(), 1.0);
        let u = unit(
            "u",
            vec![
                ind("a", "A", Some(1.0), Some(1.0)),
                ind("b", "B", Some(0.6), Some(1.0)),
            ],
        );
        let r = rank(&rule, std::slice::from_ref(&u), None);
        // (3 × 1 + 1 × 0.6) / 4 × 100 = 90
        assert!(close(r.rows[0].score.unwrap(), 90.0));
        // Equal weights: 80.
        let r = rank(&no_terms(), std::slice::from_ref(&u), None);
        assert!(close(r.rows[0].score.unwrap(), 80.0));
        // All-zero weights fall back to equal.
        let mut zero = no_terms();
        zero.domain_weights.insert("A".into(), 0.0);
        zero.domain_weights.insert("B".into(), 0.0);
        let r = rank(&zero, &[u], None);
        assert!(close(r.rows[0].score.unwrap(), 80.0));
    }

    #[test]
    fn terms_clamped_and_not_applicable() {
        let rule = RankRule::default();
        let mut u = unit("u", vec![ind("a", "d", Some(1.0), Some(1.0))]);
        u.term_rates.insert(TermKind::TaskOnTime, Some(1.5));
        u.term_rates.insert(TermKind::OrderClosure, Some(-1.0));
        // Timeliness missing: not applicable.
        let row = &rank(&rule, &[u], None).rows[0];
        assert_eq!(row.terms[0].rate, Some(1.0));
        assert!(close(row.terms[0].points, 5.0));
        assert_eq!(row.terms[1].rate, Some(0.0));
        assert!(close(row.terms[1].points, 0.0));
        assert_eq!(row.terms[2].rate, None);
        assert!(close(row.score.unwrap(), 110.0));
    }

    /// Bottom 3 in any group, as the tests of five units below expect.
    fn bottom_three_always() -> RankRule {
        RankRule {
            bottom_n_from: 0,
            ..no_terms()
        }
    }

    #[test]
    fn change_of_rank_and_bottom() {
        let rule = bottom_three_always();
        let mk = |vals: &[(&str, f64)]| -> Vec<UnitInput> {
            vals.iter()
                .map(|(n, v)| unit(n, vec![ind("a", "d", Some(*v), Some(1.0))]))
                .collect()
        };
        let m1 = rank(
            &rule,
            &mk(&[("a", 1.0), ("b", 0.9), ("c", 0.8), ("d", 0.7), ("e", 0.6)]),
            None,
        );
        assert_eq!(m1.bottom_units(3), ["c", "d", "e"].map(String::from).into());
        let m2 = rank(
            &rule,
            &mk(&[("a", 0.5), ("b", 0.9), ("c", 0.8), ("d", 0.7), ("e", 1.0)]),
            Some(&m1),
        );
        let a = m2.row("a").unwrap();
        assert_eq!(
            (a.previous_rank, a.rank, a.change),
            (Some(1), Some(5), Some(-4))
        );
        let e = m2.row("e").unwrap();
        assert_eq!(e.change, Some(4));
        assert!(m2.row("d").unwrap().bottom);
        assert!(!m2.row("e").unwrap().bottom);
        assert_eq!(
            flag_runs(&[m1.clone(), m2.clone()], &rule),
            vec!["c".to_string(), "d".to_string()]
        );
        assert!(flag_runs(&[m2], &rule).is_empty());
    }

    #[test]
    fn bottom_includes_ties_at_the_boundary() {
        let rule = no_terms();
        let vals = [("a", 1.0), ("b", 0.9), ("c", 0.8), ("d", 0.8), ("e", 0.7)];
        let inputs: Vec<UnitInput> = vals
            .iter()
            .map(|(n, v)| unit(n, vec![ind("a", "d", Some(*v), Some(1.0))]))
            .collect();
        let r = rank(&rule, &inputs, None);
        // Ranks 1, 2, 3, 3, 5: the 3rd from last is rank 3.
        assert_eq!(r.bottom_units(3), ["c", "d", "e"].map(String::from).into());
        assert_eq!(r.bottom_units(1), ["e"].map(String::from).into());
        // No bottom when there are no more units than bottom_n.
        let r = rank(&rule, &inputs[..3], None);
        assert!(r.bottom_units(3).is_empty());
    }

    #[test]
    fn bottom_runs_window() {
        let rule = bottom_three_always();
        let mk = |vals: &[(&str, f64)]| -> Ranking {
            let inputs: Vec<UnitInput> = vals
                .iter()
                .map(|(n, v)| unit(n, vec![ind("a", "d", Some(*v), Some(1.0))]))
                .collect();
            rank(&rule, &inputs, None)
        };
        let m1 = mk(&[("a", 0.1), ("b", 0.9), ("c", 0.95), ("d", 1.0), ("e", 1.1)]);
        let m2 = mk(&[("a", 1.1), ("b", 0.5), ("c", 0.6), ("d", 0.7), ("e", 1.0)]);
        let m3 = mk(&[("a", 0.1), ("b", 0.5), ("c", 0.6), ("d", 1.1), ("e", 1.0)]);
        // Only the last two months count: a was bottom in m1 and m3 but not m2.
        assert_eq!(
            flag_runs(&[m1.clone(), m2.clone(), m3.clone()], &rule),
            vec!["b".to_string(), "c".to_string()]
        );
        let three = RankRule {
            consecutive_months: 3,
            ..bottom_three_always()
        };
        assert_eq!(
            flag_runs(&[m1.clone(), m2.clone(), m3.clone()], &three),
            vec!["b".to_string(), "c".to_string()]
        );
        let off = RankRule {
            consecutive_months: 0,
            ..no_terms()
        };
        assert!(flag_runs(&[m1, m2, m3], &off).is_empty());
        assert!(flag_runs(&[], &rule).is_empty());
    }

    #[test]
    fn unit_without_indicators_and_empty_input() {
        let r = rank(&RankRule::default(), &[], None);
        assert!(r.rows.is_empty());
        let r = rank(&RankRule::default(), &[unit("空", vec![])], None);
        assert_eq!(r.rows[0].rank, None);
        assert!(r.rows[0].no_data.is_empty());
        // Terms are still shown for an unranked unit.
        assert_eq!(r.rows[0].terms.len(), 3);
    }

    #[test]
    fn no_data_unit_keeps_previous_rank_without_change() {
        let rule = no_terms();
        let m1 = rank(
            &rule,
            &[
                unit("a", vec![ind("a", "d", Some(1.0), Some(1.0))]),
                unit("b", vec![ind("a", "d", Some(0.5), Some(1.0))]),
            ],
            None,
        );
        let m2 = rank(
            &rule,
            &[
                unit("a", vec![ind("a", "d", None, Some(1.0))]),
                unit("b", vec![ind("a", "d", Some(0.5), Some(1.0))]),
                unit("c", vec![ind("a", "d", Some(0.7), Some(1.0))]),
            ],
            Some(&m1),
        );
        let a = m2.row("a").unwrap();
        assert_eq!((a.rank, a.previous_rank, a.change), (None, Some(1), None));
        let c = m2.row("c").unwrap();
        assert_eq!((c.rank, c.previous_rank, c.change), (Some(1), None, None));
        let b = m2.row("b").unwrap();
        assert_eq!(b.change, Some(0));
    }

    #[test]
    fn describe_mentions_everything() {
        let mut rule = RankRule::default();
        let zh = rule.describe_zh();
        for w in [
            "1.2",
            "0.69",
            "无数据",
            "任务按期完成率",
            "并列",
            "权重相等",
        ] {
            assert!(zh.contains(w), "{w} missing from {zh}");
        }
        for w in [
            "少于 10 个时标记排名末位",
            "不少于 10 个时标记排名后 3 位",
            "缺报",
            "50%",
        ] {
            assert!(zh.contains(w), "{w} missing from {zh}");
        }
        let en = rule.describe_en();
        for w in ["the last unit", "at least 10 units", "missing reports"] {
            assert!(en.contains(w), "{w} missing from {en}");
        }
        let flat = RankRule {
            bottom_n_from: 0,
            ..RankRule::default()
        };
        assert!(flat.describe_zh().contains("\n11. 标记排名后 3 位"));
        let bare = RankRule {
            terms: vec![],
            ..RankRule::default()
        };
        assert!(bare.describe_zh().contains("无附加项"));
        assert!(bare.describe_en().contains("No extra terms"));
        rule.domain_weights.insert("YY".into(), 2.0);
        assert!(rule.describe_zh().contains("YY 2"));
        let en = rule.describe_en();
        for w in ["1.2", "0.69", "no data", "share a rank", "YY 2"] {
            assert!(en.contains(w), "{w} missing from {en}");
        }
    }

    #[test]
    fn serde_round_trip() {
        let mut u = unit("u", vec![ind("a", "d", Some(1.0), Some(1.0))]);
        u.term_rates.insert(TermKind::OrderClosure, Some(0.5));
        let r = rank(&RankRule::default(), &[u.clone()], None);
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains("\"order_closure\""));
        let back: Ranking = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        let uj = serde_json::to_string(&u).unwrap();
        assert_eq!(serde_json::from_str::<UnitInput>(&uj).unwrap(), u);
        let rule: RankRule = serde_json::from_str("{\"cap\": 1.5}").unwrap();
        assert_eq!(rule.bottom_n, 3);
        // A configuration stored before the small-group rule reads with its defaults, and
        // a ranking published before 缺报 with the flag off.
        assert_eq!((rule.bottom_n_from, rule.small_group_bottom_n), (10, 1));
        let mut old = serde_json::to_value(&r).unwrap();
        old["rows"][0]
            .as_object_mut()
            .unwrap()
            .remove("missing_data");
        let back: Ranking = serde_json::from_value(old).unwrap();
        assert!(!back.rows[0].missing_data);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn opt_val() -> impl Strategy<Value = Option<f64>> {
            prop_oneof![
                1 => Just(None),
                1 => Just(Some(0.0)),
                1 => Just(Some(f64::NAN)),
                6 => (-50.0f64..200.0).prop_map(Some),
                2 => (0u8..5).prop_map(|v| Some(v as f64)),
            ]
        }

        fn inputs() -> impl Strategy<Value = Vec<UnitInput>> {
            prop::collection::vec(
                (
                    prop::collection::vec((0u8..3, any::<bool>(), opt_val(), opt_val()), 0..5),
                    prop::collection::vec(
                        prop_oneof![
                            Just(None),
                            Just(Some(0.0)),
                            Just(Some(1.0)),
                            Just(Some(0.5)),
                            (-0.5f64..1.5).prop_map(Some),
                        ],
                        3,
                    ),
                ),
                0..8,
            )
            .prop_map(|units| {
                units
                    .into_iter()
                    .enumerate()
                    .map(|(i, (inds, rates))| UnitInput {
                        unit: format!("u{i}"),
                        indicators: inds
                            .into_iter()
                            .enumerate()
                            .map(|(k, (d, lower, a, e))| IndicatorInput {
                                indicator: format!("k{k}"),
                                domain: format!("D{d}"),
                                lower_is_better: lower,
                                actual: a,
                                expected: e,
                                judged: judged_of(a, e, lower),
                                due: true,
                            })
                            .collect(),
                        term_rates: TermKind::ALL.iter().copied().zip(rates).collect(),
                    })
                    .collect()
            })
        }

        proptest! {
            #[test]
            fn order_agrees_with_scores(inputs in inputs()) {
                let rule = RankRule::default();
                let r = rank(&rule, &inputs, None);
                prop_assert_eq!(r.rows.len(), inputs.len());
                for w in r.rows.windows(2) {
                    match (w[0].score, w[1].score) {
                        (Some(a), Some(b)) => {
                            prop_assert!(round_to(a, 4) >= round_to(b, 4));
                            prop_assert!(w[0].rank <= w[1].rank);
                            let tie = round_to(a, 4) == round_to(b, 4);
                            prop_assert_eq!(tie, w[0].rank == w[1].rank);
                        }
                        (None, Some(_)) => prop_assert!(false, "unscored before scored"),
                        _ => {}
                    }
                }
                for (i, row) in r.rows.iter().enumerate() {
                    prop_assert_eq!(row.rank.is_some(), row.score.is_some());
                    if let Some(k) = row.rank {
                        // Competition ranking: rank = 1 + number strictly better.
                        let better = r.rows[..i]
                            .iter()
                            .filter(|o| o.rank.is_some() && o.rank != row.rank)
                            .count();
                        prop_assert_eq!(k as usize, better + 1);
                    }
                }
            }

            #[test]
            fn a_units_red_scores_below_its_yellow_below_its_green(inputs in inputs()) {
                let r = rank(&RankRule::default(), &inputs, None);
                for row in &r.rows {
                    let of = |l: Light| row.scores.iter().filter(move |s| s.light == l).map(|s| s.score);
                    for red in of(Light::Red) {
                        prop_assert!(of(Light::Yellow).all(|y| red < y));
                        prop_assert!(of(Light::Green).all(|g| red < g));
                    }
                    for yellow in of(Light::Yellow) {
                        prop_assert!(of(Light::Green).all(|g| yellow < g));
                    }
                    prop_assert_eq!(row.scores.len() + row.no_data.len(), inputs.iter().find(|u| u.unit == row.unit).unwrap().indicators.len());
                }
            }

            #[test]
            fn scores_are_finite(inputs in inputs()) {
                let r = rank(&RankRule::default(), &inputs, None);
                for row in &r.rows {
                    if let Some(s) = row.score { prop_assert!(s.is_finite()); }
                    if let Some(b) = row.base {
                        prop_assert!(b.is_finite());
                        prop_assert!((0.0..=120.0 + 1e-9).contains(&b));
                    }
                    for d in &row.domains { prop_assert!(d.mean.is_finite()); }
                }
            }

            #[test]
            fn permutation_does_not_matter(inputs in inputs(), seed in any::<u64>()) {
                let rule = RankRule::default();
                let a = rank(&rule, &inputs, None);
                let mut shuffled = inputs.clone();
                // A deterministic shuffle from the seed.
                let mut s = seed;
                for i in (1..shuffled.len()).rev() {
                    s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    let j = (s >> 33) as usize % (i + 1);
                    shuffled.swap(i, j);
                }
                let b = rank(&rule, &shuffled, Some(&a));
                let b_plain = rank(&rule, &shuffled, None);
                prop_assert_eq!(&a, &b_plain);
                for row in &b.rows {
                    prop_assert_eq!(row.change, Some(0).filter(|_| row.rank.is_some()));
                }
            }
        }
    }
}
