//! 随时督办: supervision orders (督办单) and their workflow (governance-practice §4).
//!
//! States and the actions between them ([`Order::apply`]):
//!
//! ```text
//! 立项 ─Assign→ 交办 ─Accept→ 办理中 ─Feedback→ 已反馈 ─Approve(全部核查通过)→ 审结通过
//!                │              │                      └─Return(附理由)→ 退回
//!                └─RequestExtension (截止日当天及以前,新期限晚于原期限)→ 申请延期
//!                                                  ─DecideExtension→ 回到申请前的状态
//! 退回 ─Feedback→ 已反馈 (重新报送)    退回 ─Accept→ 办理中
//! ```
//!
//! Who may take which action (the lead unit or the programme office) is the
//! application's check; [`OrderAction::by_lead_unit`] says whose action it is.

use chrono::{NaiveDate, NaiveDateTime};

use crate::china_time::beijing_date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The state of a supervision order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 立项: registered, with a deadline, not yet sent.
    Registered,
    /// 交办: sent to the lead unit.
    Assigned,
    /// 办理中: accepted by the lead unit and being handled.
    InProgress,
    /// 申请延期: an extension was asked and awaits the decision.
    ExtensionRequested,
    /// 已反馈: the lead unit reported the result; awaiting the closing review.
    Answered,
    /// 审结通过: the closing review passed.
    Closed,
    /// 退回: the closing review sent it back.
    Returned,
}

impl OrderState {
    pub const ALL: [OrderState; 7] = [
        OrderState::Registered,
        OrderState::Assigned,
        OrderState::InProgress,
        OrderState::ExtensionRequested,
        OrderState::Answered,
        OrderState::Closed,
        OrderState::Returned,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            OrderState::Registered => "立项",
            OrderState::Assigned => "交办",
            OrderState::InProgress => "办理中",
            OrderState::ExtensionRequested => "申请延期",
            OrderState::Answered => "已反馈",
            OrderState::Closed => "审结通过",
            OrderState::Returned => "退回",
        }
    }

    /// Same as [`OrderState::label_zh`].
    pub fn label(self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OrderState::Registered => "registered",
            OrderState::Assigned => "assigned",
            OrderState::InProgress => "in progress",
            OrderState::ExtensionRequested => "extension requested",
            OrderState::Answered => "answered",
            OrderState::Closed => "closed",
            OrderState::Returned => "returned",
        }
    }

    /// Every state but 审结通过.
    pub fn is_open(self) -> bool {
        self != OrderState::Closed
    }
}

crate::labelled!(OrderState, "督办单状态", {
    Registered => "registered",
    Assigned => "assigned",
    InProgress => "in_progress",
    ExtensionRequested => "extension_requested",
    Answered => "answered",
    Closed => "closed",
    Returned => "returned",
});

/// Where an order came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OrderSource {
    /// Raised by hand.
    Manual,
    /// Raised when an indicator's light turned red for a place and period.
    RedLight {
        indicator: String,
        place: String,
        period: String,
    },
    /// Raised when a unit was in the bottom of the monthly ranking for the configured
    /// number of months running.
    BottomRank {
        /// `town` or `department`.
        by: String,
        /// The month of the ranking that raised it, e.g. `2025-06`.
        month: String,
        /// The unit that was in the bottom.
        #[serde(default)]
        unit: String,
    },
    /// Raised when a service item of the catalogue was not met (服务未达标) at a place in
    /// a period.
    ComplianceGap {
        item: String,
        place: String,
        period: String,
    },
}

impl OrderSource {
    /// A stable string that identifies an automatic cause, to raise one order per cause:
    /// `red_light:{indicator}:{place}:{period}`, `bottom_rank:{by}:{month}:{unit}`.
    /// Manual orders all share the key `manual` and are never deduplicated.
    pub fn key(&self) -> String {
        match self {
            OrderSource::Manual => "manual".into(),
            OrderSource::RedLight {
                indicator,
                place,
                period,
            } => format!("red_light:{indicator}:{place}:{period}"),
            OrderSource::BottomRank { by, month, unit } => {
                format!("bottom_rank:{by}:{month}:{unit}")
            }
            OrderSource::ComplianceGap {
                item,
                place,
                period,
            } => format!("compliance_gap:{item}:{place}:{period}"),
        }
    }

    pub fn is_automatic(&self) -> bool {
        !matches!(self, OrderSource::Manual)
    }

    pub fn label_zh(&self) -> String {
        match self {
            OrderSource::Manual => "人工立项".into(),
            OrderSource::RedLight {
                indicator,
                place,
                period,
            } => format!("红灯自动立项({indicator},{place},{period})"),
            OrderSource::BottomRank { by, month, unit } => {
                let by = if by == "town" { "镇街" } else { "部门" };
                format!("{month} {by}排名连续靠后自动立项({unit})")
            }
            OrderSource::ComplianceGap {
                item,
                place,
                period,
            } => format!("服务未达标自动立项({item},{place},{period})"),
        }
    }

    /// Same as [`OrderSource::label_zh`].
    pub fn label(&self) -> String {
        self.label_zh()
    }

    pub fn label_en(&self) -> String {
        match self {
            OrderSource::Manual => "raised by hand".into(),
            OrderSource::RedLight {
                indicator,
                place,
                period,
            } => format!("red light ({indicator}, {place}, {period})"),
            OrderSource::BottomRank { by, month, unit } => {
                format!("bottom of the {by} ranking running to {month} ({unit})")
            }
            OrderSource::ComplianceGap {
                item,
                place,
                period,
            } => format!("service item not met ({item}, {place}, {period})"),
        }
    }
}

/// The six checks of the closing review (审结, governance-practice §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewChecklist {
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

/// One check of the closing review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewCheck {
    FactsClear,
    ProblemSolved,
    TaskDone,
    ConclusionAccurate,
    Compliant,
    FormatCorrect,
}

