//! The management loop on the command line: `rank`, `orders`, `tasks`, `weekly`,
//! `lag-note`, `inbox` and `report quarterly`. Each acts as a user (`--as`, the
//! administrator by default), with the same checks as the web.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use youxiang_app::manage::{OrderFilter, RankBy};
use youxiang_app::{App, ReportFormat};
use youxiang_core::china_time::show_minute;
use youxiang_core::manage::{
    IsoWeek, Milestone, OrderAction, OrderDraft, OrderSource, OrderState, ReviewCheck,
    ReviewChecklist, WeekItem, WeekItemStatus, YearInvestment,
};
use youxiang_core::period::Period;

use crate::data_cmd::{open, runtime};
use crate::table::{Align, Table};

#[derive(clap::Args, Debug, Clone)]
pub struct Actor {
    /// Act as this user (the checks of that user's role and unit apply).
    #[arg(long = "as", default_value = "admin", global = true)]
    pub login: String,
    /// Today's date for deadlines and overdue checks (default: the demo's day in a demo
    /// database, else today in Beijing).
    #[arg(long, global = true)]
    pub today: Option<NaiveDate>,
}

impl Actor {
    /// `--today`, else the app's day (the demo's day in a demo database, else the clock),
    /// the same day the web judges deadlines by.
    pub(crate) fn today(&self, app: &App) -> NaiveDate {
        self.today.unwrap_or_else(|| app.today())
    }
}

#[derive(clap::Args, Debug)]
pub struct RankArgs {
    /// The month, e.g. 2025-06.
    pub month: Period,
    /// Rank the towns (镇街) or the lead departments.
    #[arg(long, default_value = "town")]
    pub by: RankBy,
    #[arg(long)]
    pub json: bool,
    /// Also write the ranking as an Excel workbook.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Publish it (kept as computed) and raise orders for units in the bottom N months running.
    #[arg(long)]
    pub publish: bool,
    #[command(flatten)]
    pub actor: Actor,
}

