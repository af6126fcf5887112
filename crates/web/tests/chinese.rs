//! Chinese throughout (issue 13, point 7): the audit page says who changed what in words —
//! `字段: 原值 → 新值`, people by name, actions and codes by their Chinese labels — and
//! never shows the stored JSON or an internal code; English keeps working.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_page_reads_as_changes_in_words() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, b) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-08", 4321.0))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "office").await;
    let (st, html) = b
        .get(&format!("/audit?indicator=T08&place={TOWN}&limit=3"))
        .await;
    assert_eq!(st, StatusCode::OK);
    for shown in [
        "时间(北京时间)",
        "填报数值",
        "昌国街道填报员",
        "T08 · 昌国街道 · 2025年8月",
        "数值: ",
        "4321",
        "状态: ",
        "草稿",
    ] {
        assert!(
            html.contains(shown),
            "the audit row shows “{shown}”: {html}"
        );
    }
    for hidden in [
        "value.write",
        "&quot;indicator&quot;",
        "\"indicator\":",
        "reported_at",
        "draft",
        "UTC",
    ] {
        assert!(!html.contains(hidden), "no “{hidden}” on the page: {html}");
    }

    // The server's own orders are 系统's, and an action is found by its Chinese label.
    let (st, html) = b
        .get("/audit?action=%E7%AB%8B%E9%A1%B9%E7%9D%A3%E5%8A%9E&limit=3")
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("value=\"立项督办\""),
        "the filter keeps the label: {html}"
    );
    assert!(
        html.contains("系统(自动)") && html.contains("督办单 DB-"),
        "automatic orders in words: {html}"
    );
    assert!(
        !html.contains("order.raise") && !html.contains(">system<"),
        "{html}"
    );

    // English keeps its own words.
    let (st, _) = b.get("/lang?to=en&back=/audit").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = b
        .get(&format!("/audit?indicator=T08&place={TOWN}&limit=3"))
        .await;
    assert!(
        html.contains("Time (Beijing)") && html.contains("value written"),
        "English audit: {html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_indicator_page_names_its_roll_up_in_words() {
    let s = start().await;
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "office").await;
    let (st, html) = b.get("/indicator/T01?place=330902").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("比率(Σ"), "the roll-up in Chinese: {html}");
    for code in ["ratio_of_sums", "population_weighted_mean", "|T − B|"] {
        assert!(!html.contains(code), "no “{code}”: {html}");
    }
}
