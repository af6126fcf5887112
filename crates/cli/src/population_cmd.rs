//! `youxiang access population load FILE | show`: the imported population grid (人口格网)
//! the 15-minute circle takes its residents from instead of the places' population points
//! (GeoJSON points or CSV `lon,lat,population`, all or nothing, every fault with its row).

use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;

#[derive(clap::Subcommand, Debug)]
pub enum PopulationCmd {
    /// Reads a population grid (GeoJSON points with a `population` property, or CSV with
    /// the header lon,lat,population) and keeps it in the database with its source and
    /// date; the circle then takes its residents from it and is recomputed.
    Load {
        file: PathBuf,
        /// Where the figures come from (required), e.g. "第七次全国人口普查格网".
        #[arg(long)]
        source: String,
        /// The date the figures describe (YYYY-MM-DD).
        #[arg(long)]
        date: Option<NaiveDate>,
        /// The grid's name (default: the file's name).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// The kept population grid.
    Show {
        #[arg(long)]
        json: bool,
    },
}

pub fn run_population(db: &str, cmd: PopulationCmd) -> Result<()> {
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            PopulationCmd::Load {
                file,
                source,
                date,
                name,
                actor,
            } => {
                let bytes =
                    std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
                let g = app
                    .load_population_grid(
                        &actor.login,
                        bytes,
                        &file.to_string_lossy(),
                        name.as_deref(),
                        &source,
                        date,
                    )
                    .await?;
                println!(
                    "人口格网“{}”已载入:{} 个人口点,共 {:.0} 人(来源:{});15分钟公共服务圈已重算。",
                    g.name, g.points, g.population, g.source
                );
            }
            PopulationCmd::Show { json } => match app.population_grid().await? {
                Some(g) if json => println!("{}", serde_json::to_string_pretty(&g)?),
                Some(g) => println!(
                    "{}:文件 {},{} 个人口点,共 {:.0} 人,{} 载入",
                    g.label_zh(),
                    g.file,
                    g.points,
                    g.population,
                    g.loaded_on
                ),
                None => println!("未载入人口格网:15分钟公共服务圈按各地点的人口点计算"),
            },
        }
        Ok(())
    })
}
