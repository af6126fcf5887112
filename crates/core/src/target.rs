//! A target cell as the plan writes it (`3.8`, `<5`, `≥28.07`, `80以上`, `全覆盖`, `/`)
//! and as parsed into a comparator and a number (methods §1).
//!
//! The written text is always kept next to the parsed form: the plan is a legal text, and
//! what a screen or a report shows must be what the plan says.

use serde::{Deserialize, Serialize};
use std::fmt;

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
}

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
    /// A cell with no target (`/`).
    pub fn none(text: impl Into<String>) -> Self {
        Target {
            text: text.into(),
            op: Op::None,
            value: None,
            unit: None,
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
