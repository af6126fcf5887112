//! Coverage: per origin the distance and time to the nearest facility of each type,
//! coverage per type and for the basket (population-weighted, overall and per place),
//! the uncovered population and the gap map.

use std::borrow::Cow;
use std::collections::BTreeMap;

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::dijkstra::{self, Seed, UNREACHED};
use crate::error::{AccessError, Result};
use crate::geo::{haversine_m, unit_vector, valid_lon_lat};
use crate::graph::Network;
use crate::input::{Facility, Origin};
use crate::profile::{Profile, Rule};
use crate::snap::{Snap, SnapTo, Snapper};

/// Default walking speed (methods §5): 4.8 km/h = 80 m/min.
pub const DEFAULT_SPEED_KMH: f64 = 4.8;
/// Default circle in minutes.
pub const DEFAULT_MINUTES: f64 = 15.0;
/// Default maximum snap distance (metres): farther points are "off the network".
pub const DEFAULT_MAX_SNAP_M: f64 = 1000.0;
/// Default detour factor for the straight-line fallback (network distance ≈ 1.3 × straight).
pub const DEFAULT_DETOUR_FACTOR: f64 = 1.3;

/// Run settings.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub speed_kmh: f64,
    /// Threshold for rules that set none, and the default search horizon.
    pub minutes: f64,
    /// Search horizon in minutes; `None` = the largest threshold in play; `Some(INFINITY)`
    /// = unbounded (every reachable origin gets a time). Beyond it times are `null`.
    pub horizon_minutes: Option<f64>,
    pub max_snap_m: f64,
    pub snap_to: SnapTo,
    /// Straight-line fallback: network distance ≈ haversine × this.
    pub detour_factor: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            speed_kmh: DEFAULT_SPEED_KMH,
            minutes: DEFAULT_MINUTES,
            horizon_minutes: None,
            max_snap_m: DEFAULT_MAX_SNAP_M,
            snap_to: SnapTo::LargestComponent,
            detour_factor: DEFAULT_DETOUR_FACTOR,
        }
    }
}

impl Settings {
    /// Walking speed in metres per minute.
    pub fn m_per_min(&self) -> f64 {
        self.speed_kmh * 1000.0 / 60.0
    }

    /// Check the numbers.
    pub fn validate(&self) -> Result<()> {
        let pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(AccessError::config(
                    name,
                    format!("must be a positive number, got {v}"),
                ))
            }
        };
        pos("speed_kmh", self.speed_kmh)?;
        pos("minutes", self.minutes)?;
        if self.max_snap_m.is_nan() || self.max_snap_m <= 0.0 {
            return Err(AccessError::config(
                "max_snap_m",
                format!("must be positive (or infinite), got {}", self.max_snap_m),
            ));
        }
        if let Some(h) = self.horizon_minutes
            && (h.is_nan() || h <= 0.0)
        {
            return Err(AccessError::config(
                "horizon_minutes",
                format!("must be positive, got {h}"),
            ));
        }
        if !(self.detour_factor.is_finite() && self.detour_factor >= 1.0) {
            return Err(AccessError::config(
                "detour_factor",
                format!("must be a number ≥ 1, got {}", self.detour_factor),
            ));
        }
        Ok(())
    }
}

/// How distances were obtained. Every report carries it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// Exact shortest paths on the walking network.
    Network,
    /// No network: great-circle distance × detour factor (an estimate).
    StraightLine { detour_factor: f64 },
}

impl Method {
    /// One-line statement for users.
    pub fn describe(&self) -> String {
        match self {
            Method::Network => "walking network (OpenStreetMap), exact shortest paths".into(),
            Method::StraightLine { detour_factor } => format!(
                "ESTIMATE: no road network; straight-line distance × detour factor {detour_factor}"
            ),
        }
    }
}

/// One origin's result for one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeResult {
    pub facility_type: String,
    /// Distance walked to the nearest facility (metres), snaps included; `None` when none
    /// is reachable within the horizon.
    pub distance_m: Option<f64>,
    /// Walking time (minutes) at the run's speed (ferries at their own duration).
    pub minutes: Option<f64>,
    /// Id of the nearest facility.
    pub facility: Option<String>,
    /// Distinct facilities within the threshold (counted up to the rule's `min_count`).
    pub count_within: usize,
    pub covered: bool,
}

