//! `youxiang facilities list|show|import|export|set`: the register of facilities (设施名录)
//! — where the basic public services are delivered, with type, place, location, capacity,
//! status and dates, and the catalogue items each delivers.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use youxiang_app::facilities::FacilityFilter;
use youxiang_core::facilities::{
    Capacity, CapacityUnit, Facility, FacilityStatus, FacilityType, Location,
};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum FacilitiesCmd {
    /// The register, by place and code (filter by type and by place, e.g. a town).
    List {
        /// A type's code or Chinese name (幼儿园, canteen …).
        #[arg(long = "type")]
        facility_type: Option<FacilityType>,
        /// A place's code: facilities at it or below it.
        #[arg(long)]
        place: Option<String>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// One facility with its audited history.
    Show {
        code: String,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Reads a register (CSV, xlsx or GeoJSON Point features: 设施编码, 设施名称, 设施类型,
    /// 所属地点, 经度, 纬度, 容量, 容量单位, 状态, 启用日期, 关闭日期, 服务项目, 来源, 备注):
    /// all facilities or none.
    Import {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Writes the register as xlsx (a `.csv` name: CSV; `.geojson`/`.json`: GeoJSON),
    /// readable by `facilities import`.
    Export {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Adds a facility, or changes the stored one with this code (the fields given replace
    /// the stored ones; a status moves forward only: planned → open → closed).
    Set {
        code: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long = "type")]
        facility_type: Option<FacilityType>,
        /// The place's code (or its unique name).
        #[arg(long)]
        place: Option<String>,
        /// Longitude and latitude (WGS84), e.g. `--at 122.10,30.02`.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        capacity: Option<u32>,
        #[arg(long)]
        capacity_unit: Option<CapacityUnit>,
        /// planned (规划中), open (运行中) or closed (已关闭).
        #[arg(long)]
        status: Option<FacilityStatus>,
        #[arg(long)]
        opened: Option<NaiveDate>,
        #[arg(long)]
        closed: Option<NaiveDate>,
        /// Catalogue item codes, comma-separated (replaces the stored ones).
        #[arg(long)]
        items: Option<String>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
}

fn parse_at(at: &str) -> Result<Location> {
    let Some((lon, lat)) = at.split_once([',', ',']) else {
        bail!("--at 应写作 经度,纬度(例如 122.10,30.02)");
    };
    let lon: f64 = lon.trim().parse().context("经度不是数字")?;
    let lat: f64 = lat.trim().parse().context("纬度不是数字")?;
    Ok(Location { lon, lat })
}

fn write_file(file: &PathBuf, facilities: &[Facility]) -> Result<()> {
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match ext.as_str() {
        "csv" => youxiang_ingest::write_facilities_csv(facilities),
        "geojson" | "json" => Ok(youxiang_ingest::write_facilities_geojson(facilities)),
        _ => youxiang_ingest::write_facilities_xlsx(facilities),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::fs::write(file, bytes).with_context(|| format!("写入 {}", file.display()))
}

pub fn run(db: &str, cmd: FacilitiesCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            FacilitiesCmd::List {
                facility_type,
                place,
                actor,
                json,
            } => {
                let list = app
                    .facilities(
                        &actor.login,
                        &FacilityFilter {
                            facility_type,
                            place,
                        },
                    )
                    .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                    return Ok(());
                }
                let names = {
                    let state = app.read();
                    state
                        .tree
                        .places()
                        .iter()
                        .map(|p| (p.code.clone(), p.name.clone()))
                        .collect::<std::collections::HashMap<_, _>>()
                };
                let mut t = Table::new(&[
                    ("编码", Align::Left),
                    ("名称", Align::Left),
                    ("类型", Align::Left),
                    ("地点", Align::Left),
                    ("容量", Align::Right),
                    ("状态", Align::Left),
                ]);
                for r in &list {
                    let f = &r.facility;
                    t.row(vec![
                        f.code.clone(),
                        f.name.clone(),
                        f.facility_type.label_zh().into(),
                        names
                            .get(&f.place)
                            .cloned()
                            .unwrap_or_else(|| f.place.clone()),
                        f.capacity
                            .map(|c| format!("{} {}", c.amount, c.unit.label_zh()))
                            .unwrap_or_default(),
                        f.status.label_zh().into(),
                    ]);
                }
                print!("{}", t.render());
                println!("共 {} 个设施", list.len());
            }
            FacilitiesCmd::Show { code, actor, json } => {
                let f = app.facility(&actor.login, &code).await?;
                let history = app.facility_history(&actor.login, &code).await?;
                if json {
                    let doc = serde_json::json!({ "facility": f, "history": history });
                    println!("{}", serde_json::to_string_pretty(&doc)?);
                    return Ok(());
                }
                let x = &f.facility;
                println!("{} {}(第 {} 版)", x.code, x.name, f.version);
                println!("类型:{}", x.facility_type.label_zh());
                println!("地点:{}", x.place);
                if let Some(l) = x.location {
                    println!("位置:经度 {},纬度 {}(WGS84)", l.lon, l.lat);
                }
                if let Some(c) = x.capacity {
                    println!("容量:{} {}", c.amount, c.unit.label_zh());
                }
                println!("状态:{}", x.status.label_zh());
                if let Some(d) = x.opened {
                    println!("启用日期:{d}");
                }
                if let Some(d) = x.closed {
                    println!("关闭日期:{d}");
                }
                if !x.items.is_empty() {
                    println!("服务项目:{}", x.items.join("、"));
                }
                if !x.source.is_empty() {
                    println!("来源:{}", x.source);
                }
                println!("变更记录:");
                for h in &history {
                    println!(
                        "  {} {} {}{}",
                        youxiang_core::china_time::beijing(h.at).format("%Y-%m-%d %H:%M"),
                        h.actor,
                        if h.action == "facility.add" {
                            "新增"
                        } else {
                            "修改"
                        },
                        h.reason
                            .as_deref()
                            .map(|r| format!("({r})"))
                            .unwrap_or_default()
                    );
                }
            }
            FacilitiesCmd::Import { file, actor } => {
                let (bytes, name) = crate::infile::read(&file)?;
                let facilities = youxiang_ingest::read_facilities(&bytes, &name)
                    .map_err(|errors| crate::infile::refused(&name, "设施", &errors))?;
                let done = app.import_facilities(&actor.login, facilities).await?;
                println!(
                    "已导入设施名录:新增 {} 个,修改 {} 个,未变 {} 个",
                    done.added, done.changed, done.unchanged
                );
            }
            FacilitiesCmd::Export { file, actor } => {
                let list: Vec<Facility> = app
                    .facilities(&actor.login, &FacilityFilter::default())
                    .await?
                    .into_iter()
                    .map(|r| r.facility)
                    .collect();
                write_file(&file, &list)?;
                println!("已写出 {}({} 个设施)", file.display(), list.len());
            }
            FacilitiesCmd::Set {
                code,
                name,
                facility_type,
                place,
                at,
                capacity,
                capacity_unit,
                status,
                opened,
                closed,
                items,
                source,
                note,
                actor,
            } => {
                let current = match app.facility(&actor.login, &code).await {
                    Ok(f) => Some(f),
                    Err(youxiang_app::AppError::NotFound(_)) => None,
                    Err(e) => return Err(e.into()),
                };
                let version = current.as_ref().map(|c| c.version);
                let mut f = match current {
                    Some(c) => c.facility,
                    None => {
                        let (Some(name), Some(facility_type), Some(place)) =
                            (name.clone(), facility_type, place.clone())
                        else {
                            bail!("新设施须给出 --name、--type 和 --place");
                        };
                        Facility {
                            code: code.clone(),
                            name,
                            facility_type,
                            place,
                            location: None,
                            capacity: None,
                            status: FacilityStatus::Planned,
                            opened: None,
                            closed: None,
                            items: Vec::new(),
                            source: String::new(),
                            note: String::new(),
                        }
                    }
                };
                if let Some(v) = name {
                    f.name = v;
                }
                if let Some(v) = facility_type {
                    f.facility_type = v;
                }
                if let Some(v) = place {
                    f.place = v;
                }
                if let Some(v) = at {
                    f.location = Some(parse_at(&v)?);
                }
                if let Some(amount) = capacity {
                    let unit = capacity_unit
                        .or(f.capacity.map(|c| c.unit))
                        .unwrap_or(f.facility_type.usual_capacity_unit());
                    f.capacity = Some(Capacity { amount, unit });
                } else if let (Some(unit), Some(c)) = (capacity_unit, f.capacity.as_mut()) {
                    c.unit = unit;
                }
                if let Some(v) = status {
                    f.status = v;
                }
                if opened.is_some() {
                    f.opened = opened;
                }
                if closed.is_some() {
                    f.closed = closed;
                }
                if let Some(v) = items {
                    f.items = v
                        .split([',', ',', ';', ';', '、'])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect();
                }
                if let Some(v) = source {
                    f.source = v;
                }
                if let Some(v) = note {
                    f.note = v;
                }
                let saved = app.save_facility(&actor.login, f, version).await?;
                println!(
                    "已{}设施 {} {}(第 {} 版)",
                    if version.is_some() {
                        "修改"
                    } else {
                        "登记"
                    },
                    saved.facility.code,
                    saved.facility.name,
                    saved.version
                );
            }
        }
        Ok(())
    })
}
