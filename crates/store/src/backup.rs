//! Backup and restore, online and consistent, both verified.
//!
//! - SQLite: `VACUUM INTO` a new file — one read transaction, so the copy is one moment of
//!   the database while the server goes on writing; then the copy itself is opened, its
//!   sessions emptied (a backup signs nobody in), its audit chain verified and its rows
//!   counted. Restoring copies the file into place (the target must not exist yet).
//! - PostgreSQL: a read-only snapshot is exported (`pg_export_snapshot`), `pg_dump -Fc
//!   --snapshot` writes exactly that snapshot, and the chain is verified and the rows
//!   counted in the same snapshot. Restoring runs `pg_restore` into an empty database, then
//!   verifies and counts what arrived. `pg_dump` and `pg_restore` are found on the PATH.
//!
//! Either way the audit chain is verified (hashes and the replay of values and records
//! against it): a backup of a broken chain, or a restore that does not verify, fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Postgres, Sqlite};

use crate::audit::AuditReport;
use crate::dialect::{Dialect, Get, Tx};
use crate::flow::{sql, sql_built, verify_in};
use crate::prelude::*;
use crate::{Backend, PgStore, Result, SqliteStore, StoreError};

/// The tables a backup is counted by, in the order they are printed (sessions are left
/// out of every backup; the schema's bookkeeping tables are copied but not counted).
pub const COUNTED_TABLES: [&str; 11] = [
    "plan_versions",
    "places",
    "place_population",
    "reporters",
    "observations",
    "quarantine",
    "uploads",
    "records",
    "attachments",
    "audit",
    "sessions",
];

/// What a backup or a restore copied, and the verification of the copy's audit chain.
#[derive(Debug, Clone)]
pub struct CopyReport {
    pub backend: Backend,
    /// The backup file.
    pub file: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Rows per table of [`COUNTED_TABLES`].
    pub counts: Vec<(&'static str, i64)>,
    pub audit: AuditReport,
}

impl CopyReport {
    /// The rows of `table`, 0 when not counted.
    pub fn count(&self, table: &str) -> i64 {
        self.counts
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    }
}

fn fail(msg: impl Into<String>) -> StoreError {
    StoreError::Backup(msg.into())
}

/// What a backup file is, by its first bytes.
fn kind_of(file: &Path) -> Result<Backend> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f = std::fs::File::open(file)
        .map_err(|e| fail(format!("无法打开备份文件 {}:{e}", file.display())))?;
    let n = f
        .read(&mut head)
        .map_err(|e| fail(format!("无法读取备份文件 {}:{e}", file.display())))?;
    if head[..n].starts_with(b"SQLite format 3\0") {
        Ok(Backend::Sqlite)
    } else if head[..n].starts_with(b"PGDMP") {
        Ok(Backend::Postgres)
    } else {
        Err(fail(format!(
            "{} 不是 youxiang 的备份文件(既不是 SQLite 数据库,也不是 pg_dump 自定义格式)",
            file.display()
        )))
    }
}

fn refuse_existing(file: &Path) -> Result<()> {
    match file.exists() {
        true => Err(fail(format!(
            "备份文件 {} 已存在:备份从不覆盖已有文件,请换一个文件名",
            file.display()
        ))),
        false => Ok(()),
    }
}

/// Readable and writable by its owner only: a backup holds personal data and password
/// hashes.
fn make_private(file: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| fail(format!("无法设置 {} 的权限:{e}", file.display())))?;
    }
    Ok(())
}

fn size(file: &Path) -> u64 {
    std::fs::metadata(file).map_or(0, |m| m.len())
}

/// The rows of every counted table, read in `tx`.
async fn counts_in<D: Dialect>(tx: &mut Tx<D>) -> Result<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    for table in COUNTED_TABLES {
        let n: i64 = sql_built::<D>(format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(tx)
            .await?
            .col(0)?;
        out.push((table, n));
    }
    Ok(out)
}

