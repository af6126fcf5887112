//! The pace still required to reach the final target ("还需年均增长X%方能实现2027年目标"),
//! and the change against an earlier figure (同比, 环比).
//!
//! methods.md defines how fast a figure has moved (§3), not how fast it still must move, so
//! the rule is written here, with the same conventions as the forecast beside it: a figure
//! stands at its year (`2025` for a year's figure, `2024.75` for September 2025), the final
//! target at the end of its year, and the years left are the difference.
//!
//! - a rate (unit `%`, or `全覆盖`) moves in percentage points: (T − A) ÷ n per year;
//! - any other figure grows at a constant annual rate: (T ÷ A)^(1 ÷ n) − 1, the same
//!   compound growth the forecast and the progress measure assume;
//! - where compound growth has no meaning (A or T zero, or of opposite signs) the amount
//!   per year in the indicator's unit: (T − A) ÷ n.
//!
//! A figure that already meets the final target (its comparator, the indicator's polarity)
//! needs no pace; a final year that has come without the target met is said so. A
//! lower-is-better indicator is worded as a fall (年均下降, 年均降低, 年均减少).

use serde::{Deserialize, Serialize};

use super::explain::{Explanation, fmt_num};
use super::progress::Point;
use crate::plan::Polarity;
use crate::target::{Op, Target};

/// What the pace says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaceStatus {
    /// The target is not met yet and there is time left: `per_year` is the pace needed.
    Required,
    /// The figure already meets the final target.
    Met,
    /// The final target's year has come (the figure is of that year or later) and the
    /// target is not met.
    Missed,
    /// No figure, no final target (or one without a number), or a milestone.
    NotAvailable,
}

/// How `per_year` is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaceScale {
    /// Compound growth in percent per year.
    Growth,
    /// Percentage points per year (a rate).
    Points,
    /// The indicator's unit per year (compound growth undefined).
    Amount,
}

/// The pace still required, with its sentence and formula.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pace {
    pub status: PaceStatus,
    pub scale: Option<PaceScale>,
    /// Per year, signed (negative: a fall): percent for `growth` (3.2 = 3.2 %), percentage
    /// points for `points`, the indicator's unit for `amount`.
    pub per_year: Option<f64>,
    /// The final target's year.
    pub target_year: Option<i32>,
    /// Years left from the figure to the end of the target year.
    pub years_left: Option<f64>,
    /// One Chinese sentence: "还需年均增长3.2%方能实现2027年目标".
    pub sentence: String,
    pub explanation: Explanation,
}

/// What the pace is computed from.
#[derive(Debug, Clone, Copy)]
pub struct PaceInput<'a> {
    /// The latest figure and where it stands in time (see the module's conventions).
    pub current: Option<Point>,
    /// The final target and its year.
    pub target: Option<(i32, &'a Target)>,
    pub polarity: Polarity,
    /// The indicator's unit as the plan writes it (`%` makes it a rate).
    pub unit: &'a str,
    /// A pass/fail milestone: judged by its dated plan, not by a pace.
    pub milestone: bool,
}

/// Whether a figure in `unit` (or against `target`) is a rate, moved in percentage points.
pub fn is_rate(unit: &str, target: Option<&Target>) -> bool {
    unit.trim() == "%" || target.is_some_and(|t| t.op == Op::Full)
}

