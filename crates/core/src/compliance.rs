//! 服务达标: for every item of a catalogue edition at its delivery level(s) and every place
//! of that level, whether the service is delivered in a period — 达标 / 未达标 / 无数据 —
//! with its evidence (issue 15 point 3):
//!
//! - a facility item: the nearest open facility of the type (or of a type the 15-minute
//!   engine counts as the same, [`FacilityType::access_type`]) from the place's point, how
//!   many metres and minutes away, and on what basis (路网, or 直线估算 at 80 m/min);
//!   达标 within the item's minutes. The reach is an input ([`ReachTable`]), so a road
//!   network's result plugs in where the straight-line estimate ([`straight_line_reach`])
//!   stands now;
//! - an indicator item: the latest figure of the indicator at the place within the period
//!   against the item's threshold (a target cell, judged with the indicator's polarity);
//! - a yes/no item: the report typed for the item, place and period (who, when, evidence).
//!
//! Then the share of items met per place, per aspect and per domain, rolled up (a town
//! counts its own cells and its villages'; the district its own and everything below),
//! worst first. Items with no delivery level are listed apart, never guessed.
//!
//! Pure: no I/O, no clock.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::assist::matching::haversine_m;
use crate::catalogue::{Catalogue, DeliveryLevel, Evidence, Item};
use crate::facilities::{Facility, FacilityStatus, FacilityType};
use crate::period::Period;
use crate::place::{Level, PlaceTree};
use crate::plan::Plan;
use crate::target::Target;

/// Walking speed of the straight-line estimate, metres a minute (4.8 km/h, methods §5).
pub const WALK_METRES_PER_MINUTE: f64 = 80.0;

/// A cell's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 未达标.
    NotMet,
    /// 无数据.
    NoData,
    /// 达标.
    Met,
}

impl Verdict {
    pub fn label_zh(self) -> &'static str {
        match self {
            Verdict::Met => "达标",
            Verdict::NotMet => "未达标",
            Verdict::NoData => "无数据",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not met",
            Verdict::NoData => "no data",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not_met",
            Verdict::NoData => "no_data",
        }
    }
}

/// How a walking distance was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// 路网: along a walking network.
    Network,
    /// 直线估算: the great-circle distance walked at 80 m/min.
    #[default]
    StraightLine,
}

impl Basis {
    pub fn label_zh(self) -> &'static str {
        match self {
            Basis::Network => "路网",
            Basis::StraightLine => "直线估算",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Basis::Network => "road network",
            Basis::StraightLine => "straight-line estimate",
        }
    }
}

/// The nearest facility of a type from a place's point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reach {
    /// The facility's code and name.
    pub facility: String,
    pub facility_name: String,
    pub facility_type: FacilityType,
    pub metres: f64,
    pub minutes: f64,
    pub basis: Basis,
}

/// Place × facility type → the nearest open facility: the input of facility items, from
/// the straight-line estimate or a road network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReachTable {
    /// Places with a point (a place without one has no reach: 无数据).
    pub located: HashSet<String>,
    pub nearest: HashMap<(String, FacilityType), Reach>,
    /// How every distance of the table was measured.
    pub basis: Basis,
}

impl ReachTable {
    /// The nearest facility of `t`, or of a type the 15-minute engine counts as the same
    /// (村卫生室 and 社区卫生服务站, 卫生院 and 社区卫生服务中心), from `place`.
    pub fn nearest_like(&self, place: &str, t: FacilityType) -> Option<&Reach> {
        let same = |x: FacilityType| {
            x == t || (t.access_type().is_some() && x.access_type() == t.access_type())
        };
        self.nearest
            .iter()
            .filter(|((p, x), _)| p == place && same(*x))
            .map(|(_, r)| r)
            .min_by(|a, b| {
                a.metres
                    .total_cmp(&b.metres)
                    .then(a.facility.cmp(&b.facility))
            })
    }
}

/// Whether `f` is open on `day`: 运行中 and opened by then.
fn open_on(f: &Facility, day: NaiveDate) -> bool {
    f.status == FacilityStatus::Open && f.opened.is_none_or(|d| d <= day)
}

