//! Inputs: residents (origins), facilities and candidate sites from CSV or GeoJSON.
//!
//! Column names are matched case-insensitively after trimming (a UTF-8 BOM is ignored), with
//! the aliases listed in [`ORIGIN_COLUMNS`] and [`FACILITY_COLUMNS`]. Rows are numbered as a
//! spreadsheet shows them: the header is row 1, the first record row 2.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{AccessError, Result};
use crate::geo::valid_lon_lat;

/// A residential origin: a grid cell centre or a population-weighted point of a place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Origin {
    pub id: String,
    /// Place (village, community, town) for per-place coverage.
    pub place: Option<String>,
    pub lon: f64,
    pub lat: f64,
    /// Residents represented by this point.
    pub population: f64,
}

/// A facility of some type at a location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facility {
    pub id: String,
    /// Facility type, e.g. `primary_school`, `小学`, `healthcare`.
    #[serde(rename = "type")]
    pub facility_type: String,
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// Capacity (places, beds, or a count of facilities in a grid cell), when known.
    pub capacity: Option<f64>,
    /// Where it came from (file and row, or OSM element).
    pub source: String,
}

/// Things worth telling the user about an input file that did not stop the run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InputNotes {
    pub notes: Vec<String>,
}

/// Column aliases for origin files: (canonical, aliases).
pub const ORIGIN_COLUMNS: &[(&str, &[&str])] = &[
    ("id", &["id", "code", "cell", "cell_id", "编码", "代码"]),
    ("lon", &["lon", "lng", "long", "longitude", "x", "经度"]),
    ("lat", &["lat", "latitude", "y", "纬度"]),
    (
        "population",
        &[
            "population",
            "pop",
            "residents",
            "weight",
            "人口",
            "常住人口",
        ],
    ),
    (
        "place",
        &[
            "place",
            "village",
            "community",
            "town",
            "area",
            "村",
            "社区",
            "村社区",
            "乡镇",
            "街道",
        ],
    ),
];

/// Column aliases for facility register files.
pub const FACILITY_COLUMNS: &[(&str, &[&str])] = &[
    ("id", &["id", "code", "编码"]),
    (
        "type",
        &[
            "type",
            "facility_type",
            "kind",
            "category",
            "类型",
            "设施类型",
        ],
    ),
    ("name", &["name", "名称"]),
    ("lon", &["lon", "lng", "long", "longitude", "x", "经度"]),
    ("lat", &["lat", "latitude", "y", "纬度"]),
    ("capacity", &["capacity", "cap", "容量", "规模"]),
];

struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<(usize, csv::StringRecord)>,
}

fn read_table(path: &Path) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|e| AccessError::io(path, e))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| AccessError::BadRecord {
            path: path.into(),
            row: 1,
            message: e.to_string(),
        })?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| AccessError::BadRecord {
            path: path.into(),
            row: e.position().map(|p| p.line() as usize).unwrap_or(row),
            message: e.to_string(),
        })?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push((row, rec));
    }
    Ok(Table {
        path: path.into(),
        header,
        rows,
    })
}

impl Table {
    fn find(&self, aliases: &[&str]) -> Option<usize> {
        aliases
            .iter()
            .find_map(|a| self.header.iter().position(|h| h == &a.to_lowercase()))
    }

    fn require(&self, canonical: &str, aliases: &[&str]) -> Result<usize> {
        self.find(aliases)
            .ok_or_else(|| AccessError::MissingColumn {
                path: self.path.clone(),
                column: canonical.into(),
                expected: aliases.join(", "),
            })
    }

    fn col_name(&self, c: usize) -> String {
        self.header.get(c).cloned().unwrap_or_default()
    }

    fn bad(&self, row: usize, c: usize, message: impl Into<String>) -> AccessError {
        AccessError::BadValue {
            path: self.path.clone(),
            row,
            column: self.col_name(c),
            message: message.into(),
        }
    }