impl ReviewCheck {
    pub const ALL: [ReviewCheck; 6] = [
        ReviewCheck::FactsClear,
        ReviewCheck::ProblemSolved,
        ReviewCheck::TaskDone,
        ReviewCheck::ConclusionAccurate,
        ReviewCheck::Compliant,
        ReviewCheck::FormatCorrect,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            ReviewCheck::FactsClear => "事实清楚",
            ReviewCheck::ProblemSolved => "问题解决",
            ReviewCheck::TaskDone => "任务完成",
            ReviewCheck::ConclusionAccurate => "结论准确",
            ReviewCheck::Compliant => "合规合法",
            ReviewCheck::FormatCorrect => "格式规范",
        }
    }

    /// Same as [`ReviewCheck::label_zh`].
    pub fn label(self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ReviewCheck::FactsClear => "facts clear",
            ReviewCheck::ProblemSolved => "problem solved",
            ReviewCheck::TaskDone => "task done",
            ReviewCheck::ConclusionAccurate => "conclusion accurate",
            ReviewCheck::Compliant => "compliant with policy and law",
            ReviewCheck::FormatCorrect => "format correct",
        }
    }
}

impl ReviewChecklist {
    /// Every check passed.
    pub fn all() -> Self {
        ReviewChecklist {
            facts_clear: true,
            problem_solved: true,
            task_done: true,
            conclusion_accurate: true,
            compliant: true,
            format_correct: true,
        }
    }

    pub fn get(&self, check: ReviewCheck) -> bool {
        match check {
            ReviewCheck::FactsClear => self.facts_clear,
            ReviewCheck::ProblemSolved => self.problem_solved,
            ReviewCheck::TaskDone => self.task_done,
            ReviewCheck::ConclusionAccurate => self.conclusion_accurate,
            ReviewCheck::Compliant => self.compliant,
            ReviewCheck::FormatCorrect => self.format_correct,
        }
    }

    pub fn set(&mut self, check: ReviewCheck, value: bool) {
        let slot = match check {
            ReviewCheck::FactsClear => &mut self.facts_clear,
            ReviewCheck::ProblemSolved => &mut self.problem_solved,
            ReviewCheck::TaskDone => &mut self.task_done,
            ReviewCheck::ConclusionAccurate => &mut self.conclusion_accurate,
            ReviewCheck::Compliant => &mut self.compliant,
            ReviewCheck::FormatCorrect => &mut self.format_correct,
        };
        *slot = value;
    }

    /// (check, passed) in the published order.
    pub fn items(&self) -> [(ReviewCheck, bool); 6] {
        ReviewCheck::ALL.map(|c| (c, self.get(c)))
    }

    pub fn all_passed(&self) -> bool {
        ReviewCheck::ALL.iter().all(|&c| self.get(c))
    }

    /// The checks that did not pass.
    pub fn failing(&self) -> Vec<ReviewCheck> {
        ReviewCheck::ALL
            .into_iter()
            .filter(|&c| !self.get(c))
            .collect()
    }
}

/// An action on an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum OrderAction {
    /// 交办: send to the lead unit (programme office).
    Assign,
    /// 签收: the lead unit accepts (also after 退回).
    Accept,
    /// 申请延期: before or on the deadline, to a later date, with a reason (lead unit).
    RequestExtension {
        new_deadline: NaiveDate,
        reason: String,
    },
    /// 延期审批 (programme office).
    DecideExtension { approve: bool },
    /// 反馈: the lead unit reports the result (a resubmission after 退回).
    Feedback { text: String },
    /// 审结通过: only with every check passed (programme office).
    Approve { checklist: ReviewChecklist },
    /// 退回, with the reason (programme office).
    Return { reason: String },
}

crate::labelled!(ReviewCheck, "审结核查项", {
    FactsClear => "facts_clear",
    ProblemSolved => "problem_solved",
    TaskDone => "task_done",
    ConclusionAccurate => "conclusion_accurate",
    Compliant => "compliant",
    FormatCorrect => "format_correct",
});

/// The kind of an [`OrderAction`], without its data: what a page offers as buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Assign,
    Accept,
    RequestExtension,
    DecideExtension,
    Feedback,
    Approve,
    Return,
}

impl ActionKind {
    pub const ALL: [ActionKind; 7] = [
        ActionKind::Assign,
        ActionKind::Accept,
        ActionKind::RequestExtension,
        ActionKind::DecideExtension,
        ActionKind::Feedback,
        ActionKind::Approve,
        ActionKind::Return,
    ];

    /// Accept, RequestExtension and Feedback are the lead unit's; the rest the programme
    /// office's.
    pub fn by_lead_unit(self) -> bool {
        matches!(
            self,
            ActionKind::Accept | ActionKind::RequestExtension | ActionKind::Feedback
        )
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ActionKind::Assign => "交办",
            ActionKind::Accept => "签收",
            ActionKind::RequestExtension => "申请延期",
            ActionKind::DecideExtension => "延期审批",
            ActionKind::Feedback => "反馈",
            ActionKind::Approve => "审结通过",
            ActionKind::Return => "退回",
        }
    }

    /// Same as [`ActionKind::label_zh`].
    pub fn label(self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ActionKind::Assign => "assign",
            ActionKind::Accept => "accept",
            ActionKind::RequestExtension => "request extension",
            ActionKind::DecideExtension => "decide extension",
            ActionKind::Feedback => "feedback",
            ActionKind::Approve => "approve (close)",
            ActionKind::Return => "return",
        }
    }
}

crate::labelled!(ActionKind, "督办操作", {
    Assign => "assign",
    Accept => "accept",
    RequestExtension => "request_extension",
    DecideExtension => "decide_extension",
    Feedback => "feedback",
    Approve => "approve",
    Return => "return",
});

