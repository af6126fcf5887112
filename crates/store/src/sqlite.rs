//! The SQLite dialect: one file in WAL mode with foreign keys on; writes take the write
//! lock at once (`BEGIN IMMEDIATE`) and wait for it up to the busy timeout.
//!
//! Values and audit rows are written by one prepared statement stepped once a row
//! (`sqlite_rows`, as SQLite's own `.import` does), places with multi-row `INSERT … VALUES`;
//! numbers are bound as binary doubles (SQLite's decimal parser is not exact at the
//! extremes — 1e-300 came back as 9.999999999999999e-301 through JSON). The keys to look up
//! travel as one JSON text per 50,000, unpacked by `json_each` and joined on the primary key.

use std::ffi::CStr;
use std::str::FromStr;
use std::time::Duration;

use chrono::NaiveDateTime;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{AssertSqlSafe, Pool, QueryBuilder, Row, Sqlite, SqliteConnection};
use youxiang_core::CheckedWrite;
use youxiang_core::place::Place;
use youxiang_core::value::{Observation, ValueKey, ValueState};

use crate::audit::AuditEntry;
use crate::common::{level_text, state_from};
use crate::dialect::{Dialect, Get, Param, Query, runners, sqlite_time};
use crate::flow::{SqlStore, to_json};
use crate::sqlite_rows::{Arg, run_per_row};
use crate::{Backend, Result, StoreError};

/// The embedded default backend.
pub type SqliteStore = SqlStore<Sqlite>;

/// How long a writer waits for another writer's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

impl SqlStore<Sqlite> {
    /// Opens `sqlite://path` (created if missing) or `sqlite::memory:`.
    pub async fn connect(url: &str) -> Result<SqliteStore> {
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // A commit acknowledged to a person survives a power loss (NORMAL in WAL mode
            // may lose the last transactions).
            .synchronous(SqliteSynchronous::Full)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536");
        if !memory {
            options = options.journal_mode(SqliteJournalMode::Wal);
            create_private(options.get_filename())?;
        }
        let pool = SqlitePoolOptions::new()
            // An in-memory database lives as long as its one connection.
            .max_connections(if memory { 1 } else { 4 })
            .min_connections(if memory { 1 } else { 0 })
            .idle_timeout(if memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(None)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        Ok(SqlStore::new(pool))
    }
}

/// Creates a missing database file readable and writable by its owner only (0600): it
/// holds personal data and password hashes. SQLite gives its -wal and -shm files the same
/// mode. An existing file keeps the mode it has.
fn create_private(path: &std::path::Path) -> Result<()> {
    if path.as_os_str().is_empty() || path.exists() {
        return Ok(());
    }
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    match open.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Invalid(format!(
            "无法创建数据库文件 {}:{e}",
            path.display()
        ))),
    }
}

/// Keys as one JSON text of `[indicator, place, period, component]` arrays, for `json_each`.
fn keys_json<'k>(keys: impl Iterator<Item = &'k ValueKey>) -> Result<String> {
    let tuples: Vec<_> = keys
        .map(|k| {
            (
                &k.indicator,
                &k.place,
                k.period.to_string(),
                k.component.as_str(),
            )
        })
        .collect();
    to_json(&tuples)
}

/// The primary keys of `json_each($1)`'s rows, for `… WHERE (key columns) IN (…)`.
const KEYS_IN: &str = "(indicator, place, period, component) IN (SELECT j.value->>0, \
     j.value->>1, j.value->>2, j.value->>3 FROM json_each($1) AS j)";

/// A value not stored yet, as a draft (parameters in the order of `write_values`).
const INSERT_VALUE: &CStr = c"INSERT INTO observations (indicator, place, period, component, \
    value, comment, state, reporter, reported_at, source) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'draft', ?7, ?8, ?9)";

/// A value, stored or not, as a draft (parameters in the order of `write_values`).
const UPSERT_VALUE: &CStr = c"INSERT INTO observations (indicator, place, period, component, \
    value, comment, state, reporter, reported_at, source) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'draft', ?7, ?8, ?9) \
    ON CONFLICT (indicator, place, period, component) DO UPDATE SET \
    value = excluded.value, state = 'draft', reporter = excluded.reporter, \
    reported_at = excluded.reported_at, comment = excluded.comment, source = excluded.source";

/// An audit row, linked already.
const INSERT_AUDIT: &CStr = c"INSERT INTO audit (seq, at, actor, action, entity, place, \
    indicator, period, old, new, reason, prev_hash, hash, origin) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";

/// Writes `writes[i]` for each `i` of `rows` as drafts by `actor` at `at` by `sql`
/// ([`INSERT_VALUE`] or [`UPSERT_VALUE`]), one row at a time.
async fn write_values(
    c: &mut SqliteConnection,
    writes: &[CheckedWrite],
    rows: &[usize],
    actor: &str,
    at: NaiveDateTime,
    sql: &CStr,
) -> Result<(), sqlx::Error> {
    let reported_at = sqlite_time(&at);
    run_per_row(c, sql, rows, |&i| {
        let (w, k) = (&writes[i], writes[i].key());
        [
            Arg::from(k.indicator.as_str()),
            k.place.as_str().into(),
            k.period.to_string().into(),
            k.component.as_str().into(),
            Arg::Real(w.value()),
            w.comment().into(),
            actor.into(),
            reported_at.as_str().into(),
            // No source named is stored as NULL (the plan's default applies).
            Some(w.source()).filter(|s| !s.is_empty()).into(),
        ]
    })
    .await
}

