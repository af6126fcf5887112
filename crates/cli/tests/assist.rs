//! `youxiang assist match` (a module of the one test binary `cli`): the optimum from files,
//! its JSON answer and Chinese summary, the greedy peer meeting fewer, and bad files refused
//! with row and column, nothing matched.

use super::{json, ok, youxiang};

const NEEDS: &str = "id,type,lon,lat\n\
A,助餐,122.0,30.0\n\
B,助餐,122.0,30.015\n\
C,理发,122.0,30.0\n\
D,助浴,123.0,30.0\n";

const RESOURCES: &str = "id,type,capacity,lon,lat,radius_m\n\
R1,助餐,1,122.0,30.004,1500\n\
R2,助餐,1,122.0,29.994,1000\n\
R3,助浴,2,122.0,30.0,500\n";

fn files(needs: &str, resources: &str) -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let n = dir.path().join("needs.csv");
    let r = dir.path().join("res.csv");
    std::fs::write(&n, needs).unwrap();
    std::fs::write(&r, resources).unwrap();
    let (n, r) = (n.display().to_string(), r.display().to_string());
    (dir, n, r)
}

#[test]
fn assist_match_from_files() {
    let (_dir, n, r) = files(NEEDS, RESOURCES);
    let v = json(&[
        "assist",
        "match",
        "--needs",
        &n,
        "--resources",
        &r,
        "--json",
    ]);
    assert_eq!(v["matched"], 2);
    let pairs = v["pairs"].as_array().unwrap();
    assert_eq!(pairs[0]["need"], "A");
    assert_eq!(pairs[0]["resource"], "R2");
    assert_eq!(pairs[1]["need"], "B");
    assert_eq!(pairs[1]["resource"], "R1");
    let total: f64 = pairs
        .iter()
        .map(|p| p["distance_m"].as_f64().unwrap())
        .sum();
    assert!((v["total_distance_m"].as_f64().unwrap() - total).abs() < 0.002);
    let unmatched: Vec<(String, String)> = v["unmatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["need"].as_str().unwrap().into(),
                u["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        unmatched,
        vec![
            ("C".to_string(), "no_resource_of_type".to_string()),
            ("D".to_string(), "none_within_radius".to_string())
        ]
    );
    // Greedy gives R1 to A (its nearest) and leaves B unmet.
    let g = json(&[
        "assist",
        "match",
        "--needs",
        &n,
        "--resources",
        &r,
        "--json",
        "--greedy",
    ]);
    assert_eq!(g["matched"], 1);
    let text = ok(&["assist", "match", "--needs", &n, "--resources", &r]);
    assert!(text.contains("满足 2 条(50.0%),未满足 2 条"), "{text}");
    assert!(text.contains("没有该类型的资源 1 条"), "{text}");
}

#[test]
fn assist_match_refuses_bad_files_whole() {
    let (_dir, n, r) = files(
        "id,type,lon,lat\nA,助餐,122.0,30.0\nA,助餐,122.0,abc\n",
        "id,type,capacity,lon,lat,radius_m\nR1,助餐,-1,122.0,30.0,100\n",
    );
    let out = youxiang(&[
        "assist",
        "match",
        "--needs",
        &n,
        "--resources",
        &r,
        "--json",
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "nothing matched, nothing printed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs.csv 第3行 A列(id):“A”编号重复(与第 2 行相同)"),
        "{err}"
    );
    assert!(
        err.contains("needs.csv 第3行 D列(lat):“abc”纬度不是数字"),
        "{err}"
    );
    assert!(
        err.contains("res.csv 第2行 C列(capacity):“-1”容量应在 0 至"),
        "{err}"
    );
    assert!(err.contains("未做匹配"), "{err}");
}
