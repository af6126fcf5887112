//! `youxiang assist household|check|standard|rekey` on the demo (a module of the one test
//! binary `cli`): the demo makes its key file beside the database and says so; lists,
//! shows and exports are masked (the scan finds no ID number or phone in anything printed,
//! the demo's log included); a reveal needs the right and a reason; every clause of a
//! check printed with its inputs; a standard previewed, then applied; a rotation re-seals
//! every household while the old key still opens, and the audit chain still verifies.

use super::{json, ok, youxiang};
use youxiang_core::assist::register::find_unmasked;

fn clean(what: &str, text: &str) {
    let found = find_unmasked(text);
    assert!(found.is_empty(), "{what} prints unmasked {found:?}");
}

#[test]
fn the_register_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo.db");
    let db = format!("sqlite://{}", file.display());
    let out = youxiang(&["--db", &db, "demo", "--no-serve"]);
    assert!(out.status.success());
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(stdout.contains("已生成演示用个人信息密钥文件"), "{stdout}");
    assert!(stdout.contains("困难群众名册(演示):300 户"), "{stdout}");
    clean("the demo's output", &stdout);
    clean("the demo's log", &stderr);
    let keys = format!("{}.assist-keys", file.display());
    assert!(std::fs::read_to_string(&keys).unwrap().contains("k1 "));

    let list = ok(&["--db", &db, "assist", "household", "list", "--as", "mzj"]);
    assert!(list.contains("共 300 户"), "{list}");
    clean("the list", &list);
    let all = json(&[
        "--db",
        &db,
        "assist",
        "household",
        "list",
        "--as",
        "mzj",
        "--json",
    ]);
    clean("the list as JSON", &all.to_string());
    let id = all[0]["id"].as_str().unwrap().to_string();
    let town_place = all[0]["place"].as_str().unwrap()[..9].to_string();
    let shown = ok(&[
        "--db",
        &db,
        "assist",
        "household",
        "show",
        &id,
        "--as",
        "mzj",
    ]);
    assert!(
        shown.contains("状态记录") && shown.contains("授权同意"),
        "{shown}"
    );
    clean("a household", &shown);

    // Whole: the 民政 department with a reason; a viewer never.
    let whole = ok(&[
        "--db",
        &db,
        "assist",
        "household",
        "show",
        &id,
        "--reveal",
        "复核需要联系户主",
        "--as",
        "mzj",
    ]);
    assert!(!find_unmasked(&whole).is_empty(), "{whole}");
    let refused = youxiang(&[
        "--db",
        &db,
        "assist",
        "household",
        "show",
        &id,
        "--reveal",
        "复核需要联系户主",
        "--as",
        "viewer",
    ]);
    assert!(!refused.status.success());
    // Another town's worker does not find it.
    let other = if town_place == "330902003" {
        "330902002"
    } else {
        "330902003"
    };
    let out = youxiang(&[
        "--db",
        &db,
        "assist",
        "household",
        "show",
        &id,
        "--as",
        &format!("town-{other}"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("不存在"));

    // Exports: masked; whole with the right, audited.
    let masked = dir.path().join("masked.csv");
    ok(&[
        "--db",
        &db,
        "assist",
        "household",
        "export",
        masked.to_str().unwrap(),
        "--as",
        "mzj",
    ]);
    clean(
        "the masked export",
        &std::fs::read_to_string(&masked).unwrap(),
    );
    let whole = dir.path().join("whole.csv");
    ok(&[
        "--db",
        &db,
        "assist",
        "household",
        "export",
        whole.to_str().unwrap(),
        "--whole",
        "年度复核名单",
        "--as",
        "mzj",
    ]);
    assert!(!find_unmasked(&std::fs::read_to_string(&whole).unwrap()).is_empty());

    // The check: every clause with its inputs.
    let check = ok(&[
        "--db",
        &db,
        "assist",
        "check",
        &id,
        "--date",
        "2025-10-15",
        "--as",
        "mzj",
    ]);
    assert!(
        check.contains("14,100元") && check.contains("人均年收入"),
        "{check}"
    );
    let v = json(&["--db", &db, "assist", "check", &id, "--as", "mzj", "--json"]);
    assert_eq!(v["rules"].as_array().map(Vec::len), Some(3), "{v}");

    // A standard: previewed (nothing saved), then applied.
    let std_args: [&str; 13] = [
        "--db",
        &db,
        "assist",
        "standard",
        "preview",
        "--place",
        "330902",
        "--from",
        "2025-10-01",
        "--dibao",
        "20000",
        "--as",
        "mzj",
    ];
    let preview = ok(&std_args);
    assert!(
        preview.contains("预览,未保存") && preview.contains("新符合"),
        "{preview}"
    );
    let listed = ok(&["--db", &db, "assist", "standard", "list"]);
    assert!(!listed.contains("20,000元"), "{listed}");
    let mut apply = std_args;
    apply[4] = "apply";
    assert!(ok(&apply).contains("已生效"));
    assert!(ok(&["--db", &db, "assist", "standard", "list"]).contains("20,000元"));

    // Rotation: a new key, every household sealed again, the old key kept.
    let rekey = ok(&["--db", &db, "assist", "rekey"]);
    assert!(
        rekey.contains("k2") && rekey.contains("重新加密 300 户"),
        "{rekey}"
    );
    let again = ok(&["--db", &db, "assist", "rekey", "--no-new-key"]);
    assert!(again.contains("重新加密 0 户"), "{again}");
    let v = json(&[
        "--db",
        &db,
        "assist",
        "household",
        "list",
        "--as",
        "mzj",
        "--json",
    ]);
    assert!(v.as_array().unwrap().iter().all(|h| h["key"] == "k2"));
    let whole = ok(&[
        "--db",
        &db,
        "assist",
        "household",
        "show",
        &id,
        "--reveal",
        "换密钥后核对",
        "--as",
        "mzj",
    ]);
    assert!(!find_unmasked(&whole).is_empty());
    let verify = ok(&["--db", &db, "audit", "verify"]);
    assert!(!verify.is_empty());
}
