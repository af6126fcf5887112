//! `youxiang assist list generate|show|deliver|rates|recompute` (幸福清单, issue 16 point 5)
//! and `youxiang assist rules show|set FILE [--preview]` (the eligibility rules as TOML,
//! every problem named by its line, who gains and loses before saving).

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use youxiang_app::App;
use youxiang_core::assist::happiness::{Channel, Confirmation, Delivery};
use youxiang_core::assist::rules::yuan;

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum ListCmd {
    /// Generates the lists of a period (idempotent: again keeps deliveries).
    Generate {
        /// e.g. 2025Q3 (a quarter; 2025-09 or 2025H2 also).
        #[arg(long)]
        period: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// The lists of a period (masked), or one list by its id.
    Show {
        /// A list's id (`户编号@期间`); all of the period without it.
        id: Option<String>,
        #[arg(long)]
        period: Option<String>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Records a list's delivery.
    Deliver {
        id: String,
        /// visit|post|sms|zlb (上门送达/邮寄/短信/浙里办).
        #[arg(long)]
        channel: Channel,
        #[arg(long)]
        date: NaiveDate,
        /// signed|phone|refused (签收/电话确认/拒收).
        #[arg(long)]
        confirmation: Confirmation,
        #[arg(long, default_value = "")]
        note: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// The 送达率 of a period per district, town and village.
    Rates {
        #[arg(long)]
        period: String,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Writes K7.4b “幸福清单”送达率 of a year (default: this year) again.
    Recompute {
        #[arg(long)]
        year: Option<i32>,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum RulesCmd {
    /// Prints the eligibility rules (TOML).
    Show,
    /// Replaces the rules by FILE (TOML): checked, previewed; saved unless --preview.
    Set {
        file: PathBuf,
        #[arg(long)]
        preview: bool,
        #[command(flatten)]
        actor: Actor,
    },
}

async fn open_with_keys(db: &str) -> Result<App> {
    let app = open(db).await?;
    app.use_assist_key_file(db)?;
    Ok(app)
}

pub fn run_list(db: &str, cmd: ListCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_with_keys(db).await?;
        match cmd {
            ListCmd::Generate { period, actor } => {
                let g = app.generate_assist_lists(&actor.login, &period).await?;
                println!(
                    "已生成 {period} 幸福清单:新增{}份,更新{}份,未变{}份",
                    g.added, g.changed, g.unchanged
                );
            }
            ListCmd::Show {
                id: Some(id),
                actor,
                json,
                ..
            } => {
                let e = app.assist_list(&actor.login, &id).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&e)?);
                    return Ok(());
                }
                let l = &e.list;
                println!(
                    "幸福清单 {}{}:户 {} 户主 {} 地点 {}",
                    l.id,
                    if l.demo { "(演示)" } else { "" },
                    l.household,
                    l.head_masked,
                    l.place
                );
                println!("适用标准:{}", l.standard);
                for x in &l.entitlements {
                    println!(
                        "  应享:{} {} {} {}",
                        x.kind.label_zh(),
                        x.name,
                        x.amount.map(yuan).unwrap_or_default(),
                        x.formula
                    );
                }
                for r in &l.receipts {
                    println!(
                        "  已收:{} {} {} {} {}",
                        r.date,
                        r.kind.label_zh(),
                        r.what,
                        r.amount.map(yuan).unwrap_or_default(),
                        r.provider
                    );
                }
                match &l.delivery {
                    Some(d) => println!(
                        "送达:{} {} {} {}",
                        d.channel.label_zh(),
                        d.date,
                        d.confirmation.label_zh(),
                        d.note
                    ),
                    None => println!("送达:尚未送达"),
                }
            }
            ListCmd::Show {
                id: None,
                period,
                actor,
                json,
            } => {
                let list = app
                    .assist_lists(&actor.login, period.as_deref(), None)
                    .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&list)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("清单", Align::Left),
                    ("户主", Align::Left),
                    ("地点", Align::Left),
                    ("本期应享(元)", Align::Right),
                    ("送达", Align::Left),
                ]);
                for e in &list {
                    let l = &e.list;
                    t.row(vec![
                        l.id.clone(),
                        l.head_masked.clone(),
                        l.place.clone(),
                        format!("{:.2}", l.entitled_total()),
                        match &l.delivery {
                            Some(d) => format!("{} {}", d.confirmation.label_zh(), d.date),
                            None => "未送达".to_string(),
                        },
                    ]);
                }
                print!("{}", t.render());
            }
            ListCmd::Deliver {
                id,
                channel,
                date,
                confirmation,
                note,
                actor,
            } => {
                let d = Delivery {
                    channel,
                    date,
                    confirmation,
                    note,
                    by: String::new(),
                };
                let e = app.deliver_assist_list(&actor.login, &id, d, None).await?;
                println!("已登记送达:{}({})", e.list.id, e.list.state());
            }
            ListCmd::Rates {
                period,
                actor,
                json,
            } => {
                let rows = app.assist_list_rates(&actor.login, &period).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("地点", Align::Left),
                    ("已生成(份)", Align::Right),
                    ("已送达并确认(份)", Align::Right),
                    ("送达率(%)", Align::Right),
                ]);
                for r in rows {
                    t.row(vec![
                        r.name,
                        r.due.to_string(),
                        r.delivered.to_string(),
                        r.percent.map(|p| format!("{p:.1}")).unwrap_or("—".into()),
                    ]);
                }
                print!("{}", t.render());
            }
            ListCmd::Recompute { year, actor } => {
                if !app.may_set_assist_rules(&actor.login) {
                    anyhow::bail!("无权重算指标:仅工作专班和区民政局");
                }
                let year = year.unwrap_or_else(|| {
                    use chrono::Datelike;
                    actor.today.unwrap_or_else(|| app.today()).year()
                });
                let o = app.recompute_assist_list_figures(year).await?;
                println!(
                    "已重算 K7.4b {year}年:写入{}项,保留人工填报{}项",
                    o.written,
                    o.kept_reported.len()
                );
            }
        }
        Ok(())
    })
}

pub fn run_rules(db: &str, cmd: RulesCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_with_keys(db).await?;
        match cmd {
            RulesCmd::Show => {
                let r = app.assist_rules().await?;
                println!("# 版本 {}", r.version);
                print!("{}", r.toml);
            }
            RulesCmd::Set {
                file,
                preview,
                actor,
            } => {
                let toml = std::fs::read_to_string(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?;
                let p = app.preview_assist_rules(&actor.login, &toml).await?;
                println!(
                    "按 {} 重新核对 {} 户:资格变化 {} 户",
                    p.judged_on,
                    p.households,
                    p.changes.len()
                );
                for c in &p.changes {
                    println!(
                        "  {} {} 新符合:{} 不再符合:{}",
                        c.household,
                        c.place,
                        c.gains.join("、"),
                        c.loses.join("、")
                    );
                }
                if preview {
                    println!("仅预览,未保存");
                } else {
                    let version = app.assist_rules().await?.version;
                    app.save_assist_rules(&actor.login, &toml, version).await?;
                    println!("已保存救助资格规则");
                }
            }
        }
        Ok(())
    })
}
