//! `youxiang units list|add|edit|import|export`: the register of units (单位名录) — the
//! departments and towns' offices the plan names as lead and partner units.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use youxiang_core::units::{Contact, Unit, UnitKind};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum UnitsCmd {
    /// The register, with the plan's units that are not in it (phones masked unless the
    /// office).
    List {
        #[command(flatten)]
        actor: Actor,
        #[arg(long)]
        json: bool,
    },
    /// Adds a unit (the office).
    Add {
        #[command(flatten)]
        fields: UnitFields,
        #[command(flatten)]
        actor: Actor,
    },
    /// Changes a unit (the office): the fields given replace the stored ones.
    Edit {
        #[command(flatten)]
        fields: UnitFields,
        #[command(flatten)]
        actor: Actor,
    },
    /// Reads a register (xlsx or CSV: 单位名称, 单位代码, 类别, 上级单位, 联系人, 联系电话,
    /// 备注): all rows or none.
    Import {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Writes the register as xlsx (a `.csv` name: CSV), readable by `units import`.
    Export {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Args, Debug)]
pub struct UnitFields {
    /// The name the plan uses (区卫健局).
    pub name: String,
    #[arg(long)]
    pub code: Option<String>,
    /// department (区级部门), town (镇街) or other (其他).
    #[arg(long)]
    pub kind: Option<UnitKind>,
    #[arg(long)]
    pub parent: Option<String>,
    /// A contact as `姓名 电话` or `姓名:电话` (repeat for several; replaces the stored
    /// contacts).
    #[arg(long = "contact")]
    pub contacts: Vec<String>,
    #[arg(long)]
    pub note: Option<String>,
}

impl UnitFields {
    fn apply(self, mut u: Unit) -> Unit {
        u.name = self.name;
        if let Some(v) = self.code {
            u.code = v;
        }
        if let Some(v) = self.kind {
            u.kind = v;
        }
        if let Some(v) = self.parent {
            u.parent = v;
        }
        if !self.contacts.is_empty() {
            u.contacts = self.contacts.iter().map(|c| Contact::parse(c)).collect();
        }
        if let Some(v) = self.note {
            u.note = v;
        }
        u
    }
}

pub fn run(db: &str, cmd: UnitsCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            UnitsCmd::List { actor, json } => {
                let units = app.units(&actor.login).await?;
                let missing = app.unregistered_units().await?;
                if json {
                    let doc = serde_json::json!({ "units": units, "unregistered": missing });
                    println!("{}", serde_json::to_string_pretty(&doc)?);
                    return Ok(());
                }
                let mut t = Table::new(&[
                    ("单位", Align::Left),
                    ("类别", Align::Left),
                    ("上级", Align::Left),
                    ("联系人", Align::Left),
                ]);
                for r in &units {
                    let u = &r.unit;
                    t.row(vec![
                        u.name.clone(),
                        u.kind.label_zh().into(),
                        u.parent.clone(),
                        u.contacts
                            .iter()
                            .map(|c| format!("{} {}", c.person, c.phone).trim().to_string())
                            .collect::<Vec<_>>()
                            .join(";"),
                    ]);
                }
                print!("{}", t.render());
                println!("共 {} 个单位", units.len());
                for m in &missing {
                    println!("提醒:方案中{m}");
                }
            }
            UnitsCmd::Add { fields, actor } => {
                let u = fields.apply(Unit::default());
                let saved = app.save_unit(&actor.login, u, None).await?;
                println!("已添加单位 {}", saved.unit.name);
            }
            UnitsCmd::Edit { fields, actor } => {
                let current = app
                    .units(&actor.login)
                    .await?
                    .into_iter()
                    .find(|r| r.unit.name == fields.name.trim());
                let Some(current) = current else {
                    bail!("单位名录中没有“{}”", fields.name);
                };
                let u = fields.apply(current.unit);
                let saved = app
                    .save_unit(&actor.login, u, Some(current.version))
                    .await?;
                println!("已修改单位 {}(第 {} 版)", saved.unit.name, saved.version);
            }
            UnitsCmd::Import { file, actor } => {
                let (bytes, name) = crate::infile::read(&file)?;
                let units = youxiang_ingest::read_units(&bytes, &name)
                    .map_err(|errors| crate::infile::refused(&name, "单位", &errors))?;
                let done = app.import_units(&actor.login, units).await?;
                println!(
                    "已导入单位名录:新增 {} 个,修改 {} 个,未变 {} 个",
                    done.added, done.changed, done.unchanged
                );
            }
            UnitsCmd::Export { file, actor } => {
                let units: Vec<Unit> = app
                    .units(&actor.login)
                    .await?
                    .into_iter()
                    .map(|r| r.unit)
                    .collect();
                let csv = file
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
                let bytes = if csv {
                    youxiang_ingest::write_units_csv(&units)
                } else {
                    youxiang_ingest::write_units_xlsx(&units)
                }
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                std::fs::write(&file, bytes).with_context(|| format!("写入 {}", file.display()))?;
                println!("已写出 {}({} 个单位)", file.display(), units.len());
            }
        }
        Ok(())
    })
}
