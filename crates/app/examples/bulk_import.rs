//! The bulk-upload benchmark of methods §7: a CSV of N value rows (default 1,000,000) over
//! the Zhejiang workload's places, uploaded through the one write path (`App::upload`, what
//! `youxiang values import` and the web's upload call: read, validate, one transaction
//! with the audit rows, engine update), all or nothing; then the same file again
//! (unchanged). Prints the time of each step, and `result` lines for `bench/upload/run.sh`.
//!
//!   cargo run --release -p youxiang-app --example bulk_import -- [ROWS] [DIR] [DB_URL]
//!
//! Generated files go to `DIR` (default `work-data/bulk-import/`, gitignored): `values.csv`
//! and, without `DB_URL`, the SQLite database `bulk.db` (made afresh). `DB_URL` names an
//! empty database instead (PostgreSQL: `postgres://…`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use youxiang_app::App;
use youxiang_workload::zhejiang::{Options, Workload};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let out = std::env::args()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("work-data/bulk-import"));
    std::fs::create_dir_all(&out)?;
    let divisions = root.join("../shared/data/divisions");
    let text = std::fs::read_to_string(root.join("plans/dinghai-qiyouxiang.toml"))?;
    let mut plan = youxiang_plantext::planfile::load(&text)?;
    plan.place = "33".into();
    // The workload reports every indicator monthly at village level (methods §7).
    for ind in &mut plan.indicators {
        ind.frequency = youxiang_core::period::PeriodKind::Month;
        ind.report_level = Some(youxiang_core::place::Level::Village);
    }
    // Every village, enough months for `rows` numbers (about 0.8 M numbers a month).
    let months = (rows as f64 / 780_000.0).ceil().clamp(1.0, 36.0) as u32;
    let workload = Workload::build(
        &divisions,
        &plan,
        Options {
            months,
            yearly: false,
            ..Options::default()
        },
    )?;
    let csv = out.join("values.csv");
    let started = Instant::now();
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv)?);
    writeln!(w, "指标编码,地点编码,期间,分项,数值")?;
    let mut written = 0;
    for g in workload.values(&plan).take(rows) {
        let comp = match g.key.component {
            youxiang_core::value::Component::Value => "数值",
            youxiang_core::value::Component::Numerator => "分子",
            youxiang_core::value::Component::Denominator => "分母",
        };
        writeln!(
            w,
            "{},{},{},{},{}",
            g.key.indicator, g.key.place, g.key.period, comp, g.value
        )?;
        written += 1;
    }
    w.flush()?;
    drop(w);
    println!(
        "generated {written} rows ({} places) in {:.1} s",
        workload.places().len(),
        started.elapsed().as_secs_f64()
    );

    let url = match std::env::args().nth(3) {
        Some(url) => url,
        None => {
            let db_file = out.join("bulk.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
            }
            format!("sqlite://{}", db_file.display())
        }
    };
    let app =
        std::sync::Arc::new(App::init(&url, &plan, workload.places().to_vec(), "bench").await?);
    let bytes = std::fs::read(&csv)?;
    // The file is the benchmark's own: room for every row and cell of it (the default
    // limits stop one row short of a million data rows).
    let defaults = youxiang_ingest::ReadLimits::default();
    let limits = youxiang_ingest::ReadLimits {
        max_rows: defaults.max_rows.max(written + 1),
        max_cells: defaults.max_cells.max((written + 1) * 8),
        ..defaults
    };
    let started = Instant::now();
    let last = std::sync::Mutex::new(Instant::now());
    let report = app
        .upload("admin", bytes.clone(), "values.csv", &limits, move |step| {
            if let Ok(mut l) = last.lock() {
                println!(
                    "  step {step:?} begins at {:.2} s",
                    started.elapsed().as_secs_f64()
                );
                *l = Instant::now();
            }
        })
        .await;
    let report = match report {
        Ok(r) => r,
        Err(youxiang_app::AppError::Upload { errors, .. }) => {
            for e in errors.iter().take(10) {
                eprintln!("{e}");
            }
            return Err(format!("{} errors", errors.len()).into());
        }
        Err(e) => return Err(e.into()),
    };
    let total = started.elapsed().as_secs_f64();
    println!(
        "upload of {written} rows: {total:.2} s total ({} changed, {} unchanged, {} places updated, {} warnings)",
        report.changed,
        report.unchanged,
        report.places_updated,
        report.warnings.len()
    );
    let started = Instant::now();
    let again = app
        .upload("admin", bytes, "values.csv", &limits, |_| {})
        .await?;
    let repeat = started.elapsed().as_secs_f64();
    println!(
        "the same file again: {repeat:.2} s ({} changed, {} unchanged)",
        again.changed, again.unchanged
    );
    let backend = url.split(':').next().unwrap_or_default();
    println!("result {backend} upload {written} {total:.3}");
    println!("result {backend} reupload {written} {repeat:.3}");

    // Cold start (issue 14, point 6): the app opened afresh on the database just written
    // (every value read from the store, the live and the official engine built), beside
    // the live engine built from the CSV of the same numbers (read and parsed, no store).
    drop(app);
    let started = Instant::now();
    let reopened = App::open(&url).await?;
    let open = started.elapsed().as_secs_f64();
    drop(reopened);
    println!("cold start: App::open from the database {open:.2} s");
    let started = Instant::now();
    let text = std::fs::read_to_string(&csv)?;
    let mut keys = Vec::with_capacity(written);
    for line in text.lines().skip(1) {
        let mut cells = line.split(',');
        let (Some(indicator), Some(place), Some(period), Some(part), Some(number)) = (
            cells.next(),
            cells.next(),
            cells.next(),
            cells.next(),
            cells.next(),
        ) else {
            return Err(format!("bad line: {line}").into());
        };
        let component = match part {
            "分子" => youxiang_core::value::Component::Numerator,
            "分母" => youxiang_core::value::Component::Denominator,
            _ => youxiang_core::value::Component::Value,
        };
        let key = youxiang_core::value::ValueKey {
            indicator: indicator.to_string(),
            place: place.to_string(),
            period: period.parse().map_err(|e| format!("{period}: {e:?}"))?,
            component,
        };
        keys.push((key, number.parse::<f64>()?));
    }
    let tree = youxiang_core::place::PlaceTree::build(workload.places().to_vec())
        .map_err(|p| format!("{} place problems", p.len()))?;
    let (engine, refused) = youxiang_engine::Engine::from_values(
        std::sync::Arc::new(plan.clone()),
        std::sync::Arc::new(tree),
        youxiang_engine::EngineConfig::default(),
        keys,
    );
    let from_csv = started.elapsed().as_secs_f64();
    drop(engine);
    println!(
        "cold start: engine from the CSV {from_csv:.2} s ({} refused); ratio {:.2}",
        refused.len(),
        open / from_csv
    );
    println!("result {backend} open {written} {open:.3}");
    println!("result {backend} engine-from-csv {written} {from_csv:.3}");
    Ok(())
}
