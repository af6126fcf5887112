//! The Word document: heading styles that Word/WPS recognise (标题 1/2 → navigation pane and
//! table of contents), real tables, the page number in the footer. It walks a [`Document`];
//! the charts are PNG pictures of the same drawings, or their data tables when there is no
//! font to draw them with.

use crate::doc::{Align, Block, Document, Figure, Section, Table};
use crate::draw::Drawing;
use crate::{FontSource, Light, ReportError};
use docx_rs::{
    AlignmentType, Docx, Footer, Header, LineSpacing, NumPages, PageMargin, PageNum, Paragraph,
    Pic, Run, RunFonts, Shading, ShdType, Style, StyleType, TableCell, TableRow, WidthType,
};

const BODY_FONT: &str = "宋体";
const HEAD_FONT: &str = "黑体";
const LATIN: &str = "Times New Roman";
/// Text width of A4 with 2.5 cm / 2.2 cm margins, in twips.
const TW: usize = 11906 - 2 * 1247;
/// Pixels per point of the chart pictures (216 dpi: sharp in print, small files).
const PX: f32 = 3.0;
/// EMU per point.
const EMU: f32 = 12700.0;
/// The text width in points.
const TW_PT: f32 = TW as f32 / 20.0;
const MUTED: &str = "57606A";

fn run_fonts(east: &str) -> RunFonts {
    RunFonts::new().east_asia(east).ascii(LATIN).hi_ansi(LATIN)
}

fn p(text: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

fn small(text: impl Into<String>) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text).size(18).color(MUTED))
}

fn caption(text: impl Into<String>) -> Paragraph {
    small(text).align(AlignmentType::Center)
}

pub fn render(doc: &Document, fonts: Option<&FontSource>) -> Result<Vec<u8>, ReportError> {
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
                    .add_run(Run::new().add_text(&doc.title).size(16).color("57606A"))
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
            if let Some(n) = &doc.data_note {
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
    let line = |t: &str, run: fn(Run) -> Run| {
        let run = run(Run::new().add_text(t));
        Paragraph::new().add_run(run).align(AlignmentType::Center)
    };
    d = d
        .add_paragraph(p(&doc.title).style("Title"))
        .add_paragraph(line(&doc.subtitle, |r| r.color(MUTED)))
        .add_paragraph(line(&doc.generated, |r| r.size(18).color(MUTED)));
    if let Some(n) = &doc.data_note {
        d = d.add_paragraph(line(n, |r| r.bold().color(Light::Red.hex())));
    }
    for s in &doc.sections {
        d = section(d, s, 0, fonts);
    }
    d = d.add_paragraph(p(""));
    for t in &doc.signature {
        d = d.add_paragraph(p(t).align(AlignmentType::Right));
    }

    let mut buf = std::io::Cursor::new(Vec::new());
    d.build()
        .pack(&mut buf)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    Ok(buf.into_inner())
}

fn section(mut d: Docx, s: &Section, level: usize, fonts: Option<&FontSource>) -> Docx {
    let style = if level == 0 { "Heading1" } else { "Heading2" };
    d = d.add_paragraph(p(&s.heading).style(style).keep_next(true));
    for b in &s.blocks {
        d = match b {
            Block::Text(t) => d.add_paragraph(p(t)),
            Block::Note(t) => d.add_paragraph(small(t)),
            Block::List(items) => items.iter().enumerate().fold(d, |d, (i, k)| {
                d.add_paragraph(p(format!("{}. {}", i + 1, k)))
            }),
            Block::Tiles(tiles) => {
                d.add_paragraph(tiles.iter().fold(Paragraph::new(), |par, t| {
                    let c = t.light.hex();
                    par.add_run(Run::new().add_text(format!("{} ", t.label)).color(c))
                        .add_run(
                            Run::new()
                                .add_text(format!("{}{}    ", t.number, t.unit))
                                .bold()
                                .size(28)
                                .color(c),
                        )
                }))
            }
            Block::Table(t) => table(d, t),
            Block::Figure(f) => figure(d, f, fonts),
        };
    }
    for sub in &s.subsections {
        d = section(d, sub, level + 1, fonts);
    }
    d
}

/// A table with a shaded bold header row, its caption in bold above it.
fn table(mut d: Docx, t: &Table) -> Docx {
    if let Some(c) = &t.caption {
        d = d.add_paragraph(Paragraph::new().add_run(Run::new().add_text(c).bold()));
    }
    let tw: Vec<usize> = t.widths(TW as f32).iter().map(|w| *w as usize).collect();
    let mk = |text: &str,
              color: Option<Light>,
              bold: bool,
              align: Align,
              w: usize,
              shade: Option<&str>| {
        let mut run = Run::new().add_text(text).size(18);
        if bold {
            run = run.bold();
        }
        if let Some(col) = color {
            run = run.color(col.hex());
        }
        let align = match align {
            Align::Left => AlignmentType::Left,
            Align::Center => AlignmentType::Center,
            Align::Right => AlignmentType::Right,
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
    let head = t.columns.iter().zip(&tw);
    let head = head.map(|(c, w)| mk(&c.title, None, true, Align::Left, *w, Some("EEF2F6")));
    let mut trs = vec![TableRow::new(head.collect()).cant_split()];
    let n = t.rows.len();
    for (i, r) in t.rows.iter().enumerate() {
        let total = t.total_row && i + 1 == n;
        let shade = total.then_some("F6F8FA");
        let cells = r.iter().zip(t.columns.iter().zip(&tw));
        let cells =
            cells.map(|(c, (col, w))| mk(&c.text, c.color, c.bold || total, col.align, *w, shade));
        trs.push(TableRow::new(cells.collect()).cant_split());
    }
    d.add_table(
        docx_rs::Table::new(trs)
            .set_grid(tw)
            .width(TW, WidthType::Dxa),
    )
}

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

/// The charts as pictures, `per_row` to a paragraph, with their captions; without a font,
/// their data tables instead.
fn figure(mut d: Docx, f: &Figure, fonts: Option<&FontSource>) -> Docx {
    const GAP: f32 = 12.0;
    let per = f.per_row.max(1);
    let w = (TW_PT - GAP * (per - 1) as f32) / per as f32;
    let ds: Vec<Drawing> = f.charts.iter().map(|c| c.draw(w)).collect();
    let pics: Option<Vec<Paragraph>> = ds.chunks(per).map(|ds| pictures(ds, fonts)).collect();
    if let Some(pics) = pics {
        if let Some(l) = &f.legend {
            d = d.add_paragraph(small(l));
        }
        for (par, (ds, cs)) in pics
            .into_iter()
            .zip(ds.chunks(per).zip(f.charts.chunks(per)))
        {
            d = d.add_paragraph(par);
            for (dr, _) in ds.iter().zip(cs).filter(|(_, c)| c.captioned) {
                d = d.add_paragraph(caption(&dr.title));
            }
        }
        return match &f.caption {
            Some(c) => d.add_paragraph(caption(c)),
            None => d,
        };
    }
    if let (Some(c), true) = (&f.caption, f.charts.iter().any(|c| c.data.is_some())) {
        d = d.add_paragraph(small(format!("{c}（数据表）")));
    }
    for (dr, c) in ds.iter().zip(&f.charts) {
        if let Some(t) = &c.data {
            if c.captioned {
                d = d.add_paragraph(small(format!("{}（数据表）", dr.title)));
            }
            d = table(d, t);
        }
    }
    d
}