/// Counts and verifies a database in one snapshot.
async fn check<D: Dialect>(
    pool: &sqlx::Pool<D>,
) -> Result<(Vec<(&'static str, i64)>, AuditReport)> {
    let mut tx = pool.begin_with(D::BEGIN_SNAPSHOT).await?;
    let counts = counts_in::<D>(&mut tx).await?;
    let audit = verify_in::<D>(&mut tx).await?;
    tx.rollback().await?;
    Ok((counts, audit))
}

fn verified(audit: &AuditReport, what: &str) -> Result<()> {
    match audit.ok {
        true => Ok(()),
        false => Err(fail(format!(
            "{what}的审计链校验未通过:{}",
            audit.problems.join(";")
        ))),
    }
}

/// Makes an online, consistent, verified backup of the database at `url` into `file`
/// (which must not exist).
pub async fn backup(url: &str, file: &Path) -> Result<CopyReport> {
    refuse_existing(file)?;
    if url.starts_with("sqlite:") {
        backup_sqlite(url, file).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        backup_pg(url, file).await
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}

async fn backup_sqlite(url: &str, file: &Path) -> Result<CopyReport> {
    let source = SqliteStore::connect(url).await?;
    let target = file
        .to_str()
        .ok_or_else(|| fail(format!("备份文件名 {} 不是有效的 UTF-8", file.display())))?;
    // One read transaction: the copy is one moment of the database, writers go on.
    let copied = sql::<Sqlite>("VACUUM INTO $1")
        .bind(target)
        .execute(&mut source.pool().acquire().await?)
        .await;
    source.close().await;
    copied?;
    make_private(file)?;
    let copy = SqliteStore::connect(&format!("sqlite://{target}")).await?;
    let checked = async {
        copy.migrate().await?;
        sql::<Sqlite>("DELETE FROM sessions")
            .execute(&mut copy.pool().acquire().await?)
            .await?;
        check::<Sqlite>(copy.pool()).await
    }
    .await;
    copy.close().await;
    let (counts, audit) = checked?;
    verified(&audit, "备份")?;
    Ok(CopyReport {
        backend: Backend::Sqlite,
        file: file.to_path_buf(),
        bytes: size(file),
        counts,
        audit,
    })
}

/// A PostgreSQL client tool on the PATH, or why not.
fn tool(name: &str) -> Result<Command> {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    match found {
        true => Ok(Command::new(name)),
        false => Err(fail(format!(
            "在 PATH 中找不到 {name}:PostgreSQL 的备份与恢复要用 PostgreSQL 客户端工具 \
             (pg_dump、pg_restore,版本不低于服务器;Debian/Ubuntu:apt-get install \
             postgresql-client),请安装后把它所在的目录加入 PATH"
        ))),
    }
}

fn run(mut cmd: Command, what: &str) -> Result<()> {
    let out = cmd
        .output()
        .map_err(|e| fail(format!("无法运行 {what}:{e}")))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(fail(format!(
            "{what} 失败({}):{}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

async fn backup_pg(url: &str, file: &Path) -> Result<CopyReport> {
    let mut dump = tool("pg_dump")?;
    let source = PgStore::connect(url).await?;
    let result = async {
        // The snapshot pg_dump writes is the one counted and verified here.
        let mut tx = source.pool().begin_with(Postgres::BEGIN_SNAPSHOT).await?;
        let snapshot: String = sql::<Postgres>("SELECT pg_export_snapshot()")
            .fetch_one(&mut tx)
            .await?
            .col(0)?;
        dump.arg("--format=custom")
            .arg(format!("--snapshot={snapshot}"))
            .arg("--exclude-table-data=sessions")
            .arg("--no-owner")
            .arg("--no-privileges")
            .arg("--file")
            .arg(file)
            .arg("--dbname")
            .arg(url);
        run(dump, "pg_dump")?;
        make_private(file)?;
        let counts = counts_in::<Postgres>(&mut tx).await?;
        let audit = verify_in::<Postgres>(&mut tx).await?;
        tx.rollback().await?;
        Ok::<_, StoreError>((counts, audit))
    }
    .await;
    source.close().await;
    let (mut counts, audit) = result?;
    // The sessions' rows were left out of the file.
    for (t, n) in &mut counts {
        if *t == "sessions" {
            *n = 0;
        }
    }
    verified(&audit, "备份")?;
    Ok(CopyReport {
        backend: Backend::Postgres,
        file: file.to_path_buf(),
        bytes: size(file),
        counts,
        audit,
    })
}

/// Fills the empty database at `url` from the backup `file`, then verifies and counts it.
pub async fn restore(file: &Path, url: &str) -> Result<CopyReport> {
    let kind = kind_of(file)?;
    let target = if url.starts_with("sqlite:") {
        Backend::Sqlite
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Backend::Postgres
    } else {
        return Err(StoreError::UnsupportedUrl(url.to_string()));
    };
    let name = |b: Backend| match b {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    if kind != target {
        return Err(fail(format!(
            "{} 是 {} 的备份,不能恢复到 {} 数据库 {url}",
            file.display(),
            name(kind),
            name(target)
        )));
    }
    match target {
        Backend::Sqlite => restore_sqlite(file, url).await,
        Backend::Postgres => restore_pg(file, url).await,
    }
}

async fn restore_sqlite(file: &Path, url: &str) -> Result<CopyReport> {
    let options = SqliteConnectOptions::from_str(url)?;
    let path = options.get_filename().to_path_buf();
    if path.as_os_str().is_empty() || url.contains(":memory:") {
        return Err(fail(
            "恢复须指定一个数据库文件(sqlite://文件),不能恢复到内存数据库",
        ));
    }
    if path.exists() && size(&path) > 0 {
        return Err(fail(format!(
            "数据库文件 {} 已存在且不为空:恢复只写入新的(或空的)数据库,请换一个文件名",
            path.display()
        )));
    }
    std::fs::copy(file, &path).map_err(|e| fail(format!("无法写入 {}:{e}", path.display())))?;
    make_private(&path)?;
    let store = SqliteStore::connect(url).await?;
    let result = async {
        store.migrate().await?;
        check::<Sqlite>(store.pool()).await
    }
    .await;
    store.close().await;
    finish(Backend::Sqlite, file, result)
}

async fn restore_pg(file: &Path, url: &str) -> Result<CopyReport> {
    let mut restore = tool("pg_restore")?;
    let store = PgStore::connect(url).await?;
    let tables: i64 = sql::<Postgres>(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_one(&mut store.pool().acquire().await?)
    .await?
    .col(0)?;
    if tables > 0 {
        store.close().await;
        return Err(fail(format!(
            "数据库 {} 不是空的(已有 {tables} 个表):恢复只写入新建的空数据库",
            redact(url)
        )));
    }
    restore
        .arg("--exit-on-error")
        .arg("--no-owner")
        .arg("--no-privileges")
        .arg("--single-transaction")
        .arg("--dbname")
        .arg(url)
        .arg(file);
    let result = async {
        run(restore, "pg_restore")?;
        store.migrate().await?;
        check::<Postgres>(store.pool()).await
    }
    .await;
    store.close().await;
    finish(Backend::Postgres, file, result)
}

fn finish(
    backend: Backend,
    file: &Path,
    result: Result<(Vec<(&'static str, i64)>, AuditReport)>,
) -> Result<CopyReport> {
    let (counts, audit) = result?;
    verified(&audit, "恢复后数据库")?;
    Ok(CopyReport {
        backend,
        file: file.to_path_buf(),
        bytes: size(file),
        counts,
        audit,
    })
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    match (rest.find('@'), rest.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            )
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_urls_in_messages() {
        assert_eq!(
            redact("postgres://yx:s3cret@db:5432/yx"),
            "postgres://yx:***@db:5432/yx"
        );
        assert_eq!(redact("postgres://yx@db/yx"), "postgres://yx@db/yx");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }
}
