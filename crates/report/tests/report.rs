//! The report rendered to its three formats and read back: the PDF through poppler
//! (`pdftotext`, `pdftoppm`, Debian's poppler-utils), the docx by unzipping it, the HTML as
//! text.

mod sample;
mod yearly;

use sample::sample;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;
use youxiang_report::*;

const HEADINGS: [&str; 6] = [
    "一、总体情况",
    "二、各领域进展",
    "三、滞后指标及原因、措施",
    "四、月度排名",
    "五、督办情况",
    "六、群众满意度调查",
];

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("youxiang-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn has(cmd: &str) -> bool {
    Command::new(cmd).arg("-v").output().is_ok()
}

#[test]
fn html_is_self_contained_with_every_section() {
    let r = sample();
    let h = render_html(&r);
    for s in HEADINGS {
        assert!(h.contains(s), "missing {s}");
    }
    assert!(
        !h.to_lowercase().contains("<script"),
        "no script allowed (CSP)"
    );
    assert!(
        !h.contains("src=") && !h.contains("<link"),
        "no external assets"
    );
    assert!(h.contains("http://www.w3.org/2000/svg"));
    // charts (a), (b) × 6 and (c) × 2
    assert_eq!(
        h.matches("<svg").count(),
        1 + r.trends.len() + r.rankings.len()
    );
    assert!(h.contains("@media print"));
    // units on numbers, words with colours, missing entries said
    assert!(h.contains("4.10个") && h.contains("65.6%") && h.contains("±3.5分"));
    assert!(h.contains("● 达标") && h.contains("■ 滞后"));
    assert!(h.contains("未填报"));
    assert!(h.contains("连续两月后三位") && h.contains("↑2") && h.contains("↓1"));
    assert!(h.contains(r.data_note.as_deref().unwrap()));
}

#[test]
fn optional_parts_may_be_absent() {
    let mut r = sample();
    r.survey = None;
    r.lagging.clear();
    r.trends.clear();
    r.supervision.overdue_open.clear();
    let h = render_html(&r);
    assert!(!h.contains("六、群众满意度调查"));
    assert!(h.contains("本季度无红灯、黄灯指标"));
    assert!(h.contains("无逾期未办结的督办单"));
    let d = render_docx(&r).unwrap();
    assert!(!document_xml(&d).contains("六、群众满意度调查"));
    if let Ok(f) = find_cjk_font() {
        let pdf = render_pdf(&r, &f).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
    }
}

#[test]
fn inconsistent_trend_is_refused() {
    let mut r = sample();
    r.trends[0].actual.pop();
    let e = render_docx(&r).unwrap_err().to_string();
    assert!(e.contains("T01"), "{e}");
}

#[test]
fn sample_round_trips_through_json() {
    let r = sample();
    let j = serde_json::to_string(&r).unwrap();
    let back: QuarterlyReport = serde_json::from_str(&j).unwrap();
    assert_eq!(r, back);
}

