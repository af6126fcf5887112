//! The Zhejiang benchmark workload (methods §7), and its China-scale simulation.
//!
//! **Places.** The province (`33`), its 11 cities, 90 counties and ~1,387 towns/streets are
//! the REAL divisions, read from `divisions/*.csv` (National Bureau of Statistics codes,
//! 2022; the caller passes the directory, normally `../shared/data/divisions` relative to
//! the repository root). The ~25,000 villages/communities below them are GENERATED: each
//! real town gets 10–26 of them, coded town code + 3 digits (`330902001` → `330902001001`)
//! and named after their town (`昌国街道第3社区`, `白泉镇第12村`) so that nobody mistakes them
//! for real places. Populations (2022–2025) are generated too.
//!
//! With `Region::China` every town of `streets.csv` (~41,000) is used, under a synthetic
//! root `000000000000` (全国(模拟)), with 8–21 villages each (~600,000): the "degrade
//! gracefully" simulation; use `Options::months` to keep it within memory.
//!
//! **Values.** The 20 table indicators of a plan (the Dinghai plan: T01–T20) are reported at
//! village level, monthly from 2023-01 for 36 months, plus yearly figures: 2022 (the
//! baseline year) for all 20, and 2023–2025 for the indicators the plan reports yearly.
//!
//! How we count: a *value* (a cell) is one indicator × village × period. A rate that rolls
//! up as a ratio of sums is reported as two numbers (numerator and denominator components),
//! every other indicator as one. The Dinghai table has 12 ratio indicators and 8 others,
//! so a village-month is 20 cells and 32 numbers: 25,000 villages × 36 months × 20 = 18.0
//! million monthly cells = 28.8 million monthly numbers; the yearly figures add ~1.25
//! million cells (1.85 million numbers). `Counts` reports both for the workload built.
//!
//! Deterministic: every number is a pure function of (seed, village, indicator, period), so
//! a scaled run is an exact subset of the full one and the order of generation is free.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use youxiang_core::period::{Period, PeriodKind};
use youxiang_core::place::{Level, Place, PlaceTree};
use youxiang_core::value::{Component, ValueKey};
use youxiang_core::{Aggregation, Plan};

use crate::{Generated, PACE, Rng, district_path, round_to};

/// Which divisions to build on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Province 33: 11 cities, 90 counties, ~1,387 towns, ~25,000 generated villages.
    Zhejiang,
    /// Every town in `streets.csv` (~41,000), ~600,000 generated villages.
    China,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub region: Region,
    /// Fraction of the generated villages kept (0 < f ≤ 1); towns are always all kept.
    /// The villages kept are a deterministic subset of the full workload's.
    pub village_fraction: f64,
    /// Monthly periods from 2023-01 (1–36).
    pub months: u32,
    /// Whether to add the yearly figures (2022 for every indicator, 2023–2025 for the
    /// indicators reported yearly).
    pub yearly: bool,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            region: Region::Zhejiang,
            village_fraction: 1.0,
            months: 36,
            yearly: true,
            seed: 20_250_101,
        }
    }
}

impl Options {
    /// A quick run: a fraction `scale` of the villages and of the months (at least one).
    pub fn scaled(scale: f64) -> Options {
        let scale = scale.clamp(1e-6, 1.0);
        Options {
            village_fraction: scale,
            months: ((36.0 * scale).round() as u32).clamp(1, 36),
            ..Options::default()
        }
    }
}

/// Why the divisions could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DivisionsError {
    #[error("读取行政区划文件 {path} 失败:{source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("行政区划文件 {path} 第 {line} 行:{message}")]
    Row {
        path: String,
        line: u64,
        message: String,
    },
    #[error("行政区划文件 {path}:{source}")]
    Csv { path: String, source: csv::Error },
}

/// The numbers a workload holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub provinces: usize,
    pub cities: usize,
    pub counties: usize,
    pub towns: usize,
    pub villages: usize,
    /// indicator × village × period cells (a rate is one cell).
    pub cells: u64,
    /// Numbers reported (a rate's cell is two: numerator and denominator).
    pub numbers: u64,
    /// Of which monthly.
    pub monthly_cells: u64,
    pub monthly_numbers: u64,
}

/// One generated number in compact form: indices instead of codes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawValue {
    /// Index into `Workload::places` (the same as the `PlaceId` of `Workload::tree`).
    pub place: u32,
    /// Index into `plan.indicators`.
    pub indicator: u32,
    pub period: Period,
    pub component: Component,
    pub value: f64,
}

