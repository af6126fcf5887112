//! The application service shared by the command line and the web: the one write path
//! and the queries.
//!
//! Every write goes the same way — role and scope checked for every row, then one store
//! transaction (which appends the audit rows), then the in-memory engines updated from what
//! the store says changed — so the API, the web forms and bulk import cannot disagree.
//!
//! Two engines are kept: `live` holds every stored value, drafts included; `official`
//! holds the submitted and approved values only. A reader sees the live figure of an
//! indicator at a place only when their role reports or approves and their scope covers
//! both ([`State::view_for`]); everybody else, and everything published or used for
//! accountability (ranking, quarterly report, automatic orders), sees the official one.

pub mod accounts;
pub mod anchor;
pub mod assess;
pub mod assist;
pub mod boundaries;
pub mod circle;
pub mod circle_publication;
pub mod compliance;
pub mod computed;
pub mod demo;
pub mod exchange;
pub mod facilities;
pub mod key_targets;
mod mail;
pub mod manage;
pub mod population_grid;
pub mod problems;
pub mod projects;
pub mod publication;
pub mod quarterly;
mod repeat_upload;
pub mod revisions;
pub mod sessions;
pub mod sources;
mod status;
pub mod survey;
pub mod survey_fieldwork;
pub mod survey_results;
pub mod sync;
pub mod targets;
pub mod units;
pub mod yearly;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};

use sha2::{Digest, Sha256};
use youxiang_core::completeness::{CompletenessRow, Window, completeness};
use youxiang_core::place::{Place, PlaceTree};
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_core::value::{Observation, Transition, ValueKey, ValueState};
use youxiang_core::{CheckedWrite, Plan};
/// The engine's answers the interfaces show (the engine itself is reached through
/// [`App::read`]'s state).
pub use youxiang_engine::{AsOf, Explained, PlaceFigure, Status};
use youxiang_engine::{Engine, EngineConfig};
/// What an upload's answer is made of, and the limits a server sets on files.
pub use youxiang_ingest::{IngestError, IngestWarning, ReadLimits};
/// The store's plain types an interface passes to and gets from the app (filters, audit
/// rows, attachments, the errors it maps to answers); never the store itself.
/// Backup and restore of a whole database (`youxiang backup`, `youxiang restore`).
pub use youxiang_store::backup;
pub use youxiang_store::{
    AttachmentMeta, AuditEntry, AuditFilter, AuditReport, NewAttachment, StoreError, ValueFilter,
    ValueWrite,
};
use youxiang_store::{Credential, Database, UploadInfo, ValueChange};

pub use manage::{
    LagNote, ManageConfig, Notice, NoticeKind, OrderFilter, RankBy, RankingReport, SweepReport,
    Versioned,
};
pub use problems::{OrderSummary, Problem, ProblemFilter};
pub use quarterly::ReportFormat;
pub use status::{
    AWAITING_FIRST, StatusFilter, StatusRow, latest_year, mark_milestone_tracks, status_rows,
};

/// Everything that can go wrong in the service, in terms an interface can show.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("数据库尚未初始化:请先运行 youxiang init(或 youxiang demo)")]
    NotInitialised,
    #[error("无权操作:{}", .0.join(";"))]
    Forbidden(Vec<String>),
    #[error("未找到:{0}")]
    NotFound(String),
    #[error("数据无效:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
    /// An upload with errors: nothing was stored. `errors` lists the first
    /// [`ReadLimits::max_errors`] in row order; `omitted` counts the rest.
    #[error("{}", upload_message(.errors, *.omitted))]
    Upload {
        errors: Vec<IngestError>,
        omitted: usize,
        warnings: Vec<IngestWarning>,
    },
    /// A failure of the machine, not of the request (no random numbers, a task that died).
    #[error("内部错误:{0}")]
    Internal(String),
}

