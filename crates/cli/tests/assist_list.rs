//! `youxiang assist list …` and `youxiang assist rules …` on the demo (a module of the one
//! test binary `cli`): the demo's lists of 2025Q1–Q3, masked; generating again adds
//! nothing; a delivery recorded; the rates per place; K7.4b recomputed; the rules shown and
//! a change previewed (problems by line) without saving.

use super::{json, ok, youxiang};
use youxiang_core::assist::register::find_unmasked;

#[test]
fn happiness_lists_and_rules_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let db = format!("sqlite://{}", file.display());
    let out = youxiang(&["--db", &db, "demo", "--no-serve"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("幸福清单(演示)"), "{stdout}");

    let lists = json(&[
        "--db", &db, "assist", "list", "show", "--period", "2025Q3", "--as", "mzj", "--json",
    ]);
    let lists = lists.as_array().unwrap().clone();
    assert!(lists.len() > 50);
    assert!(find_unmasked(&serde_json::to_string(&lists).unwrap()).is_empty());
    let pending: Vec<&serde_json::Value> =
        lists.iter().filter(|l| l["delivery"].is_null()).collect();
    assert!(!pending.is_empty(), "the demo leaves some undelivered");

    let again = ok(&[
        "--db", &db, "assist", "list", "generate", "--period", "2025Q3", "--as", "mzj",
    ]);
    assert!(again.contains("新增0份"), "{again}");

    let id = pending[0]["id"].as_str().unwrap();
    let done = ok(&[
        "--db",
        &db,
        "assist",
        "list",
        "deliver",
        id,
        "--channel",
        "visit",
        "--date",
        "2025-10-12",
        "--confirmation",
        "signed",
        "--as",
        "mzj",
    ]);
    assert!(done.contains("已登记送达"), "{done}");

    let rates = ok(&[
        "--db", &db, "assist", "list", "rates", "--period", "2025Q3", "--as", "mzj",
    ]);
    assert!(rates.contains("送达率"), "{rates}");
    let re = ok(&[
        "--db",
        &db,
        "assist",
        "list",
        "recompute",
        "--year",
        "2025",
        "--as",
        "mzj",
    ]);
    assert!(re.contains("K7.4b"), "{re}");

    let rules = ok(&["--db", &db, "assist", "rules", "show"]);
    assert!(rules.contains("[[rule]]"), "{rules}");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[[rule]]\ncode = \"a\"\nname = \"甲\"\nclauses = [ { kind = \"nope\" } ]\n",
    )
    .unwrap();
    let out = youxiang(&[
        "--db",
        &db,
        "assist",
        "rules",
        "set",
        bad.to_str().unwrap(),
        "--preview",
        "--as",
        "mzj",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("第4行"));
    let good = dir.path().join("good.toml");
    std::fs::write(
        &good,
        rules
            .lines()
            .filter(|l| !l.starts_with("# 版本"))
            .collect::<Vec<_>>()
            .join("\n")
            .replace("times = 1.0 }", "times = 0.5 }"),
    )
    .unwrap();
    let preview = ok(&[
        "--db",
        &db,
        "assist",
        "rules",
        "set",
        good.to_str().unwrap(),
        "--preview",
        "--as",
        "mzj",
    ]);
    assert!(preview.contains("仅预览,未保存"), "{preview}");
}
