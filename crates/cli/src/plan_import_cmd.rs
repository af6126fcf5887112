//! `youxiang plan import FILE.txt`: reads a published plan text (such as the seed) and
//! shows what it read, as a Chinese summary or as JSON; `--out` writes an editable plan
//! file (TOML) built with inferred defaults.
//!
//! Exit status: 0 whenever the file could be read as text, even when some lines could not
//! be understood — those are the import's result, not a failure: every one is printed to
//! stderr with its line number, after a count ("未能读取 N 处"), and listed under
//! `unread` in the JSON. The status is non-zero only when the file cannot be read or
//! decoded (e.g. a GBK file: the message says how to convert it) or `--out` cannot be
//! written.

use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use youxiang_plantext::planfile;
use youxiang_plantext::published::{ImportedPlan, YearBasis, decode, read_published};

use crate::table::{Align, Table};

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The published plan text: UTF-8, with or without a byte-order mark.
    pub file: PathBuf,
    /// Print what was read as JSON: {"indicators", "task_targets", "unread", …}.
    #[arg(long)]
    pub json: bool,
    /// Also write an editable plan file (TOML) with inferred defaults to this path.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// The plan's code in the written plan file (default: from the file name).
    #[arg(long)]
    pub code: Option<String>,
    /// The plan's name (default: the first line of the text).
    #[arg(long)]
    pub name: Option<String>,
    /// The issuing authority (default: from "信息来源:…" in the text, else "待填写").
    #[arg(long)]
    pub issuer: Option<String>,
}

pub fn run_import(args: ImportArgs) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("无法读取文件 {}", args.file.display()))?;
    let text = decode(&bytes).with_context(|| format!("文件 {}", args.file.display()))?;
    let imported = read_published(&text);

    if args.json {
        let json = serde_json::to_string_pretty(&imported.to_json()).context("无法生成 JSON")?;
        println!("{json}");
    } else {
        print!("{}", summary(&imported, &args.file));
    }

    if let Some(out) = &args.out {
        write_plan_file(&imported, &text, &args, out)?;
    }

    if !imported.unread.is_empty() {
        eprintln!("未能读取 {} 处(请对照原文核对):", imported.unread.len());
        for u in &imported.unread {
            eprintln!(
                "  第 {} 行:{}\n      {}",
                u.line,
                clip(&u.text, 80),
                u.reason
            );
        }
    }
    Ok(())
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

fn summary(p: &ImportedPlan, file: &Path) -> String {
    let mut out = String::new();
    out.push_str(&format!("文件:{}\n", file.display()));
    if !p.title.is_empty() {
        out.push_str(&format!("标题:{}\n", p.title));
    }
    let years = match (p.target_years.first(), p.target_years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}—{b} 年"),
        (Some(a), _) => format!("{a} 年"),
        _ => "无".into(),
    };
    out.push_str(&format!(
        "表格指标 {} 行(基期 {},目标年份 {});重点任务 {} 节 {} 项;任务目标 {} 个;未能读取 {} 处。\n\n",
        p.indicators.len(),
        p.baseline_year
            .map_or("未知".to_string(), |y| format!("{y} 年")),
        years,
        p.sections.len(),
        p.tasks.len(),
        p.task_targets.len(),
        p.unread.len()
    ));

    if !p.indicators.is_empty() {
        let year_heads: Vec<String> = p.target_years.iter().map(|y| format!("{y}")).collect();
        let mut heads: Vec<(&str, Align)> = vec![
            ("序号", Align::Right),
            ("领域", Align::Left),
            ("指标", Align::Left),
            ("单位", Align::Left),
            ("基期", Align::Right),
        ];
        for h in &year_heads {
            heads.push((h.as_str(), Align::Right));
        }
        heads.push(("行", Align::Right));
        let mut table = Table::new(&heads);
        for r in &p.indicators {
            let mut name = r.name.clone();
            if r.starred {
                name.push('☆');
            }
            let mut cells = vec![
                r.seq.to_string(),
                r.domain.clone(),
                name,
                r.unit.clone(),
                r.baseline.text.clone(),
            ];
            for y in &p.target_years {
                cells.push(r.targets.get(y).map_or("?".into(), |t| t.text.clone()));
            }
            cells.push(r.line.to_string());
            table.row(cells);
        }
        out.push_str(&table.render());
        let noted: Vec<String> = p
            .indicators
            .iter()
            .filter(|r| !r.notes.is_empty())
            .map(|r| format!("  序号 {} {}:{}", r.seq, r.name, r.notes.join(";")))
            .collect();
        if !noted.is_empty() {
            out.push_str("\n需核对:\n");
            out.push_str(&noted.join("\n"));
            out.push('\n');
        }
        out.push('\n');
    }

    if !p.task_targets.is_empty() {
        let mut by_task: BTreeMap<(u32, u32), usize> = BTreeMap::new();
        for t in &p.task_targets {
            let mut parts = t.task.split('.').map(|s| s.parse::<u32>().unwrap_or(0));
            let key = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            *by_task.entry(key).or_insert(0) += 1;
        }
        let counts: Vec<String> = by_task
            .iter()
            .map(|((s, n), c)| format!("{s}.{n}:{c}"))
            .collect();
        out.push_str(&format!(
            "任务目标 {} 个(按任务:{})\n",
            p.task_targets.len(),
            counts.join(" ")
        ));
        let mut table = Table::new(&[
            ("任务", Align::Left),
            ("名称", Align::Left),
            ("目标", Align::Left),
            ("年份", Align::Left),
            ("牵头单位", Align::Left),
            ("行", Align::Right),
        ]);
        for t in &p.task_targets {
            let year = match (t.year_basis, t.years.as_slice()) {
                (YearBasis::EveryYear, _) => "每年".to_string(),
                (YearBasis::Unstated, [y]) => format!("{y}(未写明)"),
                (_, [y]) => y.to_string(),
                (_, ys) => ys
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            };
            table.row(vec![
                t.task.clone(),
                t.name.clone(),
                t.target.text.clone(),
                year,
                t.lead_unit.clone(),
                t.line.to_string(),
            ]);
        }
        out.push_str(&table.render());
    }
    out
}

