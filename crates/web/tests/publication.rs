//! Issue 18, points 1, 2, 3 and 5: publication (approved figures only, frozen and
//! versioned, a correction with its note), the public dashboard and the open data read
//! anonymously, nothing unpublished or personal on them, and the public rate limit.

use super::*;

/// A period that ended before the demo's day (2025-10-15) and whose figures the demo left
/// submitted, not approved.
const Q3: &str = "2025Q3";

async fn text(s: &Server, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let resp = reqwest::get(format!("{}{path}", s.base))
        .await
        .expect("send");
    let st = resp.status();
    let headers = resp.headers().clone();
    (st, headers, resp.text().await.expect("text"))
}

/// T08 at `place` in September 2025 as the open data of 2025Q3 has it.
async fn published_t08(s: &Server, place: &str) -> Option<f64> {
    let (st, _, body) = text(s, &format!("/open/v1/{Q3}/figures.json")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let doc: Value = serde_json::from_str(&body).expect("json");
    doc["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .find_map(|f| {
            (f["indicator"] == "T08" && f["place"] == place && f["period"] == "2025-09")
                .then(|| f["value"].as_f64())
                .flatten()
        })
}

async fn approve(town: &Client, office: &Client, v: f64) {
    let (st, b) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", v))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let key = json!([{"indicator": "T08", "place": TOWN, "period": "2025-09"}]);
    for (who, action) in [(town, "submit"), (office, "approve")] {
        let (st, b) = who
            .post(
                "/api/v1/values/transition",
                json!({"action": action, "keys": key}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{action}: {b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_set_is_frozen_until_published_again_with_a_note() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    // Nothing approved in the quarter yet: nothing to publish (submitted is not enough).
    let (st, b) = office
        .post("/api/v1/publications", json!({"period": Q3}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("没有已审核"), "{b}");
    // A period not ended, a year out of range, a reader who is not the office.
    let (st, _) = office
        .post("/api/v1/publications", json!({"period": "2025Q4"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) = office
        .post("/api/v1/publications", json!({"period": "1800"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town
        .post("/api/v1/publications", json!({"period": Q3}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    approve(&town, &office, 4321.0).await;
    let (st, b) = office
        .post("/api/v1/publications", json!({"period": Q3}))
        .await;
    assert_eq!(
        (st, b["version"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{b}"
    );
    assert_eq!(published_t08(&s, TOWN).await, Some(4321.0));
    assert_eq!(
        published_t08(&s, OTHER_TOWN).await,
        None,
        "another town's figure is only submitted: not published"
    );

    // A later approved change is not public until the period is published again.
    let (st, b) = office
        .post(
            "/api/v1/values/transition",
            json!({"action": "reopen", "reason": "复核",
                   "keys": [{"indicator": "T08", "place": TOWN, "period": "2025-09"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    approve(&town, &office, 4400.0).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(published_t08(&s, TOWN).await, Some(4321.0), "frozen");
    let (st, b) = office
        .post("/api/v1/publications", json!({"period": Q3}))
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a correction needs a note: {b}"
    );
    let (st, b) = office
        .post(
            "/api/v1/publications",
            json!({"period": Q3, "note": "更正镇街九月数据"}),
        )
        .await;
    assert_eq!(
        (st, b["version"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{b}"
    );
    assert_eq!(published_t08(&s, TOWN).await, Some(4400.0));
    // Both versions stay readable; the public page shows the note.
    let (st, b) = office.get("/api/v1/publications").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        b["periods"][0]["versions"].as_array().map(Vec::len),
        Some(2),
        "{b}"
    );
    let v1 = s
        .app
        .publication(Q3.parse().expect("period"))
        .await
        .expect("stored");
    assert!(v1.version(1).is_some_and(|p| {
        p.figures
            .iter()
            .any(|f| f.place == TOWN && f.value == 4321.0)
    }));
    let (st, _, html) = text(&s, "/public").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("更正镇街九月数据"),
        "the correction's note is shown"
    );
    // The audit trail has both.
    let (_, a) = office
        .get("/api/v1/audit?action=publication.correct&limit=5")
        .await;
    assert!(a.to_string().contains("publication.correct"), "{a}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_pages_and_open_data_need_no_sign_in_and_show_only_what_was_published() {
    let s = start().await;
    let anon = s.anon();
    // Nothing published: the page says so.
    let (st, _, html) = text(&s, "/public").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("尚未发布数据"), "{html}");
    let (st, _) = anon.get(&format!("/open/v1/{Q3}/figures.json")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let office = s.signed_in("office").await;
    let (st, b) = office
        .post("/api/v1/publications", json!({"period": "2024"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(b["figures"].as_u64().unwrap_or(0) > 0, "{b}");
    let (st, headers, html) = text(&s, "/public").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("七个领域") && html.contains("主要指标"),
        "{html}"
    );
    assert!(!html.contains("<script"), "no script needed");
    assert!(headers.get("cache-control").is_some());
    // Never a person, a login, a phone or a comment.
    for bad in ["测试", "town-", "office", "wjj", "演示账号"] {
        assert!(!html.contains(bad), "{bad} on the public page");
    }
    let phone = regex_lite_phone(&html);
    assert!(phone.is_none(), "a phone number: {phone:?}");

    // Open data: CSV with a BOM, JSON with metadata, Excel, the catalogue, the chart.
    let (st, headers, csv) = text(&s, "/open/v1/2024/figures.csv").await;
    assert_eq!(st, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}'), "BOM");
    assert!(csv.contains("统计口径") && csv.contains("许可协议"));
    assert_eq!(headers["access-control-allow-origin"], "*");
    let (st, b) = anon.get("/open/v1/indicator/T01.json").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(
        b["figures"][0]["lead_unit"]
            .as_str()
            .is_some_and(|u| !u.is_empty()),
        "{b}"
    );
    assert_eq!(b["licence"], "CC-BY-4.0");
    let (st, b) = anon.get(&format!("/open/v1/place/{DISTRICT}.json")).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let resp = reqwest::get(format!("{}/open/v1/2024/figures.xlsx", s.base))
        .await
        .expect("xlsx");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.expect("bytes").starts_with(b"PK"));
    let (st, b) = anon.get("/open/v1/catalog.jsonld").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["@type"], "dcat:Catalog");
    assert!(
        b["dcat:dataset"].as_array().is_some_and(|d| d.len() > 2),
        "{b}"
    );
    let (st, headers, svg) = text(&s, "/open/v1/indicator/T01/chart.svg").await;
    assert_eq!(st, StatusCode::OK, "{svg}");
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert!(svg.starts_with("<svg") && svg.contains("<title"));
    for missing in [
        "/open/v1/indicator/T99.csv",
        "/open/v1/indicator/T01.exe",
        "/open/v1/2023/figures.csv",
        "/open/v1/2024/other.csv",
        "/open/v1/indicator/T99/chart.svg",
    ] {
        let (st, _) = anon.get(missing).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{missing}");
    }
    // English on the switch.
    let resp = reqwest::Client::new()
        .get(format!("{}/public", s.base))
        .header("cookie", "lang=en")
        .send()
        .await
        .expect("en");
    let html = resp.text().await.expect("text");
    assert!(html.contains("Headline indicators"), "{html}");
}

/// An 11-digit mobile number in `text`, if any.
fn regex_lite_phone(text: &str) -> Option<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(10)).find_map(|i| {
        let w = &b[i..i + 11];
        let before = i
            .checked_sub(1)
            .map(|j| b[j].is_ascii_digit())
            .unwrap_or(false);
        let after = b.get(i + 11).is_some_and(u8::is_ascii_digit);
        (w[0] == b'1'
            && (b'3'..=b'9').contains(&w[1])
            && w.iter().all(u8::is_ascii_digit)
            && !before
            && !after)
            .then(|| String::from_utf8_lossy(w).to_string())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_endpoints_are_rate_limited_per_address() {
    let s = start_with(WebConfig {
        public_rate: 1,
        ..WebConfig::default()
    })
    .await;
    let mut limited = None;
    for _ in 0..10 {
        let (st, headers, _) = text(&s, "/open/v1/catalog.jsonld").await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            limited = headers
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(String::from);
            break;
        }
    }
    let retry = limited.expect("a 429 within 10 requests");
    assert!(retry.parse::<u64>().is_ok_and(|s| s >= 1), "{retry}");
    let (st, _, _) = text(&s, "/public").await;
    assert_eq!(
        st,
        StatusCode::TOO_MANY_REQUESTS,
        "one bucket for every public path"
    );
    // Signed-in pages are not limited by it.
    let (st, _) = s.anon().get("/api/v1/plan").await;
    assert_ne!(st, StatusCode::TOO_MANY_REQUESTS);
}
