//! A service catalogue's items from a workbook (xlsx or CSV) and back: one row per item,
//! the columns of [`CATALOGUE_HEADERS`]. Cells are checked here, each fault named by row
//! and column; the edition's own rules (`core::catalogue::check`) are the caller's.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use youxiang_core::catalogue::{Aspect, DeliveryLevel, Item, Relation};

use crate::error::IngestError;
use crate::headers::{Field, read_rows, resolve};
use crate::limits::ReadLimits;
use crate::table::read_table;

/// The sheet read when present (else the first sheet).
pub const CATALOGUE_SHEET: &str = "服务项目";

/// The columns, Chinese first (the export's header).
pub const CATALOGUE_HEADERS: [&str; 15] = [
    "编码",
    "方面",
    "服务类别",
    "服务项目",
    "服务对象",
    "服务内容",
    "服务标准",
    "支出责任",
    "牵头负责单位",
    "提供层级",
    "与上级关系",
    "高于上级之处",
    "对应领域",
    "来源",
    "备注",
];

const FIELDS: &[Field] = &[
    Field {
        key: "code",
        names: &["编码", "code"],
        required: true,
    },
    Field {
        key: "aspect",
        names: &["方面", "aspect"],
        required: false,
    },
    Field {
        key: "category",
        names: &["服务类别", "类别", "category"],
        required: false,
    },
    Field {
        key: "name",
        names: &["服务项目", "项目", "name"],
        required: true,
    },
    Field {
        key: "target_group",
        names: &["服务对象", "target_group"],
        required: false,
    },
    Field {
        key: "content",
        names: &["服务内容", "content"],
        required: false,
    },
    Field {
        key: "standard",
        names: &["服务标准", "standard"],
        required: false,
    },
    Field {
        key: "funding",
        names: &["支出责任", "funding"],
        required: false,
    },
    Field {
        key: "lead_unit",
        names: &["牵头负责单位", "牵头单位", "lead_unit"],
        required: false,
    },
    Field {
        key: "levels",
        names: &["提供层级", "层级", "levels"],
        required: false,
    },
    Field {
        key: "relation",
        names: &["与上级关系", "relation"],
        required: false,
    },
    Field {
        key: "difference",
        names: &["高于上级之处", "difference"],
        required: false,
    },
    Field {
        key: "domain",
        names: &["对应领域", "领域", "domain"],
        required: false,
    },
    Field {
        key: "source",
        names: &["来源", "source"],
        required: false,
    },
    Field {
        key: "note",
        names: &["备注", "note"],
        required: false,
    },
];

const HINT: &str = "可用列名:编码、方面、服务类别、服务项目、服务对象、服务内容、服务标准、支出责任、牵头负责单位、提供层级、与上级关系、高于上级之处、对应领域、来源、备注";

fn relation_text(r: &Option<Relation>) -> (&'static str, String) {
    match r {
        None => ("", String::new()),
        Some(Relation::Same) => ("同上级", String::new()),
        Some(Relation::Higher { difference }) => ("高于上级", difference.clone()),
        Some(Relation::LocalOnly) => ("本地新增", String::new()),
    }
}

/// Reads a catalogue's items: every item, or every fault of the file (row and column named).
pub fn read_catalogue_items(bytes: &[u8], file: &str) -> Result<Vec<Item>, Vec<IngestError>> {
    let table =
        read_table(bytes, file, CATALOGUE_SHEET, &ReadLimits::default()).map_err(|e| vec![e])?;
    let (layout, first) = resolve(file, &table.rows, FIELDS, &[], &|_| None, HINT)?;
    let (items, errors) = read_rows(file, &table.rows[first..], &layout, |r| {
        let text = |k: &str| r.text(k);
        for k in ["code", "name"] {
            if text(k).is_empty() {
                r.fault(k, "不能为空");
            }
        }
        let aspect = match text("aspect").as_str() {
            "" => None,
            a => a.parse::<Aspect>().map_err(|e| r.fault("aspect", e)).ok(),
        };
        let mut levels = Vec::new();
        for l in text("levels")
            .split(['、', ',', ',', ';', ';'])
            .map(str::trim)
        {
            if l.is_empty() {
                continue;
            }
            match l.parse::<DeliveryLevel>() {
                Ok(l) if !levels.contains(&l) => levels.push(l),
                Ok(_) => {}
                Err(e) => r.fault("levels", e),
            }
        }
        let difference = text("difference");
        let relation = match text("relation").as_str() {
            "" => None,
            "同上级" | "same" => Some(Relation::Same),
            "高于上级" | "higher" => Some(Relation::Higher { difference }),
            "本地新增" | "local_only" => Some(Relation::LocalOnly),
            other => {
                r.fault(
                    "relation",
                    format!("“{other}”不是与上级的关系(同上级、高于上级、本地新增)"),
                );
                None
            }
        };
        let domain = Some(text("domain")).filter(|d| !d.is_empty());
        Some(Item {
            code: text("code"),
            aspect,
            category: text("category"),
            name: text("name"),
            target_group: text("target_group"),
            content: text("content"),
            standard: text("standard"),
            funding: text("funding"),
            lead_unit: text("lead_unit"),
            levels,
            relation,
            domain,
            // How delivery is evidenced is kept in the catalogue file (TOML) only.
            evidence: None,
            source: text("source"),
            note: text("note"),
        })
    });
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

/// An item's row in the export (the columns of [`CATALOGUE_HEADERS`]).
pub fn item_row(i: &Item) -> [String; 15] {
    let (relation, difference) = relation_text(&i.relation);
    [
        i.code.clone(),
        i.aspect.map_or("", Aspect::label_zh).to_string(),
        i.category.clone(),
        i.name.clone(),
        i.target_group.clone(),
        i.content.clone(),
        i.standard.clone(),
        i.funding.clone(),
        i.lead_unit.clone(),
        i.levels
            .iter()
            .map(|l| l.label_zh())
            .collect::<Vec<_>>()
            .join("、"),
        relation.to_string(),
        difference,
        i.domain.clone().unwrap_or_default(),
        i.source.clone(),
        i.note.clone(),
    ]
}

/// The items as an xlsx workbook that [`read_catalogue_items`] reads back; an empty cell
/// of the five fields is shaded (待核实).
pub fn write_catalogue_xlsx(items: &[Item]) -> Result<Vec<u8>, IngestError> {
    let fail = |e: XlsxError| IngestError::file("服务目录.xlsx", format!("生成失败:{e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(CATALOGUE_SHEET).map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@").set_text_wrap();
    let unsourced = Format::new()
        .set_num_format("@")
        .set_background_color(rust_xlsxwriter::Color::RGB(0xFFF2CC));
    for (c, h) in CATALOGUE_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
        ws.set_column_width(c as u16, if c < 2 { 10 } else { 22 })
            .map_err(fail)?;
    }
    for (r, item) in items.iter().enumerate() {
        for (c, cell) in item_row(item).iter().enumerate() {
            let five = (4..=8).contains(&c);
            let format = if five && cell.is_empty() {
                &unsourced
            } else {
                &text
            };
            ws.write_string_with_format(r as u32 + 1, c as u16, cell, format)
                .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}
