//! The quarterly analysis report (季分析) of a public-service programme.
//!
//! This crate knows nothing of the store, the engine or the web: the caller fills one plain
//! data struct, [`QuarterlyReport`], and this crate renders it
//!
//! - to a self-contained HTML page ([`render_html`]): inline SVG charts, no external assets,
//!   no script, a print stylesheet;
//! - to PDF ([`render_pdf`]) with a system CJK font ([`find_cjk_font`]), subset and embedded,
//!   charts drawn as vectors, headers and footers with 第 N 页 / 共 M 页;
//! - to an editable Word document ([`render_docx`]) with real headings and tables; the charts
//!   are PNG pictures of the same drawings (or their data tables when no CJK font is found).
//!
//! What the report says is decided once: `doc::document` turns the report into a small
//! format-neutral document (sections of paragraphs, tables and charts with their data), and
//! each of the three renderers only walks that document.
//!
//! Every number that is shown carries its unit. Colours carry meaning never alone: each light
//! is also written as a word (达标 / 预警 / 滞后 / 无数据).

mod doc;
mod docx;
mod draw;
mod font;
mod html;
mod pdf;
mod raster;
mod sheet;
mod text;
mod yearly;

use serde::{Deserialize, Serialize};

pub use font::{FontFace, FontSource, find_cjk_font};
pub use sheet::{Sheet, SheetBlock, render_sheet_pdf};
pub use yearly::{
    MissedTarget, UnitMeasures, YearDomain, YearMeasures, YearRow, YearlyReport,
    render_yearly_docx, render_yearly_html, render_yearly_pdf,
};

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// No CJK font could be found or loaded; the message says what to install or set.
    #[error("{0}")]
    Font(String),
    /// The PDF writer refused the document.
    #[error("PDF 生成失败: {0}")]
    Pdf(String),
    /// The Word writer failed.
    #[error("Word 文档生成失败: {0}")]
    Docx(String),
    /// The report's data is inconsistent (for example a trend whose series lengths differ).
    #[error("报告数据有误: {0}")]
    Data(String),
}

/// The whole content of one quarterly analysis report. Plain data: the caller computes
/// everything (from the live evaluation, the rankings, the supervision orders) and formats
/// the numbers with the precision the plan uses; the renderers only lay it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarterlyReport {
    /// The title, e.g. `定海区“七优享”工程2025年第3季度分析报告`.
    pub title: String,
    /// The programme's name, e.g. `公共服务“七优享”工程`.
    pub programme: String,
    /// The place the report covers, e.g. `定海区`.
    pub place: String,
    /// The quarter as the plan writes periods, e.g. `2025年第3季度`.
    pub quarter: String,
    /// The date the figures stand at, e.g. `2025年9月30日`.
    pub as_of: String,
    /// When the report was generated, e.g. `2025-10-15 09:30`.
    pub generated_at: String,
    /// Who issues it, e.g. `定海区“七优享”工程工作专班`.
    pub issuer: String,
    /// A note printed under the title and in every footer when set, e.g.
    /// `演示数据(虚构,非真实统计)` for the demo dataset.
    pub data_note: Option<String>,
    /// 一、总体情况.
    pub summary: Summary,
    /// 二、各领域进展: the domains in plan order (7 for the 七优享 plan). Chart (a), lights
    /// per domain, is drawn from these.
    pub domains: Vec<DomainStatus>,
    /// 三、滞后指标: the red and yellow indicators (per place) with the causes and measures
    /// their responsible units entered.
    pub lagging: Vec<LaggingIndicator>,
    /// 四、月度排名: usually two, towns and departments. Chart (c), scores, is drawn from
    /// these.
    pub rankings: Vec<Ranking>,
    /// 五、督办情况.
    pub supervision: Supervision,
    /// 六、群众满意度调查, only when a survey was run in or for the quarter.
    pub survey: Option<Survey>,
    /// 服务达标: the share of the catalogue's items met per place, worst first, when the
    /// district has set its catalogue.
    #[serde(default)]
    pub compliance: Option<Compliance>,
    /// Chart (b): a trend per headline indicator against its yearly target path.
    pub trends: Vec<Trend>,
    /// 六、重点任务与重大项目: the key tasks' milestones and the projects' investment; the
    /// section is left out when both are empty.
    #[serde(default)]
    pub work: WorkProgress,
}

