//! What both backends share: validation of batches, the decision of what a write changes,
//! and the audit rows of value changes. No SQL here.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{NaiveDateTime, Timelike};
use youxiang_core::period::Period;
use youxiang_core::place::{Place, PlaceTree};
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_core::value::{Component, Observation, Transition, ValueKey, ValueState};

use crate::audit::NewAudit;
use crate::{PlacesSaved, StoreError, ValueChange};
use sha2::{Digest, Sha256};
use youxiang_core::CheckedWrite;
use youxiang_core::Plan;

/// Now, in UTC, to the microsecond (what both backends store exactly).
pub(crate) fn now() -> NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
}

pub(crate) fn check_actor(actor: &str) -> Result<(), StoreError> {
    if actor.trim().is_empty() {
        return Err(StoreError::Invalid("缺少操作人(actor)".into()));
    }
    check_text("操作人", actor)
}

/// PostgreSQL cannot keep the character U+0000 in text (SQLite can): the store refuses it
/// on both backends, before anything is written. Every parameter of the shared statements
/// is checked where it is bound (`flow::Sql::bind`); what reaches the database only through
/// a dialect's batch statements (values, keys, places, reasons in audit rows) and the plan
/// (PostgreSQL reads its document as `jsonb`, which cannot hold `\u0000` either) is
/// checked with this.
pub(crate) fn check_text(what: &str, text: &str) -> Result<(), StoreError> {
    match text.contains('\0') {
        true => Err(StoreError::Invalid(format!(
            "{what}含有空字符(U+0000),数据库不能保存"
        ))),
        false => Ok(()),
    }
}

fn check_key(k: &ValueKey) -> Result<(), StoreError> {
    check_text("指标编码", &k.indicator)?;
    check_text("地点编码", &k.place)
}

/// Every string of a plan (keys included): see [`check_text`].
pub(crate) fn check_plan_text(plan: &Plan) -> Result<(), StoreError> {
    fn walk(v: &serde_json::Value) -> Result<(), StoreError> {
        match v {
            serde_json::Value::String(s) => check_text("方案", s),
            serde_json::Value::Array(items) => items.iter().try_for_each(walk),
            serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
                check_text("方案", k)?;
                walk(v)
            }),
            _ => Ok(()),
        }
    }
    walk(&serde_json::to_value(plan).map_err(|e| StoreError::Invalid(e.to_string()))?)
}

/// The database's own refusal of a value whose indicator the current plan does not know or
/// whose place is not registered (the observations' triggers), in words; other errors as
/// they are.
pub(crate) fn unknown_codes(e: sqlx::Error) -> StoreError {
    let message = e.as_database_error().map(|d| d.message().to_string());
    match message.as_deref() {
        Some(m) if m.contains("unknown indicator") => {
            StoreError::Invalid("数据库拒绝写入:指标不在当前方案中".into())
        }
        Some(m) if m.contains("unknown place") => {
            StoreError::Invalid("数据库拒绝写入:地点未登记".into())
        }
        _ => StoreError::Backend(e),
    }
}

/// Non-empty actor, no key twice (each write was checked on its own already).
pub(crate) fn validate_writes(writes: &[CheckedWrite], actor: &str) -> Result<(), StoreError> {
    check_actor(actor)?;
    let mut seen = HashSet::with_capacity(writes.len());
    for w in writes {
        check_key(w.key())?;
        check_text("说明", w.comment())?;
        check_text("数据来源", w.source())?;
        if !seen.insert(w.key()) {
            return Err(StoreError::Invalid(format!(
                "同一批数据中 {} 出现了两次",
                w.key()
            )));
        }
    }
    Ok(())
}

pub(crate) fn validate_keys(keys: &[ValueKey], actor: &str) -> Result<(), StoreError> {
    check_actor(actor)?;
    let mut seen = HashSet::with_capacity(keys.len());
    for k in keys {
        check_key(k)?;
        if !seen.insert(k) {
            return Err(StoreError::Invalid(format!("同一批中 {k} 出现了两次")));
        }
    }
    Ok(())
}

