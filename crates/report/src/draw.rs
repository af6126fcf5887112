//! A tiny vector drawing model shared by the HTML (as SVG) and the PDF (drawn with krilla):
//! the three charts are built once as [`Drawing`]s, so both formats show the same picture.

use crate::{Light, QuarterlyReport, Ranking, Trend, fmt};
use std::fmt::Write as _;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(h: &str) -> Rgb {
        let v = u32::from_str_radix(h.trim_start_matches('#'), 16).unwrap_or(0);
        Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8)
    }
    pub fn css(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

pub const BLACK: Rgb = Rgb(0x1f, 0x23, 0x28);
pub const MUTED: Rgb = Rgb(0x57, 0x60, 0x6a);
pub const GRID: Rgb = Rgb(0xd0, 0xd7, 0xde);
pub const ACCENT: Rgb = Rgb(0x0b, 0x5c, 0xad);
pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
/// The within-year schedule (序时进度), apart from the plan's grey path (as on the web).
pub const SCHEDULE: Rgb = Rgb(0x82, 0x50, 0xdf);

pub fn light_rgb(l: Light) -> Rgb {
    Rgb::hex(l.hex())
}

/// Where a text's x coordinate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    /// The left end of a text `width` wide anchored at `x`.
    pub fn left(self, x: f32, width: f32) -> f32 {
        match self {
            Anchor::Start => x,
            Anchor::Middle => x - width / 2.0,
            Anchor::End => x - width,
        }
    }
}

/// One primitive. Coordinates in points, y downwards, text positioned at its baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Line {
        pts: Vec<(f32, f32)>,
        color: Rgb,
        width: f32,
        dash: bool,
    },
    /// A small filled circle (a data point).
    Dot { x: f32, y: f32, r: f32, color: Rgb },
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        anchor: Anchor,
        text: String,
    },
}

impl Shape {
    pub fn translate(&self, dx: f32, dy: f32) -> Shape {
        let mut s = self.clone();
        match &mut s {
            Shape::Rect { x, y, .. } | Shape::Dot { x, y, .. } | Shape::Text { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
            Shape::Line { pts, .. } => {
                for p in pts {
                    p.0 += dx;
                    p.1 += dy;
                }
            }
        }
        s
    }
}

/// A picture with its size, a title (caption) and a description for screen readers.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub w: f32,
    pub h: f32,
    pub title: String,
    pub desc: String,
    pub shapes: Vec<Shape>,
}

impl Drawing {
    fn new(w: f32, h: f32, title: String) -> Drawing {
        Drawing {
            w,
            h,
            title,
            desc: String::new(),
            shapes: Vec::new(),
        }
    }
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.shapes.push(Shape::Rect {
            x,
            y,
            w,
            h,
            fill: Some(fill),
            stroke: None,
        });
    }
    fn line(&mut self, pts: Vec<(f32, f32)>, color: Rgb, width: f32, dash: bool) {
        self.shapes.push(Shape::Line {
            pts,
            color,
            width,
            dash,
        });
    }
    fn text(
        &mut self,
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        anchor: Anchor,
        t: impl Into<String>,
    ) {
        self.shapes.push(Shape::Text {
            x,
            y,
            size,
            bold: false,
            color,
            anchor,
            text: t.into(),
        });
    }

    /// The drawing as an inline SVG element (no external references).
    pub fn to_svg(&self) -> String {
        let mut o = String::new();
        let id = self
            .title
            .bytes()
            .fold(5381u32, |h, b| h.wrapping_mul(33) ^ b as u32);
        let _ = write!(
            o,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-labelledby="t{id} d{id}" font-family="'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"><title id="t{id}">{t}</title><desc id="d{id}">{d}</desc>"#,
            w = self.w,
            h = self.h,
            t = esc(&self.title),
            d = esc(&self.desc),
        );
        for s in &self.shapes {
            match s {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    let _ = write!(
                        o,
                        r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}""#,
                        fill.map(|c| c.css()).unwrap_or_else(|| "none".into())
                    );
                    if let Some((c, sw)) = stroke {
                        let _ = write!(o, r#" stroke="{}" stroke-width="{sw}""#, c.css());
                    }
                    o.push_str("/>");
                }
                Shape::Line {
                    pts,
                    color,
                    width,
                    dash,
                } => {
                    let p: Vec<String> =
                        pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                    let _ = write!(
                        o,
                        r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width}"{}/>"#,
                        p.join(" "),
                        color.css(),
                        if *dash {
                            r#" stroke-dasharray="4 3""#
                        } else {
                            ""
                        }
                    );
                }
                Shape::Dot { x, y, r, color } => {
                    let _ = write!(
                        o,
                        r#"<circle cx="{x:.1}" cy="{y:.1}" r="{r}" fill="{}"/>"#,
                        color.css()
                    );
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
                    let a = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let _ = write!(
                        o,
                        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" fill="{}" text-anchor="{a}"{}>{}</text>"#,
                        color.css(),
                        if *bold { r#" font-weight="bold""# } else { "" },
                        esc(text)
                    );
                }
            }
        }
        o.push_str("</svg>");
        o
    }
}

pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// `绿灯/达标`, or just `无数据` where colour name and word are the same.
pub fn light_label(l: Light) -> String {
    if l.colour_name() == l.word() {
        l.word().to_string()
    } else {
        format!("{}/{}", l.colour_name(), l.word())
    }
}

/// The legend of the four lights: coloured square, mark and word.
fn light_legend(d: &mut Drawing, x0: f32, y: f32) {
    let mut x = x0;
    for l in Light::ALL {
        d.rect(x, y - 8.0, 10.0, 10.0, light_rgb(l));
        d.text(x + 14.0, y, 9.0, BLACK, Anchor::Start, light_label(l));
        x += 78.0;
    }
}

/// Chart (a): the lights of each domain's indicators as a stacked horizontal bar.
pub fn domain_lights(r: &QuarterlyReport, width: f32) -> Drawing {
    let row_h = 22.0;
    let top = 30.0;
    let left = 78.0;
    let right = 30.0;
    let n = r.domains.len().max(1) as f32;
    let h = top + n * row_h + 26.0;
    let mut d = Drawing::new(width, h, format!("图1 各领域指标亮灯情况（{}）", r.quarter));
    let max = r
        .domains
        .iter()
        .map(|x| x.lights.total())
        .max()
        .unwrap_or(1)
        .max(1) as f32;
    let scale = (width - left - right) / max;
    light_legend(&mut d, left, 14.0);
    let mut desc = Vec::new();
    for (i, dom) in r.domains.iter().enumerate() {
        let y = top + i as f32 * row_h;
        d.text(
            left - 6.0,
            y + 14.0,
            10.0,
            BLACK,
            Anchor::End,
            dom.name.clone(),
        );
        let mut x = left;
        for l in Light::ALL {
            let c = dom.lights.get(l);
            if c == 0 {
                continue;
            }
            let w = c as f32 * scale;
            d.rect(x, y + 3.0, w, row_h - 6.0, light_rgb(l));
            d.text(
                x + w / 2.0,
                y + 14.5,
                9.0,
                WHITE,
                Anchor::Middle,
                format!("{}{c}", l.mark()),
            );
            x += w;
        }
        d.text(
            x + 4.0,
            y + 14.5,
            9.0,
            MUTED,
            Anchor::Start,
            format!("{}项", dom.lights.total()),
        );
        desc.push(format!("{}:{}", dom.name, fmt::counts(&dom.lights)));
    }
    // axis with integer ticks
    let base = top + n * row_h + 2.0;
    d.line(vec![(left, base), (width - right, base)], GRID, 0.8, false);
    let step = if max > 10.0 { 5 } else { 1 };
    let mut t = 0;
    while t as f32 <= max {
        let x = left + t as f32 * scale;
        d.line(vec![(x, base), (x, base + 3.0)], GRID, 0.8, false);
        d.text(x, base + 13.0, 8.0, MUTED, Anchor::Middle, format!("{t}"));
        t += step;
    }
    d.text(
        left - 6.0,
        base + 13.0,
        8.0,
        MUTED,
        Anchor::End,
        "指标数（项）",
    );
    d.desc = desc.join(";");
    d
}

