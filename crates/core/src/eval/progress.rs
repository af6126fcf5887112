//! Toward the final target: the progress measure and score of Open SDG (Statistics
//! Canada, modelled on Eurostat), exactly as methods §3 writes it.
//!
//! Order of the checks: no data first; then whether the target is achieved (a fact about
//! the current value that needs no growth rate, so it is reported even where a growth
//! rate cannot be taken); then the guards of the growth rate (fewer than one year
//! between base and current, base and current of opposite signs); then the measure.
//! Where the target is achieved and the measure can also be taken, `p` carries it; where
//! it cannot (case C: base = target, so the target's growth rate is 0), `p` is `None`.

use serde::{Deserialize, Serialize};

use super::explain::{Explanation, fmt_num};
use crate::plan::Polarity;

/// A value and the year it is for. Years are `f64` so that a mid-year value can be
/// placed at, say, 2024.5; whole years are exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub value: f64,
    pub year: f64,
}

impl Point {
    pub fn new(value: f64, year: impl Into<f64>) -> Self {
        Point {
            value,
            year: year.into(),
        }
    }

    fn is_finite(&self) -> bool {
        self.value.is_finite() && self.year.is_finite()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressStatus {
    TargetAchieved,
    SubstantialProgress,
    ModerateProgress,
    LimitedProgress,
    Deterioration,
    NotAvailable,
}

impl ProgressStatus {
    pub fn label_zh(self) -> &'static str {
        match self {
            ProgressStatus::TargetAchieved => "已达标",
            ProgressStatus::SubstantialProgress => "显著进展",
            ProgressStatus::ModerateProgress => "中等进展",
            ProgressStatus::LimitedProgress => "有限进展",
            ProgressStatus::Deterioration => "倒退",
            ProgressStatus::NotAvailable => "无法评估",
        }
    }

    /// The status of a mean score over several series (methods §3).
    pub fn from_score(score: f64) -> ProgressStatus {
        if score >= 2.5 {
            ProgressStatus::SubstantialProgress
        } else if score >= 0.0 {
            ProgressStatus::ModerateProgress
        } else if score >= -2.5 {
            ProgressStatus::LimitedProgress
        } else {
            ProgressStatus::Deterioration
        }
    }
}

/// One series: base, current, optional target, polarity, optional natural limit (used
/// only without a target).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ProgressInput {
    pub base: Option<Point>,
    pub current: Option<Point>,
    pub target: Option<Point>,
    pub polarity: Polarity,
    pub limit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub status: ProgressStatus,
    /// P; `None` where it cannot be taken.
    pub p: Option<f64>,
    /// The score in [-5, 5]; `None` when not available.
    pub score: Option<f64>,
    /// C, the natural-limit factor (without a target only).
    pub c: Option<f64>,
    pub explanation: Explanation,
}

/// Thresholds with a target.
pub const HIGH: f64 = 0.95;
pub const MED: f64 = 0.60;
pub const LOW: f64 = 0.0;
/// The exponent of the natural-limit factor C.
pub const LIMIT_EXPONENT: f64 = 4.44;

/// The compound annual growth rate g(v1, v0, t1, t0) = (v1 / v0)^(1 / (t1 − t0)) − 1.
pub fn growth(v1: f64, v0: f64, t1: f64, t0: f64) -> f64 {
    (v1 / v0).powf(1.0 / (t1 - t0)) - 1.0
}

/// The natural-limit factor C for a base value and a limit L.
pub fn limit_factor(base: f64, limit: f64) -> f64 {
    let (b, l) = (base.abs(), limit.abs());
    if b >= 2.0 * l {
        1.0
    } else if b <= l {
        1.0 - (b / l).powf(LIMIT_EXPONENT)
    } else {
        1.0 - ((2.0 * l - b) / l).powf(LIMIT_EXPONENT)
    }
}

fn nonzero(v: f64) -> f64 {
    if v == 0.0 { 0.001 } else { v }
}

fn achieved(current: f64, target: f64, polarity: Polarity) -> bool {
    match polarity {
        Polarity::HigherIsBetter => current >= target,
        Polarity::LowerIsBetter => current <= target,
    }
}

/// The score with a target (methods §3).
pub fn score_with_target(p: f64) -> f64 {
    if p >= 0.6 {
        (7.1429 * p - 4.2857).min(5.0)
    } else {
        (4.1667 * p - 2.5).max(-5.0)
    }
}

