//! Times `write_values` of N new values (default 1,000,000) with their audit rows.
//!
//! ```text
//! cargo run --release -p youxiang-store --example bulk_write -- [rows] [database-url]
//! ```
//! The default database is a fresh SQLite file in the temporary directory (removed after).

use std::time::Instant;

use youxiang_core::CheckedWrite;
use youxiang_core::value::{Component, ValueKey};
use youxiang_store::StoreError;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), StoreError> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let temp = std::env::temp_dir().join(format!("yx_bulk_{}.db", std::process::id()));
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite://{}", temp.display()));
    let period = "2024"
        .parse()
        .map_err(|e| StoreError::Invalid(format!("{e}")))?;
    let indicators: Vec<String> = (0..80).map(|i| format!("T{i:02}")).collect();
    let places: Vec<String> = (0..rows.div_ceil(80))
        .map(|p| format!("3309{p:08}"))
        .collect();
    let (plan, tree) = youxiang_testkit::simple_plan_and_tree(&indicators, &places);
    let writes: Vec<CheckedWrite> = (0..rows)
        .map(|i| {
            let key = ValueKey {
                indicator: indicators[i % 80].clone(),
                place: places[i / 80].clone(),
                period,
                component: Component::Value,
            };
            CheckedWrite::check(&plan, &tree, key, i as f64 * 0.5, String::new())
                .map_err(|e| StoreError::Invalid(e.to_string()))
        })
        .collect::<Result<_, _>>()?;

    let db = youxiang_store::connect(&url).await?;
    db.migrate().await?;
    db.save_plan(&plan, "bulk").await?;
    db.save_places(tree.places().to_vec(), "bulk").await?;
    let t = Instant::now();
    let out = db.write_values(&writes, "bulk", None).await?;
    println!(
        "write_values: {} new values + {} audit rows on {:?} in {:.2?}",
        out.changes.len(),
        out.changes.len(),
        db.backend(),
        t.elapsed()
    );
    let t = Instant::now();
    let again = db.write_values(&writes, "bulk", None).await?;
    println!(
        "write_values again: {} unchanged, {} changed in {:.2?}",
        again.unchanged,
        again.changes.len(),
        t.elapsed()
    );
    let t = Instant::now();
    let n = db.load_values().await?.len();
    println!("load_values: {n} in {:.2?}", t.elapsed());
    let t = Instant::now();
    let report = db.audit_verify().await?;
    println!(
        "audit_verify: {} rows, ok = {} in {:.2?}",
        report.rows,
        report.ok,
        t.elapsed()
    );
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", temp.display()));
    }
    Ok(())
}
