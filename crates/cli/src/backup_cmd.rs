//! `youxiang backup FILE` and `youxiang restore FILE --db URL`: an online, consistent copy
//! of the database (SQLite: `VACUUM INTO`; PostgreSQL: `pg_dump -Fc` of one snapshot) and
//! its restore into an empty database, each verifying the audit chain and counting what it
//! copied (see `docs/operations.md`).

use std::path::PathBuf;

use anyhow::Result;
use youxiang_app::backup::{self, CopyReport};

#[derive(clap::Args, Debug)]
pub struct BackupArgs {
    /// The backup file to write (must not exist yet).
    pub file: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RestoreArgs {
    /// The backup file (from `youxiang backup`).
    pub file: PathBuf,
}

/// The Chinese name of a counted table.
fn table_label(table: &str) -> &str {
    match table {
        "plan_versions" => "规划版本",
        "places" => "地点",
        "place_population" => "人口数据",
        "reporters" => "用户",
        "observations" => "数据",
        "quarantine" => "隔离数据",
        "uploads" => "上传记录",
        "records" => "管理记录",
        "attachments" => "附件",
        "audit" => "审计记录",
        "sessions" => "会话(不备份)",
        other => other,
    }
}

fn print(report: &CopyReport, done: &str) {
    println!("{done}:{}({} 字节)", report.file.display(), report.bytes);
    for (table, n) in &report.counts {
        println!("  {:<12}\t{n}", table_label(table));
    }
    println!(
        "审计链校验通过:{} 条记录,链头序号 {}",
        report.audit.rows, report.audit.head_seq
    );
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

pub fn run_backup(db: &str, args: BackupArgs) -> Result<()> {
    let report = runtime()?.block_on(backup::backup(db, &args.file))?;
    print(&report, "已备份");
    Ok(())
}

pub fn run_restore(db: &str, args: RestoreArgs) -> Result<()> {
    let report = runtime()?.block_on(backup::restore(&args.file, db))?;
    print(&report, &format!("已恢复到 {}", backup::redact(db)));
    Ok(())
}
