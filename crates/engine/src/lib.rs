//! The live evaluation engine: every reported value in memory, every roll-up over the
//! place tree, every derived rate and every status (year check, schedule light, progress
//! measure) kept current on each write — incrementally, exactly, with no batch run.
//!
//! Readers call `status`, `value` and `explain`; the one write path calls `apply` after
//! the store has committed. `full_recompute` rebuilds everything from the own figures;
//! the property tests assert that incremental and full give identical state.

mod derived;
mod rollup;
mod status;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use youxiang_core::decompose::{PlaceTarget, TargetBook, place_target};
use youxiang_core::eval::LightBands;
use youxiang_core::period::Period;
use youxiang_core::place::{PlaceId, PlaceTree};
use youxiang_core::value::{Component, Observation, ValueKey};
use youxiang_core::{Aggregation, Indicator, Plan};

pub use derived::DerivedPath;
use rollup::Series;
pub use rollup::{Agg, MAX_ABS, MICRO, Rule, Shown, Topology, to_micro};
pub use status::{AsOf, Explained, PlaceFigure, Status};

/// Why the engine refused a write.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("未知指标“{0}”")]
    UnknownIndicator(String),
    #[error("未知地点“{0}”")]
    UnknownPlace(String),
    #[error("数值 {value} 超出可处理范围(绝对值不超过 {max})", max = MAX_ABS)]
    OutOfRange { value: f64 },
}

/// Settings of the evaluation that are local choices (methods §2).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EngineConfig {
    pub bands: LightBands,
}

/// What the engine knows about one indicator, resolved once.
#[derive(Debug, Clone)]
struct IndicatorInfo {
    code: String,
    value_rule: Rule,
    /// For a ratio of sums: Σ numerator ÷ Σ denominator × scale.
    ratio_scale: Option<f64>,
}

/// The series of one indicator in one period, by component.
#[derive(Debug, Clone, Default, PartialEq)]
struct PeriodSeries {
    value: Option<usize>,
    numerator: Option<usize>,
    denominator: Option<usize>,
}

impl PeriodSeries {
    fn get(&self, c: Component) -> Option<usize> {
        match c {
            Component::Value => self.value,
            Component::Numerator => self.numerator,
            Component::Denominator => self.denominator,
        }
    }

    fn slot(&mut self, c: Component) -> &mut Option<usize> {
        match c {
            Component::Value => &mut self.value,
            Component::Numerator => &mut self.numerator,
            Component::Denominator => &mut self.denominator,
        }
    }
}

/// A period of an indicator with what the statuses need of it, computed once.
#[derive(Debug, Clone, PartialEq)]
struct PeriodInfo {
    period: Period,
    series: PeriodSeries,
    year: i32,
    /// f of methods §2 at the period's end (1 for a yearly figure).
    fraction: f64,
    /// Whether a figure of this period covers the whole year.
    complete: bool,
}

impl PeriodInfo {
    fn new(period: Period, series: PeriodSeries) -> PeriodInfo {
        let is_year = period.kind() == youxiang_core::period::PeriodKind::Year;
        let year = period.year();
        let complete = is_year
            || chrono::NaiveDate::from_ymd_opt(year, 12, 31).is_some_and(|d| period.end() >= d);
        PeriodInfo {
            period,
            series,
            year,
            fraction: if is_year {
                1.0
            } else {
                period.year_fraction_at_end()
            },
            complete,
        }
    }
}

/// What a write changed: the places whose figure changed, and the statuses recomputed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied {
    pub places: Vec<PlaceId>,
    pub statuses: usize,
}

/// The source of every engine's generation: unique in the process, so an engine rebuilt
/// from scratch never repeats a generation an earlier engine had.
static GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATION.fetch_add(1, Ordering::Relaxed)
}

