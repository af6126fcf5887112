//! The 15-minute public-service circle (15分钟公共服务圈) inside the platform.
//!
//! - The walking network: `App::load_walk_network` keeps the OpenStreetMap extract itself
//!   (the PBF's bytes, content-addressed, as an attachment of the database — so it is in
//!   every backup and comes back with every restore) and a `walk_network` record naming it
//!   (name, file, SHA-256, the day it was loaded, its size). The network is built from the
//!   bytes once per process and kept in memory by its SHA-256.
//! - Residents: every place of the lowest level (a place without children) with a point
//!   and a population — the places' population points; or, when one is kept, the points
//!   of an imported population grid (`population_grid`, each point counted at its nearest
//!   lowest-level place).
//! - Facilities: the register's open facilities with a type the engine knows
//!   (`FacilityType::access_type`); one without a location counts at its place's point.
//! - The coverage (`circle` record, with its inputs and day): per facility type within
//!   [`CIRCLE_MINUTES`] minutes' walk, and the basket of the configured profile (GB 50180,
//!   TD/T 1062: `circle_config` record), per village and town (population-weighted), the
//!   gap points (residents not covered, with the missing types). Computed by the access
//!   engine on the network when one is loaded, else the straight-line estimate (直线估算,
//!   labelled wherever it is shown), and recomputed after every change of the register and
//!   every network load.
//! - The computed indicators: the configuration may name an indicator of the plan whose
//!   value per place is a coverage of the circle (`circle_config.indicators`); each
//!   recompute writes them as official figures through `App::write_computed` (source
//!   系统计算, approved by `system` in one store transaction), for the day's year and for
//!   the previous year's end (the coverage on 31 December reconstructed from the
//!   register's opening and closing dates: every place's start-of-year figure).
//!
//! Map data © OpenStreetMap contributors, ODbL 1.0 ([`OSM_CREDIT`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use youxiang_access::{
    Candidate, Engine, Facility as AccessFacility, Network, Origin, OsmOptions, Profile, Settings,
};
use youxiang_core::facilities::FacilityType;
use youxiang_core::labels::Labelled;
use youxiang_core::place::{PlaceId, PlaceTree};
use youxiang_store::{NewAttachment, RecordWrite};

use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The walking network's record kind (one record, [`CURRENT`]).
pub const KIND_NETWORK: &str = "walk_network";
/// The computed circle's record kind (one record, [`CURRENT`]).
pub const KIND_CIRCLE: &str = "circle";
/// The circle's configuration record kind (one record, [`CURRENT`]).
pub const KIND_CIRCLE_CONFIG: &str = "circle_config";
/// The id of the one record of each kind.
pub const CURRENT: &str = "current";
/// The credit every page and export of results carries.
pub const OSM_CREDIT: &str = "© OpenStreetMap contributors, ODbL 1.0";
/// The label of results without a network.
pub const STRAIGHT_LINE_LABEL: &str = "直线估算";
/// The circle's size in minutes for the per-type coverage.
pub const CIRCLE_MINUTES: f64 = 15.0;
/// The basket's profile when none is configured.
pub const DEFAULT_PROFILE: &str = "tdt1062-town";
pub use crate::computed::COMPUTED_SOURCE;

/// A kept walking network (the `walk_network` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkNetwork {
    /// The name given (else the file's name).
    pub name: String,
    /// The file as loaded.
    pub file: String,
    /// The SHA-256 of the PBF: the attachment holding it.
    pub sha256: String,
    pub bytes: usize,
    /// The day it was loaded (Beijing day).
    pub loaded_on: NaiveDate,
    pub nodes: usize,
    pub edges: usize,
    pub walk_ways: usize,
    pub ferry_ways: usize,
    pub credit: String,
}

/// How the distances were obtained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// Shortest walking paths on the kept network.
    Network {
        name: String,
        sha256: String,
        loaded_on: NaiveDate,
    },
    /// No network: straight-line distance × the detour factor, at walking speed.
    StraightLine { detour_factor: f64 },
}

impl Basis {
    /// `路网(name,date 载入)` or `直线估算(…)`, for every page and export.
    pub fn label_zh(&self) -> String {
        match self {
            Basis::Network {
                name, loaded_on, ..
            } => format!("路网:{name}({loaded_on} 载入,步行最短路径)"),
            Basis::StraightLine { detour_factor } => format!(
                "{STRAIGHT_LINE_LABEL}(未载入路网:直线距离 × {detour_factor} 绕行系数,步行 80 米/分钟)"
            ),
        }
    }

    pub fn label_en(&self) -> String {
        match self {
            Basis::Network {
                name, loaded_on, ..
            } => format!("network: {name} (loaded {loaded_on}, shortest walking paths)"),
            Basis::StraightLine { detour_factor } => format!(
                "straight-line estimate (no network loaded: straight distance × detour factor {detour_factor}, walking 80 m/min)"
            ),
        }
    }

    pub fn is_estimate(&self) -> bool {
        matches!(self, Basis::StraightLine { .. })
    }
}

