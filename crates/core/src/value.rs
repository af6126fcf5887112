//! Reported values: indicator × place × period, their review states, and the robust
//! outlier check (median / MAD) used to warn — never to refuse.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Which series of an indicator a number belongs to. A rate that rolls up as a ratio of
/// sums is reported as its numerator and denominator, so that the roll-up is exact; every
/// other indicator is reported as its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Value,
    Numerator,
    Denominator,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Value => "value",
            Component::Numerator => "numerator",
            Component::Denominator => "denominator",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Component::Value => "数值",
            Component::Numerator => "分子",
            Component::Denominator => "分母",
        }
    }

    /// The English interface's word for it.
    pub fn label_en(self) -> &'static str {
        match self {
            Component::Value => "Value",
            Component::Numerator => "Numerator",
            Component::Denominator => "Denominator",
        }
    }

    pub fn parse(text: &str) -> Option<Component> {
        Some(match text.trim() {
            "" | "value" | "数值" | "值" => Component::Value,
            "numerator" | "num" | "分子" => Component::Numerator,
            "denominator" | "den" | "分母" => Component::Denominator,
            _ => return None,
        })
    }
}

/// The review state of a value (draft → submitted → approved; approved locks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueState {
    Draft,
    Submitted,
    Approved,
}

impl ValueState {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueState::Draft => "draft",
            ValueState::Submitted => "submitted",
            ValueState::Approved => "approved",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ValueState::Draft => "草稿",
            ValueState::Submitted => "已报送",
            ValueState::Approved => "已审核",
        }
    }

    /// The English interface's word for it.
    pub fn label_en(self) -> &'static str {
        match self {
            ValueState::Draft => "Draft",
            ValueState::Submitted => "Submitted",
            ValueState::Approved => "Approved",
        }
    }

    pub fn parse(text: &str) -> Option<ValueState> {
        Some(match text {
            "draft" => ValueState::Draft,
            "submitted" => ValueState::Submitted,
            "approved" => ValueState::Approved,
            _ => return None,
        })
    }
}

impl fmt::Display for ValueState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of review state someone asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Transition {
    Submit,
    Approve,
    /// Sends a submitted value back to draft.
    Reject {
        reason: String,
    },
    /// Unlocks an approved value; the reason is kept in the audit trail.
    Reopen {
        reason: String,
    },
}

/// Why a transition or an edit is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("状态为“{}”的数据不能{action}", .from.label_zh())]
    NotAllowed {
        from: ValueState,
        action: &'static str,
    },
    #[error("{0}须填写原因")]
    ReasonRequired(&'static str),
    #[error("数据已审核锁定,须先退回(重新打开)才能修改")]
    Locked,
}

impl ValueState {
    /// The state after a transition, or why it is not allowed.
    pub fn apply(self, t: &Transition) -> Result<ValueState, StateError> {
        use ValueState::*;
        match (self, t) {
            (Draft, Transition::Submit) => Ok(Submitted),
            (Submitted, Transition::Approve) => Ok(Approved),
            (Submitted, Transition::Reject { reason }) => {
                if reason.trim().is_empty() {
                    Err(StateError::ReasonRequired("退回"))
                } else {
                    Ok(Draft)
                }
            }
            (Approved, Transition::Reopen { reason }) => {
                if reason.trim().is_empty() {
                    Err(StateError::ReasonRequired("重新打开"))
                } else {
                    Ok(Draft)
                }
            }
            (from, t) => Err(StateError::NotAllowed {
                from,
                action: match t {
                    Transition::Submit => "报送",
                    Transition::Approve => "审核通过",
                    Transition::Reject { .. } => "退回",
                    Transition::Reopen { .. } => "重新打开",
                },
            }),
        }
    }

    /// Whether the number may be edited in this state (approval locks it).
    pub fn check_editable(self) -> Result<(), StateError> {
        match self {
            ValueState::Approved => Err(StateError::Locked),
            _ => Ok(()),
        }
    }
}

/// A robust outlier check: |x − median| / (1.4826 · MAD) above the threshold (default 3.5).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutlierCheck {
    pub value: f64,
    pub median: f64,
    pub mad: f64,
    /// The robust z-score; `None` when the MAD is zero (too little spread to judge).
    pub robust_z: Option<f64>,
    pub is_outlier: bool,
}

