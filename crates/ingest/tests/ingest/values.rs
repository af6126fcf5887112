//! Reading values files: encodings, xlsx, headers, numbers, errors.

use youxiang_core::value::Component;
use youxiang_ingest::{SourceFormat, TextEncoding, read_values, read_values_file};

use crate::common::{fixture, messages, xlsx};

fn ok_text() -> String {
    String::from_utf8(fixture("values-ok.csv")).unwrap()
}

#[test]
fn the_same_file_in_every_encoding_reads_the_same() {
    let text = ok_text();
    let utf8 = text.as_bytes().to_vec();
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&text);
    assert!(!unmappable);
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&text);
    let cases = [
        (utf8, TextEncoding::Utf8),
        (bom, TextEncoding::Utf8Bom),
        (gbk.into_owned(), TextEncoding::Gb18030),
        (gb18030.into_owned(), TextEncoding::Gb18030),
    ];
    let expected = read_values(&cases[0].0, "v.csv").unwrap();
    assert_eq!(expected.len(), 4);
    for (bytes, enc) in cases {
        let f = read_values_file(&bytes, "v.csv").unwrap();
        assert_eq!(f.format, SourceFormat::Csv(enc));
        assert_eq!(f.rows, expected, "{enc:?}");
    }
    // Excel's “Unicode 文本”: UTF-16 with a BOM, tab-separated.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "指标编码\t地点编码\t期间\t数值\r\nT08\t330902002\t2024-03\t5\r\n".encode_utf16()
    {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let f = read_values_file(&utf16, "v.txt").unwrap();
    assert_eq!(f.format, SourceFormat::Csv(TextEncoding::Utf16));
    assert_eq!(f.rows[0].value, 5.0);
    let r = &expected[1];
    assert_eq!(r.row, 3);
    assert_eq!(r.value, 2910.0);
    assert_eq!(r.component, Component::Denominator);
    assert_eq!(r.comment, "按2023年末");
    assert_eq!(expected[3].value, 12.0, "full-width digits");
    assert_eq!(expected[0].indicator, "T01");
    assert_eq!(expected[0].place, "330902002001");
    assert_eq!(expected[0].period, "2024-03");
}

#[test]
fn xlsx_with_a_title_row_numbers_and_a_date_period() {
    let rows = vec![
        vec!["2024年3月 托育数据"],
        vec!["指标编码", "地点编码", "期间", "分项", "数值", "备注"],
        vec!["T01", "330902002001", "2024-03", "分子", "12", ""],
        vec![],
        vec!["T01", "330902002001", "2024-03", "分母", "2910", "x"],
        vec!["T08", "330902002", "2024-03", "", "abc", ""],
    ];
    let bytes = xlsx("填报", &rows);
    let errors = read_values(&bytes, "v.xlsx").unwrap_err();
    assert_eq!(
        messages(&errors),
        vec!["v.xlsx 第6行 E列(数值):“abc”不是数字"]
    );
    let bytes = xlsx("填报", &rows[..5]);
    let f = read_values_file(&bytes, "v.xlsx").unwrap();
    assert_eq!(f.format, SourceFormat::Xlsx);
    assert_eq!(f.rows.len(), 2);
    assert_eq!(f.rows[0].row, 3);
    assert_eq!(f.rows[1].row, 5);
    assert_eq!(f.rows[1].value, 2910.0);
    assert_eq!(f.rows[0].place, "330902002001", "a code typed as a number");

    // Excel turns a typed 2024-03 into the date 2024-03-01: read back as the month.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["指标编码", "地点编码", "期间", "数值"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "T08").unwrap();
    ws.write_string(1, 1, "330902002").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 3, 1).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm");
    ws.write_datetime_with_format(1, 2, &date, &fmt).unwrap();
    ws.write_number(1, 3, 1.5).unwrap();
    let rows = read_values(&book.save_to_buffer().unwrap(), "d.xlsx").unwrap();
    assert_eq!(rows[0].period, "2024-03");
}

#[test]
fn the_values_sheet_is_preferred_over_the_first() {
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("封面")
        .unwrap()
        .write_string(0, 0, "x")
        .unwrap();
    let ws = book.add_worksheet();
    ws.set_name("填报").unwrap();
    for (c, h) in ["indicator", "place", "period", "value"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["T08", "330902002", "2024-03", "7"].iter().enumerate() {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let rows = read_values(&book.save_to_buffer().unwrap(), "v.xlsx").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].value, 7.0);
}

