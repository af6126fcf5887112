//! Issue 18 point 2 (the 15-minute circle and the survey results on `/public` once
//! published) and issue 17's leftovers: the circle's publication (the office only,
//! frozen and versioned, a republication with its note), the open data
//! `/open/v1/circle.*` (404 before, aggregates after, rate-limited), the panels in both
//! languages, the fieldwork counts read only as far as the round's results, and the bot
//! barrier's key shared by two servers over one database.

use super::*;

const ROUND: &str = "2025年度满意度调查(演示)";

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn page(s: &Server, path: &str, en: bool) -> (StatusCode, String) {
    let mut rb = reqwest::Client::new().get(format!("{}{path}", s.base));
    if en {
        rb = rb.header("cookie", "lang=en");
    }
    let resp = rb.send().await.expect("send");
    let st = resp.status();
    (st, resp.text().await.expect("text"))
}

/// The text of `<main>` only (the language switch names the other language).
fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap_or(0);
    let end = html.rfind("</main>").unwrap_or(html.len());
    &html[start..end]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circle_and_the_survey_show_on_public_only_once_published() {
    let s = start().await;
    // Before: no panel, and the circle's open data is not there.
    let (st, zh) = page(&s, "/public", false).await;
    assert_eq!(st, StatusCode::OK);
    assert!(!zh.contains("15分钟公共服务圈") && !zh.contains("群众满意度调查"));
    let (st, _) = page(&s, "/open/v1/circle.json", false).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = page(&s, "/open/v1/circle.csv", false).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Only the office publishes.
    for login in ["viewer".to_string(), format!("town-{TOWN}")] {
        let c = s.signed_in(&login).await;
        let (st, b) = c.post("/api/v1/circle/publish", json!({})).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{login}: {b}");
    }
    let office = s.signed_in("office").await;
    let (st, b) = office.post("/api/v1/circle/publish", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 1, "{b}");
    assert!(
        b.get("gaps").is_none(),
        "no resident point is published: {b}"
    );
    // Again without a note: refused; with one: version 2.
    let (st, b) = office.post("/api/v1/circle/publish", json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, b) = office
        .post(
            "/api/v1/circle/publish",
            json!({"note": "更正:补录了两处卫生站"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 2, "{b}");
    let (st, b) = office.get("/api/v1/circle/publications").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["versions"].as_array().map(Vec::len), Some(2), "{b}");

    // The survey's results, published by the demo's survey.
    youxiang_demo::survey_answers::load_demo_survey_results(&s.app, "office")
        .await
        .expect("demo survey");
    s.app.set_clock(None);
    // Published directly through the app: the page notices within its recheck (1 s).
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let (st, zh) = page(&s, "/public", false).await;
    assert_eq!(st, StatusCode::OK);
    let main = main_of(&zh);
    assert!(main.contains("15分钟公共服务圈"), "{main}");
    assert!(
        main.contains("基本服务全部可达") && main.contains('%'),
        "{main}"
    );
    assert!(main.contains("计算依据:"), "{main}");
    assert!(main.contains("更正说明(第 2 版"), "{main}");
    assert!(
        main.contains("群众满意度调查") && main.contains(ROUND),
        "{main}"
    );
    assert!(
        main.contains(" 分") && main.contains(" 人"),
        "units: {main}"
    );
    assert!(main.contains("/open/v1/circle.csv") && main.contains("/open/v1/survey.csv"));
    // No English words of the panels, no internal codes on the Chinese page.
    for word in [
        "Satisfaction",
        "Residents",
        "points",
        "persons",
        "primary_school",
        "straight",
    ] {
        assert!(!main.contains(word), "{word} on the Chinese page");
    }

    let (st, en) = page(&s, "/public", true).await;
    assert_eq!(st, StatusCode::OK);
    let main = main_of(&en);
    assert!(
        main.contains("The 15-minute public-service circle"),
        "{main}"
    );
    assert!(main.contains("Satisfaction survey"), "{main}");
    for word in [
        "计算依据",
        "基本服务全部可达",
        "样本量",
        "误差范围",
        "居民覆盖率",
    ] {
        assert!(!main.contains(word), "{word} on the English page");
    }

    // Open data: aggregates only.
    let (st, body) = page(&s, "/open/v1/circle.json", false).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let doc: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(doc["version"], 2, "{doc}");
    assert!(doc["places"].as_array().is_some_and(|p| !p.is_empty()));
    assert!(
        doc["places"][0]["basket_percent"].is_number()
            || doc["places"][0]["basket_percent"].is_null()
    );
    assert!(
        !body.contains("\"lon\"") && !body.contains("\"gaps\""),
        "{body}"
    );
    let (st, csv) = page(&s, "/open/v1/circle.csv", false).await;
    assert_eq!(st, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}'), "BOM");
    assert!(csv.contains(",basket,"), "{csv}");
    // Neither page nor open data carries an answer text or a token.
    for text in [&zh, &en, &body, &csv] {
        assert!(!text.contains("DEMO-"), "no token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circle_open_data_is_rate_limited() {
    let s = start_with(WebConfig {
        public_rate: 1,
        ..WebConfig::default()
    })
    .await;
    let mut limited = false;
    for _ in 0..10 {
        let (st, _) = page(&s, "/open/v1/circle.json", false).await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "a 429 within 10 requests");
    let (st, _) = page(&s, "/open/v1/circle.csv", false).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "one bucket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fieldwork_counts_are_read_as_far_as_the_results() {
    let s = start().await;
    youxiang_demo::survey_answers::load_demo_survey_results(&s.app, "office")
        .await
        .expect("demo survey");
    s.app.set_clock(None);
    let path = format!("/api/v1/survey/rounds/{}/fieldwork", enc(ROUND));
    let office = s.signed_in("office").await;
    let (st, b) = office.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let all = b["strata"].as_array().map(Vec::len).unwrap_or(0);
    assert!(all >= 2, "{b}");
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, b) = town.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let strata: Vec<&str> = b["strata"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["stratum"].as_str())
        .collect();
    assert_eq!(strata, vec![TOWN], "a town its own stratum: {b}");
    let (st, b) = town
        .get(&format!(
            "/api/v1/survey/rounds/{}/fieldwork",
            enc("没有这一轮")
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_shown_by_one_server_is_accepted_by_another() {
    let s = start().await;
    let other = App::open(&s.url).await.expect("open again");
    let stamp = s.app.survey_form_stamp(ROUND, 1_000).await;
    assert!(
        other
            .check_survey_form_stamp(ROUND, &stamp, 1_010)
            .await
            .is_ok(),
        "the key is the database's, not the process's"
    );
    assert!(
        other
            .check_survey_form_stamp(ROUND, "1000.0000", 1_010)
            .await
            .is_err()
    );
}
