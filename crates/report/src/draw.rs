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

/// Chart (b): one small line chart of an indicator: actual (solid, dots) and target path
/// (dashed).
pub fn trend(t: &Trend, width: f32, height: f32) -> Drawing {
    let mut d = Drawing::new(
        width,
        height,
        format!("{} {}（{}）", t.code, t.name, t.unit),
    );
    let left = 44.0;
    let right = 20.0;
    let top = 36.0;
    let bottom = 22.0;
    let vals: Vec<f64> = t
        .actual
        .iter()
        .chain(t.target_path.iter())
        .flatten()
        .filter(|v| v.is_finite())
        .copied()
        .collect();
    let (lo, hi) = if vals.is_empty() {
        (0.0, 1.0)
    } else {
        nice_range(
            vals.iter().cloned().fold(f64::INFINITY, f64::min),
            vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    let pw = width - left - right;
    let ph = height - top - bottom;
    let n = t.periods.len().max(1);
    let xs = |i: usize| {
        left + if n == 1 {
            pw / 2.0
        } else {
            pw * i as f32 / (n - 1) as f32
        }
    };
    let ys = |v: f64| top + ph - (((v - lo) / (hi - lo)) as f32) * ph;
    // title
    let title = format!("{} {}", t.code, t.name);
    d.shapes.push(Shape::Text {
        x: 0.0,
        y: 11.0,
        size: 9.5,
        bold: true,
        color: BLACK,
        anchor: Anchor::Start,
        text: title,
    });
    let light = light_rgb(t.light);
    d.rect(0.0, 17.0, 8.0, 8.0, light);
    d.text(
        11.0,
        24.5,
        8.0,
        MUTED,
        Anchor::Start,
        format!("{} · 单位：{}", t.light.word(), t.unit),
    );
    // legend on the right
    d.line(
        vec![(width - 118.0, 21.0), (width - 104.0, 21.0)],
        ACCENT,
        1.6,
        false,
    );
    d.text(width - 101.0, 24.5, 8.0, MUTED, Anchor::Start, "实际值");
    d.line(
        vec![(width - 62.0, 21.0), (width - 48.0, 21.0)],
        MUTED,
        1.2,
        true,
    );
    d.text(width - 45.0, 24.5, 8.0, MUTED, Anchor::Start, "目标路径");
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
    // x labels: first, last and (if room) every other
    let every = if n > 6 { n.div_ceil(4) } else { 1 };
    for (i, p) in t.periods.iter().enumerate() {
        if i % every == 0 || i + 1 == n {
            d.text(
                xs(i),
                top + ph + 12.0,
                7.5,
                MUTED,
                Anchor::Middle,
                p.clone(),
            );
        }
    }
    // target path
    let tp: Vec<(f32, f32)> = t
        .target_path
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (xs(i), ys(v))))
        .collect();
    if tp.len() > 1 {
        d.line(tp, MUTED, 1.2, true);
    }
    // actual
    let ap: Vec<(f32, f32)> = t
        .actual
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (xs(i), ys(v))))
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
    if let Some((i, v)) = t
        .actual
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, v)| v.filter(|v| v.is_finite()).map(|v| (i, v)))
    {
        let anchor = if i + 1 >= n {
            Anchor::End
        } else {
            Anchor::Middle
        };
        d.text(
            xs(i),
            ys(v) - 5.0,
            8.0,
            ACCENT,
            anchor,
            format!("{}{}", short_num(v), t.unit),
        );
    }
    let pairs: Vec<String> = t
        .periods
        .iter()
        .zip(t.actual.iter().zip(&t.target_path))
        .map(|(p, (a, g))| {
            format!(
                "{p} 实际{} 目标路径{}",
                a.map(short_num).unwrap_or_else(|| "—".into()),
                g.map(short_num).unwrap_or_else(|| "—".into())
            )
        })
        .collect();
    d.desc = format!("单位{}；{}", t.unit, pairs.join(";"));
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
    use super::{Anchor, BLACK, Drawing, ticks};

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
