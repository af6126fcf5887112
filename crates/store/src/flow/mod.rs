//! The store's flows, written once for both backends over [`Dialect`]: [`SqlStore`] and its
//! implementation of every store trait. A write is one transaction: check the input, begin
//! it ([`Write::begin`]: the write lock and the audit head), read what is stored, plan the
//! change (`common`, no SQL), write it (shared SQL, or the dialect's for batches), append
//! its audit rows and commit ([`Write::commit`]). Reads go to the pool.
//!
//! The concerns live apart: `values` (numbers, review, uploads), `plans` (plan and places),
//! `accounts` (users and passwords), `records` (management records and attachments); the
//! schema and the audit trail are here.

mod accounts;
mod plans;
mod pool;
mod records;
mod sessions;
mod sync;
mod values;

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::NaiveDateTime;
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Pool};
use youxiang_core::value::Observation;

use crate::audit::{Appender, AuditEntry, AuditFilter, AuditReport, NewAudit, Replayer, Verifier};
use crate::common::{check_text, key_from, now, state_from};
use crate::dialect::{CHUNK, Conn, Dialect, Get, Param, Query, Tx};
use crate::records::{Record, parse_body};
use crate::{AuditStore, Backend, Result, SchemaStore, StoreError};

/// A store on one SQL backend: [`crate::SqliteStore`] or [`crate::PgStore`]. Cloning it
/// clones the handle (the same pool and origin).
#[derive(Debug)]
pub struct SqlStore<DB: sqlx::Database> {
    pool: Pool<DB>,
    /// What every audit row appended through this handle is marked with (`set_origin`).
    origin: Arc<RwLock<Option<String>>>,
    /// The time writes are stamped with instead of now (`set_clock`).
    clock: Arc<RwLock<Option<NaiveDateTime>>>,
    /// The audit rows this handle committed, as ranges of sequence numbers (`sync.rs`).
    own: sync::OwnCommits,
}

impl<DB: sqlx::Database> Clone for SqlStore<DB> {
    fn clone(&self) -> Self {
        SqlStore {
            pool: self.pool.clone(),
            origin: self.origin.clone(),
            clock: self.clock.clone(),
            own: self.own.clone(),
        }
    }
}

impl<DB: sqlx::Database> SqlStore<DB> {
    pub(crate) fn new(pool: Pool<DB>) -> Self {
        SqlStore {
            pool,
            origin: Default::default(),
            clock: Default::default(),
            own: Default::default(),
        }
    }

    /// The pool, for tests and tools that need raw access (e.g. to show tampering).
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    /// Closes every connection (before the database is dropped, say).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// One statement being built: its SQL and the parameters bound so far, each as the backend
/// stores it ([`Param`]).
pub(crate) struct Sql<D: Dialect> {
    q: Query<D>,
    /// A text parameter holds U+0000: refused when run, on both backends.
    nul: bool,
}

/// A statement of fixed text.
pub(crate) fn sql<D: Dialect>(text: &'static str) -> Sql<D> {
    Sql::of(sqlx::query(text))
}

/// A statement assembled from constants (column lists, dialect fragments): never input.
pub(crate) fn sql_built<D: Dialect>(text: String) -> Sql<D> {
    Sql::of(sqlx::query(AssertSqlSafe(text)))
}

/// What a statement runs on: a transaction, a pooled connection or a [`Write`].
pub(crate) trait On<D: Dialect>: Send {
    fn conn(&mut self) -> &mut Conn<D>;
}

impl<D: Dialect> On<D> for Tx<D> {
    fn conn(&mut self) -> &mut Conn<D> {
        self
    }
}

impl<D: Dialect> On<D> for PoolConnection<D> {
    fn conn(&mut self) -> &mut Conn<D> {
        self
    }
}

impl<D: Dialect> Sql<D> {
    /// A statement a dialect built (its parameters checked by its caller).
    pub(crate) fn of(q: Query<D>) -> Self {
        Sql { q, nul: false }
    }

    pub(crate) fn bind(self, p: impl Param) -> Self {
        let nul = self.nul || p.text().is_some_and(|t| t.contains('\0'));
        Sql {
            q: D::bind(self.q, p),
            nul,
        }
    }

    fn query(self) -> Result<Query<D>> {
        match self.nul {
            true => check_text("文本", "\0").map(|_| self.q),
            false => Ok(self.q),
        }
    }

    /// Runs the statement; the rows it changed.
    pub(crate) async fn execute(self, on: &mut impl On<D>) -> Result<u64> {
        Ok(D::execute(self.query()?, on.conn()).await?)
    }

    pub(crate) async fn fetch_all(self, on: &mut impl On<D>) -> Result<Vec<D::Row>> {
        Ok(D::fetch_all(self.query()?, on.conn()).await?)
    }

    pub(crate) async fn fetch_optional(self, on: &mut impl On<D>) -> Result<Option<D::Row>> {
        Ok(D::fetch_optional(self.query()?, on.conn()).await?)
    }