/// The score without a target (methods §3).
pub fn score_without_target(p: f64, c: f64) -> f64 {
    if p < 0.0 {
        (125.0 * p - 2.5).max(-5.0)
    } else if c == 0.0 {
        5.0
    } else if p >= 0.015 * c {
        (500.0 * p / c - 5.0).min(5.0)
    } else if p >= 0.005 * c {
        250.0 * p / c - 1.25
    } else {
        500.0 * p / c - 2.5
    }
}

fn status_from(p: f64, high: f64, med: f64, low: f64) -> ProgressStatus {
    if p >= high {
        ProgressStatus::SubstantialProgress
    } else if p >= med {
        ProgressStatus::ModerateProgress
    } else if p >= low {
        ProgressStatus::LimitedProgress
    } else {
        ProgressStatus::Deterioration
    }
}

/// Which rule of methods §3 decided a measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    MissingData,
    BadTarget,
    TooShort,
    OppositeBaseCurrent,
    TargetYearNotAfterBase,
    OppositeBaseTarget,
    Achieved,
    WithTarget,
    TargetEqualsBase,
    WithoutTarget,
    NotComputable,
}

/// The numbers of the progress measure without the words: what the engine keeps for every
/// indicator and place; `progress` explains the same numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    pub status: ProgressStatus,
    pub p: Option<f64>,
    pub score: Option<f64>,
    pub c: Option<f64>,
    pub case: Case,
}

/// The progress measure, status and score of one series, numbers only.
pub fn measure(input: &ProgressInput) -> Measure {
    let na = |case| Measure {
        status: ProgressStatus::NotAvailable,
        p: None,
        score: None,
        c: None,
        case,
    };
    let (Some(base), Some(cur)) = (
        input.base.filter(Point::is_finite),
        input.current.filter(Point::is_finite),
    ) else {
        return na(Case::MissingData);
    };
    let target = match input.target {
        Some(t) if !t.is_finite() => return na(Case::BadTarget),
        t => t,
    };
    let d = input.polarity.direction();
    let is_achieved = target.is_some_and(|t| achieved(cur.value, t.value, input.polarity));
    let achieved_with = |p: Option<f64>| Measure {
        status: ProgressStatus::TargetAchieved,
        p,
        score: Some(5.0),
        c: None,
        case: Case::Achieved,
    };
    let guard = |case| {
        if is_achieved {
            achieved_with(None)
        } else {
            na(case)
        }
    };
    if cur.year - base.year < 1.0 {
        return guard(Case::TooShort);
    }
    let b = nonzero(base.value);
    if (b < 0.0) != (cur.value < 0.0) && cur.value != 0.0 {
        return guard(Case::OppositeBaseCurrent);
    }
    let sign = if b < 0.0 { -1.0 } else { 1.0 };
    let g_cur = growth(cur.value, b, cur.year, base.year);
    match target {
        Some(t) => {
            let tv = nonzero(t.value);
            if t.year - base.year <= 0.0 {
                return guard(Case::TargetYearNotAfterBase);
            }
            if (tv < 0.0) != (b < 0.0) {
                return guard(Case::OppositeBaseTarget);
            }
            let g_target = growth(tv, b, t.year, base.year);
            let p = sign * d * g_cur / g_target.abs();
            let p = p.is_finite().then_some(p);
            if is_achieved {
                return achieved_with(p);
            }
            let Some(p) = p else {
                // g* = 0 (target equal to base) and not achieved: any move is away from
                // a target the series already stood at.
                return Measure {
                    status: ProgressStatus::Deterioration,
                    p: None,
                    score: Some(-5.0),
                    c: None,
                    case: Case::TargetEqualsBase,
                };
            };
            Measure {
                status: status_from(p, HIGH, MED, LOW),
                p: Some(p),
                score: Some(score_with_target(p)),
                c: None,
                case: Case::WithTarget,
            }
        }
        None => {
            let p = sign * d * g_cur;
            let c = input.limit.map(|l| limit_factor(b, l)).unwrap_or(1.0);
            if !(p.is_finite() && c.is_finite()) {
                return na(Case::NotComputable);
            }
            Measure {
                status: status_from(p, 0.015 * c, 0.005 * c, 0.0),
                p: Some(p),
                score: Some(score_without_target(p, c)),
                c: Some(c),
                case: Case::WithoutTarget,
            }
        }
    }
}

