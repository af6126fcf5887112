//! 弱有众扶: the register of households in difficulty as a service (methods §9).
//!
//! One `assist_household` record per household: the public part (place, categories,
//! income, assets, needs, status history, consent) in the clear, the personal part sealed
//! with the key ring of [`keys`] (AES-256-GCM, the key outside the database) beside its
//! masked copy — so lists, pages, exports and the audit trail hold masked text and
//! ciphertext only. Seeing the personal data whole needs the right
//! (`core::assist::rights::may_reveal`) and a stated reason, and appends an
//! `assist_reveal` record (audited, with the reason). Scoped by place: a town's worker sees
//! its own town and villages, a village its own; another's household is not found.
//!
//! The dated 低保 standards and the eligibility rules are `assist_config` records (the
//! plan's T18 values and the shipped rules until someone changes them); a change of a
//! standard is previewed (who gains, who loses) before it is applied.

pub mod dispatch;
pub mod happiness;
pub mod keys;
pub mod resources;
pub mod visits;
pub mod warnings;

use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;
use youxiang_core::assist::register::{
    Category, Household, HouseholdStatus, Personal, StatusChange,
};
use youxiang_core::assist::rights;
use youxiang_core::assist::rules::{
    Check, EligibilityChange, RuleSet, Standard, check, diff, plan_standards, standard_at,
};
use youxiang_core::place::PlaceTree;
use youxiang_core::scope::{Reporter, Role};
use youxiang_store::{RecordFilter, RecordWrite};

pub use keys::{Keyring, Sealed};

use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The households' record kind.
pub const KIND_HOUSEHOLD: &str = "assist_household";
/// One record per whole view or whole export of personal data (who, which, why).
pub const KIND_REVEAL: &str = "assist_reveal";
/// The standards and the rules.
pub const KIND_CONFIG: &str = "assist_config";
const STANDARDS_ID: &str = "standards";
const RULES_ID: &str = "rules";

/// Every audit action of the register.
pub const ACTIONS: [&str; 8] = [
    "assist.household.add",
    "assist.household.edit",
    "assist.household.status",
    "assist.reveal",
    "assist.export",
    "assist.rekey",
    "assist.standard",
    "assist.rules",
];

/// A household as stored: masked personal data, its version and the key that sealed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdEntry {
    /// The household, its personal part masked.
    #[serde(flatten)]
    pub household: Household,
    pub version: i64,
    /// The id of the key its personal data is sealed under.
    pub key: String,
}

/// Which households to list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdFilter {
    /// A place's code: households at it or below it.
    pub place: Option<String>,
    pub category: Option<Category>,
    pub status: Option<HouseholdStatus>,
}

/// What a reveal or a whole export left in the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
struct RevealNote {
    household: String,
    reason: String,
    login: String,
    what: String,
}

/// The standards in force and their record's version (0: the plan's defaults, never
/// stored).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standards {
    pub standards: Vec<Standard>,
    pub version: i64,
}

/// The eligibility rules as TOML, read, and their record's version.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub toml: String,
    pub rules: RuleSet,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
struct StandardsBody {
    standards: Vec<Standard>,
}

#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
struct RulesBody {
    toml: String,
}

/// A preview of a standard's change: who gains and who loses eligibility.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandardPreview {
    pub standard: Standard,
    /// The day the households are judged on (the standard's start, or today if later).
    pub judged_on: NaiveDate,
    pub households: usize,
    pub changes: Vec<EligibilityChange>,
}

fn invalid(p: impl Into<String>) -> AppError {
    AppError::Invalid(vec![p.into()])
}

/// The codes of `place` and its ancestors, own first.
fn chain(tree: &PlaceTree, place: &str) -> Vec<String> {
    match tree.id(place) {
        Some(id) => std::iter::once(id)
            .chain(tree.ancestors(id))
            .map(|p| tree.get(p).code.clone())
            .collect(),
        None => vec![place.to_string()],
    }
}

