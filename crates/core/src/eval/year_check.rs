//! The year target check (methods §1): a year with a target gets exactly one of met, not
//! met, no data, no target.

use serde::{Deserialize, Serialize};

use super::explain::{Explanation, fmt_num};
use crate::plan::Polarity;
use crate::target::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    Met,
    NotMet,
    NoData,
    NoTarget,
    /// 无分解目标: a summed indicator at a place below the district whose target has not
    /// been decomposed to it (methods §8): no light, no order, not ranked — never red.
    Undecomposed,
}

impl YearStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            YearStatus::Met => "达标",
            YearStatus::NotMet => "未达标",
            YearStatus::NoData => "无数据",
            YearStatus::NoTarget => "无目标",
            YearStatus::Undecomposed => "无分解目标",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearCheck {
    pub status: YearStatus,
    /// The value compared: the year's value, or the running total for a cumulative
    /// indicator.
    pub actual: Option<f64>,
    pub explanation: Explanation,
}

/// Checks one year's value against that year's target. `target` is `None` (or `/`) when
/// the plan sets none. A non-finite value counts as no data.
pub fn check_year(target: Option<&Target>, polarity: Polarity, actual: Option<f64>) -> YearCheck {
    check(target, polarity, actual, None)
}

/// Checks a cumulative (累计) indicator: `yearly` holds each year's own amount from the
/// plan's first year through the year checked, and the running total is compared with
/// the target. A missing year makes the total unknown, so the result is no data.
pub fn check_year_cumulative(
    target: Option<&Target>,
    polarity: Polarity,
    yearly: &[Option<f64>],
) -> YearCheck {
    let total = if yearly.is_empty() {
        None
    } else {
        yearly
            .iter()
            .try_fold(0.0, |acc, v| v.filter(|x| x.is_finite()).map(|x| acc + x))
    };
    let parts: Vec<String> = yearly
        .iter()
        .map(|v| v.map(fmt_num).unwrap_or_else(|| "缺".into()))
        .collect();
    check(target, polarity, total, Some(parts.join(" + ")))
}

fn check(
    target: Option<&Target>,
    polarity: Polarity,
    actual: Option<f64>,
    sum_of: Option<String>,
) -> YearCheck {
    let actual = actual.filter(|v| v.is_finite());
    let what = if sum_of.is_some() {
        "累计值"
    } else {
        "实际值"
    };
    let base = |formula: String| {
        let mut e = Explanation::new(formula)
            .text("目标", target.map(|t| t.text.clone()).unwrap_or_default())
            .text("指标方向", polarity.label_zh());
        if let Some(parts) = &sum_of {
            e = e.text("逐年值", parts.clone());
        }
        e.opt(what, actual)
    };
    let Some(t) = target.filter(|t| t.is_set()) else {
        return YearCheck {
            status: YearStatus::NoTarget,
            actual,
            explanation: base("本年未设目标,不评价 → 无目标".into()),
        };
    };
    let Some(a) = actual else {
        return YearCheck {
            status: YearStatus::NoData,
            actual,
            explanation: base(format!("目标“{}”,{what}未报送 → 无数据", t.text)),
        };
    };
    let (status, formula) = match t.is_met(a, polarity) {
        Some(true) => (
            YearStatus::Met,
            format!("{what} {} 满足目标“{}” → 达标", fmt_num(a), t.text),
        ),
        Some(false) => (
            YearStatus::NotMet,
            format!("{what} {} 未满足目标“{}” → 未达标", fmt_num(a), t.text),
        ),
        None => (
            YearStatus::NoTarget,
            format!("目标“{}”无数值 → 无目标", t.text),
        ),
    };
    YearCheck {
        status,
        actual: Some(a),
        explanation: base(formula),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Polarity::*;

    fn t(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn exactly_one_of_four() {
        assert_eq!(
            check_year(Some(&t("3.8")), HigherIsBetter, Some(3.8)).status,
            YearStatus::Met
        );
        assert_eq!(
            check_year(Some(&t("3.8")), HigherIsBetter, Some(3.7)).status,
            YearStatus::NotMet
        );
        assert_eq!(
            check_year(Some(&t("3.8")), HigherIsBetter, None).status,
            YearStatus::NoData
        );
        assert_eq!(
            check_year(Some(&t("/")), HigherIsBetter, Some(1.0)).status,
            YearStatus::NoTarget
        );
        assert_eq!(
            check_year(None, HigherIsBetter, None).status,
            YearStatus::NoTarget
        );
        assert_eq!(
            check_year(Some(&t("3.8")), HigherIsBetter, Some(f64::NAN)).status,
            YearStatus::NoData
        );
    }

    #[test]
    fn polarity_and_bounds() {
        assert_eq!(
            check_year(Some(&t("10.84")), LowerIsBetter, Some(10.84)).status,
            YearStatus::Met
        );
        assert_eq!(
            check_year(Some(&t("<5")), LowerIsBetter, Some(5.0)).status,
            YearStatus::NotMet
        );
        assert_eq!(
            check_year(Some(&t("≥28.07")), HigherIsBetter, Some(28.07)).status,
            YearStatus::Met
        );
        assert_eq!(
            check_year(Some(&t("全覆盖")), HigherIsBetter, Some(100.0)).status,
            YearStatus::Met
        );
        assert_eq!(
            check_year(Some(&t("100")), HigherIsBetter, Some(0.0)).status,
            YearStatus::NotMet
        );
    }

    #[test]
    fn cumulative_compares_the_running_total() {
        let target = t("12420");
        let c = check_year_cumulative(
            Some(&target),
            HigherIsBetter,
            &[Some(4000.0), Some(5000.0), Some(3420.0)],
        );
        assert_eq!((c.status, c.actual), (YearStatus::Met, Some(12420.0)));
        let c = check_year_cumulative(Some(&target), HigherIsBetter, &[Some(4000.0), Some(5000.0)]);
        assert_eq!(c.status, YearStatus::NotMet);
        let c = check_year_cumulative(
            Some(&target),
            HigherIsBetter,
            &[Some(4000.0), None, Some(9000.0)],
        );
        assert_eq!(c.status, YearStatus::NoData);
        assert!(c.explanation.input("逐年值").is_some());
        assert_eq!(
            check_year_cumulative(Some(&target), HigherIsBetter, &[]).status,
            YearStatus::NoData
        );
    }

    #[test]
    fn explains_itself() {
        let c = check_year(Some(&t("<5")), LowerIsBetter, Some(4.2));
        assert!(
            c.explanation.formula.contains("达标"),
            "{}",
            c.explanation.formula
        );
        let j = serde_json::to_value(&c).unwrap();
        assert_eq!(j["status"], "met");
        assert_eq!(YearStatus::NotMet.label_zh(), "未达标");
    }
}