/// Builds a key from its stored columns.
pub(crate) fn key_from(
    indicator: String,
    place: String,
    period: &str,
    component: &str,
) -> Result<ValueKey, StoreError> {
    let period: Period = period
        .parse()
        .map_err(|e| StoreError::Corrupt(format!("期间“{period}”:{e}")))?;
    let component = Component::parse(component)
        .ok_or_else(|| StoreError::Corrupt(format!("分量“{component}”无法识别")))?;
    Ok(ValueKey {
        indicator,
        place,
        period,
        component,
    })
}

pub(crate) fn state_from(text: &str) -> Result<ValueState, StoreError> {
    ValueState::parse(text).ok_or_else(|| StoreError::Corrupt(format!("状态“{text}”无法识别")))
}

/// What a batch of writes does to the stored values.
pub(crate) struct WritePlan {
    /// Indices into the batch of the values to insert or update.
    pub changed: Vec<usize>,
    pub changes: Vec<ValueChange>,
    pub unchanged: usize,
}

/// Decides, given the stored values of the batch's keys (by batch index), which writes
/// change something; an approved value fails the batch.
pub(crate) fn plan_writes(
    writes: &[CheckedWrite],
    mut existing: HashMap<usize, Observation>,
    actor: &str,
    at: NaiveDateTime,
) -> Result<WritePlan, StoreError> {
    let mut plan = WritePlan {
        changed: Vec::new(),
        changes: Vec::new(),
        unchanged: 0,
    };
    for (i, w) in writes.iter().enumerate() {
        let old = existing.remove(&i);
        if let Some(o) = &old {
            if o.value == w.value() && o.comment == w.comment() && o.source == w.source() {
                plan.unchanged += 1;
                continue;
            }
            if o.state.check_editable().is_err() {
                return Err(StoreError::Locked {
                    key: w.key().clone(),
                });
            }
        }
        plan.changed.push(i);
        plan.changes.push(ValueChange {
            old,
            new: Some(Observation {
                key: w.key().clone(),
                value: w.value(),
                state: ValueState::Draft,
                reporter: actor.to_string(),
                reported_at: at,
                comment: w.comment().to_string(),
                source: w.source().to_string(),
            }),
        });
    }
    Ok(plan)
}

/// Applies a transition by `actor` to the stored values of `keys` (all present, in order).
/// Nobody approves a figure they wrote last (four eyes), whatever their role.
pub(crate) fn plan_transition(
    keys: &[ValueKey],
    mut existing: HashMap<usize, Observation>,
    t: &Transition,
    actor: &str,
) -> Result<Vec<ValueChange>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let old = existing
            .remove(&i)
            .ok_or_else(|| StoreError::NotFound(format!("数据 {k}")))?;
        if matches!(t, Transition::Approve) && old.reporter == actor {
            return Err(StoreError::SelfApproval { key: k.clone() });
        }
        let state = old
            .state
            .apply(t)
            .map_err(|error| StoreError::IllegalTransition {
                key: k.clone(),
                error,
            })?;
        let mut new = old.clone();
        new.state = state;
        out.push(ValueChange {
            old: Some(old),
            new: Some(new),
        });
    }
    Ok(out)
}

/// The stored values of `keys` (all present) leaving for the quarantine, whatever their
/// state.
pub(crate) fn plan_quarantine(
    keys: &[ValueKey],
    mut existing: HashMap<usize, Observation>,
) -> Result<Vec<ValueChange>, StoreError> {
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let old = existing
                .remove(&i)
                .ok_or_else(|| StoreError::NotFound(format!("数据 {k}")))?;
            Ok(ValueChange {
                old: Some(old),
                new: None,
            })
        })
        .collect()
}

