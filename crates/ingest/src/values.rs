//! Reading a values file (CSV or xlsx) into rows, with every problem located.

use serde::Serialize;
use std::sync::Arc;

use youxiang_core::value::Component;

use crate::error::{Column, IngestError};
use crate::headers::{Field, resolve};
use crate::limits::{Capped, ReadLimits, omitted_errors_line};
use crate::parse::parse_number;
use crate::table::{SourceFormat, read_table};

/// The sheet of an xlsx values file that is read when present (else the first sheet).
pub const VALUES_SHEET: &str = "填报";

/// The columns of a values file: Chinese and English header names.
pub(crate) const FIELDS: &[Field] = &[
    Field {
        key: "indicator",
        names: &["指标编码", "indicator", "indicator_code"],
        required: true,
    },
    Field {
        key: "place",
        names: &["地点编码", "place", "place_code"],
        required: true,
    },
    Field {
        key: "period",
        names: &["期间", "period"],
        required: true,
    },
    Field {
        key: "component",
        names: &["分项", "component"],
        required: false,
    },
    Field {
        key: "value",
        names: &["数值", "value"],
        required: true,
    },
    Field {
        key: "comment",
        names: &["备注", "comment"],
        required: false,
    },
    Field {
        key: "data_source",
        names: &["数据来源", "source", "data_source"],
        required: false,
    },
];

/// Informative columns (as in the template) that are accepted and not read.
pub const IGNORED_VALUE_COLUMNS: &[&str] = &[
    "指标名称",
    "单位",
    "地点名称",
    "期间名称",
    "状态",
    "序号",
    "填报单位",
    "填报人",
    "说明",
    "indicator_name",
    "unit",
    "place_name",
    "period_name",
    "status",
    "no",
];

/// Where a row came from: the file name and the columns of each field, so that later
/// checks (`validate`) can point at the exact cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowSource {
    pub file: String,
    pub indicator: Column,
    pub place: Column,
    pub period: Column,
    pub component: Option<Column>,
    pub value: Column,
    pub comment: Option<Column>,
    /// The 数据来源 column, when the file has one.
    pub data_source: Option<Column>,
}

impl RowSource {
    /// The columns of the generated template (A 指标编码 … I 备注): for rows that come from
    /// somewhere other than a file (a web form), so messages still name a field.
    pub fn template(file: &str) -> RowSource {
        RowSource {
            file: file.to_string(),
            indicator: Column::new(0, "指标编码"),
            place: Column::new(3, "地点编码"),
            period: Column::new(5, "期间"),
            component: Some(Column::new(6, "分项")),
            value: Column::new(7, "数值"),
            comment: Some(Column::new(8, "备注")),
            data_source: Some(Column::new(9, "数据来源")),
        }
    }
}

/// One data row of a values file, read but not yet checked against a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueRow {
    /// The row as Excel shows it (header = 1 when the header is the first row).
    pub row: usize,
    pub indicator: String,
    pub place: String,
    /// The period as written; parsed by `validate` (which knows the indicator's frequency).
    pub period: String,
    pub component: Component,
    /// The 分项 cell as written (empty when the column is absent or the cell blank).
    pub component_text: String,
    pub value: f64,
    /// The 数值 cell as written.
    pub value_text: String,
    /// Whether the 数值 cell ended in `%` (stripped from `value`).
    pub percent: bool,
    pub comment: String,
    /// The 数据来源 cell as written (trimmed; empty when the column is absent or blank).
    pub data_source: String,
    pub source: Arc<RowSource>,
}

/// A values file read whole: its format and its rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValuesFile {
    pub format: SourceFormat,
    pub rows: Vec<ValueRow>,
}

/// A values file read within limits: the rows that read, the first errors of the rest, and
/// how many more errors there were.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValuesRead {
    pub file: ValuesFile,
    /// The first [`ReadLimits::max_errors`] errors, in row order.
    pub errors: Vec<IngestError>,
    /// The errors found beyond those listed.
    pub errors_omitted: usize,
}

impl ValuesRead {
    /// The errors as one list, the omitted ones standing as one last line.
    fn into_error_list(self) -> (ValuesFile, Vec<IngestError>) {
        let mut errors = self.errors;
        if self.errors_omitted > 0 {
            let listed = errors.len();
            let file = errors.first().map(|e| e.file.clone()).unwrap_or_default();
            errors.push(omitted_errors_line(&file, self.errors_omitted, listed));
        }
        (self.file, errors)
    }
}