impl OrderAction {
    /// Whether the action is the lead unit's (Accept, RequestExtension, Feedback); the
    /// rest are the programme office's.
    pub fn by_lead_unit(&self) -> bool {
        self.kind().by_lead_unit()
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            OrderAction::Assign => ActionKind::Assign,
            OrderAction::Accept => ActionKind::Accept,
            OrderAction::RequestExtension { .. } => ActionKind::RequestExtension,
            OrderAction::DecideExtension { .. } => ActionKind::DecideExtension,
            OrderAction::Feedback { .. } => ActionKind::Feedback,
            OrderAction::Approve { .. } => ActionKind::Approve,
            OrderAction::Return { .. } => ActionKind::Return,
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            OrderAction::Assign => "交办",
            OrderAction::Accept => "签收",
            OrderAction::RequestExtension { .. } => "申请延期",
            OrderAction::DecideExtension { approve: true } => "批准延期",
            OrderAction::DecideExtension { approve: false } => "不予延期",
            OrderAction::Feedback { .. } => "反馈",
            OrderAction::Approve { .. } => "审结通过",
            OrderAction::Return { .. } => "退回",
        }
    }

    /// Same as [`OrderAction::label_zh`].
    pub fn label(&self) -> &'static str {
        self.label_zh()
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            OrderAction::Assign => "assign",
            OrderAction::Accept => "accept",
            OrderAction::RequestExtension { .. } => "request extension",
            OrderAction::DecideExtension { approve: true } => "approve extension",
            OrderAction::DecideExtension { approve: false } => "refuse extension",
            OrderAction::Feedback { .. } => "feedback",
            OrderAction::Approve { .. } => "approve (close)",
            OrderAction::Return { .. } => "return",
        }
    }
}

/// One successful transition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderEvent {
    pub at: NaiveDateTime,
    pub actor: String,
    pub action: OrderAction,
    pub from: OrderState,
    pub to: OrderState,
    /// The feedback text, the reason of a return or an extension, or empty.
    pub note: String,
}

/// An extension asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extension {
    pub asked_at: NaiveDateTime,
    pub old_deadline: NaiveDate,
    pub new_deadline: NaiveDate,
    pub reason: String,
    /// None while undecided.
    pub approved: Option<bool>,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum OrderError {
    #[error("督办单处于“{}”状态,不能“{}”", state.label_zh(), action)]
    NotAllowed { state: OrderState, action: String },
    #[error(
        "督办单处于“{}”状态,不能“申请延期”:已过截止日期 {deadline}(申请日 {asked}),延期须在截止日前申请",
        state.label_zh()
    )]
    ExtensionAfterDeadline {
        state: OrderState,
        deadline: NaiveDate,
        asked: NaiveDate,
    },
    #[error(
        "督办单处于“{}”状态,不能“申请延期”:新期限 {new_deadline} 须晚于原期限 {deadline}",
        state.label_zh()
    )]
    ExtensionNotLater {
        state: OrderState,
        deadline: NaiveDate,
        new_deadline: NaiveDate,
    },
    #[error("督办单处于“{}”状态,不能“{}”:须写明理由", state.label_zh(), action)]
    ReasonRequired { state: OrderState, action: String },
    #[error("督办单处于“{}”状态,不能“反馈”:反馈内容不能为空", state.label_zh())]
    EmptyFeedback { state: OrderState },
    #[error(
        "督办单处于“{}”状态,不能“审结通过”:审结核查未通过:{}",
        state.label_zh(),
        failing.iter().map(|c| c.label_zh()).collect::<Vec<_>>().join("、")
    )]
    ChecklistFailed {
        state: OrderState,
        failing: Vec<ReviewCheck>,
    },
}

/// The fields of a new order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderDraft {
    pub id: String,
    pub title: String,
    pub body: String,
    pub source: OrderSource,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    pub deadline: NaiveDate,
}

/// A supervision order (督办单).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub title: String,
    pub body: String,
    pub source: OrderSource,
    pub lead_unit: String,
    pub partner_units: Vec<String>,
    /// The current deadline (moved by an approved extension).
    pub deadline: NaiveDate,
    pub state: OrderState,
    pub created_at: NaiveDateTime,
    pub created_by: String,
    /// Every successful transition, oldest first.
    pub events: Vec<OrderEvent>,
    /// The checklist of the last closing review (all false before one).
    pub checklist: ReviewChecklist,
    pub closed_at: Option<NaiveDateTime>,
    pub extensions: Vec<Extension>,
}

/// Reminders before the deadline and escalation levels after it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EscalationRule {
    /// Remind the lead unit this many days before the deadline ([3, 1]).
    pub remind_days_before: Vec<u32>,
    /// (days overdue ≥, label), level 1 first.
    pub levels: Vec<(u32, String)>,
}

impl Default for EscalationRule {
    fn default() -> Self {
        EscalationRule {
            remind_days_before: vec![3, 1],
            levels: vec![
                (1, "催办".into()),
                (8, "约谈牵头单位负责人".into()),
                (16, "分管区领导约谈".into()),
            ],
        }
    }
}

impl Order {
    /// A new order in the state 立项.
    pub fn new(
        draft: OrderDraft,
        created_by: impl Into<String>,
        created_at: NaiveDateTime,
    ) -> Order {
        Order {
            id: draft.id,
            title: draft.title,
            body: draft.body,
            source: draft.source,
            lead_unit: draft.lead_unit,
            partner_units: draft.partner_units,
            deadline: draft.deadline,
            state: OrderState::Registered,
            created_at,
            created_by: created_by.into(),
            events: Vec::new(),
            checklist: ReviewChecklist::default(),
            closed_at: None,
            extensions: Vec::new(),
        }
    }

