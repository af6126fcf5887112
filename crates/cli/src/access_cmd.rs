//! `youxiang access coverage | site`: the 15-minute public-service circle (15分钟公共服务圈).
//!
//! Walking times to the nearest facility of each type on an OpenStreetMap network, coverage
//! per type and for the whole basket, the gap map as GeoJSON, and greedy siting of new
//! facilities. Without `--pbf` the straight-line fallback is used and every output says so.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};

use youxiang_access::input::{read_facilities, read_origins_csv};
use youxiang_access::osm::DEFAULT_FERRY_SPEED_KMH;
use youxiang_access::{
    Candidate, CoverageReport, Engine, Facility, FacilityCsvOptions, Network, Origin, OsmOptions,
    Profile, Settings, SiteReport, SnapTo, TagTable, candidates_from_origins, gap_geojson,
    read_pbf,
};

#[derive(clap::Subcommand, Debug)]
pub enum AccessCmd {
    /// 覆盖率: walking time to the nearest facility of each type, coverage per type and basket.
    Coverage(CoverageArgs),
    /// 选址: where new facilities of one type would cover the most uncovered residents.
    Site(SiteArgs),
    /// 路网: the walking network kept in the database (`network load FILE.pbf`).
    #[command(subcommand)]
    Network(crate::circle_cmd::NetworkCmd),
    /// 人口格网: residents of the circle from an imported population grid.
    #[command(subcommand)]
    Population(crate::population_cmd::PopulationCmd),
    /// 15分钟公共服务圈 in the platform: coverage from the register, kept and recomputed.
    #[command(subcommand)]
    Circle(crate::circle_cmd::CircleCmd),
    /// The Porto Alegre demo of the circle on a real network (into --db).
    DemoPoa(crate::circle_cmd::DemoPoaArgs),
}

#[derive(clap::Args, Debug)]
pub struct CommonArgs {
    /// OpenStreetMap extract (.osm.pbf). Without it: straight-line distance × detour factor.
    #[arg(long)]
    pub pbf: Option<PathBuf>,
    /// Residents: CSV with lon, lat and optionally id, population, place (e.g. a hexgrid).
    #[arg(long)]
    pub origins: PathBuf,
    /// Facilities: CSV register (type,name,lon,lat,capacity) or GeoJSON. With
    /// --facility-columns, a grid CSV whose count columns are facility types.
    #[arg(long)]
    pub facilities: Option<PathBuf>,
    /// Count columns of a grid CSV used as facility types, e.g. `schools,healthcare`.
    #[arg(long, value_delimiter = ',')]
    pub facility_columns: Vec<String>,
    /// Also take facilities from OSM tags in the PBF (amenity=school, clinic, …).
    #[arg(long)]
    pub osm_facilities: bool,
    /// OSM tag → facility type table (TOML/JSON) replacing the default.
    #[arg(long)]
    pub tag_table: Option<PathBuf>,
    /// Circle size in minutes (rules of the profile may set their own).
    #[arg(long, default_value_t = 15.0)]
    pub minutes: f64,
    /// Walking speed in km/h.
    #[arg(long, default_value_t = 4.8)]
    pub speed_kmh: f64,
    /// Standard profile: gb50180, tdt1062-town, tdt1062-rural, yiwu-culture-example, or a
    /// TOML/JSON file. Default: every facility type found, within --minutes.
    #[arg(long)]
    pub profile: Option<String>,
    /// Only these facility types (comma separated), when no profile is given.
    #[arg(long, value_delimiter = ',')]
    pub types: Vec<String>,
    /// Points farther than this from the network (metres) are off the network.
    #[arg(long, default_value_t = 1000.0)]
    pub max_snap_m: f64,
    /// Snap to every network node instead of the largest connected component only.
    #[arg(long)]
    pub snap_all_nodes: bool,
    /// Straight-line fallback: network distance ≈ straight distance × this.
    #[arg(long, default_value_t = 1.3)]
    pub detour_factor: f64,
    /// Search horizon in minutes (default: the largest threshold). Times beyond are unknown.
    #[arg(long)]
    pub horizon: Option<f64>,
    /// No search horizon: a time for every reachable origin.
    #[arg(long)]
    pub unbounded: bool,
    /// Ferry speed (km/h) for ferry routes without a duration tag.
    #[arg(long, default_value_t = DEFAULT_FERRY_SPEED_KMH)]
    pub ferry_speed_kmh: f64,
}

