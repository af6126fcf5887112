//! A target cell as the plan writes it (`3.8`, `<5`, `≥28.07`, `80以上`, `全覆盖`, `/`)
//! and as parsed into a comparator and a number (methods §1).
//!
//! The written text is always kept next to the parsed form: the plan is a legal text, and
//! what a screen or a report shows must be what the plan says.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use crate::eval::explain::fmt_num;
use crate::plan::Polarity;

/// How a target compares the actual value with its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Op {
    /// Inclusive lower bound: `≥`, `>=`, `不低于`, `不少于`, `以上`, `达到…以上`.
    #[serde(rename = ">=")]
    Ge,
    /// Strict lower bound: `>`, `超过`.
    #[serde(rename = ">")]
    Gt,
    /// Inclusive upper bound: `≤`, `<=`, `不超过`, `不高于`, `以下`.
    #[serde(rename = "<=")]
    Le,
    /// Strict upper bound: `<`, `低于`.
    #[serde(rename = "<")]
    Lt,
    /// A plain number: the indicator's polarity decides the direction.
    #[serde(rename = "=")]
    Eq,
    /// `全覆盖`: every eligible unit covered.
    #[serde(rename = "full")]
    Full,
    /// `/` or empty: no target that year.
    #[serde(rename = "none")]
    None,
}

impl Op {
    /// The symbol used in JSON and in the CLI: `>=`, `>`, `<=`, `<`, `=`, `full`, `none`.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Ge => ">=",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Lt => "<",
            Op::Eq => "=",
            Op::Full => "full",
            Op::None => "none",
        }
    }

    /// The sign a number is written with for this comparator: `≥`, `>`, `≤`, `<`, or
    /// nothing (a plain number, full coverage, no target).
    pub fn prefix(self) -> &'static str {
        match self {
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Le => "≤",
            Op::Lt => "<",
            _ => "",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A target (or a baseline) cell: the text as written and its parsed meaning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// Exactly as the plan writes it, e.g. `≥28.07`, `全覆盖`, `/`.
    pub text: String,
    pub op: Op,
    /// The number, `None` for `全覆盖` and `/`.
    pub value: Option<f64>,
    /// A unit written inside the cell (`95%`, `1‰`, `6万人`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// True for a yearly target the plan does not write, derived from its final one
    /// (推算, methods §2, [`derive_path`]); its text ends in `(推算)`. Never true for a cell
    /// of the plan.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub derived: bool,
}

/// The mark a derived target's text ends with.
pub const DERIVED_MARK: &str = "(推算)";

/// Why a target text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("无法识别的目标值“{text}”:{reason}")]
pub struct TargetParseError {
    pub text: String,
    pub reason: String,
}

/// The share that counts as full coverage, in percent.
pub const FULL_COVERAGE_PERCENT: f64 = 100.0;

const LOWER_PREFIXES: &[(&str, Op)] = &[
    ("≥", Op::Ge),
    (">=", Op::Ge),
    ("＞=", Op::Ge),
    ("≧", Op::Ge),
    ("不低于", Op::Ge),
    ("不少于", Op::Ge),
    ("不小于", Op::Ge),
    ("至少", Op::Ge),
    ("超过", Op::Gt),
    ("高于", Op::Gt),
    ("大于", Op::Gt),
    (">", Op::Gt),
    ("＞", Op::Gt),
    ("≤", Op::Le),
    ("<=", Op::Le),
    ("≦", Op::Le),
    ("不超过", Op::Le),
    ("不高于", Op::Le),
    ("不大于", Op::Le),
    ("低于", Op::Lt),
    ("小于", Op::Lt),
    ("<", Op::Lt),
    ("＜", Op::Lt),
];

const SUFFIXES: &[(&str, Op)] = &[
    ("及以上", Op::Ge),
    ("以上", Op::Ge),
    ("及以下", Op::Le),
    ("以下", Op::Le),
];

const FULL_WORDS: &[&str] = &["全覆盖", "全面覆盖", "全部覆盖", "应保尽保", "全达标"];
const NONE_WORDS: &[&str] = &["/", "／", "-", "—", "--", "——", "无", ""];

