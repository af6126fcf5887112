//! `youxiang plan show | check`: the loaded plan as an aligned Chinese table or as JSON;
//! `youxiang plan revise`: 方案调整 of one target in the database, as a new plan version.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

use youxiang_core::{Indicator, IndicatorSource, Plan};
use youxiang_plantext::planfile;

use crate::table::{Align, Table};

/// The Dinghai plan, shipped inside the binary so that `youxiang` works anywhere.
pub const DINGHAI_PLAN: &str = include_str!("../../../plans/dinghai-qiyouxiang.toml");

#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// Print the plan as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also list every key task with its lead unit.
    #[arg(long)]
    pub tasks: bool,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The plan file (TOML) to check.
    pub file: PathBuf,
    /// Also warn about each lead or partner unit the file names that is not in the
    /// register of units (单位名录) of the database `--db`.
    #[arg(long)]
    pub units: bool,
}

#[derive(clap::Args, Debug)]
pub struct ReviseArgs {
    /// The indicator whose target is revised (`K1.1a`, `T01`).
    pub indicator: String,
    /// The target year revised.
    pub year: i32,
    /// The new target exactly as the revision document writes it (`≥92%`, `全覆盖`).
    pub text: String,
    /// Why (调整原因).
    #[arg(long)]
    pub reason: String,
    /// The deciding document (文号).
    #[arg(long)]
    pub document: String,
    /// From when it applies (YYYY-MM-DD); today (Beijing, the demo's day in a demo) when
    /// absent. A year that ended before it keeps its old target.
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
    /// Act as this user (only the programme office may revise the plan).
    #[arg(long = "as", default_value = "admin")]
    pub login: String,
}

/// `youxiang plan revise`: one target revised through the app's write path (the office
/// only; a new plan version, audited), then what changed and the target history.
pub fn run_revise(db: &str, args: ReviseArgs) -> Result<()> {
    crate::data_cmd::runtime()?.block_on(async {
        let app = crate::data_cmd::open(db).await?;
        let input = youxiang_app::revisions::TargetRevisionInput {
            indicator: args.indicator.trim().to_string(),
            year: args.year,
            text: args.text.clone(),
            reason: args.reason.clone(),
            document: args.document.clone(),
            date: args.date,
        };
        let version = app.revise_target(&args.login, &input).await?;
        println!(
            "已调整 {} {} 年目标为“{}”:方案第 {version} 版",
            input.indicator,
            input.year,
            input.text.trim()
        );
        println!("方案调整记录({}):", input.indicator);
        for r in app.target_revisions(&input.indicator) {
            println!(
                "  第{}版 {} 起:{}年 原目标“{}” → “{}”;原因:{};依据:{};操作人:{}",
                r.version, r.date, r.year, r.old, r.new, r.reason, r.document, r.by
            );
        }
        Ok(())
    })
}

/// Loads the plan file given, or the shipped Dinghai plan when none is given.
pub fn load_plan(path: Option<&Path>) -> Result<Plan> {
    match path {
        None => planfile::load(DINGHAI_PLAN).context("内置的定海区方案无法加载"),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("无法读取方案文件 {}", p.display()))?;
            planfile::load(&text).with_context(|| format!("方案文件 {}", p.display()))
        }
    }
}

pub fn run_check(db: &str, args: CheckArgs) -> Result<()> {
    let plan = load_plan(Some(&args.file))?;
    if args.units {
        let register = crate::data_cmd::runtime()?.block_on(async {
            let app = crate::data_cmd::open(db).await?;
            anyhow::Ok(
                app.units_as_stored()
                    .await?
                    .into_iter()
                    .map(|r| r.unit)
                    .collect::<Vec<_>>(),
            )
        })?;
        for w in youxiang_core::units::unregistered_units(&plan, &register) {
            println!("提醒:{w}");
        }
    }
    println!(
        "方案文件有效:{}(第 {} 版),{} 个领域,{} 项表内指标,{} 项任务目标,{} 项重点任务,{} 个项目",
        plan.name,
        plan.version,
        plan.domains.len(),
        plan.table_indicators().count(),
        plan.task_indicators().count(),
        plan.tasks.len(),
        plan.projects.len()
    );
    Ok(())
}

pub fn run_show(plan: &Plan, args: ShowArgs) -> Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(plan)?);
        return Ok(());
    }
    print!("{}", render(plan, args.tasks));
    Ok(())
}

