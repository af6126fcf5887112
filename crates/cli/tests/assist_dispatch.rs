//! `youxiang assist match --from-register --json`, `assist resources list|recompute` and
//! `assist dispatch list` on the demo (a module of the one test binary `cli`): the
//! proposal has the file mode's shape, every unmet need a reason, a town sees only its own
//! households, and nothing printed holds an unmasked ID number or phone.

use super::{json, ok, youxiang};
use youxiang_core::assist::register::find_unmasked;

#[test]
fn matching_from_the_register_and_dispatch() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let db = format!("sqlite://{}", file.display());
    let out = youxiang(&["--db", &db, "demo", "--no-serve"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("帮扶资源(演示)"), "{stdout}");

    let m = json(&[
        "--db",
        &db,
        "assist",
        "match",
        "--from-register",
        "--json",
        "--as",
        "mzj",
    ]);
    assert!(m["matched"].as_u64().is_some(), "{m}");
    assert!(m["total_distance_m"].as_f64().is_some(), "{m}");
    let pairs = m["pairs"].as_array().expect("pairs");
    assert_eq!(pairs.len() as u64, m["matched"].as_u64().unwrap());
    for p in pairs {
        assert!(p["need"].is_string() && p["resource"].is_string());
        assert!(p["distance_m"].as_f64().is_some_and(|d| d >= 0.0));
    }
    for u in m["unmatched"].as_array().expect("unmatched") {
        assert!(u["need"].is_string() && u["reason"].is_string(), "{u}");
    }
    assert!(find_unmasked(&m.to_string()).is_empty());
    // A town: its own households only.
    let town = "330902002";
    let t = json(&[
        "--db",
        &db,
        "assist",
        "match",
        "--from-register",
        "--place",
        town,
        "--json",
        "--as",
        "mzj",
    ]);
    for p in t["pairs"].as_array().expect("pairs") {
        assert!(p["place"].as_str().unwrap().starts_with(town), "{p}");
    }
    let list = ok(&["--db", &db, "assist", "dispatch", "list", "--as", "mzj"]);
    assert!(list.contains("已逾期") && list.contains("已拒绝"), "{list}");
    assert!(find_unmasked(&list).is_empty());
    let r = ok(&[
        "--db",
        &db,
        "assist",
        "resources",
        "recompute",
        "--as",
        "mzj",
    ]);
    assert!(r.contains("K7.3a"), "{r}");
}
