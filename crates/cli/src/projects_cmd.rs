//! `youxiang projects …` (重大公共服务项目) and `youxiang livelihood …` (民生实事): the
//! register and the yearly list on the command line, with the same checks as the web.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::{Datelike, NaiveDate};
use youxiang_core::manage::projects::{
    CardTime, LivelihoodItem, MajorProject, ProjectStatus, ProjectYear, fmt_wan, parse_milestones,
    split_units,
};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

/// The fields of a project on the command line; on `edit` only those given change.
#[derive(clap::Args, Debug, Default)]
pub struct ProjectFields {
    #[arg(long)]
    pub name: Option<String>,
    /// The plan's domain code.
    #[arg(long)]
    pub domain: Option<String>,
    /// The key task it serves, e.g. 2.1.
    #[arg(long)]
    pub task: Option<String>,
    /// The place code it is located in.
    #[arg(long)]
    pub place: Option<String>,
    #[arg(long)]
    pub lead: Option<String>,
    /// Partner units, separated by 、 or commas.
    #[arg(long)]
    pub partners: Option<String>,
    /// Total planned investment, 万元.
    #[arg(long)]
    pub total: Option<f64>,
    #[arg(long)]
    pub start: Option<NaiveDate>,
    #[arg(long)]
    pub end: Option<NaiveDate>,
    /// 在建, 已完工, 未开工 or 已终止.
    #[arg(long)]
    pub status: Option<ProjectStatus>,
    /// Physical milestones: 标题@计划日期[@完成日期];…
    #[arg(long)]
    pub milestones: Option<String>,
    /// A year's planned investment, 万元: 2025=12000 (repeatable).
    #[arg(long = "plan")]
    pub planned: Vec<String>,
    /// A year's completed investment so far, 万元: 2025=3000 or 2025=3000@2025-06-30.
    #[arg(long = "done")]
    pub completed: Vec<String>,
}

