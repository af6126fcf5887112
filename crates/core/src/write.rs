//! Checked writes: the only form in which a number reaches the store.
//!
//! A [`CheckedWrite`] can be built only by [`CheckedWrite::check`], against the plan and
//! the place tree, so no caller — a form, the JSON API, an upload, the demo loader — can
//! hand the store a number for an indicator the plan does not know, a place that is not
//! registered, a period of the wrong frequency or a component the indicator does not take.
//! The store refuses unknown indicators and places as well (a second line, for rows written
//! by anything but this program).

use std::fmt;

use crate::completeness::required_components;
use crate::period::{Period, PeriodKind};
use crate::place::PlaceTree;
use crate::plan::{Aggregation, Indicator, Plan, is_share_unit};
use crate::value::{Component, ValueKey};

/// The largest magnitude a stored number may have: roll-ups are exact integers of
/// millionths (`i64`), which leaves room for sums of many such numbers.
pub const MAX_ABS: f64 = 9.0e12;

/// The longest comment kept with a number, in characters.
pub const MAX_COMMENT_CHARS: usize = 2_000;

/// The longest source (数据来源) kept with a number, in characters.
pub const MAX_SOURCE_CHARS: usize = 100;

/// A number that passed every rule of [`CheckedWrite::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedWrite {
    key: ValueKey,
    value: f64,
    comment: String,
    source: String,
}

/// Why a number may not be stored: its key and every reason, in Chinese.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteRefusal {
    pub key: ValueKey,
    pub reasons: Vec<String>,
}

impl fmt::Display for WriteRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.key, self.reasons.join(";"))
    }
}

impl std::error::Error for WriteRefusal {}

/// Whether an indicator's figures are never negative: a count (a sum), any numerator or
/// denominator, a share (`%`, `‰`) or anything with a natural limit.
fn never_negative(ind: &Indicator, component: Component) -> bool {
    matches!(ind.aggregation, Aggregation::Sum)
        || component != Component::Value
        || is_share_unit(&ind.unit)
        || ind.limit.is_some()
}

/// The indicator's natural limit as a hard ceiling: its `limit` (100 for a share), unless
/// the plan itself writes a baseline or a target above it — then the plan allows figures
/// above it (a gross enrolment rate may pass 100 %), and no ceiling applies.
pub fn ceiling(ind: &Indicator) -> Option<f64> {
    let limit = ind.limit?;
    let above = |t: &crate::target::Target| t.value.is_some_and(|v| v > limit);
    if above(&ind.baseline) || ind.targets.values().any(above) {
        None
    } else {
        Some(limit)
    }
}

/// Why `value` cannot be a figure of `ind`'s `component`, in Chinese, to follow the number
/// (`数值 -3` + reason); `None` when it is within the indicator's natural range:
/// - not negative where the indicator counts something or is a share ([`never_negative`]);
/// - a value not above the indicator's [`ceiling`].
///
/// The one check of a single figure's range: [`CheckedWrite::check`] (every write: forms,
/// the API, uploads) and the upload's row check (`ingest::validate`) both call it.
pub fn natural_range(ind: &Indicator, component: Component, value: f64) -> Option<String> {
    if value < 0.0 && never_negative(ind, component) {
        let what = if component == Component::Value {
            if matches!(ind.aggregation, Aggregation::Sum) {
                "是计数或数量"
            } else {
                "是比率或占比"
            }
        } else {
            "是计数"
        };
        return Some(format!(
            "为负数,但指标 {} 的{}{what},不能为负",
            ind.code,
            component.label_zh()
        ));
    }
    if component == Component::Value
        && let Some(limit) = ceiling(ind)
        && value > limit
    {
        return Some(format!(
            "超过指标 {} 的自然上限 {}{}(占比不能超过上限)",
            ind.code, limit, ind.unit
        ));
    }
    None
}

/// Why a ratio's numerator and denominator cannot stand together, in Chinese; `None` when
/// they can (or `ind` is not a ratio of sums):
/// - a denominator of 0 with a numerator that is not 0 (a share of nothing);
/// - a ratio above the indicator's [`ceiling`] (more people covered than there are).
///
/// Used wherever both halves are known: the write path with the stored other half, the
/// upload with the file's rows, the entry form with its two fields.
pub fn ratio_pair(ind: &Indicator, numerator: f64, denominator: f64) -> Option<String> {
    let Aggregation::RatioOfSums { scale, .. } = &ind.aggregation else {
        return None;
    };
    if denominator == 0.0 {
        return (numerator != 0.0).then(|| {
            format!(
                "指标 {} 的分母为 0 而分子为 {}:分母为 0 时分子也只能为 0",
                ind.code, numerator
            )
        });
    }
    let ratio = numerator / denominator * scale;
    match ceiling(ind) {
        Some(limit) if ratio > limit + 1e-9 && denominator > 0.0 && numerator >= 0.0 => {
            Some(format!(
                "指标 {} 的分子 {} 与分母 {} 之比为 {}{},超过自然上限 {}{}",
                ind.code,
                numerator,
                denominator,
                (ratio * 100.0).round() / 100.0,
                ind.unit,
                limit,
                ind.unit
            ))
        }
        _ => None,
    }
}