#[derive(clap::Subcommand, Debug)]
pub enum OrdersCmd {
    /// Orders the user may see.
    List {
        #[arg(long)]
        unit: Option<String>,
        /// registered, assigned, in_progress, extension_requested, answered, closed, returned
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// One order with its timeline.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Raise an order by hand (programme office); assigned at once unless --no-assign.
    Raise {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        body: String,
        #[arg(long)]
        lead_unit: String,
        #[arg(long = "partner")]
        partners: Vec<String>,
        #[arg(long)]
        deadline: NaiveDate,
        #[arg(long)]
        no_assign: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Act on an order: assign, accept, extend, decide, feedback, approve, return.
    Act {
        id: String,
        action: String,
        /// Feedback text, or the reason of an extension or a return.
        #[arg(long, default_value = "")]
        text: String,
        /// The new deadline asked for (extend).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Refuse the extension (decide); approve it otherwise.
        #[arg(long)]
        refuse: bool,
        /// Closing-review checks that passed (approve): all, or a list of
        /// facts_clear,problem_solved,task_done,conclusion_accurate,compliant,format_correct.
        #[arg(long, default_value = "")]
        checks: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Raise orders for red lights; send reminders and escalation notices (idempotent).
    Sweep {
        #[command(flatten)]
        actor: Actor,
    },
    /// Closure and overdue rates per lead unit.
    Stats {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum TasksCmd {
    /// Key tasks and major projects with their milestones.
    List {
        /// Only those with overdue milestones.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// One task or project (e.g. task:1.2 or project:P01).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Add a milestone to the route map.
    Milestone {
        id: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        due: NaiveDate,
        #[command(flatten)]
        actor: Actor,
    },
    /// Mark a milestone done, with its evidence.
    Done {
        id: String,
        milestone: u32,
        #[arg(long)]
        on: NaiveDate,
        #[arg(long, default_value = "")]
        evidence: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// A progress update with evidence files.
    Progress {
        id: String,
        #[arg(long)]
        text: String,
        #[arg(long = "attach")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// A project's investment for a year (亿元).
    Investment {
        id: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        planned: f64,
        #[arg(long)]
        completed: Option<f64>,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum WeeklyCmd {
    /// File a unit's weekly plan; last week's undone items are carried over.
    File {
        #[arg(long)]
        unit: String,
        /// ISO week, e.g. 2025-W27.
        #[arg(long)]
        week: IsoWeek,
        /// A planned item (repeatable); `TEXT@LINK` links it to the task, project or
        /// order it advances (`@task:1.2`, `@project:P02`, `@DB-2025-0003`).
        #[arg(long = "item")]
        items: Vec<String>,
        /// A done item (repeatable), `TEXT@LINK` as for `--item`.
        #[arg(long = "done")]
        done: Vec<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// The week view: every department and town, filed or not, and the items grouped by
    /// the task, project or order they advance.
    View {
        #[arg(long)]
        week: IsoWeek,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
}

/// The management loop's settings: the ranking rule (cap, domain weights, extra terms,
/// bottom N, run of months), reminders and escalation, automatic orders.
#[derive(clap::Args, Debug)]
pub struct ConfigArgs {
    /// Replace the settings with this JSON file (as `config` prints them); programme office.
    #[arg(long)]
    pub set: Option<PathBuf>,
    #[command(flatten)]
    pub actor: Actor,
}

#[derive(clap::Args, Debug)]
pub struct LagNoteArgs {
    pub indicator: String,
    pub place: String,
    /// The period the note answers for, e.g. 2025Q3.
    pub period: Period,
    #[arg(long, default_value = "")]
    pub cause: String,
    #[arg(long, default_value = "")]
    pub measure: String,
    #[command(flatten)]
    pub actor: Actor,
}

#[derive(clap::Args, Debug)]
pub struct InboxArgs {
    /// Mark these notices read.
    #[arg(long = "read")]
    pub read: Vec<String>,
    /// Set the user's e-mail address for copies of notices (when SMTP is configured).
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub actor: Actor,
}

#[derive(clap::Subcommand, Debug)]
pub enum ReportCmd {
    /// 季分析: the quarterly analysis report.
    Quarterly {
        /// The quarter, e.g. 2025Q3.
        quarter: Period,
        #[arg(long, default_value = "html")]
        format: ReportFormat,
        /// Where to write it (default: 季分析-2025Q3.<format> in the current folder).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 年度监测评估报告: the yearly evaluation report (`--midterm`: the mid-term one).
    Yearly {
        /// The year, e.g. 2024.
        year: i32,
        #[arg(long, default_value = "html")]
        format: ReportFormat,
        /// The mid-term evaluation (中期评估报告) of that year.
        #[arg(long)]
        midterm: bool,
        /// Where to write it (default: 年度监测评估报告-2024.<format>).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 中期评估报告: the mid-term evaluation report (as `yearly YEAR --midterm`).
    Midterm {
        /// The year, e.g. 2025.
        year: i32,
        #[arg(long, default_value = "html")]
        format: ReportFormat,
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// 下一年度细化措施: each lead unit's measures for the yearly report.
    #[command(subcommand)]
    Measures(crate::yearly_cmd::MeasuresCmd),
}

fn pct(r: Option<f64>) -> String {
    r.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub fn run_rank(db: &str, args: RankArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        let (report, raised) = if args.publish {
            app.publish_ranking(&args.actor.login, args.by, args.month)
                .await?
        } else {
            (app.ranking(args.by, args.month).await?, Vec::new())
        };
        if let Some(path) = &args.xlsx {
            let bytes = youxiang_app::manage::ranking_xlsx(&report)?;
            std::fs::write(path, bytes).with_context(|| format!("无法写入 {}", path.display()))?;
            eprintln!("已写入 {}", path.display());
        }
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(());
        }
        println!(
            "{} {}月度排名{}",
            report.month.label_zh(),
            report.by.label_zh(),
            report
                .published_at
                .map(|t| format!("(已于 {} 发布)", show_minute(t)))
                .unwrap_or_default()
        );
        let mut t = Table::new(&[
            ("名次", Align::Right),
            ("单位", Align::Left),
            ("得分(分)", Align::Right),
            ("指标得分(分)", Align::Right),
            ("灯色(绿 黄 红)", Align::Left),
            ("变化", Align::Left),
            ("无数据指标", Align::Left),
            ("标记", Align::Left),
        ]);
        for row in &report.ranking.rows {
            t.row(vec![
                row.rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "—".into()),
                row.unit.clone(),
                row.score
                    .map(|s| format!("{s:.2}"))
                    .unwrap_or_else(|| "无数据".into()),
                row.base.map(|s| format!("{s:.2}")).unwrap_or_default(),
                row.lights_text(),
                match (row.change, row.previous_rank) {
                    (_, None) => "新".into(),
                    (Some(c), _) if c > 0 => format!("↑{c}"),
                    (Some(c), _) if c < 0 => format!("↓{}", -c),
                    _ => "–".into(),
                },
                row.no_data.join("、"),
                report.ranking.marks_zh(row, &report.flagged).join("、"),
            ]);
        }
        print!("{}", t.render());
        println!("\n排名规则:\n{}", report.rule_zh);
        if !raised.is_empty() {
            println!("已自动立项督办单:{}", raised.join("、"));
        }
        Ok(())
    })
}

fn parse_state(s: &str) -> Result<OrderState> {
    Ok(s.parse()?)
}

fn parse_checks(s: &str) -> Result<ReviewChecklist> {
    if s.trim() == "all" {
        return Ok(ReviewChecklist::all());
    }
    let mut c = ReviewChecklist::default();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let check: ReviewCheck = part.parse()?;
        c.set(check, true);
    }
    Ok(c)
}

pub fn run_orders(db: &str, cmd: OrdersCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            OrdersCmd::List {
                unit,
                state,
                overdue,
                json,
                actor,
            } => {
                let filter = OrderFilter {
                    unit,
                    state: state.as_deref().map(parse_state).transpose()?,
                    overdue,
                };
                let today = actor.today(&app);
                let orders = app.orders(&actor.login, &filter, today).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&orders)?);
                    return Ok(());
                }
                let config = app.manage_config().await?;
                let mut t = Table::new(&[
                    ("编号", Align::Left),
                    ("标题", Align::Left),
                    ("牵头单位", Align::Left),
                    ("状态", Align::Left),
                    ("办理期限", Align::Left),
                    ("逾期(天)", Align::Right),
                    ("督办级别", Align::Left),
                ]);
                for o in &orders {
                    let o = &o.item;
                    t.row(vec![
                        o.id.clone(),
                        o.title.clone(),
                        o.lead_unit.clone(),
                        o.state.label_zh().into(),
                        o.deadline.to_string(),
                        if o.state.is_open() && o.is_overdue(today) {
                            o.days_overdue(today).to_string()
                        } else {
                            String::new()
                        },
                        o.escalation(today, &config.escalation)
                            .map(|(_, l)| l)
                            .unwrap_or_default(),
                    ]);
                }
                print!("{}", t.render());
                println!("共 {} 件", orders.len());
            }
            OrdersCmd::Show { id, json, actor } => {
                let o = app.order(&actor.login, &id).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&o)?);
                    return Ok(());
                }
                let o = o.item;
                println!("{} {}", o.id, o.title);
                println!("来源:{}", o.source.label_zh());
                println!("牵头单位:{}", o.lead_unit);
                if !o.partner_units.is_empty() {
                    println!("配合单位:{}", o.partner_units.join("、"));
                }
                println!("办理期限:{}    状态:{}", o.deadline, o.state.label_zh());
                if !o.body.is_empty() {
                    println!("内容:{}", o.body);
                }
                for e in &o.events {
                    println!(
                        "  {} {} {} → {}{}",
                        show_minute(e.at),
                        e.actor,
                        e.from.label_zh(),
                        e.to.label_zh(),
                        if e.note.is_empty() {
                            String::new()
                        } else {
                            format!(":{}", e.note)
                        }
                    );
                }
            }
            OrdersCmd::Raise {
                title,
                body,
                lead_unit,
                partners,
                deadline,
                no_assign,
                actor,
            } => {
                let draft = OrderDraft {
                    id: String::new(),
                    title,
                    body,
                    source: OrderSource::Manual,
                    lead_unit,
                    partner_units: partners,
                    deadline,
                };
                let o = app.raise_order(&actor.login, draft, !no_assign).await?;
                println!("已立项督办单 {}(状态:{})", o.item.id, o.item.state.label_zh());
            }
            OrdersCmd::Act {
                id,
                action,
                text,
                date,
                refuse,
                checks,
                actor,
            } => {
                let action = match action.as_str() {
                    "assign" | "交办" => OrderAction::Assign,
                    "accept" | "签收" => OrderAction::Accept,
                    "extend" | "申请延期" => OrderAction::RequestExtension {
                        new_deadline: date.context("申请延期须给出 --date 新期限")?,
                        reason: text,
                    },
                    "decide" | "延期审批" => OrderAction::DecideExtension { approve: !refuse },
                    "feedback" | "反馈" => OrderAction::Feedback { text },
                    "approve" | "审结通过" => OrderAction::Approve {
                        checklist: parse_checks(&checks)?,
                    },
                    "return" | "退回" => OrderAction::Return { reason: text },
                    other => bail!(
                        "动作“{other}”无效:应为 assign、accept、extend、decide、feedback、approve 或 return"
                    ),
                };
                let current = app.order(&actor.login, &id).await?;
                let o = app
                    .act_on_order(&actor.login, &id, action, current.version)
                    .await?;
                println!("督办单 {}:{}", o.item.id, o.item.state.label_zh());
            }
            OrdersCmd::Sweep { actor } => {
                let r = app.sweep(actor.today(&app)).await?;
                println!(
                    "红灯自动立项 {} 件{};到期提醒 {} 条;逾期督办 {} 件",
                    r.raised.len(),
                    if r.raised.is_empty() {
                        String::new()
                    } else {
                        format!("({})", r.raised.join("、"))
                    },
                    r.reminders,
                    r.escalations
                );
            }
            OrdersCmd::Stats { json, actor } => {
                let stats = app.order_stats(actor.today(&app)).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&stats)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("牵头单位", Align::Left),
                    ("立项(件)", Align::Right),
                    ("审结(件)", Align::Right),
                    ("按期审结(件)", Align::Right),
                    ("在办(件)", Align::Right),
                    ("逾期(件)", Align::Right),
                    ("按期办结率", Align::Right),
                    ("逾期率", Align::Right),
                ]);
                for s in &stats {
                    t.row(vec![
                        s.unit.clone(),
                        s.raised.to_string(),
                        s.closed.to_string(),
                        s.closed_on_time.to_string(),
                        s.open.to_string(),
                        s.overdue.to_string(),
                        pct(s.closure_rate),
                        pct(s.overdue_rate),
                    ]);
                }
                print!("{}", t.render());
            }
        }
        Ok(())
    })
}

