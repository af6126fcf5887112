//! The PostgreSQL implementation. Writers lock the audit head row first (`FOR UPDATE`),
//! which serialises every audited write and keeps the chain linear; batches travel as
//! arrays unpacked by `UNNEST`, a handful of statements per 50,000 rows.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDateTime;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{PgConnection, Row};
use youxiang_core::place::Place;
use youxiang_core::scope::Reporter;
use youxiang_core::value::{Observation, Transition, ValueKey};
use youxiang_core::{CheckedWrite, Plan};

use crate::NewAttachment;
use crate::audit::{Appender, AuditEntry, AuditFilter, AuditReport, NewAudit, Replayer, Verifier};
use crate::common::*;
use crate::records::*;
use crate::{
    Backend, Credential, Database, PlacesSaved, PlanSaved, PlanVersionInfo, Result, StoreError,
    StoredPassword, UploadInfo, UploadRecord, ValueChange, ValueFilter, WriteOutcome,
};

const CHUNK: usize = 50_000;

/// The production backend.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// What every audit row appended through this handle is marked with (`set_origin`).
    origin: std::sync::Arc<std::sync::RwLock<Option<String>>>,
}

impl PgStore {
    /// Opens `postgres://user@host:port/db`.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        Ok(PgStore {
            pool,
            origin: Default::default(),
        })
    }

    /// The pool, for tests and tools that need raw access (e.g. to show tampering).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection (before the database is dropped, say).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

type Tx = sqlx::Transaction<'static, sqlx::Postgres>;

/// Begins a write: locks the audit head, which every audited write takes first.
async fn begin(pool: &PgPool) -> Result<(Tx, i64, String)> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::Corrupt("审计链头(audit_head)缺失".into()))?;
    let seq = row.try_get(0)?;
    let hash = row.try_get(1)?;
    Ok((tx, seq, hash))
}

const OBS_COLUMNS: &str = "o.indicator, o.place, o.period, o.component, o.value, o.state, \
                           o.reporter, o.reported_at, o.comment";

fn obs_from_row(row: &PgRow, at: usize) -> Result<Observation> {
    let period: String = row.try_get(at + 2)?;
    let component: String = row.try_get(at + 3)?;
    let state: String = row.try_get(at + 5)?;
    Ok(Observation {
        key: key_from(row.try_get(at)?, row.try_get(at + 1)?, &period, &component)?,
        value: row.try_get(at + 4)?,
        state: state_from(&state)?,
        reporter: row.try_get(at + 6)?,
        reported_at: row.try_get(at + 7)?,
        comment: row.try_get(at + 8)?,
    })
}

/// The key columns of a batch, as arrays.
#[derive(Default)]
struct KeyArrays {
    indicator: Vec<String>,
    place: Vec<String>,
    period: Vec<String>,
    component: Vec<String>,
}

impl KeyArrays {
    fn of<'k>(keys: impl Iterator<Item = &'k ValueKey>) -> KeyArrays {
        let mut a = KeyArrays::default();
        for k in keys {
            a.indicator.push(k.indicator.clone());
            a.place.push(k.place.clone());
            a.period.push(k.period.to_string());
            a.component.push(k.component.as_str().to_string());
        }
        a
    }
}