/// Reads a values file with the default [`ReadLimits`]; see [`read_values_file`].
pub fn read_values(bytes: &[u8], file_name: &str) -> Result<Vec<ValueRow>, Vec<IngestError>> {
    read_values_file(bytes, file_name).map(|f| f.rows)
}

const HINT: &str = "可用列名:指标编码、地点编码、期间、分项、数值、备注、数据来源(或 indicator、place、period、component、value、comment、source)";

/// Reads a values file (CSV in UTF-8 / UTF-8 with BOM / UTF-16 / GBK, or xlsx — detected
/// from the content, not the name) and returns every row, or every problem found.
///
/// Blank rows are skipped. A row with any cell filled must have 指标编码, 地点编码, 期间 and
/// 数值. Numbers may be written `1,234.5`, in full-width digits, with spaces, or with a
/// trailing `%` (recorded in `ValueRow::percent`; `validate` allows it only for indicators
/// whose unit is `%`). Read with the default [`ReadLimits`]; past `max_errors` the errors
/// are counted in one last line.
pub fn read_values_file(bytes: &[u8], file_name: &str) -> Result<ValuesFile, Vec<IngestError>> {
    let (file, errors) = read_values_partial(bytes, file_name)?;
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// Like [`read_values_file`], but a file whose header could be read gives back the rows
/// that did read together with the errors of the rest, so that a caller can validate those
/// rows too and report every problem of the upload in one pass. The contract is unchanged:
/// with any error, nothing may be stored. A file that cannot be read at all (no header,
/// damaged, over a limit) is still an `Err`. Read with the default [`ReadLimits`]; see
/// [`read_values_with`].
pub fn read_values_partial(
    bytes: &[u8],
    file_name: &str,
) -> Result<(ValuesFile, Vec<IngestError>), Vec<IngestError>> {
    read_values_with(bytes, file_name, &ReadLimits::default()).map(ValuesRead::into_error_list)
}

/// Like [`read_values_partial`], within `limits`: a file over a limit is an `Err` naming
/// the limit, and only the first `limits.max_errors` errors are kept (the rest counted).
pub fn read_values_with(
    bytes: &[u8],
    file_name: &str,
    limits: &ReadLimits,
) -> Result<ValuesRead, Vec<IngestError>> {
    let file = file_name;
    let table = read_table(bytes, file, VALUES_SHEET, limits).map_err(|e| vec![e])?;
    let (layout, first_data) = resolve(
        file,
        &table.rows,
        FIELDS,
        IGNORED_VALUE_COLUMNS,
        &|_| None,
        HINT,
    )?;
    let col = |k: &str| layout.get(k).cloned();
    let (Some(ind), Some(place), Some(period), Some(value)) =
        (col("indicator"), col("place"), col("period"), col("value"))
    else {
        return Err(vec![IngestError::file(file, "表头缺少必填列")]);
    };
    let component = col("component");
    let comment = col("comment");
    let data_source = col("data_source");
    let source = Arc::new(RowSource {
        file: file.to_string(),
        indicator: ind.1.clone(),
        place: place.1.clone(),
        period: period.1.clone(),
        component: component.as_ref().map(|c| c.1.clone()),
        value: value.1.clone(),
        comment: comment.as_ref().map(|c| c.1.clone()),
        data_source: data_source.as_ref().map(|c| c.1.clone()),
    });
    let mut rows = Vec::new();
    let mut errors = Capped::new(limits.max_errors);
    for r in &table.rows[first_data..] {
        if r.is_empty() {
            continue;
        }
        let text = |c: &(usize, Column)| r.cell(c.0).text.clone();
        let mut ok = true;
        for (c, what) in [(&ind, "指标编码"), (&place, "地点编码"), (&period, "期间")] {
            if text(c).is_empty() {
                errors.push(IngestError::cell(
                    file,
                    r.row,
                    &c.1,
                    "",
                    format!("缺少{what}"),
                ));
                ok = false;
            }
        }
        let period_text = match &r.cell(period.0).month {
            Some(m) => m.clone(),
            None => text(&period),
        };
        let component_text = component.as_ref().map(&text).unwrap_or_default();
        let comp = match Component::parse(&component_text) {
            Some(c) => c,
            None => {
                if let Some(c) = &component {
                    errors.push(IngestError::cell(
                        file,
                        r.row,
                        &c.1,
                        &component_text,
                        "不是有效的分项,应为 数值、分子 或 分母(value、numerator、denominator)",
                    ));
                }
                ok = false;
                Component::Value
            }
        };
        let value_cell = r.cell(value.0);
        let parsed = match value_cell.number {
            Some(x) if x.is_finite() => Ok(crate::parse::Number {
                value: x,
                percent: false,
            }),
            _ if value_cell.text.is_empty() => {
                Err("数值为空:请填写数值;本期不报送的行请整行删除".to_string())
            }
            _ => parse_number(&value_cell.text),
        };
        let number = match parsed {
            Ok(n) => Some(n),
            Err(reason) => {
                errors.push(IngestError::cell(
                    file,
                    r.row,
                    &value.1,
                    &value_cell.text,
                    reason,
                ));
                None
            }
        };
        let data_source_text = data_source
            .as_ref()
            .map(|c| text(c).trim().to_string())
            .unwrap_or_default();
        if let (Some(c), Some(reason)) = (
            &data_source,
            youxiang_core::write::source_problem(&data_source_text),
        ) {
            errors.push(IngestError::cell(
                file,
                r.row,
                &c.1,
                &data_source_text,
                reason,
            ));
            ok = false;
        }
        let (true, Some(n)) = (ok, number) else {
            continue;
        };
        rows.push(ValueRow {
            row: r.row,
            indicator: text(&ind),
            place: text(&place),
            period: period_text,
            component: comp,
            component_text,
            value: n.value,
            value_text: value_cell.text.clone(),
            percent: n.percent,
            comment: comment.as_ref().map(&text).unwrap_or_default(),
            data_source: data_source_text,
            source: source.clone(),
        });
    }
    Ok(ValuesRead {
        file: ValuesFile {
            format: table.format,
            rows,
        },
        errors: errors.items,
        errors_omitted: errors.omitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_order_and_english_headers() {
        let csv = "value,period,place,indicator,comment\n12,2024,330902,T01,ok\n";
        let rows = read_values(csv.as_bytes(), "v.csv").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].indicator, "T01");
        assert_eq!(rows[0].value, 12.0);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].source.value.letter, "A");
    }

    #[test]
    fn every_error_is_reported() {
        let csv = "指标编码,地点编码,期间,数值,联系人\nT01,330902,2024,abc\n,330902,2024,\nT01,x,2024,1.2.3\n";
        let errors = read_values(csv.as_bytes(), "values.csv").unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(
            all.contains(&"values.csv 第1行 E列(联系人):“联系人”不是可识别的列名(为免漏读数据,未知列一律报错)。可用列名:指标编码、地点编码、期间、分项、数值、备注、数据来源(或 indicator、place、period、component、value、comment、source)".to_string()),
            "{all:#?}"
        );
    }

    #[test]
    fn a_source_column_is_read_and_a_long_source_refused_at_its_cell() {
        let csv = "指标编码,地点编码,期间,数值,数据来源\nT01,330902,2024,12, 浙里健康 \n";
        let rows = read_values(csv.as_bytes(), "v.csv").unwrap();
        assert_eq!(rows[0].data_source, "浙里健康");
        let csv = "indicator,place,period,value,source\nT01,330902,2024,12,统计年鉴\n";
        assert_eq!(
            read_values(csv.as_bytes(), "v.csv").unwrap()[0].data_source,
            "统计年鉴"
        );
        let long = "源".repeat(101);
        let csv = format!("指标编码,地点编码,期间,数值,数据来源\nT01,330902,2024,12,{long}\n");
        let errors = read_values(csv.as_bytes(), "v.csv").unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(all.len(), 1, "{all:#?}");
        assert!(
            all[0].starts_with("v.csv 第2行 E列(数据来源)") && all[0].contains("超过 100 个字符"),
            "{all:#?}"
        );
    }

    #[test]
    fn every_cell_error_is_reported() {
        let csv = "指标编码,地点编码,期间,数值\nT01,330902,2024,abc\n,330902,2024,\nT01,x,2024,1.2.3\n\n,,,\n";
        let errors = read_values(csv.as_bytes(), "values.csv").unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            all,
            vec![
                "values.csv 第2行 D列(数值):“abc”不是数字",
                "values.csv 第3行 A列(指标编码):缺少指标编码",
                "values.csv 第3行 D列(数值):数值为空:请填写数值;本期不报送的行请整行删除",
                "values.csv 第4行 D列(数值):“1.2.3”不是数字(有多个小数点)",
            ]
        );
    }
}