fn document_xml(docx: &[u8]) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut s = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
fn docx_has_real_headings_tables_and_page_numbers() {
    let r = sample();
    let d = render_docx(&r).unwrap();
    assert!(d.starts_with(b"PK"));
    let doc = document_xml(&d);
    for s in HEADINGS {
        assert!(doc.contains(s), "missing {s}");
    }
    assert!(doc.contains(r#"<w:pStyle w:val="Heading1" />"#));
    assert!(doc.contains(r#"<w:pStyle w:val="Heading2" />"#));
    assert!(
        doc.matches("<w:tbl>").count() >= 12,
        "tables are real Word tables"
    );
    assert!(doc.contains("4.10个") && doc.contains("未填报") && doc.contains("65.6%"));
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(&d[..])).unwrap();
    let mut styles = String::new();
    z.by_name("word/styles.xml")
        .unwrap()
        .read_to_string(&mut styles)
        .unwrap();
    assert!(styles.contains(r#"w:val="heading 1""#));
    let mut footer = String::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        if f.name().starts_with("word/footer") {
            f.read_to_string(&mut footer).unwrap();
        }
    }
    assert!(footer.contains("PAGE") && footer.contains("NUMPAGES"));
    // the charts: pictures when a CJK font is there, data tables otherwise
    let media = z
        .file_names()
        .filter(|n| n.starts_with("word/media/") && !n.ends_with('/'))
        .count();
    if let Ok(f) = find_cjk_font() {
        assert_eq!(
            media,
            1 + r.trends.len() + r.rankings.len(),
            "one picture per chart"
        );
        let with = render_docx_with(&r, Some(&f)).unwrap();
        assert!(document_xml(&with).contains("<w:drawing>"));
    }
    let without = render_docx_with(&r, None).unwrap();
    let doc2 = document_xml(&without);
    assert!(!doc2.contains("<w:drawing>"));
    assert!(doc2.contains("（数据表）") && doc2.contains("目标路径"));

    // optional: LibreOffice proves it opens
    if has("soffice") {
        let dir = tmpdir("docx");
        let f = dir.join("r.docx");
        std::fs::write(&f, &d).unwrap();
        // a profile of its own, so that no other LibreOffice instance holds the lock
        let profile = format!("-env:UserInstallation=file://{}", dir.join("lo").display());
        let ok = Command::new("soffice")
            .arg(profile)
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&dir)
            .arg(&f)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok && dir.join("r.pdf").exists(),
            "LibreOffice could not open the docx"
        );
    } else {
        youxiang_testkit::skip(
            "libreoffice",
            "soffice is not installed: the docx was not opened in LibreOffice",
        );
    }
}

#[test]
fn pdf_renders_chinese_pages() {
    let r = sample();
    let poppler = has("pdftoppm") && has("pdftotext");
    let fonts = match find_cjk_font() {
        Ok(f) => f,
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains("fonts-noto-cjk") && msg.contains("YOUXIANG_CJK_FONT"));
            if poppler {
                panic!(
                    "no CJK font on this machine: {msg}\n(apt-get install -y fonts-noto-cjk poppler-utils)"
                );
            }
            youxiang_testkit::skip(
                "cjk-font",
                format!("neither poppler-utils nor a CJK font is installed: {msg}"),
            );
            return;
        }
    };
    let pdf = render_pdf(&r, &fonts).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    assert!(pdf.len() < 2 * 1024 * 1024, "PDF is {} bytes", pdf.len());
    assert!(
        pdf.windows(9).any(|w| w == b"/Outlines"),
        "bookmarks for the headings"
    );
    if !poppler {
        youxiang_testkit::skip(
            "poppler",
            "pdftoppm/pdftotext not installed (apt-get install -y poppler-utils)",
        );
        return;
    }
    let dir = tmpdir("pdf");
    let f = dir.join("r.pdf");
    std::fs::write(&f, &pdf).unwrap();

    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&f)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for s in HEADINGS {
        assert!(text.contains(s), "PDF text lacks {s}");
    }
    assert!(text.contains(&r.title));
    for s in [
        "4.10个",
        "93.8%",
        "65.6%",
        "96.8分",
        "未填报",
        "连续两月后三位",
        "±3.5分",
        "4012套、间",
    ] {
        assert!(text.contains(s), "PDF text lacks {s}");
    }
    let pages = text.matches('\u{c}').count().max(1);
    assert!((4..=20).contains(&pages), "{pages} pages");
    // pdftotext drops the spaces around CJK text: compare without them
    let compact: String = text.chars().filter(|c| *c != ' ').collect();
    assert!(
        compact.contains(&format!("第1页/共{pages}页")),
        "footer with page count"
    );
    assert!(compact.contains(&format!("第{pages}页/共{pages}页")));

    let st = Command::new("pdftoppm")
        .args(["-png", "-r", "60"])
        .arg(&f)
        .arg(dir.join("p"))
        .status()
        .unwrap();
    assert!(st.success());
    let mut pngs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "png"))
        .collect();
    pngs.sort_by_key(|e| e.path());
    assert_eq!(pngs.len(), pages, "one PNG per page");
    for p in &pngs {
        let len = p.metadata().unwrap().len();
        // a blank A4 page at 60 dpi compresses to ~1 kB; a page with text is far larger
        assert!(
            len > 5_000,
            "{} looks blank ({len} bytes)",
            p.path().display()
        );
    }
    eprintln!(
        "PDF: {} bytes, {pages} pages, font {} #{} ({}), pages in {}",
        pdf.len(),
        fonts.regular.path.display(),
        fonts.regular.index,
        fonts.regular.family,
        dir.display()
    );
}

