//! The 15-minute circle inside the platform (issue 15 points 4–6): the Porto Alegre demo's
//! per-place coverage equals the access engine's `youxiang access coverage` on the same
//! files; the circle is recomputed (and its indicator rewritten) after a change of the
//! register; a network load refuses what is not a walking network, keeping nothing.

use std::path::Path;

use youxiang_access::input::{read_facilities, read_origins_csv};
use youxiang_access::{Engine, FacilityCsvOptions, OsmOptions, Profile, read_pbf};
use youxiang_app::App;
use youxiang_app::circle::{Basis, CIRCLE_MINUTES, circle_settings};
use youxiang_core::facilities::FacilityStatus;
use youxiang_core::period::Period;
use youxiang_demo::porto_alegre::{HEXGRID_FILE, PBF_FILE, POA_ROOT, load_poa};

async fn poa(dir: &Path, scratch: &Path) -> App {
    let url = format!("sqlite://{}", scratch.join("poa.db").display());
    load_poa(&url, dir, "test")
        .await
        .expect("the Porto Alegre demo loads")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn porto_alegre_coverage_equals_the_access_engine_on_the_same_files() {
    let Some(dir) = youxiang_testkit::shared("data/osm/porto-alegre") else {
        return;
    };
    let scratch = youxiang_testkit::scratch_dir("circlepoa");
    let app = poa(&dir, scratch.path()).await;
    let circle = app.circle("office").await.expect("circle");
    assert!(
        matches!(circle.basis, Basis::Network { .. }),
        "{:?}",
        circle.basis
    );
    assert!(circle.credit.contains("OpenStreetMap"));

    // What `youxiang access coverage --pbf poa_osm.pbf --origins poa_hexgrid.csv
    // --facilities poa_hexgrid.csv --facility-columns schools,healthcare` computes.
    let net = read_pbf(&dir.join(PBF_FILE), &OsmOptions::default()).expect("pbf");
    let (origins, _) = read_origins_csv(&dir.join(HEXGRID_FILE)).expect("origins");
    let (facilities, _) = read_facilities(
        &dir.join(HEXGRID_FILE),
        &FacilityCsvOptions {
            count_columns: Some(vec!["schools".into(), "healthcare".into()]),
        },
    )
    .expect("facilities");
    let engine = Engine::with_network(&net.network, circle_settings()).expect("engine");
    let types = vec!["schools".to_string(), "healthcare".to_string()];
    let report = engine
        .coverage(
            &origins,
            &facilities,
            &Profile::circle(CIRCLE_MINUTES, &types),
            &|_, _| {},
        )
        .expect("coverage");
    let k_school = circle
        .types
        .iter()
        .position(|t| t.code == "primary_school")
        .unwrap();
    let k_health = circle
        .types
        .iter()
        .position(|t| t.code == "health_station")
        .unwrap();
    let mut compared = 0;
    let (mut pop, mut basket) = (0.0, 0.0);
    for o in report.origins.iter().filter(|o| o.population > 0.0) {
        let p = circle.place(&o.id).expect("a village per populated cell");
        let covered = |k: usize| o.types[k].covered;
        let share = |b: bool| Some(if b { 1.0 } else { 0.0 });
        assert_eq!(p.shares[k_school], share(covered(0)), "schools at {}", o.id);
        assert_eq!(
            p.shares[k_health],
            share(covered(1)),
            "healthcare at {}",
            o.id
        );
        assert_eq!(
            p.basket_share,
            share(o.basket_covered),
            "basket at {}",
            o.id
        );
        pop += o.population;
        if o.basket_covered {
            basket += o.population;
        }
        compared += 1;
    }
    assert!(compared > 1000, "{compared} cells compared");
    let root = circle.place(POA_ROOT).expect("root");
    assert!((root.population - pop).abs() < 1e-6);
    let want = basket / pop;
    assert!((root.basket_share.unwrap() - want).abs() < 1e-9);
    assert_eq!(
        report.basket_share.map(|s| (s * 1e9).round()),
        Some((want * 1e9).round())
    );

    // The computed indicator: C01 at the root is the basket's coverage in per cent.
    let year = chrono::Datelike::year(&app.today());
    let v = app
        .values(&youxiang_app::ValueFilter {
            indicator: Some("C01".into()),
            place: Some(POA_ROOT.into()),
            ..Default::default()
        })
        .await
        .expect("values");
    let v = v
        .iter()
        .find(|o| o.key.period == Period::year_of(year).unwrap())
        .expect("C01 written");
    assert_eq!(v.value, (want * 1000.0).round() / 10.0);
    assert_eq!(v.source, "系统计算");

    // After a change of the register the circle is recomputed: closing every school of the
    // best-served cell uncovers somebody.
    let before = app.circle("office").await.unwrap();
    let school = app
        .facilities_as_stored()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.facility.code.starts_with('S'))
        .expect("a school");
    let mut closed = school.facility.clone();
    closed.status = FacilityStatus::Closed;
    closed.closed = Some(app.today());
    let t = std::time::Instant::now();
    app.save_facility("office", closed, Some(school.version))
        .await
        .expect("closed");
    let took = t.elapsed();
    let after = app.circle("office").await.unwrap();
    assert_eq!(after.inputs.facilities + 1, before.inputs.facilities);
    // Recomputed from the changed register: one school fewer counted, never more covered.
    assert_eq!(
        after.types[k_school].facilities + 1,
        before.types[k_school].facilities
    );
    assert!(after.types[k_school].covered_population <= before.types[k_school].covered_population);
    eprintln!("save + recompute after one facility change: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_load_refuses_what_is_not_a_walking_network() {
    let Some(dir) = youxiang_testkit::shared("data/osm/porto-alegre") else {
        return;
    };
    let scratch = youxiang_testkit::scratch_dir("circleload");
    let url = format!("sqlite://{}", scratch.path().join("n.db").display());
    // A fresh database of the Porto Alegre places and plan, without the network.
    let plan = youxiang_plantext::planfile::load(youxiang_demo::porto_alegre::POA_PLAN).unwrap();
    let grid = std::fs::read_to_string(dir.join(HEXGRID_FILE)).unwrap();
    let cells = youxiang_demo::porto_alegre::read_hexgrid(&grid).unwrap();
    let app = App::init(
        &url,
        &plan,
        youxiang_demo::porto_alegre::poa_places(&cells),
        "test",
    )
    .await
    .unwrap();
    for (bytes, file, says) in [
        (b"not a pbf at all".to_vec(), "x.osm.pbf", "无法读取"),
        (Vec::new(), "empty.pbf", "路网文件"),
    ] {
        let e = app
            .load_walk_network("admin", bytes, file, None)
            .await
            .expect_err("refused");
        assert!(e.to_string().contains(says), "{e}");
    }
    assert!(app.walk_network().await.unwrap().is_none(), "nothing kept");
    // Without a network the circle is the straight-line estimate, labelled so.
    let c = app.circle("admin").await.unwrap();
    assert!(c.basis.is_estimate());
    assert!(c.basis.label_zh().contains("直线估算"));
    // The real file loads, is kept with its source and day, and survives a reopening.
    let pbf = std::fs::read(dir.join(PBF_FILE)).unwrap();
    let n = app
        .load_walk_network("admin", pbf, PBF_FILE, Some("POA"))
        .await
        .unwrap();
    assert_eq!(n.name, "POA");
    assert!(n.edges > 10_000);
    drop(app);
    let app = App::open(&url).await.unwrap();
    assert_eq!(app.walk_network().await.unwrap().unwrap().sha256, n.sha256);
    assert!(matches!(
        app.circle("admin").await.unwrap().basis,
        Basis::Network { .. }
    ));
}