impl Dialect for Sqlite {
    const BACKEND: Backend = Backend::Sqlite;
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const FOR_UPDATE: &'static str = "";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    const BYTE_ORDER: &'static str = "";
    const LOCK_PLACES: Option<&'static str> = None;
    const PLAN_INDICATORS: &'static str = "INSERT INTO plan_indicators (code) \
         SELECT DISTINCT j.value->>'code' FROM json_each($1, '$.indicators') AS j";

    async fn migrate(pool: &Pool<Sqlite>) -> Result<()> {
        sqlx::migrate!("./migrations/sqlite").run(pool).await?;
        Ok(())
    }

    fn bind<P: Param>(q: Query<Sqlite>, p: P) -> Query<Sqlite> {
        p.sqlite(q)
    }

    runners!();

    async fn existing(
        c: &mut SqliteConnection,
        keys: &[&ValueKey],
    ) -> Result<Vec<(usize, Observation)>> {
        let rows = sqlx::query(
            "SELECT j.key, o.value, o.state, o.reporter, o.reported_at, o.comment, \
             COALESCE(o.source, '') FROM json_each($1) AS j CROSS JOIN observations AS o \
             ON o.indicator = j.value->>0 AND o.place = j.value->>1 \
             AND o.period = j.value->>2 AND o.component = j.value->>3",
        )
        .bind(keys_json(keys.iter().copied())?)
        .fetch_all(&mut *c)
        .await?;
        rows.iter()
            .map(|row| {
                let i = row.try_get::<i64, _>(0)? as usize;
                let key = keys.get(i).ok_or_else(|| {
                    StoreError::Corrupt(format!("json_each 返回了越界的序号 {i}"))
                })?;
                let state: String = row.try_get(2)?;
                let o = Observation {
                    key: (*key).clone(),
                    value: row.try_get(1)?,
                    state: state_from(&state)?,
                    reporter: row.try_get(3)?,
                    reported_at: row.col(4)?,
                    comment: row.try_get(5)?,
                    source: row.try_get(6)?,
                };
                Ok((i, o))
            })
            .collect()
    }

    fn delete_keys(keys: &[ValueKey]) -> Result<Query<Sqlite>> {
        let sql = format!("DELETE FROM observations WHERE {KEYS_IN}");
        Ok(sqlx::query(AssertSqlSafe(sql)).bind(keys_json(keys.iter())?))
    }

    fn set_state(keys: &[ValueKey], state: ValueState) -> Result<Query<Sqlite>> {
        let sql = format!("UPDATE observations SET state = $2 WHERE {KEYS_IN}");
        let q = sqlx::query(AssertSqlSafe(sql)).bind(keys_json(keys.iter())?);
        Ok(q.bind(state.as_str()))
    }

    async fn upsert_values(
        c: &mut SqliteConnection,
        writes: &[CheckedWrite],
        rows: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> Result<(), sqlx::Error> {
        write_values(c, writes, rows, actor, at, UPSERT_VALUE).await
    }

    async fn insert_values(
        c: &mut SqliteConnection,
        writes: &[CheckedWrite],
        rows: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> Result<(), sqlx::Error> {
        write_values(c, writes, rows, actor, at, INSERT_VALUE).await
    }

    async fn upsert_places(
        c: &mut SqliteConnection,
        places: &[Place],
        chunk: &[usize],
        next_ord: i64,
    ) -> Result<()> {
        // 7 parameters a place, 3 a population figure: within SQLite's limit of 32,766.
        for rows in chunk.chunks(4000) {
            let mut qb = QueryBuilder::<Sqlite>::new(
                "INSERT INTO places (code, name, level, parent, lon, lat, ord) ",
            );
            qb.push_values(rows, |mut b, &i| {
                let p = &places[i];
                b.push_bind(p.code.as_str())
                    .push_bind(p.name.as_str())
                    .push_bind(level_text(p.level))
                    .push_bind(p.parent.as_deref())
                    .push_bind(p.lon)
                    .push_bind(p.lat)
                    .push_bind(next_ord + i as i64);
            });
            qb.push(
                " ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
                 parent = excluded.parent, lon = excluded.lon, lat = excluded.lat",
            );
            qb.build().execute(&mut *c).await?;
            let codes: Vec<&str> = rows.iter().map(|&i| places[i].code.as_str()).collect();
            sqlx::query(
                "DELETE FROM place_population WHERE place IN (SELECT value FROM json_each($1))",
            )
            .bind(to_json(&codes)?)
            .execute(&mut *c)
            .await?;
            let pops: Vec<(&str, i32, f64)> = rows
                .iter()
                .flat_map(|&i| {
                    let p = &places[i];
                    p.population.iter().map(|(y, n)| (p.code.as_str(), *y, *n))
                })
                .collect();
            for pops in pops.chunks(10_000) {
                let mut qb = QueryBuilder::<Sqlite>::new(
                    "INSERT INTO place_population (place, year, population) ",
                );
                qb.push_values(pops, |mut b, (place, year, n)| {
                    b.push_bind(*place).push_bind(*year).push_bind(*n);
                });
                qb.build().execute(&mut *c).await?;
            }
        }
        Ok(())
    }

    async fn insert_audit(c: &mut SqliteConnection, entries: &[AuditEntry]) -> Result<()> {
        run_per_row(c, INSERT_AUDIT, entries, |e| {
            [
                Arg::Int(e.seq),
                sqlite_time(&e.at).into(),
                e.actor.as_str().into(),
                e.action.as_str().into(),
                e.entity.as_str().into(),
                e.place.as_deref().into(),
                e.indicator.as_deref().into(),
                e.period.as_deref().into(),
                e.old.as_deref().into(),
                e.new.as_deref().into(),
                e.reason.as_deref().into(),
                e.prev_hash.as_str().into(),
                e.hash.as_str().into(),
                e.origin.as_deref().into(),
            ]
        })
        .await?;
        Ok(())
    }
}
