//! `youxiang survey demand|categories` (需求分析): the ranked needs and the grouped open
//! answers of a round, and the office's categories.

use std::path::Path;

use anyhow::{Context, Result};
use youxiang_app::App;
use youxiang_app::survey_results::RoundDemand;
use youxiang_core::survey::demand::{DemandCategories, label_for};

use crate::table::{Align, Table};

/// Prints a round's demand analysis, as JSON or as tables.
pub fn print_demand(d: &RoundDemand, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(d)?);
        return Ok(());
    }
    println!(
        "调查轮次“{}” 地点 {} 需求分析(受访者 {} 人)",
        d.round, d.place, d.respondents
    );
    for q in &d.demand.needs {
        println!(
            "\n{}(回答 {} 人{})",
            label_for(&q.label, false, &q.question),
            q.n,
            if q.suppressed {
                ",样本不足 30 人,仅供参考"
            } else {
                ""
            }
        );
        let mut t = Table::new(&[
            ("排名", Align::Right),
            ("需求", Align::Left),
            ("选择人数(人)", Align::Right),
            ("占比(%)", Align::Right),
            ("误差范围(±百分点,95%)", Align::Right),
        ]);
        for (i, o) in q.options.iter().enumerate() {
            t.row(vec![
                (i + 1).to_string(),
                label_for(&o.label, false, &o.choice),
                o.count.to_string(),
                format!("{:.1}", o.share),
                format!("{:.1}", o.moe),
            ]);
        }
        print!("{}", t.render());
    }
    for q in &d.demand.texts {
        println!(
            "\n{}(填写 {} 人)",
            label_for(&q.label, false, &q.question),
            q.n
        );
        let mut t = Table::new(&[
            ("类别", Align::Left),
            ("条数", Align::Right),
            ("占比(%)", Align::Right),
            ("示例", Align::Left),
        ]);
        for c in &q.categories {
            t.row(vec![
                c.name.clone(),
                c.count.to_string(),
                format!("{:.1}", c.share),
                c.examples.join(" / "),
            ]);
        }
        print!("{}", t.render());
    }
    println!(
        "\n口径:占比 = 选择该项的人数 ÷ 回答该题的人数;误差范围 1.96·√(p(1−p)/n)。开放题按分词后的关键词归类(一条意见可属多个类别),示例只含意见原文,长数字已隐去。"
    );
    Ok(())
}

/// Shows the categories, or replaces them from a JSON file.
pub async fn categories(app: &App, login: &str, set: Option<&Path>) -> Result<()> {
    if let Some(path) = set {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("读取 {}", path.display()))?;
        let cats: DemandCategories = serde_json::from_str(&text)
            .with_context(|| format!("{} 不是需求分类的 JSON", path.display()))?;
        let before = app.survey_categories().await?.version;
        let saved = app.set_survey_categories(login, &cats, before).await?;
        println!(
            "已保存需求分类 {} 个(第 {} 版)",
            saved.item.categories.len(),
            saved.version
        );
        return Ok(());
    }
    let cats = app.survey_categories().await?;
    println!("{}", serde_json::to_string_pretty(&cats.item)?);
    Ok(())
}
