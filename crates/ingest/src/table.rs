//! Bytes → a table of text cells with Excel row numbers: format detection (xlsx by its zip
//! signature, else CSV), CSV encoding detection (UTF-8 with BOM, UTF-8, UTF-16 with BOM,
//! else GB18030, which covers GBK), delimiter detection, and the header row.

use serde::Serialize;
use std::fmt;
use std::io::Cursor;

use crate::error::{IngestError, column_letter};
use crate::limits::{ReadLimits, over, size_text};

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
/// else the first sheet. A file over one of `limits` is refused whole, before the memory
/// for more is taken.
pub(crate) fn read_table(
    bytes: &[u8],
    file: &str,
    sheet: &str,
    limits: &ReadLimits,
) -> Result<Table, IngestError> {
    match detect_format(bytes) {
        SourceFormat::Xlsx => {
            // calamine and zip are large parsers of untrusted zip/XML; a panic inside them
            // must not take the caller down, so it is contained here and reported as a bad
            // file.
            let result = std::panic::catch_unwind(|| {
                check_zip(bytes, file, limits)?;
                read_xlsx(bytes, file, sheet, limits)
            });
            match result {
                Ok(r) => r,
                Err(_) => Err(IngestError::file(
                    file,
                    "Excel 文件已损坏,无法读取(请用 Excel 或 WPS 打开后重新保存)",
                )),
            }
        }
        SourceFormat::Csv(_) => {
            let max = limits.max_content_bytes;
            if bytes.len() as u64 > max {
                return Err(over(
                    file,
                    format!(
                        "最多 {}(本文件 {})",
                        size_text(max),
                        size_text(bytes.len() as u64)
                    ),
                ));
            }
            let (text, enc) = decode(bytes, file)?;
            if text.len() as u64 > max {
                return Err(over(
                    file,
                    format!(
                        "文本最多 {}(本文件转换为 UTF-8 后 {})",
                        size_text(max),
                        size_text(text.len() as u64)
                    ),
                ));
            }
            let rows = read_csv_text(&text, file, limits)?;
            Ok(Table {
                format: SourceFormat::Csv(enc),
                rows,
            })
        }
    }
}

/// The sheet names of an xlsx, in order, after the zip's checks (a form of several sheets
/// is read sheet by sheet with [`read_table`]).
pub(crate) fn xlsx_sheet_names(
    bytes: &[u8],
    file: &str,
    limits: &ReadLimits,
) -> Result<Vec<String>, IngestError> {
    use calamine::Reader;
    let result = std::panic::catch_unwind(|| {
        check_zip(bytes, file, limits)?;
        let book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
                IngestError::file(
                    file,
                    format!(
                        "无法打开 Excel 文件(请确认是 .xlsx 格式,旧版 .xls 请另存为 .xlsx):{e}"
                    ),
                )
            })?;
        Ok(book.sheet_names())
    });
    result.unwrap_or_else(|_| {
        Err(IngestError::file(
            file,
            "Excel 文件已损坏,无法读取(请用 Excel 或 WPS 打开后重新保存)",
        ))
    })
}

/// The checks every row of a table passes as it is read, before its cells are kept: its
/// number, its width (up to the last filled cell) and the running count of cells held.
struct Budget<'a> {
    limits: &'a ReadLimits,
    file: &'a str,
    cells: usize,
}

