//! The types of the tasks' API. They mirror `youxiang_core::manage::WorkItem` and its
//! parts field for field (built by destructuring, so a field added to the record does not
//! compile until it is added here, and so to the OpenAPI document).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youxiang_core::manage::{
    AttachmentRef, Milestone, ProgressUpdate, WorkItem, WorkKind, YearInvestment,
};

use crate::records::Stamp;

/// A task or project as stored, with its version and what the reader may do with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskOut {
    #[serde(flatten)]
    pub stamp: Stamp,
    #[serde(flatten)]
    pub item: WorkItemDto,
    /// Milestones done.
    pub milestones_done: usize,
    /// Milestones past their date and not done.
    pub milestones_overdue: usize,
    /// Whether the reader may change it (`PUT`, progress).
    pub may_edit: bool,
}

/// A task (重点任务) or a major project (重大项目), as `GET` answers it and `PUT` takes it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct WorkItemDto {
    /// `task:1.2`, `project:P01`.
    #[schema(min_length = 1)]
    pub id: String,
    /// `task` or `project`.
    #[schema(value_type = String, pattern = "^(task|project)$")]
    pub kind: WorkKind,
    /// The plan's code: `1.2` for a task, `P01` for a project.
    pub code: String,
    pub title: String,
    pub domain: Option<String>,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    /// The measures (the task's text as the plan writes it, or the project's sentence).
    pub measures: String,
    pub milestones: Vec<MilestoneDto>,
    /// A project's yearly investment (亿元).
    pub investment: Vec<YearInvestmentDto>,
    pub updates: Vec<ProgressUpdateDto>,
    /// A project's total planned investment as the plan states it (亿元).
    #[serde(default)]
    pub total_investment_yi_yuan: Option<f64>,
}

/// A dated step of the route map.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MilestoneDto {
    /// Unique within the item.
    #[schema(minimum = 0)]
    pub id: u32,
    pub title: String,
    /// `2025-12-31`.
    #[schema(value_type = String, format = Date)]
    pub due: NaiveDate,
    #[schema(value_type = Option<String>, format = Date)]
    pub done_on: Option<NaiveDate>,
    /// What shows it was done.
    #[serde(default)]
    pub evidence: String,
}

/// A project's investment for one year, in 亿元.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct YearInvestmentDto {
    pub year: i32,
    pub planned_yi_yuan: f64,
    pub completed_yi_yuan: Option<f64>,
}

/// A progress update with its evidence.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProgressUpdateDto {
    /// UTC, `2025-06-30T08:00:00`.
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub actor: String,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<AttachmentDto>,
}

/// A stored file attached to an update (`GET /api/v1/attachments/{sha256}`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttachmentDto {
    pub id: String,
    pub name: String,
    #[schema(minimum = 0)]
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
}

impl From<&WorkItem> for WorkItemDto {
    fn from(w: &WorkItem) -> Self {
        let WorkItem {
            id,
            kind,
            code,
            title,
            domain,
            lead_unit,
            partner_units,
            measures,
            milestones,
            investment,
            updates,
            total_investment_yi_yuan,
        } = w;
        WorkItemDto {
            id: id.clone(),
            kind: *kind,
            code: code.clone(),
            title: title.clone(),
            domain: domain.clone(),
            lead_unit: lead_unit.clone(),
            partner_units: partner_units.clone(),
            measures: measures.clone(),
            milestones: milestones
                .iter()
                .map(|m| {
                    let Milestone {
                        id,
                        title,
                        due,
                        done_on,
                        evidence,
                    } = m;
                    MilestoneDto {
                        id: *id,
                        title: title.clone(),
                        due: *due,
                        done_on: *done_on,
                        evidence: evidence.clone(),
                    }
                })
                .collect(),
            investment: investment
                .iter()
                .map(|y| {
                    let YearInvestment {
                        year,
                        planned_yi_yuan,
                        completed_yi_yuan,
                    } = y;
                    YearInvestmentDto {
                        year: *year,
                        planned_yi_yuan: *planned_yi_yuan,
                        completed_yi_yuan: *completed_yi_yuan,
                    }
                })
                .collect(),
            updates: updates
                .iter()
                .map(|u| {
                    let ProgressUpdate {
                        at,
                        actor,
                        text,
                        attachments,
                    } = u;
                    ProgressUpdateDto {
                        at: *at,
                        actor: actor.clone(),
                        text: text.clone(),
                        attachments: attachments
                            .iter()
                            .map(|a| {
                                let AttachmentRef {
                                    id,
                                    name,
                                    size,
                                    sha256,
                                } = a;
                                AttachmentDto {
                                    id: id.clone(),
                                    name: name.clone(),
                                    size: *size,
                                    sha256: sha256.clone(),
                                }
                            })
                            .collect(),
                    }
                })
                .collect(),
            total_investment_yi_yuan: *total_investment_yi_yuan,
        }
    }
}

impl From<WorkItemDto> for WorkItem {
    fn from(w: WorkItemDto) -> Self {
        WorkItem {
            id: w.id,
            kind: w.kind,
            code: w.code,
            title: w.title,
            domain: w.domain,
            lead_unit: w.lead_unit,
            partner_units: w.partner_units,
            measures: w.measures,
            milestones: w
                .milestones
                .into_iter()
                .map(|m| Milestone {
                    id: m.id,
                    title: m.title,
                    due: m.due,
                    done_on: m.done_on,
                    evidence: m.evidence,
                })
                .collect(),
            investment: w
                .investment
                .into_iter()
                .map(|y| YearInvestment {
                    year: y.year,
                    planned_yi_yuan: y.planned_yi_yuan,
                    completed_yi_yuan: y.completed_yi_yuan,
                })
                .collect(),
            updates: w
                .updates
                .into_iter()
                .map(|u| ProgressUpdate {
                    at: u.at,
                    actor: u.actor,
                    text: u.text,
                    attachments: u
                        .attachments
                        .into_iter()
                        .map(|a| AttachmentRef {
                            id: a.id,
                            name: a.name,
                            size: a.size,
                            sha256: a.sha256,
                        })
                        .collect(),
                })
                .collect(),
            total_investment_yi_yuan: w.total_investment_yi_yuan,
        }
    }
}

/// `PUT /api/v1/tasks/{id}`: the object `GET` returned, changed, with its version (the
/// fields the server adds — `updated_at`, `milestones_done`, … — are ignored).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TaskPut {
    /// The version as last read (409 when someone saved since).
    #[schema(minimum = 0)]
    pub version: i64,
    #[serde(flatten)]
    pub item: WorkItemDto,
}

/// A progress update's form.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ProgressForm {
    /// 进展说明
    #[schema(min_length = 1, pattern = r"\S")]
    pub text: String,
    /// Evidence files (repeat the field for several; none is fine).
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    pub file: Option<Vec<Vec<u8>>>,
}