/// Which coverage an indicator's value is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComputedIndicator {
    /// The plan's indicator code.
    pub indicator: String,
    /// `basket`, or a facility type of the engine (`primary_school`, …).
    pub measure: String,
}

/// The circle's configuration (the `circle_config` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircleConfig {
    /// The basket's profile: a built-in name (`gb50180`, `tdt1062-town`, `tdt1062-rural`).
    pub profile: String,
    #[serde(default)]
    pub indicators: Vec<ComputedIndicator>,
}

impl Default for CircleConfig {
    fn default() -> Self {
        CircleConfig {
            profile: DEFAULT_PROFILE.into(),
            indicators: Vec::new(),
        }
    }
}

/// One facility type of the engine with the register's types counted as it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircleType {
    /// The engine's type (`primary_school`).
    pub code: String,
    /// The register's types it stands for, Chinese (`社区卫生服务站/村卫生室`).
    pub label: String,
    pub facilities: usize,
    pub covered_population: f64,
    /// Covered ÷ population; `None` without residents.
    pub share: Option<f64>,
}

/// A place's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceCoverage {
    pub place: String,
    pub name: String,
    /// `town`, `village`, … (the place's level code).
    pub level: String,
    pub population: f64,
    /// Per type, in the order of [`CircleResult::types`].
    pub shares: Vec<Option<f64>>,
    pub basket_share: Option<f64>,
    pub uncovered_population: f64,
}

/// A resident point not covered by the basket or by some type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapPoint {
    pub place: String,
    pub lon: f64,
    pub lat: f64,
    pub population: f64,
    /// The engine's types not within the circle.
    pub missing: Vec<String>,
    pub basket_covered: bool,
}

/// What a coverage was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircleInputs {
    pub residents: usize,
    pub population: f64,
    /// The year of the population figures (the latest on or before the day's year).
    pub population_year: i32,
    /// Open facilities of a type the engine knows.
    pub facilities: usize,
    /// Of them, without a location (counted at their place's point).
    pub facilities_at_place_point: usize,
    pub minutes: f64,
    pub speed_kmh: f64,
    pub profile: String,
    pub profile_description: String,
    /// The imported population grid the residents came from (its label, Chinese and
    /// English); `None`: the places' population points.
    #[serde(default)]
    pub grid_zh: Option<String>,
    #[serde(default)]
    pub grid_en: Option<String>,
}

/// The computed circle (the `circle` record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircleResult {
    pub computed_on: NaiveDate,
    pub basis: Basis,
    pub inputs: CircleInputs,
    pub types: Vec<CircleType>,
    /// The basket's types (the profile's rules), Chinese labels with their thresholds.
    pub basket: Vec<String>,
    pub basket_share: Option<f64>,
    pub places: Vec<PlaceCoverage>,
    pub gaps: Vec<GapPoint>,
    pub notes: Vec<String>,
    pub credit: String,
}

impl CircleResult {
    /// A place's coverage.
    pub fn place(&self, code: &str) -> Option<&PlaceCoverage> {
        self.places.iter().find(|p| p.place == code)
    }

    /// The value of a measure (`basket` or a type) at a place, as a percentage.
    pub fn measure_percent(&self, place: &str, measure: &str) -> Option<f64> {
        let p = self.place(place)?;
        let share = if measure == "basket" {
            p.basket_share
        } else {
            let k = self.types.iter().position(|t| t.code == measure)?;
            p.shares[k]
        };
        share.map(|s| (s * 1000.0).round() / 10.0)
    }
}

/// The nearest facility of one register type from one place's point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearestFacility {
    pub place: String,
    pub facility_type: FacilityType,
    /// Walking minutes; `None` when no facility of the type is reachable.
    pub minutes: Option<f64>,
    pub distance_m: Option<f64>,
    /// The facility's code.
    pub facility: Option<String>,
}

/// Place × facility type → nearest minutes, facility and the basis (for 服务达标).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearestTable {
    pub basis: Basis,
    pub rows: Vec<NearestFacility>,
}

impl NearestTable {
    pub fn get(&self, place: &str, t: FacilityType) -> Option<&NearestFacility> {
        self.rows
            .iter()
            .find(|r| r.place == place && r.facility_type == t)
    }
}

/// A suggested site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteSuggestion {
    pub rank: usize,
    /// The resident point (its place's code) the site is at.
    pub place: String,
    pub lon: f64,
    pub lat: f64,
    pub added_population: f64,
    pub share_after: Option<f64>,
}

/// The siting suggestions of one town for one type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TownSites {
    pub town: String,
    pub facility_type: String,
    pub population: f64,
    pub share_before: Option<f64>,
    pub picks: Vec<SiteSuggestion>,
}

/// The inputs gathered for a run.
pub struct CircleRun {
    pub basis: Basis,
    pub network: Option<Arc<Network>>,
    pub origins: Vec<Origin>,
    pub facilities: Vec<AccessFacility>,
    /// The register's type of each facility (same order).
    pub register_types: Vec<FacilityType>,
    pub population_year: i32,
    pub at_place_point: usize,
    /// The kept population grid the origins came from, if any.
    pub grid: Option<crate::population_grid::PopulationGrid>,
    /// Grid points left out (too far from every place).
    pub grid_left_out: usize,
}