/// A much larger quarter: 13 towns × many lagging indicators, long entered texts, an
/// unbreakable string wider than its column, many supervised units. Everything must still
/// render, and the page count in the footer must match.
#[test]
fn a_large_report_breaks_over_many_pages() {
    let mut r = sample();
    let base = r.lagging.clone();
    for k in 0..12 {
        for g in &base {
            let mut g = g.clone();
            g.place = format!("第{k}号测试镇");
            g.cause = g.cause.map(|c| c.repeat(3));
            r.lagging.push(g);
        }
    }
    r.lagging[0].measures = Some("X".repeat(300));
    for k in 0..60 {
        let mut u = r.supervision.units[0].clone();
        u.unit = format!("测试单位{k}");
        r.supervision.units.push(u);
    }
    r.domains[0].indicators[0].reason = "很长的说明，".repeat(40);
    let h = render_html(&r);
    assert!(h.contains("第11号测试镇"));
    let d = render_docx(&r).unwrap();
    assert!(document_xml(&d).contains("测试单位59"));
    let Ok(fonts) = find_cjk_font() else {
        youxiang_testkit::skip("cjk-font", "no CJK font: the large PDF was not rendered");
        return;
    };
    let pdf = render_pdf(&r, &fonts).unwrap();
    assert!(pdf.len() < 2 * 1024 * 1024, "PDF is {} bytes", pdf.len());
    if !has("pdftotext") {
        return;
    }
    let dir = tmpdir("large");
    let f = dir.join("r.pdf");
    std::fs::write(&f, &pdf).unwrap();
    let out = Command::new("pdftotext").arg(&f).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let pages = text.matches('\u{c}').count();
    assert!(pages > 15, "{pages} pages");
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains(&format!("第{pages}页/共{pages}页")));
    assert!(compact.contains("测试单位59") && compact.contains("第11号测试镇"));
    // the 300-character string is cut over lines, not lost
    assert!(compact.matches('X').count() >= 300);
}

