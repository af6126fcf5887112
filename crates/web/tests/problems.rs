//! 问题清单 and the cause-and-measures form, through the real HTTP interface (a module of
//! the one test binary `web`): the list's JSON and Excel file, the form of the lead unit
//! (saved, refused with its errors beside the fields, refused to another unit), the red
//! item waiting in the lead unit's 我的任务, and the pace in the explanation.

use super::*;

/// The demo login of the department that leads `unit`'s indicators.
fn login_of(s: &Server, unit: &str) -> String {
    let state = s.app.read();
    state
        .reporters
        .iter()
        .find(|r| r.unit == unit && r.role == youxiang_core::scope::Role::DepartmentReporter)
        .map(|r| r.login.clone())
        .unwrap_or_else(|| panic!("no reporter of {unit}"))
}

/// A department that does not lead `indicator`.
fn other_department(s: &Server, lead: &str) -> String {
    let state = s.app.read();
    state
        .reporters
        .iter()
        .find(|r| r.unit != lead && r.role == youxiang_core::scope::Role::DepartmentReporter)
        .map(|r| r.login.clone())
        .expect("another department")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_problems_list_as_json_and_excel() {
    let s = start().await;
    let viewer = s.signed_in("viewer").await;
    // The red lights' orders (the test database has the figures, not the demo's records),
    // and one cause and measures.
    let office = s.signed_in("office").await;
    let (st, sweep) = office.post("/api/v1/orders/sweep", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{sweep}");
    let (_, before) = viewer.get("/api/v1/problems").await;
    let first = before[0].clone();
    let (st, n) = office
        .post(
            "/api/v1/lag-notes",
            json!({"indicator": first["indicator"], "place": first["place"],
                "period": "2025Q3", "cause": "原因(测试)", "measure": "措施(测试)"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{n}");
    let (st, list) = viewer.get("/api/v1/problems").await;
    assert_eq!(st, StatusCode::OK, "{list}");
    let items = list.as_array().expect("array");
    assert!(!items.is_empty(), "the demo has red and yellow items");
    // Red and yellow only, red first, then the largest gap; district and towns.
    let rank = |v: &Value| (v["light"] == "red", v["gap"].as_f64().unwrap_or(f64::MIN));
    for w in items.windows(2) {
        let (a, b) = (rank(&w[0]), rank(&w[1]));
        assert!(a.0 >= b.0, "red before yellow: {} {}", w[0], w[1]);
        if a.0 == b.0 {
            assert!(a.1 >= b.1, "larger gap first: {} {}", w[0], w[1]);
        }
    }
    for i in items {
        assert!(i["light"] == "red" || i["light"] == "yellow", "{i}");
        assert!(
            i["lead_unit"].as_str().is_some_and(|u| !u.is_empty()),
            "{i}"
        );
        assert!(i["orders"]["open"].is_u64(), "{i}");
        assert_eq!(i["may_write"], false, "a viewer writes nothing: {i}");
        let place = i["place"].as_str().unwrap_or_default();
        assert!(place == DISTRICT || place.starts_with(DISTRICT), "{i}");
    }
    // The note and the orders appear with their items.
    assert_eq!(items[0]["cause"], "原因(测试)", "{}", items[0]);
    assert_eq!(items[0]["measure"], "措施(测试)");
    assert!(
        items
            .iter()
            .any(|i| i["orders"]["open"].as_u64().unwrap_or(0) > 0
                && i["orders"]["nearest_deadline"].is_string()
                && i["orders"]["worst_zh"]
                    .as_str()
                    .is_some_and(|w| !w.is_empty())),
        "an item with an open red-light order"
    );
    // One lead unit only.
    let unit = items[0]["lead_unit"].as_str().expect("unit").to_string();
    let (st, mine) = viewer
        .get(&format!(
            "/api/v1/problems?lead_unit={}",
            youxiang_web::download::pct(&unit)
        ))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        mine.as_array()
            .is_some_and(|m| !m.is_empty() && m.iter().all(|i| i["lead_unit"] == unit.as_str()))
    );
    let (st, e) = viewer.get("/api/v1/problems?place=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{e}");
    let (st, e) = viewer.get("/api/v1/problems?year=1999").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{e}");
    let (st, _) = s.anon().get("/api/v1/problems").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // The Excel file: an xlsx (a zip of the sheet's XML) with Chinese headers and units.
    let resp = viewer
        .with(viewer.http.get(format!("{}/api/v1/problems.xlsx", s.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(ct.contains("spreadsheetml"), "{ct}");
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .to_string();
    assert!(cd.contains(".xlsx"), "{cd}");
    let bytes = resp.bytes().await.expect("bytes");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut strings = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/sharedStrings.xml").expect("shared strings"),
        &mut strings,
    )
    .expect("xml");
    for h in [
        "问题清单",
        "牵头单位",
        "原因",
        "措施",
        "督办状态",
        "最近办理期限",
        "落后序时进度(占本年任务%)",
        "单位",
    ] {
        assert!(strings.contains(h), "header {h}");
    }
    assert!(
        strings.contains(items[0]["name"].as_str().unwrap_or("?")),
        "the worst item's name"
    );

    // The page lists the same items and links the file.
    let html = drafts_page(&viewer, "/problems").await;
    assert!(html.contains("问题清单") && html.contains("/api/v1/problems.xlsx"));
    assert!(html.contains(items[0]["name"].as_str().unwrap_or("?")));
    let ov = drafts_page(&viewer, "/overview").await;
    assert!(
        ov.contains("href=\"/problems\""),
        "the overview links the list"
    );
    assert!(
        ov.contains("督办与措施"),
        "the overview's rows say what is being done"
    );
}

/// A page's HTML (200 expected).
async fn drafts_page(c: &Client, path: &str) -> String {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_unit_writes_cause_and_measures_in_a_form() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let (_, list) = office.get("/api/v1/problems").await;
    // A red item waiting for its lead unit's answer (the demo leaves some unanswered).
    let item = list
        .as_array()
        .and_then(|l| l.iter().find(|i| i["awaits_note"] == true).cloned())
        .expect("a red item without cause and measures");
    let (ind, place, lead) = (
        item["indicator"].as_str().unwrap().to_string(),
        item["place"].as_str().unwrap().to_string(),
        item["lead_unit"].as_str().unwrap().to_string(),
    );
    let login = login_of(&s, &lead);
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, &login).await;

    // It waits in the lead unit's 我的任务, with the form's link.
    let (st, my) = b.get("/my").await;
    assert_eq!(st, StatusCode::OK);
    let form_path = format!("/problems/note?indicator={ind}&#38;place={place}");
    assert!(my.contains("红灯待填原因和措施"), "{my}");
    assert!(my.contains(&form_path), "the item on 我的任务: {form_path}");

    let path = format!("/problems/note?indicator={ind}&place={place}");
    let (st, html) = b.get(&path).await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("填写原因和措施") && html.contains("name=\"cause\""));
    let csrf = hidden(&html, "csrf");
    let period = hidden(&html, "period");
    assert!(!period.is_empty(), "the period is prefilled");

    // Invalid: nothing written, a year for a period — shown beside the fields, 422.
    let (st, html) = b
        .post_form(
            "/problems/note",
            &[
                ("csrf", &csrf),
                ("indicator", &ind),
                ("place", &place),
                ("period", "2025"),
                ("cause", " "),
                ("measure", ""),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("未保存"), "{html}");
    assert!(
        html.contains("id=\"period-err\"") && html.contains("季度"),
        "{html}"
    );
    assert!(html.contains("id=\"cause-err\"") && html.contains("原因和措施至少填写一项"));
    assert!(html.contains("aria-invalid=\"true\""));
    let too_long = "长".repeat(youxiang_app::problems::NOTE_MAX_CHARS + 1);
    let (st, html) = b
        .post_form(
            "/problems/note",
            &[
                ("csrf", &csrf),
                ("indicator", &ind),
                ("place", &place),
                ("period", &period),
                ("cause", "原因"),
                ("measure", &too_long),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"measure-err\"") && html.contains("超过上限"));
    // Without the form's token: refused.
    let (st, _) = b
        .post_form(
            "/problems/note",
            &[
                ("indicator", &ind),
                ("place", &place),
                ("period", &period),
                ("cause", "x"),
                ("measure", "y"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Good: saved, back to the list, audited, and no longer waiting.
    let (st, _) = b
        .post_form(
            "/problems/note",
            &[
                ("csrf", &csrf),
                ("indicator", &ind),
                ("place", &place),
                ("period", &period),
                ("cause", "新建机构尚在装修(测试)"),
                ("measure", "每周调度,十月底前投用(测试)"),
                ("back", "/my"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, list) = office
        .get(&format!(
            "/api/v1/problems?lead_unit={}",
            youxiang_web::download::pct(&lead)
        ))
        .await;
    let saved = list
        .as_array()
        .and_then(|l| {
            l.iter()
                .find(|i| i["indicator"] == ind.as_str() && i["place"] == place.as_str())
                .cloned()
        })
        .expect("still listed");
    assert_eq!(saved["cause"], "新建机构尚在装修(测试)");
    assert_eq!(saved["measure"], "每周调度,十月底前投用(测试)");
    assert_eq!(saved["note_by"], login.as_str());
    assert_eq!(saved["awaits_note"], false);
    let (_, my) = b.get("/my").await;
    assert!(!my.contains(&form_path), "answered: off 我的任务");
    let audit = s
        .app
        .audit_query(&youxiang_app::AuditFilter {
            actor: Some(login.clone()),
            action: Some("lag_note.save".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert!(
        audit.iter().any(|a| a
            .new
            .as_deref()
            .is_some_and(|n| n.contains("新建机构尚在装修"))),
        "audited with the new text: {audit:?}"
    );

    // Another unit's indicator: no form, no saving.
    let other = other_department(&s, &lead);
    let mut o = Browser::new(&s.base);
    let csrf = sign_in_form(&mut o, &other).await;
    let (st, html) = o.get(&path).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("牵头单位"), "{html}");
    let (st, _) = o
        .post_form(
            "/problems/note",
            &[
                ("csrf", &csrf),
                ("indicator", &ind),
                ("place", &place),
                ("period", &period),
                ("cause", "x"),
                ("measure", "y"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Nor through the API.
    let api = s.signed_in(&other).await;
    let (st, e) = api
        .post(
            "/api/v1/lag-notes",
            json!({"indicator": ind, "place": place, "period": period, "cause": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_explanation_carries_the_pace_and_the_overview_the_changes() {
    let s = start().await;
    let viewer = s.signed_in("viewer").await;
    let (st, ex) = viewer
        .get(&format!("/api/v1/explain/T02/{DISTRICT}/2025-09"))
        .await;
    assert_eq!(st, StatusCode::OK, "{ex}");
    let pace = &ex["pace"];
    assert!(pace["status"].is_string(), "{pace}");
    let sentence = pace["sentence"].as_str().unwrap_or_default();
    assert!(!sentence.is_empty(), "{pace}");
    if pace["status"] == "required" {
        assert!(
            sentence.starts_with("还需年均") && sentence.contains("方能实现"),
            "{sentence}"
        );
        assert!(pace["per_year"].is_number() && pace["years_left"].is_number());
    }
    let (st, ov) = viewer.get("/api/v1/overview").await;
    assert_eq!(st, StatusCode::OK);
    let rows = ov["headline"].as_array().expect("rows");
    // Monthly figures a year back exist in the demo: some row has 同比 and 环比.
    assert!(
        rows.iter().any(|r| r["pop"]["sentence"]
            .as_str()
            .is_some_and(|t| t.starts_with("环比"))),
        "{ov}"
    );
    assert!(
        rows.iter().any(|r| r["yoy"]["sentence"]
            .as_str()
            .is_some_and(|t| t.starts_with("同比"))),
        "{ov}"
    );
    let html = drafts_page(&viewer, "/indicator/T02").await;
    assert!(
        html.contains(sentence),
        "the page says the pace: {sentence}"
    );
}
