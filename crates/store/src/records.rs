//! Management records: the documents of the management loop (work items, weekly plans,
//! supervision orders, inbox notices, lag notes, published rankings). Each is a JSON body
//! under `(kind, id)` with a few indexed columns (`unit`, `state`, `due`) and a version for
//! optimistic concurrency; every change is audited with the old and new state (since
//! migration 0005 the whole stored state, [`AuditedRecord`]; before, the body alone), so that
//! `audit verify` can replay every record against the table. The shape of a body belongs to
//! the domain (`youxiang_core::manage`); the store only keeps it whole.
//!
//! Attachments (evidence files of progress updates) are content-addressed by SHA-256.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::audit::NewAudit;

/// One stored record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub kind: String,
    pub id: String,
    /// The unit (or, for notices, the login) the record belongs to.
    pub unit: String,
    pub state: String,
    pub due: Option<NaiveDate>,
    pub body: serde_json::Value,
    /// 1 for a new record; +1 at every change.
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

impl Record {
    /// The body as the domain type it was written from.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, StoreError> {
        serde_json::from_value(self.body.clone()).map_err(|e| {
            StoreError::Corrupt(format!("记录 {}:{} 无法读取:{e}", self.kind, self.id))
        })
    }
}

/// A record to insert or change.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordWrite {
    pub kind: String,
    pub id: String,
    pub unit: String,
    pub state: String,
    pub due: Option<NaiveDate>,
    pub body: serde_json::Value,
    /// `None`: the record must not exist yet. `Some(v)`: it must be stored at version `v`
    /// (someone else's change in between is a [`StoreError::Conflict`]).
    pub expected_version: Option<i64>,
    /// The audit action, e.g. `order.assign`.
    pub action: &'static str,
    /// A reason or note kept in the audit row.
    pub note: Option<String>,
}

impl RecordWrite {
    /// A write of `body` (any serialisable domain value).
    pub fn of<T: Serialize>(
        kind: &str,
        id: &str,
        body: &T,
        expected_version: Option<i64>,
        action: &'static str,
    ) -> Result<RecordWrite, StoreError> {
        Ok(RecordWrite {
            kind: kind.to_string(),
            id: id.to_string(),
            unit: String::new(),
            state: String::new(),
            due: None,
            body: serde_json::to_value(body).map_err(|e| StoreError::Invalid(e.to_string()))?,
            expected_version,
            action,
            note: None,
        })
    }

    pub fn unit(mut self, unit: &str) -> Self {
        self.unit = unit.to_string();
        self
    }

    pub fn state(mut self, state: &str) -> Self {
        self.state = state.to_string();
        self
    }

    pub fn due(mut self, due: Option<NaiveDate>) -> Self {
        self.due = due;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// Which records [`crate::RecordStore::list_records`] returns; `None` fields do not filter.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RecordFilter {
    pub kind: String,
    pub unit: Option<String>,
    pub state: Option<String>,
    /// Only records due on or before this date.
    pub due_by: Option<NaiveDate>,
    /// Only ids starting with this text.
    pub id_prefix: Option<String>,
}

impl RecordFilter {
    pub fn kind(kind: &str) -> RecordFilter {
        RecordFilter {
            kind: kind.to_string(),
            ..RecordFilter::default()
        }
    }
}

/// A stored attachment, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    /// Hex SHA-256 of the bytes; also the attachment's id.
    pub sha256: String,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: NaiveDateTime,
}

/// Largest attachment kept, in bytes.
pub const MAX_ATTACHMENT: usize = 20 * 1024 * 1024;

pub(crate) fn validate_record_writes(writes: &[RecordWrite]) -> Result<(), StoreError> {
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for (i, w) in writes.iter().enumerate() {
        if w.kind.trim().is_empty() || w.id.trim().is_empty() {
            problems.push(format!("第 {} 条:类别和编号不能为空", i + 1));
        }
        if !seen.insert((w.kind.as_str(), w.id.as_str())) {
            problems.push(format!("第 {} 条:{}:{} 在本批中重复", i + 1, w.kind, w.id));
        }
        if w.note.as_deref().is_some_and(|n| n.contains('\0')) {
            problems.push(format!(
                "第 {} 条:备注含有空字符(U+0000),数据库不能保存",
                i + 1
            ));
        }
        if w.expected_version.is_some_and(|v| v < 1) {
            problems.push(format!("第 {} 条:版本号应从 1 起", i + 1));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems.join(";")))
    }
}

