//! The HTML page: one self-contained document, inline CSS and SVG, no script. It walks a
//! [`Document`]: a `<section>` per section, tables as tables, charts as inline SVG with their
//! data in a `<details>` (hidden in print).

use crate::Light;
use crate::doc::{Align, Block, Document, Figure, Table};
use crate::draw::esc;
use std::fmt::Write as _;

const CSS: &str = r#"
:root { --green:#1a7f37; --yellow:#9a6700; --red:#c62828; --grey:#6e7781; --accent:#0b5cad; --line:#d0d7de; --muted:#57606a; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif; color:#1f2328; margin:0; background:#f6f8fa; line-height:1.7; }
main { max-width: 960px; margin: 0 auto; background:#fff; padding: 2rem 2.5rem 3rem; }
header.title { text-align:center; border-bottom: 2px solid #1f2328; padding-bottom: .8rem; margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: .2rem 0 .4rem; }
.meta { color: var(--muted); font-size: .9rem; margin: .1rem 0; }
.note { color: var(--red); font-weight: bold; }
h2 { color: var(--accent); font-size: 1.3rem; border-bottom: 1px solid var(--accent); padding-bottom: .2rem; margin-top: 2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
.kpis { display: grid; grid-template-columns: repeat(4, 1fr); gap: .7rem; margin: .8rem 0; }
.kpi { border: 1px solid var(--line); border-top: 4px solid; border-radius: 4px; text-align: center; padding: .4rem; }
.kpi b { font-size: 2rem; display: block; line-height: 1.2; }
.l-green { color: var(--green); } .l-yellow { color: var(--yellow); } .l-red { color: var(--red); } .l-no_data { color: var(--grey); }
.kpi.l-green { border-top-color: var(--green); } .kpi.l-yellow { border-top-color: var(--yellow); }
.kpi.l-red { border-top-color: var(--red); } .kpi.l-no_data { border-top-color: var(--grey); }
table { border-collapse: collapse; width: 100%; font-size: .85rem; margin: .4rem 0 1rem; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--line); padding: .25rem .45rem; vertical-align: top; text-align: left; }
thead th { background: #eef2f6; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.c, th.c { text-align: center; white-space: nowrap; }
td { overflow-wrap: anywhere; }
tr.total td { font-weight: bold; background: #f6f8fa; }
.b { font-weight: bold; }
.small { color: var(--muted); font-size: .82rem; }
figure { margin: 1rem 0; text-align: center; }
figure svg { width: 100%; height: auto; }
th { white-space: nowrap; }
figcaption { color: var(--muted); font-size: .85rem; }
caption { font-weight: bold; text-align: left; }
figure.grid { display: grid; grid-template-columns: 1fr 1fr; gap: .6rem 1.2rem; }
figure.grid figure { margin: 0; } figure.grid > figcaption { grid-column: 1 / -1; }
details { text-align: left; font-size: .85rem; }
ol.points li { margin: .25rem 0; }
footer { margin-top: 2rem; text-align: right; }
@media (max-width: 700px) { main { padding: 1rem; } .kpis { grid-template-columns: repeat(2, 1fr); } figure.grid { grid-template-columns: 1fr; } .wide { overflow-x: auto; } .wide table { min-width: 640px; } }
@page { size: A4; margin: 18mm 16mm 18mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  table { font-size: 8.5pt; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, .kpis { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  details { display: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

fn light_class(l: Light) -> &'static str {
    match l {
        Light::Green => "l-green",
        Light::Yellow => "l-yellow",
        Light::Red => "l-red",
        Light::NoData => "l-no_data",
    }
}

pub fn render(d: &Document) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let _ = write!(
        o,
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header class="title">
<h1>{title}</h1>
<p class="meta">{sub}</p>
<p class="meta">{gen_at}</p>
"#,
        title = esc(&d.title),
        sub = esc(&d.subtitle),
        gen_at = esc(&d.generated),
    );
    if let Some(n) = &d.data_note {
        let _ = writeln!(o, r#"<p class="meta note">{}</p>"#, esc(n));
    }
    o.push_str("</header>\n");
    for s in &d.sections {
        let _ = writeln!(o, r#"<section id="{}"><h2>{}</h2>"#, s.id, esc(&s.heading));
        blocks(&mut o, &s.blocks);
        for sub in &s.subsections {
            let _ = write!(o, "<h3>{}</h3>", esc(&sub.heading));
            blocks(&mut o, &sub.blocks);
        }
        o.push_str("</section>\n");
    }
    o.push_str("<footer>");
    for line in &d.signature {
        let _ = write!(o, "<p>{}</p>", esc(line));
    }
    o.push_str("</footer>\n</main>\n</body>\n</html>\n");
    o
}

fn blocks(o: &mut String, bs: &[Block]) {
    for b in bs {
        match b {
            Block::Text(t) => _ = write!(o, "<p>{}</p>", esc(t)),
            Block::Note(t) => _ = write!(o, r#"<p class="small">{}</p>"#, esc(t)),
            Block::List(items) => {
                o.push_str(r#"<ol class="points">"#);
                for k in items {
                    let _ = write!(o, "<li>{}</li>", esc(k));
                }
                o.push_str("</ol>");
            }
            Block::Tiles(tiles) => {
                o.push_str(r#"<div class="kpis">"#);
                for t in tiles {
                    let _ = write!(
                        o,
                        r#"<div class="kpi {c}"><b>{n}<small>{u}</small></b><span class="{c}">{lab}</span></div>"#,
                        c = light_class(t.light),
                        n = esc(&t.number),
                        u = esc(&t.unit),
                        lab = esc(&t.label),
                    );
                }
                o.push_str("</div>");
            }
            Block::Table(t) => {
                o.push_str(r#"<div class="wide">"#);
                table(o, t);
                o.push_str("</div>");
            }
            Block::Figure(f) => figure(o, f),
        }
    }
}

fn align_class(a: Align) -> &'static str {
    match a {
        Align::Left => "",
        Align::Center => "c",
        Align::Right => "num",
    }
}

/// ` class="a b"` of the names given, or nothing when all are empty.
fn class(names: &[&str]) -> String {
    let v: Vec<&str> = names.iter().copied().filter(|c| !c.is_empty()).collect();
    if v.is_empty() {
        String::new()
    } else {
        format!(r#" class="{}""#, v.join(" "))
    }
}

fn table(o: &mut String, t: &Table) {
    o.push_str("<table>");
    if let Some(c) = &t.caption {
        let _ = write!(o, "<caption>{}</caption>", esc(c));
    }
    o.push_str("<colgroup>");
    for w in t.widths(100.0) {
        let _ = write!(o, r#"<col style="width:{w:.1}%">"#);
    }
    o.push_str("</colgroup><thead><tr>");
    for c in &t.columns {
        let _ = write!(
            o,
            "<th{}>{}</th>",
            class(&[align_class(c.align)]),
            esc(&c.title)
        );
    }
    o.push_str("</tr></thead><tbody>");
    for (i, row) in t.rows.iter().enumerate() {
        let total = t.total_row && i + 1 == t.rows.len();
        o.push_str(if total {
            r#"<tr class="total">"#
        } else {
            "<tr>"
        });
        for (cell, col) in row.iter().zip(&t.columns) {
            let classes = class(&[
                align_class(col.align),
                cell.color.map(light_class).unwrap_or(""),
                if cell.bold { "b" } else { "" },
            ]);
            let _ = write!(o, "<td{classes}>{}</td>", esc(&cell.text));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}

/// Charts as inline SVG; side by side in a grid when there are several to a row.
fn figure(o: &mut String, f: &Figure) {
    if let Some(l) = &f.legend {
        let _ = write!(o, r#"<p class="small">{}</p>"#, esc(l));
    }
    let grid = f.per_row > 1;
    o.push_str(if grid {
        r#"<figure class="grid">"#
    } else {
        "<figure>"
    });
    for ch in &f.charts {
        let d = ch.draw(if grid { 300.0 } else { 560.0 });
        o.push_str(if grid { "<figure>" } else { "" });
        o.push_str(&d.to_svg());
        if ch.captioned {
            let _ = write!(o, "<figcaption>{}</figcaption>", esc(&d.title));
        }
        if let Some(t) = &ch.data {
            o.push_str("<details><summary>图表数据</summary>");
            table(o, t);
            o.push_str("</details>");
        }
        o.push_str(if grid { "</figure>" } else { "" });
    }
    if let Some(c) = &f.caption {
        let _ = write!(o, "<figcaption>{}</figcaption>", esc(c));
    }
    o.push_str("</figure>");
}
