//! `youxiang`: the command line of the youxiang system. Thin: it parses arguments, wires
//! the crates together and prints; the work happens in the library crates.

mod access_cmd;
mod assess_cmd;
mod assist_care_cmd;
mod assist_cmd;
mod assist_dispatch_cmd;
mod assist_list_cmd;
mod assist_register_cmd;
mod backup_cmd;
mod boundaries_cmd;
mod catalogue_cmd;
mod circle_cmd;
mod compliance_cmd;
mod data_cmd;
mod eval_cmd;
mod exchange_cmd;
mod facilities_cmd;
mod infile;
mod manage_cmd;
mod origin;
mod plan_cmd;
mod plan_import_cmd;
mod population_cmd;
mod projects_cmd;
mod publish_cmd;
mod serve_cmd;
mod survey_cmd;
mod survey_demand_cmd;
mod survey_fieldwork_cmd;
mod table;
mod targets_cmd;
mod units_cmd;
mod users_cmd;
mod yearly_cmd;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// 有享 youxiang — 公共服务“七优享”工程:从方案到成效。
#[derive(Parser, Debug)]
#[command(name = "youxiang", version, about, long_about = None)]
struct Cli {
    /// The plan file (TOML) to use instead of the shipped Dinghai plan.
    #[arg(long, global = true, env = "YOUXIANG_PLAN")]
    plan: Option<PathBuf>,