    pub(crate) async fn fetch_one(self, on: &mut impl On<D>) -> Result<D::Row> {
        let row = self.fetch_optional(on).await?;
        Ok(row.ok_or(sqlx::Error::RowNotFound)?)
    }
}

/// A write in progress: its transaction, begun with the write lock and the audit head, the
/// time of the write (UTC, every row of it), and the audit rows' link onto the chain.
pub(crate) struct Write<D: Dialect> {
    tx: Tx<D>,
    pub at: NaiveDateTime,
    appender: Appender,
    own: sync::OwnCommits,
}

impl<D: Dialect> On<D> for Write<D> {
    fn conn(&mut self) -> &mut Conn<D> {
        &mut self.tx
    }
}

impl<D: Dialect> Write<D> {
    /// Begins a write by `actor` on `store`, now: the write lock, the audit head (locked
    /// on PostgreSQL), the store's origin.
    pub(crate) async fn begin(store: &SqlStore<D>, actor: &str) -> Result<Write<D>> {
        let at = store
            .clock
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(now);
        let mut tx = store.pool.begin_with(D::BEGIN_WRITE).await?;
        let head = format!(
            "SELECT seq, hash FROM audit_head WHERE id = 1{}",
            D::FOR_UPDATE
        );
        let row = sql_built(head)
            .fetch_optional(&mut tx)
            .await?
            .ok_or_else(|| StoreError::Corrupt("审计链头(audit_head)缺失".into()))?;
        let appender = Appender::new(row.col(0)?, row.col(1)?, at, actor).origin(store.origin());
        Ok(Write {
            tx,
            at,
            appender,
            own: store.own.clone(),
        })
    }

    /// The audit chain's head once `rows` more rows are appended by this write (the head
    /// as locked at the start with none).
    pub(crate) fn head_after(&self, rows: usize) -> i64 {
        self.appender.seq + rows as i64
    }

    /// Appends `rows` to the chain (none: the head stays), moves the head, and commits.
    pub(crate) async fn commit(self, rows: Vec<NewAudit>) -> Result<()> {
        let mut chain = self.chain();
        let entries = chain.link(rows);
        self.commit_linked(entries, chain).await
    }

    /// The chain as this write found it, to link its rows elsewhere — on another thread
    /// while its statements run — and commit them with [`Write::commit_linked`].
    pub(crate) fn chain(&self) -> Appender {
        self.appender.clone()
    }

    /// Appends `entries`, linked by `chain` from [`Write::chain`], moves the head, commits.
    pub(crate) async fn commit_linked(
        mut self,
        entries: Vec<AuditEntry>,
        chain: Appender,
    ) -> Result<()> {
        let first = self.appender.seq + 1;
        if entries.first().is_some_and(|e| e.seq != first)
            || chain.seq != self.appender.seq + entries.len() as i64
        {
            return Err(StoreError::Corrupt("审计记录未接在链头之后".into()));
        }
        for chunk in entries.chunks(CHUNK) {
            D::insert_audit(&mut self.tx, chunk).await?;
        }
        if !entries.is_empty() {
            sql("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(chain.seq)
                .bind(chain.hash.as_str())
                .execute(&mut self.tx)
                .await?;
        }
        self.tx.commit().await?;
        if chain.seq >= first {
            self.own.note(first, chain.seq);
        }
        Ok(())
    }
}

pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

pub(crate) const OBS_COLUMNS: &str = "o.indicator, o.place, o.period, o.component, o.value, \
     o.state, o.reporter, o.reported_at, o.comment, COALESCE(o.source, '')";

/// An observation from the columns `OBS_COLUMNS`, starting at column `at`.
pub(crate) fn obs_from_row(row: &impl Get, at: usize) -> Result<Observation> {
    let period: String = row.col(at + 2)?;
    let component: String = row.col(at + 3)?;
    let state: String = row.col(at + 5)?;
    Ok(Observation {
        key: key_from(row.col(at)?, row.col(at + 1)?, &period, &component)?,
        value: row.col(at + 4)?,
        state: state_from(&state)?,
        reporter: row.col(at + 6)?,
        reported_at: row.col(at + 7)?,
        comment: row.col(at + 8)?,
        source: row.col(at + 9)?,
    })
}

pub(crate) const RECORD_COLUMNS: &str =
    "kind, id, unit, state, due, body, version, created_at, created_by, updated_at, updated_by";

pub(crate) fn record_from_row(row: &impl Get) -> Result<Record> {
    let kind: String = row.col(0)?;
    let id: String = row.col(1)?;
    let due = row.col(4).map_err(|e| match e {
        StoreError::Corrupt(m) => StoreError::Corrupt(format!("记录 {kind}:{id} 的{m}")),
        e => e,
    })?;
    let body: String = row.col(5)?;
    Ok(Record {
        body: parse_body(&kind, &id, &body)?,
        unit: row.col(2)?,
        state: row.col(3)?,
        due,
        version: row.col(6)?,
        created_at: row.col(7)?,
        created_by: row.col(8)?,
        updated_at: row.col(9)?,
        updated_by: row.col(10)?,
        kind,
        id,
    })
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, entity, place, indicator, period, old, new, \
     reason, prev_hash, hash, origin";

fn audit_from_row(row: &impl Get) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.col(0)?,
        at: row.col(1)?,
        actor: row.col(2)?,
        action: row.col(3)?,
        entity: row.col(4)?,
        place: row.col(5)?,
        indicator: row.col(6)?,
        period: row.col(7)?,
        old: row.col(8)?,
        new: row.col(9)?,
        reason: row.col(10)?,
        prev_hash: row.col(11)?,
        hash: row.col(12)?,
        origin: row.col(13)?,
    })
}

