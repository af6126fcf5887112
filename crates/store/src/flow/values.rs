//! The numbers: writes, review, deletion, quarantine, reads and uploads.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use youxiang_core::CheckedWrite;
use youxiang_core::value::{Observation, Transition, ValueKey, ValueState};

use super::{OBS_COLUMNS, On, Sql, SqlStore, Write, limit, obs_from_row, sql, sql_built};
use crate::common::*;
use crate::dialect::{CHUNK, Dialect, Get};
use crate::{
    ComputedWrite, Result, StoreError, UploadInfo, UploadRecord, ValueChange, ValueFilter,
    ValueStore, WriteOutcome,
};

/// The stored values of `keys`, by index into `keys`.
async fn existing<'k, D: Dialect>(
    on: &mut impl On<D>,
    keys: impl Iterator<Item = &'k ValueKey>,
) -> Result<HashMap<usize, Observation>> {
    let keys: Vec<&ValueKey> = keys.collect();
    let mut found = HashMap::new();
    for (c, chunk) in keys.chunks(CHUNK).enumerate() {
        for (i, o) in D::existing(on.conn(), chunk).await? {
            found.insert(c * CHUNK + i, o);
        }
    }
    Ok(found)
}

/// At most this many audit rows since a file's last upload are looked through to tell a
/// repeated upload of it unchanged; more, and its rows are compared one by one.
const REPEAT_LOOKBACK: i64 = 200_000;