/// The straight-line estimate (直线估算): from every place with a point to the nearest
/// facility of each type open on `day` and located, great-circle metres walked at
/// [`WALK_METRES_PER_MINUTE`].
pub fn straight_line_reach(
    tree: &PlaceTree,
    facilities: &[Facility],
    day: NaiveDate,
) -> ReachTable {
    let mut by_type: BTreeMap<FacilityType, Vec<&Facility>> = BTreeMap::new();
    for f in facilities
        .iter()
        .filter(|f| open_on(f, day) && f.location.is_some())
    {
        by_type.entry(f.facility_type).or_default().push(f);
    }
    let mut out = ReachTable::default();
    for p in tree.places() {
        let (Some(lon), Some(lat)) = (p.lon, p.lat) else {
            continue;
        };
        out.located.insert(p.code.clone());
        for (t, list) in &by_type {
            let best = list
                .iter()
                .filter_map(|f| {
                    f.location
                        .map(|l| (haversine_m(lon, lat, l.lon, l.lat), *f))
                })
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.code.cmp(&b.1.code)));
            if let Some((metres, f)) = best {
                out.nearest.insert(
                    (p.code.clone(), *t),
                    Reach {
                        facility: f.code.clone(),
                        facility_name: f.name.clone(),
                        facility_type: f.facility_type,
                        metres: metres.round(),
                        minutes: (metres / WALK_METRES_PER_MINUTE * 10.0).round() / 10.0,
                        basis: Basis::StraightLine,
                    },
                );
            }
        }
    }
    out
}

/// The figures an indicator item is judged on.
pub trait Figures {
    /// The latest figure of `indicator` at `place` in a period lying within `period` (the
    /// period itself included), with that period.
    fn latest_within(&self, indicator: &str, place: &str, period: Period) -> Option<(Period, f64)>;
}

impl Figures for HashMap<(String, String), Vec<(Period, f64)>> {
    fn latest_within(&self, indicator: &str, place: &str, period: Period) -> Option<(Period, f64)> {
        latest_within(
            self.get(&(indicator.to_string(), place.to_string()))
                .map(Vec::as_slice)
                .unwrap_or(&[]),
            period,
        )
    }
}

/// From a series, the latest figure whose period lies within `period`.
pub fn latest_within(series: &[(Period, f64)], period: Period) -> Option<(Period, f64)> {
    series
        .iter()
        .filter(|(p, _)| period.contains_period(p))
        .max_by(|a, b| a.0.end().cmp(&b.0.end()).then(a.0.cmp(&b.0)))
        .copied()
}

/// A yes/no report typed for an item, a place and a period (是否达标的定期报告).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YesNoReport {
    /// The catalogue edition and the item's code.
    pub catalogue: String,
    pub item: String,
    pub place: String,
    pub period: Period,
    pub met: bool,
    /// What shows it (a document, a visit, a file's name).
    pub evidence: String,
    pub reported_by: String,
    /// When, UTC.
    pub reported_at: NaiveDateTime,
}

/// The report that answers for `item` at `place` in `period`: one for the period itself,
/// else the latest for a period within it, else one for a period containing it (a yearly
/// report answers for its quarters).
pub fn report_for<'a>(
    reports: &'a [YesNoReport],
    item: &str,
    place: &str,
    period: Period,
) -> Option<&'a YesNoReport> {
    let mine = || {
        reports
            .iter()
            .filter(|r| r.item == item && r.place == place)
    };
    mine()
        .find(|r| r.period == period)
        .or_else(|| {
            mine()
                .filter(|r| period.contains_period(&r.period))
                .max_by(|a, b| a.period.end().cmp(&b.period.end()))
        })
        .or_else(|| {
            mine()
                .filter(|r| r.period.contains_period(&period))
                .min_by_key(|r| r.period.days())
        })
}

/// What a cell was judged on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CellEvidence {
    Facility {
        facility_type: FacilityType,
        /// The item's walking time, minutes.
        within_minutes: u32,
        nearest: Option<Reach>,
    },
    Indicator {
        indicator: String,
        indicator_name: String,
        unit: String,
        threshold: String,
        value: Option<f64>,
        /// The period of the figure judged.
        as_of: Option<Period>,
    },
    Report {
        report: Option<YesNoReport>,
    },
    /// The item says no way of evidencing it.
    Unspecified,
}

/// One item at one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub item: String,
    pub place: String,
    pub verdict: Verdict,
    pub evidence: CellEvidence,
    /// Why, in a sentence (Chinese, and English).
    pub why: String,
    pub why_en: String,
}

/// An item of the matrix with what it is grouped by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixItem {
    pub code: String,
    pub name: String,
    pub aspect: Option<crate::catalogue::Aspect>,
    /// The plan domain's code (the item's domain resolved against the plan), if any.
    pub domain: Option<String>,
    pub levels: Vec<DeliveryLevel>,
    pub lead_unit: String,
}

/// Met, not met and without data among some cells, and the share met of those with data.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Tally {
    pub met: usize,
    pub not_met: usize,
    pub no_data: usize,
}

