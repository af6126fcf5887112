//! Checking read rows against the plan, the places and the reporter's scope.
//!
//! **An upload is all-or-nothing.** `validate` never writes; it returns the rows ready to
//! store, every error and every warning. When `errors` is non-empty the caller must store
//! none of the rows (and show all the errors); warnings never block.

use serde::Serialize;
use std::collections::HashMap;

use youxiang_core::completeness::{DEFAULT_DUE_DAYS, required_components};
use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::place::PlaceTree;
use youxiang_core::plan::{Aggregation, Indicator, Plan};
use youxiang_core::scope::Reporter;
use youxiang_core::value::{Component, DEFAULT_OUTLIER_THRESHOLD, ValueKey, outlier_check};
use youxiang_core::write::{natural_range, period_not_begun, ratio_pair};

use crate::error::{Column, IngestError, IngestWarning};
use crate::limits::ReadLimits;
use crate::parse::parse_period;
use crate::values::ValueRow;

/// The result of checking an upload.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Validated {
    /// Key, value, comment and the row it came from, for every row that passed.
    pub rows: Vec<(ValueKey, f64, String, usize)>,
    /// Every problem; when not empty, nothing may be stored.
    pub errors: Vec<IngestError>,
    /// Things worth a second look that do not block (outliers, a share typed as a fraction).
    pub warnings: Vec<IngestWarning>,
    /// Errors found beyond the first [`ReadLimits::max_errors`] listed in `errors`.
    pub errors_omitted: usize,
    /// Warnings found beyond the first [`ReadLimits::max_errors`] listed in `warnings`.
    pub warnings_omitted: usize,
}

impl Validated {
    /// Whether the upload may be stored (no errors; warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty() && self.errors_omitted == 0
    }

    /// Keeps the first `max` errors and warnings, counting the rest.
    fn cap(&mut self, max: usize) {
        if self.errors.len() > max {
            self.errors_omitted += self.errors.len() - max;
            self.errors.truncate(max);
        }
        if self.warnings.len() > max {
            self.warnings_omitted += self.warnings.len() - max;
            self.warnings.truncate(max);
        }
    }
}

/// How a period of this kind is written, as an example.
pub fn period_example(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Year => "2024",
        PeriodKind::Half => "2024H1",
        PeriodKind::Quarter => "2024Q1",
        PeriodKind::Month => "2024-03",
        PeriodKind::Week => "2024W05",
    }
}

fn reporter_label(r: &Reporter) -> String {
    let mut s = r.name.clone();
    if s.is_empty() {
        s = r.login.clone();
    }
    let unit = if r.unit.is_empty() {
        String::new()
    } else {
        format!("{},", r.unit)
    };
    format!("{s}({unit}{})", r.role.label_zh())
}

