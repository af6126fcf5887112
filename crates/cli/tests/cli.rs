//! The one integration-test binary of the CLI: runs the real `youxiang` binary the way a
//! user does and checks what it prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod assess;
mod assist;
mod assist_care;
mod assist_dispatch;
mod assist_list;
mod assist_register;
mod crash;
mod exchange;
mod servers;
mod survey;
mod survey_demand;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `youxiang` binary the tests run: cargo's build of this checkout, or the one
/// `YOUXIANG_TEST_BIN` names (`scripts/crash-test --release`: a release build's).
fn bin() -> std::ffi::OsString {
    std::env::var_os("YOUXIANG_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_youxiang").into())
}

fn youxiang(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(repo())
        .env_remove("YOUXIANG_DB")
        .env_remove("YOUXIANG_PLAN")
        .output()
        .expect("the youxiang binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = youxiang(args);
    assert!(
        out.status.success(),
        "youxiang {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn json(args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).expect("JSON output")
}

#[test]
fn plan_show_prints_the_dinghai_table() {
    let out = ok(&["plan", "show"]);
    assert!(out.contains("舟山市定海区公共服务“七优享”工程实施方案"));
    for cell in [
        "每千人口拥有3岁以下婴幼儿托位数",
        "≥28.07",
        "全覆盖",
        "<5",
        "12420",
    ] {
        assert!(out.contains(cell), "missing {cell}");
    }
    assert!(out.contains("20 项表内指标"), "{out}");
    let plan = json(&["plan", "show", "--json"]);
    assert_eq!(plan["indicators"].as_array().map(Vec::len), Some(82));
}

#[test]
fn plan_check_lists_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("plans/dinghai-qiyouxiang.toml")).unwrap();
    let broken = text
        .replacen("2023 = \"3.8\"", "2023 = \"约3.8\"", 1)
        .replacen("code = \"T02\"", "code = \"T01\"", 1);
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, broken).unwrap();
    let out = youxiang(&["plan", "check", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("约3.8") && err.contains("2023年"), "{err}");
    assert!(err.contains("指标编码重复"), "{err}");
}

#[test]
fn plan_import_reads_the_seed() {
    let Some(seed) = youxiang_testkit::shared("seed/dinghai-qiyouxiang-plan.txt") else {
        return;
    };
    let v = json(&["plan", "import", seed.to_str().unwrap(), "--json"]);
    let rows = v["indicators"].as_array().unwrap();
    assert_eq!(rows.len(), 20);
    assert_eq!(rows[5]["targets"]["2023"]["op"], "<");
    assert_eq!(rows[14]["targets"]["2026"]["op"], ">=");
    assert_eq!(rows[13]["targets"]["2026"]["op"], "full");
    assert!(v["task_targets"].as_array().unwrap().len() >= 40);
    assert!(v["unread"].as_array().is_some());
}