/// Why nobody can report a figure for `period` yet, in Chinese; `None` once the period
/// has begun on the Beijing day `today`. A figure for a month that has not started is a
/// typo or a guess, and a draft of it would make a future year the "latest" everywhere.
/// A running period (this month, this year) may be reported: offices keep figures to date.
pub fn period_not_begun(period: &Period, today: chrono::NaiveDate) -> Option<String> {
    (period.start() > today).then(|| {
        format!(
            "期间 {period} 尚未开始(始于 {},今天是 {today}):不能填报未开始期间的数据",
            period.start()
        )
    })
}

impl CheckedWrite {
    /// Checks one number against the plan and the places:
    /// - the indicator is one of the plan's, the place is registered and lies within the
    ///   plan's place (when the tree holds it);
    /// - the place is not below the level that reports the indicator (a village does not
    ///   report a town-level figure; a place above may give its own figure);
    /// - the period is of the indicator's frequency, or a whole year, and within the plan's
    ///   years;
    /// - the component is one the indicator takes (numerator and denominator for a ratio
    ///   of sums, the value otherwise);
    /// - the number is finite, at most [`MAX_ABS`] in magnitude, and within the indicator's
    ///   natural range ([`natural_range`]);
    /// - the comment is at most [`MAX_COMMENT_CHARS`] characters.
    pub fn check(
        plan: &Plan,
        tree: &PlaceTree,
        key: ValueKey,
        value: f64,
        comment: String,
    ) -> Result<CheckedWrite, WriteRefusal> {
        Self::check_with_source(plan, tree, key, value, comment, String::new())
    }

    /// [`CheckedWrite::check`] of a number that names where it comes from (数据来源, at
    /// most [`MAX_SOURCE_CHARS`] characters, one line; surrounding blanks dropped; empty:
    /// none named).
    pub fn check_with_source(
        plan: &Plan,
        tree: &PlaceTree,
        key: ValueKey,
        value: f64,
        comment: String,
        source: String,
    ) -> Result<CheckedWrite, WriteRefusal> {
        let source = source.trim().to_string();
        let mut reasons = Vec::new();
        let ind = plan.indicator(&key.indicator);
        if ind.is_none() {
            reasons.push(format!(
                "指标“{}”不是本方案({})的指标",
                key.indicator, plan.name
            ));
        }
        let place = tree.id(&key.place);
        match place {
            None => reasons.push(format!("地点“{}”不是已登记的地点", key.place)),
            Some(pid) => {
                if let Some(root) = tree.id(&plan.place)
                    && !tree.is_within(pid, root)
                {
                    reasons.push(format!(
                        "地点 {} 不在本方案的范围({})之内",
                        tree.path_names(pid),
                        tree.get(root).name
                    ));
                }
                if let Some(ind) = ind
                    && let Some(level) = ind.report_level
                    && tree.get(pid).level > level
                {
                    reasons.push(format!(
                        "指标 {} 由{}填报,{}({})不填报该指标",
                        ind.code,
                        level.label_zh(),
                        tree.get(pid).name,
                        tree.get(pid).level.label_zh()
                    ));
                }
            }
        }
        if let Some(ind) = ind {
            // A whole year's figure is meaningful for every indicator (the baseline, a
            // year-end figure); otherwise the period is of the indicator's frequency.
            let kind = key.period.kind();
            if kind != ind.frequency && kind != PeriodKind::Year {
                reasons.push(format!(
                    "期间 {} 是{}期间,但指标 {} 按{}填报",
                    key.period,
                    key.period.kind().label_zh(),
                    ind.code,
                    ind.frequency.label_zh()
                ));
            }
            let (first, last) = (plan.baseline_year, plan.final_year());
            if !(first..=last).contains(&key.period.year()) {
                reasons.push(format!(
                    "期间 {} 不在方案年份 {first}–{last} 之内",
                    key.period
                ));
            }
            if !required_components(ind).contains(&key.component) {
                reasons.push(match &ind.aggregation {
                    Aggregation::RatioOfSums { .. } => format!(
                        "指标 {} 按比率汇总,只填报分子和分母,不填{}",
                        ind.code,
                        key.component.label_zh()
                    ),
                    _ => format!("指标 {} 只填报数值,不分分子/分母", ind.code),
                });
            }
            if let Some(reason) = natural_range(ind, key.component, value) {
                reasons.push(format!("数值 {value} {reason}"));
            }
        }
        if !value.is_finite() || value.abs() > MAX_ABS {
            reasons.push(format!(
                "数值 {value} 超出可处理范围(须为有限数,绝对值不超过 {MAX_ABS:e})"
            ));
        }
        let chars = comment.chars().count();
        if chars > MAX_COMMENT_CHARS {
            reasons.push(format!(
                "说明有 {chars} 个字符,超过 {MAX_COMMENT_CHARS} 个字符的上限"
            ));
        }
        if let Some(reason) = source_problem(&source) {
            reasons.push(reason);
        }
        if reasons.is_empty() {
            Ok(CheckedWrite {
                key,
                value,
                comment,
                source,
            })
        } else {
            Err(WriteRefusal { key, reasons })
        }
    }

