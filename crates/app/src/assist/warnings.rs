//! 监测预警 as a service: the flag rules (an `assist_config` record `flag_rules`, the
//! defaults until the 民政 department or the office changes them), the income
//! declarations each household's saves leave (`assist_declared`, one record per household:
//! the register's income whenever it changed, medical expenses when declared), and one
//! `assist_flag` record per flag, to the household's village worker (else its town's)
//! with a deadline; open → handled with a note and an outcome, overdue past the deadline.
//! The scan runs after a household is saved, after a visit, and on demand.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use youxiang_core::assist::register::HouseholdStatus;
use youxiang_core::assist::rights;
use youxiang_core::assist::visits::DueState;
use youxiang_core::assist::warnings::{
    Declaration, Flag, FlagInput, FlagKind, FlagRules, FlagState, Outcome, evaluate,
};
use youxiang_core::labels::Labelled;
use youxiang_core::place::PlaceTree;
use youxiang_core::scope::Role;
use youxiang_store::{RecordFilter, RecordWrite};

use super::{HouseholdEntry, KIND_CONFIG, Sealed};
use crate::manage::forbid;
use crate::{App, AppError, Result};

/// The flags' record kind.
pub const KIND_FLAG: &str = "assist_flag";
/// The declarations' record kind.
pub const KIND_DECLARED: &str = "assist_declared";
const RULES_ID: &str = "flag_rules";

/// The audit actions of 监测预警.
pub const FLAG_ACTIONS: [&str; 4] = [
    "assist.flag.raise",
    "assist.flag.handle",
    "assist.flag.rules",
    "assist.declare",
];

/// The flag rules and their record's version (0: the defaults).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFlagRules {
    #[serde(flatten)]
    pub rules: FlagRules,
    pub version: i64,
}

/// A flag with its state on the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlagEntry {
    #[serde(flatten)]
    pub flag: Flag,
    /// Open, handled or overdue on the day.
    pub now: FlagState,
    pub version: i64,
}

/// Which flags to list; `None` does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagFilter {
    /// A place's code: flags of households at it or below it.
    pub place: Option<String>,
    pub assignee: Option<String>,
    pub state: Option<FlagState>,
    pub household: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Declared {
    household: String,
    declarations: Vec<Declaration>,
    /// The medical costs recorded one by one (their notes sealed: health data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    medical: Vec<StoredMedical>,
}

/// A medical cost as stored: the amount and date in the clear (the flag reads them), the
/// note — health data — sealed like the register's personal part, masked beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct StoredMedical {
    date: NaiveDate,
    amount: f64,
    /// `***` when there is a note, else empty.
    note: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<Sealed>,
    by: String,
    recorded: NaiveDate,
}

/// One medical cost of a household (元, the day it was paid, a note — masked unless
/// revealed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedicalCost {
    pub date: NaiveDate,
    /// 元.
    pub amount: f64,
    /// `***` (masked) or the note whole after a reveal; empty when none.
    pub note: String,
    pub by: String,
    pub recorded: NaiveDate,
}

/// A household's medical costs and their sum over the twelve months to the day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MedicalCosts {
    pub household: String,
    /// Newest first.
    pub costs: Vec<MedicalCost>,
    /// The costs dated within the twelve months to the day, 元 (what 大额医疗支出 reads).
    pub twelve_months: f64,
    /// The threshold of 大额医疗支出, 元.
    pub threshold: f64,
}

/// The most one medical cost may be, 元 (a typing slip, not a cost).
pub const MEDICAL_MAX_YUAN: f64 = 10_000_000.0;

/// The sum of the costs dated within the twelve months to `today` (after the same day a
/// year before, not after today).
fn twelve_months(costs: &[StoredMedical], today: NaiveDate) -> f64 {
    let from = today
        .checked_sub_months(chrono::Months::new(12))
        .unwrap_or(today);
    costs
        .iter()
        .filter(|c| c.date > from && c.date <= today)
        .map(|c| c.amount)
        .sum()
}

/// The seal of a household's medical notes is bound to this id.
fn medical_seal_id(household: &str) -> String {
    format!("{household}:medical")
}

/// The responsible worker of a household at `place`: the village's reporter, else the
/// town's, else the 民政 department's, else the office.
fn assignee_for(
    reporters: &[youxiang_core::scope::Reporter],
    tree: &PlaceTree,
    place: &str,
) -> String {
    let Some(id) = tree.id(place) else {
        return "office".to_string();
    };
    let covering = |role: Role| {
        reporters
            .iter()
            .filter(|r| r.role == role && r.scope.covers_place(tree, id))
            .map(|r| r.login.clone())
            .min()
    };
    covering(Role::VillageReporter)
        .or_else(|| covering(Role::TownReporter))
        .or_else(|| {
            reporters
                .iter()
                .find(|r| rights::is_civil_affairs(r))
                .map(|r| r.login.clone())
        })
        .unwrap_or_else(|| "office".to_string())
}