/// 六、重点任务与重大项目.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WorkProgress {
    /// The key tasks' milestones due in the quarter, done in it, or overdue at its end.
    pub milestones: Vec<MilestoneRow>,
    /// The programme's investment against the plan's total, in one sentence.
    pub investment: Option<String>,
    /// The major projects with the year's investment and light.
    pub projects: Vec<ProjectRow>,
}

/// One milestone of a key task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneRow {
    /// `1.2 普惠托育`.
    pub task: String,
    pub title: String,
    pub lead_unit: String,
    /// `2025-06-30`.
    pub due: String,
    /// 按期完成, 逾期完成, 逾期未完成, 未到期.
    pub state: String,
    /// Overdue at the quarter's end (not done by its date).
    pub late: bool,
}

/// One major project in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectRow {
    pub code: String,
    pub name: String,
    pub lead_unit: String,
    /// 在建, 已完工 …
    pub status: String,
    /// The year's planned and completed investment with units, e.g. `12000万元`.
    pub planned: String,
    pub completed: String,
    pub light: Light,
    /// The physical progress in words, e.g. `节点完成2/3个,逾期1个`.
    pub progress: String,
}

/// A status light of the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// 绿灯 · 达标: on or ahead of the time-proportional schedule.
    Green,
    /// 黄灯 · 预警: somewhat behind.
    Yellow,
    /// 红灯 · 滞后: well behind.
    Red,
    /// 灰 · 无数据: no figure, or no target this year.
    NoData,
}

impl Light {
    /// The word printed with the colour: 达标 / 预警 / 滞后 / 无数据.
    pub fn word(self) -> &'static str {
        match self {
            Light::Green => "达标",
            Light::Yellow => "预警",
            Light::Red => "滞后",
            Light::NoData => "无数据",
        }
    }
    /// The colour's name: 绿灯 / 黄灯 / 红灯 / 无数据.
    pub fn colour_name(self) -> &'static str {
        match self {
            Light::Green => "绿灯",
            Light::Yellow => "黄灯",
            Light::Red => "红灯",
            Light::NoData => "无数据",
        }
    }
    /// A mark that survives black-and-white printing: ● ▲ ■ ○.
    pub fn mark(self) -> &'static str {
        match self {
            Light::Green => "●",
            Light::Yellow => "▲",
            Light::Red => "■",
            Light::NoData => "○",
        }
    }
    /// The palette of the web pages (`crates/web/static/app.css`), as `RRGGBB`.
    pub fn hex(self) -> &'static str {
        match self {
            Light::Green => "1a7f37",
            Light::Yellow => "9a6700",
            Light::Red => "c62828",
            Light::NoData => "6e7781",
        }
    }
    /// All four, in display order.
    pub const ALL: [Light; 4] = [Light::Green, Light::Yellow, Light::Red, Light::NoData];
}

/// Counts of indicators (or indicator × place pairs) per light.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightCounts {
    /// 绿灯 · 达标.
    pub green: u32,
    /// 黄灯 · 预警.
    pub yellow: u32,
    /// 红灯 · 滞后.
    pub red: u32,
    /// 无数据.
    pub no_data: u32,
}

impl LightCounts {
    /// The count for one light.
    pub fn get(&self, l: Light) -> u32 {
        match l {
            Light::Green => self.green,
            Light::Yellow => self.yellow,
            Light::Red => self.red,
            Light::NoData => self.no_data,
        }
    }
    /// All four added.
    pub fn total(&self) -> u32 {
        self.green + self.yellow + self.red + self.no_data
    }
}

