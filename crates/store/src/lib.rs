//! Persistence for youxiang: the store traits, by concern — [`SchemaStore`], [`PlanStore`],
//! [`AccountStore`], [`SessionStore`], [`ValueStore`], [`RecordStore`], [`AuditStore`] — all of them at once
//! as [`Database`], and one implementation, [`SqlStore`], on two backends: [`SqliteStore`]
//! (an embedded file, the default) and [`PgStore`] (PostgreSQL, for production), chosen by
//! URL with [`connect`]. Calling a method on a concrete store needs its trait in scope:
//! `use youxiang_store::prelude::*;`.
//!
//! Every write is one transaction that also appends to the hash-chained audit trail (see
//! [`audit`]), so a number can never change without a trace. Only this crate speaks SQL.
//!
//! Layout: the flows are written once (`flow/`: `values`, `plans`, `accounts`, `records`,
//! the schema and audit trail in `flow/mod.rs`) over the `Dialect` trait (`dialect.rs`:
//! what differs between the backends, and how each stores a Rust value); `sqlite.rs` and
//! `postgres.rs` implement it (connecting, batch statements, SQL fragments, migrations);
//! `common.rs` holds the decisions without SQL (validation, what a write changes, audit
//! rows) and `records.rs` the management records' types.
//!
//! ```no_run
//! # async fn demo() -> Result<(), youxiang_store::StoreError> {
//! use youxiang_store::prelude::*;
//! let db = youxiang_store::connect("sqlite://youxiang.db").await?;
//! db.migrate().await?;
//! let report = db.audit_verify().await?;
//! assert!(report.ok);
//! # Ok(()) }
//! ```

pub mod audit;
pub mod backup;
mod common;
mod dialect;
mod flow;
pub mod pool;
mod postgres;
pub mod records;
mod sqlite;
mod sqlite_rows;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use youxiang_core::period::Period;
use youxiang_core::place::Place;
use youxiang_core::scope::Reporter;
use youxiang_core::value::{Observation, StateError, Transition, ValueKey, ValueState};
use youxiang_core::{CheckedWrite, Plan};

pub use audit::{AuditEntry, AuditFilter, AuditReport};
pub use flow::SqlStore;
pub use pool::{PendingAnswer, Release, ReleasedBatch};
pub use postgres::PgStore;
pub use records::{AttachmentMeta, Record, RecordFilter, RecordWrite};
pub use sqlite::SqliteStore;

/// Everything that can go wrong at the store's boundary, in variants a caller can act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The value is approved (locked); it must be reopened before it can change. Nothing of
    /// the batch was written.
    #[error("数据 {key} 已审核锁定,须先重新打开才能修改或删除(本批数据均未写入)")]
    Locked { key: ValueKey },
    /// A review-state change that the state machine refuses. Nothing of the batch changed.
    #[error("数据 {key}:{error}(本批数据均未改变)")]
    IllegalTransition { key: ValueKey, error: StateError },
    /// The approver wrote the value last: a figure is approved by someone other than its
    /// author. Nothing of the batch changed.
    #[error(
        "数据 {key} 由审核人本人最后填报,不能自己审核自己的数据(须由他人审核;本批数据均未改变)"
    )]
    SelfApproval { key: ValueKey },
    /// Something asked for does not exist (a value to delete or review, a plan version).
    #[error("未找到:{0}")]
    NotFound(String),
    /// The write contradicts what is stored (e.g. an older plan version than the current).
    #[error("冲突:{0}")]
    Conflict(String),
    /// The input is not acceptable (duplicate keys in a batch, non-finite numbers, a place
    /// hierarchy that is not a tree, …).
    #[error("数据无效:{0}")]
    Invalid(String),
    /// The URL names no backend this crate knows.
    #[error("不支持的数据库地址“{0}”:应为 sqlite://文件、sqlite::memory: 或 postgres://…")]
    UnsupportedUrl(String),
    /// What is stored cannot be read back (a row edited outside the application).
    #[error("数据库内容损坏:{0}")]
    Corrupt(String),
    #[error("数据库迁移失败:{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A backup or a restore could not be made or did not verify (what and why).
    #[error("备份或恢复失败:{0}")]
    Backup(String),
    /// The database itself failed (connection, I/O, constraint).
    #[error("数据库错误:{0}")]
    Backend(#[from] sqlx::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which implementation is behind an `Arc<dyn Database>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// One number to write: the key, the value, the reporter's comment and where the number
/// comes from (数据来源; empty: none named).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueWrite {
    pub key: ValueKey,
    pub value: f64,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub source: String,
}

