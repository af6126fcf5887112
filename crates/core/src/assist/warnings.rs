//! 监测预警 (methods §9): rules as data that flag a household for review, each flag to the
//! responsible worker with a deadline, handled with a note and an outcome.
//!
//! The rules (each threshold editable):
//!
//! * **收入下降** — the declared yearly income fell by more than `income_drop_pct` % from
//!   the previous declaration;
//! * **大额医疗支出** — medical expenses declared for the last twelve months above
//!   `medical_yuan` 元;
//! * **漏访** — a due visit overdue by more than `missed_visit_days` days;
//! * **救助到期复核** — an active household's last review (its last status change) is
//!   `review_months` months old within `expiry_warn_days` days, or older.
//!
//! A flag is keyed by its household, its rule and what triggered it (the declaration's
//! date, the missed period's deadline, the review's due date), so a scan raises each
//! finding once.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The rules' thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlagRules {
    /// 收入下降超过 (%).
    #[serde(default = "d_income")]
    pub income_drop_pct: f64,
    /// 近12个月医疗支出超过 (元).
    #[serde(default = "d_medical")]
    pub medical_yuan: f64,
    /// 探访逾期超过 (天).
    #[serde(default = "d_missed")]
    pub missed_visit_days: i64,
    /// 救助资格复核周期 (月).
    #[serde(default = "d_review")]
    pub review_months: u32,
    /// 复核到期前提醒 (天).
    #[serde(default = "d_warn")]
    pub expiry_warn_days: i64,
    /// 预警处理期限 (天).
    #[serde(default = "d_handle")]
    pub handle_days: i64,
}

fn d_income() -> f64 {
    20.0
}
fn d_medical() -> f64 {
    20_000.0
}
fn d_missed() -> i64 {
    15
}
fn d_review() -> u32 {
    12
}
fn d_warn() -> i64 {
    30
}
fn d_handle() -> i64 {
    7
}

impl Default for FlagRules {
    fn default() -> Self {
        FlagRules {
            income_drop_pct: d_income(),
            medical_yuan: d_medical(),
            missed_visit_days: d_missed(),
            review_months: d_review(),
            expiry_warn_days: d_warn(),
            handle_days: d_handle(),
        }
    }
}

impl FlagRules {
    /// The thresholds in words, with their units (the audit's note, the pages' summary).
    pub fn summary_zh(&self) -> String {
        format!(
            "收入下降超过{}%;近12个月医疗支出超过{}元;探访逾期超过{}天;复核周期{}个月,到期前{}天提醒;处理期限{}天",
            self.income_drop_pct,
            self.medical_yuan,
            self.missed_visit_days,
            self.review_months,
            self.expiry_warn_days,
            self.handle_days
        )
    }

    /// Every problem at once.
    pub fn problems(&self) -> Vec<String> {
        self.field_problems().into_iter().map(|(_, p)| p).collect()
    }

    /// Every problem at once, each with its field's name (the serde name: the API's key
    /// and the form's input).
    pub fn field_problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let mut bad = |field: &'static str, ok: bool, text: &str| {
            if !ok {
                out.push((field, text.to_string()));
            }
        };
        bad(
            "income_drop_pct",
            self.income_drop_pct.is_finite() && (0.0..=100.0).contains(&self.income_drop_pct),
            "收入下降比例应在0至100之间",
        );
        bad(
            "medical_yuan",
            self.medical_yuan.is_finite() && self.medical_yuan >= 0.0,
            "医疗支出阈值应为不小于0的数",
        );
        bad(
            "missed_visit_days",
            self.missed_visit_days >= 0,
            "漏访天数不能为负",
        );
        bad(
            "review_months",
            (1..=60).contains(&self.review_months),
            "复核周期应在1至60个月之间",
        );
        bad(
            "expiry_warn_days",
            self.expiry_warn_days >= 0,
            "到期提醒天数不能为负",
        );
        bad(
            "handle_days",
            (1..=365).contains(&self.handle_days),
            "处理期限应在1至365天之间",
        );
        out
    }
}

/// What a flag is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    IncomeDrop,
    Medical,
    MissedVisit,
    ReviewDue,
}

impl FlagKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            FlagKind::IncomeDrop => "收入下降",
            FlagKind::Medical => "大额医疗支出",
            FlagKind::MissedVisit => "漏访",
            FlagKind::ReviewDue => "救助到期复核",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FlagKind::IncomeDrop => "income drop",
            FlagKind::Medical => "large medical cost",
            FlagKind::MissedVisit => "missed visit",
            FlagKind::ReviewDue => "review due",
        }
    }
}

crate::labelled!(FlagKind, "预警类型", {
    IncomeDrop => "income_drop",
    Medical => "medical",
    MissedVisit => "missed_visit" | "漏访预警",
    ReviewDue => "review_due" | "到期复核",
});

/// How a flag was handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 核查无变化
    NoChange,
    /// 调整救助
    Adjust,
    /// 转介
    Refer,
}

