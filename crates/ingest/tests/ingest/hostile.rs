//! Files made to exhaust the reader: each limit of `ReadLimits` refuses its file with a
//! message naming the limit, before the memory is taken. The files are generated here (a
//! minimal .xlsx is a zip of five small XML parts).

use std::io::{Cursor, Write};

use youxiang_ingest::{ReadLimits, read_places_with, read_values, read_values_with};

use crate::common::{plan, town_reporter, tree};

const HEADER_ROW: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>指标编码</t></is></c><c r="B1" t="inlineStr"><is><t>地点编码</t></is></c><c r="C1" t="inlineStr"><is><t>期间</t></is></c><c r="D1" t="inlineStr"><is><t>数值</t></is></c></row>"#;

/// A minimal .xlsx whose one sheet, 填报, has `sheet_data` written as its `<sheetData>`.
fn xlsx(sheet_data: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    xlsx_with(Vec::new(), sheet_data)
}

/// A part of an .xlsx, written by a function.
type Part = (&'static str, Box<dyn Fn(&mut dyn Write)>);

/// [`xlsx`] with more parts (`xl/styles.xml`, `xl/sharedStrings.xml`), each written by its
/// function.
fn xlsx_with(extra: Vec<Part>, sheet_data: impl FnOnce(&mut dyn Write)) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="填报" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        zip.start_file(name, opts).expect("part");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.start_file("xl/worksheets/sheet1.xml", opts)
        .expect("sheet");
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
        .expect("write");
    sheet_data(&mut zip);
    zip.write_all(b"</sheetData></worksheet>").expect("write");
    for (name, write) in extra {
        zip.start_file(name, opts).expect("part");
        write(&mut zip);
    }
    zip.finish().expect("finish").into_inner()
}

/// A sheet of the header and two number cells at `a` and `b` (`A2`, `XFD1048576`).
fn two_cells(a: &str, b: &str) -> Vec<u8> {
    xlsx(|w| {
        let row = |r: &str| {
            r.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .to_string()
        };
        write!(
            w,
            r#"{HEADER_ROW}<row r="{}"><c r="{a}"><v>1</v></c></row><row r="{}"><c r="{b}"><v>2</v></c></row>"#,
            row(a),
            row(b)
        )
        .expect("write");
    })
}

fn refusal(bytes: &[u8], name: &str, limits: &ReadLimits) -> String {
    match read_values_with(bytes, name, limits) {
        Ok(r) => panic!(
            "{name} was read: {} rows, {} errors",
            r.file.rows.len(),
            r.errors.len()
        ),
        Err(errors) => {
            assert_eq!(errors.len(), 1, "{errors:#?}");
            errors[0].to_string()
        }
    }
}

#[test]
fn a_good_xlsx_still_reads() {
    let bytes = xlsx(|w| {
        write!(
            w,
            r#"{HEADER_ROW}<row r="3"><c r="A3" t="inlineStr"><is><t>T08</t></is></c><c r="B3"><v>330902002</v></c><c r="C3" t="inlineStr"><is><t>2025-09</t></is></c><c r="D3"><v>12.5</v></c><c r="XFD3" s="1"/></row><row r="2"><c r="A2" t="inlineStr"><is><t>T08</t></is></c><c r="B2"><v>330902002</v></c><c r="C2" t="inlineStr"><is><t>2025-08</t></is></c><c r="D2"><v>3</v></c></row>"#
        )
        .expect("write");
    });
    let rows = read_values(&bytes, "ok.xlsx").expect("reads");
    // Out-of-order rows come back in row order; an empty (formatted) cell far to the right
    // is not a column.
    let got: Vec<(usize, &str, f64)> = rows
        .iter()
        .map(|r| (r.row, r.period.as_str(), r.value))
        .collect();
    assert_eq!(got, vec![(2, "2025-08", 3.0), (3, "2025-09", 12.5)]);
}

