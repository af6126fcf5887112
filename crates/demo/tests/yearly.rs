//! 年度监测评估报告 on the demo: the year's results of every indicator and key-task target,
//! the measures each lead unit enters (its own only; the office any; 未填报 where missing;
//! the deadline), the renderers; and the quarterly report's key-task targets with 推算 and
//! 原目标 after a revision (方案调整).

use chrono::NaiveDate;
use youxiang_app::revisions::TargetRevisionInput;
use youxiang_app::{AppError, ReportFormat};
use youxiang_core::period::Period;

use super::demo;

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_yearly_report_and_next_years_measures_on_the_demo() {
    let (app, _dir) = demo("yearly").await;
    let today = day("2025-10-15");

    // The measures: a unit fills its own, not another's; the office fills any.
    let (deadline, before) = app.year_measures("viewer", 2024).await.expect("measures");
    assert_eq!(
        deadline,
        day("2025-02-01"),
        "the default: 1 February of the next year"
    );
    assert!(
        before
            .iter()
            .any(|e| e.unit == "区卫健局" && e.text.is_none())
    );
    assert!(before.iter().all(|e| !e.may_edit), "a viewer fills nothing");
    let saved = app
        .save_year_measures("wjj", 2024, "区卫健局", "新增普惠托位300个", None)
        .await
        .expect("own unit");
    assert_eq!(saved.text.as_deref(), Some("新增普惠托位300个"));
    assert!(
        saved.late,
        "entered after 1 February 2025 on the demo's day"
    );
    match app
        .save_year_measures("wjj", 2024, "区教育局", "x", None)
        .await
    {
        Err(AppError::Forbidden(_)) => {}
        other => panic!("another unit's measures: {other:?}"),
    }
    match app
        .save_year_measures("wjj", 2024, "区卫健局", " ", None)
        .await
    {
        Err(AppError::Invalid(_)) => {}
        other => panic!("empty text: {other:?}"),
    }
    match app
        .save_year_measures("office", 2024, "不存在的单位", "x", None)
        .await
    {
        Err(AppError::NotFound(_)) => {}
        other => panic!("a unit that leads nothing: {other:?}"),
    }
    // A stale version is a conflict, not a silent overwrite.
    assert!(
        app.save_year_measures("office", 2024, "区卫健局", "改", Some(99))
            .await
            .is_err()
    );
    app.save_year_measures("office", 2024, "区教育局", "推进集团化办学", None)
        .await
        .expect("the office fills any");
    let (_, office) = app.year_measures("office", 2024).await.expect("office");
    assert!(office.iter().all(|e| e.may_edit));
    assert!(
        office.iter().any(|e| e.text.is_none()),
        "missing parts remain"
    );
    // The deadline is the office's to move.
    assert!(
        app.set_measures_deadline("wjj", 2024, day("2025-03-01"))
            .await
            .is_err()
    );
    app.set_measures_deadline("office", 2024, day("2030-12-31"))
        .await
        .expect("deadline");
    let (deadline, after) = app.year_measures("wjj", 2024).await.expect("after");
    assert_eq!(deadline, day("2030-12-31"));
    assert!(after.iter().all(|e| !e.late));
    // A year outside the plan, or not yet begun, is not found.
    for y in [2019, 2026] {
        assert!(matches!(
            app.yearly_report("office", y, false, today).await,
            Err(AppError::NotFound(_))
        ));
    }

    let r = app
        .yearly_report("office", 2024, false, today)
        .await
        .expect("yearly");
    assert_eq!(r.domains.len(), 7);
    let rows: Vec<_> = r.domains.iter().flat_map(|d| &d.rows).collect();
    assert!(rows.iter().filter(|x| !x.key_task).count() >= 20);
    assert!(rows.iter().filter(|x| x.key_task).count() >= 60);
    assert!(
        r.met > 0 && r.not_met > 0,
        "{} met, {} not",
        r.met,
        r.not_met
    );
    assert_eq!(r.met + r.not_met + r.no_data, rows.len() as u32);
    assert!(rows.iter().any(|x| x.comparison.contains("→ 达标")));
    assert!(rows.iter().any(|x| x.target.ends_with("(推算)")));
    assert!(rows.iter().any(|x| x.progress != "无法评估"));
    assert_eq!(r.missed.len() as u32, r.not_met);
    let m = &r.measures;
    assert!(
        m.units
            .iter()
            .any(|u| u.text.as_deref() == Some("新增普惠托位300个"))
    );
    assert!(m.units.iter().any(|u| u.text.is_none()));
    let html = app
        .yearly_report_file("office", 2024, false, today, ReportFormat::Html)
        .await
        .expect("html");
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("2024年年度监测评估报告") && html.contains("未填报"));
    let mid = app
        .yearly_report_file("office", 2025, true, today, ReportFormat::Html)
        .await
        .expect("mid-term");
    assert!(
        String::from_utf8(mid)
            .unwrap()
            .contains("2025年中期评估报告")
    );
    let docx = app
        .yearly_report_file("office", 2024, false, today, ReportFormat::Docx)
        .await
        .expect("docx");
    assert!(docx.starts_with(b"PK"));
    match app
        .yearly_report_file("office", 2024, false, today, ReportFormat::Pdf)
        .await
    {
        Ok(pdf) => assert!(pdf.starts_with(b"%PDF")),
        Err(e) => youxiang_testkit::skip("cjk-font", format!("the yearly PDF: {e}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quarterly_report_carries_the_key_task_targets_and_the_original_target() {
    let (app, _dir) = demo("quarterlyk").await;
    let q3: Period = "2025Q3".parse().unwrap();
    let today = day("2025-10-15");
    let r = app
        .quarterly_report("office", q3, today)
        .await
        .expect("report");
    let tasks: Vec<_> = r.domains.iter().flat_map(|d| &d.tasks).collect();
    assert_eq!(tasks.len(), 62, "every key-task target");
    assert!(tasks.iter().all(|t| t.code.starts_with('K')));
    assert!(tasks.iter().any(|t| t.target.ends_with("(推算)")));
    let total: u32 = r.domains.iter().map(|d| d.task_lights.total()).sum();
    assert_eq!(total, 62);
    if tasks
        .iter()
        .any(|t| matches!(t.light.word(), "滞后" | "预警"))
    {
        assert!(r.lagging.iter().any(|l| l.key_task && l.target.is_some()));
    }
    assert!(
        r.summary
            .key_points
            .iter()
            .any(|p| p.contains("重点任务目标"))
    );

    // A derived target whose final target is revised shows the old one as 原目标.
    let k = tasks
        .iter()
        .find(|t| t.target.ends_with("(推算)") && t.unit == "%")
        .map(|t| t.code.clone())
        .expect("a derived rate");
    let (final_year, old) = {
        let state = app.read();
        let ind = state.plan.indicator(&k).unwrap();
        let (y, t) = ind.final_target().unwrap();
        (y, t.text.clone())
    };
    app.revise_target(
        "office",
        &TargetRevisionInput {
            indicator: k.clone(),
            year: final_year,
            text: "99%以上".into(),
            reason: "测试".into(),
            document: "定政发〔2025〕1号".into(),
            date: Some(day("2025-06-01")),
        },
    )
    .await
    .expect("revise");
    let r = app
        .quarterly_report("office", q3, today)
        .await
        .expect("report");
    let row = r
        .domains
        .iter()
        .flat_map(|d| &d.tasks)
        .find(|t| t.code == k)
        .unwrap();
    let original = row.original_target.as_deref().expect("原目标");
    assert!(
        original.contains(&old) && original.contains("2025-06-01"),
        "{original}"
    );
    let html = app
        .quarterly_report_file("office", q3, today, ReportFormat::Html)
        .await
        .unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("重点任务目标") && html.contains("原目标"));
}
