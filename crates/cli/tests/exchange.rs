//! `youxiang exchange dhis2` through the binary: an export of the approved figures imported
//! back with `--dry-run` is all ignored (JSON by UID, CSV by code), a conflict fails the
//! command with DHIS2's summary printed and nothing written, the mapping shown whole and set.

use super::{json, ok, youxiang};

#[test]
fn dhis2_export_import_and_mapping_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("dhis2.db").display());
    ok(&["--db", &db, "demo", "--no-serve"]);

    let set = json(&["--db", &db, "exchange", "dhis2", "export"]);
    let n = set["dataValues"].as_array().map_or(0, Vec::len) as u64;
    assert!(n > 100, "{n}");
    let file = dir.path().join("set.json");
    std::fs::write(&file, set.to_string()).unwrap();
    let f = file.to_str().unwrap();
    let summary = json(&["--db", &db, "exchange", "dhis2", "import", f, "--dry-run"]);
    assert_eq!(summary["status"], "SUCCESS", "{summary}");
    assert_eq!(summary["importCount"]["ignored"], n, "{summary}");
    assert_eq!(summary["importCount"]["imported"], 0, "{summary}");

    let csv = ok(&[
        "--db",
        &db,
        "exchange",
        "dhis2",
        "export",
        "--format",
        "csv",
        "--id-scheme",
        "code",
        "--org-unit",
        "330902002",
        "--children",
        "--period",
        "2024",
    ]);
    let rows = csv.lines().count() as u64 - 1;
    assert!(rows > 0, "{csv}");
    let file = dir.path().join("town.csv");
    std::fs::write(&file, &csv).unwrap();
    let f = file.to_str().unwrap();
    let summary = json(&[
        "--db",
        &db,
        "exchange",
        "dhis2",
        "import",
        f,
        "--dry-run",
        "--id-scheme",
        "code",
        "--as",
        "town-330902002",
    ]);
    assert_eq!(summary["importCount"]["ignored"], rows, "{summary}");

    // Another town's figures by that town's reporter: conflicts, a failure, nothing written.
    let other = youxiang(&[
        "--db",
        &db,
        "exchange",
        "dhis2",
        "import",
        f,
        "--id-scheme",
        "code",
        "--as",
        "town-330902003",
    ]);
    assert!(!other.status.success());
    let summary: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_eq!(summary["status"], "ERROR", "{summary}");
    assert!(
        summary["conflicts"].to_string().contains("填报范围"),
        "{summary}"
    );

    let mapping = ok(&["--db", &db, "exchange", "dhis2", "mapping", "show"]);
    assert!(
        mapping.contains("[[data_element]]") && mapping.contains("indicator = \"T01\""),
        "{mapping}"
    );
    let file = dir.path().join("mapping.toml");
    std::fs::write(
        &file,
        "[[org_unit]]\nplace = \"330902002\"\nuid = \"DiszpKrYNg8\"\n",
    )
    .unwrap();
    ok(&[
        "--db",
        &db,
        "exchange",
        "dhis2",
        "mapping",
        "set",
        file.to_str().unwrap(),
        "--as",
        "office",
    ]);
    let shown = ok(&["--db", &db, "exchange", "dhis2", "mapping", "show"]);
    assert!(shown.contains("DiszpKrYNg8"), "{shown}");
    std::fs::write(&file, "[[org_unit]]\nplace = \"nowhere\"\n").unwrap();
    let bad = youxiang(&[
        "--db",
        &db,
        "exchange",
        "dhis2",
        "mapping",
        "set",
        file.to_str().unwrap(),
        "--as",
        "office",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nowhere"));
}
