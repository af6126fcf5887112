//! 重点任务目标 and 方案调整 through the real HTTP interface (a module of the one test
//! binary `web`): the 62 key-task targets listed with their derived targets; a revision
//! by the office only, stored as a new plan version, the old target kept as 原目标 and for a
//! year that ended before the revision.

use super::*;

fn target_of(list: &Value, code: &str) -> Value {
    list["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["indicator"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} listed: {list}"))
}

#[tokio::test]
async fn the_key_task_targets_are_listed_and_a_revision_keeps_history() {
    let s = start().await;
    let viewer = s.signed_in("viewer").await;
    let office = s.signed_in("office").await;
    let health = s.signed_in("wjj").await;

    let (st, y2025) = viewer.get("/api/v1/key-targets?year=2025").await;
    assert_eq!(st, StatusCode::OK, "{y2025}");
    let all = y2025["targets"].as_array().expect("targets");
    assert_eq!(all.len(), 62, "{y2025}");
    assert!(
        all.iter()
            .all(|t| t["indicator"].as_str().unwrap().starts_with('K'))
    );
    let k = target_of(&y2025, "K1.2c");
    assert_eq!(k["written"], "90%");
    assert_eq!(k["derived"], true, "{k}");
    assert!(k["target"].as_str().unwrap().ends_with("(推算)"), "{k}");
    // A milestone target links to the work item that carries its dated steps.
    assert!(
        all.iter().any(|t| t["milestone"].is_string()
            && t["work_item"]
                .as_str()
                .is_some_and(|w| w.starts_with("task:"))),
        "{y2025}"
    );
    let (st, by_unit) = viewer
        .get("/api/v1/key-targets?year=2025&lead_unit=%E5%8C%BA%E5%8D%AB%E5%81%A5%E5%B1%80")
        .await;
    assert_eq!(st, StatusCode::OK);
    let units: Vec<&Value> = by_unit["targets"].as_array().unwrap().iter().collect();
    assert!(!units.is_empty() && units.iter().all(|t| t["lead_unit"] == "区卫健局"));
    let (st, _) = viewer.get("/api/v1/key-targets?year=1999").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, y2026) = viewer.get("/api/v1/key-targets?year=2026").await;
    let before_2026 = target_of(&y2026, "K1.2c")["target"].clone();

    // Only the office revises; a reason and a document are required.
    let revision = json!({"indicator": "K1.2c", "year": 2027, "text": "92%",
        "reason": "省考核口径调整", "document": "定政办发〔2026〕3号", "date": "2026-03-01"});
    let (st, body) = health
        .post("/api/v1/plan/revisions", revision.clone())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = office
        .post(
            "/api/v1/plan/revisions",
            json!({"indicator": "K1.2c", "year": 2027, "text": "92%", "reason": "", "document": ""}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (st, body) = office
        .post(
            "/api/v1/plan/revisions",
            json!({"indicator": "K1.2c", "year": 2027, "text": "约92", "reason": "r", "document": "d"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (st, body) = office.post("/api/v1/plan/revisions", revision).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["revision"]["old"], "90%");
    assert_eq!(body["revision"]["by"], "office");

    // 2025 ended before the revision: its derived target stays; 2026 follows the new one.
    let (_, after) = viewer.get("/api/v1/key-targets?year=2025").await;
    let k = target_of(&after, "K1.2c");
    assert_eq!(k["target"], target_of(&y2025, "K1.2c")["target"], "{k}");
    assert_eq!(k["written"], "92%");
    assert_eq!(k["written_original"], "90%");
    let (_, after) = viewer.get("/api/v1/key-targets?year=2026").await;
    assert_ne!(target_of(&after, "K1.2c")["target"], before_2026);
    // The final year shows the new target with the old one beside it.
    let (st, rows) = viewer.get("/api/v1/status?all=true&year=2027").await;
    assert_eq!(st, StatusCode::OK);
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "K1.2c")
        .cloned()
        .expect("K1.2c row");
    assert_eq!(
        (row["target"].as_str(), row["original_target"].as_str()),
        (Some("92%"), Some("90%"))
    );
    // Listed with who, when, why and the document; the plan is the new version.
    let (_, list) = viewer.get("/api/v1/plan/revisions").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["document"], "定政办发〔2026〕3号");
    assert_eq!(list[0]["date"], "2026-03-01");
    let (_, plan) = viewer.get("/api/v1/plan").await;
    assert_eq!(plan["version"], 2);
    // The revision is in the audit trail with its reason.
    let audit = s
        .app
        .audit_query(&youxiang_app::AuditFilter::default())
        .await
        .expect("audit");
    assert!(
        audit.iter().any(|e| e.action == "plan.save"
            && e.new
                .as_ref()
                .is_some_and(|n| n.to_string().contains("省考核口径调整"))),
        "no plan.save with the revision"
    );
}

#[tokio::test]
async fn the_key_targets_page_and_the_indicator_pages_of_task_targets_answer() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let page = |path: &str| {
        let c = &office;
        let path = path.to_string();
        async move {
            let resp = c
                .with(c.http.get(format!("{}{path}", c.base)))
                .send()
                .await
                .expect("send");
            (resp.status(), resp.text().await.unwrap_or_default())
        }
    };
    let (st, html) = page("/key-targets").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("重点任务目标") && html.contains("(推算)"),
        "{html}"
    );
    let (st, html) = page("/overview").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("任务目标"),
        "overview counts the task targets"
    );
    for path in ["/indicator/K1.1a", "/indicator/K1.2a", "/place/330902"] {
        let (st, _) = page(path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
    }
    let (_, html) = page("/indicator/K1.2c").await;
    assert!(
        html.contains("方案调整") && html.contains("/indicator/K1.2c/revise"),
        "office form"
    );
}
