//! `youxiang assist visits …` and `youxiang assist flags …` on the demo (a module of the
//! one test binary `cli`): the visit plan shown and changed (the office and 区民政局 only),
//! a visit recorded by a town's worker on its own household (another town's is not found),
//! the overview, the rates and K7.2f recomputed; the flags listed (a town's own only),
//! handled once, scanned; the rules shown and a bad change refused — no unmasked personal
//! data printed.

use super::{json, ok, youxiang};
use youxiang_core::assist::register::find_unmasked;

const TOWN: &str = "330902002";
const OTHER_TOWN: &str = "330902003";

fn fails(args: &[&str]) -> String {
    let out = youxiang(args);
    assert!(!out.status.success(), "youxiang {args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn visits_and_flags_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let db = format!("sqlite://{}", file.display());
    let out = youxiang(&["--db", &db, "demo", "--no-serve"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let town = format!("town-{TOWN}");
    let run = |args: &[&str]| {
        let mut all = vec!["--db", db.as_str(), "assist"];
        all.extend_from_slice(args);
        let text = ok(&all);
        assert!(find_unmasked(&text).is_empty(), "{args:?} printed {text}");
        text
    };
    let run_json = |args: &[&str]| {
        let mut all = vec!["--db", db.as_str(), "assist"];
        all.extend_from_slice(args);
        all.push("--json");
        let v = json(&all);
        assert!(find_unmasked(&v.to_string()).is_empty(), "{args:?}");
        v
    };
    let refused = |args: &[&str]| {
        let mut all = vec!["--db", db.as_str(), "assist"];
        all.extend_from_slice(args);
        fails(&all)
    };
    let first_active = |place: &str, login: &str| {
        run_json(&[
            "household",
            "list",
            "--place",
            place,
            "--status",
            "active",
            "--as",
            login,
        ])
        .as_array()
        .and_then(|l| l.first().cloned())
        .and_then(|h| h["id"].as_str().map(String::from))
        .expect("an active household")
    };
    let own = first_active(TOWN, &town);
    let other = first_active(OTHER_TOWN, "mzj");

    // The plan: shown; changed by the 区民政局, not by a town.
    let plan = run(&["visits", "plan"]);
    assert!(
        plan.contains("特困供养") && plan.contains("最频繁"),
        "{plan}"
    );
    let e = refused(&[
        "visits",
        "plan",
        "--category",
        "低保",
        "--frequency",
        "monthly",
        "--as",
        &town,
    ]);
    assert!(!e.is_empty());
    let changed = run(&[
        "visits",
        "plan",
        "--category",
        "低保",
        "--frequency",
        "monthly",
        "--as",
        "mzj",
    ]);
    assert!(changed.contains("已修改探访计划"), "{changed}");

    // A visit: own household recorded; another town's not found.
    let v = run_json(&[
        "visits",
        "record",
        &own,
        "--visitor",
        "社工",
        "--mode",
        "phone",
        "--needs",
        "助餐,助医",
        "--as",
        &town,
    ]);
    assert_eq!(v["household"], own.as_str(), "{v}");
    assert_eq!(v["mode"], "phone");
    let e = refused(&[
        "visits",
        "record",
        &other,
        "--visitor",
        "社工",
        "--as",
        &town,
    ]);
    assert!(e.contains("不存在"), "{e}");
    let visits = run_json(&["visits", "list", "--household", &own, "--as", &town]);
    assert!(
        visits
            .as_array()
            .expect("visits")
            .iter()
            .any(|x| x["id"] == v["id"]),
        "{visits}"
    );
    let table = run(&["visits", "list", "--household", &own, "--as", &town]);
    assert!(table.contains("电话") && table.contains("助餐"), "{table}");
    let schedules = run_json(&["visits", "list", "--as", &town]);
    for s in schedules.as_array().expect("schedules") {
        assert!(
            s["place"].as_str().unwrap_or_default().starts_with(TOWN),
            "a town sees its own: {s}"
        );
    }
    let overdue = run_json(&["visits", "list", "--overdue", "--as", "mzj"]);
    assert!(
        !overdue.as_array().expect("overdue").is_empty(),
        "the demo leaves some overdue"
    );
    let rate = run_json(&["visits", "rate", "--as", "mzj"]);
    assert!(rate["total_year"].is_object(), "{rate}");
    let rate = run(&["visits", "rate", "--place", TOWN, "--as", &town]);
    assert!(rate.contains("本年探访关爱率"), "{rate}");
    let re = run(&["visits", "recompute", "--as", "mzj"]);
    assert!(re.contains("K7.2f"), "{re}");

    // Flags: a town sees its own; one handled once; another town's not found.
    let all = run_json(&["flags", "list", "--as", "mzj"]);
    let all = all.as_array().expect("flags").clone();
    assert!(!all.is_empty(), "the demo raises flags");
    let mine = run_json(&["flags", "list", "--state", "open", "--as", &town]);
    let mine = mine.as_array().expect("flags").clone();
    for f in &mine {
        assert!(f["place"].as_str().unwrap_or_default().starts_with(TOWN));
        assert_ne!(f["now"], "handled");
    }
    let open = mine.first().expect("an open flag of the town");
    let id = open["id"].as_str().expect("id");
    let handled = run(&[
        "flags",
        "handle",
        id,
        "--outcome",
        "adjust",
        "--note",
        "已入户核实,调整救助",
        "--as",
        &town,
    ]);
    assert!(
        handled.contains("已处理") && handled.contains("调整救助"),
        "{handled}"
    );
    let e = refused(&[
        "flags",
        "handle",
        id,
        "--outcome",
        "adjust",
        "--note",
        "再次处理",
        "--as",
        &town,
    ]);
    assert!(e.contains("已处理"), "{e}");
    let foreign = all
        .iter()
        .find(|f| {
            f["place"]
                .as_str()
                .unwrap_or_default()
                .starts_with(OTHER_TOWN)
        })
        .and_then(|f| f["id"].as_str())
        .expect("a flag of the other town");
    let e = refused(&[
        "flags",
        "handle",
        foreign,
        "--outcome",
        "refer",
        "--note",
        "越权处理",
        "--as",
        &town,
    ]);
    assert!(e.contains("不存在"), "{e}");
    let scanned = run(&["flags", "scan", "--as", &town]);
    assert!(scanned.contains("新增预警"), "{scanned}");

    // The rules: shown; a bad change and a town's change refused.
    let rules = run(&["flags", "rules"]);
    assert!(rules.contains("medical_yuan"), "{rules}");
    let bad = dir.path().join("rules.json");
    std::fs::write(
        &bad,
        r#"{"income_drop_pct": 20, "medical_yuan": -1, "missed_visit_days": 15, "review_months": 12, "expiry_warn_days": 30, "handle_days": 7}"#,
    )
    .unwrap();
    let bad = bad.display().to_string();
    refused(&["flags", "rules", "--set", &bad, "--as", "mzj"]);
    refused(&["flags", "rules", "--set", &bad, "--as", &town]);
}
