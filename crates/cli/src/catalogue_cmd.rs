//! `youxiang catalogue show|check|diff|export|import`: the basic public-service standard editions
//! (基本公共服务标准) as files — a shipped edition by its code (`national-2023`) or a TOML
//! file of one's own.

use std::path::Path;

use anyhow::{Context, Result, bail};
use youxiang_core::catalogue::{Aspect, Catalogue, Changed, Finding, check, diff};
use youxiang_ingest::catalogue::{read_catalogue_items, write_catalogue_xlsx};
use youxiang_plantext::catalogue::{SHIPPED, load, shipped, to_toml};

use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum CatalogueCmd {
    /// An edition's items by aspect (a shipped code such as national-2023, or a file).
    Show {
        edition: String,
        #[arg(long)]
        json: bool,
    },
    /// Every error of an edition, and every field left empty for want of a source (待核实);
    /// fails on an error.
    Check { edition: String },
    /// What changed from edition A to edition B: items added and removed, standards and
    /// target groups changed, other fields.
    Diff {
        a: String,
        b: String,
        #[arg(long)]
        json: bool,
    },
    /// The edition's items as an Excel workbook (empty fields of the five shaded: 待核实).
    Export {
        edition: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Reads an edited workbook (xlsx or CSV) as the items of an edition and writes the
    /// edition as a catalogue file; all or nothing, each fault by row and column. How
    /// delivery is evidenced is kept from the edition for items whose code stays.
    Import {
        file: std::path::PathBuf,
        /// The edition whose header (and evidence) the items take.
        #[arg(long)]
        edition: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub(crate) fn read(edition: &str) -> Result<(Catalogue, Vec<Finding>)> {
    let text = match shipped(edition) {
        Some(t) => t.to_string(),
        None if Path::new(edition).exists() => {
            std::fs::read_to_string(edition).with_context(|| format!("无法读取 {edition}"))?
        }
        None => bail!(
            "“{edition}”既不是随程序提供的目录({}),也不是文件",
            SHIPPED
                .iter()
                .map(|(c, _)| *c)
                .collect::<Vec<_>>()
                .join("、")
        ),
    };
    load(&text).with_context(|| format!("目录 {edition} 无法使用"))
}

pub fn run(cmd: CatalogueCmd) -> Result<()> {
    match cmd {
        CatalogueCmd::Show { edition, json } => {
            let (c, flags) = read(&edition)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&c)?);
                return Ok(());
            }
            println!("{}({},{}年)", c.name, c.issuer, c.year);
            if c.sample {
                println!("【样例】供本地确认,非已通过的标准");
            }
            if !c.note.is_empty() {
                println!("{}", c.note);
            }
            let mut t = Table::new(&[
                ("编码", Align::Left),
                ("方面", Align::Left),
                ("服务项目", Align::Left),
                ("服务对象", Align::Left),
                ("牵头负责单位", Align::Left),
                ("提供层级", Align::Left),
            ]);
            let mut items: Vec<_> = c.items.iter().collect();
            items.sort_by_key(|i| (i.aspect.map_or(usize::MAX, |a| a as usize), i.code.clone()));
            let or_flag = |s: &str| {
                if s.trim().is_empty() {
                    "(待核实)".to_string()
                } else {
                    s.to_string()
                }
            };
            for i in items {
                t.row(vec![
                    i.code.clone(),
                    i.aspect.map_or("(待核实)", Aspect::label_zh).to_string(),
                    i.name.clone(),
                    or_flag(&i.target_group),
                    or_flag(&i.lead_unit),
                    or_flag(
                        &i.levels
                            .iter()
                            .map(|l| l.label_zh())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                ]);
            }
            print!("{}", t.render());
            println!(
                "共 {} 项;{} 处待核实(youxiang catalogue check 列出)",
                c.items.len(),
                flags.len()
            );
        }
        CatalogueCmd::Check { edition } => {
            let (c, _) = read(&edition)?;
            let findings = check(&c, None);
            for f in &findings {
                println!("{f}");
            }
            println!(
                "{}:{} 项,{} 处待核实(字段未填,未找到可核实的来源)",
                c.name,
                c.items.len(),
                findings.len()
            );
        }
        CatalogueCmd::Diff { a, b, json } => {
            let (a, _) = read(&a)?;
            let (b, _) = read(&b)?;
            let d = diff(&a, &b);
            if json {
                println!("{}", serde_json::to_string_pretty(&d)?);
                return Ok(());
            }
            println!("{} → {}", a.name, b.name);
            let names = |items: &[youxiang_core::catalogue::Item]| {
                items
                    .iter()
                    .map(|i| format!("{} {}", i.code, i.name))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            println!("新增 {} 项:{}", d.added.len(), names(&d.added));
            println!("删除 {} 项:{}", d.removed.len(), names(&d.removed));
            let changed = |title: &str, list: &[Changed]| {
                println!("{title} {} 项", list.len());
                for c in list {
                    for (field, before, after) in &c.fields {
                        println!("  {} {} {field}:{before} → {after}", c.code, c.name);
                    }
                }
            };
            changed("服务标准变化", &d.standard);
            changed("服务对象变化", &d.target_group);
            changed("其他变化", &d.other);
        }
        CatalogueCmd::Export { edition, out } => {
            let (c, _) = read(&edition)?;
            let bytes = write_catalogue_xlsx(&c.items).map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
            println!("已导出 {} 项到 {}", c.items.len(), out.display());
        }
        CatalogueCmd::Import { file, edition, out } => {
            let (mut c, _) = read(&edition)?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let name = file.display().to_string();
            let mut items = match read_catalogue_items(&bytes, &name) {
                Ok(items) => items,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    bail!("{name} 有 {} 处错误,未写入任何内容", errors.len());
                }
            };
            for item in &mut items {
                item.evidence = c
                    .items
                    .iter()
                    .find(|old| old.code == item.code)
                    .and_then(|old| old.evidence.clone());
            }
            c.items = items;
            let text = to_toml(&c);
            // The edition's own rules over the whole: nothing is written when one fails.
            let (c, flags) = load(&text).with_context(|| format!("{name} 读入后的目录无法使用"))?;
            std::fs::write(&out, text).with_context(|| format!("无法写入 {}", out.display()))?;
            println!(
                "已写入 {}:{} 项,{} 处待核实",
                out.display(),
                c.items.len(),
                flags.len()
            );
        }
    }
    Ok(())
}
