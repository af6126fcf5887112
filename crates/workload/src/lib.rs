//! Reproducible generators of data that is not real, each clearly labelled as such:
//!
//! - `dinghai_demo`: the synthetic reports behind `youxiang demo` — the Dinghai plan's
//!   indicators at district, town and village level for 2022 (consistent with the
//!   plan's baselines) through September 2025, with progress that differs by indicator
//!   and by place so that the statuses are mixed;
//! - `zhejiang`: the province-scale benchmark workload of methods §7 over the real
//!   divisions (villages generated under the real towns).
//!
//! Deterministic: the same inputs and seed give the same numbers on every machine.

pub mod zhejiang;

use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::place::{Level, PlaceId, PlaceTree};
use youxiang_core::value::{Component, ValueKey};
use youxiang_core::{Aggregation, Indicator, Op, Plan};

/// Where the demo data says it comes from (shown in comments and the audit trail).
pub const DEMO_LABEL: &str = "演示数据(虚构,非真实统计)";

/// The last month the demo dataset reaches.
pub const DEMO_AS_OF: (i32, u8) = (2025, 9);

/// A small, fast, seedable generator (SplitMix64): the workloads need reproducibility,
/// not cryptographic quality.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

/// One generated figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub key: ValueKey,
    pub value: f64,
}

/// How far along its task each indicator is in the demo (1 = exactly on schedule), and,
/// for some, the point of the demo's last year after which it stalls — so that the
/// overview shows green, yellow (recently slipped) and red (long behind).
const PACE: [(f64, Option<f64>); 10] = [
    (1.12, None),
    (1.1, Some(0.66)),
    (0.78, None),
    (1.1, None),
    (0.55, None),
    (1.15, None),
    (1.1, Some(0.66)),
    (0.62, None),
    (1.08, None),
    (1.1, Some(0.66)),
];

/// The periods reported in the demo for an indicator's frequency, 2023 to the demo's
/// last month.
fn demo_periods(kind: PeriodKind) -> Vec<Period> {
    let (last_year, last_month) = DEMO_AS_OF;
    let mut out = Vec::new();
    for year in 2023..=last_year {
        let months = if year == last_year { last_month } else { 12 };
        let push = |p: Result<Period, _>, out: &mut Vec<Period>| {
            if let Ok(p) = p {
                out.push(p)
            }
        };
        match kind {
            PeriodKind::Month => (1..=months).for_each(|m| push(Period::month(year, m), &mut out)),
            PeriodKind::Quarter => {
                (1..=months / 3).for_each(|q| push(Period::quarter(year, q), &mut out))
            }
            PeriodKind::Half => {
                (1..=months / 6).for_each(|h| push(Period::half(year, h), &mut out))
            }
            PeriodKind::Week | PeriodKind::Year => {
                if months == 12 {
                    push(Period::year_of(year), &mut out)
                }
            }
        }
    }
    out
}

/// The district's figure for an indicator at a point in the plan: the year's start moved
/// toward the year's target at the indicator's pace.
fn district_path(ind: &Indicator, baseline: f64, year: i32, fraction: f64, pace: f64) -> f64 {
    let mut start = baseline;
    for y in 2023..year {
        start = year_end(ind, start, y, pace);
    }
    let aim = ind
        .target(year)
        .and_then(|t| aim_of(t, start))
        .unwrap_or(start);
    let v = start + (aim - start) * fraction * pace;
    cap(ind, v)
}

fn year_end(ind: &Indicator, start: f64, year: i32, pace: f64) -> f64 {
    let aim = ind
        .target(year)
        .and_then(|t| aim_of(t, start))
        .unwrap_or(start);
    cap(ind, start + (aim - start) * pace)
}

/// A number to aim at for a target: bounds aim a little inside them.
fn aim_of(t: &youxiang_core::Target, start: f64) -> Option<f64> {
    let v = t.aim()?;
    Some(match t.op {
        Op::Lt | Op::Le => v.min(start) * 0.98,
        Op::Gt | Op::Ge => v * 1.01,
        _ => v,
    })
}

fn cap(ind: &Indicator, v: f64) -> f64 {
    match ind.limit {
        Some(l) if v > l => l,
        _ => v.max(0.0),
    }
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let s = 10f64.powi(decimals);
    (v * s).round() / s
}