/// A file to keep with records: its name as uploaded, MIME type and bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// The id a kept file will have: the SHA-256 of its bytes, hex (content-addressed).
pub fn attachment_id(bytes: &[u8]) -> String {
    records::attachment_sha(bytes)
}

/// A user's stored password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPassword {
    /// The PHC string (Argon2id).
    pub hash: String,
    /// When it was set (UTC); `None` for one stored before this was kept.
    pub set_at: Option<NaiveDateTime>,
    /// Set by someone else than its owner: to be changed at the next sign-in.
    pub must_change: bool,
}

/// What a signed-in session of a user depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub login: String,
    /// SHA-256 of role, scope, password hash and the disabled flag: a session started under
    /// another stamp has ended.
    pub stamp: String,
    pub disabled: bool,
}

/// A signed-in session as stored: shared by every server process on the database and
/// kept across a restart. Times are UTC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// SHA-256 of the session's id, hex: the id itself (the cookie) is never stored.
    pub id_hash: String,
    pub login: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The user's credential stamp when the session started ([`Credential::stamp`]).
    pub stamp: String,
    /// Why the password must be changed first, if it must (the app's code for it).
    pub change_due: Option<String>,
    pub started_at: NaiveDateTime,
    /// The last request seen, as last written (servers write it at most every so often).
    pub last_seen: NaiveDateTime,
}

/// The file a batch came from, recorded in the uploads table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadInfo {
    pub file_name: String,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Data rows in the file.
    pub rows: usize,
}

/// A recorded upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    pub id: i64,
    pub sha256: String,
    pub file_name: String,
    pub actor: String,
    pub at: NaiveDateTime,
    pub rows: i64,
    /// How many values the upload changed (0 for a repeated upload).
    pub changed: i64,
}

/// One value before and after a change: `old: None` for a new value, `new: None` for a
/// deleted one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    pub old: Option<Observation>,
    pub new: Option<Observation>,
}

/// What a write did: the values it changed, and how many it skipped as unchanged.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WriteOutcome {
    pub changes: Vec<ValueChange>,
    pub unchanged: usize,
}

/// What [`ValueStore::write_computed`] did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComputedWrite {
    /// The figures written (each now approved).
    pub changes: Vec<ValueChange>,
    /// Approved figures already as computed.
    pub unchanged: usize,
    /// Keys holding a figure of another source, left alone.
    pub kept: Vec<ValueKey>,
}

/// Which values [`ValueStore::get_values`] returns; `None` fields do not filter.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ValueFilter {
    pub indicator: Option<String>,
    pub place: Option<String>,
    pub period: Option<Period>,
    pub state: Option<ValueState>,
    /// Only values after this key in key order (indicator, place, period, component):
    /// keyset paging, each page costs the same however deep.
    pub after: Option<ValueKey>,
    /// At most this many values (in key order).
    pub limit: Option<usize>,
}

/// What [`PlanStore::save_plan`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSaved {
    /// The version that was current before, if any (of the same plan code).
    pub old_version: Option<u32>,
    pub new_version: u32,
    /// False when the identical document was already current (nothing written, no audit).
    pub changed: bool,
}

/// One stored version of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanVersionInfo {
    pub code: String,
    pub version: u32,
    pub saved_at: NaiveDateTime,
    pub saved_by: String,
}

/// What [`PlanStore::save_places`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlacesSaved {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Which backend a store is and its schema.
#[async_trait]
pub trait SchemaStore: Send + Sync {
    fn backend(&self) -> Backend;

    /// Applies the embedded migrations of this backend; running it again is harmless.
    async fn migrate(&self) -> Result<()>;
}

/// The plan and the places: what values are checked against.
#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Stores the plan as the current one. A new version keeps the old one in the plan
    /// history; saving the identical document again changes nothing. An older version than
    /// the current one of the same code is a [`StoreError::Conflict`]. Audited as
    /// `plan.save` with the old and new version.
    async fn save_plan(&self, plan: &Plan, actor: &str) -> Result<PlanSaved>;
    /// The current plan.
    async fn load_plan(&self) -> Result<Option<Plan>>;
    /// Every stored version of the plan `code`, oldest first.
    async fn plan_history(&self, code: &str) -> Result<Vec<PlanVersionInfo>>;
    /// One stored version of a plan.
    async fn load_plan_version(&self, code: &str, version: u32) -> Result<Option<Plan>>;

    /// Inserts or updates the places (with population per year and coordinates), all or
    /// nothing; places not in the list are kept. The stored places must still form a tree,
    /// else [`StoreError::Invalid`] lists every problem. Audited as one `places.save`.
    async fn save_places(&self, places: Vec<Place>, actor: &str) -> Result<PlacesSaved>;
    /// Every place, in the order first saved.
    async fn load_places(&self) -> Result<Vec<Place>>;
}

