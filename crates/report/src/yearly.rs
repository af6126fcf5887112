//! 年度监测评估报告 (and the mid-term one): the year's results of every indicator and
//! key-task target against its target, the progress toward the final year, the key tasks'
//! milestones and the projects, the causes of what was missed, and next year's measures
//! as each lead unit entered them. Plain data ([`YearlyReport`]), turned into the same
//! document model as the quarterly report (`doc.rs`), so the HTML, PDF and Word renderers
//! work unchanged.

use serde::{Deserialize, Serialize};

use crate::doc::{Align, Block, Cell, Document, Section, Table, Tile, c, section};
use crate::{Light, ReportError, WorkProgress, fmt};
use Align::{Center as C, Left as L};

/// The whole content of one yearly (or mid-term) evaluation report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearlyReport {
    /// `定海区“七优享”工程2024年度监测评估报告`.
    pub title: String,
    pub programme: String,
    pub place: String,
    /// The year evaluated, e.g. `2024年`.
    pub year: String,
    /// The mid-term evaluation (中期评估) rather than a yearly one.
    pub midterm: bool,
    /// The date the figures stand at, e.g. `2024年12月31日`.
    pub as_of: String,
    pub generated_at: String,
    pub issuer: String,
    pub data_note: Option<String>,
    /// 一、总体情况: the key sentences.
    pub key_points: Vec<String>,
    /// The year results of all rows: 达标 (green), 未达标 (red), 无数据 and 无目标 (grey).
    pub met: u32,
    pub not_met: u32,
    pub no_data: u32,
    /// 二、各领域目标完成情况, in plan order.
    pub domains: Vec<YearDomain>,
    /// 三、重点任务与重大项目.
    #[serde(default)]
    pub work: WorkProgress,
    /// 四、未达标指标及原因.
    pub missed: Vec<MissedTarget>,
    /// 五、下一年度细化措施.
    pub measures: YearMeasures,
}

/// One domain's rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearDomain {
    pub name: String,
    pub lead_unit: String,
    pub rows: Vec<YearRow>,
}

/// One indicator (or key-task target) for the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// A key task's target (重点任务目标) rather than a headline indicator.
    pub key_task: bool,
    /// The year's target as judged (`≥75%(推算)` when derived), `/` for none.
    pub target: String,
    /// 原目标 where a revision changed it.
    pub original_target: Option<String>,
    /// The year's figure, formatted, without the unit.
    pub value: Option<String>,
    /// 达标 / 未达标 / 无数据 / 无目标 (or a milestone's words).
    pub result: String,
    /// Green for met, red for not met, grey otherwise.
    pub light: Light,
    /// The comparison in words: `实际值 30 满足目标“≥28.07” → 达标`.
    pub comparison: String,
    /// The progress toward the final target (Open SDG measure), e.g. `显著进展(得分4.2)`.
    pub progress: String,
    /// The pace still required, one sentence, when it can be said.
    pub pace: Option<String>,
}

/// A target missed in the year with what its lead unit said of the cause.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissedTarget {
    pub code: String,
    pub name: String,
    pub key_task: bool,
    pub lead_unit: String,
    /// `实际值 4.1 未满足目标“4.5” → 未达标`.
    pub comparison: String,
    pub cause: Option<String>,
    pub measures: Option<String>,
}

/// 五、下一年度细化措施: one entry per lead unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearMeasures {
    /// The year the measures are for, e.g. `2025年`.
    pub next_year: String,
    /// The deadline, e.g. `2025年2月1日`.
    pub deadline: String,
    pub units: Vec<UnitMeasures>,
}

/// One lead unit's measures for next year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitMeasures {
    pub unit: String,
    /// What it leads, e.g. `幼有善育;指标3项、重点任务目标5项`.
    pub leads: String,
    /// The text as entered; `None` prints 未填报.
    pub text: Option<String>,
    /// When entered (Beijing time), with 逾期 when after the deadline.
    pub entered: Option<String>,
    pub late: bool,
}

