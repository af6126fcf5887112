//! The crate's one error type, and the warning that has the same shape.

use serde::Serialize;
use std::fmt;

/// A column of the file: its letter as Excel shows it (`E`) and its header text (`数值`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Column {
    pub letter: String,
    pub header: String,
}

impl Column {
    /// The column with 0-based index `index` and header `header`.
    pub fn new(index: usize, header: impl Into<String>) -> Column {
        Column {
            letter: column_letter(index),
            header: header.into(),
        }
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.header.is_empty() {
            write!(f, "{}列", self.letter)
        } else {
            write!(f, "{}列({})", self.letter, self.header)
        }
    }
}

/// Excel's name of the 0-based column `index`: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Something wrong with an input file (or with a template request), located as exactly as
/// the file allows: the row as Excel shows it (the header is row 1), the column, the cell's
/// text, and the reason in Chinese.
///
/// `Display` reads like `values.csv 第12行 E列(数值):“abc”不是数字`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngestError {
    /// The file name as uploaded.
    pub file: String,
    /// 1-based row as Excel shows it (header = row 1); `None` for the file as a whole.
    pub row: Option<usize>,
    /// The column, when the problem is one cell's.
    pub column: Option<Column>,
    /// The cell's text as read (may be empty).
    pub value: String,
    /// Why, in Chinese; reads naturally after the quoted value.
    pub reason: String,
}

impl IngestError {
    pub fn file(file: &str, reason: impl Into<String>) -> IngestError {
        IngestError {
            file: file.to_string(),
            row: None,
            column: None,
            value: String::new(),
            reason: reason.into(),
        }
    }

    pub fn row(file: &str, row: usize, reason: impl Into<String>) -> IngestError {
        IngestError {
            row: Some(row),
            ..IngestError::file(file, reason)
        }
    }

    pub fn cell(
        file: &str,
        row: usize,
        column: &Column,
        value: &str,
        reason: impl Into<String>,
    ) -> IngestError {
        IngestError {
            file: file.to_string(),
            row: Some(row),
            column: Some(column.clone()),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// At most this many characters of a cell are quoted in a message.
const QUOTE_MAX: usize = 40;

fn write_located(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    row: Option<usize>,
    column: Option<&Column>,
    value: &str,
    reason: &str,
) -> fmt::Result {
    f.write_str(file)?;
    if let Some(r) = row {
        write!(f, " 第{r}行")?;
    }
    if let Some(c) = column {
        write!(f, " {c}")?;
    }
    f.write_str(":")?;
    if !value.is_empty() {
        let shown: String = value.chars().take(QUOTE_MAX).collect();
        let more = if value.chars().count() > QUOTE_MAX {
            "…"
        } else {
            ""
        };
        write!(f, "“{shown}{more}”")?;
    }
    f.write_str(reason)
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_located(
            f,
            &self.file,
            self.row,
            self.column.as_ref(),
            &self.value,
            &self.reason,
        )
    }
}

impl std::error::Error for IngestError {}

/// Something worth a second look that does not refuse the upload (an outlier, a share above
/// its natural limit). Same shape and `Display` as `IngestError`, prefixed with `提醒:`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IngestWarning {
    pub file: String,
    pub row: Option<usize>,
    pub column: Option<Column>,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for IngestWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("提醒:")?;
        write_located(
            f,
            &self.file,
            self.row,
            self.column.as_ref(),
            &self.value,
            &self.reason,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(4), "E");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn display_reads_like_a_sentence() {
        let e = IngestError::cell("values.csv", 12, &Column::new(4, "数值"), "abc", "不是数字");
        assert_eq!(e.to_string(), "values.csv 第12行 E列(数值):“abc”不是数字");
        let e = IngestError::row("values.csv", 3, "与第2行重复");
        assert_eq!(e.to_string(), "values.csv 第3行:与第2行重复");
        let e = IngestError::file("x.xlsx", "无法打开");
        assert_eq!(e.to_string(), "x.xlsx:无法打开");
        let long = "长".repeat(100);
        let e = IngestError::cell("a.csv", 2, &Column::new(0, "备注"), &long, "太长");
        assert!(e.to_string().contains("…”太长"), "{e}");
    }
}
