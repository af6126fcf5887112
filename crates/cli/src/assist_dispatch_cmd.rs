//! `youxiang assist resources import|list|recompute`, `assist dispatch
//! propose|issue|accept|done|refuse|list` and `assist match --from-register`: the register
//! of resources, the matching from the register and 公益点单/派单 (弱有众扶, issue 16 points
//! 3–4) from the command line. Households appear by their register id only.

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use serde_json::json;
use youxiang_app::App;
use youxiang_core::assist::dispatch::{OrderAction, OrderState};
use youxiang_core::assist::resources::Proposal;

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum ResourcesCmd {
    /// Imports a resources list (CSV or xlsx: id,name,kind,service,place,lon,lat,radius_m,
    /// capacity,frequency,categories,active), or with `--ventures` a 公益创投项目 list
    /// (id,name,organisation,place,year,status): all or nothing, faults by row and column.
    Import {
        file: PathBuf,
        #[arg(long)]
        ventures: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// The resources (and projects) the user may see.
    List {
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Computes K7.3a 慈善组织总数, K7.3b 累计公益创投项目数 and K7.3c 幸福驿站覆盖 again and
    /// writes them (source 系统计算).
    Recompute {
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum DispatchCmd {
    /// The proposal (the same as `assist match --from-register`).
    Propose {
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Issues the proposal's orders (in the user's places, at or below `--place`).
    Issue {
        #[arg(long)]
        place: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Records that the provider accepted the order.
    Accept {
        order: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Records the service done: the date and the evidence.
    Done {
        order: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        evidence: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// Records the provider's refusal with its reason; the need is matched again without
    /// that provider and the new order issued.
    Refuse {
        order: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        actor: Actor,
    },
    /// The orders (overdue flagged) and the providers' response times.
    List {
        #[arg(long)]
        place: Option<String>,
        /// issued, accepted, done or refused.
        #[arg(long)]
        state: Option<OrderState>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
}

async fn open_app(db: &str) -> Result<App> {
    let app = open(db).await?;
    app.use_assist_key_file(db)?;
    Ok(app)
}

/// The proposal as JSON: the shape of `assist match --json` (`reason` the code), with the
/// Chinese reason and the household beside.
pub fn proposal_json(p: &Proposal) -> serde_json::Value {
    let m3 = |v: f64| (v * 1000.0).round() / 1000.0;
    json!({
        "matched": p.pairs.len(),
        "total_distance_m": m3(p.total_distance_m),
        "pairs": p.pairs.iter().map(|x| json!({
            "need": x.need, "resource": x.resource, "distance_m": m3(x.distance_m),
            "type": x.service, "household": x.household, "place": x.place,
            "reason_zh": x.reason_zh,
        })).collect::<Vec<_>>(),
        "unmatched": p.unmatched.iter().map(|x| json!({
            "need": x.need, "reason": x.code, "type": x.service,
            "household": x.household, "place": x.place, "reason_zh": x.reason_zh,
        })).collect::<Vec<_>>(),
    })
}

fn print_proposal(p: &Proposal) {
    println!(
        "可满足 {} 项需求,总距离 {:.2} 公里;未满足 {} 项",
        p.pairs.len(),
        p.total_distance_m / 1000.0,
        p.unmatched.len()
    );
    let mut t = Table::new(&[
        ("需求", Align::Left),
        ("提供方", Align::Left),
        ("距离(公里)", Align::Right),
        ("理由", Align::Left),
    ]);
    for x in &p.pairs {
        t.row(vec![
            x.need.clone(),
            x.resource_name.clone(),
            format!("{:.2}", x.distance_m / 1000.0),
            x.reason_zh.clone(),
        ]);
    }
    for x in &p.unmatched {
        t.row(vec![
            x.need.clone(),
            "—".into(),
            "—".into(),
            format!("未满足:{}", x.reason_zh),
        ]);
    }
    print!("{}", t.render());
}

/// `assist match --from-register [--place P] [--json]`.
pub fn run_match_register(db: &str, args: crate::assist_cmd::MatchArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_app(db).await?;
        let p = app
            .assist_proposal(&args.actor.login, args.place.as_deref())
            .await?;
        if args.json {
            println!("{}", serde_json::to_string(&proposal_json(&p))?);
        } else {
            print_proposal(&p);
        }
        Ok(())
    })
}

pub fn run_resources(db: &str, cmd: ResourcesCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_app(db).await?;
        match cmd {
            ResourcesCmd::Import {
                file,
                ventures,
                actor,
            } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
                let name = file
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if ventures {
                    let n = app
                        .import_assist_ventures_file(&actor.login, &bytes, &name)
                        .await?;
                    println!("已导入公益创投项目 {n} 个");
                } else {
                    let n = app
                        .import_assist_resources_file(&actor.login, &bytes, &name)
                        .await?;
                    println!("已导入帮扶资源 {n} 个");
                }
            }
            ResourcesCmd::List { place, json, actor } => {
                let list = app.assist_resources(&actor.login, place.as_deref()).await?;
                let ventures = app.assist_ventures(&actor.login).await?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &json!({ "resources": list, "ventures": ventures })
                        )?
                    );
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("编号", Align::Left),
                    ("名称", Align::Left),
                    ("类型", Align::Left),
                    ("服务", Align::Left),
                    ("地点", Align::Left),
                    ("容量(户次/期)", Align::Right),
                    ("服务半径(公里)", Align::Right),
                    ("服务对象", Align::Left),
                ]);
                for e in &list {
                    let r = &e.resource;
                    t.row(vec![
                        r.id.clone(),
                        r.name.clone(),
                        r.kind.label_zh().into(),
                        r.service.clone(),
                        r.place.clone(),
                        r.capacity.to_string(),
                        format!("{:.1}", r.radius_m / 1000.0),
                        r.categories_zh(),
                    ]);
                }
                print!("{}", t.render());
                println!(
                    "帮扶资源 {} 个,公益创投项目 {} 个",
                    list.len(),
                    ventures.len()
                );
            }
            ResourcesCmd::Recompute { actor } => {
                app.resources_user(&actor.login)?;
                let out = app.recompute_resource_figures().await?;
                println!(
                    "已重新计算 K7.3a、K7.3b、K7.3c:写入 {} 个数值;保留人工填报 {} 个",
                    out.written,
                    out.kept_reported.len()
                );
            }
        }
        Ok(())
    })
}

