//! Issue 15, point 3: 服务达标 through the API and the page — the demo's matrix (some items
//! met, some not, some without data; facility distances labelled 直线估算), a yes/no report
//! scoped like figures (a town reports its own, not another town's), and a gap raising its
//! 督办单 once per item × place × period when the setting asks for it.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_matrix_the_reports_scope_and_orders_once() {
    let s = start().await;
    // The shared template holds the demo's figures only: its register and 服务达标 here.
    youxiang_demo::facilities::load_demo_facilities(&s.app)
        .await
        .expect("facilities");
    youxiang_demo::compliance::load_demo_compliance(&s.app)
        .await
        .expect("compliance");
    let viewer = s.signed_in("viewer").await;
    let (st, m) = viewer.get("/api/v1/compliance?year=2025").await;
    assert_eq!(st, StatusCode::OK, "{m}");
    assert_eq!(m["catalogue"], "dinghai-sample", "{m}");
    assert_eq!(m["sample"], true);
    let cells = m["cells"].as_array().expect("cells");
    let count = |v: &str| cells.iter().filter(|c| c["verdict"] == v).count();
    assert!(
        count("met") > 0 && count("not_met") > 0 && count("no_data") > 0,
        "{}",
        cells.len()
    );
    // A facility cell names its facility, its distance and the straight-line basis.
    let f = cells
        .iter()
        .find(|c| c["evidence"]["kind"] == "facility" && !c["evidence"]["nearest"].is_null())
        .expect("a facility cell");
    assert_eq!(f["evidence"]["nearest"]["basis"], "straight_line", "{f}");
    assert!(f["why"].as_str().unwrap().contains("直线估算"), "{f}");
    // The district's share rolls up every town's.
    let shares = m["shares"].as_array().unwrap();
    assert!(
        shares
            .iter()
            .any(|x| x["place"] == DISTRICT && x["of"]["by"] == "all"),
        "{m}"
    );
    // Items without a delivery level stand apart.
    assert!(!m["unleveled"].as_array().unwrap().is_empty());
    // Out-of-range period: 404; the page and the Excel answer.
    let (st, _) = viewer.get("/api/v1/compliance?year=1900").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = viewer.get("/api/v1/compliance?year=2025&quarter=7").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The page names the basis of every distance (no network in the demo: 直线估算).
    assert_eq!(m["basis"], "straight_line", "{m}");
    let resp = viewer
        .with(
            viewer
                .http
                .get(format!("{}/compliance?year=2025", viewer.base)),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap_or_default();
    assert!(
        text.contains("设施步行距离") && text.contains("直线估算——未载入路网"),
        "the basis is named on the page"
    );

    // Yes/no reports: a town its own; another town's is forbidden; a viewer none.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let report = |place: &str, met: bool| json!({"item": "DHRF-10", "place": place, "period": "2025", "met": met, "evidence": "测试佐证"});
    let (st, b) = town
        .put_json("/api/v1/compliance/reports", report(TOWN, false))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["reported_by"], format!("town-{TOWN}"));
    let (st, b) = town
        .put_json("/api/v1/compliance/reports", report(OTHER_TOWN, true))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, _) = viewer
        .put_json("/api/v1/compliance/reports", report(TOWN, true))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // An item judged from facilities is not reported by hand; a period not begun is refused.
    let mut computed = report(TOWN, true);
    computed["item"] = json!("DHQ-01");
    let (st, b) = town.put_json("/api/v1/compliance/reports", computed).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let mut later = report(TOWN, true);
    later["period"] = json!("2026");
    let (st, b) = town.put_json("/api/v1/compliance/reports", later).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (_, m) = viewer.get("/api/v1/compliance?year=2025").await;
    let cell = m["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["item"] == "DHRF-10" && c["place"] == TOWN)
        .cloned()
        .unwrap();
    assert_eq!(cell["verdict"], "not_met", "{cell}");
    assert!(cell["why"].as_str().unwrap().contains("测试佐证"), "{cell}");

    // Orders for gaps: none while the setting is off; once on, each gap once.
    let period: youxiang_core::period::Period = "2025".parse().unwrap();
    assert!(
        s.app
            .raise_compliance_orders(period)
            .await
            .unwrap()
            .is_empty()
    );
    let mut config = s.app.compliance_config().await.unwrap();
    config.gap_orders = true;
    s.app
        .set_compliance_config("office", &config)
        .await
        .unwrap();
    let raised = s.app.raise_compliance_orders(period).await.unwrap();
    assert!(!raised.is_empty());
    let again = s.app.raise_compliance_orders(period).await.unwrap();
    assert!(again.is_empty(), "raised twice: {again:?}");
    let office = s.signed_in("office").await;
    let (_, orders) = office.get("/api/v1/orders").await;
    let gap = orders.to_string().matches("compliance_gap").count();
    assert!(gap >= raised.len(), "{gap} vs {}", raised.len());
    // A town may not change the setting.
    let mut off = config.clone();
    off.gap_orders = false;
    assert!(
        s.app
            .set_compliance_config(&format!("town-{TOWN}"), &off)
            .await
            .is_err()
    );
}