pub fn run_tasks(db: &str, cmd: TasksCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            TasksCmd::List {
                overdue,
                json,
                actor,
            } => {
                let today = actor.today(&app);
                let mut items = app.work_items().await?;
                if overdue {
                    items.retain(|w| !w.item.overdue_milestones(today).is_empty());
                }
                if json {
                    println!("{}", serde_json::to_string_pretty(&items)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("编号", Align::Left),
                    ("类别", Align::Left),
                    ("名称", Align::Left),
                    ("牵头单位", Align::Left),
                    ("节点(个)", Align::Right),
                    ("已完成(个)", Align::Right),
                    ("逾期(个)", Align::Right),
                    ("进展(条)", Align::Right),
                ]);
                for w in &items {
                    let i = &w.item;
                    t.row(vec![
                        i.id.clone(),
                        i.kind.label_zh().into(),
                        i.title.clone(),
                        i.lead_unit.clone(),
                        i.milestones.len().to_string(),
                        i.milestones
                            .iter()
                            .filter(|m| m.done_on.is_some())
                            .count()
                            .to_string(),
                        i.overdue_milestones(today).len().to_string(),
                        i.updates.len().to_string(),
                    ]);
                }
                print!("{}", t.render());
            }
            TasksCmd::Show { id, json, actor } => {
                let w = app.work_item(&id).await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&w)?);
                    return Ok(());
                }
                let today = actor.today(&app);
                let i = &w.item;
                println!("{} {}({})", i.id, i.title, i.kind.label_zh());
                println!("牵头单位:{}", i.lead_unit);
                if !i.partner_units.is_empty() {
                    println!("配合单位:{}", i.partner_units.join("、"));
                }
                println!("措施:{}", i.measures);
                for m in &i.milestones {
                    println!(
                        "  节点 {} {} 期限 {} {}",
                        m.id,
                        m.title,
                        m.due,
                        match m.done_on {
                            Some(d) => format!("已于 {d} 完成 {}", m.evidence),
                            None if m.is_overdue(today) => "逾期未完成".into(),
                            None => "未完成".into(),
                        }
                    );
                }
                for y in &i.investment {
                    println!(
                        "  {} 年投资:计划 {} 亿元,完成 {}",
                        y.year,
                        y.planned_yi_yuan,
                        y.completed_yi_yuan
                            .map(|c| format!("{c} 亿元"))
                            .unwrap_or_else(|| "未填报".into())
                    );
                }
                for u in &i.updates {
                    println!(
                        "  {} {}:{}{}",
                        show_minute(u.at),
                        u.actor,
                        u.text,
                        if u.attachments.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "(附件:{})",
                                u.attachments
                                    .iter()
                                    .map(|a| a.name.clone())
                                    .collect::<Vec<_>>()
                                    .join("、")
                            )
                        }
                    );
                }
            }
            TasksCmd::Milestone {
                id,
                title,
                due,
                actor,
            } => {
                let mut w = app.work_item(&id).await?;
                let mid = w.item.next_milestone_id();
                w.item.milestones.push(Milestone {
                    id: mid,
                    title,
                    due,
                    done_on: None,
                    evidence: String::new(),
                });
                app.save_work_item(&actor.login, w.item, w.version).await?;
                println!("已添加节点 {mid}");
            }
            TasksCmd::Done {
                id,
                milestone,
                on,
                evidence,
                actor,
            } => {
                let mut w = app.work_item(&id).await?;
                let Some(m) = w.item.milestones.iter_mut().find(|m| m.id == milestone) else {
                    bail!("{id} 没有节点 {milestone}");
                };
                m.done_on = Some(on);
                m.evidence = evidence;
                app.save_work_item(&actor.login, w.item, w.version).await?;
                println!("节点 {milestone} 已记为 {on} 完成");
            }
            TasksCmd::Progress {
                id,
                text,
                files,
                actor,
            } => {
                let mut attached = Vec::new();
                for f in files {
                    let bytes =
                        std::fs::read(&f).with_context(|| format!("无法读取 {}", f.display()))?;
                    let name = f
                        .file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("附件")
                        .to_string();
                    attached.push((name, "application/octet-stream".to_string(), bytes));
                }
                let w = app.add_progress(&actor.login, &id, &text, attached).await?;
                println!("已记录进展(共 {} 条)", w.item.updates.len());
            }
            TasksCmd::Investment {
                id,
                year,
                planned,
                completed,
                actor,
            } => {
                let mut w = app.work_item(&id).await?;
                w.item.investment.retain(|y| y.year != year);
                w.item.investment.push(YearInvestment {
                    year,
                    planned_yi_yuan: planned,
                    completed_yi_yuan: completed,
                });
                w.item.investment.sort_by_key(|y| y.year);
                app.save_work_item(&actor.login, w.item, w.version).await?;
                println!("已记录 {year} 年投资");
            }
        }
        Ok(())
    })
}