/// How one indicator is reported, resolved once.
#[derive(Debug, Clone)]
struct Prepared {
    index: u32,
    kind: Kind,
    /// The province-level path (pace 1) per period of `Workload::periods`, for this
    /// indicator (`None` where the indicator does not report in that period).
    path: Vec<Option<f64>>,
    limit: Option<f64>,
    milestone: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// Numerator and denominator; denominators sized by the scale.
    Ratio { scale: f64 },
    /// A count shared out by population; decimals to round to.
    Sum { decimals: i32 },
    /// A level (mean, latest, not aggregable) with two decimals.
    Level,
}

/// A generated village.
#[derive(Debug, Clone, Copy)]
struct Village {
    place: u32,
    /// Its pace relative to the province (1 = on the province's path).
    factor: f64,
    /// Resident population in 2022; grows 0.3% a year.
    population: f64,
}

/// The workload: real divisions, generated villages, and a value generator.
#[derive(Debug, Clone)]
pub struct Workload {
    pub options: Options,
    places: Vec<Place>,
    villages: Vec<Village>,
    counts: Counts,
    /// The periods reported: months first (2023-01 …), then the years 2022–2025.
    periods: Vec<Period>,
    /// Per period of `periods`: its position among the months (for the noise key).
    prepared: Vec<Prepared>,
}

const POP_YEARS: [i32; 4] = [2022, 2023, 2024, 2025];

fn read_csv(dir: &Path, file: &str) -> Result<Vec<csv::StringRecord>, DivisionsError> {
    let path = dir.join(file);
    let shown = path.display().to_string();
    let data = std::fs::read(&path).map_err(|source| DivisionsError::Io {
        path: shown.clone(),
        source,
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(data.as_slice());
    reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| DivisionsError::Csv {
            path: shown,
            source,
        })
}

fn field<'r>(rec: &'r csv::StringRecord, i: usize, file: &str) -> Result<&'r str, DivisionsError> {
    rec.get(i)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| DivisionsError::Row {
            path: file.into(),
            line: rec.position().map_or(0, |p| p.line()),
            message: format!("第 {} 列为空", i + 1),
        })
}

fn place(code: &str, name: &str, level: Level, parent: Option<&str>) -> Place {
    Place {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
        lon: None,
        lat: None,
        population: BTreeMap::new(),
    }
}

/// A 64-bit mix of a key (SplitMix64's finaliser), for per-cell noise.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn unit(z: u64) -> f64 {
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The monthly periods from 2023-01, `months` of them.
pub fn months(months: u32) -> Vec<Period> {
    (0..months.min(36))
        .filter_map(|i| Period::month(2023 + (i / 12) as i32, (i % 12 + 1) as u8).ok())
        .collect()
}

