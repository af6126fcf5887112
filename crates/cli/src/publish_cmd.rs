//! `youxiang publish PERIOD [--note N]`, `publish list`, `publish show PERIOD [--version V]`:
//! 数据发布 — the office publishes a period's approved figures (a correction is a new
//! version with its note); what was published, and any version of it.

use anyhow::{Result, bail};
use youxiang_core::period::Period;
use youxiang_core::publication::{number, open_rows, rows_csv};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PublishArgs {
    /// The period to publish (2024, 2025Q2, 2025H1, 2025-06): every approved figure of a
    /// period within it. It must have ended.
    pub period: Option<Period>,
    /// What a correction changes (required when the period was published before).
    #[arg(long, default_value = "")]
    pub note: String,
    #[command(flatten)]
    pub actor: Actor,
    #[command(subcommand)]
    pub cmd: Option<PublishCmd>,
}

#[derive(clap::Subcommand, Debug)]
pub enum PublishCmd {
    /// Every published period and its versions.
    List,
    /// A published period's figures (the version in force, or `--version`).
    Show {
        period: Period,
        #[arg(long)]
        version: Option<u32>,
        /// As open-data CSV (UTF-8 with BOM) instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

pub fn run(db: &str, args: PublishArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match (args.cmd, args.period) {
            (Some(PublishCmd::List), _) => {
                let mut t = Table::new(&[
                    ("期间", Align::Left),
                    ("版本", Align::Right),
                    ("发布日期", Align::Left),
                    ("数据项", Align::Right),
                    ("更正说明", Align::Left),
                ]);
                let all = app.publications().await?;
                for r in &all {
                    for v in &r.versions {
                        t.row(vec![
                            v.period.to_string(),
                            v.version.to_string(),
                            v.published_on.to_string(),
                            v.figures.len().to_string(),
                            v.note.clone(),
                        ]);
                    }
                }
                print!("{}", t.render());
                println!("共 {} 个期间已发布", all.len());
            }
            (
                Some(PublishCmd::Show {
                    period,
                    version,
                    csv,
                }),
                _,
            ) => {
                let r = app.publication(period).await?;
                let p = match version {
                    Some(v) => r.version(v),
                    None => r.current(),
                };
                let Some(p) = p else {
                    bail!("{period} 没有第 {} 版", version.unwrap_or(0));
                };
                if csv {
                    print!("{}", rows_csv(&open_rows([p], |_| true)));
                    return Ok(());
                }
                println!(
                    "{} 第 {} 版,发布于 {}{}",
                    p.period,
                    p.version,
                    p.published_on,
                    if p.note.is_empty() {
                        String::new()
                    } else {
                        format!(";更正说明:{}", p.note)
                    }
                );
                let mut t = Table::new(&[
                    ("指标", Align::Left),
                    ("地区", Align::Left),
                    ("期间", Align::Left),
                    ("数值", Align::Right),
                    ("目标", Align::Left),
                    ("灯号", Align::Left),
                ]);
                for f in &p.figures {
                    t.row(vec![
                        f.indicator.clone(),
                        p.place(&f.place)
                            .map(|x| x.name.clone())
                            .unwrap_or_else(|| f.place.clone()),
                        f.period.to_string(),
                        format!("{} {}", number(f.value), f.unit),
                        f.target.clone(),
                        f.light.label_zh().into(),
                    ]);
                }
                print!("{}", t.render());
                println!("共 {} 项数据", p.figures.len());
            }
            (None, Some(period)) => {
                let p = app.publish(&args.actor.login, period, &args.note).await?;
                println!(
                    "已发布 {}:第 {} 版,{} 项已审核数据",
                    p.period,
                    p.version,
                    p.figures.len()
                );
            }
            (None, None) => bail!("请给出要发布的期间(如 youxiang publish 2025Q2),或 list、show"),
        }
        Ok(())
    })
}