#[derive(clap::Subcommand, Debug)]
pub enum ProjectsCmd {
    /// The register with each project's light for the year, and the programme's total.
    List {
        /// The year judged (default: the app's year).
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Adds a project.
    Add {
        code: String,
        #[command(flatten)]
        fields: ProjectFields,
        #[command(flatten)]
        actor: Actor,
    },
    /// Changes a project's fields.
    Edit {
        code: String,
        #[command(flatten)]
        fields: ProjectFields,
        #[command(flatten)]
        actor: Actor,
    },
    /// Closes a project as completed (已完工) or terminated (已终止), with a note.
    Close {
        code: String,
        #[arg(long)]
        status: ProjectStatus,
        #[arg(long)]
        note: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Reads a register workbook (xlsx or CSV): all rows or none.
    Import {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Writes the register as a workbook that re-imports as is.
    Export { file: PathBuf },
}

#[derive(clap::Subcommand, Debug)]
pub enum LivelihoodCmd {
    /// A year's list with each item's latest progress and light.
    List {
        year: i32,
        #[arg(long)]
        json: bool,
    },
    /// Adds an item to a year's list.
    Add {
        year: i32,
        number: u32,
        #[arg(long)]
        name: String,
        #[arg(long)]
        target: f64,
        /// 个, 户, 人次 …
        #[arg(long)]
        unit: String,
        #[arg(long)]
        lead: String,
        #[arg(long)]
        domain: Option<String>,
        /// Place codes, separated by commas.
        #[arg(long, default_value = "")]
        places: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Reports a month's cumulative progress of item ID (2025-03).
    Report {
        id: String,
        #[arg(long)]
        month: u32,
        #[arg(long)]
        done: f64,
        #[arg(long, default_value = "")]
        note: String,
        #[arg(long)]
        completed_on: Option<NaiveDate>,
        #[command(flatten)]
        actor: Actor,
    },
    /// The mid-year (mid) or year-end (end) report card.
    Card {
        year: i32,
        #[arg(long, default_value = "end")]
        at: CardTime,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
}

fn year_amounts(list: &[String], what: &str) -> Result<Vec<(i32, f64, Option<NaiveDate>)>> {
    list.iter()
        .map(|s| {
            let (y, rest) = s
                .split_once('=')
                .with_context(|| format!("--{what} “{s}” 应写作 2025=12000"))?;
            let (v, at) = match rest.split_once('@') {
                Some((v, d)) => (
                    v,
                    Some(
                        d.parse::<NaiveDate>()
                            .with_context(|| format!("“{d}”不是日期"))?,
                    ),
                ),
                None => (rest, None),
            };
            Ok((
                y.trim().parse().with_context(|| format!("“{y}”不是年份"))?,
                v.trim().parse().with_context(|| format!("“{v}”不是金额"))?,
                at,
            ))
        })
        .collect()
}

fn apply(p: &mut MajorProject, f: ProjectFields) -> Result<()> {
    if let Some(v) = f.name {
        p.name = v;
    }
    if let Some(v) = f.domain {
        p.domain = v;
    }
    if let Some(v) = f.task {
        p.key_task = Some(v).filter(|s| !s.is_empty());
    }
    if let Some(v) = f.place {
        p.place = Some(v).filter(|s| !s.is_empty());
    }
    if let Some(v) = f.lead {
        p.lead_unit = v;
    }
    if let Some(v) = f.partners {
        p.partner_units = split_units(&v);
    }
    if let Some(v) = f.total {
        p.total_wan = v;
    }
    if let Some(v) = f.start {
        p.start = v;
    }
    if let Some(v) = f.end {
        p.end = v;
    }
    if let Some(v) = f.status {
        p.status = v;
    }
    if let Some(v) = f.milestones {
        p.milestones = parse_milestones(&v).map_err(anyhow::Error::msg)?;
    }
    let line = |p: &mut MajorProject, year: i32| -> usize {
        match p.years.iter().position(|y| y.year == year) {
            Some(i) => i,
            None => {
                p.years.push(ProjectYear {
                    year,
                    planned_wan: 0.0,
                    completed_wan: None,
                    as_of: None,
                    reports: Vec::new(),
                });
                p.years.len() - 1
            }
        }
    };
    for (y, v, _) in year_amounts(&f.planned, "plan")? {
        let i = line(p, y);
        p.years[i].planned_wan = v;
    }
    for (y, v, at) in year_amounts(&f.completed, "done")? {
        let i = line(p, y);
        p.years[i].completed_wan = Some(v);
        p.years[i].as_of = at;
    }
    p.years.sort_by_key(|y| y.year);
    Ok(())
}

pub fn run_projects(db: &str, cmd: ProjectsCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            ProjectsCmd::List { year, json, actor } => {
                let today = actor.today(&app);
                let year = year.unwrap_or(today.year());
                let projects = app.projects().await?;
                let summary = app.project_summary(year, |_| true).await?;
                if json {
                    let rows: Vec<_> = projects
                        .iter()
                        .map(|p| {
                            serde_json::json!({
                                "project": p,
                                "schedule": p.item.year_schedule(year, today, &app.light_bands()),
                            })
                        })
                        .collect();
                    let out = serde_json::json!({ "summary": summary, "projects": rows });
                    println!("{}", serde_json::to_string_pretty(&out)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("编号", Align::Left),
                    ("项目名称", Align::Left),
                    ("牵头单位", Align::Left),
                    ("状态", Align::Left),
                    ("总投资(万元)", Align::Right),
                    (&format!("{year}年计划(万元)"), Align::Right),
                    (&format!("{year}年完成(万元)"), Align::Right),
                    ("灯号", Align::Left),
                ]);
                let bands = app.light_bands();
                for v in &projects {
                    let p = &v.item;
                    let y = p.year(year);
                    t.row(vec![
                        p.code.clone(),
                        p.name.clone(),
                        p.lead_unit.clone(),
                        p.status.label_zh().into(),
                        fmt_wan(p.total_wan),
                        y.map(|y| fmt_wan(y.planned_wan)).unwrap_or("—".into()),
                        y.and_then(|y| y.completed_wan)
                            .map(fmt_wan)
                            .unwrap_or("未报送".into()),
                        p.year_schedule(year, today, &bands)
                            .map(|s| s.light.colour_zh().to_string())
                            .unwrap_or("—".into()),
                    ]);
                }
                print!("{}", t.render());
                let total = &summary.total;
                println!(
                    "合计:{} 个项目,总投资 {} 万元;截至 {year} 年累计完成 {} 万元,占方案目标 {} 的 {};{year} 年计划 {} 万元,完成 {} 万元,{}。",
                    total.projects,
                    fmt_wan(total.registered_wan),
                    fmt_wan(total.completed_to_date_wan),
                    total
                        .goal_wan
                        .map(|g| format!("{} 万元", fmt_wan(g)))
                        .unwrap_or("(方案未写)".into()),
                    total
                        .share_of_goal
                        .map(|s| format!("{:.1}%", s * 100.0))
                        .unwrap_or("—".into()),
                    fmt_wan(summary.year.planned_wan),
                    summary
                        .year
                        .completed_wan
                        .map(fmt_wan)
                        .unwrap_or("未报送".into()),
                    summary.year.schedule.light.colour_zh()
                );
                println!("依据:{}", total.schedule.explanation.formula);
            }
            ProjectsCmd::Add {
                code,
                fields,
                actor,
            } => {
                let mut p = MajorProject {
                    code,
                    name: String::new(),
                    domain: String::new(),
                    key_task: None,
                    place: None,
                    lead_unit: String::new(),
                    partner_units: Vec::new(),
                    total_wan: 0.0,
                    start: actor.today(&app),
                    end: actor.today(&app),
                    years: Vec::new(),
                    milestones: Vec::new(),
                    status: ProjectStatus::NotStarted,
                    closing_note: String::new(),
                    synthetic: false,
                };
                apply(&mut p, fields)?;
                let saved = app.save_project(&actor.login, p, 0).await?;
                println!("已登记重大项目 {}(版本 {})", saved.item.code, saved.version);
            }
            ProjectsCmd::Edit {
                code,
                fields,
                actor,
            } => {
                let current = app.project(&code).await?;
                let mut p = current.item;
                apply(&mut p, fields)?;
                let saved = app.save_project(&actor.login, p, current.version).await?;
                println!("已修改重大项目 {}(版本 {})", saved.item.code, saved.version);
            }
            ProjectsCmd::Close {
                code,
                status,
                note,
                actor,
            } => {
                let current = app.project(&code).await?;
                let saved = app
                    .close_project(&actor.login, &code, status, &note, current.version)
                    .await?;
                println!("重大项目 {} 已{}", saved.item.code, saved.item.status.label_zh());
            }
            ProjectsCmd::Import { file, actor } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("读取 {}", file.display()))?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                let saved = app.import_projects(&actor.login, &bytes, &name).await?;
                println!("已导入 {} 个重大项目", saved.len());
            }
            ProjectsCmd::Export { file } => {
                let bytes = app.projects_xlsx().await?;
                std::fs::write(&file, bytes).with_context(|| format!("写入 {}", file.display()))?;
                println!("已写出 {}", file.display());
            }
        }
        Ok(())
    })
}

