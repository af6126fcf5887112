//! Issue 23, points 4 and 5: the register of units through the API (the office keeps it,
//! everyone else reads it with phones masked), and each figure's 数据来源 — from the API
//! and an upload's column to `explain`, the audit trail and its replay.

use super::*;

/// The demo day's month (2025-10-15): begun, and not yet reported by the demo's towns.
const NEW: &str = "2025-10";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_keeps_the_register_of_units_and_others_read_it_masked() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let unit =
        json!({"kind": "department", "contacts": [{"person": "张三", "phone": "13812345678"}]});
    let (st, b) = office
        .put_json("/api/v1/units/区卫健局", unit.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 1, "{b}");
    // Adding it again is a conflict; changing it quotes the version read.
    let (st, b) = office.put_json("/api/v1/units/区卫健局", unit).await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    let (st, b) = office
        .put_json(
            "/api/v1/units/区卫健局",
            json!({"kind": "镇街", "version": 1, "contacts": [{"person": "张三", "phone": "13812345678"}]}),
        )
        .await;
    assert_eq!(
        (st, b["kind"].as_str()),
        (StatusCode::OK, Some("town")),
        "{b}"
    );
    // A bad phone is refused with the reason; nothing changes.
    let (st, b) = office
        .put_json(
            "/api/v1/units/区民政局",
            json!({"contacts": [{"person": "李四", "phone": "12ab"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("电话“12ab”无效"), "{b}");
    let (st, b) = office.get("/api/v1/units").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["units"].as_array().map(Vec::len), Some(1), "{b}");
    assert_eq!(b["units"][0]["contacts"][0]["phone"], "13812345678", "{b}");
    assert!(
        b["unregistered"].to_string().contains("区教育局"),
        "the plan's units missing from the register are listed: {b}"
    );
    // Another role reads it masked and may not change it.
    let viewer = s.signed_in("viewer").await;
    let (_, b) = viewer.get("/api/v1/units").await;
    assert_eq!(b["units"][0]["contacts"][0]["phone"], "138****5678", "{b}");
    let (st, b) = viewer
        .put_json("/api/v1/units/区民政局", json!({"kind": "department"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let wjj = s.signed_in("wjj").await;
    let (st, _) = wjj
        .put_json("/api/v1/units/区民政局", json!({"kind": "department"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The page is the office's.
    let (st, _) = office.get("/units").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_figures_source_goes_from_the_api_and_an_upload_to_explain_and_the_audit() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let half = |component: &str, v: f64, source: &str| json!({"indicator": "T11", "place": TOWN, "period": NEW, "component": component, "value": v, "source": source});
    let (st, b) = town
        .post(
            "/api/v1/values",
            json!([
                half("numerator", 3.0, "浙里健康"),
                half("denominator", 10.0, " 浙里健康 ")
            ]),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = town.get(&format!("/api/v1/explain/T11/{TOWN}/{NEW}")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["data_source"], "浙里健康", "{b}");
    assert_eq!(b["data_source_is_default"], false, "{b}");
    let (_, b) = town
        .get(&format!(
            "/api/v1/values?indicator=T11&place={TOWN}&period={NEW}"
        ))
        .await;
    assert!(b.to_string().contains("\"source\":\"浙里健康\""), "{b}");
    // An upload's 数据来源 column replaces it; the audit keeps it, and its replay agrees.
    let csv = format!(
        "指标编码,地点编码,期间,分项,数值,数据来源\nT11,{TOWN},{NEW},分子,4,抽样调查\nT11,{TOWN},{NEW},分母,10,抽样调查\n"
    );
    let (st, b) = town.upload("来源.csv", csv.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, b) = town.get(&format!("/api/v1/explain/T11/{TOWN}/{NEW}")).await;
    assert_eq!(b["data_source"], "抽样调查", "{b}");
    let rows = s
        .app
        .audit_query(&youxiang_app::AuditFilter {
            indicator: Some("T11".into()),
            place: Some(TOWN.into()),
            limit: Some(4),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert!(
        rows.iter().any(|r| r
            .new
            .as_deref()
            .is_some_and(|n| n.contains("\"source\":\"抽样调查\""))),
        "{rows:#?}"
    );
    let report = s.app.audit_verify().await.expect("verify");
    assert!(report.ok, "{report:#?}");
    // A source over 100 characters is refused at its row and column; nothing is written.
    let long = "源".repeat(101);
    let csv =
        format!("指标编码,地点编码,期间,分项,数值,数据来源\nT11,{TOWN},{NEW},分子,5,{long}\n");
    let (st, b) = town.upload("长来源.csv", csv.into_bytes()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b.to_string().contains("第2行 F列(数据来源)") && b.to_string().contains("超过 100 个字符"),
        "{b}"
    );
    let (_, b) = town.get(&format!("/api/v1/explain/T11/{TOWN}/{NEW}")).await;
    assert_eq!(b["data_source"], "抽样调查", "{b}");
    // The API refuses one too, naming the item.
    let (st, b) = town
        .post(
            "/api/v1/values",
            json!([half("numerator", 3.0, &"源".repeat(101))]),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b.to_string().contains("第1条") && b.to_string().contains("数据来源"),
        "{b}"
    );
}
