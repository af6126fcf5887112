//! The register of facilities (设施名录) from a file and back: CSV (UTF-8, BOM, GBK …) and
//! xlsx with one row per facility, or GeoJSON with one Point feature per facility (its
//! properties named like the columns). All or nothing: every fault of the file is listed,
//! each by row and column (GeoJSON: the feature's index and the property). The facility's
//! own rules (`core::facilities::Facility::problems`) and its place are checked by the app.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use youxiang_core::facilities::{
    Capacity, CapacityUnit, Facility, FacilityStatus, FacilityType, Location,
};

use crate::error::IngestError;
use crate::headers::{Field, resolve};
use crate::limits::ReadLimits;
use crate::table::{header_key, read_table};

/// The sheet of an xlsx register that is read when present (else the first sheet).
pub const FACILITIES_SHEET: &str = "设施名录";

/// The register's columns, Chinese first (the export's header).
pub const FACILITY_HEADERS: [&str; 14] = [
    "设施编码",
    "设施名称",
    "设施类型",
    "所属地点",
    "经度",
    "纬度",
    "容量",
    "容量单位",
    "状态",
    "启用日期",
    "关闭日期",
    "服务项目",
    "来源",
    "备注",
];

const FACILITY_FIELDS: &[Field] = &[
    Field {
        key: "code",
        names: &["设施编码", "编码", "code", "id"],
        required: true,
    },
    Field {
        key: "name",
        names: &["设施名称", "名称", "name"],
        required: true,
    },
    Field {
        key: "type",
        names: &["设施类型", "类型", "type"],
        required: true,
    },
    Field {
        key: "place",
        names: &["所属地点", "地点", "地点编码", "place"],
        required: true,
    },
    Field {
        key: "lon",
        names: &["经度", "lon", "lng", "longitude"],
        required: false,
    },
    Field {
        key: "lat",
        names: &["纬度", "lat", "latitude"],
        required: false,
    },
    Field {
        key: "capacity",
        names: &["容量", "capacity"],
        required: false,
    },
    Field {
        key: "capacity_unit",
        names: &["容量单位", "capacity_unit"],
        required: false,
    },
    Field {
        key: "status",
        names: &["状态", "status"],
        required: false,
    },
    Field {
        key: "opened",
        names: &["启用日期", "opened"],
        required: false,
    },
    Field {
        key: "closed",
        names: &["关闭日期", "closed"],
        required: false,
    },
    Field {
        key: "items",
        names: &["服务项目", "items"],
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

const HINT: &str = "可用列名:设施编码、设施名称、设施类型、所属地点、经度、纬度、容量、容量单位、状态、启用日期、关闭日期、服务项目、来源、备注(或 code、name、type、place、lon、lat、capacity、capacity_unit、status、opened、closed、items、source、note)";

/// One value as read: its text, and its number when the file typed it as one.
struct Raw {
    text: String,
    number: Option<f64>,
}

/// Builds a facility from its fields (`get(key)`), naming each fault by key.
fn build(get: &dyn Fn(&str) -> Raw) -> Result<Facility, Vec<(&'static str, String)>> {
    let mut faults: Vec<(&'static str, String)> = Vec::new();
    let text = |k: &str| get(k).text.trim().to_string();
    for (k, what) in [
        ("code", "缺少设施编码"),
        ("name", "缺少设施名称"),
        ("place", "缺少所属地点"),
    ] {
        if text(k).is_empty() {
            faults.push((k_static(k), what.into()));
        }
    }
    let facility_type = match text("type").as_str() {
        "" => {
            faults.push(("type", "缺少设施类型".into()));
            None
        }
        t => t
            .parse::<FacilityType>()
            .map_err(|e| faults.push(("type", e.to_string())))
            .ok(),
    };
    let number = |k: &'static str, faults: &mut Vec<(&'static str, String)>| -> Option<f64> {
        let raw = get(k);
        if let Some(n) = raw.number {
            return Some(n);
        }
        let t = raw.text.trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                faults.push((k, "不是数字".into()));
                None
            }
        }
    };
    let lon = number("lon", &mut faults);
    let lat = number("lat", &mut faults);
    let location = match (lon, lat) {
        (Some(lon), Some(lat)) => {
            let l = Location { lon, lat };
            if let Some(p) = l.problem() {
                faults.push((
                    if p.starts_with("经度") {
                        "lon"
                    } else {
                        "lat"
                    },
                    p,
                ));
            }
            Some(l)
        }
        (None, None) => None,
        (Some(_), None) => {
            faults.push(("lat", "有经度而缺纬度".into()));
            None
        }
        (None, Some(_)) => {
            faults.push(("lon", "有纬度而缺经度".into()));
            None
        }
    };
    let capacity = match number("capacity", &mut faults) {
        None => None,
        Some(n) if n < 0.0 || n.fract() != 0.0 || n > u32::MAX as f64 => {
            faults.push(("capacity", "容量应为非负整数".into()));
            None
        }
        Some(n) => {
            let unit = match text("capacity_unit").as_str() {
                "" => facility_type.map(FacilityType::usual_capacity_unit),
                u => u
                    .parse::<CapacityUnit>()
                    .map_err(|e| faults.push(("capacity_unit", e.to_string())))
                    .ok(),
            };
            unit.map(|unit| Capacity {
                amount: n as u32,
                unit,
            })
        }
    };
    let status = match text("status").as_str() {
        "" => FacilityStatus::default(),
        s => s.parse::<FacilityStatus>().unwrap_or_else(|e| {
            faults.push(("status", e.to_string()));
            FacilityStatus::default()
        }),
    };
    let date = |k: &'static str, faults: &mut Vec<(&'static str, String)>| {
        let raw = get(k);
        match read_date(&raw) {
            Ok(d) => d,
            Err(e) => {
                faults.push((k, e));
                None
            }
        }
    };
    let opened = date("opened", &mut faults);
    let closed = date("closed", &mut faults);
    let items = text("items")
        .split([';', ';', '、', ',', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    match facility_type {
        Some(facility_type) if faults.is_empty() => Ok(Facility {
            code: text("code"),
            name: text("name"),
            facility_type,
            place: text("place"),
            location,
            capacity,
            status,
            opened,
            closed,
            items,
            source: text("source"),
            note: text("note"),
        }),
        _ => Err(faults),
    }
}

fn k_static(k: &str) -> &'static str {
    FACILITY_FIELDS
        .iter()
        .find(|f| f.key == k)
        .map_or("code", |f| f.key)
}

