//! The commands that work on a database: init, places, values, status, explain,
//! completeness, audit and demo. Each opens the database named by `--db` and goes through
//! `youxiang_app::App`, the one write path.

use anyhow::{Context, Result, bail};
use chrono::{NaiveDate, NaiveDateTime};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

use youxiang_app::AuditFilter;
use youxiang_app::{
    AWAITING_FIRST, App, Reader, StatusFilter, UploadStep, mark_milestone_tracks, status_rows,
};
use youxiang_core::completeness::{DEFAULT_DUE_DAYS, Window};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;
use youxiang_core::place::Place;
use youxiang_ingest::ReadLimits;

use crate::plan_cmd::load_plan;
use crate::table::{Align, Table};

/// The database used when `--db` is not given: a SQLite file in the current folder.
pub const DEFAULT_DB: &str = "sqlite://youxiang.db";

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// A places file (CSV or xlsx: code, name, level, parent, lon, lat, population_YYYY).
    #[arg(long)]
    pub places: Option<PathBuf>,
    /// Import the national divisions from this folder (provinces/cities/areas/streets.csv).
    #[arg(long, conflicts_with = "places")]
    pub divisions: Option<PathBuf>,
    /// With --divisions: only this province (e.g. 33 for Zhejiang).
    #[arg(long, requires = "divisions")]
    pub province: Option<String>,
}

#[derive(clap::Subcommand, Debug)]
pub enum PlacesCmd {
    /// Import places (a villages file, or a whole hierarchy); all or nothing.
    Import {
        /// A places file (CSV or xlsx).
        file: Option<PathBuf>,
        /// Import the national divisions from this folder instead.
        #[arg(long, conflicts_with = "file")]
        divisions: Option<PathBuf>,
        #[arg(long, requires = "divisions")]
        province: Option<String>,
    },
    /// Print the hierarchy (or the part under --place) with population.
    Show {
        #[arg(long)]
        place: Option<String>,
        /// How many levels below the place to show.
        #[arg(long, default_value_t = 1)]
        depth: u16,
        #[arg(long)]
        json: bool,
    },
    /// Place boundaries for the maps (GeoJSON keyed by place code): import, show.
    #[command(subcommand)]
    Boundaries(crate::boundaries_cmd::BoundariesCmd),
}