/// One origin's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OriginResult {
    pub id: String,
    pub place: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub population: f64,
    /// Snap to the network (network method only); `None` = off the network.
    pub snap: Option<Snap>,
    pub types: Vec<TypeResult>,
    /// Covered by every basket rule.
    pub basket_covered: bool,
}

/// Coverage of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeSummary {
    pub facility_type: String,
    pub label: String,
    pub threshold_m: f64,
    pub threshold_minutes: f64,
    pub min_count: usize,
    pub in_basket: bool,
    /// Facilities of this type used (snapped, for the network method).
    pub facilities: usize,
    /// Facilities of this type too far from the network to use.
    pub facilities_off_network: usize,
    pub population: f64,
    pub covered_population: f64,
    /// `covered / population`, `None` when the population is 0.
    pub share: Option<f64>,
    pub covered_origins: usize,
}

/// Coverage of a place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceSummary {
    pub place: String,
    pub population: f64,
    /// Per rule, in profile order: covered share (`None` when population is 0).
    pub shares: Vec<Option<f64>>,
    pub basket_share: Option<f64>,
    pub uncovered_population: f64,
}

/// Everything a coverage run produces.
#[derive(Debug, Clone, Serialize)]
pub struct CoverageReport {
    pub method: Method,
    pub method_note: String,
    pub profile: String,
    pub settings: Settings,
    pub search_horizon_m: f64,
    pub origins_total: usize,
    pub population: f64,
    pub types: Vec<TypeSummary>,
    pub basket_types: Vec<String>,
    pub basket_covered_population: f64,
    pub basket_share: Option<f64>,
    /// Population not covered by the basket.
    pub uncovered_population: f64,
    /// Origins farther than `max_snap_m` from the network (counted as uncovered).
    pub off_network_origins: usize,
    pub off_network_population: f64,
    pub places: Vec<PlaceSummary>,
    pub origins: Vec<OriginResult>,
    /// Things the user should know (empty types, dropped facilities, input notes).
    pub notes: Vec<String>,
}

/// The engine: a network (or none, for the straight-line fallback) with its snap index.
pub struct Engine<'a> {
    net: Option<&'a Network>,
    snapper: Option<Snapper>,
    costs: Cow<'a, [f64]>,
    pub settings: Settings,
}

impl<'a> Engine<'a> {
    /// Engine over a walking network.
    pub fn with_network(net: &'a Network, settings: Settings) -> Result<Engine<'a>> {
        settings.validate()?;
        let snapper = Snapper::new(net, settings.snap_to);
        let costs = net.reverse.costs(settings.speed_kmh / 3.6);
        Ok(Engine {
            net: Some(net),
            snapper: Some(snapper),
            costs,
            settings,
        })
    }

    /// Engine without a network: straight-line × detour factor, labelled as an estimate.
    pub fn straight_line(settings: Settings) -> Result<Engine<'static>> {
        settings.validate()?;
        Ok(Engine {
            net: None,
            snapper: None,
            costs: Cow::Borrowed(&[]),
            settings,
        })
    }

    /// The method in use.
    pub fn method(&self) -> Method {
        match self.net {
            Some(_) => Method::Network,
            None => Method::StraightLine {
                detour_factor: self.settings.detour_factor,
            },
        }
    }

    /// The network, if any.
    pub fn network(&self) -> Option<&Network> {
        self.net
    }

    /// Arc costs (walking metres) of the reverse graph at the run's speed.
    pub fn costs(&self) -> &[f64] {
        &self.costs
    }

    /// Snap points (in parallel); `None` for points off the network or without a network.
    pub fn snap_all(&self, pts: &[(f64, f64)]) -> Vec<Option<Snap>> {
        match &self.snapper {
            Some(s) => pts
                .par_iter()
                .map(|&(lo, la)| s.snap(lo, la, self.settings.max_snap_m))
                .collect(),
            None => vec![None; pts.len()],
        }
    }

