//! Benchmark workload for the access engine (run by `bench/access/run.sh`, release mode).
//!
//! ```text
//! bench_access poa  --pbf FILE --grid FILE --out DIR [--repeats N]
//! bench_access grid --nodes N [--repeats N] [--export DIR]
//! ```
//! Prints one JSON object per measurement on stdout. `poa` also writes the graph, the seed
//! nodes and its distances to DIR so that the Python peers run on the very same graph.
//! Generated files go to DIR (keep it under the ignored `work-data/`), never into the repo.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use youxiang_access::dijkstra::{Seed, multi_source};
use youxiang_access::input::{FacilityCsvOptions, read_facilities_csv, read_origins_csv};
use youxiang_access::{Engine, Network, OsmOptions, Profile, Settings, read_pbf};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[0], v[v.len() / 2])
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    let repeats: usize = arg(&args, "--repeats").map_or(Ok(5), |s| s.parse())?;
    match args.get(1).map(String::as_str) {
        Some("poa") => poa(&args, repeats.max(1)),
        Some("grid") => grid(&args, repeats.max(1)),
        _ => Err("usage: bench_access poa|grid ...".into()),
    }
}

fn poa(args: &[String], repeats: usize) -> Res<()> {
    let pbf = PathBuf::from(arg(args, "--pbf").ok_or("--pbf")?);
    let grid = PathBuf::from(arg(args, "--grid").ok_or("--grid")?);
    let out = PathBuf::from(arg(args, "--out").ok_or("--out")?);
    std::fs::create_dir_all(&out)?;
    let types = vec!["schools".to_string(), "healthcare".to_string()];
    let fopts = FacilityCsvOptions {
        count_columns: Some(types.clone()),
    };
    let profile = Profile::circle(15.0, &types);

    // 1. The whole pipeline, PBF to per-cell coverage, as the CLI runs it (15-minute horizon),
    //    and unbounded (a time for every cell).
    for (label, horizon) in [
        ("pipeline_15min", None),
        ("pipeline_unbounded", Some(f64::INFINITY)),
    ] {
        let mut totals = Vec::new();
        let mut steps = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..repeats {
            let t0 = Instant::now();
            let data = read_pbf(&pbf, &OsmOptions::default())?;
            let t1 = Instant::now();
            let (origins, _) = read_origins_csv(&grid)?;
            let (facilities, _) = read_facilities_csv(&grid, &fopts)?;
            let settings = Settings {
                horizon_minutes: horizon,
                ..Settings::default()
            };
            let engine = Engine::with_network(&data.network, settings)?;
            let t2 = Instant::now();
            let report = engine.coverage(&origins, &facilities, &profile, &|_, _| {})?;
            let t3 = Instant::now();
            std::hint::black_box(&report);
            let total = (t3 - t0).as_secs_f64();
            if totals.is_empty() || total < totals.iter().cloned().fold(f64::INFINITY, f64::min) {
                steps = (
                    (t1 - t0).as_secs_f64(),
                    (t2 - t1).as_secs_f64(),
                    (t3 - t2).as_secs_f64(),
                    report.basket_share.unwrap_or(f64::NAN),
                );
            }
            totals.push(total);
        }
        let (min, med) = stats(totals);
        println!(
            "{{\"bench\":\"{label}\",\"min_s\":{min:.6},\"median_s\":{med:.6},\"read_pbf_s\":{:.6},\"inputs_snap_index_s\":{:.6},\"coverage_s\":{:.6},\"basket_share\":{:.6},\"repeats\":{repeats}}}",
            steps.0, steps.1, steps.2, steps.3
        );
    }

    // 2. The query part alone: one multi-source Dijkstra per type over the whole graph,
    //    seeds at the facilities' snapped nodes (cost 0), no bound — the same work as scipy's
    //    dijkstra(indices=seeds, min_only=True).
    let data = read_pbf(&pbf, &OsmOptions::default())?;
    let net = &data.network;
    let (facilities, _) = read_facilities_csv(&grid, &fopts)?;
    let engine = Engine::with_network(net, Settings::default())?;
    let costs = engine.costs();
    let mut seed_sets = Vec::new();
    for t in &types {
        let pts: Vec<(f64, f64)> = facilities
            .iter()
            .filter(|f| &f.facility_type == t)
            .map(|f| (f.lon, f.lat))
            .collect();
        let mut nodes: Vec<u32> = engine
            .snap_all(&pts)
            .into_iter()
            .flatten()
            .map(|s| s.node)
            .collect();
        nodes.sort();
        nodes.dedup();
        seed_sets.push(nodes);
    }
    let seeds: Vec<Vec<Seed>> = seed_sets
        .iter()
        .map(|ns| {
            ns.iter()
                .enumerate()
                .map(|(i, &v)| Seed {
                    node: v,
                    cost: 0.0,
                    length_m: 0.0,
                    label: i as u32,
                })
                .collect()
        })
        .collect();
    let reps = repeats * 10;
    for (k, t) in types.iter().enumerate() {
        let mut v = Vec::new();
        for _ in 0..reps {
            let t0 = Instant::now();
            std::hint::black_box(multi_source(&net.reverse, costs, &seeds[k], f64::INFINITY));
            v.push(t0.elapsed().as_secs_f64());
        }
        let (min, med) = stats(v);
        println!(
            "{{\"bench\":\"query_{t}\",\"seeds\":{},\"min_s\":{min:.6},\"median_s\":{med:.6},\"repeats\":{reps}}}",
            seeds[k].len()
        );
    }
    let mut v = Vec::new();
    for _ in 0..reps {
        let t0 = Instant::now();
        let r: Vec<_> = seeds
            .par_iter()
            .map(|s| multi_source(&net.reverse, costs, s, f64::INFINITY))
            .collect();
        std::hint::black_box(r);
        v.push(t0.elapsed().as_secs_f64());
    }
    let (min, med) = stats(v);
    println!(
        "{{\"bench\":\"query_both_parallel\",\"min_s\":{min:.6},\"median_s\":{med:.6},\"repeats\":{reps}}}"
    );

    // 3. Export the graph, seeds and our distances for the Python peers.
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join("nodes.csv"))?);
    writeln!(f, "id,x,y")?;
    for i in 0..net.node_count() {
        writeln!(f, "{i},{},{}", net.lon[i], net.lat[i])?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join("edges.csv"))?);
    writeln!(f, "from,to,weight,oneway")?;
    for e in &net.edges {
        writeln!(
            f,
            "{},{},{:.17e},{}",
            e.from,
            e.to,
            e.length_m,
            u8::from(e.oneway)
        )?;
    }
    for (k, t) in types.iter().enumerate() {
        let s: Vec<String> = seed_sets[k].iter().map(|v| v.to_string()).collect();
        std::fs::write(out.join(format!("seeds_{t}.txt")), s.join("\n"))?;
        let d = multi_source(&net.reverse, costs, &seeds[k], f64::INFINITY);
        let bytes: Vec<u8> = d.cost.iter().flat_map(|x| x.to_le_bytes()).collect();
        std::fs::write(out.join(format!("ours_{t}.f64")), bytes)?;
    }
    println!(
        "{{\"bench\":\"poa_graph\",\"nodes\":{},\"edges\":{},\"largest_component\":{},\"peak_rss_mb\":{:.1}}}",
        net.node_count(),
        net.edges.len(),
        net.largest_component_size,
        peak_rss_mb()
    );
    Ok(())
}