/// `文件有 N 处错误,本次上传未写入任何数据:` and the errors listed, one a line, then how
/// many more there were.
fn upload_message(errors: &[IngestError], omitted: usize) -> String {
    let mut text = format!(
        "文件有 {} 处错误,本次上传未写入任何数据:",
        errors.len() + omitted
    );
    for e in errors {
        text.push_str(&format!("\n  {e}"));
    }
    if omitted > 0 {
        text.push_str(&format!(
            "\n  ……另有 {omitted} 处错误未列出(只列出前 {} 处)",
            errors.len()
        ));
    }
    text
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What the service holds in memory: the plan, the places, the users and the engines.
pub struct State {
    pub plan: Arc<Plan>,
    pub tree: Arc<PlaceTree>,
    /// The enabled users (a disabled user is in the store, not here).
    pub reporters: Vec<Reporter>,
    /// What each user's sessions depend on (role, scope, password, disabled), by login.
    pub credentials: HashMap<String, Credential>,
    /// Every stored value, drafts included: what the people who report or approve a figure
    /// see of it (within their scope only — pick with [`State::view_for`]).
    pub live: Engine,
    /// The submitted and approved values only, with roll-ups of those only: what everybody
    /// else sees, and what is published or used for accountability.
    pub official: Engine,
}

/// Who reads a figure, which decides whether drafts count in it ([`State::view_for`]).
#[derive(Debug, Clone, Copy)]
pub enum Reader<'a> {
    /// The official figures, whoever asks: what is published or used for accountability
    /// (ranking, quarterly report, automatic orders).
    Official,
    /// Every stored value, drafts included: someone at the database itself (the command
    /// line), who can read every row anyway.
    Live,
    /// A signed-in person: live where their role reports or approves and their scope
    /// covers the place and the indicator, official elsewhere.
    Person(&'a Reporter),
}

/// A ratio's halves that cannot stand together once written (`core::write::ratio_pair`: a
/// denominator of 0 under a numerator that is not, a share above its limit): each half
/// written is paired with the other half of the same batch, else the stored one (drafts
/// included), and every refusal is listed (at most 50).
fn ratio_pairs_refused(state: &State, writes: &[CheckedWrite]) -> Vec<String> {
    use youxiang_core::value::Component;
    let mut batch: HashMap<ValueKey, f64> = HashMap::new();
    for w in writes {
        batch.insert(w.key().clone(), w.value());
    }
    let mut refused = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for w in writes {
        let k = w.key();
        if k.component == Component::Value || !seen.insert((&k.indicator, &k.place, k.period)) {
            continue;
        }
        let Some(ind) = state.plan.indicator(&k.indicator) else {
            continue;
        };
        let half = |component| {
            let key = ValueKey {
                component,
                ..k.clone()
            };
            batch
                .get(&key)
                .copied()
                .or_else(|| state.live.own_value(&key))
        };
        if let (Some(n), Some(d)) = (half(Component::Numerator), half(Component::Denominator))
            && let Some(reason) = youxiang_core::write::ratio_pair(ind, n, d)
            && refused.len() < 50
        {
            refused.push(format!("{}@{}@{}:{reason}", k.indicator, k.place, k.period));
        }
    }
    refused
}

/// Whether a stored value counts in the official figures (submitted or approved).
pub fn is_official(o: &Observation) -> bool {
    matches!(o.state, ValueState::Submitted | ValueState::Approved)
}

impl State {
    pub fn reporter(&self, login: &str) -> Option<&Reporter> {
        self.reporters.iter().find(|r| r.login == login)
    }

    /// Whether `reader` sees drafts in the figure of `indicator` at `place`: only a role
    /// that reports or approves, with a scope that covers both.
    pub fn sees_drafts(&self, reader: Reader<'_>, place: &str, indicator: &str) -> bool {
        match reader {
            Reader::Official => false,
            Reader::Live => true,
            Reader::Person(r) => {
                (r.role.can_report() || r.role.can_approve())
                    && self
                        .tree
                        .id(place)
                        .is_some_and(|p| r.scope.covers(&self.tree, p, indicator))
            }
        }
    }

    /// The engine to answer `reader` from about `indicator` at `place` (its figure, roll-up,
    /// status, series, explanation): the live one when they see drafts there, else the
    /// official one.
    pub fn view_for(&self, reader: Reader<'_>, place: &str, indicator: &str) -> &Engine {
        if self.sees_drafts(reader, place, indicator) {
            &self.live
        } else {
            &self.official
        }
    }

    /// A number that changes whenever either engine changes, never repeated: engine
    /// generations come from one counter for the whole process, so any change of either
    /// engine moves their maximum past every generation seen before. An answer computed at
    /// one value of it is current as long as it stays the same (what a response cache keys
    /// on).
    pub fn generation(&self) -> u64 {
        self.live.generation().max(self.official.generation())
    }

    /// What the places beside `key`'s place reported for the same series (the peers of
    /// the outlier check), as `reader` may see them: with drafts only when their scope
    /// covers the parent, and so every sibling.
    pub fn sibling_values(&self, reader: Reader<'_>, key: &ValueKey) -> Vec<f64> {
        let parent = self
            .tree
            .id(&key.place)
            .and_then(|p| self.tree.parent(p))
            .map(|p| self.tree.get(p).code.clone());
        match parent {
            Some(parent) => self
                .view_for(reader, &parent, &key.indicator)
                .sibling_values(key),
            None => Vec::new(),
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteReport {
    pub changed: usize,
    pub unchanged: usize,
    /// Places whose shown figures changed (the written places and the roll-ups above).
    pub places_updated: usize,
    pub warnings: Vec<IngestWarning>,
    /// What went wrong after the commit (the write itself stands).
    pub notices: Vec<String>,
}

/// Where an upload is in its work, for progress bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStep {
    Read,
    Validate,
    Store,
    Evaluate,
}

pub struct App {
    db: Arc<dyn Database>,
    /// Serialises writers so the engine sees changes in the order the store committed them.
    write_lock: tokio::sync::Mutex<()>,
    state: RwLock<State>,
    config: EngineConfig,
    /// The store's auth epoch when the users were last read.
    auth_epoch: AtomicI64,
    /// The demo's mark, when the database holds the demo (`demo.rs`).
    demo: RwLock<Option<demo::DemoMark>>,
    /// The time writes are stamped with instead of now (`App::set_clock`).
    clock: RwLock<Option<chrono::NaiveDateTime>>,
    /// The audit sequence number up to which memory reflects the store (`sync.rs`).
    applied_seq: AtomicI64,
    /// The key ring sealing the register of households in difficulty (`assist/keys.rs`).
    assist_keys: RwLock<Option<Arc<assist::Keyring>>>,
}

/// The system administrator every database starts with (系统管理员: the plan, places and
/// figures; not the audit, not users).
pub const ADMIN_LOGIN: &str = "admin";
/// The security administrator every database starts with (安全管理员: users, roles, scopes,
/// passwords).
pub const SECURITY_LOGIN: &str = "security";
/// The audit administrator every database starts with (审计管理员: reads and verifies the
/// audit trail).
pub const AUDITOR_LOGIN: &str = "auditor";

/// Adds whichever of the three administrators (三员: system, security, audit) is missing,
/// without a password (the security administrator's is set on the command line, the
/// others' by the security administrator). An existing user of the same login is kept.
async fn ensure_administrators(
    db: &dyn Database,
    plan: &Plan,
    places: &[Place],
    actor: &str,
) -> Result<()> {
    let existing = db.load_reporters().await?;
    let missing: Vec<Reporter> = [
        (ADMIN_LOGIN, Role::Admin),
        (SECURITY_LOGIN, Role::SecurityAdmin),
        (AUDITOR_LOGIN, Role::Auditor),
    ]
    .into_iter()
    .filter(|(login, _)| !existing.iter().any(|r| r.login == *login))
    .map(|(login, role)| Reporter {
        login: login.into(),
        name: role.label_zh().into(),
        unit: plan.issuer.clone(),
        role,
        scope: Scope {
            places: roots_of(places),
            indicators: vec![],
        },
    })
    .collect();
    if !missing.is_empty() {
        db.save_reporters(missing, actor).await?;
    }
    Ok(())
}

impl App {
    /// Opens an initialised database and builds the engine from its values.
    pub async fn open(url: &str) -> Result<App> {
        Self::open_with_origin(url, None).await
    }

    /// [`App::open`], every audit row appended marked with `origin` from the start (the
    /// quarantine on opening included); see [`App::set_origin`].
    pub async fn open_with_origin(url: &str, origin: Option<String>) -> Result<App> {
        let db = youxiang_store::connect(url).await?;
        db.set_origin(origin);
        db.migrate().await?;
        let plan = db.load_plan().await?.ok_or(AppError::NotInitialised)?;
        let places = db.load_places().await?;
        // A database made before the three administrators were separate gets the other two.
        ensure_administrators(&*db, &plan, &places, "system").await?;
        Self::assemble(db, plan, places, EngineConfig::default()).await
    }

    /// Creates (or updates) a database with a plan, places and the administrator.
    pub async fn init(url: &str, plan: &Plan, places: Vec<Place>, actor: &str) -> Result<App> {
        Self::init_with_origin(url, plan, places, actor, None).await
    }

    /// [`App::init`], every audit row appended marked with `origin` from the start.
    pub async fn init_with_origin(
        url: &str,
        plan: &Plan,
        places: Vec<Place>,
        actor: &str,
        origin: Option<String>,
    ) -> Result<App> {
        let db = youxiang_store::connect(url).await?;
        db.set_origin(origin);
        db.migrate().await?;
        db.save_plan(plan, actor).await?;
        if !places.is_empty() {
            db.save_places(places, actor).await?;
        }
        let places = db.load_places().await?;
        ensure_administrators(&*db, plan, &places, actor).await?;
        Self::assemble(db, plan.clone(), places, EngineConfig::default()).await
    }

    async fn assemble(
        db: Arc<dyn Database>,
        plan: Plan,
        places: Vec<Place>,
        config: EngineConfig,
    ) -> Result<App> {
        // Read before anything is loaded: a change committed meanwhile is followed again
        // (`sync.rs`), never missed.
        let applied_seq = db.audit_head_seq().await?;
        let epoch = db.auth_epoch().await?;
        let (reporters, credentials) = load_users(&*db).await?;
        let tree = PlaceTree::build(places).map_err(|problems| {
            AppError::Invalid(problems.iter().map(|p| p.to_string()).collect())
        })?;
        let values = db.load_values().await?;
        let (plan, tree) = (Arc::new(plan), Arc::new(tree));
        let (mut live, mut official, refused) = engines(&plan, &tree, config, &values);
        quarantine(&*db, &refused).await?;
        let book = Arc::new(targets::load_target_book(&*db).await?);
        if !book.is_empty() {
            live.set_place_targets(Arc::clone(&book));
            official.set_place_targets(book);
        }
        let demo = demo::load_mark(&*db).await?;
        let state = State {
            plan,
            tree,
            reporters,
            credentials,
            live,
            official,
        };
        Ok(App {
            db,
            write_lock: tokio::sync::Mutex::new(()),
            state: RwLock::new(state),
            config,
            auth_epoch: AtomicI64::new(epoch),
            demo: RwLock::new(demo),
            clock: RwLock::new(None),
            applied_seq: AtomicI64::new(applied_seq),
            assist_keys: RwLock::new(None),
        })
    }

    /// The store: private, so that every interface goes through the app's checked calls.
    pub(crate) fn db(&self) -> &Arc<dyn Database> {
        &self.db
    }

    /// Marks every audit row appended from now on with `origin` (`AuditEntry::origin`): the
    /// command line sets `cli:<os-user>@<host>`; the web never sets one (`None`: the
    /// signed-in user, who proved who they are).
    pub fn set_origin(&self, origin: Option<String>) {
        self.db.set_origin(origin);
    }

    /// The origin audit rows are marked with now.
    pub fn origin(&self) -> Option<String> {
        self.db.origin()
    }

    /// A read view of the current state. Hold it briefly: writers wait for it.
    pub fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn user(&self, login: &str) -> Result<Reporter> {
        self.read()
            .reporter(login)
            .cloned()
            .ok_or_else(|| AppError::Forbidden(vec![format!("用户“{login}”不存在")]))
    }

    /// Replaces the users' roles and scopes (keeps passwords).
    pub async fn save_reporters(&self, reporters: Vec<Reporter>, actor: &str) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        self.db.save_reporters(reporters, actor).await?;
        drop(_guard);
        self.refresh_users().await
    }

    /// Disables or enables a user: a disabled user cannot sign in, and every session of
    /// theirs ends on its next request, on every server.
    pub async fn set_disabled(&self, login: &str, disabled: bool, actor: &str) -> Result<()> {
        self.db.set_disabled(login, disabled, actor).await?;
        self.refresh_users().await
    }

    /// Reloads the users when any user changed since they were last read — by this
    /// process, the command line or another server (the store's auth epoch moved). One
    /// small query when nothing changed; servers call it on every request.
    pub async fn refresh_users(&self) -> Result<()> {
        let epoch = self.db.auth_epoch().await?;
        if epoch == self.auth_epoch.load(Ordering::Acquire) {
            return Ok(());
        }
        // Read after the epoch: a change in between is seen again on the next call.
        let (reporters, credentials) = load_users(&*self.db).await?;
        {
            let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
            state.reporters = reporters;
            state.credentials = credentials;
        }
        self.auth_epoch.store(epoch, Ordering::Release);
        Ok(())
    }

    /// Adds or updates places and rebuilds the engine over the new tree.
    pub async fn save_places(&self, places: Vec<Place>, actor: &str) -> Result<usize> {
        let _guard = self.write_lock.lock().await;
        let n = places.len();
        self.db.save_places(places, actor).await?;
        self.rebuild().await?;
        Ok(n)
    }

    async fn rebuild(&self) -> Result<()> {
        let plan = self.db.load_plan().await?.ok_or(AppError::NotInitialised)?;
        let places = self.db.load_places().await?;
        let tree = PlaceTree::build(places).map_err(|problems| {
            AppError::Invalid(problems.iter().map(|p| p.to_string()).collect())
        })?;
        let values = self.db.load_values().await?;
        let (plan, tree) = (Arc::new(plan), Arc::new(tree));
        let (mut live, mut official, refused) = engines(&plan, &tree, self.config, &values);
        quarantine(&*self.db, &refused).await?;
        let book = Arc::new(targets::load_target_book(&*self.db).await?);
        if !book.is_empty() {
            live.set_place_targets(Arc::clone(&book));
            official.set_place_targets(book);
        }
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        state.plan = plan;
        state.tree = tree;
        state.live = live;
        state.official = official;
        Ok(())
    }

    /// The one write path for numbers: role and scope of every row checked first (all
    /// refusals listed at once, nothing written), then one store transaction with its
    /// audit rows, then the engine.
    pub async fn write_values(
        &self,
        login: &str,
        writes: Vec<ValueWrite>,
        source: Option<UploadInfo>,
    ) -> Result<WriteReport> {
        let who = self.user(login)?;
        self.check_scope(&who, writes.iter().map(|w| &w.key))?;
        let writes = self.checked(writes)?;
        let _guard = self.write_lock.lock().await;
        let outcome = self
            .db
            .write_values(&writes, login, source.as_ref())
            .await?;
        let (places_updated, official) = self.apply(&outcome.changes);
        drop(_guard);
        let notices = self.after_commit(official).await;
        Ok(WriteReport {
            notices,
            changed: outcome.changes.len(),
            unchanged: outcome.unchanged,
            places_updated,
            warnings: Vec::new(),
        })
    }

    /// Reads, validates and stores an uploaded file, all or nothing, within `limits` (a file
    /// over one is refused with a message naming it; the errors listed are capped at
    /// `limits.max_errors`, the rest counted).
    ///
    /// Reading, checking and hashing the file run on a blocking thread: a large file is
    /// seconds of CPU, and the async workers must stay free for everyone else's requests.
    pub async fn upload(
        self: &Arc<Self>,
        login: &str,
        bytes: Vec<u8>,
        file_name: &str,
        limits: &ReadLimits,
        progress: impl Fn(UploadStep) + Send + Sync + 'static,
    ) -> Result<WriteReport> {
        let who = self.user(login)?;
        let progress = Arc::new(progress);
        // The same file again, nothing changed since: recorded without comparing its rows.
        let bytes = match self
            .repeated_upload(&who, bytes, file_name, limits, &*progress)
            .await?
        {
            repeat_upload::Repeat::Done(report) => return Ok(report),
            repeat_upload::Repeat::Compare(bytes) => bytes,
        };
        let job = {
            let (app, progress) = (Arc::clone(self), Arc::clone(&progress));
            let (name, limits) = (file_name.to_string(), limits.clone());
            move || app.prepare_upload(&who, &bytes, &name, &limits, &*progress)
        };
        let (writes, source, warnings) = match tokio::task::spawn_blocking(job).await {
            Ok(prepared) => prepared?,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => {
                return Err(AppError::Invalid(vec![
                    "服务正在停止,本次上传未写入任何数据".into(),
                ]));
            }
        };
        progress(UploadStep::Store);
        let _guard = self.write_lock.lock().await;
        let outcome = self.db.write_values(&writes, login, Some(&source)).await?;
        progress(UploadStep::Evaluate);
        let (places_updated, official) = self.apply(&outcome.changes);
        drop(_guard);
        let notices = self.after_commit(official).await;
        Ok(WriteReport {
            notices,
            changed: outcome.changes.len(),
            unchanged: outcome.unchanged,
            places_updated,
            warnings,
        })
    }

    /// The CPU-bound part of an upload, run on a blocking thread: read the file within
    /// `limits`, validate its rows, check the writes, hash the bytes. Every problem is
    /// reported at once (the first `limits.max_errors` in row order, the rest counted).
    fn prepare_upload(
        &self,
        who: &Reporter,
        bytes: &[u8],
        file_name: &str,
        limits: &ReadLimits,
        progress: &dyn Fn(UploadStep),
    ) -> Result<(Vec<CheckedWrite>, UploadInfo, Vec<IngestWarning>)> {
        progress(UploadStep::Read);
        let read =
            youxiang_ingest::read_values_with(bytes, file_name, limits).map_err(|errors| {
                AppError::Upload {
                    errors,
                    omitted: 0,
                    warnings: Vec::new(),
                }
            })?;
        let rows = read.file.rows;
        progress(UploadStep::Validate);
        // The rows that read are validated too, so one pass reports every problem. The state
        // is locked per row (for the peers of the outlier check), never for the whole file,
        // so a write waits at most one row for it.
        let (plan, tree) = {
            let state = self.read();
            (Arc::clone(&state.plan), Arc::clone(&state.tree))
        };
        let validated = youxiang_ingest::validate_with(
            &rows,
            &plan,
            &tree,
            who,
            |key| self.read().sibling_values(Reader::Person(who), key),
            limits,
            Some(self.today()),
        );
        let mut warnings = validated.warnings;
        if validated.warnings_omitted > 0 {
            warnings.push(IngestWarning {
                file: file_name.to_string(),
                row: None,
                column: None,
                value: String::new(),
                reason: format!(
                    "另有 {} 条提醒未列出(只列出前 {} 条)",
                    validated.warnings_omitted,
                    warnings.len()
                ),
            });
        }
        let (read_total, valid_total) = (
            read.errors.len() + read.errors_omitted,
            validated.errors.len() + validated.errors_omitted,
        );
        if read_total + valid_total > 0 {
            // Each list holds its first errors in row order, so the first of the merged
            // lists are the first of all.
            let mut errors = read.errors;
            errors.extend(validated.errors);
            errors.sort_by_key(|e| e.row);
            errors.truncate(limits.max_errors);
            return Err(AppError::Upload {
                omitted: read_total + valid_total - errors.len(),
                errors,
                warnings,
            });
        }
        // Each row's 数据来源 (checked by the reader), by the row it came from.
        let sources: HashMap<usize, &str> = rows
            .iter()
            .map(|r| (r.row, r.data_source.as_str()))
            .collect();
        let writes = self.checked(
            validated
                .rows
                .into_iter()
                .map(|(key, value, comment, row)| ValueWrite {
                    key,
                    value,
                    comment,
                    source: sources.get(&row).copied().unwrap_or_default().to_string(),
                })
                .collect(),
        )?;
        let source = UploadInfo {
            file_name: file_name.to_string(),
            sha256: hex_sha256(bytes),
            rows: rows.len(),
        };
        Ok((writes, source, warnings))
    }

    /// Deletes numbers (refused when approved), with a reason kept in the audit trail.
    pub async fn delete_values(
        &self,
        login: &str,
        keys: Vec<ValueKey>,
        reason: &str,
    ) -> Result<usize> {
        let who = self.user(login)?;
        self.check_scope(&who, keys.iter())?;
        let _guard = self.write_lock.lock().await;
        let changes = self.db.delete_values(&keys, login, reason).await?;
        let (_, official) = self.apply(&changes);
        drop(_guard);
        self.after_commit(official).await;
        Ok(changes.len())
    }

    /// Submits, approves, rejects or reopens numbers. Submitting needs the place in scope;
    /// approving, rejecting and reopening need an approver role and the place strictly
    /// below the approver's own roots (approval is bottom-up), or the office/admin.
    pub async fn transition(
        &self,
        login: &str,
        keys: Vec<ValueKey>,
        t: Transition,
    ) -> Result<usize> {
        let who = self.user(login)?;
        match t {
            Transition::Submit => self.check_scope(&who, keys.iter())?,
            _ => self.check_approver(&who, &keys)?,
        }
        let _guard = self.write_lock.lock().await;
        let changes = self.db.transition(&keys, &t, login).await?;
        // A value entering submitted or approved enters the official figures; one sent back
        // to draft leaves them (the live figures do not move: the numbers are the same).
        let (_, official) = self.apply(&changes);
        drop(_guard);
        // The commit stands whatever follows; a failure of the automatic orders is logged.
        self.after_commit(official).await;
        if let Transition::Reject { reason } = &t {
            self.notify_rejected(login, &changes, reason).await?;
        }
        Ok(changes.len())
    }

    /// Every write checked against the plan and the places (all refusals listed at once):
    /// the store takes nothing else.
    fn checked(&self, writes: Vec<ValueWrite>) -> Result<Vec<CheckedWrite>> {
        let today = self.today();
        let state = self.read();
        let mut refused = Vec::new();
        let mut checked = Vec::with_capacity(writes.len());
        for w in writes {
            let not_begun = youxiang_core::write::period_not_begun(&w.key.period, today);
            match CheckedWrite::check_with_source(
                &state.plan,
                &state.tree,
                w.key,
                w.value,
                w.comment,
                w.source,
            ) {
                Ok(c) if not_begun.is_none() => checked.push(c),
                Ok(c) if refused.len() < 50 => {
                    refused.push(format!("{}:{}", c.key(), not_begun.unwrap_or_default()))
                }
                Err(mut e) if refused.len() < 50 => {
                    e.reasons.extend(not_begun);
                    refused.push(e.to_string())
                }
                Ok(_) | Err(_) => {}
            }
        }
        if refused.is_empty() {
            refused = ratio_pairs_refused(&state, &checked);
        }
        if refused.is_empty() {
            Ok(checked)
        } else {
            Err(AppError::Invalid(refused))
        }
    }

    fn check_scope<'a>(
        &self,
        who: &Reporter,
        keys: impl Iterator<Item = &'a ValueKey>,
    ) -> Result<()> {
        if !who.role.can_report() {
            return Err(AppError::Forbidden(vec![format!(
                "{}({})无填报权限",
                who.name,
                who.role.label_zh()
            )]));
        }
        let state = self.read();
        let mut refused = Vec::new();
        for key in keys {
            let Some(place) = state.tree.id(&key.place) else {
                refused.push(format!("地点“{}”不存在", key.place));
                continue;
            };
            if !who.scope.covers(&state.tree, place, &key.indicator) {
                refused.push(format!("{} 不在 {} 的填报范围内", key, who.name));
            }
            if refused.len() >= 50 {
                refused.push("……(仅列出前 50 条)".into());
                break;
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(AppError::Forbidden(refused))
        }
    }

    fn check_approver(&self, who: &Reporter, keys: &[ValueKey]) -> Result<()> {
        let state = self.read();
        let mut refused = Vec::new();
        for key in keys {
            let Some(place) = state.tree.id(&key.place) else {
                refused.push(format!("地点“{}”不存在", key.place));
                continue;
            };
            let allowed = youxiang_core::permission::may_approve_figure(
                who,
                &state.tree,
                place,
                &key.indicator,
            );
            if !allowed {
                refused.push(format!("{} 无权审核 {}", who.name, key));
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(AppError::Forbidden(refused))
        }
    }

    /// Brings both engines up to date with what the store committed: the live one with
    /// every number that changed, the official one with every value that entered or left
    /// the submitted and approved states or changed while in them. Returns how many places'
    /// live figures changed, and whether any official figure may have.
    fn apply(&self, changes: &[ValueChange]) -> (usize, bool) {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let (live, official) = split_changes(changes);
        // The store accepted every change, so the plan and places know them: a refusal here
        // would be a bug, and the value stays in the store for the next rebuild.
        let places = if live.is_empty() {
            0
        } else {
            let (applied, _refused) = state.live.apply_batch(live.iter().map(|(k, v)| (*k, *v)));
            applied.places.len()
        };
        if !official.is_empty() {
            let (_applied, _refused) = state
                .official
                .apply_batch(official.iter().map(|(k, v)| (*k, *v)));
        }
        (places, !official.is_empty())
    }

    /// The steps after a committed change. The change stands whatever happens here: a
    /// failure is logged and answered as a notice beside the commit, never as its error.
    /// Only a change of the official figures can turn a light red for accountability.
    async fn after_commit(&self, official_changed: bool) -> Vec<String> {
        match self.after_values_changed(official_changed).await {
            Ok(()) => Vec::new(),
            Err(e) => {
                eprintln!("youxiang: 数据已保存,但保存后的自动督办检查失败:{e}");
                vec![format!("数据已保存;保存后的自动督办检查未完成(已记录):{e}")]
            }
        }
    }

    /// What follows a change of the official figures: an order for every headline light
    /// that turned red (when configured).
    async fn after_values_changed(&self, official_changed: bool) -> Result<()> {
        if !official_changed {
            return Ok(());
        }
        let config = self.manage_config().await?;
        if config.auto_red_light {
            self.sweep_red_lights(&config).await?;
        }
        Ok(())
    }

    /// Tells each reporter whose numbers were sent back, with the reason.
    async fn notify_rejected(
        &self,
        login: &str,
        changes: &[ValueChange],
        reason: &str,
    ) -> Result<()> {
        let mut by_reporter: std::collections::BTreeMap<&str, Vec<&ValueKey>> = Default::default();
        for c in changes {
            if let Some(old) = &c.old {
                by_reporter
                    .entry(old.reporter.as_str())
                    .or_default()
                    .push(&old.key);
            }
        }
        let at = chrono::Utc::now().naive_utc();
        for (reporter, keys) in by_reporter {
            if self.read().reporter(reporter).is_none() {
                continue;
            }
            let list: Vec<String> = keys.iter().take(10).map(|k| k.to_string()).collect();
            self.notify(
                reporter,
                manage::NoticeKind::Rejected,
                &format!(
                    "reject:{login}:{}:{}",
                    at.and_utc().timestamp_micros(),
                    keys.len()
                ),
                &format!("{} 条数据被退回", keys.len()),
                &format!(
                    "{login} 退回:{reason}。{}{}",
                    list.join("、"),
                    if keys.len() > 10 { " 等" } else { "" }
                ),
                "/entry",
            )
            .await?;
        }
        Ok(())
    }

    /// Completeness of reporting in a window, from the stored report times.
    pub async fn completeness(&self, window: Window) -> Result<Vec<CompletenessRow>> {
        let values = self.db.load_values().await?;
        let received: HashMap<ValueKey, chrono::NaiveDateTime> =
            values.into_iter().map(|o| (o.key, o.reported_at)).collect();
        let state = self.read();
        Ok(completeness(
            &state.plan,
            &state.tree,
            &state.reporters,
            &received,
            window,
        ))
    }

    /// Stored values matching `filter` (at most its limit), drafts included: for listings
    /// whose reader the caller has checked.
    pub async fn values(&self, filter: &ValueFilter) -> Result<Vec<Observation>> {
        // No stored code holds U+0000 (the store refuses it on every write), so a filter
        // naming one matches nothing: an empty answer, not a refusal of a plain read.
        let nul = |t: &str| t.contains('\0');
        if filter.indicator.as_deref().is_some_and(nul)
            || filter.place.as_deref().is_some_and(nul)
            || filter
                .after
                .as_ref()
                .is_some_and(|k| nul(&k.indicator) || nul(&k.place))
        {
            return Ok(Vec::new());
        }
        Ok(self.db.get_values(filter).await?)
    }

    /// A stored attachment (evidence of a work item's progress) by its SHA-256.
    pub async fn attachment(&self, sha256: &str) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
        Ok(self.db.get_attachment(sha256).await?)
    }

    /// How many stored rows were set aside on opening because the plan does not know them.
    pub async fn quarantined(&self) -> Result<u64> {
        Ok(self.db.quarantined().await?)
    }

    pub async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        Ok(self.db.audit_query(filter).await?)
    }

    pub async fn audit_verify(&self) -> Result<AuditReport> {
        Ok(self.db.audit_verify().await?)
    }
}

/// The live engine from every stored value and the official one from the submitted and
/// approved ones, with the values neither can take (the same for both).
fn engines(
    plan: &Arc<Plan>,
    tree: &Arc<PlaceTree>,
    config: EngineConfig,
    values: &[Observation],
) -> (
    Engine,
    Engine,
    Vec<(ValueKey, youxiang_engine::EngineError)>,
) {
    let (live, refused) =
        Engine::from_observations(Arc::clone(plan), Arc::clone(tree), config, values);
    let (official, _same_refused) = Engine::from_observations(
        Arc::clone(plan),
        Arc::clone(tree),
        config,
        values.iter().filter(|o| is_official(o)),
    );
    (live, official, refused)
}

/// A change for an engine: a key and its new figure, or `None` to remove it.
type EngineChange<'a> = (&'a ValueKey, Option<f64>);