impl App {
    /// The flag rules (the defaults until changed).
    pub async fn assist_flag_rules(&self) -> Result<StoredFlagRules> {
        Ok(match self.db().get_record(KIND_CONFIG, RULES_ID).await? {
            Some(r) => StoredFlagRules {
                rules: r.decode()?,
                version: r.version,
            },
            None => StoredFlagRules {
                rules: FlagRules::default(),
                version: 0,
            },
        })
    }

    /// Replaces the flag rules: the office and the 民政 department.
    pub async fn save_assist_flag_rules(
        &self,
        login: &str,
        rules: FlagRules,
        expected_version: i64,
    ) -> Result<StoredFlagRules> {
        let who = self.user(login)?;
        if !rights::may_set_rules(&who) {
            return Err(forbid(&who, "修改监测预警规则"));
        }
        let problems = rules.problems();
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        if self.assist_flag_rules().await?.version != expected_version {
            return Err(AppError::Store(youxiang_store::StoreError::Conflict(
                "监测预警规则已被他人修改,请刷新后再改".to_string(),
            )));
        }
        let w = RecordWrite::of(
            KIND_CONFIG,
            RULES_ID,
            &rules,
            (expected_version > 0).then_some(expected_version),
            FLAG_ACTIONS[2],
        )?
        .note(rules.summary_zh());
        let saved = self.db().put_records(&[w], login).await?;
        Ok(StoredFlagRules {
            rules,
            version: saved.first().map(|r| r.version).unwrap_or(1),
        })
    }

    async fn declared(&self, household: &str) -> Result<(Declared, Option<i64>)> {
        Ok(
            match self.db().get_record(KIND_DECLARED, household).await? {
                Some(r) => (r.decode()?, Some(r.version)),
                None => (
                    Declared {
                        household: household.to_string(),
                        declarations: Vec::new(),
                        medical: Vec::new(),
                    },
                    None,
                ),
            },
        )
    }

    /// Declares a household's medical expenses of the last twelve months (元), by a worker
    /// of its place; the household is scanned at once.
    pub async fn declare_assist_medical(
        &self,
        login: &str,
        household: &str,
        medical_year: f64,
    ) -> Result<()> {
        let who = self.register_user(login)?;
        let (entry, _) = self.household_entry(&who, household).await?;
        if !(medical_year.is_finite() && medical_year >= 0.0) {
            return Err(AppError::Invalid(vec![
                "医疗支出应为不小于0的数".to_string(),
            ]));
        }
        let (mut d, version) = self.declared(household).await?;
        d.declarations.push(Declaration {
            date: self.today(),
            income_year: entry.household.income_year,
            medical_year: Some(medical_year),
        });
        let w = RecordWrite::of(KIND_DECLARED, household, &d, version, FLAG_ACTIONS[3])?
            .unit(&entry.household.place)
            .note(format!("医疗支出{medical_year:.0}元"));
        self.db().put_records(&[w], login).await?;
        self.scan_assist_flags_for(Some(household)).await?;
        Ok(())
    }

