//! Place targets from files (目标分解表, methods §8): one row per indicator, year and
//! place, entered by hand or edited from an export. Whether the codes exist and the places
//! sit below the parent is the caller's check (it knows the plan and the tree); this reader
//! checks the cells.

use crate::error::IngestError;
use crate::headers::{Field, resolve};
use crate::limits::{ReadLimits, omitted_errors_line};
use crate::parse::parse_number;
use crate::table::read_table;

/// The sheet of an xlsx targets file that is read when present (else the first sheet).
pub const TARGETS_SHEET: &str = "目标分解";

const TARGET_FIELDS: &[Field] = &[
    Field {
        key: "indicator",
        names: &["指标编码", "indicator", "指标代码"],
        required: true,
    },
    Field {
        key: "year",
        names: &["年度", "year", "年份"],
        required: true,
    },
    Field {
        key: "parent",
        names: &["上级编码", "parent", "上级地点编码"],
        required: false,
    },
    Field {
        key: "place",
        names: &["地点编码", "place", "编码"],
        required: true,
    },
    Field {
        key: "target",
        names: &["目标值", "target", "分解目标"],
        required: true,
    },
    Field {
        key: "note",
        names: &["说明", "note", "备注"],
        required: false,
    },
];

/// Columns an export carries for the reader's eyes, ignored on import.
const IGNORED_TARGET_COLUMNS: &[&str] = &[
    "指标名称",
    "地点名称",
    "单位",
    "分解方式",
    "状态",
    "版本",
    "上级名称",
    "区目标",
    "序号",
];

const TARGETS_HINT: &str = "可用列名:指标编码、年度、上级编码(可省略,省略为规划所属地区)、地点编码、目标值、说明(或 indicator、year、parent、place、target、note)";

/// One row of a targets file.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    /// The Excel row number (or CSV line), for the caller's messages.
    pub row: usize,
    pub indicator: String,
    pub year: i32,
    /// Empty: the plan's own place.
    pub parent: String,
    pub place: String,
    pub target: f64,
    pub note: String,
}

/// Reads a targets file (CSV in any accepted encoding, or xlsx) within the default limits.
/// Every bad cell is reported with its row and column; nothing is returned unless every
/// row is good.
pub fn read_target_rows(bytes: &[u8], file: &str) -> Result<Vec<TargetRow>, Vec<IngestError>> {
    let limits = ReadLimits::default();
    let table = read_table(bytes, file, TARGETS_SHEET, &limits).map_err(|e| vec![e])?;
    let (layout, first) = resolve(
        file,
        &table.rows,
        TARGET_FIELDS,
        IGNORED_TARGET_COLUMNS,
        &|_| None,
        TARGETS_HINT,
    )?;
    let col = |k: &str| layout.get(k).cloned();
    let mut errors = Vec::new();
    let mut omitted = 0usize;
    let mut rows = Vec::new();
    for r in &table.rows[first..] {
        if r.is_empty() {
            continue;
        }
        let before = errors.len();
        let text = |k: &str| col(k).map(|c| r.cell(c.0).text.clone()).unwrap_or_default();
        let cell_err = |errors: &mut Vec<IngestError>, k: &str, reason: String| {
            if let Some((i, c)) = col(k) {
                errors.push(IngestError::cell(file, r.row, &c, &r.cell(i).text, reason));
            }
        };
        let indicator = text("indicator");
        if indicator.is_empty() {
            cell_err(&mut errors, "indicator", "缺少指标编码".into());
        }
        let place = text("place");
        if place.is_empty() {
            cell_err(&mut errors, "place", "缺少地点编码".into());
        }
        let year_text = text("year");
        let year = year_text
            .trim_end_matches('年')
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2200).contains(y));
        if year.is_none() {
            cell_err(&mut errors, "year", "不是年份,应为四位数字,如 2025".into());
        }
        let target = col("target").and_then(|(i, _)| {
            let cell = r.cell(i);
            let v = match cell.number {
                Some(x) => Ok(x),
                None if cell.text.is_empty() => Err("缺少目标值".to_string()),
                None => parse_number(&cell.text).map(|n| n.value),
            };
            match v {
                Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
                Ok(_) => {
                    cell_err(&mut errors, "target", "目标值不能为负数".into());
                    None
                }
                Err(reason) => {
                    cell_err(&mut errors, "target", reason);
                    None
                }
            }
        });
        if errors.len() == before
            && let (Some(year), Some(target)) = (year, target)
        {
            rows.push(TargetRow {
                row: r.row,
                indicator,
                year,
                parent: text("parent"),
                place,
                target,
                note: text("note"),
            });
        }
        if errors.len() > limits.max_errors {
            omitted += errors.len() - limits.max_errors;
            errors.truncate(limits.max_errors);
        }
    }
    if omitted > 0 {
        let listed = errors.len();
        errors.push(omitted_errors_line(file, omitted, listed));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![IngestError::file(file, "文件中没有目标分解数据行")]);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_of_place_targets_is_read_with_export_columns_ignored() {
        let csv = "指标编码,指标名称,年度,地点编码,地点名称,目标值,说明\n\
                   T08,职业技能培训,2025,330902001,昌国街道,0.42,按人口\n\
                   T08,职业技能培训,2025年,330902002,环南街道,0.38,\n";
        let rows = read_target_rows(csv.as_bytes(), "t.csv").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].indicator, "T08");
        assert_eq!(rows[1].year, 2025);
        assert_eq!(rows[0].target, 0.42);
        assert_eq!(rows[0].parent, "");
        assert_eq!(rows[0].note, "按人口");
    }

    #[test]
    fn bad_cells_are_named_by_row_and_column_and_nothing_is_returned() {
        let csv = "指标编码,年度,地点编码,目标值\n\
                   T08,二〇二五,330902001,0.4\n\
                   T08,2025,,abc\n\
                   T08,2025,330902003,-1\n";
        let errors = read_target_rows(csv.as_bytes(), "t.csv").unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 4, "{text:?}");
        assert!(
            text[0].contains("第2行") && text[0].contains("年度"),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("第3行") && t.contains("缺少地点编码"))
        );
        assert!(
            text.iter()
                .any(|t| t.contains("第4行") && t.contains("负数"))
        );
    }

    #[test]
    fn a_file_without_the_required_columns_or_rows_is_refused() {
        assert!(read_target_rows("a,b\n1,2\n".as_bytes(), "t.csv").is_err());
        let empty = read_target_rows("指标编码,年度,地点编码,目标值\n".as_bytes(), "t.csv");
        assert!(empty.unwrap_err()[0].to_string().contains("没有"));
    }
}
