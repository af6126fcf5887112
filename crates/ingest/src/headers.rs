//! Matching a header row against the fields a file may have.

use std::cell::RefCell;
use std::collections::HashMap;

use crate::error::{Column, IngestError};
use crate::table::{Row, header_key};

/// A field a file may carry: its key, the header names accepted (Chinese first), and
/// whether it is required.
pub(crate) struct Field {
    pub key: &'static str,
    pub names: &'static [&'static str],
    pub required: bool,
}

/// Where each field is, after matching the header row.
pub(crate) struct Layout {
    pub fields: HashMap<&'static str, (usize, Column)>,
    /// Columns matched by the `dynamic` rule, with what it returned (e.g. a population year).
    pub dynamic: Vec<(usize, Column, i32)>,
}

impl Layout {
    pub fn get(&self, key: &str) -> Option<&(usize, Column)> {
        self.fields.get(key)
    }
}

/// How many rows at the top may precede the header (a title, a note).
const HEADER_SEARCH_ROWS: usize = 10;

/// Finds the header row (the first of the first rows that names a required field), matches
/// every header cell, and reports unknown, duplicate and missing columns together.
/// Rows above the header are ignored (a title); rows below it are returned as data.
pub(crate) fn resolve(
    file: &str,
    rows: &[Row],
    fields: &[Field],
    ignored: &[&str],
    dynamic: &dyn Fn(&str) -> Option<i32>,
    hint: &str,
) -> Result<(Layout, usize), Vec<IngestError>> {
    let lookup = |text: &str| -> Option<&Field> {
        let k = header_key(text);
        fields
            .iter()
            .find(|f| f.names.iter().any(|n| header_key(n) == k))
    };
    let header_at = rows.iter().take(HEADER_SEARCH_ROWS).position(|r| {
        r.cells
            .iter()
            .any(|c| lookup(&c.text).is_some_and(|f| f.required))
    });
    let Some(h) = header_at else {
        let required: Vec<String> = fields
            .iter()
            .filter(|f| f.required)
            .map(|f| f.names.join("/"))
            .collect();
        return Err(vec![IngestError::file(
            file,
            format!(
                "找不到表头:文件前{HEADER_SEARCH_ROWS}行中没有含“{}”等列名的一行。{hint}",
                required.join("”“")
            ),
        )]);
    };
    let header = &rows[h];
    let mut errors = Vec::new();
    let mut layout = Layout {
        fields: HashMap::new(),
        dynamic: Vec::new(),
    };
    let ignored_keys: Vec<String> = ignored.iter().map(|n| header_key(n)).collect();
    let mut seen_dynamic: HashMap<i32, Column> = HashMap::new();
    // Rows keep their cells up to their last filled one, so a data row can be wider than
    // the header: the first filled cell of every column is found in one pass.
    let data = &rows[h + 1..];
    let width = data
        .iter()
        .map(|r| r.cells.len())
        .max()
        .unwrap_or(0)
        .max(header.cells.len());
    let mut first_filled: Vec<Option<usize>> = vec![None; width];
    for (n, r) in data.iter().enumerate() {
        for (i, c) in r.cells.iter().enumerate() {
            if first_filled[i].is_none() && !c.text.is_empty() {
                first_filled[i] = Some(n);
            }
        }
    }
    for (i, first) in first_filled.iter().enumerate() {
        let text = header.cell(i).text.as_str();
        let column = Column::new(i, text);
        if text.is_empty() {
            // A column without a header is fine only while it is empty.
            if let Some(r) = first.map(|n| &data[n]) {
                errors.push(IngestError::cell(
                    file,
                    r.row,
                    &column,
                    &r.cell(i).text,
                    "所在列没有列名(表头为空),无法判断是什么数据;请补上列名或删除该列",
                ));
            }
            continue;
        }
        if let Some(f) = lookup(text) {
            if let Some((_, first)) = layout.fields.get(f.key) {
                errors.push(IngestError::cell(
                    file,
                    header.row,
                    &column,
                    text,
                    format!("列名重复:与{}是同一列", first),
                ));
            } else {
                layout.fields.insert(f.key, (i, column));
            }
        } else if let Some(n) = dynamic(text) {
            if let Some(first) = seen_dynamic.get(&n) {
                errors.push(IngestError::cell(
                    file,
                    header.row,
                    &column,
                    text,
                    format!("列名重复:与{first}是同一列"),
                ));
            } else {
                seen_dynamic.insert(n, column.clone());
                layout.dynamic.push((i, column, n));
            }
        } else if !ignored_keys.contains(&header_key(text)) {
            errors.push(IngestError::cell(
                file,
                header.row,
                &column,
                text,
                format!("不是可识别的列名(为免漏读数据,未知列一律报错)。{hint}"),
            ));
        }
    }
    for f in fields.iter().filter(|f| f.required) {
        if !layout.fields.contains_key(f.key) {
            errors.push(IngestError::row(
                file,
                header.row,
                format!("表头缺少必填列“{}”", f.names.join("/")),
            ));
        }
    }
    if errors.is_empty() {
        Ok((layout, h + 1))
    } else {
        Err(errors)
    }
}

/// One data row seen through the header's layout: its fields' text, and its faults named by
/// file, row and column.
pub(crate) struct FieldRow<'a> {
    file: &'a str,
    row: &'a Row,
    layout: &'a Layout,
    faults: RefCell<Vec<IngestError>>,
}

impl FieldRow<'_> {
    /// The field's text, trimmed; empty when the file has no such column.
    pub fn text(&self, key: &str) -> String {
        self.layout
            .get(key)
            .map(|(i, _)| self.row.cell(*i).text.trim().to_string())
            .unwrap_or_default()
    }

    /// Records a fault of the field's cell (nothing when the file has no such column).
    pub fn fault(&self, key: &str, reason: impl Into<String>) {
        if let Some((i, c)) = self.layout.get(key) {
            self.faults.borrow_mut().push(IngestError::cell(
                self.file,
                self.row.row,
                c,
                &self.row.cell(*i).text,
                reason,
            ));
        }
    }
}

/// Reads every non-empty data row below the header with `read`: a row with no fault gives
/// its item (when `read` returns one), a row with faults gives them all. Returns the items
/// and every fault of the file, in row order.
pub(crate) fn read_rows<T>(
    file: &str,
    rows: &[Row],
    layout: &Layout,
    mut read: impl FnMut(&FieldRow) -> Option<T>,
) -> (Vec<T>, Vec<IngestError>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    for row in rows.iter().filter(|r| !r.is_empty()) {
        let r = FieldRow {
            file,
            row,
            layout,
            faults: RefCell::new(Vec::new()),
        };
        let item = read(&r);
        let faults = r.faults.into_inner();
        if faults.is_empty() {
            items.extend(item);
        } else {
            errors.extend(faults);
        }
    }
    (items, errors)
}
