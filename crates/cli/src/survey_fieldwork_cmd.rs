//! `youxiang survey tokens …` and `youxiang survey fieldwork …` (调查实施): single-use
//! invitations drawn per stratum (or sized by the frame, or handed in as a list) and written
//! out once for printing; a round's open link, its close and where its fieldwork stands.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use youxiang_app::App;
use youxiang_app::survey_fieldwork::{TokenDraw, TokenList};

use crate::manage_cmd::Actor;
use crate::table::{Align, Table};

#[derive(clap::Args, Debug)]
pub struct TokensArgs {
    pub round: String,
    /// This many tokens in every stratum of the frame (the towns without a frame).
    #[arg(long, conflicts_with_all = ["total", "list"])]
    pub per_stratum: Option<u32>,
    /// This many in all, shared by the strata in proportion to the frame's population.
    #[arg(long, conflicts_with = "list")]
    pub total: Option<u32>,
    /// Tokens already printed: a CSV with the columns `stratum` and `token`.
    #[arg(long)]
    pub list: Option<PathBuf>,
    /// Where the list is written for printing: `.csv` or `.xlsx` (the tokens are shown
    /// only now: the database keeps their hashes).
    #[arg(long)]
    pub out: PathBuf,
    /// The site's address, put before each link (`/s/t/TOKEN`).
    #[arg(long, default_value = "")]
    pub base_url: String,
    #[command(flatten)]
    pub actor: Actor,
}

#[derive(clap::Args, Debug)]
pub struct FieldworkArgs {
    pub round: String,
    /// Offer (`on`) or withdraw (`off`) the open link `/s/ROUND`.
    #[arg(long, value_parser = ["on", "off"])]
    pub open_link: Option<String>,
    /// Close the round: no answer is taken after it.
    #[arg(long)]
    pub close: bool,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub actor: Actor,
}

/// Reads `stratum,token` rows (a header naming both columns).
fn read_list(path: &PathBuf) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("读取 {}", path.display()))?;
    let mut lines = text.trim_start_matches('\u{feff}').lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(|h| h.trim().to_string())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(s), Some(t)) = (col("stratum"), col("token")) else {
        bail!("{}:第1行应有列 stratum 和 token", path.display());
    };
    let mut out = Vec::new();
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        match (cells.get(s), cells.get(t)) {
            (Some(s), Some(t)) if !s.is_empty() && !t.is_empty() => {
                out.push((s.to_string(), t.to_string()))
            }
            _ => bail!("{}:第{}行缺少 stratum 或 token", path.display(), i + 2),
        }
    }
    Ok(out)
}

pub async fn tokens(app: &App, a: TokensArgs) -> Result<()> {
    let ext = a
        .out
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if ext != "csv" && ext != "xlsx" {
        bail!("--out 应为 .csv 或 .xlsx 文件");
    }
    let today = a.actor.today(app);
    let list: TokenList = match (&a.list, a.per_stratum, a.total) {
        (Some(path), _, _) => {
            let given = read_list(path)?;
            app.add_survey_tokens(&a.actor.login, &a.round, &given, today)
                .await?
        }
        (None, Some(n), _) => {
            app.issue_survey_tokens(&a.actor.login, &a.round, TokenDraw::PerStratum(n), today)
                .await?
        }
        (None, None, Some(n)) => {
            app.issue_survey_tokens(&a.actor.login, &a.round, TokenDraw::Total(n), today)
                .await?
        }
        _ => bail!("请给出 --per-stratum N、--total N 或 --list FILE.csv"),
    };
    let bytes = if ext == "csv" {
        list.csv(&a.base_url)
    } else {
        list.xlsx(&a.base_url)?
    };
    std::fs::write(&a.out, bytes).with_context(|| format!("写入 {}", a.out.display()))?;
    println!(
        "已为“{}”发放第 {} 批邀请码 {} 个,名单已写出 {}(邀请码只在此时给出,数据库只保存其摘要)",
        list.round,
        list.list,
        list.tokens.len(),
        a.out.display()
    );
    Ok(())
}

pub async fn fieldwork(app: &App, a: FieldworkArgs) -> Result<()> {
    if let Some(on) = &a.open_link {
        app.set_survey_open_link(&a.actor.login, &a.round, on == "on")
            .await?;
    }
    if a.close {
        app.close_survey_round(&a.actor.login, &a.round).await?;
        println!("已结束调查轮次“{}”", a.round);
    }
    let f = app.survey_fieldwork(&a.round).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&f)?);
        return Ok(());
    }
    println!(
        "调查轮次“{}”:{},公开链接{}(公开链接答卷 {} 份,另有 {} 份待汇总,单列,不计入指数)",
        f.round,
        if f.open { "进行中" } else { "已结束" },
        if f.open_link { "开放" } else { "未开放" },
        f.open_link_answers,
        f.open_link_pending
    );
    let mut t = Table::new(&[
        ("镇街编码", Align::Left),
        ("镇(街道)", Align::Left),
        ("邀请码(个)", Align::Right),
        ("已使用(个)", Align::Right),
        ("邀请码答卷(份)", Align::Right),
        ("待汇总(份)", Align::Right),
        ("纸质(份)", Align::Right),
        ("电话(份)", Align::Right),
    ]);
    for s in &f.strata {
        let n = |m: &str| s.answers.get(m).copied().unwrap_or(0).to_string();
        t.row(vec![
            s.stratum.clone(),
            s.name.clone(),
            s.tokens_issued.to_string(),
            s.tokens_used.to_string(),
            n("token"),
            s.pending.to_string(),
            n("paper"),
            n("phone"),
        ]);
    }
    print!("{}", t.render());
    println!(
        "公众答卷先待汇总:同一镇街同一方式满 {} 份(或本轮结束)时打乱顺序一并计入,答卷无法与邀请码对应。",
        youxiang_app::survey_fieldwork::SURVEY_BATCH
    );
    Ok(())
}
