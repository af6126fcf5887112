//! `youxiang places boundaries import|show`: place boundaries for the maps of the overview
//! and the indicator pages.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use youxiang_app::App;
use youxiang_app::AppError;
use youxiang_app::boundaries::{CODE_PROPERTIES, ImportOptions};

use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum BoundariesCmd {
    /// Import boundaries from a GeoJSON FeatureCollection of Polygon or MultiPolygon
    /// features in longitude/latitude degrees (WGS-84 / CGCS2000). Each feature names its
    /// place by `properties.code` (or `properties.adcode`, `properties.place_code`, or the
    /// feature's `id`); every code must be in the places table. All or nothing: any
    /// problem (named by feature number and field) and nothing is stored. A place's earlier
    /// boundary is replaced.
    Import {
        /// The GeoJSON file.
        file: PathBuf,
        /// Where the shapes come from, shown under every map (e.g. 定海区自然资源局 2024年勘界成果).
        #[arg(long)]
        source: Option<String>,
        /// The licence or terms of use of the shapes, shown with the source.
        #[arg(long)]
        licence: Option<String>,
        /// The shapes are approximations, not legal boundaries: maps label them
        /// 示意边界,非法定界线.
        #[arg(long)]
        approximate: bool,
    },
    /// Which places below a place (default: the plan's place) have a boundary, with its
    /// source and licence.
    Show {
        #[arg(long)]
        parent: Option<String>,
    },
}

pub async fn run(app: &App, cmd: BoundariesCmd) -> Result<()> {
    match cmd {
        BoundariesCmd::Import {
            file,
            source,
            licence,
            approximate,
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("GeoJSON")
                .to_string();
            let options = ImportOptions {
                source: source.unwrap_or_else(|| format!("文件 {name}(来源未注明)")),
                licence: licence.unwrap_or_else(|| "未注明".into()),
                approximate,
            };
            match app.import_boundaries("cli", &bytes, &options).await {
                Ok(r) => println!(
                    "已导入 {} 个地点的边界(其中替换 {} 个;全部成功):来源 {},许可 {}{}",
                    r.places.len(),
                    r.replaced,
                    options.source,
                    options.licence,
                    if approximate {
                        ";标注为示意边界"
                    } else {
                        ""
                    }
                ),
                Err(AppError::Invalid(problems)) => bail!(
                    "{name} 有 {} 处问题,未写入任何边界(地点编码取自 properties 的 {} 或要素 id):\n  {}",
                    problems.len(),
                    CODE_PROPERTIES.join("、"),
                    problems.join("\n  ")
                ),
                Err(e) => return Err(e.into()),
            }
        }
        BoundariesCmd::Show { parent } => {
            let parent = parent.unwrap_or_else(|| app.read().plan.place.clone());
            let below = app.boundaries_below(&parent).await?;
            let mut t = Table::new(&[
                ("编码", Align::Left),
                ("名称", Align::Left),
                ("边界", Align::Left),
                ("多边形", Align::Right),
                ("来源", Align::Left),
                ("许可", Align::Left),
            ]);
            for b in &below.boundaries {
                t.row(vec![
                    b.place.clone(),
                    b.name.clone(),
                    if b.approximate {
                        "示意边界".into()
                    } else {
                        "有".into()
                    },
                    b.polygons.len().to_string(),
                    b.source.clone(),
                    b.licence.clone(),
                ]);
            }
            for (code, name) in &below.missing {
                t.row(vec![
                    code.clone(),
                    name.clone(),
                    "无".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            print!("{}", t.render());
            println!(
                "{} 下辖 {} 个地点,{} 个有边界",
                below.parent_name,
                below.boundaries.len() + below.missing.len(),
                below.boundaries.len()
            );
        }
    }
    Ok(())
}
