//! `youxiang`: the command line of the youxiang system. Thin: it parses arguments, wires
//! the crates together and prints; the work happens in the library crates.

mod eval_cmd;
mod plan_cmd;
mod plan_import_cmd;
mod table;

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

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The plan: show it, check a plan file, import a published plan text.
    #[command(subcommand)]
    Plan(PlanCmd),
    /// Evaluation measures for analysts.
    #[command(subcommand)]
    Eval(EvalCmd),
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
}

fn main() {
    let cli = Cli::parse();
    if let Err(err) = run(cli) {
        eprintln!("错误:{err:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Plan(PlanCmd::Show(args)) => {
            let plan = plan_cmd::load_plan(cli.plan.as_deref())?;
            plan_cmd::run_show(&plan, args)
        }
        Command::Plan(PlanCmd::Check(args)) => plan_cmd::run_check(args),
        Command::Plan(PlanCmd::Import(args)) => plan_import_cmd::run_import(args),
        Command::Eval(EvalCmd::Progress(args)) => eval_cmd::run_progress(args),
    }
}
