//! `youxiang assist match`: the exact optimal matching of needs to resources from files
//! (弱有众扶, issue 16 point 3; methods §9). Reads both files whole (every fault of either
//! named by row and column, and then nothing is matched), solves with
//! `core::assist::matching`, prints a Chinese summary or, with `--json`, the answer.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde_json::json;
use youxiang_core::assist::matching::{
    MatchOptions, Matching, Need, Resource, match_greedy, match_optimal, mm_text,
};

use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum AssistCmd {
    /// Needs to resources, exactly: the most needs met, then the least total great-circle
    /// distance, under capacity and radius; the reason for each need left unmet.
    Match(MatchArgs),
    /// The register of households in difficulty (masked unless revealed with a reason).
    #[command(subcommand)]
    Household(crate::assist_register_cmd::HouseholdCmd),
    /// Every eligibility rule judged for one household, each clause with its inputs.
    Check(crate::assist_register_cmd::CheckArgs),
    /// The dated 低保 standards: list, preview a change (who gains and loses), apply it.
    #[command(subcommand)]
    Standard(crate::assist_register_cmd::StandardCmd),
    /// Adds a new key to the key file and seals every household again under it (old keys
    /// keep opening what is not yet done: no downtime).
    Rekey(crate::assist_register_cmd::RekeyArgs),
    /// 探访关爱: the visit plan, visits recorded, due and overdue, the 探访关爱率 (K7.2f).
    #[command(subcommand)]
    Visits(crate::assist_care_cmd::VisitsCmd),
    /// 监测预警: scan the flag rules, list the flags, handle one, the rules' thresholds.
    #[command(subcommand)]
    Flags(crate::assist_care_cmd::FlagsCmd),
    /// The register of resources: the government and social lists, 公益创投项目; import,
    /// list, and compute the figures K7.3a–c again.
    #[command(subcommand)]
    Resources(crate::assist_dispatch_cmd::ResourcesCmd),
    /// 公益点单/派单: propose, issue, accept, done, refuse, list (with the providers' record).
    #[command(subcommand)]
    Dispatch(crate::assist_dispatch_cmd::DispatchCmd),
    /// 幸福清单: generate a period's lists, show one, record receipts and delivery, the
    /// 送达率 per place, and compute the figure K7.4b again.
    #[command(subcommand)]
    List(crate::assist_list_cmd::ListCmd),
    /// The eligibility rules as data: show them, or set them from a TOML file (with a
    /// preview of who gains and loses eligibility first).
    #[command(subcommand)]
    Rules(crate::assist_list_cmd::RulesCmd),
}

#[derive(clap::Args, Debug)]
pub struct MatchArgs {
    /// The needs: CSV (UTF-8, GBK, …) or xlsx with columns id,type,lon,lat.
    #[arg(long, required_unless_present = "from_register")]
    needs: Option<PathBuf>,
    /// The resources: id,type,capacity,lon,lat,radius_m.
    #[arg(long, required_unless_present = "from_register")]
    resources: Option<PathBuf>,
    /// Match the register's needs to the register's resources instead of files (the
    /// categories served as a filter; needs already dispatched left out).
    #[arg(long, conflicts_with_all = ["needs", "resources", "greedy"])]
    pub(crate) from_register: bool,
    /// With --from-register: the households at or below this place.
    #[arg(long, requires = "from_register")]
    pub(crate) place: Option<String>,
    #[command(flatten)]
    pub(crate) actor: crate::manage_cmd::Actor,
    /// Print {"matched", "total_distance_m", "pairs", "unmatched"} as JSON.
    #[arg(long)]
    pub(crate) json: bool,
    /// Nearest-first greedy instead of the optimum (the peer the benchmark compares with).
    #[arg(long)]
    greedy: bool,
    /// Timings and solver figures to standard error.
    #[arg(long)]
    stats: bool,
}

