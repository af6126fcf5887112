//! 方案调整: revising one target of the plan. The revised plan is stored as a new plan
//! version (the store keeps every version and audits the save with the revision's reason
//! and document); the engines are rebuilt from it. A revision applies from its date: a
//! year that ended before it keeps the target then in force (`Plan::superseded_targets`,
//! read by the engine), and the old text stays beside the new one as 原目标.

use chrono::NaiveDate;
use serde::Serialize;
use youxiang_core::plan::RevisionRequest;

use crate::{App, AppError, Result};

/// What the office asks to change.
#[derive(Debug, Clone)]
pub struct TargetRevisionInput {
    pub indicator: String,
    pub year: i32,
    /// The new target as the revision document writes it (`≥92%`, `全覆盖`).
    pub text: String,
    pub reason: String,
    /// The deciding document (文号).
    pub document: String,
    /// From when it applies; the app's day when absent.
    pub date: Option<NaiveDate>,
}

/// One revision of an indicator's target, as pages, the API and the report show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRevisionEntry {
    pub version: u32,
    pub indicator: String,
    pub year: i32,
    /// 原目标: the text before this revision.
    pub old: String,
    pub new: String,
    /// `YYYY-MM-DD`: from this day the new target applies.
    pub date: String,
    pub reason: String,
    pub document: String,
    /// Who recorded it (login; empty for a revision written into the plan file).
    pub by: String,
}

impl App {
    /// Revises one target (方案调整) through the one write path: the office only
    /// (`permission::may_revise_plan`), a reason and a document required, the new text
    /// checked as a target; then one store transaction (new plan version + audit row)
    /// and the engines rebuilt from the stored plan. Answers the new version.
    pub async fn revise_target(&self, login: &str, input: &TargetRevisionInput) -> Result<u32> {
        let who = self.user(login)?;
        if !youxiang_core::permission::may_revise_plan(&who) {
            return Err(AppError::Forbidden(vec![
                "只有工作专班(方案管理员)可以调整方案目标".into(),
            ]));
        }
        let mut missing = Vec::new();
        if input.reason.trim().is_empty() {
            missing.push("调整原因(reason):不能为空".to_string());
        }
        if input.document.trim().is_empty() {
            missing.push("依据文件(document):请写明文号".to_string());
        }
        if input.text.trim().is_empty() {
            missing.push("新目标(text):不能为空".to_string());
        }
        if !missing.is_empty() {
            return Err(AppError::Invalid(missing));
        }
        let date = input.date.unwrap_or_else(|| self.today()).to_string();
        let _guard = self.write_lock.lock().await;
        let mut plan = (*self.read().plan).clone();
        if plan.indicator(&input.indicator).is_none() {
            return Err(AppError::NotFound(format!("指标“{}”", input.indicator)));
        }
        let version = plan
            .revise(&RevisionRequest {
                indicator: &input.indicator,
                year: input.year,
                text: &input.text,
                date: &date,
                reason: &input.reason,
                document: &input.document,
                by: login,
            })
            .map_err(|p| AppError::Invalid(vec![p.to_string()]))?;
        let problems = plan.validate();
        if !problems.is_empty() {
            return Err(AppError::Invalid(
                problems.iter().map(|p| p.to_string()).collect(),
            ));
        }
        self.db().save_plan(&plan, login).await?;
        self.rebuild().await?;
        Ok(version)
    }

    /// Every revision of `indicator`'s targets, oldest first (the indicator page, the
    /// API and the quarterly report's 原目标).
    pub fn target_revisions(&self, indicator: &str) -> Vec<TargetRevisionEntry> {
        revision_entries(&self.read().plan, Some(indicator))
    }
}

/// The revisions of the plan as entries, oldest first; only `indicator`'s when given.
pub fn revision_entries(
    plan: &youxiang_core::Plan,
    indicator: Option<&str>,
) -> Vec<TargetRevisionEntry> {
    plan.revisions
        .iter()
        .flat_map(|r| r.changes.iter().map(move |c| (r, c)))
        .filter(|(_, c)| indicator.is_none_or(|i| c.indicator == i))
        .map(|(r, c)| TargetRevisionEntry {
            version: r.version,
            indicator: c.indicator.clone(),
            year: c.year,
            old: c.old.clone(),
            new: c.new.clone(),
            date: r.date.clone(),
            reason: r.reason.clone(),
            document: r.document.clone(),
            by: r.by.clone(),
        })
        .collect()
}
