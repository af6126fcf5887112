//! The demo's year-end accountability for 2024: the causes and measures of the district's
//! lights that missed their 2024 target, and most lead units' measures for 2025 (some late,
//! some left unentered), so the yearly report's sections read as a year-end would, not
//! 未填报 throughout.

use chrono::NaiveDate;
use youxiang_app::{App, Result};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;

const YEAR: i32 = 2024;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid demo date")
}

/// Writes the 2024 year-end notes and measures; restores nothing (the caller resets the clock).
pub async fn load_demo_year_end(app: &App) -> Result<()> {
    // A note is written for a quarter: the year's last.
    let year = Period::quarter(YEAR, 4).expect("valid quarter");
    let missed: Vec<(String, String, String)> = {
        let s = app.read();
        s.plan
            .indicators
            .iter()
            .filter(|i| i.is_table_row())
            .filter_map(|i| {
                let st = s.official.status(&i.code, &s.plan.place, YEAR)?;
                (st.light == Light::Red)
                    .then(|| (i.code.clone(), s.plan.place.clone(), i.lead_unit.clone()))
            })
            .collect()
    };
    app.set_clock(Some(super::beijing(day(2025, 1, 10), 10, 0)));
    for (k, (ind, place, unit)) in missed.iter().enumerate() {
        if k % 4 == 3 {
            continue; // one in four left unanswered: the report says 未填报
        }
        let login = super::reporter_of(app, unit).unwrap_or_else(|| "office".into());
        app.save_lag_note(
            &login,
            ind,
            place,
            year,
            "年度目标测算偏高,部分项目受用地审批影响推迟开工(演示)",
            "调整年度序时计划,专班每月调度,2025年上半年补齐缺口(演示)",
        )
        .await?;
    }
    let (_deadline, entries) = app.year_measures("office", YEAR).await?;
    for (k, e) in entries.iter().enumerate() {
        if k % 5 == 4 {
            continue; // not entered: 未填报
        }
        // Most before the 1 February deadline, every seventh a few days late.
        let on = if k % 7 == 6 {
            day(2025, 2, 5)
        } else {
            day(2025, 1, 20 + (k % 10) as u32)
        };
        app.set_clock(Some(super::beijing(on, 16, 0)));
        let login = super::reporter_of(app, &e.unit).unwrap_or_else(|| "office".into());
        app.save_year_measures(
            &login,
            YEAR,
            &e.unit,
            &format!(
                "2025年:{}对照年度目标逐项倒排工期,每季度向工作专班报送进展,对未达标指标建立整改台账(演示)",
                e.unit
            ),
            e.version,
        )
        .await?;
    }
    Ok(())
}
