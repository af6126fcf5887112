//! `youxiang assess YEAR --by department|town [--json] [--xlsx FILE]`: the yearly
//! assessment (考核评价), its scheme printed with it; `assess publish`, `assess versions`,
//! `assess scheme show|set FILE`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use youxiang_app::manage::RankBy;
use youxiang_core::eval::explain::fmt_num;
use youxiang_core::manage::assess::{Assessment, Scheme};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AssessArgs {
    #[command(subcommand)]
    pub cmd: Option<AssessCmd>,
    /// The year, e.g. 2024 (a year not ended is assessed as of the app's day: 截至).
    pub year: Option<i32>,
    /// Assess the lead departments or the towns (镇街).
    #[arg(long, default_value = "department")]
    pub by: RankBy,
    #[arg(long)]
    pub json: bool,
    /// Also write the assessment as an Excel workbook.
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Print each unit's items with their formulas.
    #[arg(long)]
    pub detail: bool,
    #[command(flatten)]
    pub actor: Actor,
}

#[derive(clap::Subcommand, Debug)]
pub enum AssessCmd {
    /// Publishes the assessment as computed now as a new version (the office; a
    /// correction of a published one must give --note).
    Publish {
        year: i32,
        #[arg(long, default_value = "department")]
        by: RankBy,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// The published versions of a year.
    Versions {
        year: i32,
        #[arg(long)]
        by: Option<RankBy>,
        #[arg(long)]
        json: bool,
    },
    /// The assessment scheme: `show` prints it as TOML, `set FILE` replaces it (the office).
    #[command(subcommand)]
    Scheme(SchemeCmd),
}

#[derive(clap::Subcommand, Debug)]
pub enum SchemeCmd {
    /// Prints the scheme in force as TOML, then in words.
    Show,
    /// Reads a scheme file (TOML), checks it whole and sets it.
    Set { file: PathBuf },
}

fn two(v: f64) -> String {
    format!("{v:.2}")
}

/// The assessment as a table, each unit's items when asked, and the scheme.
fn print(a: &Assessment, detail: bool) {
    println!("{}", a.title_zh());
    let mut headers: Vec<(String, Align)> = vec![
        ("名次".into(), Align::Right),
        ("单位".into(), Align::Left),
        ("总分(分)".into(), Align::Right),
        ("等次".into(), Align::Left),
    ];
    for item in &a.scheme.items {
        headers.push((format!("{}(分)", item.kind.label_zh()), Align::Right));
    }
    headers.push(("扣分(分)".into(), Align::Right));
    let h: Vec<(&str, Align)> = headers.iter().map(|(s, a)| (s.as_str(), *a)).collect();
    let mut t = Table::new(&h);
    for row in &a.rows {
        let mut cells = vec![
            row.rank
                .map(|r| r.to_string())
                .unwrap_or_else(|| "—".into()),
            row.unit.clone(),
            row.total.map(two).unwrap_or_else(|| "无数据".into()),
            row.grade.map_or("—", |g| g.label_zh()).to_string(),
        ];
        for item in &a.scheme.items {
            cells.push(match row.items.iter().find(|x| x.kind == item.kind) {
                Some(x) if x.score.is_some() => two(x.points),
                _ => "不适用".into(),
            });
        }
        cells.push(two(row.deducted));
        t.row(cells);
    }
    print!("{}", t.render());
    if detail {
        for row in &a.rows {
            println!("\n{}", row.unit);
            for x in &row.items {
                println!("  {}:{}", x.kind.label_zh(), x.formula);
                for (k, v) in &x.inputs {
                    println!("    {k}:{v}");
                }
            }
            for ind in &row.indicators {
                println!(
                    "  指标 {} {}:{}。{}",
                    ind.code,
                    ind.name,
                    ind.outcome.label_zh(),
                    ind.detail
                );
            }
            for d in &row.deductions {
                println!("  扣分 {}:{} 分({})", d.name, fmt_num(d.points), d.reason);
            }
            for n in &row.notes {
                println!("  说明:{n}");
            }
        }
    }
    println!("\n考核方案:\n{}", a.scheme.describe_zh());
}

pub fn run(db: &str, args: AssessArgs) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match args.cmd {
            None => {
                let Some(year) = args.year else {
                    bail!("请给出考核年份,如 youxiang assess 2024 --by department");
                };
                // `--today`: a year not ended is assessed as of that day (a read only; a
                // publication is always stamped with the real time).
                if let Some(day) = args.actor.today {
                    let noon = day.and_hms_opt(4, 0, 0).unwrap_or_default();
                    app.set_clock(Some(noon));
                }
                let a = app.assessment_for(&args.actor.login, year, args.by).await?;
                if let Some(path) = &args.xlsx {
                    let bytes = youxiang_app::assess::assessment_xlsx(&a)?;
                    std::fs::write(path, bytes)
                        .with_context(|| format!("无法写入 {}", path.display()))?;
                    eprintln!("已写入 {}", path.display());
                }
                if args.json {
                    println!("{}", serde_json::to_string_pretty(&a)?);
                } else {
                    print(&a, args.detail);
                }
            }
            Some(AssessCmd::Publish { year, by, note }) => {
                let p = app
                    .publish_assessment(&args.actor.login, year, by, &note)
                    .await?;
                println!(
                    "已发布 {} 第 {} 版({} 个单位){}",
                    p.assessment.title_zh(),
                    p.version,
                    p.assessment.rows.len(),
                    if p.note.is_empty() {
                        String::new()
                    } else {
                        format!(",说明:{}", p.note)
                    }
                );
            }
            Some(AssessCmd::Versions { year, by, json }) => {
                let v = app.assessment_versions(&args.actor.login, year, by).await?;
                if json {
                    let s: Vec<_> = v.iter().map(|p| p.summary()).collect();
                    println!("{}", serde_json::to_string_pretty(&s)?);
                    return Ok(());
                }
                if v.is_empty() {
                    println!("{year}年的考核评价尚未发布");
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("对象", Align::Left),
                    ("版本", Align::Right),
                    ("发布时间(UTC)", Align::Left),
                    ("发布人", Align::Left),
                    ("数据截至", Align::Left),
                    ("说明", Align::Left),
                ]);
                for p in &v {
                    t.row(vec![
                        p.assessment.by.label_zh().into(),
                        p.version.to_string(),
                        p.published_at.format("%Y-%m-%d %H:%M").to_string(),
                        p.published_by.clone(),
                        p.assessment.as_of.to_string(),
                        p.note.clone(),
                    ]);
                }
                print!("{}", t.render());
            }
            Some(AssessCmd::Scheme(SchemeCmd::Show)) => {
                let s = app.assess_scheme().await?;
                print!("{}", s.to_toml());
                println!("\n# {}", s.describe_zh().replace('\n', "\n# "));
            }
            Some(AssessCmd::Scheme(SchemeCmd::Set { file })) => {
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("无法读取 {}", file.display()))?;
                let scheme = match Scheme::from_toml(&text) {
                    Ok(s) => s,
                    Err(problems) => bail!("{}:\n{}", file.display(), problems.join("\n")),
                };
                app.set_assess_scheme(&args.actor.login, &scheme).await?;
                println!("已设置考核方案:\n{}", scheme.describe_zh());
            }
        }
        Ok(())
    })
}