/// Keeps each stored personal field the edit left as its masked form.
fn merge_personal(stored: &Personal, given: &Personal) -> Personal {
    let masked = stored.masked();
    let keep = |given: &str, masked: &str, whole: &str| {
        if given == masked {
            whole.to_string()
        } else {
            given.to_string()
        }
    };
    Personal {
        address: keep(&given.address, &masked.address, &stored.address),
        members: given
            .members
            .iter()
            .enumerate()
            .map(
                |(i, g)| match (stored.members.get(i), masked.members.get(i)) {
                    (Some(s), Some(m)) => youxiang_core::assist::register::PersonalMember {
                        name: keep(&g.name, &m.name, &s.name),
                        id_number: keep(&g.id_number, &m.id_number, &s.id_number),
                        phone: keep(&g.phone, &m.phone, &s.phone),
                        health: keep(&g.health, &m.health, &s.health),
                    },
                    _ => g.clone(),
                },
            )
            .collect(),
    }
}

impl App {
    /// Sets the key ring that seals and opens the register's personal data.
    pub fn set_assist_keys(&self, ring: Keyring) {
        *self.assist_keys.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(ring));
    }

    /// The key ring (an error naming what to configure when there is none).
    fn keyring(&self) -> Result<Arc<Keyring>> {
        self.assist_keys
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(|| {
                invalid(format!(
                    "未配置困难群众个人信息密钥:请用环境变量 {} 指定密钥文件",
                    keys::KEYS_ENV
                ))
            })
    }

    /// Opens a seal, reading the key file again once when the key is not yet known (a
    /// rotation by another process).
    fn open_sealed(&self, sealed: &Sealed, id: &str) -> Result<Personal> {
        let mut ring = self.keyring()?;
        if !ring.ids().contains(&sealed.key)
            && let Some(path) = ring.path().map(std::path::Path::to_path_buf)
        {
            let fresh = Keyring::load(&path).map_err(invalid)?;
            self.set_assist_keys(fresh);
            ring = self.keyring()?;
        }
        let bytes = ring.open(sealed, id).map_err(invalid)?;
        serde_json::from_slice(&bytes).map_err(|e| AppError::Internal(e.to_string()))
    }

    fn sealed_body(&self, h: &Household) -> Result<serde_json::Value> {
        let ring = self.keyring()?;
        let plain =
            serde_json::to_vec(&h.personal).map_err(|e| AppError::Internal(e.to_string()))?;
        let sealed = ring.seal(&plain, &h.id).map_err(AppError::Internal)?;
        let mut v = serde_json::to_value(h).map_err(|e| AppError::Internal(e.to_string()))?;
        v["personal"] = serde_json::to_value(h.personal.masked())
            .map_err(|e| AppError::Internal(e.to_string()))?;
        v["sealed"] =
            serde_json::to_value(sealed).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(v)
    }

    fn decode_household(r: &youxiang_store::Record) -> Result<(HouseholdEntry, Sealed)> {
        let sealed: Sealed = serde_json::from_value(r.body["sealed"].clone())
            .map_err(|e| AppError::Internal(format!("{}:{e}", r.id)))?;
        let household: Household = r.decode()?;
        Ok((
            HouseholdEntry {
                household,
                version: r.version,
                key: sealed.key.clone(),
            },
            sealed,
        ))
    }

    fn register_user(&self, login: &str) -> Result<Reporter> {
        let who = self.user(login)?;
        if !rights::may_use_register(&who) {
            return Err(forbid(&who, "查看困难群众名册"));
        }
        Ok(who)
    }

    fn in_scope(who: &Reporter, tree: &PlaceTree, place: &str) -> bool {
        tree.id(place)
            .is_some_and(|p| rights::may_edit_household(who, tree, p))
    }

    async fn stored_households(&self) -> Result<Vec<(HouseholdEntry, Sealed)>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_HOUSEHOLD))
            .await?
        {
            out.push(Self::decode_household(&r)?);
        }
        out.sort_by(|a, b| {
            (&a.0.household.place, &a.0.household.id)
                .cmp(&(&b.0.household.place, &b.0.household.id))
        });
        Ok(out)
    }

    /// The households `login` may see that `filter` keeps, masked, by place and id.
    pub async fn assist_households(
        &self,
        login: &str,
        filter: &HouseholdFilter,
    ) -> Result<Vec<HouseholdEntry>> {
        let who = self.register_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let root = match &filter.place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        Ok(self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .filter(|e| Self::in_scope(&who, &tree, &e.household.place))
            .filter(|e| {
                root.is_none_or(|root| {
                    tree.id(&e.household.place)
                        .is_some_and(|p| tree.is_within(p, root))
                })
            })
            .filter(|e| {
                filter
                    .category
                    .is_none_or(|c| e.household.categories.contains(&c))
            })
            .filter(|e| filter.status.is_none_or(|s| e.household.status == s))
            .collect())
    }

    async fn household_entry(&self, who: &Reporter, id: &str) -> Result<(HouseholdEntry, Sealed)> {
        let not_found = || AppError::NotFound(format!("困难家庭“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_HOUSEHOLD, id)
            .await?
            .ok_or_else(not_found)?;
        let (entry, sealed) = Self::decode_household(&r)?;
        let tree = Arc::clone(&self.read().tree);
        if !Self::in_scope(who, &tree, &entry.household.place) {
            // Another place's household is not found (its existence is personal data too).
            return Err(not_found());
        }
        Ok((entry, sealed))
    }

    /// One household, masked (not found outside the reader's places).
    pub async fn assist_household(&self, login: &str, id: &str) -> Result<HouseholdEntry> {
        let who = self.register_user(login)?;
        Ok(self.household_entry(&who, id).await?.0)
    }

    /// Whether `login` may see the personal data of a household at `place` whole.
    pub fn may_reveal_at(&self, login: &str, place: &str) -> bool {
        let Ok(who) = self.user(login) else {
            return false;
        };
        let tree = Arc::clone(&self.read().tree);
        tree.id(place)
            .is_some_and(|p| rights::may_reveal(&who, &tree, p))
    }

    /// Whether `login` may register or change a household at `place`.
    pub fn may_edit_assist_at(&self, login: &str, place: &str) -> bool {
        let Ok(who) = self.user(login) else {
            return false;
        };
        let tree = Arc::clone(&self.read().tree);
        Self::in_scope(&who, &tree, place)
    }

    /// Whether `login` may use the register at all.
    pub fn may_use_assist(&self, login: &str) -> bool {
        self.user(login)
            .is_ok_and(|who| rights::may_use_register(&who))
    }

    /// Whether `login` may export personal data whole.
    pub fn may_export_assist_whole(&self, login: &str) -> bool {
        self.user(login)
            .is_ok_and(|who| rights::may_export_whole(&who))
    }

    /// Whether `login` may change the standards and the rules.
    pub fn may_set_assist_rules(&self, login: &str) -> bool {
        self.user(login)
            .is_ok_and(|who| rights::may_set_rules(&who))
    }

    async fn note_reveal(
        &self,
        login: &str,
        household: &str,
        reason: &str,
        what: &str,
        action: &'static str,
    ) -> Result<()> {
        let suffix: [u8; 4] = {
            let mut b = [0u8; 4];
            getrandom::fill(&mut b).map_err(|e| AppError::Internal(e.to_string()))?;
            b
        };
        let id = format!(
            "{household}:{}:{}",
            self.now().format("%Y%m%dT%H%M%S%.6f"),
            hex::encode(suffix)
        );
        let note = RevealNote {
            household: household.to_string(),
            reason: reason.to_string(),
            login: login.to_string(),
            what: what.to_string(),
        };
        let w = RecordWrite::of(KIND_REVEAL, &id, &note, None, action)?
            .unit(login)
            .note(reason);
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    fn check_reason(reason: &str) -> Result<String> {
        let reason = reason.trim();
        if reason.chars().count() < 4 {
            return Err(invalid("请说明查看完整信息的事由(至少4个字)"));
        }
        Ok(reason.to_string())
    }

    /// The household with its personal data whole, for `login` holding the right, after
    /// stating `reason`; the view is audited (`assist.reveal`, with the reason).
    pub async fn reveal_household(&self, login: &str, id: &str, reason: &str) -> Result<Household> {
        Ok(self.reveal_household_medical(login, id, reason).await?.0)
    }

    /// [`App::reveal_household`] with the household's medical costs, their notes whole (one
    /// audited view of both).
    pub async fn reveal_household_medical(
        &self,
        login: &str,
        id: &str,
        reason: &str,
    ) -> Result<(Household, warnings::MedicalCosts)> {
        let who = self.register_user(login)?;
        let (entry, sealed) = self.household_entry(&who, id).await?;
        if !self.may_reveal_at(login, &entry.household.place) {
            return Err(forbid(&who, "查看困难群众的完整个人信息"));
        }
        let reason = Self::check_reason(reason)?;
        let personal = self.open_sealed(&sealed, id)?;
        let medical = self
            .medical_costs_of(id, Some(self.keyring()?.as_ref()))
            .await?;
        self.note_reveal(login, id, &reason, "完整个人信息", ACTIONS[3])
            .await?;
        let mut h = entry.household;
        h.personal = personal;
        Ok((h, medical))
    }

    /// Adds a household (`expected_version: None`) or changes one (the version read). A
    /// personal field left in its masked form keeps its stored value; a new household or a
    /// changed status gets a dated history entry with `reason`.
    pub async fn save_household(
        &self,
        login: &str,
        household: Household,
        expected_version: Option<i64>,
        reason: &str,
    ) -> Result<HouseholdEntry> {
        self.save_household_review(login, household, expected_version, reason, None)
            .await
    }

    /// [`App::save_household`] with the review-due date (复核到期日) of a change into
    /// 在册救助: `None` sets the default (the change + the flag rules' review period); a
    /// date must lie after today and within five years. Ignored when the status does not
    /// change to 在册救助.
    pub async fn save_household_review(
        &self,
        login: &str,
        household: Household,
        expected_version: Option<i64>,
        reason: &str,
        review_due: Option<NaiveDate>,
    ) -> Result<HouseholdEntry> {
        let who = self.register_user(login)?;
        let mut h = household;
        h.id = h.id.trim().to_string();
        h.place = h.place.trim().to_string();
        let tree = Arc::clone(&self.read().tree);
        let before = match expected_version {
            Some(_) => Some(self.household_entry(&who, &h.id).await?),
            None => None,
        };
        if tree.id(&h.place).is_none() {
            return Err(invalid(format!("地点“{}”不在地点表中", h.place)));
        }
        if !Self::in_scope(&who, &tree, &h.place) {
            return Err(forbid(&who, &format!("登记{}的困难家庭", h.place)));
        }
        let today = self.today();
        if let Some(d) = review_due {
            let latest = today
                .checked_add_months(chrono::Months::new(60))
                .unwrap_or(today);
            if d <= today || d > latest {
                return Err(invalid(format!(
                    "复核到期日(review_due):{d}应晚于今天{today},且不超过{latest}"
                )));
            }
        }
        let due = if h.status == HouseholdStatus::Active {
            Some(match review_due {
                Some(d) => d,
                None => {
                    let months = self.assist_flag_rules().await?.rules.review_months;
                    today
                        .checked_add_months(chrono::Months::new(months))
                        .unwrap_or(today)
                }
            })
        } else {
            None
        };
        match &before {
            Some((entry, sealed)) => {
                let stored = self.open_sealed(sealed, &h.id)?;
                h.personal = merge_personal(&stored, &h.personal);
                h.history = entry.household.history.clone();
                h.demo = entry.household.demo;
                if entry.household.status != h.status {
                    h.history.push(StatusChange {
                        date: today,
                        status: h.status,
                        reason: reason.trim().to_string(),
                        by: login.to_string(),
                        review_due: due,
                    });
                }
            }
            None => {
                if self.db().get_record(KIND_HOUSEHOLD, &h.id).await?.is_some() {
                    return Err(invalid(format!("户编号“{}”已存在", h.id)));
                }
                if h.history.is_empty() {
                    h.history.push(StatusChange {
                        date: today,
                        status: h.status,
                        reason: reason.trim().to_string(),
                        by: login.to_string(),
                        review_due: due,
                    });
                }
            }
        }
        let mut problems = h.problems();
        if h.history.last().is_some_and(|c| c.reason.is_empty()) {
            problems.push("状态变更须写明原因".to_string());
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let action = match &before {
            None => ACTIONS[0],
            Some((e, _)) if e.household.status != h.status => ACTIONS[2],
            Some(_) => ACTIONS[1],
        };
        let body = self.sealed_body(&h)?;
        let key = body["sealed"]["key"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut w = RecordWrite::of(KIND_HOUSEHOLD, &h.id, &body, expected_version, action)?
            .unit(&h.place)
            .state(youxiang_core::labels::Labelled::code(h.status));
        if !reason.trim().is_empty() {
            w = w.note(reason.trim());
        }
        let saved = self.db().put_records(&[w], login).await?;
        // 监测预警 and 探访关爱率 follow the change (warnings.rs).
        self.assist_after_household_saved(&h.id).await;
        Ok(HouseholdEntry {
            household: h.masked(),
            version: saved.first().map(|r| r.version).unwrap_or(1),
            key,
        })
    }

    /// Adds households from a file's list, all or nothing (ids already stored refused);
    /// every problem named by its position.
    pub async fn import_households(
        &self,
        login: &str,
        households: Vec<Household>,
    ) -> Result<usize> {
        let who = self.register_user(login)?;
        let tree = Arc::clone(&self.read().tree);
        let today = self.today();
        let mut problems = Vec::new();
        let mut writes = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (n, mut h) in households.into_iter().enumerate() {
            let at = format!("第{}户({})", n + 1, h.id);
            if !seen.insert(h.id.clone()) {
                problems.push(format!("{at}:户编号重复"));
            }
            if self.db().get_record(KIND_HOUSEHOLD, &h.id).await?.is_some() {
                problems.push(format!("{at}:户编号已存在"));
            }
            if tree.id(&h.place).is_none() {
                problems.push(format!("{at}:地点“{}”不在地点表中", h.place));
            } else if !Self::in_scope(&who, &tree, &h.place) {
                return Err(forbid(&who, &format!("登记{}的困难家庭", h.place)));
            }
            if h.history.is_empty() {
                h.history.push(StatusChange {
                    date: today,
                    status: h.status,
                    reason: "导入".to_string(),
                    by: login.to_string(),
                    review_due: None,
                });
            }
            problems.extend(h.problems().into_iter().map(|p| format!("{at}:{p}")));
            if problems.is_empty() {
                writes.push(
                    RecordWrite::of(
                        KIND_HOUSEHOLD,
                        &h.id,
                        &self.sealed_body(&h)?,
                        None,
                        ACTIONS[0],
                    )?
                    .unit(&h.place)
                    .state(youxiang_core::labels::Labelled::code(h.status))
                    .note("导入"),
                );
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        for chunk in writes.chunks(500) {
            self.db().put_records(chunk, login).await?;
        }
        Ok(writes.len())
    }

    /// The households `filter` keeps as CSV (UTF-8 with BOM): masked, unless `whole_reason`
    /// is given by one holding the export right — then whole, and the export audited.
    pub async fn assist_households_csv(
        &self,
        login: &str,
        filter: &HouseholdFilter,
        whole_reason: Option<&str>,
    ) -> Result<String> {
        let who = self.register_user(login)?;
        let list = self.assist_households(login, filter).await?;
        let mut whole = None;
        if let Some(reason) = whole_reason {
            if !rights::may_export_whole(&who) {
                return Err(forbid(&who, "导出完整个人信息"));
            }
            let reason = Self::check_reason(reason)?;
            let mut personal = std::collections::HashMap::new();
            for (e, sealed) in self.stored_households().await? {
                if list.iter().any(|l| l.household.id == e.household.id) {
                    personal.insert(
                        e.household.id.clone(),
                        self.open_sealed(&sealed, &e.household.id)?,
                    );
                }
            }
            self.note_reveal(
                login,
                "*",
                &reason,
                &format!("导出{}户完整个人信息", list.len()),
                ACTIONS[4],
            )
            .await?;
            whole = Some(personal);
        }
        let esc = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        let mut out = String::from(
            "\u{feff}户编号,地点,困难类别,状态,家庭人口(人),家庭年收入(元),金融资产(元),需求,户主姓名,户主身份证号,户主电话,地址\n",
        );
        for e in &list {
            let h = &e.household;
            let p = whole
                .as_ref()
                .and_then(|w| w.get(&h.id))
                .unwrap_or(&h.personal);
            let head = p.members.first().cloned().unwrap_or_default();
            let cats: Vec<&str> = h.categories.iter().map(|c| c.label_zh()).collect();
            let row = [
                h.id.clone(),
                h.place.clone(),
                cats.join("、"),
                h.status.label_zh().to_string(),
                h.size().to_string(),
                format!("{:.2}", h.income_year),
                format!("{:.2}", h.assets),
                h.needs.join("、"),
                head.name,
                head.id_number,
                head.phone,
                p.address.clone(),
            ];
            out.push_str(&row.iter().map(|c| esc(c)).collect::<Vec<_>>().join(","));
            out.push('\n');
        }
        Ok(out)
    }

    /// Seals every household whose personal data is under an older key again under the
    /// current one (after a new key was added to the key file); the system administrator
    /// or the 民政 department. Old keys keep opening what is not yet done meanwhile.
    pub async fn assist_rekey(&self, login: &str) -> Result<usize> {
        let who = self.user(login)?;
        if who.role != Role::Admin && !rights::is_civil_affairs(&who) {
            return Err(forbid(&who, "更换个人信息密钥"));
        }
        let current = self.keyring()?.current().to_string();
        let mut writes = Vec::new();
        for (entry, sealed) in self.stored_households().await? {
            if sealed.key == current {
                continue;
            }
            let mut h = entry.household;
            h.personal = self.open_sealed(&sealed, &h.id)?;
            writes.push(
                RecordWrite::of(
                    KIND_HOUSEHOLD,
                    &h.id,
                    &self.sealed_body(&h)?,
                    Some(entry.version),
                    ACTIONS[5],
                )?
                .unit(&h.place)
                .state(youxiang_core::labels::Labelled::code(h.status))
                .note(format!("{} → {current}", sealed.key)),
            );
        }
        for chunk in writes.chunks(200) {
            self.db().put_records(chunk, login).await?;
        }
        // The medical costs' notes (health data) are sealed too.
        self.rekey_medical(login, &current).await?;
        Ok(writes.len())
    }

    /// The dated 低保 standards (the plan's T18 values for the district until changed).
    pub async fn assist_standards(&self) -> Result<Standards> {
        match self.db().get_record(KIND_CONFIG, STANDARDS_ID).await? {
            Some(r) => Ok(Standards {
                standards: r.decode::<StandardsBody>()?.standards,
                version: r.version,
            }),
            None => {
                let tree = Arc::clone(&self.read().tree);
                let district = tree
                    .roots()
                    .next()
                    .map(|r| tree.get(r).code.clone())
                    .unwrap_or_default();
                Ok(Standards {
                    standards: plan_standards(&district),
                    version: 0,
                })
            }
        }
    }

    /// The eligibility rules (the shipped ones until changed).
    pub async fn assist_rules(&self) -> Result<Rules> {
        match self.db().get_record(KIND_CONFIG, RULES_ID).await? {
            Some(r) => {
                let toml = r.decode::<RulesBody>()?.toml;
                let rules = RuleSet::from_toml(&toml).map_err(invalid)?;
                Ok(Rules {
                    toml,
                    rules,
                    version: r.version,
                })
            }
            None => Ok(Rules {
                toml: youxiang_core::assist::rules::DEFAULT_RULES
                    .trim_start()
                    .to_string(),
                rules: RuleSet::defaults(),
                version: 0,
            }),
        }
    }

    /// Replaces the eligibility rules (TOML, checked first).
    pub async fn save_assist_rules(
        &self,
        login: &str,
        toml: &str,
        expected_version: i64,
    ) -> Result<()> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "修改救助资格规则"));
        }
        RuleSet::from_toml(toml).map_err(invalid)?;
        let body = RulesBody {
            toml: toml.to_string(),
        };
        let w = RecordWrite::of(
            KIND_CONFIG,
            RULES_ID,
            &body,
            (expected_version > 0).then_some(expected_version),
            ACTIONS[7],
        )?;
        self.db().put_records(&[w], login).await?;
        Ok(())
    }

    fn judge_all(
        &self,
        households: &[HouseholdEntry],
        rules: &RuleSet,
        standards: &[Standard],
        day: NaiveDate,
    ) -> Vec<Check> {
        let tree = Arc::clone(&self.read().tree);
        households
            .iter()
            .map(|e| {
                let chain = chain(&tree, &e.household.place);
                let chain: Vec<&str> = chain.iter().map(String::as_str).collect();
                check(
                    rules,
                    &e.household,
                    standard_at(standards, &chain, day),
                    day,
                )
            })
            .collect()
    }

    /// Every rule judged for one household on `date` (today by default), every clause
    /// with its inputs.
    pub async fn check_household(
        &self,
        login: &str,
        id: &str,
        date: Option<NaiveDate>,
    ) -> Result<Check> {
        let entry = self.assist_household(login, id).await?;
        let standards = self.assist_standards().await?;
        let rules = self.assist_rules().await?;
        let day = date.unwrap_or_else(|| self.today());
        Ok(self
            .judge_all(&[entry], &rules.rules, &standards.standards, day)
            .remove(0))
    }

    fn standards_with(&self, current: &[Standard], new: &Standard) -> Vec<Standard> {
        let mut out: Vec<Standard> = current
            .iter()
            .filter(|s| !(s.place == new.place && s.from == new.from))
            .cloned()
            .collect();
        out.push(new.clone());
        out.sort_by(|a, b| (&a.place, a.from).cmp(&(&b.place, b.from)));
        out
    }

    /// Who would gain and who would lose eligibility if `standard` were set (动态调整),
    /// judged on its start or today, whichever is later; every household of the register.
    pub async fn preview_assist_standard(
        &self,
        login: &str,
        standard: &Standard,
    ) -> Result<StandardPreview> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "调整低保标准"));
        }
        let problems = standard.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if self.read().tree.id(&standard.place).is_none() {
            return Err(invalid(format!("地点“{}”不在地点表中", standard.place)));
        }
        let current = self.assist_standards().await?;
        let rules = self.assist_rules().await?;
        let after = self.standards_with(&current.standards, standard);
        let day = standard.from.max(self.today());
        let households: Vec<HouseholdEntry> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .collect();
        let b = self.judge_all(&households, &rules.rules, &current.standards, day);
        let a = self.judge_all(&households, &rules.rules, &after, day);
        let places: Vec<String> = households
            .iter()
            .map(|e| e.household.place.clone())
            .collect();
        Ok(StandardPreview {
            standard: standard.clone(),
            judged_on: day,
            households: households.len(),
            changes: diff(&b, &a, &places),
        })
    }

    /// Sets `standard` (replacing one of the same place and start), quoting the standards'
    /// version read with the preview; returns the preview it applied.
    pub async fn apply_assist_standard(
        &self,
        login: &str,
        standard: &Standard,
        expected_version: i64,
    ) -> Result<StandardPreview> {
        let preview = self.preview_assist_standard(login, standard).await?;
        let current = self.assist_standards().await?;
        if current.version != expected_version {
            return Err(AppError::Store(youxiang_store::StoreError::Conflict(
                "低保标准已被他人修改,请重新预览".to_string(),
            )));
        }
        let body = StandardsBody {
            standards: self.standards_with(&current.standards, standard),
        };
        let w = RecordWrite::of(
            KIND_CONFIG,
            STANDARDS_ID,
            &body,
            (expected_version > 0).then_some(expected_version),
            ACTIONS[6],
        )?
        .note(format!(
            "{} 自{}起 低保标准{}元/人·年;资格变化{}户",
            standard.place,
            standard.from,
            standard.dibao_year,
            preview.changes.len()
        ));
        self.db().put_records(&[w], login).await?;
        Ok(preview)
    }
}