impl Target {
    /// This target's comparator and unit around another number (`number`, written as it is
    /// to be shown): a town's part of it, or a year's derived step toward it (then marked
    /// 推算).
    pub fn with_number(&self, value: f64, number: &str, derived: bool) -> Target {
        Target {
            text: format!(
                "{}{number}{}{}",
                self.op.prefix(),
                self.unit.as_deref().unwrap_or(""),
                if derived { DERIVED_MARK } else { "" }
            ),
            op: self.op,
            value: Some(value),
            unit: self.unit.clone(),
            derived,
        }
    }

    /// A cell with no target (`/`).
    pub fn none(text: impl Into<String>) -> Self {
        Target {
            text: text.into(),
            op: Op::None,
            value: None,
            unit: None,
            derived: false,
        }
    }

    /// Parses a target cell. Accepts the comparators of methods §1, full-width forms,
    /// spaces anywhere, and a unit suffix (`%`, `‰`, `万人`, `个` …) which is kept apart.
    pub fn parse(text: &str) -> Result<Target, TargetParseError> {
        let err = |reason: &str| TargetParseError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let mut compact = String::with_capacity(text.len());
        let mut gap = false;
        for c in text.chars().map(fullwidth_to_ascii) {
            if c.is_whitespace() {
                gap = true;
                continue;
            }
            // Spaces may separate words ("≥ 28.07"), never the digits of one number.
            if gap && c.is_ascii_digit() && compact.ends_with(|p: char| p.is_ascii_digit()) {
                return Err(err("数字之间有空格"));
            }
            gap = false;
            compact.push(c);
        }
        let compact = compact.trim_start_matches("达到").to_string();
        if NONE_WORDS.contains(&compact.as_str()) {
            return Ok(Target::none(text));
        }
        if FULL_WORDS.contains(&compact.as_str()) {
            return Ok(Target {
                text: text.to_string(),
                op: Op::Full,
                value: None,
                unit: None,
                derived: false,
            });
        }
        let mut rest = compact.as_str();
        let mut op = Op::Eq;
        for (prefix, prefix_op) in LOWER_PREFIXES {
            if let Some(r) = rest.strip_prefix(prefix) {
                op = *prefix_op;
                rest = r;
                break;
            }
        }
        for (suffix, suffix_op) in SUFFIXES {
            if let Some(r) = rest.strip_suffix(suffix) {
                if op != Op::Eq && op != *suffix_op {
                    return Err(err("前后比较词方向矛盾"));
                }
                if op == Op::Eq {
                    op = *suffix_op;
                }
                rest = r;
                break;
            }
        }
        let number_end = rest
            .char_indices()
            .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || (*i == 0 && *c == '-')))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let (number, unit) = rest.split_at(number_end);
        if number.is_empty() {
            return Err(err("缺少数值"));
        }
        let value: f64 = number
            .parse()
            .map_err(|_| err("数值格式不正确"))
            .and_then(|v: f64| {
                if v.is_finite() {
                    Ok(v)
                } else {
                    Err(err("数值超出范围"))
                }
            })?;
        let unit = unit.trim();
        if unit.chars().any(|c| c.is_ascii_digit()) {
            return Err(err("数值后有多余的数字"));
        }
        if unit.chars().count() > 6 {
            return Err(err("数值后的文字过长,不像单位"));
        }
        Ok(Target {
            text: text.to_string(),
            op,
            value: Some(value),
            unit: (!unit.is_empty()).then(|| unit.to_string()),
            derived: false,
        })
    }

    /// Whether this cell sets a target at all.
    pub fn is_set(&self) -> bool {
        self.op != Op::None
    }

    /// Whether an actual value meets this target (methods §1). `None` when the cell sets no
    /// target. `全覆盖` is met by a coverage share of 100% (or more, from rounding).
    pub fn is_met(&self, actual: f64, polarity: Polarity) -> Option<bool> {
        let v = self.value;
        Some(match (self.op, v) {
            (Op::None, _) => return None,
            (Op::Full, _) => actual >= FULL_COVERAGE_PERCENT,
            (_, None) => return None,
            (Op::Ge, Some(t)) => actual >= t,
            (Op::Gt, Some(t)) => actual > t,
            (Op::Le, Some(t)) => actual <= t,
            (Op::Lt, Some(t)) => actual < t,
            (Op::Eq, Some(t)) => match polarity {
                Polarity::HigherIsBetter => actual >= t,
                Polarity::LowerIsBetter => actual <= t,
            },
        })
    }

    /// The number a schedule aims at: the bound itself, or 100 for full coverage.
    pub fn aim(&self) -> Option<f64> {
        match self.op {
            Op::None => None,
            Op::Full => Some(FULL_COVERAGE_PERCENT),
            _ => self.value,
        }
    }

    /// True for `<`, `>`, `≤`, `≥`: a bound checked directly every period (methods §2).
    pub fn is_bound(&self) -> bool {
        matches!(self.op, Op::Ge | Op::Gt | Op::Le | Op::Lt)
    }

    /// Whether a chart of the plan's path joins the previous point (`from`, itself a bound
    /// or not) to this target. Not when this is a bound the previous level already keeps:
    /// 4.7 % then `<5` is a ceiling to stay under, not a rise to 5 %.
    pub fn joins_path(&self, from: f64, from_bound: bool, polarity: Polarity) -> bool {
        !(self.is_bound() && !from_bound && self.is_met(from, polarity) == Some(true))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Where a derived path starts (B at y₀ of methods §2) and where that number came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PathBase {
    pub value: f64,
    pub year: i32,
    pub source: BaseSource,
}

/// Where B of a derived path comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseSource {
    /// The plan states a baseline (基期值).
    PlanBaseline,
    /// The plan states none: the first reported year-end value, whose year becomes y₀.
    FirstYearEnd,
    /// A cumulative (累计) target: the running total is 0 at the plan's start.
    CumulativeStart,
}

