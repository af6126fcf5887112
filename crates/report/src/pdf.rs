//! The PDF: a small page-layout engine (paragraphs with CJK line breaking, tables that break
//! across pages and repeat their header, charts as vector drawings) laid out first, then drawn
//! with krilla, which subsets and embeds the font.

use crate::draw::{self, ACCENT, Anchor, BLACK, Drawing, GRID, MUTED, Rgb, Shape, light_rgb};
use crate::text::Measurer;
use crate::{FontSource, Light, QuarterlyReport, ReportError, fmt};
use krilla::Document;
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::text::{Font, TextDirection};

const PW: f32 = 595.28;
const PH: f32 = 841.89;
const ML: f32 = 56.0;
const MR: f32 = 56.0;
const MT: f32 = 72.0;
const MB: f32 = 68.0;
const CW: f32 = PW - ML - MR;
const BODY: f32 = 10.5;
const SMALL: f32 = 9.0;
const HEAD_FILL: Rgb = Rgb(0xee, 0xf2, 0xf6);
const TOTAL_FILL: Rgb = Rgb(0xf6, 0xf8, 0xfa);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Center,
    Right,
}

struct Col {
    title: &'static str,
    w: f32,
    align: Align,
}

fn col(title: &'static str, w: f32, align: Align) -> Col {
    Col { title, w, align }
}

#[derive(Clone, Default)]
struct Cell {
    text: String,
    color: Option<Rgb>,
    bold: bool,
}

fn c(t: impl Into<String>) -> Cell {
    Cell {
        text: t.into(),
        ..Default::default()
    }
}

fn lc(l: Light) -> Cell {
    Cell {
        text: fmt::light(l),
        color: Some(light_rgb(l)),
        bold: true,
    }
}

struct Layout<'a> {
    reg: Measurer<'a>,
    bold: Measurer<'a>,
    pages: Vec<Vec<Shape>>,
    y: f32,
    /// The headings (level, text, page index, y), for the PDF outline (bookmarks).
    marks: Vec<(u8, String, usize, f32)>,
}