async fn existing(
    conn: &mut PgConnection,
    keys: &[&ValueKey],
) -> Result<HashMap<usize, Observation>> {
    let mut found = HashMap::new();
    for (c, chunk) in keys.chunks(CHUNK).enumerate() {
        let a = KeyArrays::of(chunk.iter().copied());
        let sql = format!(
            "SELECT k.i, {OBS_COLUMNS} FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
             WITH ORDINALITY AS k(indicator, place, period, component, i) \
             JOIN observations AS o ON o.indicator = k.indicator AND o.place = k.place \
             AND o.period = k.period AND o.component = k.component"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&a.indicator)
            .bind(&a.place)
            .bind(&a.period)
            .bind(&a.component)
            .fetch_all(&mut *conn)
            .await?;
        for row in rows {
            let i: i64 = row.try_get(0)?;
            found.insert(c * CHUNK + (i - 1) as usize, obs_from_row(&row, 1)?);
        }
    }
    Ok(found)
}

async fn append_audit(
    conn: &mut PgConnection,
    appender: &mut Appender,
    rows: Vec<NewAudit>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let entries = appender.link(rows.by_ref().take(CHUNK));
        insert_audit(conn, &entries).await?;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(appender.seq)
        .bind(&appender.hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn insert_audit(conn: &mut PgConnection, entries: &[AuditEntry]) -> Result<()> {
    let Some(first) = entries.first() else {
        return Ok(());
    };
    let seq: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let col = |f: fn(&AuditEntry) -> &String| -> Vec<String> {
        entries.iter().map(|e| f(e).clone()).collect()
    };
    let opt = |f: fn(&AuditEntry) -> &Option<String>| -> Vec<Option<String>> {
        entries.iter().map(|e| f(e).clone()).collect()
    };
    sqlx::query(
        "INSERT INTO audit (seq, at, actor, action, entity, place, indicator, period, old, new, \
         reason, prev_hash, hash, origin) \
         SELECT u.seq, $12, $13, u.action, u.entity, u.place, u.indicator, u.period, u.old, u.new, \
         u.reason, u.prev_hash, u.hash, $14 \
         FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) \
         AS u(seq, action, entity, place, indicator, period, old, new, reason, prev_hash, hash)",
    )
    .bind(seq)
    .bind(col(|e| &e.action))
    .bind(col(|e| &e.entity))
    .bind(opt(|e| &e.place))
    .bind(opt(|e| &e.indicator))
    .bind(opt(|e| &e.period))
    .bind(opt(|e| &e.old))
    .bind(opt(|e| &e.new))
    .bind(opt(|e| &e.reason))
    .bind(col(|e| &e.prev_hash))
    .bind(col(|e| &e.hash))
    .bind(first.at)
    .bind(&first.actor)
    .bind(&first.origin)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn load_places_in(conn: &mut PgConnection) -> Result<Vec<Place>> {
    let rows =
        sqlx::query("SELECT code, name, level, parent, lon, lat FROM places ORDER BY ord, code")
            .fetch_all(&mut *conn)
            .await?;
    let mut population: HashMap<String, BTreeMap<i32, f64>> = HashMap::new();
    for row in sqlx::query("SELECT place, year, population FROM place_population")
        .fetch_all(&mut *conn)
        .await?
    {
        population
            .entry(row.try_get(0)?)
            .or_default()
            .insert(row.try_get(1)?, row.try_get(2)?);
    }
    rows.iter()
        .map(|row| {
            let code: String = row.try_get(0)?;
            let level: String = row.try_get(2)?;
            Ok(Place {
                population: population.remove(&code).unwrap_or_default(),
                code,
                name: row.try_get(1)?,
                level: level_from(&level)?,
                parent: row.try_get(3)?,
                lon: row.try_get(4)?,
                lat: row.try_get(5)?,
            })
        })
        .collect()
}

fn plan_from(doc: &str) -> Result<Plan> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("方案文档无法读取:{e}")))
}

const AUDIT_COLUMNS: &str = "seq, at, actor, action, entity, place, indicator, period, old, new, \
     reason, prev_hash, hash, origin";

fn audit_from_row(row: &PgRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        action: row.try_get(3)?,
        entity: row.try_get(4)?,
        place: row.try_get(5)?,
        indicator: row.try_get(6)?,
        period: row.try_get(7)?,
        old: row.try_get(8)?,
        new: row.try_get(9)?,
        reason: row.try_get(10)?,
        prev_hash: row.try_get(11)?,
        hash: row.try_get(12)?,
        origin: row.try_get(13)?,
    })
}

const RECORD_COLUMNS: &str =
    "kind, id, unit, state, due, body, version, created_at, created_by, updated_at, updated_by";