pub fn run_weekly(db: &str, cmd: WeeklyCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            WeeklyCmd::File {
                unit,
                week,
                items,
                done,
                actor,
            } => {
                let mut list: Vec<WeekItem> = items
                    .iter()
                    .map(|text| week_item(text, WeekItemStatus::Planned))
                    .collect();
                list.extend(done.iter().map(|t| week_item(t, WeekItemStatus::Done)));
                let p = app.file_weekly(&actor.login, &unit, week, list).await?;
                println!(
                    "已报送 {} {}周计划:{} 项",
                    unit,
                    week.label_zh(),
                    p.item.items.len()
                );
            }
            WeeklyCmd::View { week, json, .. } => {
                let (view, plans) = app.week_view(week).await?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &serde_json::json!({"view": view, "plans": plans})
                        )?
                    );
                    return Ok(());
                }
                println!("{} 周计划", week.label_zh());
                let mut t = Table::new(&[
                    ("单位", Align::Left),
                    ("类别", Align::Left),
                    ("已报送", Align::Left),
                    ("计划(项)", Align::Right),
                    ("已完成(项)", Align::Right),
                    ("结转(项)", Align::Right),
                ]);
                for r in &view.rows {
                    t.row(vec![
                        r.unit.clone(),
                        r.kind.map(|k| k.label_zh()).unwrap_or("非必报").into(),
                        if r.filed {
                            "是".into()
                        } else {
                            "未报送".into()
                        },
                        r.planned.to_string(),
                        r.done.to_string(),
                        r.carried.to_string(),
                    ]);
                }
                print!("{}", t.render());
                if !view.missing.is_empty() {
                    println!("未报送:{}", view.missing.join("、"));
                }
                for g in &view.by_link {
                    println!("\n{}:", g.link);
                    for item in &g.items {
                        println!("  {} [{}] {}", item.unit, item.status.label_zh(), item.text);
                    }
                }
            }
        }
        Ok(())
    })
}