    /// The database: sqlite://FILE (embedded, the default) or postgres://…
    #[arg(long, global = true, env = "YOUXIANG_DB", default_value = data_cmd::DEFAULT_DB)]
    db: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The plan: show it, check a plan file, import a published plan text.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Create or update a database with the plan, places and the administrator.
    Init(data_cmd::InitArgs),
    /// Set up the Dinghai demo: plan, 13 towns with villages, users, synthetic data.
    Demo(data_cmd::DemoArgs),
    /// The web interface and the JSON API (OpenAPI at /api/openapi.json, docs at /api/docs).
    Serve(serve_cmd::ServeArgs),
    /// Users: add, list, change a password.
    #[command(subcommand)]
    Users(users_cmd::UsersCmd),
    /// Places: import a hierarchy or a villages file, show it.
    #[command(subcommand)]
    Places(data_cmd::PlacesCmd),
    /// Reported values: upload a file, write a template.
    #[command(subcommand)]
    Values(data_cmd::ValuesCmd),
    /// The status table with lights.
    Status(data_cmd::StatusArgs),
    /// Where a figure comes from and why its light is what it is.
    Explain(data_cmd::ExplainArgs),
    /// Expected versus received reports per reporter and period, on time or late.
    Completeness(data_cmd::CompletenessArgs),
    /// The audit trail: query it, or `audit verify` the hash chain.
    Audit(data_cmd::AuditArgs),
    /// An online, consistent copy of the database into FILE (SQLite: VACUUM INTO;
    /// PostgreSQL: pg_dump -Fc), its audit chain verified and its rows counted.
    Backup(backup_cmd::BackupArgs),
    /// Fills the empty database --db from a backup FILE, then verifies and counts it.
    Restore(backup_cmd::RestoreArgs),
    /// Evaluation measures for analysts.
    #[command(subcommand)]
    Eval(EvalCmd),
    /// 月排名: the monthly ranking of towns or departments, its rule printed with it.
    Rank(manage_cmd::RankArgs),
    /// 考核评价: the yearly assessment of departments or towns (`assess 2024 --by
    /// department|town [--json] [--xlsx FILE]`), `assess publish|versions`, `assess scheme
    /// show|set FILE`.
    Assess(assess_cmd::AssessArgs),
    /// 随时督办: supervision orders.
    #[command(subcommand)]
    Orders(manage_cmd::OrdersCmd),
    /// 清单化管理: key tasks and major projects, milestones, investment, progress.
    #[command(subcommand)]
    Tasks(manage_cmd::TasksCmd),
    /// 重大公共服务项目: the register (list, add, edit, close, import, export).
    #[command(subcommand)]
    Projects(projects_cmd::ProjectsCmd),
    /// 民生实事: the yearly list, monthly progress, mid-year and year-end report cards.
    #[command(subcommand)]
    Livelihood(projects_cmd::LivelihoodCmd),
    /// 周计划: weekly plans and the week view.
    #[command(subcommand)]
    Weekly(manage_cmd::WeeklyCmd),
    /// The management loop's settings (ranking rule, escalation, automatic orders) as JSON;
    /// `--set FILE` replaces them.
    Config(manage_cmd::ConfigArgs),
    /// 目标分解下达: split a summed indicator's target among the places below; the lead
    /// unit proposes, the office approves.
    #[command(subcommand)]
    Targets(targets_cmd::TargetsCmd),
    /// 单位名录: the departments and towns' offices (list, add, edit, import, export).
    #[command(subcommand)]
    Units(units_cmd::UnitsCmd),
    /// 满意度与需求调查: questionnaires (XLSForm import, export, sample), rounds, answers
    /// (KoboToolbox / ODK exports) and the satisfaction index.
    #[command(subcommand)]
    Survey(survey_cmd::SurveyCmd),
    /// 数据发布: publish a period's approved figures (`publish 2025Q2 [--note N]`), `publish
    /// list`, `publish show PERIOD [--version V] [--csv]`.
    Publish(publish_cmd::PublishArgs),
    /// Exchange with other systems: `exchange dhis2 export [--format json|csv]`, `exchange
    /// dhis2 import FILE [--dry-run]`, `exchange dhis2 mapping show|set FILE`.
    #[command(subcommand)]
    Exchange(exchange_cmd::ExchangeCmd),
    /// The cause and measures of a lagging indicator (for the quarterly analysis).
    LagNote(manage_cmd::LagNoteArgs),
    /// The in-app inbox of a user.
    Inbox(manage_cmd::InboxArgs),
    /// Reports: `report quarterly 2025Q3 --format html|pdf|docx`, `report yearly 2024`,
    /// `report midterm 2025`, `report measures set 2024 --unit U --text T`.
    #[command(subcommand)]
    Report(manage_cmd::ReportCmd),
    /// 基本公共服务标准: the service catalogue's editions (show, check, diff).
    #[command(subcommand)]
    Catalogue(catalogue_cmd::CatalogueCmd),
    /// 设施名录: the facilities where basic public services are delivered (list, show,
    /// import, export, set).
    #[command(subcommand)]
    Facilities(facilities_cmd::FacilitiesCmd),
    /// 服务达标: the catalogue edition the district uses, the matrix of items × places with
    /// the evidence, the yes/no reports and the 督办单 for gaps (`compliance
    /// use|show|report|orders`).
    #[command(subcommand)]
    Compliance(compliance_cmd::ComplianceCmd),
    /// 弱有众扶: the register of households in difficulty, its rules and standards, and
    /// the matching of needs to resources (`assist household|check|standard|rekey|match`).
    #[command(subcommand)]
    Assist(assist_cmd::AssistCmd),
    /// The 15-minute public-service circle on an OpenStreetMap walking network.
    Access {
        #[command(subcommand)]
        cmd: access_cmd::AccessCmd,
    },
}

#[derive(Subcommand, Debug)]
enum EvalCmd {
    /// The Open SDG progress measure and score, with the UNSD progress-chart ratio.
    Progress(eval_cmd::ProgressArgs),
}

#[derive(Subcommand, Debug)]
enum PlanCmd {
    /// Print the loaded plan as an aligned Chinese table (or JSON).
    Show(plan_cmd::ShowArgs),
    /// Check a plan file and list every problem in it.
    Check(plan_cmd::CheckArgs),
    /// Read a published plan text (such as the seed) and report what was read and what not.
    Import(plan_import_cmd::ImportArgs),
    /// 方案调整: revise one target in the database (a new plan version; the old target
    /// kept as 原目标; the office only).
    Revise(plan_cmd::ReviseArgs),
}

