//! Siting: greedy maximal covering. Pick the candidate site that covers the most
//! still-uncovered population (within the rule's threshold), repeat k times, and report the
//! people each pick adds. Lazy evaluation (CELF) gives the same picks as the plain greedy,
//! since coverage gains only shrink as picks are made.

use std::collections::BinaryHeap;

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::analysis::{Engine, Method};
use crate::dijkstra::Workspace;
use crate::error::{AccessError, Result};
use crate::geo::{chord2_for_distance_m, haversine_m, unit_vector, valid_lon_lat};
use crate::input::{Facility, Origin};
use crate::profile::{Profile, Rule};

/// A candidate site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub id: String,
    pub lon: f64,
    pub lat: f64,
}

/// One pick.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SitePick {
    pub rank: usize,
    pub id: String,
    pub lon: f64,
    pub lat: f64,
    /// People newly covered by this pick.
    pub added_population: f64,
    pub added_origins: usize,
    pub covered_population_after: f64,
    pub share_after: Option<f64>,
}

/// Result of a siting run.
#[derive(Debug, Clone, Serialize)]
pub struct SiteReport {
    pub method: Method,
    pub method_note: String,
    pub facility_type: String,
    pub threshold_m: f64,
    pub threshold_minutes: f64,
    pub population: f64,
    /// Covered by the existing facilities before any pick.
    pub covered_population_before: f64,
    pub share_before: Option<f64>,
    pub candidates: usize,
    pub candidates_off_network: usize,
    pub picks: Vec<SitePick>,
    pub notes: Vec<String>,
}

