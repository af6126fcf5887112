//! The report as a small format-neutral document: sections of headings, paragraphs, tables
//! and charts. [`document`] decides everything the reader sees — the wording, the numbers
//! with their units, the order, the tables and the charts of every section — once; the HTML,
//! PDF and docx renderers only walk a [`Document`] and know nothing of the quarterly report.

use crate::draw::{self, Drawing, light_label, short_num};
use crate::{Light, QuarterlyReport, RankChange, Trend, fmt};
use Align::{Center as C, Left as L, Right as R};

/// A whole document.
pub struct Document<'a> {
    pub title: String,
    /// The line under the title: who, which quarter, as of when.
    pub subtitle: String,
    /// The smaller line under it: when it was generated.
    pub generated: String,
    /// A warning under the title and in every footer, e.g. that the data are a demo.
    pub data_note: Option<String>,
    /// The running header's right part (the title is its left).
    pub page_head: String,
    /// The footer's right part.
    pub page_foot: String,
    /// A one-line description for the file's metadata.
    pub description: String,
    pub sections: Vec<Section<'a>>,
    /// The closing lines, right-aligned: issuer and date.
    pub signature: Vec<String>,
}

/// A numbered section (一、…); its subsections (（一）…) come after its own blocks.
pub struct Section<'a> {
    /// An anchor name for the section.
    pub id: &'static str,
    pub heading: String,
    /// Keep the heading and the whole section on one page when it fits on one (a hint for
    /// formats that lay out pages: the PDF).
    pub keep: bool,
    pub blocks: Vec<Block<'a>>,
    pub subsections: Vec<Section<'a>>,
}

pub enum Block<'a> {
    /// A body paragraph.
    Text(String),
    /// A small grey paragraph: scope, rule, legend.
    Note(String),
    /// A numbered list.
    List(Vec<String>),
    /// Big numbers in a row, each with its light: the counts per light.
    Tiles(Vec<Tile>),
    Table(Table),
    Figure(Figure<'a>),
}

/// One big number: `10` `项` over `● 绿灯/达标`, in the light's colour.
pub struct Tile {
    pub light: Light,
    pub number: String,
    pub unit: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
    Right,
}

pub struct Column {
    pub title: String,
    /// Relative width (the parts are points of the A4 text width).
    pub width: f32,
    pub align: Align,
}

/// A table cell; a colour is one of the lights' and always goes with a word or mark.
pub struct Cell {
    pub text: String,
    pub color: Option<Light>,
    pub bold: bool,
}

impl Cell {
    pub(crate) fn light(l: Light) -> Cell {
        Cell {
            color: Some(l),
            ..Cell::alarm(fmt::light(l))
        }
    }
    /// Red and bold: a missing entry, days overdue.
    pub(crate) fn alarm(t: impl Into<String>) -> Cell {
        Cell {
            color: Some(Light::Red),
            bold: true,
            ..c(t)
        }
    }
    pub(crate) fn colored(self, l: Option<Light>) -> Cell {
        Cell { color: l, ..self }
    }
}

pub(crate) fn c(t: impl Into<String>) -> Cell {
    Cell {
        text: t.into(),
        color: None,
        bold: false,
    }
}

pub struct Table {
    /// A line above the table naming it.
    pub caption: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// The last row is a totals row (bold, shaded).
    pub total_row: bool,
}

impl Table {
    pub(crate) fn new(columns: &[(&str, f32, Align)], rows: Vec<Vec<Cell>>) -> Table {
        let columns = columns
            .iter()
            .map(|(t, w, a)| Column {
                title: t.to_string(),
                width: *w,
                align: *a,
            })
            .collect();
        Table {
            caption: None,
            columns,
            rows,
            total_row: false,
        }
    }
    /// The widths scaled to add up to `total`.
    pub fn widths(&self, total: f32) -> Vec<f32> {
        let sum: f32 = self.columns.iter().map(|c| c.width).sum::<f32>().max(1.0);
        self.columns.iter().map(|c| c.width * total / sum).collect()
    }
}

