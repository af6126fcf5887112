//! The Word document: heading styles that Word/WPS recognise (标题 1/2 → navigation pane and
//! table of contents), real tables, the page number in the footer. The charts are given as
//! their data tables (editable, and readable without pictures).

use crate::draw::{self, Drawing};
use crate::draw::{light_label, short_num};
use crate::{FontSource, Light, QuarterlyReport, RankChange, ReportError, fmt};
use docx_rs::{
    AlignmentType, Docx, Footer, Header, LineSpacing, NumPages, PageMargin, PageNum, Paragraph,
    Pic, Run, RunFonts, Shading, ShdType, Style, StyleType, Table, TableCell, TableRow, WidthType,
};

const BODY_FONT: &str = "宋体";
const HEAD_FONT: &str = "黑体";
const LATIN: &str = "Times New Roman";
/// Text width of A4 with 2.5 cm / 2.2 cm margins, in twips.
const TW: usize = 11906 - 2 * 1247;

fn run_fonts(east: &str) -> RunFonts {
    RunFonts::new().east_asia(east).ascii(LATIN).hi_ansi(LATIN)
}

fn p(text: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

fn small(text: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).size(18).color("57606A"))
}

fn h1(text: &str) -> Paragraph {
    p(text).style("Heading1").keep_next(true)
}

fn h2(text: &str) -> Paragraph {
    p(text).style("Heading2").keep_next(true)
}

#[derive(Clone, Copy)]
enum A {
    L,
    C,
    R,
}

struct Cell {
    text: String,
    color: Option<&'static str>,
    bold: bool,
    align: A,
}

fn cl(t: impl Into<String>) -> Cell {
    Cell {
        text: t.into(),
        color: None,
        bold: false,
        align: A::L,
    }
}
fn cr(t: impl Into<String>) -> Cell {
    Cell {
        align: A::R,
        ..cl(t)
    }
}
fn cc(t: impl Into<String>) -> Cell {
    Cell {
        align: A::C,
        ..cl(t)
    }
}
fn clight(l: Light) -> Cell {
    Cell {
        text: fmt::light(l),
        color: Some(l.hex()),
        bold: true,
        align: A::C,
    }
}

/// A table with a shaded bold header row; `widths` in parts of the text width.
fn table(header: &[&str], widths: &[usize], rows: Vec<Vec<Cell>>, total_row: bool) -> Table {
    let sum: usize = widths.iter().sum();
    let tw: Vec<usize> = widths.iter().map(|w| w * TW / sum).collect();
    let mk = |c: &Cell, w: usize, head: bool, shade: Option<&str>| {
        let mut run = Run::new().add_text(&c.text).size(18);
        if c.bold || head {
            run = run.bold();
        }
        if let Some(col) = c.color {
            run = run.color(col);
        }
        let align = match c.align {
            A::L => AlignmentType::Left,
            A::C => AlignmentType::Center,
            A::R => AlignmentType::Right,
        };
        let para = Paragraph::new()
            .add_run(run)
            .align(align)
            .line_spacing(LineSpacing::new().before(0).after(0));
        let mut cell = TableCell::new()
            .add_paragraph(para)
            .width(w, WidthType::Dxa);
        if let Some(s) = shade {
            cell = cell.shading(Shading::new().shd_type(ShdType::Clear).fill(s));
        }
        cell
    };
    let mut trs = Vec::new();
    let head: Vec<TableCell> = header
        .iter()
        .zip(&tw)
        .map(|(h, w)| mk(&cl(*h), *w, true, Some("EEF2F6")))
        .collect();
    trs.push(TableRow::new(head).cant_split());
    let n = rows.len();
    for (i, r) in rows.into_iter().enumerate() {
        let shade = (total_row && i + 1 == n).then_some("F6F8FA");
        let cells: Vec<TableCell> = r
            .iter()
            .zip(&tw)
            .map(|(c, w)| mk(c, *w, false, shade))
            .collect();
        trs.push(TableRow::new(cells).cant_split());
    }
    Table::new(trs).set_grid(tw).width(TW, WidthType::Dxa)
}