impl Engine<'_> {
    /// Greedy maximal covering for `rule` over `candidates`, `k` picks. Existing facilities
    /// count first. A rule with `min_count > 1` is sited as "at least one within the
    /// threshold" (noted in the report).
    pub fn site(
        &self,
        origins: &[Origin],
        facilities: &[Facility],
        rule: &Rule,
        candidates: &[Candidate],
        k: usize,
    ) -> Result<SiteReport> {
        let mut notes = Vec::new();
        let mut rule1 = rule.clone();
        if rule.min_count > 1 {
            notes.push(format!(
                "rule asks for at least {} facilities; siting counts an origin as covered once one facility is within the threshold",
                rule.min_count
            ));
            rule1.min_count = 1;
        }
        let profile = Profile {
            name: format!("site:{}", rule.facility_type),
            description: String::new(),
            rules: vec![rule1],
        };
        let base = self.coverage(origins, facilities, &profile, &|_, _| {})?;
        notes.extend(base.notes.iter().cloned());
        let thr = base.types[0].threshold_m;
        let covered: Vec<bool> = base.origins.iter().map(|o| o.types[0].covered).collect();

        // For each candidate, the uncovered origins it would cover.
        let (reach, off): (Vec<Vec<u32>>, usize) = match self.network() {
            Some(net) => {
                let cand_pts: Vec<(f64, f64)> = candidates.iter().map(|c| (c.lon, c.lat)).collect();
                let c_snap = self.snap_all(&cand_pts);
                let off = c_snap.iter().filter(|s| s.is_none()).count();
                // Origins by node.
                let n = net.node_count();
                let mut by_node: Vec<Vec<u32>> = vec![Vec::new(); n];
                for (i, o) in base.origins.iter().enumerate() {
                    if let (Some(s), false) = (o.snap, covered[i]) {
                        by_node[s.node as usize].push(i as u32);
                    }
                }
                let costs = self.costs();
                let reach = c_snap
                    .par_iter()
                    .map_init(
                        || Workspace::new(n),
                        |ws, s| {
                            let mut v = Vec::new();
                            if let Some(s) = s {
                                ws.run(
                                    &net.reverse,
                                    costs,
                                    &[(s.node, s.snap_m)],
                                    thr,
                                    |node, c| {
                                        for &oi in &by_node[node as usize] {
                                            if let Some(os) = base.origins[oi as usize].snap
                                                && c + os.snap_m <= thr
                                            {
                                                v.push(oi);
                                            }
                                        }
                                    },
                                );
                            }
                            v
                        },
                    )
                    .collect();
                (reach, off)
            }
            None => {
                let f = self.settings.detour_factor;
                let pts: Vec<GeomWithData<[f64; 3], u32>> = base
                    .origins
                    .iter()
                    .enumerate()
                    .filter(|(i, o)| !covered[*i] && valid_lon_lat(o.lon, o.lat))
                    .map(|(i, o)| GeomWithData::new(unit_vector(o.lon, o.lat), i as u32))
                    .collect();
                let tree = RTree::bulk_load(pts);
                let r2 = chord2_for_distance_m(thr / f) * (1.0 + 1e-9);
                let reach = candidates
                    .par_iter()
                    .map(|c| {
                        if !valid_lon_lat(c.lon, c.lat) {
                            return Vec::new();
                        }
                        tree.locate_within_distance(unit_vector(c.lon, c.lat), r2)
                            .filter(|g| {
                                let o = &base.origins[g.data as usize];
                                haversine_m(c.lon, c.lat, o.lon, o.lat) * f <= thr
                            })
                            .map(|g| g.data)
                            .collect()
                    })
                    .collect();
                (
                    reach,
                    candidates
                        .iter()
                        .filter(|c| !valid_lon_lat(c.lon, c.lat))
                        .count(),
                )
            }
        };
        if k == 0 {
            return Err(AccessError::config("k", "must be at least 1"));
        }

        // CELF lazy greedy. Heap of (gain bits, candidate index, round evaluated).
        let pop: Vec<f64> = base.origins.iter().map(|o| o.population).collect();
        let mut is_cov = covered.clone();
        // `+ 0.0`: an empty float sum is -0.0, whose bit pattern would sort above every gain.
        let gain_of = |list: &[u32], is_cov: &[bool]| -> f64 {
            list.iter()
                .filter(|&&i| !is_cov[i as usize])
                .map(|&i| pop[i as usize])
                .sum::<f64>()
                + 0.0
        };
        let mut heap: BinaryHeap<(u64, std::cmp::Reverse<usize>, usize)> = reach
            .iter()
            .enumerate()
            .map(|(ci, l)| (gain_of(l, &is_cov).to_bits(), std::cmp::Reverse(ci), 0usize))
            .collect();
        let mut covered_pop = base.types[0].covered_population;
        let total_pop = base.population;
        let mut picks = Vec::new();
        let mut round = 0usize;
        while picks.len() < k {
            let Some((g, std::cmp::Reverse(ci), r)) = heap.pop() else {
                break;
            };
            if r != round {
                let g2 = gain_of(&reach[ci], &is_cov);
                heap.push((g2.to_bits(), std::cmp::Reverse(ci), round));
                continue;
            }
            let gain = f64::from_bits(g);
            let mut added = 0usize;
            for &oi in &reach[ci] {
                if !is_cov[oi as usize] {
                    is_cov[oi as usize] = true;
                    added += 1;
                }
            }
            if gain <= 0.0 && added == 0 {
                notes.push(format!(
                    "stopped after {} pick(s): no candidate covers anyone still uncovered",
                    picks.len()
                ));
                break;
            }
            covered_pop += gain;
            let c = &candidates[ci];
            picks.push(SitePick {
                rank: picks.len() + 1,
                id: c.id.clone(),
                lon: c.lon,
                lat: c.lat,
                added_population: gain,
                added_origins: added,
                covered_population_after: covered_pop,
                share_after: (total_pop > 0.0).then(|| covered_pop / total_pop),
            });
            round += 1;
        }
        Ok(SiteReport {
            method: base.method.clone(),
            method_note: base.method_note.clone(),
            facility_type: rule.facility_type.clone(),
            threshold_m: thr,
            threshold_minutes: thr / self.settings.m_per_min(),
            population: total_pop,
            covered_population_before: base.types[0].covered_population,
            share_before: base.types[0].share,
            candidates: candidates.len(),
            candidates_off_network: off,
            picks,
            notes,
        })
    }
}

/// Candidates from origins (e.g. every populated grid cell centre).
pub fn candidates_from_origins(origins: &[Origin]) -> Vec<Candidate> {
    origins
        .iter()
        .map(|o| Candidate {
            id: o.id.clone(),
            lon: o.lon,
            lat: o.lat,
        })
        .collect()
}