#[derive(clap::Subcommand, Debug)]
pub enum ValuesCmd {
    /// Upload a values file (CSV in UTF-8 / UTF-8 with BOM / GBK, or xlsx); all or nothing.
    Import {
        file: PathBuf,
        /// The user the upload is made as (their scope is checked).
        #[arg(long = "as", default_value = youxiang_app::ADMIN_LOGIN)]
        login: String,
        #[command(flatten)]
        limits: LimitArgs,
    },
    /// Write a user's Excel (or CSV) template with their places and indicators prefilled.
    Template {
        #[arg(long = "as")]
        login: String,
        /// Periods, comma-separated (2025-09, 2025Q3, 2025 …); each indicator gets those of
        /// its own frequency.
        #[arg(long, value_delimiter = ',', required = true)]
        period: Vec<Period>,
        /// Output file; `.csv` writes UTF-8 with BOM, anything else xlsx.
        #[arg(long, short)]
        out: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// Place code (default: the plan's own place).
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub year: Option<i32>,
    /// As of a period within the year (2025-06, 2025Q2 …).
    #[arg(long)]
    pub period: Option<Period>,
    /// Domain code (YY …) or name (幼有善育 …).
    #[arg(long)]
    pub domain: Option<String>,
    /// Include the targets from the key tasks.
    #[arg(long)]
    pub all: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    pub indicator: String,
    pub place: String,
    pub period: Period,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct CompletenessArgs {
    /// First day of the window (default: 1 January of the as-of year).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day of the window (default: the as-of date).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// Judge as of this date (default: today).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Days after a period's end a report is due.
    #[arg(long, default_value_t = DEFAULT_DUE_DAYS)]
    pub due_days: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub cmd: Option<AuditCmd>,
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub indicator: Option<String>,
    #[arg(long)]
    pub actor: Option<String>,
    /// From this date or time (UTC): 2025-07-01 or 2025-07-01T08:00:00.
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum AuditCmd {
    /// Recompute the hash chain, replay every value's audited state against the table, and
    /// report any edited, added or deleted row; with --anchor, also prove that nothing
    /// audited before the anchor was removed or rewritten.
    Verify {
        /// An anchor file written by `audit anchor`.
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
        #[command(flatten)]
        key: AnchorKey,
    },
    /// Write the audit trail's head, signed with the anchor key, to a file kept outside
    /// the database.
    Anchor {
        #[arg(long)]
        out: std::path::PathBuf,
        #[command(flatten)]
        key: AnchorKey,
    },
}

/// The anchor key: a file of at least 32 bytes kept away from the database (create one with
/// `head -c 32 /dev/urandom > anchor.key; chmod 600 anchor.key`).
#[derive(clap::Args, Debug)]
pub struct AnchorKey {
    #[arg(long = "key", env = "YOUXIANG_ANCHOR_KEY")]
    pub key: Option<std::path::PathBuf>,
}

impl AnchorKey {
    fn read(&self) -> Result<Vec<u8>> {
        let path = self
            .key
            .as_ref()
            .context("缺少锚定密钥:请用 --key 文件 或环境变量 YOUXIANG_ANCHOR_KEY 指定")?;
        std::fs::read(path).with_context(|| format!("无法读取锚定密钥 {}", path.display()))
    }
}

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Start from an empty database (deletes the SQLite file first).
    #[arg(long)]
    pub fresh: bool,
    /// Set up the database only; do not start the web server.
    #[arg(long)]
    pub no_serve: bool,
    /// Where the web server listens.
    #[arg(long, default_value = "127.0.0.1:8080", env = "YOUXIANG_ADDR")]
    pub addr: std::net::SocketAddr,
}

/// The limits of reading a values file, for `values import` and `serve` (a file over one is
/// refused whole, with a message naming the limit).
#[derive(clap::Args, Debug, Clone)]
pub struct LimitArgs {
    /// The largest content of a file once unpacked (an .xlsx's zip entries, a CSV's text), in MB.
    #[arg(long, env = "YOUXIANG_MAX_CONTENT_MB",
        default_value_t = ReadLimits::default().max_content_bytes / (1024 * 1024))]
    pub max_content_mb: u64,
    /// The highest row number a file may fill.
    #[arg(long, env = "YOUXIANG_MAX_ROWS", default_value_t = ReadLimits::default().max_rows)]
    pub max_rows: usize,
    /// The most columns a row may fill.
    #[arg(long, env = "YOUXIANG_MAX_COLUMNS", default_value_t = ReadLimits::default().max_columns)]
    pub max_columns: usize,
    /// The most cells a file may make the reader hold (each row up to its last filled cell).
    #[arg(long, env = "YOUXIANG_MAX_CELLS", default_value_t = ReadLimits::default().max_cells)]
    pub max_cells: usize,
    /// The errors listed for a refused file; the rest are counted.
    #[arg(long, env = "YOUXIANG_MAX_ERRORS", default_value_t = ReadLimits::default().max_errors)]
    pub max_errors: usize,
}