#[derive(clap::Args, Debug)]
pub struct CoverageArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Print the full report (every origin) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the gap map (uncovered origins) as GeoJSON to this file.
    #[arg(long)]
    pub geojson: Option<PathBuf>,
    /// The GeoJSON holds every origin, covered or not.
    #[arg(long)]
    pub all_origins: bool,
    /// Write one row per origin (distance, minutes, covered per type) as CSV to this file.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct SiteArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Facility type to site (must match a type in the facilities or the profile).
    #[arg(long = "type")]
    pub facility_type: String,
    /// How many new sites to pick.
    #[arg(long, default_value_t = 5)]
    pub k: usize,
    /// Candidate sites: CSV with id, lon, lat. Default: every origin location.
    #[arg(long)]
    pub candidates: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the picks as GeoJSON points to this file.
    #[arg(long)]
    pub geojson: Option<PathBuf>,
}

pub fn run(db: &str, cmd: AccessCmd) -> Result<()> {
    match cmd {
        AccessCmd::Coverage(a) => coverage(a),
        AccessCmd::Site(a) => site(a),
        AccessCmd::Network(c) => crate::circle_cmd::run_network(db, c),
        AccessCmd::Population(c) => crate::population_cmd::run_population(db, c),
        AccessCmd::Circle(c) => crate::circle_cmd::run_circle(db, c),
        AccessCmd::DemoPoa(a) => crate::circle_cmd::run_demo_poa(db, a),
    }
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// Everything loaded for a run.
struct Loaded {
    network: Option<Network>,
    origins: Vec<Origin>,
    facilities: Vec<Facility>,
    notes: Vec<String>,
    settings: Settings,
}

fn load(c: &CommonArgs) -> Result<Loaded> {
    let settings = Settings {
        speed_kmh: c.speed_kmh,
        minutes: c.minutes,
        horizon_minutes: if c.unbounded {
            Some(f64::INFINITY)
        } else {
            c.horizon
        },
        max_snap_m: c.max_snap_m,
        snap_to: if c.snap_all_nodes {
            SnapTo::AllNodes
        } else {
            SnapTo::LargestComponent
        },
        detour_factor: c.detour_factor,
    };
    settings.validate()?;
    let mut notes = Vec::new();
    let mut facilities = Vec::new();
    let network = match &c.pbf {
        Some(pbf) => {
            let pb = spinner(&format!("读取路网 reading network {}", pbf.display()));
            let t = Instant::now();
            let tags = match &c.tag_table {
                Some(p) => Some(TagTable::load(p)?),
                None => c.osm_facilities.then(TagTable::default),
            };
            let opts = OsmOptions {
                ferry_speed_kmh: c.ferry_speed_kmh,
                facility_tags: tags,
            };
            let data = read_pbf(pbf, &opts)?;
            pb.finish_and_clear();
            eprintln!(
                "路网 network: {} nodes, {} edges ({} walkable ways, {} ferries) in {:.2} s",
                data.network.node_count(),
                data.network.edges.len(),
                data.stats.walk_ways,
                data.stats.ferry_ways,
                t.elapsed().as_secs_f64()
            );
            if c.osm_facilities || c.tag_table.is_some() {
                notes.push(format!(
                    "{} facilities taken from OSM tags",
                    data.facilities.len()
                ));
                facilities.extend(data.facilities);
            }
            Some(data.network)
        }
        None => {
            if c.osm_facilities {
                bail!("--osm-facilities needs --pbf");
            }
            None
        }
    };
    let (origins, on) = read_origins_csv(&c.origins)?;
    notes.extend(on.notes);
    if let Some(f) = &c.facilities {
        let opts = FacilityCsvOptions {
            count_columns: (!c.facility_columns.is_empty()).then(|| c.facility_columns.clone()),
        };
        let (fs, fnotes) = read_facilities(f, &opts)?;
        notes.extend(fnotes.notes);
        facilities.extend(fs);
    }
    if c.facilities.is_none() && !c.osm_facilities && c.tag_table.is_none() {
        bail!("no facilities: give --facilities FILE and/or --osm-facilities with --pbf");
    }
    Ok(Loaded {
        network,
        origins,
        facilities,
        notes,
        settings,
    })
}

fn profile_for(c: &CommonArgs, facilities: &[Facility]) -> Result<Profile> {
    if let Some(p) = &c.profile {
        return Profile::resolve(p).with_context(|| format!("profile '{p}'"));
    }
    let mut types: Vec<String> = if c.types.is_empty() {
        let mut t: Vec<String> = facilities.iter().map(|f| f.facility_type.clone()).collect();
        t.sort();
        t.dedup();
        t
    } else {
        c.types.clone()
    };
    types.retain(|t| !t.trim().is_empty());
    if types.is_empty() {
        bail!(
            "no facility types: the facility inputs are empty and no --types or --profile was given"
        );
    }
    Ok(Profile::circle(c.minutes, &types))
}

fn engine<'a>(l: &'a Loaded) -> Result<Engine<'a>> {
    Ok(match &l.network {
        Some(n) => {
            let pb = spinner("建立吸附索引 indexing nodes");
            let e = Engine::with_network(n, l.settings.clone())?;
            pb.finish_and_clear();
            e
        }
        None => Engine::straight_line(l.settings.clone())?,
    })
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