pub struct Engine {
    /// Changes on every change of state (see `generation`).
    generation: u64,
    plan: Arc<Plan>,
    tree: Arc<PlaceTree>,
    topo: Topology,
    config: EngineConfig,
    indicators: Vec<IndicatorInfo>,
    by_code: HashMap<String, usize>,
    series: Vec<Series>,
    /// Per indicator: its periods, with the series of each component.
    periods: Vec<BTreeMap<Period, PeriodSeries>>,
    /// Per indicator: the same periods in time order (by year, then end date, a yearly
    /// figure after the sub-periods of its year), as the statuses read them.
    order: Vec<Vec<PeriodInfo>>,
    /// Population weights per year (rounded to whole people; 1 where unknown).
    weights: HashMap<i32, Arc<Vec<i64>>>,
    /// Per indicator and target year: one status per place (None = nothing to show).
    statuses: HashMap<(usize, i32), Vec<Option<Status>>>,
    root: Option<PlaceId>,
    /// The approved targets of places below the district (methods §8).
    place_targets: Arc<TargetBook>,
    /// Per indicator: the yearly targets derived from a final-year target (推算).
    derived: Vec<Option<DerivedPath>>,
    /// The cells a year keeps although a later revision (方案调整) changed them: a year
    /// whose year-end came before the revision's date keeps the target then in force.
    superseded: HashMap<(usize, i32), youxiang_core::Target>,
}

impl Engine {
    pub fn new(plan: Arc<Plan>, tree: Arc<PlaceTree>, config: EngineConfig) -> Engine {
        let topo = Topology::new(&tree);
        let indicators: Vec<IndicatorInfo> = plan.indicators.iter().map(info).collect();
        let by_code: HashMap<String, usize> = indicators
            .iter()
            .enumerate()
            .map(|(i, ind)| (ind.code.clone(), i))
            .collect();
        let superseded = plan
            .superseded_targets()
            .into_iter()
            .filter_map(|(code, year, t)| Some(((*by_code.get(&code)?, year), t)))
            .collect();
        let root = tree.id(&plan.place).or_else(|| {
            (tree.roots().count() == 1)
                .then(|| tree.roots().next())
                .flatten()
        });
        let mut engine = Engine {
            generation: next_generation(),
            periods: vec![BTreeMap::new(); indicators.len()],
            order: vec![Vec::new(); indicators.len()],
            plan,
            tree,
            topo,
            config,
            indicators,
            by_code,
            series: Vec::new(),
            weights: HashMap::new(),
            statuses: HashMap::new(),
            root,
            place_targets: Arc::new(TargetBook::default()),
            derived: Vec::new(),
            superseded,
        };
        engine.recompute_statuses();
        engine
    }

