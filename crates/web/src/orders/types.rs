//! The types of the orders' API. They mirror `youxiang_core::manage::Order` and its parts
//! field for field (built by destructuring, so a field or variant added to the record does
//! not compile until it is added here, and so to the OpenAPI document).

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use youxiang_core::manage::{
    Extension, Order, OrderAction, OrderEvent, OrderSource, OrderState, ReviewChecklist,
    UnitOrderStats,
};

use crate::records::Stamp;

/// A supervision order (督办单) as stored, with its version and what the reader may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    #[serde(flatten)]
    pub stamp: Stamp,
    #[serde(flatten)]
    pub order: OrderDto,
    /// The actions the reader may take now (`accept`, `feedback`, …).
    pub actions: Vec<String>,
    /// The state in Chinese (立项, 交办, …).
    pub state_zh: String,
    /// Open and past its deadline.
    pub overdue: bool,
    pub days_overdue: u32,
}

/// A supervision order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDto {
    /// `DB-2025-0001`.
    pub id: String,
    pub title: String,
    pub body: String,
    pub source: SourceDto,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    /// The current deadline (moved by an approved extension).
    #[schema(value_type = String, format = Date)]
    pub deadline: NaiveDate,
    /// `registered`, `assigned`, `in_progress`, `extension_requested`, `answered`,
    /// `closed`, `returned`.
    #[schema(value_type = String)]
    pub state: OrderState,
    /// UTC.
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// Every successful transition, oldest first.
    pub events: Vec<EventDto>,
    /// The checklist of the last closing review (all false before one).
    pub checklist: ChecklistDto,
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<NaiveDateTime>,
    pub extensions: Vec<ExtensionDto>,
}

/// Where an order came from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SourceDto {
    /// Raised by hand.
    Manual,
    /// Raised when an indicator's light turned red for a place and period.
    RedLight {
        indicator: String,
        place: String,
        period: String,
    },
    /// Raised when a unit was in the bottom of the monthly ranking for months running.
    BottomRank {
        /// `town` or `department`.
        by: String,
        /// `2025-06`.
        month: String,
        unit: String,
    },
    /// Raised when a service item of the catalogue was not met at a place in a period.
    ComplianceGap {
        item: String,
        place: String,
        period: String,
    },
}

/// One successful transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDto {
    /// UTC.
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: ActionDto,
    #[schema(value_type = String)]
    pub from: OrderState,
    #[schema(value_type = String)]
    pub to: OrderState,
    /// The feedback text, the reason of a return or an extension, or empty.
    pub note: String,
}

/// An action on an order, with what it takes.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ActionDto {
    /// 交办 (the office).
    Assign,
    /// 签收 (the lead unit).
    Accept,
    /// 申请延期: to a later date, with a reason (the lead unit).
    RequestExtension {
        #[schema(value_type = String, format = Date)]
        new_deadline: NaiveDate,
        reason: String,
    },
    /// 延期审批 (the office).
    DecideExtension { approve: bool },
    /// 反馈 (the lead unit).
    Feedback { text: String },
    /// 审结通过: only with every check passed (the office).
    Approve { checklist: ChecklistDto },
    /// 退回, with the reason (the office).
    Return { reason: String },
}

/// The six checks of the closing review; a check left out is not passed.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ChecklistDto {
    /// 事实清楚
    pub facts_clear: bool,
    /// 问题解决
    pub problem_solved: bool,
    /// 任务完成
    pub task_done: bool,
    /// 结论准确
    pub conclusion_accurate: bool,
    /// 合规合法
    pub compliant: bool,
    /// 格式规范
    pub format_correct: bool,
}

/// An extension asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionDto {
    #[schema(value_type = String)]
    pub asked_at: NaiveDateTime,
    #[schema(value_type = String, format = Date)]
    pub old_deadline: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub new_deadline: NaiveDate,
    pub reason: String,
    /// None while undecided.
    pub approved: Option<bool>,
}

/// A lead unit's orders counted (the last row, `total`, sums them).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsDto {
    pub unit: String,
    pub raised: usize,
    pub closed: usize,
    pub closed_on_time: usize,
    pub open: usize,
    pub overdue: usize,
    /// Closed or past the deadline: the denominator of both rates.
    pub due: usize,
    /// Closed on time ÷ due (0–1); none when nothing is due.
    pub closure_rate: Option<f64>,
    /// (Overdue + closed late) ÷ due (0–1).
    pub overdue_rate: Option<f64>,
    /// The totals row.
    pub total: bool,
}

/// What a sweep did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SweepOut {
    /// Ids of the orders raised for red lights.
    pub raised: Vec<String>,
    pub reminders: usize,
    pub escalations: usize,
}

/// An action's body: the action with its fields, and the order's version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionIn {
    /// The order's version as last read (409 when someone changed it since).
    #[schema(minimum = 0)]
    pub version: i64,
    #[serde(flatten)]
    pub action: ActionDto,
}