/// Users: their role and scope, passwords, and what a signed-in session depends on.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Inserts or updates users (role and scope); a stored password hash is kept. Audited
    /// as one `reporters.save`.
    async fn save_reporters(&self, reporters: Vec<Reporter>, actor: &str) -> Result<usize>;
    async fn load_reporters(&self) -> Result<Vec<Reporter>>;

    /// Stores a user's password hash (a PHC string such as Argon2id's), when it was set,
    /// and whether its owner must change it at the next sign-in. Audited as
    /// `user.password` naming the user, never the hash. [`StoreError::NotFound`] when no
    /// such user exists.
    async fn set_password(
        &self,
        login: &str,
        hash: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<()>;
    /// The stored password of a user; `None` when the user or the hash is absent.
    async fn password(&self, login: &str) -> Result<Option<StoredPassword>>;
    /// Disables or enables a user (a disabled user cannot sign in and loses every session).
    /// Audited as `user.disable` / `user.enable`. [`StoreError::NotFound`] when no such user.
    async fn set_disabled(&self, login: &str, disabled: bool, actor: &str) -> Result<()>;
    /// A number that moves whenever any user changes (role, scope, password, disabled),
    /// whoever changed it: servers compare it on every request.
    async fn auth_epoch(&self) -> Result<i64>;
    /// What a session depends on, per user: a fingerprint of role, scope, password hash
    /// and the disabled flag.
    async fn credentials(&self) -> Result<Vec<Credential>>;
}

/// Signed-in sessions: kept in the database so that a restart keeps people signed in and
/// several server processes share them. Not audited. Whether a session is still live
/// (idle time, lifetime) is the caller's to judge on every read.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    async fn session_insert(&self, session: &StoredSession) -> Result<()>;
    /// The session with this id hash, live or not.
    async fn session_get(&self, id_hash: &str) -> Result<Option<StoredSession>>;
    /// Moves the session's last request to `at` (never backwards).
    async fn session_touch(&self, id_hash: &str, at: NaiveDateTime) -> Result<()>;
    /// Ends a session; true when it existed. Moves the auth epoch
    /// ([`AccountStore::auth_epoch`]), so that every process drops its cached copy.
    async fn session_delete(&self, id_hash: &str) -> Result<bool>;
    /// Deletes the sessions last seen before `seen_before` or started before
    /// `started_before` (expired anyway); how many.
    async fn sessions_purge(
        &self,
        seen_before: NaiveDateTime,
        started_before: NaiveDateTime,
    ) -> Result<u64>;
    /// How many sessions are stored (expired ones not yet purged included).
    async fn sessions_count(&self) -> Result<i64>;
}

/// The numbers: writes, review, deletion, quarantine, reads and the uploads they came from.
#[async_trait]
pub trait ValueStore: Send + Sync {
    /// Writes numbers in one transaction. Unchanged values (same number and comment) are
    /// skipped; an approved value anywhere in the batch fails the whole batch with
    /// [`StoreError::Locked`]; new and changed values become drafts reported by `actor`
    /// now (UTC), each with an audit row (`value.write`). With `source`, the upload is
    /// recorded (also when nothing changed). Only checked writes are taken (built against
    /// the plan and the places); the database refuses unknown indicators and places too.
    async fn write_values(
        &self,
        writes: &[CheckedWrite],
        actor: &str,
        source: Option<&UploadInfo>,
    ) -> Result<WriteOutcome>;

    /// Records an upload of a file uploaded before (the same bytes, `source.sha256`) as
    /// changing nothing — no row compared, no audit row, the uploads table records it with
    /// 0 changed — when that is certain: an earlier upload of the file committed, and no
    /// audit row since then wrote, deleted or quarantined a value of one of `touched` (the
    /// file's indicator and place pairs) nor changed the plan or the places. Looked at and
    /// recorded in one write transaction, so no write slips in between. `false` (nothing
    /// recorded): not known unchanged — never uploaded, changed since, or too much written
    /// since to look through — and the caller compares row by row
    /// ([`ValueStore::write_values`]). The caller checks the rows' scope.
    async fn repeat_upload(
        &self,
        source: &UploadInfo,
        actor: &str,
        touched: &std::collections::HashSet<(String, String)>,
    ) -> Result<bool>;