    fn horizon_m(&self, threshold_m: f64) -> f64 {
        let h = match self.settings.horizon_minutes {
            Some(h) => h * self.settings.m_per_min(),
            None => self.settings.minutes * self.settings.m_per_min(),
        };
        h.max(threshold_m)
    }

    /// Coverage of `origins` by `facilities` under `profile`. Rules run in parallel;
    /// `progress(done, total)` is called as each rule finishes.
    pub fn coverage(
        &self,
        origins: &[Origin],
        facilities: &[Facility],
        profile: &Profile,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<CoverageReport> {
        profile
            .validate()
            .map_err(|m| AccessError::config("profile", m))?;
        let mut notes = Vec::new();
        let o_pts: Vec<(f64, f64)> = origins.iter().map(|o| (o.lon, o.lat)).collect();
        let o_snap = self.snap_all(&o_pts);
        let f_pts: Vec<(f64, f64)> = facilities.iter().map(|f| (f.lon, f.lat)).collect();
        let f_snap = self.snap_all(&f_pts);
        let is_net = self.net.is_some();
        let m_per_min = self.settings.m_per_min();
        let total = profile.rules.len();
        let done = std::sync::atomic::AtomicUsize::new(0);

        let per_rule: Vec<(Vec<TypeResult>, usize, usize, f64)> = profile
            .rules
            .par_iter()
            .map(|rule| {
                let thr = rule.threshold_m(m_per_min, self.settings.minutes);
                let idx: Vec<usize> = facilities
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| rule.matches(&f.facility_type))
                    .map(|(i, _)| i)
                    .collect();
                let r = if is_net {
                    self.rule_network(rule, thr, &idx, facilities, &f_snap, &o_snap)
                } else {
                    self.rule_straight(rule, thr, &idx, facilities, origins)
                };
                let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(d, total);
                (r.0, r.1, idx.len() - r.1, thr)
            })
            .collect();

        // Assemble per origin.
        let basket_idx: Vec<usize> = profile
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.basket)
            .map(|(i, _)| i)
            .collect();
        let mut out = Vec::with_capacity(origins.len());
        for (i, o) in origins.iter().enumerate() {
            let types: Vec<TypeResult> = per_rule.iter().map(|r| r.0[i].clone()).collect();
            let basket_covered =
                !basket_idx.is_empty() && basket_idx.iter().all(|&k| types[k].covered);
            out.push(OriginResult {
                id: o.id.clone(),
                place: o.place.clone(),
                lon: o.lon,
                lat: o.lat,
                population: o.population,
                snap: o_snap[i],
                types,
                basket_covered,
            });
        }
        let population: f64 = origins.iter().map(|o| o.population).sum::<f64>() + 0.0; // an empty float sum is -0.0
        let share = |c: f64, p: f64| (p > 0.0).then(|| c / p);
        let mut types = Vec::with_capacity(total);
        for (k, rule) in profile.rules.iter().enumerate() {
            let (_, used, off, thr) = &per_rule[k];
            let covered: f64 = out
                .iter()
                .filter(|o| o.types[k].covered)
                .map(|o| o.population)
                .sum::<f64>()
                + 0.0; // an empty float sum is -0.0
            let covered_origins = out.iter().filter(|o| o.types[k].covered).count();
            if *used == 0 {
                notes.push(format!(
                    "type '{}': no facilities{} — nobody is covered for it",
                    rule.facility_type,
                    if *off > 0 {
                        format!(" on the network ({off} too far from it)")
                    } else {
                        String::new()
                    }
                ));
            } else if *off > 0 {
                notes.push(format!(
                    "type '{}': {off} facilities farther than {} m from the network were left out",
                    rule.facility_type, self.settings.max_snap_m
                ));
            }
            types.push(TypeSummary {
                facility_type: rule.facility_type.clone(),
                label: if rule.label.is_empty() {
                    rule.facility_type.clone()
                } else {
                    rule.label.clone()
                },
                threshold_m: *thr,
                threshold_minutes: thr / m_per_min,
                min_count: rule.min_count,
                in_basket: rule.basket,
                facilities: *used,
                facilities_off_network: *off,
                population,
                covered_population: covered,
                share: share(covered, population),
                covered_origins,
            });
        }
        let basket_cov: f64 = out
            .iter()
            .filter(|o| o.basket_covered)
            .map(|o| o.population)
            .sum::<f64>()
            + 0.0; // an empty float sum is -0.0
        let (mut off_n, mut off_p) = (0usize, 0f64);
        if is_net {
            for o in &out {
                if o.snap.is_none() {
                    off_n += 1;
                    off_p += o.population;
                }
            }
            if off_n > 0 {
                notes.push(format!(
                    "{off_n} origin(s) ({off_p} people) are farther than {} m from the walking network: counted as uncovered",
                    self.settings.max_snap_m
                ));
            }
        }
        // Per place.
        let mut places_map: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, o) in out.iter().enumerate() {
            if let Some(p) = &o.place {
                places_map.entry(p.clone()).or_default().push(i);
            }
        }
        let places = places_map
            .into_iter()
            .map(|(place, ids)| {
                let pop: f64 = ids.iter().map(|&i| out[i].population).sum::<f64>() + 0.0; // an empty float sum is -0.0
                let shares = (0..total)
                    .map(|k| {
                        let c: f64 = ids
                            .iter()
                            .filter(|&&i| out[i].types[k].covered)
                            .map(|&i| out[i].population)
                            .sum::<f64>()
                            + 0.0; // an empty float sum is -0.0
                        share(c, pop)
                    })
                    .collect();
                let b: f64 = ids
                    .iter()
                    .filter(|&&i| out[i].basket_covered)
                    .map(|&i| out[i].population)
                    .sum::<f64>()
                    + 0.0; // an empty float sum is -0.0
                PlaceSummary {
                    place,
                    population: pop,
                    shares,
                    basket_share: share(b, pop),
                    uncovered_population: pop - b,
                }
            })
            .collect();
        let horizon = per_rule
            .iter()
            .map(|r| self.horizon_m(r.3))
            .fold(0.0, f64::max);
        Ok(CoverageReport {
            method: self.method(),
            method_note: self.method().describe(),
            profile: profile.name.clone(),
            settings: self.settings.clone(),
            search_horizon_m: horizon,
            origins_total: origins.len(),
            population,
            types,
            basket_types: basket_idx
                .iter()
                .map(|&k| profile.rules[k].facility_type.clone())
                .collect(),
            basket_covered_population: basket_cov,
            basket_share: share(basket_cov, population),
            uncovered_population: population - basket_cov,
            off_network_origins: off_n,
            off_network_population: off_p,
            places,
            origins: out,
            notes,
        })
    }

    /// Network method for one rule. Returns (per-origin results, facilities used).
    fn rule_network(
        &self,
        rule: &Rule,
        thr: f64,
        idx: &[usize],
        facilities: &[Facility],
        f_snap: &[Option<Snap>],
        o_snap: &[Option<Snap>],
    ) -> (Vec<TypeResult>, usize) {
        let Some(net) = self.net else {
            return (Vec::new(), 0);
        };
        let seeds: Vec<Seed> = idx
            .iter()
            .filter_map(|&i| {
                f_snap[i].map(|s| Seed {
                    node: s.node,
                    cost: s.snap_m,
                    length_m: s.snap_m,
                    label: i as u32,
                })
            })
            .collect();
        let used = seeds.len();
        let bound = self.horizon_m(thr);
        let m_per_min = self.settings.m_per_min();
        let csr = &net.reverse;
        let near = dijkstra::multi_source(csr, &self.costs, &seeds, bound);
        let kn = (rule.min_count > 1)
            .then(|| dijkstra::k_nearest(csr, &self.costs, &seeds, rule.min_count, thr));
        let res = o_snap
            .iter()
            .map(|s| {
                let empty = TypeResult {
                    facility_type: rule.facility_type.clone(),
                    distance_m: None,
                    minutes: None,
                    facility: None,
                    count_within: 0,
                    covered: false,
                };
                let Some(s) = s else { return empty };
                let v = s.node as usize;
                let c = near.cost[v];
                if !c.is_finite() || near.label[v] == UNREACHED {
                    return empty;
                }
                let cost = c + s.snap_m;
                let count_within = match &kn {
                    Some(kn) => kn
                        .costs_at(v)
                        .iter()
                        .filter(|&&x| x + s.snap_m <= thr)
                        .count(),
                    None => usize::from(cost <= thr),
                };
                TypeResult {
                    distance_m: Some(near.length_at(v) + s.snap_m),
                    minutes: Some(cost / m_per_min),
                    facility: Some(facilities[near.label[v] as usize].id.clone()),
                    count_within,
                    covered: count_within >= rule.min_count,
                    ..empty
                }
            })
            .collect();
        (res, used)
    }

    /// Straight-line fallback for one rule.
    fn rule_straight(
        &self,
        rule: &Rule,
        thr: f64,
        idx: &[usize],
        facilities: &[Facility],
        origins: &[Origin],
    ) -> (Vec<TypeResult>, usize) {
        let f = self.settings.detour_factor;
        let m_per_min = self.settings.m_per_min();
        let bound = self.horizon_m(thr);
        let pts: Vec<GeomWithData<[f64; 3], usize>> = idx
            .iter()
            .filter(|&&i| valid_lon_lat(facilities[i].lon, facilities[i].lat))
            .map(|&i| GeomWithData::new(unit_vector(facilities[i].lon, facilities[i].lat), i))
            .collect();
        let used = pts.len();
        let tree = RTree::bulk_load(pts);
        let res = origins
            .par_iter()
            .map(|o| {
                let mut r = TypeResult {
                    facility_type: rule.facility_type.clone(),
                    distance_m: None,
                    minutes: None,
                    facility: None,
                    count_within: 0,
                    covered: false,
                };
                if !valid_lon_lat(o.lon, o.lat) {
                    return r;
                }
                let q = unit_vector(o.lon, o.lat);
                let mut first = true;
                for g in tree.nearest_neighbor_iter(&q).take(rule.min_count.max(1)) {
                    let fac = &facilities[g.data];
                    let d = haversine_m(o.lon, o.lat, fac.lon, fac.lat) * f;
                    if first {
                        first = false;
                        if d <= bound {
                            r.distance_m = Some(d);
                            r.minutes = Some(d / m_per_min);
                            r.facility = Some(fac.id.clone());
                        }
                    }
                    if d <= thr {
                        r.count_within += 1;
                    }
                }
                r.covered = r.count_within >= rule.min_count;
                r
            })
            .collect();
        (res, used)
    }
}

