//! The survey answers' pool (issue 17): an answer from the public page is held back, and
//! released into the answers only in batches, so that nothing stored — the answers' ids,
//! their order or times, the audit trail — pairs an answer with the invitation it came with.
//!
//! - A submission keeps the answer as a `survey_pending` record in the same transaction as
//!   the invitation's use (so one answer per invitation holds under any concurrency). Its
//!   audit row (`survey_pending.add`) carries only the round and a *commitment*: the
//!   SHA-256 of the pending record's whole stored state, which includes 16 random bytes
//!   (`nonce`) kept only in the pool. While the answer waits, `audit verify` recomputes
//!   the commitment from the pool; once it is released the nonce is gone, so nobody can
//!   recompute it from the released answer and find the row next to the invitation's.
//!   The pending record's times are the day only.
//! - A group — one round, one stratum, one mode — is released whole once it holds
//!   [`Release::WhenFull`] answers, or whatever it holds at the round's close
//!   ([`Release::All`]): its pending records are deleted and each answer becomes a
//!   `survey_response` record under a new random id (drawn afresh, so the id order is a
//!   shuffle unrelated to the order of submission), all with the release's time and the
//!   same author. One audit row per batch (`survey_batch.release`): the round, stratum,
//!   mode and count, the pending ids consumed, the answers' ids, and the SHA-256 of the
//!   released records (in id order) that `audit verify` checks the table against.
//!
//! The store knows nothing of an answer's content; the kinds, the actions and the group's
//! key are fixed here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::StoreError;
use crate::audit::{NewAudit, hex};
use crate::records::{AuditedRecord, Record};

/// The record kind of an answer waiting in the pool.
pub const PENDING_KIND: &str = "survey_pending";
/// The record kind of a released answer (also of answers entered by staff).
pub const RELEASED_KIND: &str = "survey_response";
/// The entity kind of a batch's audit row (no record of this kind is kept).
pub const BATCH_KIND: &str = "survey_batch";
/// The audit action of an answer put in the pool.
pub const PENDING_ACTION: &str = "survey_pending.add";
/// The audit action of a batch released from the pool.
pub const BATCH_ACTION: &str = "survey_batch.release";

/// An answer to hold back: its round, stratum (the group's unit) and mode (its state), and
/// the body the released record will have.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingAnswer {
    pub round: String,
    pub stratum: String,
    pub mode: String,
    pub body: serde_json::Value,
}

/// Which groups of the round's pool a write releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Every group holding at least this many answers (never fewer than 2).
    WhenFull(usize),
    /// Every group, whatever it holds (the round's close).
    All,
}

/// A batch released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedBatch {
    pub id: String,
    pub round: String,
    pub stratum: String,
    pub mode: String,
    pub count: usize,
}

/// The pending record's body: the answer's body with what the release needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingBody {
    pub round: String,
    /// The author the released record will have (the same for the whole group).
    pub by: String,
    /// 16 random bytes, hex: makes the commitment unguessable from the answer.
    pub nonce: String,
    pub answer: serde_json::Value,
}

/// What the audit row of a pending answer carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PendingAudit {
    pub round: String,
    pub commitment: String,
}

/// What the audit row of a batch carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BatchAudit {
    pub round: String,
    pub stratum: String,
    pub mode: String,
    pub count: usize,
    /// The pending records' ids consumed, sorted.
    pub pending: Vec<String>,
    /// The released records' ids, sorted.
    pub answers: Vec<String>,
    /// [`batch_hash`] of the released records.
    pub sha256: String,
}

/// Random bytes as hex.
pub(crate) fn random_hex(bytes: usize) -> Result<String, StoreError> {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).map_err(|e| StoreError::Invalid(format!("随机数不可用:{e}")))?;
    Ok(hex(&b))
}

/// The commitment of a pending record: SHA-256 of its whole stored state (its body holds
/// the nonce).
pub(crate) fn commitment(r: &Record) -> String {
    let text = serde_json::to_string(&AuditedRecord::of(r)).unwrap_or_default();
    hex(&Sha256::digest(format!("{}\n{text}", r.id).as_bytes()))
}