fn scope_places_label(r: &Reporter, tree: &PlaceTree) -> String {
    if r.scope.places.is_empty() {
        return "(无)".into();
    }
    r.scope
        .places
        .iter()
        .map(|c| match tree.by_code(c) {
            Some(p) => format!("{} {}", p.code, p.name),
            None => c.clone(),
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// Checks every row and returns the keys to store, every error and every warning.
///
/// Errors: unknown indicator or place; a period that does not parse, whose kind is not
/// the indicator's frequency, or whose year is outside the plan's baseline..final year; a
/// component the indicator does not take (ratio-of-sums → 分子/分母 only; others → 数值
/// only); a `%` on a value whose indicator's unit is not `%`; a row outside the reporter's
/// scope (place or indicator) or a reporter whose role may not report; the same key twice
/// in the file; a value outside the indicator's natural range (`core::write::natural_range`:
/// a negative count, share, numerator or denominator, a share above its limit); a ratio's
/// numerator and denominator in the file that cannot stand together
/// (`core::write::ratio_pair`: a denominator of 0 under a numerator that is not, a ratio
/// above the limit).
///
/// Warnings: a value between 0 and 1 for a `%` indicator (typed as a fraction?); a robust outlier against
/// `peers(key)` (median/MAD, z > 3.5, from `youxiang_core::value::outlier_check`).
///
/// The first 1,000 errors and warnings are listed, the rest counted (see [`validate_with`]).
/// No day is known here, so a period that has not begun is not refused: the app's upload
/// passes its day to [`validate_with`].
pub fn validate(
    rows: &[ValueRow],
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    peers: impl Fn(&ValueKey) -> Vec<f64>,
) -> Validated {
    validate_with(
        rows,
        plan,
        tree,
        reporter,
        peers,
        &ReadLimits::default(),
        None,
    )
}

/// [`validate`], listing the first `limits.max_errors` errors and as many warnings, and
/// counting the rest in `errors_omitted` and `warnings_omitted`; with `today` (the Beijing
/// day), a row for a period that has not begun is an error too
/// (`core::write::period_not_begun`).
pub fn validate_with(
    rows: &[ValueRow],
    plan: &Plan,
    tree: &PlaceTree,
    reporter: &Reporter,
    peers: impl Fn(&ValueKey) -> Vec<f64>,
    limits: &ReadLimits,
    today: Option<chrono::NaiveDate>,
) -> Validated {
    let mut out = Validated::default();
    let mut seen: HashMap<ValueKey, usize> = HashMap::new();
    let (first_year, last_year) = (plan.baseline_year, plan.final_year());
    let who = reporter_label(reporter);
    for r in rows {
        out.cap(limits.max_errors);
        let src = &r.source;
        let file = src.file.as_str();
        let mut errors = Vec::new();
        if !reporter.role.can_report() {
            errors.push(IngestError::row(file, r.row, format!("{who}无填报权限")));
        }
        let mut err = |col: &Column, value: &str, reason: String| {
            errors.push(IngestError::cell(file, r.row, col, value, reason));
        };
        let ind = plan.indicator(&r.indicator);
        if ind.is_none() {
            err(
                &src.indicator,
                &r.indicator,
                format!("不是本方案({})的指标编码", plan.name),
            );
        }
        let place = tree.id(&r.place);
        if place.is_none() {
            err(&src.place, &r.place, "不是已登记的地点编码".into());
        }
        let period = match parse_period(&r.period) {
            Ok(p) => Some(p),
            Err(reason) => {
                err(&src.period, &r.period, format!("不是有效的期间:{reason}"));
                None
            }
        };
        if let Some(p) = period {
            if let Some(ind) = ind
                && p.kind() != ind.frequency
            {
                err(
                    &src.period,
                    &r.period,
                    format!(
                        "是{}期间,但指标 {} 按{}填报,期间应写作 {} 这样的格式",
                        p.kind().label_zh(),
                        ind.code,
                        ind.frequency.label_zh(),
                        period_example(ind.frequency)
                    ),
                );
            }
            if !(first_year..=last_year).contains(&p.year()) {
                err(
                    &src.period,
                    &r.period,
                    format!("不在方案年份 {first_year}–{last_year} 之内"),
                );
            } else if let Some(reason) = today.and_then(|day| period_not_begun(&p, day)) {
                err(&src.period, &r.period, reason);
            }
        }
        let comp_col = src.component.clone().unwrap_or_else(|| src.value.clone());
        let comp_text = if r.component_text.is_empty() {
            String::new()
        } else {
            r.component_text.clone()
        };
        if let Some(ind) = ind {
            let allowed = required_components(ind);
            if !allowed.contains(&r.component) {
                let reason = match &ind.aggregation {
                    Aggregation::RatioOfSums {
                        numerator,
                        denominator,
                        ..
                    } => format!(
                        "分项不对:指标 {} 按比率汇总,须分两行填报 分子({numerator})和 分母({denominator}),不能填{}",
                        ind.code,
                        if comp_text.is_empty() {
                            "空分项(即数值)".to_string()
                        } else {
                            format!("“{}”", r.component.label_zh())
                        }
                    ),
                    _ => format!("分项不对:指标 {} 只填报 数值,不分 分子/分母", ind.code),
                };
                err(&comp_col, &comp_text, reason);
            }
            if r.percent && !(ind.unit == "%" && r.component == Component::Value) {
                err(
                    &src.value,
                    &r.value_text,
                    format!(
                        "带百分号,但指标 {} 的{}单位是“{}”,请去掉百分号",
                        ind.code,
                        if r.component == Component::Value {
                            ""
                        } else {
                            "分子/分母不是百分数;指标"
                        },
                        ind.unit
                    ),
                );
            }
            if let Some(reason) = natural_range(ind, r.component, r.value) {
                err(&src.value, &r.value_text, reason);
            }
            if !reporter.scope.covers_indicator(&ind.code) {
                err(
                    &src.indicator,
                    &r.indicator,
                    format!(
                        "超出{who}的填报范围:该填报员负责的指标为 {}",
                        reporter.scope.indicators.join("、")
                    ),
                );
            }
        }
        if let Some(pid) = place
            && !reporter.scope.covers_place(tree, pid)
        {
            err(
                &src.place,
                &r.place,
                format!(
                    "超出{who}的填报范围:地点 {} 不在其负责的 {} 之内",
                    tree.path_names(pid),
                    scope_places_label(reporter, tree)
                ),
            );
        }
        let (Some(ind), Some(_), Some(period), true) = (ind, place, period, errors.is_empty())
        else {
            out.errors.extend(errors);
            continue;
        };
        let key = ValueKey {
            indicator: r.indicator.clone(),
            place: r.place.clone(),
            period,
            component: r.component,
        };
        if let Some(first) = seen.get(&key) {
            out.errors.push(IngestError::row(
                file,
                r.row,
                format!(
                    "与第{first}行重复:同一指标 {}、地点 {}、期间 {}{} 在文件中出现两次(第{first}行和第{}行),请只保留一行",
                    key.indicator,
                    key.place,
                    key.period,
                    if key.component == Component::Value {
                        String::new()
                    } else {
                        format!("、分项 {}", key.component.label_zh())
                    },
                    r.row
                ),
            ));
            continue;
        }
        seen.insert(key.clone(), r.row);
        if let (Some(level), Some(pid)) = (ind.report_level, place) {
            let at = tree.get(pid).level;
            if at != level {
                out.warnings.push(IngestWarning {
                    file: file.to_string(),
                    row: Some(r.row),
                    column: Some(src.place.clone()),
                    value: r.place.clone(),
                    reason: format!(
                        "是{}一级,但指标 {} 规定由{}填报;{}",
                        at.label_zh(),
                        ind.code,
                        level.label_zh(),
                        if at < level {
                            "此处填报的数值将取代下级数据的汇总,请确认"
                        } else {
                            "请确认地点是否填对"
                        }
                    ),
                });
            }
        }
        warn_row(&mut out.warnings, r, ind, &key, &peers);
        out.rows.push((key, r.value, r.comment.clone(), r.row));
    }
    pair_errors(&mut out, rows, plan);
    out.cap(limits.max_errors);
    out
}

/// A ratio's numerator and denominator that cannot stand together in the file (a
/// denominator of 0 under a numerator that is not; a share above its limit): an error on
/// the numerator's row naming the denominator's ([`ratio_pair`], the write path's check).
/// Halves not both in the file are checked against the stored other half when written.
fn pair_errors(out: &mut Validated, rows: &[ValueRow], plan: &Plan) {
    let by_row: HashMap<usize, &ValueRow> = rows.iter().map(|r| (r.row, r)).collect();
    // (indicator, place, period) → the rows of its numerator and denominator.
    type Halves<'a> = HashMap<(&'a str, &'a str, Period), (Option<usize>, Option<usize>)>;
    let mut halves: Halves = HashMap::new();
    for (key, _, _, row) in &out.rows {
        let slot = halves
            .entry((&key.indicator, &key.place, key.period))
            .or_default();
        match key.component {
            Component::Numerator => slot.0 = Some(*row),
            Component::Denominator => slot.1 = Some(*row),
            Component::Value => {}
        }
    }
    let mut found = Vec::new();
    for ((code, _, _), (num, den)) in &halves {
        let (Some(num), Some(den), Some(ind)) = (num, den, plan.indicator(code)) else {
            continue;
        };
        let (Some(n), Some(d)) = (by_row.get(num), by_row.get(den)) else {
            continue;
        };
        if n.indicator != *code || d.indicator != *code {
            continue;
        }
        if let Some(reason) = ratio_pair(ind, n.value, d.value) {
            let src = &n.source;
            found.push((
                *num,
                IngestError::cell(
                    &src.file,
                    *num,
                    &src.value,
                    &n.value_text,
                    format!("{reason}(分母见第{den}行)"),
                ),
            ));
        }
    }
    found.sort_by_key(|(row, _)| *row);
    out.errors.extend(found.into_iter().map(|(_, e)| e));
}

fn warn_row(
    warnings: &mut Vec<IngestWarning>,
    r: &ValueRow,
    ind: &Indicator,
    key: &ValueKey,
    peers: &impl Fn(&ValueKey) -> Vec<f64>,
) {
    let src = &r.source;
    let mut warn = |reason: String| {
        warnings.push(IngestWarning {
            file: src.file.clone(),
            row: Some(r.row),
            column: Some(src.value.clone()),
            value: r.value_text.clone(),
            reason,
        })
    };
    if r.component == Component::Value
        && ind.unit == "%"
        && !r.percent
        && r.value > 0.0
        && r.value < 1.0
    {
        warn(format!(
            "在 0 与 1 之间;指标 {} 的单位是 %,35% 应填 35 而不是 0.35,请核对",
            ind.code
        ));
    }
    let peer_values = peers(key);
    if let Some(check) = outlier_check(r.value, &peer_values, DEFAULT_OUTLIER_THRESHOLD)
        && check.is_outlier
    {
        let how = match check.robust_z {
            Some(z) => format!(
                "与同类数据相比偏离较大:第{}行 数值 {},同类 {} 个数据的中位数 {},稳健 z 值 {:.1}(超过 {})",
                r.row,
                fmt_num(r.value),
                peer_values.len(),
                fmt_num(check.median),
                z,
                DEFAULT_OUTLIER_THRESHOLD
            ),
            None => format!(
                "与同类数据相比偏离较大:第{}行 数值 {},同类 {} 个数据都等于 {}",
                r.row,
                fmt_num(r.value),
                peer_values.len(),
                fmt_num(check.median)
            ),
        };
        warn(format!("{how};不影响上传,请核对是否填错"));
    }
}

/// A number as people read it: no trailing `.0`, at most 4 decimals.
pub(crate) fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The default deadline for reporting `period`: `DEFAULT_DUE_DAYS` (10) days after its
/// last day, as `youxiang_core::completeness` counts timeliness.
pub fn default_deadline(period: &Period) -> chrono::NaiveDate {
    period.end() + chrono::Duration::days(DEFAULT_DUE_DAYS)
}
