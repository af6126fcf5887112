//! The status of an indicator at a place in a target year, kept for every cell; and the
//! full explanation of one figure, built on demand from the same inputs.

use chrono::NaiveDate;
use serde::Serialize;

use youxiang_core::decompose::PlaceTarget;
use youxiang_core::eval::{
    Forecast, ForecastMethod, Light, Point, Progress, ProgressInput, ProgressStatus, Schedule,
    ScheduleInput, ScheduleMode, UnsdRatio, YearCheck, YearStatus, check_year, escalate,
    evaluate as schedule, forecast, judge, measure, progress, unsd_ratio, with_history,
};
use youxiang_core::eval::{Pace, PaceInput, pace};
use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::place::PlaceId;
use youxiang_core::{Indicator, Target};

use crate::Engine;

/// What the overview, the status table and the ranking read for one cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Status {
    /// The latest period in the year with a figure.
    pub as_of: Option<Period>,
    /// That figure.
    pub value: Option<f64>,
    /// True when the figure covers the whole year (a yearly figure, or one ending on
    /// 31 December): only then is the year check final.
    pub year_complete: bool,
    /// The schedule light shown (after the run-of-yellows rule).
    pub light: Light,
    /// The light from the bands alone.
    pub band_light: Light,
    /// Percentage points behind schedule (negative: ahead).
    pub gap: Option<f64>,
    /// The value the schedule expected at the figure's period, and how it was judged
    /// (what `core::eval::lag_words` needs to say the gap in the indicator's unit).
    pub expected: Option<f64>,
    pub mode: ScheduleMode,
    pub year: YearStatus,
    pub progress: ProgressStatus,
    pub score: Option<f64>,
}

/// The figure of one period and its schedule light as of that period: exactly what
/// `explain` reports as `value`, `schedule.light` and `schedule.gap`, without the words.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AsOf {
    pub value: Option<f64>,
    /// Grey when there is no figure in that period or no target for its year.
    pub light: Light,
    pub gap: Option<f64>,
    /// The value the schedule expected then, and how it was judged.
    pub expected: Option<f64>,
    pub mode: ScheduleMode,
}

/// One place's figure, as listed among the parts of a roll-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceFigure {
    pub code: String,
    pub name: String,
    pub value: Option<f64>,
}

/// Everything behind one figure and its statuses, in words and numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explained {
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    pub place: String,
    pub place_name: String,
    pub period: Period,
    pub value: Option<f64>,
    /// How the figure came about: reported by the place itself, or rolled up.
    pub source: String,
    /// The aggregation rule in words.
    pub rule: String,
    /// The figures of the places directly below, in the same period.
    pub parts: Vec<PlaceFigure>,
    /// The target the place is judged against (its own, the district's, or none).
    pub target: Option<Target>,
    /// Which target that is, in words: 规划目标, 本地分解目标, 适用区目标 or 无分解目标.
    pub target_basis: String,
    pub year_check: YearCheck,
    pub schedule: Option<Schedule>,
    pub progress: Progress,
    pub unsd: UnsdRatio,
    pub forecast: Forecast,
    /// The pace still required to reach the final target, beside the forecast.
    pub pace: Pace,
}

/// The figures of one indicator at one place within a year, in time order; a yearly
/// figure sorts after the sub-periods (it is the year's final word).
fn figures_in_year(e: &Engine, ind: usize, p: PlaceId, year: i32) -> Vec<(Period, f64)> {
    let mut v: Vec<(Period, f64)> = e.periods[ind]
        .iter()
        .filter(|(period, _)| period.year() == year)
        .filter_map(|(period, ps)| e.value_in(ind, ps, p).map(|x| (*period, x)))
        .collect();
    v.sort_by_key(|(period, _)| (period.end(), period.kind() == PeriodKind::Year));
    v
}