impl Workload {
    /// Builds the places from the divisions in `dir` and prepares the values of the plan's
    /// table indicators.
    pub fn build(dir: &Path, plan: &Plan, options: Options) -> Result<Workload, DivisionsError> {
        let provinces = read_csv(dir, "provinces.csv")?;
        let cities = read_csv(dir, "cities.csv")?;
        let areas = read_csv(dir, "areas.csv")?;
        let streets = read_csv(dir, "streets.csv")?;
        let keep = |province: &str| match options.region {
            Region::Zhejiang => province == "33",
            Region::China => true,
        };
        let mut places = Vec::new();
        let mut counts = Counts::default();
        let root = match options.region {
            Region::Zhejiang => None,
            Region::China => {
                places.push(place("000000000000", "全国(模拟)", Level::Other, None));
                Some("000000000000")
            }
        };
        let mut known: HashMap<String, ()> = HashMap::new();
        for r in &provinces {
            let code = field(r, 0, "provinces.csv")?;
            if keep(code) {
                places.push(place(
                    code,
                    field(r, 1, "provinces.csv")?,
                    Level::Province,
                    root,
                ));
                known.insert(code.into(), ());
                counts.provinces += 1;
            }
        }
        for r in &cities {
            let (code, province) = (field(r, 0, "cities.csv")?, field(r, 2, "cities.csv")?);
            if keep(province) && known.contains_key(province) {
                places.push(place(
                    code,
                    field(r, 1, "cities.csv")?,
                    Level::City,
                    Some(province),
                ));
                known.insert(code.into(), ());
                counts.cities += 1;
            }
        }
        for r in &areas {
            let code = field(r, 0, "areas.csv")?;
            let (city, province) = (field(r, 2, "areas.csv")?, field(r, 3, "areas.csv")?);
            if !keep(province) {
                continue;
            }
            // A county hangs under its city, else (a city without a row) its province.
            let parent = [city, province]
                .into_iter()
                .find(|c| known.contains_key(*c));
            if let Some(parent) = parent {
                places.push(place(
                    code,
                    field(r, 1, "areas.csv")?,
                    Level::County,
                    Some(parent),
                ));
                known.insert(code.into(), ());
                counts.counties += 1;
            }
        }
        let mut rng = Rng::new(options.seed);
        let (lo, span) = match options.region {
            Region::Zhejiang => (10, 17),
            Region::China => (8, 14),
        };
        let mut villages = Vec::new();
        for r in &streets {
            let code = field(r, 0, "streets.csv")?;
            let name = field(r, 1, "streets.csv")?;
            let area = field(r, 2, "streets.csv")?;
            let (province, city) = (field(r, 3, "streets.csv")?, field(r, 4, "streets.csv")?);
            if !keep(province) {
                continue;
            }
            let Some(parent) = [area, city, province]
                .into_iter()
                .find(|c| known.contains_key(*c))
            else {
                continue;
            };
            if known.contains_key(code) {
                continue;
            }
            places.push(place(code, name, Level::Town, Some(parent)));
            known.insert(code.into(), ());
            counts.towns += 1;
            let town_factor = if rng.unit() < 0.15 {
                rng.range(0.75, 0.9)
            } else {
                rng.range(0.95, 1.1)
            };
            let n = lo + (rng.next_u64() % span) as u32;
            let suffix = if name.ends_with("街道") {
                "社区"
            } else {
                "村"
            };
            for k in 1..=n {
                // Drawn for every village, kept or not, so that a subset is exact.
                let keep_draw = rng.unit();
                let factor = town_factor * rng.range(0.93, 1.07);
                let population = rng.range(600.0, 4500.0).round();
                if keep_draw >= options.village_fraction {
                    continue;
                }
                let vcode = format!("{code}{k:03}");
                let mut p = place(
                    &vcode,
                    &format!("{name}第{k}{suffix}"),
                    Level::Village,
                    Some(code),
                );
                p.population = POP_YEARS
                    .iter()
                    .enumerate()
                    .map(|(i, y)| (*y, (population * 1.003f64.powi(i as i32)).round()))
                    .collect();
                villages.push(Village {
                    place: places.len() as u32,
                    factor,
                    population,
                });
                places.push(p);
            }
        }
        counts.villages = villages.len();

        let mut periods = months(options.months);
        let monthly = periods.len();
        if options.yearly {
            periods.extend(POP_YEARS.iter().filter_map(|y| Period::year_of(*y).ok()));
        }
        let prepared: Vec<Prepared> = plan
            .indicators
            .iter()
            .enumerate()
            .filter(|(_, ind)| ind.is_table_row())
            .enumerate()
            .map(|(n, (index, ind))| {
                let (pace, _) = PACE[n % PACE.len()];
                let kind = match &ind.aggregation {
                    Aggregation::RatioOfSums { scale, .. } => Kind::Ratio { scale: *scale },
                    Aggregation::Sum => Kind::Sum {
                        decimals: if ind.unit.contains('万') { 4 } else { 0 },
                    },
                    _ => Kind::Level,
                };
                // Indicators without a baseline (a milestone, a "/" baseline) start from a
                // made-up level so that they have figures to roll up.
                let baseline = ind
                    .baseline
                    .value
                    .unwrap_or(if ind.milestone { 0.0 } else { 20.0 });
                let yearly = ind.frequency == PeriodKind::Year;
                let path = periods
                    .iter()
                    .map(|p| {
                        let year = p.year();
                        if p.kind() == PeriodKind::Year && year > plan.baseline_year && !yearly {
                            return None;
                        }
                        Some(if year <= plan.baseline_year {
                            baseline
                        } else {
                            let f = if p.kind() == PeriodKind::Year {
                                1.0
                            } else {
                                p.year_fraction_at_end()
                            };
                            district_path(ind, baseline, year, f, pace)
                        })
                    })
                    .collect();
                Prepared {
                    index: index as u32,
                    kind,
                    path,
                    limit: ind.limit,
                    milestone: ind.milestone,
                }
            })
            .collect();
        for prep in &prepared {
            let per = if matches!(prep.kind, Kind::Ratio { .. }) {
                2
            } else {
                1
            };
            let cells_monthly = monthly as u64;
            let cells_all = prep.path.iter().filter(|p| p.is_some()).count() as u64;
            let v = villages.len() as u64;
            counts.monthly_cells += v * cells_monthly;
            counts.monthly_numbers += v * cells_monthly * per;
            counts.cells += v * cells_all;
            counts.numbers += v * cells_all * per;
        }
        Ok(Workload {
            options,
            places,
            villages,
            counts,
            periods,
            prepared,
        })
    }

    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The place tree (ids are the indices of `places`).
    pub fn tree(&self) -> PlaceTree {
        PlaceTree::build(self.places.clone()).expect("the generated places form a tree")
    }

    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The periods with figures: the months, then the years.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The indices (into `places`) of the generated villages.
    pub fn villages(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.villages.iter().map(|v| v.place)
    }