/// Networks built from kept PBFs, by SHA-256 (content-addressed: right for every database).
fn network_cache() -> &'static Mutex<HashMap<String, Arc<Network>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Network>>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Reads a PBF's bytes into a walking network; every fault as a message.
pub fn read_network(bytes: &[u8], file: &str) -> std::result::Result<Network, String> {
    let data = youxiang_access::osm::read_pbf_from(
        std::io::Cursor::new(bytes),
        std::path::Path::new(file),
        &OsmOptions::default(),
    )
    .map_err(|e| format!("路网文件“{file}”无法读取:{e}"))?;
    if data.network.edges.is_empty() {
        return Err(format!(
            "路网文件“{file}”中没有可步行的道路(OpenStreetMap highway 路段)"
        ));
    }
    Ok(data.network)
}

/// The engine's settings of the circle.
pub fn circle_settings() -> Settings {
    Settings {
        minutes: CIRCLE_MINUTES,
        ..Settings::default()
    }
}

/// The engine's facility types the register maps onto, with the register's labels.
pub fn engine_types() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for &t in FacilityType::all() {
        let Some(code) = t.access_type() else {
            continue;
        };
        match out.iter_mut().find(|(c, _)| c == code) {
            Some((_, label)) => {
                label.push('/');
                label.push_str(t.label_zh());
            }
            None => out.push((code.to_string(), t.label_zh().to_string())),
        }
    }
    out
}

/// The resident points of a place tree: every place without children that has a point and
/// a population in `year` (else its latest earlier year, else its latest).
pub fn origins_of(tree: &PlaceTree, year: i32) -> (Vec<Origin>, i32) {
    let mut used_year = i32::MIN;
    let mut out = Vec::new();
    for id in tree.ids() {
        let p = tree.get(id);
        if !tree.is_leaf(id) {
            continue;
        }
        let (Some(lon), Some(lat)) = (p.lon, p.lat) else {
            continue;
        };
        let pop = p
            .population
            .range(..=year)
            .next_back()
            .or_else(|| p.population.iter().next_back());
        let Some((y, pop)) = pop else { continue };
        if *pop <= 0.0 {
            continue;
        }
        used_year = used_year.max(*y);
        out.push(Origin {
            id: p.code.clone(),
            place: Some(p.code.clone()),
            lon,
            lat,
            population: *pop,
        });
    }
    (
        out,
        if used_year == i32::MIN {
            year
        } else {
            used_year
        },
    )
}

/// Per place of the tree, the population-weighted roll-up of the origins' results:
/// `(population, covered per type, basket covered)`.
fn roll_up(
    tree: &PlaceTree,
    report: &youxiang_access::CoverageReport,
    basket: &youxiang_access::CoverageReport,
) -> Vec<(PlaceId, f64, Vec<f64>, f64)> {
    let n_types = report.types.len();
    let mut acc: BTreeMap<usize, (f64, Vec<f64>, f64)> = BTreeMap::new();
    for (o, b) in report.origins.iter().zip(&basket.origins) {
        let Some(id) = o.place.as_deref().and_then(|c| tree.id(c)) else {
            continue;
        };
        for at in std::iter::once(id).chain(tree.ancestors(id)) {
            let e = acc
                .entry(at.index())
                .or_insert_with(|| (0.0, vec![0.0; n_types], 0.0));
            e.0 += o.population;
            for (k, t) in o.types.iter().enumerate() {
                if t.covered {
                    e.1[k] += o.population;
                }
            }
            if b.basket_covered {
                e.2 += o.population;
            }
        }
    }
    tree.ids()
        .filter_map(|id| acc.remove(&id.index()).map(|(p, c, b)| (id, p, c, b)))
        .collect()
}

/// The engine of a run: on its network (the snap index built once per engine), else the
/// straight-line estimate.
fn engine_of(run: &CircleRun, settings: Settings) -> Result<Engine<'_>> {
    match &run.network {
        Some(n) => Engine::with_network(n, settings),
        None => Engine::straight_line(settings),
    }
    .map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

/// Computes the circle for a run under `profile` (the basket) on `day`. Pure but for the
/// engine's threads.
pub fn compute(
    run: &CircleRun,
    tree: &PlaceTree,
    profile: &Profile,
    day: NaiveDate,
) -> Result<CircleResult> {
    compute_with(&engine_of(run, circle_settings())?, run, tree, profile, day)
}