impl App {
    /// Reads the key file configured for `db_url` (`YOUXIANG_ASSIST_KEYS`, else beside a
    /// SQLite file) when it exists; returns its path. Without one the register's personal
    /// data can be neither sealed nor opened (lists and masked pages still work).
    pub fn use_assist_key_file(&self, db_url: &str) -> Result<Option<std::path::PathBuf>> {
        let Some(path) = keys::key_path_for(db_url) else {
            return Ok(None);
        };
        if !path.exists() {
            return Ok(None);
        }
        self.set_assist_keys(Keyring::load(&path).map_err(invalid)?);
        Ok(Some(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use youxiang_core::assist::register::PersonalMember;

    #[test]
    fn a_masked_field_left_as_it_was_keeps_the_stored_value() {
        let stored = Personal {
            address: "某路12号".into(),
            members: vec![PersonalMember {
                name: "张小明".into(),
                id_number: "330902199001011234".into(),
                phone: "13812345678".into(),
                health: "慢性病".into(),
            }],
        };
        let mut given = stored.masked();
        given.members[0].phone = "13900001111".into();
        let merged = merge_personal(&stored, &given);
        assert_eq!(merged.members[0].name, "张小明");
        assert_eq!(merged.members[0].id_number, "330902199001011234");
        assert_eq!(merged.members[0].phone, "13900001111");
        assert_eq!(merged.address, "某路12号");
    }
}
