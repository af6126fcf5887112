//! `youxiang assist household list|show|add|import|export`, `assist check`, `assist
//! standard list|preview|apply` and `assist rekey`: the register of households in
//! difficulty (弱有众扶, issue 16 points 1–2) from the command line. Personal data is
//! masked unless revealed with `--reveal REASON` by one holding the right (audited); the
//! key file is `YOUXIANG_ASSIST_KEYS`, else `<sqlite file>.assist-keys`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use youxiang_app::App;
use youxiang_app::assist::{HouseholdFilter, Keyring, keys::key_path_for};
use youxiang_core::assist::register::{Category, Household, HouseholdStatus};
use youxiang_core::assist::rules::{Standard, yuan};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum HouseholdCmd {
    /// The register (masked), by place and id; filter by place, category and status.
    List {
        /// A place's code: households at it or below it.
        #[arg(long)]
        place: Option<String>,
        /// A category's code or Chinese name (低保, 特困供养 …).
        #[arg(long)]
        category: Option<Category>,
        /// applying, active, suspended or exited.
        #[arg(long)]
        status: Option<HouseholdStatus>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// One household: members, history, needs, consent (masked unless `--reveal`).
    Show {
        id: String,
        /// Show the personal data whole, stating why (audited; needs the right).
        #[arg(long)]
        reveal: Option<String>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Adds one household from a JSON file (the shape `household show --json` prints).
    Add {
        file: PathBuf,
        /// The reason entered in its status history.
        #[arg(long, default_value = "登记")]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Adds households from a JSON file holding a list of them: all or none.
    Import {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Writes the register as CSV (masked; whole with `--whole REASON` and the export right,
    /// audited).
    Export {
        file: PathBuf,
        #[arg(long)]
        whole: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    household: String,
    /// The day to judge on (default: today).
    #[arg(long)]
    date: Option<NaiveDate>,
    #[command(flatten)]
    actor: Actor,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum StandardCmd {
    /// The dated standards in force (the plan's T18 values until changed).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Who would gain and who would lose eligibility under a new standard (nothing saved).
    Preview(StandardArgs),
    /// Sets the standard after showing the same preview.
    Apply(StandardArgs),
}

#[derive(clap::Args, Debug)]
pub struct StandardArgs {
    /// The place's code (the district's applies below it).
    #[arg(long)]
    place: String,
    /// In force from this day.
    #[arg(long)]
    from: NaiveDate,
    /// 低保标准, 元 per head and year.
    #[arg(long)]
    dibao: f64,
    /// 低保边缘 = this × 低保.
    #[arg(long, default_value_t = 1.5)]
    edge: f64,
    /// 特困供养 = this × 低保.
    #[arg(long, default_value_t = 1.3)]
    tekun: f64,
    #[arg(long, default_value = "")]
    source: String,
    #[command(flatten)]
    actor: Actor,
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args, Debug)]
pub struct RekeyArgs {
    /// Seal again under the file's current key without adding a new one (finish a
    /// rotation another process began).
    #[arg(long)]
    no_new_key: bool,
    #[command(flatten)]
    actor: Actor,
}

/// Opens the database with its key file, if there is one.
async fn open_with_keys(db: &str) -> Result<App> {
    let app = open(db).await?;
    app.use_assist_key_file(db)?;
    Ok(app)
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn categories(h: &Household) -> String {
    h.categories
        .iter()
        .map(|c| c.label_zh())
        .collect::<Vec<_>>()
        .join("、")
}

fn print_household(h: &Household) {
    println!("户编号:{}{}", h.id, if h.demo { "(演示)" } else { "" });
    println!("地点:{}  地址:{}", h.place, h.personal.address);
    println!("困难类别:{}  状态:{}", categories(h), h.status.label_zh());
    println!(
        "家庭人口:{}人  家庭年收入:{}  人均:{}  金融资产:{}",
        h.size(),
        yuan(h.income_year),
        yuan(h.income_per_head()),
        yuan(h.assets)
    );
    println!("需求:{}", h.needs.join("、"));
    let mut t = Table::new(&[
        ("关系", Align::Left),
        ("姓名", Align::Left),
        ("身份证号", Align::Left),
        ("电话", Align::Left),
        ("健康状况", Align::Left),
    ]);
    for (relation, name, id_number, phone, health) in h.member_rows() {
        t.row(vec![relation, name, id_number, phone, health]);
    }
    print!("{}", t.render());
    println!("状态记录:");
    for c in &h.history {
        println!("  {} {} {}", c.date, c.status.label_zh(), c.reason);
    }
    match &h.consent {
        Some(c) => println!("授权同意:{} {}({})", c.date, c.scope, c.how),
        None => println!("授权同意:未登记"),
    }
}

pub fn run_household(db: &str, cmd: HouseholdCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_with_keys(db).await?;
        match cmd {
            HouseholdCmd::List {
                place,
                category,
                status,
                actor,
                json,
            } => {
                let list = app
                    .assist_households(
                        &actor.login,
                        &HouseholdFilter {
                            place,
                            category,
                            status,
                        },
                    )
                    .await?;
                if json {
                    return print_json(&list);
                }
                let mut t = Table::new(&[
                    ("户编号", Align::Left),
                    ("地点", Align::Left),
                    ("户主", Align::Left),
                    ("困难类别", Align::Left),
                    ("状态", Align::Left),
                    ("人口", Align::Right),
                    ("人均年收入", Align::Right),
                ]);
                for e in &list {
                    let h = &e.household;
                    t.row(vec![
                        h.id.clone(),
                        h.place.clone(),
                        h.head_name_masked(),
                        categories(h),
                        h.status.label_zh().to_string(),
                        format!("{}人", h.size()),
                        yuan(h.income_per_head()),
                    ]);
                }
                print!("{}", t.render());
                println!("共 {} 户", list.len());
            }
            HouseholdCmd::Show {
                id,
                reveal,
                actor,
                json,
            } => {
                let h = match reveal {
                    Some(reason) => app.reveal_household(&actor.login, &id, &reason).await?,
                    None => app.assist_household(&actor.login, &id).await?.household,
                };
                if json {
                    return print_json(&h);
                }
                print_household(&h);
            }
            HouseholdCmd::Add {
                file,
                reason,
                actor,
            } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?;
                let h: Household = serde_json::from_str(&text).context("户信息不是有效的 JSON")?;
                let e = app.save_household(&actor.login, h, None, &reason).await?;
                println!("已登记 {}(第 {} 版)", e.household.id, e.version);
            }
            HouseholdCmd::Import { file, actor } => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?;
                let list: Vec<Household> =
                    serde_json::from_str(&text).context("文件应为户信息的 JSON 列表")?;
                let n = app.import_households(&actor.login, list).await?;
                println!("已导入 {n} 户");
            }
            HouseholdCmd::Export { file, whole, actor } => {
                let csv = app
                    .assist_households_csv(
                        &actor.login,
                        &HouseholdFilter::default(),
                        whole.as_deref(),
                    )
                    .await?;
                std::fs::write(&file, csv).with_context(|| format!("写入 {}", file.display()))?;
                println!(
                    "已导出到 {}({})",
                    file.display(),
                    if whole.is_some() {
                        "完整信息,已记入审计"
                    } else {
                        "已脱敏"
                    }
                );
            }
        }
        Ok(())
    })
}

pub fn run_check(db: &str, args: CheckArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_with_keys(db).await?;
        let c = app
            .check_household(&args.actor.login, &args.household, args.date)
            .await?;
        if args.json {
            return print_json(&c);
        }
        println!("{} 于 {} 的救助资格", c.household, c.date);
        match &c.standard {
            Some(s) => println!(
                "适用标准:{} 自{}起 低保{}/人·年,低保边缘{}(×{}),特困供养{}(×{});{}",
                s.place,
                s.from,
                yuan(s.dibao_year),
                yuan(s.edge_year()),
                s.edge_factor,
                yuan(s.tekun_year()),
                s.tekun_factor,
                s.source
            ),
            None => println!("适用标准:无"),
        }
        for r in &c.rules {
            println!(
                "{}({}):{}",
                r.name,
                r.code,
                if r.eligible { "符合" } else { "不符合" }
            );
            for cl in &r.clauses {
                println!("  {} {}", if cl.passed { "✓" } else { "✗" }, cl.text);
            }
        }
        Ok(())
    })
}

pub fn run_standard(db: &str, cmd: StandardCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_with_keys(db).await?;
        let (args, apply) = match cmd {
            StandardCmd::List { json } => {
                let s = app.assist_standards().await?;
                if json {
                    return print_json(&s);
                }
                let mut t = Table::new(&[
                    ("地点", Align::Left),
                    ("起始日期", Align::Left),
                    ("低保标准(元/人·年)", Align::Right),
                    ("低保边缘倍数", Align::Right),
                    ("特困供养倍数", Align::Right),
                    ("来源", Align::Left),
                ]);
                for s in &s.standards {
                    t.row(vec![
                        s.place.clone(),
                        s.from.to_string(),
                        yuan(s.dibao_year),
                        format!("{}", s.edge_factor),
                        format!("{}", s.tekun_factor),
                        s.source.clone(),
                    ]);
                }
                print!("{}", t.render());
                return Ok(());
            }
            StandardCmd::Preview(a) => (a, false),
            StandardCmd::Apply(a) => (a, true),
        };
        let standard = Standard {
            place: args.place,
            from: args.from,
            dibao_year: args.dibao,
            edge_factor: args.edge,
            tekun_factor: args.tekun,
            source: args.source,
        };
        let preview = if apply {
            let version = app.assist_standards().await?.version;
            app.apply_assist_standard(&args.actor.login, &standard, version)
                .await?
        } else {
            app.preview_assist_standard(&args.actor.login, &standard)
                .await?
        };
        if args.json {
            return print_json(&preview);
        }
        println!(
            "按 {} 判断 {} 户:资格变化 {} 户{}",
            preview.judged_on,
            preview.households,
            preview.changes.len(),
            if apply {
                "(已生效)"
            } else {
                "(预览,未保存)"
            }
        );
        for c in &preview.changes {
            println!(
                "  {} {} 新符合:{} 不再符合:{}",
                c.household,
                c.place,
                c.gains.join("、"),
                c.loses.join("、")
            );
        }
        Ok(())
    })
}