/// Charts side by side, `per_row` to a row, with an optional caption under them all.
pub struct Figure<'a> {
    /// How to read the pictures (a legend), printed above them; not with their data tables.
    pub legend: Option<String>,
    pub charts: Vec<Chart<'a>>,
    pub per_row: usize,
    pub caption: Option<String>,
}

/// A chart, drawn at the width the format gives it.
pub struct Chart<'a> {
    draw: Box<dyn Fn(f32) -> Drawing + 'a>,
    /// Its drawing's title is printed as its caption.
    pub captioned: bool,
    /// Its data as a table: shown where the picture cannot be drawn, and on demand in HTML.
    pub data: Option<Table>,
}

impl<'a> Chart<'a> {
    fn new(draw: impl Fn(f32) -> Drawing + 'a, captioned: bool, data: Option<Table>) -> Self {
        Chart {
            draw: Box::new(draw),
            captioned,
            data,
        }
    }
    pub fn draw(&self, width: f32) -> Drawing {
        (self.draw)(width)
    }
}

impl<'a> Figure<'a> {
    fn one(chart: Chart<'a>) -> Block<'a> {
        Block::Figure(Figure {
            legend: None,
            charts: vec![chart],
            per_row: 1,
            caption: None,
        })
    }
}

pub(crate) fn section<'a>(
    id: &'static str,
    heading: impl Into<String>,
    blocks: Vec<Block<'a>>,
) -> Section<'a> {
    Section {
        id,
        heading: heading.into(),
        keep: false,
        blocks,
        subsections: Vec::new(),
    }
}

/// The quarterly report as a document.
pub fn document(r: &QuarterlyReport) -> Document<'_> {
    let mut sections = vec![
        summary(r),
        domains(r),
        lagging(r),
        rankings(r),
        supervision(r),
    ];
    sections.extend(work(r));
    sections.extend(survey(r));
    let n = sections.len();
    sections.extend(compliance(r, n + 1));
    Document {
        title: r.title.clone(),
        subtitle: format!("{} · {} · 数据截至{}", r.issuer, r.quarter, r.as_of),
        generated: format!("生成时间：{}", r.generated_at),
        data_note: r.data_note.clone(),
        page_head: format!("数据截至{}", r.as_of),
        page_foot: r.place.clone(),
        description: format!("{} {} 季度分析报告", r.place, r.quarter),
        sections,
        signature: vec![r.issuer.clone(), r.generated_at.clone()],
    }
}

/// 一、总体情况: the counts per light, the key points, chart (a).
fn summary(r: &QuarterlyReport) -> Section<'_> {
    let s = &r.summary;
    let label = |l: Light| format!("{} {}", l.mark(), light_label(l));
    let tiles = Light::ALL.map(|l| Tile {
        light: l,
        number: s.lights.get(l).to_string(),
        unit: "项".into(),
        label: label(l),
    });
    let head: Vec<String> = Light::ALL.iter().map(|l| label(*l)).collect();
    let mut cols = vec![("领域", 3.0, L)];
    cols.extend(head.iter().map(|h| (h.as_str(), 2.0, R)));
    cols.push(("合计", 2.0, R));
    let rows = r.domains.iter().map(|d| {
        let n = Light::ALL.iter().map(|l| d.lights.get(*l));
        std::iter::once(c(&d.name))
            .chain(n.chain([d.lights.total()]).map(|n| c(format!("{n}项"))))
            .collect()
    });
    let data = Table::new(&cols, rows.collect());
    let chart = Chart::new(move |w| draw::domain_lights(r, w), true, Some(data));
    section(
        "summary",
        "一、总体情况",
        vec![
            Block::Tiles(tiles.into()),
            Block::Note(format!(
                "统计口径：{}（共{}项）。",
                s.counted,
                s.lights.total()
            )),
            Block::List(s.key_points.clone()),
            Figure::one(chart),
        ],
    )
}