/// An item as written on the command line: `TEXT`, or `TEXT@LINK` where LINK names the
/// task, project or order it advances (`task:…`, `project:…`, or an order id `DB-…`).
fn week_item(written: &str, status: WeekItemStatus) -> WeekItem {
    let linked = written.rsplit_once('@').filter(|(_, link)| {
        link.starts_with("task:") || link.starts_with("project:") || link.starts_with("DB-")
    });
    let (text, work_item) = match linked {
        Some((text, link)) => (text.trim(), Some(link.trim().to_string())),
        None => (written.trim(), None),
    };
    WeekItem {
        text: text.to_string(),
        status,
        work_item,
    }
}

pub fn run_config(db: &str, args: ConfigArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        if let Some(path) = &args.set {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("无法读取 {}", path.display()))?;
            let config: youxiang_app::ManageConfig = serde_json::from_str(&text)
                .with_context(|| format!("{} 不是有效的设置(JSON)", path.display()))?;
            app.set_manage_config(&args.actor.login, &config).await?;
            eprintln!("已更新设置;排名规则:");
            eprintln!("{}", config.rank.describe_zh());
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&app.manage_config().await?)?
        );
        Ok(())
    })
}

pub fn run_lag_note(db: &str, args: LagNoteArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        app.save_lag_note(
            &args.actor.login,
            &args.indicator,
            &args.place,
            args.period,
            &args.cause,
            &args.measure,
        )
        .await?;
        println!(
            "已记录 {} 在 {} {} 的原因和措施",
            args.indicator, args.place, args.period
        );
        Ok(())
    })
}