/// Checks a write against what is stored (`stored`: its version), before it happens.
pub(crate) fn check_version(w: &RecordWrite, stored: Option<i64>) -> Result<i64, StoreError> {
    match (w.expected_version, stored) {
        (None, None) => Ok(1),
        (None, Some(_)) => Err(StoreError::Conflict(format!(
            "{}:{} 已存在(本批均未写入)",
            w.kind, w.id
        ))),
        (Some(_), None) => Err(StoreError::NotFound(format!("{}:{}", w.kind, w.id))),
        (Some(want), Some(have)) if want == have => Ok(have + 1),
        (Some(want), Some(have)) => Err(StoreError::Conflict(format!(
            "{}:{} 已被他人修改(读取时为第 {want} 版,现为第 {have} 版),请刷新后重试(本批均未写入)",
            w.kind, w.id
        ))),
    }
}

/// The format number of [`AuditedRecord`].
pub(crate) const RECORD_FORMAT: u32 = 1;

/// A record's whole stored state as its audit rows carry it in `old` and `new` since
/// migration 0005: everything but its kind and id (the row's entity `kind:id`) and its last
/// change (the row's time and actor are `updated_at` and `updated_by`). The key `$record`
/// (the format, 1) tells it from the bare body that earlier rows carry; no domain body has
/// such a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditedRecord {
    #[serde(rename = "$record")]
    pub format: u32,
    pub unit: String,
    pub state: String,
    pub due: Option<NaiveDate>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    pub body: serde_json::Value,
}

impl AuditedRecord {
    pub(crate) fn of(r: &Record) -> AuditedRecord {
        AuditedRecord {
            format: RECORD_FORMAT,
            unit: r.unit.clone(),
            state: r.state.clone(),
            due: r.due,
            version: r.version,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
            body: r.body.clone(),
        }
    }

    fn json(r: &Record) -> Option<String> {
        serde_json::to_string(&AuditedRecord::of(r)).ok()
    }
}

/// The audit row of a record write: the stored state before (`None` for a new record) and
/// after, whole.
pub(crate) fn record_audit(w: &RecordWrite, old: Option<&Record>, new: &Record) -> NewAudit {
    NewAudit {
        action: w.action,
        entity: format!("{}:{}", w.kind, w.id),
        place: None,
        indicator: None,
        period: None,
        old: old.and_then(AuditedRecord::json),
        new: AuditedRecord::json(new),
        reason: w.note.clone(),
    }
}

pub(crate) fn parse_body(
    kind: &str,
    id: &str,
    text: &str,
) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("记录 {kind}:{id} 的内容不是 JSON:{e}")))
}

pub(crate) fn attachment_sha(bytes: &[u8]) -> String {
    crate::audit::hex(&Sha256::digest(bytes))
}

pub(crate) fn validate_attachment(name: &str, bytes: &[u8]) -> Result<(), StoreError> {
    if name.trim().is_empty() || name.len() > 255 || name.contains(['/', '\\', '\0']) {
        return Err(StoreError::Invalid(format!(
            "附件名“{name}”无效:不能为空、不能含路径分隔符,最长 255 字节"
        )));
    }
    if bytes.len() > MAX_ATTACHMENT {
        return Err(StoreError::Invalid(format!(
            "附件“{name}”有 {} 字节,超过上限 {MAX_ATTACHMENT} 字节",
            bytes.len()
        )));
    }
    Ok(())
}

pub(crate) fn attachment_audit(meta: &AttachmentMeta) -> NewAudit {
    crate::common::simple_audit(
        "attachment.upload",
        &format!("attachment:{}", meta.sha256),
        None,
        Some(serde_json::json!({"name": meta.name, "mime": meta.mime, "size": meta.size})),
    )
}
