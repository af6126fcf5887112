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
use youxiang_plantext::published::{ImportedPlan, YearBasis, YearsFrom, decode, read_published};

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
    /// The plan's name (default: the text's title line, the one naming the 方案 / 工作要点).
    #[arg(long)]
    pub name: Option<String>,
    /// The issuing authority (default: from "信息来源:…" in the text, else "待填写").
    #[arg(long)]
    pub issuer: Option<String>,
    /// The plan's target years, when the text names none (no year columns, no "到20xx年"):
    /// `2023-2027` or `2025,2027`.
    #[arg(long, value_name = "YEARS")]
    pub years: Option<String>,
    /// The place the plan is for (its statistical code, e.g. 330902) in the written plan file;
    /// `status` starts from it.
    #[arg(long, value_name = "CODE")]
    pub place: Option<String>,
}

/// `2023-2027`, `2023—2027`, `2025,2027` or `2027` into years.
fn parse_years(s: &str) -> Result<Vec<i32>> {
    let bad = || {
        anyhow::anyhow!("--years “{s}”无法识别:请写成 2023-2027(连续年份)或 2025,2027(逐年列出)")
    };
    let year = |t: &str| -> Result<i32> {
        t.trim()
            .trim_end_matches('年')
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2100).contains(y))
            .ok_or_else(bad)
    };
    let mut years: Vec<i32> = if let Some((a, b)) = s.split_once(['-', '—', '–', '~']) {
        let (a, b) = (year(a)?, year(b)?);
        if b < a || b - a > 30 {
            return Err(bad());
        }
        (a..=b).collect()
    } else {
        s.split([',', '，', '、'])
            .filter(|t| !t.trim().is_empty())
            .map(year)
            .collect::<Result<_>>()?
    };
    years.sort_unstable();
    years.dedup();
    if years.is_empty() {
        return Err(bad());
    }
    Ok(years)
}

pub fn run_import(args: ImportArgs) -> Result<()> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("无法读取文件 {}", args.file.display()))?;
    let text = decode(&bytes).with_context(|| format!("文件 {}", args.file.display()))?;
    let mut imported = read_published(&text);
    if let Some(ys) = &args.years {
        imported.target_years = parse_years(ys)?;
        imported.years_from = YearsFrom::Table;
    }

    if args.json {
        let json = serde_json::to_string_pretty(&imported.to_json()).context("无法生成 JSON")?;
        println!("{json}");
    } else {
        print!("{}", summary(&imported, &args.file));
    }

    let written = match &args.out {
        Some(out) if imported.table_without_rows().is_none() => {
            Some(write_plan_file(&imported, &text, &args, out))
        }
        _ => None,
    };

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
    if let Some(line) = imported.table_without_rows() {
        anyhow::bail!(
            "第 {line} 行是指标表的表头,但其后没有读出任何一行指标(见上面未能读取的各处):请核对表格的排版{}",
            if args.out.is_some() {
                ";未写出方案文件"
            } else {
                ""
            }
        );
    }
    written.transpose()?;
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
        _ => "无,写方案文件时须用 --years 给出".into(),
    };
    let years = match p.years_from {
        YearsFrom::Text => format!("{years},取自标题或正文"),
        _ => years,
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
                if r.sub > 0 {
                    format!("{}.{}", r.seq, r.sub)
                } else {
                    r.seq.to_string()
                },
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
    if p.target_years.is_empty() {
        anyhow::bail!(
            "原文中找不到目标年份(表头没有年份列,标题和正文也没有“到20xx年”),写不出可以载入的方案文件:请用 --years 给出目标年份,例如 --years 2023-2027"
        );
    }
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
    let (mut plan, left_out) = p.into_plan_noting(&code, &name, &issuer);
    if let Some(place) = &args.place {
        plan.place = place.trim().to_string();
    }
    let header = format!(
        "# 由 `youxiang plan import {}` 从发布的方案原文导入。\n\
         # 导入时推定的内容(领域编码、指标方向、汇总方式、累计/达标类)均须核对:\n\
         # 每个指标的 note 以“导入时未定,请核对”开头;原文未能读取的 {} 处见导入时的提示。\n\n",
        args.file.display(),
        p.unread.len()
    );
    let body = format!("{header}{}", planfile::to_toml(&plan));
    // What is written must load as it is: checked the way `plan check` checks it.
    if let Err(e) = planfile::load(&body) {
        anyhow::bail!("导入结果未通过方案检查,未写出 {}:{e}", out.display());
    }
    std::fs::write(out, &body).with_context(|| format!("无法写入方案文件 {}", out.display()))?;
    let years_note = match p.years_from {
        YearsFrom::Table if args.years.is_some() => "目标年份按 --years".to_string(),
        YearsFrom::Table => "目标年份取自表头".to_string(),
        YearsFrom::Text => format!(
            "表格没有年份列,目标年份 {} 取自标题或正文的“到20xx年”,请核对",
            year_list(&p.target_years)
        ),
        YearsFrom::None => String::new(),
    };
    eprintln!(
        "已写入方案文件 {}(指标 {} 个,任务 {} 项;{years_note}),可直接载入;请逐项核对推定的设置。",
        out.display(),
        plan.indicators.len(),
        plan.tasks.len()
    );
    if plan.place.is_empty() {
        eprintln!(
            "方案文件未写地点 place:`status` 需用 --place 指定地点,或在文件中填写县(市、区)的统计代码(导入时可用 --place 给出)。"
        );
    }
    if !left_out.is_empty() {
        eprintln!("以下 {} 处未写入方案文件或已改动:", left_out.len());
        for l in &left_out {
            eprintln!("  - {l}");
        }
    }
    Ok(())
}

fn year_list(years: &[i32]) -> String {
    years
        .iter()
        .map(|y| y.to_string())
        .collect::<Vec<_>>()
        .join("、")
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
    fn years_given_on_the_command_line() {
        assert_eq!(
            parse_years("2023-2027").unwrap(),
            [2023, 2024, 2025, 2026, 2027]
        );
        assert_eq!(parse_years("2027, 2025").unwrap(), [2025, 2027]);
        assert_eq!(parse_years("2024年").unwrap(), [2024]);
        for bad in ["", "2027-2023", "二〇二七", "27"] {
            let e = parse_years(bad).unwrap_err().to_string();
            assert!(e.contains("--years"), "{e}");
        }
    }

    #[test]
    fn summary_of_a_small_text() {
        let p = read_published("领域\n序号\n指标\n2022年\n2023年\n幼有善育\n1\n托位数(个)\n3\n4\n");
        let s = summary(&p, Path::new("x.txt"));
        assert!(s.contains("表格指标 1 行"), "{s}");
        assert!(s.contains("托位数"), "{s}");
    }
}