/// The synthetic Dinghai dataset for `youxiang demo`: see the crate docs. `tree` must
/// hold the district (the plan's place) with towns and villages below it.
pub fn dinghai_demo(plan: &Plan, tree: &PlaceTree) -> Vec<Generated> {
    let Some(district) = tree.id(&plan.place) else {
        return Vec::new();
    };
    let towns: Vec<PlaceId> = tree.children(district).to_vec();
    let villages: Vec<PlaceId> = towns
        .iter()
        .flat_map(|t| tree.children(*t).iter().copied())
        .filter(|v| tree.get(*v).level == Level::Village)
        .collect();
    let mut rng = Rng::new(20_230_428);
    // Each place's own pace factor: most near 1, a few towns well behind.
    let mut place_pace = vec![1.0; tree.len()];
    for (i, t) in towns.iter().enumerate() {
        place_pace[t.index()] = if i % 5 == 3 {
            0.6
        } else {
            rng.range(0.9, 1.12)
        };
        for v in tree.children(*t) {
            place_pace[v.index()] = place_pace[t.index()] * rng.range(0.9, 1.1);
        }
    }
    let mut out = Vec::new();
    let task_targets = plan
        .task_indicators()
        .filter(|i| i.flow != youxiang_core::eval::Flow::YearToDate && i.baseline.value.is_none());
    for (n, ind) in task_targets.enumerate() {
        // Offset from the table's paces, so that the task targets' lights mix too.
        let (pace, _) = PACE[(n + 3) % PACE.len()];
        let reporters: Vec<PlaceId> = match ind.report_level {
            Some(Level::Town) => towns.clone(),
            Some(Level::Village) => villages.clone(),
            _ => vec![district],
        };
        for year in 2023..DEMO_AS_OF.0 {
            for &p in &reporters {
                let v = task_figure(ind, year, pace * place_pace[p.index()]);
                let v = cap(ind, v);
                let period = Period::year_of(year).expect("a year in range");
                out.extend(figures_for(plan, tree, ind, p, period, v, reporters.len()));
            }
        }
    }
    let demo_indicators = plan
        .indicators
        .iter()
        .filter(|i| i.is_table_row() || i.flow == youxiang_core::eval::Flow::YearToDate);
    for (n, ind) in demo_indicators.enumerate() {
        let baseline = match ind.baseline.value {
            Some(b) => b,
            // A milestone or a yearly flow starts from nothing; any other indicator
            // without a baseline is left without demo data.
            None if ind.milestone || ind.flow == youxiang_core::eval::Flow::YearToDate => 0.0,
            None => continue,
        };
        let (pace, stall) = PACE[n % PACE.len()];
        // The places the plan file says report it (the district itself by default).
        let reporters: Vec<PlaceId> = match ind.report_level {
            Some(Level::Town) => towns.clone(),
            Some(Level::Village) => villages.clone(),
            _ => vec![district],
        };
        let mut periods: Vec<Period> = match ind.baseline.value {
            Some(_) => Period::year_of(plan.baseline_year).into_iter().collect(),
            None => Vec::new(),
        };
        periods.extend(demo_periods(ind.frequency));
        for period in periods {
            let year = period.year();
            let fraction = if period.kind() == PeriodKind::Year {
                1.0
            } else {
                period.year_fraction_at_end()
            };
            let fraction = match stall {
                Some(s) if year == DEMO_AS_OF.0 => fraction.min(s),
                _ => fraction,
            };
            for &p in &reporters {
                let place_factor = place_pace[p.index()];
                let v = if ind.milestone {
                    let due = ind.target(year).is_some();
                    if due && pace * place_factor >= 0.75 {
                        100.0
                    } else {
                        0.0
                    }
                } else if year <= plan.baseline_year {
                    baseline * (1.0 + 0.04 * (place_factor - 1.0))
                } else if ind.flow == youxiang_core::eval::Flow::YearToDate {
                    let aim = ind.target(year).and_then(|t| t.aim()).unwrap_or(0.0);
                    aim * 1.01 * fraction * pace * place_factor
                } else {
                    district_path(ind, baseline, year, fraction, pace * place_factor)
                };
                let v = cap(ind, v * (1.0 + rng.range(-0.0005, 0.0005)));
                out.extend(figures_for(plan, tree, ind, p, period, v, reporters.len()));
            }
        }
    }
    out
}

