//! `report yearly YEAR`, `report midterm YEAR` (年度监测评估报告, 中期评估报告) and
//! `report measures` (下一年度细化措施: list, set, deadline).

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use youxiang_app::{App, ReportFormat};
use youxiang_core::china_time::show_minute;

use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

/// `report measures …`.
#[derive(clap::Subcommand, Debug)]
pub enum MeasuresCmd {
    /// Every lead unit's measures for the year after YEAR (未填报 where missing).
    List {
        year: i32,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Enter a unit's measures for the year after YEAR (the office, or the unit itself).
    Set {
        year: i32,
        /// The lead unit, e.g. 区卫健局.
        #[arg(long)]
        unit: String,
        /// The measures' text.
        #[arg(long)]
        text: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Set the deadline of the measures for the year after YEAR (the office; default 1
    /// February of the next year).
    Deadline {
        year: i32,
        date: NaiveDate,
        #[command(flatten)]
        actor: Actor,
    },
}

/// Writes the yearly (or mid-term) report of `year`.
pub async fn write_yearly(
    app: &App,
    year: i32,
    midterm: bool,
    format: ReportFormat,
    out: Option<PathBuf>,
    actor: &Actor,
) -> Result<()> {
    let bytes = app
        .yearly_report_file(&actor.login, year, midterm, actor.today(app), format)
        .await?;
    let kind = if midterm {
        "中期评估报告"
    } else {
        "年度监测评估报告"
    };
    let path =
        out.unwrap_or_else(|| PathBuf::from(format!("{kind}-{year}.{}", format.extension())));
    std::fs::write(&path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    println!("已生成 {}({} 字节)", path.display(), bytes.len());
    Ok(())
}

/// Runs `report measures …`.
pub async fn run_measures(app: &App, cmd: MeasuresCmd) -> Result<()> {
    match cmd {
        MeasuresCmd::List { year, json, actor } => {
            let (deadline, entries) = app.year_measures(&actor.login, year).await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "year": year,
                        "deadline": deadline,
                        "entries": entries,
                    }))?
                );
                return Ok(());
            }
            println!("{}年细化措施(评估 {year} 年,截止 {deadline})", year + 1);
            let mut t = Table::new(&[
                ("牵头单位", Align::Left),
                ("牵头范围", Align::Left),
                ("填报", Align::Left),
                ("细化措施", Align::Left),
            ]);
            for e in &entries {
                let when = match (&e.entered_at, e.late) {
                    (Some(at), true) => format!("{}(逾期)", show_minute(*at)),
                    (Some(at), false) => show_minute(*at),
                    (None, _) => "未填报".into(),
                };
                let text: String = e.text.as_deref().unwrap_or("—").chars().take(40).collect();
                t.row(vec![e.unit.clone(), e.leads.clone(), when, text]);
            }
            print!("{}", t.render());
        }
        MeasuresCmd::Set {
            year,
            unit,
            text,
            actor,
        } => {
            let e = app
                .save_year_measures(&actor.login, year, &unit, &text, None)
                .await?;
            println!(
                "已保存 {} 的{}年细化措施(版本 {}){}",
                e.unit,
                year + 1,
                e.version.unwrap_or(1),
                if e.late {
                    ",已过截止日期,记为逾期"
                } else {
                    ""
                }
            );
        }
        MeasuresCmd::Deadline { year, date, actor } => {
            let d = app.set_measures_deadline(&actor.login, year, date).await?;
            println!("{}年细化措施的填报截止日期设为 {d}", year + 1);
        }
    }
    Ok(())
}
