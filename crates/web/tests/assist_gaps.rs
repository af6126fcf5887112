//! Issue 16, the gaps closed after the first round: medical costs recorded one by one (the
//! note sealed as health data, masked unless revealed, feeding 大额医疗支出); a resource
//! changed and a 公益创投项目 added (a town its own only); a done order's evidence files
//! (photos and PDF only, size-limited, kept with the order, scoped); a town's matching
//! using only the resources it may see (its own and the district's, never another town's);
//! a done order delivered on the household's 幸福清单. Every write: another town's id 404,
//! a viewer 403, a bad value 422 naming the field.

use super::assist_care::{form, page, with_register};
use super::*;
use youxiang_core::assist::register::find_unmasked;
async fn with_resources() -> Server {
    let s = with_register().await;
    youxiang_demo::assist_resources::load_demo_resources(&s.app)
        .await
        .expect("resources");
    s
}

async fn send(c: &Client, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = c.with(rb).send().await.expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    send(c, c.http.put(format!("{}{path}", c.base)).json(&body)).await
}

/// A body that is not JSON at all.
async fn not_json(c: &Client, method: reqwest::Method, path: &str) -> StatusCode {
    send(
        c,
        c.http
            .request(method, format!("{}{path}", c.base))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await
    .0
}

/// A multipart done form with files (name, bytes).
async fn done_with(
    c: &Client,
    id: &str,
    date: &str,
    evidence: &str,
    files: &[(&str, Vec<u8>)],
) -> (StatusCode, Value) {
    let mut f = reqwest::multipart::Form::new()
        .text("date", date.to_string())
        .text("evidence", evidence.to_string());
    for (name, bytes) in files {
        f = f.part(
            "file",
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    send(
        c,
        c.http
            .post(format!("{}/api/v1/assist/orders/{id}/done", c.base))
            .multipart(f),
    )
    .await
}

/// The first active household of `town` with the API's id.
async fn household_of(c: &Client, town: &str) -> String {
    let (st, list) = c
        .get(&format!(
            "/api/v1/assist/households?place={town}&status=active"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    list["households"][0]["id"]
        .as_str()
        .expect("a household")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn medical_costs_are_sealed_scoped_and_raise_the_flag() {
    let s = with_register().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let mzj = s.signed_in("mzj").await;
    let viewer = s.signed_in("viewer").await;
    let own = household_of(&town, TOWN).await;
    let other = household_of(&mzj, OTHER_TOWN).await;
    let path = format!("/api/v1/assist/households/{own}/medical");
    let note = "肺部感染住院十二天";

    // Bad values: every field named; nothing written.
    let (st, b) = town
        .post(
            &path,
            json!({"amount": -5, "date": "2099-01-01", "note": "x"}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let t = b.to_string();
    assert!(t.contains("amount") && t.contains("date"), "{t}");
    let (st, b) = town
        .post(&path, json!({"amount": 100, "date": "yesterday"}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("date"), "{b}");
    assert_eq!(
        not_json(&town, reqwest::Method::POST, &path).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Another town's household: not found; a viewer: forbidden.
    let (st, _) = town
        .post(
            &format!("/api/v1/assist/households/{other}/medical"),
            json!({"amount": 100, "date": "2025-09-01"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town
        .get(&format!("/api/v1/assist/households/{other}/medical"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = viewer
        .post(&path, json!({"amount": 100, "date": "2025-09-01"}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Two costs, the twelve months' sum above 20,000 元: the flag is raised.
    let (st, b) = town
        .post(
            &path,
            json!({"amount": 12000.5, "date": "2025-06-01", "note": note}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = town
        .post(&path, json!({"amount": 9000, "date": "2025-09-20"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["costs"].as_array().expect("costs").len(), 2, "{b}");
    assert_eq!(b["twelve_months"], 21000.5);
    assert_eq!(b["costs"][1]["note"], "***", "masked: {b}");
    assert!(!b.to_string().contains(note));
    let flags = s
        .app
        .assist_flags(
            &format!("town-{TOWN}"),
            &youxiang_app::assist::warnings::FlagFilter {
                household: Some(own.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("flags");
    assert!(
        flags
            .iter()
            .any(|f| f.flag.kind == youxiang_core::assist::warnings::FlagKind::Medical),
        "大额医疗支出 raised: {flags:?}"
    );

    // The page: masked; whole after a reveal; the form's faults name the field.
    let hp = format!("/assist/{own}");
    let (st, p) = page(&town, &hp).await;
    assert_eq!(st, StatusCode::OK);
    assert!(p.contains("医疗支出") && p.contains("***") && !p.contains(note));
    assert!(
        p.contains("21,000.50元") || p.contains("21,000.5"),
        "sum shown"
    );
    let (st, p) = form(
        &town,
        &format!("{hp}/reveal"),
        &[("reason", "入户核查需要联系户主")],
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(p.contains(note), "revealed whole");
    let (st, p) = form(
        &town,
        &format!("{hp}/medical"),
        &[("amount", "一千"), ("date", "2025-09-01")],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("金额"), "field named");
    let (st, _) = form(
        &town,
        &format!("{hp}/medical"),
        &[("amount", "300"), ("date", "2025-10-01"), ("note", "门诊")],
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, b) = town.get(&path).await;
    assert_eq!(b["costs"].as_array().expect("costs").len(), 3);

    // The note never reaches the audit trail whole; the action has its Chinese label.
    let office = s.signed_in("office").await;
    let (_, audit) = page(&office, "/audit?limit=1000").await;
    assert!(!audit.contains(note), "note sealed in the audit");
    assert!(audit.contains("登记收入与医疗支出"));
    assert!(find_unmasked(&audit).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_changes_its_own_resources_and_adds_projects() {
    let s = with_resources().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let mzj = s.signed_in("mzj").await;
    let viewer = s.signed_in("viewer").await;
    let (_, all) = mzj.get("/api/v1/assist/resources").await;
    let find = |t: &str| {
        all["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| {
                r["place"].as_str().unwrap_or_default().starts_with(t) && r["kind"] != "department"
            })
            .cloned()
            .expect("a resource")
    };
    let own = find(TOWN);
    let other = find(OTHER_TOWN);
    let own_path = format!("/api/v1/assist/resources/{}", own["id"].as_str().unwrap());
    let other_path = format!("/api/v1/assist/resources/{}", other["id"].as_str().unwrap());

    let mut changed = own.clone();
    changed["capacity"] = json!(42);
    let (st, b) = put(&town, &other_path, other.clone()).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "another town's: {b}");
    let (st, _) = put(&viewer, &own_path, changed.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(
        not_json(&town, reqwest::Method::PUT, &own_path).await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut bad = changed.clone();
    bad["radius_m"] = json!(-3);
    let (st, b) = put(&town, &own_path, bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("服务半径"), "{b}");
    let mut moved = changed.clone();
    moved["place"] = json!(OTHER_TOWN);
    let (st, _) = put(&town, &own_path, moved).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "moved out of its places");
    let (st, b) = put(&town, &own_path, changed.clone()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["capacity"], 42);
    let (st, _) = put(&town, &own_path, changed).await;
    assert_eq!(st, StatusCode::CONFLICT, "stale version");

    // The page's edit form: own filled in, another town's not found.
    let (st, p) = page(
        &town,
        &format!("/assist/resources?edit={}", own["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        p.contains("修改帮扶资源") && p.contains("value=\"42\""),
        "filled"
    );
    let (st, _) = page(
        &town,
        &format!("/assist/resources?edit={}", other["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // 公益创投项目: added by API and by the page form, own places only.
    let v = |id: &str, place: &str, year: i32| json!({"id": id, "name": "助老公益创投", "organisation": "测试基金会", "place": place, "year": year, "status": "running"});
    let (st, b) = town
        .post("/api/v1/assist/ventures", v("VX-1", TOWN, 1990))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("立项年份"), "{b}");
    let (st, _) = town
        .post("/api/v1/assist/ventures", v("VX-1", OTHER_TOWN, 2025))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = viewer
        .post("/api/v1/assist/ventures", v("VX-1", TOWN, 2025))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let mut edit_other = v("V-2022-01", TOWN, 2022);
    edit_other["version"] = json!(1);
    let (st, _) = town.post("/api/v1/assist/ventures", edit_other).await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "the district's project is not the town's"
    );
    let (st, b) = town
        .post("/api/v1/assist/ventures", v("VX-1", TOWN, 2025))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, p) = form(
        &town,
        "/assist/resources/ventures",
        &[
            ("id", "VX-2"),
            ("name", "邻里互助"),
            ("organisation", "社工站"),
            ("place", TOWN),
            ("year", "二〇二五"),
            ("status", "running"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.contains("立项年份"));
    let (st, _) = form(
        &town,
        "/assist/resources/ventures",
        &[
            ("id", "VX-2"),
            ("name", "邻里互助"),
            ("organisation", "社工站"),
            ("place", TOWN),
            ("year", "2025"),
            ("status", "running"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (_, list) = town.get("/api/v1/assist/resources").await;
    let t = list["ventures"].to_string();
    assert!(t.contains("VX-1") && t.contains("VX-2"), "{t}");
    let office = s.signed_in("office").await;
    let (_, audit) = page(&office, "/audit?limit=1000").await;
    assert!(audit.contains("修改帮扶资源") && audit.contains("登记公益创投项目"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_orders_carry_evidence_files_and_reach_the_happiness_list() {
    let s = with_resources().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let other_town = s.signed_in(&format!("town-{OTHER_TOWN}")).await;
    let viewer = s.signed_in("viewer").await;
    let (_, mine) = town.get("/api/v1/assist/orders?state=issued").await;
    let order = mine["orders"][0].clone();
    let id = order["id"].as_str().expect("an issued order").to_string();
    let household = order["household"].as_str().expect("household").to_string();
    let (st, b) = town
        .post(
            &format!("/api/v1/assist/orders/{id}"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    // The household's list of the quarter exists before the order is done.
    s.app
        .generate_assist_lists("mzj", "2025Q4")
        .await
        .expect("generate");

    let png = [
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..],
        &[7u8; 64][..],
    ]
    .concat();
    let pdf = b"%PDF-1.4\n%demo\n".to_vec();
    let exe = b"MZ\x90\x00 not a photo".to_vec();
    let big = [&[0xFF, 0xD8, 0xFF][..], &vec![0u8; 6 * 1024 * 1024][..]].concat();
    let today = s.app.today().to_string();

    // Not a photo or PDF, too big: every file named, nothing written.
    let (st, b) = done_with(
        &town,
        &id,
        &today,
        "已上门送餐",
        &[("a.exe", exe), ("大.jpg", big)],
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let t = b.to_string();
    assert!(t.contains("a.exe") && t.contains("不是照片或PDF"), "{t}");
    assert!(t.contains("大.jpg") && t.contains("5 MB"), "{t}");
    let (_, o) = town.get(&format!("/api/v1/assist/orders/{id}")).await;
    assert_eq!(o["state"], "accepted", "nothing written");
    // Bad date named; another town's order 404; a viewer 403.
    let (st, b) = done_with(&town, &id, "2025-13-40", "x", &[]).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(b.to_string().contains("date"), "{b}");
    let (st, _) = done_with(&other_town, &id, &today, "x", &[("p.png", png.clone())]).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = done_with(&viewer, &id, &today, "x", &[("p.png", png.clone())]).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    let (st, b) = done_with(
        &town,
        &id,
        &today,
        "已上门送餐,服务单已签收",
        &[("服务单.png", png.clone()), ("签收.pdf", pdf)],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["order"]["state"], "done");
    let files = b["order"]["files"].as_array().expect("files").clone();
    assert_eq!(files.len(), 2, "{b}");
    let sha = files[0]["sha256"].as_str().expect("sha").to_string();
    let file_path = format!("/api/v1/assist/orders/{id}/files/{sha}");
    let resp = town
        .with(town.http.get(format!("{}{file_path}", town.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap_or_default(),
        "image/png"
    );
    assert_eq!(resp.bytes().await.expect("bytes").to_vec(), png);
    let (st, _) = other_town.get(&file_path).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town
        .get(&format!(
            "/api/v1/assist/orders/{id}/files/{}",
            "0".repeat(64)
        ))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (_, p) = page(&town, "/assist/dispatch").await;
    assert!(p.contains("证明材料:服务单.png"), "linked on the page");

    // Delivered on the household's 幸福清单 of the quarter, once, also after generating again.
    let receipts = |lists: Vec<youxiang_app::assist::happiness::ListEntry>| {
        lists
            .into_iter()
            .find(|l| l.list.household == household)
            .expect("the household's list")
            .list
            .receipts
            .into_iter()
            .filter(|r| r.by == format!("派单{id}"))
            .count()
    };
    let lists = s
        .app
        .assist_lists("mzj", Some("2025Q4"), None)
        .await
        .expect("lists");
    assert_eq!(receipts(lists), 1, "the done order is a receipt");
    s.app
        .generate_assist_lists("mzj", "2025Q4")
        .await
        .expect("generate again");
    let lists = s
        .app
        .assist_lists("mzj", Some("2025Q4"), None)
        .await
        .expect("lists");
    assert_eq!(receipts(lists), 1, "idempotent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_towns_matching_uses_only_the_resources_it_may_see() {
    let s = with_resources().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let mzj = s.signed_in("mzj").await;
    let (st, m) = town.get("/api/v1/assist/match").await;
    assert_eq!(st, StatusCode::OK, "{m}");
    // Every resource the town's proposal names is one the town can open.
    for p in m["pairs"].as_array().expect("pairs") {
        let r = p["resource"].as_str().expect("resource");
        let (st, _) = town.get(&format!("/api/v1/assist/resources/{r}")).await;
        assert_eq!(st, StatusCode::OK, "{r} named but not visible");
    }
    // A need of the town, and a resource of another town standing at its door.
    let pair = m["pairs"][0].clone();
    let need = pair["need"].as_str().expect("need").to_string();
    let service = pair["service"].as_str().expect("service").to_string();
    let household = pair["household"].as_str().expect("household").to_string();
    let (_, h) = town
        .get(&format!("/api/v1/assist/households/{household}"))
        .await;
    let (lon, lat) = (
        h["household"]["lon"].as_f64().expect("lon"),
        h["household"]["lat"].as_f64().expect("lat"),
    );
    let res = |id: &str, place: &str| {
        json!({"id": id, "name": format!("测试{id}"), "kind": "charity", "service": service,
               "place": place, "lon": lon, "lat": lat, "radius_m": 50000, "capacity": 500,
               "frequency": "每月", "categories": [], "active": true})
    };
    let (st, b) = mzj
        .post("/api/v1/assist/resources", res("RX-OT", OTHER_TOWN))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let uses = |m: &Value, r: &str| {
        m["pairs"]
            .as_array()
            .expect("pairs")
            .iter()
            .any(|p| p["need"] == need.as_str() && p["resource"] == r)
    };
    let (_, whole) = mzj.get("/api/v1/assist/match").await;
    assert!(
        uses(&whole, "RX-OT"),
        "the district's optimum takes the nearest"
    );
    let (_, m) = town.get("/api/v1/assist/match").await;
    assert!(
        !m.to_string().contains("RX-OT"),
        "another town's resource is not the town's to use"
    );
    // A district-level resource: seen by the town, used by its matching, not changed by it.
    let (st, b) = mzj
        .post("/api/v1/assist/resources", res("RX-D", DISTRICT))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, m) = town.get("/api/v1/assist/match").await;
    assert!(uses(&m, "RX-D"), "{m}");
    let (st, r) = town.get("/api/v1/assist/resources/RX-D").await;
    assert_eq!(st, StatusCode::OK);
    let mut r = r.clone();
    r["capacity"] = json!(1);
    let (st, _) = put(&town, "/api/v1/assist/resources/RX-D", r).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Issued by the town, the order goes to the district's resource, never RX-OT.
    let (st, b) = town
        .post("/api/v1/assist/orders", json!({"needs": [need]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(!b.to_string().contains("RX-OT"), "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_change_carries_its_review_due_date() {
    let s = with_register().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let viewer = s.signed_in("viewer").await;
    let (_, list) = town
        .get(&format!(
            "/api/v1/assist/households?place={TOWN}&status=applying"
        ))
        .await;
    let h = list["households"][0].clone();
    let id = h["id"].as_str().expect("an applying household").to_string();
    let path = format!("/api/v1/assist/households/{id}");
    let mut body = h.clone();
    body["status"] = json!("active");
    body["reason"] = json!("审批纳入");
    body["review_due"] = json!("2020-01-01");
    let (st, b) = put(&town, &path, body.clone()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("review_due"), "{b}");
    body["review_due"] = json!("明年");
    let (st, b) = put(&town, &path, body.clone()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("review_due"), "{b}");
    body["review_due"] = json!("2026-04-30");
    let (st, _) = put(&viewer, &path, body.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, b) = put(&town, &path, body).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let last = b["history"].as_array().expect("history").last().cloned();
    assert_eq!(last.expect("a change")["review_due"], "2026-04-30");
    let (_, p) = page(&town, &format!("/assist/{id}")).await;
    assert!(
        p.contains("复核到期日") && p.contains("2026-04-30"),
        "shown"
    );

    // By the page's form, without a date: 12 months on by default.
    let (_, list) = town
        .get(&format!(
            "/api/v1/assist/households?place={TOWN}&status=suspended"
        ))
        .await;
    if let Some(h) = list["households"].as_array().and_then(|l| l.first()) {
        let id = h["id"].as_str().expect("id");
        let version = h["version"].as_i64().expect("version").to_string();
        let (st, p) = form(
            &town,
            &format!("/assist/{id}/status"),
            &[
                ("status", "active"),
                ("version", &version),
                ("reason", "恢复发放"),
                ("review_due", "2025-13-01"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.contains("复核到期日"));
        let (st, _) = form(
            &town,
            &format!("/assist/{id}/status"),
            &[
                ("status", "active"),
                ("version", &version),
                ("reason", "恢复发放"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        let (_, b) = town.get(&format!("/api/v1/assist/households/{id}")).await;
        let today = s.app.today();
        let due = today
            .checked_add_months(chrono::Months::new(12))
            .expect("date")
            .to_string();
        let last = b["household"]["history"]
            .as_array()
            .expect("history")
            .last()
            .cloned();
        assert_eq!(last.expect("a change")["review_due"], due.as_str());
    }
}