    /// Moves stored values out of the evaluation into the `quarantine` table (all or
    /// nothing, whatever their state), audited as `value.quarantine` with the reason: values
    /// whose indicator or place the plan and places no longer know are kept, never dropped
    /// and never allowed to refuse the whole database.
    async fn quarantine_values(
        &self,
        keys: &[ValueKey],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<ValueChange>>;

    /// How many values are in quarantine.
    async fn quarantined(&self) -> Result<u64>;

    /// Deletes values (all or nothing): an approved one fails with `Locked`, a missing one
    /// with `NotFound`. Audited as `value.delete` with the reason.
    async fn delete_values(
        &self,
        keys: &[ValueKey],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<ValueChange>>;

    /// Writes figures the system computed from its own registers (source
    /// `writes[i].source()`, e.g. 系统计算) straight into the official figures, in one
    /// transaction: a new or changed figure is stored approved, reported by `actor` (no
    /// person reports or reviews it), replacing an earlier figure of the same source even
    /// when approved; a stored figure of another source (a person's report) is never
    /// touched and its key is listed in [`ComputedWrite::kept`]; an unchanged approved
    /// figure is skipped. One audit row (`value.compute`) per change.
    async fn write_computed(&self, writes: &[CheckedWrite], actor: &str) -> Result<ComputedWrite>;

    /// Changes the review state of values (all or nothing) by [`ValueState::apply`].
    /// Audited as `value.submit` / `value.approve` / `value.reject` / `value.reopen`, with
    /// the reason of a rejection or reopening.
    async fn transition(
        &self,
        keys: &[ValueKey],
        transition: &Transition,
        actor: &str,
    ) -> Result<Vec<ValueChange>>;

    /// One page of values in key order, after `after` (keyset paging: constant cost per
    /// page however many rows there are).
    async fn values_page(&self, after: Option<&ValueKey>, limit: usize)
    -> Result<Vec<Observation>>;

    /// Every value, read page by page (for the in-memory engine to boot). For very large
    /// stores prefer [`ValueStore::values_page`] to build columns without holding it all.
    async fn load_values(&self) -> Result<Vec<Observation>> {
        let mut all = Vec::new();
        loop {
            let page = self.values_page(all.last().map(|o: &Observation| &o.key), 50_000);
            let page = page.await?;
            let done = page.len() < 50_000;
            all.extend(page);
            if done {
                return Ok(all);
            }
        }
    }

    /// Values matching a filter, in key order.
    async fn get_values(&self, filter: &ValueFilter) -> Result<Vec<Observation>>;

    /// Recorded uploads, newest first; with `sha256`, only uploads of that file.
    async fn uploads(&self, sha256: Option<&str>) -> Result<Vec<UploadRecord>>;
}

/// Management records (the management loop) and the files they refer to.
#[async_trait]
pub trait RecordStore: Send + Sync {
    /// Inserts or changes records, all or nothing: a version that does not match what is
    /// stored fails the whole batch with [`StoreError::Conflict`] (or `NotFound`). Each
    /// record gets an audit row with its action, old and new body and note.
    async fn put_records(&self, writes: &[RecordWrite], actor: &str) -> Result<Vec<Record>> {
        self.put_records_with_files(writes, &[], actor).await
    }
    /// `put_records` and the files the records refer to (by [`attachment_id`]), in one
    /// transaction: a record never names a file that was not kept, nor a kept file a
    /// record that failed. A file already kept is not kept twice (nor audited again).
    async fn put_records_with_files(
        &self,
        writes: &[RecordWrite],
        files: &[NewAttachment],
        actor: &str,
    ) -> Result<Vec<Record>>;
    /// Survey answers held back ([`pool`], issue 17): `writes` (an invitation's use, a
    /// round's close) and the answer `pending` kept in the pool, all or nothing, then the
    /// pool's groups of `round` that `release` names released as shuffled batches. Returns
    /// the batches released.
    async fn put_pooled(
        &self,
        writes: &[RecordWrite],
        pending: Option<&PendingAnswer>,
        round: &str,
        release: Release,
        actor: &str,
    ) -> Result<Vec<ReleasedBatch>>;
    /// One record.
    async fn get_record(&self, kind: &str, id: &str) -> Result<Option<Record>>;
    /// Records matching the filter, by id.
    async fn list_records(&self, filter: &RecordFilter) -> Result<Vec<Record>>;
    /// Keeps a file (content-addressed: the same bytes are kept once). Audited as
    /// `attachment.upload` when new.
    async fn put_attachment(
        &self,
        name: &str,
        mime: &str,
        bytes: &[u8],
        actor: &str,
    ) -> Result<AttachmentMeta>;
    /// A kept file and its bytes.
    async fn get_attachment(&self, sha256: &str) -> Result<Option<(AttachmentMeta, Vec<u8>)>>;
}

/// The audit trail: where this handle's actions come from, reading it, and verifying it.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Marks every audit row this handle (and its clones) appends from now on with `origin`
    /// ([`AuditEntry::origin`]): the command line sets `cli:<os-user>@<host>` once after
    /// connecting; the web leaves it `None` (the signed-in user). A blank origin is `None`.
    fn set_origin(&self, origin: Option<String>);
    /// The origin set by [`AuditStore::set_origin`].
    fn origin(&self) -> Option<String>;
    /// Stamps every write through this handle (and its clones) with `at` (UTC) instead of
    /// now, `None` to return to the clock: only for replaying a labelled synthetic history
    /// (the demo's reports dated by their periods' due dates, so that timeliness reads as
    /// it would in use). Servers and the command line never set it.
    fn set_clock(&self, at: Option<NaiveDateTime>);

    /// One row of the audit trail by its sequence number (to check an anchor against).
    async fn audit_row(&self, seq: i64) -> Result<Option<AuditEntry>>;
    /// Audit rows matching the filter, newest first.
    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>>;
    /// Recomputes the whole hash chain and compares it with the stored head, and replays
    /// the values and records against their audited state.
    async fn audit_verify(&self) -> Result<AuditReport>;
}

/// In brief, one audit row another handle appended (another server process, the command
/// line): what changed, without its states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditMark {
    pub seq: i64,
    pub action: String,
    pub entity: String,
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
}