impl Tally {
    pub fn add(&mut self, v: Verdict) {
        match v {
            Verdict::Met => self.met += 1,
            Verdict::NotMet => self.not_met += 1,
            Verdict::NoData => self.no_data += 1,
        }
    }

    /// Met ÷ (met + not met), as a percentage; `None` without a judged cell.
    pub fn share(&self) -> Option<f64> {
        let judged = self.met + self.not_met;
        (judged > 0).then(|| self.met as f64 * 100.0 / judged as f64)
    }

    pub fn total(&self) -> usize {
        self.met + self.not_met + self.no_data
    }

    /// The verdict of a group of cells: 未达标 if any is, else 达标 if any is, else 无数据.
    pub fn verdict(&self) -> Verdict {
        if self.not_met > 0 {
            Verdict::NotMet
        } else if self.met > 0 {
            Verdict::Met
        } else {
            Verdict::NoData
        }
    }
}

/// What a share is taken over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", content = "code", rename_all = "snake_case")]
pub enum ShareOf {
    All,
    Aspect(crate::catalogue::Aspect),
    Domain(String),
}

/// The share of items met at a place, rolled up (its own cells and every cell below it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    pub place: String,
    pub place_name: String,
    pub level: Level,
    pub of: ShareOf,
    #[serde(flatten)]
    pub tally: Tally,
    /// Met ÷ judged, %.
    pub share: Option<f64>,
}

/// The whole judgement of an edition in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matrix {
    pub catalogue: String,
    pub catalogue_name: String,
    /// A sample edition for the district to confirm.
    pub sample: bool,
    pub period: Period,
    /// The items judged, worst first (most cells not met, then fewest met).
    pub items: Vec<MatrixItem>,
    /// The items with no delivery level: not judged until one is set.
    pub unleveled: Vec<MatrixItem>,
    pub cells: Vec<Cell>,
    /// Every place's shares (all items, per aspect, per domain), worst first within a
    /// level; the district first, then towns, then villages.
    pub shares: Vec<Share>,
    /// How the facility items' walking distances were measured (named on every page and
    /// export of the matrix).
    pub basis: Basis,
}

/// What [`compute`] reads.
pub struct Inputs<'a> {
    pub catalogue: &'a Catalogue,
    pub plan: &'a Plan,
    pub tree: &'a PlaceTree,
    pub period: Period,
    pub reach: &'a ReachTable,
    pub figures: &'a dyn Figures,
    pub reports: &'a [YesNoReport],
}

fn place_level(l: DeliveryLevel) -> Level {
    match l {
        DeliveryLevel::District => Level::County,
        DeliveryLevel::Town => Level::Town,
        DeliveryLevel::Village => Level::Village,
    }
}

fn matrix_item(plan: &Plan, i: &Item) -> MatrixItem {
    MatrixItem {
        code: i.code.clone(),
        name: i.name.clone(),
        aspect: i.aspect,
        domain: i.domain.as_ref().and_then(|d| {
            plan.domains
                .iter()
                .find(|x| x.code == *d || x.name == *d)
                .map(|x| x.code.clone())
        }),
        levels: i.levels.clone(),
        lead_unit: i.lead_unit.clone(),
    }
}