    /// The state the next action would lead to, or why it is refused. Does not change
    /// the order.
    pub fn check(&self, action: &OrderAction, at: NaiveDateTime) -> Result<OrderState, OrderError> {
        use OrderAction as A;
        use OrderState as S;
        let state = self.state;
        let refused = || OrderError::NotAllowed {
            state,
            action: action.label_zh().to_string(),
        };
        match (action, state) {
            (A::Assign, S::Registered) => Ok(S::Assigned),
            (A::Accept, S::Assigned | S::Returned) => Ok(S::InProgress),
            (
                A::RequestExtension {
                    new_deadline,
                    reason,
                },
                S::Assigned | S::InProgress,
            ) => {
                if beijing_date(at) > self.deadline {
                    Err(OrderError::ExtensionAfterDeadline {
                        state,
                        deadline: self.deadline,
                        asked: beijing_date(at),
                    })
                } else if *new_deadline <= self.deadline {
                    Err(OrderError::ExtensionNotLater {
                        state,
                        deadline: self.deadline,
                        new_deadline: *new_deadline,
                    })
                } else if reason.trim().is_empty() {
                    Err(OrderError::ReasonRequired {
                        state,
                        action: action.label_zh().into(),
                    })
                } else {
                    Ok(S::ExtensionRequested)
                }
            }
            (A::DecideExtension { .. }, S::ExtensionRequested) => Ok(self.state_before_extension()),
            (A::Feedback { text }, S::InProgress | S::Returned) => {
                if text.trim().is_empty() {
                    Err(OrderError::EmptyFeedback { state })
                } else {
                    Ok(S::Answered)
                }
            }
            (A::Approve { checklist }, S::Answered) => {
                if checklist.all_passed() {
                    Ok(S::Closed)
                } else {
                    Err(OrderError::ChecklistFailed {
                        state,
                        failing: checklist.failing(),
                    })
                }
            }
            (A::Return { reason }, S::Answered) => {
                if reason.trim().is_empty() {
                    Err(OrderError::ReasonRequired {
                        state,
                        action: action.label_zh().into(),
                    })
                } else {
                    Ok(S::Returned)
                }
            }
            _ => Err(refused()),
        }
    }

    /// The kinds of action the state machine accepts now, given a well-formed payload
    /// (a reason, a later deadline, a passed checklist). A request for extension is
    /// offered only on or before the deadline (`today` ≤ deadline).
    pub fn available_actions(&self, today: NaiveDate) -> Vec<ActionKind> {
        use ActionKind as K;
        use OrderState as S;
        let kinds: &[K] = match self.state {
            S::Registered => &[K::Assign],
            S::Assigned => &[K::Accept, K::RequestExtension],
            S::InProgress => &[K::RequestExtension, K::Feedback],
            S::ExtensionRequested => &[K::DecideExtension],
            S::Answered => &[K::Approve, K::Return],
            S::Closed => &[],
            S::Returned => &[K::Accept, K::Feedback],
        };
        kinds
            .iter()
            .copied()
            .filter(|k| *k != K::RequestExtension || today <= self.deadline)
            .collect()
    }

    /// The state an extension request was made from (办理中 if unknown).
    fn state_before_extension(&self) -> OrderState {
        self.events
            .iter()
            .rev()
            .find(|e| e.to == OrderState::ExtensionRequested)
            .map(|e| e.from)
            .unwrap_or(OrderState::InProgress)
    }

    /// Applies an action: checks it against the state machine, then changes the state,
    /// records the event, and updates the deadline, extensions, checklist and closing
    /// time. A refused action changes nothing.
    pub fn apply(
        &mut self,
        action: OrderAction,
        actor: impl Into<String>,
        at: NaiveDateTime,
    ) -> Result<(), OrderError> {
        let to = self.check(&action, at)?;
        let from = self.state;
        let note = match &action {
            OrderAction::RequestExtension {
                new_deadline,
                reason,
            } => {
                self.extensions.push(Extension {
                    asked_at: at,
                    old_deadline: self.deadline,
                    new_deadline: *new_deadline,
                    reason: reason.clone(),
                    approved: None,
                });
                reason.clone()
            }
            OrderAction::DecideExtension { approve } => {
                if let Some(ext) = self
                    .extensions
                    .iter_mut()
                    .rev()
                    .find(|e| e.approved.is_none())
                {
                    ext.approved = Some(*approve);
                    if *approve {
                        self.deadline = ext.new_deadline;
                    }
                }
                String::new()
            }
            OrderAction::Feedback { text } => text.clone(),
            OrderAction::Approve { checklist } => {
                self.checklist = *checklist;
                self.closed_at = Some(at);
                String::new()
            }
            OrderAction::Return { reason } => reason.clone(),
            OrderAction::Assign | OrderAction::Accept => String::new(),
        };
        self.state = to;
        self.events.push(OrderEvent {
            at,
            actor: actor.into(),
            action,
            from,
            to,
            note,
        });
        Ok(())
    }

    /// Days past the deadline on `today` (0 when not past it).
    pub fn days_overdue(&self, today: NaiveDate) -> u32 {
        let d = (today - self.deadline).num_days();
        d.clamp(0, u32::MAX as i64) as u32
    }

    /// Open and past the deadline (the deadline day itself is not overdue).
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.state.is_open() && today > self.deadline
    }

    /// Closed (审结通过) on or before the deadline in force.
    pub fn closed_on_time(&self) -> bool {
        self.state == OrderState::Closed
            && self
                .closed_at
                .is_some_and(|c| beijing_date(c) <= self.deadline)
    }

    /// The highest escalation level reached on `today` (1-based) and its label. None
    /// while not overdue, closed, or answered (awaiting the office's review: the lead
    /// unit has done its part), or before the first level's day count.
    pub fn escalation(&self, today: NaiveDate, rule: &EscalationRule) -> Option<(u32, String)> {
        if !self.is_overdue(today) || self.state == OrderState::Answered {
            return None;
        }
        let days = self.days_overdue(today);
        let mut levels: Vec<&(u32, String)> = rule.levels.iter().collect();
        levels.sort_by_key(|l| l.0);
        levels
            .iter()
            .enumerate()
            .rfind(|(_, (d, _))| days >= *d)
            .map(|(i, (_, label))| (i as u32 + 1, label.clone()))
    }

    /// The reminder day counts that apply on `today` (deadline − today == d), for an
    /// order still with the lead unit (not answered or closed).
    pub fn due_reminders(&self, today: NaiveDate, rule: &EscalationRule) -> Vec<u32> {
        if matches!(self.state, OrderState::Closed | OrderState::Answered) {
            return Vec::new();
        }
        let left = (self.deadline - today).num_days();
        let mut v: Vec<u32> = rule
            .remind_days_before
            .iter()
            .copied()
            .filter(|&d| d as i64 == left)
            .collect();
        v.dedup();
        v
    }
}

/// The unit name of the totals row of [`unit_stats`].
pub const TOTAL_ROW: &str = "合计";

