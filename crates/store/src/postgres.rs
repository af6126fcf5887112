//! The PostgreSQL dialect. Writers lock the audit head row first (`FOR UPDATE`), which
//! serialises every audited write and keeps the chain linear; keys and changed rows travel
//! as arrays unpacked by `UNNEST`, a handful of statements per 50,000 rows; new values and
//! audit rows are streamed with `COPY … FROM STDIN` (text format, see [`CopyText`]) straight
//! into their tables, the next block formatted while the server stores the last; changed
//! values are streamed likewise into a staging table of the transaction and applied by one
//! `UPDATE … FROM`.

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
        rows: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        // The changed rows are streamed into a staging table of this transaction (`COPY`,
        // as new values are), then one `UPDATE … FROM` joins it to the stored rows.
        sqlx::query(
            "CREATE TEMP TABLE yx_changed_values (indicator text, place text, period text, \
             component text, value float8, comment text, source text) ON COMMIT DROP",
        )
        .execute(&mut *c)
        .await?;
        copy_in(
            c,
            "COPY yx_changed_values (indicator, place, period, component, value, comment, \
             source) FROM STDIN",
            rows,
            |out, &i| {
                let w = &writes[i];
                let k = w.key();
                out.text(&k.indicator)
                    .text(&k.place)
                    .text(&k.period.to_string())
                    .text(k.component.as_str())
                    .raw(&format!("{:?}", w.value()))
                    .text(w.comment())
                    // No source named is stored as NULL (the plan's default applies).
                    .optional(Some(w.source()).filter(|s| !s.is_empty()))
                    .end();
            },
        )
        .await?;
        // Statistics, so that the planner joins the two by hash rather than row by row.
        sqlx::query("ANALYZE yx_changed_values")
            .execute(&mut *c)
            .await?;
        let updated = sqlx::query(
            "UPDATE observations AS o SET value = s.value, state = 'draft', reporter = $1, \
             reported_at = $2, comment = s.comment, source = s.source \
             FROM yx_changed_values AS s WHERE o.indicator = s.indicator \
             AND o.place = s.place AND o.period = s.period AND o.component = s.component",
        )
        .bind(actor)
        .bind(at)
        .execute(&mut *c)
        .await?
        .rows_affected();
        sqlx::query("DROP TABLE yx_changed_values")
            .execute(&mut *c)
            .await?;
        // Every row was found stored under the write lock, which is still held.
        if updated != rows.len() as u64 {
            return Err(sqlx::Error::Protocol(format!(
                "{} rows to update, {updated} updated",
                rows.len()
            )));
        }
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

    async fn insert_values(
        c: &mut PgConnection,
        writes: &[CheckedWrite],
        rows: &[usize],
        actor: &str,
        at: NaiveDateTime,
    ) -> Result<(), sqlx::Error> {
        let at = at.format(COPY_TIME).to_string();
        copy_in(
            c,
            "COPY observations (indicator, place, period, component, value, state, reporter, \
             reported_at, comment, source) FROM STDIN",
            rows,
            |out, &i| {
                let w = &writes[i];
                let k = w.key();
                out.text(&k.indicator)
                    .text(&k.place)
                    .text(&k.period.to_string())
                    .text(k.component.as_str())
                    .raw(&format!("{:?}", w.value()))
                    .raw("draft")
                    .text(actor)
                    .raw(&at)
                    .text(w.comment())
                    // No source named is stored as NULL (the plan's default applies).
                    .optional(Some(w.source()).filter(|s| !s.is_empty()))
                    .end();
            },
        )
        .await
    }

    async fn insert_audit(c: &mut PgConnection, entries: &[AuditEntry]) -> Result<()> {
        copy_in(
            c,
            "COPY audit (seq, at, actor, action, entity, place, indicator, period, old, new, \
             reason, prev_hash, hash, origin) FROM STDIN",
            entries,
            |out, e| {
                out.raw(&e.seq.to_string())
                    .raw(&e.at.format(COPY_TIME).to_string())
                    .text(&e.actor)
                    .text(&e.action)
                    .text(&e.entity)
                    .optional(e.place.as_deref())
                    .optional(e.indicator.as_deref())
                    .optional(e.period.as_deref())
                    .optional(e.old.as_deref())
                    .optional(e.new.as_deref())
                    .optional(e.reason.as_deref())
                    .text(&e.prev_hash)
                    .text(&e.hash)
                    .optional(e.origin.as_deref())
                    .end();
            },
        )
        .await?;
        Ok(())
    }
}