fn coverage(a: CoverageArgs) -> Result<()> {
    let l = load(&a.common)?;
    let profile = profile_for(&a.common, &l.facilities)?;
    let eng = engine(&l)?;
    let pb = ProgressBar::new(profile.rules.len() as u64);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} 类型 types [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let t = Instant::now();
    let mut report = eng.coverage(&l.origins, &l.facilities, &profile, &|d, _| {
        pb.set_position(d as u64)
    })?;
    pb.finish_and_clear();
    let secs = t.elapsed().as_secs_f64();
    let mut notes = l.notes.clone();
    notes.append(&mut report.notes);
    report.notes = notes;
    if let Some(out) = &a.geojson {
        write_json(out, &gap_geojson(&report, a.all_origins))?;
        eprintln!("缺口图 gap map written to {}", out.display());
    }
    if let Some(out) = &a.csv {
        write_origins_csv(out, &report)?;
        eprintln!("逐点结果 per-origin results written to {}", out.display());
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_coverage(&report, secs);
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per origin: id, place, lon, lat, population, snap_m, then per type
/// `<type>_m`, `<type>_min`, `<type>_covered`, and `basket_covered`. Empty = unknown.
fn write_origins_csv(path: &Path, r: &CoverageReport) -> Result<()> {
    use std::fmt::Write as _;
    let mut s = String::from("id,place,lon,lat,population,snap_m");
    for t in &r.types {
        let n = csv_field(&t.facility_type);
        let _ = write!(s, ",{n}_m,{n}_min,{n}_covered");
    }
    s.push_str(",basket_covered\n");
    let num = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.1}"));
    for o in &r.origins {
        let _ = write!(
            s,
            "{},{},{},{},{},{}",
            csv_field(&o.id),
            csv_field(o.place.as_deref().unwrap_or("")),
            o.lon,
            o.lat,
            o.population,
            num(o.snap.map(|x| x.snap_m))
        );
        for t in &o.types {
            let _ = write!(s, ",{},{},{}", num(t.distance_m), num(t.minutes), t.covered);
        }
        let _ = writeln!(s, ",{}", o.basket_covered);
    }
    std::fs::write(path, s).with_context(|| format!("cannot write {}", path.display()))
}

fn print_coverage(r: &CoverageReport, secs: f64) {
    println!("15分钟公共服务圈 覆盖率 — profile: {}", r.profile);
    println!("方法 method: {}", r.method_note);
    println!(
        "步行速度 speed: {} km/h ({:.0} m/min); 居民点 origins: {}; 人口 population: {:.0}",
        r.settings.speed_kmh,
        r.settings.m_per_min(),
        r.origins_total,
        r.population
    );
    println!();
    println!(
        "{:<24} {:>9} {:>8} {:>6} {:>12} {:>8}",
        "类型 type", "阈值 m", "分钟", "设施", "覆盖人口", "覆盖率"
    );
    for t in &r.types {
        let name = if t.min_count > 1 {
            format!("{} (≥{})", t.label, t.min_count)
        } else {
            t.label.clone()
        };
        println!(
            "{:<24} {:>9.0} {:>8.1} {:>6} {:>12.0} {:>8}",
            name,
            t.threshold_m,
            t.threshold_minutes,
            t.facilities,
            t.covered_population,
            pct(t.share)
        );
    }
    println!(
        "{:<24} {:>9} {:>8} {:>6} {:>12.0} {:>8}",
        "全部 basket",
        "",
        "",
        "",
        r.basket_covered_population,
        pct(r.basket_share)
    );
    println!();
    println!(
        "未覆盖人口 uncovered population: {:.0}",
        r.uncovered_population
    );
    if r.off_network_origins > 0 {
        println!(
            "路网外 off the network: {} origins, {:.0} people (counted as uncovered)",
            r.off_network_origins, r.off_network_population
        );
    }
    if !r.places.is_empty() {
        println!();
        println!(
            "{:<24} {:>12} {:>8} {:>12}",
            "地区 place", "人口", "全部覆盖", "未覆盖人口"
        );
        let mut places: Vec<_> = r.places.iter().collect();
        places.sort_by(|a, b| {
            a.basket_share
                .unwrap_or(1.0)
                .total_cmp(&b.basket_share.unwrap_or(1.0))
        });
        for p in places.iter().take(30) {
            println!(
                "{:<24} {:>12.0} {:>8} {:>12.0}",
                p.place,
                p.population,
                pct(p.basket_share),
                p.uncovered_population
            );
        }
        if places.len() > 30 {
            println!("… {} more places (use --json)", places.len() - 30);
        }
    }
    for n in &r.notes {
        println!("注意 note: {n}");
    }
    println!("计算用时 computed in {secs:.3} s. Map data © OpenStreetMap contributors, ODbL 1.0.");
}

fn read_candidates(path: &Path) -> Result<Vec<Candidate>> {
    let (o, _) = read_origins_csv(path)?;
    Ok(o.into_iter()
        .map(|o| Candidate {
            id: o.id,
            lon: o.lon,
            lat: o.lat,
        })
        .collect())
}

fn site(a: SiteArgs) -> Result<()> {
    let l = load(&a.common)?;
    let profile = profile_for(&a.common, &l.facilities)?;
    let rule = profile
        .rules
        .iter()
        .find(|r| r.matches(&a.facility_type))
        .cloned()
        .unwrap_or_else(|| {
            youxiang_access::Rule::within_min(&a.facility_type, &a.facility_type, a.common.minutes)
        });
    let candidates = match &a.candidates {
        Some(p) => read_candidates(p)?,
        None => candidates_from_origins(&l.origins),
    };
    let eng = engine(&l)?;
    let pb = spinner(&format!("选址 siting over {} candidates", candidates.len()));
    let mut rep = eng.site(&l.origins, &l.facilities, &rule, &candidates, a.k)?;
    pb.finish_and_clear();
    let mut notes = l.notes.clone();
    notes.append(&mut rep.notes);
    rep.notes = notes;
    if let Some(out) = &a.geojson {
        write_json(out, &site_geojson(&rep))?;
        eprintln!("选址结果 picks written to {}", out.display());
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rep)?);
    } else {
        print_site(&rep);
    }
    Ok(())
}

