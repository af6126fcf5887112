//! Templates: read back with calamine (what Excel and WPS see), checked in the sheet XML,
//! and filled in and uploaded again.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use youxiang_core::completeness::required_components;
use youxiang_core::period::Period;
use youxiang_core::place::Level;
use youxiang_core::scope::Role;
use youxiang_ingest::{
    TEMPLATE_HEADERS, display_width, read_values, template_rows, validate, write_template,
    write_template_csv,
};

use crate::common::{messages, plan, reporter, town_reporter, tree, xlsx};

fn march() -> Vec<Period> {
    vec!["2024-03".parse().unwrap()]
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("opens");
    let range = book.worksheet_range(name).expect("sheet");
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn sheet_xml(bytes: &[u8], path: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    let mut f = zip.by_name(path).expect("part");
    let mut s = String::new();
    f.read_to_string(&mut s).expect("utf-8 xml");
    s
}

/// The rows a town reporter of 昌国街道 should get for March 2024, counted from the plan.
fn expected_rows() -> usize {
    let plan = plan();
    plan.indicators
        .iter()
        .filter(|i| i.frequency == youxiang_core::period::PeriodKind::Month)
        .map(|i| {
            let places = match i.report_level {
                Some(Level::Village) => 3, // 昌国第1–3社区
                Some(Level::Town) => 1,    // 昌国街道
                _ => 0,                    // the district's own figure: not this reporter's
            };
            places * required_components(i).len()
        })
        .sum()
}

#[test]
fn xlsx_template_reads_back_with_headers_rows_and_instructions() {
    let bytes = write_template(&plan(), &tree(), &town_reporter(), &march()).unwrap();
    let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(&bytes[..])).unwrap();
    assert_eq!(book.sheet_names(), vec!["填报", "说明"]);
    let rows = sheet(&bytes, "填报");
    assert_eq!(rows[0], TEMPLATE_HEADERS.map(String::from).to_vec());
    let n = expected_rows();
    assert!(n > 10, "the plan has monthly village and town indicators");
    assert_eq!(rows.len(), 1 + n);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r.get(7).is_none_or(|v| v.is_empty()))
    );
    let t01: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "T01").collect();
    assert_eq!(t01.len(), 6, "3 villages × 分子/分母");
    assert_eq!(t01[0][3], "330902002001");
    assert_eq!(t01[0][5], "2024-03");
    assert_eq!(t01[0][6], "分子");
    assert!(t01[0][1].contains("(分子:3岁以下婴幼儿托位数)"));
    let t08: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "T08").collect();
    assert_eq!(t08.len(), 1);
    assert_eq!(
        (t08[0][3].as_str(), t08[0][6].as_str()),
        ("330902002", "数值")
    );

    let notes = sheet(&bytes, "说明").concat().join("\n");
    for needed in [
        "填报模板说明",
        "张三",
        "2024年3月",
        "2024年4月10日",
        "整批校验",
        "报送期限",
        "指标 T01",
        "列:数值",
    ] {
        assert!(notes.contains(needed), "说明 lacks {needed}");
    }

    let xml = sheet_xml(&bytes, "xl/worksheets/sheet1.xml");
    assert!(xml.contains(r#"ySplit="1""#), "frozen header");
    assert!(
        xml.contains(r#"type="decimal""#),
        "decimal validation on 数值"
    );
    assert!(
        xml.contains(&format!("H2:H{}", n + 1)),
        "validation covers every row"
    );
    assert!(xml.contains("customWidth=\"1\""), "explicit widths");
    let styles = sheet_xml(&bytes, "xl/styles.xml");
    assert!(styles.contains("<b/>"), "bold header");
}

#[test]
fn widths_count_cjk_as_two() {
    assert_eq!(display_width("指标编码"), 8);
    assert_eq!(display_width("T01"), 3);
    assert_eq!(display_width("昌国第1社区"), 11);
}

#[test]
fn department_reports_its_own_root_and_viewers_get_nothing() {
    let dept = reporter(
        Role::DepartmentReporter,
        &["330902"],
        &["T04", "T18", "T01"],
    );
    let rows = template_rows(&plan(), &tree(), &dept, &["2024".parse().unwrap()]).unwrap();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r[0].clone(), r[3].clone(), r[6].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("T04".into(), "330902".into(), "分子".into()),
            ("T04".into(), "330902".into(), "分母".into()),
            ("T18".into(), "330902".into(), "数值".into()),
        ],
        "T01 is monthly: not in a yearly template"
    );
    let viewer = reporter(Role::Viewer, &["330902"], &[]);
    let e = write_template(&plan(), &tree(), &viewer, &march()).unwrap_err();
    assert!(e.to_string().contains("无填报权限"), "{e}");
    let e = template_rows(&plan(), &tree(), &dept, &["2031".parse().unwrap()]).unwrap_err();
    assert!(e.to_string().contains("不在方案年份 2022–2027 之内"), "{e}");
}

#[test]
fn a_filled_xlsx_template_uploads_cleanly() {
    let (plan, tree, who) = (plan(), tree(), town_reporter());
    let bytes = write_template(&plan, &tree, &who, &march()).unwrap();
    let mut rows = sheet(&bytes, "填报");
    for (i, r) in rows.iter_mut().enumerate().skip(1) {
        r.resize(10, String::new());
        r[7] = format!("{}", 10 + i);
    }
    rows[1][8] = "已核对".into();
    rows[1][9] = "本单位统计".into();
    let refs: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    let filled = xlsx("填报", &refs);
    let read = read_values(&filled, "填报模板.xlsx").unwrap();
    assert_eq!(read.len(), rows.len() - 1);
    let v = validate(&read, &plan, &tree, &who, |_| Vec::new());
    assert!(v.is_ok(), "{:#?}", messages(&v.errors));
    assert_eq!(v.rows.len(), rows.len() - 1);
    assert_eq!(v.rows[0].2, "已核对");
    assert_eq!(read[0].data_source, "本单位统计");
}

#[test]
fn a_filled_csv_template_uploads_cleanly_in_utf8_and_gbk() {
    let (plan, tree, who) = (plan(), tree(), town_reporter());
    let bytes = write_template_csv(&plan, &tree, &who, &march()).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    assert_eq!(lines[0], TEMPLATE_HEADERS.join(","));
    assert_eq!(lines.len(), 1 + expected_rows());
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        // "…,分子,,," → fill 数值 (the third-to-last cell; the test plan names no
        // default source).
        assert!(l.ends_with(",,,"), "{l}");
        l.truncate(l.len() - 2);
        l.push_str(&format!("\"{},000.5\",,", i));
    }
    let filled = lines.join("\r\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&filled);
    for bytes in [filled.as_bytes(), &gbk[..]] {
        let read = read_values(bytes, "填报模板.csv").unwrap();
        assert_eq!(read[0].value, 1000.5);
        let v = validate(&read, &plan, &tree, &who, |_| Vec::new());
        assert!(v.is_ok(), "{:#?}", messages(&v.errors));
        assert_eq!(v.rows.len(), expected_rows());
    }
}