#[test]
fn eval_progress_reproduces_case_a() {
    let v = json(&[
        "eval",
        "progress",
        "--base",
        "14.5@2015",
        "--current",
        "10.2@2023",
        "--target",
        "7.25@2030",
        "--lower-is-better",
        "--json",
    ]);
    assert_eq!(v["p"].as_f64(), Some(0.9525901792032172));
    assert_eq!(v["score"].as_f64(), Some(2.5185563910306596));
    assert_eq!(v["status"], "substantial_progress");
    let bad = youxiang(&["eval", "progress", "--base", "14.5", "--current", "1@2020"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--base"));
}

#[test]
fn demo_status_explain_upload_completeness_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("demo.db").display());
    let out = ok(&["--db", &db, "demo", "--no-serve"]);
    assert!(out.contains("演示数据"), "{out}");

    let rows = json(&["--db", &db, "status", "--json"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 20);
    let lights: Vec<&str> = rows.iter().filter_map(|r| r["light"].as_str()).collect();
    for l in ["green", "yellow", "red"] {
        assert!(lights.contains(&l), "{lights:?}");
    }
    // A figure beside its target never looks like it (82.4484 against 82.45 is 82.448).
    let year = json(&["--db", &db, "status", "--year", "2024", "--json"]);
    let printed = ok(&["--db", &db, "status", "--year", "2024"]);
    let mut checked = 0;
    for r in year.as_array().unwrap() {
        let (Some(v), Some(code), Some(text)) = (
            r["value"].as_f64(),
            r["indicator"].as_str(),
            r["target"].as_str(),
        ) else {
            continue;
        };
        let Some(aim) = youxiang_core::Target::parse(text)
            .ok()
            .and_then(|t| t.aim())
        else {
            continue;
        };
        let line = printed
            .lines()
            .find(|l| l.contains(code))
            .unwrap_or_else(|| panic!("{code} not in {printed}"));
        let t = youxiang_core::Target::parse(text).unwrap();
        let shown =
            youxiang_core::value::show_value(v, Some(&t), if v.abs() >= 1000.0 { 0 } else { 2 });
        assert!(line.contains(&shown), "{code}: {shown} not in {line}");
        let back: f64 = shown.parse().unwrap();
        assert!(
            v == aim || back != aim,
            "{code}: {v} shown as its target {text}"
        );
        checked += 1;
    }
    assert!(checked > 5, "{checked}");
    let table = ok(&[
        "--db",
        &db,
        "status",
        "--place",
        "330902003",
        "--domain",
        "幼有善育",
    ]);
    assert!(
        table.contains("环南街道") && table.contains("普惠托位占比"),
        "{table}"
    );

    let why = json(&["--db", &db, "explain", "T02", "330902", "2025-09", "--json"]);
    assert!(why["source"].as_str().unwrap().contains("由下级汇总"));
    assert_eq!(why["parts"].as_array().unwrap().len(), 13);
    assert!(
        why["schedule"]["explanation"]["formula"]
            .as_str()
            .unwrap()
            .contains("应完成")
    );

    // A bad file is refused whole, naming row and column; nothing changes.
    let before = json(&["--db", &db, "status", "--json"]);
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "指标编码,地点编码,期间,分项,数值\nT02,330902003001,2025-09,分子,abc\nT99,330902003001,2025-09,分子,1\n",
    )
    .unwrap();
    let out = youxiang(&[
        "--db",
        &db,
        "values",
        "import",
        bad.to_str().unwrap(),
        "--as",
        "admin",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("第2行") && err.contains("E列") && err.contains("abc"),
        "{err}"
    );
    assert!(err.contains("第3行") && err.contains("T99"), "{err}");
    assert_eq!(json(&["--db", &db, "status", "--json"]), before);

    // A file over a read limit (here `--max-columns 3`) is refused whole, naming the limit.
    let out = youxiang(&[
        "--db",
        &db,
        "values",
        "import",
        bad.to_str().unwrap(),
        "--as",
        "admin",
        "--max-columns",
        "3",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv:文件超过限制:最多 3 列(第 1 行有 5 列,填到 E 列)"),
        "{err}"
    );

    // Outside the uploader's scope: refused.
    let other = dir.path().join("other.csv");
    std::fs::write(
        &other,
        "指标编码,地点编码,期间,分项,数值\nT02,330902003001,2025-09,分子,1000\nT02,330902003001,2025-09,分母,1500\n",
    )
    .unwrap();
    let out = youxiang(&[
        "--db",
        &db,
        "values",
        "import",
        other.to_str().unwrap(),
        "--as",
        "town-330902002",
    ]);
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // In scope: stored, and the roll-up moves; the same file again changes nothing.
    let out = ok(&[
        "--db",
        &db,
        "values",
        "import",
        other.to_str().unwrap(),
        "--as",
        "town-330902003",
    ]);
    assert!(out.contains("上传成功"), "{out}");
    let again = ok(&[
        "--db",
        &db,
        "values",
        "import",
        other.to_str().unwrap(),
        "--as",
        "town-330902003",
    ]);
    assert!(again.contains("0 条数据有变化"), "{again}");
    let audit = json(&[
        "--db",
        &db,
        "audit",
        "--place",
        "330902003001",
        "--indicator",
        "T02",
        "--json",
    ]);
    // The command line's writes are marked as such, with the operating-system user.
    let by_town: Vec<&serde_json::Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["actor"] == "town-330902003")
        .collect();
    assert!(!by_town.is_empty(), "{audit}");
    for r in &by_town {
        let origin = r["origin"].as_str().unwrap_or_default();
        assert!(origin.starts_with("cli:") && origin.contains('@'), "{r}");
    }
    let table = ok(&[
        "--db",
        &db,
        "audit",
        "--place",
        "330902003001",
        "--indicator",
        "T02",
    ]);
    assert!(
        table.contains("来源") && table.contains("命令行 "),
        "{table}"
    );
    assert!(ok(&["--db", &db, "audit", "verify"]).contains("审计链完整"));
    anchor_proves_the_tail(dir.path(), &db);

    let template = dir.path().join("t.xlsx");
    ok(&[
        "--db",
        &db,
        "values",
        "template",
        "--as",
        "village-330902003001",
        "--period",
        "2025-10",
        "--out",
        template.to_str().unwrap(),
    ]);
    assert!(std::fs::read(&template).unwrap().starts_with(b"PK"));

    let c = json(&[
        "--db",
        &db,
        "completeness",
        "--from",
        "2025-09-01",
        "--to",
        "2025-09-30",
        "--as-of",
        "2025-10-20",
        "--json",
    ]);
    let c = c.as_array().unwrap();
    let expected: u64 = c.iter().map(|r| r["expected"].as_u64().unwrap()).sum();
    let missing: u64 = c.iter().map(|r| r["missing"].as_u64().unwrap()).sum();
    assert!(expected > 0 && missing > 0, "{expected} {missing}");

    let places = ok(&["--db", &db, "places", "show"]);
    assert!(
        places.contains("金塘镇") && places.contains("千岛街道"),
        "{places}"
    );
}

#[test]
fn access_coverage_runs_on_porto_alegre() {
    if youxiang_testkit::shared("data/osm/porto-alegre/poa_osm.pbf").is_none() {
        return;
    }
    let d = repo().join("../shared/data/osm/porto-alegre");
    let pbf = d.join("poa_osm.pbf");
    let grid = d.join("poa_hexgrid.csv");
    let out = ok(&[
        "access",
        "coverage",
        "--pbf",
        pbf.to_str().unwrap(),
        "--origins",
        grid.to_str().unwrap(),
        "--facilities",
        grid.to_str().unwrap(),
        "--facility-columns",
        "schools,healthcare",
    ]);
    assert!(out.contains("覆盖率") && out.contains("basket"), "{out}");
    assert!(out.contains("812935"), "{out}");
    let bad = youxiang(&[
        "access",
        "coverage",
        "--pbf",
        grid.to_str().unwrap(),
        "--origins",
        grid.to_str().unwrap(),
        "--facilities",
        grid.to_str().unwrap(),
        "--facility-columns",
        "schools",
    ]);
    assert!(!bad.status.success(), "a CSV given as PBF must be refused");
}

#[test]
fn management_loop_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("loop.db").display());
    ok(&["--db", &db, "demo", "--no-serve"]);

    let rank = ok(&["--db", &db, "rank", "2025-06", "--by", "town"]);
    assert!(
        rank.contains("排名规则") && rank.contains("金塘镇"),
        "{rank}"
    );
    let xlsx = dir.path().join("rank.xlsx");
    let r = json(&[
        "--db",
        &db,
        "rank",
        "2025-06",
        "--by",
        "department",
        "--json",
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert!(r["rule_zh"].as_str().unwrap().contains("1.2"));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    // The rule is configuration: change the cap and the terms, and the ranking prints it.
    let mut config = json(&["--db", &db, "config"]);
    config["rank"]["cap"] = serde_json::json!(1.1);
    config["rank"]["terms"] = serde_json::json!([]);
    let file = dir.path().join("config.json");
    std::fs::write(&file, config.to_string()).unwrap();
    let refused = youxiang(&[
        "--db",
        &db,
        "config",
        "--set",
        file.to_str().unwrap(),
        "--as",
        "wjj",
    ]);
    assert!(
        !refused.status.success(),
        "only the programme office sets the rule"
    );
    ok(&["--db", &db, "config", "--set", file.to_str().unwrap()]);
    let rank = ok(&["--db", &db, "rank", "2025-06", "--by", "town"]);
    assert!(
        rank.contains("1.1") && !rank.contains("报送及时率"),
        "{rank}"
    );
    let bad = youxiang(&["--db", &db, "rank", "2025Q2"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("不是月份"));

    let raised = ok(&[
        "--db",
        &db,
        "orders",
        "raise",
        "--title",
        "托位建设督办",
        "--lead-unit",
        "区卫健局",
        "--deadline",
        "2099-12-31",
    ]);
    let id = raised
        .split_whitespace()
        .find(|w| w.starts_with("DB-"))
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    let id = id.split('(').next().unwrap().to_string();
    let refused = youxiang(&["--db", &db, "orders", "act", &id, "accept", "--as", "jyj"]);
    assert!(
        !refused.status.success(),
        "another department cannot accept"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("无权"));
    ok(&["--db", &db, "orders", "act", &id, "accept", "--as", "wjj"]);
    ok(&[
        "--db",
        &db,
        "orders",
        "act",
        &id,
        "feedback",
        "--text",
        "已完成",
        "--as",
        "wjj",
    ]);
    let half = youxiang(&[
        "--db",
        &db,
        "orders",
        "act",
        &id,
        "approve",
        "--checks",
        "facts_clear",
    ]);
    assert!(String::from_utf8_lossy(&half.stderr).contains("审结核查未通过"));
    let done = ok(&[
        "--db", &db, "orders", "act", &id, "approve", "--checks", "all",
    ]);
    assert!(done.contains("审结通过"), "{done}");
    let stats = ok(&["--db", &db, "orders", "stats"]);
    assert!(
        stats.contains("合计") && stats.contains("区卫健局"),
        "{stats}"
    );
    let list = json(&["--db", &db, "orders", "list", "--json", "--as", "wjj"]);
    assert!(list.as_array().unwrap().iter().all(|o| {
        o["lead_unit"] == "区卫健局"
            || o["partner_units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "区卫健局")
    }));

    let inbox = ok(&["--db", &db, "inbox", "--as", "wjj"]);
    assert!(inbox.contains(&id), "{inbox}");

    ok(&[
        "--db",
        &db,
        "weekly",
        "file",
        "--unit",
        "区卫健局",
        "--week",
        "2025-W45",
        "--item",
        "托育摸排",
        "--as",
        "wjj",
    ]);
    let week = ok(&["--db", &db, "weekly", "view", "--week", "2025-W45"]);
    assert!(
        week.contains("未报送") && week.contains("区卫健局"),
        "{week}"
    );

    let tasks = ok(&["--db", &db, "tasks", "list"]);
    assert!(tasks.contains("task:1.1"), "{tasks}");
    ok(&[
        "--db",
        &db,
        "tasks",
        "milestone",
        "task:1.1",
        "--title",
        "摸排",
        "--due",
        "2025-01-31",
    ]);
    let overdue = ok(&["--db", &db, "tasks", "list", "--overdue"]);
    assert!(overdue.contains("task:1.1"), "{overdue}");

    let html = dir.path().join("q3.html");
    ok(&[
        "--db",
        &db,
        "report",
        "quarterly",
        "2025Q3",
        "--format",
        "html",
        "--out",
        html.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.contains("2025年第3季度") && text.contains("督办"),
        "report html"
    );

    // `audit verify` replays the records too: an order changed with SQL around the
    // application is found, though the audit chain itself is intact.
    assert!(ok(&["--db", &db, "audit", "verify"]).contains("审计链完整"));
    let path = db.trim_start_matches("sqlite://").to_string();
    let sql = format!("UPDATE records SET state = 'returned' WHERE kind = 'order' AND id = '{id}'");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        });
    let out = youxiang(&["--db", &db, "audit", "verify"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("记录 order:{id} 与审计记录不符"))
            && err.contains("状态:表中“returned”"),
        "{err}"
    );
}

/// `audit anchor` signs the head with a key outside the database; removing the audit's
/// tail and moving the head back consistently then passes a plain `audit verify`, but not
/// `audit verify --anchor`.
fn anchor_proves_the_tail(dir: &Path, db: &str) {
    let key = dir.join("anchor.key");
    std::fs::write(&key, [42u8; 32]).unwrap();
    let key = key.to_str().unwrap();
    // The last audited change: a user disabled and enabled again (no value involved).
    ok(&["--db", db, "users", "disable", "viewer"]);
    ok(&["--db", db, "users", "enable", "viewer"]);
    let anchor = dir.join("anchor.json");
    let anchor = anchor.to_str().unwrap();
    assert!(ok(&["--db", db, "audit", "anchor", "--key", key, "--out", anchor]).contains("已锚定"));
    let out = ok(&[
        "--db", db, "audit", "verify", "--anchor", anchor, "--key", key,
    ]);
    assert!(out.contains("哈希一致"), "{out}");
    let wrong = dir.join("wrong.key");
    std::fs::write(&wrong, [7u8; 32]).unwrap();
    let out = youxiang(&[
        "--db",
        db,
        "audit",
        "verify",
        "--anchor",
        anchor,
        "--key",
        wrong.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("签名与密钥不符"));

    // Someone with the database drops the append-only triggers, deletes the last two rows
    // and moves the head back to the row before them.
    let path = db.trim_start_matches("sqlite://").to_string();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
                .await
                .unwrap();
            sqlx::raw_sql(
                "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; \
                 DROP TRIGGER IF EXISTS audit_head_forward; \
                 DELETE FROM audit WHERE seq > (SELECT seq - 2 FROM audit_head); \
                 UPDATE audit_head SET seq = (SELECT MAX(seq) FROM audit), \
                   hash = (SELECT hash FROM audit WHERE seq = (SELECT MAX(seq) FROM audit));",
            )
            .execute(&mut c)
            .await
            .unwrap();
        });
    assert!(
        ok(&["--db", db, "audit", "verify"]).contains("审计链完整"),
        "the chain alone cannot tell"
    );
    let out = youxiang(&[
        "--db", db, "audit", "verify", "--anchor", anchor, "--key", key,
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("其后的记录被删除"), "{err}");
}

fn with_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(repo())
        .env_remove("YOUXIANG_DB")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the youxiang binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("output")
}

/// 三员分立 on the command line: users are the security administrator's; a weak password
/// is refused before anything is saved; a password set by another must be changed.
#[test]
fn users_are_the_security_administrators() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("users.db").display());
    ok(&["--db", &db, "init", "--places", "data/dinghai-places.csv"]);
    let users = json(&["--db", &db, "users", "list", "--json"]);
    let roles: Vec<(&str, &str)> = users
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| Some((u["login"].as_str()?, u["role"].as_str()?)))
        .collect();
    for want in [
        ("admin", "admin"),
        ("security", "security_admin"),
        ("auditor", "auditor"),
    ] {
        assert!(roles.contains(&want), "{roles:?}");
    }
    let add = |actor: &str, password: &str| {
        with_stdin(
            &[
                "--db",
                &db,
                "users",
                "add",
                "hn01",
                "--name",
                "环南街道填报员",
                "--role",
                "town_reporter",
                "--place",
                "330902003",
                "--password-stdin",
                "--as",
                actor,
            ],
            &format!("{password}\n"),
        )
    };
    // The system administrator and the auditor cannot add users.
    for actor in ["admin", "auditor"] {
        let out = add(actor, "Initial#2026");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("无权管理用户"), "{actor}: {err}");
    }
    // A weak password: refused, and the user is not saved either.
    let out = add("security", "weakpassword");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("至少 3 类"));
    let users = json(&["--db", &db, "users", "list", "--json"]);
    assert!(!users.to_string().contains("hn01"), "nothing saved");
    // The security administrator adds the user; its password must be changed at sign-in.
    let out = add("security", "Initial#2026");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("首次登录时须修改"));
    // The system administrator cannot disable or reset anyone; a user may set their own.
    let out = youxiang(&["--db", &db, "users", "disable", "hn01", "--as", "admin"]);
    assert!(!out.status.success());
    let out = with_stdin(
        &[
            "--db",
            &db,
            "users",
            "passwd",
            "hn01",
            "--password-stdin",
            "--as",
            "admin",
        ],
        "Reset#2026ab\n",
    );
    assert!(!out.status.success());
    let out = with_stdin(
        &[
            "--db",
            &db,
            "users",
            "passwd",
            "admin",
            "--password-stdin",
            "--as",
            "admin",
        ],
        "Own#2026abcd\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("须先修改密码"));
    ok(&["--db", &db, "users", "disable", "hn01"]);
    // Each change is audited with the security administrator as the actor.
    let rows = json(&["--db", &db, "audit", "--json", "--actor", "security"]);
    let actions: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .collect();
    assert!(actions.contains(&"user.disable"), "{actions:?}");
    assert!(!actions.contains(&"user.enable"), "{actions:?}");
}

