//! 重大公共服务项目 and 民生实事 through the real HTTP interface (a module of the one test
//! binary `web`): the demo register adds up to the plan's 89.88亿元 with a light; the office
//! and the lead unit add, edit and close a project, nobody else; a bad project is refused
//! whole with every problem named; the overview and a town's page carry the panels.

use super::*;

/// The demo's register and 民生实事 lists (the test template loads the figures only).
async fn load_register(s: &Server) {
    let today = youxiang_demo::demo_today();
    for p in youxiang_demo::projects::demo_projects(today) {
        s.app.save_project("office", p, 0).await.expect("project");
    }
    for i in youxiang_demo::projects::demo_livelihood(today) {
        s.app.save_livelihood("office", i, 0).await.expect("item");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_is_kept_by_the_office_and_the_lead_unit_and_lit_like_an_indicator() {
    let s = start().await;
    load_register(&s).await;
    let office = s.signed_in("office").await;
    let wjj = s.signed_in("wjj").await;
    let rsj = s.signed_in("rsj").await;

    let (st, list) = office.get("/api/v1/projects?year=2025").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let projects = list["projects"].as_array().unwrap();
    assert!((15..=25).contains(&projects.len()), "{}", projects.len());
    assert_eq!(list["summary"]["total"]["goal_wan"], 898_800.0);
    assert!(
        list["summary"]["total"]["completed_to_date_wan"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let lights: Vec<&str> = projects
        .iter()
        .filter_map(|p| p["light"].as_str())
        .collect();
    assert!(
        lights.contains(&"green") && lights.contains(&"red"),
        "{lights:?}"
    );
    assert!(
        projects
            .iter()
            .all(|p| p["project"]["name"].as_str().unwrap().contains("演示"))
    );

    // The lead unit registers a project of its own.
    let new = json!({
        "code": "XM90", "name": "测试社区卫生服务站", "domain": "BY", "key_task": "4.1",
        "place": TOWN, "lead_unit": "区卫健局", "partner_units": [], "total_wan": 1200.0,
        "start": "2025-03-01", "end": "2026-06-30",
        "years": [{"year": 2025, "planned_wan": 800.0, "completed_wan": 100.0, "as_of": "2025-09-30"},
                  {"year": 2026, "planned_wan": 400.0}],
        "milestones": [], "status": "building"
    });
    // Another unit may not register it under the 卫健局's name.
    let (st, body) = rsj
        .put_json(
            "/api/v1/projects/XM90",
            json!({"version": 0, "project": new}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, saved) = wjj
        .put_json(
            "/api/v1/projects/XM90",
            json!({"version": 0, "project": new}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    // 100 of 800 by the end of September: far behind the year's schedule.
    assert_eq!(saved["light"], "red", "{saved}");
    assert!(
        saved["explanation"].as_str().unwrap().contains("800"),
        "{saved}"
    );
    let version = saved["version"].as_i64().unwrap();
    // Adding it again is refused; a stale version is a conflict.
    let (st, body) = wjj
        .put_json(
            "/api/v1/projects/XM90",
            json!({"version": 0, "project": new}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let mut edited = new.clone();
    edited["years"][0]["completed_wan"] = json!(700.0);
    let (st, saved) = wjj
        .put_json(
            "/api/v1/projects/XM90",
            json!({"version": version, "project": edited}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["light"], "green", "{saved}");
    let (st, body) = office
        .put_json(
            "/api/v1/projects/XM90",
            json!({"version": version, "project": edited}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");

    // A bad project: every problem named, nothing stored.
    let mut bad = new.clone();
    bad["code"] = json!("XM91");
    bad["total_wan"] = json!(-5.0);
    bad["end"] = json!("2024-01-01");
    bad["domain"] = json!("ZZ");
    let (st, body) = office
        .put_json(
            "/api/v1/projects/XM91",
            json!({"version": 0, "project": bad}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let text = body.to_string();
    for needle in ["总投资", "早于开工日期", "未知领域"] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    let (st, _) = office.get("/api/v1/projects/XM91").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Closing needs a note; closed, it no longer lights.
    let v = saved["version"].as_i64().unwrap();
    let (st, body) = wjj
        .post(
            "/api/v1/projects/XM90/close",
            json!({"version": v, "status": "terminated", "note": ""}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (st, closed) = wjj
        .post(
            "/api/v1/projects/XM90/close",
            json!({"version": v, "status": "已终止", "note": "并入其他项目"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{closed}");
    assert_eq!(closed["project"]["status"], "terminated");
    assert!(closed["light"].is_null(), "{closed}");

    // The register downloads as a workbook.
    let resp = office
        .with(
            office
                .http
                .get(format!("{}/api/v1/projects.xlsx", office.base)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let workbook = resp.bytes().await.unwrap().to_vec();
    assert!(workbook.starts_with(b"PK"));

    // The workbook imports back through the API: the office may, another unit may not
    // (it names projects led by others), and a broken file changes nothing.
    let (st, body) = rsj
        .upload_to("/api/v1/projects.xlsx", "项目.xlsx", workbook.clone())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = office
        .upload_to("/api/v1/projects.xlsx", "项目.xlsx", workbook.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        body["imported"].as_u64().unwrap() as usize,
        body["codes"].as_array().unwrap().len()
    );
    assert!(body["imported"].as_u64().unwrap() >= 15, "{body}");
    let (_, before) = office.get("/api/v1/projects?year=2025").await;
    let csv = "编号,名称\nXM91,\n".as_bytes().to_vec();
    let (st, body) = office
        .upload_to("/api/v1/projects.xlsx", "坏.csv", csv)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, after) = office.get("/api/v1/projects?year=2025").await;
    assert_eq!(before["projects"], after["projects"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_past_months_ranking_reads_the_project_amount_of_its_time() {
    let s = start().await;
    let wjj = s.signed_in("wjj").await;
    let office = s.signed_in("office").await;
    // 1000 of 8000 stood at the end of June, 7000 at the end of September.
    let mut p = json!({
        "code": "XM92", "name": "测试托育综合服务中心", "domain": "BY", "key_task": "4.1",
        "place": TOWN, "lead_unit": "区卫健局", "partner_units": [], "total_wan": 8000.0,
        "start": "2025-01-01", "end": "2025-12-31",
        "years": [{"year": 2025, "planned_wan": 8000.0, "completed_wan": 1000.0, "as_of": "2025-06-30"}],
        "milestones": [], "status": "building"
    });
    let (st, saved) = wjj
        .put_json("/api/v1/projects/XM92", json!({"version": 0, "project": p}))
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    p["years"][0]["completed_wan"] = json!(7000.0);
    p["years"][0]["as_of"] = json!("2025-09-30");
    let (st, saved) = wjj
        .put_json(
            "/api/v1/projects/XM92",
            json!({"version": saved["version"], "project": p}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    let light_in = |ranking: &Value| -> Option<String> {
        ranking["ranking"]["rows"]
            .as_array()?
            .iter()
            .flat_map(|r| r["scores"].as_array().cloned().unwrap_or_default())
            .find(|sc| sc["indicator"] == "XM92")
            .and_then(|sc| sc["light"].as_str().map(str::to_string))
    };
    let (st, july) = office
        .get("/api/v1/ranking?month=2025-07&by=department")
        .await;
    assert_eq!(st, StatusCode::OK, "{july}");
    let (st, sept) = office
        .get("/api/v1/ranking?month=2025-09&by=department")
        .await;
    assert_eq!(st, StatusCode::OK, "{sept}");
    // July reads June's 1000 (far behind), not September's 7000 (ahead).
    assert_eq!(light_in(&july).as_deref(), Some("red"), "{july}");
    assert_eq!(light_in(&sept).as_deref(), Some("green"), "{sept}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn livelihood_lists_report_cards_and_the_pages_show_the_panels() {
    let s = start().await;
    load_register(&s).await;
    let office = s.signed_in("office").await;
    let (st, items) = office.get("/api/v1/livelihood?year=2025").await;
    assert_eq!(st, StatusCode::OK, "{items}");
    assert!(items.as_array().unwrap().len() >= 5, "{items}");
    let (st, card) = office.get("/api/v1/livelihood-card?year=2025&at=mid").await;
    assert_eq!(st, StatusCode::OK, "{card}");
    let rows = card["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["schedule"]["light"].is_string()));
    let (st, body) = office
        .get("/api/v1/livelihood-card?year=2025&at=later")
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "office").await;
    let (st, html) = b.get("/projects").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("重大公共服务项目") && html.contains("89.88亿元"),
        "{html}"
    );
    assert!(html.contains("登记新项目"));
    let (_, html) = b.get("/overview").await;
    assert!(
        html.contains("重大项目投资") && html.contains("民生实事"),
        "projects panels"
    );
    let (_, html) = b.get("/place/330902005").await;
    assert!(html.contains("辖区内重大项目"), "town projects");
    let (_, html) = b.get("/livelihood?year=2025&at=mid").await;
    assert!(html.contains("2025年民生实事年中报告单"));
    // A monthly report through the page's form.
    let csrf = hidden(&html, "csrf");
    let (st, _) = b
        .post_form(
            "/livelihood/report",
            &[
                ("csrf", &csrf),
                ("id", "2025-02"),
                ("month", "9"),
                ("done", "100"),
                ("note", ""),
            ],
        )
        .await;
    assert!(st.is_redirection(), "{st}");
    let (_, items) = office.get("/api/v1/livelihood?year=2025").await;
    let two = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "2025-02")
        .unwrap();
    assert!(two["item"]["progress"].to_string().contains("100"), "{two}");
}