pub fn run_livelihood(db: &str, cmd: LivelihoodCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            LivelihoodCmd::List { year, json } => {
                let items = app.livelihood_items(Some(year)).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&items)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("编号", Align::Left),
                    ("项目", Align::Left),
                    ("牵头单位", Align::Left),
                    ("目标", Align::Right),
                    ("最新累计完成", Align::Right),
                    ("完成日期", Align::Left),
                ]);
                for v in &items {
                    let i = &v.item;
                    t.row(vec![
                        i.id(),
                        i.name.clone(),
                        i.lead_unit.clone(),
                        format!("{}{}", fmt_wan(i.target), i.unit),
                        i.latest()
                            .map(|p| format!("{}{}({}月)", fmt_wan(p.done), i.unit, p.month))
                            .unwrap_or("未报送".into()),
                        i.completed_on.map(|d| d.to_string()).unwrap_or("—".into()),
                    ]);
                }
                print!("{}", t.render());
            }
            LivelihoodCmd::Add {
                year,
                number,
                name,
                target,
                unit,
                lead,
                domain,
                places,
                actor,
            } => {
                let item = LivelihoodItem {
                    year,
                    number,
                    name,
                    domain,
                    target,
                    unit,
                    lead_unit: lead,
                    places: split_units(&places),
                    progress: Vec::new(),
                    completed_on: None,
                    synthetic: false,
                };
                let saved = app.save_livelihood(&actor.login, item, 0).await?;
                println!("已登记民生实事 {}", saved.item.id());
            }
            LivelihoodCmd::Report {
                id,
                month,
                done,
                note,
                completed_on,
                actor,
            } => {
                if !(1..=12).contains(&month) {
                    bail!("--month 应为 1–12");
                }
                let saved = app
                    .report_livelihood(&actor.login, &id, month, done, &note, completed_on)
                    .await?;
                println!(
                    "已填报 {} 的 {month} 月进度(版本 {})",
                    saved.item.id(),
                    saved.version
                );
            }
            LivelihoodCmd::Card {
                year,
                at,
                json,
                xlsx,
            } => {
                let rows = app.livelihood_card(year, at).await?;
                if let Some(path) = xlsx {
                    let bytes = app.livelihood_card_xlsx(year, at).await?;
                    std::fs::write(&path, bytes)
                        .with_context(|| format!("写入 {}", path.display()))?;
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                    return Ok(());
                }
                println!(
                    "{year}年民生实事{}报告单(截至{}月末)",
                    at.label_zh(),
                    at.month()
                );
                let mut t = Table::new(&[
                    ("序号", Align::Right),
                    ("项目", Align::Left),
                    ("牵头单位", Align::Left),
                    ("目标", Align::Right),
                    ("累计完成", Align::Right),
                    ("完成比例", Align::Right),
                    ("灯号", Align::Left),
                ]);
                for r in &rows {
                    t.row(vec![
                        r.number.to_string(),
                        r.name.clone(),
                        r.lead_unit.clone(),
                        format!("{}{}", fmt_wan(r.target), r.unit),
                        r.done
                            .map(|d| format!("{}{}", fmt_wan(d), r.unit))
                            .unwrap_or("未报送".into()),
                        r.share
                            .map(|s| format!("{:.1}%", s * 100.0))
                            .unwrap_or("—".into()),
                        r.schedule.light.colour_zh().into(),
                    ]);
                }
                print!("{}", t.render());
            }
        }
        Ok(())
    })
}