pub fn run(db: &str, cmd: AssistCmd) -> Result<()> {
    use crate::assist_register_cmd as reg;
    match cmd {
        AssistCmd::Match(args) if args.from_register => {
            crate::assist_dispatch_cmd::run_match_register(db, args)
        }
        AssistCmd::Match(args) => run_match(args),
        AssistCmd::Household(cmd) => reg::run_household(db, cmd),
        AssistCmd::Check(args) => reg::run_check(db, args),
        AssistCmd::Standard(cmd) => reg::run_standard(db, cmd),
        AssistCmd::Rekey(args) => reg::run_rekey(db, args),
        AssistCmd::Visits(cmd) => crate::assist_care_cmd::run_visits(db, cmd),
        AssistCmd::Flags(cmd) => crate::assist_care_cmd::run_flags(db, cmd),
        AssistCmd::Resources(cmd) => crate::assist_dispatch_cmd::run_resources(db, cmd),
        AssistCmd::Dispatch(cmd) => crate::assist_dispatch_cmd::run_dispatch(db, cmd),
        AssistCmd::List(cmd) => crate::assist_list_cmd::run_list(db, cmd),
        AssistCmd::Rules(cmd) => crate::assist_list_cmd::run_rules(db, cmd),
    }
}

pub(crate) use crate::assist_register_cmd::load_demo_register;

fn read(path: &Path) -> Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok((bytes, name))
}

fn run_match(args: MatchArgs) -> Result<()> {
    let started = Instant::now();
    let (Some(needs_file), Some(resources_file)) = (&args.needs, &args.resources) else {
        bail!("请给出 --needs 与 --resources,或 --from-register");
    };
    let (nb, nname) = read(needs_file)?;
    let (rb, rname) = read(resources_file)?;
    let needs = youxiang_ingest::read_needs(&nb, &nname);
    let resources = youxiang_ingest::read_resources(&rb, &rname);
    let (needs, resources) = match (needs, resources) {
        (Ok(n), Ok(r)) => (n, r),
        (n, r) => {
            let errors: Vec<_> = n.err().into_iter().chain(r.err()).flatten().collect();
            for e in &errors {
                eprintln!("{e}");
            }
            bail!("文件有 {} 处错误,未做匹配", errors.len());
        }
    };
    let read_s = started.elapsed().as_secs_f64();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let solve = Instant::now();
    let answer = if args.greedy {
        match_greedy(&needs, &resources)
    } else {
        match_optimal(&needs, &resources, &MatchOptions { threads })
    };
    let m = match answer {
        Ok(m) => m,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            bail!("输入有 {} 处错误,未做匹配", errors.len());
        }
    };
    let solve_s = solve.elapsed().as_secs_f64();
    if args.stats {
        eprintln!(
            "{}",
            json!({
                "method": if args.greedy { "greedy" } else { "optimal" },
                "needs": needs.len(),
                "resources": resources.len(),
                "read_s": read_s,
                "solve_s": solve_s,
                "threads": threads,
                "stats": m.stats,
            })
        );
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&answer_json(&needs, &resources, &m))?
        );
    } else {
        print!("{}", summary(&needs, &resources, &m, args.greedy));
    }
    Ok(())
}

