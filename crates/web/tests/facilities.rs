//! Issue 15, point 2: the register of facilities through the API — scoped like figures (a
//! town registers and edits its own, not another's), the status moving forward only, the
//! import all or nothing with each fault named, the history from the audit trail, the page.

use super::*;

fn facility(place: &str, status: &str) -> Value {
    json!({"name": "测试幼儿园", "type": "幼儿园", "place": place, "lon": 122.1, "lat": 30.02,
           "capacity": 180, "status": status, "opened": if status == "planned" { Value::Null } else { json!("2020-09-01") },
           "items": ["DHQ-06"], "source": "测试"})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_keeps_its_own_facilities_and_the_status_moves_forward() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, b) = town
        .put_json("/api/v1/facilities/SS900001", facility(TOWN, "planned"))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (b["version"].as_i64(), b["type"].as_str()),
        (Some(1), Some("kindergarten")),
        "{b}"
    );
    assert_eq!(b["capacity_unit"], "seats", "{b}");
    // Another town's place is out of scope, for a new facility and for moving one there.
    let (st, b) = town
        .put_json(
            "/api/v1/facilities/SS900002",
            facility(OTHER_TOWN, "planned"),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let other = s.signed_in(&format!("town-{OTHER_TOWN}")).await;
    let mut moved = facility(OTHER_TOWN, "planned");
    moved["version"] = json!(1);
    let (st, b) = other.put_json("/api/v1/facilities/SS900001", moved).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    // planned → open; open → planned is refused with the reason.
    let mut open = facility(TOWN, "open");
    open["version"] = json!(1);
    let (st, b) = town.put_json("/api/v1/facilities/SS900001", open).await;
    assert_eq!(
        (st, b["status"].as_str()),
        (StatusCode::OK, Some("open")),
        "{b}"
    );
    let mut back = facility(TOWN, "planned");
    back["version"] = json!(2);
    let (st, b) = town.put_json("/api/v1/facilities/SS900001", back).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("不能改回规划中"), "{b}");
    // A location out of range and an open facility without its day: both named.
    let mut bad = facility(TOWN, "open");
    bad["lat"] = json!(95.0);
    bad["opened"] = Value::Null;
    let (st, b) = town.put_json("/api/v1/facilities/SS900003", bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b.to_string().contains("纬度 95") && b.to_string().contains("启用日期"),
        "{b}"
    );
    // The list filters by type and town; an unknown type or place is 404.
    let (st, b) = town
        .get(&format!(
            "/api/v1/facilities?type=kindergarten&place={TOWN}"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["facilities"][0]["code"], "SS900001", "{b}");
    assert_eq!(b["facilities"][0]["editable"], true, "{b}");
    let (_, b) = other
        .get(&format!("/api/v1/facilities?place={OTHER_TOWN}"))
        .await;
    assert!(!b.to_string().contains("SS900001"), "{b}");
    let (st, _) = town.get("/api/v1/facilities?type=nope").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = town.get("/api/v1/facilities?place=999").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The history is the audit trail's.
    let (st, b) = town.get("/api/v1/facilities/SS900001").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let actions: Vec<&str> = b["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert_eq!(actions, ["facility.add", "facility.edit"], "{b}");
    // A viewer reads but may not write.
    let viewer = s.signed_in("viewer").await;
    let (st, _) = viewer
        .put_json("/api/v1/facilities/SS900009", facility(TOWN, "planned"))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = viewer.get("/facilities").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_all_or_nothing_and_names_each_fault() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let csv = format!(
        "设施编码,设施名称,设施类型,所属地点,经度,纬度,状态,启用日期\n\
         SS910001,甲卫生室,村卫生室,{TOWN},122.1,30.0,运行中,2019-01-01\n\
         SS910002,乙,体育馆,{TOWN},122.1,30.0,运行中,2019-01-01\n"
    );
    let (st, b) = office
        .upload_to("/api/v1/facilities/import", "f.csv", csv.into_bytes())
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(b.to_string().contains("第3行 C列(设施类型)"), "{b}");
    let (_, b) = office.get("/api/v1/facilities").await;
    assert!(!b.to_string().contains("SS910001"), "nothing written: {b}");
    let geo = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [122.1, 30.0]},
         "properties": {"code": "SS910003", "name": "丙幸福食堂", "type": "幸福食堂", "place": TOWN, "status": "open", "opened": "2021-05-01"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [122.1, 30.0]},
         "properties": {"code": "SS910004", "name": "丁", "type": "幸福食堂", "place": OTHER_TOWN, "status": "关闭"}}
    ]});
    let (st, b) = office
        .upload_to(
            "/api/v1/facilities/import",
            "f.geojson",
            geo.to_string().into_bytes(),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert!(
        b.to_string().contains("SS910004") && b.to_string().contains("关闭日期"),
        "{b}"
    );
    let mut good = geo.clone();
    good["features"].as_array_mut().unwrap().pop();
    let (st, b) = office
        .upload_to(
            "/api/v1/facilities/import",
            "f.geojson",
            good.to_string().into_bytes(),
        )
        .await;
    assert_eq!((st, b["added"].as_u64()), (StatusCode::OK, Some(1)), "{b}");
    // A town may not import another town's facility.
    let town = s.signed_in(&format!("town-{OTHER_TOWN}")).await;
    let (st, _) = town
        .upload_to(
            "/api/v1/facilities/import",
            "f.geojson",
            good.to_string().into_bytes(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = office.get("/api/v1/facilities.xlsx").await;
    assert_eq!(st, StatusCode::OK);
}

/// The page opens a town's user on their own town (全部 in the filter shows all) and pages
/// its table by 100, the map keeping every facility of the filter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_opens_on_the_users_town_and_pages_its_table() {
    let s = start().await;
    youxiang_demo::facilities::load_demo_facilities(&s.app)
        .await
        .expect("facilities");
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let page = |c: &Client, path: &str| {
        let req = c.with(c.http.get(format!("{}{path}", c.base)));
        async move {
            let resp = req.send().await.expect("send");
            (resp.status(), resp.text().await.unwrap_or_default())
        }
    };
    let (_, all) = town.get("/api/v1/facilities").await;
    let all = all["facilities"].as_array().unwrap().len();
    let (_, own) = town.get(&format!("/api/v1/facilities?place={TOWN}")).await;
    let own = own["facilities"].as_array().unwrap().len();
    assert!(all > 200 && own < 100, "{all} {own}");
    let (st, text) = page(&town, "/facilities").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        text.contains(&format!("共 {own} 个设施<")),
        "own town first"
    );
    assert!(text.contains(&format!("value=\"{TOWN}\" selected")));
    // 全部: every facility, 100 a page, the next page linked.
    let (_, text) = page(&town, "/facilities?place=").await;
    let pages = all.div_ceil(100);
    assert!(
        text.contains(&format!("共 {all} 个设施,显示第 1–100 个(第 1/{pages} 页)")),
        "paged"
    );
    assert!(text.contains("rel=\"next\""));
    let (_, text) = page(&town, &format!("/facilities?place=&page={pages}")).await;
    let first = (pages - 1) * 100 + 1;
    assert!(
        text.contains(&format!("显示第 {first}–{all} 个(第 {pages}/{pages} 页)")),
        "the last page"
    );
    assert!(text.contains("rel=\"prev\"") && !text.contains("rel=\"next\""));
    // The office sees the district.
    let office = s.signed_in("office").await;
    let (_, text) = page(&office, "/facilities").await;
    assert!(text.contains(&format!("共 {all} 个设施")));
}
