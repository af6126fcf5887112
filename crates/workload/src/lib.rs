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
        Aggregation::RatioOfSums { scale, .. } => {
            // A denominator the size of the place: residents for a per-1,000 rate, older
            // residents for a per-10,000 one, eligible units for a share.
            // Residents (older residents for a per-10,000 rate) stand in for every
            // denominator: large enough that rounding the numerator to whole units does
            // not blur the schedule, whose yearly task can be a few points.
            let den = if *scale >= 10_000.0 {
                (population * 0.22).round().max(1.0)
            } else {
                population.round().max(1.0)
            };
            let num = (v * den / scale).round();
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
