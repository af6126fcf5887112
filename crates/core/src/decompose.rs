//! Targets below the district (目标分解下达, methods §8): splitting a district's target of a
//! summed indicator among the places or units below, and which target a place is judged
//! against. Pure: the caller supplies the weights (population, baseline) and stores the
//! result (proposed by the lead unit, approved by the office, versioned).

use serde::{Deserialize, Serialize};

use crate::eval::explain::fmt_num;
use crate::plan::Aggregation;
use crate::target::{Target, round_to};

/// How a district target is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitRule {
    /// T · P_i / Σ P: by each part's population.
    Population,
    /// T · B_i / Σ B: by each part's baseline figure.
    Baseline,
    /// T / k: the same for every part.
    Equal,
    /// Entered by hand.
    Manual,
}

impl SplitRule {
    pub fn label_zh(self) -> &'static str {
        match self {
            SplitRule::Population => "按人口比例",
            SplitRule::Baseline => "按基期值比例",
            SplitRule::Equal => "平均分配",
            SplitRule::Manual => "逐一填写",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SplitRule::Population => "by population share",
            SplitRule::Baseline => "by baseline share",
            SplitRule::Equal => "equally",
            SplitRule::Manual => "by hand",
        }
    }
}

crate::labelled!(SplitRule, "分解方式", {
    Population => "population",
    Baseline => "baseline",
    Equal => "equal",
    Manual => "manual",
});

/// One part's weight: its population or baseline figure (ignored when splitting equally).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The place code or unit name.
    pub code: String,
    pub weight: f64,
}

/// One part's target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    pub code: String,
    pub target: Target,
}

/// A district target split into parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decomposition {
    pub rule: SplitRule,
    pub parts: Vec<Part>,
    /// The district's number, and what the parts add up to (after rounding).
    pub whole: Option<f64>,
    pub sum: Option<f64>,
    /// Set when the parts do not add up to the whole: a warning, never a refusal (rounding,
    /// or a split by hand that keeps a reserve).
    pub warning: Option<String>,
}

/// Why a target cannot be split.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecomposeError {
    #[error(
        "只有求和类指标(数量、金额、累计数)的目标可以分解;比率、人均和均值类指标各地适用区目标"
    )]
    NotSummed,
    #[error("没有可分解的部分")]
    NoParts,
    #[error("{code} 的权重“{weight}”无效:应为不小于 0 的数")]
    BadWeight { code: String, weight: String },
    #[error("各部分权重合计为 0,无法按比例分解")]
    ZeroWeights,
    #[error("{0} 出现了不止一次")]
    Duplicate(String),
}

/// The target a place below the district is judged against for one indicator and year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlaceTarget<'a> {
    /// Its own, decomposed and approved.
    Own(&'a Target),
    /// The district's (rates, shares, per-capita and mean indicators without an own target).
    District(&'a Target),
    /// 无分解目标: a summed indicator without an approved decomposition — no light, no
    /// order, not ranked on it. Never the district's count.
    Undecomposed,
}

/// Which target judges a place: its own when there is one; otherwise the district's for
/// every indicator but a summed one, which has none (methods §8).
pub fn place_target<'a>(
    aggregation: &Aggregation,
    district: &'a Target,
    own: Option<&'a Target>,
) -> PlaceTarget<'a> {
    match (own, aggregation) {
        (Some(t), _) => PlaceTarget::Own(t),
        (None, Aggregation::Sum) if district.value.is_some() => PlaceTarget::Undecomposed,
        (None, _) => PlaceTarget::District(district),
    }
}

/// The target text of a part: the whole's comparator and unit with the part's number.
fn part_target(whole: &Target, value: f64, decimals: u32) -> Target {
    let number = format!("{value:.prec$}", prec = decimals.min(9) as usize);
    whole.with_number(value, &number, false)
}