/// Every fixture of the plan reader (other counties' shapes): `plan import --out` writes a
/// file that `plan check` accepts, `init --plan` loads it and `status` shows it.
#[test]
fn plan_import_check_init_status_on_every_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = repo().join("crates/plantext/tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for (n, file) in files.iter().enumerate() {
        let out = dir.path().join(format!("plan{n}.toml"));
        let (out_s, file_s) = (out.to_str().unwrap(), file.to_str().unwrap());
        ok(&[
            "plan", "import", file_s, "--out", out_s, "--place", "330902",
        ]);
        let checked = ok(&["plan", "check", out_s]);
        assert!(checked.contains("方案文件有效"), "{checked}");
        // The name is the document's title, never a page's navigation line.
        let toml = std::fs::read_to_string(&out).unwrap();
        let name = toml
            .lines()
            .find(|l| l.starts_with("name = "))
            .unwrap_or("");
        assert!(
            !name.contains('|') && (name.contains("方案") || name.contains("要点")),
            "{name}"
        );
        let db = format!("sqlite://{}", dir.path().join(format!("p{n}.db")).display());
        ok(&[
            "--plan",
            out_s,
            "--db",
            &db,
            "init",
            "--places",
            "data/dinghai-places.csv",
        ]);
        let status = ok(&["--plan", out_s, "--db", &db, "status", "--all"]);
        assert!(status.contains("定海区"), "{}: {status}", file.display());
    }
}