/// What committed changes do to each engine: (key, new figure or `None` to remove) for
/// the live engine where the number or its existence changed, and for the official one
/// where the value entered or left the official states or changed within them.
fn split_changes(changes: &[ValueChange]) -> (Vec<EngineChange<'_>>, Vec<EngineChange<'_>>) {
    let mut live = Vec::new();
    let mut official = Vec::new();
    for c in changes {
        let Some(key) = c.new.as_ref().or(c.old.as_ref()).map(|o| &o.key) else {
            continue;
        };
        let number = |o: &Option<Observation>| o.as_ref().map(|o| o.value.to_bits());
        if number(&c.old) != number(&c.new) {
            live.push((key, c.new.as_ref().map(|o| o.value)));
        }
        let shown = |o: &Option<Observation>| {
            o.as_ref()
                .filter(|o| is_official(o))
                .map(|o| o.value.to_bits())
        };
        if shown(&c.old) != shown(&c.new) {
            official.push((
                key,
                c.new.as_ref().filter(|o| is_official(o)).map(|o| o.value),
            ));
        }
    }
    (live, official)
}

/// Stored values the plan or places no longer know (a plan version without an indicator,
/// a row written around the application) leave the evaluation for the quarantine table,
/// with a warning: never dropped silently, and never a reason to refuse the whole database.
async fn quarantine(
    db: &dyn Database,
    refused: &[(ValueKey, youxiang_engine::EngineError)],
) -> Result<()> {
    if refused.is_empty() {
        return Ok(());
    }
    for (key, why) in refused.iter().take(20) {
        eprintln!("youxiang: 警告:已存数据 {key} 无法计入({why}),已移入隔离区(quarantine)");
    }
    if refused.len() > 20 {
        eprintln!(
            "youxiang: 警告:另有 {} 条已存数据移入隔离区",
            refused.len() - 20
        );
    }
    let mut by_reason: std::collections::BTreeMap<String, Vec<ValueKey>> = Default::default();
    for (key, why) in refused {
        by_reason
            .entry(format!("打开数据库时无法计入:{why}"))
            .or_default()
            .push(key.clone());
    }
    for (reason, keys) in by_reason {
        db.quarantine_values(&keys, "system", &reason).await?;
    }
    Ok(())
}

/// The enabled users and every user's credential stamp.
async fn load_users(db: &dyn Database) -> Result<(Vec<Reporter>, HashMap<String, Credential>)> {
    let credentials: HashMap<String, Credential> = db
        .credentials()
        .await?
        .into_iter()
        .map(|c| (c.login.clone(), c))
        .collect();
    let reporters = db
        .load_reporters()
        .await?
        .into_iter()
        .filter(|r| credentials.get(&r.login).is_none_or(|c| !c.disabled))
        .collect();
    Ok((reporters, credentials))
}

/// The places without a parent in a list.
pub fn roots_of(places: &[Place]) -> Vec<String> {
    places
        .iter()
        .filter(|p| p.parent.is_none())
        .map(|p| p.code.clone())
        .collect()
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
