//! The files of the matching of needs to resources (弱有众扶, issue 16 point 3): a needs file
//! (`id,type,lon,lat`) and a resources file (`id,type,capacity,lon,lat,radius_m`), CSV in
//! any of the encodings the values reader takes (UTF-8 with or without BOM, UTF-16, GBK) or
//! xlsx, Chinese headers accepted too. Every fault of a file is reported at once, by row and
//! column; a file with any fault gives no rows.

use std::collections::HashMap;

use youxiang_core::assist::matching::{Need, Resource};

use crate::error::IngestError;
use crate::headers::{Field, resolve};
use crate::limits::ReadLimits;
use crate::parse::parse_number;
use crate::table::{Row, read_table};

/// The sheet of an xlsx needs file read when present (else the first).
pub const NEEDS_SHEET: &str = "需求";
/// The sheet of an xlsx resources file read when present (else the first).
pub const RESOURCES_SHEET: &str = "资源";

const ID: Field = Field {
    key: "id",
    names: &["id", "编号"],
    required: true,
};
const TYPE: Field = Field {
    key: "type",
    names: &["type", "类型", "服务类型"],
    required: true,
};
const LON: Field = Field {
    key: "lon",
    names: &["lon", "lng", "longitude", "经度"],
    required: true,
};
const LAT: Field = Field {
    key: "lat",
    names: &["lat", "latitude", "纬度"],
    required: true,
};
const CAPACITY: Field = Field {
    key: "capacity",
    names: &["capacity", "容量"],
    required: true,
};
const RADIUS: Field = Field {
    key: "radius_m",
    names: &["radius_m", "服务半径(米)", "服务半径", "半径"],
    required: true,
};

const NEED_FIELDS: &[Field] = &[ID, TYPE, LON, LAT];
const RESOURCE_FIELDS: &[Field] = &[ID, TYPE, CAPACITY, LON, LAT, RADIUS];

const NEEDS_HINT: &str = "需求文件的列:id、type、lon、lat(或 编号、类型、经度、纬度)";
const RESOURCES_HINT: &str = "资源文件的列:id、type、capacity、lon、lat、radius_m(或 编号、类型、容量、经度、纬度、服务半径(米))";

/// The cells of one row by field, with the faults found so far.
pub(crate) struct Cells<'a> {
    file: &'a str,
    row: &'a Row,
    layout: &'a HashMap<&'static str, (usize, crate::error::Column)>,
    errors: &'a mut Vec<IngestError>,
}

impl Cells<'_> {
    pub(crate) fn text(&self, key: &str) -> String {
        self.layout
            .get(key)
            .map(|(i, _)| self.row.cell(*i).text.trim().to_string())
            .unwrap_or_default()
    }

    pub(crate) fn fault(&mut self, key: &str, reason: impl Into<String>) {
        if let Some((i, c)) = self.layout.get(key) {
            self.errors.push(IngestError::cell(
                self.file,
                self.row.row,
                c,
                &self.row.cell(*i).text,
                reason,
            ));
        }
    }

    pub(crate) fn required(&mut self, key: &str, what: &str) -> Option<String> {
        let t = self.text(key);
        if t.is_empty() {
            self.fault(key, format!("缺少{what}"));
            None
        } else {
            Some(t)
        }
    }

    /// A number within `lo..=hi`.
    pub(crate) fn number(&mut self, key: &str, what: &str, lo: f64, hi: f64) -> Option<f64> {
        let cell = self
            .layout
            .get(key)
            .map(|(i, _)| self.row.cell(*i).clone())
            .unwrap_or_default();
        let value = match cell.number {
            Some(v) if v.is_finite() => v,
            _ => match parse_number(&cell.text) {
                Ok(n) if !n.percent => n.value,
                Ok(_) => {
                    self.fault(key, format!("{what}不能是百分数"));
                    return None;
                }
                Err(e) => {
                    self.fault(key, format!("{what}{e}"));
                    return None;
                }
            },
        };
        if !(lo..=hi).contains(&value) {
            self.fault(key, format!("{what}应在 {lo} 至 {hi} 之间"));
            return None;
        }
        Some(value)
    }
}

