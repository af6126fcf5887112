//! Times the core matching (optimal and the greedy peer) on the benchmark's files, without
//! the CSV reader: `cargo run --release -p youxiang-core --example bench_assist -- DIR
//! [THREADS]` with `DIR/needs.csv` and `DIR/resources.csv` as `bench/assist/gen.py` writes
//! them (plain comma-separated, no quoting). Prints one JSON line per method.

use std::time::Instant;

use youxiang_core::assist::matching::{MatchOptions, Need, Resource, match_greedy, match_optimal};

fn rows(path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("work-data/assist-bench/main");
    let threads: usize = args.get(2).and_then(|t| t.parse().ok()).unwrap_or(2);
    let needs: Vec<Need> = rows(&format!("{dir}/needs.csv"))
        .into_iter()
        .map(|r| Need {
            id: r[0].clone(),
            kind: r[1].clone(),
            lon: num(&r[2]),
            lat: num(&r[3]),
        })
        .collect();
    let resources: Vec<Resource> = rows(&format!("{dir}/resources.csv"))
        .into_iter()
        .map(|r| Resource {
            id: r[0].clone(),
            kind: r[1].clone(),
            capacity: num(&r[2]) as u32,
            lon: num(&r[3]),
            lat: num(&r[4]),
            radius_m: num(&r[5]),
        })
        .collect();
    let t = Instant::now();
    let m = match_optimal(&needs, &resources, &MatchOptions { threads }).expect("valid input");
    let opt_s = t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "method": "optimal", "threads": threads, "needs": needs.len(),
            "resources": resources.len(), "seconds": opt_s, "matched": m.matched(),
            "total_distance_mm": m.total_distance_mm, "stats": m.stats,
        })
    );
    let t = Instant::now();
    let g = match_greedy(&needs, &resources).expect("valid input");
    let g_s = t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "method": "greedy", "needs": needs.len(), "resources": resources.len(),
            "seconds": g_s, "matched": g.matched(), "total_distance_mm": g.total_distance_mm,
        })
    );
}
