//! Bad input: clear errors (file, row, column) or explicit empty results, never a panic.

use std::io::Write;
use std::path::{Path, PathBuf};

use youxiang_access::input::{
    FacilityCsvOptions, read_facilities_csv, read_facilities_geojson, read_origins_csv,
};
use youxiang_access::osm::read_pbf_from;
use youxiang_access::{
    AccessError, Engine, Facility, Network, Origin, OsmOptions, Profile, Settings, read_pbf,
};

use crate::common::poa;

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("youxiang-access-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::File::create(&p)
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    p
}

#[test]
fn truncated_and_garbage_pbf_are_errors() {
    let name = Path::new("bad.pbf");
    let opts = OsmOptions::default();
    // Garbage of several shapes.
    let garbage: Vec<Vec<u8>> = vec![
        vec![],
        b"this is not a pbf".to_vec(),
        vec![0xff; 4096],
        vec![
            0, 0, 0, 13, 10, 9, b'O', b'S', b'M', b'D', b'a', b't', b'a', 0x18, 0x7f,
        ],
        (0..10_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect(),
    ];
    for g in &garbage {
        let r = read_pbf_from(&g[..], name, &opts);
        assert!(r.is_err(), "garbage of {} bytes accepted", g.len());
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("bad.pbf"), "{msg}");
    }
    // The real file, truncated at many points and with flipped bytes.
    let Some(pbf) = poa("poa_osm.pbf") else {
        return;
    };
    let bytes = std::fs::read(&pbf).unwrap();
    for frac in [0.001, 0.01, 0.1, 0.37, 0.5, 0.9, 0.999] {
        let cut = (bytes.len() as f64 * frac) as usize;
        let r = read_pbf_from(&bytes[..cut], name, &opts);
        assert!(
            matches!(r, Err(AccessError::Pbf { .. })),
            "truncated at {cut}: {:?}",
            r.as_ref().map(|d| d.network.node_count())
        );
    }
    for pos in [20usize, 200, 5_000, 100_000, 400_000] {
        let mut b = bytes.clone();
        for x in &mut b[pos..pos + 64] {
            *x ^= 0x5a;
        }
        // Corruption inside a compressed blob must be an error, never a panic.
        let r = read_pbf_from(&b[..], name, &opts);
        if let Ok(d) = &r {
            // A flip inside the uncompressed header may still decode; it must then be a network.
            assert!(d.network.node_count() > 0);
        }
    }
    let missing = read_pbf(Path::new("no/such/file.pbf"), &opts);
    assert!(matches!(missing, Err(AccessError::Io { .. })));
}

#[test]
fn origins_with_missing_columns_name_file_and_column() {
    let p = tmp("no_lat.csv", "id,lon,population\na,1.0,5\n");
    let e = read_origins_csv(&p).unwrap_err().to_string();
    assert!(
        e.contains("no_lat.csv") && e.contains("'lat'") && e.contains("row 1"),
        "{e}"
    );

    let p = tmp(
        "bad_pop.csv",
        "id,lon,lat,population\na,1.0,2.0,5\nb,1.0,2.0,lots\n",
    );
    let e = read_origins_csv(&p).unwrap_err().to_string();
    assert!(
        e.contains("bad_pop.csv") && e.contains("row 3") && e.contains("'population'"),
        "{e}"
    );

    let p = tmp("bad_lat.csv", "id,lon,lat,population\na,1.0,95.0,5\n");
    let e = read_origins_csv(&p).unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("'lat'"), "{e}");

    let p = tmp("ragged.csv", "id,lon,lat\na,1.0\n");
    let e = read_origins_csv(&p).unwrap_err().to_string();
    assert!(e.contains("ragged.csv") && e.contains("row 2"), "{e}");

    // Empty cells are explicit: population 0 with a note; no coordinates: left out, noted.
    let p = tmp(
        "gaps.csv",
        "id,lon,lat,population\na,1.0,2.0,\nb,,,7\nc,1.0,2.0,3\n",
    );
    let (o, notes) = read_origins_csv(&p).unwrap();
    assert_eq!(o.len(), 2);
    assert_eq!(o[0].population, 0.0);
    assert_eq!(notes.notes.len(), 2, "{notes:?}");

    let p = tmp("fac.csv", "name,lon,lat\nx,1,2\n");
    let e = read_facilities_csv(&p, &FacilityCsvOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("'type'"), "{e}");
    let e = read_facilities_csv(
        &p,
        &FacilityCsvOptions {
            count_columns: Some(vec!["schools".into()]),
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'schools'"), "{e}");

    let p = tmp(
        "fac.geojson",
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"type":"school","name":"A"}},
        {"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"name":"B"}}]}"#,
    );
    let e = read_facilities_geojson(&p).unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("properties.type"), "{e}");
    let p = tmp("broken.geojson", "{\"type\":");
    assert!(matches!(
        read_facilities_geojson(&p),
        Err(AccessError::BadDocument { .. })
    ));
}