#[async_trait]
impl<D: Dialect> SchemaStore for SqlStore<D> {
    fn backend(&self) -> Backend {
        D::BACKEND
    }

    async fn migrate(&self) -> Result<()> {
        D::migrate(&self.pool).await
    }
}

#[async_trait]
impl<D: Dialect> AuditStore for SqlStore<D> {
    fn set_origin(&self, origin: Option<String>) {
        *self.origin.write().unwrap_or_else(|e| e.into_inner()) =
            origin.filter(|o| !o.trim().is_empty());
    }

    fn origin(&self) -> Option<String> {
        self.origin
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set_clock(&self, at: Option<NaiveDateTime>) {
        *self.clock.write().unwrap_or_else(|e| e.into_inner()) = at;
    }

    async fn audit_row(&self, seq: i64) -> Result<Option<AuditEntry>> {
        let row = sql_built(format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq = $1"))
            .bind(seq)
            .fetch_optional(&mut self.pool.acquire().await?)
            .await?;
        row.as_ref().map(audit_from_row).transpose()
    }

    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let rows = sql_built(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit \
             WHERE (CAST($1 AS TEXT) IS NULL OR place = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR indicator = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR actor = $3) \
             AND (CAST($4 AS TEXT) IS NULL OR action = $4) \
             AND (CAST($5 AS TIMESTAMP) IS NULL OR at >= $5) \
             AND (CAST($6 AS TIMESTAMP) IS NULL OR at < $6) \
             AND (CAST($8 AS TEXT) IS NULL OR entity = $8) \
             ORDER BY seq DESC LIMIT $7"
        ))
        .bind(&filter.place)
        .bind(&filter.indicator)
        .bind(&filter.actor)
        .bind(&filter.action)
        .bind(filter.since)
        .bind(filter.until)
        .bind(limit(filter.limit.unwrap_or(1000)))
        .bind(&filter.entity)
        .fetch_all(&mut self.pool.acquire().await?)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_verify(&self) -> Result<AuditReport> {
        // One read transaction: a consistent snapshot of the chain and its head.
        let mut tx = self.pool.begin_with(D::BEGIN_SNAPSHOT).await?;
        let report = verify_in::<D>(&mut tx).await?;
        tx.rollback().await?;
        Ok(report)
    }
}

/// Verifies the chain and replays the values and records against it, all read in `tx`
/// (one snapshot: `audit verify`, and a backup's own).
pub(crate) async fn verify_in<D: Dialect>(tx: &mut Tx<D>) -> Result<AuditReport> {
    let head = match sql("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_optional(tx)
        .await?
    {
        Some(r) => Some((r.col(0)?, r.col(1)?)),
        None => None,
    };
    let mut verifier = Verifier::default();
    let mut replayer = Replayer::default();
    let mut after = 0i64;
    loop {
        let page =
            format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows = sql_built(page)
            .bind(after)
            .bind(CHUNK as i64)
            .fetch_all(tx)
            .await?;
        for row in &rows {
            let e = audit_from_row(row)?;
            verifier.feed(&e);
            replayer.feed(&e);
            after = e.seq;
        }
        if rows.len() < CHUNK {
            break;
        }
    }
    // The same snapshot's values and records, replayed against their audited state.
    let stored = sql_built(format!("SELECT {OBS_COLUMNS} FROM observations AS o"))
        .fetch_all(tx)
        .await?
        .iter()
        .map(|r| obs_from_row(r, 0))
        .collect::<Result<Vec<_>>>()?;
    let records = sql_built(format!(
        "SELECT {RECORD_COLUMNS} FROM records ORDER BY kind, id"
    ))
    .fetch_all(tx)
    .await?
    .iter()
    .map(record_from_row)
    .collect::<Result<Vec<_>>>()?;
    Ok(verifier
        .finish(head)
        .with_replay(replayer.finish(stored, records)))
}

/// A row count as SQL takes it: a `usize` beyond `i64` is no limit (it used to wrap to a
/// negative number, which SQLite reads as no limit and PostgreSQL refuses).
pub(crate) fn limit(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
