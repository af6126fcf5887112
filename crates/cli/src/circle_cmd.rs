//! `youxiang access network load | circle show|recompute|config|sites | demo-poa`: the
//! 15-minute circle inside the platform — the walking network kept in the database, the
//! coverage per town and village computed from the register of facilities and recomputed
//! on every change, and the Porto Alegre demo on a real network.

use std::path::PathBuf;

use anyhow::{Context, Result};
use youxiang_app::circle::{
    CircleConfig, CircleResult, ComputedIndicator, OSM_CREDIT, engine_types,
};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum NetworkCmd {
    /// Reads an OpenStreetMap extract (.osm.pbf) into a walking network and keeps it in
    /// the database (the file itself, with its name and day), then recomputes the circle.
    Load {
        file: PathBuf,
        /// The network's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// The kept network.
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum CircleCmd {
    /// The kept coverage per town (and with --villages per village).
    Show {
        #[arg(long)]
        villages: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Recomputes the circle now (it is recomputed after every change anyway) and prints
    /// the time it took (the network built from the kept file first, untimed). With
    /// `--close CODE`: closes that facility instead (today) and prints the time of the
    /// register's write and the recompute it triggers.
    Recompute {
        /// A facility's code: time closing it (the write and its recompute).
        #[arg(long)]
        close: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Sets the basket's profile (gb50180, tdt1062-town, tdt1062-rural, register) and the
    /// indicators computed from the circle (`--indicator C01=basket`, or `=primary_school` …).
    Config {
        #[arg(long)]
        profile: Option<String>,
        /// INDICATOR=MEASURE; MEASURE is `basket` or an engine type. Replaces the list.
        #[arg(long = "indicator")]
        indicators: Vec<String>,
        /// Clears the list of computed indicators.
        #[arg(long)]
        no_indicators: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Publishes the kept coverage (the office only) as the next frozen version for the
    /// public dashboard `/public` and the open data `/open/v1/circle.json|csv`; a
    /// republication must say why (`--note`).
    Publish {
        /// The correction note (required from the second version on).
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Siting suggestions (greedy maximal covering) per town for one engine type.
    Sites {
        #[arg(long = "type")]
        facility_type: String,
        #[arg(long)]
        town: Option<String>,
        #[arg(long, default_value_t = 3)]
        k: usize,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Args, Debug)]
pub struct DemoPoaArgs {
    /// The folder with poa_hexgrid.csv and poa_osm.pbf.
    #[arg(long, default_value = "../shared/data/osm/porto-alegre")]
    pub dir: PathBuf,
    /// Remove an existing SQLite database file first.
    #[arg(long)]
    pub fresh: bool,
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

pub fn run_network(db: &str, cmd: NetworkCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            NetworkCmd::Load { file, name, actor } => {
                let bytes = std::fs::read(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?;
                let t = std::time::Instant::now();
                let n = app
                    .load_walk_network(
                        &actor.login,
                        bytes,
                        &file.to_string_lossy(),
                        name.as_deref(),
                    )
                    .await?;
                println!(
                    "路网“{}”已载入:{} 个节点,{} 条路段,{} 字节(SHA-256 {}),用时 {:.2} 秒;15分钟公共服务圈已重算。{OSM_CREDIT}",
                    n.name,
                    n.nodes,
                    n.edges,
                    n.bytes,
                    &n.sha256[..12],
                    t.elapsed().as_secs_f64()
                );
            }
            NetworkCmd::Show { json } => match app.walk_network().await? {
                Some(n) if json => println!("{}", serde_json::to_string_pretty(&n)?),
                Some(n) => println!(
                    "路网“{}”(文件 {},{} 载入):{} 个节点,{} 条路段。{OSM_CREDIT}",
                    n.name, n.file, n.loaded_on, n.nodes, n.edges
                ),
                None => println!("未载入路网:15分钟公共服务圈按直线估算"),
            },
        }
        Ok(())
    })
}

fn print_circle(c: &CircleResult, villages: bool) {
    println!(
        "15分钟公共服务圈({} 计算)— {}",
        c.computed_on,
        c.basis.label_zh()
    );
    println!(
        "居民点 {} 个,人口 {:.0}({} 年);设施 {} 个;标准 {}:{}",
        c.inputs.residents,
        c.inputs.population,
        c.inputs.population_year,
        c.inputs.facilities,
        c.inputs.profile,
        c.basket.join("、")
    );
    let mut head: Vec<(&str, Align)> = vec![
        ("地点", Align::Left),
        ("人口", Align::Right),
        ("全部达标", Align::Right),
    ];
    head.extend(c.types.iter().map(|t| (t.label.as_str(), Align::Right)));
    let mut t = Table::new(&head);
    for p in &c.places {
        if p.level == "village" && !villages {
            continue;
        }
        let mut row = vec![
            p.name.clone(),
            format!("{:.0}", p.population),
            pct(p.basket_share),
        ];
        row.extend(p.shares.iter().map(|s| pct(*s)));
        t.row(row);
    }
    print!("{}", t.render());
    for n in &c.notes {
        println!("注:{n}");
    }
    println!("{}", c.credit);
}

pub fn run_circle(db: &str, cmd: CircleCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            CircleCmd::Show {
                villages,
                json,
                actor,
            } => {
                let c = app.circle(&actor.login).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&c)?);
                } else {
                    print_circle(&c, villages);
                }
            }
            CircleCmd::Publish { note, json, actor } => {
                let p = app.publish_circle(&actor.login, &note).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&p)?);
                } else {
                    println!(
                        "15分钟公共服务圈已发布第 {} 版({} 计算,{}):{} 个地点;公开页面 /public,开放数据 /open/v1/circle.csv",
                        p.version,
                        p.computed_on,
                        p.basis_zh,
                        p.places.len()
                    );
                    if !p.credit.is_empty() {
                        println!("{}", p.credit);
                    }
                }
            }
            CircleCmd::Recompute { close, actor } => {
                app.circle(&actor.login).await?;
                // The network is built from the kept file once per process: not timed.
                app.circle_run().await?;
                if let Some(code) = close {
                    let f = app
                        .facilities_as_stored()
                        .await?
                        .into_iter()
                        .find(|f| f.facility.code == code)
                        .with_context(|| format!("没有设施 {code}"))?;
                    let mut closed = f.facility.clone();
                    closed.status = youxiang_core::facilities::FacilityStatus::Closed;
                    closed.closed = Some(app.today());
                    let t = std::time::Instant::now();
                    app.save_facility(&actor.login, closed, Some(f.version))
                        .await?;
                    println!(
                        "已关闭设施 {code} 并重算,用时 {:.3} 秒(登记写入 + 重算 + 计算指标写入)",
                        t.elapsed().as_secs_f64()
                    );
                    return Ok(());
                }
                let t = std::time::Instant::now();
                let c = app.recompute_circle().await?;
                println!(
                    "已重算,用时 {:.3} 秒({})",
                    t.elapsed().as_secs_f64(),
                    c.basis.label_zh()
                );
            }
            CircleCmd::Config {
                profile,
                indicators,
                no_indicators,
                actor,
            } => {
                let mut config = app.circle_config().await?;
                if let Some(p) = profile {
                    config.profile = p;
                }
                if no_indicators {
                    config.indicators.clear();
                } else if !indicators.is_empty() {
                    config.indicators = indicators
                        .iter()
                        .map(|s| {
                            let (i, m) = s
                                .split_once('=')
                                .with_context(|| format!("“{s}”应写作 指标=口径"))?;
                            Ok(ComputedIndicator {
                                indicator: i.trim().into(),
                                measure: m.trim().into(),
                            })
                        })
                        .collect::<Result<_>>()?;
                }
                app.set_circle_config(&actor.login, config.clone()).await?;
                print_config(&config);
            }
            CircleCmd::Sites {
                facility_type,
                town,
                k,
                actor,
            } => {
                let label = engine_types()
                    .into_iter()
                    .find(|(c, _)| *c == facility_type)
                    .map(|(_, l)| l)
                    .unwrap_or_default();
                for s in app
                    .circle_sites(&actor.login, &facility_type, town.as_deref(), k)
                    .await?
                {
                    println!("{} {label}:覆盖率 {}", s.town, pct(s.share_before));
                    for p in &s.picks {
                        println!(
                            "  {}. 居民点 {}({:.5},{:.5}):新增覆盖 {:.0} 人,之后 {}",
                            p.rank,
                            p.place,
                            p.lon,
                            p.lat,
                            p.added_population,
                            pct(p.share_after)
                        );
                    }
                }
            }
        }
        Ok(())
    })
}

fn print_config(c: &CircleConfig) {
    println!("标准:{}", c.profile);
    for i in &c.indicators {
        println!("计算指标:{} = {}", i.indicator, i.measure);
    }
}

pub fn run_demo_poa(db: &str, args: DemoPoaArgs) -> Result<()> {
    if args.fresh
        && let Some(file) = db.strip_prefix("sqlite://").filter(|p| !p.is_empty())
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
    }
    runtime()?.block_on(async {
        let t = std::time::Instant::now();
        let app = youxiang_demo::porto_alegre::load_poa(db, &args.dir, "demo")
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        let c = app.circle("office").await?;
        print_circle(&c, false);
        println!(
            "Porto Alegre 路网演示已就绪:{db},用时 {:.1} 秒;账号 office、viewer,密码 {}",
            t.elapsed().as_secs_f64(),
            youxiang_app::accounts::DEMO_PASSWORD
        );
        Ok(())
    })
}