pub const DEFAULT_OUTLIER_THRESHOLD: f64 = 3.5;

/// The median of finite numbers; `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Checks `value` against its peers (the same indicator and period in sibling places, or
/// the same place over earlier periods). Needs at least 5 peers to judge.
pub fn outlier_check(value: f64, peers: &[f64], threshold: f64) -> Option<OutlierCheck> {
    if peers.len() < 5 || !value.is_finite() {
        return None;
    }
    let med = median(peers)?;
    let deviations: Vec<f64> = peers.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&deviations)?;
    let robust_z = (mad > 0.0).then(|| (value - med).abs() / (1.4826 * mad));
    let is_outlier = match robust_z {
        Some(z) => z > threshold,
        // Every peer equal: a different value stands out only if it is far in relative terms.
        None => (value - med).abs() > 0.5 * med.abs().max(1e-9),
    };
    Some(OutlierCheck {
        value,
        median: med,
        mad,
        robust_z,
        is_outlier,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine() {
        use ValueState::*;
        assert_eq!(Draft.apply(&Transition::Submit), Ok(Submitted));
        assert_eq!(Submitted.apply(&Transition::Approve), Ok(Approved));
        assert!(Draft.apply(&Transition::Approve).is_err());
        assert!(Approved.apply(&Transition::Submit).is_err());
        assert_eq!(
            Approved.apply(&Transition::Reopen { reason: " ".into() }),
            Err(StateError::ReasonRequired("重新打开"))
        );
        assert_eq!(
            Approved.apply(&Transition::Reopen {
                reason: "数据更正".into()
            }),
            Ok(Draft)
        );
        assert_eq!(
            Submitted.apply(&Transition::Reject {
                reason: "口径错误".into()
            }),
            Ok(Draft)
        );
        assert!(Approved.check_editable().is_err());
        assert!(Submitted.check_editable().is_ok());
    }

    #[test]
    fn median_and_outliers() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        let peers = [10.0, 11.0, 9.5, 10.2, 10.8, 9.9];
        assert!(!outlier_check(10.5, &peers, 3.5).unwrap().is_outlier);
        assert!(outlier_check(100.0, &peers, 3.5).unwrap().is_outlier);
        assert!(outlier_check(100.0, &peers[..3], 3.5).is_none());
        let flat = [5.0; 6];
        assert!(!outlier_check(5.0, &flat, 3.5).unwrap().is_outlier);
        assert!(outlier_check(50.0, &flat, 3.5).unwrap().is_outlier);
    }
}

/// What a number is about: which indicator (and which of its series), where, when.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ValueKey {
    pub indicator: String,
    pub place: String,
    pub period: crate::period::Period,
    pub component: Component,
}

impl fmt::Display for ValueKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}@{}", self.indicator, self.place, self.period)?;
        if self.component != Component::Value {
            write!(f, "#{}", self.component.as_str())?;
        }
        Ok(())
    }
}

/// A reported value with who reported it, when, why, and its review state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    #[serde(flatten)]
    pub key: ValueKey,
    pub value: f64,
    pub state: ValueState,
    /// The user (login name) who last wrote the number.
    pub reporter: String,
    /// When the number was last written (UTC), as the store recorded it.
    pub reported_at: chrono::NaiveDateTime,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    /// Where the figure comes from (数据来源: 浙里健康, 统计年鉴, 抽样调查, 本单位统计 …);
    /// empty when the reporter named none (the indicator's default source then applies).
    /// Skipped when empty so that audit rows written before it existed replay unchanged.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
}

/// The most decimals [`decimals_to_show`] adds to tell a value from its target.
pub const MAX_SHOWN_DECIMALS: usize = 8;