#[test]
fn a_cell_at_the_last_column_and_row_is_refused_by_its_reference() {
    // calamine's worksheet_range would ask for 16384 × 1048576 cells (512 GB) here.
    let bytes = two_cells("A2", "XFD1048576");
    assert!(bytes.len() < 4096, "{} bytes", bytes.len());
    let m = refusal(&bytes, "huge.xlsx", &ReadLimits::default());
    assert_eq!(
        m,
        "huge.xlsx:文件超过限制:最多 200 列(第 1048576 行有 16384 列,填到 XFD 列)"
    );
    let m = refusal(
        &two_cells("A2", "XFD1000"),
        "wide.xlsx",
        &ReadLimits::default(),
    );
    assert_eq!(
        m,
        "wide.xlsx:文件超过限制:最多 200 列(第 1000 行有 16384 列,填到 XFD 列)"
    );
}

#[test]
fn rows_are_limited_by_number() {
    let m = refusal(
        &two_cells("A2", "A1048576"),
        "tall.xlsx",
        &ReadLimits::default(),
    );
    assert_eq!(
        m,
        "tall.xlsx:文件超过限制:最多 1000000 行(第 1048576 行有数据)"
    );
    let limits = ReadLimits {
        max_rows: 10,
        ..ReadLimits::default()
    };
    let csv = "指标编码,地点编码,期间,数值\n".to_string() + &"T08,330902002,2025-09,1\n".repeat(10);
    let m = refusal(csv.as_bytes(), "tall.csv", &limits);
    assert_eq!(m, "tall.csv:文件超过限制:最多 10 行(第 11 行有数据)");
}