/// 二、各领域进展: a table per domain, then chart (b), the trends.
fn domains(r: &QuarterlyReport) -> Section<'_> {
    let cols = [
        ("编码", 30.0, C),
        ("指标", 116.0, L),
        ("年度目标", 60.0, R),
        ("当前值", 62.0, R),
        ("序时进度", 62.0, R),
        ("状态", 46.0, C),
        ("说明", 107.0, L),
    ];
    let mut subs: Vec<Section> = r
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let heading = format!("{}{}（牵头单位：{}）", fmt::ordinal(i), d.name, d.lead_unit);
            let counts = Block::Note(fmt::counts(&d.lights));
            let table = Block::Table(Table::new(&cols, d.indicators.iter().map(indicator_cells).collect()));
            let mut blocks = vec![counts, table];
            if !d.tasks.is_empty() {
                blocks.push(Block::Note(format!(
                    "重点任务目标{}项：{}。标“推算”的年度目标由方案的期末目标按基期逐年推算，非方案原文。",
                    d.tasks.len(),
                    fmt::counts(&d.task_lights)
                )));
                blocks.push(Block::Table(Table {
                    caption: Some(format!("{}重点任务目标", d.name)),
                    ..Table::new(&cols, d.tasks.iter().map(indicator_cells).collect())
                }));
            }
            section("", heading, blocks)
        })
        .collect();
    if !r.trends.is_empty() {
        let charts = r.trends.iter().map(|t| {
            Chart::new(
                move |w| draw::trend(t, w, 164.0),
                false,
                Some(trend_data(t)),
            )
        });
        let legend = "蓝色实线为实际值；灰色实线及空心圆点为规划目标路径（基期值和各年度目标，标在年末）；紫色虚线为序时进度（每年自年初值起算，逐年分段）；图中末点标注最新值及单位。";
        let figure = Figure {
            legend: Some(legend.into()),
            charts: charts.collect(),
            per_row: 2,
            caption: Some(format!("图2 核心指标趋势与目标路径（{}）", r.quarter)),
        };
        subs.push(section(
            "",
            format!("{}核心指标趋势", fmt::ordinal(r.domains.len())),
            vec![Block::Figure(figure)],
        ));
    }
    Section {
        subsections: subs,
        ..section("domains", "二、各领域进展", Vec::new())
    }
}

/// One indicator's (or key-task target's) row of a domain's table: the target judged with
/// 原目标 beside it where a revision changed it.
fn indicator_cells(x: &crate::IndicatorRow) -> Vec<Cell> {
    let target = fmt::target(&x.target, &x.unit);
    vec![
        c(&x.code),
        c(format!("{}（{}）", x.name, x.unit)),
        c(match &x.original_target {
            Some(o) => format!("{target}（原目标{o}）"),
            None => target,
        }),
        c(fmt::with_unit(x.value.as_deref(), &x.unit)),
        c(fmt::with_unit(x.expected.as_deref(), &x.unit)),
        Cell::light(x.light),
        c(match &x.pace {
            Some(p) => format!("{}；{p}", x.reason),
            None => x.reason.clone(),
        }),
    ]
}