/// What others committed between two audit sequence numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ForeignChanges {
    /// How many audit rows others appended in the range.
    pub rows: u64,
    /// Those rows in order, unless there were more than the limit asked for (`None`: too
    /// many to follow one by one; reload everything).
    pub marks: Option<Vec<AuditMark>>,
}

/// Following what other processes commit to the same database, so that several servers
/// over one database each keep their memory equal to it. The audit chain is the change
/// feed: every change appends to it in its own transaction, in commit order.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// The audit chain's last sequence number (0 when empty).
    async fn audit_head_seq(&self) -> Result<i64>;
    /// The audit rows after `after` and up to `through` that other handles appended —
    /// the rows this handle (and its clones) committed are left out, once asked for — at
    /// most `limit` of them listed.
    async fn foreign_changes(
        &self,
        after: i64,
        through: i64,
        limit: usize,
    ) -> Result<ForeignChanges>;
    /// The stored values of `keys`; a key without a stored value is absent.
    async fn values_at(&self, keys: &[ValueKey]) -> Result<Vec<Observation>>;
}

/// The persistence boundary: every store trait at once, what `Arc<dyn Database>` holds.
/// Every method is one transaction: it either happens whole or not at all. Every change
/// appends to the audit trail in the same transaction. Calling a method needs its trait in
/// scope: `use youxiang_store::prelude::*;`.
pub trait Database:
    SchemaStore
    + PlanStore
    + AccountStore
    + SessionStore
    + ValueStore
    + RecordStore
    + AuditStore
    + SyncStore
{
}

impl<T> Database for T where
    T: SchemaStore
        + PlanStore
        + AccountStore
        + SessionStore
        + ValueStore
        + RecordStore
        + AuditStore
        + SyncStore
{
}

/// The store traits, for callers of their methods: `use youxiang_store::prelude::*;`.
pub mod prelude {
    pub use crate::{
        AccountStore, AuditStore, Database, PlanStore, RecordStore, SchemaStore, SessionStore,
        SyncStore, ValueStore,
    };
}

/// Opens the database named by `url` — `sqlite://path` (created if missing),
/// `sqlite::memory:`, or `postgres://…` / `postgresql://…`. Does not migrate: call
/// [`SchemaStore::migrate`].
pub async fn connect(url: &str) -> Result<Arc<dyn Database>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(url.to_string()))
    }
}
