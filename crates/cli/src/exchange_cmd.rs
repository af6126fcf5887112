//! `youxiang exchange dhis2 export|import|mapping`: DHIS2 `dataValueSets` in JSON or CSV —
//! the approved figures out, figures in through the one write path (all or nothing,
//! `--dry-run` to check and count only), and the mapping of the plan onto DHIS2's
//! identifiers (shown whole, or its overrides set from a TOML file).

use std::path::PathBuf;

use anyhow::{Result, bail};
use youxiang_app::exchange::{Dhis2Export, Dhis2Import};
use youxiang_core::exchange::dhis2::{
    DataValueSet, IdScheme, IdSchemes, ImportStatus, ImportStrategy, MappingFile, SchemeChoice,
    parse_period, read_csv, write_csv,
};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;

#[derive(clap::Subcommand, Debug)]
pub enum ExchangeCmd {
    /// DHIS2 (2.40 and later) dataValueSets.
    #[command(subcommand)]
    Dhis2(Dhis2Cmd),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

#[derive(clap::Subcommand, Debug)]
pub enum Dhis2Cmd {
    /// The approved figures as a dataValueSet on standard output.
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// DHIS2 periods, exactly (2025, 2025S1, 2025Q1, 202503, 2025W5); repeatable.
        #[arg(long)]
        period: Vec<String>,
        /// Periods starting on or after this day.
        #[arg(long)]
        start_date: Option<chrono::NaiveDate>,
        /// Periods ending on or before this day.
        #[arg(long)]
        end_date: Option<chrono::NaiveDate>,
        /// Org units (places) by UID, code or name; repeatable.
        #[arg(long)]
        org_unit: Vec<String>,
        /// With every place below the org units.
        #[arg(long)]
        children: bool,
        /// Data elements (indicators) by UID, code or name; repeatable.
        #[arg(long)]
        data_element: Vec<String>,
        /// How the export names objects: uid, code or name.
        #[arg(long, default_value = "uid", value_parser = parse_scheme)]
        id_scheme: IdScheme,
        /// A mapping file (TOML) instead of the stored mapping.
        #[arg(long)]
        mapping: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Imports a dataValueSet (JSON, or CSV by the file's `.csv` name) and prints DHIS2's
    /// import summary; nothing is written when there is any conflict.
    Import {
        file: PathBuf,
        /// Check and count only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// How the file names objects (the file's own schemes take precedence).
        #[arg(long, value_parser = parse_scheme)]
        id_scheme: Option<IdScheme>,
        /// CREATE_AND_UPDATE (default), CREATE, UPDATE or DELETE.
        #[arg(long, default_value = "CREATE_AND_UPDATE", value_parser = parse_strategy)]
        import_strategy: ImportStrategy,
        /// JSON or CSV (default: by the file's name).
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// A mapping file (TOML) instead of the stored mapping.
        #[arg(long)]
        mapping: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// The mapping in force, written out whole as a mapping file (TOML).
    Mapping {
        #[command(subcommand)]
        cmd: MappingCmd,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum MappingCmd {
    /// Every indicator, component, place and the data set with their UID, code and name.
    Show,
    /// Keeps a mapping file's overrides (the office), checked against the plan first.
    Set {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
}

fn parse_scheme(s: &str) -> Result<IdScheme, String> {
    s.parse()
}

fn parse_strategy(s: &str) -> Result<ImportStrategy, String> {
    s.parse()
}

fn mapping_file(path: Option<&PathBuf>) -> Result<Option<MappingFile>> {
    let Some(path) = path else { return Ok(None) };
    let (bytes, _) = crate::infile::read(path)?;
    let text = String::from_utf8(bytes)?;
    MappingFile::parse(&text)
        .map(Some)
        .map_err(anyhow::Error::msg)
}

pub fn run(db: &str, cmd: ExchangeCmd) -> Result<()> {
    let ExchangeCmd::Dhis2(cmd) = cmd;
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            Dhis2Cmd::Export {
                format,
                period,
                start_date,
                end_date,
                org_unit,
                children,
                data_element,
                id_scheme,
                mapping,
                actor,
            } => {
                let periods = period
                    .iter()
                    .map(|p| parse_period(p).map_err(anyhow::Error::msg))
                    .collect::<Result<Vec<_>>>()?;
                let filter = Dhis2Export {
                    data_sets: Vec::new(),
                    data_elements: data_element,
                    periods,
                    start: start_date,
                    end: end_date,
                    org_units: org_unit,
                    children,
                    schemes: IdSchemes::all(id_scheme),
                };
                let file = mapping_file(mapping.as_ref())?;
                let set = app
                    .dhis2_export(&actor.login, &filter, file.as_ref())
                    .await?;
                match format {
                    Format::Json => println!("{}", serde_json::to_string_pretty(&set)?),
                    Format::Csv => print!("{}", write_csv(&set)),
                }
                eprintln!(
                    "已导出 {} 个数据值(仅已审核的正式数据)",
                    set.data_values.len()
                );
            }
            Dhis2Cmd::Import {
                file,
                dry_run,
                id_scheme,
                import_strategy,
                format,
                mapping,
                actor,
            } => {
                let (bytes, name) = crate::infile::read(&file)?;
                let csv = format.map_or(name.to_ascii_lowercase().ends_with(".csv"), |f| {
                    f == Format::Csv
                });
                let text = String::from_utf8(bytes)
                    .map_err(|_| anyhow::anyhow!("{name} 须为 UTF-8 编码"))?;
                let set: DataValueSet = if csv {
                    read_csv(&text).map_err(|c| anyhow::anyhow!("{name}:{}", c.value))?
                } else {
                    serde_json::from_str(&text)
                        .map_err(|e| anyhow::anyhow!("{name} 不是 dataValueSet 的 JSON:{e}"))?
                };
                let options = Dhis2Import {
                    schemes: SchemeChoice {
                        id_scheme,
                        ..SchemeChoice::default()
                    },
                    dry_run,
                    strategy: import_strategy,
                };
                let file = mapping_file(mapping.as_ref())?;
                let summary = app
                    .dhis2_import(&actor.login, &set, options, file.as_ref())
                    .await?;
                println!("{}", serde_json::to_string_pretty(&summary)?);
                if summary.status == ImportStatus::Error {
                    bail!("{}", summary.description);
                }
                let c = summary.import_count;
                eprintln!(
                    "{}:新增 {},更新 {},未变(忽略) {},删除 {}",
                    if dry_run {
                        "试导入,未写入"
                    } else {
                        "已导入"
                    },
                    c.imported,
                    c.updated,
                    c.ignored,
                    c.deleted
                );
            }
            Dhis2Cmd::Mapping { cmd } => match cmd {
                MappingCmd::Show => {
                    print!("{}", app.dhis2_mapping(None).await?.to_file().to_toml());
                }
                MappingCmd::Set { file, actor } => {
                    let Some(f) = mapping_file(Some(&file))? else {
                        bail!("没有映射文件");
                    };
                    app.set_dhis2_mapping(&actor.login, &f).await?;
                    println!("已保存 DHIS2 映射(已审计)");
                }
            },
        }
        Ok(())
    })
}