/// Records an upload in the uploads table, with the audit head it leaves.
async fn record_upload<D: Dialect>(
    w: &mut Write<D>,
    src: &UploadInfo,
    actor: &str,
    changed: usize,
    head: i64,
) -> Result<()> {
    let at = w.at;
    sql(
        "INSERT INTO uploads (sha256, file_name, actor, at, rows, changed, head_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&src.sha256)
    .bind(&src.file_name)
    .bind(actor)
    .bind(at)
    .bind(src.rows as i64)
    .bind(changed as i64)
    .bind(head)
    .execute(w)
    .await?;
    Ok(())
}

/// Whether an audit row of `action` naming `indicator` and `place` may have changed what a
/// file of `touched` (indicator, place) pairs wrote: a value written, deleted or
/// quarantined there (not a review step: the numbers stay), the plan or the places
/// (`None` names no value). Pure.
fn may_change(
    action: &str,
    indicator: Option<&str>,
    place: Option<&str>,
    touched: &HashSet<(String, String)>,
) -> bool {
    if action == "plan.save" || action == "places.save" {
        return true;
    }
    if !action.starts_with("value.")
        || matches!(
            action,
            "value.submit" | "value.approve" | "value.reject" | "value.reopen"
        )
    {
        return false;
    }
    match (indicator, place) {
        (Some(i), Some(p)) => touched.contains(&(i.to_string(), p.to_string())),
        _ => true,
    }
}

/// The computed writes that change something (indices into the batch) and the outcome.
struct ComputedPlan {
    changed: Vec<usize>,
    out: ComputedWrite,
}

/// Decides, given the stored values of the batch's keys (by batch index), which computed
/// figures are written (approved, by `actor` at `at`), which are unchanged and which keys
/// hold another source's figure. Pure.
fn plan_computed(
    writes: &[CheckedWrite],
    mut existing: HashMap<usize, Observation>,
    actor: &str,
    at: chrono::NaiveDateTime,
) -> ComputedPlan {
    let mut plan = ComputedPlan {
        changed: Vec::new(),
        out: ComputedWrite::default(),
    };
    for (i, w) in writes.iter().enumerate() {
        let old = existing.remove(&i);
        if let Some(o) = &old {
            if o.source != w.source() {
                plan.out.kept.push(w.key().clone());
                continue;
            }
            if o.value == w.value() && o.comment == w.comment() && o.state == ValueState::Approved {
                plan.out.unchanged += 1;
                continue;
            }
        }
        plan.changed.push(i);
        plan.out.changes.push(ValueChange {
            old,
            new: Some(Observation {
                key: w.key().clone(),
                value: w.value(),
                state: ValueState::Approved,
                reporter: actor.to_string(),
                reported_at: at,
                comment: w.comment().to_string(),
                source: w.source().to_string(),
            }),
        });
    }
    plan
}

#[async_trait]
impl<D: Dialect> ValueStore for SqlStore<D> {
    async fn repeat_upload(
        &self,
        source: &UploadInfo,
        actor: &str,
        touched: &HashSet<(String, String)>,
    ) -> Result<bool> {
        check_text("上传人", actor)?;
        let mut w = Write::begin(self, actor).await?;
        let head = w.head_after(0);
        // -1: never uploaded (or only before the head was recorded).
        let since: i64 = sql("SELECT COALESCE(MAX(head_seq), -1) FROM uploads WHERE sha256 = $1")
            .bind(&source.sha256)
            .fetch_one(&mut w)
            .await?
            .col(0)?;
        if since < 0 || since > head || head - since > REPEAT_LOOKBACK {
            return Ok(false);
        }
        let rows = sql("SELECT action, indicator, place FROM audit WHERE seq > $1 AND seq <= $2")
            .bind(since)
            .bind(head)
            .fetch_all(&mut w)
            .await?;
        for r in &rows {
            let (action, indicator, place): (String, Option<String>, Option<String>) =
                (r.col(0)?, r.col(1)?, r.col(2)?);
            if may_change(&action, indicator.as_deref(), place.as_deref(), touched) {
                return Ok(false);
            }
        }
        record_upload(&mut w, source, actor, 0, head).await?;
        w.commit(Vec::new()).await?;
        Ok(true)
    }

    async fn write_values(
        &self,
        writes: &[CheckedWrite],
        actor: &str,
        source: Option<&UploadInfo>,
    ) -> Result<WriteOutcome> {
        validate_writes(writes, actor)?;
        let mut w = Write::begin(self, actor).await?;
        let found = existing(&mut w, writes.iter().map(|w| w.key())).await?;
        let at = w.at;
        let plan = plan_writes(writes, found, actor, at)?;
        // Values not stored yet are inserted as a stream (no conflict to look for: the
        // write lock is held since they were looked up); changed ones updated in place.
        let (mut fresh, mut stored) = (Vec::new(), Vec::new());
        for (&i, c) in plan.changed.iter().zip(&plan.changes) {
            match c.old {
                None => fresh.push(i),
                Some(_) => stored.push(i),
            }
        }
        let changed = plan.changes.len();
        let head = w.head_after(changed);
        // The audit rows are made and hashed on another thread while the values are
        // written (the chain's head is fixed: the write lock is held).
        let linking = {
            let (mut chain, changes) = (w.chain(), plan.changes);
            tokio::task::spawn_blocking(move || {
                let rows = changes.iter().map(|c| value_audit("value.write", c, None));
                let entries = chain.link(rows);
                (changes, entries, chain)
            })
        };
        D::insert_values(w.conn(), writes, &fresh, actor, at)
            .await
            .map_err(unknown_codes)?;
        D::upsert_values(w.conn(), writes, &stored, actor, at)
            .await
            .map_err(unknown_codes)?;
        if let Some(src) = source {
            record_upload(&mut w, src, actor, changed, head).await?;
        }
        let (changes, entries, chain) = match linking.await {
            Ok(linked) => linked,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => return Err(StoreError::Invalid(format!("审计记录未能生成:{e}"))),
        };
        w.commit_linked(entries, chain).await?;
        Ok(WriteOutcome {
            changes,
            unchanged: plan.unchanged,
        })
    }

    async fn write_computed(&self, writes: &[CheckedWrite], actor: &str) -> Result<ComputedWrite> {
        validate_writes(writes, actor)?;
        let mut w = Write::begin(self, actor).await?;
        let found = existing(&mut w, writes.iter().map(|w| w.key())).await?;
        let at = w.at;
        let plan = plan_computed(writes, found, actor, at);
        let (mut fresh, mut stored) = (Vec::new(), Vec::new());
        for (&i, c) in plan.changed.iter().zip(&plan.out.changes) {
            match c.old {
                None => fresh.push(i),
                Some(_) => stored.push(i),
            }
        }
        D::insert_values(w.conn(), writes, &fresh, actor, at)
            .await
            .map_err(unknown_codes)?;
        D::upsert_values(w.conn(), writes, &stored, actor, at)
            .await
            .map_err(unknown_codes)?;
        // Written as drafts by the dialect's statements, approved in the same transaction.
        let keys: Vec<ValueKey> = plan
            .changed
            .iter()
            .map(|&i| writes[i].key().clone())
            .collect();
        for chunk in keys.chunks(CHUNK) {
            Sql::of(D::set_state(chunk, ValueState::Approved)?)
                .execute(&mut w)
                .await?;
        }
        let rows = plan
            .out
            .changes
            .iter()
            .map(|c| value_audit("value.compute", c, None))
            .collect();
        w.commit(rows).await?;
        Ok(plan.out)
    }

    async fn quarantine_values(
        &self,
        keys: &[ValueKey],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<ValueChange>> {
        validate_keys(keys, actor)?;
        check_text("原因", reason)?;
        let mut w = Write::begin(self, actor).await?;
        let found = existing(&mut w, keys.iter()).await?;
        let changes = plan_quarantine(keys, found)?;
        for c in &changes {
            let Some(o) = &c.old else { continue };
            sql(
                "INSERT INTO quarantine (indicator, place, period, component, value, state, \
                 reporter, reported_at, comment, reason, moved_at, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                 ON CONFLICT (indicator, place, period, component) DO UPDATE SET \
                 value = excluded.value, state = excluded.state, reporter = excluded.reporter, \
                 reported_at = excluded.reported_at, comment = excluded.comment, \
                 reason = excluded.reason, moved_at = excluded.moved_at, source = excluded.source",
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
            .bind(w.at)
            .bind(Some(o.source.clone()).filter(|s| !s.is_empty()))
            .execute(&mut w)
            .await?;
            sql(
                "DELETE FROM observations WHERE indicator = $1 AND place = $2 AND period = $3 \
                 AND component = $4",
            )
            .bind(&o.key.indicator)
            .bind(&o.key.place)
            .bind(o.key.period.to_string())
            .bind(o.key.component.as_str())
            .execute(&mut w)
            .await?;
        }
        let rows = changes
            .iter()
            .map(|c| value_audit("value.quarantine", c, Some(reason.to_string())))
            .collect();
        w.commit(rows).await?;
        Ok(changes)
    }

    async fn quarantined(&self) -> Result<u64> {
        let n: i64 = sql::<D>("SELECT COUNT(*) FROM quarantine")
            .fetch_one(&mut self.pool.acquire().await?)
            .await?
            .col(0)?;
        Ok(n as u64)
    }

    async fn delete_values(
        &self,
        keys: &[ValueKey],
        actor: &str,
        reason: &str,
    ) -> Result<Vec<ValueChange>> {
        validate_keys(keys, actor)?;
        check_text("原因", reason)?;
        let mut w = Write::begin(self, actor).await?;
        let found = existing(&mut w, keys.iter()).await?;
        let changes = plan_delete(keys, found)?;
        for chunk in keys.chunks(CHUNK) {
            Sql::of(D::delete_keys(chunk)?).execute(&mut w).await?;
        }
        let reason = (!reason.trim().is_empty()).then(|| reason.to_string());
        let rows = changes
            .iter()
            .map(|c| value_audit("value.delete", c, reason.clone()))
            .collect();
        w.commit(rows).await?;
        Ok(changes)
    }

    async fn transition(
        &self,
        keys: &[ValueKey],
        transition: &Transition,
        actor: &str,
    ) -> Result<Vec<ValueChange>> {
        validate_keys(keys, actor)?;
        let (action, reason) = transition_action(transition);
        check_text("原因", reason.as_deref().unwrap_or_default())?;
        let mut w = Write::begin(self, actor).await?;
        let found = existing(&mut w, keys.iter()).await?;
        let changes = plan_transition(keys, found, transition, actor)?;
        let Some(state) = changes
            .first()
            .and_then(|c| c.new.as_ref())
            .map(|o| o.state)
        else {
            return Ok(changes);
        };
        for chunk in keys.chunks(CHUNK) {
            Sql::of(D::set_state(chunk, state)?).execute(&mut w).await?;
        }
        let rows = changes
            .iter()
            .map(|c| value_audit(action, c, reason.clone()))
            .collect();
        w.commit(rows).await?;
        Ok(changes)
    }

    async fn values_page(&self, after: Option<&ValueKey>, n: usize) -> Result<Vec<Observation>> {
        const ORDER: &str = "ORDER BY o.indicator, o.place, o.period, o.component";
        let page = match after {
            None => sql_built(format!(
                "SELECT {OBS_COLUMNS} FROM observations AS o {ORDER} LIMIT $1"
            )),
            Some(k) => sql_built(format!(
                "SELECT {OBS_COLUMNS} FROM observations AS o \
                 WHERE (o.indicator, o.place, o.period, o.component) > ($1, $2, $3, $4) \
                 {ORDER} LIMIT $5"
            ))
            .bind(&k.indicator)
            .bind(&k.place)
            .bind(k.period.to_string())
            .bind(k.component.as_str()),
        };
        let rows = page
            .bind(limit(n))
            .fetch_all(&mut self.pool.acquire().await?)
            .await?;
        rows.iter().map(|r| obs_from_row(r, 0)).collect()
    }

    async fn get_values(&self, filter: &ValueFilter) -> Result<Vec<Observation>> {
        let after = filter.after.as_ref();
        let rows = sql_built(format!(
            "SELECT {OBS_COLUMNS} FROM observations AS o \
             WHERE (CAST($1 AS TEXT) IS NULL OR o.indicator = $1) \
             AND (CAST($2 AS TEXT) IS NULL OR o.place = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR o.period = $3) \
             AND (CAST($4 AS TEXT) IS NULL OR o.state = $4) \
             AND (CAST($5 AS TEXT) IS NULL \
             OR (o.indicator, o.place, o.period, o.component) > ($5, $6, $7, $8)) \
             ORDER BY o.indicator, o.place, o.period, o.component LIMIT $9"
        ))
        .bind(&filter.indicator)
        .bind(&filter.place)
        .bind(filter.period.map(|p| p.to_string()))
        .bind(filter.state.map(|s| s.as_str()))
        .bind(after.map(|k| k.indicator.clone()))
        .bind(after.map(|k| k.place.clone()))
        .bind(after.map(|k| k.period.to_string()))
        .bind(after.map(|k| k.component.as_str()))
        .bind(filter.limit.map_or(i64::MAX, limit))
        .fetch_all(&mut self.pool.acquire().await?)
        .await?;
        rows.iter().map(|r| obs_from_row(r, 0)).collect()
    }

    async fn uploads(&self, sha256: Option<&str>) -> Result<Vec<UploadRecord>> {
        let rows = sql(
            "SELECT id, sha256, file_name, actor, at, rows, changed FROM uploads \
             WHERE (CAST($1 AS TEXT) IS NULL OR sha256 = $1) ORDER BY id DESC",
        )
        .bind(sha256.map(str::to_string))
        .fetch_all(&mut self.pool.acquire().await?)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(UploadRecord {
                    id: r.col(0)?,
                    sha256: r.col(1)?,
                    file_name: r.col(2)?,
                    actor: r.col(3)?,
                    at: r.col(4)?,
                    rows: r.col(5)?,
                    changed: r.col(6)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_changes_of_the_files_values_count() {
        let touched: HashSet<(String, String)> = [("T01".to_string(), "330902".to_string())].into();
        let at =
            |action: &str, i: Option<&str>, p: Option<&str>| may_change(action, i, p, &touched);
        assert!(at("value.write", Some("T01"), Some("330902")));
        assert!(at("value.delete", Some("T01"), Some("330902")));
        assert!(at("value.quarantine", Some("T01"), Some("330902")));
        assert!(
            !at("value.write", Some("T02"), Some("330902")),
            "another indicator"
        );
        assert!(
            !at("value.write", Some("T01"), Some("330903")),
            "another place"
        );
        for review in [
            "value.submit",
            "value.approve",
            "value.reject",
            "value.reopen",
        ] {
            assert!(
                !at(review, Some("T01"), Some("330902")),
                "{review} keeps the numbers"
            );
        }
        assert!(
            at("value.write", None, None),
            "a value row naming none counts"
        );
        assert!(at("plan.save", None, None));
        assert!(at("places.save", None, None));
        assert!(!at("order.raise", None, None));
        assert!(!at("reporters.save", None, None));
    }
}
