//! The data of the indicator page's charts, decided here (and tested) rather than in the
//! browser: `static/charts.js` only maps it onto ECharts. Each chart is one JSON object in
//! the element's `data-chart` attribute, with a data table beside it on the page.
//!
//! - **trend**: the figures on a time axis (each at its period's end, so a month, a quarter
//!   and a year sit where they belong); the plan's path — the baseline and every yearly
//!   target at its year's end, joined — and the within-year schedule (序时进度) as a dashed
//!   line of its own, broken at each new year because every year starts from its own
//!   start value.
//! - **bars**: the places below, sorted, on an axis scaled to the data ([`bar_axis`]) with
//!   the target drawn and every bar labelled with its value and unit.

use chrono::NaiveDate;
use serde_json::{Value, json};
use youxiang_core::eval::Light;
use youxiang_core::period::Period;

use crate::text::{light_str, num};

/// One point of the plan's path: the baseline, or a year's target, at the year's end.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPoint {
    pub year: i32,
    pub value: f64,
    /// The target as the plan writes it (`≥28.07`, `全覆盖`), or the baseline's figure.
    pub text: String,
    pub baseline: bool,
    /// Whether the path comes to this point from the one before
    /// ([`youxiang_core::target::Target::joins_path`]).
    pub joined: bool,
}

/// What the trend chart shows.
#[derive(Debug, Clone, Default)]
pub struct Trend {
    pub unit: String,
    pub en: bool,
    /// The figures by period.
    pub actual: Vec<(Period, f64)>,
    /// The schedule's expected value at each period of `actual` (None: no schedule).
    pub schedule: Vec<(Period, Option<f64>)>,
    pub plan: Vec<PlanPoint>,
    /// Whether the plan's points are joined: not for an amount counted from each January
    /// (a flow reported year-to-date), which restarts at zero every year.
    pub plan_line: bool,
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn year_end(year: i32) -> String {
    format!("{year:04}-12-31")
}

/// The trend chart's data: `actual`, `plan` and `schedule` as `[date, value]` pairs
/// (ECharts' time axis), the schedule with a `[date, null]` gap before each new year and
/// the plan with one before a point not joined to the one before; `plan_labels` name the
/// plan's points (gaps left out).
pub fn trend(t: &Trend) -> Value {
    let mut actual: Vec<&(Period, f64)> = t.actual.iter().filter(|(_, v)| v.is_finite()).collect();
    actual.sort_by_key(|(p, _)| (p.end(), p.start()));
    let mut plan: Vec<&PlanPoint> = t.plan.iter().filter(|p| p.value.is_finite()).collect();
    plan.sort_by_key(|p| (p.year, !p.baseline));
    let mut schedule: Vec<(Period, f64)> = t
        .schedule
        .iter()
        .filter_map(|(p, v)| v.filter(|v| v.is_finite()).map(|v| (*p, v)))
        .collect();
    schedule.sort_by_key(|(p, _)| (p.end(), p.start()));
    let mut sched = Vec::with_capacity(schedule.len() + 4);
    let mut last_year = None;
    for (p, v) in &schedule {
        // A year's schedule runs from that year's own start value: never join two years.
        if last_year.is_some_and(|y| y != p.year()) {
            sched.push(json!([format!("{:04}-01-01", p.year()), null]));
        }
        last_year = Some(p.year());
        sched.push(json!([day(p.end()), v]));
    }
    // A point the path does not come to from the one before starts a new piece: a gap
    // in the middle of its year.
    let mut plan_data = Vec::with_capacity(plan.len() + 2);
    for (i, p) in plan.iter().enumerate() {
        if i > 0 && !p.joined {
            plan_data.push(json!([format!("{:04}-06-30", p.year), null]));
        }
        plan_data.push(json!([year_end(p.year), p.value]));
    }
    let (legend, base_word, target_word) = if t.en {
        (
            ["actual", "plan path", "within-year schedule"],
            "baseline",
            "target",
        )
    } else {
        (["实际", "规划目标路径", "序时进度"], "基期", "目标")
    };
    json!({
        "kind": "trend",
        "unit": t.unit,
        "legend": legend,
        "time_format": if t.en {
            json!({"year_end": "end {y}", "month": "{y}-{m}", "day": "{m}/{d}"})
        } else {
            json!({"year_end": "{y}年末", "month": "{m}月", "day": "{m}月{d}日"})
        },
        "actual": actual.iter().map(|(p, v)| json!([day(p.end()), v])).collect::<Vec<_>>(),
        "plan": plan_data,
        "plan_labels": plan.iter().map(|p| format!(
            "{}{}{}:{}",
            p.year,
            if t.en { " " } else { "年" },
            if p.baseline { base_word } else { target_word },
            p.text
        )).collect::<Vec<_>>(),
        "plan_line": t.plan_line,
        "schedule": sched,
    })
}

/// One bar: a place, its figure, light and target.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub name: String,
    pub value: Option<f64>,
    pub light: Light,
    /// The target the place is judged against this year, if it has a number.
    pub target: Option<f64>,
}