pub fn run_rekey(db: &str, args: RekeyArgs) -> Result<()> {
    let Some(path) = key_path_for(db) else {
        bail!(
            "未配置密钥文件:请设置环境变量 {}",
            youxiang_app::assist::keys::KEYS_ENV
        );
    };
    if !args.no_new_key {
        let id = Keyring::add_key(&path).map_err(|e| anyhow::anyhow!(e))?;
        println!(
            "已在 {} 中加入新密钥 {id}(旧密钥保留,仍可解密)",
            path.display()
        );
    }
    runtime()?.block_on(async {
        let app = open_with_keys(db).await?;
        let n = app.assist_rekey(&args.actor.login).await?;
        println!("已用新密钥重新加密 {n} 户");
        Ok(())
    })
}

/// The demo's register: a key file beside the database (made when absent, and said so),
/// then the synthetic households.
pub(crate) async fn load_demo_register(app: &App, db: &str) -> Result<()> {
    let Some(path) = key_path_for(db) else {
        println!(
            "困难群众名册未写入:未配置密钥文件({})",
            youxiang_app::assist::keys::KEYS_ENV
        );
        return Ok(());
    };
    if Keyring::create_if_absent(&path).map_err(|e| anyhow::anyhow!(e))? {
        println!(
            "已生成演示用个人信息密钥文件:{}(仅本机,勿提交、勿与数据库一同备份)",
            path.display()
        );
    }
    app.use_assist_key_file(db)?;
    let n = youxiang_demo::assist::load_demo_register(app, youxiang_demo::demo_today()).await?;
    println!("困难群众名册(演示):{n} 户,个人信息已加密、默认脱敏");
    let (v, f, h) = youxiang_demo::assist_care::load_demo_care(app).await?;
    println!("探访关爱(演示):探访记录 {v} 条;监测预警 {f} 条,已处理 {h} 条");
    let (r, v, o) = youxiang_demo::assist_resources::load_demo_resources(app).await?;
    println!("帮扶资源(演示):{r} 个,公益创投项目 {v} 个,派单 {o} 张");
    let (l, d) = youxiang_demo::assist_list::load_demo_lists(app).await?;
    println!("幸福清单(演示):{l} 份,已送达 {d} 份");
    Ok(())
}