/// Supervision statistics of one lead unit (or the totals row).
///
/// Counted for the lead unit only. On `today`:
/// - `raised`: orders led by the unit; `closed`: 审结通过; `closed_on_time`: closed on or
///   before the deadline in force; `open` = raised − closed; `overdue`: open and past
///   the deadline;
/// - the denominator of both rates is the orders that are due — closed, or whose
///   deadline has passed (today > deadline);
/// - `closure_rate` = closed_on_time ÷ due;
/// - `overdue_rate` = (overdue + closed late) ÷ due;
/// - both None when nothing is due. closure_rate + overdue_rate = 1 whenever defined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitOrderStats {
    pub unit: String,
    pub raised: usize,
    pub closed: usize,
    pub closed_on_time: usize,
    pub open: usize,
    pub overdue: usize,
    /// Closed or past the deadline: the denominator of both rates.
    pub due: usize,
    pub closure_rate: Option<f64>,
    pub overdue_rate: Option<f64>,
    /// The totals row (unit = [`TOTAL_ROW`]).
    pub total: bool,
}

impl UnitOrderStats {
    fn empty(unit: &str, total: bool) -> Self {
        UnitOrderStats {
            unit: unit.into(),
            raised: 0,
            closed: 0,
            closed_on_time: 0,
            open: 0,
            overdue: 0,
            due: 0,
            closure_rate: None,
            overdue_rate: None,
            total,
        }
    }

    fn add(&mut self, o: &Order, today: NaiveDate) {
        self.raised += 1;
        let closed = o.state == OrderState::Closed;
        if closed {
            self.closed += 1;
            if o.closed_on_time() {
                self.closed_on_time += 1;
            }
        } else {
            self.open += 1;
            if o.is_overdue(today) {
                self.overdue += 1;
            }
        }
        if closed || today > o.deadline {
            self.due += 1;
        }
    }

    fn finish(&mut self) {
        if self.due > 0 {
            let d = self.due as f64;
            self.closure_rate = Some(self.closed_on_time as f64 / d);
            let late = self.closed - self.closed_on_time;
            self.overdue_rate = Some((self.overdue + late) as f64 / d);
        }
    }
}