impl LimitArgs {
    pub fn read_limits(&self) -> ReadLimits {
        ReadLimits {
            max_content_bytes: self.max_content_mb.saturating_mul(1024 * 1024),
            max_rows: self.max_rows,
            max_columns: self.max_columns,
            max_cells: self.max_cells,
            max_errors: self.max_errors,
            ..ReadLimits::default()
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("无法启动异步运行时")
}

/// Opens the database as the command line: every audit row it appends is marked
/// `cli:<os-user>@<host>`.
pub(crate) async fn open(db: &str) -> Result<App> {
    App::open_with_origin(db, Some(crate::origin::cli_origin()))
        .await
        .with_context(|| format!("无法打开数据库 {db}"))
}

fn read_places_file(path: &Path) -> Result<Vec<Place>> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("places");
    youxiang_ingest::read_places(&bytes, name).map_err(|errors| errors_to_anyhow(&errors))
}

fn read_divisions(dir: &Path, province: Option<&str>) -> Result<Vec<Place>> {
    youxiang_ingest::read_divisions(dir, province).map_err(|errors| errors_to_anyhow(&errors))
}

fn errors_to_anyhow(errors: &[youxiang_ingest::IngestError]) -> anyhow::Error {
    let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
    anyhow::anyhow!(
        "有 {} 处错误,未写入任何数据:\n{}",
        errors.len(),
        lines.join("\n")
    )
}

pub fn run_init(db: &str, plan_file: Option<&Path>, args: InitArgs) -> Result<()> {
    let plan = load_plan(plan_file)?;
    let places = match (&args.places, &args.divisions) {
        (Some(f), _) => read_places_file(f)?,
        (None, Some(d)) => read_divisions(d, args.province.as_deref())?,
        (None, None) => Vec::new(),
    };
    let n = places.len();
    runtime()?.block_on(async {
        App::init_with_origin(db, &plan, places, "cli", Some(crate::origin::cli_origin())).await?;
        println!(
            "已初始化 {db}:方案“{}”第{}版,{} 个地点;管理员账号 {}",
            plan.name,
            plan.version,
            n,
            youxiang_app::ADMIN_LOGIN
        );
        Ok(())
    })
}

pub fn run_places(db: &str, cmd: PlacesCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            PlacesCmd::Import {
                file,
                divisions,
                province,
            } => {
                let places = match (file, divisions) {
                    (Some(f), _) => read_places_file(&f)?,
                    (None, Some(d)) => read_divisions(&d, province.as_deref())?,
                    (None, None) => bail!("请给出地点文件,或用 --divisions 指定区划目录"),
                };
                let n = app.save_places(places, "cli").await?;
                println!("已导入 {n} 个地点(全部成功)");
            }
            PlacesCmd::Boundaries(cmd) => crate::boundaries_cmd::run(&app, cmd).await?,
            PlacesCmd::Show { place, depth, json } => {
                let state = app.read();
                let tree = &state.tree;
                let root = match &place {
                    Some(code) => tree
                        .id(code)
                        .with_context(|| format!("地点“{code}”不存在"))?,
                    None => tree
                        .id(&state.plan.place)
                        .or_else(|| tree.roots().next())
                        .context("还没有导入任何地点")?,
                };
                let base = tree.depth(root);
                let shown: Vec<_> = tree
                    .subtree(root)
                    .into_iter()
                    .filter(|p| tree.depth(*p) - base <= depth)
                    .collect();
                if json {
                    let list: Vec<&Place> = shown.iter().map(|p| tree.get(*p)).collect();
                    println!("{}", serde_json::to_string_pretty(&list)?);
                    return Ok(());
                }
                let year = state.plan.target_years.first().copied().unwrap_or(2023);
                let mut t = Table::new(&[
                    ("编码", Align::Left),
                    ("名称", Align::Left),
                    ("层级", Align::Left),
                    ("下级数", Align::Right),
                    ("人口(人)", Align::Right),
                ]);
                for p in &shown {
                    let place = tree.get(*p);
                    let indent = "  ".repeat((tree.depth(*p) - base) as usize);
                    t.row(vec![
                        place.code.clone(),
                        format!("{indent}{}", place.name),
                        place.level.label_zh().into(),
                        tree.children(*p).len().to_string(),
                        tree.population(*p, year)
                            .map(|v| format!("{v:.0}"))
                            .unwrap_or_else(|| "—".into()),
                    ]);
                }
                println!("{}(人口为 {year} 年)", tree.path_names(root));
                print!("{}", t.render());
            }
        }
        Ok(())
    })
}

