//! Shared fixtures: the real Dinghai plan, a small place tree, reporters.

use std::path::PathBuf;
use std::sync::OnceLock;

use youxiang_core::place::PlaceTree;
use youxiang_core::plan::Plan;
use youxiang_core::scope::{Reporter, Role, Scope};

pub fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures")).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The real Dinghai plan (loaded once).
pub fn plan() -> Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        let path = repo_root().join("plans/dinghai-qiyouxiang.toml");
        let text = std::fs::read_to_string(&path).expect("plan file");
        youxiang_plantext::planfile::load(&text).expect("plan loads")
    })
    .clone()
}

/// 定海区 → 昌国街道 (3 communities), 环南街道 (2 communities), from the fixture file.
pub fn tree() -> PlaceTree {
    static TREE: OnceLock<PlaceTree> = OnceLock::new();
    TREE.get_or_init(|| {
        let places = youxiang_ingest::read_places(&fixture("places.csv"), "places.csv")
            .expect("fixture places read");
        PlaceTree::build(places).expect("fixture places form a tree")
    })
    .clone()
}

pub fn reporter(role: Role, places: &[&str], indicators: &[&str]) -> Reporter {
    Reporter {
        login: "zhang".into(),
        name: "张三".into(),
        unit: "昌国街道".into(),
        role,
        scope: Scope {
            places: places.iter().map(|s| s.to_string()).collect(),
            indicators: indicators.iter().map(|s| s.to_string()).collect(),
        },
    }
}

/// A town reporter for 昌国街道 with every indicator.
pub fn town_reporter() -> Reporter {
    reporter(Role::TownReporter, &["330902002"], &[])
}

pub fn messages<T: std::fmt::Display>(items: &[T]) -> Vec<String> {
    items.iter().map(|e| e.to_string()).collect()
}

/// Writes rows of strings into an xlsx (first row = header) with rust_xlsxwriter.
pub fn xlsx(sheet: &str, rows: &[Vec<&str>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            // Numbers as numbers, like a person typing them into Excel.
            match text.parse::<f64>() {
                Ok(x) if !text.starts_with('0') || *text == "0" => {
                    ws.write_number(r as u32, c as u16, x).unwrap();
                }
                _ => {
                    ws.write_string(r as u32, c as u16, *text).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}
