//! The audit trail: an append-only table whose rows are chained by SHA-256.
//!
//! Row `n` stores `prev_hash` (the hash of row `n − 1`, or 64 zeros for row 1) and
//! `hash = SHA-256(prev_hash ‖ "\n" ‖ canonical(row))`, where `canonical` is the JSON array
//! `[seq, at, actor, action, entity, place, indicator, period, old, new, reason]` (`at` as
//! `YYYY-MM-DDTHH:MM:SS.ffffff`, absent fields as `null`). A row with an `origin` (since
//! migration 0005: `cli:<os-user>@<host>` for the command line) has it as a twelfth element
//! of that array; a row without one (the web, where the signed-in user proved who they are,
//! and every row written before 0005) hashes exactly as before, so existing chains verify
//! unchanged. Setting or clearing the origin of a stored row breaks its hash. The last row's
//! seq and hash are also kept in `audit_head`, updated in the same transaction as every
//! append.
//!
//! [`Verifier`] recomputes the chain: an edited row fails its own hash, a deleted row leaves
//! a gap in `seq` and a `prev_hash` that no longer matches, and a deleted tail disagrees with
//! the head. Someone with full write access who rewrites the whole chain and the head
//! consistently is not detected — export or notarise the head regularly for that.
//!
//! [`Replayer`] proves the data as well as the chain: it replays the latest audited state of
//! every value and every management record and compares it with the tables. Since migration
//! 0005 a record's audit rows carry its whole stored state (unit, state, due, version,
//! creation and body, see `records::AuditedRecord`) in `old` and `new`; the time and actor of
//! the row are its `updated_at` and `updated_by`. A record last changed before 0005 has only
//! its body in `new`: its body, version (one audit row per version), creation and last
//! change are checked, its unit, state and due only from its next change on.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use youxiang_core::value::Observation;

use crate::pool::PoolTrail;
use crate::records::{AuditedRecord, Record};

/// The `prev_hash` of the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    /// `value.write`, `value.delete`, `value.submit`, `value.approve`, `value.reject`,
    /// `value.reopen`, `plan.save`, `places.save`, `reporters.save`.
    pub action: String,
    /// What changed: a value key `T01@330902@2024`, a plan code, `places`, `reporters`.
    pub entity: String,
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    /// The state before, as JSON text.
    pub old: Option<String>,
    /// The state after, as JSON text.
    pub new: Option<String>,
    pub reason: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// Where the action came from: `cli:<os-user>@<host>` for the command line; `None` for
    /// the web (the signed-in user) and for rows written before origins were recorded.
    #[serde(default)]
    pub origin: Option<String>,
}

/// Which audit rows [`crate::AuditStore::audit_query`] returns; `None` fields do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditFilter {
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Rows about this entity only (`facility:SS000001`).
    pub entity: Option<String>,
    /// Rows at or after this time (UTC).
    pub since: Option<NaiveDateTime>,
    /// Rows before this time (UTC).
    pub until: Option<NaiveDateTime>,
    /// At most this many rows (newest first); `None` = 1,000.
    pub limit: Option<usize>,
}

/// The outcome of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AuditReport {
    /// Rows read.
    pub rows: u64,
    pub ok: bool,
    /// Every problem found, one line each.
    pub problems: Vec<String>,
    /// The stored head (last seq and hash), to export or notarise.
    pub head_seq: i64,
    pub head_hash: String,
}

/// The timestamp as it enters the hash (microseconds, no zone: always UTC).
pub fn canonical_time(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The hash of a row given its fields and the previous row's hash: SHA-256 of the previous
/// hash, a newline and the row's canonical JSON array (see [`canonical_json`]).
pub fn row_hash(prev_hash: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical_json(e));
    hex(&h.finalize())
}