pub fn run_inbox(db: &str, args: InboxArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        let login = &args.actor.login;
        if let Some(email) = &args.email {
            let email = (!email.is_empty()).then_some(email.as_str());
            app.set_email(login, login, email).await?;
            println!("已设置邮箱");
        }
        if !args.read.is_empty() {
            let n = app.mark_read(login, &args.read).await?;
            println!("已标记 {n} 条为已读");
        }
        let notices = app.inbox(login).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&notices)?);
            return Ok(());
        }
        let unread = notices.iter().filter(|n| n.read_at.is_none()).count();
        println!("{login} 的消息:{} 条,未读 {unread} 条", notices.len());
        for n in &notices {
            println!(
                "{} [{}] {} {}\n    {}  ({})",
                if n.read_at.is_none() { "●" } else { " " },
                n.kind.label_zh(),
                show_minute(n.created_at),
                n.title,
                n.body,
                n.id
            );
        }
        Ok(())
    })
}

pub fn run_report(db: &str, cmd: ReportCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            ReportCmd::Quarterly {
                quarter,
                format,
                out,
                actor,
            } => {
                let bytes = app
                    .quarterly_report_file(&actor.login, quarter, actor.today(&app), format)
                    .await?;
                let path = out.unwrap_or_else(|| {
                    PathBuf::from(format!("季分析-{quarter}.{}", format.extension()))
                });
                std::fs::write(&path, &bytes)
                    .with_context(|| format!("无法写入 {}", path.display()))?;
                println!("已生成 {}({} 字节)", path.display(), bytes.len());
            }
            ReportCmd::Yearly {
                year,
                format,
                midterm,
                out,
                actor,
            } => crate::yearly_cmd::write_yearly(&app, year, midterm, format, out, &actor).await?,
            ReportCmd::Midterm {
                year,
                format,
                out,
                actor,
            } => crate::yearly_cmd::write_yearly(&app, year, true, format, out, &actor).await?,
            ReportCmd::Measures(cmd) => crate::yearly_cmd::run_measures(&app, cmd).await?,
        }
        Ok(())
    })
}