fn print_site(r: &SiteReport) {
    println!(
        "选址 siting: {} within {:.0} m ({:.1} min) — {}",
        r.facility_type, r.threshold_m, r.threshold_minutes, r.method_note
    );
    println!(
        "现状 now: {:.0} of {:.0} people covered ({})",
        r.covered_population_before,
        r.population,
        pct(r.share_before)
    );
    println!(
        "{:>4} {:<20} {:>11} {:>10} {:>12} {:>12} {:>8}",
        "序", "候选 site", "经度 lon", "纬度 lat", "新增覆盖", "累计覆盖", "覆盖率"
    );
    for p in &r.picks {
        println!(
            "{:>4} {:<20} {:>11.6} {:>10.6} {:>12.0} {:>12.0} {:>8}",
            p.rank,
            p.id,
            p.lon,
            p.lat,
            p.added_population,
            p.covered_population_after,
            pct(p.share_after)
        );
    }
    for n in &r.notes {
        println!("注意 note: {n}");
    }
    println!("Map data © OpenStreetMap contributors, ODbL 1.0.");
}

fn site_geojson(r: &SiteReport) -> serde_json::Value {
    let feats: Vec<_> = r
        .picks
        .iter()
        .map(|p| {
            serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "rank": p.rank, "id": p.id, "type": r.facility_type,
                    "added_population": p.added_population,
                    "covered_population_after": p.covered_population_after,
                    "method": r.method_note,
                },
            })
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": feats})
}

fn write_json(path: &Path, v: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string(v)?;
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
