//! `youxiang compliance use|show|report|orders`: 服务达标 — the catalogue edition the
//! district uses, the matrix of items × places (达标 / 未达标 / 无数据 with the evidence;
//! facility distances by straight-line estimate, 直线估算), the yes/no reports typed by
//! hand, and the 督办单 raised for gaps when the setting asks for it.

use anyhow::{Result, bail};
use youxiang_app::compliance::{ComplianceConfig, ReportIn};
use youxiang_core::compliance::{ShareOf, Verdict};
use youxiang_core::period::Period;
use youxiang_core::place::Level;

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum ComplianceCmd {
    /// Loads an edition (a shipped code such as dinghai-sample, or a TOML file) as the one
    /// the district uses; `--orders` raises a 督办单 for each gap.
    Use {
        edition: String,
        /// Raise a supervision order for each item not met (once per item × place × period).
        #[arg(long)]
        orders: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// The matrix: every place's share (worst first) and, for one town, every cell with
    /// its evidence.
    Show {
        /// The year (default: the app's day's year).
        #[arg(long)]
        year: Option<i32>,
        /// A quarter of that year (1–4) instead of the whole year.
        #[arg(long)]
        quarter: Option<u8>,
        /// A town's code: its cells and its villages'.
        #[arg(long)]
        town: Option<String>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Types a yes/no report: `compliance report DHRF-10 330902002 2025 yes --evidence 文件`.
    Report {
        item: String,
        place: String,
        period: Period,
        /// yes (达标) or no (未达标).
        answer: String,
        #[arg(long)]
        evidence: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Raises the 督办单 for the gaps of a period now (as the setting allows).
    Orders {
        period: Period,
        #[command(flatten)]
        actor: Actor,
    },
}

pub fn run(db: &str, cmd: ComplianceCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            ComplianceCmd::Use {
                edition,
                orders,
                actor,
            } => {
                let (c, findings) = crate::catalogue_cmd::read(&edition)?;
                app.save_catalogue(&actor.login, &c).await?;
                let config = ComplianceConfig {
                    catalogue: Some(c.code.clone()),
                    gap_orders: orders,
                    ..app.compliance_config().await?
                };
                app.set_compliance_config(&actor.login, &config).await?;
                println!(
                    "本区使用服务清单:{}({} 项{}){}",
                    c.name,
                    c.items.len(),
                    if c.sample { ",样例" } else { "" },
                    if orders { ";未达标自动督办" } else { "" }
                );
                let flags = findings.iter().filter(|f| !f.error).count();
                if flags > 0 {
                    println!("{flags} 处待核实(youxiang catalogue check {edition})");
                }
            }
            ComplianceCmd::Show {
                year,
                quarter,
                town,
                actor,
                json,
            } => {
                let year = year.unwrap_or_else(|| chrono::Datelike::year(&actor.today(&app)));
                let period = match quarter {
                    Some(q) => Period::quarter(year, q)?,
                    None => Period::year_of(year)?,
                };
                let m = app.compliance(&actor.login, None, period).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&m)?);
                    return Ok(());
                }
                println!(
                    "{} {} 服务达标{}",
                    m.catalogue_name,
                    period.label_zh(),
                    if m.sample { "(样例清单,待区确认)" } else { "" }
                );
                println!("设施步行距离为直线估算(步行 80 米/分钟)");
                let mut t = Table::new(&[
                    ("地点", Align::Left),
                    ("达标", Align::Right),
                    ("未达标", Align::Right),
                    ("无数据", Align::Right),
                    ("达标率", Align::Right),
                ]);
                for level in [Level::County, Level::Town] {
                    for s in m.ranking(level) {
                        t.row(vec![
                            s.place_name.clone(),
                            format!("{} 项", s.tally.met),
                            format!("{} 项", s.tally.not_met),
                            format!("{} 项", s.tally.no_data),
                            s.share
                                .map(|x| format!("{:.1}%", x))
                                .unwrap_or_else(|| "—".into()),
                        ]);
                    }
                }
                print!("{}", t.render());
                if !m.unleveled.is_empty() {
                    println!(
                        "未定提供层级、不参与计算的项目 {} 项:{}",
                        m.unleveled.len(),
                        m.unleveled
                            .iter()
                            .map(|i| i.code.as_str())
                            .collect::<Vec<_>>()
                            .join("、")
                    );
                }
                if let Some(town) = town {
                    let tree = std::sync::Arc::clone(&app.read().tree);
                    let Some(root) = tree.id(&town) else {
                        bail!("地点“{town}”不存在");
                    };
                    let mut t = Table::new(&[
                        ("项目", Align::Left),
                        ("地点", Align::Left),
                        ("结果", Align::Left),
                        ("依据", Align::Left),
                    ]);
                    for c in &m.cells {
                        if tree.id(&c.place).is_some_and(|p| tree.is_within(p, root)) {
                            t.row(vec![
                                c.item.clone(),
                                tree.by_code(&c.place)
                                    .map(|p| p.name.clone())
                                    .unwrap_or_default(),
                                c.verdict.label_zh().into(),
                                c.why.clone(),
                            ]);
                        }
                    }
                    print!("{}", t.render());
                    if let Some(s) = m.share(&town, &ShareOf::All) {
                        println!(
                            "{}:{}",
                            s.place_name,
                            youxiang_app::compliance::share_text(&m, &town)
                        );
                    }
                }
                let gaps = m.cells.iter().filter(|c| c.verdict == Verdict::NotMet).count();
                println!("共 {} 个单元格,未达标 {gaps} 个", m.cells.len());
            }
            ComplianceCmd::Report {
                item,
                place,
                period,
                answer,
                evidence,
                actor,
            } => {
                let met = match answer.trim() {
                    "yes" | "y" | "是" | "达标" => true,
                    "no" | "n" | "否" | "未达标" => false,
                    other => bail!("“{other}”应为 yes(达标)或 no(未达标)"),
                };
                let r = app
                    .report_compliance(
                        &actor.login,
                        ReportIn {
                            catalogue: None,
                            item,
                            place,
                            period,
                            met,
                            evidence,
                        },
                    )
                    .await?;
                println!(
                    "已填报:{} {} {} {}",
                    r.item,
                    r.place,
                    r.period,
                    if r.met { "达标" } else { "未达标" }
                );
            }
            ComplianceCmd::Orders { period, actor } => {
                let who = actor.login.clone();
                let config = app.compliance_config().await?;
                if !config.gap_orders {
                    bail!("服务达标设置未开启未达标自动督办(youxiang compliance use 清单 --orders),{who} 未立项");
                }
                let raised = app.raise_compliance_orders(period).await?;
                println!("新立项督办单 {} 件:{}", raised.len(), raised.join("、"));
            }
        }
        Ok(())
    })
}