pub fn run_values(db: &str, cmd: ValuesCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = std::sync::Arc::new(open(db).await?);
        match cmd {
            ValuesCmd::Import {
                file,
                login,
                limits,
            } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
                let name = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("values")
                    .to_string();
                let bar = ProgressBar::new(4);
                bar.set_style(
                    ProgressStyle::with_template("{spinner} [{bar:20}] {pos}/{len} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                let shown = bar.clone();
                let result = app
                    .upload(&login, bytes, &name, &limits.read_limits(), move |step| {
                        let (n, msg) = match step {
                            UploadStep::Read => (0, "读取文件"),
                            UploadStep::Validate => (1, "校验"),
                            UploadStep::Store => (2, "写入数据库(单一事务)"),
                            UploadStep::Evaluate => (3, "更新汇总与状态"),
                        };
                        shown.set_position(n);
                        shown.set_message(msg);
                    })
                    .await;
                bar.finish_and_clear();
                let report = result?;
                for w in &report.warnings {
                    eprintln!("{w}");
                }
                println!(
                    "上传成功:{} 条数据有变化,{} 条与已存数据相同;{} 个地点的汇总与状态已更新{}",
                    report.changed,
                    report.unchanged,
                    report.places_updated,
                    if report.warnings.is_empty() {
                        String::new()
                    } else {
                        format!(";{} 条提醒(见上)", report.warnings.len())
                    }
                );
            }
            ValuesCmd::Template { login, period, out } => {
                let state = app.read();
                let who = state
                    .reporter(&login)
                    .with_context(|| format!("用户“{login}”不存在"))?;
                let csv = out
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                let bytes = if csv {
                    youxiang_ingest::write_template_csv(&state.plan, &state.tree, who, &period)
                } else {
                    youxiang_ingest::write_template(&state.plan, &state.tree, who, &period)
                }
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                std::fs::write(&out, bytes)
                    .with_context(|| format!("无法写入 {}", out.display()))?;
                println!("已写出 {} 的填报模板:{}", who.name, out.display());
            }
        }
        Ok(())
    })
}

/// A figure beside its target: [`fmt_value`]'s precision, with the digits that keep a
/// miss visible (82.4484 against 82.45 is `82.448`).
fn fmt_value_vs(v: Option<f64>, target: &str) -> String {
    match v {
        Some(x) if x.is_finite() => {
            let t = youxiang_core::Target::parse(target).ok();
            youxiang_core::value::show_value(x, t.as_ref(), if x.abs() >= 1000.0 { 0 } else { 2 })
        }
        _ => fmt_value(v),
    }
}

fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) => {
            let s = format!("{v:.2}");
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
    }
}

fn light_mark(l: Light) -> String {
    let icon = match l {
        Light::Green => "●",
        Light::Yellow => "▲",
        Light::Red => "■",
        Light::Grey => "○",
    };
    format!("{icon} {}", l.label_zh())
}

pub fn run_status(db: &str, args: StatusArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        // Read before the state's guard is taken: it waits on the store.
        let tracks = app.milestone_tracks().await?;
        let state = app.read();
        let filter = StatusFilter {
            place: args.place,
            year: args.year,
            period: args.period,
            domain: args.domain,
            all: args.all,
        };
        // At the database itself every row can be read anyway: drafts included.
        let mut rows =
            status_rows(&state, Reader::Live, &filter).map_err(|e| anyhow::anyhow!(e))?;
        mark_milestone_tracks(&state.plan, &mut rows, &tracks);
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
            return Ok(());
        }
        let Some(first) = rows.first() else {
            println!("没有符合条件的指标");
            return Ok(());
        };
        println!(
            "{} {} 年{}指标状态",
            first.place_name,
            first.year,
            filter
                .period
                .map(|p| format!("(截至{})", p.label_zh()))
                .unwrap_or_default()
        );
        let mut t = Table::new(&[
            ("领域", Align::Left),
            ("编码", Align::Left),
            ("指标", Align::Left),
            ("目标", Align::Right),
            ("最新值", Align::Right),
            ("单位", Align::Left),
            ("截至", Align::Left),
            ("序时进度", Align::Left),
            ("落后(百分点,负为超前)", Align::Right),
            ("年度", Align::Left),
            ("进展", Align::Left),
        ]);
        let mut counts = [0usize; 5];
        for r in &rows {
            counts[match r.light {
                Light::Green => 0,
                Light::Yellow => 1,
                Light::Red => 2,
                Light::Grey if r.year_label == AWAITING_FIRST => 4,
                Light::Grey => 3,
            }] += 1;
            t.row(vec![
                r.domain_name.clone(),
                r.indicator.clone(),
                r.name.clone(),
                if r.target.is_empty() {
                    "/".into()
                } else {
                    r.target.clone()
                },
                fmt_value_vs(r.value, &r.target),
                r.unit.clone(),
                match (&r.as_of_note, r.as_of) {
                    (Some(note), _) => note.clone(),
                    (None, Some(p)) => p.to_string(),
                    (None, None) => String::new(),
                },
                light_mark(r.light),
                r.gap.map(|g| format!("{g:.1}")).unwrap_or_default(),
                r.year_label.clone(),
                r.progress.label_zh().into(),
            ]);
        }
        print!("{}", t.render());
        println!(
            "合计:● 达标 {} 项,▲ 预警 {} 项,■ 滞后 {} 项,○ 无数据 {} 项{}",
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            if counts[4] > 0 {
                format!(",{AWAITING_FIRST} {} 项", counts[4])
            } else {
                String::new()
            }
        );
        Ok(())
    })
}