impl<'a> Layout<'a> {
    fn m(&self, bold: bool) -> &Measurer<'a> {
        if bold { &self.bold } else { &self.reg }
    }
    fn cur(&mut self) -> &mut Vec<Shape> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        self.pages.last_mut().expect("a page")
    }
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MT;
    }
    fn room(&self) -> f32 {
        PH - MB - self.y
    }
    fn ensure(&mut self, h: f32) {
        if self.room() < h {
            self.new_page();
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn put_text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        anchor: Anchor,
        t: &str,
    ) {
        let text = t.to_string();
        self.cur().push(Shape::Text {
            x,
            y,
            size,
            bold,
            color,
            anchor,
            text,
        });
    }
    fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    ) {
        self.cur().push(Shape::Rect {
            x,
            y,
            w,
            h,
            fill,
            stroke,
        });
    }
    fn hline(&mut self, x0: f32, x1: f32, y: f32, color: Rgb, w: f32) {
        self.cur().push(Shape::Line {
            pts: vec![(x0, y), (x1, y)],
            color,
            width: w,
            dash: false,
        });
    }

    /// A wrapped paragraph at `x` with width `w`.
    #[allow(clippy::too_many_arguments)]
    fn para_at(&mut self, x: f32, w: f32, text: &str, size: f32, bold: bool, color: Rgb, lh: f32) {
        let lines = self.m(bold).wrap(text, size, w);
        for l in lines {
            self.ensure(lh);
            let base = self.y + size;
            self.put_text(x, base, size, bold, color, Anchor::Start, &l);
            self.y += lh;
        }
    }
    fn para(&mut self, text: &str) {
        self.para_at(ML, CW, text, BODY, false, BLACK, BODY * 1.75);
        self.y += 4.0;
    }
    fn small(&mut self, text: &str) {
        self.para_at(ML, CW, text, SMALL, false, MUTED, SMALL * 1.6);
        self.y += 4.0;
    }
    /// A numbered item with a hanging indent.
    fn item(&mut self, label: &str, text: &str) {
        self.ensure(BODY * 1.75);
        let y0 = self.y + BODY;
        self.put_text(ML + 8.0, y0, BODY, false, BLACK, Anchor::Start, label);
        self.para_at(ML + 26.0, CW - 26.0, text, BODY, false, BLACK, BODY * 1.75);
        self.y += 3.0;
    }
    fn mark(&mut self, level: u8, t: &str) {
        let page = self.pages.len().saturating_sub(1);
        self.marks.push((level, t.to_string(), page, self.y));
    }
    fn h1(&mut self, t: &str) {
        self.ensure(16.0 + 120.0);
        self.y += 8.0;
        self.mark(0, t);
        self.put_text(ML, self.y + 15.0, 15.0, true, ACCENT, Anchor::Start, t);
        self.y += 22.0;
        self.hline(ML, ML + CW, self.y, ACCENT, 1.0);
        self.y += 10.0;
    }
    fn h2(&mut self, t: &str) {
        self.ensure(13.0 + 90.0);
        self.y += 4.0;
        self.mark(1, t);
        self.put_text(ML, self.y + 12.0, 12.0, true, BLACK, Anchor::Start, t);
        self.y += 20.0;
    }

    /// The height a table takes when it is not broken.
    fn table_h(&self, cols: &[Col], rows: &[Vec<Cell>]) -> f32 {
        let row = |r: &[Cell]| {
            let n = r
                .iter()
                .zip(cols)
                .map(|(cell, c)| self.m(cell.bold).wrap(&cell.text, 8.8, c.w - 8.0).len())
                .max()
                .unwrap_or(1)
                .max(1);
            n as f32 * 12.6 + 6.0
        };
        let head: Vec<Cell> = cols
            .iter()
            .map(|c| Cell {
                text: c.title.into(),
                color: None,
                bold: true,
            })
            .collect();
        row(&head) + rows.iter().map(|r| row(r)).sum::<f32>()
    }

    /// Starts a new page unless `h` points fit, when `h` fits on an empty page: keeps a heading
    /// with the short block that follows it.
    fn keep(&mut self, h: f32) {
        if h <= PH - MB - MT {
            self.ensure(h);
        }
    }

    fn table(&mut self, cols: &[Col], rows: &[Vec<Cell>], last_is_total: bool) {
        const PAD: f32 = 4.0;
        const FS: f32 = 8.8;
        const LH: f32 = 12.6;
        let header: Vec<Cell> = cols
            .iter()
            .map(|c| Cell {
                text: c.title.to_string(),
                color: None,
                bold: true,
            })
            .collect();
        let layout_row = |me: &Self, r: &[Cell]| -> (Vec<Vec<String>>, f32) {
            let lines: Vec<Vec<String>> = r
                .iter()
                .zip(cols)
                .map(|(cell, c)| me.m(cell.bold).wrap(&cell.text, FS, c.w - 2.0 * PAD))
                .collect();
            let n = lines.iter().map(|l| l.len()).max().unwrap_or(1).max(1);
            (lines, n as f32 * LH + 2.0 * PAD - 2.0)
        };
        let (hl, hh) = layout_row(self, &header);
        let draw_row =
            |me: &mut Self, r: &[Cell], lines: &[Vec<String>], h: f32, fill: Option<Rgb>| {
                let mut x = ML;
                let y = me.y;
                for ((cell, c), ls) in r.iter().zip(cols).zip(lines) {
                    me.rect(x, y, c.w, h, fill, Some((GRID, 0.6)));
                    for (k, l) in ls.iter().enumerate() {
                        let base = y + PAD + FS + k as f32 * LH - 0.5;
                        let (tx, a) = match c.align {
                            Align::Left => (x + PAD, Anchor::Start),
                            Align::Center => (x + c.w / 2.0, Anchor::Middle),
                            Align::Right => (x + c.w - PAD, Anchor::End),
                        };
                        me.put_text(tx, base, FS, cell.bold, cell.color.unwrap_or(BLACK), a, l);
                    }
                    x += c.w;
                }
                me.y += h;
            };
        let heights: Vec<f32> = rows.iter().map(|r| layout_row(self, r).1).collect();
        let total = hh + heights.iter().sum::<f32>();
        let fresh = PH - MB - MT;
        // a table that fits on one page is not split when most of it would move anyway
        if total <= fresh && self.room() < total && self.room() < 0.6 * total {
            self.new_page();
        }
        self.ensure(hh + heights.first().copied().unwrap_or(0.0));
        // no widows: when a break would leave fewer than 3 rows for the next page, break
        // earlier so that 3 go together
        let n = rows.len();
        let mut force_break = None;
        let mut room = self.room() - hh;
        for (i, h) in heights.iter().enumerate() {
            if room < *h {
                if n - i < 3 && i > 3 {
                    force_break = Some(n - 3);
                }
                break;
            }
            room -= h;
        }
        draw_row(self, &header, &hl, hh, Some(HEAD_FILL));
        for (i, r) in rows.iter().enumerate() {
            let (ls, h) = layout_row(self, r);
            if self.room() < h || force_break == Some(i) {
                self.new_page();
                draw_row(self, &header, &hl, hh, Some(HEAD_FILL));
            }
            let fill = (last_is_total && i + 1 == rows.len()).then_some(TOTAL_FILL);
            draw_row(self, r, &ls, h, fill);
        }
        self.y += 10.0;
    }

    fn drawing(&mut self, d: &Drawing, x: f32) {
        self.ensure(d.h + 18.0);
        let y0 = self.y;
        for s in &d.shapes {
            let t = s.translate(x, y0);
            self.cur().push(t);
        }
        self.y += d.h + 2.0;
        let cap = d.title.clone();
        self.put_text(
            ML + CW / 2.0,
            self.y + 9.0,
            9.0,
            false,
            MUTED,
            Anchor::Middle,
            &cap,
        );
        self.y += 20.0;
    }

    /// Drawings side by side, `per_row` to a row.
    fn drawings_grid(&mut self, ds: &[Drawing], per_row: usize, gap: f32) {
        for chunk in ds.chunks(per_row) {
            let h = chunk.iter().map(|d| d.h).fold(0.0, f32::max);
            self.ensure(h + 8.0);
            let y0 = self.y;
            let mut x = ML;
            for d in chunk {
                for s in &d.shapes {
                    let t = s.translate(x, y0);
                    self.cur().push(t);
                }
                x += d.w + gap;
            }
            self.y += h + 10.0;
        }
    }
}