/// The gap map: a GeoJSON FeatureCollection of origin points not covered by the basket
/// (or every origin with `all = true`), with the missing types and distances as properties.
pub fn gap_geojson(report: &CoverageReport, all: bool) -> serde_json::Value {
    let feats: Vec<serde_json::Value> = report
        .origins
        .iter()
        .filter(|o| all || !o.basket_covered)
        .map(|o| {
            let missing: Vec<&str> = o
                .types
                .iter()
                .filter(|t| !t.covered)
                .map(|t| t.facility_type.as_str())
                .collect();
            let mut props = serde_json::Map::new();
            props.insert("id".into(), o.id.clone().into());
            props.insert("place".into(), o.place.clone().into());
            props.insert("population".into(), o.population.into());
            props.insert("covered".into(), o.basket_covered.into());
            props.insert("missing".into(), missing.into());
            props.insert(
                "off_network".into(),
                (report.method == Method::Network && o.snap.is_none()).into(),
            );
            for t in &o.types {
                props.insert(
                    format!("{}_m", t.facility_type),
                    t.distance_m.map(round1).into(),
                );
                props.insert(
                    format!("{}_min", t.facility_type),
                    t.minutes.map(round1).into(),
                );
            }
            props.insert("method".into(), report.method_note.clone().into());
            serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [o.lon, o.lat]},
                "properties": props,
            })
        })
        .collect();
    serde_json::json!({
        "type": "FeatureCollection",
        "properties": {
            "method": report.method,
            "method_note": report.method_note,
            "profile": report.profile,
            "uncovered_population": report.uncovered_population,
            "attribution": "Map data © OpenStreetMap contributors, ODbL 1.0",
        },
        "features": feats,
    })
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