pub fn run_explain(db: &str, args: ExplainArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        // Read before the state is held: the stored parts' 数据来源.
        let provenance = app
            .figure_provenance(
                youxiang_app::Reader::Live,
                &args.indicator,
                &args.place,
                args.period,
            )
            .await?;
        let state = app.read();
        let e = state
            .live
            .explain(&args.indicator, &args.place, args.period)
            .with_context(|| format!("未知指标“{}”或地点“{}”", args.indicator, args.place))?;
        if args.json {
            let mut doc = serde_json::to_value(&e)?;
            if let (Some(obj), Some(p)) = (doc.as_object_mut(), &provenance) {
                obj.insert("data_source".into(), serde_json::to_value(&p.source)?);
                obj.insert("definition".into(), p.definition.clone().into());
            }
            println!("{}", serde_json::to_string_pretty(&doc)?);
            return Ok(());
        }
        println!(
            "{} {}({}),{},{}",
            e.indicator,
            e.indicator_name,
            e.unit,
            e.place_name,
            args.period.label_zh()
        );
        println!("数值:{} {}", fmt_value(e.value), e.unit);
        println!("来源:{}", e.source);
        if let Some(p) = &provenance {
            println!(
                "数据来源:{}",
                p.source
                    .as_ref()
                    .map(|s| s.label_zh())
                    .unwrap_or_else(|| "未注明".into())
            );
            if !p.definition.is_empty() {
                println!("统计口径:{}", p.definition);
            }
        }
        println!("汇总规则:{}", e.rule);
        if !e.parts.is_empty() {
            let mut t = Table::new(&[("下级", Align::Left), ("数值", Align::Right)]);
            for p in &e.parts {
                t.row(vec![format!("{} {}", p.code, p.name), fmt_value(p.value)]);
            }
            print!("{}", t.render());
        }
        println!(
            "年度目标:{}",
            e.target.as_ref().map(|t| t.text.as_str()).unwrap_or("无")
        );
        println!(
            "年度考核:{} —— {}",
            e.year_check.status.label_zh(),
            e.year_check.explanation.formula
        );
        match &e.schedule {
            Some(s) => println!(
                "序时进度:{} —— {}",
                light_mark(s.light),
                s.explanation.formula
            ),
            None => println!("序时进度:○ 无数据或无目标"),
        }
        println!(
            "进展评估:{} —— {}",
            e.progress.status.label_zh(),
            e.progress.explanation.formula
        );
        println!("进展比值(UNSD):{}", e.unsd.explanation.formula);
        println!("末年预测:{}", e.forecast.explanation.formula);
        Ok(())
    })
}