impl YearlyReport {
    fn kind(&self) -> &'static str {
        if self.midterm {
            "中期评估报告"
        } else {
            "年度监测评估报告"
        }
    }
}

/// The yearly report as a document.
pub(crate) fn document(r: &YearlyReport) -> Document<'_> {
    let mut sections = vec![summary(r), domains(r)];
    let has_work = !r.work.milestones.is_empty() || !r.work.projects.is_empty();
    let mut n = 3;
    let ord = |n: usize| ["一", "二", "三", "四", "五", "六", "七"][n - 1];
    if has_work {
        sections.push(crate::doc::work_section(
            &r.work,
            &format!("{}、重点任务与重大项目", ord(n)),
            "本年到期、完成或截至年末逾期的节点",
        ));
        n += 1;
    }
    sections.push(missed(r, &format!("{}、未达标指标及原因", ord(n))));
    n += 1;
    sections.push(measures(r, &format!("{}、下一年度细化措施", ord(n))));
    Document {
        title: r.title.clone(),
        subtitle: format!(
            "{} · {}{} · 数据截至{}",
            r.issuer,
            r.year,
            r.kind(),
            r.as_of
        ),
        generated: format!("生成时间：{}", r.generated_at),
        data_note: r.data_note.clone(),
        page_head: format!("{}{}", r.year, r.kind()),
        page_foot: r.place.clone(),
        description: format!("{} {} {}", r.place, r.year, r.kind()),
        sections,
        signature: vec![r.issuer.clone(), r.generated_at.clone()],
    }
}

fn summary(r: &YearlyReport) -> Section<'_> {
    let tile = |light: Light, n: u32, label: &str| Tile {
        light,
        number: n.to_string(),
        unit: "项".into(),
        label: format!("{} {label}", light.mark()),
    };
    section(
        "summary",
        "一、总体情况",
        vec![
            Block::Tiles(vec![
                tile(Light::Green, r.met, "达标"),
                tile(Light::Red, r.not_met, "未达标"),
                tile(Light::NoData, r.no_data, "无数据或无目标"),
            ]),
            Block::List(r.key_points.clone()),
        ],
    )
}

fn domains(r: &YearlyReport) -> Section<'_> {
    let cols = [
        ("编码", 34.0, C),
        ("指标", 110.0, L),
        ("年度目标", 66.0, L),
        ("年度值", 52.0, L),
        ("结果", 46.0, C),
        ("比较", 100.0, L),
        ("迈向期末目标", 95.0, L),
    ];
    let subs = r
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let row = |x: &YearRow| {
                let target = fmt::target(&x.target, &x.unit);
                vec![
                    c(&x.code),
                    c(if x.key_task {
                        format!("{}（{}，重点任务目标）", x.name, x.unit)
                    } else {
                        format!("{}（{}）", x.name, x.unit)
                    }),
                    c(match &x.original_target {
                        Some(o) => format!("{target}（原目标{o}）"),
                        None => target,
                    }),
                    c(fmt::with_unit(x.value.as_deref(), &x.unit)),
                    Cell {
                        color: Some(x.light),
                        ..c(format!("{} {}", x.light.mark(), x.result))
                    },
                    c(&x.comparison),
                    c(match &x.pace {
                        // No progress measure (no baseline) but a pace: the pace alone, not
                        // "无法评估；还需…", which reads as a contradiction.
                        Some(p) if x.progress == "无法评估" => p.clone(),
                        Some(p) => format!("{}；{p}", x.progress),
                        None => x.progress.clone(),
                    }),
                ]
            };
            let met = d.rows.iter().filter(|x| x.light == Light::Green).count();
            let missed = d.rows.iter().filter(|x| x.light == Light::Red).count();
            section(
                "",
                format!("{}{}（牵头单位：{}）", fmt::ordinal(i), d.name, d.lead_unit),
                vec![
                    Block::Note(format!(
                        "共{}项：达标{met}项，未达标{missed}项，其余{}项无数据或无目标。",
                        d.rows.len(),
                        d.rows.len() - met - missed
                    )),
                    Block::Table(Table::new(&cols, d.rows.iter().map(row).collect())),
                ],
            )
        })
        .collect();
    Section {
        subsections: subs,
        ..section(
            "domains",
            "二、各领域目标完成情况",
            vec![Block::Note(
                "结果按本年目标判断（方案只写期末目标的，本年目标为推算值，标“推算”）；“迈向期末目标”为进展测度（Open SDG 方法）及实现期末目标尚需的年均进度。"
                    .into(),
            )],
        )
    }
}