/// The progress measure, status and score of one series, with the formula in words.
pub fn progress(input: &ProgressInput) -> Progress {
    let m = measure(input);
    let mut e = Explanation::default()
        .text("指标方向", input.polarity.label_zh())
        .opt("基期值", input.base.map(|p| p.value))
        .opt("基期年", input.base.map(|p| p.year))
        .opt("当前值", input.current.map(|p| p.value))
        .opt("当前年", input.current.map(|p| p.year));
    if let Some(t) = input.target {
        e = e.num("目标值", t.value).num("目标年", t.year);
    } else if let Some(l) = input.limit {
        e = e.num("自然上限L", l);
    }
    let done = |formula: String, e: Explanation| Progress {
        status: m.status,
        p: m.p,
        score: m.score,
        c: m.c,
        explanation: Explanation { formula, ..e },
    };
    let why_na = match m.case {
        Case::MissingData => Some("缺少基期值或当前值"),
        Case::BadTarget => Some("目标值不是有效数值"),
        Case::TooShort => Some("当前年与基期年相隔不足1年"),
        Case::OppositeBaseCurrent => Some("基期值与当前值符号相反,增长率无定义"),
        Case::TargetYearNotAfterBase => Some("目标年不晚于基期年"),
        Case::OppositeBaseTarget => Some("基期值与目标值符号相反,目标增长率无定义"),
        Case::NotComputable => Some("增长率无法计算"),
        _ => None,
    };
    // The guards above are reported as "achieved" when the target is met anyway.
    let (Some(base), Some(cur)) = (input.base, input.current) else {
        return done(format!("{} → 无法评估", why_na.unwrap_or("")), e);
    };
    let achieved_words = |how: String| {
        format!(
            "当前值 {} 已达到目标 {}{} → 已达标,得分 5",
            fmt_num(cur.value),
            fmt_num(input.target.map(|t| t.value).unwrap_or(f64::NAN)),
            how
        )
    };
    if let Some(why) = why_na {
        return match m.status {
            ProgressStatus::TargetAchieved => done(achieved_words(String::new()), e),
            _ => done(format!("{why} → 无法评估"), e),
        };
    }
    let b = nonzero(base.value);
    let sign = if b < 0.0 { -1.0 } else { 1.0 };
    let d = input.polarity.direction();
    let g_cur = growth(cur.value, b, cur.year, base.year);
    if b != base.value {
        e = e.num("基期值(0按0.001计)", b);
    }
    e = e.num("当前增长率g", g_cur);
    match (input.target, m.case) {
        (Some(t), _) => {
            let g_target = growth(nonzero(t.value), b, t.year, base.year);
            e = e.num("目标增长率g*", g_target);
            if let Some(p) = m.p {
                e = e.num("P", p);
            }
            let words = format!(
                "P = 符号×方向×g÷|g*| = {}×{}×{:.6}÷{:.6}",
                fmt_num(sign),
                fmt_num(d),
                g_cur,
                g_target.abs()
            );
            match (m.case, m.p, m.score) {
                (Case::Achieved, _, _) => done(achieved_words(format!(";{words}")), e),
                (Case::TargetEqualsBase, _, _) => {
                    done("目标值等于基期值,当前值已偏离目标 → 倒退,得分 -5".into(), e)
                }
                (_, Some(p), Some(score)) => {
                    let score_words = if p >= 0.6 {
                        format!("min(7.1429×P − 4.2857, 5) = {}", fmt_num(score))
                    } else {
                        format!("max(4.1667×P − 2.5, −5) = {}", fmt_num(score))
                    };
                    done(
                        format!(
                            "{words} = {};阈值 0.95/0.60/0 → {};得分 {score_words}",
                            fmt_num(p),
                            m.status.label_zh()
                        ),
                        e,
                    )
                }
                _ => done("增长率无法计算 → 无法评估".into(), e),
            }
        }
        (None, _) => {
            let (p, c, score) = (
                m.p.unwrap_or(f64::NAN),
                m.c.unwrap_or(1.0),
                m.score.unwrap_or(f64::NAN),
            );
            e = e.num("C", c).num("P", p);
            done(
                format!(
                    "无目标:P = 符号×方向×g = {:.6};C = {};阈值 0.015C/0.005C/0 = {:.6}/{:.6}/0 → {};得分 {}",
                    p,
                    fmt_num(c),
                    0.015 * c,
                    0.005 * c,
                    m.status.label_zh(),
                    fmt_num(score)
                ),
                e,
            )
        }
    }
}