    /// The indices (into `plan.indicators`) of the indicators generated.
    pub fn indicators(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        self.prepared.iter().map(|p| p.index)
    }

    /// Every number of one village, in the order indicator, period, component (streaming
    /// building block: ~1,200 numbers per village at full scale).
    pub fn village_values(&self, village: usize, out: &mut Vec<RawValue>) {
        let v = self.villages[village];
        for (pi, prep) in self.prepared.iter().enumerate() {
            for (k, period) in self.periods.iter().enumerate() {
                if let Some(path) = prep.path[k] {
                    let noise = self.noise(village, pi, k);
                    self.emit(&v, prep, *period, path, noise, out);
                }
            }
        }
    }

    /// The same numbers as `village_values` for one cell: a new figure for
    /// (village, indicator, period) with a different draw (for write benchmarks).
    pub fn redraw(
        &self,
        village: usize,
        indicator: usize,
        period: usize,
        draw: u64,
        out: &mut Vec<RawValue>,
    ) {
        let v = self.villages[village];
        let prep = &self.prepared[indicator % self.prepared.len()];
        let k = period % self.periods.len();
        let path =
            prep.path[k].unwrap_or(prep.path.iter().flatten().next().copied().unwrap_or(1.0));
        let noise = unit(mix(draw)) * 2.0 - 1.0;
        self.emit(&v, prep, self.periods[k], path, noise, out);
    }

    fn noise(&self, village: usize, ind: usize, period: usize) -> f64 {
        let key = self.options.seed
            ^ ((village as u64) << 24)
            ^ ((ind as u64) << 12)
            ^ (period as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        unit(mix(key)) * 2.0 - 1.0
    }

    fn emit(
        &self,
        v: &Village,
        prep: &Prepared,
        period: Period,
        path: f64,
        noise: f64,
        out: &mut Vec<RawValue>,
    ) {
        let year = period.year();
        let population = (v.population * 1.003f64.powi((year - 2022).max(0))).round();
        let raw = |component, value| RawValue {
            place: v.place,
            indicator: prep.index,
            period,
            component,
            value,
        };
        let level = {
            let x = if prep.milestone {
                if path > 0.0 && v.factor >= 0.93 {
                    100.0
                } else {
                    0.0
                }
            } else {
                path * (1.0 + 0.6 * (v.factor - 1.0)) * (1.0 + 0.004 * noise)
            };
            match prep.limit {
                Some(l) if x > l => l,
                _ => x.max(0.0),
            }
        };
        match prep.kind {
            Kind::Ratio { scale } => {
                let den = if prep.milestone {
                    1.0
                } else if scale >= 10_000.0 {
                    (population * 0.22).round()
                } else if scale >= 1000.0 {
                    population
                } else {
                    (population / 10.0).round().max(1.0)
                };
                let num = (level * den / scale).round();
                out.push(raw(Component::Numerator, num));
                out.push(raw(Component::Denominator, den));
            }
            Kind::Sum { decimals } => {
                // Shares of a Dinghai-sized total (~400,000 residents) per village.
                out.push(raw(
                    Component::Value,
                    round_to(level * population / 400_000.0, decimals),
                ));
            }
            Kind::Level => out.push(raw(Component::Value, round_to(level, 2))),
        }
    }

    /// Every number, streamed village by village (bounded memory).
    pub fn raw_values(&self) -> impl Iterator<Item = RawValue> + '_ {
        let mut buf = Vec::new();
        (0..self.villages.len()).flat_map(move |v| {
            buf.clear();
            self.village_values(v, &mut buf);
            std::mem::take(&mut buf)
        })
    }