fn title_block(l: &mut Layout, r: &QuarterlyReport) {
    l.y = 64.0;
    let lines = l.bold.wrap(&r.title, 20.0, CW);
    for t in lines {
        l.put_text(PW / 2.0, l.y + 20.0, 20.0, true, BLACK, Anchor::Middle, &t);
        l.y += 30.0;
    }
    l.y += 4.0;
    let sub = format!("{} · {} · 数据截至{}", r.issuer, r.quarter, r.as_of);
    l.put_text(
        PW / 2.0,
        l.y + 10.0,
        10.0,
        false,
        MUTED,
        Anchor::Middle,
        &sub,
    );
    l.y += 17.0;
    let gen_at = format!("生成时间：{}", r.generated_at);
    l.put_text(
        PW / 2.0,
        l.y + 9.0,
        9.0,
        false,
        MUTED,
        Anchor::Middle,
        &gen_at,
    );
    l.y += 15.0;
    if let Some(n) = &r.data_note {
        l.put_text(
            PW / 2.0,
            l.y + 10.0,
            10.0,
            true,
            light_rgb(Light::Red),
            Anchor::Middle,
            n,
        );
        l.y += 16.0;
    }
    l.y += 6.0;
    l.hline(ML, ML + CW, l.y, BLACK, 1.2);
    l.y += 10.0;
}

fn kpi_boxes(l: &mut Layout, r: &QuarterlyReport) {
    let gap = 10.0;
    let w = (CW - 3.0 * gap) / 4.0;
    let h = 58.0;
    l.ensure(h + 12.0);
    let y = l.y;
    for (i, lt) in Light::ALL.iter().enumerate() {
        let x = ML + i as f32 * (w + gap);
        let col = light_rgb(*lt);
        l.rect(x, y, w, h, Some(Rgb(0xfa, 0xfb, 0xfc)), Some((GRID, 0.6)));
        l.rect(x, y, w, 4.0, Some(col), None);
        let n = format!("{}", r.summary.lights.get(*lt));
        l.put_text(
            x + w / 2.0 - 6.0,
            y + 34.0,
            24.0,
            true,
            col,
            Anchor::End,
            &n,
        );
        l.put_text(
            x + w / 2.0 - 3.0,
            y + 34.0,
            10.0,
            false,
            BLACK,
            Anchor::Start,
            "项",
        );
        let lab = format!("{} {}", lt.mark(), crate::draw::light_label(*lt));
        l.put_text(x + w / 2.0, y + 50.0, 9.0, false, col, Anchor::Middle, &lab);
    }
    l.y += h + 8.0;
    let note = format!(
        "统计口径：{}（共{}项）。",
        r.summary.counted,
        r.summary.lights.total()
    );
    l.small(&note);
}