    /// Builds an engine from stored observations: own figures first, then one full
    /// recompute. Observations for unknown indicators or places are returned, not dropped
    /// silently.
    pub fn from_observations<'a>(
        plan: Arc<Plan>,
        tree: Arc<PlaceTree>,
        config: EngineConfig,
        observations: impl IntoIterator<Item = &'a Observation>,
    ) -> (Engine, Vec<(ValueKey, EngineError)>) {
        Self::from_values(
            plan,
            tree,
            config,
            observations.into_iter().map(|o| (o.key.clone(), o.value)),
        )
    }

    /// Like `from_observations`, from owned keys and numbers: a stream of millions of
    /// values need never be held whole.
    pub fn from_values(
        plan: Arc<Plan>,
        tree: Arc<PlaceTree>,
        config: EngineConfig,
        values: impl IntoIterator<Item = (ValueKey, f64)>,
    ) -> (Engine, Vec<(ValueKey, EngineError)>) {
        let mut engine = Engine::new(plan, tree, config);
        let mut refused = Vec::new();
        for (key, value) in values {
            if let Err(e) = engine.set_own(&key, Some(value)) {
                refused.push((key, e));
            }
        }
        engine.full_recompute();
        (engine, refused)
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn tree(&self) -> &PlaceTree {
        &self.tree
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The place the plan is for (its baseline belongs to it).
    pub fn root(&self) -> Option<PlaceId> {
        self.root
    }

    /// A number that changes whenever anything the engine answers may have changed (every
    /// `apply`, `apply_batch` and `full_recompute`), and that no other engine in the
    /// process ever had: an answer computed at one generation is current exactly as long as
    /// the generation stays the same (what a response cache keys on).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Replaces the approved targets of the places below the district and re-evaluates
    /// every status against them.
    pub fn set_place_targets(&mut self, book: Arc<TargetBook>) {
        self.generation = next_generation();
        self.place_targets = book;
        self.recompute_statuses();
    }

    /// The yearly targets derived for an indicator from its final-year target (推算,
    /// methods §2), with the base they start from; `None` when it has none.
    pub fn derived_path(&self, indicator: &str) -> Option<&DerivedPath> {
        self.derived.get(self.indicator_index(indicator)?)?.as_ref()
    }

    /// The approved targets of the places below the district.
    pub fn place_targets(&self) -> &TargetBook {
        &self.place_targets
    }

    /// The target `place` is judged against for `indicator` in `year`: the plan's at the
    /// district; below it the place's own approved target, else the district's for every
    /// indicator but a summed one, which has none (无分解目标). `None`: the plan sets no
    /// target that year (or the indicator or place is unknown).
    pub fn target_at(&self, indicator: &str, place: &str, year: i32) -> Option<PlaceTarget<'_>> {
        let ind = self.indicator_index(indicator)?;
        let p = self.tree.id(place)?;
        self.target_for(ind, p, year)
    }

    pub(crate) fn target_for(&self, ind: usize, p: PlaceId, year: i32) -> Option<PlaceTarget<'_>> {
        let indicator = self.indicator(ind);
        let derived = || self.derived.get(ind)?.as_ref()?.targets.get(&year);
        let district = match self.superseded.get(&(ind, year)) {
            Some(kept) if kept.is_set() => kept,
            Some(_) => derived()?,
            None => indicator.target(year).or_else(derived)?,
        };
        if Some(p) == self.root {
            return Some(PlaceTarget::District(district));
        }
        let own = self
            .place_targets
            .get(&indicator.code, year, &self.tree.get(p).code);
        Some(place_target(&indicator.aggregation, district, own))
    }

    /// How many own figures the engine holds.
    pub fn value_count(&self) -> usize {
        self.series.iter().map(|s| s.reported_count()).sum()
    }

    /// Applies one committed change (a new or edited figure, or `None` for a deletion)
    /// and brings every dependent roll-up and status up to date.
    pub fn apply(&mut self, key: &ValueKey, value: Option<f64>) -> Result<Applied, EngineError> {
        self.generation = next_generation();
        let (ind, changed) = self.set_own(key, value)?;
        let places: Vec<PlaceId> = changed.into_iter().map(|p| PlaceId(p as u32)).collect();
        let mut statuses = 0;
        for &p in &places {
            statuses += self.refresh_statuses(ind, p);
        }
        Ok(Applied { places, statuses })
    }

    /// Applies many committed changes at once: every roll-up is carried up per change, but
    /// each (indicator, place) whose figure changed is re-evaluated once, however many of
    /// the changes touched it (a district above a million village writes is evaluated
    /// once, not a million times). Changes the engine refuses are returned.
    pub fn apply_batch<'a>(
        &mut self,
        changes: impl IntoIterator<Item = (&'a ValueKey, Option<f64>)>,
    ) -> (Applied, Vec<(ValueKey, EngineError)>) {
        self.generation = next_generation();
        let mut touched: std::collections::BTreeSet<(usize, usize)> = Default::default();
        let mut refused = Vec::new();
        for (key, value) in changes {
            match self.set_own(key, value) {
                Ok((ind, places)) => touched.extend(places.into_iter().map(|p| (ind, p))),
                Err(e) => refused.push((key.clone(), e)),
            }
        }
        let mut statuses = 0;
        let mut places = std::collections::BTreeSet::new();
        for (ind, p) in touched {
            statuses += self.refresh_statuses(ind, PlaceId(p as u32));
            places.insert(PlaceId(p as u32));
        }
        (
            Applied {
                places: places.into_iter().collect(),
                statuses,
            },
            refused,
        )
    }

    /// Rebuilds every roll-up and status from the own figures.
    pub fn full_recompute(&mut self) {
        self.generation = next_generation();
        let topo = &self.topo;
        for s in &mut self.series {
            s.recompute(topo);
        }
        self.recompute_statuses();
    }

    fn recompute_statuses(&mut self) {
        self.derived = (0..self.indicators.len())
            .map(|ind| derived::derive(self, ind))
            .collect();
        let n = self.tree.len();
        let years = self.plan.target_years.clone();
        let indicators = self.indicators.len();
        // Indicators are independent: split them over two threads (the machines this runs
        // on have two cores or more).
        let this = &*self;
        let columns: Vec<(usize, Vec<Vec<Option<Status>>>)> = std::thread::scope(|scope| {
            let half = indicators.div_ceil(2);
            let work = |range: std::ops::Range<usize>| {
                range
                    .map(|ind| {
                        let mut by_year = vec![vec![None; n]; years.len()];
                        for p in this.tree.ids() {
                            for (y, s) in
                                status::evaluate_years(this, ind, p).into_iter().enumerate()
                            {
                                by_year[y][p.index()] = s;
                            }
                        }
                        (ind, by_year)
                    })
                    .collect::<Vec<_>>()
            };
            let second = scope.spawn(move || work(half..indicators));
            let mut all = work(0..half);
            all.extend(
                second
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
            all
        });
        self.statuses.clear();
        for (ind, by_year) in columns {
            for (y, column) in years.iter().zip(by_year) {
                self.statuses.insert((ind, *y), column);
            }
        }
    }

    /// Re-evaluates every target year of one indicator at one place; returns how many
    /// statuses were evaluated.
    fn refresh_statuses(&mut self, ind: usize, p: PlaceId) -> usize {
        if Some(p) == self.root {
            // The district's figure may move the base of a derived path, and with it the
            // target of every place.
            let path = derived::derive(self, ind);
            if path != self.derived[ind] {
                self.derived[ind] = path;
                return self
                    .tree
                    .ids()
                    .collect::<Vec<_>>()
                    .into_iter()
                    .map(|q| self.refresh_one(ind, q))
                    .sum();
            }
        }
        self.refresh_one(ind, p)
    }

    fn refresh_one(&mut self, ind: usize, p: PlaceId) -> usize {
        let fresh = status::evaluate_years(self, ind, p);
        let n = self.tree.len();
        let count = fresh.len();
        for (year, s) in self.plan.target_years.clone().into_iter().zip(fresh) {
            let column = self
                .statuses
                .entry((ind, year))
                .or_insert_with(|| vec![None; n]);
            column[p.index()] = s;
        }
        count
    }

    /// Sets an own figure and carries it up; returns the indicator index and the places
    /// whose shown figure changed.
    fn set_own(
        &mut self,
        key: &ValueKey,
        value: Option<f64>,
    ) -> Result<(usize, Vec<usize>), EngineError> {
        let ind = *self
            .by_code
            .get(&key.indicator)
            .ok_or_else(|| EngineError::UnknownIndicator(key.indicator.clone()))?;
        let place = self
            .tree
            .id(&key.place)
            .ok_or_else(|| EngineError::UnknownPlace(key.place.clone()))?;
        let micro = match value {
            None => None,
            Some(v) => Some(to_micro(v).ok_or(EngineError::OutOfRange { value: v })?),
        };
        let sid = match self.periods[ind]
            .get(&key.period)
            .and_then(|ps| ps.get(key.component))
        {
            Some(sid) => sid,
            None if micro.is_none() => return Ok((ind, Vec::new())),
            None => self.new_series(ind, key.period, key.component),
        };
        let changed = self.series[sid].set(&self.topo, place.index(), micro);
        Ok((ind, changed))
    }

    fn new_series(&mut self, ind: usize, period: Period, component: Component) -> usize {
        let rule = match (component, self.indicators[ind].ratio_scale) {
            (Component::Numerator | Component::Denominator, _) => Rule::Sum,
            (Component::Value, Some(_)) => Rule::OwnOnly,
            (Component::Value, None) => self.indicators[ind].value_rule,
        };
        let weights = if rule == Rule::Weighted {
            self.weights_for(period.year())
        } else {
            Arc::new(Vec::new())
        };
        let sid = self.series.len();
        self.series.push(Series::new(rule, &self.topo, weights));
        let ps = self.periods[ind].entry(period).or_default();
        *ps.slot(component) = Some(sid);
        let ps = ps.clone();
        let order = &mut self.order[ind];
        match order.iter_mut().find(|i| i.period == period) {
            Some(info) => info.series = ps,
            None => {
                order.push(PeriodInfo::new(period, ps));
                order.sort_by_key(|i| {
                    (
                        i.year,
                        i.period.end(),
                        i.period.kind() == youxiang_core::period::PeriodKind::Year,
                    )
                });
            }
        }
        sid
    }

    fn weights_for(&mut self, year: i32) -> Arc<Vec<i64>> {
        let tree = &self.tree;
        self.weights
            .entry(year)
            .or_insert_with(|| {
                Arc::new(
                    tree.ids()
                        .map(|p| {
                            tree.population(p, year)
                                .filter(|w| *w >= 1.0)
                                .map(|w| w.round() as i64)
                                .unwrap_or(1)
                        })
                        .collect(),
                )
            })
            .clone()
    }

    fn indicator_index(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The figure shown for an indicator at a place in a period: the place's own figure,
    /// or the roll-up of the places below, or for a rate the ratio of the summed
    /// numerator and denominator.
    pub fn value(&self, indicator: &str, place: &str, period: Period) -> Option<f64> {
        let ind = self.indicator_index(indicator)?;
        let p = self.tree.id(place)?;
        self.value_at(ind, p, period)
    }

    fn value_at(&self, ind: usize, p: PlaceId, period: Period) -> Option<f64> {
        let ps = self.periods[ind].get(&period)?;
        self.value_in(ind, ps, p)
    }

    fn value_in(&self, ind: usize, ps: &PeriodSeries, p: PlaceId) -> Option<f64> {
        let shown =
            |sid: Option<usize>| sid.and_then(|s| self.series[s].shown(&self.topo, p.index()));
        if let Some(scale) = self.indicators[ind].ratio_scale
            && let (Some(num), Some(den)) = (shown(ps.numerator), shown(ps.denominator))
            && den.sum.a != 0
        {
            return Some(num.sum.a as f64 / den.sum.a as f64 * scale);
        }
        shown(ps.value).map(|s| s.value)
    }

    /// The figure a place reported itself for a key (not a roll-up).
    pub fn own_value(&self, key: &ValueKey) -> Option<f64> {
        let ind = self.indicator_index(&key.indicator)?;
        let p = self.tree.id(&key.place)?;
        let sid = self.periods[ind].get(&key.period)?.get(key.component)?;
        self.series[sid].own(p).map(|m| m as f64 / MICRO)
    }

    /// What the places beside this one (same parent) reported for the same indicator,
    /// period and component: the peers of a robust outlier check.
    pub fn sibling_values(&self, key: &ValueKey) -> Vec<f64> {
        let Some(p) = self.tree.id(&key.place) else {
            return Vec::new();
        };
        let Some(parent) = self.tree.parent(p) else {
            return Vec::new();
        };
        self.tree
            .children(parent)
            .iter()
            .filter(|c| **c != p)
            .filter_map(|c| {
                self.own_value(&ValueKey {
                    place: self.tree.get(*c).code.clone(),
                    ..key.clone()
                })
            })
            .collect()
    }

    /// Every period with a figure for this indicator at this place, in order.
    pub fn series_at(&self, indicator: &str, place: &str) -> Vec<(Period, f64)> {
        let (Some(ind), Some(p)) = (self.indicator_index(indicator), self.tree.id(place)) else {
            return Vec::new();
        };
        self.periods[ind]
            .iter()
            .filter_map(|(period, ps)| self.value_in(ind, ps, p).map(|v| (*period, v)))
            .collect()
    }

    /// The status of an indicator at a place for a target year.
    pub fn status(&self, indicator: &str, place: &str, year: i32) -> Option<&Status> {
        let ind = self.indicator_index(indicator)?;
        let p = self.tree.id(place)?;
        self.statuses.get(&(ind, year))?.get(p.index())?.as_ref()
    }

    /// Every status kept, for comparisons: (indicator, place code, year) → status.
    pub fn all_statuses(&self) -> Vec<(String, String, i32, Status)> {
        let mut out = Vec::new();
        let mut keys: Vec<&(usize, i32)> = self.statuses.keys().collect();
        keys.sort();
        for key in keys {
            for (i, s) in self.statuses[key].iter().enumerate() {
                if let Some(s) = s {
                    out.push((
                        self.indicators[key.0].code.clone(),
                        self.tree.get(PlaceId(i as u32)).code.clone(),
                        key.1,
                        *s,
                    ));
                }
            }
        }
        out
    }

    /// Every shown figure of every series at every place, for comparisons.
    pub fn all_figures(&self) -> Vec<(String, Period, Component, String, Agg)> {
        let mut out = Vec::new();
        for (ind, periods) in self.periods.iter().enumerate() {
            for (period, ps) in periods {
                for c in [
                    Component::Value,
                    Component::Numerator,
                    Component::Denominator,
                ] {
                    let Some(sid) = ps.get(c) else { continue };
                    for p in self.tree.ids() {
                        let agg = self.series[sid].contribution(&self.topo, p.index());
                        if agg.n > 0 {
                            out.push((
                                self.indicators[ind].code.clone(),
                                *period,
                                c,
                                self.tree.get(p).code.clone(),
                                agg,
                            ));
                        }
                    }
                }
            }
        }
        out
    }

    /// Explains the figure and statuses of an indicator at a place in a period: where the
    /// number comes from (own or the places below), the rule, and every status's inputs
    /// and formula.
    pub fn explain(&self, indicator: &str, place: &str, period: Period) -> Option<Explained> {
        let ind = self.indicator_index(indicator)?;
        let p = self.tree.id(place)?;
        Some(status::explain(self, ind, p, period))
    }

    /// The figure of a period and its schedule light as of that period: the `value`,
    /// `schedule.light` and `schedule.gap` of `explain`, computed without any text.
    pub fn as_of(&self, indicator: &str, place: &str, period: Period) -> Option<AsOf> {
        let ind = self.indicator_index(indicator)?;
        let p = self.tree.id(place)?;
        Some(status::as_of(self, ind, p, period))
    }

    fn indicator(&self, ind: usize) -> &Indicator {
        &self.plan.indicators[ind]
    }
}

fn info(ind: &Indicator) -> IndicatorInfo {
    let (value_rule, ratio_scale) = match &ind.aggregation {
        Aggregation::Sum => (Rule::Sum, None),
        Aggregation::RatioOfSums { scale, .. } => (Rule::OwnOnly, Some(*scale)),
        Aggregation::PopulationWeightedMean => (Rule::Weighted, None),
        Aggregation::Latest | Aggregation::NotAggregable => (Rule::OwnOnly, None),
    };
    IndicatorInfo {
        code: ind.code.clone(),
        value_rule,
        ratio_scale,
    }
}