/// Pixels per point of the chart pictures (216 dpi: sharp in print, small files).
const PX: f32 = 3.0;
/// EMU per point.
const EMU: f32 = 12700.0;
/// The text width in points.
const TW_PT: f32 = TW as f32 / 20.0;

/// A paragraph with the drawings side by side as pictures, centred; `None` when they could
/// not be drawn (no font).
fn pictures(ds: &[Drawing], fonts: Option<&FontSource>) -> Option<Paragraph> {
    let fonts = fonts?;
    let mut par = Paragraph::new().align(AlignmentType::Center);
    for (i, d) in ds.iter().enumerate() {
        let png = crate::raster::png(d, fonts, PX)?;
        let pic = Pic::new_with_dimensions(png, (d.w * PX).ceil() as u32, (d.h * PX).ceil() as u32)
            .size((d.w * EMU) as u32, (d.h * EMU) as u32);
        if i > 0 {
            par = par.add_run(Run::new().add_text("  "));
        }
        par = par.add_run(Run::new().add_image(pic));
    }
    Some(par)
}

fn caption(text: impl Into<String>) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(text).size(18).color("57606A"))
        .align(AlignmentType::Center)
}

pub fn render(r: &QuarterlyReport, fonts: Option<&FontSource>) -> Result<Vec<u8>, ReportError> {
    let mut d = Docx::new()
        .page_size(11906, 16838)
        .page_margin(PageMargin {
            top: 1440,
            left: 1247,
            bottom: 1440,
            right: 1247,
            header: 720,
            footer: 720,
            gutter: 0,
        })
        .default_fonts(run_fonts(BODY_FONT))
        .default_size(21)
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .based_on("Normal")
                .next("Normal")
                .outline_lvl(0)
                .fonts(run_fonts(HEAD_FONT))
                .size(32)
                .bold()
                .color("0B5CAD")
                .line_spacing(LineSpacing::new().before(360).after(120)),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .based_on("Normal")
                .next("Normal")
                .outline_lvl(1)
                .fonts(run_fonts(HEAD_FONT))
                .size(26)
                .bold()
                .line_spacing(LineSpacing::new().before(240).after(80)),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .fonts(run_fonts(HEAD_FONT))
                .size(40)
                .bold()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().before(240).after(240)),
        )
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(&r.title).size(16).color("57606A"))
                    .align(AlignmentType::Right),
            ),
        )
        .footer({
            let mut par = Paragraph::new()
                .add_run(Run::new().add_text("第 ").size(18))
                .add_page_num(PageNum::new())
                .add_run(Run::new().add_text(" 页 / 共 ").size(18))
                .add_num_pages(NumPages::new())
                .add_run(Run::new().add_text(" 页").size(18))
                .align(AlignmentType::Center);
            if let Some(n) = &r.data_note {
                par = par.add_run(
                    Run::new()
                        .add_text(format!("    {n}"))
                        .size(16)
                        .color("57606A"),
                );
            }
            Footer::new().add_paragraph(par)
        });

    // title block
    d = d
        .add_paragraph(p(&r.title).style("Title"))
        .add_paragraph(
            Paragraph::new()
                .add_run(
                    Run::new()
                        .add_text(format!(
                            "{} · {} · 数据截至{}",
                            r.issuer, r.quarter, r.as_of
                        ))
                        .color("57606A"),
                )
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(
                    Run::new()
                        .add_text(format!("生成时间：{}", r.generated_at))
                        .size(18)
                        .color("57606A"),
                )
                .align(AlignmentType::Center),
        );
    if let Some(n) = &r.data_note {
        d = d.add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text(n).bold().color(Light::Red.hex()))
                .align(AlignmentType::Center),
        );
    }

    // 一、总体情况
    d = d.add_paragraph(h1(fmt::H_SUMMARY));
    let mut counts = Paragraph::new();
    for l in Light::ALL {
        counts = counts
            .add_run(
                Run::new()
                    .add_text(format!("{} {} ", l.mark(), light_label(l)))
                    .color(l.hex()),
            )
            .add_run(
                Run::new()
                    .add_text(format!("{}项    ", r.summary.lights.get(l)))
                    .bold()
                    .size(28)
                    .color(l.hex()),
            );
    }
    d = d.add_paragraph(counts).add_paragraph(small(format!(
        "统计口径：{}（共{}项）。",
        r.summary.counted,
        r.summary.lights.total()
    )));
    for (i, k) in r.summary.key_points.iter().enumerate() {
        d = d.add_paragraph(p(format!("{}. {}", i + 1, k)));
    }
    let chart_a = draw::domain_lights(r, TW_PT);
    if let Some(pic) = pictures(std::slice::from_ref(&chart_a), fonts) {
        d = d.add_paragraph(pic).add_paragraph(caption(&chart_a.title));
    } else {
        d = d.add_paragraph(small(format!(
            "图1 各领域指标亮灯情况（{}）（数据表）",
            r.quarter
        )));
        let rows: Vec<Vec<Cell>> = r
            .domains
            .iter()
            .map(|x| {
                vec![
                    cl(&x.name),
                    cr(format!("{}项", x.lights.green)),
                    cr(format!("{}项", x.lights.yellow)),
                    cr(format!("{}项", x.lights.red)),
                    cr(format!("{}项", x.lights.no_data)),
                    cr(format!("{}项", x.lights.total())),
                ]
            })
            .collect();
        d = d.add_table(table(
            &[
                "领域",
                "● 绿灯/达标",
                "▲ 黄灯/预警",
                "■ 红灯/滞后",
                "○ 无数据",
                "合计",
            ],
            &[3, 2, 2, 2, 2, 2],
            rows,
            false,
        ));
    }

    // 二、各领域进展
    d = d.add_paragraph(h1(fmt::H_DOMAINS));
    for (i, dm) in r.domains.iter().enumerate() {
        d = d
            .add_paragraph(h2(&format!(
                "{}{}（牵头单位：{}）",
                fmt::ordinal(i),
                dm.name,
                dm.lead_unit
            )))
            .add_paragraph(small(fmt::counts(&dm.lights)));
        let rows = dm
            .indicators
            .iter()
            .map(|x| {
                vec![
                    cc(&x.code),
                    cl(format!("{}（{}）", x.name, x.unit)),
                    cr(fmt::target(&x.target, &x.unit)),
                    cr(fmt::with_unit(x.value.as_deref(), &x.unit)),
                    cr(fmt::with_unit(x.expected.as_deref(), &x.unit)),
                    clight(x.light),
                    cl(&x.reason),
                ]
            })
            .collect();
        d = d.add_table(table(
            &[
                "编码",
                "指标",
                "年度目标",
                "当前值",
                "序时进度",
                "状态",
                "说明",
            ],
            &[6, 20, 10, 10, 10, 9, 19],
            rows,
            false,
        ));
    }
    let trend_pics: Option<Vec<Paragraph>> = r
        .trends
        .chunks(2)
        .map(|c| {
            let ds: Vec<Drawing> = c
                .iter()
                .map(|t| draw::trend(t, (TW_PT - 12.0) / 2.0, 150.0))
                .collect();
            pictures(&ds, fonts)
        })
        .collect();
    if let (false, Some(pics)) = (r.trends.is_empty(), trend_pics) {
        d = d
            .add_paragraph(h2(&format!(
                "{}{}",
                fmt::ordinal(r.domains.len()),
                fmt::H_TRENDS
            )))
            .add_paragraph(small(
                "实线为实际值，虚线为年度目标路径（按序时进度）；图中末点标注最新值及单位。",
            ));
        for p in pics {
            d = d.add_paragraph(p);
        }
        d = d.add_paragraph(caption(format!(
            "图2 核心指标趋势与目标路径（{}）",
            r.quarter
        )));
    } else if !r.trends.is_empty() {
        d = d
            .add_paragraph(h2(&format!("{}{}", fmt::ordinal(r.domains.len()), fmt::H_TRENDS)))
            .add_paragraph(small(format!(
                "图2 核心指标趋势与目标路径（{}）（数据表：每项指标的实际值与按序时进度的年度目标路径）",
                r.quarter
            )));
        for t in &r.trends {
            d = d.add_paragraph(
                Paragraph::new()
                    .add_run(
                        Run::new()
                            .add_text(format!("{} {}（{}）", t.code, t.name, t.unit))
                            .bold(),
                    )
                    .add_run(
                        Run::new()
                            .add_text(format!("  {}", fmt::light(t.light)))
                            .color(t.light.hex()),
                    ),
            );
            let mut header: Vec<&str> = vec!["期别"];
            header.extend(t.periods.iter().map(|s| s.as_str()));
            let widths: Vec<usize> = std::iter::once(3)
                .chain(t.periods.iter().map(|_| 2))
                .collect();
            let row = |label: &str, v: &[Option<f64>]| {
                std::iter::once(cl(label))
                    .chain(
                        v.iter()
                            .map(|x| cr(x.map(short_num).unwrap_or_else(|| "—".into()))),
                    )
                    .collect::<Vec<_>>()
            };
            d = d.add_table(table(
                &header,
                &widths,
                vec![row("实际值", &t.actual), row("目标路径", &t.target_path)],
                false,
            ));
        }
    }

    // 三、滞后指标
    d = d.add_paragraph(h1(fmt::H_LAGGING));
    if r.lagging.is_empty() {
        d = d.add_paragraph(p("本季度无红灯、黄灯指标。"));
    } else {
        let entered = |v: &Option<String>| {
            let t = fmt::entered(v);
            if t == "未填报" {
                Cell {
                    color: Some(Light::Red.hex()),
                    bold: true,
                    ..cl(t)
                }
            } else {
                cl(t)
            }
        };
        let rows = r
            .lagging
            .iter()
            .map(|g| {
                vec![
                    cl(format!("{} {}", g.code, g.name)),
                    cl(&g.place),
                    clight(g.light),
                    cl(format!(
                        "当前{}，序时{}；{}",
                        fmt::with_unit(g.value.as_deref(), &g.unit),
                        fmt::with_unit(g.expected.as_deref(), &g.unit),
                        g.gap
                    )),
                    cl(&g.lead_unit),
                    entered(&g.cause),
                    entered(&g.measures),
                ]
            })
            .collect();
        d = d.add_table(table(
            &["指标", "地区", "状态", "差距", "牵头单位", "原因", "措施"],
            &[13, 8, 8, 13, 9, 19, 19],
            rows,
            false,
        ));
    }

    // 四、月度排名
    d = d.add_paragraph(h1(fmt::H_RANKING));
    for (i, rk) in r.rankings.iter().enumerate() {
        d = d.add_paragraph(h2(&format!(
            "{}{}（{}）",
            fmt::ordinal(i),
            rk.title,
            rk.period
        )));
        let rows = rk
            .rows
            .iter()
            .map(|x| {
                vec![
                    cc(if x.rank == 0 {
                        "—".to_string()
                    } else {
                        x.rank.to_string()
                    }),
                    cl(&x.unit),
                    cr(fmt::score(x.score, &rk.score_unit)),
                    Cell {
                        color: match x.change {
                            RankChange::Up(_) => Some(Light::Green.hex()),
                            RankChange::Down(_) => Some(Light::Red.hex()),
                            _ => None,
                        },
                        ..cc(x.change.text())
                    },
                    Cell {
                        color: Some(Light::Red.hex()),
                        ..cl(x.flags.join("；"))
                    },
                ]
            })
            .collect();
        d = d
            .add_table(table(
                &["名次", "单位", "得分", "名次变化", "标记"],
                &[3, 8, 5, 4, 10],
                rows,
                false,
            ))
            .add_paragraph(small(format!("排名规则：{}", rk.rule)));
        let chart = draw::ranking(rk, TW_PT);
        if let Some(pic) = pictures(std::slice::from_ref(&chart), fonts) {
            d = d.add_paragraph(pic).add_paragraph(caption(&chart.title));
        }
    }

    // 五、督办情况
    let s = &r.supervision;
    d = d
        .add_paragraph(h1(fmt::H_SUPERVISION))
        .add_paragraph(small(format!("统计范围：{}", s.scope)));
    let sup = |x: &crate::SupervisionRow, bold: bool| {
        vec![
            Cell {
                bold,
                ..cl(&x.unit)
            },
            Cell {
                bold,
                ..cr(format!("{}件", x.raised))
            },
            Cell {
                bold,
                ..cr(format!("{}件", x.closed))
            },
            Cell {
                bold,
                color: (x.overdue > 0).then_some(Light::Red.hex()),
                ..cr(format!("{}件", x.overdue))
            },
            Cell {
                bold,
                ..cr(fmt::pct(x.closure_rate))
            },
            Cell {
                bold,
                ..cr(fmt::pct(x.overdue_rate))
            },
        ]
    };
    let mut rows: Vec<Vec<Cell>> = s.units.iter().map(|x| sup(x, false)).collect();
    rows.push(sup(&s.totals, true));
    d = d
        .add_table(table(
            &["单位", "立项", "办结", "逾期", "办结率", "逾期率"],
            &[5, 3, 3, 3, 3, 3],
            rows,
            true,
        ))
        .add_paragraph(h2("逾期未办结督办单"));
    if s.overdue_open.is_empty() {
        d = d.add_paragraph(p("无逾期未办结的督办单。"));
    } else {
        let rows = s
            .overdue_open
            .iter()
            .map(|o| {
                vec![
                    cl(&o.number),
                    cl(&o.subject),
                    cl(&o.lead_unit),
                    cc(&o.deadline),
                    Cell {
                        color: Some(Light::Red.hex()),
                        bold: true,
                        ..cr(format!("{}天", o.days_overdue))
                    },
                    cc(&o.state),
                    cl(o.escalation.clone().unwrap_or_else(|| "—".into())),
                ]
            })
            .collect();
        d = d.add_table(table(
            &[
                "编号",
                "事项",
                "牵头单位",
                "办理期限",
                "逾期",
                "状态",
                "催办层级",
            ],
            &[6, 14, 6, 6, 4, 5, 8],
            rows,
            false,
        ));
    }

    // 六、群众满意度调查
    if let Some(sv) = &r.survey {
        d = d
            .add_paragraph(h1(fmt::H_SURVEY))
            .add_paragraph(p(format!("{}。{}。", sv.title, sv.method)));
        let rows = sv
            .items
            .iter()
            .map(|x| {
                vec![
                    cl(&x.item),
                    cr(format!("{}分", fmt::num(x.index, 1))),
                    cr(format!("{}人", x.n)),
                    cr(format!("±{}分", fmt::num(x.margin, 1))),
                ]
            })
            .collect();
        d = d.add_table(table(
            &["项目", "满意度指数", "样本量", "误差"],
            &[4, 3, 3, 3],
            rows,
            false,
        ));
    }

    d = d
        .add_paragraph(p(""))
        .add_paragraph(p(&r.issuer).align(AlignmentType::Right))
        .add_paragraph(p(&r.generated_at).align(AlignmentType::Right));

    let mut buf = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut buf)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    Ok(buf.into_inner())
}
