//! 公益点单/派单 (issue 16 point 4): a proposed match becomes an order to its provider —
//! 待接单 → 已接单 → 已完成 (date and evidence), or 已拒绝 (reason; the need is matched
//! again without that provider). The response time (dispatch → accept or refuse) per
//! provider; an order waiting past its deadline is overdue.
//!
//! Pure: the app stores, scopes and audits.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// Days a provider has to accept or refuse an order.
pub const RESPOND_DAYS: i64 = 3;
/// Days from acceptance to the service done.
pub const COMPLETE_DAYS: i64 = 14;

/// An order's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// 待接单
    Issued,
    /// 已接单
    Accepted,
    /// 已完成
    Done,
    /// 已拒绝
    Refused,
}

impl OrderState {
    pub fn label_zh(self) -> &'static str {
        match self {
            OrderState::Issued => "待接单",
            OrderState::Accepted => "已接单",
            OrderState::Done => "已完成",
            OrderState::Refused => "已拒绝",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            OrderState::Issued => "awaiting acceptance",
            OrderState::Accepted => "accepted",
            OrderState::Done => "done",
            OrderState::Refused => "refused",
        }
    }
    /// Whether the order still holds its provider's capacity.
    pub fn is_open(self) -> bool {
        matches!(self, OrderState::Issued | OrderState::Accepted)
    }
}

crate::labelled!(OrderState, "派单状态", {
    Issued => "issued" | "待接单",
    Accepted => "accepted" | "接单",
    Done => "done" | "完成",
    Refused => "refused" | "拒绝",
});

/// An order to a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// `O-…`
    pub id: String,
    /// The need (`household#service`).
    pub need: String,
    pub household: String,
    /// The household's place (the order's scope).
    pub place: String,
    pub service: String,
    pub resource: String,
    #[serde(default)]
    pub resource_name: String,
    pub distance_m: f64,
    /// Why this provider (the matching's reason).
    #[serde(default)]
    pub reason: String,
    pub state: OrderState,
    pub issued_at: NaiveDateTime,
    #[serde(default)]
    pub responded_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
    #[serde(default)]
    pub evidence: String,
    /// Files attached as evidence when done (photos, PDF; kept by the store's attachments).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<crate::manage::AttachmentRef>,
    #[serde(default)]
    pub refuse_reason: String,
    /// The order this one replaces (after a refusal).
    #[serde(default)]
    pub replaces: Option<String>,
    #[serde(default)]
    pub demo: bool,
}

/// A move of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OrderAction {
    Accept,
    Done { date: NaiveDate, evidence: String },
    Refuse { reason: String },
}

impl OrderAction {
    pub fn label_zh(&self) -> &'static str {
        match self {
            OrderAction::Accept => "接单",
            OrderAction::Done { .. } => "完成",
            OrderAction::Refuse { .. } => "拒绝",
        }
    }
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("派单“{id}”当前为“{state}”,不能{action}")]
    WrongState {
        id: String,
        state: &'static str,
        action: &'static str,
    },
    #[error("请写明拒绝的原因(至少2个字)")]
    NoReason,
    #[error("请写明完成的凭证(服务记录、照片或签收说明)")]
    NoEvidence,
    #[error("完成日期 {date} 早于派单日期 {issued}")]
    DoneBeforeIssued { date: NaiveDate, issued: NaiveDate },
    #[error("完成日期 {date} 晚于今天 {today}")]
    DoneInFuture { date: NaiveDate, today: NaiveDate },
}

impl Order {
    /// Applies `action` at `now` (the state machine: 待接单 → 已接单 | 已拒绝, 已接单 →
    /// 已完成 | 已拒绝; 已完成 and 已拒绝 are final).
    pub fn apply(&mut self, action: &OrderAction, now: NaiveDateTime) -> Result<(), OrderError> {
        let wrong = |o: &Order| OrderError::WrongState {
            id: o.id.clone(),
            state: o.state.label_zh(),
            action: action.label_zh(),
        };
        match action {
            OrderAction::Accept => {
                if self.state != OrderState::Issued {
                    return Err(wrong(self));
                }
                self.state = OrderState::Accepted;
                self.responded_at = Some(now);
            }
            OrderAction::Refuse { reason } => {
                if !self.state.is_open() {
                    return Err(wrong(self));
                }
                if reason.trim().chars().count() < 2 {
                    return Err(OrderError::NoReason);
                }
                if self.responded_at.is_none() {
                    self.responded_at = Some(now);
                }
                self.state = OrderState::Refused;
                self.refuse_reason = reason.trim().to_string();
            }
            OrderAction::Done { date, evidence } => {
                if self.state != OrderState::Accepted {
                    return Err(wrong(self));
                }
                if evidence.trim().is_empty() {
                    return Err(OrderError::NoEvidence);
                }
                if *date < self.issued_at.date() {
                    return Err(OrderError::DoneBeforeIssued {
                        date: *date,
                        issued: self.issued_at.date(),
                    });
                }
                if *date > now.date() {
                    return Err(OrderError::DoneInFuture {
                        date: *date,
                        today: now.date(),
                    });
                }
                self.state = OrderState::Done;
                self.done_on = Some(*date);
                self.evidence = evidence.trim().to_string();
            }
        }
        Ok(())
    }

    /// The day by which the current step is due (accept/refuse, or done), if open.
    pub fn due(&self) -> Option<NaiveDate> {
        match self.state {
            OrderState::Issued => Some(self.issued_at.date() + Duration::days(RESPOND_DAYS)),
            OrderState::Accepted => Some(
                self.responded_at.unwrap_or(self.issued_at).date() + Duration::days(COMPLETE_DAYS),
            ),
            _ => None,
        }
    }

