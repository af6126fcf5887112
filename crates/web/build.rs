//! Copies the pinned JavaScript libraries (htmx, ECharts) from `assets/node_modules` into
//! OUT_DIR, running `npm ci` first when `node_modules` is missing. Without npm (or offline)
//! the build still succeeds with a warning: the pages work, without charts.

use std::path::{Path, PathBuf};
use std::process::Command;

const FILES: &[(&str, &str)] = &[
    ("htmx.org/dist/htmx.min.js", "htmx.min.js"),
    ("echarts/dist/echarts.min.js", "echarts.min.js"),
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let assets = manifest.join("assets");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    println!("cargo:rerun-if-changed=assets/package.json");
    println!("cargo:rerun-if-env-changed=YOUXIANG_NO_NPM");
    let modules = assets.join("node_modules");
    let missing = |m: &Path| FILES.iter().any(|(from, _)| !m.join(from).is_file());
    if missing(&modules) && std::env::var_os("YOUXIANG_NO_NPM").is_none() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(&assets)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!(
                "cargo:warning=npm ci failed or npm is missing in {}: pages will work without charts",
                assets.display()
            );
        }
    }
    let mut have_all = true;
    for (from, to) in FILES {
        let src = modules.join(from);
        let dst = out.join(to);
        match std::fs::read(&src) {
            Ok(bytes) => {
                let _ = std::fs::write(&dst, bytes);
            }
            Err(_) => {
                have_all = false;
                let _ = std::fs::write(
                    &dst,
                    format!(
                        "/* {from} was not available at build time (npm ci in crates/web/assets) */\n"
                    ),
                );
            }
        }
    }
    if !have_all {
        println!(
            "cargo:warning=JavaScript libraries missing: the web pages are served without charts"
        );
    }
    println!(
        "cargo:rustc-env=YOUXIANG_JS_LIBS={}",
        if have_all { "1" } else { "0" }
    );
}