    /// Calls `f` with every number, without collecting them.
    pub fn for_each_raw(&self, mut f: impl FnMut(&RawValue)) {
        let mut buf = Vec::with_capacity(2048);
        for v in 0..self.villages.len() {
            buf.clear();
            self.village_values(v, &mut buf);
            buf.iter().for_each(&mut f);
        }
    }

    /// A raw value as a keyed figure (codes instead of indices).
    pub fn keyed(&self, plan: &Plan, r: &RawValue) -> Generated {
        Generated {
            key: ValueKey {
                indicator: plan.indicators[r.indicator as usize].code.clone(),
                place: self.places[r.place as usize].code.clone(),
                period: r.period,
                component: r.component,
            },
            value: r.value,
        }
    }

    /// Every number as keyed figures, streamed.
    pub fn values<'a>(&'a self, plan: &'a Plan) -> impl Iterator<Item = Generated> + 'a {
        self.raw_values().map(move |r| self.keyed(plan, &r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
    }

    fn divisions() -> Option<PathBuf> {
        let d = root().join("../shared/data/divisions");
        if d.join("streets.csv").exists() {
            Some(d)
        } else {
            eprintln!("skipped: {} not found", d.display());
            None
        }
    }

    fn plan() -> Plan {
        youxiang_plantext::planfile::load(
            &std::fs::read_to_string(root().join("plans/dinghai-qiyouxiang.toml")).unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn zhejiang_counts_follow_the_real_divisions() {
        let Some(dir) = divisions() else { return };
        let plan = plan();
        let w = Workload::build(&dir, &plan, Options::default()).unwrap();
        let c = w.counts();
        assert_eq!(c.provinces, 1);
        assert_eq!(c.cities, 11);
        assert_eq!(c.counties, 90);
        // Every Zhejiang row of streets.csv.
        let towns = std::fs::read_to_string(dir.join("streets.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.split(',').nth(3) == Some("33"))
            .count();
        assert_eq!(c.towns, towns);
        assert!((1300..1500).contains(&c.towns), "{c:?}");
        assert!((23_000..27_000).contains(&c.villages), "{c:?}");
        assert_eq!(w.indicators().len(), 20);
        // 13 ratio (T14 became a coverage rate) + 7 other indicators: 20 cells and 33
        // numbers per village-month.
        assert_eq!(c.monthly_cells, c.villages as u64 * 36 * 20);
        assert_eq!(c.monthly_numbers, c.villages as u64 * 36 * 33);
        let tree = w.tree();
        assert_eq!(tree.len(), 1 + 11 + 90 + c.towns + c.villages);
        assert_eq!(tree.roots().count(), 1);
        let v = tree.by_code("330902002001").unwrap();
        assert_eq!(v.level, Level::Village);
        assert!(
            v.name.ends_with("第1社区") || v.name.ends_with("第1村"),
            "{}",
            v.name
        );
        let codes: HashSet<&str> = w.places().iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes.len(), w.places().len());
    }

    #[test]
    fn values_are_deterministic_subsets_and_counted_right() {
        let Some(dir) = divisions() else { return };
        let plan = plan();
        let small = Options {
            village_fraction: 0.01,
            months: 3,
            ..Options::default()
        };
        let a = Workload::build(&dir, &plan, small.clone()).unwrap();
        let b = Workload::build(&dir, &plan, small).unwrap();
        let va: Vec<RawValue> = a.raw_values().collect();
        let vb: Vec<RawValue> = b.raw_values().collect();
        assert_eq!(va, vb);
        assert_eq!(va.len() as u64, a.counts().numbers);
        let mut n = 0u64;
        a.for_each_raw(|_| n += 1);
        assert_eq!(n, a.counts().numbers);
        // The same village has the same numbers in the full workload.
        let full = Workload::build(&dir, &plan, Options::default()).unwrap();
        let code = &a.places()[va[0].place as usize].code;
        let fv = full
            .villages()
            .position(|p| &full.places()[p as usize].code == code)
            .unwrap();
        let mut buf = Vec::new();
        full.village_values(fv, &mut buf);
        let first = buf
            .iter()
            .find(|r| {
                r.period == va[0].period
                    && r.indicator == va[0].indicator
                    && r.component == va[0].component
            })
            .unwrap();
        assert_eq!(first.value, va[0].value);
        for r in &va {
            assert!(r.value.is_finite() && r.value >= 0.0, "{r:?}");
        }
        let g = a.values(&plan).next().unwrap();
        assert!(g.key.place.len() == 12, "{g:?}");
    }
}
