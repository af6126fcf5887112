//! Issue 16, point 4: 探访关爱 and 监测预警 — place-scoped (another town's household,
//! visit or flag is not found), a visit recorded through the API and the page form, the
//! rate moving and K7.2f entering the official figures as 系统计算, a household's income
//! drop raising a flag to its worker which is then handled; no unmasked ID number or
//! phone on the pages and answers.

use super::*;
use youxiang_app::assist::Keyring;
use youxiang_core::assist::register::find_unmasked;
use youxiang_core::value::{Component, ValueState};

pub(super) async fn with_register() -> Server {
    let s = start().await;
    s.app.set_assist_keys(Keyring::generate().expect("key"));
    youxiang_demo::assist::load_demo_register(&s.app, youxiang_demo::demo_today())
        .await
        .expect("register");
    s
}

pub(super) async fn page(c: &Client, path: &str) -> (StatusCode, String) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    (resp.status(), resp.text().await.unwrap_or_default())
}

pub(super) async fn form(c: &Client, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    let csrf = c.csrf.clone().unwrap_or_default();
    all.push(("csrf", &csrf));
    let resp = c
        .with(c.http.post(format!("{}{path}", c.base)))
        .form(&all)
        .send()
        .await
        .expect("send");
    (resp.status(), resp.text().await.unwrap_or_default())
}

pub(super) async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = c
        .with(c.http.put(format!("{}{path}", c.base)))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn clean(what: &str, body: &str) {
    let found = find_unmasked(body);
    assert!(found.is_empty(), "{what} shows unmasked {found:?}");
}