/// Millimetres as a JSON number of metres (three decimals, exact in text).
fn metres(mm: i64) -> serde_json::Value {
    mm_text(mm)
        .parse::<serde_json::Number>()
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

fn answer_json(needs: &[Need], resources: &[Resource], m: &Matching) -> serde_json::Value {
    let pairs: Vec<_> = m
        .pairs
        .iter()
        .map(|p| {
            let r = &resources[p.resource];
            json!({
                "need": needs[p.need].id,
                "resource": r.id,
                "distance_m": metres(p.distance_mm),
                "type": r.kind,
                "radius_m": r.radius_m,
            })
        })
        .collect();
    let unmatched: Vec<_> = m
        .unmatched
        .iter()
        .map(|(i, why)| {
            let mut v = json!({
                "need": needs[*i].id,
                "reason": why.code(),
                "type": needs[*i].kind,
            });
            if let youxiang_core::assist::matching::Unmet::AllReachableFull { reachable } = why {
                v["reachable"] = json!(reachable);
            }
            v
        })
        .collect();
    json!({
        "matched": m.matched(),
        "total_distance_m": metres(m.total_distance_mm),
        "pairs": pairs,
        "unmatched": unmatched,
    })
}

/// Shown in the text summary, each list.
const SHOWN: usize = 20;

fn summary(needs: &[Need], resources: &[Resource], m: &Matching, greedy: bool) -> String {
    let mut out = String::new();
    let n = needs.len();
    let share = if n == 0 {
        "0.0".to_string()
    } else {
        format!("{:.1}", m.matched() as f64 * 100.0 / n as f64)
    };
    let capacity: u64 = resources.iter().map(|r| r.capacity as u64).sum();
    out.push_str(&format!(
        "{}:需求 {} 条,资源 {} 个(容量合计 {} 人次)\n",
        if greedy {
            "就近贪心匹配(对照用,非最优)"
        } else {
            "最优匹配(先满足最多需求,再使总距离最短)"
        },
        n,
        resources.len(),
        capacity
    ));
    out.push_str(&format!(
        "满足 {} 条({share}%),未满足 {} 条;总距离 {} 米",
        m.matched(),
        m.unmatched.len(),
        mm_text(m.total_distance_mm)
    ));
    if m.matched() > 0 {
        out.push_str(&format!(
            ",平均每条 {:.1} 米",
            m.total_distance_mm as f64 / 1000.0 / m.matched() as f64
        ));
    }
    out.push('\n');
    if !m.unmatched.is_empty() {
        let mut counts: Vec<(&'static str, usize)> = Vec::new();
        for (_, why) in &m.unmatched {
            let label = match why.code() {
                "no_resource_of_type" => "没有该类型的资源",
                "none_within_radius" => "该类型的资源都不在服务半径内",
                _ => "服务半径内的资源在最优方案中均已满额",
            };
            match counts.iter_mut().find(|c| c.0 == label) {
                Some(c) => c.1 += 1,
                None => counts.push((label, 1)),
            }
        }
        let parts: Vec<String> = counts.iter().map(|(l, c)| format!("{l} {c} 条")).collect();
        out.push_str(&format!("未满足原因:{}\n", parts.join(";")));
    }
    if !m.pairs.is_empty() {
        out.push_str(&format!(
            "\n匹配明细(共 {} 条{}):\n",
            m.pairs.len(),
            if m.pairs.len() > SHOWN {
                format!(",列出前 {SHOWN} 条,全部见 --json")
            } else {
                String::new()
            }
        ));
        let mut t = Table::new(&[
            ("需求", Align::Left),
            ("资源", Align::Left),
            ("类型", Align::Left),
            ("距离(米)", Align::Right),
            ("服务半径(米)", Align::Right),
        ]);
        for p in m.pairs.iter().take(SHOWN) {
            let r = &resources[p.resource];
            t.row(vec![
                needs[p.need].id.clone(),
                r.id.clone(),
                r.kind.clone(),
                mm_text(p.distance_mm),
                format!("{}", r.radius_m),
            ]);
        }
        out.push_str(&t.render());
    }
    if !m.unmatched.is_empty() {
        out.push_str(&format!(
            "\n未满足明细(共 {} 条{}):\n",
            m.unmatched.len(),
            if m.unmatched.len() > SHOWN {
                format!(",列出前 {SHOWN} 条,全部见 --json")
            } else {
                String::new()
            }
        ));
        let mut t = Table::new(&[
            ("需求", Align::Left),
            ("类型", Align::Left),
            ("原因", Align::Left),
        ]);
        for (i, why) in m.unmatched.iter().take(SHOWN) {
            t.row(vec![
                needs[*i].id.clone(),
                needs[*i].kind.clone(),
                why.text_zh(),
            ]);
        }
        out.push_str(&t.render());
    }
    out
}