/// Statistics per lead unit (sorted by unit name), then the totals row.
pub fn unit_stats(orders: &[Order], today: NaiveDate) -> Vec<UnitOrderStats> {
    let mut by: BTreeMap<&str, UnitOrderStats> = BTreeMap::new();
    let mut total = UnitOrderStats::empty(TOTAL_ROW, true);
    for o in orders {
        by.entry(o.lead_unit.as_str())
            .or_insert_with(|| UnitOrderStats::empty(&o.lead_unit, false))
            .add(o, today);
        total.add(o, today);
    }
    let mut out: Vec<UnitOrderStats> = by.into_values().collect();
    out.push(total);
    for s in &mut out {
        s.finish();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("{s} 09:00:00"), "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn order(deadline: &str) -> Order {
        Order::new(
            OrderDraft {
                id: "DB-2025-001".into(),
                title: "托育机构覆盖率红灯".into(),
                body: "请于期限内整改".into(),
                source: OrderSource::Manual,
                lead_unit: "区卫健局".into(),
                partner_units: vec!["区教育局".into()],
                deadline: d(deadline),
            },
            "办公室",
            t("2025-06-01"),
        )
    }

    fn ext(new: &str) -> OrderAction {
        OrderAction::RequestExtension {
            new_deadline: d(new),
            reason: "施工季节".into(),
        }
    }

    fn feedback() -> OrderAction {
        OrderAction::Feedback {
            text: "已整改".into(),
        }
    }

    fn approve() -> OrderAction {
        OrderAction::Approve {
            checklist: ReviewChecklist::all(),
        }
    }

    fn ret() -> OrderAction {
        OrderAction::Return {
            reason: "材料不全".into(),
        }
    }

    fn all_actions() -> Vec<OrderAction> {
        vec![
            OrderAction::Assign,
            OrderAction::Accept,
            ext("2025-07-30"),
            OrderAction::DecideExtension { approve: true },
            OrderAction::DecideExtension { approve: false },
            feedback(),
            approve(),
            ret(),
        ]
    }

    /// An order driven into `state`.
    fn in_state(state: OrderState) -> Order {
        let mut o = order("2025-06-30");
        let at = t("2025-06-02");
        let path: Vec<OrderAction> = match state {
            OrderState::Registered => vec![],
            OrderState::Assigned => vec![OrderAction::Assign],
            OrderState::InProgress => vec![OrderAction::Assign, OrderAction::Accept],
            OrderState::ExtensionRequested => {
                vec![OrderAction::Assign, OrderAction::Accept, ext("2025-07-30")]
            }
            OrderState::Answered => vec![OrderAction::Assign, OrderAction::Accept, feedback()],
            OrderState::Closed => vec![
                OrderAction::Assign,
                OrderAction::Accept,
                feedback(),
                approve(),
            ],
            OrderState::Returned => {
                vec![OrderAction::Assign, OrderAction::Accept, feedback(), ret()]
            }
        };
        for a in path {
            o.apply(a, "x", at).unwrap();
        }
        assert_eq!(o.state, state);
        o
    }

    #[test]
    fn transition_table() {
        use OrderState as S;
        // (state, action index in all_actions, expected result state)
        let allowed: Vec<(S, usize, S)> = vec![
            (S::Registered, 0, S::Assigned),
            (S::Assigned, 1, S::InProgress),
            (S::Assigned, 2, S::ExtensionRequested),
            (S::InProgress, 2, S::ExtensionRequested),
            (S::ExtensionRequested, 3, S::InProgress),
            (S::ExtensionRequested, 4, S::InProgress),
            (S::InProgress, 5, S::Answered),
            (S::Returned, 5, S::Answered),
            (S::Returned, 1, S::InProgress),
            (S::Answered, 6, S::Closed),
            (S::Answered, 7, S::Returned),
        ];
        for state in OrderState::ALL {
            for (i, action) in all_actions().into_iter().enumerate() {
                let mut o = in_state(state);
                let before = o.clone();
                let expected = allowed
                    .iter()
                    .find(|(s, a, _)| *s == state && *a == i)
                    .map(|x| x.2);
                let res = o.apply(action.clone(), "y", t("2025-06-10"));
                match expected {
                    Some(to) => {
                        assert!(res.is_ok(), "{state:?} {action:?}: {res:?}");
                        assert_eq!(o.state, to);
                        let e = o.events.last().unwrap();
                        assert_eq!((e.from, e.to), (state, to));
                        assert_eq!(e.action, action);
                        assert_eq!(o.events.len(), before.events.len() + 1);
                    }
                    None => {
                        let err = res.unwrap_err();
                        assert_eq!(o, before, "a refused action changes nothing");
                        let msg = err.to_string();
                        assert!(msg.contains(state.label_zh()), "{msg}");
                        assert!(msg.contains(action.label_zh()), "{msg}");
                    }
                }
            }
        }
    }

    #[test]
    fn extension_from_assigned_returns_to_assigned() {
        let mut o = in_state(OrderState::Assigned);
        o.apply(ext("2025-07-15"), "局", t("2025-06-05")).unwrap();
        o.apply(
            OrderAction::DecideExtension { approve: false },
            "办",
            t("2025-06-06"),
        )
        .unwrap();
        assert_eq!(o.state, OrderState::Assigned);
        assert_eq!(o.deadline, d("2025-06-30"));
        assert_eq!(o.extensions[0].approved, Some(false));
    }

    #[test]
    fn extension_moves_the_deadline_when_approved() {
        let mut o = in_state(OrderState::InProgress);
        // On the deadline day itself: still allowed.
        o.apply(ext("2025-07-30"), "局", t("2025-06-30")).unwrap();
        assert_eq!(o.extensions.len(), 1);
        assert_eq!(o.extensions[0].old_deadline, d("2025-06-30"));
        assert_eq!(o.extensions[0].approved, None);
        o.apply(
            OrderAction::DecideExtension { approve: true },
            "办",
            t("2025-07-01"),
        )
        .unwrap();
        assert_eq!(o.state, OrderState::InProgress);
        assert_eq!(o.deadline, d("2025-07-30"));
        assert_eq!(o.extensions[0].approved, Some(true));
        assert_eq!(o.events.last().unwrap().note, "");
        assert_eq!(o.events[o.events.len() - 2].note, "施工季节");
    }

    #[test]
    fn extension_after_deadline_or_not_later_refused() {
        let mut o = in_state(OrderState::InProgress);
        let err = o
            .apply(ext("2025-07-30"), "局", t("2025-07-01"))
            .unwrap_err();
        assert!(matches!(err, OrderError::ExtensionAfterDeadline { .. }));
        assert!(err.to_string().contains("截止日前"), "{err}");
        let err = o
            .apply(ext("2025-06-30"), "局", t("2025-06-10"))
            .unwrap_err();
        assert!(matches!(err, OrderError::ExtensionNotLater { .. }));
        let err = o
            .apply(
                OrderAction::RequestExtension {
                    new_deadline: d("2025-07-30"),
                    reason: "  ".into(),
                },
                "局",
                t("2025-06-10"),
            )
            .unwrap_err();
        assert!(matches!(err, OrderError::ReasonRequired { .. }));
        assert_eq!(o.state, OrderState::InProgress);
        assert!(o.extensions.is_empty());
    }

    #[test]
    fn checklist_must_all_pass() {
        let mut o = in_state(OrderState::Answered);
        let mut c = ReviewChecklist::all();
        c.problem_solved = false;
        c.set(ReviewCheck::FormatCorrect, false);
        assert!(!c.all_passed());
        assert_eq!(
            c.failing(),
            vec![ReviewCheck::ProblemSolved, ReviewCheck::FormatCorrect]
        );
        let err = o
            .apply(OrderAction::Approve { checklist: c }, "办", t("2025-06-20"))
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("问题解决") && msg.contains("格式规范"),
            "{msg}"
        );
        assert!(!msg.contains("事实清楚"), "{msg}");
        assert_eq!(o.state, OrderState::Answered);
        assert!(ReviewChecklist::all().all_passed());
        assert!(!ReviewChecklist::default().all_passed());
        assert_eq!(ReviewChecklist::default().failing().len(), 6);
        let labels: Vec<&str> = ReviewCheck::ALL.iter().map(|c| c.label_zh()).collect();
        assert_eq!(
            labels,
            [
                "事实清楚",
                "问题解决",
                "任务完成",
                "结论准确",
                "合规合法",
                "格式规范"
            ]
        );
        o.apply(approve(), "办", t("2025-06-20")).unwrap();
        assert_eq!(o.state, OrderState::Closed);
        assert_eq!(o.closed_at, Some(t("2025-06-20")));
        assert!(o.closed_on_time());
        assert!(o.checklist.all_passed());
    }

    #[test]
    fn return_needs_reason_and_resubmission_works() {
        let mut o = in_state(OrderState::Answered);
        let err = o
            .apply(
                OrderAction::Return { reason: "".into() },
                "办",
                t("2025-06-20"),
            )
            .unwrap_err();
        assert!(matches!(err, OrderError::ReasonRequired { .. }));
        o.apply(ret(), "办", t("2025-06-20")).unwrap();
        assert_eq!(o.events.last().unwrap().note, "材料不全");
        o.apply(feedback(), "局", t("2025-06-25")).unwrap();
        assert_eq!(o.state, OrderState::Answered);
        let err = in_state(OrderState::InProgress)
            .apply(
                OrderAction::Feedback { text: " ".into() },
                "局",
                t("2025-06-25"),
            )
            .unwrap_err();
        assert!(matches!(err, OrderError::EmptyFeedback { .. }));
    }

    #[test]
    fn closed_late_is_not_on_time() {
        let mut o = in_state(OrderState::Answered);
        o.apply(approve(), "办", t("2025-07-01")).unwrap();
        assert!(!o.closed_on_time());
        assert!(!o.is_overdue(d("2025-07-05")));
    }

    #[test]
    fn available_actions_agree_with_apply() {
        let payload = |k: ActionKind| match k {
            ActionKind::Assign => OrderAction::Assign,
            ActionKind::Accept => OrderAction::Accept,
            ActionKind::RequestExtension => ext("2025-08-30"),
            ActionKind::DecideExtension => OrderAction::DecideExtension { approve: true },
            ActionKind::Feedback => feedback(),
            ActionKind::Approve => approve(),
            ActionKind::Return => ret(),
        };
        for state in OrderState::ALL {
            for day in ["2025-06-10", "2025-06-30", "2025-07-01"] {
                let o = in_state(state);
                let avail = o.available_actions(d(day));
                for k in ActionKind::ALL {
                    let ok = o.clone().apply(payload(k), "x", t(day)).is_ok();
                    assert_eq!(avail.contains(&k), ok, "{state:?} {k:?} {day}");
                }
            }
        }
        assert!(
            in_state(OrderState::Closed)
                .available_actions(d("2025-06-01"))
                .is_empty()
        );
    }

    #[test]
    fn by_lead_unit() {
        let lead: Vec<bool> = all_actions().iter().map(|a| a.by_lead_unit()).collect();
        assert_eq!(
            lead,
            vec![false, true, true, false, false, true, false, false]
        );
        for a in all_actions() {
            assert_eq!(a.by_lead_unit(), a.kind().by_lead_unit());
        }
    }

    #[test]
    fn escalation_days() {
        let rule = EscalationRule::default();
        let o = in_state(OrderState::InProgress); // deadline 2025-06-30
        assert_eq!(o.escalation(d("2025-06-30"), &rule), None);
        assert!(!o.is_overdue(d("2025-06-30")));
        assert!(o.is_overdue(d("2025-07-01")));
        assert_eq!(
            o.escalation(d("2025-07-01"), &rule),
            Some((1, "催办".to_string()))
        );
        assert_eq!(o.escalation(d("2025-07-07"), &rule).unwrap().0, 1);
        assert_eq!(
            o.escalation(d("2025-07-08"), &rule),
            Some((2, "约谈牵头单位负责人".to_string()))
        );
        assert_eq!(o.escalation(d("2025-07-15"), &rule).unwrap().0, 2);
        assert_eq!(
            o.escalation(d("2025-07-16"), &rule),
            Some((3, "分管区领导约谈".to_string()))
        );
        assert_eq!(o.escalation(d("2026-01-01"), &rule).unwrap().0, 3);
        assert_eq!(o.days_overdue(d("2025-07-16")), 16);
        assert_eq!(o.days_overdue(d("2025-06-01")), 0);
        // Closed or answered: no escalation.
        let c = in_state(OrderState::Closed);
        assert_eq!(c.escalation(d("2025-08-01"), &rule), None);
        let a = in_state(OrderState::Answered);
        assert_eq!(a.escalation(d("2025-08-01"), &rule), None);
        assert!(a.is_overdue(d("2025-08-01")));
    }

    #[test]
    fn custom_escalation_levels() {
        let rule = EscalationRule {
            remind_days_before: vec![7, 7, 0],
            levels: vec![(10, "二级".into()), (3, "一级".into())],
        };
        let o = in_state(OrderState::Returned); // deadline 2025-06-30
        assert_eq!(o.escalation(d("2025-07-02"), &rule), None);
        assert_eq!(
            o.escalation(d("2025-07-03"), &rule),
            Some((1, "一级".into()))
        );
        assert_eq!(
            o.escalation(d("2025-07-10"), &rule),
            Some((2, "二级".into()))
        );
        assert_eq!(o.due_reminders(d("2025-06-23"), &rule), vec![7]);
        assert_eq!(o.due_reminders(d("2025-06-30"), &rule), vec![0]);
        let none = EscalationRule {
            remind_days_before: vec![],
            levels: vec![],
        };
        assert_eq!(o.escalation(d("2025-09-01"), &none), None);
        let r: EscalationRule = serde_json::from_str("{}").unwrap();
        assert_eq!(r, EscalationRule::default());
    }

    #[test]
    fn reminders() {
        let rule = EscalationRule::default();
        let o = in_state(OrderState::InProgress); // deadline 2025-06-30
        assert_eq!(o.due_reminders(d("2025-06-27"), &rule), vec![3]);
        assert_eq!(o.due_reminders(d("2025-06-28"), &rule), Vec::<u32>::new());
        assert_eq!(o.due_reminders(d("2025-06-29"), &rule), vec![1]);
        assert_eq!(o.due_reminders(d("2025-06-30"), &rule), Vec::<u32>::new());
        let a = in_state(OrderState::Answered);
        assert!(a.due_reminders(d("2025-06-27"), &rule).is_empty());
    }

    #[test]
    fn stats() {
        let today = d("2025-07-10");
        let mk = |unit: &str, deadline: &str, state: OrderState, closed: Option<&str>| {
            let mut o = in_state(state);
            o.lead_unit = unit.into();
            o.deadline = d(deadline);
            o.closed_at = closed.map(t);
            o
        };
        let orders = vec![
            // A: closed on time, closed late, open overdue, open not yet due.
            mk("A", "2025-06-30", OrderState::Closed, Some("2025-06-20")),
            mk("A", "2025-06-30", OrderState::Closed, Some("2025-07-02")),
            mk("A", "2025-07-01", OrderState::InProgress, None),
            mk("A", "2025-07-31", OrderState::InProgress, None),
            // B: nothing due.
            mk("B", "2025-07-10", OrderState::Assigned, None),
        ];
        let s = unit_stats(&orders, today);
        assert_eq!(s.len(), 3);
        let a = &s[0];
        assert_eq!(a.unit, "A");
        assert_eq!(
            (
                a.raised,
                a.closed,
                a.closed_on_time,
                a.open,
                a.overdue,
                a.due
            ),
            (4, 2, 1, 2, 1, 3)
        );
        assert_eq!(a.closure_rate, Some(1.0 / 3.0));
        assert_eq!(a.overdue_rate, Some(2.0 / 3.0));
        let b = &s[1];
        assert_eq!((b.raised, b.due), (1, 0));
        assert_eq!(b.closure_rate, None);
        assert_eq!(b.overdue_rate, None);
        let tot = &s[2];
        assert!(tot.total && !a.total);
        assert_eq!(tot.unit, TOTAL_ROW);
        assert_eq!((tot.raised, tot.open, tot.due), (5, 3, 3));
        assert!(unit_stats(&[], today)[0].closure_rate.is_none());
    }

    #[test]
    fn source_keys_and_serde() {
        let s = OrderSource::RedLight {
            indicator: "YY01".into(),
            place: "330902001".into(),
            period: "2025-06".into(),
        };
        assert_eq!(s.key(), "red_light:YY01:330902001:2025-06");
        let b = OrderSource::BottomRank {
            by: "town".into(),
            month: "2025-06".into(),
            unit: "盐仓街道".into(),
        };
        assert_eq!(b.key(), "bottom_rank:town:2025-06:盐仓街道");
        assert!(b.is_automatic() && !OrderSource::Manual.is_automatic());
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"kind\":\"red_light\""), "{json}");
        let mut o = in_state(OrderState::Returned);
        o.source = b;
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.contains("\"action\":\"return\""), "{json}");
        assert_eq!(serde_json::from_str::<Order>(&json).unwrap(), o);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn action() -> impl Strategy<Value = OrderAction> {
            prop_oneof![
                Just(OrderAction::Assign),
                Just(OrderAction::Accept),
                (-5i64..40, any::<bool>()).prop_map(|(off, empty)| {
                    OrderAction::RequestExtension {
                        new_deadline: d("2025-06-30") + chrono::Duration::days(off),
                        reason: if empty {
                            String::new()
                        } else {
                            "原因".into()
                        },
                    }
                }),
                any::<bool>().prop_map(|approve| OrderAction::DecideExtension { approve }),
                any::<bool>().prop_map(|e| OrderAction::Feedback {
                    text: if e { String::new() } else { "结果".into() }
                }),
                any::<[bool; 6]>().prop_map(|b| {
                    let mut c = ReviewChecklist::default();
                    for (k, v) in ReviewCheck::ALL.iter().zip(b) {
                        c.set(*k, v || b.iter().filter(|x| **x).count() >= 5);
                    }
                    OrderAction::Approve { checklist: c }
                }),
                any::<bool>().prop_map(|e| OrderAction::Return {
                    reason: if e {
                        String::new()
                    } else {
                        "退回原因".into()
                    }
                }),
            ]
        }

        fn any_order() -> impl Strategy<Value = Order> {
            (0usize..7, 0u8..3, -20i64..20, prop::option::of(-20i64..20)).prop_map(
                |(s, unit, dl, closed)| {
                    let state = OrderState::ALL[s];
                    let mut o = in_state(state);
                    o.lead_unit = format!("U{unit}");
                    o.deadline = d("2025-07-01") + chrono::Duration::days(dl);
                    if state == OrderState::Closed {
                        let c = closed.unwrap_or(0);
                        o.closed_at = Some(t("2025-07-01") + chrono::Duration::days(c));
                    }
                    o
                },
            )
        }

        proptest! {
            #[test]
            fn stats_add_up(orders in prop::collection::vec(any_order(), 0..30), off in -30i64..30) {
                let today = d("2025-07-01") + chrono::Duration::days(off);
                let s = unit_stats(&orders, today);
                let (total, units) = s.split_last().unwrap();
                prop_assert!(total.total);
                prop_assert_eq!(total.raised, orders.len());
                prop_assert_eq!(units.iter().map(|u| u.raised).sum::<usize>(), total.raised);
                prop_assert_eq!(units.iter().map(|u| u.due).sum::<usize>(), total.due);
                for u in &s {
                    prop_assert_eq!(u.raised, u.closed + u.open);
                    prop_assert!(u.closed_on_time <= u.closed && u.overdue <= u.open);
                    prop_assert!(u.due <= u.raised);
                    match (u.closure_rate, u.overdue_rate) {
                        (Some(c), Some(o)) => {
                            prop_assert!(u.due > 0);
                            prop_assert!((0.0..=1.0).contains(&c) && (0.0..=1.0).contains(&o));
                            prop_assert!((c + o - 1.0).abs() < 1e-12);
                        }
                        (None, None) => prop_assert_eq!(u.due, 0),
                        _ => prop_assert!(false, "one rate without the other"),
                    }
                }
            }

            #[test]
            fn random_sequences_stay_consistent(
                steps in prop::collection::vec((action(), 0i64..60), 0..40)
            ) {
                let mut o = order("2025-06-30");
                let mut ok = 0usize;
                let mut at = t("2025-06-01");
                for (a, dt) in steps {
                    at += chrono::Duration::hours(dt);
                    let before = o.clone();
                    match o.apply(a.clone(), "u", at) {
                        Ok(()) => {
                            ok += 1;
                            let e = o.events.last().unwrap();
                            prop_assert_eq!(e.from, before.state);
                            prop_assert_eq!(e.to, o.state);
                            prop_assert_eq!(&e.action, &a);
                            prop_assert_eq!(e.at, at);
                        }
                        Err(_) => prop_assert_eq!(&o, &before),
                    }
                    prop_assert_eq!(o.events.len(), ok);
                    // Events chain: each starts where the last ended.
                    let mut s = OrderState::Registered;
                    for e in &o.events {
                        prop_assert_eq!(e.from, s);
                        s = e.to;
                    }
                    prop_assert_eq!(s, o.state);
                    // Reachable-state invariants.
                    prop_assert_eq!(o.state == OrderState::Closed, o.closed_at.is_some());
                    if o.state == OrderState::Closed { prop_assert!(o.checklist.all_passed()); }
                    let pending = o.extensions.iter().filter(|x| x.approved.is_none()).count();
                    prop_assert_eq!(pending, usize::from(o.state == OrderState::ExtensionRequested));
                    let approved_last = o.extensions.iter().rev().find(|x| x.approved == Some(true));
                    match approved_last {
                        Some(x) => prop_assert_eq!(o.deadline, x.new_deadline),
                        None => prop_assert_eq!(o.deadline, d("2025-06-30")),
                    }
                    for x in &o.extensions {
                        prop_assert!(x.new_deadline > x.old_deadline);
                        prop_assert!(beijing_date(x.asked_at) <= x.old_deadline);
                    }
                }
            }
        }
    }
}
