//! The survey answers' pool (see `crate::pool`): an answer held back in the transaction of
//! the invitation's use, and the batches released from it.

use chrono::NaiveTime;

use super::records::write_records;
use super::{RECORD_COLUMNS, SqlStore, Write, record_from_row, sql, sql_built};
use crate::common::check_actor;
use crate::dialect::Dialect;
use crate::pool::*;
use crate::records::{Record, RecordWrite, validate_record_writes};
use crate::{Result, StoreError};

async fn insert<D: Dialect>(w: &mut Write<D>, r: &Record) -> Result<()> {
    sql(
        "INSERT INTO records (kind, id, unit, state, due, body, version, created_at, \
         created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
         $9, $10, $11)",
    )
    .bind(&r.kind)
    .bind(&r.id)
    .bind(&r.unit)
    .bind(&r.state)
    .bind(r.due)
    .bind(r.body.to_string())
    .bind(r.version)
    .bind(r.created_at)
    .bind(&r.created_by)
    .bind(r.updated_at)
    .bind(&r.updated_by)
    .execute(w)
    .await?;
    Ok(())
}

/// `writes`, the answer `pending` put in the pool, and the groups of `round` that
/// `release` names released: one transaction.
pub(super) async fn put_pooled<D: Dialect>(
    store: &SqlStore<D>,
    writes: &[RecordWrite],
    pending: Option<&PendingAnswer>,
    round: &str,
    release: Release,
    actor: &str,
) -> Result<Vec<ReleasedBatch>> {
    check_actor(actor)?;
    validate_record_writes(writes)?;
    if round.trim().is_empty() || pending.is_some_and(|p| p.round != round) {
        return Err(StoreError::Invalid("待汇总答卷的调查轮次不符".into()));
    }
    let mut w = Write::begin(store, actor).await?;
    let at = w.at;
    let mut audits = Vec::new();
    let mut written = Vec::new();
    write_records(&mut w, writes, actor, &mut audits, &mut written).await?;
    if let Some(p) = pending {
        // The day only: the pool keeps no time that orders an answer next to its
        // invitation's use.
        let day = at.date().and_time(NaiveTime::MIN);
        let body = PendingBody {
            round: round.to_string(),
            by: actor.to_string(),
            nonce: random_hex(16)?,
            answer: p.body.clone(),
        };
        let record = Record {
            kind: PENDING_KIND.to_string(),
            id: format!("{round}/{}", random_hex(16)?),
            unit: p.stratum.clone(),
            state: p.mode.clone(),
            due: None,
            body: serde_json::to_value(&body).map_err(|e| StoreError::Invalid(e.to_string()))?,
            version: 1,
            created_at: day,
            created_by: actor.to_string(),
            updated_at: day,
            updated_by: actor.to_string(),
        };
        insert(&mut w, &record).await?;
        audits.push(pending_audit(&record, round));
    }
    // Every writer holds the write lock (SQLite) or the audit head (PostgreSQL): the pool
    // read here cannot change before the commit, so no answer is released twice.
    let stored = sql_built(format!(
        "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 ORDER BY id{}",
        D::FOR_UPDATE
    ))
    .bind(PENDING_KIND)
    .fetch_all(&mut w)
    .await?
    .iter()
    .map(record_from_row)
    .collect::<Result<Vec<_>>>()?;
    let mut batches = Vec::new();
    for ((stratum, mode), group) in groups_to_release(stored, round, release)? {
        let mut consumed = Vec::with_capacity(group.len());
        let mut released = Vec::with_capacity(group.len());
        for (p, body) in group {
            sql("DELETE FROM records WHERE kind = $1 AND id = $2")
                .bind(PENDING_KIND)
                .bind(&p.id)
                .execute(&mut w)
                .await?;
            consumed.push(p.id);
            // A new random id for each: their order is a shuffle, unrelated to the order
            // the answers came in (or to the pending ids the audit names).
            released.push(Record {
                kind: RELEASED_KIND.to_string(),
                id: format!("{round}/{}", random_hex(8)?),
                unit: stratum.clone(),
                state: mode.clone(),
                due: None,
                body: body.answer,
                version: 1,
                created_at: at,
                created_by: body.by.clone(),
                updated_at: at,
                updated_by: body.by,
            });
        }
        released.sort_by(|a, b| a.id.cmp(&b.id));
        for r in &released {
            insert(&mut w, r).await?;
        }
        let id = format!("{round}/{}", random_hex(8)?);
        let audit = BatchAudit {
            round: round.to_string(),
            stratum: stratum.clone(),
            mode: mode.clone(),
            count: released.len(),
            pending: consumed,
            answers: released.iter().map(|r| r.id.clone()).collect(),
            sha256: batch_hash(&released),
        };
        audits.push(batch_audit(&id, &audit));
        batches.push(ReleasedBatch {
            id,
            round: round.to_string(),
            stratum,
            mode,
            count: released.len(),
        });
    }
    w.commit(audits).await?;
    Ok(batches)
}