/// Formats a number without trailing zeros.
fn num(v: f64) -> String {
    let s = format!("{:.2}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Judges one item at one place.
pub fn judge(inputs: &Inputs<'_>, item: &Item, place: &str) -> Cell {
    let cell = |verdict, evidence, why: String, why_en: String| Cell {
        item: item.code.clone(),
        place: place.to_string(),
        verdict,
        evidence,
        why,
        why_en,
    };
    match &item.evidence {
        None => cell(
            Verdict::NoData,
            CellEvidence::Unspecified,
            "清单未写达标依据".into(),
            "the catalogue names no evidence".into(),
        ),
        Some(Evidence::Facility {
            facility_type,
            minutes,
        }) => {
            let Ok(t) = facility_type.parse::<FacilityType>() else {
                return cell(
                    Verdict::NoData,
                    CellEvidence::Unspecified,
                    format!("设施类型“{facility_type}”不在设施名录的类型中"),
                    format!("facility type “{facility_type}” is not a register type"),
                );
            };
            let evidence = |nearest: Option<Reach>| CellEvidence::Facility {
                facility_type: t,
                within_minutes: *minutes,
                nearest,
            };
            if !inputs.reach.located.contains(place) {
                return cell(
                    Verdict::NoData,
                    evidence(None),
                    "该地点没有坐标,无法计算步行距离".into(),
                    "the place has no point to measure from".into(),
                );
            }
            match inputs.reach.nearest_like(place, t) {
                None => cell(
                    Verdict::NotMet,
                    evidence(None),
                    format!("没有运行中的{}(或同类设施)", t.label_zh()),
                    format!("no open {} (or the like)", t.label_en()),
                ),
                Some(r) => {
                    let met = r.minutes <= f64::from(*minutes);
                    let zh = format!(
                        "最近的{}“{}”约 {} 米、步行 {} 分钟({}),{} {} 分钟{}",
                        r.facility_type.label_zh(),
                        r.facility_name,
                        num(r.metres),
                        num(r.minutes),
                        r.basis.label_zh(),
                        if met { "在" } else { "超过" },
                        minutes,
                        if met { "内" } else { "" }
                    );
                    let en = format!(
                        "nearest {} “{}” about {} m, {} min on foot ({}), {} {} min",
                        r.facility_type.label_en(),
                        r.facility_name,
                        num(r.metres),
                        num(r.minutes),
                        r.basis.label_en(),
                        if met { "within" } else { "beyond" },
                        minutes
                    );
                    cell(
                        if met { Verdict::Met } else { Verdict::NotMet },
                        evidence(Some(r.clone())),
                        zh,
                        en,
                    )
                }
            }
        }
        Some(Evidence::Indicator {
            indicator,
            threshold,
        }) => {
            let ind = inputs.plan.indicator(indicator);
            let evidence = |value, as_of| CellEvidence::Indicator {
                indicator: indicator.clone(),
                indicator_name: ind.map(|i| i.name.clone()).unwrap_or_default(),
                unit: ind.map(|i| i.unit.clone()).unwrap_or_default(),
                threshold: threshold.clone(),
                value,
                as_of,
            };
            let (Some(ind), Ok(target)) = (ind, Target::parse(threshold)) else {
                return cell(
                    Verdict::NoData,
                    evidence(None, None),
                    format!("指标“{indicator}”或阈值“{threshold}”无法判定"),
                    format!("indicator “{indicator}” or threshold “{threshold}” cannot be judged"),
                );
            };
            let Some((as_of, value)) =
                inputs
                    .figures
                    .latest_within(indicator, place, inputs.period)
            else {
                return cell(
                    Verdict::NoData,
                    evidence(None, None),
                    format!("{}({})本期无数据", ind.name, ind.code),
                    format!("no figure of {} this period", ind.code),
                );
            };
            match target.is_met(value, ind.polarity) {
                None => cell(
                    Verdict::NoData,
                    evidence(Some(value), Some(as_of)),
                    format!("阈值“{threshold}”未设定达标线"),
                    format!("threshold “{threshold}” sets no line"),
                ),
                Some(met) => cell(
                    if met { Verdict::Met } else { Verdict::NotMet },
                    evidence(Some(value), Some(as_of)),
                    format!(
                        "{}({}){} 为 {}{},达标线 {}{}",
                        ind.name,
                        ind.code,
                        as_of.label_zh(),
                        num(value),
                        ind.unit,
                        threshold,
                        if met { ",达标" } else { ",未达标" }
                    ),
                    format!(
                        "{} {} is {} {}, threshold {}",
                        ind.code,
                        as_of.label_en(),
                        num(value),
                        ind.unit,
                        threshold
                    ),
                ),
            }
        }
        Some(Evidence::Report { every }) => {
            match report_for(inputs.reports, &item.code, place, inputs.period) {
                None => cell(
                    Verdict::NoData,
                    CellEvidence::Report { report: None },
                    format!("本期未填报是否达标(应{every}填报)"),
                    "no yes/no report for the period".into(),
                ),
                Some(r) => cell(
                    if r.met { Verdict::Met } else { Verdict::NotMet },
                    CellEvidence::Report {
                        report: Some(r.clone()),
                    },
                    format!(
                        "{} {} 填报{}:{}",
                        r.reported_by,
                        crate::china_time::beijing(r.reported_at).format("%Y-%m-%d"),
                        if r.met { "达标" } else { "未达标" },
                        r.evidence
                    ),
                    format!(
                        "{} reported {} ({})",
                        r.reported_by,
                        if r.met { "met" } else { "not met" },
                        r.period
                    ),
                ),
            }
        }
    }
}

/// The codes of the places of `level` under the tree's roots, in tree order.
fn places_of(tree: &PlaceTree, level: Level) -> Vec<String> {
    tree.places()
        .iter()
        .filter(|p| p.level == level)
        .map(|p| p.code.clone())
        .collect()
}

/// Judges every item with a delivery level at every place of that level, and the shares.
pub fn compute(inputs: &Inputs<'_>) -> Matrix {
    let c = inputs.catalogue;
    let mut cells = Vec::new();
    let mut items = Vec::new();
    let mut unleveled = Vec::new();
    for item in &c.items {
        if item.levels.is_empty() {
            unleveled.push(matrix_item(inputs.plan, item));
            continue;
        }
        items.push(matrix_item(inputs.plan, item));
        let levels: BTreeSet<Level> = item.levels.iter().map(|l| place_level(*l)).collect();
        for level in levels {
            for place in places_of(inputs.tree, level) {
                cells.push(judge(inputs, item, &place));
            }
        }
    }
    let mut by_item: HashMap<&str, Tally> = HashMap::new();
    for cell in &cells {
        by_item.entry(&cell.item).or_default().add(cell.verdict);
    }
    let rank = |t: Option<&Tally>| {
        let t = t.copied().unwrap_or_default();
        (std::cmp::Reverse(t.not_met), t.met)
    };
    items.sort_by_key(|i| rank(by_item.get(i.code.as_str())));
    let shares = shares(inputs.tree, &items, &cells);
    Matrix {
        catalogue: c.code.clone(),
        catalogue_name: c.name.clone(),
        sample: c.sample,
        period: inputs.period,
        items,
        unleveled,
        cells,
        shares,
        basis: inputs.reach.basis,
    }
}

/// Shares per place (all, per aspect, per domain), each rolled up over the place and
/// every place below it.
fn shares(tree: &PlaceTree, items: &[MatrixItem], cells: &[Cell]) -> Vec<Share> {
    let item_of: HashMap<&str, &MatrixItem> = items.iter().map(|i| (i.code.as_str(), i)).collect();
    let mut tallies: BTreeMap<(String, ShareOf), Tally> = BTreeMap::new();
    for cell in cells {
        let Some(item) = item_of.get(cell.item.as_str()) else {
            continue;
        };
        let Some(id) = tree.id(&cell.place) else {
            continue;
        };
        let mut of = vec![ShareOf::All];
        of.extend(item.aspect.map(ShareOf::Aspect));
        of.extend(item.domain.clone().map(ShareOf::Domain));
        for p in std::iter::once(id).chain(tree.ancestors(id)) {
            let code = &tree.get(p).code;
            for o in &of {
                tallies
                    .entry((code.clone(), o.clone()))
                    .or_default()
                    .add(cell.verdict);
            }
        }
    }
    let mut out: Vec<Share> = tallies
        .into_iter()
        .filter_map(|((code, of), tally)| {
            let p = tree.by_code(&code)?;
            Some(Share {
                place: code,
                place_name: p.name.clone(),
                level: p.level,
                of,
                tally,
                share: tally.share(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.level, &a.of)
            .cmp(&(b.level, &b.of))
            .then(worst_first(a.share, b.share))
            .then(a.place.cmp(&b.place))
    });
    out
}

/// Lower shares first; a place without a judged cell last.
pub fn worst_first(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

impl Matrix {
    /// The share of `of` at `place`, if it has cells.
    pub fn share(&self, place: &str, of: &ShareOf) -> Option<&Share> {
        self.shares.iter().find(|s| s.place == place && s.of == *of)
    }

    /// The cell of `item` at `place` itself.
    pub fn cell(&self, item: &str, place: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.item == item && c.place == place)
    }

    /// The cells of `item` at `place` and below it (a town's column of a village item).
    pub fn cells_within<'a>(
        &'a self,
        tree: &'a PlaceTree,
        item: &'a str,
        place: &str,
    ) -> impl Iterator<Item = &'a Cell> + 'a {
        let root = tree.id(place);
        self.cells.iter().filter(move |c| {
            c.item == item
                && root.is_some_and(|r| tree.id(&c.place).is_some_and(|p| tree.is_within(p, r)))
        })
    }

    /// The tally of `item` at `place` and below it.
    pub fn tally_within(&self, tree: &PlaceTree, item: &str, place: &str) -> Tally {
        let mut t = Tally::default();
        for c in self.cells_within(tree, item, place) {
            t.add(c.verdict);
        }
        t
    }

    /// The places' shares of all items at `level`, worst first.
    pub fn ranking(&self, level: Level) -> Vec<&Share> {
        self.shares
            .iter()
            .filter(|s| s.level == level && s.of == ShareOf::All)
            .collect()
    }

    /// Every cell not met, the gaps a supervision order may be raised for.
    pub fn gaps(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().filter(|c| c.verdict == Verdict::NotMet)
    }
}

#[cfg(test)]
mod tests;
