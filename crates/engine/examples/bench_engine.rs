//! Whole-workload benchmark of the live evaluation engine (methods §7), on the Zhejiang
//! workload (`youxiang_workload::zhejiang`): real divisions, generated villages, the 20
//! table indicators of the Dinghai plan reported monthly at village level.
//!
//! In one run it
//!   (a) generates the values and loads them (`Engine::from_observations`);
//!   (b) times `full_recompute` (every roll-up, rate and status);
//!   (c) writes the same values, the place-ancestor table and the population weights as
//!       CSV under `--out` (for `bench/engine/duckdb_rollup.py`), with a sample of the
//!       engine's roll-ups to compare against;
//!   (d) times single writes through `Engine::apply` (random villages), p50/p99/max;
//!   (e) reads the resident memory (VmRSS / VmHWM) after loading.
//!
//! Results go to stdout and to `<out>/engine-results.txt` (key=value lines).
//! Usually run through `bench/engine/run.sh`.
//!
//! ```text
//! cargo run --release -p youxiang-engine --example bench_engine -- \
//!     [--scale 0.05] [--months N] [--china] [--writes 10000] [--no-export] \
//!     [--rollups-only] [--no-yearly] [--repeat 3] [--divisions DIR] [--plan FILE] [--out DIR]
//! ```
//!
//! `--rollups-only` clears the plan's target years, so that the engine keeps no statuses
//! and `full_recompute` is the roll-ups alone (what DuckDB computes); results then go to
//! `<out>/engine-rollups-results.txt`.
//!
//! ```text
//! ```

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use youxiang_core::Aggregation;
use youxiang_core::place::{PlaceId, PlaceTree};
use youxiang_core::value::{Observation, ValueKey, ValueState};
use youxiang_engine::{Engine, EngineConfig};
use youxiang_workload::Rng;
use youxiang_workload::zhejiang::{Options, RawValue, Region, Workload};

struct Args {
    divisions: PathBuf,
    plan: PathBuf,
    out: PathBuf,
    scale: f64,
    months: Option<u32>,
    china: bool,
    writes: usize,
    export: bool,
    samples: usize,
    repeat: usize,
    rollups_only: bool,
    yearly: bool,
}

