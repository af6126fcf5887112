//! Places from files: the national divisions CSVs (province → city → county → town) and a
//! generic places file (villages, custom hierarchies) with coordinates and population.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use youxiang_core::place::{Level, Place};

use crate::error::{Column, IngestError};
use crate::headers::{Field, resolve};
use crate::limits::{ReadLimits, omitted_errors_line};
use crate::parse::parse_number;
use crate::table::{Row, read_table};

/// The sheet of an xlsx places file that is read when present (else the first sheet).
pub const PLACES_SHEET: &str = "地点";

const PLACE_FIELDS: &[Field] = &[
    Field {
        key: "code",
        names: &["编码", "code", "地点编码"],
        required: true,
    },
    Field {
        key: "name",
        names: &["名称", "name", "地点名称"],
        required: true,
    },
    Field {
        key: "level",
        names: &["层级", "level"],
        required: false,
    },
    Field {
        key: "parent",
        names: &["上级编码", "parent", "parent_code"],
        required: false,
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
];

const IGNORED_PLACE_COLUMNS: &[&str] = &["上级名称", "parent_name", "备注", "comment", "序号"];

/// `人口2023`, `人口(2023)`, `population_2023`, `population2023` → 2023.
fn population_year(header: &str) -> Option<i32> {
    let h = crate::table::header_key(header);
    let rest = h
        .strip_prefix("population")
        .or_else(|| h.strip_prefix("人口"))
        .or_else(|| h.strip_prefix("常住人口"))?;
    let digits = rest
        .trim_start_matches(['_', '-', '(', '(', ' '])
        .trim_end_matches([')', ')', '年']);
    let digits = digits.strip_suffix('年').unwrap_or(digits);
    (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

const PLACES_HINT: &str = "可用列名:编码、名称、层级、上级编码、经度、纬度、人口2023(任意年份)(或 code、name、level、parent、lon、lat、population_2023)";

/// Reads a generic places file (CSV in any of the accepted encodings, or xlsx).
///
/// Columns: 编码/code and 名称/name (required); 层级/level (省 市 县 区 镇 街道 村 社区 其他, or
/// province city county town village other; blank or absent → `Other`); 上级编码/parent
/// (blank → a root); 经度/lon and 纬度/lat (WGS 84 degrees, both or neither); and any number
/// of population columns `人口2023` / `population_2023`. Parents are not required to be in
/// the same file (a villages file names towns from the divisions); build a `PlaceTree`
/// from everything to check the hierarchy. Read with the default [`ReadLimits`]; see
/// [`read_places_with`].
pub fn read_places(bytes: &[u8], file_name: &str) -> Result<Vec<Place>, Vec<IngestError>> {
    read_places_with(bytes, file_name, &ReadLimits::default())
}

/// Like [`read_places`], within `limits`: a file over a limit is refused with a message
/// naming it, and past `limits.max_errors` the errors are counted in one last line.
pub fn read_places_with(
    bytes: &[u8],
    file_name: &str,
    limits: &ReadLimits,
) -> Result<Vec<Place>, Vec<IngestError>> {
    let file = file_name;
    let table = read_table(bytes, file, PLACES_SHEET, limits).map_err(|e| vec![e])?;
    let (layout, first) = resolve(
        file,
        &table.rows,
        PLACE_FIELDS,
        IGNORED_PLACE_COLUMNS,
        &population_year,
        PLACES_HINT,
    )?;
    let col = |k: &str| layout.get(k).cloned();
    let mut errors = Vec::new();
    let mut omitted = 0usize;
    let mut places = Vec::new();
    let mut rows_by_code: HashMap<String, usize> = HashMap::new();
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
        let code = text("code");
        let name = text("name");
        if code.is_empty() {
            cell_err(&mut errors, "code", "缺少编码".into());
        } else if let Some(first_row) = rows_by_code.get(&code) {
            cell_err(
                &mut errors,
                "code",
                format!(
                    "编码重复:与第{first_row}行相同(第{first_row}行和第{}行)",
                    r.row
                ),
            );
        }
        if name.is_empty() {
            cell_err(&mut errors, "name", "缺少名称".into());
        }
        let level_text = text("level");
        let level = if level_text.is_empty() {
            Level::Other
        } else {
            Level::parse(&level_text).unwrap_or_else(|| {
                cell_err(
                    &mut errors,
                    "level",
                    "不是可识别的层级,应为 省、市、县、区、镇、街道、村、社区、其他(或 province、city、county、town、village、other)".into(),
                );
                Level::Other
            })
        };
        let parent = text("parent");
        if !parent.is_empty() && parent == code {
            cell_err(&mut errors, "parent", "上级编码不能是自己的编码".into());
        }
        let coord = |errors: &mut Vec<IngestError>, k: &str, lo: f64, hi: f64| -> Option<f64> {
            let (i, c) = col(k)?;
            let cell = r.cell(i);
            if cell.text.is_empty() {
                return None;
            }
            let v = match cell.number {
                Some(x) => Ok(x),
                None => parse_number(&cell.text).and_then(|n| {
                    if n.percent {
                        Err("不是数字".into())
                    } else {
                        Ok(n.value)
                    }
                }),
            };
            match v {
                Ok(x) if (lo..=hi).contains(&x) => Some(x),
                Ok(_) => {
                    errors.push(IngestError::cell(
                        file,
                        r.row,
                        &c,
                        &cell.text,
                        format!("超出范围,应在 {lo} 到 {hi} 度之间"),
                    ));
                    None
                }
                Err(reason) => {
                    errors.push(IngestError::cell(file, r.row, &c, &cell.text, reason));
                    None
                }
            }
        };
        let lon = coord(&mut errors, "lon", -180.0, 180.0);
        let lat = coord(&mut errors, "lat", -90.0, 90.0);
        let filled = |k: &str| col(k).is_some_and(|(i, _)| !r.cell(i).text.is_empty());
        if filled("lon") != filled("lat") {
            let missing = if filled("lon") { "lat" } else { "lon" };
            if col(missing).is_some() {
                cell_err(
                    &mut errors,
                    missing,
                    "经度和纬度须同时填写或同时留空".into(),
                );
            } else {
                errors.push(IngestError::row(
                    file,
                    r.row,
                    "经度和纬度须同时填写或同时留空",
                ));
            }
        }
        let mut population = BTreeMap::new();
        for (i, c, year) in &layout.dynamic {
            let cell = r.cell(*i);
            if cell.text.is_empty() {
                continue;
            }
            let v = match cell.number {
                Some(x) => Ok(x),
                None => parse_number(&cell.text).and_then(|n| {
                    if n.percent {
                        Err("不是人数".to_string())
                    } else {
                        Ok(n.value)
                    }
                }),
            };
            match v {
                Ok(x) if x >= 0.0 => {
                    population.insert(*year, x);
                }
                Ok(_) => errors.push(IngestError::cell(
                    file,
                    r.row,
                    c,
                    &cell.text,
                    "是负数,人口不能为负".to_string(),
                )),
                Err(reason) => errors.push(IngestError::cell(file, r.row, c, &cell.text, reason)),
            }
        }
        if !code.is_empty() {
            rows_by_code.entry(code.clone()).or_insert(r.row);
        }
        if errors.len() == before {
            places.push(Place {
                code,
                name,
                level,
                parent: (!parent.is_empty()).then_some(parent),
                lon,
                lat,
                population,
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
    if errors.is_empty() {
        Ok(places)
    } else {
        Err(errors)
    }
}

/// One divisions file: its name, columns, and the level of its rows.
struct Division {
    file: &'static str,
    level: Level,
    /// The column holding the parent's code (`None` for provinces).
    parent: Option<&'static str>,
    province: &'static str,
}

const DIVISION_COLUMNS: [(&str, &[&str]); 5] = [
    ("code", &["code"]),
    ("name", &["name"]),
    ("provinceCode", &["provinceCode"]),
    ("cityCode", &["cityCode"]),
    ("areaCode", &["areaCode"]),
];

const DIVISIONS: [Division; 4] = [
    Division {
        file: "provinces.csv",
        level: Level::Province,
        parent: None,
        province: "code",
    },
    Division {
        file: "cities.csv",
        level: Level::City,
        parent: Some("provinceCode"),
        province: "provinceCode",
    },
    Division {
        file: "areas.csv",
        level: Level::County,
        parent: Some("cityCode"),
        province: "provinceCode",
    },
    Division {
        file: "streets.csv",
        level: Level::Town,
        parent: Some("areaCode"),
        province: "provinceCode",
    },
];

/// Reads China's administrative divisions from the four CSVs in `dir` (`provinces.csv`
/// code,name; `cities.csv` code,name,provinceCode; `areas.csv`
/// code,name,cityCode,provinceCode; `streets.csv` code,name,areaCode,provinceCode,cityCode)
/// into province → city → county → town places, parents before children. With
/// `province = Some("33")` only Zhejiang. Every row whose parent is missing is reported.
pub fn read_divisions(dir: &Path, province: Option<&str>) -> Result<Vec<Place>, Vec<IngestError>> {
    let mut errors = Vec::new();
    let mut places: Vec<Place> = Vec::new();
    let mut known: HashSet<String> = HashSet::new();
    for d in &DIVISIONS {
        let path = dir.join(d.file);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                errors.push(IngestError::file(
                    d.file,
                    format!("无法读取 {}:{e}", path.display()),
                ));
                continue;
            }
        };
        let table = match read_table(&bytes, d.file, "", &ReadLimits::default()) {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let fields: Vec<Field> = DIVISION_COLUMNS
            .iter()
            .map(|(k, names)| Field {
                key: k,
                names,
                required: matches!(*k, "code" | "name") || d.parent == Some(*k) || d.province == *k,
            })
            .collect();
        let (layout, first) = match resolve(d.file, &table.rows, &fields, &[], &|_| None, "") {
            Ok(x) => x,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        let get = |r: &Row, k: &str| -> (String, Option<Column>) {
            match layout.get(k) {
                Some((i, c)) => (r.cell(*i).text.clone(), Some(c.clone())),
                None => (String::new(), None),
            }
        };
        let mut seen_here: HashMap<String, usize> = HashMap::new();
        for r in &table.rows[first..] {
            if r.is_empty() {
                continue;
            }
            let (code, code_col) = get(r, "code");
            let (name, name_col) = get(r, "name");
            let (prov, _) = get(r, d.province);
            if let Some(p) = province
                && prov != p
            {
                continue;
            }
            let mut ok = true;
            if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
                if let Some(c) = &code_col {
                    errors.push(IngestError::cell(d.file, r.row, c, &code, "不是数字编码"));
                }
                ok = false;
            } else if let Some(first_row) = seen_here.get(&code) {
                if let Some(c) = &code_col {
                    errors.push(IngestError::cell(
                        d.file,
                        r.row,
                        c,
                        &code,
                        format!("编码重复:与第{first_row}行相同"),
                    ));
                }
                ok = false;
            }
            if name.is_empty() {
                if let Some(c) = &name_col {
                    errors.push(IngestError::cell(d.file, r.row, c, "", "缺少名称"));
                }
                ok = false;
            }
            let parent = match d.parent {
                None => None,
                Some(k) => {
                    let (pc, pcol) = get(r, k);
                    if !known.contains(&pc) {
                        if let Some(c) = &pcol {
                            errors.push(IngestError::cell(
                                d.file,
                                r.row,
                                c,
                                &pc,
                                "上级地点不存在(上一级文件中没有这个编码)",
                            ));
                        }
                        ok = false;
                    }
                    Some(pc)
                }
            };
            if ok {
                seen_here.insert(code.clone(), r.row);
                places.push(Place {
                    code: code.clone(),
                    name,
                    level: d.level,
                    parent,
                    lon: None,
                    lat: None,
                    population: BTreeMap::new(),
                });
            }
        }
        known.extend(seen_here.into_keys());
    }
    if errors.is_empty() {
        Ok(places)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_headers() {
        assert_eq!(population_year("人口2023"), Some(2023));
        assert_eq!(population_year("population_2023"), Some(2023));
        assert_eq!(population_year("Population2024"), Some(2024));
        assert_eq!(population_year("人口(2025年)"), Some(2025));
        assert_eq!(population_year("人口"), None);
        assert_eq!(population_year("人口20234"), None);
    }
}