/// An empty report and one with non-finite numbers render in every format without panicking.
#[test]
fn degenerate_reports_still_render() {
    let mut empty: QuarterlyReport = serde_json::from_str(
        r#"{"title":"","programme":"","place":"","quarter":"","as_of":"","generated_at":"",
        "issuer":"","data_note":null,
        "summary":{"lights":{"green":0,"yellow":0,"red":0,"no_data":0},"counted":"","key_points":[]},
        "domains":[],"lagging":[],"rankings":[],
        "supervision":{"scope":"","units":[],"totals":{"unit":"合计","raised":0,"closed":0,"overdue":0,"closure_rate":null,"overdue_rate":null},"overdue_open":[]},
        "survey":null,"trends":[]}"#,
    )
    .unwrap();
    let mut odd = sample();
    odd.trends[0].actual[1] = Some(f64::NAN);
    odd.trends[1].schedule = vec![Some(f64::INFINITY); odd.trends[1].periods.len()];
    odd.trends[1].plan[0].value = f64::NAN;
    odd.trends[3].at = vec![f64::NAN; odd.trends[3].periods.len()];
    odd.trends[4].axis_end = Some(f64::INFINITY);
    odd.trends[2].actual = vec![None; odd.trends[2].periods.len()];
    odd.rankings[0].rows[0].score = Some(f64::NAN);
    let mut one_period = sample();
    one_period.trends.truncate(1);
    one_period.trends[0].periods.truncate(1);
    one_period.trends[0].actual.truncate(1);
    one_period.trends[0].schedule.truncate(1);
    one_period.trends[0].at.truncate(1);
    empty.title = "空报告".into();
    let fonts = find_cjk_font().ok();
    for r in [&empty, &odd, &one_period] {
        assert!(render_html(r).contains("一、总体情况"));
        assert!(
            render_docx_with(r, fonts.as_ref())
                .unwrap()
                .starts_with(b"PK")
        );
        if let Some(f) = &fonts {
            let pdf = render_pdf(r, f).unwrap();
            assert!(pdf.starts_with(b"%PDF") && !pdf.windows(3).any(|w| w == b"NaN"));
        }
    }
}

/// The texts of the table cells, in order: the elements named in `open` (`<td`, `<th` in HTML,
/// `<w:tc` in Word), their tags removed and their text unescaped.
fn cells(xml: &str, open: &[&str]) -> Vec<String> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&apos;", "'")
            .replace("&amp;", "&")
    };
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some((at, tag)) = open
        .iter()
        .flat_map(|t| [format!("{t}>"), format!("{t} ")])
        .filter_map(|t| rest.find(&t).map(|i| (i, t)))
        .min()
    {
        let name = &tag[1..tag.len() - 1];
        let inner = &rest[at + tag.len()..];
        let end = inner.find(&format!("</{name}>")).unwrap_or(inner.len());
        let (mut text, mut in_tag) = (String::new(), tag.ends_with(' '));
        for ch in inner[..end].chars() {
            match ch {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push(unescape(&text));
        rest = &inner[end..];
    }
    out
}

/// The report is written once: the HTML and the Word document (with the charts' data
/// tables, as without a font) show the same table cells, in the same order.
#[test]
fn html_and_docx_show_the_same_tables() {
    let r = sample();
    let html = cells(&render_html(&r), &["<th", "<td"]);
    let docx = render_docx_with(&r, None).unwrap();
    let docx = cells(&document_xml(&docx), &["<w:tc"]);
    assert!(html.len() > 500, "{} cells", html.len());
    assert_eq!(html, docx);
    for s in [
        "4.10个",
        "未填报",
        "65.6%",
        "±3.5分",
        "连续两月后三位；已自动立项督办",
    ] {
        assert!(html.iter().any(|c| c.contains(s)), "no cell with {s}");
    }
}

/// A cell longer than a page (an unbreakable entry of 4000 characters) goes on over pages
/// in the PDF, with nothing lost.
#[test]
fn a_row_taller_than_a_page_goes_on_over_pages() {
    let mut r = sample();
    r.lagging[0].cause = Some("Z".repeat(4000));
    let Ok(fonts) = find_cjk_font() else {
        youxiang_testkit::skip("cjk-font", "no CJK font: the PDF was not rendered");
        return;
    };
    let pdf = render_pdf(&r, &fonts).unwrap();
    if !has("pdftotext") {
        return;
    }
    let dir = tmpdir("tall-row");
    let f = dir.join("r.pdf");
    std::fs::write(&f, &pdf).unwrap();
    let out = Command::new("pdftotext").arg(&f).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let pages = text.matches('\u{c}').count();
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(compact.matches('Z').count(), 4000);
    assert!(compact.contains(&format!("第{pages}页/共{pages}页")));
    // the header row is repeated on the pages the row runs over
    assert!(
        compact.matches("牵头单位原因措施").count() >= 4,
        "{compact}"
    );
}
