//! The PostgreSQL dialect. Writers lock the audit head row first (`FOR UPDATE`), which
//! serialises every audited write and keeps the chain linear; batches travel as arrays
//! unpacked by `UNNEST`, a handful of statements per 50,000 rows.

use std::time::Duration;

use chrono::NaiveDateTime;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgConnection, Pool, Postgres, Row};
use youxiang_core::CheckedWrite;
use youxiang_core::place::Place;
use youxiang_core::value::{Observation, ValueKey, ValueState};

use crate::audit::AuditEntry;
use crate::common::level_text;
use crate::dialect::{Dialect, Param, Query, runners};
use crate::flow::{OBS_COLUMNS, SqlStore, obs_from_row};
use crate::{Backend, Result};

/// The production backend.
pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Opens `postgres://user@host:port/db`.
    pub async fn connect(url: &str) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect(url)
            .await?;
        Ok(SqlStore::new(pool))
    }
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

    /// Binds the four arrays as `$1`…`$4`.
    fn bind(self, q: Query<Postgres>) -> Query<Postgres> {
        q.bind(self.indicator)
            .bind(self.place)
            .bind(self.period)
            .bind(self.component)
    }
}

/// The keys bound by [`KeyArrays::bind`], as a table `k` with 1-based ordinality `i`.
const KEYS: &str = "UNNEST($1::text[], $2::text[], $3::text[], $4::text[]) \
     WITH ORDINALITY AS k(indicator, place, period, component, i)";

/// Matches `o`'s primary key to `k`'s.
const ON_KEY: &str = "o.indicator = k.indicator AND o.place = k.place \
     AND o.period = k.period AND o.component = k.component";

impl Dialect for Postgres {
    const BACKEND: Backend = Backend::Postgres;
    const BEGIN_WRITE: &'static str = "BEGIN";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    const BYTE_ORDER: &'static str = " COLLATE \"C\"";
    const LOCK_PLACES: Option<&'static str> = Some("LOCK TABLE places IN EXCLUSIVE MODE");
    const PLAN_INDICATORS: &'static str = "INSERT INTO plan_indicators (code) \
         SELECT DISTINCT j->>'code' FROM jsonb_array_elements($1::jsonb->'indicators') AS j";

    async fn migrate(pool: &Pool<Postgres>) -> Result<()> {
        sqlx::migrate!("./migrations/postgres").run(pool).await?;
        Ok(())
    }

    fn bind<P: Param>(q: Query<Postgres>, p: P) -> Query<Postgres> {
        q.bind(p)
    }

    runners!();

    async fn existing(
        c: &mut PgConnection,
        keys: &[&ValueKey],
    ) -> Result<Vec<(usize, Observation)>> {
        let sql =
            format!("SELECT k.i, {OBS_COLUMNS} FROM {KEYS} JOIN observations AS o ON {ON_KEY}");
        let rows = KeyArrays::of(keys.iter().copied())
            .bind(sqlx::query(AssertSqlSafe(sql)))
            .fetch_all(&mut *c)
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    (row.try_get::<i64, _>(0)? - 1) as usize,
                    obs_from_row(row, 1)?,
                ))
            })
            .collect()
    }

    fn delete_keys(keys: &[ValueKey]) -> Result<Query<Postgres>> {
        let sql = format!("DELETE FROM observations AS o USING {KEYS} WHERE {ON_KEY}");
        Ok(KeyArrays::of(keys.iter()).bind(sqlx::query(AssertSqlSafe(sql))))
    }

    fn set_state(keys: &[ValueKey], state: ValueState) -> Result<Query<Postgres>> {
        let sql = format!("UPDATE observations AS o SET state = $5 FROM {KEYS} WHERE {ON_KEY}");
        let q = KeyArrays::of(keys.iter()).bind(sqlx::query(AssertSqlSafe(sql)));
        Ok(q.bind(state.as_str()))
    }

    async fn upsert_values(
        c: &mut PgConnection,
        writes: &[CheckedWrite],
        chunk: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> Result<(), sqlx::Error> {
        let values: Vec<f64> = chunk.iter().map(|&i| writes[i].value()).collect();
        let comments: Vec<String> = chunk
            .iter()
            .map(|&i| writes[i].comment().to_string())
            .collect();
        let sources: Vec<String> = chunk
            .iter()
            .map(|&i| writes[i].source().to_string())
            .collect();
        // No source named is stored as NULL (the plan's default applies).
        let q = sqlx::query(
            "INSERT INTO observations (indicator, place, period, component, value, state, \
             reporter, reported_at, comment, source) \
             SELECT u.indicator, u.place, u.period, u.component, u.value, 'draft', $7, $8, \
             u.comment, NULLIF(u.source, '') FROM UNNEST($1::text[], $2::text[], $3::text[], \
             $4::text[], $5::float8[], $6::text[], $9::text[]) \
             AS u(indicator, place, period, component, value, comment, source) \
             ON CONFLICT (indicator, place, period, component) DO UPDATE SET \
             value = excluded.value, state = 'draft', reporter = excluded.reporter, \
             reported_at = excluded.reported_at, comment = excluded.comment, \
             source = excluded.source",
        );
        KeyArrays::of(chunk.iter().map(|&i| writes[i].key()))
            .bind(q)
            .bind(values)
            .bind(comments)
            .bind(actor)
            .bind(at)
            .bind(sources)
            .execute(&mut *c)
            .await?;
        Ok(())
    }

    async fn upsert_places(
        c: &mut PgConnection,
        places: &[Place],
        chunk: &[usize],
        next_ord: i64,
    ) -> Result<()> {
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
        .execute(&mut *c)
        .await?;
        sqlx::query("DELETE FROM place_population WHERE place = ANY($1::text[])")
            .bind(&codes)
            .execute(&mut *c)
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
        .execute(&mut *c)
        .await?;
        Ok(())
    }

    async fn insert_audit(c: &mut PgConnection, entries: &[AuditEntry]) -> Result<()> {
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
        // One appender links every row: they share the time, the actor and the origin.
        sqlx::query(
            "INSERT INTO audit (seq, at, actor, action, entity, place, indicator, period, old, \
             new, reason, prev_hash, hash, origin) \
             SELECT u.seq, $12, $13, u.action, u.entity, u.place, u.indicator, u.period, u.old, \
             u.new, u.reason, u.prev_hash, u.hash, $14 \
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
        .execute(&mut *c)
        .await?;
        Ok(())
    }
}