#[test]
fn header_problems_are_all_named() {
    let csv = "指标编码, 期间 ,数值,数值,指标明称,,备注\nT01,2024,1,2,x,,\n,,,,,9,\n";
    let errors = read_values(csv.as_bytes(), "h.csv").unwrap_err();
    let all = messages(&errors);
    assert!(
        all.contains(&"h.csv 第1行 D列(数值):“数值”列名重复:与C列(数值)是同一列".to_string()),
        "{all:#?}"
    );
    assert!(
        all.iter()
            .any(|m| m.starts_with("h.csv 第1行 E列(指标明称):“指标明称”不是可识别的列名")),
        "{all:#?}"
    );
    assert!(
        all.contains(
            &"h.csv 第3行 F列:“9”所在列没有列名(表头为空),无法判断是什么数据;请补上列名或删除该列"
                .to_string()
        ),
        "{all:#?}"
    );
    assert!(
        all.contains(&"h.csv 第1行:表头缺少必填列“地点编码/place/place_code”".to_string()),
        "{all:#?}"
    );

    let errors = read_values("a,b\n1,2\n".as_bytes(), "n.csv").unwrap_err();
    assert!(
        errors[0].to_string().starts_with("n.csv:找不到表头"),
        "{}",
        errors[0]
    );
}

#[test]
fn informative_columns_are_ignored_and_blank_rows_skipped() {
    let csv = "指标编码,指标名称,单位,地点编码,地点名称,期间,分项,数值,备注,状态\n\
               T08,培训,万人次,330902002,昌国街道,2024-03,数值,\" 1,234.5 \",,草稿\n\
               ,,,,,,,,,\n\
               \n\
               T08,培训,万人次,330902003,环南街道,2024-03,value,3%,,\n";
    let rows = read_values(csv.as_bytes(), "i.csv").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].value, 1234.5);
    assert_eq!(rows[1].row, 5);
    assert!(rows[1].percent && rows[1].value == 3.0);
}

#[test]
fn every_bad_number_is_reported_with_its_cell() {
    let mut csv = String::from("指标编码,地点编码,期间,分项,数值\n");
    let bad = ["abc", "1.2.3", "NaN", "inf", "1,23", "--5", "12abc"];
    for b in bad {
        csv.push_str(&format!("T08,330902002,2024-03,,\"{b}\"\n"));
    }
    csv.push_str("T08,330902002,2024-03,分数,1\n");
    csv.push_str("T08,330902002,2024-03,,\n");
    let errors = read_values(csv.as_bytes(), "values.csv").unwrap_err();
    assert_eq!(errors.len(), bad.len() + 2, "{:#?}", messages(&errors));
    for (i, b) in bad.iter().enumerate() {
        let e = &errors[i];
        assert_eq!(e.row, Some(i + 2));
        assert_eq!(e.column.as_ref().unwrap().letter, "E");
        assert_eq!(e.value, *b);
        assert!(
            e.to_string()
                .starts_with(&format!("values.csv 第{} 行", i + 2).replace(" 行", "行"))
        );
    }
    assert_eq!(
        errors[bad.len()].to_string(),
        "values.csv 第9行 D列(分项):“分数”不是有效的分项,应为 数值、分子 或 分母(value、numerator、denominator)"
    );
    assert_eq!(
        errors[bad.len() + 1].to_string(),
        "values.csv 第10行 E列(数值):数值为空:请填写数值;本期不报送的行请整行删除"
    );
}

#[test]
fn files_that_are_not_tables_are_refused_clearly() {
    let e = read_values(b"PK\x03\x04garbage", "x.xlsx").unwrap_err();
    assert!(
        e[0].to_string().starts_with("x.xlsx:无法打开 Excel 文件"),
        "{}",
        e[0]
    );
    let e = read_values(&[0x81, 0x30, 0xFF, 0xFF, 0x00], "b.csv").unwrap_err();
    assert!(
        e[0].to_string().contains("编码") || e[0].to_string().contains("二进制"),
        "{}",
        e[0]
    );
    let e = read_values(b"", "empty.csv").unwrap_err();
    assert!(e[0].to_string().contains("找不到表头"), "{}", e[0]);
}