/// A trend's values per period, as a table: the actual figure and the schedule of each
/// period, and the plan's points the chart shows, each in its place in time (a point at a
/// year's end shares the row of a period ending there).
fn trend_data(t: &Trend) -> Table {
    let n = |v: &Option<f64>| v.map(short_num).unwrap_or_else(|| "—".into());
    let window = draw::trend_window(t);
    let mut rows: Vec<(f64, Vec<Cell>)> = t
        .periods
        .iter()
        .zip(t.actual.iter().zip(&t.schedule))
        .enumerate()
        .map(|(i, (p, (a, g)))| {
            let x = if window.is_some() { t.at[i] } else { i as f64 };
            (x, vec![c(p), c(n(a)), c(n(g)), c("—")])
        })
        .collect();
    if let Some((lo, hi)) = window {
        for p in &t.plan {
            let x = p.year as f64 + 1.0;
            if !p.value.is_finite() || x < lo - 1e-9 || x > hi + 1e-9 {
                continue;
            }
            let value = c(format!("{}（{}）", short_num(p.value), p.label));
            match rows.iter_mut().find(|(rx, _)| (rx - x).abs() < 0.002) {
                Some((_, cells)) => cells[3] = value,
                None => rows.push((x, vec![c(format!("{}年末", p.year)), c("—"), c("—"), value])),
            }
        }
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let (actual, schedule, path) = (
        format!("实际值（{}）", t.unit),
        format!("序时进度（{}）", t.unit),
        format!("规划目标路径（{}）", t.unit),
    );
    let cols = [
        ("期别", 3.0, L),
        (&*actual, 3.0, R),
        (&*schedule, 3.0, R),
        (&*path, 4.0, R),
    ];
    Table {
        caption: Some(format!(
            "{} {}（{}） {}",
            t.code,
            t.name,
            t.unit,
            fmt::light(t.light)
        )),
        ..Table::new(&cols, rows.into_iter().map(|(_, r)| r).collect())
    }
}

/// 三、滞后指标: one row per red or yellow indicator and place, with what its unit entered.
fn lagging(r: &QuarterlyReport) -> Section<'_> {
    if r.lagging.is_empty() {
        let none = Block::Text("本季度无红灯、黄灯指标。".into());
        return section("lagging", "三、滞后指标及原因、措施", vec![none]);
    }
    let entered = |v: &Option<String>| match fmt::entered(v) {
        t if t == "未填报" => Cell::alarm(t),
        t => c(t),
    };
    let rows = r.lagging.iter().map(|g| {
        vec![
            c(if g.key_task {
                format!("{} {}（重点任务目标）", g.code, g.name)
            } else {
                format!("{} {}", g.code, g.name)
            }),
            c(&g.place),
            Cell::light(g.light),
            c(format!(
                "{}当前{}，序时{}；{}",
                g.target
                    .as_deref()
                    .map(|t| format!("目标{}，", fmt::target(t, &g.unit)))
                    .unwrap_or_default(),
                fmt::with_unit(g.value.as_deref(), &g.unit),
                fmt::with_unit(g.expected.as_deref(), &g.unit),
                g.gap
            )),
            c(&g.lead_unit),
            entered(&g.cause),
            entered(&g.measures),
        ]
    });
    let cols = [
        ("指标", 78.0, L),
        ("地区", 62.0, L),
        ("状态", 46.0, C),
        ("差距", 74.0, L),
        ("牵头单位", 55.0, L),
        ("原因", 84.0, L),
        ("措施", 84.0, L),
    ];
    let table = Table::new(&cols, rows.collect());
    section(
        "lagging",
        "三、滞后指标及原因、措施",
        vec![Block::Table(table)],
    )
}

/// 四、月度排名: per ranking its table, its rule and chart (c).
fn rankings(r: &QuarterlyReport) -> Section<'_> {
    let cols = [
        ("名次", 40.0, C),
        ("单位", 100.0, L),
        ("得分", 70.0, R),
        ("名次变化", 60.0, C),
        ("标记", 213.0, L),
    ];
    let subs = r.rankings.iter().enumerate().map(|(i, rk)| {
        let rows = rk.rows.iter().map(|x| {
            let moved = match x.change {
                RankChange::Up(_) => Some(Light::Green),
                RankChange::Down(_) => Some(Light::Red),
                _ => None,
            };
            let rank = match x.rank {
                0 => "—".to_string(),
                n => n.to_string(),
            };
            vec![
                c(rank),
                c(&x.unit),
                c(fmt::score(x.score, &rk.score_unit)),
                c(x.change.text()).colored(moved),
                c(x.flags.join("；")).colored(Some(Light::Red)),
            ]
        });
        let chart = Chart::new(move |w| draw::ranking(rk, w), true, None);
        section(
            "",
            format!("{}{}（{}）", fmt::ordinal(i), rk.title, rk.period),
            vec![
                Block::Table(Table::new(&cols, rows.collect())),
                Block::Note(format!("排名规则：{}", rk.rule)),
                Figure::one(chart),
            ],
        )
    });
    Section {
        subsections: subs.collect(),
        ..section("ranking", "四、月度排名", Vec::new())
    }
}