/// The row's fields as one compact JSON array — seq, time, actor, action, entity, place,
/// indicator, period, old, new, reason, and the origin only when there is one (rows without
/// keep the hash they always had) — written straight from the fields (the same bytes as
/// building a `serde_json::Value` first, without its allocations: a million-row upload
/// hashes a million of them).
fn canonical_json(e: &AuditEntry) -> Vec<u8> {
    let time = canonical_time(&e.at);
    let f = (
        e.seq,
        &time,
        &e.actor,
        &e.action,
        &e.entity,
        &e.place,
        &e.indicator,
        &e.period,
        &e.old,
        &e.new,
        &e.reason,
    );
    let mut out = Vec::with_capacity(256);
    // Numbers, texts and nulls only: writing them into memory cannot fail.
    let _ = match &e.origin {
        None => serde_json::to_writer(&mut out, &f),
        Some(origin) => serde_json::to_writer(
            &mut out,
            &(
                f.0, f.1, f.2, f.3, f.4, f.5, f.6, f.7, f.8, f.9, f.10, origin,
            ),
        ),
    };
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// A row to append, before it has a place in the chain.
#[derive(Debug, Clone)]
pub(crate) struct NewAudit {
    pub action: &'static str,
    pub entity: String,
    pub place: Option<String>,
    pub indicator: Option<String>,
    pub period: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
    pub reason: Option<String>,
}

/// Links new rows onto the chain, chunk by chunk (so a million rows need not be held at once).
#[derive(Debug, Clone)]
pub(crate) struct Appender {
    pub seq: i64,
    pub hash: String,
    at: NaiveDateTime,
    actor: String,
    origin: Option<String>,
}

impl Appender {
    /// Starts after the head (`seq`, `hash`).
    pub fn new(seq: i64, hash: String, at: NaiveDateTime, actor: &str) -> Appender {
        Appender {
            seq,
            hash,
            at,
            actor: actor.to_string(),
            origin: None,
        }
    }

    /// Marks every row this appender links with `origin` (see [`AuditEntry::origin`]).
    pub fn origin(mut self, origin: Option<String>) -> Appender {
        self.origin = origin;
        self
    }

    pub fn link(&mut self, rows: impl IntoIterator<Item = NewAudit>) -> Vec<AuditEntry> {
        let rows = rows.into_iter();
        let mut out = Vec::with_capacity(rows.size_hint().0);
        for r in rows {
            self.seq += 1;
            let mut e = AuditEntry {
                seq: self.seq,
                at: self.at,
                actor: self.actor.clone(),
                action: r.action.to_string(),
                entity: r.entity,
                place: r.place,
                indicator: r.indicator,
                period: r.period,
                old: r.old,
                new: r.new,
                reason: r.reason,
                prev_hash: std::mem::take(&mut self.hash),
                hash: String::new(),
                origin: self.origin.clone(),
            };
            e.hash = row_hash(&e.prev_hash, &e);
            self.hash = e.hash.clone();
            out.push(e);
        }
        out
    }
}

/// Recomputes the chain row by row (fed in seq order, page by page).
#[derive(Debug, Default)]
pub(crate) struct Verifier {
    rows: u64,
    last_seq: i64,
    last_hash: Option<String>,
    problems: Vec<String>,
}

const MAX_PROBLEMS: usize = 1000;

impl Verifier {
    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else if self.problems.len() == MAX_PROBLEMS {
            self.problems.push("……问题过多,其余从略".into());
        }
    }

    pub fn feed(&mut self, e: &AuditEntry) {
        self.rows += 1;
        let expected_seq = self.last_seq + 1;
        if e.seq != expected_seq {
            if e.seq > expected_seq {
                self.problem(format!(
                    "审计记录缺失:序号 {}–{} 不存在(已被删除)",
                    expected_seq,
                    e.seq - 1
                ));
            } else {
                self.problem(format!("审计记录序号 {} 乱序或重复", e.seq));
            }
        }
        let expected_prev = self.last_hash.as_deref().unwrap_or(GENESIS);
        let gap_at_start = self.last_hash.is_none() && e.seq != 1;
        if e.prev_hash != expected_prev && !gap_at_start {
            self.problem(format!(
                "审计记录 {} 的前序哈希与上一条记录不符(链条断裂:其前的记录被删除或改写)",
                e.seq
            ));
        }
        let recomputed = row_hash(&e.prev_hash, e);
        if recomputed != e.hash {
            self.problem(format!(
                "审计记录 {} 的哈希不符(该记录被改动:{} {} {})",
                e.seq, e.action, e.entity, e.actor
            ));
        }
        self.last_seq = e.seq;
        self.last_hash = Some(e.hash.clone());
    }

    /// Compares the end of the chain with the stored head (`None` when the head row is gone).
    pub fn finish(mut self, head: Option<(i64, String)>) -> AuditReport {
        let (head_seq, head_hash) = match head {
            Some(h) => h,
            None => {
                self.problem("审计链头(audit_head)缺失".into());
                (0, GENESIS.to_string())
            }
        };
        let last_hash = self
            .last_hash
            .clone()
            .unwrap_or_else(|| GENESIS.to_string());
        if head_seq > self.last_seq {
            self.problem(format!(
                "审计记录缺失:链头记录到序号 {head_seq},表中只到 {}(末尾记录被删除)",
                self.last_seq
            ));
        } else if head_seq < self.last_seq {
            self.problem(format!(
                "审计链头停在序号 {head_seq},表中却有到 {} 的记录(记录绕过应用写入)",
                self.last_seq
            ));
        } else if head_hash != last_hash {
            self.problem(format!("审计链头哈希与最后一条记录(序号 {head_seq})不符"));
        }
        AuditReport {
            rows: self.rows,
            ok: self.problems.is_empty(),
            problems: self.problems,
            head_seq,
            head_hash,
        }
    }
}