/// [`compute`] with an engine already built (on the run's network, or straight-line), so
/// several runs on one network share its snap index.
fn compute_with(
    engine: &Engine<'_>,
    run: &CircleRun,
    tree: &PlaceTree,
    profile: &Profile,
    day: NaiveDate,
) -> Result<CircleResult> {
    let settings = &engine.settings;
    let types = engine_types();
    let codes: Vec<String> = types.iter().map(|(c, _)| c.clone()).collect();
    let per_type = Profile::circle(CIRCLE_MINUTES, &codes);
    let fail = |e: youxiang_access::AccessError| AppError::Invalid(vec![e.to_string()]);
    let report = engine
        .coverage(&run.origins, &run.facilities, &per_type, &|_, _| {})
        .map_err(fail)?;
    let basket = engine
        .coverage(&run.origins, &run.facilities, profile, &|_, _| {})
        .map_err(fail)?;
    let share = |c: f64, p: f64| (p > 0.0).then(|| c / p);
    let places = roll_up(tree, &report, &basket)
        .into_iter()
        .map(|(id, pop, cov, b)| {
            let p = tree.get(id);
            PlaceCoverage {
                place: p.code.clone(),
                name: p.name.clone(),
                level: serde_json::to_value(p.level)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                population: pop,
                shares: cov.iter().map(|c| share(*c, pop)).collect(),
                basket_share: share(b, pop),
                uncovered_population: pop - b,
            }
        })
        .collect();
    let gaps = report
        .origins
        .iter()
        .zip(&basket.origins)
        .filter_map(|(o, b)| {
            let missing: Vec<String> = o
                .types
                .iter()
                .filter(|t| !t.covered)
                .map(|t| t.facility_type.clone())
                .collect();
            (!missing.is_empty() || !b.basket_covered).then(|| GapPoint {
                place: o.place.clone().unwrap_or_default(),
                lon: o.lon,
                lat: o.lat,
                population: o.population,
                missing,
                basket_covered: b.basket_covered,
            })
        })
        .collect();
    let mut notes = report.notes.clone();
    for n in &basket.notes {
        if !notes.contains(n) {
            notes.push(n.clone());
        }
    }
    if run.grid_left_out > 0 {
        notes.push(format!(
            "人口格网中 {} 个点距任何村(社区)超过 {} 公里,未计入",
            run.grid_left_out,
            crate::population_grid::MAX_ASSIGN_KM
        ));
    }
    if run.at_place_point > 0 {
        notes.push(format!(
            "{} 个设施未登记位置,按其所在地点的坐标计",
            run.at_place_point
        ));
    }
    Ok(CircleResult {
        computed_on: day,
        basis: run.basis.clone(),
        inputs: CircleInputs {
            residents: run.origins.len(),
            population: report.population,
            population_year: run.population_year,
            facilities: run.facilities.len(),
            facilities_at_place_point: run.at_place_point,
            minutes: CIRCLE_MINUTES,
            speed_kmh: settings.speed_kmh,
            profile: profile.name.clone(),
            profile_description: profile.description.clone(),
            grid_zh: run.grid.as_ref().map(|g| g.label_zh()),
            grid_en: run.grid.as_ref().map(|g| g.label_en()),
        },
        types: report
            .types
            .iter()
            .zip(&types)
            .map(|(t, (code, label))| CircleType {
                code: code.clone(),
                label: label.clone(),
                facilities: t.facilities,
                covered_population: t.covered_population,
                share: t.share,
            })
            .collect(),
        basket: basket
            .types
            .iter()
            .filter(|t| t.in_basket)
            .map(|t| format!("{} ≤ {:.0} 米", t.label, t.threshold_m))
            .collect(),
        basket_share: basket.basket_share,
        places,
        gaps,
        notes,
        credit: OSM_CREDIT.into(),
    })
}

/// The profile of [`REGISTER_PROFILE`]: every engine type the run has facilities of,
/// within [`CIRCLE_MINUTES`] minutes.
pub const REGISTER_PROFILE: &str = "register";

/// The basket's profile by name: a built-in one, or [`REGISTER_PROFILE`] (every type the
/// register has open facilities of, within 15 minutes).
pub fn profile_named(name: &str, run: &CircleRun) -> Result<Profile> {
    if name == REGISTER_PROFILE {
        let mut types: Vec<String> = run
            .facilities
            .iter()
            .map(|f| f.facility_type.clone())
            .collect();
        types.sort();
        types.dedup();
        let mut p = Profile::circle(CIRCLE_MINUTES, &types);
        p.name = REGISTER_PROFILE.into();
        p.description = "登记的每一类设施均在15分钟步行范围内".into();
        return Ok(p);
    }
    Profile::builtin(name).ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "未知的标准“{name}”:可选 {}",
            youxiang_access::profile::BUILTIN_PROFILES.join("、")
        )])
    })
}

impl App {
    /// Whether `login` may load a network or configure the circle: the office or the
    /// system administrator.
    pub(crate) fn may_configure_circle(&self, login: &str) -> Result<()> {
        let who = self.user(login)?;
        if who.role.is_office() || who.role == youxiang_core::scope::Role::Admin {
            Ok(())
        } else {
            Err(forbid(&who, "载入路网或设置15分钟公共服务圈"))
        }
    }