/// Checks a deletion against the stored values of `keys` (all present, none approved).
pub(crate) fn plan_delete(
    keys: &[ValueKey],
    mut existing: HashMap<usize, Observation>,
) -> Result<Vec<ValueChange>, StoreError> {
    let mut out = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let old = existing
            .remove(&i)
            .ok_or_else(|| StoreError::NotFound(format!("数据 {k}")))?;
        if old.state.check_editable().is_err() {
            return Err(StoreError::Locked { key: k.clone() });
        }
        out.push(ValueChange {
            old: Some(old),
            new: None,
        });
    }
    Ok(out)
}

pub(crate) fn transition_action(t: &Transition) -> (&'static str, Option<String>) {
    match t {
        Transition::Submit => ("value.submit", None),
        Transition::Approve => ("value.approve", None),
        Transition::Reject { reason } => ("value.reject", Some(reason.clone())),
        Transition::Reopen { reason } => ("value.reopen", Some(reason.clone())),
    }
}

fn obs_json(o: &Observation) -> Option<String> {
    serde_json::to_string(o).ok()
}

/// The audit row of one value change.
pub(crate) fn value_audit(
    action: &'static str,
    change: &ValueChange,
    reason: Option<String>,
) -> NewAudit {
    let key = change.new.as_ref().or(change.old.as_ref()).map(|o| &o.key);
    NewAudit {
        action,
        entity: key.map(ToString::to_string).unwrap_or_default(),
        place: key.map(|k| k.place.clone()),
        indicator: key.map(|k| k.indicator.clone()),
        period: key.map(|k| k.period.to_string()),
        old: change.old.as_ref().and_then(obs_json),
        new: change.new.as_ref().and_then(obs_json),
        reason,
    }
}

pub(crate) fn simple_audit(
    action: &'static str,
    entity: &str,
    old: Option<serde_json::Value>,
    new: Option<serde_json::Value>,
) -> NewAudit {
    NewAudit {
        action,
        entity: entity.to_string(),
        place: None,
        indicator: None,
        period: None,
        old: old.map(|v| v.to_string()),
        new: new.map(|v| v.to_string()),
        reason: None,
    }
}

/// Overlays `incoming` on the stored places, checks the result is a tree, and sorts the
/// incoming places into new, changed and unchanged.
pub(crate) fn plan_places(
    stored: Vec<Place>,
    incoming: &[Place],
) -> Result<(Vec<usize>, PlacesSaved), StoreError> {
    let by_code: HashMap<&str, &Place> = stored.iter().map(|p| (p.code.as_str(), p)).collect();
    let mut saved = PlacesSaved::default();
    let mut write = Vec::new();
    let mut seen = HashSet::new();
    for (i, p) in incoming.iter().enumerate() {
        check_text("地点编码", &p.code)?;
        check_text("地点名称", &p.name)?;
        check_text("上级地点", p.parent.as_deref().unwrap_or_default())?;
        if !seen.insert(p.code.as_str()) {
            return Err(StoreError::Invalid(format!("地点编码 {} 重复", p.code)));
        }
        match by_code.get(p.code.as_str()) {
            None => {
                saved.inserted += 1;
                write.push(i);
            }
            Some(old) if *old != p => {
                saved.updated += 1;
                write.push(i);
            }
            Some(_) => saved.unchanged += 1,
        }
    }
    let mut merged: BTreeMap<String, Place> =
        stored.into_iter().map(|p| (p.code.clone(), p)).collect();
    for p in incoming {
        merged.insert(p.code.clone(), p.clone());
    }
    for p in merged.values() {
        for c in [p.lon, p.lat].into_iter().flatten() {
            if !c.is_finite() {
                return Err(StoreError::Invalid(format!("地点 {} 的坐标无效", p.code)));
            }
        }
    }
    PlaceTree::build(merged.into_values().collect()).map_err(|problems| {
        StoreError::Invalid(
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(";"),
        )
    })?;
    Ok((write, saved))
}

pub(crate) fn level_text(level: youxiang_core::place::Level) -> String {
    serde_json::to_value(level)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "other".into())
}