/// Replays the audited state of every value (the `new` of its latest `value.*` row) and of
/// every management record (the `new` of its latest record row) so that `audit verify` can
/// compare it with what the tables hold: a row changed, added or removed around the
/// application is found even when the chain itself is intact.
#[derive(Debug, Default)]
pub(crate) struct Replayer {
    latest: std::collections::HashMap<String, Option<Observation>>,
    records: std::collections::HashMap<String, RecordTrail>,
    /// The survey answers' pool: pending answers and released batches (`pool.rs`).
    pool: PoolTrail,
    problems: Vec<String>,
}

/// What the audit says of one record: its first and latest rows.
#[derive(Debug)]
struct RecordTrail {
    /// Audit rows of the record: one per version.
    rows: i64,
    created_at: NaiveDateTime,
    created_by: String,
    updated_at: NaiveDateTime,
    updated_by: String,
    /// The latest row's state: whole (since 0005) or the body alone (earlier rows); `None`
    /// when it could not be read (reported already).
    latest: Option<Audited>,
}

#[derive(Debug)]
enum Audited {
    Whole(AuditedRecord),
    Body(serde_json::Value),
}

/// The audit actions the store itself appends; every other row naming an entity `kind:id`
/// without place, indicator and period is a record's (`order.assign`, `work.save`, …).
const STORE_ACTIONS: [&str; 6] = ["value", "plan", "places", "reporters", "user", "attachment"];

fn is_record_row(e: &AuditEntry) -> bool {
    let family = e.action.split('.').next().unwrap_or_default();
    e.place.is_none()
        && e.indicator.is_none()
        && e.period.is_none()
        && e.entity.contains(':')
        && !STORE_ACTIONS.contains(&family)
}

impl Replayer {
    pub fn feed(&mut self, e: &AuditEntry) {
        if PoolTrail::is_pool_row(&e.action) {
            self.pool
                .feed(e.seq, &e.action, &e.entity, e.new.as_deref());
            return;
        }
        if is_record_row(e) {
            self.feed_record(e);
            return;
        }
        if !e.action.starts_with("value.") {
            return;
        }
        let new = match e.new.as_deref() {
            None => None,
            Some(text) => match serde_json::from_str::<Observation>(text) {
                Ok(o) => Some(o),
                Err(err) => {
                    self.problems
                        .push(format!("审计记录 {} 的数据无法读取:{err}", e.seq));
                    return;
                }
            },
        };
        self.latest.insert(e.entity.clone(), new);
    }