/// A number for a sentence with at most `decimals` decimals, trailing zeros dropped.
fn short(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A growth rate in percent for a sentence: one decimal, two when it is below 0.1.
fn growth_text(pct: f64) -> String {
    let a = pct.abs();
    if a > 0.0 && a < 0.1 {
        short(a, 2)
    } else {
        short(a, 1)
    }
}

/// The pace still required to reach the final target (see the module's rule).
pub fn pace(input: &PaceInput<'_>) -> Pace {
    let target_year = input.target.map(|(y, _)| y);
    let mut e = Explanation::default()
        .opt("当前值", input.current.map(|p| p.value))
        .opt("当前时点", input.current.map(|p| p.year));
    if let Some((y, t)) = input.target {
        e = e
            .num("目标年", f64::from(y))
            .text("终期目标", t.text.clone());
    }
    e = e.text(
        "指标方向",
        match input.polarity {
            Polarity::HigherIsBetter => "越大越好",
            Polarity::LowerIsBetter => "越小越好",
        },
    );
    let none = |e: Explanation, why: String| Pace {
        status: PaceStatus::NotAvailable,
        scale: None,
        per_year: None,
        target_year,
        years_left: None,
        sentence: why.clone(),
        explanation: Explanation { formula: why, ..e },
    };
    if input.milestone {
        return none(e, "里程碑指标按计划节点考核,不测算年均增速".into());
    }
    let Some((year, target)) = input.target else {
        return none(e, "方案未设终期目标,无法测算所需增速".into());
    };
    let Some(aim) = target.aim().filter(|a| a.is_finite()) else {
        return none(
            e,
            format!("{year}年目标“{}”无数值,无法测算所需增速", target.text),
        );
    };
    let Some(cur) = input
        .current
        .filter(|p| p.value.is_finite() && p.year.is_finite())
    else {
        return none(e, "尚无数据,无法测算所需增速".into());
    };
    e = e.num("目标值", aim);
    let unit = input.unit.trim();
    if target.is_met(cur.value, input.polarity).unwrap_or(false) {
        let sentence = format!("已达到{year}年目标({}),保持即可", target.text);
        return Pace {
            status: PaceStatus::Met,
            scale: None,
            per_year: None,
            target_year,
            years_left: Some(f64::from(year) - cur.year),
            explanation: Explanation {
                formula: format!(
                    "当前值 {}{unit} 已满足{year}年目标“{}”",
                    fmt_num(cur.value),
                    target.text
                ),
                ..e
            },
            sentence,
        };
    }
    let n = f64::from(year) - cur.year;
    if n <= 0.0 {
        let sentence = format!("{year}年目标({})未实现", target.text);
        return Pace {
            status: PaceStatus::Missed,
            scale: None,
            per_year: None,
            target_year,
            years_left: Some(n),
            explanation: Explanation {
                formula: format!(
                    "当前值 {}{unit} 已到目标年而未满足“{}”",
                    fmt_num(cur.value),
                    target.text
                ),
                ..e
            },
            sentence,
        };
    }
    e = e.num("剩余年数", n);
    let rate = is_rate(unit, Some(target));
    let compound = cur.value != 0.0 && aim != 0.0 && (cur.value < 0.0) == (aim < 0.0);
    let (scale, per_year, formula) = if rate {
        let v = (aim - cur.value) / n;
        let f = format!(
            "年均变化 = (目标值 − 当前值) ÷ 剩余年数 = ({} − {}) ÷ {} = {} 个百分点",
            fmt_num(aim),
            fmt_num(cur.value),
            fmt_num(n),
            fmt_num(v)
        );
        (PaceScale::Points, v, f)
    } else if compound {
        let g = ((aim / cur.value).powf(1.0 / n) - 1.0) * 100.0;
        let f = format!(
            "年均增长率 = (目标值 ÷ 当前值)^(1 ÷ 剩余年数) − 1 = ({} ÷ {})^(1 ÷ {}) − 1 = {}%",
            fmt_num(aim),
            fmt_num(cur.value),
            fmt_num(n),
            fmt_num(g)
        );
        (PaceScale::Growth, g, f)
    } else {
        let v = (aim - cur.value) / n;
        let f = format!(
            "当前值或目标值为0或二者异号,复合增长率无定义,按年均变化量:(目标值 − 当前值) ÷ 剩余年数 = ({} − {}) ÷ {} = {}{unit}",
            fmt_num(aim),
            fmt_num(cur.value),
            fmt_num(n),
            fmt_num(v)
        );
        (PaceScale::Amount, v, f)
    };
    if !per_year.is_finite() {
        return none(e, "测算结果溢出,无法给出所需增速".into());
    }
    let up = per_year > 0.0;
    let sentence = if per_year == 0.0 {
        // A strict bound met only beyond its number (`<5` at exactly 5).
        let side = match target.op {
            Op::Lt | Op::Le => "低于",
            Op::Gt | Op::Ge => "高于",
            _ => match input.polarity {
                Polarity::HigherIsBetter => "高于",
                Polarity::LowerIsBetter => "低于",
            },
        };
        format!("需{side}{}{unit}方能实现{year}年目标", fmt_num(aim))
    } else {
        let amount = match scale {
            PaceScale::Growth => format!("{}%", growth_text(per_year)),
            PaceScale::Points => format!("{}个百分点", short(per_year.abs(), 2)),
            PaceScale::Amount => format!("{}{unit}", short(per_year.abs(), 2)),
        };
        let verb = match (scale, up) {
            (PaceScale::Growth, true) => "增长",
            (PaceScale::Growth, false) => "下降",
            (PaceScale::Points, true) => "提高",
            (PaceScale::Points, false) => "降低",
            (PaceScale::Amount, true) => "增加",
            (PaceScale::Amount, false) => "减少",
        };
        format!("还需年均{verb}{amount}方能实现{year}年目标")
    };
    Pace {
        status: PaceStatus::Required,
        scale: Some(scale),
        per_year: Some(per_year),
        target_year,
        years_left: Some(n),
        sentence,
        explanation: Explanation { formula, ..e }.num("所需年均变化", per_year),
    }
}

/// A figure against an earlier one (同比: the same period a year before; 环比: the period
/// before).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The later figure minus the earlier, in the indicator's unit (percentage points for a
    /// rate).
    pub delta: f64,
    /// The change in percent of the earlier figure; `None` for a rate (its change is the
    /// points) or when the earlier figure is 0.
    pub percent: Option<f64>,
    /// "同比增长3.2%", "环比提高1.5个百分点", "同比持平".
    pub sentence: String,
}