impl BaseSource {
    pub fn label_zh(self) -> &'static str {
        match self {
            BaseSource::PlanBaseline => "方案基期值",
            BaseSource::FirstYearEnd => "方案未写基期,取首个报送的年末值",
            BaseSource::CumulativeStart => "累计指标,方案起点累计为 0",
        }
    }
}

/// The yearly targets derived from a target set only for a final year (methods §2,
/// "Targets set only for a final year"): T_y = B + (T_F − B) · (y − y₀) / (y_F − y₀) for
/// every `years` strictly between y₀ and y_F, with the final target's comparator (`以上`
/// → ≥) and unit, marked 推算. When B already meets the final target there is no task
/// left: every year's derived target is the final one held. A final target without a
/// number (全覆盖) has no path (it is a milestone): the answer is empty.
pub fn derive_path(
    base: PathBase,
    final_year: i32,
    final_target: &Target,
    polarity: Polarity,
    years: &[i32],
) -> BTreeMap<i32, Target> {
    let mut out = BTreeMap::new();
    let (Some(tf), true) = (final_target.aim(), final_target.op != Op::Full) else {
        return out;
    };
    if final_year <= base.year || !base.value.is_finite() {
        return out;
    }
    let decimals = number_decimals(&final_target.text).clamp(1, 2);
    let hold = final_target.is_met(base.value, polarity) == Some(true);
    for &y in years.iter().filter(|y| **y > base.year && **y < final_year) {
        let v = if hold {
            tf
        } else {
            let f = f64::from(y - base.year) / f64::from(final_year - base.year);
            round_to(base.value + (tf - base.value) * f, decimals)
        };
        out.insert(y, final_target.with_number(v, &fmt_num(v), true));
    }
    out
}