fn main() {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Demo(_)) {
        log_to_stderr();
    } else if matches!(cli.command, Command::Serve(_)) {
        // `serve` starts its log itself, at its --log-level and --log-format.
    } else {
        quiet_on_closed_pipe();
    }
    if let Err(err) = run(cli) {
        eprintln!("错误:{err:#}");
        std::process::exit(1);
    }
}

/// The demo's log (the web's `tracing` events) to standard error, filtered by `RUST_LOG`
/// (default `info`: start-up, one line per request, failures).
fn log_to_stderr() {
    let _ = serve_cmd::init_logging(None, serve_cmd::LogFormat::Text);
}

/// A command piped into `head` stops quietly when the reader goes away, as other Unix tools
/// do, instead of panicking in `println!`. Not for the server: it must outlive a client
/// that hangs up (its sockets would otherwise raise SIGPIPE on some paths).
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Plan(PlanCmd::Show(args)) => {
            let plan = plan_cmd::load_plan(cli.plan.as_deref())?;
            plan_cmd::run_show(&plan, args)
        }
        Command::Plan(PlanCmd::Check(args)) => plan_cmd::run_check(&cli.db, args),
        Command::Plan(PlanCmd::Import(args)) => plan_import_cmd::run_import(args),
        Command::Plan(PlanCmd::Revise(args)) => plan_cmd::run_revise(&cli.db, args),
        Command::Eval(EvalCmd::Progress(args)) => eval_cmd::run_progress(args),
        Command::Access { cmd } => access_cmd::run(&cli.db, cmd),
        Command::Assist(cmd) => assist_cmd::run(&cli.db, cmd),
        Command::Serve(args) => serve_cmd::run(&cli.db, args),
        Command::Users(cmd) => users_cmd::run(&cli.db, cmd),
        Command::Init(args) => data_cmd::run_init(&cli.db, cli.plan.as_deref(), args),
        Command::Demo(args) => data_cmd::run_demo(&cli.db, cli.plan.as_deref(), args),
        Command::Places(cmd) => data_cmd::run_places(&cli.db, cmd),
        Command::Values(cmd) => data_cmd::run_values(&cli.db, cmd),
        Command::Status(args) => data_cmd::run_status(&cli.db, args),
        Command::Explain(args) => data_cmd::run_explain(&cli.db, args),
        Command::Completeness(args) => data_cmd::run_completeness(&cli.db, args),
        Command::Audit(args) => data_cmd::run_audit(&cli.db, args),
        Command::Backup(args) => backup_cmd::run_backup(&cli.db, args),
        Command::Restore(args) => backup_cmd::run_restore(&cli.db, args),
        Command::Rank(args) => manage_cmd::run_rank(&cli.db, args),
        Command::Assess(args) => assess_cmd::run(&cli.db, args),
        Command::Orders(cmd) => manage_cmd::run_orders(&cli.db, cmd),
        Command::Tasks(cmd) => manage_cmd::run_tasks(&cli.db, cmd),
        Command::Projects(cmd) => projects_cmd::run_projects(&cli.db, cmd),
        Command::Livelihood(cmd) => projects_cmd::run_livelihood(&cli.db, cmd),
        Command::Weekly(cmd) => manage_cmd::run_weekly(&cli.db, cmd),
        Command::Config(args) => manage_cmd::run_config(&cli.db, args),
        Command::Targets(cmd) => targets_cmd::run(&cli.db, cmd),
        Command::Units(cmd) => units_cmd::run(&cli.db, cmd),
        Command::Survey(cmd) => survey_cmd::run(&cli.db, cmd),
        Command::Publish(args) => publish_cmd::run(&cli.db, args),
        Command::Exchange(cmd) => exchange_cmd::run(&cli.db, cmd),
        Command::Catalogue(cmd) => catalogue_cmd::run(cmd),
        Command::Facilities(cmd) => facilities_cmd::run(&cli.db, cmd),
        Command::Compliance(cmd) => compliance_cmd::run(&cli.db, cmd),
        Command::LagNote(args) => manage_cmd::run_lag_note(&cli.db, args),
        Command::Inbox(args) => manage_cmd::run_inbox(&cli.db, args),
        Command::Report(cmd) => manage_cmd::run_report(&cli.db, cmd),
    }
}