fn year_end(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

fn fraction(period: &Period) -> f64 {
    if period.kind() == PeriodKind::Year {
        1.0
    } else {
        period.year_fraction_at_end()
    }
}

/// The figure that stands for a year: the yearly figure, else the latest; and whether it
/// covers the whole year.
fn year_figure(figures: &[(Period, f64)]) -> Option<(Period, f64, bool)> {
    let (period, v) = *figures.last()?;
    let complete =
        period.kind() == PeriodKind::Year || Some(period.end()) >= year_end(period.year());
    Some((period, v, complete))
}

/// B of the schedule: last year's figure at this place, or the plan's baseline for the
/// place the plan is for.
fn start_value(e: &Engine, ind: usize, p: PlaceId, year: i32) -> Option<f64> {
    let prev = year_figure(&figures_in_year(e, ind, p, year - 1)).map(|(_, v, _)| v);
    prev.or_else(|| {
        (year - 1 == e.plan.baseline_year && Some(p) == e.root)
            .then(|| e.indicator(ind).baseline.value)
            .flatten()
    })
}

fn base_point(e: &Engine, ind: usize, p: PlaceId) -> Option<Point> {
    let by = e.plan.baseline_year;
    let own = year_figure(&figures_in_year(e, ind, p, by)).map(|(_, v, _)| v);
    let v = own.or_else(|| {
        (Some(p) == e.root)
            .then(|| e.indicator(ind).baseline.value)
            .flatten()
    })?;
    Some(Point::new(v, by))
}

fn current_point(period: Period, v: f64, complete: bool) -> Point {
    let t = if complete {
        period.year() as f64
    } else {
        (period.year() - 1) as f64 + fraction(&period)
    };
    Point::new(v, t)
}

/// The target a place is judged against, if any: its own or the district's; none where a
/// summed indicator was not decomposed to it.
fn judged(placed: PlaceTarget<'_>) -> Option<&Target> {
    match placed {
        PlaceTarget::Own(t) | PlaceTarget::District(t) => Some(t),
        PlaceTarget::Undecomposed => None,
    }
}

/// The final target a place's progress is measured against: the plan's final year's target
/// as it applies to the place (never the district's count for a town of a summed indicator).
fn final_target_point(e: &Engine, ind: usize, p: PlaceId) -> Option<Point> {
    let (y, _) = e.indicator(ind).final_target()?;
    let t = judged(e.target_for(ind, p, y)?)?;
    t.aim().map(|aim| Point::new(aim, y))
}

/// Which target judges the place, in words (shown with the explanation).
fn target_basis(placed: Option<PlaceTarget<'_>>, is_root: bool) -> String {
    match placed {
        None => "本年未设目标".into(),
        Some(PlaceTarget::District(_)) if is_root => "规划目标".into(),
        Some(PlaceTarget::District(_)) => {
            "适用区目标(比率、均值类指标未分解时各地适用区目标)".into()
        }
        Some(PlaceTarget::Own(_)) => "本地分解目标(已审定下达)".into(),
        Some(PlaceTarget::Undecomposed) => {
            "无分解目标:求和类指标的区目标尚未分解到本地,不评价、不督办、不排名".into()
        }
    }
}

fn schedule_input<'a>(
    ind: &Indicator,
    target: &'a Target,
    start: Option<f64>,
    actual: f64,
    period: &Period,
) -> ScheduleInput<'a> {
    ScheduleInput {
        target,
        polarity: ind.polarity,
        start,
        actual: Some(actual),
        fraction: fraction(period),
        flow: ind.flow,
        as_of: None,
    }
}