/// The hash of a batch's released records, taken in id order: each one's id and whole
/// stored state (creation included), a line each.
pub(crate) fn batch_hash<'a>(records: impl IntoIterator<Item = &'a Record>) -> String {
    let mut sorted: Vec<&Record> = records.into_iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    let mut h = Sha256::new();
    for r in sorted {
        let text = serde_json::to_string(&AuditedRecord::of(r)).unwrap_or_default();
        h.update(r.id.as_bytes());
        h.update(b"\n");
        h.update(text.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize())
}

pub(crate) fn pending_audit(r: &Record, round: &str) -> NewAudit {
    let new = PendingAudit {
        round: round.to_string(),
        commitment: commitment(r),
    };
    NewAudit {
        action: PENDING_ACTION,
        entity: format!("{PENDING_KIND}:{}", r.id),
        place: None,
        indicator: None,
        period: None,
        old: None,
        new: serde_json::to_string(&new).ok(),
        reason: None,
    }
}

pub(crate) fn batch_audit(id: &str, b: &BatchAudit) -> NewAudit {
    NewAudit {
        action: BATCH_ACTION,
        entity: format!("{BATCH_KIND}:{id}"),
        place: None,
        indicator: None,
        period: None,
        old: None,
        new: serde_json::to_string(b).ok(),
        reason: None,
    }
}

/// The pool's groups of `round` to release, each sorted by pending id: `(stratum, mode)`
/// → its pending records with their bodies.
#[allow(clippy::type_complexity)]
pub(crate) fn groups_to_release(
    pending: Vec<Record>,
    round: &str,
    release: Release,
) -> Result<BTreeMap<(String, String), Vec<(Record, PendingBody)>>, StoreError> {
    let mut groups: BTreeMap<(String, String), Vec<(Record, PendingBody)>> = BTreeMap::new();
    for r in pending {
        let body: PendingBody = r.decode()?;
        if body.round != round {
            continue;
        }
        groups
            .entry((r.unit.clone(), r.state.clone()))
            .or_default()
            .push((r, body));
    }
    groups.retain(|_, g| match release {
        Release::All => true,
        Release::WhenFull(n) => g.len() >= n.max(2),
    });
    for g in groups.values_mut() {
        g.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    }
    Ok(groups)
}

/// What the audit says of the pool, for `audit verify` (fed in seq order by the
/// [`crate::audit::Replayer`]).
#[derive(Debug, Default)]
pub(crate) struct PoolTrail {
    /// Pending ids still in the pool → their commitment.
    pending: std::collections::HashMap<String, String>,
    /// Released answer id → its batch (index in `batches`).
    released: std::collections::HashMap<String, usize>,
    batches: Vec<(String, BatchAudit)>,
    /// Each batch's released records found in the table.
    found: Vec<Vec<Record>>,
    pub problems: Vec<String>,
}

impl PoolTrail {
    /// Whether an audit row is the pool's.
    pub fn is_pool_row(action: &str) -> bool {
        action == PENDING_ACTION || action == BATCH_ACTION
    }

    pub fn feed(&mut self, seq: i64, action: &str, entity: &str, new: Option<&str>) {
        let unreadable = |what: &str| format!("审计记录 {seq} 的{what}无法读取");
        match action {
            PENDING_ACTION => {
                let id = entity
                    .strip_prefix(PENDING_KIND)
                    .and_then(|s| s.strip_prefix(':'))
                    .unwrap_or(entity);
                match new.and_then(|t| serde_json::from_str::<PendingAudit>(t).ok()) {
                    Some(p) => {
                        self.pending.insert(id.to_string(), p.commitment);
                    }
                    None => self.problems.push(unreadable("待汇总答卷")),
                }
            }
            BATCH_ACTION => {
                let Some(b) = new.and_then(|t| serde_json::from_str::<BatchAudit>(t).ok()) else {
                    self.problems.push(unreadable("答卷汇总批次"));
                    return;
                };
                for p in &b.pending {
                    if self.pending.remove(p).is_none() {
                        self.problems.push(format!(
                            "审计记录 {seq}:汇总批次释放的待汇总答卷 {PENDING_KIND}:{p} 此前没有审计写入"
                        ));
                    }
                }
                if b.count != b.answers.len() || b.count != b.pending.len() {
                    self.problems.push(format!(
                        "审计记录 {seq}:汇总批次的份数 {} 与其待汇总答卷 {} 份、答卷 {} 份不符",
                        b.count,
                        b.pending.len(),
                        b.answers.len()
                    ));
                }
                let at = self.batches.len();
                for a in &b.answers {
                    self.released.insert(a.clone(), at);
                }
                self.batches.push((entity.to_string(), b));
                self.found.push(Vec::new());
            }
            _ => {}
        }
    }

    /// Takes a stored record if it is the pool's (a pending answer, or an answer a batch
    /// released): checked here, not replayed as a record; `Some(r)` hands it back.
    pub fn take(&mut self, r: Record) -> Option<Record> {
        if r.kind == PENDING_KIND {
            let entity = format!("{}:{}", r.kind, r.id);
            match self.pending.remove(&r.id) {
                None => self.problems.push(format!(
                    "待汇总答卷 {entity} 在审计记录中没有对应的写入(被绕过应用写入)"
                )),
                Some(c) if c != commitment(&r) => self
                    .problems
                    .push(format!("待汇总答卷 {entity} 与审计记录不符:被绕过应用改动")),
                Some(_) => {}
            }
            return None;
        }
        if r.kind == RELEASED_KIND
            && let Some(&b) = self.released.get(&r.id)
        {
            if r.version != 1 || r.updated_at != r.created_at || r.updated_by != r.created_by {
                self.problems.push(format!(
                    "答卷 {}:{} 在汇总后被改动(版本 {}):被绕过应用改动",
                    r.kind, r.id, r.version
                ));
            }
            self.found[b].push(r);
            return None;
        }
        Some(r)
    }

    /// Every pending answer or batch the table no longer matches.
    pub fn finish(mut self) -> Vec<String> {
        let mut gone: Vec<String> = self.pending.into_keys().collect();
        gone.sort();
        for id in gone {
            self.problems.push(format!(
                "待汇总答卷 {PENDING_KIND}:{id} 有审计写入记录,但表中不存在(被绕过应用删除)"
            ));
        }
        for ((entity, b), found) in self.batches.iter().zip(&self.found) {
            if found.len() != b.answers.len() {
                self.problems.push(format!(
                    "{entity} 汇总的答卷 {} 份,表中只有 {} 份(被绕过应用删除)",
                    b.answers.len(),
                    found.len()
                ));
            } else if batch_hash(found) != b.sha256 {
                self.problems
                    .push(format!("{entity} 汇总的答卷与审计记录不符:被绕过应用改动"));
            }
        }
        self.problems
    }
}