/// 一、总体情况.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The lights of the headline indicators at the place of the report.
    pub lights: LightCounts,
    /// What the counts are of, e.g. `20项核心指标`.
    pub counted: String,
    /// The key sentences, each a complete Chinese sentence with its units.
    pub key_points: Vec<String>,
}

/// One domain (领域) of the plan, e.g. 幼有善育.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DomainStatus {
    /// The plan's domain code, e.g. `YY`.
    pub code: String,
    /// The name, e.g. `幼有善育`.
    pub name: String,
    /// The lead unit, e.g. `区卫健局`.
    pub lead_unit: String,
    /// Counts per light of its indicators.
    pub lights: LightCounts,
    /// Its indicators, in plan order.
    pub indicators: Vec<IndicatorRow>,
    /// 重点任务目标: the quantified targets of its key tasks (the plan's `K…`), in plan
    /// order, each judged like an indicator (the target `…(推算)` where derived); printed
    /// as their own table under the indicators'.
    #[serde(default)]
    pub tasks: Vec<IndicatorRow>,
    /// Counts per light of its key-task targets.
    #[serde(default)]
    pub task_lights: LightCounts,
}

/// One indicator's status at the report's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    /// The plan's code, e.g. `T01`.
    pub code: String,
    /// The name, e.g. `每千人口拥有3岁以下婴幼儿托位数`.
    pub name: String,
    /// The unit, e.g. `个`, `%`, `万人`; empty for none.
    pub unit: String,
    /// This year's target exactly as the plan writes it: `4.5`, `<5`, `≥28.07`, `全覆盖`, `/`.
    pub target: String,
    /// The latest value, formatted with the plan's precision, without the unit; `None` when
    /// there is no figure.
    pub value: Option<String>,
    /// The period of the latest value, e.g. `2025年9月`.
    pub value_period: Option<String>,
    /// The value expected by now on the time-proportional schedule (序时进度), formatted,
    /// without the unit; `None` for milestones and indicators without a path.
    pub expected: Option<String>,
    /// The light.
    pub light: Light,
    /// A short reason, e.g. `应达4.38个,实际4.10个,落后6.4%`.
    pub reason: String,
    /// The pace still required to reach the final target, one sentence:
    /// `还需年均增长3.2%方能实现2027年目标`; `None` when it cannot be said.
    #[serde(default)]
    pub pace: Option<String>,
    /// 原目标: the target as the plan wrote it before a revision (方案调整) changed the
    /// one shown, e.g. `90%以上(2027年,2025-06-01调整)`; `None` when never revised.
    #[serde(default)]
    pub original_target: Option<String>,
}

/// One lagging (red or yellow) indicator at one place, with what its unit reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LaggingIndicator {
    /// The indicator's code.
    pub code: String,
    /// The indicator's name.
    pub name: String,
    /// The unit of value, expected and gap.
    pub unit: String,
    /// The place, e.g. `定海区` or `金塘镇`.
    pub place: String,
    /// Red or yellow.
    pub light: Light,
    /// The latest value, formatted, without unit.
    pub value: Option<String>,
    /// The value expected by now, formatted, without unit.
    pub expected: Option<String>,
    /// The gap in words with its unit, e.g. `落后0.28个(6.4%)`.
    pub gap: String,
    /// The responsible (lead) unit, e.g. `区卫健局`.
    pub lead_unit: String,
    /// 原因 as the unit entered it; `None` prints 未填报.
    pub cause: Option<String>,
    /// 措施 as the unit entered it; `None` prints 未填报.
    pub measures: Option<String>,
    /// A key task's target (重点任务目标, the plan's `K…`) rather than a headline indicator.
    #[serde(default)]
    pub key_task: bool,
    /// The target judged, as written (`≥75%(推算)` when derived); `None` when not said.
    #[serde(default)]
    pub target: Option<String>,
}

