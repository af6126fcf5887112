//! The map (issue 13, point 4): the boundaries and lights endpoints over HTTP, and the map
//! panel on the overview and the indicator page.

use super::*;
use youxiang_app::boundaries::ImportOptions;

fn square(code: &str, x: f64) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": "文件里的名称"},
        "geometry": {"type": "Polygon", "coordinates":
            [[[x, 30.0], [x + 0.01, 30.0], [x + 0.01, 30.01], [x, 30.01], [x, 30.0]]]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundaries_and_lights_for_the_map() {
    let s = start().await;
    let (st, _) = s.anon().get("/api/v1/boundaries").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let viewer = s.signed_in("viewer").await;

    // Nothing imported: an empty collection naming every town as missing.
    let (st, b) = viewer.get("/api/v1/boundaries").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["type"], "FeatureCollection");
    assert_eq!(b["parent"], DISTRICT);
    assert_eq!(b["features"].as_array().map(Vec::len), Some(0));
    assert_eq!(b["missing"].as_array().map(Vec::len), Some(13));

    let file = json!({"type": "FeatureCollection",
        "features": [square(TOWN, 122.1), square(OTHER_TOWN, 122.2)]});
    let options = ImportOptions {
        source: "测试边界".into(),
        licence: "CC BY 4.0".into(),
        approximate: true,
    };
    s.app
        .import_boundaries("test", file.to_string().as_bytes(), &options)
        .await
        .expect("import");
    let (st, b) = viewer
        .get(&format!("/api/v1/boundaries?parent={DISTRICT}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let features = b["features"].as_array().expect("features");
    assert_eq!(features.len(), 2);
    assert_eq!(features[0]["type"], "Feature");
    assert_eq!(features[0]["id"], TOWN);
    assert_eq!(features[0]["properties"]["code"], TOWN);
    assert_eq!(
        features[0]["properties"]["name"], "昌国街道",
        "the places table names the place"
    );
    assert_eq!(features[0]["properties"]["approximate"], true);
    let cp = &features[0]["properties"]["cp"];
    let near = |v: &Value, want: f64| v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9);
    assert!(
        near(&cp[0], 122.105) && near(&cp[1], 30.005),
        "the name sits mid-square: {cp}"
    );
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
    assert_eq!(
        features[0]["geometry"]["coordinates"][0][0][0],
        json!([122.1, 30.0])
    );
    assert_eq!(
        b["sources"],
        json!([{"source": "测试边界", "licence": "CC BY 4.0", "approximate": true, "places": 2}])
    );
    assert_eq!(b["missing"].as_array().map(Vec::len), Some(11));
    // Below a town: its villages, none drawn.
    let (st, b) = viewer
        .get(&format!("/api/v1/boundaries?parent={TOWN}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(b["features"].as_array().map(Vec::len), Some(0));
    assert!(b["missing"].as_array().is_some_and(|m| !m.is_empty()));
    let (st, b) = viewer.get("/api/v1/boundaries?parent=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");

    // The lights: by the count of lagging headline items, or by one indicator.
    let (st, b) = viewer.get("/api/v1/map").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let places = b["places"].as_array().expect("places");
    assert_eq!(places.len(), 13);
    assert!(b["indicator"].is_null());
    for p in places {
        let red = p["red"].as_u64().expect("red");
        let light = p["light"].as_str().expect("light");
        assert!(["green", "yellow", "red", "grey"].contains(&light), "{p}");
        assert_eq!(red > 0, light == "red", "{p}");
        assert!(p["has_children"].as_bool().expect("has_children"));
        if light != "grey" {
            assert_eq!(p["label"], format!("滞后 {red} 项"));
        }
    }
    let (st, b) = viewer.get("/api/v1/map?indicator=T08&period=2025-06").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["indicator"], "T08");
    assert_eq!(b["period"], "2025-06");
    assert_eq!(b["year"], 2025);
    let town = &b["places"].as_array().expect("places")[0];
    assert_eq!(town["code"], TOWN);
    let words = ["● 达标", "▲ 预警", "■ 滞后", "○ 无数据"];
    assert!(
        words
            .iter()
            .any(|w| town["label"].as_str().is_some_and(|l| l.ends_with(w))),
        "{town}"
    );
    let (st, b) = viewer
        .get(&format!("/api/v1/map?parent={TOWN}&indicator=T08"))
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert!(
        b["places"]
            .as_array()
            .is_some_and(|v| !v.is_empty() && v.iter().all(|p| p["has_children"] == false))
    );
    for (path, want) in [
        ("/api/v1/map?indicator=NOPE", StatusCode::NOT_FOUND),
        ("/api/v1/map?parent=nowhere", StatusCode::NOT_FOUND),
        ("/api/v1/map?year=1999", StatusCode::NOT_FOUND),
        (
            "/api/v1/map?period=2025-13",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (st, b) = viewer.get(path).await;
        assert_eq!(st, want, "{path}: {b}");
    }

    // The pages embed the panel and its script; the script and style are served.
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "viewer").await;
    let (st, html) = b.get("/overview").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("data-map=\""), "overview has the map");
    assert!(html.contains("<script src=\"/static/map.js\" defer></script>"));
    assert!(
        html.contains("滞后项数"),
        "the overview colours by the count first"
    );
    assert!(
        html.contains("<option value=\"T08\">"),
        "or by a headline indicator"
    );
    let (st, html) = b.get("/indicator/T08").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("data-map=\""), "indicator page has the map");
    let unescaped = html.replace("&#34;", "\"").replace("&quot;", "\"");
    assert!(
        unescaped.contains("\"indicator\":\"T08\""),
        "coloured by T08"
    );
    let (st, html) = b.get(&format!("/place/{TOWN}001")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        !html.contains("data-map=\""),
        "a village has nothing below to map"
    );
    for (path, kind) in [
        ("/static/map.js", "text/javascript"),
        ("/static/map.css", "text/css"),
    ] {
        let resp = reqwest::get(format!("{}{path}", s.base))
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some(kind)
        );
    }
}