impl Outcome {
    pub fn label_zh(self) -> &'static str {
        match self {
            Outcome::NoChange => "核查无变化",
            Outcome::Adjust => "调整救助",
            Outcome::Refer => "转介",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Outcome::NoChange => "checked, no change",
            Outcome::Adjust => "assistance adjusted",
            Outcome::Refer => "referred",
        }
    }
}

crate::labelled!(Outcome, "处理结果", {
    NoChange => "no_change" | "无变化",
    Adjust => "adjust" | "调整",
    Refer => "refer",
});

/// Where a flag stands (overdue is an open flag past its deadline, computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagState {
    Open,
    Handled,
    Overdue,
}

impl FlagState {
    pub fn label_zh(self) -> &'static str {
        match self {
            FlagState::Open => "待处理",
            FlagState::Handled => "已处理",
            FlagState::Overdue => "已逾期",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            FlagState::Open => "open",
            FlagState::Handled => "handled",
            FlagState::Overdue => "overdue",
        }
    }
}

crate::labelled!(FlagState, "预警状态", {
    Open => "open",
    Handled => "handled",
    Overdue => "overdue",
});

/// One income declaration (the register's income when it changed).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Declaration {
    pub date: NaiveDate,
    /// Household income over twelve months, 元.
    pub income_year: f64,
    /// Medical expenses over twelve months, 元, when declared.
    #[serde(default)]
    pub medical_year: Option<f64>,
}

/// What the rules look at for one household.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagInput {
    /// Whether the household is active (在册救助) now.
    pub active: bool,
    /// The declarations, oldest first.
    pub declarations: Vec<Declaration>,
    /// The deadlines of its overdue visit periods.
    pub overdue_deadlines: Vec<NaiveDate>,
    /// The date of its last status change (the last review).
    pub last_review: Option<NaiveDate>,
    /// The review-due date set with that change (复核到期日), when one was; else the last
    /// review + the rules' review period.
    pub review_due: Option<NaiveDate>,
}

/// A finding of the rules: the flag to raise unless already raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub kind: FlagKind,
    /// What triggered it (part of the flag's key).
    pub trigger: NaiveDate,
    /// In words, no personal data.
    pub detail: String,
}

/// Every finding of the rules for one household on `today`.
pub fn evaluate(rules: &FlagRules, input: &FlagInput, today: NaiveDate) -> Vec<Finding> {
    let mut out = Vec::new();
    if !input.active {
        return out;
    }
    if let [.., before, now] = input.declarations.as_slice()
        && before.income_year > 0.0
    {
        let drop = (before.income_year - now.income_year) / before.income_year * 100.0;
        if drop > rules.income_drop_pct {
            out.push(Finding {
                kind: FlagKind::IncomeDrop,
                trigger: now.date,
                detail: format!(
                    "家庭年收入由{:.0}元降至{:.0}元,下降{:.1}%(阈值{}%)",
                    before.income_year, now.income_year, drop, rules.income_drop_pct
                ),
            });
        }
    }
    if let Some(now) = input.declarations.last()
        && let Some(m) = now.medical_year
        && m > rules.medical_yuan
    {
        out.push(Finding {
            kind: FlagKind::Medical,
            trigger: now.date,
            detail: format!("近12个月医疗支出{m:.0}元,超过{:.0}元", rules.medical_yuan),
        });
    }
    for deadline in &input.overdue_deadlines {
        let late = (today - *deadline).num_days();
        if late > rules.missed_visit_days {
            out.push(Finding {
                kind: FlagKind::MissedVisit,
                trigger: *deadline,
                detail: format!(
                    "应于{deadline}前探访,已逾期{late}天(阈值{}天)",
                    rules.missed_visit_days
                ),
            });
        }
    }
    if let Some(last) = input.last_review
        && let Some(due) = input
            .review_due
            .or_else(|| last.checked_add_months(Months::new(rules.review_months)))
        && (due - today).num_days() <= rules.expiry_warn_days
    {
        out.push(Finding {
            kind: FlagKind::ReviewDue,
            trigger: due,
            detail: format!("上次认定{last},应于{due}前复核"),
        });
    }
    out
}

/// A flag raised for a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// `F-<household>-<rule 1–4>-<trigger>` (1 收入下降, 2 大额医疗支出, 3 漏访, 4 复核).
    pub id: String,
    pub household: String,
    pub place: String,
    pub kind: FlagKind,
    pub trigger: NaiveDate,
    pub detail: String,
    pub raised: NaiveDate,
    pub deadline: NaiveDate,
    /// The responsible worker's login (the household's village or town user).
    pub assignee: String,
    /// Open or handled (overdue is computed: [`Flag::state_on`]).
    pub state: FlagState,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub handled_by: String,
    #[serde(default)]
    pub handled_on: Option<NaiveDate>,
    #[serde(default)]
    pub demo: bool,
}