fn read_date(raw: &Raw) -> Result<Option<NaiveDate>, String> {
    let t = raw.text.trim();
    if t.is_empty() && raw.number.is_none() {
        return Ok(None);
    }
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, f) {
            return Ok(Some(d));
        }
    }
    // An Excel date cell is a day count from 1899-12-30.
    if let Some(n) = raw.number.filter(|n| (20_000.0..80_000.0).contains(n))
        && let Some(d) = NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|d| d.checked_add_days(chrono::Days::new(n as u64)))
    {
        return Ok(Some(d));
    }
    Err("不是日期,应写作 2025-06-30".into())
}

/// Reads a facilities file — CSV, xlsx or GeoJSON, told apart by content: every facility,
/// or every fault of the file (row and column, or feature and property, named).
pub fn read_facilities(bytes: &[u8], file: &str) -> Result<Vec<Facility>, Vec<IngestError>> {
    let start = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(bytes)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if start == Some(&b'{') {
        return read_geojson(bytes, file);
    }
    let table =
        read_table(bytes, file, FACILITIES_SHEET, &ReadLimits::default()).map_err(|e| vec![e])?;
    let (layout, first) = resolve(file, &table.rows, FACILITY_FIELDS, &[], &|_| None, HINT)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for r in &table.rows[first..] {
        if r.is_empty() {
            continue;
        }
        let get = |k: &str| match layout.get(k) {
            Some((i, _)) => {
                let c = r.cell(*i);
                Raw {
                    text: c.text.clone(),
                    number: c.number,
                }
            }
            None => Raw {
                text: String::new(),
                number: None,
            },
        };
        match build(&get) {
            Ok(f) => out.push(f),
            Err(faults) => {
                for (k, reason) in faults {
                    match layout.get(k) {
                        Some((i, c)) => {
                            errors.push(IngestError::cell(file, r.row, c, &r.cell(*i).text, reason))
                        }
                        None => errors.push(IngestError::row(file, r.row, reason)),
                    }
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The most features a GeoJSON file may carry.
const MAX_FEATURES: usize = 100_000;

fn read_geojson(bytes: &[u8], file: &str) -> Result<Vec<Facility>, Vec<IngestError>> {
    let limits = ReadLimits::default();
    if bytes.len() as u64 > limits.max_content_bytes {
        return Err(vec![IngestError::file(
            file,
            format!("文件超过 {} 字节", limits.max_content_bytes),
        )]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![IngestError::file(
            file,
            format!("不是有效的 GeoJSON(第{}行第{}列):{e}", e.line(), e.column()),
        )]
    })?;
    let Some(features) = doc.get("features").and_then(|f| f.as_array()) else {
        return Err(vec![IngestError::file(
            file,
            "GeoJSON 应为 FeatureCollection,含 features 数组",
        )]);
    };
    if features.len() > MAX_FEATURES {
        return Err(vec![IngestError::file(
            file,
            format!("要素超过 {MAX_FEATURES} 个"),
        )]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let at = |i: usize, prop: &str, value: &str, reason: String| IngestError {
        value: value.to_string(),
        ..IngestError::file(
            file,
            if prop.is_empty() {
                format!("第{}个要素(features[{i}]):{reason}", i + 1)
            } else {
                format!("第{}个要素(features[{i}])属性 {prop}:{reason}", i + 1)
            },
        )
    };
    for (i, feature) in features.iter().enumerate() {
        let props = feature.get("properties").and_then(|p| p.as_object());
        let Some(props) = props else {
            errors.push(at(i, "", "", "缺少 properties".into()));
            continue;
        };
        let geometry = feature.get("geometry");
        let point = match geometry {
            Some(g) if g.get("type").and_then(|t| t.as_str()) == Some("Point") => {
                match g.get("coordinates").and_then(|c| c.as_array()) {
                    Some(c) if c.len() >= 2 && c[0].is_number() && c[1].is_number() => Some((
                        c[0].as_f64().unwrap_or(f64::NAN),
                        c[1].as_f64().unwrap_or(f64::NAN),
                    )),
                    _ => {
                        errors.push(at(
                            i,
                            "",
                            "",
                            "Point 的 coordinates 应为 [经度, 纬度]".into(),
                        ));
                        continue;
                    }
                }
            }
            Some(g) if !g.is_null() => {
                let t = g.get("type").and_then(|t| t.as_str()).unwrap_or("");
                errors.push(at(i, "", t, "几何类型应为 Point".into()));
                continue;
            }
            _ => None,
        };
        // A property by any accepted name of the field (Chinese or code).
        let prop_name = |k: &str| -> Option<(&String, &serde_json::Value)> {
            let field = FACILITY_FIELDS.iter().find(|f| f.key == k)?;
            props.iter().find(|(name, _)| {
                let key = header_key(name);
                field.names.iter().any(|n| header_key(n) == key)
            })
        };
        let get = |k: &str| -> Raw {
            if let Some((lon, lat)) = point
                && (k == "lon" || k == "lat")
            {
                return Raw {
                    text: String::new(),
                    number: Some(if k == "lon" { lon } else { lat }),
                };
            }
            match prop_name(k).map(|(_, v)| v) {
                Some(serde_json::Value::String(s)) => Raw {
                    text: s.clone(),
                    number: None,
                },
                Some(serde_json::Value::Number(n)) => Raw {
                    text: n.to_string(),
                    number: if k == "opened" || k == "closed" {
                        None
                    } else {
                        n.as_f64()
                    },
                },
                Some(serde_json::Value::Array(a)) => Raw {
                    text: a
                        .iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), String::from))
                        .collect::<Vec<_>>()
                        .join(";"),
                    number: None,
                },
                Some(serde_json::Value::Bool(b)) => Raw {
                    text: b.to_string(),
                    number: None,
                },
                _ => Raw {
                    text: String::new(),
                    number: None,
                },
            }
        };
        match build(&get) {
            Ok(f) => out.push(f),
            Err(faults) => {
                for (k, reason) in faults {
                    let name = prop_name(k).map_or_else(
                        || {
                            if k == "lon" || k == "lat" {
                                "geometry.coordinates".to_string()
                            } else {
                                k.to_string()
                            }
                        },
                        |(n, _)| n.clone(),
                    );
                    errors.push(at(i, &name, &get(k).text, reason));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The row of a facility in the export (the columns of [`FACILITY_HEADERS`]).
pub fn facility_row(f: &Facility) -> [String; 14] {
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    [
        f.code.clone(),
        f.name.clone(),
        f.facility_type.label_zh().to_string(),
        f.place.clone(),
        f.location.map(|l| l.lon.to_string()).unwrap_or_default(),
        f.location.map(|l| l.lat.to_string()).unwrap_or_default(),
        f.capacity.map(|c| c.amount.to_string()).unwrap_or_default(),
        f.capacity
            .map(|c| c.unit.label_zh().to_string())
            .unwrap_or_default(),
        f.status.label_zh().to_string(),
        date(f.opened),
        date(f.closed),
        f.items.join(";"),
        f.source.clone(),
        f.note.clone(),
    ]
}

/// The register as an xlsx workbook that [`read_facilities`] reads back.
pub fn write_facilities_xlsx(facilities: &[Facility]) -> Result<Vec<u8>, IngestError> {
    let fail = |e: XlsxError| IngestError::file("设施名录.xlsx", format!("生成失败:{e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(FACILITIES_SHEET).map_err(fail)?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (c, h) in FACILITY_HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
        ws.set_column_width(c as u16, if c == 1 { 30 } else { 14 })
            .map_err(fail)?;
    }
    for (i, f) in facilities.iter().enumerate() {
        for (c, cell) in facility_row(f).iter().enumerate() {
            ws.write_string_with_format(i as u32 + 1, c as u16, cell, &text)
                .map_err(fail)?;
        }
    }
    book.save_to_buffer().map_err(fail)
}

/// The register as CSV in UTF-8 with a byte-order mark (Excel opens it as such).
pub fn write_facilities_csv(facilities: &[Facility]) -> Result<Vec<u8>, IngestError> {
    let fail = |e: csv::Error| IngestError::file("设施名录.csv", format!("生成失败:{e}"));
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(FACILITY_HEADERS).map_err(fail)?;
        for f in facilities {
            w.write_record(
                facility_row(f)
                    .iter()
                    .map(|c| crate::template::csv_safe(c).into_owned()),
            )
            .map_err(fail)?;
        }
        w.flush()
            .map_err(|e| IngestError::file("设施名录.csv", format!("生成失败:{e}")))?;
    }
    Ok(out)
}

/// The register as a GeoJSON FeatureCollection (facilities without a location have a null
/// geometry) that [`read_facilities`] reads back.
pub fn write_facilities_geojson(facilities: &[Facility]) -> Vec<u8> {
    let features: Vec<serde_json::Value> = facilities
        .iter()
        .map(|f| {
            let mut props = serde_json::Map::new();
            for (h, v) in FACILITY_HEADERS.iter().zip(facility_row(f)) {
                if *h != "经度" && *h != "纬度" && !v.is_empty() {
                    props.insert((*h).to_string(), serde_json::Value::String(v));
                }
            }
            serde_json::json!({
                "type": "Feature",
                "geometry": f.location.map(|l| serde_json::json!({
                    "type": "Point", "coordinates": [l.lon, l.lat]
                })),
                "properties": props,
            })
        })
        .collect();
    serde_json::to_vec_pretty(&serde_json::json!({
        "type": "FeatureCollection",
        "features": features,
    }))
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Facility> {
        vec![
            Facility {
                code: "SS000001".into(),
                name: "盐仓街道社区卫生服务中心".into(),
                facility_type: FacilityType::HealthCentre,
                place: "330902003".into(),
                location: Some(Location {
                    lon: 122.1234,
                    lat: 30.0123,
                }),
                capacity: Some(Capacity {
                    amount: 40,
                    unit: CapacityUnit::Beds,
                }),
                status: FacilityStatus::Open,
                opened: Some(NaiveDate::from_ymd_opt(2019, 5, 1).unwrap()),
                closed: None,
                items: vec!["DHQ-02".into(), "DHLY-09".into()],
                source: "区卫健局".into(),
                note: String::new(),
            },
            Facility {
                code: "SS000002".into(),
                name: "规划幸福食堂".into(),
                facility_type: FacilityType::Canteen,
                place: "330902003".into(),
                location: None,
                capacity: None,
                status: FacilityStatus::Planned,
                opened: None,
                closed: None,
                items: vec![],
                source: String::new(),
                note: "备注".into(),
            },
        ]
    }

    #[test]
    fn a_register_round_trips_through_csv_xlsx_and_geojson() {
        let fs = sample();
        let csv = write_facilities_csv(&fs).unwrap();
        assert_eq!(read_facilities(&csv, "f.csv").unwrap(), fs);
        let xlsx = write_facilities_xlsx(&fs).unwrap();
        assert_eq!(read_facilities(&xlsx, "f.xlsx").unwrap(), fs);
        let geo = write_facilities_geojson(&fs);
        assert_eq!(read_facilities(&geo, "f.geojson").unwrap(), fs);
    }

    #[test]
    fn gbk_csv_reads() {
        let text = "设施编码,设施名称,设施类型,所属地点\nSS1,小沙幼儿园,幼儿园,330902104\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let fs = read_facilities(&gbk, "f.csv").unwrap();
        assert_eq!(fs[0].facility_type, FacilityType::Kindergarten);
    }

    #[test]
    fn bad_cells_are_named_by_row_and_column() {
        let csv = "设施编码,设施名称,设施类型,所属地点,经度,纬度,状态,启用日期\n\
                   ,甲,幼儿园,330902001,122,30,运行中,2020-01-01\n\
                   SS2,乙,体育馆,330902001,200,30,开放,昨天\n\
                   SS3,丙,小学,330902001,122,,,\n";
        let errors = read_facilities(csv.as_bytes(), "f.csv").unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(all.len(), 5, "{all:#?}");
        assert!(all[0].contains("第2行 A列(设施编码)"), "{all:#?}");
        assert!(all[1].contains("第3行 C列(设施类型)"), "{all:#?}");
        assert!(
            all.iter().any(|e| e.contains("第3行 E列(经度)")),
            "{all:#?}"
        );
        assert!(
            all.iter().any(|e| e.contains("第3行 H列(启用日期)")),
            "{all:#?}"
        );
        assert!(all[4].contains("第4行 F列(纬度)"), "{all:#?}");
        let missing = read_facilities("名称,x\n甲,1\n".as_bytes(), "g.csv").unwrap_err();
        assert!(!missing.is_empty());
    }

    #[test]
    fn bad_features_are_named_by_index_and_property() {
        let geo = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":{"type":"Point","coordinates":[122.1,30.0]},
           "properties":{"code":"SS1","name":"甲","type":"幼儿园","place":"330902001"}},
          {"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{}},
          {"type":"Feature","geometry":{"type":"Point","coordinates":[122.1,95.0]},
           "properties":{"设施编码":"SS3","设施名称":"丙","设施类型":"学校","所属地点":"330902001"}},
          {"type":"Feature","geometry":null}
        ]}"#;
        let errors = read_facilities(geo.as_bytes(), "f.geojson").unwrap_err();
        let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(all.len(), 4, "{all:#?}");
        assert!(
            all[0].contains("features[1]") && all[0].contains("Point"),
            "{all:#?}"
        );
        assert!(
            all.iter()
                .any(|e| e.contains("features[2]") && e.contains("设施类型")),
            "{all:#?}"
        );
        assert!(
            all.iter().any(|e| e.contains("features[2]")
                && e.contains("geometry.coordinates")
                && e.contains("纬度")),
            "{all:#?}"
        );
        assert!(
            all[3].contains("features[3]") && all[3].contains("properties"),
            "{all:#?}"
        );
        let broken = read_facilities(b"{\"type\":", "f.geojson").unwrap_err();
        assert!(broken[0].to_string().contains("GeoJSON"));
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        for bytes in [
            &b"{"[..],
            b"{\"features\":[1,2,{}]}",
            b"{\"features\":[{\"geometry\":{\"type\":\"Point\",\"coordinates\":[1e400,2]},\"properties\":{}}]}",
            b"\xff\xfe\x00",
        ] {
            let _ = read_facilities(bytes, "x");
        }
    }
}
