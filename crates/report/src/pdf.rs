//! The PDF: a small page-layout engine (paragraphs with CJK line breaking, tables that break
//! across pages and repeat their header, charts as vector drawings) that lays out a
//! [`Document`] first, then draws the pages with krilla, which subsets and embeds the font.

use crate::doc::{Align, Block, Cell, Document, Figure, Section, Table, Tile};
use crate::draw::{ACCENT, Anchor, BLACK, GRID, MUTED, Rgb, Shape, light_rgb};
use crate::text::Measurer;
use crate::{FontSource, Light, ReportError};
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

#[allow(clippy::too_many_arguments)]
fn text(x: f32, y: f32, size: f32, bold: bool, color: Rgb, anchor: Anchor, t: &str) -> Shape {
    let text = t.to_string();
    Shape::Text {
        x,
        y,
        anchor,
        size,
        bold,
        color,
        text,
    }
}

fn rule(x0: f32, x1: f32, y: f32, color: Rgb, width: f32) -> Shape {
    Shape::Line {
        pts: vec![(x0, y), (x1, y)],
        color,
        width,
        dash: false,
    }
}

struct Layout<'m> {
    reg: &'m Measurer<'m>,
    bold: &'m Measurer<'m>,
    pages: Vec<Vec<Shape>>,
    y: f32,
    /// The headings (level, text, page index, y), for the PDF outline (bookmarks).
    marks: Vec<(u8, String, usize, f32)>,
}

