//! Issue 13 (points 5, 6 and 9) through the pages: 提交审核 on the entry form, the
//! approval queue deciding row by row, the demo's banner and day, completeness in percent.

use super::*;

/// A village whose September figures the demo leaves as drafts (the villages of its last
/// two towns), and its own reporter.
const DRAFT_VILLAGE: &str = "330902105201";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_submits_and_the_queue_decides_row_by_row() {
    let s = start().await;
    // The demo leaves this town's September figures as drafts: the form says so and
    // submits them.
    const TOWN: &str = DRAFT_VILLAGE;
    let mut t = Browser::new(&s.base);
    let csrf = sign_in_form(&mut t, &format!("village-{TOWN}")).await;
    let (st, html) = t.get(&format!("/entry?place={TOWN}&period=2025-09")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("提交审核") && html.contains("草稿"), "{html}");
    let (st, html) = t
        .post_form(
            "/entry",
            &[
                ("csrf", &csrf),
                ("place", TOWN),
                ("period", "2025-09"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("已提交审核"), "{html}");
    assert!(html.contains("已报送"), "the form shows the new state");
    // Nothing left to submit: said so, not an error.
    let (st, html) = t
        .post_form(
            "/entry",
            &[
                ("csrf", &csrf),
                ("place", TOWN),
                ("period", "2025-09"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("没有待提交的草稿"), "{html}");

    // The office's queue lists them; the department's queue is not empty either.
    let mut o = Browser::new(&s.base);
    let csrf = sign_in_form(&mut o, "office").await;
    let key = format!("T01|{TOWN}|2025-09|numerator");
    let (st, html) = o.get("/approvals").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("待本人审核"), "{html}");
    let (st, html) = o
        .get(&format!(
            "/approvals?indicator=T01&place={TOWN}&period=2025-09"
        ))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("待本人审核(2 条)") && html.contains(&key),
        "{html}"
    );
    let mut d = Browser::new(&s.base);
    sign_in_form(&mut d, "wjj").await;
    let (_, html) = d.get("/approvals").await;
    assert!(
        html.contains("name=\"k\""),
        "the department has figures to review"
    );

    // Returning needs a reason, said beside the field; nothing changes.
    let (st, html) = o
        .post_form(
            "/approvals",
            &[("csrf", &csrf), ("action", "reject"), ("k", &key)],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"reason-err\""), "{html}");
    // A batch with a row that cannot go through: the good row is approved, the other
    // listed with its reason.
    let bogus = format!("T01|{TOWN}|2025-09|nonsense");
    let (st, html) = o
        .post_form(
            "/approvals",
            &[
                ("csrf", &csrf),
                ("action", "approve"),
                ("k", &key),
                ("k", &bogus),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "one row refused");
    assert!(html.contains("处理结果"), "{html}");
    assert!(html.contains("✓ 已通过"), "{html}");
    assert!(html.contains("✗ 未处理:数据标识无效"), "{html}");
    assert!(html.contains("已通过 1 条"), "{html}");
    let approved = s
        .app
        .values(&youxiang_app::ValueFilter {
            indicator: Some("T01".into()),
            place: Some(TOWN.into()),
            period: Some("2025-09".parse().unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    let state_of = |c| {
        approved
            .iter()
            .find(|o| o.key.component == c)
            .map(|o| o.state)
    };
    use youxiang_core::value::{Component, ValueState};
    assert_eq!(state_of(Component::Numerator), Some(ValueState::Approved));
    assert_eq!(
        state_of(Component::Denominator),
        Some(ValueState::Submitted)
    );
    // The same row again: no longer waiting, said so.
    let (_, html) = o
        .post_form(
            "/approvals",
            &[("csrf", &csrf), ("action", "approve"), ("k", &key)],
        )
        .await;
    assert!(html.contains("已不在待审核状态"), "{html}");
    // Returning with a reason; the reporter is told.
    let other = format!("T02|{TOWN}|2025-09|numerator");
    let (st, html) = o
        .post_form(
            "/approvals",
            &[
                ("csrf", &csrf),
                ("action", "reject"),
                ("reason", "分子与台账不符"),
                ("k", &other),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("✓ 已退回"), "{html}");
    let inbox = s.app.inbox(&format!("village-{TOWN}")).await.unwrap();
    assert!(inbox.iter().any(|n| n.body.contains("分子与台账不符")));
    // A forged form without its token changes nothing.
    let (st, _) = o
        .post_form("/approvals", &[("csrf", "x"), ("action", "approve_all")])
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_says_so_and_stands_on_its_day() {
    let s = start().await;
    let day = chrono::NaiveDate::from_ymd_opt(2025, 10, 15).unwrap();
    assert!(s.app.is_demo());
    assert_eq!(s.app.today(), day);
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "office").await;
    for path in ["/overview", "/completeness", "/approvals", "/weekly"] {
        let (st, html) = b.get(path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert!(
            html.contains("class=\"demo-banner\""),
            "{path} lacks the banner"
        );
    }
    // Completeness defaults to the demo's year and day, in percent (never 10000.0 %).
    let (_, html) = b.get("/completeness").await;
    assert!(
        html.contains("2025年第3季度") || html.contains("2025年9月"),
        "{html}"
    );
    assert!(!html.contains("10000.0%"), "{html}");
    let c = s.signed_in("office").await;
    let (st, rows) = c.get("/api/v1/completeness").await;
    assert_eq!(st, StatusCode::OK);
    let rows = rows.as_array().unwrap();
    assert!(!rows.is_empty());
    let (mut on_time, mut late) = (0, 0);
    for r in rows {
        let rate = r["rate"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&rate), "{r}");
        assert!(r["period"].as_str().unwrap().starts_with("2025"), "{r}");
        on_time += r["on_time"].as_u64().unwrap();
        late += r["late"].as_u64().unwrap();
    }
    assert!(
        late > 0 && late * 5 < on_time,
        "on time {on_time}, late {late}"
    );
    // The week view opens on the demo's week.
    let (_, w) = c.get("/api/v1/weekly").await;
    assert_eq!(w["week"], "2025-W42");
    // A database that is not the demo has no banner: the mark decides, not the figures.
    let dir = youxiang_testkit::scratch_dir("plain");
    let plain = youxiang_app::App::init(
        &format!("sqlite://{}", dir.path().join("p.db").display()),
        &youxiang_plantext::planfile::load(PLAN).unwrap(),
        youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").unwrap(),
        "test",
    )
    .await
    .unwrap();
    assert!(!plain.is_demo());
    assert_eq!(plain.today(), youxiang_app::manage::today());
}
