//! Bytes → a table of text cells with Excel row numbers: format detection (xlsx by its zip
//! signature, else CSV), CSV encoding detection (UTF-8 with BOM, UTF-8, UTF-16 with BOM,
//! else GB18030, which covers GBK), delimiter detection, and the header row.

use serde::Serialize;
use std::fmt;
use std::io::Cursor;

use crate::error::IngestError;

/// How a text file was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8 with a byte-order mark (Excel's “CSV UTF-8”).
    Utf8Bom,
    Utf8,
    /// UTF-16 with a byte-order mark (Excel's “Unicode 文本”).
    Utf16,
    /// GB18030, a superset of GBK (Excel's default “CSV” on Chinese Windows).
    Gb18030,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8Bom => "UTF-8(带BOM)",
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16 => "UTF-16",
            TextEncoding::Gb18030 => "GBK/GB18030",
        }
    }
}

/// What kind of file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "format", content = "encoding")]
pub enum SourceFormat {
    Xlsx,
    Csv(TextEncoding),
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceFormat::Xlsx => f.write_str("Excel(.xlsx)"),
            SourceFormat::Csv(e) => write!(f, "CSV({})", e.label()),
        }
    }
}

/// One cell: its text (trimmed) and, for an Excel number cell, the number itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Cell {
    pub text: String,
    pub number: Option<f64>,
    /// A date cell that is the first day of a month, as `YYYY-MM` (Excel turns a typed
    /// `2024-03` into that date).
    pub month: Option<String>,
}

/// One non-header row: its Excel row number and cells by 0-based column index.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub row: usize,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, col: usize) -> &Cell {
        static EMPTY: Cell = Cell {
            text: String::new(),
            number: None,
            month: None,
        };
        self.cells.get(col).unwrap_or(&EMPTY)
    }

    pub fn is_empty(&self) -> bool {
        self.cells.iter().all(|c| c.text.is_empty())
    }
}

/// A file read as a table.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub format: SourceFormat,
    pub rows: Vec<Row>,
}

/// Trims spaces of every kind (ASCII, no-break, full-width, BOM remnants).
pub(crate) fn trim_cell(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}')
}

/// The format of `bytes`, decided by content only.
pub fn detect_format(bytes: &[u8]) -> SourceFormat {
    if bytes.starts_with(b"PK\x03\x04") {
        SourceFormat::Xlsx
    } else {
        SourceFormat::Csv(detect_encoding(bytes))
    }
}

fn detect_encoding(bytes: &[u8]) -> TextEncoding {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        TextEncoding::Utf8Bom
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        TextEncoding::Utf16
    } else if std::str::from_utf8(bytes).is_ok() {
        TextEncoding::Utf8
    } else {
        TextEncoding::Gb18030
    }
}

/// Decodes text bytes; errors when GB18030 decoding meets bytes it cannot map.
pub(crate) fn decode(bytes: &[u8], file: &str) -> Result<(String, TextEncoding), IngestError> {
    let enc = detect_encoding(bytes);
    let text = match enc {
        TextEncoding::Utf8Bom => String::from_utf8_lossy(&bytes[3..]).into_owned(),
        TextEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        TextEncoding::Utf16 => {
            let (text, _, had_errors) = encoding_rs::UTF_16LE.decode(bytes);
            // `decode` sniffs the BOM and switches to UTF-16BE itself.
            if had_errors {
                return Err(IngestError::file(
                    file,
                    "文件以 UTF-16 标记开头,但内容不是有效的 UTF-16 文本",
                ));
            }
            text.into_owned()
        }
        TextEncoding::Gb18030 => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(IngestError::file(
                    file,
                    "无法识别文件编码:既不是 UTF-8,也不是 GBK/GB18030。请在 Excel 中“另存为”CSV UTF-8 或 Excel 工作簿(.xlsx)",
                ));
            }
            text.into_owned()
        }
    };
    if text.contains('\0') {
        return Err(IngestError::file(
            file,
            "文件含有二进制内容,不是 CSV 文本,也不是 Excel(.xlsx)文件(旧版 .xls 请另存为 .xlsx)",
        ));
    }
    Ok((text, enc))
}

/// Reads `bytes` (CSV or xlsx) into a table. For xlsx, the sheet named `sheet` if present,
/// else the first sheet.
pub(crate) fn read_table(bytes: &[u8], file: &str, sheet: &str) -> Result<Table, IngestError> {
    match detect_format(bytes) {
        SourceFormat::Xlsx => {
            // calamine is a large parser of untrusted zip/XML; a panic inside it must not
            // take the caller down, so it is contained here and reported as a bad file.
            let result = std::panic::catch_unwind(|| read_xlsx(bytes, file, sheet));
            match result {
                Ok(r) => r,
                Err(_) => Err(IngestError::file(
                    file,
                    "Excel 文件已损坏,无法读取(请用 Excel 或 WPS 打开后重新保存)",
                )),
            }
        }
        SourceFormat::Csv(_) => {
            let (text, enc) = decode(bytes, file)?;
            let rows = read_csv_text(&text, file)?;
            Ok(Table {
                format: SourceFormat::Csv(enc),
                rows,
            })
        }
    }
}

fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    let (commas, tabs, semis) = (count(','), count('\t'), count(';'));
    if tabs > commas && tabs >= semis {
        b'\t'
    } else if semis > commas && semis > tabs {
        b';'
    } else {
        b','
    }
}