/// `now` against `before` (`label`: 同比 or 环比); `None` when either is not a number.
/// A rate (unit `%`) changes in percentage points, anything else in percent of the
/// earlier figure (in the unit when the earlier figure is 0).
pub fn change(label: &str, now: f64, before: f64, unit: &str) -> Option<Change> {
    if !(now.is_finite() && before.is_finite()) {
        return None;
    }
    let unit = unit.trim();
    let delta = now - before;
    let rate = is_rate(unit, None);
    let percent = (!rate && before != 0.0).then(|| delta / before.abs() * 100.0);
    let sentence = if delta == 0.0 {
        format!("{label}持平")
    } else if rate {
        let verb = if delta > 0.0 { "提高" } else { "降低" };
        format!("{label}{verb}{}个百分点", short(delta.abs(), 2))
    } else if let Some(p) = percent {
        let verb = if delta > 0.0 { "增长" } else { "下降" };
        format!("{label}{verb}{}%", growth_text(p))
    } else {
        let verb = if delta > 0.0 { "增加" } else { "减少" };
        format!("{label}{verb}{}{unit}", short(delta.abs(), 2))
    };
    Some(Change {
        delta,
        percent,
        sentence,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Target {
        Target::parse(text).expect("target")
    }

    fn run(cur: Option<(f64, f64)>, target: &Target, polarity: Polarity, unit: &str) -> Pace {
        pace(&PaceInput {
            current: cur.map(|(v, y)| Point::new(v, y)),
            target: Some((2027, target)),
            polarity,
            unit,
            milestone: false,
        })
    }

    #[test]
    fn increasing_needs_compound_growth() {
        let target = t("80");
        let p = run(
            Some((66.0, 2024.0)),
            &target,
            Polarity::HigherIsBetter,
            "个",
        );
        let g = ((80.0f64 / 66.0).powf(1.0 / 3.0) - 1.0) * 100.0;
        assert_eq!(p.status, PaceStatus::Required);
        assert_eq!(p.scale, Some(PaceScale::Growth));
        assert_eq!(p.per_year, Some(g));
        assert_eq!(p.years_left, Some(3.0));
        assert_eq!(p.sentence, "还需年均增长6.6%方能实现2027年目标");
        assert!(p.explanation.formula.contains("(80 ÷ 66)^(1 ÷ 3) − 1"));
        // A figure within the year stands at its fraction: September 2025 is 2024.75.
        let p = run(
            Some((4.1, 2024.75)),
            &t("4.5"),
            Polarity::HigherIsBetter,
            "个",
        );
        let g = ((4.5f64 / 4.1).powf(1.0 / 2.25) - 1.0) * 100.0;
        assert_eq!(p.per_year, Some(g));
        assert_eq!(p.sentence, "还需年均增长4.2%方能实现2027年目标");
    }

    #[test]
    fn decreasing_is_worded_as_a_fall() {
        let p = run(
            Some((14.5, 2024.0)),
            &t("<12"),
            Polarity::LowerIsBetter,
            "人/10万人",
        );
        assert_eq!(p.status, PaceStatus::Required);
        let g = ((12.0f64 / 14.5).powf(1.0 / 3.0) - 1.0) * 100.0;
        assert_eq!(p.per_year, Some(g));
        assert!(g < 0.0);
        assert_eq!(p.sentence, "还需年均下降6.1%方能实现2027年目标");
        // At exactly a strict bound there is no pace, only the side to be on.
        let p = run(
            Some((12.0, 2025.0)),
            &t("<12"),
            Polarity::LowerIsBetter,
            "人/10万人",
        );
        assert_eq!(p.sentence, "需低于12人/10万人方能实现2027年目标");
    }

    #[test]
    fn a_rate_moves_in_points() {
        let p = run(
            Some((62.0, 2024.75)),
            &t("≥70"),
            Polarity::HigherIsBetter,
            "%",
        );
        assert_eq!(p.scale, Some(PaceScale::Points));
        assert_eq!(p.per_year, Some((70.0 - 62.0) / 2.25));
        assert_eq!(p.sentence, "还需年均提高3.56个百分点方能实现2027年目标");
        let p = run(Some((5.6, 2024.0)), &t("<5"), Polarity::LowerIsBetter, "%");
        assert_eq!(p.per_year, Some((5.0 - 5.6) / 3.0));
        assert_eq!(p.sentence, "还需年均降低0.2个百分点方能实现2027年目标");
        // 全覆盖 is a rate toward 100 % whatever the unit says.
        let p = run(
            Some((88.0, 2025.0)),
            &t("全覆盖"),
            Polarity::HigherIsBetter,
            "",
        );
        assert_eq!(p.scale, Some(PaceScale::Points));
        assert_eq!(p.per_year, Some(6.0));
    }

    #[test]
    fn already_met_says_so() {
        for (v, text, pol) in [
            (30.0, "≥28.07", Polarity::HigherIsBetter),
            (4.2, "<5", Polarity::LowerIsBetter),
            (100.0, "全覆盖", Polarity::HigherIsBetter),
        ] {
            let target = t(text);
            let p = run(Some((v, 2025.0)), &target, pol, "%");
            assert_eq!(p.status, PaceStatus::Met, "{text}");
            assert_eq!(p.per_year, None);
            assert_eq!(p.sentence, format!("已达到2027年目标({text}),保持即可"));
        }
    }

    #[test]
    fn no_base_figure_or_target_is_not_available() {
        let target = t("80");
        let p = run(None, &target, Polarity::HigherIsBetter, "个");
        assert_eq!(p.status, PaceStatus::NotAvailable);
        assert_eq!(p.sentence, "尚无数据,无法测算所需增速");
        let p = run(
            Some((f64::NAN, 2024.0)),
            &target,
            Polarity::HigherIsBetter,
            "个",
        );
        assert_eq!(p.status, PaceStatus::NotAvailable);
        let p = pace(&PaceInput {
            current: Some(Point::new(1.0, 2024)),
            target: None,
            polarity: Polarity::HigherIsBetter,
            unit: "个",
            milestone: false,
        });
        assert_eq!(p.status, PaceStatus::NotAvailable);
        let p = pace(&PaceInput {
            current: Some(Point::new(50.0, 2024)),
            target: Some((2027, &target)),
            polarity: Polarity::HigherIsBetter,
            unit: "%",
            milestone: true,
        });
        assert_eq!(p.status, PaceStatus::NotAvailable);
        assert!(p.sentence.contains("里程碑"));
    }

    #[test]
    fn zero_base_falls_back_to_an_amount_per_year() {
        let p = run(
            Some((0.0, 2024.0)),
            &t("6"),
            Polarity::HigherIsBetter,
            "万人次",
        );
        assert_eq!(p.scale, Some(PaceScale::Amount));
        assert_eq!(p.per_year, Some(2.0));
        assert_eq!(p.sentence, "还需年均增加2万人次方能实现2027年目标");
        assert!(p.explanation.formula.contains("复合增长率无定义"));
    }

    #[test]
    fn final_year_reached_without_the_target() {
        let p = run(
            Some((70.0, 2027.0)),
            &t("80"),
            Polarity::HigherIsBetter,
            "个",
        );
        assert_eq!(p.status, PaceStatus::Missed);
        assert_eq!(p.sentence, "2027年目标(80)未实现");
    }

    #[test]
    fn change_against_an_earlier_figure() {
        let c = change("同比", 110.0, 100.0, "个").expect("change");
        assert_eq!((c.delta, c.percent), (10.0, Some(10.0)));
        assert_eq!(c.sentence, "同比增长10%");
        let c = change("环比", 61.5, 62.0, "%").expect("change");
        assert_eq!(c.percent, None);
        assert_eq!(c.sentence, "环比降低0.5个百分点");
        assert_eq!(
            change("同比", 3.0, 0.0, "万人次").map(|c| c.sentence),
            Some("同比增加3万人次".into())
        );
        assert_eq!(
            change("同比", 5.0, 5.0, "个").map(|c| c.sentence),
            Some("同比持平".into())
        );
        assert_eq!(change("同比", f64::NAN, 5.0, "个"), None);
    }
}
