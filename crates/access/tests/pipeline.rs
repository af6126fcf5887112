//! End-to-end behaviour: Porto Alegre coverage and siting, the straight-line fallback,
//! ferries, "at least N" rules, one-way footways.

use youxiang_access::input::{FacilityCsvOptions, read_facilities_csv, read_origins_csv};
use youxiang_access::{
    Edge, Engine, Facility, Method, Network, Origin, OsmOptions, Profile, Rule, Settings, TagTable,
    candidates_from_origins, gap_geojson, read_pbf,
};

use crate::common::poa;

fn fac(id: &str, t: &str, lon: f64, lat: f64) -> Facility {
    Facility {
        id: id.into(),
        facility_type: t.into(),
        name: id.into(),
        lon,
        lat,
        capacity: None,
        source: "test".into(),
    }
}

fn origin(id: &str, lon: f64, lat: f64, pop: f64) -> Origin {
    Origin {
        id: id.into(),
        place: None,
        lon,
        lat,
        population: pop,
    }
}

#[test]
fn porto_alegre_coverage_gap_map_and_siting() {
    let (Some(pbf), Some(grid)) = (poa("poa_osm.pbf"), poa("poa_hexgrid.csv")) else {
        return;
    };
    let opts = OsmOptions {
        facility_tags: Some(TagTable::default()),
        ..OsmOptions::default()
    };
    let data = read_pbf(&pbf, &opts).unwrap();
    let n = data.network.node_count();
    assert!((30_000..50_000).contains(&n), "{n} nodes");
    let (origins, _) = read_origins_csv(&grid).unwrap();
    let (facilities, _) = read_facilities_csv(
        &grid,
        &FacilityCsvOptions {
            count_columns: Some(vec!["schools".into(), "healthcare".into()]),
        },
    )
    .unwrap();
    let engine = Engine::with_network(&data.network, Settings::default()).unwrap();
    let types = vec!["schools".to_string(), "healthcare".to_string()];
    let profile = Profile::circle(15.0, &types);
    let r = engine
        .coverage(&origins, &facilities, &profile, &|_, _| {})
        .unwrap();
    assert_eq!(r.method, Method::Network);
    for t in &r.types {
        let s = t.share.unwrap();
        assert!(s > 0.3 && s <= 1.0, "{}: {s}", t.facility_type);
        assert_eq!(t.threshold_m, 1200.0);
    }
    assert!(r.basket_covered_population <= r.types[0].covered_population);
    assert!((r.uncovered_population - (r.population - r.basket_covered_population)).abs() < 1e-6);
    // Times are minutes at 80 m/min; distances within the horizon only.
    for o in &r.origins {
        for t in &o.types {
            if let (Some(d), Some(m)) = (t.distance_m, t.minutes) {
                assert!((d / 80.0 - m).abs() < 1e-9);
                assert!(d <= r.search_horizon_m + o.snap.map_or(0.0, |s| s.snap_m) + 1e-6);
            }
        }
    }
    let gj = gap_geojson(&r, false);
    let feats = gj["features"].as_array().unwrap();
    assert_eq!(
        feats.len(),
        r.origins.iter().filter(|o| !o.basket_covered).count()
    );
    assert!(feats.iter().all(|f| f["properties"]["covered"] == false));

    // Siting: picks add people in non-increasing order and never double count.
    let cands = candidates_from_origins(&origins);
    let rule = Rule::within_min("healthcare", "health", 15.0);
    let s = engine
        .site(&origins, &facilities, &rule, &cands, 5)
        .unwrap();
    assert_eq!(s.picks.len(), 5);
    for w in s.picks.windows(2) {
        assert!(w[0].added_population >= w[1].added_population);
    }
    let last = s.picks.last().unwrap();
    assert!(
        (last.covered_population_after
            - s.covered_population_before
            - s.picks.iter().map(|p| p.added_population).sum::<f64>())
        .abs()
            < 1e-6
    );
    // Placing a facility at each pick and recomputing gives the claimed coverage.
    let mut more = facilities.clone();
    for p in &s.picks {
        more.push(fac(&p.id, "healthcare", p.lon, p.lat));
    }
    let r2 = engine
        .coverage(
            &origins,
            &more,
            &Profile {
                name: "h".into(),
                description: String::new(),
                rules: vec![rule],
            },
            &|_, _| {},
        )
        .unwrap();
    assert!((r2.types[0].covered_population - last.covered_population_after).abs() < 1e-6);

    // OSM-tagged facilities were found (schools, clinics, …).
    println!(
        "OSM-tagged facilities in the extract: {}",
        data.facilities.len()
    );
    assert!(data.facilities.iter().all(|f| !f.facility_type.is_empty()));
}