/// The derivation of one derived target in words (what `explain` shows).
pub fn derived_formula(
    base: PathBase,
    final_year: i32,
    final_target: &Target,
    polarity: Polarity,
    year: i32,
    derived: &Target,
) -> String {
    let b = fmt_num(base.value);
    let t = derived.value.map(fmt_num).unwrap_or_default();
    if final_target.is_met(base.value, polarity) == Some(true) {
        return format!(
            "推算目标:方案只写了 {final_year} 年目标“{}”;基数 B = {b}({},{} 年)已达到该目标,本年无新增任务,推算目标即期末目标 {t}",
            final_target.text,
            base.source.label_zh(),
            base.year
        );
    }
    let tf = final_target.aim().map(fmt_num).unwrap_or_default();
    format!(
        "推算目标:方案只写了 {final_year} 年目标“{}”,{year} 年目标按 T_y = B + (T_F − B) × (y − y₀) ÷ (y_F − y₀) 推算 = {b} + ({tf} − {b}) × ({year} − {y0}) ÷ ({final_year} − {y0}) = {t};B = {b}({},y₀ = {y0});比较方式同期末目标({})。推算值不是方案原文",
        final_target.text,
        base.source.label_zh(),
        match final_target.op.prefix() {
            "" => "按指标方向",
            sign => sign,
        },
        y0 = base.year,
    )
}

/// How many decimals the number in a target text is written with (`28.07%` → 2).
fn number_decimals(text: &str) -> u32 {
    let digits: String = text
        .chars()
        .map(fullwidth_to_ascii)
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    digits
        .split_once('.')
        .map(|(_, d)| d.len() as u32)
        .unwrap_or(0)
}

/// `v` rounded to `decimals` places (at most 9).
pub(crate) fn round_to(v: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals.min(9) as i32);
    (v * f).round() / f
}