    /// Keeps a walking network read from an OpenStreetMap PBF (the bytes as an attachment,
    /// a `walk_network` record naming it), then recomputes the circle. A file that is not a
    /// PBF, holds no walkable way or is over the attachment limit is refused, nothing kept.
    pub async fn load_walk_network(
        &self,
        login: &str,
        bytes: Vec<u8>,
        file: &str,
        name: Option<&str>,
    ) -> Result<WalkNetwork> {
        self.may_configure_circle(login)?;
        let file = std::path::Path::new(file)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.to_string());
        if bytes.len() > youxiang_store::records::MAX_ATTACHMENT {
            return Err(AppError::Invalid(vec![format!(
                "路网文件“{file}”有 {} 字节,超过上限 {} 字节:请裁剪到本区范围",
                bytes.len(),
                youxiang_store::records::MAX_ATTACHMENT
            )]));
        }
        let (bytes, net) = tokio::task::spawn_blocking(move || {
            let net = read_network(&bytes, &file);
            (bytes, net.map(|n| (n, file)))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let (net, file) = net.map_err(|m| AppError::Invalid(vec![m]))?;
        let sha256 = youxiang_store::attachment_id(&bytes);
        let record = WalkNetwork {
            name: name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(&file)
                .to_string(),
            file: file.clone(),
            sha256: sha256.clone(),
            bytes: bytes.len(),
            loaded_on: self.today(),
            nodes: net.node_count(),
            edges: net.edges.len(),
            walk_ways: 0,
            ferry_ways: usize::from(net.has_ferries()),
            credit: OSM_CREDIT.into(),
        };
        let version = self
            .db()
            .get_record(KIND_NETWORK, CURRENT)
            .await?
            .map(|r| r.version);
        let w = RecordWrite::of(KIND_NETWORK, CURRENT, &record, version, "walk_network.load")?;
        let file_kept = NewAttachment {
            name: file,
            mime: "application/x-protobuf".into(),
            bytes,
        };
        self.db()
            .put_records_with_files(&[w], &[file_kept], login)
            .await?;
        network_cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sha256, Arc::new(net));
        self.recompute_circle().await?;
        Ok(record)
    }

    /// The kept walking network, if any.
    pub async fn walk_network(&self) -> Result<Option<WalkNetwork>> {
        Ok(match self.db().get_record(KIND_NETWORK, CURRENT).await? {
            Some(r) => Some(r.decode()?),
            None => None,
        })
    }

