//! `youxiang survey …` (满意度与需求调查): questionnaires in XLSForm (import with every
//! problem listed, export, the shipped sample), rounds with their sampling frame, answers
//! exported by KoboToolbox / ODK, and the satisfaction index of methods §6.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::data_cmd::{open, runtime};
use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Subcommand, Debug)]
pub enum SurveyCmd {
    /// Checks a questionnaire (XLSForm `.xlsx`: sheets survey, choices, settings) and keeps
    /// it when clean; every problem is listed with its sheet, row and column.
    Import {
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
    /// Writes a kept questionnaire (by its form_id) as XLSForm.
    Export { form: String, out: PathBuf },
    /// Writes the shipped sample questionnaire (七优享 satisfaction and demand) as XLSForm.
    Sample { out: PathBuf },
    /// The kept questionnaires and rounds.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Survey rounds.
    #[command(subcommand)]
    Round(RoundCmd),
    /// A round's answers.
    #[command(subcommand)]
    Answers(AnswersCmd),
    /// Single-use invitations for a round, written out once for printing.
    Tokens(crate::survey_fieldwork_cmd::TokensArgs),
    /// A round's fieldwork: tokens and answers per stratum; its open link; its close.
    Fieldwork(crate::survey_fieldwork_cmd::FieldworkArgs),
    /// The satisfaction index of a round: every domain at every stratum and the district.
    Index {
        round: String,
        /// Also each cell's change from this earlier round, and whether it is significant.
        #[arg(long)]
        compare: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// The demand analysis of a round: ranked needs (share with its 95 % margin) and the
    /// open answers grouped into the office's categories, with examples.
    Demand {
        round: String,
        /// A stratum's place code (default: the district, or a town's own).
        #[arg(long)]
        place: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// The categories open answers are grouped into; with --set, replaces them from a
    /// JSON file `{"categories": [{"code", "name", "keywords": [...]}]}`.
    Categories {
        #[arg(long)]
        set: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Publishes a round's results (the index cells, never answers), frozen once.
    Publish {
        round: String,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum RoundCmd {
    /// Opens a round of the questionnaire FORM (its form_id).
    Open {
        form: String,
        #[arg(long)]
        name: String,
        /// The sampling frame: a CSV or xlsx with `stratum` (place code) and `population`.
        #[arg(long)]
        frame: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum AnswersCmd {
    /// Imports a KoboToolbox / ODK export (CSV or xlsx; columns named as the form's
    /// questions, plus `stratum`): all rows or none.
    Import {
        round: String,
        file: PathBuf,
        #[command(flatten)]
        actor: Actor,
    },
}

fn read(path: &Path) -> Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(path).with_context(|| format!("读取 {}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok((bytes, name))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("写入 {}", path.display()))?;
    println!("已写出 {}", path.display());
    Ok(())
}

fn number(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |x| format!("{x:.1}"))
}

pub fn run(db: &str, cmd: SurveyCmd) -> Result<()> {
    if let SurveyCmd::Sample { out } = &cmd {
        let form = youxiang_ingest::xlsform::sample_form().map_err(anyhow::Error::msg)?;
        let bytes = youxiang_ingest::xlsform::write_form(&form).map_err(anyhow::Error::msg)?;
        return write(out, &bytes);
    }
    runtime()?.block_on(async {
        let app = open(db).await?;
        match cmd {
            SurveyCmd::Sample { .. } => {}
            SurveyCmd::Import { file, actor } => {
                let (bytes, name) = read(&file)?;
                let saved = app.import_survey_form(&actor.login, &bytes, &name).await?;
                let f = &saved.item;
                println!(
                    "已导入问卷 {}(“{}”,{} 道题,{} 个领域满意度题组,第 {} 版)",
                    f.settings.form_id,
                    f.settings.form_title,
                    f.survey.iter().filter(|q| q.kind.is_answered()).count(),
                    f.domain_items().len(),
                    saved.version
                );
            }
            SurveyCmd::Export { form, out } => {
                let bytes = app.survey_form_xlsx(&form).await?;
                write(&out, &bytes)?;
            }
            SurveyCmd::List { json } => {
                let forms = app.survey_forms().await?;
                let rounds = app.survey_rounds().await?;
                if json {
                    let value = serde_json::json!({
                        "forms": forms.iter().map(|f| serde_json::json!({
                            "form_id": f.item.settings.form_id,
                            "form_title": f.item.settings.form_title,
                            "version": f.version,
                        })).collect::<Vec<_>>(),
                        "rounds": rounds.iter().map(|r| serde_json::json!({
                            "name": r.item.name,
                            "form_id": r.item.form_id,
                            "opened_on": r.item.opened_on,
                            "strata": r.item.frame.len(),
                        })).collect::<Vec<_>>(),
                    });
                    println!("{}", serde_json::to_string_pretty(&value)?);
                    return Ok(());
                }
                println!("问卷 {} 份:", forms.len());
                for f in &forms {
                    println!("  {}  {}", f.item.settings.form_id, f.item.settings.form_title);
                }
                println!("调查轮次 {} 轮:", rounds.len());
                for r in &rounds {
                    let answers = app.survey_answers(&r.item.name).await?.len();
                    println!(
                        "  {}  问卷 {}  开始于 {}  抽样框 {} 层  答卷 {answers} 份",
                        r.item.name,
                        r.item.form_id,
                        r.item.opened_on,
                        r.item.frame.len()
                    );
                }
            }
            SurveyCmd::Round(RoundCmd::Open {
                form,
                name,
                frame,
                actor,
            }) => {
                let frame = frame.as_deref().map(read).transpose()?;
                let today = actor.today(&app);
                let saved = app
                    .open_survey_round(
                        &actor.login,
                        &form,
                        &name,
                        frame.as_ref().map(|(b, n)| (&b[..], n.as_str())),
                        today,
                    )
                    .await?;
                println!(
                    "已开启调查轮次“{}”(问卷 {},抽样框 {} 层)",
                    saved.item.name,
                    saved.item.form_id,
                    saved.item.frame.len()
                );
            }
            SurveyCmd::Tokens(a) => crate::survey_fieldwork_cmd::tokens(&app, a).await?,
            SurveyCmd::Fieldwork(a) => crate::survey_fieldwork_cmd::fieldwork(&app, a).await?,
            SurveyCmd::Answers(AnswersCmd::Import { round, file, actor }) => {
                let (bytes, name) = read(&file)?;
                let today = actor.today(&app);
                let n = app
                    .import_survey_answers(&actor.login, &round, &bytes, &name, today)
                    .await?;
                println!("已导入 {n} 份答卷到“{round}”");
            }
            SurveyCmd::Demand {
                round,
                place,
                json,
                actor,
            } => {
                let d = app
                    .survey_demand(&actor.login, &round, place.as_deref())
                    .await?;
                crate::survey_demand_cmd::print_demand(&d, json)?;
            }
            SurveyCmd::Categories { set, actor } => {
                crate::survey_demand_cmd::categories(&app, &actor.login, set.as_deref()).await?;
            }
            SurveyCmd::Publish { round, actor } => {
                let today = actor.today(&app);
                let p = app
                    .publish_survey_results(&actor.login, &round, today)
                    .await?;
                println!(
                    "已发布调查轮次“{}”的结果:{} 个单元格(领域 × 地点),答卷不公开",
                    p.round,
                    p.cells.len()
                );
            }
            SurveyCmd::Index {
                round,
                compare,
                json,
                actor,
            } => {
                let index = app
                    .survey_index(&actor.login, &round, compare.as_deref())
                    .await?;
                if json {
                    println!("{}", serde_json::to_string_pretty(&index)?);
                    return Ok(());
                }
                let (domains, places) = {
                    let state = app.read();
                    let domains: Vec<(String, String)> = state
                        .plan
                        .domains
                        .iter()
                        .map(|d| (d.code.clone(), d.name.clone()))
                        .collect();
                    let places: Vec<(String, String)> = state
                        .tree
                        .places()
                        .iter()
                        .map(|p| (p.code.clone(), p.name.clone()))
                        .collect();
                    (domains, places)
                };
                let name = |list: &[(String, String)], code: &str| {
                    list.iter()
                        .find(|(c, _)| c == code)
                        .map_or_else(|| code.to_string(), |(_, n)| n.clone())
                };
                let mut headers = vec![
                    ("领域", Align::Left),
                    ("地点", Align::Left),
                    ("满意度指数(0–100)", Align::Right),
                    ("样本量(人)", Align::Right),
                    ("误差范围(±,95%)", Align::Right),
                ];
                if index.compared_with.is_some() {
                    headers.push(("较上轮变化(指数点)", Align::Right));
                }
                let mut t = Table::new(&headers);
                for c in &index.cells {
                    let (shown, moe) = if c.suppressed {
                        ("样本不足".to_string(), String::new())
                    } else {
                        (number(c.index), number(c.moe))
                    };
                    let change = index
                        .changes
                        .iter()
                        .find(|x| x.domain == c.domain && x.place == c.place)
                        .and_then(|x| {
                            let d = x.delta?;
                            (!c.suppressed).then(|| {
                                format!(
                                    "{d:+.1}{}",
                                    if x.significant { "(显著)" } else { "(不显著)" }
                                )
                            })
                        })
                        .unwrap_or_default();
                    let mut row = vec![
                        name(&domains, &c.domain),
                        name(&places, &c.place),
                        shown,
                        c.n.to_string(),
                        moe,
                    ];
                    if index.compared_with.is_some() {
                        row.push(change);
                    }
                    t.row(row);
                }
                match &index.compared_with {
                    Some(b) => println!(
                        "调查轮次“{}”(问卷 {}),与“{b}”比较",
                        index.round, index.form_id
                    ),
                    None => println!("调查轮次“{}”(问卷 {})", index.round, index.form_id),
                }
                print!("{}", t.render());
                println!(
                    "口径:每位受访者在某领域的得分 = 其五级评分题 (x−1)/4×100 的平均(“不清楚”和未答不计);镇街为得分均值,误差范围 1.96·s/√n(有抽样框时乘以 √(1−n/N));全区为按人口加权的分层估计;样本少于 30 人显示“样本不足”。"
                );
            }
        }
        Ok(())
    })
}
