//! 满意度调查 on the command line (a module of the one test binary `cli`): the sample
//! questionnaire imported and exported, a round with a frame, a KoboToolbox-style answers
//! file, and `survey index --json` recomputed here, cell by cell, from the file itself.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{json, ok, youxiang};

const DOMAINS: [&str; 7] = ["YY", "XY", "LD", "BY", "LY", "ZY", "RF"];
const TOWNS: [(&str, u64, usize); 2] = [("330902002", 51_000, 36), ("330902003", 42_000, 20)];

/// A deterministic answers file: `(header, rows)`, group prefixes as KoboToolbox writes
/// them, a `_uuid` per submission.
fn answers() -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = ["_uuid", "stratum", "about/age", "about/has_young_child"]
        .map(String::from)
        .to_vec();
    for d in DOMAINS {
        let d = d.to_ascii_lowercase();
        for i in 1..=3 {
            header.push(format!("g_{d}/{d}{i}"));
        }
    }
    header.push("demand/needs".into());
    let mut seed: u64 = 2025;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let points = ["1", "2", "3", "4", "5", "9", ""];
    let mut rows = Vec::new();
    for (town, _, n) in TOWNS {
        for k in 0..n {
            let child = next(3) == 0;
            let mut row = vec![
                format!("{town}-{k}"),
                town.to_string(),
                (18 + next(70)).to_string(),
                if child { "yes" } else { "no" }.to_string(),
            ];
            for d in DOMAINS {
                for _ in 0..3 {
                    let p = points[next(points.len() as u64) as usize];
                    row.push(if d == "YY" && !child { "" } else { p }.to_string());
                }
            }
            row.push(["tuoyu", "yanglao kanbing", ""][next(3) as usize].to_string());
            rows.push(row);
        }
    }
    (header, rows)
}

/// The scores of one domain per stratum, computed from the file by methods §6.
fn scores(header: &[String], rows: &[Vec<String>], domain: &str) -> BTreeMap<String, Vec<f64>> {
    let d = domain.to_ascii_lowercase();
    let cols: Vec<usize> = (1..=3)
        .map(|i| {
            header
                .iter()
                .position(|h| *h == format!("g_{d}/{d}{i}"))
                .unwrap()
        })
        .collect();
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in rows {
        let xs: Vec<f64> = cols
            .iter()
            .filter_map(|&c| r[c].parse::<f64>().ok())
            .filter(|x| (1.0..=5.0).contains(x))
            .map(|x| (x - 1.0) / 4.0 * 100.0)
            .collect();
        if !xs.is_empty() {
            let s = xs.iter().sum::<f64>() / xs.len() as f64;
            out.entry(r[1].clone()).or_default().push(s);
        }
    }
    out
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    (
        m,
        xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0),
    )
}

fn close(v: &Value, want: f64, what: &str) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{what}: {v}"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
}

#[test]
fn survey_round_from_form_to_index() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("survey.db").display());
    let path = |name: &str| dir.path().join(name).display().to_string();
    ok(&["--db", &db, "init", "--places", "data/dinghai-places.csv"]);
    ok(&["survey", "sample", &path("form.xlsx")]);
    let out = ok(&["--db", &db, "survey", "import", &path("form.xlsx")]);
    assert!(out.contains("已导入问卷 qiyouxiang_satisfaction"), "{out}");
    // exported, it imports back (a second version of the same form)
    ok(&[
        "--db",
        &db,
        "survey",
        "export",
        "qiyouxiang_satisfaction",
        &path("again.xlsx"),
    ]);
    let out = ok(&["--db", &db, "survey", "import", &path("again.xlsx")]);
    assert!(out.contains("第 2 版"), "{out}");
    // a CSV is not a questionnaire
    std::fs::write(path("form.csv"), "type,name\ntext,a\n").unwrap();
    let bad = youxiang(&["--db", &db, "survey", "import", &path("form.csv")]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".xlsx"));

    let frame: String = std::iter::once("stratum,population".to_string())
        .chain(TOWNS.iter().map(|(t, p, _)| format!("{t},{p}")))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(path("frame.csv"), frame).unwrap();
    ok(&[
        "--db",
        &db,
        "survey",
        "round",
        "open",
        "qiyouxiang_satisfaction",
        "--name",
        "2025秋",
        "--frame",
        &path("frame.csv"),
    ]);

    // A file with faults is refused whole, each fault named by row and column.
    let (header, rows) = answers();
    let csv = |rows: &[Vec<String>]| {
        std::iter::once(header.join(","))
            .chain(rows.iter().map(|r| r.join(",")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut faulty = rows.clone();
    faulty[2][2] = "12".into(); // age below 18
    faulty[4][1] = "330902004".into(); // a town outside the frame
    std::fs::write(path("faulty.csv"), csv(&faulty)).unwrap();
    let bad = youxiang(&[
        "--db",
        &db,
        "survey",
        "answers",
        "import",
        "2025秋",
        &path("faulty.csv"),
    ]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("faulty.csv 第4行 C列(about/age):“12”年龄应在18至120岁之间"),
        "{err}"
    );
    assert!(
        err.contains("faulty.csv 第6行 B列(stratum):“330902004”不在本轮的抽样框中"),
        "{err}"
    );
    let index = json(&["--db", &db, "survey", "index", "2025秋", "--json"]);
    assert!(
        index["cells"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["n"] == 0)
    );

    std::fs::write(path("answers.csv"), csv(&rows)).unwrap();
    let out = ok(&[
        "--db",
        &db,
        "survey",
        "answers",
        "import",
        "2025秋",
        &path("answers.csv"),
    ]);
    assert!(
        out.contains(&format!("已导入 {} 份答卷", rows.len())),
        "{out}"
    );
    // the same submissions again are refused
    let again = youxiang(&[
        "--db",
        &db,
        "survey",
        "answers",
        "import",
        "2025秋",
        &path("answers.csv"),
    ]);
    assert!(!again.status.success());

    let index = json(&["--db", &db, "survey", "index", "2025秋", "--json"]);
    let cells = index["cells"].as_array().unwrap();
    assert_eq!(cells.len(), DOMAINS.len() * (TOWNS.len() + 1));
    for d in DOMAINS {
        let by = scores(&header, &rows, d);
        let cell = |place: &str| {
            cells
                .iter()
                .find(|c| c["domain"] == d && c["place"] == place)
                .unwrap_or_else(|| panic!("{d} {place}"))
        };
        let total: u64 = TOWNS.iter().map(|t| t.1).sum();
        let (mut index, mut var, mut n) = (0.0, 0.0, 0);
        for (town, big, _) in TOWNS {
            let xs = &by[town];
            let (m, s2) = mean_var(xs);
            let c = cell(town);
            let nh = xs.len() as f64;
            let fpc = 1.0 - nh / big as f64;
            assert_eq!(c["n"], xs.len());
            assert_eq!(c["suppressed"], xs.len() < 30);
            close(&c["index"], m, "index");
            close(&c["moe"], 1.96 * (s2 / nh).sqrt() * fpc.sqrt(), "moe");
            let w = big as f64 / total as f64;
            index += w * m;
            var += w * w * fpc * s2 / nh;
            n += xs.len();
        }
        let c = cell("330902");
        close(&c["index"], index, "district index");
        close(&c["moe"], 1.96 * var.sqrt(), "district moe");
        assert_eq!(c["n"], n);
        assert_eq!(c["suppressed"], n < 30);
    }
    // the table says 样本不足 for a small cell
    let table = ok(&["--db", &db, "survey", "index", "2025秋"]);
    assert!(
        table.contains("样本不足") && table.contains("定海区"),
        "{table}"
    );
}
