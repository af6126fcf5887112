//! Issue 16, points 3–4: the register of resources (import all or nothing, faults by row
//! and column), the matching from the register, dispatch through the API (issued →
//! accepted → done; refused → matched again without that provider), the place scope (a
//! town cannot see or act on another town's order: 404), the figures K7.3a–c as official
//! values with the source 系统计算, and no unmasked personal data on the new pages.

use super::*;
use youxiang_app::assist::Keyring;
use youxiang_core::assist::register::find_unmasked;

/// The demo server with the demo register and the demo resources and dispatch round.
async fn with_resources() -> Server {
    let s = start().await;
    s.app.set_assist_keys(Keyring::generate().expect("key"));
    youxiang_demo::assist::load_demo_register(&s.app, youxiang_demo::demo_today())
        .await
        .expect("register");
    let (r, v, o) = youxiang_demo::assist_resources::load_demo_resources(&s.app)
        .await
        .expect("resources");
    assert!(r >= 55 && v == 35 && o > 20, "{r} {v} {o}");
    s
}

async fn page(c: &Client, path: &str) -> (StatusCode, String) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    (resp.status(), resp.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_scoped_and_go_through_their_states() {
    let s = with_resources().await;
    let mzj = s.signed_in("mzj").await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;

    // Orders of both towns exist; the town sees its own only.
    let (st, all) = mzj.get("/api/v1/assist/orders").await;
    assert_eq!(st, StatusCode::OK, "{all}");
    let orders = all["orders"].as_array().expect("orders").clone();
    let of = |t: &str| {
        orders
            .iter()
            .filter(|o| o["place"].as_str().unwrap_or_default().starts_with(t))
            .cloned()
            .collect::<Vec<_>>()
    };
    let other = of(OTHER_TOWN);
    let own = of(TOWN);
    assert!(!other.is_empty() && !own.is_empty());
    assert!(
        orders.iter().any(|o| o["overdue"] == true),
        "overdue in demo"
    );
    assert!(orders.iter().any(|o| o["state"] == "refused"));
    assert!(orders.iter().any(|o| o["state"] == "done"));
    assert!(!all["providers"].as_array().expect("providers").is_empty());
    let (_, mine) = town.get("/api/v1/assist/orders").await;
    for o in mine["orders"].as_array().expect("orders") {
        assert!(o["place"].as_str().unwrap_or_default().starts_with(TOWN));
    }
    let other_id = other[0]["id"].as_str().expect("id");
    let (st, _) = town.get(&format!("/api/v1/assist/orders/{other_id}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town
        .post(
            &format!("/api/v1/assist/orders/{other_id}"),
            json!({"action": "accept"}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town.get("/api/v1/assist/orders/O-none").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // A waiting order of the town: accepted, then done with evidence.
    let waiting: Vec<_> = own.iter().filter(|o| o["state"] == "issued").collect();
    assert!(waiting.len() >= 2, "{own:?}");
    let id = waiting[0]["id"].as_str().expect("id");
    let path = format!("/api/v1/assist/orders/{id}");
    let (st, b) = town
        .post(
            &path,
            json!({"action": "done", "date": "2025-10-15", "evidence": "x"}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not yet accepted: {b}"
    );
    let (st, b) = town.post(&path, json!({"action": "accept"})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["order"]["state"], "accepted");
    let (st, b) = town
        .post(
            &path,
            json!({"action": "done", "date": "2025-10-15", "evidence": ""}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "no evidence: {b}");
    let (st, b) = town
        .post(
            &path,
            json!({"action": "done", "date": "2025-10-15", "evidence": "服务记录单已签收"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["order"]["state"], "done");

    // Another: refused with a reason → matched again without that provider (or why not).
    let id = waiting[1]["id"].as_str().expect("id");
    let provider = waiting[1]["resource"]
        .as_str()
        .expect("resource")
        .to_string();
    let (st, b) = town
        .post(
            &format!("/api/v1/assist/orders/{id}"),
            json!({"action": "refuse", "reason": "本月名额已满"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["order"]["state"], "refused");
    if b["reissued"].is_object() {
        assert_ne!(b["reissued"]["resource"], provider.as_str());
        assert_eq!(b["reissued"]["replaces"], id);
    } else {
        assert!(b["unmet"]["reason_zh"].is_string(), "{b}");
    }

    // The audit names the moves in Chinese.
    let office = s.signed_in("office").await;
    let (_, audit) = page(&office, "/audit?limit=1000").await;
    assert!(
        audit.contains("登记拒单") && audit.contains("公益派单"),
        "audit labels"
    );

    // The pages, Chinese first, and masked (households by id only).
    for (who, c) in [("mzj", &mzj), ("town", &town)] {
        for path in [
            "/assist/dispatch".to_string(),
            format!("/assist/dispatch?place={TOWN}"),
            "/assist/resources".to_string(),
            "/api/v1/assist/match".to_string(),
            "/api/v1/assist/resources".to_string(),
            "/api/v1/assist/orders".to_string(),
        ] {
            let (st, body) = page(c, &path).await;
            assert!(st.is_success(), "{who} {path}: {st}");
            assert!(find_unmasked(&body).is_empty(), "{who} {path}");
        }
    }
    let (_, p) = page(&town, "/assist/dispatch").await;
    assert!(p.contains("匹配方案") && p.contains("提供方响应情况") && p.contains("已逾期"));
    let (st, _) = page(&town, "/assist/dispatch?place=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_is_all_or_nothing_and_the_figures_are_official() {
    let s = with_resources().await;
    let mzj = s.signed_in("mzj").await;
    let csv = format!(
        "编号,名称,类型,服务类型,地点,经度,纬度,服务半径(米),容量,频次,服务对象,在用\n\
         RX-1,甲驿站,幸福驿站,助餐,{TOWN},122.1,30.0,3000,5,每月,,是\n\
         RX-2,乙,慈善组织,助医,{TOWN},122.1,30.0,3000,五,每月,低保,是\n\
         RX-3,丙,无此类,助医,{TOWN},122.1,30.0,3000,5,每月,外星人,是\n"
    );
    let (st, b) = mzj
        .upload_to("/api/v1/assist/resources/import", "r.csv", csv.into_bytes())
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let t = b.to_string();
    assert!(
        t.contains("第3行") && t.contains("I列"),
        "capacity row 3: {t}"
    );
    assert!(t.contains("第4行") && t.contains("C列"), "kind row 4: {t}");
    assert!(t.contains("K列"), "categories row 4: {t}");
    let (_, list) = mzj.get("/api/v1/assist/resources").await;
    assert!(!list.to_string().contains("RX-1"), "nothing written");
    // A town cannot see another town's resource.
    let other = list["resources"]
        .as_array()
        .expect("list")
        .iter()
        .find(|r| {
            r["place"]
                .as_str()
                .unwrap_or_default()
                .starts_with(OTHER_TOWN)
        })
        .and_then(|r| r["id"].as_str())
        .expect("a resource of the other town")
        .to_string();
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, _) = town.get(&format!("/api/v1/assist/resources/{other}")).await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // The figures: official, source 系统计算, for 2025 at the district.
    let district = s.app.read().plan.place.clone();
    for k in ["K7.3a", "K7.3b", "K7.3c"] {
        let (st, v) = mzj
            .get(&format!(
                "/api/v1/values?indicator={k}&place={district}&period=2025"
            ))
            .await;
        assert_eq!(st, StatusCode::OK, "{v}");
        let t = v.to_string();
        assert!(t.contains("系统计算") && t.contains("approved"), "{k}: {t}");
    }
    let (_, v) = mzj
        .get(&format!(
            "/api/v1/values?indicator=K7.3a&place={district}&period=2025"
        ))
        .await;
    assert!(v.to_string().contains("12"), "twelve charities: {v}");
    // A good file: written, and K7.3a moves by one.
    let csv = format!(
        "id,name,kind,service,place,lon,lat,radius_m,capacity,frequency,categories,active\n\
         RX-9,新慈善会,charity,助医,{TOWN},122.1,30.0,3000,5,每月,低保、特困,是\n"
    );
    let (st, b) = mzj
        .upload_to("/api/v1/assist/resources/import", "r.csv", csv.into_bytes())
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (_, v) = mzj
        .get(&format!(
            "/api/v1/values?indicator=K7.3a&place={district}&period=2025"
        ))
        .await;
    assert!(v.to_string().contains("13"), "thirteen charities: {v}");
}