/// Splits the district target `whole` of an indicator aggregated by `aggregation` among
/// `shares` by `rule`, each part rounded to `decimals` places. The comparator carries over
/// (`<5` stays strict); a target without a number (`全覆盖`, `/`) applies to every part as it
/// is. For [`SplitRule::Manual`] use [`check_parts`].
pub fn split(
    aggregation: &Aggregation,
    whole: &Target,
    rule: SplitRule,
    shares: &[Share],
    decimals: u32,
) -> Result<Decomposition, DecomposeError> {
    if !matches!(aggregation, Aggregation::Sum) {
        return Err(DecomposeError::NotSummed);
    }
    if shares.is_empty() {
        return Err(DecomposeError::NoParts);
    }
    for (i, s) in shares.iter().enumerate() {
        if shares[..i].iter().any(|o| o.code == s.code) {
            return Err(DecomposeError::Duplicate(s.code.clone()));
        }
    }
    let Some(total) = whole.value else {
        let parts = shares
            .iter()
            .map(|s| Part {
                code: s.code.clone(),
                target: whole.clone(),
            })
            .collect();
        return Ok(Decomposition {
            rule,
            parts,
            whole: None,
            sum: None,
            warning: None,
        });
    };
    let weights: Vec<f64> = match rule {
        SplitRule::Equal | SplitRule::Manual => vec![1.0; shares.len()],
        SplitRule::Population | SplitRule::Baseline => {
            for s in shares {
                if !s.weight.is_finite() || s.weight < 0.0 {
                    return Err(DecomposeError::BadWeight {
                        code: s.code.clone(),
                        weight: s.weight.to_string(),
                    });
                }
            }
            shares.iter().map(|s| s.weight).collect()
        }
    };
    let sum_w: f64 = weights.iter().sum();
    if sum_w <= 0.0 {
        return Err(DecomposeError::ZeroWeights);
    }
    let parts = shares
        .iter()
        .zip(&weights)
        .map(|(s, w)| Part {
            code: s.code.clone(),
            target: part_target(whole, round_to(total * w / sum_w, decimals), decimals),
        })
        .collect();
    Ok(check_parts(rule, whole, parts, decimals))
}

/// Adds up `parts` against `whole` and warns when they differ (by more than half a unit of
/// the last decimal kept).
pub fn check_parts(
    rule: SplitRule,
    whole: &Target,
    parts: Vec<Part>,
    decimals: u32,
) -> Decomposition {
    let sum = parts
        .iter()
        .map(|p| p.target.value)
        .sum::<Option<f64>>()
        .map(|s| round_to(s, decimals));
    let warning = match (whole.value, sum) {
        (Some(w), Some(s)) if (w - s).abs() > 0.5 * 10f64.powi(-(decimals.min(9) as i32)) => {
            Some(format!(
                "各部分合计 {} 与区目标 {} 不一致(相差 {})",
                fmt_num(s),
                fmt_num(w),
                fmt_num(s - w)
            ))
        }
        _ => None,
    };
    Decomposition {
        rule,
        parts,
        whole: whole.value,
        sum,
        warning,
    }
}

/// Where a proposed split stands: proposed by the lead unit, approved or returned by the
/// office; an approved split is superseded when a later version is approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SplitState {
    Proposed,
    Approved,
    Returned,
    Superseded,
}

crate::labelled!(SplitState, "分解状态", {
    Proposed => "proposed",
    Approved => "approved",
    Returned => "returned",
    Superseded => "superseded",
});

impl SplitState {
    pub fn label_zh(self) -> &'static str {
        match self {
            SplitState::Proposed => "待审定",
            SplitState::Approved => "已下达",
            SplitState::Returned => "已退回",
            SplitState::Superseded => "已被新版本替代",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            SplitState::Proposed => "proposed",
            SplitState::Approved => "approved",
            SplitState::Returned => "returned",
            SplitState::Superseded => "superseded",
        }
    }
}

/// One version of the split of an indicator's target for one year among the places
/// directly below `parent`: what is stored, proposed, approved and audited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSplit {
    pub indicator: String,
    pub year: i32,
    /// The place whose target is split (the district, or a town splitting its own).
    pub parent: String,
    /// 1 for the first proposal of (indicator, year, parent); +1 for each later one.
    pub version: u32,
    pub state: SplitState,
    #[serde(flatten)]
    pub decomposition: Decomposition,
    /// Why this split (the lead unit's words).
    #[serde(default)]
    pub note: Option<String>,
    pub proposed_by: String,
    #[serde(default)]
    pub decided_by: Option<String>,
    /// The office's reason when returning, or its remark when approving.
    #[serde(default)]
    pub decision_note: Option<String>,
}