/// The by-place bars' data: the axis from [`bar_axis`], one label per bar with its unit, and
/// the target either as one line (every place judged against the same number) or as a mark
/// per bar.
pub fn bars(bars: &[Bar], unit: &str, target_text: &str, en: bool) -> Value {
    let values: Vec<f64> = bars.iter().filter_map(|b| b.value).collect();
    let targets: Vec<f64> = bars.iter().filter_map(|b| b.target).collect();
    let axis = bar_axis(&values, &targets);
    let common = targets
        .first()
        .copied()
        .filter(|t| bars.iter().all(|b| b.target == Some(*t)));
    let target_word = if en { "target" } else { "目标" };
    let axis_name = match axis {
        // A bar's length is read from zero: say so when the axis starts elsewhere.
        Some((lo, _)) if lo != 0.0 => {
            let from = num(Some(lo), "");
            if en {
                format!("{unit} (axis from {from})")
            } else {
                format!("{unit}(横轴自{from}起)")
            }
        }
        _ => unit.to_string(),
    };
    json!({
        "kind": "bars",
        "unit": unit,
        "axis_name": axis_name,
        "min": axis.map(|a| a.0),
        "max": axis.map(|a| a.1),
        "names": bars.iter().map(|b| b.name.clone()).collect::<Vec<_>>(),
        "values": bars.iter().map(|b| b.value).collect::<Vec<_>>(),
        "labels": bars.iter().map(|b| match b.value {
            Some(_) => num(b.value, unit),
            None => if en { "no data".into() } else { "无数据".to_string() },
        }).collect::<Vec<_>>(),
        "lights": bars.iter().map(|b| light_str(b.light)).collect::<Vec<_>>(),
        "target": common,
        "target_label": common.map(|_| format!("{target_word} {}", target_text.trim())),
        "targets": if common.is_some() { Vec::new() } else { bars.iter().map(|b| b.target).collect() },
        "target_name": target_word,
        "empty": if en { "no figures yet" } else { "均无数据" },
    })
}