fn missed<'a>(r: &'a YearlyReport, heading: &str) -> Section<'a> {
    if r.missed.is_empty() {
        return section(
            "missed",
            heading.to_string(),
            vec![Block::Text(format!("{}无未达标的指标。", r.year))],
        );
    }
    let entered = |v: &Option<String>| match fmt::entered(v) {
        t if t == "未填报" => Cell::alarm(t),
        t => c(t),
    };
    let rows = r.missed.iter().map(|m| {
        vec![
            c(if m.key_task {
                format!("{} {}（重点任务目标）", m.code, m.name)
            } else {
                format!("{} {}", m.code, m.name)
            }),
            c(&m.lead_unit),
            c(&m.comparison),
            entered(&m.cause),
            entered(&m.measures),
        ]
    });
    let cols = [
        ("指标", 100.0, L),
        ("牵头单位", 60.0, L),
        ("差距", 100.0, L),
        ("原因", 120.0, L),
        ("措施", 120.0, L),
    ];
    section(
        "missed",
        heading.to_string(),
        vec![
            Block::Note("原因和措施取自问题清单中牵头单位填报的内容（本年最新一条）。".into()),
            Block::Table(Table::new(&cols, rows.collect())),
        ],
    )
}

fn measures<'a>(r: &'a YearlyReport, heading: &str) -> Section<'a> {
    let m = &r.measures;
    let missing = m.units.iter().filter(|u| u.text.is_none()).count();
    let rows = m.units.iter().map(|u| {
        let when = match (&u.entered, u.late) {
            (Some(w), true) => Cell::alarm(format!("{w}（逾期）")),
            (Some(w), false) => c(w),
            (None, _) => c("—"),
        };
        let text = match &u.text {
            Some(t) if !t.trim().is_empty() => c(t),
            _ => Cell::alarm("未填报"),
        };
        vec![c(&u.unit), c(&u.leads), text, when]
    });
    let cols = [
        ("牵头单位", 70.0, L),
        ("牵头范围", 100.0, L),
        ("细化措施", 230.0, L),
        ("填报时间", 80.0, L),
    ];
    section(
        "measures",
        heading.to_string(),
        vec![
            Block::Note(format!(
                "各牵头单位按年度提出{}细化措施，填报截止{}；{}个单位中未填报{missing}个。",
                m.next_year,
                m.deadline,
                m.units.len()
            )),
            Block::Table(Table::new(&cols, rows.collect())),
        ],
    )
}

/// Renders the yearly report as one self-contained HTML page (as [`crate::render_html`]).
pub fn render_yearly_html(r: &YearlyReport) -> String {
    crate::html::render(&document(r))
}

/// Renders the yearly report as an A4 PDF (as [`crate::render_pdf`]).
pub fn render_yearly_pdf(
    r: &YearlyReport,
    fonts: &crate::FontSource,
) -> Result<Vec<u8>, ReportError> {
    crate::pdf::render(&document(r), fonts)
}

/// Renders the yearly report as a Word document (as [`crate::render_docx`]).
pub fn render_yearly_docx(r: &YearlyReport) -> Result<Vec<u8>, ReportError> {
    let fonts = crate::find_cjk_font().ok();
    crate::docx::render(&document(r), fonts.as_ref())
}