impl TargetSplit {
    /// The record id: one per version.
    pub fn record_id(indicator: &str, year: i32, parent: &str, version: u32) -> String {
        format!("{indicator}:{year}:{parent}:{version}")
    }

    pub fn id(&self) -> String {
        Self::record_id(&self.indicator, self.year, &self.parent, self.version)
    }
}

/// The approved targets of places below the district: what the evaluation reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetBook {
    by_key: std::collections::HashMap<(String, i32), std::collections::HashMap<String, Target>>,
}

impl TargetBook {
    /// The book of the approved splits among `splits` (others are ignored). Where two
    /// approved splits name the same place (which approving supersedes), the later
    /// version wins.
    pub fn from_splits<'a>(splits: impl IntoIterator<Item = &'a TargetSplit>) -> TargetBook {
        let mut approved: Vec<&TargetSplit> = splits
            .into_iter()
            .filter(|s| s.state == SplitState::Approved)
            .collect();
        approved.sort_by_key(|s| s.version);
        let mut book = TargetBook::default();
        for s in approved {
            let parts = book
                .by_key
                .entry((s.indicator.clone(), s.year))
                .or_default();
            for p in &s.decomposition.parts {
                parts.insert(p.code.clone(), p.target.clone());
            }
        }
        book
    }

    /// The approved own target of `place` for `indicator` in `year`.
    pub fn get(&self, indicator: &str, year: i32, place: &str) -> Option<&Target> {
        self.by_key
            .get(&(indicator.to_string(), year))
            .and_then(|m| m.get(place))
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// How many place targets the book holds.
    pub fn len(&self) -> usize {
        self.by_key.values().map(|m| m.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Op;

    fn shares(w: &[(&str, f64)]) -> Vec<Share> {
        w.iter()
            .map(|(c, w)| Share {
                code: (*c).into(),
                weight: *w,
            })
            .collect()
    }

    #[test]
    fn a_summed_target_splits_by_population_keeping_its_comparator() {
        let whole = Target::parse("≥5.39").unwrap();
        let d = split(
            &Aggregation::Sum,
            &whole,
            SplitRule::Population,
            &shares(&[("a", 100.0), ("b", 300.0)]),
            2,
        )
        .unwrap();
        assert_eq!(d.parts[0].target.value, Some(1.35));
        assert_eq!(d.parts[1].target.value, Some(4.04));
        assert_eq!(d.parts[0].target.op, Op::Ge);
        assert_eq!(d.parts[0].target.text, "≥1.35");
        // 1.35 + 4.04 = 5.39: no warning.
        assert_eq!(d.warning, None);
    }

    #[test]
    fn rounding_that_does_not_add_up_warns_but_does_not_refuse() {
        let whole = Target::parse("10").unwrap();
        let d = split(
            &Aggregation::Sum,
            &whole,
            SplitRule::Equal,
            &shares(&[("a", 0.0), ("b", 0.0), ("c", 0.0)]),
            0,
        )
        .unwrap();
        assert!(d.parts.iter().all(|p| p.target.value == Some(3.0)));
        assert!(d.warning.unwrap().contains("不一致"));
    }

    #[test]
    fn rates_are_not_split_and_keep_the_district_target() {
        let rate = Aggregation::RatioOfSums {
            numerator: "n".into(),
            denominator: "d".into(),
            scale: 100.0,
        };
        let t = Target::parse("≥95%").unwrap();
        assert_eq!(
            split(&rate, &t, SplitRule::Equal, &shares(&[("a", 1.0)]), 1),
            Err(DecomposeError::NotSummed)
        );
        assert_eq!(place_target(&rate, &t, None), PlaceTarget::District(&t));
        // A summed indicator's town without its own target has none — never the district's.
        assert_eq!(
            place_target(&Aggregation::Sum, &t, None),
            PlaceTarget::Undecomposed
        );
        let own = Target::parse("0.4").unwrap();
        assert_eq!(
            place_target(&Aggregation::Sum, &t, Some(&own)),
            PlaceTarget::Own(&own)
        );
    }

    #[test]
    fn full_coverage_applies_to_every_part_as_it_is() {
        let full = Target::parse("全覆盖").unwrap();
        let d = split(
            &Aggregation::Sum,
            &full,
            SplitRule::Population,
            &shares(&[("a", 1.0), ("b", 2.0)]),
            0,
        )
        .unwrap();
        assert!(d.parts.iter().all(|p| p.target == full));
        assert_eq!(
            place_target(&Aggregation::Sum, &full, None),
            PlaceTarget::District(&full)
        );
    }

    #[test]
    fn bad_weights_and_duplicates_are_refused() {
        let t = Target::parse("100").unwrap();
        assert!(matches!(
            split(
                &Aggregation::Sum,
                &t,
                SplitRule::Baseline,
                &shares(&[("a", -1.0)]),
                0
            ),
            Err(DecomposeError::BadWeight { .. })
        ));
        assert_eq!(
            split(
                &Aggregation::Sum,
                &t,
                SplitRule::Baseline,
                &shares(&[("a", 0.0)]),
                0
            ),
            Err(DecomposeError::ZeroWeights)
        );
        assert_eq!(
            split(
                &Aggregation::Sum,
                &t,
                SplitRule::Equal,
                &shares(&[("a", 1.0), ("a", 1.0)]),
                0
            ),
            Err(DecomposeError::Duplicate("a".into()))
        );
        assert_eq!(
            split(&Aggregation::Sum, &t, SplitRule::Equal, &[], 0),
            Err(DecomposeError::NoParts)
        );
    }

    #[test]
    fn a_split_by_hand_is_checked_against_the_whole() {
        let whole = Target::parse("5.39").unwrap();
        let parts = vec![
            Part {
                code: "a".into(),
                target: Target::parse("3").unwrap(),
            },
            Part {
                code: "b".into(),
                target: Target::parse("2").unwrap(),
            },
        ];
        let d = check_parts(SplitRule::Manual, &whole, parts, 2);
        assert_eq!(d.sum, Some(5.0));
        assert!(d.warning.unwrap().contains("相差 -0.39"));
    }

    fn approved(version: u32, state: SplitState, parts: &[(&str, f64)]) -> TargetSplit {
        let whole = Target::parse("≥10").unwrap();
        TargetSplit {
            indicator: "T08".into(),
            year: 2025,
            parent: "d".into(),
            version,
            state,
            decomposition: split(
                &Aggregation::Sum,
                &whole,
                SplitRule::Population,
                &shares(parts),
                1,
            )
            .unwrap(),
            note: None,
            proposed_by: "lead".into(),
            decided_by: Some("office".into()),
            decision_note: None,
        }
    }

    #[test]
    fn the_book_holds_only_approved_splits_the_latest_version_winning() {
        let splits = [
            approved(1, SplitState::Superseded, &[("a", 1.0), ("b", 1.0)]),
            approved(3, SplitState::Approved, &[("a", 1.0), ("b", 3.0)]),
            approved(2, SplitState::Approved, &[("a", 1.0), ("b", 1.0)]),
            approved(4, SplitState::Proposed, &[("a", 9.0), ("b", 1.0)]),
        ];
        let book = TargetBook::from_splits(&splits);
        assert_eq!(book.get("T08", 2025, "a").unwrap().value, Some(2.5));
        assert_eq!(book.get("T08", 2025, "b").unwrap().value, Some(7.5));
        assert_eq!(book.get("T08", 2026, "a"), None);
        assert_eq!(book.len(), 2);
        let json = serde_json::to_value(&splits[1]).unwrap();
        let back: TargetSplit = serde_json::from_value(json).unwrap();
        assert_eq!(back, splits[1]);
        assert_eq!(back.id(), "T08:2025:d:3");
    }
}
