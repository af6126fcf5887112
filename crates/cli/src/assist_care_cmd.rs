//! `youxiang assist visits plan|record|list|rate|recompute` and `youxiang assist flags
//! scan|list|handle|rules` — 探访关爱 and 监测预警 (弱有众扶, issue 16 point 4) from the
//! command line, scoped like the pages (`--as` a town's or village's worker sees its own
//! households; another's is not found). Households are named by id only; no personal data
//! is printed.

use anyhow::Result;
use chrono::NaiveDate;
use youxiang_app::App;
use youxiang_app::assist::visits::NewVisit;
use youxiang_app::assist::warnings::FlagFilter;
use youxiang_core::assist::register::Category;
use youxiang_core::assist::visits::{DueState, Frequency, Rate, VisitMode};
use youxiang_core::assist::warnings::{FlagRules, FlagState, Outcome};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum VisitsCmd {
    /// The visit plan: each category's frequency; with --category and --frequency (or
    /// --none) sets one (the office and 区民政局).
    Plan {
        #[arg(long)]
        category: Option<Category>,
        /// monthly, quarterly, half_yearly, yearly (每月, 季度 …).
        #[arg(long)]
        frequency: Option<Frequency>,
        /// The category owes no visits.
        #[arg(long)]
        none: bool,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Records a visit to one of the worker's households.
    Record {
        household: String,
        /// The visit's day (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[arg(long)]
        visitor: String,
        /// home, phone or video (入户, 电话, 视频).
        #[arg(long, default_value = "home")]
        mode: VisitMode,
        #[arg(long, default_value = "")]
        findings: String,
        /// Needs found, comma-separated (助餐,助医 …).
        #[arg(long, default_value = "")]
        needs: String,
        #[arg(long, default_value = "")]
        follow_up: String,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// The households' visits due: done, open and overdue (only overdue with --overdue),
    /// or one household's visit records.
    List {
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        household: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// 探访关爱率 per town (per village under --place TOWN): the current period and the
    /// year so far.
    Rate {
        #[arg(long)]
        place: Option<String>,
        /// The day (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Recomputes K7.2f 社会救助家庭探访关爱率 for the year of the day (系统计算).
    Recompute {
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum FlagsCmd {
    /// Runs the flag rules over the worker's households (or one) and raises new flags.
    Scan {
        #[arg(long)]
        household: Option<String>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// The flags: per place, per worker (--assignee LOGIN), per state.
    List {
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        assignee: Option<String>,
        /// open, handled or overdue.
        #[arg(long)]
        state: Option<FlagState>,
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Handles a flag: the outcome (no_change 核查无变化, adjust 调整救助, refer 转介) and
    /// a note.
    Handle {
        id: String,
        #[arg(long)]
        outcome: Outcome,
        #[arg(long)]
        note: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// The rules' thresholds; with a JSON file (the shape printed) replaces them.
    Rules {
        #[arg(long)]
        set: Option<std::path::PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
}

async fn open_app(db: &str) -> Result<App> {
    let app = open(db).await?;
    app.use_assist_key_file(db)?;
    Ok(app)
}

fn print_json<T: serde::Serialize>(v: &T) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn pct(r: &Rate) -> String {
    r.percent()
        .map(|p| format!("{p:.1}%"))
        .unwrap_or_else(|| "—".into())
}

pub fn run_visits(db: &str, cmd: VisitsCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_app(db).await?;
        match cmd {
            VisitsCmd::Plan {
                category,
                frequency,
                none,
                actor,
                json,
            } => {
                let mut plan = app.assist_visit_plan().await?;
                if let Some(c) = category {
                    if frequency.is_none() && !none {
                        anyhow::bail!("请给出 --frequency 或 --none");
                    }
                    plan = app
                        .set_assist_visit_frequency(&actor.login, c, frequency, plan.version)
                        .await?;
                    println!("已修改探访计划");
                }
                if json {
                    return print_json(&plan);
                }
                let mut t = Table::new(&[("困难类别", Align::Left), ("探访频次", Align::Left)]);
                for r in &plan.plan.rows {
                    t.row(vec![
                        r.category.label_zh().into(),
                        r.frequency.label_zh().into(),
                    ]);
                }
                print!("{}", t.render());
                println!("(多个类别取最频繁者;未列出的类别不要求探访)");
                Ok(())
            }
            VisitsCmd::Record {
                household,
                date,
                visitor,
                mode,
                findings,
                needs,
                follow_up,
                actor,
                json,
            } => {
                let v = app
                    .record_assist_visit(
                        &actor.login,
                        NewVisit {
                            household,
                            date: date.unwrap_or_else(|| actor.today(&app)),
                            visitor,
                            mode,
                            findings,
                            needs_found: needs.split([',', '、', ',']).map(String::from).collect(),
                            follow_up,
                            demo: false,
                        },
                    )
                    .await?;
                if json {
                    return print_json(&v);
                }
                println!(
                    "已记录探访 {}:{} {} {}",
                    v.id,
                    v.household,
                    v.date,
                    v.mode.label_zh()
                );
                Ok(())
            }
            VisitsCmd::List {
                place,
                household,
                overdue,
                actor,
                json,
            } => {
                if let Some(h) = household {
                    let visits = app.assist_visits(&actor.login, Some(&h)).await?;
                    if json {
                        return print_json(&visits);
                    }
                    let mut t = Table::new(&[
                        ("日期", Align::Left),
                        ("方式", Align::Left),
                        ("探访人", Align::Left),
                        ("发现需求", Align::Left),
                        ("后续跟进", Align::Left),
                    ]);
                    for v in &visits {
                        t.row(vec![
                            v.date.to_string(),
                            v.mode.label_zh().into(),
                            v.visitor.clone(),
                            v.needs_found.join("、"),
                            v.follow_up.clone(),
                        ]);
                    }
                    print!("{}", t.render());
                    return Ok(());
                }
                let o = app
                    .assist_visit_overview(&actor.login, place.as_deref(), Some(actor.today(&app)))
                    .await?;
                let rows: Vec<_> = o
                    .schedules
                    .iter()
                    .filter(|s| !overdue || youxiang_app::assist::visits::has_overdue(s))
                    .filter(|s| !s.periods.is_empty())
                    .collect();
                if json {
                    return print_json(&rows);
                }
                let mut t = Table::new(&[
                    ("户编号", Align::Left),
                    ("地点", Align::Left),
                    ("频次", Align::Left),
                    ("本期", Align::Left),
                    ("截止", Align::Left),
                    ("逾期(期)", Align::Right),
                    ("上次探访", Align::Left),
                ]);
                for s in &rows {
                    let cur = s.current(o.day);
                    t.row(vec![
                        s.household.clone(),
                        s.place.clone(),
                        s.frequency.map(|f| f.label_zh()).unwrap_or("—").into(),
                        cur.map(|p| p.state.label_zh()).unwrap_or("—").into(),
                        cur.map(|p| p.deadline.to_string()).unwrap_or_default(),
                        s.periods
                            .iter()
                            .filter(|p| p.state == DueState::Overdue)
                            .count()
                            .to_string(),
                        s.last_visit.map(|d| d.to_string()).unwrap_or("—".into()),
                    ]);
                }
                print!("{}", t.render());
                Ok(())
            }
            VisitsCmd::Rate {
                place,
                date,
                actor,
                json,
            } => {
                let day = date.unwrap_or_else(|| actor.today(&app));
                let o = app
                    .assist_visit_overview(&actor.login, place.as_deref(), Some(day))
                    .await?;
                if json {
                    return print_json(&serde_json::json!({
                        "day": o.day, "places": o.places,
                        "total_period": o.total_period, "total_year": o.total_year,
                    }));
                }
                let mut t = Table::new(&[
                    ("地点", Align::Left),
                    ("本期应探访(户)", Align::Right),
                    ("本期已探访(户)", Align::Right),
                    ("本期探访关爱率", Align::Right),
                    ("本年应探访(户)", Align::Right),
                    ("本年按期探访(户)", Align::Right),
                    ("本年探访关爱率", Align::Right),
                ]);
                let mut row = |name: String, p: &Rate, y: &Rate| {
                    t.row(vec![
                        name,
                        p.due.to_string(),
                        p.visited.to_string(),
                        pct(p),
                        y.due.to_string(),
                        y.visited.to_string(),
                        pct(y),
                    ]);
                };
                for p in &o.places {
                    row(p.name.clone(), &p.period, &p.year);
                }
                row("合计".into(), &o.total_period, &o.total_year);
                print!("{}", t.render());
                println!(
                    "截至{}。本年:有应探访周期已到期的家庭中,每个到期周期都已探访的比例(当前未到期周期不计)。",
                    o.day
                );
                Ok(())
            }
            VisitsCmd::Recompute { actor } => {
                let out = app.recompute_visit_rate_as(&actor.login).await?;
                println!(
                    "K7.2f 社会救助家庭探访关爱率已重新计算:写入{}项{}",
                    out.written,
                    if out.kept_reported.is_empty() {
                        String::new()
                    } else {
                        format!(",{}项保留人工填报值", out.kept_reported.len())
                    }
                );
                Ok(())
            }
        }
    })
}

pub fn run_flags(db: &str, cmd: FlagsCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_app(db).await?;
        match cmd {
            FlagsCmd::Scan {
                household,
                actor,
                json,
            } => {
                let raised = app
                    .scan_assist_flags(&actor.login, household.as_deref())
                    .await?;
                if json {
                    return print_json(&raised);
                }
                println!("新增预警 {} 条", raised.len());
                for f in &raised {
                    println!(
                        "  {} {} {} → {}(截止{})",
                        f.id,
                        f.kind.label_zh(),
                        f.detail,
                        f.assignee,
                        f.deadline
                    );
                }
                Ok(())
            }
            FlagsCmd::List {
                place,
                assignee,
                state,
                actor,
                json,
            } => {
                let list = app
                    .assist_flags(
                        &actor.login,
                        &FlagFilter {
                            place,
                            assignee,
                            state,
                            household: None,
                        },
                    )
                    .await?;
                if json {
                    return print_json(&list);
                }
                let mut t = Table::new(&[
                    ("编号", Align::Left),
                    ("户编号", Align::Left),
                    ("类型", Align::Left),
                    ("情况", Align::Left),
                    ("责任人", Align::Left),
                    ("截止", Align::Left),
                    ("状态", Align::Left),
                    ("处理结果", Align::Left),
                ]);
                for e in &list {
                    t.row(vec![
                        e.flag.id.clone(),
                        e.flag.household.clone(),
                        e.flag.kind.label_zh().into(),
                        e.flag.detail.clone(),
                        e.flag.assignee.clone(),
                        e.flag.deadline.to_string(),
                        e.now.label_zh().into(),
                        e.flag.outcome.map(|o| o.label_zh()).unwrap_or("").into(),
                    ]);
                }
                print!("{}", t.render());
                Ok(())
            }
            FlagsCmd::Handle {
                id,
                outcome,
                note,
                actor,
            } => {
                let e = app
                    .handle_assist_flag(&actor.login, &id, outcome, &note)
                    .await?;
                println!("预警 {} 已处理:{}", e.flag.id, outcome.label_zh());
                Ok(())
            }
            FlagsCmd::Rules { set, actor } => {
                let mut stored = app.assist_flag_rules().await?;
                if let Some(path) = set {
                    let text = std::fs::read_to_string(&path)?;
                    let rules: FlagRules = serde_json::from_str(&text)?;
                    stored = app
                        .save_assist_flag_rules(&actor.login, rules, stored.version)
                        .await?;
                    println!("已修改监测预警规则");
                }
                print_json(&stored)?;
                Ok(())
            }
        }
    })
}
