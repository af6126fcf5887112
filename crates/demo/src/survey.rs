//! The demo's survey fieldwork (issue 17 point 2): a round of the sample questionnaire
//! still open on the demo's day, with invitations per town and the open link offered, so
//! that the public answer page `/s/{round}` is reachable. The demo's invitations are
//! predictable on purpose (`DEMO-002-0001` …: the town's last three digits and a number),
//! for trying the page and for the browser tests; a real round's are drawn at random
//! (`youxiang survey tokens`).

use chrono::NaiveDate;
use youxiang_app::{App, Result};
use youxiang_core::place::Level;

/// The demo's open round.
pub const DEMO_ROUND: &str = "2025年秋季满意度回访(演示)";
/// Invitations per town.
pub const DEMO_TOKENS_PER_TOWN: u32 = 40;

/// The demo's invitation `k` (1-based) of the town `code`.
pub fn demo_token(code: &str, k: u32) -> String {
    let tail = &code[code.len().saturating_sub(3)..];
    format!("DEMO-{tail}-{k:04}")
}

/// Opens the demo's round (keeping the sample form first unless it is kept), with the
/// towns as its frame, [`DEMO_TOKENS_PER_TOWN`] invitations per town and the open link.
/// Leaves the clock at the round's opening: the caller sets it back.
pub async fn load_demo_fieldwork(app: &App, office: &str) -> Result<()> {
    let form = match app.survey_form("qiyouxiang_satisfaction").await {
        Ok(f) => f.item,
        Err(_) => {
            let form = youxiang_ingest::xlsform::sample_form()
                .map_err(|e| youxiang_app::AppError::Internal(e.to_string()))?;
            app.save_survey_form(office, form).await?.item
        }
    };
    let towns: Vec<(String, f64)> = {
        let state = app.read();
        state
            .tree
            .places()
            .iter()
            .filter(|p| p.level == Level::Town)
            .map(|p| {
                let people = p.population.values().next_back().copied();
                (p.code.clone(), people.unwrap_or(20000.0))
            })
            .collect()
    };
    let mut frame = String::from("stratum,population\n");
    for (code, people) in &towns {
        frame.push_str(&format!("{code},{:.0}\n", people * 0.8));
    }
    let Some(opened) = NaiveDate::from_ymd_opt(2025, 10, 8) else {
        return Ok(());
    };
    app.set_clock(Some(super::beijing(opened, 9, 0)));
    app.open_survey_round(
        office,
        &form.settings.form_id,
        DEMO_ROUND,
        Some((frame.as_bytes(), "抽样框(演示).csv")),
        opened,
    )
    .await?;
    let tokens: Vec<(String, String)> = towns
        .iter()
        .flat_map(|(code, _)| {
            (1..=DEMO_TOKENS_PER_TOWN).map(move |k| (code.clone(), demo_token(code, k)))
        })
        .collect();
    app.add_survey_tokens(office, DEMO_ROUND, &tokens, opened)
        .await?;
    app.set_survey_open_link(office, DEMO_ROUND, true).await?;
    Ok(())
}
