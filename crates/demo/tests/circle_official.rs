//! The circle's computed figures are official (issue 15): the Porto Alegre demo's C01 is
//! written approved with the source 系统计算 in one store transaction (one `value.compute`
//! audit row per change, the chain and its replay still verify), enters the official
//! figures at once and is replaced — still approved — after a change of the register. And
//! the imported population grid: refused whole with row-exact faults, else kept with its
//! source and used as the circle's residents.

use youxiang_app::circle::CircleConfig;
use youxiang_app::{App, AuditFilter, ValueFilter};
use youxiang_core::facilities::FacilityStatus;
use youxiang_core::period::Period;
use youxiang_core::value::{Component, ValueKey, ValueState};
use youxiang_demo::porto_alegre::{HEXGRID_FILE, POA_ROOT, load_poa};

fn c01_key(app: &App) -> ValueKey {
    let year = chrono::Datelike::year(&app.today());
    ValueKey {
        indicator: "C01".into(),
        place: POA_ROOT.into(),
        period: Period::year_of(year).unwrap(),
        component: Component::Value,
    }
}

async fn c01(app: &App) -> youxiang_core::value::Observation {
    let year = chrono::Datelike::year(&app.today());
    c01_at(app, POA_ROOT, year).await.expect("C01 at the root")
}