pub fn run_completeness(db: &str, args: CompletenessArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        let today = args.as_of.unwrap_or_else(|| app.today());
        let from = args
            .from
            .or_else(|| NaiveDate::from_ymd_opt(chrono::Datelike::year(&today), 1, 1))
            .context("日期无效")?;
        let to = args.to.unwrap_or(today);
        let rows = app
            .completeness(Window {
                from,
                to,
                today,
                due_days: args.due_days,
            })
            .await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
            return Ok(());
        }
        println!(
            "填报完整性与及时性({from} 至 {to},截至 {today},期末后 {} 天内报送为按时)",
            args.due_days
        );
        let mut t = Table::new(&[
            ("填报人", Align::Left),
            ("单位", Align::Left),
            ("期间", Align::Left),
            ("截止日", Align::Left),
            ("应报", Align::Right),
            ("已报", Align::Right),
            ("按时", Align::Right),
            ("逾期报送", Align::Right),
            ("缺报", Align::Right),
            ("未到期", Align::Right),
            ("完整率", Align::Right),
        ]);
        for r in &rows {
            t.row(vec![
                if r.reporter.is_empty() {
                    r.reporter_name.clone()
                } else {
                    r.reporter.clone()
                },
                r.unit.clone(),
                r.period.to_string(),
                r.due.to_string(),
                r.expected.to_string(),
                r.received.to_string(),
                r.on_time.to_string(),
                r.late.to_string(),
                r.missing.to_string(),
                r.pending.to_string(),
                format!("{:.1}%", r.rate()),
            ]);
        }
        print!("{}", t.render());
        let expected: usize = rows.iter().map(|r| r.expected).sum();
        let received: usize = rows.iter().map(|r| r.received).sum();
        let missing: usize = rows.iter().map(|r| r.missing).sum();
        println!("合计:应报 {expected} 份,已报 {received} 份,缺报 {missing} 份");
        Ok(())
    })
}

fn parse_time(text: &str) -> Result<NaiveDateTime> {
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Ok(t);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .with_context(|| format!("时间“{text}”应写作 2025-07-01 或 2025-07-01T08:00:00"))
}

pub fn run_audit(db: &str, args: AuditArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        if let Some(AuditCmd::Anchor { out, key }) = &args.cmd {
            let anchor = app.audit_anchor(&key.read()?).await?;
            std::fs::write(out, serde_json::to_string_pretty(&anchor)?)
                .with_context(|| format!("无法写入 {}", out.display()))?;
            println!(
                "已锚定审计链头 #{} {} 于 {}(请将此文件保存在数据库之外)",
                anchor.seq,
                anchor.hash,
                out.display()
            );
            return Ok(());
        }
        if let Some(AuditCmd::Verify { anchor, key }) = &args.cmd {
            let mut report = app.audit_verify().await?;
            if let Some(path) = anchor {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("无法读取锚定文件 {}", path.display()))?;
                let anchor: youxiang_app::anchor::Anchor = serde_json::from_str(&text)
                    .with_context(|| format!("锚定文件 {} 无法读取", path.display()))?;
                let problems = app.audit_check_anchor(&anchor, &key.read()?).await?;
                if !problems.is_empty() {
                    report.ok = false;
                    report.problems.extend(problems);
                } else if !args.json {
                    println!("锚定点 #{} 仍在,哈希一致", anchor.seq);
                }
            }
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.ok {
                println!(
                    "审计链完整:共 {} 条记录,链头 #{} {}",
                    report.rows, report.head_seq, report.head_hash
                );
            } else {
                for p in &report.problems {
                    eprintln!("  {p}");
                }
            }
            if !report.ok {
                bail!(
                    "审计链校验失败:发现 {} 处被修改或删除的记录",
                    report.problems.len()
                );
            }
            return Ok(());
        }
        let filter = AuditFilter {
            place: args.place,
            indicator: args.indicator,
            actor: args.actor,
            action: None,
            entity: None,
            since: args.since.as_deref().map(parse_time).transpose()?,
            until: args.until.as_deref().map(parse_time).transpose()?,
            limit: Some(args.limit),
        };
        let rows = app.audit_query(&filter).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&rows)?);
            return Ok(());
        }
        let mut t = Table::new(&[
            ("序号", Align::Right),
            ("时间(UTC)", Align::Left),
            ("操作人", Align::Left),
            ("来源", Align::Left),
            ("操作", Align::Left),
            ("对象", Align::Left),
            ("原值", Align::Left),
            ("新值", Align::Left),
            ("原因", Align::Left),
        ]);
        let short = |s: &Option<String>| {
            let s = s.clone().unwrap_or_default();
            if s.chars().count() > 40 {
                format!("{}…", s.chars().take(40).collect::<String>())
            } else {
                s
            }
        };
        for r in &rows {
            t.row(vec![
                r.seq.to_string(),
                youxiang_core::china_time::beijing(r.at)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                r.actor.clone(),
                crate::origin::label(r.origin.as_deref()),
                r.action.clone(),
                r.entity.clone(),
                short(&r.old),
                short(&r.new),
                r.reason.clone().unwrap_or_default(),
            ]);
        }
        print!("{}", t.render());
        println!("共 {} 条(最新在前)", rows.len());
        Ok(())
    })
}

