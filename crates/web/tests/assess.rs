//! 考核评价 through the real HTTP interface (a module of the one test binary `web`): the
//! office and the viewer see every unit, a department or a town only its own row; a year
//! outside the plan or not begun is 404; only the office publishes; a published version
//! never changes — publishing again is a new version, and a correction must say why.

use super::*;

async fn html(c: &Client, path: &str) -> (StatusCode, String) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    let st = resp.status();
    (st, resp.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assessment_is_scoped_published_once_and_corrected_by_a_new_version() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let viewer = s.signed_in("viewer").await;
    let wjj = s.signed_in("wjj").await;
    let town_login = format!("town-{TOWN}");
    let town = s.signed_in(&town_login).await;
    let wjj_unit = s.app.read().reporter("wjj").unwrap().unit.clone();
    let town_unit = s.app.read().reporter(&town_login).unwrap().unit.clone();

    // The office sees every department, each total explained by its items.
    let (st, all) = office.get("/api/v1/assess?year=2024&by=department").await;
    assert_eq!(st, StatusCode::OK, "{all}");
    assert_eq!(all["complete"], true);
    assert!(
        all["scheme_zh"]
            .as_str()
            .unwrap()
            .contains("考核项目及权重")
    );
    let rows = all["rows"].as_array().unwrap();
    assert!(rows.len() > 3, "{}", rows.len());
    for r in rows {
        let items = r["items"].as_array().unwrap();
        assert_eq!(items.len(), 5, "{r}");
        let sum: f64 = items.iter().map(|i| i["points"].as_f64().unwrap()).sum();
        assert!((sum - r["subtotal"].as_f64().unwrap()).abs() < 1e-6, "{r}");
        if let Some(t) = r["total"].as_f64() {
            assert!((0.0..=100.0).contains(&t), "{r}");
            assert!(r["grade"].is_string(), "{r}");
        }
        // No survey yet: its weight is redistributed, and said so.
        let survey = items.iter().find(|i| i["kind"] == "survey").unwrap();
        assert!(survey["score"].is_null());
        assert!(
            survey["formula"]
                .as_str()
                .unwrap()
                .contains("暂无满意度调查结果")
        );
    }
    let (st, v) = viewer.get("/api/v1/assess?year=2024&by=department").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["rows"].as_array().unwrap().len(), rows.len());

    // A department sees its own row only; a town likewise.
    let (st, own) = wjj.get("/api/v1/assess?year=2024&by=department").await;
    assert_eq!(st, StatusCode::OK, "{own}");
    let own_rows = own["rows"].as_array().unwrap();
    assert_eq!(own_rows.len(), 1, "{own}");
    assert_eq!(own_rows[0]["unit"], wjj_unit.as_str());
    let (st, t) = town.get("/api/v1/assess?year=2024&by=town").await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let t_rows = t["rows"].as_array().unwrap();
    assert_eq!(t_rows.len(), 1, "{t}");
    assert_eq!(t_rows[0]["unit"], town_unit.as_str());

    // The year under way is as of the app's day; a year outside the plan or not begun is 404.
    let (st, now) = office.get("/api/v1/assess?year=2025&by=town").await;
    assert_eq!(st, StatusCode::OK, "{now}");
    assert_eq!(now["complete"], false);
    assert!(now["title_zh"].as_str().unwrap().contains("截至"));
    for y in [1800, 2099] {
        let (st, body) = office.get(&format!("/api/v1/assess?year={y}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{y}: {body}");
    }
    let (st, _) = office.get("/api/v1/assess?by=nobody").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // Only the office publishes.
    let body = json!({"year": 2024, "by": "department"});
    let (st, _) = wjj.post("/api/v1/assess/publish", body.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, v1) = office.post("/api/v1/assess/publish", body.clone()).await;
    assert_eq!(st, StatusCode::OK, "{v1}");
    assert_eq!(v1["version"]["version"], 1);
    // Publishing again without a reason is refused; with one, it is version 2.
    let (st, again) = office.post("/api/v1/assess/publish", body.clone()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{again}");
    let first = s
        .app
        .assessment_versions(
            "office",
            2024,
            Some(youxiang_core::manage::RankBy::Department),
        )
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    // The scheme changes; the published version does not.
    let mut scheme = s.app.assess_scheme().await.unwrap();
    scheme.items[0].weight = 30.0;
    scheme
        .deductions
        .push(youxiang_core::manage::assess::Deduction {
            year: 2024,
            unit: wjj_unit.clone(),
            name: "数据迟报".into(),
            points: 2.0,
            reason: "测试扣分".into(),
        });
    assert!(s.app.set_assess_scheme("wjj", &scheme).await.is_err());
    s.app.set_assess_scheme("office", &scheme).await.unwrap();
    let (st, v2) = office
        .post(
            "/api/v1/assess/publish",
            json!({"year": 2024, "by": "department", "note": "更正:补记扣分"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v2}");
    assert_eq!(v2["version"]["version"], 2);
    let row = v2["assessment"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == wjj_unit.as_str())
        .unwrap();
    assert_eq!(row["deducted"], 2.0, "{row}");
    let (st, versions) = office
        .get("/api/v1/assess/versions?year=2024&by=department")
        .await;
    assert_eq!(st, StatusCode::OK, "{versions}");
    let list = versions.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["note"], "更正:补记扣分");
    let after = s
        .app
        .assessment_versions(
            "office",
            2024,
            Some(youxiang_core::manage::RankBy::Department),
        )
        .await
        .unwrap();
    assert_eq!(after[0], first[0], "version 1 is kept as it was published");
    // A department reads the versions with its own row only.
    let mine = s
        .app
        .assessment_versions("wjj", 2024, Some(youxiang_core::manage::RankBy::Department))
        .await
        .unwrap();
    assert!(mine.iter().all(|p| p.assessment.rows.len() == 1));

    // The page: every row for the office with the publish form, one row for the unit.
    let (st, page) = html(&office, "/assess?year=2024&by=department").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("id=\"assess-publish\""));
    assert!(page.contains("第 2 版"));
    let (st, page) = html(&wjj, "/assess?year=2024&by=department").await;
    assert_eq!(st, StatusCode::OK);
    assert!(!page.contains("id=\"assess-publish\""));
    assert_eq!(page.matches("class=\"assess-row\"").count(), 1);
    let (st, _) = html(&office, "/api/v1/assess.xlsx?year=2024&by=town").await;
    assert_eq!(st, StatusCode::OK);
}