/// How many decimals to show `value` with beside its `target` so that the judgement stays
/// visible: at least `decimals` (the display's usual precision) and the decimals the
/// target is written with; more while the rounded figure would look equal to the target
/// or lie on the other side of it (82.4484 against 82.45 → 3: "82.448 < 82.45"). A value
/// exactly at its target, one without a numeric target (`/`), or a non-finite one keeps
/// the usual precision; at most [`MAX_SHOWN_DECIMALS`]. Whether the target is met does not
/// matter: a figure that differs from its target never shows as equal to it.
pub fn decimals_to_show(
    value: f64,
    target: Option<&crate::target::Target>,
    decimals: usize,
) -> usize {
    let Some(t) = target else {
        return decimals;
    };
    let written = crate::eval::schedule::written_decimals(&t.text)
        .and_then(|d| usize::try_from(d).ok())
        .unwrap_or(0);
    let base = decimals.max(written).min(MAX_SHOWN_DECIMALS);
    let Some(aim) = t.aim().filter(|a| a.is_finite()) else {
        return base;
    };
    if !value.is_finite() || value == aim {
        return base;
    }
    let side = (value - aim).signum();
    (base..=MAX_SHOWN_DECIMALS)
        .find(|&d| {
            let shown: f64 = format!("{value:.d$}").parse().unwrap_or(value);
            shown != aim && (shown - aim).signum() == side
        })
        .unwrap_or(MAX_SHOWN_DECIMALS)
}

/// `value` as text with [`decimals_to_show`] decimals, trailing zeros trimmed
/// (`82.448`, `28.1`, `5`); `—` when it is not a number.
pub fn show_value(value: f64, target: Option<&crate::target::Target>, decimals: usize) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let d = decimals_to_show(value, target, decimals);
    let s = format!("{value:.d$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s.as_str()
    };
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod shown_tests {
    use super::*;
    use crate::target::Target;
    use proptest::prelude::*;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn a_figure_never_looks_like_its_target() {
        // The T09: 82.4484 against 82.45.
        let t09 = t("82.45");
        assert_eq!(decimals_to_show(82.4484, Some(&t09), 2), 3);
        assert_eq!(show_value(82.4484, Some(&t09), 2), "82.448");
        // A figure that already shows its side keeps the usual precision.
        assert_eq!(show_value(82.3, Some(&t09), 2), "82.3");
        assert_eq!(show_value(82.4512, Some(&t09), 2), "82.451");
        assert_eq!(show_value(82.45, Some(&t09), 2), "82.45");
        // A bound: 5.004 against `≤5` is not shown as 5.
        assert_eq!(show_value(5.004, Some(&t("≤5")), 2), "5.004");
        assert_eq!(show_value(28.06999, Some(&t(">28.07")), 2), "28.06999");
        // 全覆盖 is 100 %: 99.996 is not shown as 100.
        assert_eq!(show_value(99.996, Some(&t("全覆盖")), 2), "99.996");
        // The target's own precision is the least shown: 4.0 written with one decimal.
        assert_eq!(decimals_to_show(3.95, Some(&t("4.0")), 0), 2);
        // No numeric target, no target, not a number: the usual precision.
        assert_eq!(show_value(97.123, Some(&t("/")), 2), "97.12");
        assert_eq!(show_value(97.126, None, 2), "97.13");
        assert_eq!(show_value(f64::NAN, Some(&t09), 2), "—");
        assert_eq!(show_value(-0.0001, None, 2), "0");
        // Closer than the most digits shown: as close as can be shown.
        assert_eq!(
            decimals_to_show(82.45 + 1e-12, Some(&t09), 2),
            MAX_SHOWN_DECIMALS
        );
    }

    proptest! {
        #[test]
        fn the_shown_figure_keeps_its_side(
            aim in 0.0f64..1000.0,
            delta in -0.01f64..0.01,
            op in 0usize..5,
            decimals in 0usize..4,
        ) {
            let text = format!("{}{aim:.2}", ["", "≥", ">", "≤", "<"][op]);
            let target = t(&text);
            let aim = target.aim().unwrap();
            let value = aim + delta;
            let shown = show_value(value, Some(&target), decimals);
            let back: f64 = shown.parse().unwrap();
            if delta.abs() >= 1e-6 {
                prop_assert!(back != aim, "{} shown {} against {}", value, shown, text);
                prop_assert_eq!((back - aim).signum(), (value - aim).signum(), "{} shown {} against {}", value, shown, text);
            }
        }
    }
}