fn render(plan: &Plan, with_tasks: bool) -> String {
    let mut out = String::new();
    out.push_str(&format!("{}\n", plan.name));
    out.push_str(&format!(
        "发布单位:{}  发布日期:{}  基期:{}年  目标年份:{}  版本:第{}版\n\n",
        plan.issuer,
        if plan.published.is_empty() {
            "—"
        } else {
            &plan.published
        },
        plan.baseline_year,
        year_span(&plan.target_years),
        plan.version
    ));

    let years = &plan.target_years;
    let mut headers: Vec<(String, Align)> = vec![
        ("领域".into(), Align::Left),
        ("序号".into(), Align::Right),
        ("指标".into(), Align::Left),
        ("单位".into(), Align::Left),
        (format!("{}年", plan.baseline_year), Align::Right),
    ];
    headers.extend(years.iter().map(|y| (format!("{y}年"), Align::Right)));
    headers.push(("方向".into(), Align::Left));
    headers.push(("牵头单位".into(), Align::Left));
    let header_refs: Vec<(&str, Align)> = headers.iter().map(|(h, a)| (h.as_str(), *a)).collect();

    out.push_str("一、五年目标(表内指标)\n");
    let mut table = Table::new(&header_refs);
    let mut last_domain = "";
    for ind in plan.table_indicators() {
        let seq = match ind.source {
            IndicatorSource::Table { seq } => seq.to_string(),
            IndicatorSource::Task { .. } => String::new(),
        };
        let domain = domain_name(plan, ind);
        let shown = if domain == last_domain { "" } else { domain };
        last_domain = domain;
        table.row(indicator_row(shown.to_string(), seq, ind, years));
    }
    out.push_str(&table.render());

    out.push_str("\n二、重点任务中的量化目标\n");
    let mut headers = header_refs.clone();
    headers[1] = ("编码", Align::Left);
    let mut table = Table::new(&headers);
    let mut last_domain = "";
    for ind in plan.task_indicators() {
        let domain = domain_name(plan, ind);
        let shown = if domain == last_domain { "" } else { domain };
        last_domain = domain;
        table.row(indicator_row(
            shown.to_string(),
            ind.code.clone(),
            ind,
            years,
        ));
    }
    out.push_str(&table.render());

    if with_tasks {
        out.push_str("\n三、重点任务\n");
        let mut table = Table::new(&[
            ("编号", Align::Left),
            ("领域", Align::Left),
            ("任务", Align::Left),
            ("牵头单位", Align::Left),
        ]);
        for t in &plan.tasks {
            let domain = plan
                .domain(&t.domain)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            table.row(vec![
                t.code.clone(),
                domain,
                t.title.clone(),
                t.lead_unit.clone(),
            ]);
        }
        out.push_str(&table.render());
    }

    out.push_str(&format!(
        "\n合计:{} 个领域,{} 项表内指标,{} 项任务目标,{} 项重点任务",
        plan.domains.len(),
        plan.table_indicators().count(),
        plan.task_indicators().count(),
        plan.tasks.len()
    ));
    for p in &plan.projects {
        out.push_str(&format!(
            ";{}:计划投资 {} 亿元",
            p.name, p.investment_yi_yuan
        ));
    }
    out.push('\n');
    if !plan.revisions.is_empty() {
        out.push_str("\n修订记录\n");
        for r in &plan.revisions {
            for c in &r.changes {
                out.push_str(&format!(
                    "  第{}版({}):{} {}年 “{}” → “{}”,{}{}\n",
                    r.version,
                    r.date,
                    c.indicator,
                    c.year,
                    c.old,
                    c.new,
                    r.reason,
                    if r.document.is_empty() {
                        String::new()
                    } else {
                        format!("(依据 {})", r.document)
                    }
                ));
            }
        }
    }
    out
}

fn domain_name<'a>(plan: &'a Plan, ind: &Indicator) -> &'a str {
    plan.domain(&ind.domain)
        .map(|d| d.name.as_str())
        .unwrap_or("?")
}

fn indicator_row(domain: String, id: String, ind: &Indicator, years: &[i32]) -> Vec<String> {
    let mut row = vec![domain, id, ind.name.clone(), ind.unit.clone()];
    row.push(ind.baseline.text.clone());
    for y in years {
        row.push(
            ind.targets
                .get(y)
                .map(|t| t.text.clone())
                .unwrap_or_default(),
        );
    }
    row.push(if ind.polarity.direction() > 0.0 {
        "↑".into()
    } else {
        "↓".into()
    });
    row.push(ind.lead_unit.clone());
    row
}

fn year_span(years: &[i32]) -> String {
    match (years.iter().min(), years.iter().max()) {
        (Some(a), Some(b)) if a != b => format!("{a}—{b}"),
        (Some(a), _) => a.to_string(),
        _ => "—".into(),
    }
}