    /// Whether the order is past its due day on `today`.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.due().is_some_and(|d| today > d)
    }

    /// Hours from dispatch to the provider's answer.
    pub fn response_hours(&self) -> Option<f64> {
        self.responded_at
            .map(|r| (r - self.issued_at).num_minutes() as f64 / 60.0)
    }
}

/// A provider's record of orders.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ProviderSummary {
    pub resource: String,
    pub name: String,
    pub orders: usize,
    pub issued: usize,
    pub accepted: usize,
    pub done: usize,
    pub refused: usize,
    pub overdue: usize,
    /// Mean hours from dispatch to answer over the answered orders.
    pub mean_response_hours: Option<f64>,
}

/// Per provider, by resource id.
pub fn provider_summaries(orders: &[Order], today: NaiveDate) -> Vec<ProviderSummary> {
    let mut by: BTreeMap<&str, (ProviderSummary, f64, usize)> = BTreeMap::new();
    for o in orders {
        let e = by.entry(&o.resource).or_insert_with(|| {
            (
                ProviderSummary {
                    resource: o.resource.clone(),
                    name: o.resource_name.clone(),
                    ..Default::default()
                },
                0.0,
                0,
            )
        });
        e.0.orders += 1;
        match o.state {
            OrderState::Issued => e.0.issued += 1,
            OrderState::Accepted => e.0.accepted += 1,
            OrderState::Done => e.0.done += 1,
            OrderState::Refused => e.0.refused += 1,
        }
        if o.overdue(today) {
            e.0.overdue += 1;
        }
        if let Some(h) = o.response_hours() {
            e.1 += h;
            e.2 += 1;
        }
    }
    by.into_values()
        .map(|(mut s, sum, n)| {
            s.mean_response_hours = (n > 0).then(|| sum / n as f64);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 10, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn order() -> Order {
        Order {
            id: "O-1".into(),
            need: "H1#助餐".into(),
            household: "H1".into(),
            place: "V1".into(),
            service: "助餐".into(),
            resource: "R1".into(),
            resource_name: "一号".into(),
            distance_m: 100.0,
            reason: String::new(),
            state: OrderState::Issued,
            issued_at: at(1, 9),
            responded_at: None,
            done_on: None,
            evidence: String::new(),
            files: Vec::new(),
            refuse_reason: String::new(),
            replaces: None,
            demo: false,
        }
    }

    #[test]
    fn the_state_machine_moves_and_refuses() {
        let mut o = order();
        let done = OrderAction::Done {
            date: NaiveDate::from_ymd_opt(2025, 10, 3).unwrap(),
            evidence: "签收单".into(),
        };
        assert!(matches!(
            o.apply(&done, at(3, 9)),
            Err(OrderError::WrongState { .. })
        ));
        o.apply(&OrderAction::Accept, at(1, 15)).unwrap();
        assert_eq!(o.state, OrderState::Accepted);
        assert_eq!(o.response_hours(), Some(6.0));
        assert!(o.apply(&OrderAction::Accept, at(2, 9)).is_err());
        let no_evidence = OrderAction::Done {
            date: NaiveDate::from_ymd_opt(2025, 10, 3).unwrap(),
            evidence: " ".into(),
        };
        assert_eq!(o.apply(&no_evidence, at(3, 9)), Err(OrderError::NoEvidence));
        let future = OrderAction::Done {
            date: NaiveDate::from_ymd_opt(2025, 10, 9).unwrap(),
            evidence: "x".into(),
        };
        assert!(matches!(
            o.apply(&future, at(3, 9)),
            Err(OrderError::DoneInFuture { .. })
        ));
        o.apply(&done, at(3, 9)).unwrap();
        assert_eq!(o.state, OrderState::Done);
        assert!(
            o.apply(
                &OrderAction::Refuse {
                    reason: "太远了".into()
                },
                at(4, 9)
            )
            .is_err()
        );
    }

    #[test]
    fn refusal_needs_a_reason_and_records_the_response() {
        let mut o = order();
        assert_eq!(
            o.apply(&OrderAction::Refuse { reason: " ".into() }, at(2, 9)),
            Err(OrderError::NoReason)
        );
        o.apply(
            &OrderAction::Refuse {
                reason: "本月已满额".into(),
            },
            at(2, 9),
        )
        .unwrap();
        assert_eq!(o.state, OrderState::Refused);
        assert_eq!(o.response_hours(), Some(24.0));
        assert!(o.apply(&OrderAction::Accept, at(2, 10)).is_err());
    }

    #[test]
    fn overdue_and_provider_summary() {
        let mut a = order();
        assert!(!a.overdue(NaiveDate::from_ymd_opt(2025, 10, 4).unwrap()));
        assert!(a.overdue(NaiveDate::from_ymd_opt(2025, 10, 5).unwrap()));
        let mut b = order();
        b.id = "O-2".into();
        b.apply(&OrderAction::Accept, at(1, 11)).unwrap();
        a.apply(
            &OrderAction::Refuse {
                reason: "没有人手".into(),
            },
            at(1, 13),
        )
        .unwrap();
        let s = provider_summaries(&[a, b], NaiveDate::from_ymd_opt(2025, 10, 20).unwrap());
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].orders, s[0].refused, s[0].accepted), (2, 1, 1));
        assert_eq!(s[0].overdue, 1, "accepted on the 1st, not done by the 15th");
        assert_eq!(s[0].mean_response_hours, Some(3.0));
    }
}
