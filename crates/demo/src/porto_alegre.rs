//! The second demo of the 15-minute circle (issue 15 point 5): Porto Alegre, where an
//! OpenStreetMap extract is at hand (`../shared/data/osm/porto-alegre`), so the circle runs
//! on a walking network. Places are built from the hexgrid — every H3 cell a village-level
//! place (its centre the residents' point, its population), grouped by longitude and
//! latitude into 3 × 3 town-level areas under one root — facilities from the grid's count
//! columns (`schools` → 小学, `healthcare` → 社区卫生服务站, one facility per count at the
//! cell's centre), and the network from the PBF. The plan is `plans/porto-alegre-circle.toml`
//! (one indicator, C01, computed from the circle). Labelled 演示数据; map data
//! © OpenStreetMap contributors, ODbL 1.0.

use std::path::Path;

use chrono::NaiveDate;
use youxiang_app::App;
use youxiang_app::circle::{CircleConfig, ComputedIndicator, REGISTER_PROFILE};
use youxiang_app::demo::DemoMark;
use youxiang_core::facilities::{Facility, FacilityStatus, FacilityType, Location};
use youxiang_core::place::{Level, Place};
use youxiang_core::scope::{Reporter, Role, Scope};

/// The demo's plan file.
pub const POA_PLAN: &str = include_str!("../../../plans/porto-alegre-circle.toml");
/// The hexgrid's and the extract's file names in the data folder.
pub const HEXGRID_FILE: &str = "poa_hexgrid.csv";
pub const PBF_FILE: &str = "poa_osm.pbf";
/// The root place's code.
pub const POA_ROOT: &str = "poa";
/// The year the grid's population counts for.
pub const POA_YEAR: i32 = 2025;
/// Every demo facility's source.
pub const POA_SOURCE: &str = "演示数据:Porto Alegre 六边形网格计数列(r5r 示例数据)";
/// Town-level areas per side.
const SIDE: usize = 3;

/// One hexgrid row: id, lon, lat, population and the counts (`None` when empty).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    pub population: f64,
    pub schools: u32,
    pub healthcare: u32,
}

/// Reads the hexgrid (`id,lon,lat,population,schools,jobs,healthcare`); an empty count is
/// zero, a row that cannot be read is an error naming its line.
pub fn read_hexgrid(text: &str) -> Result<Vec<Cell>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("网格文件为空")?
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("网格文件缺少列 {name}"))
    };
    let (id, lon, lat, pop, sch, hc) = (
        col("id")?,
        col("lon")?,
        col("lat")?,
        col("population")?,
        col("schools")?,
        col("healthcare")?,
    );
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let at = |i: usize| f.get(i).copied().unwrap_or("");
        let num = |i: usize| -> Result<f64, String> {
            let t = at(i);
            if t.is_empty() {
                return Ok(0.0);
            }
            t.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0 || i == lon || i == lat)
                .ok_or(format!("网格文件第 {} 行第 {} 列“{t}”不是数", n + 2, i + 1))
        };
        out.push(Cell {
            id: at(id).to_string(),
            lon: num(lon)?,
            lat: num(lat)?,
            population: num(pop)?,
            schools: num(sch)? as u32,
            healthcare: num(hc)? as u32,
        });
    }
    Ok(out)
}

/// The town-level area (0‥SIDE²) of each cell: its column and row in the grid's extent.
fn areas(cells: &[Cell]) -> Vec<usize> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for c in cells {
        x0 = x0.min(c.lon);
        x1 = x1.max(c.lon);
        y0 = y0.min(c.lat);
        y1 = y1.max(c.lat);
    }
    let bin = |v: f64, lo: f64, hi: f64| {
        (((v - lo) / (hi - lo).max(1e-9) * SIDE as f64) as usize).min(SIDE - 1)
    };
    cells
        .iter()
        .map(|c| bin(c.lat, y0, y1) * SIDE + bin(c.lon, x0, x1))
        .collect()
}

/// The town-level code of area `a`.
fn area_code(a: usize) -> String {
    format!("poa-{:02}", a + 1)
}