    fn feed_record(&mut self, e: &AuditEntry) {
        let Some(text) = e.new.as_deref() else {
            return;
        };
        let latest = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) if v.get("$record").is_some() => {
                match serde_json::from_value::<AuditedRecord>(v) {
                    Ok(r) => Some(Audited::Whole(r)),
                    Err(err) => {
                        self.problems
                            .push(format!("审计记录 {} 的记录内容无法读取:{err}", e.seq));
                        None
                    }
                }
            }
            Ok(body) => Some(Audited::Body(body)),
            Err(err) => {
                self.problems
                    .push(format!("审计记录 {} 的记录内容无法读取:{err}", e.seq));
                None
            }
        };
        let trail = self
            .records
            .entry(e.entity.clone())
            .or_insert_with(|| RecordTrail {
                rows: 0,
                created_at: e.at,
                created_by: e.actor.clone(),
                updated_at: e.at,
                updated_by: e.actor.clone(),
                latest: None,
            });
        trail.rows += 1;
        trail.updated_at = e.at;
        trail.updated_by = e.actor.clone();
        trail.latest = latest;
    }

    /// Every stored value and record that differs from its audited state, and every audited
    /// one that is missing from its table; at most `MAX_PROBLEMS` lines.
    pub fn finish(
        mut self,
        stored: impl IntoIterator<Item = Observation>,
        records: impl IntoIterator<Item = Record>,
    ) -> Vec<String> {
        let mut problems = std::mem::take(&mut self.problems);
        let mut pool = std::mem::take(&mut self.pool);
        let mut push = |p: String| {
            if problems.len() < MAX_PROBLEMS {
                problems.push(p);
            }
        };
        for r in records {
            // A pending survey answer, or one a batch released: the pool's to check.
            let Some(r) = pool.take(r) else {
                continue;
            };
            let entity = format!("{}:{}", r.kind, r.id);
            match self.records.remove(&entity) {
                None => push(format!(
                    "记录 {entity} 在审计记录中没有对应的写入(被绕过应用写入)"
                )),
                Some(RecordTrail { latest: None, .. }) => {}
                Some(trail) => {
                    let differences = record_differences(&trail, &r);
                    if !differences.is_empty() {
                        push(format!(
                            "记录 {entity} 与审计记录不符({}):被绕过应用改动",
                            differences.join(";")
                        ));
                    }
                }
            }
        }
        let mut gone: Vec<String> = self.records.into_keys().collect();
        gone.sort();
        for entity in gone {
            push(format!(
                "记录 {entity} 有审计写入记录,但表中不存在(被绕过应用删除)"
            ));
        }
        for o in stored {
            let entity = o.key.to_string();
            match self.latest.remove(&entity) {
                Some(Some(audited)) if same(&audited, &o) => {}
                Some(Some(audited)) => push(format!(
                    "数据 {entity} 与审计记录不符(表中 {} {},审计 {} {}):被绕过应用改动",
                    o.value,
                    o.state.as_str(),
                    audited.value,
                    audited.state.as_str()
                )),
                Some(None) | None => push(format!(
                    "数据 {entity} 在审计记录中没有对应的写入(被绕过应用写入)"
                )),
            }
        }
        let mut missing: Vec<String> = self
            .latest
            .into_iter()
            .filter_map(|(entity, o)| o.map(|_| entity))
            .collect();
        missing.sort();
        for entity in missing {
            push(format!(
                "数据 {entity} 有审计写入记录,但表中不存在(被绕过应用删除)"
            ));
        }
        for p in pool.finish() {
            push(p);
        }
        problems
    }
}

/// How a stored record differs from its audited state, one phrase a field.
fn record_differences(trail: &RecordTrail, r: &Record) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = |name: &str, stored: String, audited: String| {
        if stored != audited {
            out.push(format!("{name}:表中“{stored}”,审计“{audited}”"));
        }
    };
    let date = |d: &Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let (version, created_at, created_by, body) = match &trail.latest {
        Some(Audited::Whole(a)) => {
            field("单位", r.unit.clone(), a.unit.clone());
            field("状态", r.state.clone(), a.state.clone());
            field("期限", date(&r.due), date(&a.due));
            (a.version, a.created_at, a.created_by.clone(), &a.body)
        }
        Some(Audited::Body(body)) => (trail.rows, trail.created_at, trail.created_by.clone(), body),
        None => return out,
    };
    field("版本", r.version.to_string(), version.to_string());
    field(
        "创建时间",
        canonical_time(&r.created_at),
        canonical_time(&created_at),
    );
    field("创建人", r.created_by.clone(), created_by);
    field(
        "修改时间",
        canonical_time(&r.updated_at),
        canonical_time(&trail.updated_at),
    );
    field("修改人", r.updated_by.clone(), trail.updated_by.clone());
    if r.body != *body {
        let keys: Vec<&str> = match (r.body.as_object(), body.as_object()) {
            (Some(a), Some(b)) => {
                let mut keys: Vec<&str> = a
                    .keys()
                    .chain(b.keys())
                    .map(String::as_str)
                    .filter(|k| a.get(*k) != b.get(*k))
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                keys
            }
            _ => Vec::new(),
        };
        if keys.is_empty() {
            out.push("内容不同".to_string());
        } else {
            out.push(format!("内容不同:字段 {}", keys.join("、")));
        }
    }
    out
}

fn same(a: &Observation, b: &Observation) -> bool {
    a.key == b.key
        && a.value.to_bits() == b.value.to_bits()
        && a.state == b.state
        && a.reporter == b.reporter
        && a.reported_at == b.reported_at
        && a.comment == b.comment
        && a.source == b.source
}