    /// A number, `None` for an empty cell, error for anything else.
    fn number(&self, row: usize, rec: &csv::StringRecord, c: usize) -> Result<Option<f64>> {
        let s = rec.get(c).unwrap_or("").trim();
        if s.is_empty() {
            return Ok(None);
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(self.bad(row, c, format!("'{s}' is not a number"))),
        }
    }

    fn text(&self, rec: &csv::StringRecord, c: Option<usize>) -> Option<String> {
        c.and_then(|c| rec.get(c))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    fn lon_lat(
        &self,
        row: usize,
        rec: &csv::StringRecord,
        clon: usize,
        clat: usize,
    ) -> Result<Option<(f64, f64)>> {
        let lon = self.number(row, rec, clon)?;
        let lat = self.number(row, rec, clat)?;
        match (lon, lat) {
            (Some(lo), Some(la)) => {
                if !(-180.0..=180.0).contains(&lo) {
                    return Err(self.bad(row, clon, format!("longitude {lo} outside -180..180")));
                }
                if !(-90.0..=90.0).contains(&la) {
                    return Err(self.bad(row, clat, format!("latitude {la} outside -90..90")));
                }
                Ok(Some((lo, la)))
            }
            _ => Ok(None),
        }
    }
}

fn alias(table: &[(&'static str, &'static [&'static str])], name: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|(c, _)| *c == name)
        .map(|(_, a)| *a)
        .unwrap_or(&[])
}

/// Read residential origins from a CSV with `lon`, `lat` and optionally `id`, `population`,
/// `place` columns (aliases in [`ORIGIN_COLUMNS`]).
///
/// Empty cells are explicit, never a crash: an empty `population` counts as 0 people and is
/// noted; a row with an empty `lon`/`lat` is left out and noted. Text where a number belongs,
/// a negative population or an out-of-range coordinate is an error naming row and column.
/// Without a `population` column every origin counts as 1 (noted).
pub fn read_origins_csv(path: &Path) -> Result<(Vec<Origin>, InputNotes)> {
    let t = read_table(path)?;
    let a = |n| alias(ORIGIN_COLUMNS, n);
    let clon = t.require("lon", a("lon"))?;
    let clat = t.require("lat", a("lat"))?;
    let cid = t.find(a("id"));
    let cpop = t.find(a("population"));
    let cplace = t.find(a("place"));
    let mut notes = InputNotes::default();
    if cpop.is_none() {
        notes.notes.push(format!(
            "{}: no population column; every origin counts as 1 person",
            path.display()
        ));
    }
    let mut out = Vec::with_capacity(t.rows.len());
    let (mut empty_pop, mut empty_xy) = (Vec::new(), Vec::new());
    for (row, rec) in &t.rows {
        let row = *row;
        let population = match cpop {
            None => 1.0,
            Some(c) => match t.number(row, rec, c)? {
                None => {
                    empty_pop.push(row);
                    0.0
                }
                Some(p) if p < 0.0 => {
                    return Err(t.bad(row, c, format!("negative population {p}")));
                }
                Some(p) => p,
            },
        };
        let Some((lon, lat)) = t.lon_lat(row, rec, clon, clat)? else {
            empty_xy.push(row);
            continue;
        };
        out.push(Origin {
            id: t.text(rec, cid).unwrap_or_else(|| format!("row{row}")),
            place: t.text(rec, cplace),
            lon,
            lat,
            population,
        });
    }
    if !empty_pop.is_empty() {
        notes.notes.push(format!(
            "{}: {} row(s) with empty population counted as 0: rows {}",
            path.display(),
            empty_pop.len(),
            list_rows(&empty_pop)
        ));
    }
    if !empty_xy.is_empty() {
        notes.notes.push(format!(
            "{}: {} row(s) without coordinates left out: rows {}",
            path.display(),
            empty_xy.len(),
            list_rows(&empty_xy)
        ));
    }
    Ok((out, notes))
}

fn list_rows(rows: &[usize]) -> String {
    let mut s: Vec<String> = rows.iter().take(20).map(|r| r.to_string()).collect();
    if rows.len() > 20 {
        s.push(format!("… ({} more)", rows.len() - 20));
    }
    s.join(", ")
}

/// How to read facilities from a CSV.
#[derive(Debug, Clone, Default)]
pub struct FacilityCsvOptions {
    /// Grid mode: each named numeric column (e.g. `schools`, `healthcare` in a hexgrid file)
    /// is a facility type; a row with a value > 0 is one facility location of that type with
    /// `capacity` = the value. Empty cells count as 0 (noted). `None`: register mode, which
    /// needs a `type` column.
    pub count_columns: Option<Vec<String>>,
}

/// Read facilities from a CSV, either a register (`type,name,lon,lat,capacity`) or a grid
/// with count columns (see [`FacilityCsvOptions`]).
pub fn read_facilities_csv(
    path: &Path,
    opts: &FacilityCsvOptions,
) -> Result<(Vec<Facility>, InputNotes)> {
    let t = read_table(path)?;
    let a = |n| alias(FACILITY_COLUMNS, n);
    let clon = t.require("lon", a("lon"))?;
    let clat = t.require("lat", a("lat"))?;
    let cid = t.find(a("id"));
    let cname = t.find(a("name"));
    let mut notes = InputNotes::default();
    let mut out = Vec::new();
    if let Some(cols) = &opts.count_columns {
        let mut idx = Vec::new();
        for c in cols {
            let lc = c.trim().to_lowercase();
            let i = t
                .find(&[lc.as_str()])
                .ok_or_else(|| AccessError::MissingColumn {
                    path: path.into(),
                    column: c.clone(),
                    expected: t.header.join(", "),
                })?;
            idx.push((c.trim().to_string(), i));
        }
        let mut empty: HashMap<String, Vec<usize>> = HashMap::new();
        for (row, rec) in &t.rows {
            let row = *row;
            let mut loc = None;
            for (name, c) in &idx {
                let v = match t.number(row, rec, *c)? {
                    None => {
                        empty.entry(name.clone()).or_default().push(row);
                        continue;
                    }
                    Some(v) if v < 0.0 => {
                        return Err(t.bad(row, *c, format!("negative count {v}")));
                    }
                    Some(v) => v,
                };
                if v <= 0.0 {
                    continue;
                }
                if loc.is_none() {
                    loc = Some(t.lon_lat(row, rec, clon, clat)?);
                }
                let Some(Some((lon, lat))) = loc else {
                    return Err(t.bad(row, clon, "facility count given but no coordinates"));
                };
                let id = t.text(rec, cid).unwrap_or_else(|| format!("row{row}"));
                out.push(Facility {
                    id: format!("{id}:{name}"),
                    facility_type: name.clone(),
                    name: t.text(rec, cname).unwrap_or_else(|| id.clone()),
                    lon,
                    lat,
                    capacity: Some(v),
                    source: format!("{}: row {row}", path.display()),
                });
            }
        }
        let mut keys: Vec<_> = empty.into_iter().collect();
        keys.sort();
        for (name, rows) in keys {
            notes.notes.push(format!(
                "{}: column '{name}': {} empty cell(s) counted as 0: rows {}",
                path.display(),
                rows.len(),
                list_rows(&rows)
            ));
        }
        return Ok((out, notes));
    }
    let ctype = t.require("type", a("type"))?;
    let ccap = t.find(a("capacity"));
    for (row, rec) in &t.rows {
        let row = *row;
        let Some(ft) = t.text(rec, Some(ctype)) else {
            return Err(t.bad(row, ctype, "empty facility type"));
        };
        let Some((lon, lat)) = t.lon_lat(row, rec, clon, clat)? else {
            return Err(t.bad(row, clon, "missing coordinates"));
        };
        let capacity = match ccap {
            Some(c) => t.number(row, rec, c)?,
            None => None,
        };
        out.push(Facility {
            id: t.text(rec, cid).unwrap_or_else(|| format!("row{row}")),
            facility_type: ft,
            name: t.text(rec, cname).unwrap_or_default(),
            lon,
            lat,
            capacity,
            source: format!("{}: row {row}", path.display()),
        });
    }
    Ok((out, notes))
}

/// Read facilities from a GeoJSON FeatureCollection. Each feature needs a `type` (or
/// `facility_type`) property; `name`, `id`, `capacity` are optional. Point geometries are
/// used as they are; other geometries by the mean of their coordinates. Errors name the
/// feature (1-based, as "row") and the property.
pub fn read_facilities_geojson(path: &Path) -> Result<Vec<Facility>> {
    let text = std::fs::read_to_string(path).map_err(|e| AccessError::io(path, e))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| AccessError::BadDocument {
            path: path.into(),
            message: format!("not valid JSON: {e}"),
        })?;
    let features = doc
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or_else(|| AccessError::BadDocument {
            path: path.into(),
            message: "not a GeoJSON FeatureCollection (no 'features' array)".into(),
        })?;
    let bad = |row: usize, column: &str, message: String| AccessError::BadValue {
        path: path.into(),
        row,
        column: column.into(),
        message,
    };
    let mut out = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let row = i + 1;
        let props = f
            .get("properties")
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        let prop_str = |k: &str| match props.get(k) {
            Some(serde_json::Value::String(s)) => {
                Some(s.trim().to_string()).filter(|s| !s.is_empty())
            }
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let ft = prop_str("type")
            .or_else(|| prop_str("facility_type"))
            .ok_or_else(|| bad(row, "properties.type", "missing facility type".into()))?;
        let geom = f
            .get("geometry")
            .ok_or_else(|| bad(row, "geometry", "missing geometry".into()))?;
        let mut coords = Vec::new();
        collect_coords(
            geom.get("coordinates").unwrap_or(&serde_json::Value::Null),
            &mut coords,
        );
        if coords.is_empty() {
            return Err(bad(row, "geometry", "no coordinates".into()));
        }
        let k = coords.len() as f64;
        let (lon, lat) = coords
            .iter()
            .fold((0.0, 0.0), |a, c| (a.0 + c.0 / k, a.1 + c.1 / k));
        if !valid_lon_lat(lon, lat) {
            return Err(bad(
                row,
                "geometry",
                format!("coordinates ({lon}, {lat}) are not lon/lat"),
            ));
        }
        let capacity =
            match props.get("capacity") {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => Some(v.as_f64().ok_or_else(|| {
                    bad(row, "properties.capacity", format!("{v} is not a number"))
                })?),
            };
        out.push(Facility {
            id: prop_str("id")
                .or_else(|| {
                    f.get("id")
                        .map(|v| v.to_string().trim_matches('"').to_string())
                })
                .unwrap_or_else(|| format!("feature{row}")),
            facility_type: ft,
            name: prop_str("name").unwrap_or_default(),
            lon,
            lat,
            capacity,
            source: format!("{}: feature {row}", path.display()),
        });
    }
    Ok(out)
}

fn collect_coords(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
    if let Some(arr) = v.as_array() {
        if arr.len() >= 2 && arr[0].is_number() && arr[1].is_number() {
            if let (Some(x), Some(y)) = (arr[0].as_f64(), arr[1].as_f64()) {
                out.push((x, y));
            }
        } else {
            for a in arr {
                collect_coords(a, out);
            }
        }
    }
}

/// Read facilities by file extension: `.geojson`/`.json` → GeoJSON, otherwise CSV.
pub fn read_facilities(
    path: &Path,
    opts: &FacilityCsvOptions,
) -> Result<(Vec<Facility>, InputNotes)> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_lowercase())
    {
        Some(e) if e == "geojson" || e == "json" => {
            Ok((read_facilities_geojson(path)?, InputNotes::default()))
        }
        _ => read_facilities_csv(path, opts),
    }
}