/// Reads the rows of a file as the fields say, calling `row` for each non-blank data row;
/// then refuses duplicate ids (the later row named, with the first).
pub(crate) fn read_rows<T>(
    bytes: &[u8],
    file: &str,
    sheet: &str,
    fields: &[Field],
    hint: &str,
    mut row: impl FnMut(&mut Cells) -> Option<T>,
) -> Result<Vec<T>, Vec<IngestError>> {
    let table = read_table(bytes, file, sheet, &ReadLimits::default()).map_err(|e| vec![e])?;
    let (layout, first) = resolve(file, &table.rows, fields, &[], &|_| None, hint)?;
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in &table.rows[first..] {
        if r.is_empty() {
            continue;
        }
        let before = errors.len();
        let mut cells = Cells {
            file,
            row: r,
            layout: &layout.fields,
            errors: &mut errors,
        };
        let item = row(&mut cells);
        let id = cells.text("id");
        if !id.is_empty() {
            if let Some(&first_row) = seen.get(&id) {
                cells.fault("id", format!("编号重复(与第 {first_row} 行相同)"));
            } else {
                seen.insert(id, r.row);
            }
        }
        if let Some(item) = item.filter(|_| errors.len() == before) {
            out.push(item);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        let max = ReadLimits::default().max_errors;
        if errors.len() > max {
            let omitted = errors.len() - max;
            errors.truncate(max);
            errors.push(crate::limits::omitted_errors_line(file, omitted, max));
        }
        Err(errors)
    }
}

/// Reads a needs file (`id,type,lon,lat`): every need, or every fault of the file.
pub fn read_needs(bytes: &[u8], file: &str) -> Result<Vec<Need>, Vec<IngestError>> {
    read_rows(bytes, file, NEEDS_SHEET, NEED_FIELDS, NEEDS_HINT, |c| {
        let id = c.required("id", "编号");
        let kind = c.required("type", "类型");
        let lon = c.number("lon", "经度", -180.0, 180.0);
        let lat = c.number("lat", "纬度", -90.0, 90.0);
        Some(Need {
            id: id?,
            kind: kind?,
            lon: lon?,
            lat: lat?,
        })
    })
}

/// Reads a resources file (`id,type,capacity,lon,lat,radius_m`): every resource, or every
/// fault of the file. The capacity is a whole number from 0; the radius metres from 0.
pub fn read_resources(bytes: &[u8], file: &str) -> Result<Vec<Resource>, Vec<IngestError>> {
    read_rows(
        bytes,
        file,
        RESOURCES_SHEET,
        RESOURCE_FIELDS,
        RESOURCES_HINT,
        |c| {
            let id = c.required("id", "编号");
            let kind = c.required("type", "类型");
            let capacity = c
                .number("capacity", "容量", 0.0, u32::MAX as f64)
                .and_then(|v| {
                    if v.fract() == 0.0 {
                        Some(v as u32)
                    } else {
                        c.fault("capacity", "容量应为整数");
                        None
                    }
                });
            let lon = c.number("lon", "经度", -180.0, 180.0);
            let lat = c.number("lat", "纬度", -90.0, 90.0);
            let radius_m = c.number("radius_m", "服务半径", 0.0, f64::MAX);
            Some(Resource {
                id: id?,
                kind: kind?,
                capacity: capacity?,
                lon: lon?,
                lat: lat?,
                radius_m: radius_m?,
            })
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_needs_and_resources() {
        let needs = read_needs(
            b"id,type,lon,lat\nN1,\xe5\x8a\xa9\xe9\xa4\x90,122.1,30.0\n\nN2,x,-1,2\n",
            "needs.csv",
        )
        .unwrap();
        assert_eq!(needs.len(), 2);
        assert_eq!(needs[0].kind, "助餐");
        let res = read_resources(
            "编号,类型,容量,经度,纬度,服务半径(米)\nR1,助餐,3,122.1,30,1500\n".as_bytes(),
            "res.csv",
        )
        .unwrap();
        assert_eq!(res[0].capacity, 3);
        assert_eq!(res[0].radius_m, 1500.0);
    }

    #[test]
    fn reads_gbk() {
        let (gbk, _, _) = encoding_rs::GBK.encode("id,type,lon,lat\nN1,助餐,122.1,30.0\n");
        let needs = read_needs(&gbk, "needs.csv").unwrap();
        assert_eq!(needs[0].kind, "助餐");
    }

    #[test]
    fn every_fault_by_row_and_column() {
        let errors = read_resources(
            b"id,type,capacity,lon,lat,radius_m\n\
              R1,a,1.5,122,30,100\n\
              R2,a,-1,190,30,-5\n\
              ,a,1,122,abc,100\n\
              R1,a,1,122,30,100\n",
            "res.csv",
        )
        .unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(text.contains(&"res.csv 第2行 C列(capacity):“1.5”容量应为整数".to_string()));
        assert!(text.contains(
            &"res.csv 第3行 C列(capacity):“-1”容量应在 0 至 4294967295 之间".to_string()
        ));
        assert!(
            text.contains(&"res.csv 第3行 D列(lon):“190”经度应在 -180 至 180 之间".to_string())
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("res.csv 第3行 F列(radius_m):“-5”服务半径应在 0"))
        );
        assert!(text.contains(&"res.csv 第4行 A列(id):缺少编号".to_string()));
        assert!(text.contains(&"res.csv 第4行 E列(lat):“abc”纬度不是数字".to_string()));
        assert!(text.contains(&"res.csv 第5行 A列(id):“R1”编号重复(与第 2 行相同)".to_string()));
    }

    #[test]
    fn a_missing_column_is_named() {
        let errors = read_needs(b"id,type,lon\nN1,a,1\n", "needs.csv").unwrap_err();
        assert!(errors[0].to_string().contains("lat"), "{}", errors[0]);
    }

    #[test]
    fn duplicate_need_ids_are_refused() {
        let errors = read_needs(b"id,type,lon,lat\nN1,a,1,1\nN1,a,1,1\n", "n.csv").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].row, Some(3));
    }
}