#[test]
fn cells_are_limited_as_they_are_held() {
    let limits = ReadLimits {
        max_cells: 100,
        ..ReadLimits::default()
    };
    let csv = "指标编码,地点编码,期间,数值\n".to_string() + &"T08,330902002,2025-09,1\n".repeat(30);
    let m = refusal(csv.as_bytes(), "many.csv", &limits);
    assert_eq!(
        m,
        "many.csv:文件超过限制:最多 100 个单元格(读到第 26 行时已超过)"
    );
    let bytes = xlsx(|w| {
        w.write_all(HEADER_ROW.as_bytes()).expect("write");
        for r in 2..=40 {
            write!(w, r#"<row r="{r}"><c r="D{r}"><v>{r}</v></c></row>"#).expect("write");
        }
    });
    // Each row holds A..D (four cells) even when only D is filled.
    let m = refusal(&bytes, "many.xlsx", &limits);
    assert_eq!(
        m,
        "many.xlsx:文件超过限制:最多 100 个单元格(读到第 26 行时已超过)"
    );
}

#[test]
fn a_zip_bomb_is_refused_by_its_declared_size() {
    // 300 KB of zip holding 80 MB of sheet XML.
    let cell = r#"<c t="inlineStr"><is><t>x</t></is></c>"#;
    let row = format!("<row>{}</row>", cell.repeat(100));
    let bytes = xlsx(|w| {
        w.write_all(HEADER_ROW.as_bytes()).expect("write");
        for _ in 0..(80 * 1024 * 1024 / row.len()) {
            w.write_all(row.as_bytes()).expect("write");
        }
    });
    assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
    let m = refusal(&bytes, "bomb.xlsx", &ReadLimits::default());
    assert!(
        m.starts_with("bomb.xlsx:文件超过限制:解压后最多 50 MB(本文件解压后 80."),
        "{m}"
    );
}

/// Sets the uncompressed size that `name`'s local header and central directory entry
/// declare to `size`.
fn declare_size(bytes: &mut [u8], name: &str, size: u32) {
    let mut patched = 0;
    for i in 0..bytes.len().saturating_sub(46) {
        let (sig, name_at, size_at, name_len_at) = match &bytes[i..i + 4] {
            b"PK\x03\x04" => ("local", 30, 22, 26),
            b"PK\x01\x02" => ("central", 46, 24, 28),
            _ => continue,
        };
        let len = u16::from_le_bytes([bytes[i + name_len_at], bytes[i + name_len_at + 1]]);
        let at = i + name_at;
        if bytes.get(at..at + usize::from(len)) == Some(name.as_bytes()) {
            bytes[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
            let _ = sig;
        }
    }
    assert_eq!(patched, 2, "local header and central entry of {name}");
}

#[test]
fn a_zip_that_lies_about_its_size_is_stopped_while_unpacking() {
    let limits = ReadLimits {
        max_content_bytes: 1024 * 1024,
        ..ReadLimits::default()
    };
    let row = format!("<row>{}</row>", r#"<c><v>1</v></c>"#.repeat(100));
    let mut bytes = xlsx(|w| {
        w.write_all(HEADER_ROW.as_bytes()).expect("write");
        for _ in 0..(4 * 1024 * 1024 / row.len()) {
            w.write_all(row.as_bytes()).expect("write");
        }
    });
    // Without the lie, the declared size refuses it at once.
    let m = refusal(&bytes, "big.xlsx", &limits);
    assert!(m.contains("解压后最多 1 MB(本文件解压后 4.0 MB)"), "{m}");
    // Declaring 1,000 bytes, the entry is stopped when it unpacks to more.
    declare_size(&mut bytes, "xl/worksheets/sheet1.xml", 1000);
    let m = refusal(&bytes, "liar.xlsx", &limits);
    assert!(m.starts_with("liar.xlsx:"), "{m}");
    assert!(
        m.contains("超过") || m.contains("无法打开 Excel 文件"),
        "a refusal, not a read: {m}"
    );
}

#[test]
fn zip_entries_are_limited() {
    let limits = ReadLimits {
        max_zip_entries: 3,
        ..ReadLimits::default()
    };
    let m = refusal(&two_cells("A2", "B3"), "parts.xlsx", &limits);
    assert_eq!(
        m,
        "parts.xlsx:文件超过限制:Excel 文件(zip 压缩包)内最多 3 个部件(本文件有 5 个)"
    );
}

#[test]
fn an_endless_csv_line_is_refused_before_it_is_split() {
    // 4 MB of commas: 4 million empty cells, 250 MB as cells.
    let mut csv = b"\xEF\xBB\xBF".to_vec();
    csv.extend(",".repeat(4 * 1024 * 1024).bytes());
    let m = refusal(&csv, "commas.csv", &ReadLimits::default());
    assert_eq!(m, "commas.csv:文件超过限制:每行最多 1 MB(第 1 行有 4 MB)");
}

#[test]
fn csv_columns_count_up_to_the_last_filled_cell() {
    let wide = format!("指标编码,地点编码,期间,数值{}\n", ",x".repeat(300));
    let m = refusal(wide.as_bytes(), "wide.csv", &ReadLimits::default());
    assert_eq!(
        m,
        "wide.csv:文件超过限制:最多 200 列(第 1 行有 304 列,填到 KR 列)"
    );
    // Trailing empty cells are not columns.
    let padded = format!(
        "指标编码,地点编码,期间,数值{}\nT08,330902002,2025-09,1{}\n",
        ",".repeat(1000),
        ",".repeat(1000)
    );
    let rows = read_values(padded.as_bytes(), "padded.csv").expect("reads");
    assert_eq!(rows.len(), 1);
}

#[test]
fn data_beyond_the_header_is_reported() {
    let csv = "指标编码,地点编码,期间,数值\nT08,330902002,2025-09,1,surprise\n";
    let errors = read_values(csv.as_bytes(), "extra.csv").unwrap_err();
    let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        all,
        vec![
            "extra.csv 第2行 E列:“surprise”所在列没有列名(表头为空),无法判断是什么数据;请补上列名或删除该列"
        ]
    );
}

#[test]
fn content_size_and_cell_length_are_limited() {
    let limits = ReadLimits {
        max_content_bytes: 1000,
        ..ReadLimits::default()
    };
    let csv =
        "指标编码,地点编码,期间,数值\n".to_string() + &"T08,330902002,2025-09,1\n".repeat(100);
    let m = refusal(csv.as_bytes(), "big.csv", &limits);
    assert_eq!(m, "big.csv:文件超过限制:最多 1 KB(本文件 3 KB)");
    let long = format!(
        "指标编码,地点编码,期间,数值,备注\nT08,330902002,2025-09,1,{}\n",
        "长".repeat(40_000)
    );
    let m = refusal(long.as_bytes(), "long.csv", &ReadLimits::default());
    assert_eq!(
        m,
        "long.csv:文件超过限制:单元格最多 32767 个字符(第 2 行 E 列有 40000 个字符)"
    );
}

#[test]
fn the_error_list_is_capped_and_the_rest_counted() {
    let bad =
        "指标编码,地点编码,期间,数值\n".to_string() + &"T08,330902002,2025-09,abc\n".repeat(3000);
    let limits = ReadLimits::default();
    let read = read_values_with(bad.as_bytes(), "bad.csv", &limits).expect("header reads");
    assert_eq!((read.errors.len(), read.errors_omitted), (1000, 2000));
    assert_eq!(read.errors[999].row, Some(1001));
    // The plain list carries the count as its last line.
    let errors = read_values(bad.as_bytes(), "bad.csv").unwrap_err();
    assert_eq!(errors.len(), 1001);
    assert_eq!(
        errors[1000].to_string(),
        "bad.csv:另有 2000 处错误未列出(只列出前 1000 处)"
    );
    // Validation caps its own list the same way.
    let outside = "指标编码,地点编码,期间,数值\n".to_string()
        + &(0..3000)
            .map(|i| format!("NOSUCH{i},330902003,2025-09,1\n"))
            .collect::<String>();
    let rows = read_values(outside.as_bytes(), "out.csv").expect("reads");
    let v = youxiang_ingest::validate_with(
        &rows,
        &plan(),
        &tree(),
        &town_reporter(),
        |_| Vec::new(),
        &ReadLimits {
            max_errors: 500,
            ..ReadLimits::default()
        },
        None,
    );
    assert_eq!(v.errors.len(), 500);
    assert!(v.errors_omitted >= 2500, "{}", v.errors_omitted);
    assert!(!v.is_ok());
}

#[test]
fn the_places_reader_shares_the_limits() {
    let limits = ReadLimits {
        max_columns: 5,
        ..ReadLimits::default()
    };
    let csv = "编码,名称,层级,上级编码,经度,纬度\n330902,定海区,区,,122.1,30.0\n";
    let errors = read_places_with(csv.as_bytes(), "places.csv", &limits).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "places.csv:文件超过限制:最多 5 列(第 1 行有 6 列,填到 F 列)"
    );
    let bytes = two_cells("A2", "XFD1048576");
    let errors = youxiang_ingest::read_places(&bytes, "places.xlsx").unwrap_err();
    assert!(errors[0].to_string().contains("最多 200 列"), "{errors:?}");
}

/// `n` copies of `item` inside `open` … `close`, as a part.
fn repeated(
    name: &'static str,
    open: &'static str,
    item: String,
    n: usize,
    close: &'static str,
) -> Part {
    (
        name,
        Box::new(move |w: &mut dyn Write| {
            w.write_all(open.as_bytes()).expect("write");
            for _ in 0..n {
                w.write_all(item.as_bytes()).expect("write");
            }
            w.write_all(close.as_bytes()).expect("write");
        }),
    )
}

fn header_only(w: &mut dyn Write) {
    w.write_all(HEADER_ROW.as_bytes()).expect("write");
}

#[test]
fn what_calamine_takes_in_whole_is_counted_before_it_opens_the_file() {
    // 45 MB of `<xf/>` (within the unpacked-size limit) would become 1.4 GB of styles.
    let styles = repeated(
        "xl/styles.xml",
        "<styleSheet><cellXfs>",
        "<xf/>".into(),
        9_000_000,
        "</cellXfs></styleSheet>",
    );
    let bytes = xlsx_with(vec![styles], header_only);
    let m = refusal(&bytes, "styles.xlsx", &ReadLimits::default());
    assert_eq!(
        m,
        "styles.xlsx:文件超过限制:最多 65536 种单元格格式(本文件有 9000000 种)(见“xl/styles.xml”)"
    );
    // Whatever the prefix, whatever the part's name (400,000 fonts, and the workbook's
    // sheet and two relationships).
    let styles = repeated(
        "xl/whatever.bin",
        "<x:styleSheet><x:fonts>",
        "<x:font/>".into(),
        400_000,
        "</x:fonts></x:styleSheet>",
    );
    let bytes = xlsx_with(vec![styles], header_only);
    let m = refusal(&bytes, "fonts.xlsx", &ReadLimits::default());
    assert_eq!(
        m,
        "fonts.xlsx:文件超过限制:工作表、关系、样式等结构元素最多 300000 个(本文件有 400003 个)(见“xl/whatever.bin”)"
    );
    // Shared strings count against the cells.
    let strings = repeated(
        "xl/sharedStrings.xml",
        "<sst>",
        "<si><t>x</t></si>".into(),
        200,
        "</sst>",
    );
    let limits = ReadLimits {
        max_cells: 100,
        ..ReadLimits::default()
    };
    let m = refusal(&xlsx_with(vec![strings], header_only), "sst.xlsx", &limits);
    assert_eq!(
        m,
        "sst.xlsx:文件超过限制:共享字符串最多 100 个,与单元格上限相同(本文件有 200 个)(见“xl/sharedStrings.xml”)"
    );
    // A font name every cell format would copy; a `>` inside a quoted value does not end
    // the tag.
    let long = format!(r#"<name val="{}>{}"/>"#, "N".repeat(300), "N".repeat(300));
    let styles = repeated(
        "xl/styles.xml",
        "<styleSheet><fonts><font>",
        long,
        1,
        "</font></fonts></styleSheet>",
    );
    let m = refusal(
        &xlsx_with(vec![styles], header_only),
        "name.xlsx",
        &ReadLimits::default(),
    );
    assert_eq!(
        m,
        "name.xlsx:文件超过限制:字体名、数字格式、工作表、单元格格式的 XML 标记最长 512 字节(本文件有 615 字节的)(见“xl/styles.xml”)"
    );
    let sheets = repeated(
        "xl/more.xml",
        "<workbook><sheets>",
        r#"<sheet name="s" r:id="rId1"/>"#.into(),
        1_001,
        "</sheets></workbook>",
    );
    let m = refusal(
        &xlsx_with(vec![sheets], header_only),
        "sheets.xlsx",
        &ReadLimits::default(),
    );
    assert_eq!(
        m,
        "sheets.xlsx:文件超过限制:最多 1000 个工作表(本文件有 1002 个)(见“xl/more.xml”)"
    );
}

/// A shared strings table that declares more strings than it holds: calamine reserves room
/// for the declared number before reading one, so a few bytes could ask for terabytes and
/// abort the process (found by the values_xlsx fuzz target). Refused by the declaration.
#[test]
fn a_shared_strings_table_is_refused_by_the_count_it_declares() {
    for (declared, shown) in [
        ("99999999999999", "99999999999999"),
        ("5000001", "5000001"),
        ("999999999999999999999999", "18446744073709551615"),
    ] {
        let head: &'static str = Box::leak(
            format!(r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{declared}">"#)
                .into_boxed_str(),
        );
        let strings = repeated(
            "xl/sharedStrings.xml",
            head,
            "<si><t>x</t></si>".into(),
            1,
            "</sst>",
        );
        let m = refusal(
            &xlsx_with(vec![strings], header_only),
            "sst.xlsx",
            &ReadLimits::default(),
        );
        assert_eq!(
            m,
            format!(
                "sst.xlsx:文件超过限制:共享字符串最多 5000000 个,与单元格上限相同(本文件声明有 {shown} 个)(见“xl/sharedStrings.xml”)"
            )
        );
    }
    // A modest declaration is read as before.
    let strings = repeated(
        "xl/sharedStrings.xml",
        r#"<sst count="1" uniqueCount="1">"#,
        "<si><t>x</t></si>".into(),
        1,
        "</sst>",
    );
    assert!(
        read_values_with(
            &xlsx_with(vec![strings], header_only),
            "small.xlsx",
            &ReadLimits::default()
        )
        .is_ok()
    );
}