fn nice_range(lo: f64, hi: f64) -> (f64, f64) {
    let span = (hi - lo).abs().max(hi.abs() * 0.02).max(1e-9);
    let pad = span * 0.12;
    (lo - pad, hi + pad)
}

/// Round tick values (1, 2, 2.5 or 5 × 10^k apart) inside `lo..=hi`, at least about `n`.
pub fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return vec![lo];
    }
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    // the largest round step that still gives about `n` lines
    let step = [5.0, 2.5, 2.0, 1.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s <= raw)
        .unwrap_or(mag);
    let mut v = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while v <= hi + step * 1e-9 && out.len() < 20 {
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    out
}

/// Trend numbers: up to 2 decimals, trailing zeros trimmed.
pub fn short_num(v: f64) -> String {
    let s = if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The estimated width of a label in points: a CJK character one em, anything else 0.6 em
/// (a little more than the font's digits and Latin letters, so estimated room is real
/// room). The drawings are built before a font is chosen.
pub fn label_width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| if crate::text::is_wide(c) { 1.0 } else { 0.6 })
        .sum::<f32>()
        * size
}

/// Which of the labels centred at `xs` (ascending) with `widths` to draw so that none
/// touches another (at least `gap` apart) and none leaves `lo..=hi`: every k-th counted back
/// from the last, with the smallest k that fits. The last label is always drawn; a label at
/// an edge is anchored to stay inside.
pub fn thin_labels(xs: &[f32], widths: &[f32], lo: f32, hi: f32, gap: f32) -> Vec<(usize, Anchor)> {
    let n = xs.len().min(widths.len());
    if n == 0 {
        return Vec::new();
    }
    let place = |i: usize| -> (Anchor, f32, f32) {
        let (x, w) = (xs[i], widths[i]);
        if x + w / 2.0 > hi {
            (Anchor::End, x - w, x)
        } else if x - w / 2.0 < lo {
            (Anchor::Start, x, x + w)
        } else {
            (Anchor::Middle, x - w / 2.0, x + w / 2.0)
        }
    };
    for k in 1..=n {
        let mut chosen: Vec<usize> = (0..n).rev().step_by(k).collect();
        chosen.reverse();
        let fits = chosen
            .windows(2)
            .all(|w| place(w[1]).1 - place(w[0]).2 >= gap);
        if fits {
            return chosen.into_iter().map(|i| (i, place(i).0)).collect();
        }
    }
    vec![(n - 1, place(n - 1).0)]
}

/// The year a position on the time axis falls in (`2025.0`, the end of 2024, is in 2024).
fn year_of(x: f64) -> f64 {
    (x - 1e-6).floor()
}

/// The time axis of a trend, `(start, end)` in the units of [`Trend::at`]: from the start of
/// the first period's year (where the year before ends, and its target stands) to the
/// trend's `axis_end` or its last period. `None` when the trend has no usable time
/// positions (its periods are then spaced evenly and the plan's path is not drawn).
pub fn trend_window(t: &Trend) -> Option<(f64, f64)> {
    if t.at.is_empty() || t.at.len() != t.periods.len() || !t.at.iter().all(|v| v.is_finite()) {
        return None;
    }
    let first = t.at.iter().copied().fold(f64::INFINITY, f64::min);
    let last = t.at.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = year_of(first);
    let hi = t
        .axis_end
        .filter(|e| e.is_finite() && *e > last && *e - lo <= 50.0)
        .unwrap_or(last);
    Some((lo, hi.max(lo + 0.25)))
}

/// The plan's points as `(x, value)` (the end of each point's year), in year order, in
/// pieces: a point not joined to the one before starts a new piece.
fn plan_pieces(t: &Trend) -> Vec<Vec<(f64, f64)>> {
    let mut pts: Vec<&crate::PlanPoint> = t.plan.iter().filter(|p| p.value.is_finite()).collect();
    pts.sort_by_key(|p| p.year);
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    for p in pts {
        if !p.joined || pieces.is_empty() {
            pieces.push(Vec::new());
        }
        if let Some(piece) = pieces.last_mut() {
            piece.push((p.year as f64 + 1.0, p.value));
        }
    }
    pieces
}

