//! What differs between the two backends, in one trait: [`Dialect`], implemented for
//! `sqlx::Sqlite` (`sqlite.rs`) and `sqlx::Postgres` (`postgres.rs`). The flows (`flow/`)
//! are written once over it.
//!
//! The SQL the flows share is written so that both backends take it as it is: `$n`
//! placeholders (SQLite reads `$1` as parameter 1), `CAST(… AS …)` rather than `::`,
//! `ON CONFLICT … DO UPDATE SET … = excluded.…`, row values compared with `>` and `IN`.
//! What cannot be shared is the dialect's: how a batch of keys or rows travels (one JSON
//! text unpacked by `json_each` or multi-row `VALUES` in SQLite, arrays unpacked by `UNNEST`
//! in PostgreSQL), how a write transaction starts and locks, a few fragments of SQL, the
//! migrations. How a Rust value is stored is [`Param`] (bound) and [`Column`] (read):
//! times are fixed-width text in SQLite and `TIMESTAMP` in PostgreSQL, dates text or `DATE`;
//! every other value sqlx binds and reads as it is on both. No text parameter may hold
//! U+0000 (PostgreSQL cannot store it): see `common::check_text`.

use std::future::Future;

use chrono::{NaiveDate, NaiveDateTime};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Decode, Encode, Pool, Postgres, Row, Sqlite, Type};
use youxiang_core::CheckedWrite;
use youxiang_core::place::Place;
use youxiang_core::value::{Observation, ValueKey, ValueState};

use crate::audit::AuditEntry;
use crate::{Backend, Result, StoreError};

/// A statement of backend `D` with its arguments.
pub(crate) type Query<D> = sqlx::query::Query<'static, D, <D as sqlx::Database>::Arguments>;
/// A connection of backend `D` (a transaction or a pooled connection derefs to it).
pub(crate) type Conn<D> = <D as sqlx::Database>::Connection;
pub(crate) type Tx<D> = sqlx::Transaction<'static, D>;

/// Rows per statement for batched reads and writes (a dialect may cut finer).
pub(crate) const CHUNK: usize = 50_000;

/// The SQL primitives of one backend: fragments and constants of its SQL, and the
/// statements that move a batch.
pub(crate) trait Dialect: sqlx::Database<Row: Get> {
    const BACKEND: Backend;
    /// Begins a write transaction. SQLite takes the write lock at once (`BEGIN
    /// IMMEDIATE`) and waits for it up to the busy timeout.
    const BEGIN_WRITE: &'static str;
    /// Ends a `SELECT` of rows the transaction will change: PostgreSQL locks them
    /// (`FOR UPDATE`; the audit head first, which serialises every audited write and keeps
    /// the chain linear); SQLite's write lock already covers the whole file.
    const FOR_UPDATE: &'static str;
    /// Begins the one consistent, read-only snapshot `audit verify` reads.
    const BEGIN_SNAPSHOT: &'static str;
    /// Follows an `ORDER BY` of text to sort it byte by byte, as SQLite does by default
    /// (PostgreSQL sorts by the database's locale otherwise).
    const BYTE_ORDER: &'static str;
    /// Run first in `save_places`, so two imports cannot interleave their checks
    /// (PostgreSQL locks the table; SQLite's write lock covers it).
    const LOCK_PLACES: Option<&'static str>;
    /// Inserts into `plan_indicators` the code of every indicator of the plan document
    /// bound as `$1` (JSON text).
    const PLAN_INDICATORS: &'static str;

    /// Applies this backend's embedded migrations.
    fn migrate(pool: &Pool<Self>) -> impl Future<Output = Result<()>> + Send;

