//! The register of units from a file (单位名录, xlsx or CSV) and back: one row per unit,
//! its contacts in two cells (`联系人` and `联系电话`, several separated by `;`, `;` or
//! `、`, paired in order). Cells are checked here, each fault named by row and column; the
//! unit's own rules (`core::units::Unit::problems`) are checked by the app.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use youxiang_core::units::{Contact, Unit, UnitKind};

use crate::error::IngestError;
use crate::headers::{Field, read_rows, resolve};
use crate::limits::ReadLimits;
use crate::table::read_table;

/// The sheet of an xlsx register that is read when present (else the first sheet).
pub const UNITS_SHEET: &str = "单位名录";

/// The register's columns, Chinese first (the export's header).
pub const UNIT_HEADERS: [&str; 7] = [
    "单位名称",
    "单位代码",
    "类别",
    "上级单位",
    "联系人",
    "联系电话",
    "备注",
];

const UNIT_FIELDS: &[Field] = &[
    Field {
        key: "name",
        names: &["单位名称", "单位", "name"],
        required: true,
    },
    Field {
        key: "code",
        names: &["单位代码", "代码", "code"],
        required: false,
    },
    Field {
        key: "kind",
        names: &["类别", "单位类别", "kind"],
        required: false,
    },
    Field {
        key: "parent",
        names: &["上级单位", "上级", "parent"],
        required: false,
    },
    Field {
        key: "person",
        names: &["联系人", "person", "contact"],
        required: false,
    },
    Field {
        key: "phone",
        names: &["联系电话", "电话", "phone"],
        required: false,
    },
    Field {
        key: "note",
        names: &["备注", "note"],
        required: false,
    },
];

const HINT: &str = "可用列名:单位名称、单位代码、类别、上级单位、联系人、联系电话、备注(或 name、code、kind、parent、person、phone、note)";

fn split_list(text: &str) -> Vec<String> {
    text.split([';', ';', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Reads a units file: every unit, or every fault of the file (row and column named).
pub fn read_units(bytes: &[u8], file: &str) -> Result<Vec<Unit>, Vec<IngestError>> {
    let table =
        read_table(bytes, file, UNITS_SHEET, &ReadLimits::default()).map_err(|e| vec![e])?;
    let (layout, first) = resolve(file, &table.rows, UNIT_FIELDS, &[], &|_| None, HINT)?;
    let (units, errors) = read_rows(file, &table.rows[first..], &layout, |r| {
        let text = |k: &str| r.text(k);
        if text("name").is_empty() {
            r.fault("name", "缺少单位名称");
        }
        let kind = match text("kind").as_str() {
            "" => UnitKind::default(),
            k => k.parse::<UnitKind>().unwrap_or_else(|e| {
                r.fault("kind", e.to_string());
                UnitKind::default()
            }),
        };
        let persons = split_list(&text("person"));
        let phones = split_list(&text("phone"));
        if phones.len() > persons.len() {
            r.fault(
                "phone",
                format!(
                    "有 {} 个电话而只有 {} 个联系人:电话与联系人按顺序一一对应",
                    phones.len(),
                    persons.len()
                ),
            );
        }
        Some(Unit {
            name: text("name"),
            code: text("code"),
            kind,
            parent: text("parent"),
            contacts: persons
                .into_iter()
                .enumerate()
                .map(|(i, person)| Contact {
                    person,
                    phone: phones.get(i).cloned().unwrap_or_default(),
                })
                .collect(),
            note: text("note"),
        })
    });
    if errors.is_empty() {
        Ok(units)
    } else {
        Err(errors)
    }
}

/// The row of a unit in the export (the columns of [`UNIT_HEADERS`]).
pub fn unit_row(u: &Unit) -> [String; 7] {
    let join = |f: fn(&Contact) -> &str| u.contacts.iter().map(f).collect::<Vec<_>>().join(";");
    [
        u.name.clone(),
        u.code.clone(),
        u.kind.label_zh().to_string(),
        u.parent.clone(),
        join(|c| c.person.as_str()),
        join(|c| c.phone.as_str()),
        u.note.clone(),
    ]
}

/// The register as an xlsx workbook that [`read_units`] reads back.
pub fn write_units_xlsx(units: &[Unit]) -> Result<Vec<u8>, IngestError> {
    let fail = |e: XlsxError| IngestError::file("单位名录.xlsx", format!("生成失败:{e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(UNITS_SHEET).map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (c, h) in UNIT_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
        ws.set_column_width(c as u16, 18).map_err(fail)?;
    }
    for (i, u) in units.iter().enumerate() {
        for (c, cell) in unit_row(u).iter().enumerate() {
            ws.write_string_with_format(i as u32 + 1, c as u16, cell, &text)
                .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// The register as CSV in UTF-8 with a byte-order mark (Excel opens it as such).
pub fn write_units_csv(units: &[Unit]) -> Result<Vec<u8>, IngestError> {
    let fail = |e: csv::Error| IngestError::file("单位名录.csv", format!("生成失败:{e}"));
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(UNIT_HEADERS).map_err(fail)?;
        for u in units {
            w.write_record(
                unit_row(u)
                    .iter()
                    .map(|c| crate::template::csv_safe(c).into_owned()),
            )
            .map_err(fail)?;
        }
        w.flush()
            .map_err(|e| IngestError::file("单位名录.csv", format!("生成失败:{e}")))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_round_trips_through_csv_and_xlsx() {
        let units = vec![
            Unit {
                name: "区卫健局".into(),
                kind: UnitKind::Department,
                contacts: vec![
                    Contact {
                        person: "张三".into(),
                        phone: "13812345678".into(),
                    },
                    Contact {
                        person: "李四".into(),
                        phone: String::new(),
                    },
                ],
                ..Default::default()
            },
            Unit {
                name: "环南街道办事处".into(),
                kind: UnitKind::Town,
                parent: "环南街道".into(),
                ..Default::default()
            },
        ];
        let csv = write_units_csv(&units).unwrap();
        assert_eq!(read_units(&csv, "u.csv").unwrap(), units);
        let xlsx = write_units_xlsx(&units).unwrap();
        assert_eq!(read_units(&xlsx, "u.xlsx").unwrap(), units);
    }

    #[test]
    fn bad_cells_are_named_by_row_and_column() {
        let csv = "单位名称,类别,联系人,联系电话\n,镇街,,\n区民政局,局,张三,1;2\n";
        let errors = read_units(csv.as_bytes(), "u.csv").unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(all.len(), 3, "{all:#?}");
        assert!(all[0].starts_with("u.csv 第2行 A列(单位名称)"), "{all:#?}");
        assert!(all[1].contains("第3行 B列(类别)"), "{all:#?}");
        assert!(all[2].contains("第3行 D列(联系电话)"), "{all:#?}");
    }
}