#[test]
fn straight_line_fallback_is_labelled_and_uses_detour() {
    let engine = Engine::straight_line(Settings::default()).unwrap();
    let facilities = vec![fac("s", "school", 120.0, 30.0)];
    // 0.005° of latitude ≈ 556 m, × 1.3 ≈ 723 m.
    let origins = vec![
        origin("o", 120.0, 30.005, 100.0),
        origin("far", 120.0, 30.05, 50.0),
    ];
    let r = engine
        .coverage(
            &origins,
            &facilities,
            &Profile::circle(15.0, &["school".into()]),
            &|_, _| {},
        )
        .unwrap();
    assert_eq!(r.method, Method::StraightLine { detour_factor: 1.3 });
    assert!(r.method_note.contains("ESTIMATE"));
    let d = r.origins[0].types[0].distance_m.unwrap();
    assert!((d - 555.97 * 1.3).abs() < 1.0, "{d}");
    assert!(r.origins[0].types[0].covered && !r.origins[1].types[0].covered);
    assert_eq!(r.basket_share, Some(100.0 / 150.0));
    let gj = gap_geojson(&r, true);
    assert!(
        gj["properties"]["method_note"]
            .as_str()
            .unwrap()
            .contains("ESTIMATE")
    );
    // Siting without a network also works, and says so.
    let s = engine
        .site(
            &origins,
            &facilities,
            &Rule::within_min("school", "", 15.0),
            &candidates_from_origins(&origins),
            2,
        )
        .unwrap();
    assert_eq!(s.picks.len(), 1, "{:?}", s.notes);
    assert_eq!(s.picks[0].id, "far");
    assert!(s.method_note.contains("ESTIMATE"));
}

/// 0 —(100 m)— 1 —(ferry 1000 m, 2 min)— 2, plus a oneway footway 3 → 0.
fn ferry_net() -> Network {
    let lon = vec![0.0, 0.001, 0.01, -0.001];
    let lat = vec![0.0; 4];
    let e = |from, to, length_m, fixed_time_s, oneway| Edge {
        from,
        to,
        length_m,
        fixed_time_s,
        oneway,
    };
    Network::from_edges(
        lon,
        lat,
        vec![0; 4],
        vec![
            e(0, 1, 100.0, None, false),
            e(1, 2, 1000.0, Some(120.0), false),
            e(3, 0, 100.0, None, true),
        ],
    )
    .unwrap()
}

#[test]
fn ferries_use_their_duration_and_oneway_foot_is_directed() {
    let net = ferry_net();
    assert!(net.has_ferries());
    let settings = Settings {
        max_snap_m: 1.0,
        ..Settings::default()
    };
    let engine = Engine::with_network(&net, settings).unwrap();
    let facilities = vec![fac("f", "clinic", 0.01, 0.0)];
    let origins = vec![origin("a", 0.0, 0.0, 1.0), origin("b", -0.001, 0.0, 1.0)];
    let r = engine
        .coverage(
            &origins,
            &facilities,
            &Profile::circle(15.0, &["clinic".into()]),
            &|_, _| {},
        )
        .unwrap();
    let a = &r.origins[0].types[0];
    // 100 m on foot (1.25 min) + 2 min on the ferry; distance is the physical 1,100 m.
    assert!((a.minutes.unwrap() - 3.25).abs() < 1e-9, "{a:?}");
    assert!((a.distance_m.unwrap() - 1100.0).abs() < 1e-9);
    // From b, the oneway footway 3 → 0 leads to the clinic.
    assert!((r.origins[1].types[0].minutes.unwrap() - 4.5).abs() < 1e-9);
    // Reverse direction: a facility at 3 is unreachable from 0 (footway 3 → 0 only).
    let r = engine
        .coverage(
            &origins[..1],
            &[fac("g", "clinic", -0.001, 0.0)],
            &Profile::circle(15.0, &["clinic".into()]),
            &|_, _| {},
        )
        .unwrap();
    assert_eq!(r.origins[0].types[0].distance_m, None);
}

#[test]
fn at_least_n_rule_counts_distinct_facilities() {
    let net = Network::synthetic_grid(400, 100.0, 120.0, 30.0).unwrap();
    let engine = Engine::with_network(&net, Settings::default()).unwrap();
    let o = vec![origin("c", net.lon[210], net.lat[210], 100.0)];
    let near = |i: usize, id: &str| fac(id, "culture", net.lon[i], net.lat[i]);
    let rule = Rule {
        min_count: 3,
        ..Rule::within_m("culture", "≥3", 500.0)
    };
    let profile = Profile {
        name: "yiwu".into(),
        description: String::new(),
        rules: vec![rule],
    };
    let two = vec![near(211, "a"), near(209, "b"), near(0, "far")];
    let r = engine.coverage(&o, &two, &profile, &|_, _| {}).unwrap();
    assert_eq!(r.origins[0].types[0].count_within, 2);
    assert!(!r.origins[0].types[0].covered);
    let mut three = two.clone();
    three.push(near(230, "c"));
    let r = engine.coverage(&o, &three, &profile, &|_, _| {}).unwrap();
    assert_eq!(r.origins[0].types[0].count_within, 3);
    assert!(r.origins[0].types[0].covered);
}
