//! The labelled synthetic survey results of the demo (issue 17): the sample 七优享
//! questionnaire, two rounds (2024 and 2025) with a sampling frame of the towns' adults,
//! answers invented per town (`_uuid` marked `demo-…`; every open answer is a sentence
//! from a fixed list, not a person's words), and both rounds' results published — so that
//! the index, the demand analysis, the dashboard's cards, the quarterly report and the
//! open data show numbers. Written through `App`'s public calls like any import.

use chrono::NaiveDate;
use youxiang_app::{App, Result};
use youxiang_core::place::Level;

/// The sentences the synthetic open answers are drawn from (invented for the demo).
const SUGGESTIONS: &[&str] = &[
    "希望小区附近多建几个养老服务点",
    "老人助餐点太少,吃饭不方便",
    "社区医院挂号难,希望增加全科医生",
    "希望增加普惠托育名额",
    "孩子上学路远,希望就近入学",
    "希望多组织技能培训,帮助找工作",
    "老旧小区加装电梯太慢",
    "低保和困难家庭帮扶要更及时",
    "公交车班次太少",
    "希望晚上图书馆开放时间长一些",
    "看病排队时间太长",
    "课后服务的时间和内容还可以丰富",
];

const NEEDS: &[&str] = &[
    "tuoyu", "xuexiao", "jiuye", "kanbing", "yanglao", "zhufang", "jiuzhu", "wenti", "jiaotong",
];

const ITEMS: &[&str] = &[
    "yy1", "yy2", "yy3", "xy1", "xy2", "xy3", "ld1", "ld2", "ld3", "by1", "by2", "by3", "ly1",
    "ly2", "ly3", "zy1", "zy2", "zy3", "rf1", "rf2", "rf3",
];

/// A small deterministic generator (SplitMix64): the same demo on every machine.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A five-point answer leaning to `mean` (1–5), sometimes 不清楚 (9).
fn points(d: &mut Draw, mean: f64) -> String {
    if d.below(20) == 0 {
        return "9".into();
    }
    let spread = d.below(5) as f64 - 2.0;
    let x = (mean + spread * 0.6).round().clamp(1.0, 5.0);
    format!("{x:.0}")
}

/// One round's answers as a KoboToolbox-like CSV: per town, `per_town` respondents.
fn answers_csv(round: u64, towns: &[String], per_town: u64, lift: f64) -> String {
    let mut header = vec!["_uuid", "stratum", "age", "gender", "has_young_child"];
    header.extend(ITEMS);
    header.extend(["needs", "needs_other", "suggestion"]);
    let mut out = header.join(",");
    out.push('\n');
    let mut d = Draw(round * 7919);
    for (t, town) in towns.iter().enumerate() {
        let n = per_town + d.below(per_town / 2 + 1);
        // Each town its own level, each domain its own.
        let base = 3.3 + (t % 4) as f64 * 0.2 + lift;
        for i in 0..n {
            let young = d.below(3) == 0;
            let mut row = vec![
                format!("demo-{round}-{town}-{i:04}"),
                town.clone(),
                (18 + d.below(70)).to_string(),
                if d.below(2) == 0 { "m" } else { "f" }.to_string(),
                if young { "yes" } else { "no" }.to_string(),
            ];
            for (k, item) in ITEMS.iter().enumerate() {
                if item.starts_with("yy") && !young {
                    row.push(String::new());
                } else {
                    row.push(points(&mut d, base + (k / 3) as f64 * 0.08));
                }
            }
            let mut chosen: Vec<&str> = Vec::new();
            for _ in 0..1 + d.below(3) {
                // 养老 and 看病 come up most.
                let pick = match d.below(12) {
                    0..=2 => "yanglao",
                    3..=4 => "kanbing",
                    x => NEEDS[(x as usize) % NEEDS.len()],
                };
                if !chosen.contains(&pick) {
                    chosen.push(pick);
                }
            }
            row.push(chosen.join(" "));
            row.push(String::new());
            row.push(if d.below(3) == 0 {
                SUGGESTIONS[d.below(SUGGESTIONS.len() as u64) as usize].to_string()
            } else {
                String::new()
            });
            out.push_str(&row.join(","));
            out.push('\n');
        }
    }
    out
}

/// Loads the demo's survey: the form (unless already kept), two rounds with answers, and
/// their published results.
pub async fn load_demo_survey_results(app: &App, office: &str) -> Result<()> {
    let form = match app.survey_form("qiyouxiang_satisfaction").await {
        Ok(f) => f.item,
        Err(_) => {
            let form = youxiang_ingest::xlsform::sample_form()
                .map_err(|e| youxiang_app::AppError::Internal(e.to_string()))?;
            app.save_survey_form(office, form).await?.item
        }
    };
    let (towns, frame) = {
        let state = app.read();
        let towns: Vec<(String, f64)> = state
            .tree
            .places()
            .iter()
            .filter(|p| p.level == Level::Town)
            .map(|p| {
                let people = p
                    .population
                    .values()
                    .next_back()
                    .copied()
                    .unwrap_or(20000.0);
                (p.code.clone(), people)
            })
            .collect();
        let mut frame = String::from("stratum,population\n");
        for (code, people) in &towns {
            frame.push_str(&format!("{code},{:.0}\n", people * 0.8));
        }
        (towns.into_iter().map(|(c, _)| c).collect::<Vec<_>>(), frame)
    };
    let rounds = [
        (
            "2024年度满意度调查(演示)",
            (2024, 6, 3),
            (2024, 7, 15),
            1u64,
            0.0,
        ),
        (
            "2025年度满意度调查(演示)",
            (2025, 6, 2),
            (2025, 7, 14),
            2u64,
            0.25,
        ),
    ];
    for (name, opened, published, seed, lift) in rounds {
        let (Some(opened), Some(published)) = (
            NaiveDate::from_ymd_opt(opened.0, opened.1, opened.2),
            NaiveDate::from_ymd_opt(published.0, published.1, published.2),
        ) else {
            continue;
        };
        app.set_clock(Some(super::beijing(opened, 9, 30)));
        app.open_survey_round(
            office,
            &form.settings.form_id,
            name,
            Some((frame.as_bytes(), "抽样框(演示).csv")),
            opened,
        )
        .await?;
        let csv = answers_csv(seed, &towns, 36, lift);
        let imported = opened + chrono::Duration::days(30);
        app.set_clock(Some(super::beijing(imported, 15, 0)));
        app.import_survey_answers(office, name, csv.as_bytes(), "答卷导出(演示).csv", imported)
            .await?;
        // Fieldwork over: the round is closed before its results are published.
        app.set_clock(Some(super::beijing(published, 9, 0)));
        app.close_survey_round(office, name).await?;
        app.set_clock(Some(super::beijing(published, 10, 0)));
        app.publish_survey_results(office, name, published).await?;
    }
    app.set_clock(None);
    Ok(())
}
