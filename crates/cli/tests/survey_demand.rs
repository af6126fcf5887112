//! 需求分析 on the command line (a module of the one test binary `cli`): `survey demand
//! --json` with its shares and margins hand-computed from a four-answer file, the open
//! answers grouped by the (edited) categories, and a round's results published once.

use super::{json, ok, youxiang};

#[test]
fn survey_demand_ranks_needs_and_groups_open_answers() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demand.db").display());
    let path = |name: &str| dir.path().join(name).display().to_string();
    ok(&["--db", &db, "init", "--places", "data/dinghai-places.csv"]);
    ok(&["survey", "sample", &path("form.xlsx")]);
    ok(&["--db", &db, "survey", "import", &path("form.xlsx")]);
    ok(&[
        "--db",
        &db,
        "survey",
        "round",
        "open",
        "qiyouxiang_satisfaction",
        "--name",
        "R1",
    ]);
    // One rating each (ld1), so that the round has results to publish.
    let csv = "_uuid,stratum,age,has_young_child,ld1,needs,suggestion\n\
        a,330902002,30,no,4,yanglao kanbing,希望多建养老院\n\
        b,330902002,40,no,5,yanglao,看病排队太久 电话13800138000\n\
        c,330902003,50,no,3,kanbing yanglao tuoyu,路灯不亮\n\
        d,330902003,60,no,4,,\n";
    std::fs::write(path("answers.csv"), csv).unwrap();
    ok(&[
        "--db",
        &db,
        "survey",
        "answers",
        "import",
        "R1",
        &path("answers.csv"),
    ]);
    let d = json(&["--db", &db, "survey", "demand", "R1", "--json"]);
    assert_eq!(d["respondents"], 4, "{d}");
    let needs = &d["demand"]["needs"][0];
    // 3 answered: 养老 3/3, 看病 2/3, 托育 1/3.
    assert_eq!(needs["n"], 3, "{d}");
    assert_eq!(needs["suppressed"], true, "{d}");
    let o = &needs["options"];
    assert_eq!(
        (
            o[0]["choice"].as_str(),
            o[1]["choice"].as_str(),
            o[2]["choice"].as_str()
        ),
        (Some("yanglao"), Some("kanbing"), Some("tuoyu")),
        "{d}"
    );
    let p: f64 = 2.0 / 3.0;
    let moe = 1.96 * (p * (1.0 - p) / 3.0).sqrt() * 100.0;
    assert!(
        (o[1]["share"].as_f64().unwrap() - p * 100.0).abs() < 1e-9,
        "{d}"
    );
    assert!((o[1]["moe"].as_f64().unwrap() - moe).abs() < 1e-9, "{d}");
    assert_eq!(o[0]["moe"], 0.0, "{d}");
    // Open answers: 老有康养, 病有良医 (its telephone masked), 未归类.
    let s = d["demand"]["texts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["question"] == "suggestion")
        .cloned()
        .unwrap();
    let codes: Vec<&str> = s["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["BY", "LY", ""], "{s}");
    assert!(s.to_string().contains("电话＊＊＊"), "{s}");
    assert!(!s.to_string().contains("13800138000"), "{s}");
    // The office adds a category: the lamp is no longer uncategorized.
    std::fs::write(
        path("cats.json"),
        r#"{"categories": [{"code": "LAMP", "name": "路灯照明", "keywords": ["路灯"]}]}"#,
    )
    .unwrap();
    let out = ok(&[
        "--db",
        &db,
        "survey",
        "categories",
        "--set",
        &path("cats.json"),
    ]);
    assert!(out.contains("第 1 版"), "{out}");
    let d = json(&["--db", &db, "survey", "demand", "R1", "--json"]);
    assert!(d.to_string().contains("路灯照明"), "{d}");
    // The table form names its units.
    let out = ok(&["--db", &db, "survey", "demand", "R1"]);
    assert!(out.contains("占比(%)") && out.contains("养老"), "{out}");
    // Published once.
    let out = ok(&["--db", &db, "survey", "publish", "R1"]);
    assert!(out.contains("已发布"), "{out}");
    let again = youxiang(&["--db", &db, "survey", "publish", "R1"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("已发布"));
}