/// The kept statuses of one indicator at one place, one per target year (`None` where
/// there is neither a target nor a figure). The place's figures are read once, in the
/// indicator's cached period order, and shared by every year.
pub(crate) fn evaluate_years(e: &Engine, ind: usize, p: PlaceId) -> Vec<Option<Status>> {
    let indicator = e.indicator(ind);
    let order = &e.order[ind];
    // (index into order, value) for every period with a figure, in time order.
    let figures: Vec<(usize, f64)> = order
        .iter()
        .enumerate()
        .filter_map(|(i, info)| e.value_in(ind, &info.series, p).map(|v| (i, v)))
        .collect();
    let in_year = |year: i32| -> &[(usize, f64)] {
        let lo = figures.partition_point(|(i, _)| order[*i].year < year);
        let hi = figures.partition_point(|(i, _)| order[*i].year <= year);
        &figures[lo..hi]
    };
    // The figure that stands for a year, and whether it covers the whole year.
    let year_figure = |year: i32| {
        in_year(year)
            .last()
            .map(|(i, v)| (*i, *v, order[*i].complete))
    };
    let root_baseline = (Some(p) == e.root)
        .then_some(indicator.baseline.value)
        .flatten();
    let by = e.plan.baseline_year;
    let base = year_figure(by)
        .map(|(_, v, _)| v)
        .or(root_baseline)
        .map(|v| Point::new(v, by));
    let final_target = final_target_point(e, ind, p);
    let bands = &e.config.bands;
    e.plan
        .target_years
        .iter()
        .map(|&year| {
            let placed = e.target_for(ind, p, year);
            let undecomposed = matches!(placed, Some(PlaceTarget::Undecomposed));
            let target = placed.and_then(judged);
            let figs = in_year(year);
            let latest = year_figure(year);
            if target.is_none() && latest.is_none() {
                return None;
            }
            let year_status = match (target, latest) {
                (None, _) if undecomposed => YearStatus::Undecomposed,
                (None, _) => YearStatus::NoTarget,
                (Some(_), None) | (Some(_), Some((_, _, false))) => YearStatus::NoData,
                (Some(t), Some((_, v, true))) => {
                    if t.is_met(v, indicator.polarity).unwrap_or(false) {
                        YearStatus::Met
                    } else {
                        YearStatus::NotMet
                    }
                }
            };
            let (light, band_light, sched) = match target {
                Some(t) if !figs.is_empty() => {
                    let start = year_figure(year - 1)
                        .map(|(_, v, _)| v)
                        .or(if year - 1 == by { root_baseline } else { None });
                    let mut history = Vec::with_capacity(figs.len());
                    let mut last = None;
                    for (i, v) in figs {
                        let input = ScheduleInput {
                            target: t,
                            polarity: indicator.polarity,
                            start,
                            actual: Some(*v),
                            fraction: order[*i].fraction,
                            flow: indicator.flow,
                            as_of: None,
                        };
                        if let Some(prev) = last.replace(judge(&input, bands)) {
                            history.push(prev.band_light);
                        }
                    }
                    match last {
                        Some(j) => (
                            escalate(j.band_light, &history, bands),
                            j.band_light,
                            (j.gap, j.expected, j.mode),
                        ),
                        None => (Light::Grey, Light::Grey, (None, None, ScheduleMode::None)),
                    }
                }
                _ => (Light::Grey, Light::Grey, (None, None, ScheduleMode::None)),
            };
            let current = latest.map(|(i, v, complete)| {
                let info = &order[i];
                let t = if complete {
                    info.year as f64
                } else {
                    (info.year - 1) as f64 + info.fraction
                };
                Point::new(v, t)
            });
            let m = measure(&ProgressInput {
                base,
                current,
                target: final_target,
                polarity: indicator.polarity,
                limit: indicator.limit,
            });
            // 无分解目标: not evaluated at all (no progress score either: nothing to rank).
            let (progress_status, score) = if undecomposed {
                (ProgressStatus::NotAvailable, None)
            } else {
                (m.status, m.score)
            };
            Some(Status {
                as_of: latest.map(|(i, _, _)| order[i].period),
                value: latest.map(|(_, v, _)| v),
                year_complete: latest.is_some_and(|(_, _, c)| c),
                light,
                band_light,
                gap: sched.0,
                expected: sched.1,
                mode: sched.2,
                year: year_status,
                progress: progress_status,
                score,
            })
        })
        .collect()
}

/// The schedule light of one figure as of its period, the way `explain` judges it (the
/// same start, the same history of the year's earlier figures in the same order), but
/// without building any text: what the status table as of a period needs per row.
pub(crate) fn as_of(e: &Engine, ind: usize, p: PlaceId, period: Period) -> AsOf {
    let indicator = e.indicator(ind);
    let value = e.value_at(ind, p, period);
    let year = period.year();
    let grey = AsOf {
        value,
        light: Light::Grey,
        gap: None,
        expected: None,
        mode: ScheduleMode::None,
    };
    let target = e.target_for(ind, p, year).and_then(judged);
    let (Some(target), Some(v)) = (target, value) else {
        return grey;
    };
    let order = &e.order[ind];
    // The order `figures_in_year` gives: by end date, a yearly figure last, then by period.
    let key = |q: &Period| (q.end(), q.kind() == PeriodKind::Year, *q);
    let start = order
        .iter()
        .filter(|i| i.year == year - 1)
        .filter_map(|i| e.value_in(ind, &i.series, p).map(|x| (i.period, x)))
        .max_by_key(|(q, _)| key(q))
        .map(|(_, x)| x)
        .or_else(|| {
            (year - 1 == e.plan.baseline_year && Some(p) == e.root)
                .then_some(indicator.baseline.value)
                .flatten()
        });
    let input = |actual: f64, fraction: f64| ScheduleInput {
        target,
        polarity: indicator.polarity,
        start,
        actual: Some(actual),
        fraction,
        flow: indicator.flow,
        as_of: None,
    };
    let bands = &e.config.bands;
    let mut earlier: Vec<(Period, f64, f64)> = order
        .iter()
        .filter(|i| i.year == year && i.period != period && i.period.end() <= period.end())
        .filter_map(|i| {
            e.value_in(ind, &i.series, p)
                .map(|x| (i.period, x, i.fraction))
        })
        .collect();
    earlier.sort_by_key(|(q, _, _)| key(q));
    let history: Vec<Light> = earlier
        .iter()
        .map(|(_, x, f)| judge(&input(*x, *f), bands).band_light)
        .collect();
    let j = judge(&input(v, fraction(&period)), bands);
    AsOf {
        value,
        light: escalate(j.band_light, &history, bands),
        gap: j.gap,
        expected: j.expected,
        mode: j.mode,
    }
}

