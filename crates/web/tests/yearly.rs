//! 年度监测评估报告 through HTTP: the report's files, a year outside the plan 404, and the
//! measures each lead unit enters — its own only (403 for another's), the office any.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_yearly_report_and_the_measures_over_http() {
    let s = start().await;
    let viewer = s.signed_in("viewer").await;
    let (st, m) = viewer.get("/api/v1/reports/yearly/2024/measures").await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["deadline"], "2025-02-01");
    let units = m["units"].as_array().expect("units");
    assert!(units.iter().any(|u| u["unit"] == "区卫健局"));
    assert!(units.iter().all(|u| u["may_edit"] == false));
    for y in ["2019", "2999", "12"] {
        let (st, b) = viewer
            .get(&format!("/api/v1/reports/yearly/{y}/measures"))
            .await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{y}: {b}");
    }

    let wjj = s.signed_in("wjj").await;
    let (st, b) = wjj
        .put_json(
            "/api/v1/reports/yearly/2024/measures",
            json!({"unit": "区卫健局", "text": "新增普惠托位300个"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["text"], "新增普惠托位300个");
    let version = b["version"].as_i64().expect("version");
    let (st, b) = wjj
        .put_json(
            "/api/v1/reports/yearly/2024/measures",
            json!({"unit": "区教育局", "text": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, b) = wjj
        .put_json(
            "/api/v1/reports/yearly/2024/measures",
            json!({"unit": "区卫健局", "text": "改", "version": version + 5}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    let office = s.signed_in("office").await;
    let (st, b) = office
        .put_json(
            "/api/v1/reports/yearly/2024/measures",
            json!({"unit": "区教育局", "text": "推进集团化办学"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, m) = office.get("/api/v1/reports/yearly/2024/measures").await;
    assert!(
        m["units"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["may_edit"] == true)
    );

    let r = viewer
        .with(viewer.http.get(format!(
            "{}/api/v1/reports/yearly/2024?format=html",
            viewer.base
        )))
        .send()
        .await
        .expect("report");
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("年度监测评估报告") && html.contains("新增普惠托位300个"));
    assert!(html.contains("未填报"), "units that entered nothing");
    let (st, _) = viewer.get("/api/v1/reports/yearly/2019").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}