fn repo_root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn parse_args() -> Result<Args, String> {
    let root = repo_root();
    let mut a = Args {
        divisions: root.join("../shared/data/divisions"),
        plan: root.join("plans/dinghai-qiyouxiang.toml"),
        out: root.join("work-data/bench-engine"),
        scale: 1.0,
        months: None,
        china: false,
        writes: 10_000,
        export: true,
        samples: 2_000,
        repeat: 3,
        rollups_only: false,
        yearly: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--divisions" => a.divisions = val()?.into(),
            "--plan" => a.plan = val()?.into(),
            "--out" => a.out = val()?.into(),
            "--scale" => a.scale = val()?.parse().map_err(|e| format!("--scale: {e}"))?,
            "--months" => a.months = Some(val()?.parse().map_err(|e| format!("--months: {e}"))?),
            "--writes" => a.writes = val()?.parse().map_err(|e| format!("--writes: {e}"))?,
            "--samples" => a.samples = val()?.parse().map_err(|e| format!("--samples: {e}"))?,
            "--repeat" => a.repeat = val()?.parse().map_err(|e| format!("--repeat: {e}"))?,
            "--china" => a.china = true,
            "--no-export" => a.export = false,
            "--rollups-only" => a.rollups_only = true,
            "--no-yearly" => a.yearly = false,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

/// VmRSS and VmHWM of this process, in MiB (Linux).
fn memory_mib() -> (f64, f64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let get = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (get("VmRSS:"), get("VmHWM:"))
}

/// Gives freed heap pages back to the system, so that VmRSS shows what is live.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; no pointers change.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// CPU time of the calling thread, in ms (what the engine used, whatever else runs).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Report {
    lines: Vec<(String, String)>,
}

impl Report {
    fn put(&mut self, key: &str, value: impl std::fmt::Display) {
        let v = value.to_string();
        println!("{key:<34} {v}");
        self.lines.push((key.into(), v));
    }

    fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut f = BufWriter::new(File::create(path)?);
        for (k, v) in &self.lines {
            writeln!(f, "{k}={v}")?;
        }
        f.flush()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let mut report = Report { lines: Vec::new() };
    let mut plan = youxiang_plantext::planfile::load(&std::fs::read_to_string(&args.plan)?)?;
    // The workload is the 20 table indicators, for the province as a whole.
    plan.indicators.retain(|i| i.is_table_row());
    if args.rollups_only {
        // No target years: no statuses; full_recompute is then the roll-ups alone.
        plan.target_years.clear();
    }
    let mut options = if args.scale < 1.0 {
        Options::scaled(args.scale)
    } else {
        Options::default()
    };
    if let Some(m) = args.months {
        options.months = m.clamp(1, 36);
    }
    if args.china {
        options.region = Region::China;
    }
    options.yearly = args.yearly;
    plan.place = match options.region {
        Region::Zhejiang => "33".into(),
        Region::China => "000000000000".into(),
    };
    let plan = Arc::new(plan);

    let t = Instant::now();
    let workload = Workload::build(&args.divisions, &plan, options.clone())?;
    let tree = Arc::new(workload.tree());
    let c = workload.counts();
    report.put(
        "workload",
        format!(
            "{:?} scale={} months={} yearly={}{}",
            options.region,
            options.village_fraction,
            options.months,
            options.yearly,
            if args.rollups_only {
                " rollups-only (no target years, no statuses)"
            } else {
                ""
            }
        ),
    );
    report.put(
        "places",
        format!(
            "{} (provinces {}, cities {}, counties {}, towns {}, villages {})",
            tree.len(),
            c.provinces,
            c.cities,
            c.counties,
            c.towns,
            c.villages
        ),
    );
    report.put("cells", c.cells);
    report.put("numbers", c.numbers);
    report.put("monthly_cells", c.monthly_cells);
    report.put("monthly_numbers", c.monthly_numbers);
    report.put("build_places_ms", format!("{:.0}", ms(t.elapsed())));

    // (a) Generate (and export the same numbers for DuckDB), then load.
    std::fs::create_dir_all(&args.out)?;
    if args.export {
        export_places(&args.out, &plan, &tree, &workload)?;
    }
    let t = Instant::now();
    let mut values_csv = if args.export {
        let mut w = BufWriter::with_capacity(1 << 20, File::create(args.out.join("values.csv"))?);
        writeln!(w, "place,indicator,period,year,component,value")?;
        Some(w)
    } else {
        None
    };
    let codes: Vec<String> = plan.indicators.iter().map(|i| i.code.clone()).collect();
    let mut observations: Vec<Observation> = Vec::with_capacity(c.numbers as usize);
    let mut line = String::with_capacity(64);
    let mut io_error = None;
    workload.for_each_raw(|r| {
        if let Some(w) = values_csv.as_mut() {
            line.clear();
            let _ = writeln!(
                line,
                "{},{},{},{},{},{}",
                r.place,
                codes[r.indicator as usize],
                r.period,
                r.period.year(),
                r.component.as_str(),
                r.value
            );
            if let Err(e) = w.write_all(line.as_bytes()) {
                io_error.get_or_insert(e);
            }
        }
        observations.push(observation(&workload, &codes, r));
    });
    if let Some(e) = io_error {
        return Err(e.into());
    }
    if let Some(mut w) = values_csv {
        w.flush()?;
    }
    report.put(
        "generate_ms",
        format!(
            "{:.0}{}",
            ms(t.elapsed()),
            if args.export {
                " (with CSV export)"
            } else {
                ""
            }
        ),
    );
    let (rss, _) = memory_mib();
    report.put("rss_with_observations_mib", format!("{rss:.0}"));

    let t = Instant::now();
    let cpu = thread_cpu_ms();
    let (mut engine, refused) = Engine::from_observations(
        plan.clone(),
        tree.clone(),
        EngineConfig::default(),
        &observations,
    );
    let load = t.elapsed();
    assert!(
        refused.is_empty(),
        "refused: {:?}",
        &refused[..refused.len().min(3)]
    );
    report.put("load_ms", format!("{:.0}", ms(load)));
    report.put("load_cpu_ms", format!("{:.0}", thread_cpu_ms() - cpu));
    report.put("engine_value_count", engine.value_count());
    drop(observations);
    trim_heap();
    let (rss, hwm) = memory_mib();
    report.put("rss_after_load_mib", format!("{rss:.0}"));
    report.put("hwm_after_load_mib", format!("{hwm:.0}"));

    // (b) Full recompute.
    let mut runs = Vec::new();
    let mut cpu_runs = Vec::new();
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let cpu = thread_cpu_ms();
        engine.full_recompute();
        runs.push(ms(t.elapsed()));
        cpu_runs.push(thread_cpu_ms() - cpu);
    }
    cpu_runs.sort_by(f64::total_cmp);
    let mut sorted = runs.clone();
    sorted.sort_by(f64::total_cmp);
    report.put(
        "full_recompute_ms_runs",
        runs.iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    report.put(
        "full_recompute_ms",
        format!("{:.0}", sorted[sorted.len() / 2]),
    );
    report.put(
        "full_recompute_cpu_ms",
        format!("{:.0}", cpu_runs[cpu_runs.len() / 2]),
    );
    report.put("statuses", count_statuses(&engine));

    // (c) A sample of roll-ups for the DuckDB side to compare.
    if args.export {
        let n = export_expected(&args.out, &engine, &plan, &tree, &workload, args.samples)?;
        report.put("expected_samples", n);
    }

    // (d) Single writes through `apply`, each bringing every dependent roll-up and status
    // current before it returns.
    let mut rng = Rng::new(7);
    let villages: Vec<u32> = workload.villages().collect();
    let n_ind = workload.indicators().len();
    let n_per = workload.periods().len();
    let mut writes: Vec<(ValueKey, f64)> = Vec::with_capacity(args.writes);
    let mut buf: Vec<RawValue> = Vec::new();
    for i in 0..args.writes {
        buf.clear();
        let v = (rng.next_u64() % villages.len() as u64) as usize;
        let ind = (rng.next_u64() % n_ind as u64) as usize;
        let per = (rng.next_u64() % n_per as u64) as usize;
        workload.redraw(v, ind, per, rng.next_u64() ^ i as u64, &mut buf);
        let r = buf[(rng.next_u64() % buf.len() as u64) as usize];
        let g = workload.keyed(&plan, &r);
        // A figure different from the one held (a redraw may round to the same number).
        writes.push((g.key, g.value + 1.0 + (i % 5) as f64));
    }
    let mut lat = Vec::with_capacity(writes.len());
    let mut lat_cpu = Vec::with_capacity(writes.len());
    let mut by_rule: std::collections::BTreeMap<&str, Vec<Duration>> = Default::default();
    let mut changed_places = 0usize;
    let mut statuses = 0usize;
    for (key, value) in &writes {
        let cpu = thread_cpu_ms();
        let t = Instant::now();
        let applied = engine.apply(key, Some(*value))?;
        let d = t.elapsed();
        lat_cpu.push(thread_cpu_ms() - cpu);
        lat.push(d);
        let ind = plan.indicators.iter().find(|i| i.code == key.indicator);
        let rule = ind.map_or("?", |i| rule_of(&i.aggregation).0);
        let kind = if key.period.kind() == youxiang_core::period::PeriodKind::Year {
            "year"
        } else {
            "month"
        };
        by_rule
            .entry(if kind == "year" {
                "yearly figure"
            } else {
                rule
            })
            .or_default()
            .push(d);
        changed_places += applied.places.len();
        statuses += applied.statuses;
    }
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
    };
    report.put("writes", lat.len());
    lat_cpu.sort_by(f64::total_cmp);
    let pct_cpu = |p: f64| {
        lat_cpu
            .get(((lat_cpu.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(f64::NAN, |ms| ms * 1000.0)
    };
    report.put(
        "apply_cpu_p50_p99_max_us",
        format!(
            "{:.1} {:.1} {:.1}",
            pct_cpu(0.5),
            pct_cpu(0.99),
            pct_cpu(1.0)
        ),
    );
    report.put("apply_p50_us", format!("{:.1}", pct(0.50)));
    report.put("apply_p99_us", format!("{:.1}", pct(0.99)));
    report.put("apply_max_us", format!("{:.1}", pct(1.0)));
    for (rule, mut v) in by_rule {
        v.sort();
        let p = |q: f64| {
            v[((v.len() as f64 * q).ceil() as usize).saturating_sub(1)].as_secs_f64() * 1e6
        };
        report.put(
            &format!("apply_{}_n_p50_p99_max_us", rule.replace(' ', "_")),
            format!("{} {:.1} {:.1} {:.1}", v.len(), p(0.5), p(0.99), p(1.0)),
        );
    }
    report.put(
        "apply_mean_places_changed",
        format!("{:.2}", changed_places as f64 / lat.len().max(1) as f64),
    );
    report.put(
        "apply_mean_statuses_recomputed",
        format!("{:.2}", statuses as f64 / lat.len().max(1) as f64),
    );

    // Incremental = full: the figures after the writes equal a full recompute's.
    let probe: Vec<(String, String, youxiang_core::period::Period)> = writes
        .iter()
        .take(200)
        .flat_map(|(k, _)| {
            let p = tree.id(&k.place).unwrap();
            std::iter::once(p)
                .chain(tree.ancestors(p))
                .map(|q| (k.indicator.clone(), tree.get(q).code.clone(), k.period))
                .collect::<Vec<_>>()
        })
        .collect();
    let before: Vec<Option<f64>> = probe
        .iter()
        .map(|(i, p, t)| engine.value(i, p, *t))
        .collect();
    let status_before: Vec<_> = probe
        .iter()
        .map(|(i, p, t)| engine.status(i, p, t.year()).copied())
        .collect();
    engine.full_recompute();
    let after: Vec<Option<f64>> = probe
        .iter()
        .map(|(i, p, t)| engine.value(i, p, *t))
        .collect();
    let status_after: Vec<_> = probe
        .iter()
        .map(|(i, p, t)| engine.status(i, p, t.year()).copied())
        .collect();
    let same = before == after && status_before == status_after;
    report.put(
        "incremental_equals_full",
        format!("{same} ({} figures)", probe.len()),
    );

    // (e) Memory.
    let (rss, hwm) = memory_mib();
    report.put("rss_end_mib", format!("{rss:.0}"));
    report.put("hwm_end_mib", format!("{hwm:.0}"));
    report.save(&args.out.join(if args.rollups_only {
        "engine-rollups-results.txt"
    } else {
        "engine-results.txt"
    }))?;
    if !same {
        return Err("incremental roll-ups differ from a full recompute".into());
    }
    Ok(())
}

/// The number of (indicator, place, year) cells with a status, through the public lookup.
fn count_statuses(engine: &Engine) -> usize {
    let tree = engine.tree();
    let mut n = 0usize;
    for ind in &engine.plan().indicators {
        for y in &engine.plan().target_years {
            n += tree
                .ids()
                .filter(|p| engine.status(&ind.code, &tree.get(*p).code, *y).is_some())
                .count();
        }
    }
    n
}

fn observation(w: &Workload, codes: &[String], r: &RawValue) -> Observation {
    Observation {
        key: ValueKey {
            indicator: codes[r.indicator as usize].clone(),
            place: w.places()[r.place as usize].code.clone(),
            period: r.period,
            component: r.component,
        },
        value: r.value,
        state: ValueState::Approved,
        reporter: String::new(),
        reported_at: Default::default(),
        comment: String::new(),
        source: String::new(),
    }
}

/// places.csv (id, code, level, depth), ancestors.csv (place, ancestor: every proper
/// ancestor of every place), weights.csv (place, year, weight: the population the engine
/// weights by, rounded, 1 where unknown).
fn export_places(
    out: &Path,
    plan: &youxiang_core::Plan,
    tree: &PlaceTree,
    w: &Workload,
) -> std::io::Result<()> {
    let mut places = BufWriter::new(File::create(out.join("places.csv"))?);
    writeln!(places, "id,code,level,depth")?;
    let mut anc = BufWriter::new(File::create(out.join("ancestors.csv"))?);
    writeln!(anc, "place,ancestor")?;
    for p in tree.ids() {
        let pl = tree.get(p);
        writeln!(
            places,
            "{},{},{:?},{}",
            p.0,
            pl.code,
            pl.level,
            tree.depth(p)
        )?;
        for a in tree.ancestors(p) {
            writeln!(anc, "{},{}", p.0, a.0)?;
        }
    }
    let mut weights = BufWriter::new(File::create(out.join("weights.csv"))?);
    writeln!(weights, "place,year,weight")?;
    let years: Vec<i32> = {
        let mut y: Vec<i32> = w.periods().iter().map(|p| p.year()).collect();
        y.dedup();
        y.sort();
        y.dedup();
        y
    };
    for v in w.villages() {
        for &y in &years {
            let wt = tree
                .population(PlaceId(v), y)
                .filter(|x| *x >= 1.0)
                .map_or(1, |x| x.round() as i64);
            writeln!(weights, "{v},{y},{wt}")?;
        }
    }
    let mut inds = BufWriter::new(File::create(out.join("indicators.csv"))?);
    writeln!(inds, "indicator,rule,scale")?;
    for ind in &plan.indicators {
        let (rule, scale) = rule_of(&ind.aggregation);
        writeln!(inds, "{},{rule},{scale}", ind.code)?;
    }
    places.flush()?;
    anc.flush()?;
    weights.flush()?;
    inds.flush()
}

fn rule_of(a: &Aggregation) -> (&'static str, f64) {
    match a {
        Aggregation::Sum => ("sum", 1.0),
        Aggregation::RatioOfSums { scale, .. } => ("ratio", *scale),
        Aggregation::PopulationWeightedMean => ("weighted", 1.0),
        Aggregation::Latest => ("latest", 1.0),
        Aggregation::NotAggregable => ("not_aggregable", 1.0),
    }
}

/// expected.csv: the engine's figure (sum, rate or weighted mean) at a sample of inner
/// places: the province for every indicator and period, plus `samples` random (inner
/// place, indicator, period).
fn export_expected(
    out: &Path,
    engine: &Engine,
    plan: &youxiang_core::Plan,
    tree: &PlaceTree,
    w: &Workload,
    samples: usize,
) -> std::io::Result<usize> {
    let mut f = BufWriter::new(File::create(out.join("expected.csv"))?);
    writeln!(f, "place,indicator,period,value")?;
    let inner: Vec<PlaceId> = tree.ids().filter(|p| !tree.is_leaf(*p)).collect();
    let aggregable: Vec<&youxiang_core::Indicator> = plan
        .indicators
        .iter()
        .filter(|i| matches!(rule_of(&i.aggregation).0, "sum" | "ratio" | "weighted"))
        .collect();
    let mut cells: Vec<(PlaceId, usize, usize)> = Vec::new();
    let root = engine.root().unwrap_or(PlaceId(0));
    for i in 0..aggregable.len() {
        for k in 0..w.periods().len() {
            cells.push((root, i, k));
        }
    }
    let mut rng = Rng::new(11);
    for _ in 0..samples {
        let p = inner[(rng.next_u64() % inner.len() as u64) as usize];
        let i = (rng.next_u64() % aggregable.len() as u64) as usize;
        let k = (rng.next_u64() % w.periods().len() as u64) as usize;
        cells.push((p, i, k));
    }
    let mut n = 0;
    for (p, i, k) in cells {
        let period = w.periods()[k];
        let code = &tree.get(p).code;
        if let Some(v) = engine.value(&aggregable[i].code, code, period) {
            writeln!(f, "{},{},{},{:?}", p.0, aggregable[i].code, period, v)?;
            n += 1;
        }
    }
    f.flush()?;
    Ok(n)
}