fn layout(r: &QuarterlyReport, l: &mut Layout) {
    title_block(l, r);

    // 一、总体情况
    l.h1(fmt::H_SUMMARY);
    kpi_boxes(l, r);
    for (i, k) in r.summary.key_points.iter().enumerate() {
        l.item(&format!("{}.", i + 1), k);
    }
    l.y += 6.0;
    let chart_a = draw::domain_lights(r, CW);
    l.drawing(&chart_a, ML);

    // 二、各领域进展
    l.h1(fmt::H_DOMAINS);
    let cols = [
        col("编码", 30.0, Align::Center),
        col("指标", 116.0, Align::Left),
        col("年度目标", 60.0, Align::Right),
        col("当前值", 62.0, Align::Right),
        col("序时进度", 62.0, Align::Right),
        col("状态", 46.0, Align::Center),
        col("说明", CW - 376.0, Align::Left),
    ];
    for (i, d) in r.domains.iter().enumerate() {
        l.h2(&format!(
            "{}{}（牵头单位：{}）",
            fmt::ordinal(i),
            d.name,
            d.lead_unit
        ));
        l.small(&fmt::counts(&d.lights));
        let rows: Vec<Vec<Cell>> = d
            .indicators
            .iter()
            .map(|x| {
                vec![
                    c(&x.code),
                    c(format!("{}（{}）", x.name, x.unit)),
                    c(fmt::target(&x.target, &x.unit)),
                    c(fmt::with_unit(x.value.as_deref(), &x.unit)),
                    c(fmt::with_unit(x.expected.as_deref(), &x.unit)),
                    lc(x.light),
                    c(&x.reason),
                ]
            })
            .collect();
        l.table(&cols, &rows, false);
    }
    if !r.trends.is_empty() {
        l.h2(&format!(
            "{}{}",
            fmt::ordinal(r.domains.len()),
            fmt::H_TRENDS
        ));
        l.small("实线为实际值，虚线为年度目标路径（按序时进度）；图中末点标注最新值及单位。");
        let w = (CW - 16.0) / 2.0;
        let ds: Vec<Drawing> = r.trends.iter().map(|t| draw::trend(t, w, 150.0)).collect();
        l.drawings_grid(&ds, 2, 16.0);
        let cap = format!("图2 核心指标趋势与目标路径（{}）", r.quarter);
        l.put_text(
            ML + CW / 2.0,
            l.y + 4.0,
            9.0,
            false,
            MUTED,
            Anchor::Middle,
            &cap,
        );
        l.y += 18.0;
    }

    // 三、滞后指标
    l.h1(fmt::H_LAGGING);
    if r.lagging.is_empty() {
        l.para("本季度无红灯、黄灯指标。");
    }
    for (i, g) in r.lagging.iter().enumerate() {
        l.ensure(80.0);
        let y0 = l.y;
        let head = format!("{}. {} {} — {}", i + 1, g.code, g.name, g.place);
        l.para_at(ML, CW - 70.0, &head, BODY, true, BLACK, BODY * 1.7);
        let badge = fmt::light(g.light);
        l.put_text(
            ML + CW,
            y0 + BODY,
            BODY,
            true,
            light_rgb(g.light),
            Anchor::End,
            &badge,
        );
        let facts = format!(
            "当前值{} · 序时进度{} · 差距：{} · 牵头单位：{}",
            fmt::with_unit(g.value.as_deref(), &g.unit),
            fmt::with_unit(g.expected.as_deref(), &g.unit),
            g.gap,
            g.lead_unit
        );
        l.para_at(
            ML + 14.0,
            CW - 14.0,
            &facts,
            SMALL,
            false,
            MUTED,
            SMALL * 1.7,
        );
        for (label, v) in [("原因", &g.cause), ("措施", &g.measures)] {
            let txt = fmt::entered(v);
            let missing = txt == "未填报";
            l.ensure(BODY * 1.7);
            let base = l.y + BODY;
            l.put_text(
                ML + 14.0,
                base,
                BODY,
                true,
                BLACK,
                Anchor::Start,
                &format!("{label}："),
            );
            let color = if missing {
                light_rgb(Light::Red)
            } else {
                BLACK
            };
            l.para_at(ML + 50.0, CW - 50.0, &txt, BODY, missing, color, BODY * 1.7);
        }
        l.y += 6.0;
        l.hline(ML, ML + CW, l.y - 3.0, GRID, 0.5);
        l.y += 4.0;
    }

    // 四、月度排名
    l.h1(fmt::H_RANKING);
    for (i, rk) in r.rankings.iter().enumerate() {
        l.h2(&format!("{}{}（{}）", fmt::ordinal(i), rk.title, rk.period));
        let cols = [
            col("名次", 40.0, Align::Center),
            col("单位", 100.0, Align::Left),
            col("得分", 70.0, Align::Right),
            col("名次变化", 60.0, Align::Center),
            col("标记", CW - 270.0, Align::Left),
        ];
        let rows: Vec<Vec<Cell>> = rk
            .rows
            .iter()
            .map(|x| {
                let flagged = !x.flags.is_empty();
                vec![
                    c(if x.rank == 0 {
                        "—".to_string()
                    } else {
                        format!("{}", x.rank)
                    }),
                    c(&x.unit),
                    c(fmt::score(x.score, &rk.score_unit)),
                    Cell {
                        text: x.change.text(),
                        color: Some(match x.change {
                            crate::RankChange::Up(_) => light_rgb(Light::Green),
                            crate::RankChange::Down(_) => light_rgb(Light::Red),
                            _ => MUTED,
                        }),
                        bold: false,
                    },
                    Cell {
                        text: x.flags.join(";"),
                        color: flagged.then_some(light_rgb(Light::Red)),
                        bold: false,
                    },
                ]
            })
            .collect();
        l.table(&cols, &rows, false);
        l.small(&format!("排名规则：{}", rk.rule));
        let d = draw::ranking(rk, CW);
        l.drawing(&d, ML);
    }

    // 五、督办情况
    l.h1(fmt::H_SUPERVISION);
    l.small(&format!("统计范围：{}", r.supervision.scope));
    let cols = [
        col("单位", 113.0, Align::Left),
        col("立项", 70.0, Align::Right),
        col("办结", 70.0, Align::Right),
        col("逾期", 70.0, Align::Right),
        col("办结率", 80.0, Align::Right),
        col("逾期率", 80.0, Align::Right),
    ];
    let sup_row = |x: &crate::SupervisionRow, bold: bool| {
        vec![
            Cell {
                text: x.unit.clone(),
                color: None,
                bold,
            },
            Cell {
                text: format!("{}件", x.raised),
                color: None,
                bold,
            },
            Cell {
                text: format!("{}件", x.closed),
                color: None,
                bold,
            },
            Cell {
                text: format!("{}件", x.overdue),
                color: (x.overdue > 0).then_some(light_rgb(Light::Red)),
                bold,
            },
            Cell {
                text: fmt::pct(x.closure_rate),
                color: None,
                bold,
            },
            Cell {
                text: fmt::pct(x.overdue_rate),
                color: None,
                bold,
            },
        ]
    };
    let mut rows: Vec<Vec<Cell>> = r
        .supervision
        .units
        .iter()
        .map(|x| sup_row(x, false))
        .collect();
    rows.push(sup_row(&r.supervision.totals, true));
    l.table(&cols, &rows, true);
    if r.supervision.overdue_open.is_empty() {
        l.h2("逾期未办结督办单");
        l.para("无逾期未办结的督办单。");
    } else {
        let cols = [
            col("编号", 66.0, Align::Left),
            col("事项", 140.0, Align::Left),
            col("牵头单位", 64.0, Align::Left),
            col("办理期限", 62.0, Align::Center),
            col("逾期", 42.0, Align::Right),
            col("状态", 46.0, Align::Center),
            col("催办层级", CW - 420.0, Align::Left),
        ];
        let rows: Vec<Vec<Cell>> = r
            .supervision
            .overdue_open
            .iter()
            .map(|o| {
                vec![
                    c(&o.number),
                    c(&o.subject),
                    c(&o.lead_unit),
                    c(&o.deadline),
                    Cell {
                        text: format!("{}天", o.days_overdue),
                        color: Some(light_rgb(Light::Red)),
                        bold: true,
                    },
                    c(&o.state),
                    c(o.escalation.clone().unwrap_or_else(|| "—".into())),
                ]
            })
            .collect();
        l.keep(24.0 + l.table_h(&cols, &rows));
        l.h2("逾期未办结督办单");
        l.table(&cols, &rows, false);
    }

    // 六、群众满意度调查
    if let Some(s) = &r.survey {
        let cols = [
            col("项目", 163.0, Align::Left),
            col("满意度指数", 110.0, Align::Right),
            col("样本量", 100.0, Align::Right),
            col("误差", CW - 373.0, Align::Right),
        ];
        let rows: Vec<Vec<Cell>> = s
            .items
            .iter()
            .map(|x| {
                vec![
                    c(&x.item),
                    c(format!("{}分", fmt::num(x.index, 1))),
                    c(format!("{}人", x.n)),
                    c(format!("±{}分", fmt::num(x.margin, 1))),
                ]
            })
            .collect();
        let intro = format!("{}。{}。", s.title, s.method);
        let intro_h = l.reg.wrap(&intro, BODY, CW).len() as f32 * BODY * 1.75 + 4.0;
        l.keep(40.0 + intro_h + l.table_h(&cols, &rows));
        l.h1(fmt::H_SURVEY);
        l.para(&intro);
        l.table(&cols, &rows, false);
    }
}

