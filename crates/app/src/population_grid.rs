//! The imported population grid (人口格网): the residents of the 15-minute circle from a
//! grid of population points instead of the places' population points.
//!
//! - The file: GeoJSON (a `FeatureCollection` of `Point` features, each with a numeric
//!   `population` property — `pop` or `人口` also read) or CSV with the header
//!   `lon,lat,population` (经度,纬度,人口 also read). All or nothing: every fault is listed
//!   with its row (CSV line, GeoJSON feature number) and nothing is kept.
//! - Kept like the walking network: the file's bytes as an attachment of the database
//!   (content-addressed, in every backup) and one `population_grid` record naming it with
//!   its source, the date of the data and the day it was loaded; audited
//!   (`population_grid.load`). Loading one recomputes the circle.
//! - Used by the circle whenever one is kept: each grid point is a resident point of the
//!   lowest-level place (a place without children) whose point is nearest to it (so the
//!   coverage still rolls up per village and town); points farther than
//!   [`MAX_ASSIGN_KM`] from every place are left out and counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use youxiang_access::Origin;
use youxiang_core::place::PlaceTree;
use youxiang_store::{NewAttachment, RecordWrite};

use crate::circle::CURRENT;
use crate::{App, AppError, Result};

/// The grid's record kind (one record, [`CURRENT`]).
pub const KIND_POPULATION_GRID: &str = "population_grid";
/// A grid point farther than this from every lowest-level place's point is left out.
pub const MAX_ASSIGN_KM: f64 = 20.0;
/// At most this many faults are listed.
const MAX_FAULTS: usize = 50;

/// A kept population grid (the `population_grid` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationGrid {
    /// The name given (else the file's name).
    pub name: String,
    pub file: String,
    /// `geojson` or `csv`.
    pub format: String,
    /// The SHA-256 of the file: the attachment holding it.
    pub sha256: String,
    pub bytes: usize,
    /// Where the figures come from (统计部门、第七次人口普查格网 …), required.
    pub source: String,
    /// The date the figures describe, if given.
    pub as_of: Option<NaiveDate>,
    /// The day it was loaded (Beijing day).
    pub loaded_on: NaiveDate,
    pub points: usize,
    /// Total population of the points.
    pub population: f64,
}

impl PopulationGrid {
    /// `人口格网“name”(source,as of)` for pages and exports.
    pub fn label_zh(&self) -> String {
        match self.as_of {
            Some(d) => format!("人口格网“{}”({},{d})", self.name, self.source),
            None => format!(
                "人口格网“{}”({},{} 载入)",
                self.name, self.source, self.loaded_on
            ),
        }
    }

    pub fn label_en(&self) -> String {
        match self.as_of {
            Some(d) => format!("population grid “{}” ({}, {d})", self.name, self.source),
            None => format!(
                "population grid “{}” ({}, loaded {})",
                self.name, self.source, self.loaded_on
            ),
        }
    }
}

/// One point of a grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridPoint {
    pub lon: f64,
    pub lat: f64,
    pub population: f64,
}

/// Whether the file is GeoJSON (by its name, else by its first character).
fn is_geojson(bytes: &[u8], file: &str) -> bool {
    let lower = file.to_lowercase();
    if lower.ends_with(".geojson") || lower.ends_with(".json") {
        return true;
    }
    if lower.ends_with(".csv") {
        return false;
    }
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF)
        .is_some_and(|b| *b == b'{')
}

/// Checks one point; the fault in words.
fn check_point(lon: f64, lat: f64, population: f64) -> std::result::Result<GridPoint, String> {
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        return Err(format!("经度 {lon} 不在 -180 到 180 之间"));
    }
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        return Err(format!("纬度 {lat} 不在 -90 到 90 之间"));
    }
    if !population.is_finite() || population < 0.0 {
        return Err(format!("人口 {population} 须为不小于 0 的数"));
    }
    Ok(GridPoint {
        lon,
        lat,
        population,
    })
}