/// The database file of a `sqlite://` URL, if it is one.
fn sqlite_file(db: &str) -> Option<&str> {
    db.strip_prefix("sqlite://").filter(|p| !p.is_empty())
}

pub fn run_demo(db: &str, plan_file: Option<&Path>, args: DemoArgs) -> Result<()> {
    if args.fresh
        && let Some(file) = sqlite_file(db)
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{file}{suffix}"));
        }
    }
    let plan = load_plan(plan_file)?;
    let places = youxiang_ingest::read_places(DINGHAI_PLACES.as_bytes(), "dinghai-places.csv")
        .map_err(|e| errors_to_anyhow(&e))?;
    runtime()?.block_on(async {
        let app =
            App::init_with_origin(db, &plan, places, "demo", Some(crate::origin::cli_origin()))
                .await?;
        let started = std::time::Instant::now();
        let n = youxiang_demo::load_demo(&app).await?;
        youxiang_demo::load_demo_management(&app).await?;
        crate::assist_cmd::load_demo_register(&app, db).await?;
        println!(
            "演示数据已就绪({}):{db},写入 {n} 条数据,用时 {:.1} 秒",
            youxiang_demo::DEMO_LABEL,
            started.elapsed().as_secs_f64()
        );
        match youxiang_demo::boundaries::load_demo_boundaries(&app).await? {
            Ok(r) => println!(
                "示意边界:{} 个镇街(非法定界线;导入正式边界后替换)",
                r.places.len()
            ),
            Err(why) => println!("示意边界未写入:{why}"),
        }
        let rows = status_rows(&app.read(), Reader::Official, &StatusFilter::default())
            .map_err(|e| anyhow::anyhow!(e))?;
        let count = |l: Light| rows.iter().filter(|r| r.light == l).count();
        println!(
            "定海区 {} 年:● 达标 {} ▲ 预警 {} ■ 滞后 {} ○ 无数据 {}(youxiang status 查看明细)",
            rows.first().map(|r| r.year).unwrap_or_default(),
            count(Light::Green),
            count(Light::Yellow),
            count(Light::Red),
            count(Light::Grey)
        );
        let n = app.set_demo_passwords().await?;
        println!(
            "演示账号 {n} 个(admin、office、viewer、wjj、town-330902003 …),密码均为 {}",
            youxiang_app::accounts::DEMO_PASSWORD
        );
        if args.no_serve {
            return Ok(());
        }
        // What the web does from here is the signed-in users' own: no command-line origin.
        app.set_origin(None);
        let app = std::sync::Arc::new(app);
        app.follow_store();
        youxiang_web::serve_with(app, args.addr, youxiang_web::WebConfig::default()).await
    })
}

/// The Dinghai places, shipped inside the binary so that `youxiang demo` works anywhere.
const DINGHAI_PLACES: &str = include_str!("../../../data/dinghai-places.csv");