impl Budget<'_> {
    fn row(&self, row: usize) -> Result<(), IngestError> {
        if row > self.limits.max_rows {
            return Err(over(
                self.file,
                format!("最多 {} 行(第 {row} 行有数据)", self.limits.max_rows),
            ));
        }
        Ok(())
    }

    /// A filled cell in column `width` (1-based) of `row`.
    fn column(&self, row: usize, width: usize) -> Result<(), IngestError> {
        if width > self.limits.max_columns {
            return Err(over(
                self.file,
                format!(
                    "最多 {} 列(第 {row} 行有 {width} 列,填到 {} 列)",
                    self.limits.max_columns,
                    column_letter(width - 1)
                ),
            ));
        }
        Ok(())
    }

    /// `grow` more cells to hold, for `row`.
    fn grow(&mut self, row: usize, grow: usize) -> Result<(), IngestError> {
        self.cells = self.cells.saturating_add(grow);
        if self.cells > self.limits.max_cells {
            return Err(over(
                self.file,
                format!(
                    "最多 {} 个单元格(读到第 {row} 行时已超过)",
                    self.limits.max_cells
                ),
            ));
        }
        Ok(())
    }

    fn cell_text(&self, row: usize, col: usize, text: &str) -> Result<(), IngestError> {
        let max = self.limits.max_cell_chars;
        if text.len() > max {
            let chars = text.chars().count();
            if chars > max {
                return Err(over(
                    self.file,
                    format!(
                        "单元格最多 {max} 个字符(第 {row} 行 {} 列有 {chars} 个字符)",
                        column_letter(col)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Checks an xlsx's zip before anything is unpacked for keeps: the number of entries, the
/// sizes they declare, and then the bytes they really unpack to (streamed and dropped,
/// stopping one byte past the limit), since a declared size can lie. The parts calamine
/// takes in whole when it opens the file (styles, workbook, relationships, theme, shared
/// strings) are scanned on the way for what they would become in memory: their elements,
/// cell formats, shared strings and longest tag.
fn check_zip(bytes: &[u8], file: &str, limits: &ReadLimits) -> Result<(), IngestError> {
    use std::io::Read;
    let damaged = |e: &dyn fmt::Display| {
        IngestError::file(
            file,
            format!(
                "无法打开 Excel 文件(请确认是 .xlsx 格式,旧版 .xls 请另存为 .xlsx;文件已损坏时请用 Excel 或 WPS 打开后重新保存):{e}"
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| damaged(&e))?;
    if zip.len() > limits.max_zip_entries {
        return Err(over(
            file,
            format!(
                "Excel 文件(zip 压缩包)内最多 {} 个部件(本文件有 {} 个)",
                limits.max_zip_entries,
                zip.len()
            ),
        ));
    }
    let max = limits.max_content_bytes;
    let declared = (0..zip.len())
        .filter_map(|i| zip.by_index_data(i).ok().map(|f| f.size()))
        .fold(0u64, u64::saturating_add);
    if declared > max {
        return Err(over(
            file,
            format!(
                "解压后最多 {}(本文件解压后 {})",
                size_text(max),
                size_text(declared)
            ),
        ));
    }
    let mut total = 0u64;
    let mut scan = TagScan::default();
    for i in 0..zip.len() {
        // An entry that cannot be opened (a compression calamine cannot read either) is
        // left for calamine to report if it needs it.
        let Ok(entry) = zip.by_index(i) else {
            continue;
        };
        let part = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let budget = max - total;
        scan.start_part();
        let n = std::io::copy(&mut entry.take(budget.saturating_add(1)), &mut scan)
            .map_err(|e| damaged(&e))?;
        scan.end_part();
        total += n;
        if total > max {
            return Err(over(
                file,
                format!(
                    "解压后最多 {}(本文件解压后超过此数,与其声明的 {} 不符)",
                    size_text(max),
                    size_text(declared)
                ),
            ));
        }
        if let Some(what) = scan.over(limits) {
            return Err(over(file, format!("{what}(见“{part}”)")));
        }
    }
    Ok(())
}

/// What an XML element becomes when calamine opens a workbook: it takes in whole the
/// relationships, the workbook (sheets, defined names), the styles (number formats, fonts,
/// fills, borders, cell formats — each cell format copying its font name and number
/// format) and the shared strings (one string each), whatever the parts are named. A
/// worksheet has none of these elements; it is streamed cell by cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Element {
    /// The shared strings table: calamine reserves room for the number of strings its
    /// `uniqueCount` declares before reading one.
    Sst,
    /// A shared string.
    Si,
    /// A cell format.
    Xf,
    Sheet,
    /// A relationship: its target may be long (a hyperlink) and is copied into each
    /// sheet's path.
    Relationship,
    /// Number formats, fonts, fills, borders, defined names.
    Structure,
    /// A font's name (copied into every cell format using the font).
    FontName,
    Other,
}

impl Element {
    fn of(local_name: &[u8]) -> Element {
        match local_name {
            b"sst" => Element::Sst,
            b"si" => Element::Si,
            b"xf" => Element::Xf,
            b"sheet" => Element::Sheet,
            b"Relationship" => Element::Relationship,
            b"numFmt" | b"font" | b"fill" | b"border" | b"definedName" => Element::Structure,
            b"name" => Element::FontName,
            _ => Element::Other,
        }
    }
}

/// Counts, as an .xlsx's parts stream past, the XML elements calamine would make
/// something of when it opens the file, and measures their tags, keeping nothing.
/// Start tags are found by their `<`; a `>` inside a quoted attribute value does not end
/// a tag; a name's prefix (`x:`) is dropped, as calamine does.
#[derive(Debug, Default)]
struct TagScan {
    state: ScanState,
    tag_len: usize,
    name: [u8; 12],
    name_len: usize,
    element: Option<Element>,
    quote: Option<u8>,
    strings: usize,
    /// The largest number of shared strings a table declares (`uniqueCount`).
    declared_strings: u64,
    /// The attributes of the start tag being read, when it is a shared strings table's.
    attributes: Vec<u8>,
    formats: usize,
    sheets: usize,
    /// Sheets, relationships, number formats, fonts, fills, borders, defined names and
    /// cell formats.
    structure: usize,
    /// The longest tag of a font name, number format, sheet or cell format.
    longest: usize,
    /// The longest relationship tag.
    longest_relationship: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ScanState {
    #[default]
    Text,
    /// Just after `<`.
    Open,
    /// In a start tag's name.
    Name,
    /// In a start tag's attributes.
    Attributes,
    /// In an end tag, a comment, a processing instruction or a declaration.
    Other,
}

impl TagScan {
    fn start_part(&mut self) {
        self.state = ScanState::Text;
        self.quote = None;
    }

    /// A tag left open at the end of a part counts as it stands.
    fn end_part(&mut self) {
        if matches!(self.state, ScanState::Name | ScanState::Attributes) {
            if self.state == ScanState::Name {
                self.classify();
            }
            self.end_start_tag();
        }
        self.state = ScanState::Text;
    }

    /// The first limit the parts so far are over, in words.
    fn over(&self, limits: &ReadLimits) -> Option<String> {
        let tag_max = limits.max_tag_bytes;
        if self.declared_strings > limits.max_cells as u64 {
            Some(format!(
                "共享字符串最多 {} 个,与单元格上限相同(本文件声明有 {} 个)",
                limits.max_cells, self.declared_strings
            ))
        } else if self.strings > limits.max_cells {
            Some(format!(
                "共享字符串最多 {} 个,与单元格上限相同(本文件有 {} 个)",
                limits.max_cells, self.strings
            ))
        } else if self.formats > limits.max_cell_formats {
            Some(format!(
                "最多 {} 种单元格格式(本文件有 {} 种)",
                limits.max_cell_formats, self.formats
            ))
        } else if self.sheets > limits.max_sheets {
            Some(format!(
                "最多 {} 个工作表(本文件有 {} 个)",
                limits.max_sheets, self.sheets
            ))
        } else if self.structure > limits.max_part_elements {
            Some(format!(
                "工作表、关系、样式等结构元素最多 {} 个(本文件有 {} 个)",
                limits.max_part_elements, self.structure
            ))
        } else if self.longest > tag_max {
            Some(format!(
                "字体名、数字格式、工作表、单元格格式的 XML 标记最长 {tag_max} 字节(本文件有 {} 字节的)",
                self.longest
            ))
        } else if self.longest_relationship > RELATIONSHIP_TAG_FACTOR * tag_max {
            Some(format!(
                "关系(Relationship)的 XML 标记最长 {} 字节(本文件有 {} 字节的)",
                RELATIONSHIP_TAG_FACTOR * tag_max,
                self.longest_relationship
            ))
        } else {
            None
        }
    }

    fn byte(&mut self, b: u8) {
        match self.state {
            ScanState::Text => {
                if b == b'<' {
                    self.state = ScanState::Open;
                    self.tag_len = 1;
                }
            }
            ScanState::Open => {
                self.tag_len += 1;
                if matches!(b, b'/' | b'?' | b'!') {
                    self.state = ScanState::Other;
                } else {
                    self.name_len = 0;
                    self.element = None;
                    self.state = ScanState::Name;
                    self.name_byte(b);
                }
            }
            ScanState::Name => {
                self.tag_len += 1;
                self.name_byte(b);
            }
            ScanState::Attributes => {
                self.tag_len += 1;
                match (self.quote, b) {
                    (Some(q), _) if b == q => self.quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => self.quote = Some(b),
                    (None, b'>') => self.end_start_tag(),
                    (None, _) => {}
                }
                if self.element == Some(Element::Sst) && self.attributes.len() < ATTRIBUTES_KEPT {
                    self.attributes.push(b);
                }
            }
            ScanState::Other => {
                if b == b'>' {
                    self.state = ScanState::Text;
                }
            }
        }
    }

    fn name_byte(&mut self, b: u8) {
        if b.is_ascii_whitespace() || b == b'/' || b == b'>' {
            self.classify();
            if b == b'>' {
                self.end_start_tag();
            } else {
                self.quote = None;
                self.state = ScanState::Attributes;
            }
        } else if b == b':' {
            // A prefix: the local name starts after it.
            self.name_len = 0;
        } else {
            if let Some(slot) = self.name.get_mut(self.name_len) {
                *slot = b;
            }
            self.name_len = self.name_len.saturating_add(1);
        }
    }

    /// Names the element whose name has just ended, and counts it.
    fn classify(&mut self) {
        let element = match self.name.get(..self.name_len) {
            Some(name) => Element::of(name),
            None => Element::Other,
        };
        match element {
            Element::Sst => self.attributes.clear(),
            Element::Si => self.strings += 1,
            Element::Xf => {
                self.formats += 1;
                self.structure += 1;
            }
            Element::Sheet => {
                self.sheets += 1;
                self.structure += 1;
            }
            Element::Relationship | Element::Structure => self.structure += 1,
            Element::FontName | Element::Other => {}
        }
        self.element = Some(element);
    }

    fn end_start_tag(&mut self) {
        match self.element {
            Some(Element::Relationship) => {
                self.longest_relationship = self.longest_relationship.max(self.tag_len);
            }
            Some(Element::Xf | Element::Sheet | Element::Structure | Element::FontName) => {
                self.longest = self.longest.max(self.tag_len);
            }
            Some(Element::Sst) => {
                self.longest = self.longest.max(self.tag_len);
                let declared = unique_count(&self.attributes);
                self.declared_strings = self.declared_strings.max(declared);
            }
            _ => {}
        }
        self.state = ScanState::Text;
    }
}

/// How much of a shared strings table's start tag is kept to read its `uniqueCount` (a
/// longer tag is refused by `max_tag_bytes` anyway).
const ATTRIBUTES_KEPT: usize = 4096;

/// The number an `uniqueCount="…"` attribute declares (0 without one; `u64::MAX` for more
/// digits than fit), read as calamine reads it: digits only.
fn unique_count(attributes: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(attributes);
    let mut rest = text.as_ref();
    while let Some(at) = rest.find("uniqueCount") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "uniqueCount".len()..];
        if before.is_some_and(|c| !c.is_whitespace()) {
            continue;
        }
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start();
        let digits: String = value
            .chars()
            .skip(1)
            .take_while(|c| c.is_ascii_digit())
            .collect();
        return if digits.is_empty() {
            0
        } else {
            digits.parse().unwrap_or(u64::MAX)
        };
    }
    0
}

/// A relationship's tag may be this many times `max_tag_bytes` (a hyperlink's address is
/// up to 2,083 characters).
const RELATIONSHIP_TAG_FACTOR: usize = 8;

impl std::io::Write for TagScan {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for &b in buf {
            self.byte(b);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
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
/// spans lines is one row. Each line's length is checked before any is split, and each
/// record's row, width (trailing empty cells are dropped) and cells before they are kept.
pub(crate) fn read_csv_text(
    text: &str,
    file: &str,
    limits: &ReadLimits,
) -> Result<Vec<Row>, IngestError> {
    // The reader holds a whole record (and an index entry per field) before it hands it
    // over, so an endless line is refused here, before it is parsed.
    for (i, line) in text.as_bytes().split(|b| *b == b'\n').enumerate() {
        if line.len() > limits.max_line_bytes {
            return Err(over(
                file,
                format!(
                    "每行最多 {}(第 {} 行有 {})",
                    size_text(limits.max_line_bytes as u64),
                    i + 1,
                    size_text(line.len() as u64)
                ),
            ));
        }
    }
    let mut budget = Budget {
        limits,
        file,
        cells: 0,
    };
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
                budget.row(row)?;
                let mut width = 0;
                for (i, s) in record.iter().enumerate() {
                    embedded_newlines += s.matches('\n').count();
                    if !trim_cell(s).is_empty() {
                        budget.cell_text(row, i, s)?;
                        width = i + 1;
                    }
                }
                budget.column(row, width)?;
                budget.grow(row, width)?;
                let cells = record
                    .iter()
                    .take(width)
                    .map(|s| Cell {
                        text: trim_cell(s).to_string(),
                        number: None,
                        month: None,
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

/// Reads one sheet by streaming its cells: each cell's reference is checked against the
/// limits before its row grows to hold it, so a sheet whose only cells are `A1` and
/// `XFD1048576` costs two cells, not the seventeen billion between them (calamine's
/// `worksheet_range` would fill them all in).
fn read_xlsx(
    bytes: &[u8],
    file: &str,
    sheet: &str,
    limits: &ReadLimits,
) -> Result<Table, IngestError> {
    use calamine::{DataRef, Reader, XlsxError};
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
    let unreadable = |e: XlsxError| IngestError::file(file, format!("无法读取工作表“{name}”:{e}"));
    let mut reader = match book.worksheet_cells_reader(&name) {
        Ok(r) => r,
        // A chart sheet: no cells (the header check says what is missing).
        Err(XlsxError::NotAWorksheet(_)) => {
            return Ok(Table {
                format: SourceFormat::Xlsx,
                rows: Vec::new(),
            });
        }
        Err(e) => return Err(unreadable(e)),
    };
    let mut budget = Budget {
        limits,
        file,
        cells: 0,
    };
    // By row number: cells normally come in order, but nothing in the format forces it.
    let mut rows: std::collections::BTreeMap<u32, Vec<Cell>> = std::collections::BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(&unreadable)? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let (row, col) = (r as usize + 1, c as usize);
        budget.column(row, col + 1)?;
        budget.row(row)?;
        let data: calamine::Data = cell.get_value().clone().into();
        let value = xlsx_cell(&data);
        if value.text.is_empty() {
            continue;
        }
        budget.cell_text(row, col, &value.text)?;
        let cells = rows.entry(r).or_default();
        if cells.len() <= col {
            budget.grow(row, col + 1 - cells.len())?;
            cells.resize(col + 1, Cell::default());
        }
        cells[col] = value;
    }
    let rows = rows
        .into_iter()
        .map(|(r, mut cells)| {
            while cells.last().is_some_and(|c| c.text.is_empty()) {
                cells.pop();
            }
            Row {
                row: r as usize + 1,
                cells,
            }
        })
        .collect();
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
        let rows = read_csv_text(text, "t.csv", &ReadLimits::default()).unwrap();
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
        let t = read_table(&bytes, "u.txt", "填报", &ReadLimits::default()).unwrap();
        assert_eq!(t.format, SourceFormat::Csv(TextEncoding::Utf16));
        assert_eq!(t.rows[1].cells[1].text, "5");
    }
}
