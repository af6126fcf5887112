//! The UNSD progress-chart ratio, shown beside the Open SDG measure (methods §3):
//! CAGR_a = (v_t / v_b)^(1/(t − b)) − 1; projected v_T = v_t (1 + CAGR_a)^(T − t);
//! r = (projected − v_b) / (target − v_b).

use serde::{Deserialize, Serialize};

use super::explain::{Explanation, fmt_num};
use super::progress::Point;
use crate::plan::Polarity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnsdStatus {
    TargetMet,
    OnTrack,
    FairProgress,
    Stagnation,
    NotAvailable,
}

impl UnsdStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            UnsdStatus::TargetMet => "已达标",
            UnsdStatus::OnTrack => "按期可达",
            UnsdStatus::FairProgress => "进展尚可(需加速)",
            UnsdStatus::Stagnation => "停滞或倒退",
            UnsdStatus::NotAvailable => "无法评估",
        }
    }
}

pub const ON_TRACK: f64 = 0.95;
pub const FAIR: f64 = 0.10;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnsdRatio {
    pub status: UnsdStatus,
    /// r; `None` where it cannot be taken.
    pub ratio: Option<f64>,
    /// The value projected for the target year.
    pub projected: Option<f64>,
    pub explanation: Explanation,
}

/// The ratio for one series. A target already met counts as met whatever r is; r is
/// still given where it can be taken. Not available: missing or non-finite values,
/// fewer than one year between base and current, base and current not of the same sign
/// (or base 0: the growth rate has no meaning), or target equal to base.
pub fn unsd_ratio(
    base: Option<Point>,
    current: Option<Point>,
    target: Option<Point>,
    polarity: Polarity,
) -> UnsdRatio {
    let mut e = Explanation::default()
        .text("指标方向", polarity.label_zh())
        .opt("基期值", base.map(|p| p.value))
        .opt("基期年", base.map(|p| p.year))
        .opt("当前值", current.map(|p| p.value))
        .opt("当前年", current.map(|p| p.year))
        .opt("目标值", target.map(|p| p.value))
        .opt("目标年", target.map(|p| p.year));
    let fin = |p: &Point| p.value.is_finite() && p.year.is_finite();
    let na = |e: Explanation, why: &str| UnsdRatio {
        status: UnsdStatus::NotAvailable,
        ratio: None,
        projected: None,
        explanation: Explanation {
            formula: format!("{why} → 无法评估"),
            ..e
        },
    };
    let (Some(b), Some(c), Some(t)) = (base.filter(fin), current.filter(fin), target.filter(fin))
    else {
        return na(e, "缺少基期值、当前值或目标值");
    };
    let met = match polarity {
        Polarity::HigherIsBetter => c.value >= t.value,
        Polarity::LowerIsBetter => c.value <= t.value,
    };
    let computed = if c.year - b.year < 1.0 {
        Err("当前年与基期年相隔不足1年")
    } else if b.value == 0.0 || (b.value < 0.0) != (c.value < 0.0) || c.value == 0.0 {
        Err("基期值为0或与当前值符号不同,年均增长率无定义")
    } else if t.value == b.value {
        Err("目标值等于基期值,比值无定义")
    } else {
        let cagr = (c.value / b.value).powf(1.0 / (c.year - b.year)) - 1.0;
        let projected = c.value * (1.0 + cagr).powf(t.year - c.year);
        let r = (projected - b.value) / (t.value - b.value);
        if r.is_finite() && projected.is_finite() {
            Ok((cagr, projected, r))
        } else {
            Err("比值无法计算")
        }
    };
    match computed {
        Err(why) if met => UnsdRatio {
            status: UnsdStatus::TargetMet,
            ratio: None,
            projected: None,
            explanation: Explanation {
                formula: format!(
                    "当前值 {} 已达到目标 {} → 已达标({why})",
                    fmt_num(c.value),
                    fmt_num(t.value)
                ),
                ..e
            },
        },
        Err(why) => na(e, why),
        Ok((cagr, projected, r)) => {
            let status = if met {
                UnsdStatus::TargetMet
            } else if r >= ON_TRACK {
                UnsdStatus::OnTrack
            } else if r >= FAIR {
                UnsdStatus::FairProgress
            } else {
                UnsdStatus::Stagnation
            };
            e = e
                .num("年均增长率CAGR", cagr)
                .num("目标年预计值", projected)
                .num("r", r);
            UnsdRatio {
                status,
                ratio: Some(r),
                projected: Some(projected),
                explanation: Explanation {
                    formula: format!(
                        "按年均增长率 {:.2}% 推算,{}年预计 {};r = (预计值 − 基期值)÷(目标值 − 基期值) = ({} − {})÷({} − {}) = {:.4};r ≥ 0.95 按期可达,0.10 ≤ r < 0.95 需加速,r < 0.10 停滞或倒退 → {}",
                        cagr * 100.0,
                        fmt_num(t.year),
                        fmt_num(projected),
                        fmt_num(projected),
                        fmt_num(b.value),
                        fmt_num(t.value),
                        fmt_num(b.value),
                        r,
                        status.label_zh()
                    ),
                    ..e
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::progress::{ProgressInput, progress};
    use Polarity::*;

    fn pt(v: f64, y: i32) -> Option<Point> {
        Some(Point::new(v, y))
    }

    #[test]
    fn methods_example() {
        let r = unsd_ratio(
            pt(60.0, 2022),
            pt(66.0, 2024),
            pt(80.0, 2027),
            HigherIsBetter,
        );
        let ratio = r.ratio.unwrap();
        assert_eq!((ratio * 1e4).round() / 1e4, 0.8072);
        assert_eq!(r.status, UnsdStatus::FairProgress);
        let p = progress(&ProgressInput {
            base: pt(60.0, 2022),
            current: pt(66.0, 2024),
            target: pt(80.0, 2027),
            polarity: HigherIsBetter,
            limit: None,
        });
        assert_eq!((p.p.unwrap() * 1e4).round() / 1e4, 0.8241);
    }

    #[test]
    fn statuses() {
        let on = unsd_ratio(
            pt(60.0, 2022),
            pt(70.0, 2024),
            pt(80.0, 2027),
            HigherIsBetter,
        );
        assert_eq!(on.status, UnsdStatus::OnTrack);
        let stag = unsd_ratio(
            pt(60.0, 2022),
            pt(60.5, 2024),
            pt(80.0, 2027),
            HigherIsBetter,
        );
        assert_eq!(stag.status, UnsdStatus::Stagnation);
        let back = unsd_ratio(
            pt(60.0, 2022),
            pt(55.0, 2024),
            pt(80.0, 2027),
            HigherIsBetter,
        );
        assert_eq!(back.status, UnsdStatus::Stagnation);
        assert!(back.ratio.unwrap() < 0.0);
        // Lower is better: 14.5 → 10.2, target 7.25.
        let low = unsd_ratio(
            pt(14.5, 2015),
            pt(10.2, 2023),
            pt(7.25, 2030),
            LowerIsBetter,
        );
        assert_eq!(low.status, UnsdStatus::OnTrack);
    }

    #[test]
    fn target_met_counts_as_met() {
        let r = unsd_ratio(
            pt(60.0, 2022),
            pt(85.0, 2024),
            pt(80.0, 2027),
            HigherIsBetter,
        );
        assert_eq!(r.status, UnsdStatus::TargetMet);
        assert!(r.ratio.is_some());
        let r = unsd_ratio(
            pt(100.0, 2015),
            pt(100.0, 2022),
            pt(100.0, 2030),
            HigherIsBetter,
        );
        assert_eq!((r.status, r.ratio), (UnsdStatus::TargetMet, None));
    }

    #[test]
    fn not_available() {
        use UnsdStatus::NotAvailable as NA;
        assert_eq!(
            unsd_ratio(None, pt(1.0, 2024), pt(2.0, 2027), HigherIsBetter).status,
            NA
        );
        assert_eq!(
            unsd_ratio(pt(1.0, 2024), pt(1.5, 2024), pt(2.0, 2027), HigherIsBetter).status,
            NA
        );
        assert_eq!(
            unsd_ratio(pt(0.0, 2020), pt(1.5, 2024), pt(2.0, 2027), HigherIsBetter).status,
            NA
        );
        assert_eq!(
            unsd_ratio(pt(-1.0, 2020), pt(1.5, 2024), pt(2.0, 2027), HigherIsBetter).status,
            NA
        );
        assert_eq!(
            unsd_ratio(pt(1.0, 2020), pt(0.5, 2024), pt(1.0, 2027), HigherIsBetter).status,
            NA
        );
        assert_eq!(UnsdStatus::OnTrack.label_zh(), "按期可达");
    }
}