/// A key-task target's year-end figure in the demo (its targets are mostly written for the
/// final year only, without a baseline): a plausible start in 2023 — short of the final
/// target, above a ceiling, a running total from nothing — moving toward the final target
/// at the indicator's pace (1 = exactly on the derived path of methods §2).
fn task_figure(ind: &Indicator, year: i32, pace: f64) -> f64 {
    let Some((final_year, t)) = ind.final_target() else {
        return 0.0;
    };
    let steps = f64::from((final_year - 2022).max(1));
    let done = f64::from(year - 2022);
    if ind.milestone {
        // A pass/fail milestone is not passed before its year.
        return 0.0;
    }
    // A target the plan writes for this year too (每年 …): that year's aim at the pace.
    if let Some(aim) = ind
        .target(year)
        .filter(|_| year < final_year)
        .and_then(|t| aim_of(t, 0.0))
    {
        return round_to(aim * pace, 2);
    }
    let aim = t.aim().unwrap_or(100.0);
    if ind.accumulation == youxiang_core::Accumulation::Cumulative {
        return round_to(aim * 1.01 * done / steps * pace, 2);
    }
    let lower = ind.polarity == youxiang_core::Polarity::LowerIsBetter;
    let start = match (lower, aim) {
        (true, 0.0) => 6.0,
        (true, a) => a * 1.4,
        (false, a) => a * 0.8,
    };
    let aim = aim_of(t, start).unwrap_or(aim);
    let remaining = f64::from((final_year - 2023).max(1));
    let v = start + (aim - start) * f64::from(year - 2023) / remaining * pace;
    // Counts of things are whole numbers.
    let whole = matches!(ind.aggregation, Aggregation::Sum) && !ind.unit.contains('万');
    if whole { v.round() } else { round_to(v, 2) }
}

/// How many of a rate's denominator one resident stands for, by the denominator's name in
/// the plan: orders of magnitude of a coastal district of half a million people (the
/// figures are synthetic; they need only be plausible side by side). A count of places
/// (镇(街道)数, 县(市、区)数) is one per reporting place; anything unnamed is residents.
fn denominator_per_resident(name: &str) -> f64 {
    const TABLE: &[(&str, f64)] = &[
        ("婴幼儿托位数", 0.0045),
        ("0-3岁儿童数", 0.022),
        ("欠薪线索数", 0.003),
        ("基本医疗保险参保人数", 0.96),
        ("60周岁及以上老年人口", 0.3),
        ("老年人口", 0.3),
        ("城镇常住家庭数", 0.3),
        ("住宅小区数", 0.0012),
        // 元 a year per resident
        ("困难群众医疗总费用", 60.0),
        ("常住人口", 1.0),
    ];
    if name.ends_with("数") && (name.contains("镇(街道)") || name.contains("县(市、区)")) {
        return 0.0;
    }
    TABLE
        .iter()
        .find(|(n, _)| name.contains(n))
        .map(|(_, r)| *r)
        .unwrap_or(1.0)
}

/// A small deterministic hash (FNV-1a) of a text.
fn spread(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Turns a place's figure into what it reports: the value, or for a rate the numerator
/// and denominator; for a count, its share of the district's total.
fn figures_for(
    plan: &Plan,
    tree: &PlaceTree,
    ind: &Indicator,
    p: PlaceId,
    period: Period,
    v: f64,
    reporters: usize,
) -> Vec<Generated> {
    let key = |component| ValueKey {
        indicator: ind.code.clone(),
        place: tree.get(p).code.clone(),
        period,
        component,
    };
    let year = period.year();
    let population = tree.population(p, year).unwrap_or(1000.0);
    match &ind.aggregation {
        Aggregation::RatioOfSums {
            scale, denominator, ..
        } => {
            // A denominator of the size the thing it counts has at this place (a town of
            // 31,280 residents has about a hundred 欠薪线索, not 31,280), and the numerator
            // rounded to whole units without bias: a dither from the key, so that many
            // small places do not all round the same way and shift the district's rate.
            let den = (population * denominator_per_resident(denominator))
                .round()
                .max(1.0);
            let dither = (spread(&format!("{}|{}|{period}", ind.code, tree.get(p).code)) % 1000)
                as f64
                / 1000.0;
            let mut num = (v * den / scale + dither).floor().max(0.0);
            if ind.limit.is_some_and(|l| l <= *scale) {
                num = num.min(den);
            }
            vec![
                Generated {
                    key: key(Component::Numerator),
                    value: num,
                },
                Generated {
                    key: key(Component::Denominator),
                    value: den,
                },
            ]
        }
        Aggregation::Sum if reporters > 1 => {
            let total = tree
                .id(&plan.place)
                .and_then(|d| tree.population(d, year))
                .unwrap_or(population * reporters as f64);
            let share = population / total.max(1.0);
            let decimals = if ind.unit.contains('万') { 4 } else { 0 };
            vec![Generated {
                key: key(Component::Value),
                value: round_to(v * share, decimals),
            }]
        }
        _ => vec![Generated {
            key: key(Component::Value),
            value: round_to(v, 3),
        }],
    }
}