/// Reads a grid file (GeoJSON points or CSV `lon,lat,population`), all or nothing: every
/// fault with its row (at most [`MAX_FAULTS`] listed). Pure.
pub fn parse_grid(bytes: &[u8], file: &str) -> std::result::Result<Vec<GridPoint>, Vec<String>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| vec![format!("人口格网文件“{file}”不是 UTF-8 文本")])?;
    let text = text.trim_start_matches('\u{feff}');
    let (points, mut faults) = if is_geojson(bytes, file) {
        parse_geojson(text, file)?
    } else {
        parse_csv(text, file)?
    };
    if faults.is_empty() && points.is_empty() {
        faults.push(format!("人口格网文件“{file}”中没有人口点"));
    }
    if faults.is_empty() {
        Ok(points)
    } else {
        if faults.len() > MAX_FAULTS {
            let more = faults.len() - MAX_FAULTS;
            faults.truncate(MAX_FAULTS);
            faults.push(format!("……另有 {more} 处错误"));
        }
        Err(faults)
    }
}

type Parsed = std::result::Result<(Vec<GridPoint>, Vec<String>), Vec<String>>;

fn parse_csv(text: &str, file: &str) -> Parsed {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(vec![format!("人口格网文件“{file}”是空的")]);
    };
    let names: Vec<String> = header
        .split(',')
        .map(|h| h.trim().trim_matches('"').to_lowercase())
        .collect();
    let col = |alts: &[&str]| names.iter().position(|n| alts.contains(&n.as_str()));
    let (Some(ilon), Some(ilat), Some(ipop)) = (
        col(&["lon", "lng", "longitude", "经度"]),
        col(&["lat", "latitude", "纬度"]),
        col(&["population", "pop", "人口"]),
    ) else {
        return Err(vec![format!(
            "人口格网文件“{file}”第 1 行须为表头 lon,lat,population(或 经度,纬度,人口),实为“{}”",
            header.trim()
        )]);
    };
    let mut points = Vec::new();
    let mut faults = Vec::new();
    for (i, line) in lines {
        let row = i + 1;
        let cells: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        if cells.len() != names.len() {
            faults.push(format!(
                "第 {row} 行:有 {} 列,表头有 {} 列",
                cells.len(),
                names.len()
            ));
            continue;
        }
        let num = |k: usize, what: &str| -> std::result::Result<f64, String> {
            cells[k]
                .parse::<f64>()
                .map_err(|_| format!("{what}“{}”不是数", cells[k]))
        };
        let point = num(ilon, "经度")
            .and_then(|lon| Ok((lon, num(ilat, "纬度")?)))
            .and_then(|(lon, lat)| Ok((lon, lat, num(ipop, "人口")?)))
            .and_then(|(lon, lat, pop)| check_point(lon, lat, pop));
        match point {
            Ok(p) => points.push(p),
            Err(e) => faults.push(format!("第 {row} 行:{e}")),
        }
    }
    Ok((points, faults))
}

fn parse_geojson(text: &str, file: &str) -> Parsed {
    let doc: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| vec![format!("人口格网文件“{file}”不是有效的 GeoJSON:{e}")])?;
    let Some(features) = doc.get("features").and_then(|f| f.as_array()) else {
        return Err(vec![format!(
            "人口格网文件“{file}”须为 GeoJSON FeatureCollection(含 features)"
        )]);
    };
    let mut points = Vec::new();
    let mut faults = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let n = i + 1;
        let geometry = f.get("geometry");
        if geometry
            .and_then(|g| g.get("type"))
            .and_then(|t| t.as_str())
            != Some("Point")
        {
            faults.push(format!("第 {n} 个要素:几何须为 Point"));
            continue;
        }
        let coords = geometry
            .and_then(|g| g.get("coordinates"))
            .and_then(|c| c.as_array())
            .filter(|c| c.len() >= 2)
            .and_then(|c| Some((c[0].as_f64()?, c[1].as_f64()?)));
        let Some((lon, lat)) = coords else {
            faults.push(format!("第 {n} 个要素:坐标须为 [经度, 纬度]"));
            continue;
        };
        let props = f.get("properties");
        let pop = ["population", "pop", "人口"]
            .iter()
            .find_map(|k| props.and_then(|p| p.get(*k)));
        let pop = match pop {
            Some(v) => match v
                .as_f64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(x) => x,
                None => {
                    faults.push(format!("第 {n} 个要素:人口“{v}”不是数"));
                    continue;
                }
            },
            None => {
                faults.push(format!("第 {n} 个要素:缺少人口属性 population"));
                continue;
            }
        };
        match check_point(lon, lat, pop) {
            Ok(p) => points.push(p),
            Err(e) => faults.push(format!("第 {n} 个要素:{e}")),
        }
    }
    Ok((points, faults))
}