fn closing(l: &mut Layout, r: &QuarterlyReport) {
    l.ensure(50.0);
    l.y += 16.0;
    let who = r.issuer.clone();
    l.put_text(ML + CW, l.y + BODY, BODY, false, BLACK, Anchor::End, &who);
    l.y += BODY * 1.8;
    let when = r.generated_at.clone();
    l.put_text(ML + CW, l.y + BODY, BODY, false, BLACK, Anchor::End, &when);
    l.y += BODY * 1.8;
}

fn header_footer(r: &QuarterlyReport, pages: &mut [Vec<Shape>]) {
    let n = pages.len();
    for (i, p) in pages.iter_mut().enumerate() {
        if i > 0 {
            p.push(Shape::Text {
                x: ML,
                y: 44.0,
                size: 8.5,
                bold: false,
                color: MUTED,
                anchor: Anchor::Start,
                text: r.title.clone(),
            });
            p.push(Shape::Text {
                x: ML + CW,
                y: 44.0,
                size: 8.5,
                bold: false,
                color: MUTED,
                anchor: Anchor::End,
                text: format!("数据截至{}", r.as_of),
            });
            p.push(Shape::Line {
                pts: vec![(ML, 50.0), (ML + CW, 50.0)],
                color: GRID,
                width: 0.6,
                dash: false,
            });
        }
        p.push(Shape::Line {
            pts: vec![(ML, PH - 48.0), (ML + CW, PH - 48.0)],
            color: GRID,
            width: 0.6,
            dash: false,
        });
        p.push(Shape::Text {
            x: PW / 2.0,
            y: PH - 34.0,
            size: 9.0,
            bold: false,
            color: BLACK,
            anchor: Anchor::Middle,
            text: format!("第 {} 页 / 共 {} 页", i + 1, n),
        });
        if let Some(note) = &r.data_note {
            p.push(Shape::Text {
                x: ML,
                y: PH - 34.0,
                size: 8.0,
                bold: false,
                color: MUTED,
                anchor: Anchor::Start,
                text: note.clone(),
            });
        }
        p.push(Shape::Text {
            x: ML + CW,
            y: PH - 34.0,
            size: 8.0,
            bold: false,
            color: MUTED,
            anchor: Anchor::End,
            text: r.place.clone(),
        });
    }
}