fn record_from_row(row: &PgRow) -> Result<Record> {
    let kind: String = row.try_get(0)?;
    let id: String = row.try_get(1)?;
    let body: String = row.try_get(5)?;
    Ok(Record {
        body: parse_body(&kind, &id, &body)?,
        unit: row.try_get(2)?,
        state: row.try_get(3)?,
        due: row.try_get(4)?,
        version: row.try_get(6)?,
        created_at: row.try_get(7)?,
        created_by: row.try_get(8)?,
        updated_at: row.try_get(9)?,
        updated_by: row.try_get(10)?,
        kind,
        id,
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(e.to_string()))
}

#[async_trait]
impl Database for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

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

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    async fn save_plan(&self, plan: &Plan, actor: &str) -> Result<PlanSaved> {
        check_actor(actor)?;
        let doc = to_json(plan)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let current = sqlx::query(
            "SELECT c.code, c.version, v.document FROM current_plan c \
             JOIN plan_versions v ON v.code = c.code AND v.version = c.version WHERE c.id = 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let mut old_version = None;
        let mut old_doc = None;
        if let Some(row) = current {
            let code: String = row.try_get(0)?;
            let version: i64 = row.try_get(1)?;
            if code == plan.code {
                let version = version as u32;
                if plan.version < version {
                    return Err(StoreError::Conflict(format!(
                        "方案 {code} 当前为第 {version} 版,不能用较旧的第 {} 版覆盖",
                        plan.version
                    )));
                }
                let document: String = row.try_get(2)?;
                if plan.version == version && document == doc {
                    return Ok(PlanSaved {
                        old_version: Some(version),
                        new_version: version,
                        changed: false,
                    });
                }
                old_version = Some(version);
                old_doc = Some(document);
            }
        }
        sqlx::query(
            "INSERT INTO plan_versions (code, version, document, saved_at, saved_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code, version) DO UPDATE SET \
             document = excluded.document, saved_at = excluded.saved_at, saved_by = excluded.saved_by",
        )
        .bind(&plan.code)
        .bind(plan.version as i64)
        .bind(&doc)
        .bind(at)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO current_plan (id, code, version) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET code = excluded.code, version = excluded.version",
        )
        .bind(&plan.code)
        .bind(plan.version as i64)
        .execute(&mut *tx)
        .await?;
        // The indicators values may be stored for (the observations' trigger reads them).
        sqlx::query("DELETE FROM plan_indicators")
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO plan_indicators (code) SELECT DISTINCT j->>'code' \
             FROM jsonb_array_elements($1::jsonb->'indicators') AS j",
        )
        .bind(&doc)
        .execute(&mut *tx)
        .await?;
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        append_audit(
            &mut tx,
            &mut appender,
            vec![plan_audit(plan, old_version, old_doc.as_deref(), &doc)],
        )
        .await?;
        tx.commit().await?;
        Ok(PlanSaved {
            old_version,
            new_version: plan.version,
            changed: true,
        })
    }

    async fn load_plan(&self) -> Result<Option<Plan>> {
        let row = sqlx::query(
            "SELECT v.document FROM current_plan c \
             JOIN plan_versions v ON v.code = c.code AND v.version = c.version WHERE c.id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| plan_from(&r.try_get::<String, _>(0)?))
            .transpose()
    }

    async fn plan_history(&self, code: &str) -> Result<Vec<PlanVersionInfo>> {
        let rows = sqlx::query(
            "SELECT code, version, saved_at, saved_by FROM plan_versions WHERE code = $1 \
             ORDER BY version",
        )
        .bind(code)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PlanVersionInfo {
                    code: r.try_get(0)?,
                    version: r.try_get::<i64, _>(1)? as u32,
                    saved_at: r.try_get(2)?,
                    saved_by: r.try_get(3)?,
                })
            })
            .collect()
    }

    async fn load_plan_version(&self, code: &str, version: u32) -> Result<Option<Plan>> {
        let row =
            sqlx::query("SELECT document FROM plan_versions WHERE code = $1 AND version = $2")
                .bind(code)
                .bind(version as i64)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| plan_from(&r.try_get::<String, _>(0)?))
            .transpose()
    }

    async fn save_places(&self, places: Vec<Place>, actor: &str) -> Result<PlacesSaved> {
        check_actor(actor)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        // Places change rarely; lock them so two imports cannot interleave their checks.
        sqlx::query("LOCK TABLE places IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        let stored = load_places_in(&mut tx).await?;
        let (write, saved) = plan_places(stored, &places)?;
        let next_ord: i64 = sqlx::query("SELECT COALESCE(MAX(ord), -1) + 1 FROM places")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        for chunk in write.chunks(CHUNK) {
            let ps: Vec<&Place> = chunk.iter().map(|&i| &places[i]).collect();
            let codes: Vec<String> = ps.iter().map(|p| p.code.clone()).collect();
            sqlx::query(
                "INSERT INTO places (code, name, level, parent, lon, lat, ord) \
                 SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], \
                 $5::float8[], $6::float8[], $7::int8[]) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
                 parent = excluded.parent, lon = excluded.lon, lat = excluded.lat",
            )
            .bind(&codes)
            .bind(ps.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
            .bind(ps.iter().map(|p| level_text(p.level)).collect::<Vec<_>>())
            .bind(ps.iter().map(|p| p.parent.clone()).collect::<Vec<_>>())
            .bind(ps.iter().map(|p| p.lon).collect::<Vec<_>>())
            .bind(ps.iter().map(|p| p.lat).collect::<Vec<_>>())
            .bind(
                chunk
                    .iter()
                    .map(|&i| next_ord + i as i64)
                    .collect::<Vec<_>>(),
            )
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM place_population WHERE place = ANY($1::text[])")
                .bind(&codes)
                .execute(&mut *tx)
                .await?;
            let mut pop_place = Vec::new();
            let mut pop_year = Vec::new();
            let mut pop_n = Vec::new();
            for p in &ps {
                for (y, n) in &p.population {
                    pop_place.push(p.code.clone());
                    pop_year.push(*y);
                    pop_n.push(*n);
                }
            }
            sqlx::query(
                "INSERT INTO place_population (place, year, population) \
                 SELECT * FROM UNNEST($1::text[], $2::int4[], $3::float8[])",
            )
            .bind(pop_place)
            .bind(pop_year)
            .bind(pop_n)
            .execute(&mut *tx)
            .await?;
        }
        if !write.is_empty() {
            let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
            append_audit(
                &mut tx,
                &mut appender,
                vec![places_audit(&saved, places.len())],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(saved)
    }

    async fn load_places(&self) -> Result<Vec<Place>> {
        let mut conn = self.pool.acquire().await?;
        load_places_in(&mut conn).await
    }

    async fn save_reporters(&self, reporters: Vec<Reporter>, actor: &str) -> Result<usize> {
        check_actor(actor)?;
        validate_reporters(&reporters)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let before: Vec<Reporter> =
            sqlx::query("SELECT login, name, unit, role, scope FROM reporters")
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    reporter_from(
                        r.try_get(0)?,
                        r.try_get(1)?,
                        r.try_get(2)?,
                        r.try_get(3)?,
                        r.try_get(4)?,
                    )
                })
                .collect::<Result<_>>()?;
        for r in &reporters {
            sqlx::query(
                "INSERT INTO reporters (login, name, unit, role, scope, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (login) DO UPDATE SET \
                 name = excluded.name, unit = excluded.unit, role = excluded.role, \
                 scope = excluded.scope, updated_at = excluded.updated_at",
            )
            .bind(&r.login)
            .bind(&r.name)
            .bind(&r.unit)
            .bind(r.role.as_str())
            .bind(to_json(&r.scope)?)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        if !reporters.is_empty() {
            let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
            append_audit(
                &mut tx,
                &mut appender,
                vec![reporters_audit(&reporters, &before)],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(reporters.len())
    }

    async fn load_reporters(&self) -> Result<Vec<Reporter>> {
        let rows = sqlx::query(
            "SELECT login, name, unit, role, scope FROM reporters ORDER BY login COLLATE \"C\"",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                reporter_from(
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                )
            })
            .collect()
    }

    // ---- Passwords (added for the web: sign-in) -------------------------------------
    async fn set_password(
        &self,
        login: &str,
        hash: &str,
        must_change: bool,
        actor: &str,
    ) -> Result<()> {
        check_actor(actor)?;
        let at = now();
        let (mut tx, seq, prev) = begin(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE reporters SET password_hash = $1, updated_at = $2, password_set_at = $2, \
             password_must_change = $4 WHERE login = $3",
        )
        .bind(hash)
        .bind(at)
        .bind(login)
        .bind(must_change)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("用户“{login}”")));
        }
        let mut appender = Appender::new(seq, prev, at, actor).origin(self.origin());
        let entry = crate::common::simple_audit(
            "user.password",
            login,
            None,
            Some(
                serde_json::json!({"login": login, "password": "changed", "must_change": must_change}),
            ),
        );
        append_audit(&mut tx, &mut appender, vec![entry]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_disabled(&self, login: &str, disabled: bool, actor: &str) -> Result<()> {
        check_actor(actor)?;
        let at = now();
        let (mut tx, seq, prev) = begin(&self.pool).await?;
        let done =
            sqlx::query("UPDATE reporters SET disabled = $1, updated_at = $2 WHERE login = $3")
                .bind(disabled)
                .bind(at)
                .bind(login)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("用户“{login}”")));
        }
        let mut appender = Appender::new(seq, prev, at, actor).origin(self.origin());
        let entry = crate::common::simple_audit(
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            login,
            Some(serde_json::json!({"login": login, "disabled": !disabled})),
            Some(serde_json::json!({"login": login, "disabled": disabled})),
        );
        append_audit(&mut tx, &mut appender, vec![entry]).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn auth_epoch(&self) -> Result<i64> {
        let (epoch,): (i64,) = sqlx::query_as("SELECT epoch FROM auth_epoch WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(epoch)
    }

    async fn credentials(&self) -> Result<Vec<Credential>> {
        let rows = sqlx::query("SELECT login, role, scope, password_hash, disabled FROM reporters")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let disabled: bool = r.try_get(4)?;
                Ok(credential(
                    r.try_get(0)?,
                    r.try_get::<String, _>(1)?.as_str(),
                    r.try_get::<String, _>(2)?.as_str(),
                    r.try_get::<Option<String>, _>(3)?.as_deref(),
                    disabled,
                ))
            })
            .collect()
    }

    async fn password(&self, login: &str) -> Result<Option<StoredPassword>> {
        let row: Option<(Option<String>, Option<NaiveDateTime>, bool)> = sqlx::query_as(
            "SELECT password_hash, password_set_at, password_must_change FROM reporters \
             WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(&self.pool)
        .await?;
        let Some((Some(hash), set_at, must_change)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredPassword {
            hash,
            set_at,
            must_change,
        }))
    }
    // ---- end of passwords --------------------------------------------------------------

    async fn write_values(
        &self,
        writes: &[CheckedWrite],
        actor: &str,
        source: Option<&UploadInfo>,
    ) -> Result<WriteOutcome> {
        validate_writes(writes, actor)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let keys: Vec<&ValueKey> = writes.iter().map(|w| w.key()).collect();
        let found = existing(&mut tx, &keys).await?;
        let plan = plan_writes(writes, found, actor, at)?;
        for chunk in plan.changed.chunks(CHUNK) {
            let a = KeyArrays::of(chunk.iter().map(|&i| writes[i].key()));
            let values: Vec<f64> = chunk.iter().map(|&i| writes[i].value()).collect();
            let comments: Vec<String> = chunk
                .iter()
                .map(|&i| writes[i].comment().to_string())
                .collect();
            sqlx::query(
                "INSERT INTO observations (indicator, place, period, component, value, state, \
                 reporter, reported_at, comment) \
                 SELECT u.indicator, u.place, u.period, u.component, u.value, 'draft', $7, $8, \
                 u.comment FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], \
                 $5::float8[], $6::text[]) AS u(indicator, place, period, component, value, comment) \
                 ON CONFLICT (indicator, place, period, component) DO UPDATE SET \
                 value = excluded.value, state = 'draft', reporter = excluded.reporter, \
                 reported_at = excluded.reported_at, comment = excluded.comment",
            )
            .bind(&a.indicator)
            .bind(&a.place)
            .bind(&a.period)
            .bind(&a.component)
            .bind(values)
            .bind(comments)
            .bind(actor)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(unknown_codes)?;
        }
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        let audit_rows = plan
            .changes
            .iter()
            .map(|c| value_audit("value.write", c, None))
            .collect();
        append_audit(&mut tx, &mut appender, audit_rows).await?;
        if let Some(src) = source {
            sqlx::query(
                "INSERT INTO uploads (sha256, file_name, actor, at, rows, changed) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&src.sha256)
            .bind(&src.file_name)
            .bind(actor)
            .bind(at)
            .bind(src.rows as i64)
            .bind(plan.changes.len() as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(WriteOutcome {
            changes: plan.changes,
            unchanged: plan.unchanged,
        })
    }

    async fn quarantine_values(
        &self,
        keys: &[ValueKey],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<ValueChange>> {
        validate_keys(keys, actor)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let refs: Vec<&ValueKey> = keys.iter().collect();
        let found = existing(&mut tx, &refs).await?;
        let changes = plan_quarantine(keys, found)?;
        for c in &changes {
            let Some(o) = &c.old else { continue };
            sqlx::query(
                "INSERT INTO quarantine (indicator, place, period, component, value, state, \
                 reporter, reported_at, comment, reason, moved_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (indicator, place, period, component) DO UPDATE SET \
                 value = excluded.value, state = excluded.state, reporter = excluded.reporter, \
                 reported_at = excluded.reported_at, comment = excluded.comment, \
                 reason = excluded.reason, moved_at = excluded.moved_at",
            )
            .bind(&o.key.indicator)
            .bind(&o.key.place)
            .bind(o.key.period.to_string())
            .bind(o.key.component.as_str())
            .bind(o.value)
            .bind(o.state.as_str())
            .bind(&o.reporter)
            .bind(o.reported_at)
            .bind(&o.comment)
            .bind(reason)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM observations WHERE indicator = $1 AND place = $2 AND period = $3 \
                 AND component = $4",
            )
            .bind(&o.key.indicator)
            .bind(&o.key.place)
            .bind(o.key.period.to_string())
            .bind(o.key.component.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        let rows = changes
            .iter()
            .map(|c| value_audit("value.quarantine", c, Some(reason.to_string())))
            .collect();
        append_audit(&mut tx, &mut appender, rows).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn audit_row(&self, seq: i64) -> Result<Option<AuditEntry>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(audit_from_row).transpose()
    }

    async fn quarantined(&self) -> Result<u64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM quarantine")
            .fetch_one(&self.pool)
            .await?;
        Ok(n as u64)
    }

    async fn delete_values(
        &self,
        keys: &[ValueKey],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<ValueChange>> {
        validate_keys(keys, actor)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let refs: Vec<&ValueKey> = keys.iter().collect();
        let found = existing(&mut tx, &refs).await?;
        let changes = plan_delete(keys, found)?;
        for chunk in keys.chunks(CHUNK) {
            let a = KeyArrays::of(chunk.iter());
            sqlx::query(
                "DELETE FROM observations AS o \
                 USING UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
                 AS k(indicator, place, period, component) \
                 WHERE o.indicator = k.indicator AND o.place = k.place \
                 AND o.period = k.period AND o.component = k.component",
            )
            .bind(&a.indicator)
            .bind(&a.place)
            .bind(&a.period)
            .bind(&a.component)
            .execute(&mut *tx)
            .await?;
        }
        let reason = (!reason.trim().is_empty()).then(|| reason.to_string());
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        let rows = changes
            .iter()
            .map(|c| value_audit("value.delete", c, reason.clone()))
            .collect();
        append_audit(&mut tx, &mut appender, rows).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn transition(
        &self,
        keys: &[ValueKey],
        transition: &Transition,
        actor: &str,
    ) -> Result<Vec<ValueChange>> {
        validate_keys(keys, actor)?;
        let at = now();
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let refs: Vec<&ValueKey> = keys.iter().collect();
        let found = existing(&mut tx, &refs).await?;
        let changes = plan_transition(keys, found, transition, actor)?;
        let Some(state) = changes
            .first()
            .and_then(|c| c.new.as_ref())
            .map(|o| o.state)
        else {
            return Ok(changes);
        };
        for chunk in keys.chunks(CHUNK) {
            let a = KeyArrays::of(chunk.iter());
            sqlx::query(
                "UPDATE observations AS o SET state = $5 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
                 AS k(indicator, place, period, component) \
                 WHERE o.indicator = k.indicator AND o.place = k.place \
                 AND o.period = k.period AND o.component = k.component",
            )
            .bind(&a.indicator)
            .bind(&a.place)
            .bind(&a.period)
            .bind(&a.component)
            .bind(state.as_str())
            .execute(&mut *tx)
            .await?;
        }
        let (action, reason) = transition_action(transition);
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        let rows = changes
            .iter()
            .map(|c| value_audit(action, c, reason.clone()))
            .collect();
        append_audit(&mut tx, &mut appender, rows).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn values_page(
        &self,
        after: Option<&ValueKey>,
        limit: usize,
    ) -> Result<Vec<Observation>> {
        let rows = match after {
            None => {
                let sql = format!(
                    "SELECT {OBS_COLUMNS} FROM observations AS o \
                     ORDER BY o.indicator, o.place, o.period, o.component LIMIT $1"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(k) => {
                let sql = format!(
                    "SELECT {OBS_COLUMNS} FROM observations AS o \
                     WHERE (o.indicator, o.place, o.period, o.component) > ($1, $2, $3, $4) \
                     ORDER BY o.indicator, o.place, o.period, o.component LIMIT $5"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(&k.indicator)
                    .bind(&k.place)
                    .bind(k.period.to_string())
                    .bind(k.component.as_str())
                    .bind(limit as i64)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(|r| obs_from_row(r, 0)).collect()
    }

    async fn get_values(&self, filter: &ValueFilter) -> Result<Vec<Observation>> {
        let sql = format!(
            "SELECT {OBS_COLUMNS} FROM observations AS o \
             WHERE ($1::text IS NULL OR o.indicator = $1) AND ($2::text IS NULL OR o.place = $2) \
             AND ($3::text IS NULL OR o.period = $3) AND ($4::text IS NULL OR o.state = $4) \
             AND ($5::text IS NULL OR (o.indicator, o.place, o.period, o.component) > ($5, $6, $7, $8)) \
             ORDER BY o.indicator, o.place, o.period, o.component LIMIT $9::bigint"
        );
        let after = filter.after.as_ref();
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&filter.indicator)
            .bind(&filter.place)
            .bind(filter.period.map(|p| p.to_string()))
            .bind(filter.state.map(|s| s.as_str()))
            .bind(after.map(|k| k.indicator.as_str()))
            .bind(after.map(|k| k.place.as_str()))
            .bind(after.map(|k| k.period.to_string()))
            .bind(after.map(|k| k.component.as_str()))
            // LIMIT NULL is no limit.
            .bind(filter.limit.map(|n| n.min(i64::MAX as usize) as i64))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| obs_from_row(r, 0)).collect()
    }

    async fn uploads(&self, sha256: Option<&str>) -> Result<Vec<UploadRecord>> {
        let rows = sqlx::query(
            "SELECT id, sha256, file_name, actor, at, rows, changed FROM uploads \
             WHERE ($1::text IS NULL OR sha256 = $1) ORDER BY id DESC",
        )
        .bind(sha256)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UploadRecord {
                    id: r.try_get(0)?,
                    sha256: r.try_get(1)?,
                    file_name: r.try_get(2)?,
                    actor: r.try_get(3)?,
                    at: r.try_get(4)?,
                    rows: r.try_get(5)?,
                    changed: r.try_get(6)?,
                })
            })
            .collect()
    }

    async fn put_records_with_files(
        &self,
        writes: &[RecordWrite],
        files: &[NewAttachment],
        actor: &str,
    ) -> Result<Vec<Record>> {
        check_actor(actor)?;
        validate_record_writes(writes)?;
        for f in files {
            validate_attachment(&f.name, &f.bytes)?;
        }
        let at = now();
        // The audit head is locked for the transaction: writers of records are serialised,
        // so a version read here cannot change before the commit.
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        let mut audits = Vec::with_capacity(writes.len());
        let mut written = Vec::with_capacity(writes.len());
        for f in files {
            let meta = AttachmentMeta {
                sha256: attachment_sha(&f.bytes),
                name: f.name.clone(),
                mime: f.mime.clone(),
                size: f.bytes.len() as i64,
                uploaded_by: actor.to_string(),
                uploaded_at: at,
            };
            let kept = sqlx::query(
                "INSERT INTO attachments (sha256, name, mime, size, bytes, uploaded_by, uploaded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&meta.sha256)
            .bind(&meta.name)
            .bind(&meta.mime)
            .bind(meta.size)
            .bind(&f.bytes)
            .bind(actor)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            if kept.rows_affected() == 1 {
                audits.push(attachment_audit(&meta));
            }
        }
        for w in writes {
            let stored = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 AND id = $2 FOR UPDATE"
            )))
            .bind(&w.kind)
            .bind(&w.id)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(record_from_row)
            .transpose()?;
            let version = check_version(w, stored.as_ref().map(|s| s.version))?;
            let (created_at, created_by) = match &stored {
                Some(s) => (s.created_at, s.created_by.clone()),
                None => (at, actor.to_string()),
            };
            sqlx::query(
                "INSERT INTO records (kind, id, unit, state, due, body, version, created_at, \
                 created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11) ON CONFLICT (kind, id) DO UPDATE SET unit = excluded.unit, \
                 state = excluded.state, due = excluded.due, body = excluded.body, \
                 version = excluded.version, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by",
            )
            .bind(&w.kind)
            .bind(&w.id)
            .bind(&w.unit)
            .bind(&w.state)
            .bind(w.due)
            .bind(w.body.to_string())
            .bind(version)
            .bind(created_at)
            .bind(&created_by)
            .bind(at)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
            let record = Record {
                kind: w.kind.clone(),
                id: w.id.clone(),
                unit: w.unit.clone(),
                state: w.state.clone(),
                due: w.due,
                body: w.body.clone(),
                version,
                created_at,
                created_by,
                updated_at: at,
                updated_by: actor.to_string(),
            };
            audits.push(record_audit(w, stored.as_ref(), &record));
            written.push(record);
        }
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        append_audit(&mut tx, &mut appender, audits).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn get_record(&self, kind: &str, id: &str) -> Result<Option<Record>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 AND id = $2"
        )))
        .bind(kind)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn list_records(&self, filter: &RecordFilter) -> Result<Vec<Record>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 \
             AND ($2::text IS NULL OR unit = $2) AND ($3::text IS NULL OR state = $3) \
             AND ($4::date IS NULL OR (due IS NOT NULL AND due <= $4)) \
             AND ($5::text IS NULL OR left(id, length($5)) = $5) ORDER BY id COLLATE \"C\""
        )))
        .bind(&filter.kind)
        .bind(filter.unit.as_deref())
        .bind(filter.state.as_deref())
        .bind(filter.due_by)
        .bind(filter.id_prefix.as_deref())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn put_attachment(
        &self,
        name: &str,
        mime: &str,
        bytes: &[u8],
        actor: &str,
    ) -> Result<AttachmentMeta> {
        check_actor(actor)?;
        validate_attachment(name, bytes)?;
        let sha = attachment_sha(bytes);
        if let Some((meta, _)) = self.get_attachment(&sha).await? {
            return Ok(meta);
        }
        let at = now();
        let meta = AttachmentMeta {
            sha256: sha,
            name: name.to_string(),
            mime: mime.to_string(),
            size: bytes.len() as i64,
            uploaded_by: actor.to_string(),
            uploaded_at: at,
        };
        let (mut tx, seq, hash) = begin(&self.pool).await?;
        sqlx::query(
            "INSERT INTO attachments (sha256, name, mime, size, bytes, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(&meta.sha256)
        .bind(&meta.name)
        .bind(&meta.mime)
        .bind(meta.size)
        .bind(bytes)
        .bind(actor)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let mut appender = Appender::new(seq, hash, at, actor).origin(self.origin());
        append_audit(&mut tx, &mut appender, vec![attachment_audit(&meta)]).await?;
        tx.commit().await?;
        Ok(meta)
    }

    async fn get_attachment(&self, sha256: &str) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT sha256, name, mime, size, uploaded_by, uploaded_at, bytes FROM attachments \
             WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok((
                AttachmentMeta {
                    sha256: r.try_get(0)?,
                    name: r.try_get(1)?,
                    mime: r.try_get(2)?,
                    size: r.try_get(3)?,
                    uploaded_by: r.try_get(4)?,
                    uploaded_at: r.try_get(5)?,
                },
                r.try_get(6)?,
            ))
        })
        .transpose()
    }

    async fn audit_query(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit \
             WHERE ($1::text IS NULL OR place = $1) AND ($2::text IS NULL OR indicator = $2) \
             AND ($3::text IS NULL OR actor = $3) AND ($4::text IS NULL OR action = $4) \
             AND ($5::timestamp IS NULL OR at >= $5) AND ($6::timestamp IS NULL OR at < $6) \
             ORDER BY seq DESC LIMIT $7"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&filter.place)
            .bind(&filter.indicator)
            .bind(&filter.actor)
            .bind(&filter.action)
            .bind(filter.since)
            .bind(filter.until)
            .bind(filter.limit.unwrap_or(1000) as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_verify(&self) -> Result<AuditReport> {
        // One snapshot of the chain and its head.
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .await?;
        let head = match sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(r) => Some((r.try_get(0)?, r.try_get(1)?)),
            None => None,
        };
        let mut verifier = Verifier::default();
        let mut replayer = Replayer::default();
        let mut after = 0i64;
        loop {
            let sql =
                format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2");
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(CHUNK as i64)
                .fetch_all(&mut *tx)
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
        let sql = format!("SELECT {OBS_COLUMNS} FROM observations AS o");
        let stored = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| obs_from_row(r, 0))
            .collect::<Result<Vec<_>>>()?;
        let sql = format!("SELECT {RECORD_COLUMNS} FROM records ORDER BY kind, id");
        let records = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(record_from_row)
            .collect::<Result<Vec<_>>>()?;
        tx.rollback().await?;
        Ok(verifier
            .finish(head)
            .with_replay(replayer.finish(stored, records)))
    }
}