/// Without target years anywhere the import asks for them by name; a table header with no
/// row read is an error, and nothing is written.
#[test]
fn plan_import_asks_for_years_and_refuses_an_empty_table() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("t.txt");
    let out = dir.path().join("t.toml");
    std::fs::write(
        &text,
        "某县工作方案\n二、重点任务\n(一)推进托育。(牵头单位:县卫健局)\n1.新增托位300个以上。\n",
    )
    .unwrap();
    let args = [
        "plan",
        "import",
        text.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let refused = youxiang(&args);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--years"));
    assert!(!out.exists());
    let mut with_years = args.to_vec();
    with_years.extend(["--years", "2025-2027"]);
    ok(&with_years);
    ok(&["plan", "check", out.to_str().unwrap()]);

    let empty = dir.path().join("empty.txt");
    let out2 = dir.path().join("empty.toml");
    std::fs::write(
        &empty,
        "某县方案\n领域\n指标\n2025年\n2027年\n二、重点任务\n",
    )
    .unwrap();
    let r = youxiang(&[
        "plan",
        "import",
        empty.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(!r.status.success());
    assert!(String::from_utf8_lossy(&r.stderr).contains("没有读出任何一行指标"));
    assert!(!out2.exists());
}

#[test]
fn catalogue_show_check_and_diff() {
    let c = json(&["catalogue", "show", "national-2023", "--json"]);
    assert_eq!(c["year"], 2023);
    assert!(c["items"].as_array().unwrap().len() >= 9);
    let out = ok(&["catalogue", "check", "national-2023"]);
    assert!(
        out.contains("待核实") && out.contains("服务标准未填"),
        "{out}"
    );
    // 2021 → 2023 as the announcement counts it, on two small editions written here.
    let dir = tempfile::tempdir().unwrap();
    let edition = |code: &str, items: &str| {
        format!(
            "[catalogue]\ncode = \"{code}\"\nname = \"{code}\"\nissuer = \"x\"\nyear = 2023\nscope = \"national\"\n{items}"
        )
    };
    let item = |code: &str, name: &str, extra: &str| {
        format!("[[items]]\ncode = \"{code}\"\nname = \"{name}\"\n{extra}\n")
    };
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    std::fs::write(
        &a,
        edition(
            "a",
            &(item("1", "义务教育阶段免除学杂费", "standard = \"旧\"")
                + &item("2", "农村危房改造", "target_group = \"旧\"")),
        ),
    )
    .unwrap();
    std::fs::write(
        &b,
        edition(
            "b",
            &(item("1", "义务教育阶段免除学杂费", "standard = \"新\"")
                + &item("2", "农村危房改造", "target_group = \"新\"")
                + &item("3", "增补叶酸预防神经管缺陷服务", "")),
        ),
    )
    .unwrap();
    let d = json(&[
        "catalogue",
        "diff",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(d["added"][0]["name"], "增补叶酸预防神经管缺陷服务");
    assert_eq!(d["standard"][0]["code"], "1");
    assert_eq!(d["target_group"][0]["code"], "2");
    // Excel out and back: the same items; a bad cell is named by row and column.
    let xlsx = dir.path().join("c.xlsx");
    ok(&[
        "catalogue",
        "export",
        "national-2023",
        "--out",
        xlsx.to_str().unwrap(),
    ]);
    let back = dir.path().join("back.toml");
    let out = ok(&[
        "catalogue",
        "import",
        xlsx.to_str().unwrap(),
        "--edition",
        "national-2023",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(out.contains("待核实"), "{out}");
    let d = json(&[
        "catalogue",
        "diff",
        "national-2023",
        back.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        ["added", "removed", "standard", "target_group", "other"]
            .iter()
            .all(|k| d[k].as_array().unwrap().is_empty()),
        "{d}"
    );
    let csv = dir.path().join("bad.csv");
    std::fs::write(
        &csv,
        "编码,服务项目,方面,提供层级\n1,助餐,老有所依,镇\n2,巡诊,老有所养,省\n",
    )
    .unwrap();
    let out = youxiang(&[
        "catalogue",
        "import",
        csv.to_str().unwrap(),
        "--edition",
        "national-2023",
        "--out",
        back.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("第2行") && err.contains("C列") && err.contains("第3行"),
        "{err}"
    );

    // A broken edition names its problems and fails.
    std::fs::write(&a, edition("a", &(item("1", "x", "") + &item("1", "", "")))).unwrap();
    let out = youxiang(&["catalogue", "check", a.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("编码重复") && err.contains("名称不能为空"),
        "{err}"
    );
}

#[test]
fn the_dinghai_sample_catalogue_checks_and_diffs_with_the_national_edition() {
    let out = ok(&["catalogue", "show", "dinghai-sample"]);
    assert!(
        out.contains("【样例】") && out.contains("助餐送餐服务"),
        "{out}"
    );
    let out = ok(&["catalogue", "check", "dinghai-sample"]);
    assert!(out.contains("支出责任未填"), "{out}");
    let d = json(&[
        "catalogue",
        "diff",
        "national-2023",
        "dinghai-sample",
        "--json",
    ]);
    assert!(
        d["target_group"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "农村危房改造"),
        "{d}"
    );
    assert!(d["added"].as_array().unwrap().len() > 30, "{d}");
}

#[test]
fn facilities_set_list_show_export_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("f.db").display());
    ok(&["--db", &db, "init", "--places", "data/dinghai-places.csv"]);
    let out = ok(&[
        "--db",
        &db,
        "facilities",
        "set",
        "SS000001",
        "--name",
        "金塘镇卫生院",
        "--type",
        "卫生院",
        "--place",
        "金塘镇",
        "--at",
        "121.885,30.030",
        "--capacity",
        "40",
    ]);
    assert!(out.contains("已登记设施 SS000001"), "{out}");
    ok(&[
        "--db",
        &db,
        "facilities",
        "set",
        "SS000001",
        "--status",
        "open",
        "--opened",
        "2015-03-01",
    ]);
    // A status never goes back.
    let back = youxiang(&[
        "--db",
        &db,
        "facilities",
        "set",
        "SS000001",
        "--status",
        "planned",
    ]);
    assert!(!back.status.success());
    assert!(String::from_utf8_lossy(&back.stderr).contains("不能改回规划中"));
    let list = ok(&["--db", &db, "facilities", "list", "--type", "卫生院"]);
    assert!(
        list.contains("金塘镇卫生院") && list.contains("40 床位"),
        "{list}"
    );
    let show = json(&["--db", &db, "facilities", "show", "SS000001", "--json"]);
    assert_eq!(show["history"].as_array().unwrap().len(), 2, "{show}");
    for ext in ["xlsx", "csv", "geojson"] {
        let file = dir.path().join(format!("f.{ext}"));
        ok(&["--db", &db, "facilities", "export", file.to_str().unwrap()]);
        let out = ok(&["--db", &db, "facilities", "import", file.to_str().unwrap()]);
        assert!(out.contains("未变 1 个"), "{ext}: {out}");
    }
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "设施编码,设施名称,设施类型,所属地点\nSS2,甲,体育馆,金塘镇\n",
    )
    .unwrap();
    let out = youxiang(&["--db", &db, "facilities", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("第2行 C列(设施类型)"));
}