    /// The network of the kept record, built from its attachment once per process.
    async fn network_for(&self, rec: &WalkNetwork) -> Result<Arc<Network>> {
        if let Some(n) = network_cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&rec.sha256)
        {
            return Ok(Arc::clone(n));
        }
        let (_, bytes) = self
            .db()
            .get_attachment(&rec.sha256)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("路网“{}”的文件不在数据库中", rec.name)))?;
        let file = rec.file.clone();
        let net = tokio::task::spawn_blocking(move || read_network(&bytes, &file))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|m| AppError::Invalid(vec![m]))?;
        let net = Arc::new(net);
        network_cache()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(rec.sha256.clone(), Arc::clone(&net));
        Ok(net)
    }

    /// The circle's configuration (the default when none is kept).
    pub async fn circle_config(&self) -> Result<CircleConfig> {
        Ok(
            match self.db().get_record(KIND_CIRCLE_CONFIG, CURRENT).await? {
                Some(r) => r.decode()?,
                None => CircleConfig::default(),
            },
        )
    }

    /// Sets the circle's configuration (the office or the system administrator): the
    /// basket's profile and the indicators computed from it (each a plan indicator in
    /// per cent, measured as `basket` or a type of the engine); then recomputes.
    pub async fn set_circle_config(&self, login: &str, config: CircleConfig) -> Result<()> {
        self.may_configure_circle(login)?;
        let mut problems = Vec::new();
        if config.profile != REGISTER_PROFILE && Profile::builtin(&config.profile).is_none() {
            problems.push(format!(
                "未知的标准“{}”:可选 {}、{REGISTER_PROFILE}",
                config.profile,
                youxiang_access::profile::BUILTIN_PROFILES.join("、")
            ));
        }
        let types = engine_types();
        {
            let state = self.read();
            for ci in &config.indicators {
                if state.plan.indicator(&ci.indicator).is_none() {
                    problems.push(format!("指标“{}”不在方案中", ci.indicator));
                }
                if ci.measure != "basket" && !types.iter().any(|(c, _)| *c == ci.measure) {
                    problems.push(format!(
                        "指标“{}”的计算口径“{}”无效:写 basket 或设施类型({})",
                        ci.indicator,
                        ci.measure,
                        types
                            .iter()
                            .map(|(c, _)| c.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let version = self
            .db()
            .get_record(KIND_CIRCLE_CONFIG, CURRENT)
            .await?
            .map(|r| r.version);
        let w = RecordWrite::of(
            KIND_CIRCLE_CONFIG,
            CURRENT,
            &config,
            version,
            "circle_config.set",
        )?;
        self.db().put_records(&[w], login).await?;
        self.recompute_circle().await?;
        Ok(())
    }

    /// Gathers the run's inputs for today: the network (if kept), the residents, the open
    /// facilities.
    pub async fn circle_run(&self) -> Result<CircleRun> {
        self.circle_run_on(self.today()).await
    }

    /// Gathers the run's inputs as they stood on `day`: the network (if kept), the
    /// residents (the places' population of `day`'s year, or the kept grid), the facilities
    /// the register has open on `day` by their status dates (`Facility::is_open_on`).
    pub async fn circle_run_on(&self, day: NaiveDate) -> Result<CircleRun> {
        self.circle_runs_on(&[day])
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal("15分钟公共服务圈:没有计算日期".into()))
    }

    /// [`App::circle_run_on`] for several days, reading the network, the grid and the
    /// register once (the runs share the network).
    async fn circle_runs_on(&self, days: &[NaiveDate]) -> Result<Vec<CircleRun>> {
        let (basis, network) = match self.walk_network().await? {
            Some(rec) => (
                Basis::Network {
                    name: rec.name.clone(),
                    sha256: rec.sha256.clone(),
                    loaded_on: rec.loaded_on,
                },
                Some(self.network_for(&rec).await?),
            ),
            None => (
                Basis::StraightLine {
                    detour_factor: circle_settings().detour_factor,
                },
                None,
            ),
        };
        let tree = Arc::clone(&self.read().tree);
        let grid = match self.grid_points().await? {
            Some((rec, points)) => {
                let t = Arc::clone(&tree);
                let (o, left) = tokio::task::spawn_blocking(move || {
                    crate::population_grid::grid_origins(&t, &points)
                })
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
                let year = chrono::Datelike::year(&rec.as_of.unwrap_or(rec.loaded_on));
                Some((rec, o, year, left))
            }
            None => None,
        };
        let register = self.facilities_as_stored().await?;
        let mut runs = Vec::with_capacity(days.len());
        for &day in days {
            let (origins, population_year, grid, grid_left_out) = match &grid {
                Some((rec, o, year, left)) => (o.clone(), *year, Some(rec.clone()), *left),
                None => {
                    let (o, y) = origins_of(&tree, chrono::Datelike::year(&day));
                    (o, y, None, 0)
                }
            };
            let mut facilities = Vec::new();
            let mut register_types = Vec::new();
            let mut at_place_point = 0;
            for r in &register {
                let f = &r.facility;
                let Some(access_type) = f.facility_type.access_type() else {
                    continue;
                };
                if !f.is_open_on(day) {
                    continue;
                }
                let (lon, lat) = match f.location {
                    Some(l) => (l.lon, l.lat),
                    None => match tree.by_code(&f.place).and_then(|p| p.lon.zip(p.lat)) {
                        Some(pt) => {
                            at_place_point += 1;
                            pt
                        }
                        None => continue,
                    },
                };
                register_types.push(f.facility_type);
                facilities.push(AccessFacility {
                    id: f.code.clone(),
                    facility_type: access_type.into(),
                    name: f.name.clone(),
                    lon,
                    lat,
                    capacity: f.capacity.map(|c| f64::from(c.amount)),
                    source: f.source.clone(),
                });
            }
            runs.push(CircleRun {
                basis: basis.clone(),
                network: network.clone(),
                origins,
                facilities,
                register_types,
                population_year,
                at_place_point,
                grid,
                grid_left_out,
            });
        }
        Ok(runs)
    }

    /// Recomputes the circle from the kept network (or the straight-line estimate), the
    /// places and the register, keeps it (`circle` record, audited as `circle.compute` by
    /// 系统) when it changed, and writes the computed indicators. Called after every change
    /// of the register and every network load.
    ///
    /// With computed indicators, the coverage as it stood at the end of the previous year
    /// (31 December: the facilities open that day by the register's status dates, the
    /// residents of that year) is computed too, on the same engine, and written for that
    /// year — the start-of-year figure a place's schedule light needs, so a town is lit,
    /// ranked and supervised from the first year of the indicator.
    pub async fn recompute_circle(&self) -> Result<CircleResult> {
        let config = self.circle_config().await?;
        let day = self.today();
        let (tree, baseline_year) = {
            let s = self.read();
            (Arc::clone(&s.tree), s.plan.baseline_year)
        };
        let year_end =
            NaiveDate::from_ymd_opt(chrono::Datelike::year(&day) - 1, 12, 31).filter(|d| {
                !config.indicators.is_empty() && chrono::Datelike::year(d) >= baseline_year
            });
        let days: Vec<NaiveDate> = std::iter::once(day).chain(year_end).collect();
        let mut runs = self.circle_runs_on(&days).await?.into_iter();
        let run = runs
            .next()
            .ok_or_else(|| AppError::Internal("15分钟公共服务圈:没有计算日期".into()))?;
        let before = runs.next().zip(year_end);
        let profile = profile_named(&config.profile, &run)?;
        let (result, year_end_result) = tokio::task::spawn_blocking(move || {
            // One engine (one snap index of the network) for both days; the same basket.
            let engine = engine_of(&run, circle_settings())?;
            let now = compute_with(&engine, &run, &tree, &profile, day)?;
            let then = match &before {
                Some((b, d)) => Some(compute_with(&engine, b, &tree, &profile, *d)?),
                None => None,
            };
            Ok::<_, AppError>((now, then))
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
        let stored = self.db().get_record(KIND_CIRCLE, CURRENT).await?;
        let same = stored
            .as_ref()
            .is_some_and(|r| r.decode::<CircleResult>().is_ok_and(|old| old == result));
        if !same {
            let w = RecordWrite::of(
                KIND_CIRCLE,
                CURRENT,
                &result,
                stored.map(|r| r.version),
                "circle.compute",
            )?
            .note(COMPUTED_SOURCE);
            self.db().put_records(&[w], "system").await?;
        }
        self.write_circle_indicators(&config, &result, year_end_result.as_ref())
            .await?;
        Ok(result)
    }

    /// Writes the configured indicators' values from `result` for the day's year and, when
    /// given, from `year_end` (the previous year's 31 December, reconstructed from the
    /// register's dates) for that year, at every place of the indicator's reporting level
    /// that has residents, in one store transaction (unchanged values are left alone by the
    /// store; a year outside the plan's years is not written).
    async fn write_circle_indicators(
        &self,
        config: &CircleConfig,
        result: &CircleResult,
        year_end: Option<&CircleResult>,
    ) -> Result<()> {
        if config.indicators.is_empty() {
            return Ok(());
        }
        let mut figures = Vec::new();
        if let Some(before) = year_end {
            let comment = format!(
                "15分钟公共服务圈计算({},按设施登记的启用与停用日期推算{}年末)",
                before.basis.label_zh(),
                chrono::Datelike::year(&before.computed_on)
            );
            figures.extend(self.circle_figures(config, before, &comment)?);
        }
        let comment = format!(
            "15分钟公共服务圈计算({},{})",
            result.basis.label_zh(),
            result.computed_on
        );
        figures.extend(self.circle_figures(config, result, &comment)?);
        // Official at once, in one store transaction (a person's figure is kept).
        self.write_computed(figures).await?;
        Ok(())
    }

    /// The configured indicators' figures of `result` for the year of its day (none when
    /// that year is outside the plan's years).
    fn circle_figures(
        &self,
        config: &CircleConfig,
        result: &CircleResult,
        comment: &str,
    ) -> Result<Vec<crate::computed::ComputedFigure>> {
        let year = chrono::Datelike::year(&result.computed_on);
        let (plan, tree) = {
            let s = self.read();
            (Arc::clone(&s.plan), Arc::clone(&s.tree))
        };
        if !(plan.baseline_year..=plan.final_year()).contains(&year) {
            return Ok(Vec::new());
        }
        let period = youxiang_core::period::Period::year_of(year)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        let root = tree.id(&plan.place);
        let mut figures = Vec::new();
        for ci in &config.indicators {
            let Some(ind) = plan.indicator(&ci.indicator) else {
                continue;
            };
            for p in &result.places {
                let Some(id) = tree.id(&p.place) else {
                    continue;
                };
                if root.is_some_and(|r| !tree.is_within(id, r))
                    || ind.report_level.is_some_and(|l| tree.get(id).level > l)
                {
                    continue;
                }
                let Some(v) = result.measure_percent(&p.place, &ci.measure) else {
                    continue;
                };
                figures.push(crate::computed::ComputedFigure {
                    indicator: ci.indicator.clone(),
                    place: p.place.clone(),
                    period,
                    component: youxiang_core::value::Component::Value,
                    value: v,
                    comment: comment.to_string(),
                });
            }
        }
        Ok(figures)
    }

    /// The kept circle; computed (not kept) when none is kept yet.
    pub async fn circle(&self, login: &str) -> Result<CircleResult> {
        self.user(login)?;
        match self.db().get_record(KIND_CIRCLE, CURRENT).await? {
            Some(r) => Ok(r.decode()?),
            None => {
                let run = self.circle_run().await?;
                let profile = profile_named(&self.circle_config().await?.profile, &run)?;
                let tree = Arc::clone(&self.read().tree);
                compute(&run, &tree, &profile, self.today())
            }
        }
    }

    /// Place × register facility type → the nearest open facility of the type from the
    /// place's own point (walking minutes, metres and its code), on the kept network, else
    /// the straight-line estimate — with the basis. Every place with a point, every type.
    pub async fn circle_nearest(&self, login: &str) -> Result<NearestTable> {
        self.user(login)?;
        self.nearest_on(self.today()).await
    }

    /// The one reach estimate of the platform: place × register type → the nearest
    /// facility open on `day`, on the kept network, else the straight-line estimate (the
    /// circle's detour factor and walking speed). The circle's nearest table and the
    /// evidence of 服务达标 (`App::compliance_reach`) are both this computation, so the
    /// two pages never disagree on whether a facility is within reach.
    pub async fn nearest_on(&self, day: NaiveDate) -> Result<NearestTable> {
        let run = self.circle_run().await?;
        let tree = Arc::clone(&self.read().tree);
        let register = self.facilities_as_stored().await?;
        let basis = run.basis.clone();
        tokio::task::spawn_blocking(move || nearest_table(&run, &tree, &register, day))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map(|rows| NearestTable { basis, rows })
    }

    /// Greedy siting (maximal covering) of `k` new facilities of the engine's type `kind`
    /// in each town (or only `town`), candidates at the town's resident points.
    pub async fn circle_sites(
        &self,
        login: &str,
        kind: &str,
        town: Option<&str>,
        k: usize,
    ) -> Result<Vec<TownSites>> {
        self.user(login)?;
        if !engine_types().iter().any(|(c, _)| c == kind) {
            return Err(AppError::NotFound(format!(
                "设施类型“{kind}”不在15分钟圈中"
            )));
        }
        let tree = Arc::clone(&self.read().tree);
        if let Some(t) = town
            && tree.id(t).is_none()
        {
            return Err(AppError::NotFound(format!("地点“{t}”不存在")));
        }
        let run = self.circle_run().await?;
        let kind = kind.to_string();
        let town = town.map(str::to_string);
        tokio::task::spawn_blocking(move || sites(&run, &tree, &kind, town.as_deref(), k))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
    }
}

/// The nearest facility of every register type from every place's point.
fn nearest_table(
    run: &CircleRun,
    tree: &PlaceTree,
    register: &[crate::facilities::RegisteredFacility],
    today: NaiveDate,
) -> Result<Vec<NearestFacility>> {
    let settings = Settings {
        horizon_minutes: Some(f64::INFINITY),
        ..circle_settings()
    };
    let engine = engine_of(run, settings)?;
    let origins: Vec<Origin> = tree
        .places()
        .iter()
        .filter_map(|p| {
            Some(Origin {
                id: p.code.clone(),
                place: Some(p.code.clone()),
                lon: p.lon?,
                lat: p.lat?,
                population: 1.0,
            })
        })
        .collect();
    // Every open located facility by its register type (those the engine does not know too).
    let facilities: Vec<AccessFacility> = register
        .iter()
        .map(|r| &r.facility)
        .filter(|f| f.is_open_on(today))
        .filter_map(|f| {
            let (lon, lat) = match f.location {
                Some(l) => (l.lon, l.lat),
                None => tree.by_code(&f.place).and_then(|p| p.lon.zip(p.lat))?,
            };
            Some(AccessFacility {
                id: f.code.clone(),
                facility_type: f.facility_type.code().to_string(),
                name: f.name.clone(),
                lon,
                lat,
                capacity: None,
                source: String::new(),
            })
        })
        .collect();
    let codes: Vec<String> = FacilityType::all()
        .iter()
        .map(|t| t.code().to_string())
        .collect();
    let report = engine
        .coverage(
            &origins,
            &facilities,
            &Profile::circle(CIRCLE_MINUTES, &codes),
            &|_, _| {},
        )
        .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
    let mut rows = Vec::new();
    for o in &report.origins {
        for (t, r) in FacilityType::all().iter().zip(&o.types) {
            rows.push(NearestFacility {
                place: o.id.clone(),
                facility_type: *t,
                minutes: r.minutes,
                distance_m: r.distance_m,
                facility: r.facility.clone(),
            });
        }
    }
    Ok(rows)
}

/// Greedy siting per town for one engine type.
fn sites(
    run: &CircleRun,
    tree: &PlaceTree,
    kind: &str,
    only: Option<&str>,
    k: usize,
) -> Result<Vec<TownSites>> {
    let engine = engine_of(run, circle_settings())?;
    let rule = youxiang_access::Rule::within_min(kind, kind, CIRCLE_MINUTES);
    let town_of = |code: &str| -> Option<PlaceId> {
        let id = tree.id(code)?;
        std::iter::once(id)
            .chain(tree.ancestors(id))
            .find(|a| tree.get(*a).level == youxiang_core::place::Level::Town)
    };
    let mut by_town: BTreeMap<usize, Vec<Origin>> = BTreeMap::new();
    for o in &run.origins {
        if let Some(t) = o.place.as_deref().and_then(town_of) {
            by_town.entry(t.index()).or_default().push(o.clone());
        }
    }
    let mut out = Vec::new();
    for id in tree.ids() {
        let Some(origins) = by_town.get(&id.index()) else {
            continue;
        };
        let town = &tree.get(id).code;
        if only.is_some_and(|o| o != town) {
            continue;
        }
        let candidates: Vec<Candidate> = youxiang_access::candidates_from_origins(origins);
        let rep = engine
            .site(origins, &run.facilities, &rule, &candidates, k)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?;
        out.push(TownSites {
            town: town.clone(),
            facility_type: kind.to_string(),
            population: rep.population,
            share_before: rep.share_before,
            picks: rep
                .picks
                .iter()
                .filter(|p| p.added_population > 0.0)
                .map(|p| SiteSuggestion {
                    rank: p.rank,
                    place: p.id.clone(),
                    lon: p.lon,
                    lat: p.lat,
                    added_population: p.added_population,
                    share_after: p.share_after,
                })
                .collect(),
        });
    }
    Ok(out)
}

impl App {
    /// After a change of the register: the circle recomputed. The change is committed
    /// already, so a failure of the computation does not undo it; it is logged to standard
    /// error and the kept circle (with its day and inputs) stays as it was.
    pub(crate) async fn circle_after_register_change(&self) {
        if let Err(e) = self.recompute_circle().await {
            eprintln!("15分钟公共服务圈未能重算:{e}");
        }
    }
}