/// What a ranking ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RankingKind {
    /// 镇(街道).
    Town,
    /// 部门.
    Department,
}

/// One monthly ranking (月排名).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// Towns or departments.
    pub kind: RankingKind,
    /// The caption, e.g. `镇(街道)月度排名`.
    pub title: String,
    /// The month ranked, e.g. `2025年9月`.
    pub period: String,
    /// The unit of the score, e.g. `分`.
    pub score_unit: String,
    /// The rule in words, printed with the ranking.
    pub rule: String,
    /// The rows in rank order.
    pub rows: Vec<RankRow>,
}

/// One ranked unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankRow {
    /// The rank; ties share a rank.
    pub rank: u32,
    /// The town or department, e.g. `金塘镇`, `区卫健局`.
    pub unit: String,
    /// The score; `None` when the unit had no data to score (listed, not scored zero).
    pub score: Option<f64>,
    /// The change of rank against the previous month.
    pub change: RankChange,
    /// Flags, e.g. `连续两月后三位`.
    pub flags: Vec<String>,
}

/// Change of rank against the previous month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "dir", content = "by")]
pub enum RankChange {
    /// Moved up by this many places (↑2).
    Up(u32),
    /// Moved down by this many places (↓1).
    Down(u32),
    /// Same place (–).
    Same,
    /// Not ranked last month (新).
    New,
}

impl RankChange {
    /// `↑2`, `↓1`, `–`, `新`.
    pub fn text(self) -> String {
        match self {
            RankChange::Up(n) => format!("↑{n}"),
            RankChange::Down(n) => format!("↓{n}"),
            RankChange::Same => "–".into(),
            RankChange::New => "新".into(),
        }
    }
}

/// 五、督办情况: supervision orders of the quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supervision {
    /// What the statistics cover, e.g. `2025年7月1日至9月30日立项的督办单`.
    pub scope: String,
    /// One row per unit.
    pub units: Vec<SupervisionRow>,
    /// The totals row (its `unit` is usually `合计`).
    pub totals: SupervisionRow,
    /// The orders that are past their deadline and still open.
    pub overdue_open: Vec<OverdueOrder>,
}

/// Supervision statistics of one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisionRow {
    /// The unit.
    pub unit: String,
    /// Orders raised (件).
    pub raised: u32,
    /// Orders closed (审结通过) (件).
    pub closed: u32,
    /// Orders overdue (件): closed late or open past the deadline.
    pub overdue: u32,
    /// Closure rate in percent; `None` when nothing was raised.
    pub closure_rate: Option<f64>,
    /// Overdue rate in percent; `None` when nothing was raised.
    pub overdue_rate: Option<f64>,
}

/// An open supervision order past its deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueOrder {
    /// The order's number, e.g. `DB-2025-031`.
    pub number: String,
    /// What it is about.
    pub subject: String,
    /// The lead unit.
    pub lead_unit: String,
    /// The deadline, e.g. `2025-09-10`.
    pub deadline: String,
    /// Days past the deadline as of the report date.
    pub days_overdue: u32,
    /// The state, e.g. `办理中`.
    pub state: String,
    /// The escalation level reached, e.g. `一级催办`.
    pub escalation: Option<String>,
}

/// 六、群众满意度调查.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    /// The survey's name, e.g. `2025年第3季度公共服务满意度抽样调查`.
    pub title: String,
    /// How it was run, e.g. `电话随机抽样,置信水平95%`.
    pub method: String,
    /// One row per item.
    pub items: Vec<SurveyItem>,
}

/// 服务达标: the catalogue edition's items met per place in the quarter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compliance {
    /// The edition and how it was judged (the straight-line estimate named).
    pub intro: String,
    /// The district first, then the towns worst first.
    pub rows: Vec<ComplianceRow>,
}