/// C01's yearly figure at `place` for `year`, if written.
async fn c01_at(app: &App, place: &str, year: i32) -> Option<youxiang_core::value::Observation> {
    let period = Period::year_of(year).unwrap();
    app.values(&ValueFilter {
        indicator: Some("C01".into()),
        place: Some(place.into()),
        ..Default::default()
    })
    .await
    .unwrap()
    .into_iter()
    .find(|o| o.key.period == period && o.key.component == Component::Value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circles_indicator_is_official_and_follows_the_register() {
    let Some(dir) = youxiang_testkit::shared("data/osm/porto-alegre") else {
        return;
    };
    let scratch = youxiang_testkit::scratch_dir("circleofficial");
    let url = format!("sqlite://{}", scratch.path().join("poa.db").display());
    let app = load_poa(&url, &dir, "test").await.expect("demo");
    let key = c01_key(&app);
    let v = c01(&app).await;
    assert_eq!(v.state, ValueState::Approved, "official at once");
    assert_eq!(v.source, "系统计算");
    assert_eq!(v.reporter, "system");
    assert_eq!(
        app.read().official.own_value(&key),
        Some(v.value),
        "in the official engine"
    );
    // One audit row per change, of its own action; nothing submitted or approved by hand.
    let rows = app
        .audit_query(&AuditFilter {
            indicator: Some("C01".into()),
            place: Some(POA_ROOT.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r.action == "value.compute"),
        "{:?}",
        rows.iter().map(|r| &r.action).collect::<Vec<_>>()
    );

    // Closing the register's schools changes the basket: the figure is replaced,
    // approved, in the official engine.
    let closed: Vec<_> = app
        .facilities_as_stored()
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.facility.code.starts_with('S'))
        .map(|s| {
            let mut f = s.facility;
            f.status = FacilityStatus::Closed;
            f.closed = Some(app.today());
            f
        })
        .collect();
    assert!(!closed.is_empty());
    app.import_facilities("office", closed).await.unwrap();
    let after = c01(&app).await;
    assert_eq!(after.state, ValueState::Approved);
    assert_eq!(after.source, "系统计算");
    assert_ne!(after.value, v.value, "recomputed from the changed register");
    assert_eq!(app.read().official.own_value(&key), Some(after.value));
    let verify = app.audit_verify().await.unwrap();
    assert!(verify.ok, "{:?}", verify.problems);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_population_grid_is_checked_whole_kept_and_used_by_the_circle() {
    let Some(dir) = youxiang_testkit::shared("data/osm/porto-alegre") else {
        return;
    };
    let scratch = youxiang_testkit::scratch_dir("circlegrid");
    let url = format!("sqlite://{}", scratch.path().join("g.db").display());
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
    app.set_circle_config("admin", CircleConfig::default())
        .await
        .unwrap();
    let before = app.circle("admin").await.unwrap();
    assert!(before.inputs.grid_zh.is_none());

    // A faulty file: every fault with its line, nothing kept.
    let bad = "lon,lat,population\n-51.2,-30.0,100\n-51.2,abc,5\n-51.2,-30.0,-3\n";
    let e = app
        .load_population_grid("admin", bad.into(), "g.csv", None, "测试", None)
        .await
        .expect_err("refused");
    let text = e.to_string();
    assert!(
        text.contains("第 3 行") && text.contains("第 4 行"),
        "{text}"
    );
    assert!(
        app.population_grid().await.unwrap().is_none(),
        "nothing kept"
    );
    // Without a source: refused.
    let good: String = std::iter::once("lon,lat,population".to_string())
        .chain(
            cells
                .iter()
                .take(50)
                .map(|c| format!("{},{},{}", c.lon, c.lat, 10.0)),
        )
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        app.load_population_grid("admin", good.clone().into(), "g.csv", None, " ", None)
            .await
            .is_err()
    );
    // A viewer may not load one.
    assert!(
        app.load_population_grid("viewer", good.clone().into(), "g.csv", None, "测试", None)
            .await
            .is_err()
    );
    let day = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let g = app
        .load_population_grid(
            "admin",
            good.into(),
            "g.csv",
            Some("测试格网"),
            "测试来源",
            Some(day),
        )
        .await
        .unwrap();
    assert_eq!(g.points, 50);
    assert_eq!(g.population, 500.0);
    assert_eq!(g.source, "测试来源");
    let c = app.circle("admin").await.unwrap();
    assert_eq!(c.inputs.residents, 50);
    assert_eq!(c.inputs.population, 500.0);
    assert_eq!(c.inputs.population_year, 2024);
    assert!(c.inputs.grid_zh.as_deref().unwrap().contains("测试来源"));
    // Kept: it survives a reopening.
    drop(app);
    let app = App::open(&url).await.unwrap();
    assert_eq!(
        app.population_grid().await.unwrap().unwrap().sha256,
        g.sha256
    );
    assert!(app.audit_verify().await.unwrap().ok);
}

/// Issue 15 point 4: the circle's coverage, once a plan indicator is computed from it, is an
/// indicator like any other — targeted (C01's targets), lit against the schedule, ranked
/// (its lead unit's and the towns' monthly rankings score it) and supervised (a red light
/// raises a 督办单 by the daily sweep) — at the district and at a town from the first year
/// of the computed indicator: each recompute also writes the previous year-end figure
/// (facilities open on 31 December by the register's dates), every place's start of year.
/// A facility opened during the year moves the year's figure, not the year-end one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_circles_indicator_is_lit_ranked_and_supervised() {
    use youxiang_app::manage::RankBy;
    use youxiang_core::eval::Light;
    use youxiang_core::manage::OrderSource;

    let Some(dir) = youxiang_testkit::shared("data/osm/porto-alegre") else {
        return;
    };
    let scratch = youxiang_testkit::scratch_dir("circlesupervised");
    let url = format!("sqlite://{}", scratch.path().join("poa.db").display());
    let app = load_poa(&url, &dir, "test").await.expect("demo");
    // C01 measures the primary schools' coverage here (the register's basket would shrink
    // to the types still open once the schools close).
    let mut circle = app.circle_config().await.unwrap();
    circle.indicators = vec![youxiang_app::circle::ComputedIndicator {
        indicator: "C01".into(),
        measure: "primary_school".into(),
    }];
    app.set_circle_config("office", circle).await.unwrap();
    let today = app.today();
    let year = chrono::Datelike::year(&today);
    let light = |app: &App| {
        let state = app.read();
        let s = state
            .official
            .status("C01", POA_ROOT, year)
            .expect("a status");
        (s.light, s.expected)
    };
    let (lit, expected) = light(&app);
    assert_ne!(lit, Light::Grey, "C01 is lit at the district");
    assert!(expected.is_some(), "judged against the plan's target");

    // A town with residents beyond every school's 15 minutes: lit in this first year,
    // against the previous year-end figure reconstructed from the register.
    let circle = app.circle("office").await.unwrap();
    let gap = circle
        .gaps
        .iter()
        .find(|g| g.missing.iter().any(|m| m == "primary_school"))
        .expect("a resident point without a school")
        .clone();
    let town = {
        let state = app.read();
        let id = state.tree.id(&gap.place).unwrap();
        let t = state
            .tree
            .ancestors(id)
            .find(|a| state.tree.get(*a).level == youxiang_core::place::Level::Town)
            .expect("the village's town");
        state.tree.get(t).code.clone()
    };
    let town_name = app.read().tree.by_code(&town).unwrap().name.clone();
    let town_light = |app: &App| {
        let state = app.read();
        let s = state.official.status("C01", &town, year).expect("a status");
        (s.light, s.expected)
    };
    let (lit, expected) = town_light(&app);
    assert_ne!(lit, Light::Grey, "C01 is lit at the town {town}");
    assert!(expected.is_some());
    let year_end = c01_at(&app, &town, year - 1)
        .await
        .expect("the year-end figure");
    assert_eq!(year_end.state, ValueState::Approved);
    assert_eq!(year_end.source, "系统计算");
    assert!(
        year_end
            .comment
            .contains(&format!("按设施登记的启用与停用日期推算{}年末", year - 1)),
        "{}",
        year_end.comment
    );
    let village_now = c01_at(&app, &gap.place, year).await.unwrap().value;
    let village_then = c01_at(&app, &gap.place, year - 1).await.unwrap().value;
    assert!(village_now < 100.0, "{village_now}");

    // A school opened during the year at that resident point: this year's figure rises
    // (village and town), the previous year-end figure does not move.
    let town_now = c01_at(&app, &town, year).await.unwrap().value;
    let opened = chrono::NaiveDate::from_ymd_opt(year, 6, 1).unwrap();
    assert!(opened <= today);
    let school = youxiang_core::facilities::Facility {
        code: "SNEW1".into(),
        name: "新建小学(测试)".into(),
        facility_type: youxiang_core::facilities::FacilityType::PrimarySchool,
        place: gap.place.clone(),
        location: Some(youxiang_core::facilities::Location {
            lon: gap.lon,
            lat: gap.lat,
        }),
        capacity: None,
        status: FacilityStatus::Open,
        opened: Some(opened),
        closed: None,
        items: Vec::new(),
        source: "测试".into(),
        note: String::new(),
    };
    app.import_facilities("office", vec![school]).await.unwrap();
    assert_eq!(c01_at(&app, &gap.place, year).await.unwrap().value, 100.0);
    assert!(c01_at(&app, &town, year).await.unwrap().value > town_now);
    assert_eq!(
        c01_at(&app, &gap.place, year - 1).await.unwrap().value,
        village_then,
        "the year-end figure stands"
    );
    assert_eq!(
        c01_at(&app, &town, year - 1).await.unwrap().value,
        year_end.value
    );

    // Closing every school empties the basket: C01 turns red.
    let schools: Vec<_> = app
        .facilities_as_stored()
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.facility.code.starts_with('S'))
        .map(|s| {
            let mut f = s.facility;
            f.status = FacilityStatus::Closed;
            f.closed = Some(today);
            f
        })
        .collect();
    app.import_facilities("office", schools).await.unwrap();
    assert_eq!(c01(&app).await.value, 0.0);
    assert_eq!(light(&app).0, Light::Red);
    assert_eq!(c01_at(&app, &town, year).await.unwrap().value, 0.0);
    assert_eq!(town_light(&app).0, Light::Red, "red at the town too");
    // They were open on 31 December: the year-end figure stands.
    assert_eq!(
        c01_at(&app, &town, year - 1).await.unwrap().value,
        year_end.value
    );

    // Ranked: the lead unit's row in December scores C01, red.
    let month = Period::month(year, 12).unwrap();
    let ranking = app
        .ranking(RankBy::Department, month)
        .await
        .expect("ranking");
    let scored: Vec<_> = ranking
        .ranking
        .rows
        .iter()
        .flat_map(|r| r.scores.iter())
        .filter(|s| s.indicator == "C01")
        .collect();
    assert_eq!(scored.len(), 1, "{:?}", ranking.ranking.rows);
    assert_eq!(scored[0].light, Light::Red);
    // The towns' ranking scores it too, red at the town.
    let towns = app.ranking(RankBy::Town, month).await.expect("ranking");
    let row = towns.ranking.row(&town_name).expect("the town's row");
    let scored: Vec<_> = row.scores.iter().filter(|s| s.indicator == "C01").collect();
    assert_eq!(scored.len(), 1, "{row:?}");
    assert_eq!(scored[0].light, Light::Red);
    assert!(row.rank.is_some(), "{row:?}");

    // Supervised: with automatic red-light orders on, the sweep raises one, once.
    let mut config = app.manage_config().await.unwrap();
    config.auto_red_light = true;
    app.set_manage_config("office", &config).await.unwrap();
    app.sweep(today).await.expect("sweep");
    let orders = app
        .orders("office", &Default::default(), today)
        .await
        .unwrap();
    let red = orders
        .iter()
        .filter(|o| {
            matches!(&o.item.source, OrderSource::RedLight { indicator, place, .. }
                if indicator == "C01" && place == POA_ROOT)
        })
        .count();
    assert_eq!(red, 1);
    let red_town = orders
        .iter()
        .filter(|o| {
            matches!(&o.item.source, OrderSource::RedLight { indicator, place, .. }
                if indicator == "C01" && *place == town)
        })
        .count();
    assert_eq!(red_town, 1, "a red-light order for the town {town}");
    let again = app.sweep(today).await.expect("sweep");
    assert!(again.raised.is_empty(), "{:?}", again.raised);
}