impl<'m> Layout<'m> {
    fn new(reg: &'m Measurer<'m>, bold: &'m Measurer<'m>) -> Self {
        let (pages, marks) = (vec![Vec::new()], Vec::new());
        Layout {
            reg,
            bold,
            pages,
            y: MT,
            marks,
        }
    }
    fn m(&self, bold: bool) -> &Measurer<'m> {
        if bold { self.bold } else { self.reg }
    }
    fn cur(&mut self) -> &mut Vec<Shape> {
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
    fn put_text(&mut self, x: f32, y: f32, size: f32, bold: bool, c: Rgb, a: Anchor, t: &str) {
        self.cur().push(text(x, y, size, bold, c, a, t));
    }
    fn rect(&mut self, [x, y, w, h]: [f32; 4], fill: Option<Rgb>, stroke: Option<(Rgb, f32)>) {
        self.cur().push(Shape::Rect {
            x,
            y,
            w,
            h,
            stroke,
            fill,
        });
    }
    fn hline(&mut self, y: f32, color: Rgb, w: f32) {
        self.cur().push(rule(ML, ML + CW, y, color, w));
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
    /// A numbered list, the numbers hanging.
    fn list(&mut self, items: &[String]) {
        for (i, t) in items.iter().enumerate() {
            self.ensure(BODY * 1.75);
            let y0 = self.y + BODY;
            let label = format!("{}.", i + 1);
            self.put_text(ML + 8.0, y0, BODY, false, BLACK, Anchor::Start, &label);
            self.para_at(ML + 26.0, CW - 26.0, t, BODY, false, BLACK, BODY * 1.75);
            self.y += 3.0;
        }
        self.y += 6.0;
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
        self.hline(self.y, ACCENT, 1.0);
        self.y += 10.0;
    }
    fn h2(&mut self, t: &str) {
        self.ensure(13.0 + 90.0);
        self.y += 4.0;
        self.mark(1, t);
        self.put_text(ML, self.y + 12.0, 12.0, true, BLACK, Anchor::Start, t);
        self.y += 20.0;
    }

    /// A section; one to keep whole starts a new page unless it fits on this one, when it
    /// fits on an empty page (measured by laying it out on a scratch page).
    fn section(&mut self, s: &Section, level: u8) {
        if s.keep {
            let mut dry = Layout::new(self.reg, self.bold);
            dry.section_body(s, level);
            if dry.pages.len() == 1 {
                self.ensure(dry.y - MT);
            }
        }
        self.section_body(s, level);
    }
    fn section_body(&mut self, s: &Section, level: u8) {
        if level == 0 {
            self.h1(&s.heading);
        } else {
            self.h2(&s.heading);
        }
        for b in &s.blocks {
            match b {
                Block::Text(t) => self.para(t),
                Block::Note(t) => self.small(t),
                Block::List(items) => self.list(items),
                Block::Tiles(tiles) => self.tiles(tiles),
                Block::Table(t) => self.table(t),
                Block::Figure(f) => self.figure(f),
            }
        }
        for sub in &s.subsections {
            self.section(sub, level + 1);
        }
    }

    /// Boxes side by side, each a big number in its light's colour over its label.
    fn tiles(&mut self, tiles: &[Tile]) {
        let (gap, h) = (10.0, 58.0);
        let n = tiles.len().max(1) as f32;
        let w = (CW - (n - 1.0) * gap) / n;
        self.ensure(h + 12.0);
        let y = self.y;
        for (i, t) in tiles.iter().enumerate() {
            let x = ML + i as f32 * (w + gap);
            let col = light_rgb(t.light);
            self.rect([x, y, w, h], Some(Rgb(0xfa, 0xfb, 0xfc)), Some((GRID, 0.6)));
            self.rect([x, y, w, 4.0], Some(col), None);
            let (mid, base) = (x + w / 2.0, y + 34.0);
            self.put_text(mid - 6.0, base, 24.0, true, col, Anchor::End, &t.number);
            self.put_text(mid - 3.0, base, 10.0, false, BLACK, Anchor::Start, &t.unit);
            self.put_text(mid, y + 50.0, 9.0, false, col, Anchor::Middle, &t.label);
        }
        self.y += h + 8.0;
    }

    /// A table with a shaded header row, repeated on each page it runs onto; a row taller
    /// than a page goes on over pages.
    fn table(&mut self, t: &Table) {
        const PAD: f32 = 4.0;
        const FS: f32 = 8.8;
        const LH: f32 = 12.6;
        if let Some(c) = &t.caption {
            self.para_at(ML, CW, c, BODY, true, BLACK, BODY * 1.75);
        }
        let ws = t.widths(CW);
        let header = t.columns.iter().map(|c| Cell {
            text: c.title.clone(),
            color: None,
            bold: true,
        });
        let header: Vec<Cell> = header.collect();
        let wrap = |me: &Self, r: &[Cell], bold: bool| -> Vec<Vec<String>> {
            let cells = r.iter().zip(&ws);
            cells
                .map(|(c, w)| me.m(c.bold || bold).wrap(&c.text, FS, w - 2.0 * PAD))
                .collect()
        };
        let lines = |ls: &[Vec<String>]| ls.iter().map(Vec::len).max().unwrap_or(1).max(1);
        let height = |n: usize| n as f32 * LH + 2.0 * PAD - 2.0;
        // lines from..to of a row
        let draw_row = |me: &mut Self,
                        r: &[Cell],
                        ls: &[Vec<String>],
                        from: usize,
                        to: usize,
                        bold: bool,
                        fill: Option<Rgb>| {
            let (mut x, y, h) = (ML, me.y, height(to - from));
            for ((cell, col), (w, ls)) in r.iter().zip(&t.columns).zip(ws.iter().zip(ls)) {
                me.rect([x, y, *w, h], fill, Some((GRID, 0.6)));
                let (tx, a) = match col.align {
                    Align::Left => (x + PAD, Anchor::Start),
                    Align::Center => (x + w / 2.0, Anchor::Middle),
                    Align::Right => (x + w - PAD, Anchor::End),
                };
                let color = cell.color.map(light_rgb).unwrap_or(BLACK);
                for (k, l) in ls.iter().enumerate().take(to).skip(from) {
                    let base = y + PAD + FS + (k - from) as f32 * LH - 0.5;
                    me.put_text(tx, base, FS, cell.bold || bold, color, a, l);
                }
                x += w;
            }
            me.y += h;
        };
        let hl = wrap(self, &header, true);
        let hh = height(lines(&hl));
        let head = |me: &mut Self| draw_row(me, &header, &hl, 0, lines(&hl), true, Some(HEAD_FILL));
        let rows: Vec<Vec<Vec<String>>> = t.rows.iter().map(|r| wrap(self, r, false)).collect();
        let heights: Vec<f32> = rows.iter().map(|ls| height(lines(ls))).collect();
        let total = hh + heights.iter().sum::<f32>();
        let fresh = PH - MB - MT;
        // a table that fits on one page is not split when most of it would move anyway
        if total <= fresh && self.room() < total && self.room() < 0.6 * total {
            self.new_page();
        }
        // the header with the first row, or three lines of it when it is taller than a page
        let first = heights.first().copied().unwrap_or(0.0);
        self.ensure(
            hh + if first <= fresh - hh {
                first
            } else {
                height(3)
            },
        );
        // no widows: when a break would leave fewer than 3 rows for the next page, break
        // earlier so that 3 go together
        let n = t.rows.len();
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
        head(self);
        for (i, (r, ls)) in t.rows.iter().zip(&rows).enumerate() {
            let total = t.total_row && i + 1 == n;
            let fill = total.then_some(TOTAL_FILL);
            // a row that fits on a page starts on the next one when it does not fit here; a
            // taller one starts here when three of its lines fit
            let (h, small) = (heights[i], heights[i] <= fresh - hh);
            if (self.room() < h && (small || self.room() < height(3))) || force_break == Some(i) {
                self.new_page();
                head(self);
            }
            let (mut from, all) = (0, lines(ls));
            loop {
                let fit = ((self.room() - 2.0 * PAD + 2.0) / LH).floor().max(1.0) as usize;
                let to = all.min(from + fit);
                draw_row(self, r, ls, from, to, total, fill);
                if to == all {
                    break;
                }
                from = to;
                self.new_page();
                head(self);
            }
        }
        self.y += 10.0;
    }

    /// Charts side by side, `per_row` to a row, each under its caption when it has one, the
    /// figure's caption under them all.
    fn figure(&mut self, f: &Figure) {
        const GAP: f32 = 16.0;
        if let Some(l) = &f.legend {
            self.small(l);
        }
        let per = f.per_row.max(1);
        let w = (CW - GAP * (per - 1) as f32) / per as f32;
        let rows = f.charts.chunks(per).count();
        for (i, row) in f.charts.chunks(per).enumerate() {
            let ds: Vec<_> = row.iter().map(|c| c.draw(w)).collect();
            let h = ds.iter().map(|d| d.h).fold(0.0, f32::max);
            let below = if row.iter().any(|c| c.captioned) {
                22.0
            } else {
                10.0
            };
            let last_caption = if i + 1 == rows && f.caption.is_some() {
                18.0
            } else {
                0.0
            };
            self.ensure(h + below + last_caption);
            let (y0, mut x) = (self.y, ML);
            for (d, c) in ds.iter().zip(row) {
                for s in &d.shapes {
                    let t = s.translate(x, y0);
                    self.cur().push(t);
                }
                if c.captioned {
                    let mid = x + d.w / 2.0;
                    self.put_text(
                        mid,
                        y0 + h + 11.0,
                        9.0,
                        false,
                        MUTED,
                        Anchor::Middle,
                        &d.title,
                    );
                }
                x += d.w + GAP;
            }
            self.y += h + below;
        }
        if let Some(c) = &f.caption {
            self.put_text(
                ML + CW / 2.0,
                self.y + 4.0,
                9.0,
                false,
                MUTED,
                Anchor::Middle,
                c,
            );
            self.y += 18.0;
        }
    }

    fn title_block(&mut self, d: &Document) {
        self.y = 64.0;
        for t in self.bold.wrap(&d.title, 20.0, CW) {
            self.put_text(
                PW / 2.0,
                self.y + 20.0,
                20.0,
                true,
                BLACK,
                Anchor::Middle,
                &t,
            );
            self.y += 30.0;
        }
        self.y += 4.0;
        self.put_text(
            PW / 2.0,
            self.y + 10.0,
            10.0,
            false,
            MUTED,
            Anchor::Middle,
            &d.subtitle,
        );
        self.y += 17.0;
        self.put_text(
            PW / 2.0,
            self.y + 9.0,
            9.0,
            false,
            MUTED,
            Anchor::Middle,
            &d.generated,
        );
        self.y += 15.0;
        if let Some(n) = &d.data_note {
            let red = light_rgb(Light::Red);
            self.put_text(PW / 2.0, self.y + 10.0, 10.0, true, red, Anchor::Middle, n);
            self.y += 16.0;
        }
        self.y += 6.0;
        self.hline(self.y, BLACK, 1.2);
        self.y += 10.0;
    }

    fn closing(&mut self, d: &Document) {
        self.ensure(50.0);
        self.y += 16.0;
        for t in &d.signature {
            self.put_text(ML + CW, self.y + BODY, BODY, false, BLACK, Anchor::End, t);
            self.y += BODY * 1.8;
        }
    }
}

/// The running header (from page 2) and the footer with 第 N 页 / 共 M 页.
fn header_footer(d: &Document, pages: &mut [Vec<Shape>]) {
    let n = pages.len();
    for (i, p) in pages.iter_mut().enumerate() {
        if i > 0 {
            p.push(text(ML, 44.0, 8.5, false, MUTED, Anchor::Start, &d.title));
            p.push(text(
                ML + CW,
                44.0,
                8.5,
                false,
                MUTED,
                Anchor::End,
                &d.page_head,
            ));
            p.push(rule(ML, ML + CW, 50.0, GRID, 0.6));
        }
        let (y, page) = (PH - 34.0, format!("第 {} 页 / 共 {} 页", i + 1, n));
        p.push(rule(ML, ML + CW, PH - 48.0, GRID, 0.6));
        p.push(text(PW / 2.0, y, 9.0, false, BLACK, Anchor::Middle, &page));
        // The data note takes a line of its own under the page number: on the same line a
        // long note ran into 第 N 页 / 共 M 页.
        if let Some(note) = &d.data_note {
            p.push(text(ML, y + 12.0, 8.0, false, MUTED, Anchor::Start, note));
        }
        p.push(text(
            ML + CW,
            y,
            8.0,
            false,
            MUTED,
            Anchor::End,
            &d.page_foot,
        ));
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

pub fn render(d: &Document, fonts: &FontSource) -> Result<Vec<u8>, ReportError> {
    let reg_face = &fonts.regular;
    let bold_face = fonts.bold.as_ref().unwrap_or(&fonts.regular);
    let reg = Measurer::new(&reg_face.data, reg_face.index);
    let bold = Measurer::new(&bold_face.data, bold_face.index);
    let mut l = Layout::new(&reg, &bold);
    l.title_block(d);
    for s in &d.sections {
        l.section(s, 0);
    }
    l.closing(d);
    // drop a trailing empty page
    if l.pages.len() > 1 && l.pages.last().is_some_and(|p| p.is_empty()) {
        l.pages.pop();
    }
    let mut pages = std::mem::take(&mut l.pages);
    header_footer(d, &mut pages);

    let font_reg = Font::new(reg_face.data.clone().into(), reg_face.index).ok_or_else(|| {
        ReportError::Font(format!("krilla 无法使用字体 {}", reg_face.path.display()))
    })?;
    let font_bold = match &fonts.bold {
        Some(b) => Font::new(b.data.clone().into(), b.index).unwrap_or_else(|| font_reg.clone()),
        None => font_reg.clone(),
    };

    let mut doc = krilla::Document::new();
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
                    dash,
                    color,
                    width,
                } => {
                    let mut pb = PathBuilder::new();
                    if let Some(((x0, y0), rest)) = pts.split_first() {
                        pb.move_to(*x0, *y0);
                        rest.iter().for_each(|(x, y)| pb.line_to(*x, *y));
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
                    anchor,
                    size,
                    bold,
                    color,
                    text,
                } => {
                    if text.is_empty() {
                        continue;
                    }
                    let m = if *bold { &l.bold } else { &l.reg };
                    let x0 = anchor.left(*x, m.width(text, *size));
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
            .title(d.title.clone())
            .language("zh-CN".into())
            .creator("youxiang".into())
            .description(d.description.clone()),
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