pub(crate) fn level_from(text: &str) -> Result<youxiang_core::place::Level, StoreError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|_| StoreError::Corrupt(format!("地点层级“{text}”无法识别")))
}

pub(crate) fn validate_reporters(reporters: &[Reporter]) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for r in reporters {
        if r.login.trim().is_empty() {
            return Err(StoreError::Invalid(format!("用户“{}”缺少登录名", r.name)));
        }
        if !seen.insert(r.login.as_str()) {
            return Err(StoreError::Invalid(format!("登录名 {} 重复", r.login)));
        }
    }
    Ok(())
}

pub(crate) fn reporter_from(
    login: String,
    name: String,
    unit: String,
    role: String,
    scope: String,
) -> Result<Reporter, StoreError> {
    let role = Role::parse(&role)
        .ok_or_else(|| StoreError::Corrupt(format!("用户 {login} 的角色“{role}”无法识别")))?;
    let scope: Scope = serde_json::from_str(&scope)
        .map_err(|e| StoreError::Corrupt(format!("用户 {login} 的范围无法读取:{e}")))?;
    Ok(Reporter {
        login,
        name,
        unit,
        role,
        scope,
    })
}

fn sha256_hex(text: &str) -> String {
    crate::audit::hex(&Sha256::digest(text.as_bytes()))
}

/// The audit row of a plan save: old and new version, and the documents' SHA-256.
pub(crate) fn plan_audit(
    plan: &Plan,
    old_version: Option<u32>,
    old_doc: Option<&str>,
    doc: &str,
) -> NewAudit {
    let old = old_version.map(
        |v| serde_json::json!({"code": plan.code, "version": v, "sha256": old_doc.map(sha256_hex)}),
    );
    let mut new =
        serde_json::json!({"code": plan.code, "version": plan.version, "sha256": sha256_hex(doc)});
    // A revision (方案调整) names what it changed, why and by which document, so the trail
    // reads as the decision without opening the stored version.
    if let Some(r) = plan.revisions.last().filter(|r| r.version == plan.version)
        && let Ok(revision) = serde_json::to_value(r)
    {
        new["revision"] = revision;
    }
    simple_audit("plan.save", &plan.code, old, Some(new))
}

pub(crate) fn places_audit(saved: &PlacesSaved, total: usize) -> NewAudit {
    simple_audit(
        "places.save",
        "places",
        None,
        Some(serde_json::json!({
            "places": total,
            "inserted": saved.inserted,
            "updated": saved.updated,
            "unchanged": saved.unchanged,
        })),
    )
}

/// The audit row of saving users: for each user added or changed, the old and the new role
/// and scope (`old` null for a new user).
pub(crate) fn reporters_audit(reporters: &[Reporter], before: &[Reporter]) -> NewAudit {
    let logins: Vec<&str> = reporters.iter().map(|r| r.login.as_str()).collect();
    let shown = |r: &Reporter| serde_json::json!({"role": r.role.as_str(), "scope": r.scope, "unit": r.unit, "name": r.name});
    let changes: Vec<serde_json::Value> = reporters
        .iter()
        .filter_map(|r| {
            let old = before.iter().find(|b| b.login == r.login);
            (old != Some(r)).then(
                || serde_json::json!({"login": r.login, "old": old.map(shown), "new": shown(r)}),
            )
        })
        .collect();
    simple_audit(
        "reporters.save",
        "reporters",
        None,
        Some(
            serde_json::json!({"reporters": reporters.len(), "logins": logins, "changes": changes}),
        ),
    )
}

/// A user's credential stamp (see [`crate::Credential`]).
pub(crate) fn credential(
    login: String,
    role: &str,
    scope: &str,
    password_hash: Option<&str>,
    disabled: bool,
) -> crate::Credential {
    let stamp = sha256_hex(&format!(
        "{role}\u{1f}{scope}\u{1f}{}\u{1f}{disabled}",
        password_hash.unwrap_or("")
    ));
    crate::Credential {
        login,
        stamp,
        disabled,
    }
}