/// One place's share of items met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceRow {
    pub place: String,
    pub met: u32,
    pub not_met: u32,
    pub no_data: u32,
    /// Met ÷ (met + not met), %; `None` without a judged item.
    pub share: Option<f64>,
}

/// One surveyed item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyItem {
    /// The item, e.g. `托育服务`.
    pub item: String,
    /// The satisfaction index, 0–100 (分).
    pub index: f64,
    /// The number of respondents (人).
    pub n: u32,
    /// The margin of error at the stated confidence, in index points (±分).
    pub margin: f64,
}

/// Chart (b): one headline indicator over time against the plan's path and the
/// within-year schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// The indicator's code.
    pub code: String,
    /// The indicator's name.
    pub name: String,
    /// The unit of the values.
    pub unit: String,
    /// The light now.
    pub light: Light,
    /// The x axis: period labels, e.g. `2024-12`, `2025-03` … or `2025年第1季度`.
    pub periods: Vec<String>,
    /// Where each period ends on the time axis, in years: `2025.25` is the end of March
    /// 2025, `2025.0` the end of 2024. Empty: the periods evenly spaced.
    #[serde(default)]
    pub at: Vec<f64>,
    /// The actual values, one per period (`None` for a gap).
    pub actual: Vec<Option<f64>>,
    /// The within-year schedule (序时进度), one per period (`None` where there is none).
    /// Each year's part is its own dashed line: a year starts from its own start value.
    pub schedule: Vec<Option<f64>>,
    /// The plan's path: the baseline and the yearly targets, each at its year's end; the
    /// chart shows the part within its time axis.
    #[serde(default)]
    pub plan: Vec<PlanPoint>,
    /// Whether the plan's points are joined: not for an amount counted from each January
    /// (a flow reported year-to-date), which restarts every year.
    #[serde(default = "joined")]
    pub plan_joined: bool,
    /// Where the time axis ends, in the units of `at` (the end of the report's year, so that
    /// its target shows); `None`: at the last period.
    #[serde(default)]
    pub axis_end: Option<f64>,
}

fn joined() -> bool {
    true
}

/// One point of the plan's path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanPoint {
    /// The year whose end the point marks.
    pub year: i32,
    pub value: f64,
    /// `基期` or `目标 ≥28.07` — how the data table names it.
    pub label: String,
    /// Whether the path comes to this point from the one before: not to a bound the level
    /// before already keeps (4.7 % then `<5` is a ceiling, not a rise).
    #[serde(default = "joined")]
    pub joined: bool,
}

impl QuarterlyReport {
    /// Checks what the renderers rely on: each trend's series match its periods.
    pub fn check(&self) -> Result<(), ReportError> {
        for t in &self.trends {
            if t.actual.len() != t.periods.len()
                || t.schedule.len() != t.periods.len()
                || !(t.at.is_empty() || t.at.len() == t.periods.len())
            {
                return Err(ReportError::Data(format!(
                    "趋势 {} 的期数（{}）与实际值（{}）、序时进度（{}）、时间位置（{}）个数不一致",
                    t.code,
                    t.periods.len(),
                    t.actual.len(),
                    t.schedule.len(),
                    t.at.len()
                )));
            }
        }
        Ok(())
    }
}

/// Renders the report as one self-contained HTML page: inline CSS and SVG, no external
/// assets and no script (it passes a strict Content-Security-Policy with `style-src
/// 'unsafe-inline'` or a hash), with a print stylesheet for A4.
pub fn render_html(r: &QuarterlyReport) -> String {
    html::render(&doc::document(r))
}

/// Renders the report as an A4 PDF with the given CJK font (subset and embedded), charts as
/// vector drawings, a running header and 第 N 页 / 共 M 页 in the footer.
pub fn render_pdf(r: &QuarterlyReport, fonts: &FontSource) -> Result<Vec<u8>, ReportError> {
    r.check()?;
    pdf::render(&doc::document(r), fonts)
}