fn fullwidth_to_ascii(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '．' => '.',
        '％' => '%',
        '－' => '-',
        '，' | ',' => ',',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(value: f64, year: i32) -> PathBase {
        PathBase {
            value,
            year,
            source: BaseSource::FirstYearEnd,
        }
    }

    const YEARS: [i32; 5] = [2023, 2024, 2025, 2026, 2027];

    #[test]
    fn derived_path_of_an_inclusive_lower_bound() {
        // 到2027年 … 达到90%以上, first year-end value 70 in 2023.
        let f = Target::parse("90%以上").unwrap();
        let hi = Polarity::HigherIsBetter;
        let d = derive_path(base(70.0, 2023), 2027, &f, hi, &YEARS);
        assert_eq!(
            d.keys().copied().collect::<Vec<_>>(),
            vec![2024, 2025, 2026]
        );
        let t = &d[&2025];
        assert_eq!((t.op, t.value, t.derived), (Op::Ge, Some(80.0), true));
        assert_eq!(t.text, "≥80%(推算)");
        assert_eq!(d[&2024].value, Some(75.0));
        // 以上 → ≥: the derived number itself meets it.
        assert_eq!(t.is_met(80.0, hi), Some(true));
        assert_eq!(t.is_met(79.99, hi), Some(false));
        let words = derived_formula(base(70.0, 2023), 2027, &f, hi, 2025, t);
        assert!(
            words.contains("推算") && words.contains("70 + (90 − 70)"),
            "{words}"
        );
    }

    #[test]
    fn derived_path_of_not_less_than_and_of_a_permille_ceiling() {
        let hi = Polarity::HigherIsBetter;
        let f = Target::parse("不少于120个").unwrap();
        let d = derive_path(base(40.0, 2022), 2027, &f, hi, &YEARS);
        assert_eq!(d[&2023].value, Some(56.0));
        assert_eq!(d[&2023].op, Op::Ge);
        assert_eq!(d[&2023].text, "≥56个(推算)");
        // 1‰以下 on a lower-is-better rate from 1.8‰: the ceiling comes down.
        let lo = Polarity::LowerIsBetter;
        let f = Target::parse("1‰以下").unwrap();
        let d = derive_path(base(1.8, 2023), 2027, &f, lo, &YEARS);
        assert_eq!(d[&2024].value, Some(1.6));
        assert_eq!(d[&2024].text, "≤1.6‰(推算)");
        assert_eq!(d[&2024].is_met(1.6, lo), Some(true));
        assert_eq!(d[&2024].is_met(1.61, lo), Some(false));
        // Already under the final ceiling: no task left, the final target held.
        let d = derive_path(base(0.7, 2023), 2027, &f, lo, &YEARS);
        assert!(d.values().all(|t| t.value == Some(1.0) && t.op == Op::Le));
    }

    #[test]
    fn derived_path_of_a_cumulative_target_starts_from_zero() {
        // 累计城镇新增就业11.5万人 by 2027, the running total 0 at the plan's start.
        let f = Target::parse("11.5万人").unwrap();
        let start = PathBase {
            value: 0.0,
            year: 2022,
            source: BaseSource::CumulativeStart,
        };
        let d = derive_path(start, 2027, &f, Polarity::HigherIsBetter, &YEARS);
        assert_eq!(d.len(), 4);
        assert_eq!(d[&2023].value, Some(2.3));
        assert_eq!(d[&2026].value, Some(9.2));
        assert_eq!(d[&2026].text, "9.2万人(推算)");
        assert_eq!(d[&2026].is_met(9.2, Polarity::HigherIsBetter), Some(true));
    }

    #[test]
    fn no_derived_path_for_every_year_targets_or_milestones() {
        let hi = Polarity::HigherIsBetter;
        // 每年 … 6万人以上: the plan writes each year; a path from a base in the final
        // year or later is empty, and 全覆盖 has no path at all.
        let f = Target::parse("全覆盖").unwrap();
        assert!(derive_path(base(50.0, 2023), 2027, &f, hi, &YEARS).is_empty());
        let f = Target::parse("6万人以上").unwrap();
        assert!(derive_path(base(5.0, 2027), 2027, &f, hi, &YEARS).is_empty());
        assert!(derive_path(base(f64::NAN, 2023), 2027, &f, hi, &YEARS).is_empty());
    }

    #[test]
    fn a_target_written_for_every_year_is_judged_as_written() {
        // 每年新增城镇就业6万人以上: each year's own cell, ≥ on a higher-is-better count.
        let hi = Polarity::HigherIsBetter;
        let t = Target::parse("6万人以上").unwrap();
        assert_eq!((t.op, t.value, t.derived), (Op::Ge, Some(6.0), false));
        assert_eq!(t.is_met(6.0, hi), Some(true));
        assert_eq!(t.is_met(5.99, hi), Some(false));
        // 累计 … 不少于 40个: the running total against the floor.
        let t = Target::parse("不少于40个").unwrap();
        assert_eq!(t.is_met(40.0, hi), Some(true));
        assert_eq!(t.is_met(39.0, hi), Some(false));
        // A ‰ ceiling on a lower-is-better rate.
        let t = Target::parse("1‰以下").unwrap();
        assert_eq!(t.is_met(1.0, Polarity::LowerIsBetter), Some(true));
        assert_eq!(t.is_met(1.01, Polarity::LowerIsBetter), Some(false));
    }

    proptest::proptest! {
        /// The derived text always reads back as the derived comparator and number.
        #[test]
        fn derived_text_reads_back(b in -1e6f64..1e6, tf in -1e6f64..1e6, op in 0usize..4) {
            let sign = ["≥", "≤", "", ">"][op];
            let f = Target::parse(&format!("{sign}{tf:.2}")).unwrap();
            for t in derive_path(base(b, 2023), 2027, &f, Polarity::HigherIsBetter, &YEARS).values() {
                let text = t.text.strip_suffix(DERIVED_MARK).unwrap();
                let back = Target::parse(text).unwrap();
                proptest::prop_assert_eq!(back.op, t.op);
                proptest::prop_assert_eq!(back.value, t.value);
            }
        }
    }

    #[test]
    fn a_bound_already_kept_is_not_a_path_to_climb() {
        let t = |s: &str| Target::parse(s).unwrap();
        let lower = Polarity::LowerIsBetter;
        let higher = Polarity::HigherIsBetter;
        // 4.7 then <5: not joined; <5 then <5: the ceiling runs on.
        assert!(!t("<5").joins_path(4.7, false, lower));
        assert!(t("<5").joins_path(5.0, true, lower));
        // 30 then >50: a level still to reach.
        assert!(t(">50").joins_path(30.0, false, higher));
        // Plain targets are always joined.
        assert!(t("62").joins_path(60.0, false, higher));
        assert!(t("62").joins_path(70.0, false, higher));
    }

    fn p(text: &str) -> (Op, Option<f64>) {
        let t = Target::parse(text).unwrap();
        (t.op, t.value)
    }

    #[test]
    fn parses_every_written_form_of_the_seed() {
        assert_eq!(p("3.8"), (Op::Eq, Some(3.8)));
        assert_eq!(p("<5"), (Op::Lt, Some(5.0)));
        assert_eq!(p(">50"), (Op::Gt, Some(50.0)));
        assert_eq!(p(">70"), (Op::Gt, Some(70.0)));
        assert_eq!(p("≥28.07"), (Op::Ge, Some(28.07)));
        assert_eq!(p("全覆盖"), (Op::Full, None));
        assert_eq!(p("/"), (Op::None, None));
        assert_eq!(p(""), (Op::None, None));
        assert_eq!(p("12420"), (Op::Eq, Some(12420.0)));
    }

    #[test]
    fn parses_the_forms_of_other_counties() {
        assert_eq!(p(">=5"), (Op::Ge, Some(5.0)));
        assert_eq!(p("<=5"), (Op::Le, Some(5.0)));
        assert_eq!(p("≤ 5"), (Op::Le, Some(5.0)));
        assert_eq!(p("80以上"), (Op::Ge, Some(80.0)));
        assert_eq!(p("不低于95%"), (Op::Ge, Some(95.0)));
        assert_eq!(p("不少于120个"), (Op::Ge, Some(120.0)));
        assert_eq!(p("不超过3"), (Op::Le, Some(3.0)));
        assert_eq!(p("1‰以下"), (Op::Le, Some(1.0)));
        assert_eq!(p(">5.55"), (Op::Gt, Some(5.55)));
        assert_eq!(p("＞５０"), (Op::Gt, Some(50.0)));
        assert_eq!(p("95%"), (Op::Eq, Some(95.0)));
        assert_eq!(p("达到90%"), (Op::Eq, Some(90.0)));
        assert_eq!(p("—"), (Op::None, None));
        let t = Target::parse("6万人以上").unwrap();
        assert_eq!(
            (t.op, t.value, t.unit.as_deref()),
            (Op::Ge, Some(6.0), Some("万人"))
        );
    }

    #[test]
    fn keeps_the_text_exactly() {
        assert_eq!(Target::parse("4.0").unwrap().text, "4.0");
        assert_eq!(Target::parse(" ≥28.07").unwrap().text, " ≥28.07");
    }

    #[test]
    fn rejects_what_is_not_a_target() {
        for bad in [
            "abc", "5-6", "≥", "以上", "约", "1.2.3", "<5以上", "5 6", "NaN", "1e999",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn comparator_semantics() {
        use Polarity::*;
        let t = |s| Target::parse(s).unwrap();
        assert_eq!(t("<5").is_met(5.0, LowerIsBetter), Some(false));
        assert_eq!(t("<5").is_met(4.99, LowerIsBetter), Some(true));
        assert_eq!(t("≥28.07").is_met(28.07, HigherIsBetter), Some(true));
        assert_eq!(t(">50").is_met(50.0, HigherIsBetter), Some(false));
        assert_eq!(t("3.8").is_met(3.8, HigherIsBetter), Some(true));
        assert_eq!(t("3.8").is_met(3.79, HigherIsBetter), Some(false));
        assert_eq!(t("10.84").is_met(10.84, LowerIsBetter), Some(true));
        assert_eq!(t("10.84").is_met(10.85, LowerIsBetter), Some(false));
        assert_eq!(t("全覆盖").is_met(100.0, HigherIsBetter), Some(true));
        assert_eq!(t("全覆盖").is_met(99.9, HigherIsBetter), Some(false));
        assert_eq!(t("/").is_met(1.0, HigherIsBetter), None);
    }

    #[test]
    fn serializes_op_as_symbol() {
        let t = Target::parse("≥28.07").unwrap();
        let j = serde_json::to_value(&t).unwrap();
        assert_eq!(j["op"], ">=");
        assert_eq!(j["value"], 28.07);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = Target::parse(&s);
        }

        #[test]
        fn a_written_number_reads_back(v in 0.0f64..1.0e7, ops in 0usize..5) {
            let prefix = ["", "<", ">", "≥", "≤"][ops];
            let text = format!("{prefix}{v}");
            let t = Target::parse(&text).unwrap();
            proptest::prop_assert_eq!(t.value, Some(v));
        }
    }
}