    /// Binds `p` as this backend stores it.
    fn bind<P: Param>(q: Query<Self>, p: P) -> Query<Self>;
    /// Runs a statement; the rows it changed.
    fn execute(
        q: Query<Self>,
        c: &mut Conn<Self>,
    ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
    fn fetch_all(
        q: Query<Self>,
        c: &mut Conn<Self>,
    ) -> impl Future<Output = Result<Vec<Self::Row>, sqlx::Error>> + Send;
    fn fetch_optional(
        q: Query<Self>,
        c: &mut Conn<Self>,
    ) -> impl Future<Output = Result<Option<Self::Row>, sqlx::Error>> + Send;

    /// The stored values of `keys` (at most [`CHUNK`]), each with its index into `keys`.
    fn existing(
        c: &mut Conn<Self>,
        keys: &[&ValueKey],
    ) -> impl Future<Output = Result<Vec<(usize, Observation)>>> + Send;
    /// The statement deleting the values of `keys` (at most [`CHUNK`]).
    fn delete_keys(keys: &[ValueKey]) -> Result<Query<Self>>;
    /// The statement setting the review state of the values of `keys` (at most [`CHUNK`]).
    fn set_state(keys: &[ValueKey], state: ValueState) -> Result<Query<Self>>;
    /// Updates `writes[i]` for each `i` of `rows` (any number), values found stored under
    /// the write lock still held, as drafts reported by `actor` at `at`. The error is the
    /// database's (its triggers refuse unknown indicators and places).
    fn upsert_values(
        c: &mut Conn<Self>,
        writes: &[CheckedWrite],
        rows: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
    /// Inserts `writes[i]` for each `i` of `rows` (any number), values not stored yet, as
    /// drafts reported by `actor` at `at` (a key stored meanwhile is the database's
    /// duplicate-key error: the transaction rolls back). The error is the database's.
    fn insert_values(
        c: &mut Conn<Self>,
        writes: &[CheckedWrite],
        rows: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
    /// Inserts or updates `places[i]` for each `i` of `chunk` (at most [`CHUNK`]), a new
    /// place in order `next_ord + i`, and replaces their population.
    fn upsert_places(
        c: &mut Conn<Self>,
        places: &[Place],
        chunk: &[usize],
        next_ord: i64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Inserts linked audit rows (at most [`CHUNK`]).
    fn insert_audit(
        c: &mut Conn<Self>,
        entries: &[AuditEntry],
    ) -> impl Future<Output = Result<()>> + Send;
}

/// `execute`, `fetch_all` and `fetch_optional` of a dialect: sqlx's own, on the backend's
/// concrete connection (the same text for both backends, which generic code could only
/// write under a wall of bounds).
macro_rules! runners {
    () => {
        async fn execute(
            q: $crate::dialect::Query<Self>,
            c: &mut $crate::dialect::Conn<Self>,
        ) -> Result<u64, sqlx::Error> {
            Ok(q.execute(c).await?.rows_affected())
        }

        async fn fetch_all(
            q: $crate::dialect::Query<Self>,
            c: &mut $crate::dialect::Conn<Self>,
        ) -> Result<Vec<<Self as sqlx::Database>::Row>, sqlx::Error> {
            q.fetch_all(c).await
        }

        async fn fetch_optional(
            q: $crate::dialect::Query<Self>,
            c: &mut $crate::dialect::Conn<Self>,
        ) -> Result<Option<<Self as sqlx::Database>::Row>, sqlx::Error> {
            q.fetch_optional(c).await
        }
    };
}
pub(crate) use runners;

/// A Rust value bound as a statement parameter. PostgreSQL takes each as it is; SQLite
/// stores times and dates as text.
pub(crate) trait Param: Send + for<'q> Encode<'q, Postgres> + Type<Postgres> {
    fn sqlite(self, q: Query<Sqlite>) -> Query<Sqlite>;
    /// The text, if this is text (to refuse U+0000, see `common::check_text`).
    fn text(&self) -> Option<&str> {
        None
    }
}

/// A Rust value read from a column. PostgreSQL gives each as it is; SQLite stores times and
/// dates as text.
pub(crate) trait Column: for<'r> Decode<'r, Postgres> + Type<Postgres> {
    fn sqlite(row: &SqliteRow, i: usize) -> Result<Self>;
}

/// Reads column `i` of a row of either backend.
pub(crate) trait Get {
    fn col<C: Column>(&self, i: usize) -> Result<C>;
}

impl Get for SqliteRow {
    fn col<C: Column>(&self, i: usize) -> Result<C> {
        C::sqlite(self, i)
    }
}

impl Get for PgRow {
    fn col<C: Column>(&self, i: usize) -> Result<C> {
        Ok(self.try_get(i)?)
    }
}

fn text<T: AsRef<str>>(t: &T) -> Option<&str> {
    Some(t.as_ref())
}

fn optional_text<T: AsRef<str>>(t: &Option<T>) -> Option<&str> {
    t.as_ref().map(AsRef::as_ref)
}

/// Types SQLite stores as they are too; `text`: text, `text?`: optional text.
macro_rules! as_they_are {
    (@bind $p:ty $(, $text:expr)?) => {
        impl Param for $p {
            fn sqlite(self, q: Query<Sqlite>) -> Query<Sqlite> {
                q.bind(self)
            }
            $(fn text(&self) -> Option<&str> {
                $text(self)
            })?
        }
    };
    (bind: $($p:ty),*; text: $($t:ty),*; text?: $($o:ty),*; read: $($c:ty),*) => {
        $(as_they_are!(@bind $p);)*
        $(as_they_are!(@bind $t, text);)*
        $(as_they_are!(@bind $o, optional_text);)*
        $(impl Column for $c {
            fn sqlite(row: &SqliteRow, i: usize) -> Result<Self> {
                Ok(row.try_get(i)?)
            }
        })*
    };
}

as_they_are!(
    bind: bool, i32, i64, f64, Option<f64>, &[u8];
    text: &str, &String, String;
    text?: Option<&'static str>, &Option<String>, Option<String>;
    read: bool, i32, i64, f64, Option<f64>, String, Option<String>, Vec<u8>
);

/// The fixed-width text form of a timestamp in SQLite (sorts as it compares).
pub(crate) fn sqlite_time(t: &NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

fn parse_sqlite_time(text: &str) -> Result<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .map_err(|e| StoreError::Corrupt(format!("时间“{text}”:{e}")))
}

impl Param for NaiveDateTime {
    fn sqlite(self, q: Query<Sqlite>) -> Query<Sqlite> {
        q.bind(sqlite_time(&self))
    }
}

impl Param for Option<NaiveDateTime> {
    fn sqlite(self, q: Query<Sqlite>) -> Query<Sqlite> {
        q.bind(self.as_ref().map(sqlite_time))
    }
}

impl Column for NaiveDateTime {
    fn sqlite(row: &SqliteRow, i: usize) -> Result<Self> {
        parse_sqlite_time(&row.try_get::<String, _>(i)?)
    }
}

impl Column for Option<NaiveDateTime> {
    fn sqlite(row: &SqliteRow, i: usize) -> Result<Self> {
        let text: Option<String> = row.try_get(i)?;
        text.as_deref().map(parse_sqlite_time).transpose()
    }
}

impl Param for Option<NaiveDate> {
    fn sqlite(self, q: Query<Sqlite>) -> Query<Sqlite> {
        q.bind(self.map(|d| d.to_string()))
    }
}

/// The only date column is a record's due date (期限).
impl Column for Option<NaiveDate> {
    fn sqlite(row: &SqliteRow, i: usize) -> Result<Self> {
        let text: Option<String> = row.try_get(i)?;
        text.map(|d| {
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|e| StoreError::Corrupt(format!("期限“{d}”:{e}")))
        })
        .transpose()
    }
}
