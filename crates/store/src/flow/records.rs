//! Management records (versioned JSON documents) and the files they refer to.

use async_trait::async_trait;

use super::{RECORD_COLUMNS, SqlStore, Write, record_from_row, sql, sql_built};
use crate::common::check_actor;
use crate::dialect::{Dialect, Get};
use crate::records::*;
use crate::{NewAttachment, RecordStore, Result};

/// Keeps a file unless the same bytes are kept already; whether it was new.
async fn keep_attachment<D: Dialect>(
    w: &mut Write<D>,
    meta: &AttachmentMeta,
    bytes: &[u8],
) -> Result<bool> {
    let kept = sql(
        "INSERT INTO attachments (sha256, name, mime, size, bytes, uploaded_by, \
         uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&meta.sha256)
    .bind(&meta.name)
    .bind(&meta.mime)
    .bind(meta.size)
    .bind(bytes)
    .bind(&meta.uploaded_by)
    .bind(meta.uploaded_at)
    .execute(w)
    .await?;
    Ok(kept == 1)
}

fn attachment_meta(
    name: &str,
    mime: &str,
    bytes: &[u8],
    actor: &str,
    w: &Write<impl Dialect>,
) -> AttachmentMeta {
    AttachmentMeta {
        sha256: attachment_sha(bytes),
        name: name.to_string(),
        mime: mime.to_string(),
        size: bytes.len() as i64,
        uploaded_by: actor.to_string(),
        uploaded_at: w.at,
    }
}

/// Inserts or changes `writes` in the write `w`, each checked against its stored version;
/// their audit rows and the records as written are pushed onto `audits` and `written`.
pub(super) async fn write_records<D: Dialect>(
    w: &mut Write<D>,
    writes: &[RecordWrite],
    actor: &str,
    audits: &mut Vec<crate::audit::NewAudit>,
    written: &mut Vec<Record>,
) -> Result<()> {
    let at = w.at;
    for rw in writes {
        let stored = sql_built(format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 AND id = $2{}",
            D::FOR_UPDATE
        ))
        .bind(&rw.kind)
        .bind(&rw.id)
        .fetch_optional(&mut *w)
        .await?
        .as_ref()
        .map(record_from_row)
        .transpose()?;
        let version = check_version(rw, stored.as_ref().map(|s| s.version))?;
        let (created_at, created_by) = match &stored {
            Some(s) => (s.created_at, s.created_by.clone()),
            None => (at, actor.to_string()),
        };
        sql(
            "INSERT INTO records (kind, id, unit, state, due, body, version, created_at, \
             created_by, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11) ON CONFLICT (kind, id) DO UPDATE SET unit = excluded.unit, \
             state = excluded.state, due = excluded.due, body = excluded.body, \
             version = excluded.version, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(&rw.kind)
        .bind(&rw.id)
        .bind(&rw.unit)
        .bind(&rw.state)
        .bind(rw.due)
        .bind(rw.body.to_string())
        .bind(version)
        .bind(created_at)
        .bind(&created_by)
        .bind(at)
        .bind(actor)
        .execute(&mut *w)
        .await?;
        let record = Record {
            kind: rw.kind.clone(),
            id: rw.id.clone(),
            unit: rw.unit.clone(),
            state: rw.state.clone(),
            due: rw.due,
            body: rw.body.clone(),
            version,
            created_at,
            created_by,
            updated_at: at,
            updated_by: actor.to_string(),
        };
        audits.push(record_audit(rw, stored.as_ref(), &record));
        written.push(record);
    }
    Ok(())
}

#[async_trait]
impl<D: Dialect> RecordStore for SqlStore<D> {
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
        // On PostgreSQL the audit head is locked for the transaction and each record read
        // `FOR UPDATE`: writers of records are serialised, so a version read here cannot
        // change before the commit (SQLite's write lock does the same).
        let mut w = Write::begin(self, actor).await?;
        let mut audits = Vec::with_capacity(writes.len());
        let mut written = Vec::with_capacity(writes.len());
        for f in files {
            let meta = attachment_meta(&f.name, &f.mime, &f.bytes, actor, &w);
            if keep_attachment(&mut w, &meta, &f.bytes).await? {
                audits.push(attachment_audit(&meta));
            }
        }
        write_records(&mut w, writes, actor, &mut audits, &mut written).await?;
        w.commit(audits).await?;
        Ok(written)
    }

    async fn put_pooled(
        &self,
        writes: &[RecordWrite],
        pending: Option<&crate::pool::PendingAnswer>,
        round: &str,
        release: crate::pool::Release,
        actor: &str,
    ) -> Result<Vec<crate::pool::ReleasedBatch>> {
        super::pool::put_pooled(self, writes, pending, round, release, actor).await
    }

    async fn get_record(&self, kind: &str, id: &str) -> Result<Option<Record>> {
        let row = sql_built(format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 AND id = $2"
        ))
        .bind(kind)
        .bind(id)
        .fetch_optional(&mut self.pool.acquire().await?)
        .await?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn list_records(&self, filter: &RecordFilter) -> Result<Vec<Record>> {
        let rows = sql_built(format!(
            "SELECT {RECORD_COLUMNS} FROM records WHERE kind = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR unit = $2) \
             AND (CAST($3 AS TEXT) IS NULL OR state = $3) \
             AND (CAST($4 AS DATE) IS NULL OR (due IS NOT NULL AND due <= $4)) \
             AND (CAST($5 AS TEXT) IS NULL OR substr(id, 1, length($5)) = $5) \
             ORDER BY id{}",
            D::BYTE_ORDER
        ))
        .bind(&filter.kind)
        .bind(&filter.unit)
        .bind(&filter.state)
        .bind(filter.due_by)
        .bind(&filter.id_prefix)
        .fetch_all(&mut self.pool.acquire().await?)
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
        if let Some((meta, _)) = self.get_attachment(&attachment_sha(bytes)).await? {
            return Ok(meta);
        }
        let mut w = Write::begin(self, actor).await?;
        let meta = attachment_meta(name, mime, bytes, actor, &w);
        keep_attachment(&mut w, &meta, bytes).await?;
        w.commit(vec![attachment_audit(&meta)]).await?;
        Ok(meta)
    }

    async fn get_attachment(&self, sha256: &str) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
        let row = sql(
            "SELECT sha256, name, mime, size, uploaded_by, uploaded_at, bytes \
             FROM attachments WHERE sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(&mut self.pool.acquire().await?)
        .await?;
        row.map(|r| {
            let meta = AttachmentMeta {
                sha256: r.col(0)?,
                name: r.col(1)?,
                mime: r.col(2)?,
                size: r.col(3)?,
                uploaded_by: r.col(4)?,
                uploaded_at: r.col(5)?,
            };
            Ok((meta, r.col(6)?))
        })
        .transpose()
    }
}