/// Great-circle kilometres.
fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (a.1.to_radians(), b.1.to_radians());
    let dla = la2 - la1;
    let dlo = (b.0 - a.0).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

/// The grid's points as the circle's resident points, each of the lowest-level place whose
/// point is nearest (within [`MAX_ASSIGN_KM`]); with how many were left out. Pure.
pub fn grid_origins(tree: &PlaceTree, points: &[GridPoint]) -> (Vec<Origin>, usize) {
    let leaves: Vec<(String, f64, f64)> = tree
        .ids()
        .filter(|id| tree.is_leaf(*id))
        .filter_map(|id| {
            let p = tree.get(id);
            Some((p.code.clone(), p.lon?, p.lat?))
        })
        .collect();
    let mut out = Vec::with_capacity(points.len());
    let mut left_out = 0;
    for (i, g) in points.iter().enumerate() {
        let nearest = leaves
            .iter()
            .map(|(c, lon, lat)| (c, km((g.lon, g.lat), (*lon, *lat))))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(b.0)));
        match nearest {
            Some((code, d)) if d <= MAX_ASSIGN_KM => out.push(Origin {
                id: format!("grid-{}", i + 1),
                place: Some(code.clone()),
                lon: g.lon,
                lat: g.lat,
                population: g.population,
            }),
            _ => left_out += 1,
        }
    }
    (out, left_out)
}

/// Grids read from kept files, by SHA-256.
fn grid_cache() -> &'static Mutex<HashMap<String, Arc<Vec<GridPoint>>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<GridPoint>>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