impl Flag {
    /// The flag's id for a household's finding.
    pub fn id_for(household: &str, f: &Finding) -> String {
        let n = match f.kind {
            FlagKind::IncomeDrop => 1,
            FlagKind::Medical => 2,
            FlagKind::MissedVisit => 3,
            FlagKind::ReviewDue => 4,
        };
        format!("F-{household}-{n}-{}", f.trigger.format("%Y%m%d"))
    }

    /// A new flag from a finding, due `rules.handle_days` after `today`.
    pub fn raise(
        household: &str,
        place: &str,
        assignee: &str,
        f: &Finding,
        rules: &FlagRules,
        today: NaiveDate,
    ) -> Flag {
        Flag {
            id: Flag::id_for(household, f),
            household: household.to_string(),
            place: place.to_string(),
            kind: f.kind,
            trigger: f.trigger,
            detail: f.detail.clone(),
            raised: today,
            deadline: today + chrono::Duration::days(rules.handle_days),
            assignee: assignee.to_string(),
            state: FlagState::Open,
            outcome: None,
            note: String::new(),
            handled_by: String::new(),
            handled_on: None,
            demo: false,
        }
    }

    /// Its state on `day`: handled, open, or overdue past its deadline.
    pub fn state_on(&self, day: NaiveDate) -> FlagState {
        match self.state {
            FlagState::Handled => FlagState::Handled,
            _ if day > self.deadline => FlagState::Overdue,
            _ => FlagState::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn decl(date: NaiveDate, income: f64, medical: Option<f64>) -> Declaration {
        Declaration {
            date,
            income_year: income,
            medical_year: medical,
        }
    }

    fn input() -> FlagInput {
        FlagInput {
            active: true,
            declarations: vec![],
            overdue_deadlines: vec![],
            last_review: Some(d(2025, 3, 1)),
            review_due: None,
        }
    }

    #[test]
    fn an_income_drop_beyond_the_threshold_is_flagged() {
        let rules = FlagRules::default();
        let today = d(2025, 10, 15);
        let mut i = input();
        i.declarations = vec![
            decl(d(2025, 1, 5), 20_000.0, None),
            decl(d(2025, 10, 15), 16_500.0, None),
        ];
        assert!(evaluate(&rules, &i, today).is_empty(), "17.5 % ≤ 20 %");
        i.declarations[1].income_year = 15_000.0;
        let f = evaluate(&rules, &i, today);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FlagKind::IncomeDrop);
        assert_eq!(f[0].trigger, d(2025, 10, 15));
        assert!(f[0].detail.contains("25.0%"), "{}", f[0].detail);
        i.active = false;
        assert!(evaluate(&rules, &i, today).is_empty());
    }

    #[test]
    fn large_medical_costs_are_flagged() {
        let rules = FlagRules::default();
        let mut i = input();
        i.declarations = vec![decl(d(2025, 9, 1), 10_000.0, Some(20_000.0))];
        assert!(evaluate(&rules, &i, d(2025, 10, 15)).is_empty());
        i.declarations[0].medical_year = Some(35_000.0);
        let f = evaluate(&rules, &i, d(2025, 10, 15));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FlagKind::Medical);
    }

    #[test]
    fn a_visit_missed_too_long_is_flagged() {
        let rules = FlagRules::default();
        let mut i = input();
        i.overdue_deadlines = vec![d(2025, 9, 30), d(2025, 8, 31)];
        let f = evaluate(&rules, &i, d(2025, 10, 15));
        assert_eq!(f.len(), 1, "15 days late is not more than 15");
        assert_eq!(f[0].trigger, d(2025, 8, 31));
        assert_eq!(evaluate(&rules, &i, d(2025, 10, 16)).len(), 2);
    }

    #[test]
    fn a_review_coming_due_is_flagged() {
        let rules = FlagRules::default();
        let mut i = input();
        i.last_review = Some(d(2024, 11, 10));
        let f = evaluate(&rules, &i, d(2025, 10, 15));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, FlagKind::ReviewDue);
        assert_eq!(f[0].trigger, d(2025, 11, 10));
        i.last_review = Some(d(2024, 12, 1));
        assert!(evaluate(&rules, &i, d(2025, 10, 15)).is_empty());
    }

    #[test]
    fn flags_are_due_and_go_overdue() {
        let rules = FlagRules::default();
        let f = Finding {
            kind: FlagKind::MissedVisit,
            trigger: d(2025, 8, 31),
            detail: String::new(),
        };
        let flag = Flag::raise("H1", "v1", "village-v1", &f, &rules, d(2025, 10, 1));
        assert_eq!(flag.id, "F-H1-3-20250831");
        assert_eq!(flag.deadline, d(2025, 10, 8));
        assert_eq!(flag.state_on(d(2025, 10, 8)), FlagState::Open);
        assert_eq!(flag.state_on(d(2025, 10, 9)), FlagState::Overdue);
        assert!(FlagRules::default().problems().is_empty());
        let bad = FlagRules {
            handle_days: 0,
            ..FlagRules::default()
        };
        assert_eq!(bad.problems().len(), 1);
    }
}