/// A round step near `raw`: 1, 2, 2.5 or 5 × 10^k.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// The value axis of the bars: `[lo, hi]` on round numbers, covering every value and target
/// with a quarter of their spread as padding. It starts at zero (or ends at zero, for
/// negative figures) whenever zero is within one spread of the data — then the bars' length
/// can be read from zero at little cost — and otherwise close to the data, so 62 % and 64 %
/// do not look equal; the page then names the axis' start. `None` without any number.
pub fn bar_axis(values: &[f64], targets: &[f64]) -> Option<(f64, f64)> {
    let all: Vec<f64> = values
        .iter()
        .chain(targets)
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let min = all.iter().copied().reduce(f64::min)?;
    let max = all.iter().copied().reduce(f64::max)?;
    let span = max - min;
    let size = max.abs().max(min.abs());
    let pad = if size == 0.0 {
        1.0
    } else {
        (span * 0.25).max(size * 0.01)
    };
    let (mut lo, mut hi) = (min - pad, max + pad);
    if min >= 0.0 && lo <= span {
        lo = 0.0;
    }
    if max <= 0.0 && min < 0.0 && -hi <= span {
        hi = 0.0;
    }
    let step = nice_step((hi - lo) / 5.0);
    let lo = (lo / step).floor() * step;
    let hi = (hi / step).ceil() * step;
    // A negative zero would print as "-0".
    let clean = |v: f64| if v == 0.0 { 0.0 } else { v };
    Some((clean(lo), clean(hi)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_percentages_are_not_drawn_equal() {
        let (lo, hi) = bar_axis(&[62.0, 64.0], &[60.0]).unwrap();
        assert!(lo > 50.0 && lo <= 60.0, "{lo}");
        assert!((64.0..=70.0).contains(&hi), "{hi}");
        // 64 % is drawn visibly longer than 62 % (here by half).
        assert!((64.0 - lo) >= 1.3 * (62.0 - lo), "{lo}..{hi}");
    }

    #[test]
    fn wide_spreads_start_at_zero() {
        assert_eq!(bar_axis(&[10.0, 30.0, 50.0], &[]).map(|a| a.0), Some(0.0));
        assert_eq!(bar_axis(&[40.0, 90.0], &[80.0]).map(|a| a.0), Some(0.0));
        let (lo, hi) = bar_axis(&[-5.0, -1.0], &[]).unwrap();
        assert!(lo <= -5.0 && hi == 0.0, "{lo}..{hi}");
        let (lo, hi) = bar_axis(&[-3.0, 4.0], &[]).unwrap();
        assert!(lo <= -3.0 && hi >= 4.0);
    }

    #[test]
    fn the_axis_is_round_and_never_empty() {
        assert_eq!(bar_axis(&[], &[]), None);
        assert_eq!(bar_axis(&[f64::NAN], &[f64::INFINITY]), None);
        let (lo, hi) = bar_axis(&[5.0, 5.0], &[]).unwrap();
        assert!(lo < 5.0 && hi > 5.0, "{lo}..{hi}");
        let (lo, hi) = bar_axis(&[0.0], &[]).unwrap();
        assert!(lo == 0.0 && hi > 0.0, "{lo}..{hi}");
        for v in [0.013, 7.7, 98.6, 12345.0, 3.2e7] {
            let (lo, hi) = bar_axis(&[v, v * 1.01], &[]).unwrap();
            assert!(lo <= v && hi >= v * 1.01 && lo < hi, "{v}: {lo}..{hi}");
        }
    }

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    #[test]
    fn the_schedule_breaks_at_each_new_year_and_the_plan_runs_through_year_ends() {
        let t = Trend {
            unit: "%".into(),
            actual: vec![(p("2025-01"), 50.0), (p("2024-12"), 49.0)],
            schedule: vec![
                (p("2024-11"), Some(48.0)),
                (p("2024-12"), Some(49.5)),
                (p("2025-01"), Some(49.2)),
            ],
            plan: vec![
                PlanPoint {
                    year: 2025,
                    value: 55.0,
                    text: "55".into(),
                    baseline: false,
                    joined: true,
                },
                PlanPoint {
                    year: 2022,
                    value: 40.0,
                    text: "40".into(),
                    baseline: true,
                    joined: true,
                },
            ],
            plan_line: true,
            ..Trend::default()
        };
        let v = trend(&t);
        assert_eq!(
            v["actual"],
            json!([["2024-12-31", 49.0], ["2025-01-31", 50.0]])
        );
        assert_eq!(
            v["plan"],
            json!([["2022-12-31", 40.0], ["2025-12-31", 55.0]])
        );
        assert_eq!(v["plan_labels"][0], "2022年基期:40");
        assert_eq!(
            v["schedule"],
            json!([
                ["2024-11-30", 48.0],
                ["2024-12-31", 49.5],
                ["2025-01-01", null],
                ["2025-01-31", 49.2]
            ])
        );
    }
}