/// A plan code from the file name: ASCII letters, digits and `-` only.
fn default_code(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let code: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let code = code.trim_matches('-').to_string();
    if code.is_empty() {
        "imported-plan".into()
    } else {
        code
    }
}

/// The issuer from "信息来源:…" in the text, if any.
fn issuer_from_text(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("信息来源")?;
        let rest = rest.trim_start_matches([':', '：', ' ']).trim();
        (!rest.is_empty()).then(|| rest.to_string())
    })
}

fn write_plan_file(p: &ImportedPlan, text: &str, args: &ImportArgs, out: &Path) -> Result<()> {
    let code = args
        .code
        .clone()
        .unwrap_or_else(|| default_code(&args.file));
    let name = args
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            if p.title.is_empty() {
                "导入的方案".into()
            } else {
                p.title.clone()
            }
        });
    let issuer = args
        .issuer
        .clone()
        .or_else(|| issuer_from_text(text))
        .unwrap_or_else(|| "待填写".into());
    let plan = p.into_plan(&code, &name, &issuer);
    let header = format!(
        "# 由 `youxiang plan import {}` 从发布的方案原文导入。\n\
         # 导入时推定的内容(领域编码、指标方向、汇总方式、累计/达标类)均须核对:\n\
         # 每个指标的 note 以“导入时未定,请核对”开头;原文未能读取的 {} 处见导入时的提示。\n\n",
        args.file.display(),
        p.unread.len()
    );
    let body = planfile::to_toml(&plan);
    std::fs::write(out, format!("{header}{body}"))
        .with_context(|| format!("无法写入方案文件 {}", out.display()))?;
    let problems = plan.validate();
    if problems.is_empty() {
        eprintln!(
            "已写入方案文件 {}(指标 {} 个,任务 {} 项),可直接载入;请逐项核对推定的设置。",
            out.display(),
            plan.indicators.len(),
            plan.tasks.len()
        );
    } else {
        eprintln!(
            "已写入方案文件 {},但它有 {} 处问题,须改正后才能载入:",
            out.display(),
            problems.len()
        );
        for pr in &problems {
            eprintln!("  - {pr}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_issuers() {
        assert_eq!(
            default_code(Path::new("/x/Dinghai plan.txt")),
            "dinghai-plan"
        );
        assert_eq!(default_code(Path::new("定海.txt")), "imported-plan");
        assert_eq!(
            issuer_from_text("a\n信息来源:舟山市定海区人民政府办公室\n信息来源:\n").as_deref(),
            Some("舟山市定海区人民政府办公室")
        );
    }

    #[test]
    fn summary_of_a_small_text() {
        let p = read_published("领域\n序号\n指标\n2022年\n2023年\n幼有善育\n1\n托位数(个)\n3\n4\n");
        let s = summary(&p, Path::new("x.txt"));
        assert!(s.contains("表格指标 1 行"), "{s}");
        assert!(s.contains("托位数"), "{s}");
    }
}