/// The full explanation of one figure at one period.
pub(crate) fn explain(e: &Engine, ind: usize, p: PlaceId, period: Period) -> Explained {
    let indicator = e.indicator(ind);
    let place = e.tree.get(p);
    let year = period.year();
    let value = e.value_at(ind, p, period);
    let placed = e.target_for(ind, p, year);
    let target = placed.and_then(judged).cloned();
    let basis = target_basis(placed, Some(p) == e.root);
    let basis = match (
        target.as_ref().is_some_and(|t| t.derived),
        crate::derived::formula(e, ind, year),
    ) {
        (true, Some(f)) if Some(p) == e.root => f,
        (true, Some(f)) => format!("{basis};{f}"),
        _ => crate::derived::pending_reason(e, ind, year)
            .filter(|_| placed.is_none())
            .unwrap_or(basis),
    };
    let undecomposed = matches!(placed, Some(PlaceTarget::Undecomposed));
    let parts: Vec<PlaceFigure> = e
        .tree
        .children(p)
        .iter()
        .map(|c| PlaceFigure {
            code: e.tree.get(*c).code.clone(),
            name: e.tree.get(*c).name.clone(),
            value: e.value_at(ind, *c, period),
        })
        .collect();
    let own = e.periods[ind].get(&period).is_some_and(|ps| {
        [ps.value, ps.numerator, ps.denominator]
            .into_iter()
            .flatten()
            .any(|sid| e.series[sid].own(p).is_some())
    });
    let reported_below = parts.iter().filter(|f| f.value.is_some()).count();
    let source = match (value, own) {
        (None, _) => "无数据:本级未填报,下级也无数据".to_string(),
        (Some(_), true) => "本级填报(本级数据优先,不再叠加下级,避免重复计算)".to_string(),
        (Some(_), false) => format!(
            "由下级汇总:{} 个直接下级中 {} 个有数据",
            parts.len(),
            reported_below
        ),
    };

    // The year's figures up to this period drive the schedule and its history.
    let figures: Vec<(Period, f64)> = figures_in_year(e, ind, p, year)
        .into_iter()
        .filter(|(q, _)| q.end() <= period.end())
        .collect();
    let complete_figure = year_figure(&figures);
    let mut year_check = check_year(
        target.as_ref(),
        indicator.polarity,
        complete_figure.filter(|(_, _, c)| *c).map(|(_, v, _)| v),
    );
    if undecomposed {
        year_check.status = YearStatus::Undecomposed;
        year_check.explanation.formula = format!("{basis} → 无分解目标");
    }
    let bands = &e.config.bands;
    let schedule_result = match (&target, value) {
        (Some(t), Some(v)) => {
            let start = start_value(e, ind, p, year);
            let history: Vec<Light> = figures
                .iter()
                .filter(|(q, _)| *q != period)
                .map(|(q, x)| judge(&schedule_input(indicator, t, start, *x, q), bands).band_light)
                .collect();
            let as_of = period.label_zh();
            let mut input = schedule_input(indicator, t, start, v, &period);
            input.as_of = Some(&as_of);
            Some(with_history(schedule(&input, bands), &history, bands))
        }
        _ => None,
    };
    let base = base_point(e, ind, p);
    let current = value.map(|v| {
        let complete = complete_figure.is_some_and(|(q, _, c)| c && q == period);
        current_point(period, v, complete)
    });
    let target_point = final_target_point(e, ind, p);
    let mut prog = progress(&ProgressInput {
        base,
        current,
        target: target_point,
        polarity: indicator.polarity,
        limit: indicator.limit,
    });
    if undecomposed {
        // Not evaluated at all, as the kept status says.
        prog.status = ProgressStatus::NotAvailable;
        prog.p = None;
        prog.score = None;
        prog.c = None;
        prog.explanation.formula = format!("{basis} → 不评价进度");
    }
    let unsd = unsd_ratio(base, current, target_point, indicator.polarity);
    let fc = forecast(
        base,
        current,
        e.plan.final_year(),
        ForecastMethod::default(),
        indicator.limit,
    );
    // The final target as it applies to the place (its own, or the district's for a rate).
    let pace = pace(&PaceInput {
        current,
        target: indicator
            .final_target()
            .and_then(|(y, _)| Some((y, judged(e.target_for(ind, p, y)?)?))),
        polarity: indicator.polarity,
        unit: &indicator.unit,
        milestone: indicator.milestone,
    });
    Explained {
        indicator: indicator.code.clone(),
        indicator_name: indicator.name.clone(),
        unit: indicator.unit.clone(),
        place: place.code.clone(),
        place_name: place.name.clone(),
        period,
        value,
        source,
        rule: indicator.aggregation.label_zh(),
        parts,
        target,
        target_basis: basis,
        year_check,
        schedule: schedule_result,
        progress: prog,
        unsd,
        forecast: fc,
        pace,
    }
}