#[test]
fn hexgrid_empty_cells_are_explicit() {
    let Some(grid) = poa("poa_hexgrid.csv") else {
        return;
    };
    let (f, notes) = read_facilities_csv(
        &grid,
        &FacilityCsvOptions {
            count_columns: Some(vec!["schools".into(), "healthcare".into()]),
        },
    )
    .unwrap();
    let schools: f64 = f
        .iter()
        .filter(|x| x.facility_type == "schools")
        .filter_map(|x| x.capacity)
        .sum();
    let health: f64 = f
        .iter()
        .filter(|x| x.facility_type == "healthcare")
        .filter_map(|x| x.capacity)
        .sum();
    assert_eq!((schools, health), (194.0, 141.0));
    assert!(
        notes
            .notes
            .iter()
            .any(|n| n.contains("'healthcare'") && n.contains("counted as 0")),
        "{notes:?}"
    );
}

fn small_grid() -> Network {
    Network::synthetic_grid(100, 100.0, 120.0, 30.0).unwrap()
}

#[test]
fn off_network_origins_and_empty_types_are_explicit() {
    let net = small_grid();
    let engine = Engine::with_network(&net, Settings::default()).unwrap();
    let origins = vec![
        Origin {
            id: "in".into(),
            place: Some("A".into()),
            lon: net.lon[55],
            lat: net.lat[55],
            population: 10.0,
        },
        Origin {
            id: "far".into(),
            place: Some("A".into()),
            lon: 0.0,
            lat: 0.0,
            population: 5.0,
        },
        Origin {
            id: "nan".into(),
            place: None,
            lon: f64::NAN,
            lat: 1.0,
            population: 1.0,
        },
    ];
    let facilities = vec![Facility {
        id: "s1".into(),
        facility_type: "school".into(),
        name: "S".into(),
        lon: net.lon[0],
        lat: net.lat[0],
        capacity: None,
        source: "test".into(),
    }];
    let profile = Profile::circle(15.0, &["school".into(), "clinic".into()]);
    let r = engine
        .coverage(&origins, &facilities, &profile, &|_, _| {})
        .unwrap();
    assert_eq!(r.off_network_origins, 2);
    assert!(r.origins[1].snap.is_none() && !r.origins[1].basket_covered);
    assert!(r.origins[0].types[0].covered);
    assert_eq!(r.types[1].facilities, 0);
    assert_eq!(r.types[1].covered_population, 0.0);
    assert!(
        r.types[1].covered_population.is_sign_positive(),
        "no -0 in reports"
    );
    assert!(r.origins.iter().all(|o| o.types[1].distance_m.is_none()));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("'clinic'") && n.contains("no facilities")),
        "{:?}",
        r.notes
    );
    assert_eq!(r.places.len(), 1);
    assert_eq!(r.places[0].shares[0], Some(10.0 / 15.0));
    // No origins at all: an explicit empty report, shares undefined rather than NaN.
    let r = engine
        .coverage(&[], &facilities, &profile, &|_, _| {})
        .unwrap();
    assert_eq!(r.population, 0.0);
    assert_eq!(r.basket_share, None);
    // Nonsense settings are errors, not panics.
    let bad = Settings {
        speed_kmh: 0.0,
        ..Settings::default()
    };
    assert!(matches!(
        Engine::with_network(&net, bad),
        Err(AccessError::Config { .. })
    ));
}

#[test]
fn geojson_register_and_config_files() {
    let p = tmp(
        "ok.geojson",
        r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","geometry":{"type":"Point","coordinates":[121.1,30.0]},"properties":{"type":"小学","name":"A","capacity":600}},
        {"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[121.0,30.0],[121.2,30.0],[121.2,30.2],[121.0,30.0]]]},"properties":{"facility_type":"clinic","id":7}}]}"#,
    );
    let f = read_facilities_geojson(&p).unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(
        (f[0].facility_type.as_str(), f[0].capacity),
        ("小学", Some(600.0))
    );
    assert_eq!(f[1].id, "7");
    assert!((f[1].lon - 121.1).abs() < 1e-9, "{}", f[1].lon);

    let p = tmp(
        "reg.csv",
        "\u{feff}类型,名称,经度,纬度,容量\n小学,实验小学,122.1,30.0,900\n",
    );
    let (f, _) = read_facilities_csv(&p, &FacilityCsvOptions::default()).unwrap();
    assert_eq!(
        (
            f[0].facility_type.as_str(),
            f[0].name.as_str(),
            f[0].capacity
        ),
        ("小学", "实验小学", Some(900.0))
    );

    let p = tmp(
        "tags.toml",
        "[[rules]]\nkey = \"amenity\"\nvalue = \"school\"\ntype = \"小学\"\n",
    );
    let t = youxiang_access::TagTable::load(&p).unwrap();
    assert_eq!(t.classify(&[("amenity", "school")]), Some("小学"));

    let p = tmp(
        "bad_profile.toml",
        "name = \"x\"\n[[rules]]\ntype = \"a\"\nmin_count = 0\n",
    );
    let e = Profile::load(&p).unwrap_err().to_string();
    assert!(
        e.contains("bad_profile.toml") && e.contains("min_count"),
        "{e}"
    );
    let p = tmp("empty_profile.toml", "name = \"x\"\nrules = []\n");
    assert!(Profile::load(&p).is_err());
    assert!(Profile::resolve("gb50180").is_ok());
    assert!(matches!(
        Profile::resolve("no/such/profile.toml"),
        Err(AccessError::Io { .. })
    ));
}
