//! `youxiang assess` through the binary: the table with the scheme below it, JSON and Excel,
//! a year under way titled 截至, publish and correct as versions, the scheme shown as TOML,
//! set back by the office and refused with every bad field named.

use super::{json, ok, youxiang};

#[test]
fn assess_publish_versions_and_scheme_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("assess.db").display());
    ok(&["--db", &db, "demo", "--no-serve"]);

    let table = ok(&[
        "--db",
        &db,
        "assess",
        "2024",
        "--by",
        "department",
        "--detail",
    ]);
    assert!(table.contains("2024年度部门考核评价"), "{table}");
    assert!(
        table.contains("考核方案") && table.contains("满意度调查"),
        "{table}"
    );
    assert!(table.contains("暂无满意度调查结果"), "{table}");
    let xlsx = dir.path().join("assess.xlsx");
    let a = json(&[
        "--db",
        &db,
        "assess",
        "2025",
        "--by",
        "town",
        "--json",
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(a["complete"], false);
    assert_eq!(a["rows"].as_array().unwrap().len(), 13);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // Only the office publishes; a correction must say why.
    let out = youxiang(&["--db", &db, "assess", "publish", "2024", "--as", "wjj"]);
    assert!(!out.status.success());
    ok(&["--db", &db, "assess", "publish", "2024", "--as", "office"]);
    let again = youxiang(&["--db", &db, "assess", "publish", "2024", "--as", "office"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("原因"));
    ok(&[
        "--db", &db, "assess", "publish", "2024", "--note", "更正", "--as", "office",
    ]);
    let v = json(&["--db", &db, "assess", "versions", "2024", "--json"]);
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["note"], "更正");

    // The scheme as TOML, set back by the office; a bad one refused with its field named.
    let shown = ok(&["--db", &db, "assess", "scheme", "show"]);
    assert!(shown.contains("[[items]]"), "{shown}");
    let file = dir.path().join("scheme.toml");
    std::fs::write(&file, shown.replace("weight = 50.0", "weight = 40.0")).unwrap();
    ok(&[
        "--db",
        &db,
        "assess",
        "scheme",
        "set",
        file.to_str().unwrap(),
        "--as",
        "office",
    ]);
    assert!(ok(&["--db", &db, "assess", "scheme", "show"]).contains("weight = 40.0"));
    std::fs::write(&file, "[grades]\nexcellent = 50.0\ngood = 80.0\n").unwrap();
    let bad = youxiang(&[
        "--db",
        &db,
        "assess",
        "scheme",
        "set",
        file.to_str().unwrap(),
        "--as",
        "office",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("grades"));
}