/// 五、督办情况: the statistics per unit with their totals, the overdue open orders.
fn supervision(r: &QuarterlyReport) -> Section<'_> {
    let s = &r.supervision;
    let row = |x: &crate::SupervisionRow| {
        vec![
            c(&x.unit),
            c(format!("{}件", x.raised)),
            c(format!("{}件", x.closed)),
            c(format!("{}件", x.overdue)).colored((x.overdue > 0).then_some(Light::Red)),
            c(fmt::pct(x.closure_rate)),
            c(fmt::pct(x.overdue_rate)),
        ]
    };
    let cols = [
        ("单位", 113.0, L),
        ("立项", 70.0, R),
        ("办结", 70.0, R),
        ("逾期", 70.0, R),
        ("办结率", 80.0, R),
        ("逾期率", 80.0, R),
    ];
    let stats = Table {
        total_row: true,
        ..Table::new(&cols, s.units.iter().chain([&s.totals]).map(row).collect())
    };
    let overdue = if s.overdue_open.is_empty() {
        Block::Text("无逾期未办结的督办单。".into())
    } else {
        let rows = s.overdue_open.iter().map(|o| {
            vec![
                c(&o.number),
                c(&o.subject),
                c(&o.lead_unit),
                c(&o.deadline),
                Cell::alarm(format!("{}天", o.days_overdue)),
                c(&o.state),
                c(o.escalation.as_deref().unwrap_or("—")),
            ]
        });
        let cols = [
            ("编号", 66.0, L),
            ("事项", 140.0, L),
            ("牵头单位", 64.0, L),
            ("办理期限", 62.0, C),
            ("逾期", 42.0, R),
            ("状态", 46.0, C),
            ("催办层级", 63.0, L),
        ];
        Block::Table(Table::new(&cols, rows.collect()))
    };
    let scope = Block::Note(format!("统计范围：{}", s.scope));
    Section {
        subsections: vec![Section {
            keep: true,
            ..section("", "逾期未办结督办单", vec![overdue])
        }],
        ..section(
            "supervision",
            "五、督办情况",
            vec![scope, Block::Table(stats)],
        )
    }
}

/// Whether the report has the section on key tasks and projects.
fn has_work(r: &QuarterlyReport) -> bool {
    !r.work.milestones.is_empty() || !r.work.projects.is_empty()
}

/// 六、重点任务与重大项目: the key tasks' milestones (done, due, overdue) and the projects'
/// investment and progress, when there are any.
fn work(r: &QuarterlyReport) -> Option<Section<'_>> {
    if !has_work(r) {
        return None;
    }
    Some(work_section(
        &r.work,
        "六、重点任务与重大项目",
        "本季度到期、完成或截至季末逾期的节点",
    ))
}