/// Renders the report as an editable Word document (.docx) that Word, WPS and LibreOffice
/// open: real heading styles (标题 1/2, so the navigation pane and a table of contents work),
/// real tables, page numbers in the footer. The charts are PNG pictures drawn with the
/// system's CJK font ([`find_cjk_font`]); when there is none they appear as their data
/// tables instead.
pub fn render_docx(r: &QuarterlyReport) -> Result<Vec<u8>, ReportError> {
    let fonts = find_cjk_font().ok();
    render_docx_with(r, fonts.as_ref())
}

/// Like [`render_docx`] with the font for the chart pictures given; `None` gives the charts
/// as data tables.
pub fn render_docx_with(
    r: &QuarterlyReport,
    fonts: Option<&FontSource>,
) -> Result<Vec<u8>, ReportError> {
    r.check()?;
    docx::render(&doc::document(r), fonts)
}

/// Number formatting and wording used by the document model and the charts.
pub(crate) mod fmt {
    use super::*;

    /// `4.10个`, `65.2%`, or `—` when absent.
    pub fn with_unit(v: Option<&str>, unit: &str) -> String {
        match v {
            Some(v) if !v.is_empty() => format!("{v}{unit}"),
            _ => "—".into(),
        }
    }

    /// The target as written with its unit: `4.5个`, `<5%`, `全覆盖`, `/`.
    pub fn target(t: &str, unit: &str) -> String {
        let t = t.trim();
        if t.is_empty() || t == "/" {
            return "/".into();
        }
        // A target written with its unit (`600人以上`, `76.5%(推算)`) keeps it once; a bare
        // number gets the unit, before a `(推算)` mark when there is one.
        if !t.chars().any(|c| c.is_ascii_digit()) || (!unit.is_empty() && t.contains(unit)) {
            return t.into();
        }
        for mark in ["(推算)", "（推算）"] {
            if let Some(number) = t.strip_suffix(mark) {
                return format!("{number}{unit}{mark}");
            }
        }
        format!("{t}{unit}")
    }

    /// A number with `d` decimals.
    pub fn num(v: f64, d: usize) -> String {
        format!("{v:.d$}")
    }

    /// A percentage with one decimal, or `—`.
    pub fn pct(v: Option<f64>) -> String {
        v.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
    }

    /// A score with its unit, or `无数据`.
    pub fn score(v: Option<f64>, unit: &str) -> String {
        v.map(|v| format!("{v:.1}{unit}"))
            .unwrap_or_else(|| "无数据".into())
    }

    /// The light as printed in tables: `● 达标`.
    pub fn light(l: Light) -> String {
        format!("{} {}", l.mark(), l.word())
    }

    /// `绿灯 12 项 · 黄灯 5 项 · …` for a domain heading.
    pub fn counts(c: &LightCounts) -> String {
        Light::ALL
            .iter()
            .map(|l| format!("{}{}项", l.colour_name(), c.get(*l)))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// `未填报` for a missing entry.
    pub fn entered(v: &Option<String>) -> String {
        match v {
            Some(s) if !s.trim().is_empty() => s.clone(),
            _ => "未填报".into(),
        }
    }

    /// Chinese ordinal for sub-headings: （一）（二）…
    pub fn ordinal(i: usize) -> String {
        const N: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
        if i < 10 {
            format!("（{}）", N[i])
        } else {
            format!("（{}）", i + 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fmt::target;

    #[test]
    fn a_target_shows_its_unit_once() {
        assert_eq!(target("4.5", "个"), "4.5个");
        assert_eq!(target("<5", "%"), "<5%");
        assert_eq!(target("600人以上", "人"), "600人以上");
        assert_eq!(target("76.5%(推算)", "%"), "76.5%(推算)");
        assert_eq!(target("2(推算)", "家"), "2家(推算)");
        assert_eq!(target("全覆盖", "%"), "全覆盖");
        assert_eq!(target(" / ", "%"), "/");
    }
}