impl From<&Order> for OrderDto {
    fn from(o: &Order) -> Self {
        let Order {
            id,
            title,
            body,
            source,
            lead_unit,
            partner_units,
            deadline,
            state,
            created_at,
            created_by,
            events,
            checklist,
            closed_at,
            extensions,
        } = o;
        OrderDto {
            id: id.clone(),
            title: title.clone(),
            body: body.clone(),
            source: match source.clone() {
                OrderSource::Manual => SourceDto::Manual,
                OrderSource::RedLight {
                    indicator,
                    place,
                    period,
                } => SourceDto::RedLight {
                    indicator,
                    place,
                    period,
                },
                OrderSource::BottomRank { by, month, unit } => {
                    SourceDto::BottomRank { by, month, unit }
                }
                OrderSource::ComplianceGap {
                    item,
                    place,
                    period,
                } => SourceDto::ComplianceGap {
                    item,
                    place,
                    period,
                },
            },
            lead_unit: lead_unit.clone(),
            partner_units: partner_units.clone(),
            deadline: *deadline,
            state: *state,
            created_at: *created_at,
            created_by: created_by.clone(),
            events: events
                .iter()
                .map(|e| {
                    let OrderEvent {
                        at,
                        actor,
                        action,
                        from,
                        to,
                        note,
                    } = e;
                    EventDto {
                        at: *at,
                        actor: actor.clone(),
                        action: action.clone().into(),
                        from: *from,
                        to: *to,
                        note: note.clone(),
                    }
                })
                .collect(),
            checklist: (*checklist).into(),
            closed_at: *closed_at,
            extensions: extensions
                .iter()
                .map(|x| {
                    let Extension {
                        asked_at,
                        old_deadline,
                        new_deadline,
                        reason,
                        approved,
                    } = x;
                    ExtensionDto {
                        asked_at: *asked_at,
                        old_deadline: *old_deadline,
                        new_deadline: *new_deadline,
                        reason: reason.clone(),
                        approved: *approved,
                    }
                })
                .collect(),
        }
    }
}

impl From<OrderAction> for ActionDto {
    fn from(a: OrderAction) -> Self {
        match a {
            OrderAction::Assign => ActionDto::Assign,
            OrderAction::Accept => ActionDto::Accept,
            OrderAction::RequestExtension {
                new_deadline,
                reason,
            } => ActionDto::RequestExtension {
                new_deadline,
                reason,
            },
            OrderAction::DecideExtension { approve } => ActionDto::DecideExtension { approve },
            OrderAction::Feedback { text } => ActionDto::Feedback { text },
            OrderAction::Approve { checklist } => ActionDto::Approve {
                checklist: checklist.into(),
            },
            OrderAction::Return { reason } => ActionDto::Return { reason },
        }
    }
}

impl From<ActionDto> for OrderAction {
    fn from(a: ActionDto) -> Self {
        match a {
            ActionDto::Assign => OrderAction::Assign,
            ActionDto::Accept => OrderAction::Accept,
            ActionDto::RequestExtension {
                new_deadline,
                reason,
            } => OrderAction::RequestExtension {
                new_deadline,
                reason,
            },
            ActionDto::DecideExtension { approve } => OrderAction::DecideExtension { approve },
            ActionDto::Feedback { text } => OrderAction::Feedback { text },
            ActionDto::Approve { checklist } => OrderAction::Approve {
                checklist: checklist.into(),
            },
            ActionDto::Return { reason } => OrderAction::Return { reason },
        }
    }
}

impl From<ReviewChecklist> for ChecklistDto {
    fn from(c: ReviewChecklist) -> Self {
        let ReviewChecklist {
            facts_clear,
            problem_solved,
            task_done,
            conclusion_accurate,
            compliant,
            format_correct,
        } = c;
        ChecklistDto {
            facts_clear,
            problem_solved,
            task_done,
            conclusion_accurate,
            compliant,
            format_correct,
        }
    }
}

impl From<ChecklistDto> for ReviewChecklist {
    fn from(c: ChecklistDto) -> Self {
        ReviewChecklist {
            facts_clear: c.facts_clear,
            problem_solved: c.problem_solved,
            task_done: c.task_done,
            conclusion_accurate: c.conclusion_accurate,
            compliant: c.compliant,
            format_correct: c.format_correct,
        }
    }
}

impl From<UnitOrderStats> for StatsDto {
    fn from(s: UnitOrderStats) -> Self {
        let UnitOrderStats {
            unit,
            raised,
            closed,
            closed_on_time,
            open,
            overdue,
            due,
            closure_rate,
            overdue_rate,
            total,
        } = s;
        StatsDto {
            unit,
            raised,
            closed,
            closed_on_time,
            open,
            overdue,
            due,
            closure_rate,
            overdue_rate,
            total,
        }
    }
}