/// Parses CSV text. Row numbers are Excel's: a blank line is a row, and a quoted cell that
/// spans lines is one row.
pub(crate) fn read_csv_text(text: &str, file: &str) -> Result<Vec<Row>, IngestError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // Excel's row = 1 + line breaks before the record's first byte, less those inside
    // quoted cells of earlier records. The reader's own position is where it started
    // looking, before any blank lines it skipped, so the start is found here.
    let bytes = text.as_bytes();
    let mut embedded_newlines = 0usize;
    let mut scanned = 0usize;
    let mut newlines_before = 0usize;
    let mut last_row = 0usize;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let mut start = record
                    .position()
                    .map(|p| p.byte() as usize)
                    .unwrap_or(scanned)
                    .clamp(scanned, bytes.len());
                while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                    start += 1;
                }
                newlines_before += bytes[scanned..start]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                scanned = start;
                let mut row = (newlines_before + 1).saturating_sub(embedded_newlines);
                if row <= last_row {
                    row = last_row + 1;
                }
                last_row = row;
                let cells = record
                    .iter()
                    .map(|s| {
                        embedded_newlines += s.matches('\n').count();
                        Cell {
                            text: trim_cell(s).to_string(),
                            number: None,
                            month: None,
                        }
                    })
                    .collect();
                rows.push(Row { row, cells });
            }
            Err(e) => {
                let row = e
                    .position()
                    .map(|p| (p.line() as usize).saturating_sub(embedded_newlines))
                    .unwrap_or(last_row + 1);
                return Err(IngestError::row(
                    file,
                    row.max(1),
                    format!("CSV 格式错误:{e}"),
                ));
            }
        }
    }
    Ok(rows)
}

fn float_text(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

fn xlsx_cell(d: &calamine::Data) -> Cell {
    use calamine::Data;
    let mut cell = Cell::default();
    match d {
        Data::Empty => {}
        Data::Int(i) => {
            cell.text = i.to_string();
            cell.number = Some(*i as f64);
        }
        Data::Float(x) => {
            cell.text = float_text(*x);
            cell.number = Some(*x);
        }
        Data::String(s) => cell.text = trim_cell(s).to_string(),
        Data::Bool(b) => cell.text = if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(dt) => {
            if dt.is_datetime() {
                let (y, m, day, h, min, s, ms) = dt.to_ymd_hms_milli();
                if (h, min, s, ms) == (0, 0, 0, 0) {
                    cell.text = format!("{y:04}-{m:02}-{day:02}");
                    if day == 1 {
                        cell.month = Some(format!("{y:04}-{m:02}"));
                    }
                } else {
                    cell.text = format!("{y:04}-{m:02}-{day:02} {h:02}:{min:02}:{s:02}");
                }
            } else {
                cell.text = float_text(dt.as_f64());
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => cell.text = trim_cell(s).to_string(),
        Data::Error(e) => cell.text = format!("{e}"),
    }
    cell
}

fn read_xlsx(bytes: &[u8], file: &str, sheet: &str) -> Result<Table, IngestError> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
            IngestError::file(
                file,
                format!("无法打开 Excel 文件(请确认是 .xlsx 格式,旧版 .xls 请另存为 .xlsx):{e}"),
            )
        })?;
    let names = book.sheet_names();
    let name = if names.iter().any(|n| n == sheet) {
        sheet.to_string()
    } else {
        match names.first() {
            Some(n) => n.clone(),
            None => return Err(IngestError::file(file, "Excel 文件中没有工作表")),
        }
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| IngestError::file(file, format!("无法读取工作表“{name}”:{e}")))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::new();
    for (i, r) in range.rows().enumerate() {
        let mut cells = vec![Cell::default(); col0 as usize];
        cells.extend(r.iter().map(xlsx_cell));
        while cells.last().is_some_and(|c| c.text.is_empty()) {
            cells.pop();
        }
        rows.push(Row {
            row: row0 as usize + i + 1,
            cells,
        });
    }
    Ok(Table {
        format: SourceFormat::Xlsx,
        rows,
    })
}

/// Normalizes a header cell for matching: trimmed, ASCII lower case, without a leading or
/// trailing `*` (a “required” mark).
pub(crate) fn header_key(text: &str) -> String {
    trim_cell(text)
        .trim_matches(|c| c == '*' || c == '＊')
        .trim()
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_excel_rows() {
        let text = "a,b\n1,2\n\n3,\"x\ny\"\n4,5\r\n6,6";
        let rows = read_csv_text(text, "t.csv").unwrap();
        let nums: Vec<usize> = rows.iter().map(|r| r.row).collect();
        assert_eq!(nums, vec![1, 2, 4, 5, 6]);
        assert_eq!(rows[2].cells[1].text, "x\ny");
    }

    #[test]
    fn encodings_are_detected() {
        assert_eq!(
            detect_format(b"\xEF\xBB\xBFa,b"),
            SourceFormat::Csv(TextEncoding::Utf8Bom)
        );
        assert_eq!(
            detect_format("指标".as_bytes()),
            SourceFormat::Csv(TextEncoding::Utf8)
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("指标编码,数值");
        assert_eq!(
            detect_format(&gbk),
            SourceFormat::Csv(TextEncoding::Gb18030)
        );
        let (text, enc) = decode(&gbk, "g.csv").unwrap();
        assert_eq!(
            (text.as_str(), enc),
            ("指标编码,数值", TextEncoding::Gb18030)
        );
        assert_eq!(detect_format(b"PK\x03\x04rest"), SourceFormat::Xlsx);
    }

    #[test]
    fn utf16_and_tabs() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "指标编码\t数值\nT01\t5".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let t = read_table(&bytes, "u.txt", "填报").unwrap();
        assert_eq!(t.format, SourceFormat::Csv(TextEncoding::Utf16));
        assert_eq!(t.rows[1].cells[1].text, "5");
    }
}