impl AuditReport {
    /// Adds the replay's problems.
    pub(crate) fn with_replay(mut self, problems: Vec<String>) -> AuditReport {
        if !problems.is_empty() {
            self.ok = false;
            self.problems.extend(problems);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<AuditEntry> {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 123_456_000)
            .map(|d| d.naive_utc())
            .unwrap_or_default();
        let rows: Vec<NewAudit> = (0..n)
            .map(|i| NewAudit {
                action: "value.write",
                entity: format!("T01@p{i}@2024"),
                place: Some(format!("p{i}")),
                indicator: Some("T01".into()),
                period: Some("2024".into()),
                old: None,
                new: Some(format!("{{\"value\":{i}}}")),
                reason: None,
            })
            .collect();
        Appender::new(0, GENESIS.into(), at, "张三").link(rows)
    }

    /// The canonical form as it was first written (a `serde_json::Value` array): the
    /// bytes every stored hash was computed from.
    fn canonical_as_first_written(e: &AuditEntry) -> Vec<u8> {
        let mut v = serde_json::json!([
            e.seq,
            canonical_time(&e.at),
            e.actor,
            e.action,
            e.entity,
            e.place,
            e.indicator,
            e.period,
            e.old,
            e.new,
            e.reason,
        ]);
        if let (Some(origin), Some(fields)) = (&e.origin, v.as_array_mut()) {
            fields.push(serde_json::Value::String(origin.clone()));
        }
        v.to_string().into_bytes()
    }

    #[test]
    fn the_canonical_form_is_byte_for_byte_the_first_one() {
        let mut rows = entries(3);
        rows[1].origin = Some("cli:张三@主机 \"引号\" \\ \n".into());
        rows[2].reason = Some("原因\t\u{1}".into());
        rows[2].old = Some("{\"value\":-1e-300}".into());
        for e in &rows {
            assert_eq!(canonical_json(e), canonical_as_first_written(e));
        }
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    fn verify(rows: &[AuditEntry], head: Option<(i64, String)>) -> AuditReport {
        let mut v = Verifier::default();
        rows.iter().for_each(|e| v.feed(e));
        v.finish(head)
    }

    #[test]
    fn intact_chain_verifies_and_every_tampering_is_found() {
        let rows = entries(5);
        let head = Some((5, rows[4].hash.clone()));
        assert!(verify(&rows, head.clone()).ok);

        let mut edited = rows.clone();
        edited[2].new = Some("{\"value\":99}".into());
        let r = verify(&edited, head.clone());
        assert!(
            !r.ok && r.problems[0].contains("记录 3 的哈希不符"),
            "{r:?}"
        );

        let mut middle = rows.clone();
        middle.remove(2);
        let r = verify(&middle, head.clone());
        assert!(r.problems.iter().any(|p| p.contains("序号 3–3")), "{r:?}");

        let tail = &rows[..4];
        let r = verify(tail, head.clone());
        assert!(r.problems.iter().any(|p| p.contains("末尾")), "{r:?}");

        let r = verify(&rows, None);
        assert!(!r.ok);
        assert!(verify(&[], Some((0, GENESIS.into()))).ok);
    }

    #[test]
    fn the_origin_is_hashed_only_when_there_is_one() {
        let rows = entries(2);
        // A row without an origin hashes as every row did before origins existed.
        let e = &rows[0];
        let legacy = String::from_utf8(canonical_as_first_written(e)).expect("UTF-8");
        let mut h = Sha256::new();
        h.update(format!("{GENESIS}\n{legacy}").as_bytes());
        assert_eq!(e.hash, hex(&h.finalize()));

        let at = rows[0].at;
        let row = || NewAudit {
            action: "order.raise",
            entity: "order:DB-1".into(),
            place: None,
            indicator: None,
            period: None,
            old: None,
            new: Some("{}".into()),
            reason: None,
        };
        let with = Appender::new(0, GENESIS.into(), at, "admin")
            .origin(Some("cli:root@host".into()))
            .link([row()]);
        let without = Appender::new(0, GENESIS.into(), at, "admin").link([row()]);
        assert_eq!(with[0].origin.as_deref(), Some("cli:root@host"));
        assert_ne!(with[0].hash, without[0].hash);
        let head = Some((1, with[0].hash.clone()));
        assert!(verify(&with, head.clone()).ok);
        let mut cleared = with.clone();
        cleared[0].origin = None;
        assert!(
            !verify(&cleared, head.clone()).ok,
            "clearing the origin breaks the hash"
        );
        let mut changed = with;
        changed[0].origin = Some("cli:someone@else".into());
        assert!(
            !verify(&changed, head).ok,
            "changing the origin breaks the hash"
        );
        let mut added = without.clone();
        added[0].origin = Some("cli:root@host".into());
        assert!(
            !verify(&added, Some((1, without[0].hash.clone()))).ok,
            "adding an origin breaks the hash"
        );
    }
}