    /// Records one medical cost of a household (元, the day paid, a note sealed as health
    /// data), by a worker of its place; the twelve months' sum becomes a declaration and the
    /// household is scanned at once (大额医疗支出). Every problem named by its field.
    pub async fn record_assist_medical(
        &self,
        login: &str,
        household: &str,
        amount: f64,
        date: NaiveDate,
        note: &str,
    ) -> Result<MedicalCosts> {
        let who = self.register_user(login)?;
        let (entry, _) = self.household_entry(&who, household).await?;
        let today = self.today();
        let note = note.trim();
        let mut problems = Vec::new();
        if !(amount.is_finite() && amount > 0.0 && amount <= MEDICAL_MAX_YUAN) {
            problems.push(format!(
                "金额(amount):医疗支出应为大于0且不超过{MEDICAL_MAX_YUAN:.0}元的数"
            ));
        }
        if date > today {
            problems.push(format!("日期(date):{date}晚于今天{today}"));
        }
        if date < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(date) {
            problems.push(format!("日期(date):{date}早于2000年"));
        }
        if note.chars().count() > 500 {
            problems.push("说明(note):不超过500字".to_string());
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let sealed = if note.is_empty() {
            None
        } else {
            let ring = self.keyring()?;
            Some(
                ring.seal(note.as_bytes(), &medical_seal_id(household))
                    .map_err(AppError::Internal)?,
            )
        };
        let (mut d, version) = self.declared(household).await?;
        d.medical.push(StoredMedical {
            date,
            amount,
            note: if note.is_empty() {
                String::new()
            } else {
                "***".to_string()
            },
            sealed,
            by: login.to_string(),
            recorded: today,
        });
        let sum = twelve_months(&d.medical, today);
        d.declarations.push(Declaration {
            date: today,
            income_year: entry.household.income_year,
            medical_year: Some(sum),
        });
        let w = RecordWrite::of(KIND_DECLARED, household, &d, version, FLAG_ACTIONS[3])?
            .unit(&entry.household.place)
            .note(format!(
                "医疗支出{amount:.2}元({date}),近12个月合计{sum:.2}元"
            ));
        self.db().put_records(&[w], login).await?;
        self.scan_assist_flags_for(Some(household)).await?;
        self.assist_medical_costs(login, household).await
    }

    /// A household's medical costs, their notes masked (not found outside the reader's
    /// places).
    pub async fn assist_medical_costs(&self, login: &str, household: &str) -> Result<MedicalCosts> {
        let who = self.register_user(login)?;
        self.household_entry(&who, household).await?;
        self.medical_costs_of(household, None).await
    }

    /// The costs with their notes whole (`ring` given) or masked.
    pub(crate) async fn medical_costs_of(
        &self,
        household: &str,
        ring: Option<&super::Keyring>,
    ) -> Result<MedicalCosts> {
        let (d, _) = self.declared(household).await?;
        let today = self.today();
        let mut costs = Vec::new();
        for m in &d.medical {
            let note = match (ring, &m.sealed) {
                (Some(ring), Some(sealed)) => {
                    let bytes = ring
                        .open(sealed, &medical_seal_id(household))
                        .map_err(super::invalid)?;
                    String::from_utf8_lossy(&bytes).into_owned()
                }
                _ => m.note.clone(),
            };
            costs.push(MedicalCost {
                date: m.date,
                amount: m.amount,
                note,
                by: m.by.clone(),
                recorded: m.recorded,
            });
        }
        costs.sort_by_key(|c| std::cmp::Reverse((c.date, c.recorded)));
        Ok(MedicalCosts {
            household: household.to_string(),
            twelve_months: twelve_months(&d.medical, today),
            threshold: self.assist_flag_rules().await?.rules.medical_yuan,
            costs,
        })
    }

    /// Seals again under the current key every medical note sealed under an older one
    /// (part of `assist_rekey`); the number of households' records written.
    pub(crate) async fn rekey_medical(&self, login: &str, current: &str) -> Result<usize> {
        let ring = self.keyring()?;
        let mut writes = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_DECLARED))
            .await?
        {
            let mut d: Declared = r.decode()?;
            let seal_id = medical_seal_id(&d.household);
            let mut changed = false;
            for m in &mut d.medical {
                if let Some(sealed) = &m.sealed
                    && sealed.key != current
                {
                    let plain = ring.open(sealed, &seal_id).map_err(super::invalid)?;
                    m.sealed = Some(ring.seal(&plain, &seal_id).map_err(AppError::Internal)?);
                    changed = true;
                }
            }
            if changed {
                let mut w =
                    RecordWrite::of(KIND_DECLARED, &r.id, &d, Some(r.version), super::ACTIONS[5])?;
                if !r.unit.is_empty() {
                    w = w.unit(&r.unit);
                }
                writes.push(w.note(format!("医疗支出说明 → {current}")));
            }
        }
        for chunk in writes.chunks(200) {
            self.db().put_records(chunk, login).await?;
        }
        Ok(writes.len())
    }

    async fn stored_flags(&self) -> Result<Vec<(Flag, i64)>> {
        let mut out = Vec::new();
        for r in self
            .db()
            .list_records(&RecordFilter::kind(KIND_FLAG))
            .await?
        {
            out.push((r.decode::<Flag>()?, r.version));
        }
        Ok(out)
    }

    /// Scans households (one, or every one) and raises the flags not yet raised; returns
    /// the new flags. A changed income is first recorded as a declaration.
    pub(crate) async fn scan_assist_flags_for(&self, household: Option<&str>) -> Result<Vec<Flag>> {
        let today = self.today();
        let rules = self.assist_flag_rules().await?.rules;
        let households: Vec<HouseholdEntry> = self
            .stored_households()
            .await?
            .into_iter()
            .map(|(e, _)| e)
            .filter(|e| household.is_none_or(|h| e.household.id == h))
            .collect();
        let schedules = self.visit_schedules(&households, today).await?;
        let known: HashSet<String> = self
            .stored_flags()
            .await?
            .into_iter()
            .map(|(f, _)| f.id)
            .collect();
        let (tree, reporters) = {
            let s = self.read();
            (Arc::clone(&s.tree), s.reporters.clone())
        };
        let mut writes = Vec::new();
        let mut raised = Vec::new();
        for (e, s) in households.iter().zip(&schedules) {
            let h = &e.household;
            let (mut d, version) = self.declared(&h.id).await?;
            let last = d.declarations.last().copied();
            if last.is_none_or(|l| l.income_year != h.income_year) {
                // The first declaration dates from the household's last status change.
                let date = match last {
                    Some(_) => today,
                    None => h.history.last().map(|c| c.date).unwrap_or(today).min(today),
                };
                d.declarations.push(Declaration {
                    date,
                    income_year: h.income_year,
                    medical_year: if d.medical.is_empty() {
                        last.and_then(|l| l.medical_year)
                    } else {
                        Some(twelve_months(&d.medical, today))
                    },
                });
                writes.push(
                    RecordWrite::of(KIND_DECLARED, &h.id, &d, version, FLAG_ACTIONS[3])?
                        .unit(&h.place)
                        .note(format!("家庭年收入{:.0}元", h.income_year)),
                );
            }
            let input = FlagInput {
                active: h.status == HouseholdStatus::Active,
                declarations: d.declarations.clone(),
                overdue_deadlines: s
                    .periods
                    .iter()
                    .filter(|p| p.state == DueState::Overdue)
                    .map(|p| p.deadline)
                    .collect(),
                last_review: h.history.last().map(|c| c.date),
                review_due: h.history.last().and_then(|c| c.review_due),
            };
            let assignee = assignee_for(&reporters, &tree, &h.place);
            for f in evaluate(&rules, &input, today) {
                let id = Flag::id_for(&h.id, &f);
                if known.contains(&id) {
                    continue;
                }
                let mut flag = Flag::raise(&h.id, &h.place, &assignee, &f, &rules, today);
                flag.demo = h.demo;
                writes.push(
                    RecordWrite::of(KIND_FLAG, &flag.id, &flag, None, FLAG_ACTIONS[0])?
                        .unit(&h.place)
                        .state("flag_open")
                        .due(Some(flag.deadline))
                        .note(format!("{}:{}", f.kind.label_zh(), f.detail)),
                );
                raised.push(flag);
            }
        }
        for chunk in writes.chunks(300) {
            self.db().put_records(chunk, "system").await?;
        }
        Ok(raised)
    }

    /// Scans on demand the households in `login`'s places (one, or all); the new flags.
    pub async fn scan_assist_flags(
        &self,
        login: &str,
        household: Option<&str>,
    ) -> Result<Vec<Flag>> {
        let who = self.register_user(login)?;
        match household {
            Some(h) => {
                self.household_entry(&who, h).await?;
                self.scan_assist_flags_for(Some(h)).await
            }
            None if rights::may_set_rules(&who) => self.scan_assist_flags_for(None).await,
            None => {
                let tree = Arc::clone(&self.read().tree);
                let mine: Vec<String> = self
                    .stored_households()
                    .await?
                    .into_iter()
                    .filter(|(e, _)| Self::in_scope(&who, &tree, &e.household.place))
                    .map(|(e, _)| e.household.id)
                    .collect();
                let mut out = Vec::new();
                for h in mine {
                    out.extend(self.scan_assist_flags_for(Some(&h)).await?);
                }
                Ok(out)
            }
        }
    }

    /// The flags `login` may see that `filter` keeps, open ones first by deadline.
    pub async fn assist_flags(&self, login: &str, filter: &FlagFilter) -> Result<Vec<FlagEntry>> {
        let who = self.register_user(login)?;
        let today = self.today();
        let tree = Arc::clone(&self.read().tree);
        let root = match &filter.place {
            Some(p) => Some(
                tree.id(p)
                    .ok_or_else(|| AppError::NotFound(format!("地点“{p}”不存在")))?,
            ),
            None => None,
        };
        let mut out: Vec<FlagEntry> = self
            .stored_flags()
            .await?
            .into_iter()
            .filter(|(f, _)| Self::in_scope(&who, &tree, &f.place))
            .filter(|(f, _)| {
                root.is_none_or(|root| tree.id(&f.place).is_some_and(|p| tree.is_within(p, root)))
            })
            .filter(|(f, _)| filter.assignee.as_ref().is_none_or(|a| &f.assignee == a))
            .filter(|(f, _)| filter.household.as_ref().is_none_or(|h| &f.household == h))
            .map(|(flag, version)| FlagEntry {
                now: flag.state_on(today),
                flag,
                version,
            })
            .filter(|e| filter.state.is_none_or(|s| e.now == s))
            .collect();
        out.sort_by(|a, b| {
            (a.now == FlagState::Handled, a.flag.deadline, &a.flag.id).cmp(&(
                b.now == FlagState::Handled,
                b.flag.deadline,
                &b.flag.id,
            ))
        });
        Ok(out)
    }

    /// One flag (not found outside the reader's places).
    pub async fn assist_flag(&self, login: &str, id: &str) -> Result<FlagEntry> {
        let who = self.register_user(login)?;
        let not_found = || AppError::NotFound(format!("预警“{id}”不存在"));
        let r = self
            .db()
            .get_record(KIND_FLAG, id)
            .await?
            .ok_or_else(not_found)?;
        let flag: Flag = r.decode()?;
        let tree = Arc::clone(&self.read().tree);
        if !Self::in_scope(&who, &tree, &flag.place) {
            return Err(not_found());
        }
        Ok(FlagEntry {
            now: flag.state_on(self.today()),
            flag,
            version: r.version,
        })
    }

    /// Handles an open flag with a note and an outcome.
    pub async fn handle_assist_flag(
        &self,
        login: &str,
        id: &str,
        outcome: Outcome,
        note: &str,
    ) -> Result<FlagEntry> {
        let entry = self.assist_flag(login, id).await?;
        let note = note.trim();
        let mut problems = Vec::new();
        if entry.flag.state == FlagState::Handled {
            problems.push("该预警已处理".to_string());
        }
        if note.chars().count() < 2 {
            problems.push("请写明核查情况(至少2个字)".to_string());
        }
        if note.chars().count() > 2000 {
            problems.push("核查情况不超过2000字".to_string());
        }
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
        let today = self.today();
        let mut flag = entry.flag;
        flag.state = FlagState::Handled;
        flag.outcome = Some(outcome);
        flag.note = note.to_string();
        flag.handled_by = login.to_string();
        flag.handled_on = Some(today);
        let w = RecordWrite::of(
            KIND_FLAG,
            &flag.id,
            &flag,
            Some(entry.version),
            FLAG_ACTIONS[1],
        )?
        .unit(&flag.place)
        .state("flag_handled")
        .note(format!("{}:{note}", outcome.label_zh()));
        let saved = self.db().put_records(&[w], login).await?;
        Ok(FlagEntry {
            now: FlagState::Handled,
            flag,
            version: saved
                .first()
                .map(|r| r.version)
                .unwrap_or(entry.version + 1),
        })
    }

    /// The flags' counts by kind (for summaries).
    pub fn count_flags_by_kind(flags: &[FlagEntry]) -> Vec<(FlagKind, usize, usize)> {
        FlagKind::all()
            .iter()
            .map(|k| {
                let of: Vec<&FlagEntry> = flags.iter().filter(|f| f.flag.kind == *k).collect();
                (
                    *k,
                    of.len(),
                    of.iter().filter(|f| f.now != FlagState::Handled).count(),
                )
            })
            .collect()
    }
}

/// The day a household is due for review, if active (its last status change and the
/// review period).
pub fn review_due(rules: &FlagRules, last: Option<NaiveDate>) -> Option<NaiveDate> {
    last.and_then(|d| d.checked_add_months(chrono::Months::new(rules.review_months)))
}

/// The day a household is due for review: the date set with its last status change, else
/// that change + the review period.
pub fn household_review_due(
    rules: &FlagRules,
    history: &[youxiang_core::assist::register::StatusChange],
) -> Option<NaiveDate> {
    let last = history.last()?;
    last.review_due
        .or_else(|| review_due(rules, Some(last.date)))
}

impl App {
    /// What follows a household's save: its flags scanned (a changed income recorded as a
    /// declaration first) and the 探访关爱率 recomputed (a status change moves it); a
    /// failure is logged, the save stands.
    pub(crate) async fn assist_after_household_saved(&self, household: &str) {
        if let Err(e) = self.scan_assist_flags_for(Some(household)).await {
            eprintln!("保存困难家庭后预警扫描失败:{e}");
        }
        if let Err(e) = self.recompute_visit_rate().await {
            eprintln!("探访关爱率重新计算失败:{e}");
        }
    }
}