impl App {
    /// Keeps a population grid (the file as an attachment, a `population_grid` record with
    /// its source and date), then recomputes the circle. The office or the system
    /// administrator; a file with any fault is refused whole, every fault listed.
    pub async fn load_population_grid(
        &self,
        login: &str,
        bytes: Vec<u8>,
        file: &str,
        name: Option<&str>,
        source: &str,
        as_of: Option<NaiveDate>,
    ) -> Result<PopulationGrid> {
        self.may_configure_circle(login)?;
        let file = std::path::Path::new(file)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.to_string());
        let source = source.trim();
        if source.is_empty() {
            return Err(AppError::Invalid(vec![
                "请写明人口格网的数据来源(如:第七次全国人口普查格网数据)".into(),
            ]));
        }
        if bytes.len() > youxiang_store::records::MAX_ATTACHMENT {
            return Err(AppError::Invalid(vec![format!(
                "人口格网文件“{file}”有 {} 字节,超过上限 {} 字节",
                bytes.len(),
                youxiang_store::records::MAX_ATTACHMENT
            )]));
        }
        let geojson = is_geojson(&bytes, &file);
        let (bytes, parsed) = {
            let f = file.clone();
            tokio::task::spawn_blocking(move || {
                let p = parse_grid(&bytes, &f);
                (bytes, p)
            })
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
        };
        let points = parsed.map_err(AppError::Invalid)?;
        let sha256 = youxiang_store::attachment_id(&bytes);
        let record = PopulationGrid {
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(&file)
                .to_string(),
            file: file.clone(),
            format: if geojson { "geojson" } else { "csv" }.into(),
            sha256: sha256.clone(),
            bytes: bytes.len(),
            source: source.to_string(),
            as_of,
            loaded_on: self.today(),
            points: points.len(),
            population: points.iter().map(|p| p.population).sum(),
        };
        let version = self
            .db()
            .get_record(KIND_POPULATION_GRID, CURRENT)
            .await?
            .map(|r| r.version);
        let w = RecordWrite::of(
            KIND_POPULATION_GRID,
            CURRENT,
            &record,
            version,
            "population_grid.load",
        )?;
        let kept = NewAttachment {
            name: file,
            mime: if geojson {
                "application/geo+json"
            } else {
                "text/csv"
            }
            .into(),
            bytes,
        };
        self.db()
            .put_records_with_files(&[w], &[kept], login)
            .await?;
        grid_cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sha256, Arc::new(points));
        self.recompute_circle().await?;
        Ok(record)
    }

    /// The kept population grid, if any.
    pub async fn population_grid(&self) -> Result<Option<PopulationGrid>> {
        Ok(
            match self.db().get_record(KIND_POPULATION_GRID, CURRENT).await? {
                Some(r) => Some(r.decode()?),
                None => None,
            },
        )
    }

    /// The kept grid's points (read from its attachment once per process), with its record.
    pub(crate) async fn grid_points(
        &self,
    ) -> Result<Option<(PopulationGrid, Arc<Vec<GridPoint>>)>> {
        let Some(rec) = self.population_grid().await? else {
            return Ok(None);
        };
        if let Some(p) = grid_cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&rec.sha256)
        {
            return Ok(Some((rec, Arc::clone(p))));
        }
        let (_, bytes) = self
            .db()
            .get_attachment(&rec.sha256)
            .await?
            .ok_or_else(|| {
                AppError::NotFound(format!("人口格网“{}”的文件不在数据库中", rec.name))
            })?;
        let file = rec.file.clone();
        let points = tokio::task::spawn_blocking(move || parse_grid(&bytes, &file))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(AppError::Invalid)?;
        let points = Arc::new(points);
        grid_cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rec.sha256.clone(), Arc::clone(&points));
        Ok(Some((rec, points)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_read_and_every_fault_named_by_line() {
        let ok = parse_grid(
            b"lon,lat,population\n122.1,30.0,120\n122.2,30.1,80.5\n",
            "g.csv",
        );
        assert_eq!(ok.as_ref().map(Vec::len), Ok(2));
        let bad = parse_grid(
            b"lon,lat,population\n122.1,30.0,120\n200,30.1,5\n122.2,x,5\n122.2,30.1,-1\n1,2\n",
            "g.csv",
        )
        .unwrap_err();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert!(bad[0].starts_with("第 3 行:经度 200"), "{bad:?}");
        assert!(bad[1].starts_with("第 4 行:纬度“x”"), "{bad:?}");
        assert!(bad[2].starts_with("第 5 行:人口 -1"), "{bad:?}");
        assert!(bad[3].starts_with("第 6 行:有 2 列"), "{bad:?}");
        let header = parse_grid(b"x,y,z\n1,2,3\n", "g.csv").unwrap_err();
        assert!(header[0].contains("lon,lat,population"), "{header:?}");
        assert!(
            parse_grid(b"lon,lat,population\n", "g.csv").is_err(),
            "no points"
        );
        let zh = parse_grid("经度,纬度,人口\n122.1,30.0,12\n".as_bytes(), "g.csv");
        assert_eq!(zh.map(|p| p[0].population), Ok(12.0));
    }

    #[test]
    fn geojson_points_are_read_and_faults_named_by_feature() {
        let ok = br#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[122.1,30.0]},"properties":{"population":42}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[122.2,30.1]},"properties":{"pop":"7"}}]}"#;
        let p = parse_grid(ok, "g.geojson").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].population, 7.0);
        let bad = br#"{"type":"FeatureCollection","features":[
            {"type":"Feature","geometry":{"type":"Point","coordinates":[122.1,30.0]},"properties":{"population":42}},
            {"type":"Feature","geometry":{"type":"Polygon","coordinates":[]},"properties":{"population":1}},
            {"type":"Feature","geometry":{"type":"Point","coordinates":[122.1,30.0]},"properties":{}}]}"#;
        let e = parse_grid(bad, "g.geojson").unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].starts_with("第 2 个要素"), "{e:?}");
        assert!(e[1].starts_with("第 3 个要素:缺少人口"), "{e:?}");
        assert!(parse_grid(b"{\"type\":\"Feature\"}", "g.json").is_err());
    }
}