fn order_line(o: &youxiang_app::assist::dispatch::OrderEntry) -> String {
    format!(
        "{} {} → {}:{}{}",
        o.order.id,
        o.order.need,
        o.order.resource_name,
        o.order.state.label_zh(),
        if o.overdue { "(已逾期)" } else { "" }
    )
}

pub fn run_dispatch(db: &str, cmd: DispatchCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open_app(db).await?;
        match cmd {
            DispatchCmd::Propose { place, json, actor } => {
                let p = app.assist_proposal(&actor.login, place.as_deref()).await?;
                if json {
                    println!("{}", serde_json::to_string(&proposal_json(&p))?);
                } else {
                    print_proposal(&p);
                }
            }
            DispatchCmd::Issue { place, actor } => {
                let list = app
                    .issue_assist_orders(&actor.login, place.as_deref(), None, false)
                    .await?;
                for o in &list {
                    println!("{}", order_line(o));
                }
                println!("已派单 {} 张", list.len());
            }
            DispatchCmd::Accept { order, actor } => {
                let out = app
                    .act_on_assist_order(&actor.login, &order, OrderAction::Accept, None)
                    .await?;
                println!("{}", order_line(&out.order));
            }
            DispatchCmd::Done {
                order,
                date,
                evidence,
                actor,
            } => {
                let out = app
                    .act_on_assist_order(
                        &actor.login,
                        &order,
                        OrderAction::Done { date, evidence },
                        None,
                    )
                    .await?;
                println!("{}", order_line(&out.order));
            }
            DispatchCmd::Refuse {
                order,
                reason,
                actor,
            } => {
                let out = app
                    .act_on_assist_order(&actor.login, &order, OrderAction::Refuse { reason }, None)
                    .await?;
                println!("{}", order_line(&out.order));
                match (&out.reissued, &out.unmet) {
                    (Some(n), _) => println!("已重新匹配并派单:{}", order_line(n)),
                    (None, Some(u)) => println!("重新匹配未找到资源:{}", u.reason_zh),
                    _ => {}
                }
            }
            DispatchCmd::List {
                place,
                state,
                json,
                actor,
            } => {
                let orders = app
                    .assist_orders(&actor.login, place.as_deref(), state)
                    .await?;
                let providers = app.assist_providers(&actor.login).await?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(
                            &json!({ "orders": orders, "providers": providers })
                        )?
                    );
                    return Ok(());
                }
                for o in &orders {
                    println!("{}", order_line(o));
                }
                let mut t = Table::new(&[
                    ("提供方", Align::Left),
                    ("派单", Align::Right),
                    ("已完成", Align::Right),
                    ("已拒绝", Align::Right),
                    ("逾期", Align::Right),
                    ("平均响应(小时)", Align::Right),
                ]);
                for s in &providers {
                    t.row(vec![
                        s.name.clone(),
                        s.orders.to_string(),
                        s.done.to_string(),
                        s.refused.to_string(),
                        s.overdue.to_string(),
                        s.mean_response_hours
                            .map(|h| format!("{h:.1}"))
                            .unwrap_or_else(|| "—".into()),
                    ]);
                }
                print!("{}", t.render());
            }
        }
        Ok(())
    })
}