    pub fn key(&self) -> &ValueKey {
        &self.key
    }

    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn comment(&self) -> &str {
        &self.comment
    }

    /// Where the number comes from (数据来源); empty when none was named.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Why `source` cannot be a figure's 数据来源, in Chinese; `None` when it can: at most
/// [`MAX_SOURCE_CHARS`] characters and on one line. The write check and the upload's row
/// check share it.
pub fn source_problem(source: &str) -> Option<String> {
    let chars = source.chars().count();
    if chars > MAX_SOURCE_CHARS {
        return Some(format!(
            "数据来源有 {chars} 个字符,超过 {MAX_SOURCE_CHARS} 个字符的上限"
        ));
    }
    source
        .chars()
        .any(char::is_control)
        .then(|| "数据来源只能是一行文字(不能含换行或控制字符)".to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::place::{Level, Place};
    use crate::plan::{Indicator, IndicatorSource, Polarity};
    use crate::target::Target;

    #[test]
    fn a_period_that_has_not_begun_cannot_be_reported() {
        let day = chrono::NaiveDate::from_ymd_opt(2025, 10, 15).unwrap();
        let p = |s: &str| s.parse::<Period>().unwrap();
        assert_eq!(
            period_not_begun(&p("2025-10"), day),
            None,
            "the running month"
        );
        assert_eq!(period_not_begun(&p("2025"), day), None, "the running year");
        assert_eq!(period_not_begun(&p("2025Q4"), day), None);
        let refused = period_not_begun(&p("2025-11"), day).expect("next month");
        assert!(
            refused.contains("2025-11-01") && refused.contains("尚未开始"),
            "{refused}"
        );
        assert!(period_not_begun(&p("2026"), day).is_some());
        let last_day = chrono::NaiveDate::from_ymd_opt(2025, 10, 31).unwrap();
        assert!(period_not_begun(&p("2025-11"), last_day).is_some());
        let first_day = chrono::NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        assert_eq!(period_not_begun(&p("2025-11"), first_day), None);
    }

    pub(crate) fn indicator(
        code: &str,
        aggregation: Aggregation,
        report_level: Option<Level>,
    ) -> Indicator {
        Indicator {
            code: code.into(),
            name: format!("指标{code}"),
            unit: "个".into(),
            domain: "YY".into(),
            polarity: Polarity::HigherIsBetter,
            aggregation,
            accumulation: Default::default(),
            frequency: crate::period::PeriodKind::Month,
            flow: Default::default(),
            report_level,
            milestone: false,
            lead_unit: "区卫健局".into(),
            partner_units: vec![],
            limit: None,
            source: IndicatorSource::Table { seq: 1 },
            data_source: String::new(),
            definition: String::new(),
            baseline: Target::parse("1").unwrap(),
            targets: Default::default(),
            note: String::new(),
        }
    }

    fn plan() -> Plan {
        Plan {
            code: "p".into(),
            name: "计划".into(),
            issuer: "区政府".into(),
            place: "d".into(),
            published: String::new(),
            baseline_year: 2022,
            target_years: vec![2025, 2027],
            version: 1,
            domains: vec![],
            indicators: vec![
                indicator("S", Aggregation::Sum, Some(Level::Town)),
                indicator(
                    "R",
                    Aggregation::RatioOfSums {
                        numerator: "人数".into(),
                        denominator: "人口".into(),
                        scale: 100.0,
                    },
                    Some(Level::Village),
                ),
                indicator("L", Aggregation::Latest, None),
            ],
            tasks: vec![],
            projects: vec![],
            revisions: vec![],
        }
    }

    fn tree() -> PlaceTree {
        let p = |code: &str, parent: Option<&str>, level| Place {
            code: code.into(),
            name: code.into(),
            level,
            parent: parent.map(Into::into),
            lon: None,
            lat: None,
            population: Default::default(),
        };
        PlaceTree::build(vec![
            p("d", None, Level::County),
            p("t", Some("d"), Level::Town),
            p("v", Some("t"), Level::Village),
            p("other", None, Level::County),
        ])
        .unwrap()
    }

    fn key(indicator: &str, place: &str, period: &str, component: Component) -> ValueKey {
        ValueKey {
            indicator: indicator.into(),
            place: place.into(),
            period: period.parse().unwrap(),
            component,
        }
    }

    fn check(k: ValueKey, value: f64) -> Result<CheckedWrite, WriteRefusal> {
        CheckedWrite::check(&plan(), &tree(), k, value, String::new())
    }

    fn refused(k: ValueKey, value: f64, needle: &str) {
        let e = check(k, value).expect_err("refused");
        assert!(e.to_string().contains(needle), "{e}");
    }

    #[test]
    fn a_sound_number_passes_and_keeps_what_it_was_given() {
        let k = key("S", "t", "2024-03", Component::Value);
        let w = CheckedWrite::check(&plan(), &tree(), k.clone(), 5.0, "估算".into()).unwrap();
        assert_eq!((w.key(), w.value(), w.comment()), (&k, 5.0, "估算"));
        // A place above the reporting level may give its own figure.
        assert!(check(key("S", "d", "2024-03", Component::Value), 5.0).is_ok());
        assert!(check(key("R", "v", "2024-03", Component::Numerator), 5.0).is_ok());
        assert!(check(key("L", "v", "2024-03", Component::Value), -5.0).is_ok());
        // A whole year's figure, whatever the frequency.
        assert!(check(key("S", "t", "2022", Component::Value), 5.0).is_ok());
    }

    #[test]
    fn every_rule_refuses_with_its_reason() {
        refused(
            key("NOSUCH", "t", "2024-03", Component::Value),
            1.0,
            "不是本方案",
        );
        refused(
            key("S", "nowhere", "2024-03", Component::Value),
            1.0,
            "不是已登记的地点",
        );
        refused(
            key("S", "other", "2024-03", Component::Value),
            1.0,
            "不在本方案的范围",
        );
        refused(
            key("S", "v", "2024-03", Component::Value),
            1.0,
            "不填报该指标",
        );
        refused(key("S", "t", "2024Q1", Component::Value), 1.0, "按月度填报");
        refused(
            key("S", "t", "2030-01", Component::Value),
            1.0,
            "不在方案年份",
        );
        refused(
            key("S", "t", "2024-03", Component::Numerator),
            1.0,
            "只填报数值",
        );
        refused(
            key("R", "v", "2024-03", Component::Value),
            1.0,
            "只填报分子和分母",
        );
        refused(key("S", "t", "2024-03", Component::Value), -1.0, "不能为负");
        refused(
            key("R", "v", "2024-03", Component::Denominator),
            -1.0,
            "不能为负",
        );
        for bad in [f64::NAN, f64::INFINITY, -f64::INFINITY, 1e13, -1e13] {
            refused(
                key("L", "t", "2024-03", Component::Value),
                bad,
                "超出可处理范围",
            );
        }
        let long = "字".repeat(MAX_COMMENT_CHARS + 1);
        let e = CheckedWrite::check(
            &plan(),
            &tree(),
            key("S", "t", "2024-03", Component::Value),
            1.0,
            long,
        )
        .expect_err("too long");
        assert!(e.to_string().contains("超过 2000 个字符"), "{e}");
    }

    fn share(code: &str, aggregation: Aggregation) -> Indicator {
        Indicator {
            unit: "%".into(),
            limit: Some(100.0),
            ..indicator(code, aggregation, None)
        }
    }

    fn ratio() -> Aggregation {
        Aggregation::RatioOfSums {
            numerator: "人数".into(),
            denominator: "人口".into(),
            scale: 100.0,
        }
    }

    #[test]
    fn values_outside_the_natural_range_are_refused_with_the_reason() {
        let rate = share("T10", Aggregation::PopulationWeightedMean);
        let why = natural_range(&rate, Component::Value, -1.0).expect("negative rate");
        assert!(why.contains("不能为负") && why.contains("T10"), "{why}");
        let why = natural_range(&rate, Component::Value, 100.5).expect("above 100 %");
        assert!(why.contains("自然上限 100%"), "{why}");
        assert_eq!(natural_range(&rate, Component::Value, 0.0), None);
        assert_eq!(natural_range(&rate, Component::Value, 100.0), None);
        // A count, a numerator, a denominator.
        let count = indicator("S", Aggregation::Sum, None);
        assert!(natural_range(&count, Component::Value, -0.5).is_some());
        let r = share("R", ratio());
        assert!(natural_range(&r, Component::Numerator, -2.0).is_some());
        assert!(natural_range(&r, Component::Denominator, -2.0).is_some());
        // Neither a share nor a count (a level in 元 or 岁): its sign is not judged here.
        let level = indicator("L", Aggregation::Latest, None);
        assert_eq!(natural_range(&level, Component::Value, -3.0), None);
        // The plan allows figures above the limit when it writes a target above it.
        let mut gross = share("G", Aggregation::Latest);
        gross.targets.insert(2025, Target::parse("103").unwrap());
        assert_eq!(ceiling(&gross), None);
        assert_eq!(natural_range(&gross, Component::Value, 104.0), None);
        assert!(natural_range(&gross, Component::Value, -1.0).is_some());
    }

    #[test]
    fn a_ratio_pair_needs_a_denominator_and_stays_under_the_limit() {
        let r = share("R", ratio());
        let why = ratio_pair(&r, 5.0, 0.0).expect("zero denominator");
        assert!(why.contains("分母为 0"), "{why}");
        assert_eq!(ratio_pair(&r, 0.0, 0.0), None);
        assert_eq!(ratio_pair(&r, 50.0, 50.0), None);
        let why = ratio_pair(&r, 51.0, 50.0).expect("102 %");
        assert!(
            why.contains("102%") && why.contains("超过自然上限 100%"),
            "{why}"
        );
        // Without a limit only the zero denominator is judged.
        let per_thousand = indicator("P", ratio(), None);
        assert_eq!(ratio_pair(&per_thousand, 51.0, 50.0), None);
        assert!(ratio_pair(&per_thousand, 1.0, 0.0).is_some());
        // Not a ratio: nothing to pair.
        assert_eq!(ratio_pair(&share("V", Aggregation::Latest), 1.0, 0.0), None);
    }

    #[test]
    fn the_write_check_refuses_a_negative_rate() {
        let mut p = plan();
        p.indicators
            .push(share("T10", Aggregation::PopulationWeightedMean));
        let e = CheckedWrite::check(
            &p,
            &tree(),
            key("T10", "t", "2024-03", Component::Value),
            -1.0,
            String::new(),
        )
        .expect_err("refused");
        assert!(e.to_string().contains("数值 -1 为负数"), "{e}");
    }

    proptest::proptest! {
        /// Whatever the number, the range check answers without panicking, and a number it
        /// accepts for a share lies between 0 and the limit.
        #[test]
        fn the_range_check_never_panics(v in proptest::num::f64::ANY, n in proptest::num::f64::ANY, d in proptest::num::f64::ANY) {
            let s = share("T", Aggregation::Latest);
            if natural_range(&s, Component::Value, v).is_none() && !v.is_nan() {
                proptest::prop_assert!((0.0..=100.0).contains(&v));
            }
            let _ = ratio_pair(&share("R", ratio()), n, d);
        }
    }

    #[test]
    fn a_source_is_kept_trimmed_and_a_long_one_refused() {
        let k = key("S", "t", "2024-03", Component::Value);
        let w = CheckedWrite::check_with_source(
            &plan(),
            &tree(),
            k.clone(),
            5.0,
            String::new(),
            " 浙里健康 ".into(),
        )
        .unwrap();
        assert_eq!(w.source(), "浙里健康");
        assert_eq!(check(k.clone(), 5.0).unwrap().source(), "");
        let long = "源".repeat(MAX_SOURCE_CHARS + 1);
        let e =
            CheckedWrite::check_with_source(&plan(), &tree(), k.clone(), 5.0, String::new(), long)
                .expect_err("too long");
        assert!(e.to_string().contains("超过 100 个字符"), "{e}");
        let e =
            CheckedWrite::check_with_source(&plan(), &tree(), k, 5.0, String::new(), "a\nb".into())
                .expect_err("two lines");
        assert!(e.to_string().contains("一行"), "{e}");
        assert_eq!(source_problem(&"源".repeat(MAX_SOURCE_CHARS)), None);
    }

    #[test]
    fn all_reasons_are_listed_at_once() {
        let e =
            check(key("S", "v", "2024Q2", Component::Numerator), f64::NAN).expect_err("refused");
        assert_eq!(e.reasons.len(), 4, "{e}");
    }
}
