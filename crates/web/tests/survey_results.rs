//! Issue 17, points 4 and 5, through the real HTTP interface: who reads a round's index
//! and demand analysis (the office and the viewer every cell, a department the district,
//! a town its own, a village nothing), the office's categories of open answers, a round's
//! results published once, the pages, the open data (aggregates only) and the dashboard's
//! satisfaction beside the lights.

use super::*;

const ROUND: &str = "2025年度满意度调查(演示)";
const BEFORE: &str = "2024年度满意度调查(演示)";

/// Percent-encodes a path segment or query value.
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

async fn html(c: &Client, path: &str) -> (StatusCode, String) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    let st = resp.status();
    (st, resp.text().await.unwrap_or_default())
}

async fn with_survey() -> Server {
    let s = start().await;
    youxiang_demo::survey_answers::load_demo_survey_results(&s.app, "office")
        .await
        .expect("demo survey");
    s
}

fn places(b: &Value) -> std::collections::BTreeSet<String> {
    b["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["place"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_are_read_by_reach_and_published_once() {
    let s = with_survey().await;
    let office = s.signed_in("office").await;
    let (st, b) = office.get("/api/v1/survey/rounds").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["rounds"].as_array().map(Vec::len), Some(2), "{b}");
    assert!(b["rounds"][1]["published_on"].is_string(), "{b}");

    let index = format!(
        "/api/v1/survey/rounds/{}/index?compare={}",
        enc(ROUND),
        enc(BEFORE)
    );
    let (st, b) = office.get(&index).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let all = places(&b);
    assert!(all.contains(DISTRICT) && all.contains(TOWN) && all.contains(OTHER_TOWN));
    assert_eq!(b["compared_with"], BEFORE, "{b}");
    assert!(!b["changes"].as_array().unwrap().is_empty(), "{b}");
    // The district's cells have n ≥ 30; a town's 幼有善育 (asked of parents only) too few.
    let cell = |b: &Value, d: &str, p: &str| {
        b["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["domain"] == d && c["place"] == p)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(cell(&b, "LY", DISTRICT)["suppressed"], false, "{b}");
    assert_eq!(cell(&b, "YY", TOWN)["suppressed"], true, "{b}");

    // A town sees its own stratum only; another town's demand is refused.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, b) = town.get(&index).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(places(&b), [TOWN.to_string()].into(), "{b}");
    for c in b["changes"].as_array().unwrap() {
        assert_eq!(c["place"], TOWN, "{c}");
    }
    let demand = format!("/api/v1/survey/rounds/{}/demand", enc(ROUND));
    let (st, b) = town.get(&format!("{demand}?place={OTHER_TOWN}")).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, b) = town.get(&demand).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["place"], TOWN, "{b}");
    // The department sees the district; the viewer every cell; a village nothing.
    let wjj = s.signed_in("wjj").await;
    let (_, b) = wjj.get(&index).await;
    assert_eq!(places(&b), [DISTRICT.to_string()].into(), "{b}");
    let viewer = s.signed_in("viewer").await;
    let (_, b) = viewer.get(&index).await;
    assert_eq!(places(&b), all, "{b}");
    let village = s
        .app
        .read()
        .reporters
        .iter()
        .find(|r| r.role == youxiang_core::scope::Role::VillageReporter)
        .map(|r| r.login.clone())
        .expect("a village reporter");
    let village = s.signed_in(&village).await;
    let (st, _) = village.get(&index).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = office.get("/api/v1/survey/rounds/nope/index").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The district's demand: needs ranked with margins, open answers in categories.
    let (st, b) = office.get(&demand).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let needs = &b["demand"]["needs"][0];
    assert_eq!(needs["options"][0]["choice"], "yanglao", "{b}");
    assert!(needs["options"][0]["moe"].as_f64().unwrap() > 0.0, "{b}");
    let texts = &b["demand"]["texts"];
    let suggestion = texts
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["question"] == "suggestion")
        .expect("suggestion");
    let ly = suggestion["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "LY")
        .expect("老有康养");
    assert!(ly["examples"].as_array().unwrap().len() <= 3, "{ly}");
    assert!(
        !b.to_string().contains("demo-"),
        "no answer's id in the analysis"
    );

    // Published once; only the office publishes.
    let publish = format!("/api/v1/survey/rounds/{}/publish", enc(ROUND));
    let (st, b) = office.post(&publish, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, _) = town.post(&publish, json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_edits_the_categories() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let (st, b) = office.get("/api/v1/survey/categories").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 0, "{b}");
    assert_eq!(b["categories"].as_array().map(Vec::len), Some(7), "{b}");
    let body = json!({"version": 0, "categories": [
        {"code": "LAMP", "name": "路灯照明", "keywords": ["路灯", "照明"]}]});
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, _) = town
        .put_json("/api/v1/survey/categories", body.clone())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = office
        .put_json("/api/v1/survey/categories", body.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 1, "{b}");
    // The same stale version again: a conflict.
    let (st, _) = office.put_json("/api/v1/survey/categories", body).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let bad = json!({"version": 1, "categories": [{"code": "", "name": "", "keywords": []}]});
    let (st, b) = office.put_json("/api/v1/survey/categories", bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_open_data_and_the_dashboard_show_the_results() {
    let s = with_survey().await;
    let office = s.signed_in("office").await;
    let (st, page) = html(&office, "/survey").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains(ROUND) && page.contains("已发布"), "{page}");
    let (st, page) = html(&office, &format!("/survey/round/{}", enc(ROUND))).await;
    assert_eq!(st, StatusCode::OK, "{page}");
    for word in ["满意度指数", "样本不足", "需求分析", "养老", "显著", "±"] {
        assert!(page.contains(word), "{word} missing");
    }
    let (st, page) = html(&office, "/survey/categories").await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("幼有善育:托育"), "{page}");
    // The dashboard's cards: satisfaction beside the lights.
    let (_, page) = html(&office, "/overview").await;
    assert!(page.contains("满意度 ") && page.contains(ROUND), "{page}");
    // Open data: the cells only, never an answer.
    let anon = s.anon();
    let (st, b) = anon.get("/open/v1/survey.json").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["surveys"].as_array().map(Vec::len), Some(2), "{b}");
    let text = b.to_string();
    assert!(
        !text.contains("demo-") && !text.contains("suggestion"),
        "{text}"
    );
    let resp = reqwest::get(format!("{}/open/v1/survey.csv", s.base))
        .await
        .expect("csv");
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.unwrap_or_default();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains(",true\r\n"),
        "{csv}"
    );
    // The quarterly report of 2025Q3 carries the survey section.
    let report = s
        .app
        .quarterly_report("office", "2025Q3".parse().unwrap(), s.app.today())
        .await
        .expect("report");
    let survey = report.survey.expect("a survey section");
    assert_eq!(survey.items.len(), 7, "{:?}", survey.items);
    assert!(survey.title.contains(ROUND), "{}", survey.title);
}
