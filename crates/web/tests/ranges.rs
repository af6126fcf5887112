//! Values outside an indicator's natural range (issue 24, point 4) are refused with the
//! reason by the JSON API and the entry form alike — the same check in core
//! (`core::write::natural_range`, `ratio_pair`) the upload makes (ingest's tests).

use super::*;

/// The demo day's month (2025-10-15): begun, and not yet reported by the demo's towns.
const NEW: &str = "2025-10";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_and_the_form_refuse_values_outside_the_natural_range() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    // A negative rate.
    let (st, b) = town
        .post("/api/v1/values", value("T10", TOWN, "2026", -1.0))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("为负数"), "{b}");
    // A share above 100 %.
    let (st, b) = town
        .post("/api/v1/values", value("T10", TOWN, "2026", 100.5))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("自然上限 100%"), "{b}");
    // A numerator over a denominator of 0, in one batch …
    let half = |component: &str, v: f64| json!({"indicator": "T11", "place": TOWN, "period": NEW, "component": component, "value": v});
    let (st, b) = town
        .post(
            "/api/v1/values",
            json!([half("numerator", 3.0), half("denominator", 0.0)]),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("分母为 0"), "{b}");
    // … or against the stored denominator: more insured than insurable.
    let (st, b) = town
        .post("/api/v1/values", json!([half("denominator", 10.0)]))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = town
        .post("/api/v1/values", json!([half("numerator", 11.0)]))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("超过自然上限 100%"), "{b}");
    let (st, b) = town
        .post("/api/v1/values", json!([half("numerator", 10.0)]))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");

    // The entry form: the reason next to its field, nothing saved.
    let mut t = Browser::new(&s.base);
    let csrf = sign_in_form(&mut t, &format!("town-{TOWN}")).await;
    let (st, html) = t
        .post_form(
            "/entry",
            &[
                ("csrf", &csrf),
                ("place", TOWN),
                ("period", NEW),
                ("v:T11:numerator", "12"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("id=\"v:T11:numerator-err\"") && html.contains("超过自然上限 100%"),
        "{html}"
    );
    // Every input is named by indicator, component and unit; the indicator heads its row.
    assert!(html.contains("<th scope=\"row\">T11 "), "{html}");
    assert!(html.contains("class=\"sr-only\">T11 "), "{html}");
}