fn ids_under(list: &Value, town: &str, status: &str) -> Vec<(String, i64, f64)> {
    list["households"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|h| h["place"].as_str().unwrap_or_default().starts_with(town))
        .filter(|h| h["status"] == status)
        .map(|h| {
            (
                h["id"].as_str().unwrap_or_default().to_string(),
                h["version"].as_i64().unwrap_or(0),
                h["income_year"].as_f64().unwrap_or(0.0),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visits_are_scoped_recorded_and_move_the_official_rate() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    let (_, all) = mzj.get("/api/v1/assist/households").await;
    let own = ids_under(&all, TOWN, "active");
    let other = ids_under(&all, OTHER_TOWN, "active");
    assert!(!own.is_empty() && !other.is_empty());
    let town = s.signed_in(&format!("town-{TOWN}")).await;

    // Another town's household: not found, by the API and the form.
    let visit = |h: &str| json!({"household": h, "date": "2025-10-10", "visitor": "社工甲", "mode": "phone", "findings": "生活正常", "needs_found": ["助餐"]});
    let (st, _) = town.post("/api/v1/assist/visits", visit(&other[0].0)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = form(
        &town,
        "/assist/visits",
        &[
            ("household", &other[0].0),
            ("visitor", "社工甲"),
            ("mode", "home"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A visit in the future is refused, a viewer does not use the register.
    let mut late = visit(&own[0].0);
    late["date"] = json!("2099-01-01");
    let (st, _) = town.post("/api/v1/assist/visits", late).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let viewer = s.signed_in("viewer").await;
    let (st, _) = viewer.get("/api/v1/assist/visits").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The overview before: nobody visited yet this quarter in the town.
    let (st, before) = town.get("/api/v1/assist/visits").await;
    assert_eq!(st, StatusCode::OK, "{before}");
    let visited = |o: &Value| o["total_period"]["visited"].as_u64().unwrap_or(0);
    assert_eq!(visited(&before), 0);
    assert!(before["total_period"]["due"].as_u64().unwrap_or(0) > 0);

    // Recorded through the API, then one through the page's form.
    let (st, v) = town.post("/api/v1/assist/visits", visit(&own[0].0)).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let id = v["id"].as_str().expect("id").to_string();
    let (st, got) = town.get(&format!("/api/v1/assist/visits/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got["mode"], "phone");
    let other_town = s.signed_in(&format!("town-{OTHER_TOWN}")).await;
    let (st, _) = other_town.get(&format!("/api/v1/assist/visits/{id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, body) = form(
        &town,
        "/assist/visits",
        &[
            ("household", &own[1].0),
            ("date", "2025-10-12"),
            ("visitor", "社工乙"),
            ("mode", "home"),
            ("findings", "需要助医"),
            ("needs", "助医"),
        ],
    )
    .await;
    assert!(st.is_success() || st.is_redirection(), "{st} {body}");
    let (_, after) = town.get("/api/v1/assist/visits").await;
    let due_households: Vec<&str> = after["schedules"]
        .as_array()
        .expect("schedules")
        .iter()
        .filter(|s| s["periods"].as_array().is_some_and(|p| !p.is_empty()))
        .filter_map(|s| s["household"].as_str())
        .collect();
    let expected = [&own[0].0, &own[1].0]
        .iter()
        .filter(|h| due_households.contains(&h.as_str()))
        .count() as u64;
    assert_eq!(visited(&after), expected, "{}", after["total_period"]);

    // The page: Chinese, masked, the rate's table and the form.
    let (st, html) = page(&town, "/assist/visits").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("探访关爱率") && html.contains("记录一次探访"),
        "{html}"
    );
    clean("the visits page", &html);
    clean("the visits answer", &after.to_string());

    // K7.2f: official, computed, per town.
    let values = s
        .app
        .values(&youxiang_store::ValueFilter {
            indicator: Some("K7.2f".into()),
            place: Some(TOWN.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let den = values
        .iter()
        .find(|o| o.key.component == Component::Denominator && o.key.period.year() == 2025)
        .expect("K7.2f denominator");
    assert_eq!(den.source, "系统计算");
    assert_eq!(den.state, ValueState::Approved);
    assert!(den.value > 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_income_drop_raises_a_flag_to_the_worker_who_handles_it() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    // The baseline: every household's declaration.
    let (st, _) = mzj.post("/api/v1/assist/flags/scan", json!({})).await;
    assert_eq!(st, StatusCode::OK);
    let (_, all) = mzj.get("/api/v1/assist/households").await;
    let own = ids_under(&all, TOWN, "active");
    let (hid, _, income) = own
        .iter()
        .find(|(_, _, i)| *i > 1000.0)
        .cloned()
        .expect("a household with income");
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (_, one) = town.get(&format!("/api/v1/assist/households/{hid}")).await;
    let mut h = one["household"].clone();
    h["income_year"] = json!((income * 0.5).round());
    h["reason"] = json!("收入变化");
    let (st, saved) = put(&town, &format!("/api/v1/assist/households/{hid}"), h).await;
    assert_eq!(st, StatusCode::OK, "{saved}");

    // The save raised the flag, to the household's worker, with a deadline.
    let (st, flags) = town
        .get(&format!("/api/v1/assist/flags?place={TOWN}&state=open"))
        .await;
    assert_eq!(st, StatusCode::OK, "{flags}");
    let flag = flags["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .find(|f| f["household"] == hid.as_str() && f["kind"] == "income_drop")
        .cloned()
        .unwrap_or_else(|| panic!("no income flag in {flags}"));
    assert!(flag["deadline"].as_str().is_some());
    assert!(!flag["assignee"].as_str().unwrap_or_default().is_empty());
    let fid = flag["id"].as_str().expect("id").to_string();
    // Another town does not see it.
    let other_town = s.signed_in(&format!("town-{OTHER_TOWN}")).await;
    let (st, _) = other_town.get(&format!("/api/v1/assist/flags/{fid}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = other_town
        .post(
            &format!("/api/v1/assist/flags/{fid}/handle"),
            json!({"outcome": "no_change", "note": "核查"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // An unknown outcome is not found; no note is refused; then handled.
    let (st, _) = town
        .post(
            &format!("/api/v1/assist/flags/{fid}/handle"),
            json!({"outcome": "maybe", "note": "核查"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town
        .post(
            &format!("/api/v1/assist/flags/{fid}/handle"),
            json!({"outcome": "adjust", "note": ""}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, done) = town
        .post(
            &format!("/api/v1/assist/flags/{fid}/handle"),
            json!({"outcome": "adjust", "note": "已上门核查,调整救助金额"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["now"], "handled");
    assert_eq!(done["outcome"], "adjust");

    // The flags page: Chinese, masked.
    let (st, html) = page(&town, "/assist/flags").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("监测预警") && html.contains("调整救助"),
        "{html}"
    );
    clean("the flags page", &html);
}