/// The section on key tasks' milestones and projects under `heading`; `scope` says which
/// milestones are listed.
pub(crate) fn work_section<'a>(w: &crate::WorkProgress, heading: &str, scope: &str) -> Section<'a> {
    let mut subs = Vec::new();
    if !w.milestones.is_empty() {
        let late = w.milestones.iter().filter(|m| m.late).count();
        let cols = [
            ("重点任务", 120.0, L),
            ("节点", 140.0, L),
            ("牵头单位", 80.0, L),
            ("计划日期", 66.0, C),
            ("状态", 77.0, C),
        ];
        let rows = w.milestones.iter().map(|m| {
            let state = if m.late {
                Cell::alarm(&m.state)
            } else {
                c(&m.state)
            };
            vec![c(&m.task), c(&m.title), c(&m.lead_unit), c(&m.due), state]
        });
        subs.push(section(
            "",
            "(一)重点任务节点",
            vec![
                Block::Note(format!(
                    "{scope}共{}个,其中逾期未完成{late}个。",
                    w.milestones.len()
                )),
                Block::Table(Table::new(&cols, rows.collect())),
            ],
        ));
    }
    if !w.projects.is_empty() || w.investment.is_some() {
        let cols = [
            ("编号", 36.0, C),
            ("项目", 140.0, L),
            ("牵头单位", 70.0, L),
            ("状态", 40.0, C),
            ("年度计划", 62.0, R),
            ("年度完成", 62.0, R),
            ("序时", 40.0, C),
            ("形象进度", 80.0, L),
        ];
        let rows = w.projects.iter().map(|p| {
            vec![
                c(&p.code),
                c(&p.name),
                c(&p.lead_unit),
                c(&p.status),
                c(&p.planned),
                c(&p.completed),
                Cell::light(p.light),
                c(&p.progress),
            ]
        });
        let mut blocks = Vec::new();
        if let Some(t) = &w.investment {
            blocks.push(Block::Text(t.clone()));
        }
        blocks.push(Block::Table(Table::new(&cols, rows.collect())));
        subs.push(section("", "(二)重大项目投资与进度", blocks));
    }
    Section {
        subsections: subs,
        ..section("work", heading.to_string(), Vec::new())
    }
}

/// 六、群众满意度调查, when a survey was run.
fn survey(r: &QuarterlyReport) -> Option<Section<'_>> {
    r.survey.as_ref().map(|s| {
        let rows = s.items.iter().map(|x| {
            vec![
                c(&x.item),
                c(format!("{}分", fmt::num(x.index, 1))),
                c(format!("{}人", x.n)),
                c(format!("±{}分", fmt::num(x.margin, 1))),
            ]
        });
        let cols = [
            ("项目", 163.0, L),
            ("满意度指数", 110.0, R),
            ("样本量", 100.0, R),
            ("误差", 110.0, R),
        ];
        let intro = Block::Text(format!("{}。{}。", s.title, s.method));
        let table = Block::Table(Table::new(&cols, rows.collect()));
        Section {
            keep: true,
            ..section(
                "survey",
                if has_work(r) {
                    "七、群众满意度调查"
                } else {
                    "六、群众满意度调查"
                },
                vec![intro, table],
            )
        }
    })
}

/// 服务达标, when the district has set its catalogue: every place's items met, worst first;
/// numbered after the sections before it.
fn compliance(r: &QuarterlyReport, n: usize) -> Option<Section<'_>> {
    const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    r.compliance.as_ref().map(|x| {
        let rows = x.rows.iter().map(|row| {
            vec![
                c(&row.place),
                c(format!("{}项", row.met)),
                c(format!("{}项", row.not_met)),
                c(format!("{}项", row.no_data)),
                c(row
                    .share
                    .map(|s| format!("{}%", fmt::num(s, 1)))
                    .unwrap_or_else(|| "—".into())),
            ]
        });
        let cols = [
            ("地区", 120.0, L),
            ("达标", 90.0, R),
            ("未达标", 90.0, R),
            ("无数据", 90.0, R),
            ("达标率", 90.0, R),
        ];
        let number = NUMERALS.get(n.saturating_sub(1)).copied().unwrap_or("十");
        Section {
            keep: true,
            ..section(
                "compliance",
                format!("{number}、基本公共服务达标情况"),
                vec![
                    Block::Text(x.intro.clone()),
                    Block::Table(Table::new(&cols, rows.collect())),
                ],
            )
        }
    })
}
