//! The demo's publications (数据发布): the office publishes the past periods whose figures
//! were approved — 2024, 2025Q1 and 2025Q2 — on days after each was reviewed, and corrects
//! 2025Q2 once with a note, so that `/public` and the open data show figures, a trend and
//! a correction.

use chrono::NaiveDate;
use youxiang_app::{App, Result};
use youxiang_core::period::Period;

/// Publishes the demo's periods as the office, each on its day (the clock set to it).
pub async fn load_demo_publications(app: &App) -> Result<()> {
    let steps: [(&str, (i32, u32, u32), &str); 4] = [
        ("2024", (2025, 3, 3), ""),
        ("2025Q1", (2025, 5, 12), ""),
        ("2025Q2", (2025, 8, 11), ""),
        (
            "2025Q2",
            (2025, 8, 25),
            "更正:补充了审核通过的迟报数据,并重新计算了区级汇总(演示)",
        ),
    ];
    for (period, (y, m, d), note) in steps {
        let Ok(period) = period.parse::<Period>() else {
            continue;
        };
        let Some(day) = NaiveDate::from_ymd_opt(y, m, d) else {
            continue;
        };
        app.set_clock(Some(super::beijing(day, 10, 0)));
        app.publish("office", period, note).await?;
    }
    Ok(())
}

/// Publishes the demo's 15-minute circle as the office (version 1, on the demo's day), so
/// that `/public` and `/open/v1/circle.*` show its coverage per town.
pub async fn load_demo_circle_publication(app: &App) -> Result<()> {
    app.publish_circle("office", "").await?;
    Ok(())
}
