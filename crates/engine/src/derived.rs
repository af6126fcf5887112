//! Yearly targets derived from a target set only for a final year (推算, methods §2):
//! the district's path from its base to the final target, recomputed when the district's
//! first year-end figure changes. Places below take it as they take any district target.

use std::collections::BTreeMap;

use youxiang_core::Target;
use youxiang_core::plan::Accumulation;
use youxiang_core::target::{BaseSource, PathBase, derive_path, derived_formula};

use crate::Engine;

/// One indicator's derived targets and the base they were derived from.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedPath {
    pub base: PathBase,
    pub final_year: i32,
    /// Only the years the plan leaves without a target.
    pub targets: BTreeMap<i32, Target>,
}

/// The derived path of an indicator, or `None` when there is none: every year has its
/// target, the final target is a milestone (no path, methods §2), or no base is known yet
/// (nothing reported: 待首次报送).
pub(crate) fn derive(e: &Engine, ind: usize) -> Option<DerivedPath> {
    let indicator = e.indicator(ind);
    if indicator.has_milestone_target() {
        return None;
    }
    let (final_year, final_target) = indicator.final_target()?;
    let years = &e.plan.target_years;
    if years
        .iter()
        .filter(|y| **y < final_year)
        .all(|y| indicator.target(*y).is_some())
    {
        return None;
    }
    let by = e.plan.baseline_year;
    let base = if indicator.accumulation == Accumulation::Cumulative {
        PathBase {
            value: 0.0,
            year: by,
            source: BaseSource::CumulativeStart,
        }
    } else if let Some(v) = indicator.baseline.value {
        PathBase {
            value: v,
            year: by,
            source: BaseSource::PlanBaseline,
        }
    } else {
        let root = e.root?;
        let (year, value) = e.order[ind]
            .iter()
            .filter(|i| i.complete && i.year < final_year)
            .find_map(|i| e.value_in(ind, &i.series, root).map(|v| (i.year, v)))?;
        PathBase {
            value,
            year,
            source: BaseSource::FirstYearEnd,
        }
    };
    let mut targets = derive_path(base, final_year, final_target, indicator.polarity, years);
    // A year that ended before a revision of the final target (方案调整) was judged on the
    // path to the final target then in force, and keeps it.
    if e.plan.revisions_of(&indicator.code).next().is_some() {
        for (year, t) in targets.iter_mut() {
            let Some(year_end) = chrono::NaiveDate::from_ymd_opt(*year, 12, 31) else {
                continue;
            };
            if let Some(then) = e
                .plan
                .target_on(&indicator.code, final_year, year_end)
                .filter(|then| then.is_set() && then.text != final_target.text)
                && let Some(kept) =
                    derive_path(base, final_year, &then, indicator.polarity, years).remove(year)
            {
                *t = kept;
            }
        }
    }
    targets.retain(|y, _| indicator.target(*y).is_none());
    (!targets.is_empty()).then_some(DerivedPath {
        base,
        final_year,
        targets,
    })
}

/// The derivation of the year's derived target in words, if it is one.
pub(crate) fn formula(e: &Engine, ind: usize, year: i32) -> Option<String> {
    let path = e.derived[ind].as_ref()?;
    let t = path.targets.get(&year)?;
    let indicator = e.indicator(ind);
    let (final_year, current) = indicator.final_target()?;
    // A year judged before a revision of the final target (方案调整) was derived from the
    // final target then in force: its formula quotes that one, not today's.
    let then = chrono::NaiveDate::from_ymd_opt(year, 12, 31)
        .and_then(|year_end| e.plan.target_on(&indicator.code, final_year, year_end))
        .filter(|then| then.is_set() && then.text != current.text);
    Some(derived_formula(
        path.base,
        path.final_year,
        then.as_ref().unwrap_or(current),
        e.indicator(ind).polarity,
        year,
        t,
    ))
}

/// Why a year before the final one has no target, when the plan sets one later: a
/// milestone judged against the lead unit's dated plan, or a path that waits for the
/// first year-end figure (待首次报送).
pub(crate) fn pending_reason(e: &Engine, ind: usize, year: i32) -> Option<String> {
    let indicator = e.indicator(ind);
    let (final_year, final_target) = indicator.final_target()?;
    if year >= final_year || indicator.target(year).is_some() {
        return None;
    }
    if indicator.has_milestone_target() {
        let task = indicator
            .task_code()
            .map(|t| format!("(重点任务 {t} 的清单化计划)"))
            .unwrap_or_default();
        return Some(format!(
            "里程碑目标:方案只写了 {final_year} 年目标“{}”,不推算逐年数值;{final_year} 年前按牵头单位{}的带日期计划{task}判断按期、滞后或已完成",
            final_target.text, indicator.lead_unit
        ));
    }
    e.derived[ind].is_none().then(|| {
        format!(
            "待首次报送:方案只写了 {final_year} 年目标“{}”,首个年末值报送后按 T_y = B + (T_F − B) × (y − y₀) ÷ (y_F − y₀) 推算本年目标",
            final_target.text
        )
    })
}