/// The part of the polyline `pts` (ascending x) within `lo..=hi`, cut where it crosses.
fn clip(pts: &[(f64, f64)], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let at = |a: (f64, f64), b: (f64, f64), x: f64| {
        let f = if b.0 == a.0 {
            0.0
        } else {
            (x - a.0) / (b.0 - a.0)
        };
        (x, a.1 + (b.1 - a.1) * f)
    };
    let mut out: Vec<(f64, f64)> = Vec::new();
    if let [only] = pts {
        if (lo..=hi).contains(&only.0) {
            out.push(*only);
        }
        return out;
    }
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.0 < lo || a.0 > hi {
            continue;
        }
        let pa = if a.0 < lo { at(a, b, lo) } else { a };
        let pb = if b.0 > hi { at(a, b, hi) } else { b };
        for q in [pa, pb] {
            if out.last() != Some(&q) {
                out.push(q);
            }
        }
    }
    out
}

/// Chart (b): one small line chart of an indicator on a time axis: the actual figures
/// (solid, dots), the plan's path through the baseline and the yearly targets at the year
/// ends (solid grey, rings), and the within-year schedule (dashed purple, one piece per
/// year).
/// The period labels are thinned to the room there is.
pub fn trend(t: &Trend, width: f32, height: f32) -> Drawing {
    let mut d = Drawing::new(
        width,
        height,
        format!("{} {}（{}）", t.code, t.name, t.unit),
    );
    let n = t.periods.len();
    let window = trend_window(t);
    let at: Vec<f64> = match window {
        Some(_) => t.at.clone(),
        None => (0..n).map(|i| i as f64).collect(),
    };
    let (x_lo, x_hi) = window.unwrap_or(if n > 1 {
        (0.0, (n - 1) as f64)
    } else {
        (-1.0, 1.0)
    });
    let plan: Vec<Vec<(f64, f64)>> = if window.is_some() {
        plan_pieces(t)
    } else {
        Vec::new()
    };
    let plan_lines: Vec<Vec<(f64, f64)>> = if t.plan_joined {
        plan.iter().map(|piece| clip(piece, x_lo, x_hi)).collect()
    } else {
        Vec::new()
    };
    let plan_marks: Vec<(f64, f64)> = plan
        .iter()
        .flatten()
        .copied()
        .filter(|(x, _)| *x >= x_lo - 1e-9 && *x <= x_hi + 1e-9)
        .collect();
    let finite = |v: &Option<f64>| v.filter(|v| v.is_finite());
    let vals: Vec<f64> = t
        .actual
        .iter()
        .chain(t.schedule.iter())
        .filter_map(finite)
        .chain(plan_lines.iter().flatten().chain(&plan_marks).map(|p| p.1))
        .collect();
    let (lo, hi) = if vals.is_empty() {
        (0.0, 1.0)
    } else {
        nice_range(
            vals.iter().cloned().fold(f64::INFINITY, f64::min),
            vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    // title, light and unit
    d.shapes.push(Shape::Text {
        x: 0.0,
        y: 11.0,
        size: 9.5,
        bold: true,
        color: BLACK,
        anchor: Anchor::Start,
        text: format!("{} {}", t.code, t.name),
    });
    d.rect(0.0, 17.0, 8.0, 8.0, light_rgb(t.light));
    d.text(
        11.0,
        24.5,
        8.0,
        MUTED,
        Anchor::Start,
        format!("{} · 单位：{}", t.light.word(), t.unit),
    );
    // legend: a row of its own, wrapped when the chart is narrow
    let entries: [(&str, Rgb, f32, bool, bool); 3] = [
        ("实际值", ACCENT, 1.6, false, true),
        ("规划目标路径", MUTED, 1.0, false, true),
        ("序时进度", SCHEDULE, 1.0, true, false),
    ];
    let (mut lx, mut ly) = (0.0f32, 36.0f32);
    for (i, (label, color, lw, dash, dot)) in entries.iter().enumerate() {
        let w = 17.0 + label_width(label, 8.0);
        if lx > 0.0 && lx + w > width {
            lx = 0.0;
            ly += 11.0;
        }
        d.line(
            vec![(lx, ly - 3.0), (lx + 14.0, ly - 3.0)],
            *color,
            *lw,
            *dash,
        );
        if *dot {
            d.shapes.push(Shape::Dot {
                x: lx + 7.0,
                y: ly - 3.0,
                r: 2.0,
                color: *color,
            });
            if i == 1 {
                d.shapes.push(Shape::Dot {
                    x: lx + 7.0,
                    y: ly - 3.0,
                    r: 1.0,
                    color: WHITE,
                });
            }
        }
        d.text(lx + 17.0, ly, 8.0, MUTED, Anchor::Start, *label);
        lx += w + 10.0;
    }
    let left = 44.0;
    let right = 20.0;
    let top = ly + 10.0;
    let bottom = 22.0;
    let pw = width - left - right;
    let ph = (height - top - bottom).max(10.0);
    let xs = |x: f64| left + (((x - x_lo) / (x_hi - x_lo)) as f32) * pw;
    let ys = |v: f64| top + ph - (((v - lo) / (hi - lo)) as f32) * ph;
    // grid: round values, about 3 lines
    for v in ticks(lo, hi, 3) {
        let y = ys(v);
        d.line(vec![(left, y), (width - right, y)], GRID, 0.5, false);
        d.text(left - 4.0, y + 3.0, 7.5, MUTED, Anchor::End, short_num(v));
    }
    d.line(
        vec![(left, top + ph), (width - right, top + ph)],
        GRID,
        0.8,
        false,
    );
    // the turn of each year, where the schedule starts again
    if window.is_some() {
        let mut y = x_lo.ceil();
        while y < x_hi - 1e-6 {
            if y > x_lo + 1e-6 {
                let x = xs(y);
                d.line(vec![(x, top), (x, top + ph)], GRID, 0.5, true);
            }
            y += 1.0;
        }
    }
    // x labels: as many as there is room for
    let size = 7.5;
    let label_x: Vec<f32> = at.iter().map(|x| xs(*x)).collect();
    let widths: Vec<f32> = t.periods.iter().map(|p| label_width(p, size)).collect();
    for (i, anchor) in thin_labels(&label_x, &widths, 0.0, width, 4.0) {
        d.text(
            label_x[i],
            top + ph + 12.0,
            size,
            MUTED,
            anchor,
            t.periods[i].clone(),
        );
    }
    // the plan's path
    for piece in plan_lines.iter().filter(|p| p.len() > 1) {
        let pts = piece.iter().map(|(x, v)| (xs(*x), ys(*v))).collect();
        d.line(pts, MUTED, 1.0, false);
    }
    for (x, v) in &plan_marks {
        d.shapes.push(Shape::Dot {
            x: xs(*x),
            y: ys(*v),
            r: 2.2,
            color: MUTED,
        });
        d.shapes.push(Shape::Dot {
            x: xs(*x),
            y: ys(*v),
            r: 1.1,
            color: WHITE,
        });
    }
    // the schedule, one piece per year
    let mut pieces: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut last_year = None;
    for (x, v) in at.iter().zip(&t.schedule) {
        let Some(v) = finite(v) else {
            last_year = None;
            continue;
        };
        let year = window.map(|_| year_of(*x));
        if pieces.is_empty() || last_year.is_none() || last_year != Some(year) {
            pieces.push(Vec::new());
        }
        last_year = Some(year);
        if let Some(piece) = pieces.last_mut() {
            piece.push((xs(*x), ys(v)));
        }
    }
    for piece in pieces {
        match piece.as_slice() {
            [(x, y)] => d.line(vec![(x - 4.0, *y), (x + 4.0, *y)], SCHEDULE, 1.0, true),
            _ => d.line(piece, SCHEDULE, 1.0, true),
        }
    }
    // actual
    let ap: Vec<(f32, f32)> = at
        .iter()
        .zip(&t.actual)
        .filter_map(|(x, v)| finite(v).map(|v| (xs(*x), ys(v))))
        .collect();
    if ap.len() > 1 {
        d.line(ap.clone(), ACCENT, 1.6, false);
    }
    for (x, y) in &ap {
        d.shapes.push(Shape::Dot {
            x: *x,
            y: *y,
            r: 2.2,
            color: ACCENT,
        });
    }
    // label the last actual value
    if let Some((x, v)) = at
        .iter()
        .zip(&t.actual)
        .rev()
        .find_map(|(x, v)| finite(v).map(|v| (xs(*x), v)))
    {
        let label = format!("{}{}", short_num(v), t.unit);
        let w = label_width(&label, 8.0);
        let anchor = if x + w / 2.0 > width {
            Anchor::End
        } else {
            Anchor::Middle
        };
        d.text(x, ys(v) - 5.0, 8.0, ACCENT, anchor, label);
    }
    let num = |v: Option<f64>| v.map(short_num).unwrap_or_else(|| "—".into());
    let pairs: Vec<String> = t
        .periods
        .iter()
        .zip(t.actual.iter().zip(&t.schedule))
        .map(|(p, (a, g))| format!("{p} 实际{} 序时进度{}", num(*a), num(*g)))
        .collect();
    let path: Vec<String> = t
        .plan
        .iter()
        .filter(|p| plan_marks.iter().any(|m| m.0 == p.year as f64 + 1.0))
        .map(|p| format!("{}年末{} {}", p.year, p.label, short_num(p.value)))
        .collect();
    d.desc = format!(
        "单位{}；{}{}",
        t.unit,
        pairs.join(";"),
        if path.is_empty() {
            String::new()
        } else {
            format!("；规划目标路径：{}", path.join(";"))
        }
    );
    d
}

/// Chart (c): a ranking's scores as horizontal bars in rank order; units without a score
/// are listed as 无数据; the bottom three are marked.
pub fn ranking(rk: &Ranking, width: f32) -> Drawing {
    let row_h = 16.0;
    let top = 8.0;
    let left = 86.0;
    let right = 150.0;
    let n = rk.rows.len().max(1) as f32;
    let h = top + n * row_h + 22.0;
    let mut d = Drawing::new(width, h, format!("{}得分（{}）", rk.title, rk.period));
    let scores: Vec<f64> = rk
        .rows
        .iter()
        .filter_map(|r| r.score)
        .filter(|v| v.is_finite())
        .collect();
    let max = scores.iter().cloned().fold(0.0, f64::max).max(1.0);
    let min_axis = {
        let lo = scores.iter().cloned().fold(f64::INFINITY, f64::min);
        if lo.is_finite() && lo > 50.0 {
            ((lo - 10.0) / 10.0).floor() * 10.0
        } else {
            0.0
        }
    };
    let max_axis = (max / 10.0).ceil() * 10.0;
    let pw = width - left - right;
    let xs = |v: f64| left + (((v - min_axis) / (max_axis - min_axis)) as f32) * pw;
    let mut desc = Vec::new();
    for (i, r) in rk.rows.iter().enumerate() {
        let y = top + i as f32 * row_h;
        d.text(
            left - 6.0,
            y + 11.0,
            9.0,
            BLACK,
            Anchor::End,
            r.unit.clone(),
        );
        match r.score.filter(|v| v.is_finite()) {
            Some(s) => {
                let flagged = !r.flags.is_empty();
                let c = if flagged {
                    light_rgb(Light::Red)
                } else {
                    ACCENT
                };
                let x1 = xs(s);
                d.rect(left, y + 3.0, (x1 - left).max(1.0), row_h - 5.0, c);
                let mut label = format!("{}{}", fmt::num(s, 1), rk.score_unit);
                if let Some(f) = r.flags.first() {
                    label.push(' ');
                    label.push_str(f);
                }
                d.text(
                    x1 + 4.0,
                    y + 11.0,
                    8.5,
                    if flagged { c } else { BLACK },
                    Anchor::Start,
                    label,
                );
                desc.push(format!(
                    "第{}名 {} {}{}",
                    r.rank,
                    r.unit,
                    fmt::num(s, 1),
                    rk.score_unit
                ));
            }
            None => {
                d.text(
                    left + 2.0,
                    y + 11.0,
                    8.5,
                    MUTED,
                    Anchor::Start,
                    "无数据（未参与排名）",
                );
                desc.push(format!("{} 无数据", r.unit));
            }
        }
    }
    let base = top + n * row_h + 2.0;
    d.line(vec![(left, base), (left + pw, base)], GRID, 0.8, false);
    let mut v = min_axis;
    while v <= max_axis + 1e-9 {
        let x = xs(v);
        d.line(vec![(x, base), (x, base + 3.0)], GRID, 0.8, false);
        d.text(
            x,
            base + 13.0,
            8.0,
            MUTED,
            Anchor::Middle,
            format!("{v:.0}"),
        );
        v += 10.0;
    }
    d.text(
        left - 6.0,
        base + 13.0,
        8.0,
        MUTED,
        Anchor::End,
        format!("得分（{}）", rk.score_unit),
    );
    d.desc = desc.join(";");
    d
}

#[cfg(test)]
mod tests {
    use super::{Anchor, BLACK, Drawing, Shape, label_width, thin_labels, ticks, trend};
    use crate::{Light, PlanPoint, Trend};

    /// Twenty-one months of a town figure, from January of last year to September.
    fn monthly() -> Trend {
        let months: Vec<(i32, u32)> = (1..=12)
            .map(|m| (2024, m))
            .chain((1..=9).map(|m| (2025, m)))
            .collect();
        Trend {
            code: "T02".into(),
            name: "普惠托位占比".into(),
            unit: "%".into(),
            light: Light::Yellow,
            periods: months.iter().map(|(y, m)| format!("{y}-{m:02}")).collect(),
            at: months
                .iter()
                .map(|(y, m)| *y as f64 + *m as f64 / 12.0)
                .collect(),
            actual: (0..months.len())
                .map(|i| Some(60.0 + i as f64 * 0.2))
                .collect(),
            schedule: months
                .iter()
                .map(|(y, m)| {
                    let (b, t) = if *y == 2024 {
                        (58.0, 62.0)
                    } else {
                        (61.0, 65.0)
                    };
                    Some(b + (t - b) * *m as f64 / 12.0)
                })
                .collect(),
            plan: [
                (2022, 55.0, "基期"),
                (2023, 58.0, "目标 58"),
                (2024, 62.0, "目标 62"),
            ]
            .into_iter()
            .chain([(2025, 65.0, "目标 65"), (2027, 70.0, "目标 70")])
            .map(|(year, value, label)| PlanPoint {
                year,
                value,
                label: label.into(),
                joined: true,
            })
            .collect(),
            plan_joined: true,
            axis_end: Some(2026.0),
        }
    }

    fn texts(d: &Drawing, size: f32) -> Vec<(f32, Anchor, String)> {
        d.shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text {
                    x,
                    size: z,
                    anchor,
                    text,
                    ..
                } if *z == size => Some((*x, *anchor, text.clone())),
                _ => None,
            })
            .collect()
    }

    /// The x labels of a trend never touch, whatever the width and number of periods.
    #[test]
    fn trend_labels_never_overlap() {
        for width in [160.0, 240.0, 360.0, 520.0] {
            for keep in [1, 2, 5, 12, 21] {
                let mut t = monthly();
                t.periods.truncate(keep);
                t.at.truncate(keep);
                t.actual.truncate(keep);
                t.schedule.truncate(keep);
                let d = trend(&t, width, 164.0);
                let labels: Vec<(f32, f32)> = texts(&d, 7.5)
                    .into_iter()
                    .filter(|(_, _, s)| t.periods.contains(s))
                    .map(|(x, a, s)| {
                        let w = label_width(&s, 7.5);
                        let l = a.left(x, w);
                        (l, l + w)
                    })
                    .collect();
                assert!(!labels.is_empty(), "the last period is always labelled");
                for w in labels.windows(2) {
                    assert!(w[1].0 - w[0].1 >= 4.0, "{width} pt, {keep}: {labels:?}");
                }
                for (l, r) in &labels {
                    assert!(*l >= 0.0 && *r <= width, "{width} pt: {l}..{r} outside");
                }
                // Narrow charts show fewer labels; the last period's is always there.
                let shown: Vec<String> = texts(&d, 7.5).into_iter().map(|t| t.2).collect();
                assert!(shown.contains(&t.periods[keep - 1]));
            }
        }
        // Thinning keeps a regular step counted back from the last label.
        let xs: Vec<f32> = (0..10).map(|i| i as f32 * 10.0).collect();
        let chosen: Vec<usize> = thin_labels(&xs, &[14.0; 10], 0.0, 200.0, 4.0)
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(chosen, [1, 3, 5, 7, 9]);
    }

    /// The plan's path is not the schedule: it runs through each year's end (no drop in
    /// January), and the schedule is a dashed line broken at each new year.
    #[test]
    fn plan_path_runs_through_year_ends_and_the_schedule_breaks_each_year() {
        let t = monthly();
        let d = trend(&t, 360.0, 164.0);
        let lines: Vec<(&Vec<(f32, f32)>, bool)> = d
            .shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Line {
                    pts, dash, width, ..
                } if pts.len() > 2 || *width == 1.0 => Some((pts, *dash)),
                _ => None,
            })
            .collect();
        // Two dashed schedule pieces, 12 and 9 months, neither crossing a new year.
        let dashed: Vec<usize> = lines
            .iter()
            .filter(|(p, dash)| *dash && p.len() > 2)
            .map(|(p, _)| p.len())
            .collect();
        assert_eq!(dashed, [12, 9]);
        // One solid plan line through the year ends of 2023, 2024 and 2025 (the axis
        // runs from the start of 2024 to the end of 2025): never falling where the plan
        // rises.
        let plan: Vec<&Vec<(f32, f32)>> = lines
            .iter()
            .filter(|(p, dash)| !dash && p.len() == 3)
            .map(|(p, _)| *p)
            .collect();
        assert_eq!(plan.len(), 1, "{lines:?}");
        assert!(
            plan[0].windows(2).all(|w| w[1].1 < w[0].1),
            "rising: {:?}",
            plan[0]
        );
        assert!(d.desc.contains("2025年末目标 65 65"), "{}", d.desc);
        assert!(
            !d.desc.contains("2022年末"),
            "the baseline lies before the axis"
        );
    }

    /// A bound the level before already keeps is not climbed to: the path is cut there.
    #[test]
    fn a_kept_bound_is_not_joined() {
        let mut t = monthly();
        for p in &mut t.plan {
            p.joined = p.year != 2024;
        }
        let d = trend(&t, 360.0, 164.0);
        let solid_plan = d
            .shapes
            .iter()
            .filter(|s| {
                matches!(s, Shape::Line { pts, dash: false, width, .. }
                    if pts.len() >= 2 && *width == 1.0 && pts[0].1 > 40.0)
            })
            .count();
        // 2023 alone (a mark), then 2024 → 2025: one line only.
        assert_eq!(solid_plan, 1);
    }

    /// A year-to-date flow's targets are marks, not a line; a trend without time positions
    /// still draws.
    #[test]
    fn unjoined_plans_and_untimed_trends_draw() {
        let mut t = monthly();
        t.plan_joined = false;
        let d = trend(&t, 360.0, 164.0);
        assert!(!d.shapes.iter().any(|s| matches!(s, Shape::Line { pts, dash: false, width, .. } if pts.len() == 3 && *width == 1.0)));
        t.at.clear();
        let d = trend(&t, 360.0, 164.0);
        assert!(d.desc.contains("2025-09 实际"));
    }

    /// Grid lines fall on round values.
    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(87.9, 95.6, 3), vec![90.0, 92.5, 95.0]);
        assert_eq!(
            ticks(3700.0, 4800.0, 3),
            vec![3750.0, 4000.0, 4250.0, 4500.0, 4750.0]
        );
        assert_eq!(ticks(3.7, 4.6, 3), vec![3.75, 4.0, 4.25, 4.5]);
        assert_eq!(ticks(5.0, 5.0, 3), vec![5.0]);
    }

    #[test]
    fn svg_escapes_text() {
        let mut d = Drawing::new(10.0, 10.0, "a<b".into());
        d.text(0.0, 0.0, 9.0, BLACK, Anchor::Start, "<script>");
        let s = d.to_svg();
        assert!(!s.contains("<script") && s.contains("&lt;script&gt;") && s.contains("a&lt;b"));
    }
}