/// The score and status of an indicator with several series: the mean of the scores of
/// the series that have one; the status from the mean (methods §3). Not available when
/// no series has a score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Combined {
    pub status: ProgressStatus,
    pub score: Option<f64>,
    /// How many series had a score, of how many.
    pub scored: usize,
    pub series: usize,
    pub explanation: Explanation,
}

pub fn combine(series: &[Progress]) -> Combined {
    let scores: Vec<f64> = series.iter().filter_map(|s| s.score).collect();
    let mut e = Explanation::default();
    for (i, s) in series.iter().enumerate() {
        e = e.opt(format!("序列{}得分", i + 1), s.score);
    }
    if scores.is_empty() {
        return Combined {
            status: ProgressStatus::NotAvailable,
            score: None,
            scored: 0,
            series: series.len(),
            explanation: Explanation {
                formula: "没有可评估的序列 → 无法评估".into(),
                ..e
            },
        };
    }
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let status = ProgressStatus::from_score(mean);
    Combined {
        status,
        score: Some(mean),
        scored: scores.len(),
        series: series.len(),
        explanation: Explanation {
            formula: format!(
                "{}个序列得分的平均 = {};[2.5,5] 显著进展,[0,2.5) 中等进展,[−2.5,0) 有限进展,[−5,−2.5) 倒退 → {}",
                scores.len(),
                fmt_num(mean),
                status.label_zh()
            ),
            ..e
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Polarity::*;
    use ProgressStatus::*;

    fn run(
        base: (f64, i32),
        cur: (f64, i32),
        target: Option<(f64, i32)>,
        pol: Polarity,
        limit: Option<f64>,
    ) -> Progress {
        progress(&ProgressInput {
            base: Some(Point::new(base.0, base.1)),
            current: Some(Point::new(cur.0, cur.1)),
            target: target.map(|t| Point::new(t.0, t.1)),
            polarity: pol,
            limit,
        })
    }

    #[test]
    fn case_a_lower_is_better_with_target() {
        let r = run(
            (14.5, 2015),
            (10.2, 2023),
            Some((7.25, 2030)),
            LowerIsBetter,
            None,
        );
        assert_eq!(r.p, Some(0.9525901792032172));
        assert_eq!(r.score, Some(2.5185563910306596));
        assert_eq!(r.status, SubstantialProgress);
    }

    #[test]
    fn case_b_without_target_with_limit() {
        let r = run(
            (90.0, 2015),
            (93.2, 2021),
            None,
            HigherIsBetter,
            Some(100.0),
        );
        assert_eq!(r.p, Some(0.005839995229728112));
        assert_eq!(r.score, Some(2.815386645395768));
        assert_eq!(r.status, SubstantialProgress);
    }

    #[test]
    fn case_c_target_achieved() {
        let r = run(
            (100.0, 2015),
            (100.0, 2022),
            Some((100.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!((r.status, r.p, r.score), (TargetAchieved, None, Some(5.0)));
    }

    #[test]
    fn achieved_keeps_p_when_it_can_be_taken() {
        let r = run(
            (50.0, 2020),
            (90.0, 2024),
            Some((80.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!((r.status, r.score), (TargetAchieved, Some(5.0)));
        assert!(r.p.is_some_and(|p| p > 1.0));
    }

    #[test]
    fn natural_limit_in_all_three_ranges() {
        assert_eq!(limit_factor(250.0, 100.0), 1.0); // |base| >= 2|L|
        assert_eq!(limit_factor(200.0, 100.0), 1.0);
        assert_eq!(limit_factor(90.0, 100.0), 1.0 - 0.9f64.powf(4.44)); // |base| <= |L|
        assert_eq!(limit_factor(100.0, 100.0), 0.0);
        assert_eq!(limit_factor(-90.0, -100.0), 1.0 - 0.9f64.powf(4.44));
        assert_eq!(limit_factor(150.0, 100.0), 1.0 - 0.5f64.powf(4.44)); // between
        assert_eq!(limit_factor(110.0, 100.0), 1.0 - 0.9f64.powf(4.44));
    }

    #[test]
    fn thresholds_with_target() {
        // P = g / |g*|: choose values so that P falls in each band.
        let r = run(
            (100.0, 2020),
            (103.0, 2024),
            Some((110.0, 2030)),
            HigherIsBetter,
            None,
        );
        let p = r.p.unwrap();
        assert!(p > 0.6 && p < 0.95, "{p}");
        assert_eq!(r.status, ModerateProgress);
        assert_eq!(r.score, Some(7.1429 * p - 4.2857));
        let r = run(
            (100.0, 2020),
            (101.0, 2024),
            Some((110.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!(r.status, LimitedProgress);
        assert_eq!(r.score, Some(4.1667 * r.p.unwrap() - 2.5));
    }

    #[test]
    fn deterioration_and_clamps() {
        let r = run(
            (100.0, 2020),
            (90.0, 2024),
            Some((110.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!(r.status, Deterioration);
        assert!(r.p.unwrap() < 0.0);
        // A fall so steep the score clamps at -5.
        let r = run(
            (100.0, 2020),
            (10.0, 2021),
            Some((110.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!(r.score, Some(-5.0));
        // Growth far above the target's: clamps at 5 (not achieved: target in the future
        // is higher still).
        let r = run(
            (1.0, 2020),
            (100.0, 2021),
            Some((1000.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!((r.status, r.score), (SubstantialProgress, Some(5.0)));
        // Without target.
        let r = run((100.0, 2020), (50.0, 2021), None, HigherIsBetter, None);
        assert_eq!((r.status, r.score), (Deterioration, Some(-5.0)));
        let r = run((100.0, 2020), (200.0, 2021), None, HigherIsBetter, None);
        assert_eq!((r.status, r.score), (SubstantialProgress, Some(5.0)));
    }

    #[test]
    fn without_target_bands() {
        // C = 1: thresholds 0.015 / 0.005.
        let r = run((100.0, 2020), (101.0, 2021), None, HigherIsBetter, None);
        assert_eq!(r.c, Some(1.0));
        let p = r.p.unwrap();
        assert_eq!(
            (r.status, r.score),
            (ModerateProgress, Some(250.0 * p - 1.25))
        );
        let r = run((100.0, 2020), (100.2, 2021), None, HigherIsBetter, None);
        let p = r.p.unwrap();
        assert_eq!(
            (r.status, r.score),
            (LimitedProgress, Some(500.0 * p - 2.5))
        );
        // C = 0 (base at the limit): any non-negative P scores 5.
        let r = run(
            (100.0, 2020),
            (100.0, 2021),
            None,
            HigherIsBetter,
            Some(100.0),
        );
        assert_eq!(
            (r.c, r.status, r.score),
            (Some(0.0), SubstantialProgress, Some(5.0))
        );
    }

    #[test]
    fn base_zero_counts_as_0_001() {
        let r = run(
            (0.0, 2020),
            (5.0, 2024),
            Some((10.0, 2030)),
            HigherIsBetter,
            None,
        );
        let g = growth(5.0, 0.001, 2024.0, 2020.0);
        let gs = growth(10.0, 0.001, 2030.0, 2020.0);
        assert_eq!(r.p, Some(g / gs.abs()));
    }

    #[test]
    fn target_zero_counts_as_0_001() {
        let r = run(
            (10.0, 2020),
            (5.0, 2024),
            Some((0.0, 2030)),
            LowerIsBetter,
            None,
        );
        let g = growth(5.0, 10.0, 2024.0, 2020.0);
        let gs = growth(0.001, 10.0, 2030.0, 2020.0);
        assert_eq!(r.p, Some(-g / gs.abs()));
        assert_ne!(r.status, TargetAchieved);
        let r = run(
            (10.0, 2020),
            (0.0, 2024),
            Some((0.0, 2030)),
            LowerIsBetter,
            None,
        );
        assert_eq!(r.status, TargetAchieved);
    }

    #[test]
    fn opposite_signs_not_available() {
        let r = run(
            (-5.0, 2020),
            (3.0, 2024),
            Some((10.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!((r.status, r.p, r.score), (NotAvailable, None, None));
        let r = run((5.0, 2020), (-3.0, 2024), None, HigherIsBetter, None);
        assert_eq!(r.status, NotAvailable);
    }

    #[test]
    fn negative_base_flips_sign() {
        // -10 → -5 is an improvement for higher-is-better; the ratio alone says "fell".
        let r = run((-10.0, 2020), (-5.0, 2024), None, HigherIsBetter, None);
        let g = growth(-5.0, -10.0, 2024.0, 2020.0);
        assert!(g < 0.0);
        assert_eq!(r.p, Some(-g));
        assert_eq!(r.status, SubstantialProgress);
    }

    #[test]
    fn under_one_year_or_no_data_not_available() {
        let r = run(
            (10.0, 2024),
            (12.0, 2024),
            Some((20.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!(r.status, NotAvailable);
        let r = progress(&ProgressInput {
            base: Some(Point::new(10.0, 2020)),
            current: Some(Point::new(12.0, 2020.5)),
            target: None,
            polarity: HigherIsBetter,
            limit: None,
        });
        assert_eq!(r.status, NotAvailable);
        let r = progress(&ProgressInput {
            base: Some(Point::new(10.0, 2020)),
            current: None,
            target: Some(Point::new(12.0, 2030)),
            polarity: HigherIsBetter,
            limit: None,
        });
        assert_eq!((r.status, r.score), (NotAvailable, None));
        let r = run((10.0, 2020), (f64::NAN, 2024), None, HigherIsBetter, None);
        assert_eq!(r.status, NotAvailable);
        assert_eq!(NotAvailable.label_zh(), "无法评估");
    }

    #[test]
    fn target_equal_to_base_and_missed_is_deterioration() {
        let r = run(
            (95.0, 2020),
            (94.0, 2024),
            Some((95.0, 2030)),
            HigherIsBetter,
            None,
        );
        assert_eq!((r.status, r.p, r.score), (Deterioration, None, Some(-5.0)));
    }

    #[test]
    fn several_series_mean_score() {
        let a = run(
            (14.5, 2015),
            (10.2, 2023),
            Some((7.25, 2030)),
            LowerIsBetter,
            None,
        );
        let c = run(
            (100.0, 2015),
            (100.0, 2022),
            Some((100.0, 2030)),
            HigherIsBetter,
            None,
        );
        let na = run((1.0, 2015), (-1.0, 2022), None, HigherIsBetter, None);
        let m = combine(&[a.clone(), c, na]);
        assert_eq!(m.score, Some((2.5185563910306596 + 5.0) / 2.0));
        assert_eq!((m.status, m.scored, m.series), (SubstantialProgress, 2, 3));
        let d = run(
            (100.0, 2020),
            (90.0, 2024),
            Some((110.0, 2030)),
            HigherIsBetter,
            None,
        );
        let m = combine(&[a, d]);
        assert_eq!(m.status, ProgressStatus::from_score(m.score.unwrap()));
        assert_eq!(combine(&[]).status, NotAvailable);
        assert_eq!(ProgressStatus::from_score(2.5), SubstantialProgress);
        assert_eq!(ProgressStatus::from_score(0.0), ModerateProgress);
        assert_eq!(ProgressStatus::from_score(-2.5), LimitedProgress);
        assert_eq!(ProgressStatus::from_score(-2.6), Deterioration);
    }

    #[test]
    fn explains_and_serializes() {
        let r = run(
            (14.5, 2015),
            (10.2, 2023),
            Some((7.25, 2030)),
            LowerIsBetter,
            None,
        );
        assert!(
            r.explanation.formula.contains("显著进展"),
            "{}",
            r.explanation.formula
        );
        assert!(r.explanation.input("目标增长率g*").is_some());
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["status"], "substantial_progress");
    }

    proptest::proptest! {
        #[test]
        fn score_always_within_bounds(
            b in -1.0e4f64..1.0e4, c in -1.0e4f64..1.0e4, t in proptest::option::of(-1.0e4f64..1.0e4),
            by in 2000i32..2030, dy in 0i32..10, ty in 0i32..15, lower in proptest::bool::ANY,
            limit in proptest::option::of(-200.0f64..200.0),
        ) {
            let r = run((b, by), (c, by + dy), t.map(|v| (v, by + ty)), if lower { LowerIsBetter } else { HigherIsBetter }, limit);
            if let Some(s) = r.score {
                proptest::prop_assert!((-5.0..=5.0).contains(&s), "{s}");
            }
            proptest::prop_assert!(r.p.is_none_or(f64::is_finite));
            proptest::prop_assert_eq!(r.score.is_none(), r.status == NotAvailable);
        }
    }
}
