//! `youxiang targets show|decompose|approve|return|import|export`: targets below the
//! district (目标分解下达, methods §8), proposed by the lead unit and approved by the office.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use youxiang_app::targets::{SplitProposal, with_unit};
use youxiang_core::decompose::{SplitRule, SplitState, TargetSplit};
use youxiang_core::eval::explain::fmt_num;

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum TargetsCmd {
    /// The summed indicators' targets per year, with the split in force and the one waiting;
    /// with --indicator, every version of its splits and their parts.
    Show {
        #[arg(long)]
        indicator: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Proposes a split of an indicator's target for a year among the places directly
    /// below (by population share, by baseline share, equally, or by hand with --part).
    Decompose {
        #[arg(long)]
        indicator: String,
        #[arg(long)]
        year: i32,
        /// population (按人口比例), baseline (按基期值比例), equal (平均分配) or manual (逐一填写).
        #[arg(long, default_value = "population")]
        rule: SplitRule,
        /// The place whose target is split (default: the plan's own place).
        #[arg(long)]
        parent: Option<String>,
        /// For --rule manual: CODE=NUMBER, once per place.
        #[arg(long = "part")]
        parts: Vec<String>,
        #[arg(long)]
        note: Option<String>,
        /// Show the split without storing it.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Approves a proposed split (the office; not the one who proposed it).
    Approve {
        /// The split's id as `show` lists it, e.g. T08:2025:330902:1.
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Returns a proposed split to the lead unit, with the reason.
    Return {
        id: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Reads a targets file (xlsx or CSV: 指标编码, 年度, 上级编码, 地点编码, 目标值, 说明)
    /// and proposes one split by hand per indicator, year and parent — all or nothing.
    Import {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Writes the splits in force and waiting as xlsx (it re-imports as is).
    Export {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
}

fn print_parts(s: &TargetSplit, unit: &str, name_of: &dyn Fn(&str) -> String) {
    let mut t = Table::new(&[("地点", Align::Left), ("分解目标", Align::Right)]);
    for p in &s.decomposition.parts {
        t.row(vec![
            format!("{} {}", p.code, name_of(&p.code)),
            with_unit(&p.target.text, unit),
        ]);
    }
    print!("{}", t.render());
    if let (Some(w), Some(sum)) = (s.decomposition.whole, s.decomposition.sum) {
        println!(
            "合计 {}{unit} / 上级目标 {}{unit}",
            fmt_num(sum),
            fmt_num(w)
        );
    }
    if let Some(w) = &s.decomposition.warning {
        println!("注意:{w}");
    }
}

fn describe(s: &TargetSplit) -> String {
    format!(
        "{} 第{}版 {} {}({}提出{})",
        s.id(),
        s.version,
        s.decomposition.rule.label_zh(),
        s.state.label_zh(),
        s.proposed_by,
        s.decided_by
            .as_deref()
            .map(|d| format!(",{d}审定"))
            .unwrap_or_default()
    )
}

pub fn run(db: &str, cmd: TargetsCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        let unit_of = |code: &str| {
            app.read()
                .plan
                .indicator(code)
                .map(|i| i.unit.clone())
                .unwrap_or_default()
        };
        let name_of = |code: &str| {
            let state = app.read();
            state
                .tree
                .id(code)
                .map(|p| state.tree.get(p).name.clone())
                .unwrap_or_default()
        };
        match cmd {
            TargetsCmd::Show {
                indicator: None,
                year,
                json,
                actor: _,
            } => {
                let rows: Vec<_> = app
                    .split_summaries()
                    .await?
                    .into_iter()
                    .filter(|r| year.is_none_or(|y| r.year == y))
                    .collect();
                if json {
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("指标", Align::Left),
                    ("年度", Align::Right),
                    ("区目标", Align::Right),
                    ("牵头单位", Align::Left),
                    ("已下达", Align::Left),
                    ("待审定", Align::Left),
                ]);
                for r in &rows {
                    t.row(vec![
                        format!("{} {}", r.indicator, r.indicator_name),
                        format!("{}年", r.year),
                        r.district_target.clone().unwrap_or_default(),
                        r.lead_unit.clone(),
                        r.approved
                            .as_ref()
                            .map(|s| {
                                format!("第{}版 {}", s.version, s.decomposition.rule.label_zh())
                            })
                            .unwrap_or_else(|| "未分解(各地无分解目标)".into()),
                        r.pending.as_ref().map(|s| s.id()).unwrap_or_default(),
                    ]);
                }
                print!("{}", t.render());
                Ok(())
            }
            TargetsCmd::Show {
                indicator: Some(code),
                year,
                json,
                actor: _,
            } => {
                let splits: Vec<TargetSplit> = app
                    .target_splits()
                    .await?
                    .into_iter()
                    .map(|v| v.item)
                    .filter(|s| s.indicator == code && year.is_none_or(|y| s.year == y))
                    .collect();
                if json {
                    println!("{}", serde_json::to_string_pretty(&splits)?);
                    return Ok(());
                }
                if splits.is_empty() {
                    println!("{code} 尚无目标分解");
                }
                for s in &splits {
                    println!("{}", describe(s));
                    if matches!(s.state, SplitState::Approved | SplitState::Proposed) {
                        print_parts(s, &unit_of(&s.indicator), &name_of);
                    }
                    if let Some(n) = &s.decision_note {
                        println!("审定意见:{n}");
                    }
                    println!();
                }
                Ok(())
            }
            TargetsCmd::Decompose {
                indicator,
                year,
                rule,
                parent,
                parts,
                note,
                dry_run,
                actor,
            } => {
                let mut manual = Vec::new();
                for p in &parts {
                    let Some((code, number)) = p.split_once('=') else {
                        bail!("--part “{p}” 应写作 地点编码=目标值,如 330902001=0.42");
                    };
                    let value: f64 = number
                        .trim()
                        .parse()
                        .with_context(|| format!("--part “{p}” 的目标值不是数字"))?;
                    manual.push((code.trim().to_string(), value));
                }
                if rule != SplitRule::Manual && !manual.is_empty() {
                    bail!("--part 只用于 --rule manual(逐一填写)");
                }
                let proposal = SplitProposal {
                    indicator,
                    year,
                    parent,
                    rule,
                    manual,
                    note,
                };
                if dry_run {
                    let (parent, d) = app.compute_split(&proposal)?;
                    let preview = TargetSplit {
                        indicator: proposal.indicator.clone(),
                        year,
                        parent,
                        version: 0,
                        state: SplitState::Proposed,
                        decomposition: d,
                        note: None,
                        proposed_by: actor.login.clone(),
                        decided_by: None,
                        decision_note: None,
                    };
                    println!("试算(未保存):{}", rule.label_zh());
                    print_parts(&preview, &unit_of(&preview.indicator), &name_of);
                    return Ok(());
                }
                let s = app.propose_split(&actor.login, &proposal).await?;
                println!("已提出 {}", describe(&s));
                print_parts(&s, &unit_of(&s.indicator), &name_of);
                println!("待办公室审定:youxiang targets approve {}", s.id());
                Ok(())
            }
            TargetsCmd::Approve { id, note, actor } => {
                let s = app
                    .decide_split(&actor.login, &id, true, note.as_deref())
                    .await?;
                println!("已审定下达 {}", describe(&s));
                Ok(())
            }
            TargetsCmd::Return { id, reason, actor } => {
                let s = app
                    .decide_split(&actor.login, &id, false, Some(&reason))
                    .await?;
                println!("已退回 {}", describe(&s));
                Ok(())
            }
            TargetsCmd::Import { file, actor } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let stored = app.import_splits(&actor.login, &bytes, &name).await?;
                for s in &stored {
                    println!("已提出 {}", describe(s));
                    if let Some(w) = &s.decomposition.warning {
                        println!("  注意:{w}");
                    }
                }
                println!("共 {} 项分解待办公室审定", stored.len());
                Ok(())
            }
            TargetsCmd::Export { file, actor: _ } => {
                let bytes = app.splits_xlsx().await?;
                std::fs::write(&file, bytes)
                    .with_context(|| format!("无法写入 {}", file.display()))?;
                println!("已写出 {}", file.display());
                Ok(())
            }
        }
    })
}