fn paint(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: paint(c),
        ..Default::default()
    }
}

fn stroke(c: Rgb, w: f32, dash: bool) -> Stroke {
    Stroke {
        paint: paint(c),
        width: w,
        dash: dash.then(|| StrokeDash {
            array: vec![4.0, 3.0],
            offset: 0.0,
        }),
        ..Default::default()
    }
}

pub fn render(r: &QuarterlyReport, fonts: &FontSource) -> Result<Vec<u8>, ReportError> {
    let reg_face = &fonts.regular;
    let bold_face = fonts.bold.as_ref().unwrap_or(&fonts.regular);
    let mut l = Layout {
        reg: Measurer::new(&reg_face.data, reg_face.index),
        bold: Measurer::new(&bold_face.data, bold_face.index),
        pages: vec![Vec::new()],
        y: MT,
        marks: Vec::new(),
    };
    layout(r, &mut l);
    closing(&mut l, r);
    // drop a trailing empty page
    if l.pages.len() > 1 && l.pages.last().is_some_and(|p| p.is_empty()) {
        l.pages.pop();
    }
    let mut pages = std::mem::take(&mut l.pages);
    header_footer(r, &mut pages);

    let font_reg = Font::new(reg_face.data.clone().into(), reg_face.index).ok_or_else(|| {
        ReportError::Font(format!("krilla 无法使用字体 {}", reg_face.path.display()))
    })?;
    let font_bold = match &fonts.bold {
        Some(b) => Font::new(b.data.clone().into(), b.index).unwrap_or_else(|| font_reg.clone()),
        None => font_reg.clone(),
    };

    let mut doc = Document::new();
    for shapes in &pages {
        let mut page = doc.start_page_with(
            PageSettings::from_wh(PW, PH).ok_or_else(|| ReportError::Pdf("page size".into()))?,
        );
        let mut s = page.surface();
        for sh in shapes {
            match sh {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill: f,
                    stroke: st,
                } => {
                    let mut pb = PathBuilder::new();
                    if let Some(rect) = Rect::from_xywh(*x, *y, w.max(0.01), h.max(0.01)) {
                        pb.push_rect(rect);
                    }
                    if let Some(path) = pb.finish() {
                        s.set_fill(f.map(fill));
                        s.set_stroke(st.map(|(c, w)| stroke(c, w, false)));
                        s.draw_path(&path);
                    }
                }
                Shape::Line {
                    pts,
                    color,
                    width,
                    dash,
                } => {
                    let mut pb = PathBuilder::new();
                    for (k, (x, y)) in pts.iter().enumerate() {
                        if k == 0 {
                            pb.move_to(*x, *y);
                        } else {
                            pb.line_to(*x, *y);
                        }
                    }
                    if let Some(path) = pb.finish() {
                        s.set_fill(None);
                        s.set_stroke(Some(stroke(*color, *width, *dash)));
                        s.draw_path(&path);
                    }
                }
                Shape::Dot { x, y, r, color } => {
                    let k = 0.552_284_8 * r;
                    let mut pb = PathBuilder::new();
                    pb.move_to(x + r, *y);
                    pb.cubic_to(x + r, y + k, x + k, y + r, *x, y + r);
                    pb.cubic_to(x - k, y + r, x - r, y + k, x - r, *y);
                    pb.cubic_to(x - r, y - k, x - k, y - r, *x, y - r);
                    pb.cubic_to(x + k, y - r, x + r, y - k, x + r, *y);
                    pb.close();
                    if let Some(path) = pb.finish() {
                        s.set_stroke(None);
                        s.set_fill(Some(fill(*color)));
                        s.draw_path(&path);
                    }
                }
                Shape::Text {
                    x,
                    y,
                    size,
                    bold,
                    color,
                    anchor,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    let m = if *bold { &l.bold } else { &l.reg };
                    let w = m.width(text, *size);
                    let x0 = match anchor {
                        Anchor::Start => *x,
                        Anchor::Middle => x - w / 2.0,
                        Anchor::End => x - w,
                    };
                    s.set_stroke(None);
                    s.set_fill(Some(fill(*color)));
                    let font = if *bold {
                        font_bold.clone()
                    } else {
                        font_reg.clone()
                    };
                    s.draw_text(
                        Point::from_xy(x0, *y),
                        font,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
            }
        }
        s.finish();
        page.finish();
    }
    doc.set_outline(outline(&l.marks));
    doc.set_metadata(
        Metadata::new()
            .title(r.title.clone())
            .language("zh-CN".into())
            .creator("youxiang".into())
            .description(format!("{} {} 季度分析报告", r.place, r.quarter)),
    );
    doc.finish().map_err(|e| ReportError::Pdf(format!("{e:?}")))
}

/// The bookmarks: each 一、… heading with its （一）… sub-headings.
fn outline(marks: &[(u8, String, usize, f32)]) -> Outline {
    let mut o = Outline::new();
    let mut cur: Option<OutlineNode> = None;
    for (level, text, page, y) in marks {
        let node = OutlineNode::new(
            text.clone(),
            XyzDestination::new(*page, Point::from_xy(0.0, (y - 10.0).max(0.0))),
        );
        if *level == 0 {
            if let Some(n) = cur.take() {
                o.push_child(n);
            }
            cur = Some(node);
        } else if let Some(n) = cur.as_mut() {
            n.push_child(node);
        } else {
            o.push_child(node);
        }
    }
    if let Some(n) = cur {
        o.push_child(n);
    }
    o
}