/// A timestamp as `COPY`'s text format takes it (microseconds, as the column keeps).
const COPY_TIME: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// Rows formatted per block sent: the server stores one block while the next is formatted.
const COPY_BLOCK: usize = 10_000;

/// Streams `items` into the table of `statement` (`COPY … FROM STDIN`, text format), each
/// formatted by `row`, in blocks of [`COPY_BLOCK`]. The database's error (a refused code, a
/// duplicate key) comes back as it is; the transaction then rolls back whole.
async fn copy_in<T>(
    c: &mut PgConnection,
    statement: &'static str,
    items: &[T],
    row: impl Fn(&mut CopyText, &T),
) -> Result<(), sqlx::Error> {
    if items.is_empty() {
        return Ok(());
    }
    let mut copy = c.copy_in_raw(statement).await?;
    for block in items.chunks(COPY_BLOCK) {
        let mut out = CopyText::default();
        for item in block {
            row(&mut out, item);
        }
        if let Err(e) = copy.send(out.0).await {
            // The connection must leave the copy state before it goes back to the pool.
            let _ = copy.abort(e.to_string()).await;
            return Err(e);
        }
    }
    copy.finish().await?;
    Ok(())
}

/// Rows in `COPY`'s text format: fields separated by tabs, rows ended by a newline, `\N`
/// for NULL, and a backslash, tab, newline or carriage return in a text escaped (U+0000
/// never reaches here: `common::check_text`).
#[derive(Default)]
struct CopyText(Vec<u8>, bool);

impl CopyText {
    /// A tab before every field but a row's first (`.1`: the row has a field).
    fn separate(&mut self) {
        if std::mem::replace(&mut self.1, true) {
            self.0.push(b'\t');
        }
    }

    /// A field known to need no escaping (a number, a time, a fixed word).
    fn raw(&mut self, field: &str) -> &mut Self {
        self.separate();
        self.0.extend_from_slice(field.as_bytes());
        self
    }

    fn text(&mut self, field: &str) -> &mut Self {
        self.separate();
        let bytes = field.as_bytes();
        if !bytes
            .iter()
            .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
        {
            self.0.extend_from_slice(bytes);
            return self;
        }
        for &b in bytes {
            match b {
                b'\\' => self.0.extend_from_slice(b"\\\\"),
                b'\t' => self.0.extend_from_slice(b"\\t"),
                b'\n' => self.0.extend_from_slice(b"\\n"),
                b'\r' => self.0.extend_from_slice(b"\\r"),
                _ => self.0.push(b),
            }
        }
        self
    }

    fn optional(&mut self, field: Option<&str>) -> &mut Self {
        match field {
            Some(f) => self.text(f),
            None => self.raw("\\N"),
        }
    }

    fn end(&mut self) {
        self.0.push(b'\n');
        self.1 = false;
    }
}

#[cfg(test)]
mod tests {
    use super::CopyText;

    #[test]
    fn copy_text_escapes_what_the_format_reads_specially() {
        let mut out = CopyText::default();
        out.text("a\tb\\c").optional(None).text("").end();
        out.text("").text("x\ny\rz").raw("1.5").end();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "a\\tb\\\\c\t\\N\t\n\tx\\ny\\rz\t1.5\n"
        );
    }
}