fn grid(args: &[String], repeats: usize) -> Res<()> {
    let n: usize = arg(args, "--nodes").ok_or("--nodes")?.parse()?;
    let t0 = Instant::now();
    let net = Network::synthetic_grid(n, 50.0, 120.0, 30.0)?;
    let build = t0.elapsed().as_secs_f64();
    let nn = net.node_count();
    // One facility per 1,000 nodes, placed uniformly by a multiplicative hash (deterministic).
    let seeds: Vec<Seed> = (0..nn.div_ceil(1000))
        .map(|i| {
            let h = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
            Seed {
                node: (h % nn as u64) as u32,
                cost: 0.0,
                length_m: 0.0,
                label: i as u32,
            }
        })
        .collect();
    let costs = net.reverse.costs(4.8 / 3.6);
    let mut full = Vec::new();
    let mut bounded = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        std::hint::black_box(multi_source(&net.reverse, &costs, &seeds, f64::INFINITY));
        full.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        std::hint::black_box(multi_source(&net.reverse, &costs, &seeds, 1200.0));
        bounded.push(t.elapsed().as_secs_f64());
    }
    let (fmin, fmed) = stats(full);
    let (bmin, bmed) = stats(bounded);
    if let Some(dir) = arg(args, "--export") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir)?;
        let mut f = std::io::BufWriter::new(std::fs::File::create(
            dir.join(format!("grid_{n}_edges.bin")),
        )?);
        for e in &net.edges {
            f.write_all(&e.from.to_le_bytes())?;
            f.write_all(&e.to.to_le_bytes())?;
            f.write_all(&e.length_m.to_le_bytes())?;
        }
        let s: Vec<String> = seeds.iter().map(|s| s.node.to_string()).collect();
        std::fs::write(dir.join(format!("grid_{n}_seeds.txt")), s.join("\n"))?;
    }
    println!(
        "{{\"bench\":\"grid\",\"nodes\":{nn},\"edges\":{},\"seeds\":{},\"build_s\":{build:.6},\"full_min_s\":{fmin:.6},\"full_median_s\":{fmed:.6},\"bounded_1200m_min_s\":{bmin:.6},\"bounded_1200m_median_s\":{bmed:.6},\"peak_rss_mb\":{:.1},\"repeats\":{repeats}}}",
        net.edges.len(),
        seeds.len(),
        peak_rss_mb()
    );
    Ok(())
}