/// The places: the root, the 3 × 3 areas (towns) and a village per cell (code = H3 id).
pub fn poa_places(cells: &[Cell]) -> Vec<Place> {
    let n = cells.len().max(1) as f64;
    let mut out = vec![Place {
        code: POA_ROOT.into(),
        name: "Porto Alegre(演示)".into(),
        level: Level::County,
        parent: None,
        lon: Some(cells.iter().map(|c| c.lon).sum::<f64>() / n),
        lat: Some(cells.iter().map(|c| c.lat).sum::<f64>() / n),
        population: Default::default(),
    }];
    let area = areas(cells);
    for a in 0..SIDE * SIDE {
        let mine: Vec<&Cell> = cells
            .iter()
            .zip(&area)
            .filter(|(_, x)| **x == a)
            .map(|(c, _)| c)
            .collect();
        if mine.is_empty() {
            continue;
        }
        let k = mine.len() as f64;
        out.push(Place {
            code: area_code(a),
            name: format!("演示片区{}", a + 1),
            level: Level::Town,
            parent: Some(POA_ROOT.into()),
            lon: Some(mine.iter().map(|c| c.lon).sum::<f64>() / k),
            lat: Some(mine.iter().map(|c| c.lat).sum::<f64>() / k),
            population: Default::default(),
        });
    }
    for (c, a) in cells.iter().zip(&area) {
        out.push(Place {
            code: c.id.clone(),
            name: format!("网格{}", c.id),
            level: Level::Village,
            parent: Some(area_code(*a)),
            lon: Some(c.lon),
            lat: Some(c.lat),
            population: [(POA_YEAR, c.population)].into(),
        });
    }
    out
}

/// The facilities: per count of `schools` a 小学, of `healthcare` a 社区卫生服务站, at the
/// cell's centre, open since `opened`.
pub fn poa_facilities(cells: &[Cell], opened: NaiveDate) -> Vec<Facility> {
    let mut out = Vec::new();
    for c in cells {
        for (t, n, tag) in [
            (FacilityType::PrimarySchool, c.schools, "S"),
            (FacilityType::HealthStation, c.healthcare, "H"),
        ] {
            for k in 1..=n {
                out.push(Facility {
                    code: format!("{tag}{}-{k}", c.id),
                    name: format!("{}(网格{} 第{k}个)", t.label_zh(), c.id),
                    facility_type: t,
                    place: c.id.clone(),
                    location: Some(Location {
                        lon: c.lon,
                        lat: c.lat,
                    }),
                    capacity: None,
                    status: FacilityStatus::Open,
                    opened: Some(opened),
                    closed: None,
                    items: Vec::new(),
                    source: POA_SOURCE.into(),
                    note: String::new(),
                });
            }
        }
    }
    out
}

/// The demo's day.
pub fn poa_today() -> NaiveDate {
    crate::demo_today()
}

/// Builds the Porto Alegre demo in `url` from the files in `dir`: plan, places, users
/// (office, viewer; password as the Dinghai demo's), facilities, the network, the circle
/// configuration (C01 = the basket of every registered type). Returns the app.
pub async fn load_poa(url: &str, dir: &Path, actor: &str) -> Result<App, String> {
    let grid = std::fs::read_to_string(dir.join(HEXGRID_FILE))
        .map_err(|e| format!("无法读取 {}:{e}", dir.join(HEXGRID_FILE).display()))?;
    let pbf = std::fs::read(dir.join(PBF_FILE))
        .map_err(|e| format!("无法读取 {}:{e}", dir.join(PBF_FILE).display()))?;
    let cells = read_hexgrid(&grid)?;
    let plan = youxiang_plantext::planfile::load(POA_PLAN).map_err(|e| e.to_string())?;
    let err = |e: youxiang_app::AppError| e.to_string();
    let app = App::init(url, &plan, poa_places(&cells), actor)
        .await
        .map_err(err)?;
    let today = poa_today();
    app.mark_demo(
        actor,
        DemoMark {
            label: crate::DEMO_LABEL.into(),
            as_of: today,
        },
    )
    .await
    .map_err(err)?;
    let scope = Scope {
        places: vec![POA_ROOT.into()],
        indicators: vec![],
    };
    let reporters = vec![
        Reporter {
            login: "office".into(),
            name: "演示办公室".into(),
            unit: "演示办公室".into(),
            role: Role::Office,
            scope: scope.clone(),
        },
        Reporter {
            login: "viewer".into(),
            name: "查看者".into(),
            unit: "演示办公室".into(),
            role: Role::Viewer,
            scope,
        },
    ];
    app.save_reporters(reporters, actor).await.map_err(err)?;
    app.set_demo_passwords().await.map_err(err)?;
    let opened = NaiveDate::from_ymd_opt(2020, 1, 1).expect("valid date");
    app.import_facilities("office", poa_facilities(&cells, opened))
        .await
        .map_err(err)?;
    app.set_circle_config(
        "office",
        CircleConfig {
            profile: REGISTER_PROFILE.into(),
            indicators: vec![ComputedIndicator {
                indicator: "C01".into(),
                measure: "basket".into(),
            }],
        },
    )
    .await
    .map_err(err)?;
    app.load_walk_network(
        "office",
        pbf,
        PBF_FILE,
        Some("Porto Alegre 中心城区(r5r 示例)"),
    )
    .await
    .map_err(err)?;
    Ok(app)
}
