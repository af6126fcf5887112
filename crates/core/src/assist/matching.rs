//! The exact optimal matching of needs to resources (methods §9, issue 16 point 3).
//!
//! A need `i` (type, location) may be served by a resource `j` of the same type whose
//! great-circle distance `d_ij` (haversine, mean Earth radius 6,371,008.8 m) is at most `j`'s
//! radius, while `j` has capacity left. Among all such assignments the optimum serves
//! (1) the most needs and, among those, (2) has the least total distance Σ d_ij.
//!
//! How it is found, exactly:
//!
//! 1. **Candidate edges** per type through a grid over the needs: each resource looks only at
//!    the cells its radius' bounding box touches (a box that is right on the sphere, across
//!    the antimeridian and near the poles), then keeps the needs within its radius. Distances
//!    are whole millimetres (`i64`), so every sum and comparison is exact; a need is within
//!    reach when its distance in millimetres is at most the radius in millimetres.
//! 2. **Independent parts**: needs and resources linked by candidate edges form connected
//!    components, solved separately (and in parallel).
//! 3. Per component, when every need's nearest resource has room for all the needs that
//!    chose it, that assignment is optimal (every need met, each at its least distance).
//!    Otherwise a **network simplex** (the block-search primal simplex of LEMON, on a spanning
//!    tree kept as a thread list) solves the min-cost flow
//!    `need —(d_ij)→ resource —(cap c_j, 0)→ Z` with, for each need, `need —(M)→ Z` ("left
//!    unmet") where `M = (min(needs, resources) + 1) · max d + 1` is larger than any
//!    alternating path's distance, so that meeting one more need always pays: the min-cost
//!    flow has the most needs met and, among those, the least distance.
//!
//! Every need left unmet gets its reason: no resource of its type; none of its type within
//! reach; or every resource that reaches it is full at the optimum (which an optimum
//! guarantees: otherwise it could be met).
//!
//! [`match_greedy`] is the nearest-first peer the tests and the benchmark compare with.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;

/// The mean Earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A need: who needs a service of a type, where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Need {
    pub id: String,
    /// The service type (助餐, 助浴, …): a need goes only to a resource of the same type.
    pub kind: String,
    /// Longitude, degrees (WGS 84).
    pub lon: f64,
    /// Latitude, degrees.
    pub lat: f64,
}

/// A resource: a provider of a service type, how many needs it can take, where, how far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    pub id: String,
    pub kind: String,
    /// How many needs it can take (per period).
    pub capacity: u32,
    pub lon: f64,
    pub lat: f64,
    /// The service radius, metres (great-circle).
    pub radius_m: f64,
}

/// The great-circle distance in metres (haversine, mean Earth radius).
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.clamp(0.0, 1.0).sqrt().asin()
}

/// The great-circle distance in whole millimetres (rounded), the unit every comparison and
/// sum of the matching is made in.
pub fn distance_mm(need: &Need, res: &Resource) -> i64 {
    (haversine_m(need.lon, need.lat, res.lon, res.lat) * 1000.0).round() as i64
}

/// A radius in whole millimetres (rounded; a radius beyond half the globe reaches everything).
pub fn radius_mm(radius_m: f64) -> i64 {
    (radius_m.clamp(0.0, 1.0e8) * 1000.0).round() as i64
}

/// Millimetres as metres with three decimals, exact (`1234567` → `1234.567`).
pub fn mm_text(mm: i64) -> String {
    let sign = if mm < 0 { "-" } else { "" };
    let a = mm.unsigned_abs();
    format!("{sign}{}.{:03}", a / 1000, a % 1000)
}

/// A fault of the input; the ordinal (`第 n 条`, 1-based) names the need or resource.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MatchInputError {
    #[error("第 {index} 条需求的编号为空")]
    EmptyNeedId { index: usize },
    #[error("第 {index} 条资源的编号为空")]
    EmptyResourceId { index: usize },
    #[error("需求编号“{id}”重复(第 {first} 条与第 {second} 条)")]
    DuplicateNeed {
        id: String,
        first: usize,
        second: usize,
    },
    #[error("资源编号“{id}”重复(第 {first} 条与第 {second} 条)")]
    DuplicateResource {
        id: String,
        first: usize,
        second: usize,
    },
    #[error("需求“{id}”的{field} {value} 超出范围(经度 -180 至 180,纬度 -90 至 90)")]
    NeedCoordinate {
        id: String,
        field: &'static str,
        value: f64,
    },
    #[error("资源“{id}”的{field} {value} 超出范围(经度 -180 至 180,纬度 -90 至 90)")]
    ResourceCoordinate {
        id: String,
        field: &'static str,
        value: f64,
    },
    #[error("资源“{id}”的服务半径 {value} 米无效(应为不小于 0 的数)")]
    Radius { id: String, value: f64 },
}

/// One need met: indices into the input slices and the distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub need: usize,
    pub resource: usize,
    pub distance_mm: i64,
}

/// Why a need is left unmet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Unmet {
    /// No resource of its type at all.
    NoResourceOfType,
    /// Resources of its type exist, none within its radius of the need.
    NoneWithinRadius,
    /// `reachable` resources reach it, and every one of them is full at the optimum.
    AllReachableFull { reachable: usize },
}

impl Unmet {
    /// The machine code (`no_resource_of_type`, `none_within_radius`, `all_reachable_full`).
    pub fn code(&self) -> &'static str {
        match self {
            Unmet::NoResourceOfType => "no_resource_of_type",
            Unmet::NoneWithinRadius => "none_within_radius",
            Unmet::AllReachableFull { .. } => "all_reachable_full",
        }
    }

    /// The reason in Chinese.
    pub fn text_zh(&self) -> String {
        match self {
            Unmet::NoResourceOfType => "没有该类型的资源".into(),
            Unmet::NoneWithinRadius => "该类型的资源都不在服务半径内".into(),
            Unmet::AllReachableFull { reachable } => {
                format!("服务半径内的 {reachable} 个资源在最优方案中均已满额")
            }
        }
    }

    /// The reason in English.
    pub fn text_en(&self) -> String {
        match self {
            Unmet::NoResourceOfType => "no resource of its type".into(),
            Unmet::NoneWithinRadius => "no resource of its type within radius".into(),
            Unmet::AllReachableFull { reachable } => {
                format!("all {reachable} resources within reach are full at the optimum")
            }
        }
    }
}

/// How the answer was found (for the benchmark and the curious).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MatchStats {
    /// Need–resource pairs within reach (resources with capacity only).
    pub candidate_edges: usize,
    /// Independent components with at least one candidate edge.
    pub components: usize,
    /// Components whose nearest-resource assignment fitted (optimal at once).
    pub solved_by_nearest: usize,
    /// Components solved by the network simplex.
    pub solved_by_simplex: usize,
    /// The needs of the largest component.
    pub largest_component_needs: usize,
    /// Simplex pivots, summed.
    pub pivots: u64,
}

/// The answer: pairs ordered by need, unmet needs with their reasons ordered by need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matching {
    pub pairs: Vec<Pair>,
    pub unmatched: Vec<(usize, Unmet)>,
    pub total_distance_mm: i64,
    pub stats: MatchStats,
}

impl Matching {
    pub fn matched(&self) -> usize {
        self.pairs.len()
    }
}

/// How to solve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchOptions {
    /// Threads for independent components (the caller decides; 1 = this thread only).
    pub threads: usize,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions { threads: 1 }
    }
}

/// Checks the input: every fault at once (empty or duplicate ids, coordinates out of range
/// or not numbers, a negative or non-finite radius).
pub fn check_input(needs: &[Need], resources: &[Resource]) -> Vec<MatchInputError> {
    let mut errors = Vec::new();
    let bad_lon = |v: f64| !(v.is_finite() && (-180.0..=180.0).contains(&v));
    let bad_lat = |v: f64| !(v.is_finite() && (-90.0..=90.0).contains(&v));
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, n) in needs.iter().enumerate() {
        if n.id.trim().is_empty() {
            errors.push(MatchInputError::EmptyNeedId { index: i + 1 });
        } else if let Some(first) = seen.insert(&n.id, i + 1) {
            errors.push(MatchInputError::DuplicateNeed {
                id: n.id.clone(),
                first,
                second: i + 1,
            });
            seen.insert(&n.id, first);
        }
        for (field, v, bad) in [
            ("经度", n.lon, bad_lon(n.lon)),
            ("纬度", n.lat, bad_lat(n.lat)),
        ] {
            if bad {
                errors.push(MatchInputError::NeedCoordinate {
                    id: n.id.clone(),
                    field,
                    value: v,
                });
            }
        }
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (j, r) in resources.iter().enumerate() {
        if r.id.trim().is_empty() {
            errors.push(MatchInputError::EmptyResourceId { index: j + 1 });
        } else if let Some(first) = seen.insert(&r.id, j + 1) {
            errors.push(MatchInputError::DuplicateResource {
                id: r.id.clone(),
                first,
                second: j + 1,
            });
            seen.insert(&r.id, first);
        }
        for (field, v, bad) in [
            ("经度", r.lon, bad_lon(r.lon)),
            ("纬度", r.lat, bad_lat(r.lat)),
        ] {
            if bad {
                errors.push(MatchInputError::ResourceCoordinate {
                    id: r.id.clone(),
                    field,
                    value: v,
                });
            }
        }
        if !(r.radius_m.is_finite() && r.radius_m >= 0.0) {
            errors.push(MatchInputError::Radius {
                id: r.id.clone(),
                value: r.radius_m,
            });
        }
    }
    errors
}

/// A candidate edge: need and resource (input indices) within reach, distance in mm.
#[derive(Debug, Clone, Copy)]
struct Edge {
    need: u32,
    res: u32,
    d: i64,
}

/// The candidate edges and what each need could reach.
struct Candidates {
    /// Within reach, to resources with capacity.
    edges: Vec<Edge>,
    /// Per need: the resources of its type within reach (any capacity).
    reach: Vec<u32>,
    /// Per need: whether any resource has its type.
    typed: Vec<bool>,
}

/// The longitude intervals (degrees, within [-180, 180]) of a box `lon0 ± dlon`; `None`
/// when it covers every longitude.
fn lon_intervals(lon0: f64, dlon: f64) -> Option<Vec<(f64, f64)>> {
    if dlon >= 180.0 {
        return None;
    }
    let (a, b) = (lon0 - dlon, lon0 + dlon);
    Some(if a < -180.0 {
        vec![(a + 360.0, 180.0), (-180.0, b)]
    } else if b > 180.0 {
        vec![(a, 180.0), (-180.0, b - 360.0)]
    } else {
        vec![(a, b)]
    })
}

/// The needs of one type in cells of `cell` degrees.
struct Grid {
    /// Need indices sorted by cell.
    order: Vec<u32>,
    cells: HashMap<(i64, i64), (usize, usize)>,
}

impl Grid {
    fn key(cell: f64, lon: f64, lat: f64) -> (i64, i64) {
        (
            ((lon + 180.0) / cell).floor() as i64,
            ((lat + 90.0) / cell).floor() as i64,
        )
    }

    fn new(needs: &[Need], members: &[u32], cell: f64) -> Grid {
        let mut keyed: Vec<((i64, i64), u32)> = members
            .iter()
            .map(|&i| {
                let n = &needs[i as usize];
                (Grid::key(cell, n.lon, n.lat), i)
            })
            .collect();
        keyed.sort_unstable();
        let mut cells = HashMap::new();
        let mut start = 0;
        for k in 1..=keyed.len() {
            if k == keyed.len() || keyed[k].0 != keyed[start].0 {
                cells.insert(keyed[start].0, (start, k));
                start = k;
            }
        }
        Grid {
            order: keyed.into_iter().map(|(_, i)| i).collect(),
            cells,
        }
    }
}

/// Finds every need–resource pair within reach.
fn candidates(
    needs: &[Need],
    resources: &[Resource],
    allow: &dyn Fn(usize, usize) -> bool,
) -> Candidates {
    let mut by_kind: HashMap<&str, (Vec<u32>, Vec<u32>)> = HashMap::new();
    for (i, n) in needs.iter().enumerate() {
        by_kind.entry(&n.kind).or_default().0.push(i as u32);
    }
    for (j, r) in resources.iter().enumerate() {
        by_kind.entry(&r.kind).or_default().1.push(j as u32);
    }
    let mut kinds: Vec<_> = by_kind.into_iter().collect();
    kinds.sort_by(|a, b| a.0.cmp(b.0));
    let mut edges = Vec::new();
    let mut reach = vec![0u32; needs.len()];
    let mut typed = vec![false; needs.len()];
    for (_, (members, res)) in kinds {
        if members.is_empty() || res.is_empty() {
            continue;
        }
        for &i in &members {
            typed[i as usize] = true;
        }
        // Cells about the median radius: a resource then looks at a handful of cells.
        let mut radii: Vec<f64> = res
            .iter()
            .map(|&j| resources[j as usize].radius_m)
            .collect();
        radii.sort_by(f64::total_cmp);
        let median_deg = (radii[radii.len() / 2] / EARTH_RADIUS_M).to_degrees();
        let cell = median_deg.clamp(1.0e-4, 10.0);
        let grid = Grid::new(needs, &members, cell);
        let mut found: Vec<u32> = Vec::new();
        for &j in &res {
            let r = &resources[j as usize];
            let rmm = radius_mm(r.radius_m);
            // The box of the radius (plus a millimetre for rounding), right on the sphere.
            let delta = ((rmm as f64 / 1000.0 + 0.001) / EARTH_RADIUS_M) * (1.0 + 1e-9);
            let dlat = delta.to_degrees();
            let (lat_lo, lat_hi) = (r.lat - dlat, r.lat + dlat);
            let dlon = if lat_lo <= -90.0 || lat_hi >= 90.0 {
                f64::INFINITY
            } else {
                let s = delta.sin() / r.lat.to_radians().cos();
                if s >= 1.0 {
                    f64::INFINITY
                } else {
                    s.asin().to_degrees() * (1.0 + 1e-9) + 1e-9
                }
            };
            found.clear();
            let intervals = lon_intervals(r.lon, dlon);
            let y0 = Grid::key(cell, 0.0, lat_lo.max(-90.0)).1;
            let y1 = Grid::key(cell, 0.0, lat_hi.min(90.0)).1;
            let mut cells_to_visit: u128 = 0;
            if let Some(iv) = &intervals {
                for &(a, b) in iv {
                    let x0 = Grid::key(cell, a, 0.0).0;
                    let x1 = Grid::key(cell, b, 0.0).0;
                    cells_to_visit += ((x1 - x0 + 1) as u128) * ((y1 - y0 + 1) as u128);
                }
            }
            match intervals {
                Some(iv) if cells_to_visit <= members.len() as u128 => {
                    for (a, b) in iv {
                        let x0 = Grid::key(cell, a, 0.0).0;
                        let x1 = Grid::key(cell, b, 0.0).0;
                        for y in y0..=y1 {
                            for x in x0..=x1 {
                                if let Some(&(s, e)) = grid.cells.get(&(x, y)) {
                                    found.extend_from_slice(&grid.order[s..e]);
                                }
                            }
                        }
                    }
                }
                _ => found.extend_from_slice(&members),
            }
            // Two longitude intervals never overlap, so no need is found twice.
            for &i in &found {
                let d = distance_mm(&needs[i as usize], r);
                if d <= rmm && allow(i as usize, j as usize) {
                    reach[i as usize] += 1;
                    if r.capacity > 0 {
                        edges.push(Edge { need: i, res: j, d });
                    }
                }
            }
        }
    }
    Candidates {
        edges,
        reach,
        typed,
    }
}

/// The reason a need without a pair is unmet.
fn reason(c: &Candidates, i: usize) -> Unmet {
    if !c.typed[i] {
        Unmet::NoResourceOfType
    } else if c.reach[i] == 0 {
        Unmet::NoneWithinRadius
    } else {
        Unmet::AllReachableFull {
            reachable: c.reach[i] as usize,
        }
    }
}

fn assemble(needs: usize, c: &Candidates, mut pairs: Vec<Pair>, stats: MatchStats) -> Matching {
    pairs.sort_unstable_by_key(|p| p.need);
    let mut met = vec![false; needs];
    for p in &pairs {
        met[p.need] = true;
    }
    let unmatched = (0..needs)
        .filter(|&i| !met[i])
        .map(|i| (i, reason(c, i)))
        .collect();
    let total_distance_mm = pairs.iter().map(|p| p.distance_mm).sum();
    Matching {
        pairs,
        unmatched,
        total_distance_mm,
        stats,
    }
}

/// One independent part: local needs `0..needs.len()`, local resources, edges in local
/// indices.
struct Component {
    needs: Vec<u32>,
    resources: Vec<u32>,
    /// (local need, local resource, distance mm)
    edges: Vec<(u32, u32, i64)>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[x as usize];
        parent[x as usize] = parent[p as usize];
        x = p;
    }
    x
}

fn components(needs: usize, resources: usize, edges: &[Edge]) -> Vec<Component> {
    let mut parent: Vec<u32> = (0..(needs + resources) as u32).collect();
    for e in edges {
        let a = find(&mut parent, e.need);
        let b = find(&mut parent, needs as u32 + e.res);
        if a != b {
            parent[a as usize] = b;
        }
    }
    let mut comp_of: Vec<u32> = vec![u32::MAX; needs + resources];
    let mut local: Vec<u32> = vec![u32::MAX; needs + resources];
    let mut comps: Vec<Component> = Vec::new();
    for e in edges {
        let root = find(&mut parent, e.need) as usize;
        if comp_of[root] == u32::MAX {
            comp_of[root] = comps.len() as u32;
            comps.push(Component {
                needs: Vec::new(),
                resources: Vec::new(),
                edges: Vec::new(),
            });
        }
        let comp = &mut comps[comp_of[root] as usize];
        let nx = e.need as usize;
        if local[nx] == u32::MAX {
            local[nx] = comp.needs.len() as u32;
            comp.needs.push(e.need);
        }
        let rx = needs + e.res as usize;
        if local[rx] == u32::MAX {
            local[rx] = comp.resources.len() as u32;
            comp.resources.push(e.res);
        }
        comp.edges.push((local[nx], local[rx], e.d));
    }
    comps
}

/// The solution of one component: (local need, local resource, distance) per pair.
struct Solved {
    pairs: Vec<(u32, u32, i64)>,
    simplex: bool,
    pivots: u64,
}

fn solve_component(comp: &Component, capacity: &[u32]) -> Solved {
    let k = comp.needs.len();
    let r = comp.resources.len();
    // Each need's nearest resource (ties: the lower local index).
    let mut best: Vec<(i64, u32)> = vec![(i64::MAX, u32::MAX); k];
    for &(n, j, d) in &comp.edges {
        let b = &mut best[n as usize];
        if (d, j) < *b {
            *b = (d, j);
        }
    }
    let mut load = vec![0u64; r];
    for b in &best {
        load[b.1 as usize] += 1;
    }
    let fits = (0..r).all(|j| load[j] <= capacity[comp.resources[j] as usize] as u64);
    if fits {
        return Solved {
            pairs: best
                .iter()
                .enumerate()
                .map(|(n, &(d, j))| (n as u32, j, d))
                .collect(),
            simplex: false,
            pivots: 0,
        };
    }
    let caps: Vec<i64> = comp
        .resources
        .iter()
        .map(|&j| capacity[j as usize] as i64)
        .collect();
    let mut ns = Simplex::new(k, &caps, &comp.edges);
    ns.run();
    let pairs = ns.pairs(&comp.edges);
    Solved {
        pairs,
        simplex: true,
        pivots: ns.pivots,
    }
}

/// The exact optimum: the most needs met, then the least total distance (module docs).
pub fn match_optimal(
    needs: &[Need],
    resources: &[Resource],
    options: &MatchOptions,
) -> Result<Matching, Vec<MatchInputError>> {
    match_optimal_where(needs, resources, options, &|_, _| true)
}

/// The same exact optimum over the pairs `allow(need, resource)` (input indices) admits
/// besides type and radius — the register's eligibility (categories served) and the
/// providers that refused a need. A pair not admitted counts as out of reach.
pub fn match_optimal_where(
    needs: &[Need],
    resources: &[Resource],
    options: &MatchOptions,
    allow: &dyn Fn(usize, usize) -> bool,
) -> Result<Matching, Vec<MatchInputError>> {
    let errors = check_input(needs, resources);
    if !errors.is_empty() {
        return Err(errors);
    }
    let cand = candidates(needs, resources, allow);
    let comps = components(needs.len(), resources.len(), &cand.edges);
    let capacity: Vec<u32> = resources.iter().map(|r| r.capacity).collect();
    let mut order: Vec<usize> = (0..comps.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse(comps[c].edges.len()));
    let threads = options.threads.clamp(1, 64).min(comps.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut out = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(&c) = order.get(at) else { break };
            out.push((c, solve_component(&comps[c], &capacity)));
        }
        out
    };
    let mut solved: Vec<(usize, Solved)> = if threads <= 1 {
        work()
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads).map(|_| s.spawn(work)).collect();
            let mut all = Vec::new();
            for h in handles {
                // A worker cannot panic on any input (no indexing outside its component);
                // should one, its components are solved again here.
                if let Ok(part) = h.join() {
                    all.extend(part);
                }
            }
            all
        })
    };
    if solved.len() < comps.len() {
        let done: std::collections::HashSet<usize> = solved.iter().map(|s| s.0).collect();
        for (c, comp) in comps.iter().enumerate() {
            if !done.contains(&c) {
                solved.push((c, solve_component(comp, &capacity)));
            }
        }
    }
    let mut stats = MatchStats {
        candidate_edges: cand.edges.len(),
        components: comps.len(),
        largest_component_needs: comps.iter().map(|c| c.needs.len()).max().unwrap_or(0),
        ..MatchStats::default()
    };
    let mut pairs = Vec::new();
    for (c, s) in solved {
        if s.simplex {
            stats.solved_by_simplex += 1;
        } else {
            stats.solved_by_nearest += 1;
        }
        stats.pivots += s.pivots;
        let comp = &comps[c];
        pairs.extend(s.pairs.into_iter().map(|(n, j, d)| Pair {
            need: comp.needs[n as usize] as usize,
            resource: comp.resources[j as usize] as usize,
            distance_mm: d,
        }));
    }
    Ok(assemble(needs.len(), &cand, pairs, stats))
}

/// The peer: nearest first over all candidate pairs (ties by need, then resource), each
/// need to the nearest resource that still has room when its turn comes. Not optimal.
pub fn match_greedy(
    needs: &[Need],
    resources: &[Resource],
) -> Result<Matching, Vec<MatchInputError>> {
    let errors = check_input(needs, resources);
    if !errors.is_empty() {
        return Err(errors);
    }
    let cand = candidates(needs, resources, &|_, _| true);
    let mut edges = cand.edges.clone();
    edges.sort_unstable_by_key(|e| (e.d, e.need, e.res));
    let mut left: Vec<u32> = resources.iter().map(|r| r.capacity).collect();
    let mut met = vec![false; needs.len()];
    let mut pairs = Vec::new();
    for e in edges {
        if !met[e.need as usize] && left[e.res as usize] > 0 {
            met[e.need as usize] = true;
            left[e.res as usize] -= 1;
            pairs.push(Pair {
                need: e.need as usize,
                resource: e.res as usize,
                distance_mm: e.d,
            });
        }
    }
    let stats = MatchStats {
        candidate_edges: cand.edges.len(),
        ..MatchStats::default()
    };
    Ok(assemble(needs.len(), &cand, pairs, stats))
}

// ---------------------------------------------------------------------------------------
// The network simplex (after LEMON's `NetworkSimplex`, block search pivot rule).

const NONE: usize = usize::MAX;
const INF: i64 = i64::MAX;
const STATE_UPPER: i8 = -1;
const STATE_TREE: i8 = 0;
const STATE_LOWER: i8 = 1;
const DIR_UP: i8 = 1;
const DIR_DOWN: i8 = -1;

/// Nodes: needs `0..k`, resources `k..k+r`, the sink `Z = k+r` (the tree's root). Arcs:
/// the candidate edges `0..m` (need → resource, uncapacitated: a need has one unit), then
/// `need → Z` (cost M, uncapacitated), then `resource → Z` (capacity, cost 0).
struct Simplex {
    #[cfg_attr(not(test), allow(dead_code))]
    k: usize,
    m: usize,
    source: Vec<u32>,
    target: Vec<u32>,
    cost: Vec<i64>,
    cap: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,
    parent: Vec<usize>,
    pred: Vec<usize>,
    thread: Vec<usize>,
    rev_thread: Vec<usize>,
    succ_num: Vec<usize>,
    last_succ: Vec<usize>,
    pred_dir: Vec<i8>,
    pi: Vec<i64>,
    dirty_revs: Vec<usize>,
    #[cfg_attr(not(test), allow(dead_code))]
    root: usize,
    in_arc: usize,
    join: usize,
    u_in: usize,
    v_in: usize,
    u_out: usize,
    delta: i64,
    block_size: usize,
    next_arc: usize,
    pivots: u64,
}

impl Simplex {
    fn new(k: usize, caps: &[i64], edges: &[(u32, u32, i64)]) -> Simplex {
        let r = caps.len();
        let m = edges.len();
        let nodes = k + r + 1;
        let root = k + r;
        let arcs = m + k + r;
        let maxd = edges.iter().map(|e| e.2).max().unwrap_or(0).max(0);
        // Larger than the distance of any alternating path (at most min(k, r) forward
        // arcs): leaving a need unmet never pays while it could be met.
        let big = (k.min(r) as i64 + 1)
            .saturating_mul(maxd)
            .saturating_add(1)
            .min(i64::MAX / 8);
        let mut s = Simplex {
            k,
            m,
            source: Vec::with_capacity(arcs),
            target: Vec::with_capacity(arcs),
            cost: Vec::with_capacity(arcs),
            cap: Vec::with_capacity(arcs),
            flow: vec![0; arcs],
            state: vec![STATE_LOWER; arcs],
            parent: vec![root; nodes],
            pred: vec![NONE; nodes],
            thread: vec![0; nodes],
            rev_thread: vec![0; nodes],
            succ_num: vec![1; nodes],
            last_succ: (0..nodes).collect(),
            pred_dir: vec![DIR_UP; nodes],
            pi: vec![0; nodes],
            dirty_revs: Vec::new(),
            root,
            in_arc: 0,
            join: 0,
            u_in: 0,
            v_in: 0,
            u_out: 0,
            delta: 0,
            block_size: ((arcs as f64).sqrt().ceil() as usize).max(10),
            next_arc: 0,
            pivots: 0,
        };
        for &(n, j, d) in edges {
            s.source.push(n);
            s.target.push(k as u32 + j);
            s.cost.push(d);
            s.cap.push(INF);
        }
        for u in 0..k {
            s.source.push(u as u32);
            s.target.push(root as u32);
            s.cost.push(big);
            s.cap.push(INF);
        }
        for (j, &c) in caps.iter().enumerate() {
            s.source.push((k + j) as u32);
            s.target.push(root as u32);
            s.cost.push(0);
            s.cap.push(c);
        }
        // The first tree: every node hangs from Z by its own arc; every need unmet.
        for u in 0..root {
            let e = if u < k { m + u } else { m + k + (u - k) };
            s.pred[u] = e;
            s.state[e] = STATE_TREE;
            s.thread[u] = u + 1;
            s.rev_thread[u + 1] = u;
            if u < k {
                s.flow[e] = 1;
                s.pi[u] = -big;
            }
        }
        s.parent[root] = NONE;
        s.pred[root] = NONE;
        s.thread[root] = 0;
        s.rev_thread[0] = root;
        s.succ_num[root] = nodes;
        s.last_succ[root] = root - 1;
        s
    }

    fn reduced(&self, e: usize) -> i64 {
        self.state[e] as i64
            * (self.cost[e] + self.pi[self.source[e] as usize] - self.pi[self.target[e] as usize])
    }

    fn find_entering_arc(&mut self) -> bool {
        let arcs = self.cost.len();
        let mut min = 0i64;
        let mut cnt = self.block_size;
        let mut e = self.next_arc;
        for _ in 0..arcs {
            let c = self.reduced(e);
            if c < min {
                min = c;
                self.in_arc = e;
            }
            e += 1;
            if e == arcs {
                e = 0;
            }
            cnt -= 1;
            if cnt == 0 {
                if min < 0 {
                    self.next_arc = e;
                    return true;
                }
                cnt = self.block_size;
            }
        }
        if min < 0 {
            self.next_arc = e;
            return true;
        }
        false
    }

    fn find_join_node(&mut self) {
        let mut u = self.source[self.in_arc] as usize;
        let mut v = self.target[self.in_arc] as usize;
        while u != v {
            if self.succ_num[u] < self.succ_num[v] {
                u = self.parent[u];
            } else {
                v = self.parent[v];
            }
        }
        self.join = u;
    }

    fn find_leaving_arc(&mut self) -> bool {
        let (first, second) = if self.state[self.in_arc] == STATE_LOWER {
            (
                self.source[self.in_arc] as usize,
                self.target[self.in_arc] as usize,
            )
        } else {
            (
                self.target[self.in_arc] as usize,
                self.source[self.in_arc] as usize,
            )
        };
        self.delta = self.cap[self.in_arc];
        let mut result = 0;
        let mut u = first;
        while u != self.join {
            let e = self.pred[u];
            let mut d = self.flow[e];
            if self.pred_dir[u] == DIR_DOWN {
                let c = self.cap[e];
                d = if c == INF { INF } else { c - d };
            }
            if d < self.delta {
                self.delta = d;
                self.u_out = u;
                result = 1;
            }
            u = self.parent[u];
        }
        let mut u = second;
        while u != self.join {
            let e = self.pred[u];
            let mut d = self.flow[e];
            if self.pred_dir[u] == DIR_UP {
                let c = self.cap[e];
                d = if c == INF { INF } else { c - d };
            }
            if d <= self.delta {
                self.delta = d;
                self.u_out = u;
                result = 2;
            }
            u = self.parent[u];
        }
        if result == 1 {
            self.u_in = first;
            self.v_in = second;
        } else {
            self.u_in = second;
            self.v_in = first;
        }
        result != 0
    }

    fn change_flow(&mut self, change: bool) {
        if self.delta > 0 {
            let val = self.state[self.in_arc] as i64 * self.delta;
            self.flow[self.in_arc] += val;
            let mut u = self.source[self.in_arc] as usize;
            while u != self.join {
                let e = self.pred[u];
                self.flow[e] -= self.pred_dir[u] as i64 * val;
                u = self.parent[u];
            }
            let mut u = self.target[self.in_arc] as usize;
            while u != self.join {
                let e = self.pred[u];
                self.flow[e] += self.pred_dir[u] as i64 * val;
                u = self.parent[u];
            }
        }
        if change {
            self.state[self.in_arc] = STATE_TREE;
            let out = self.pred[self.u_out];
            self.state[out] = if self.flow[out] == 0 {
                STATE_LOWER
            } else {
                STATE_UPPER
            };
        } else {
            self.state[self.in_arc] = -self.state[self.in_arc];
        }
    }

    fn update_tree_structure(&mut self) {
        let (u_in, v_in, u_out, join) = (self.u_in, self.v_in, self.u_out, self.join);
        let in_arc = self.in_arc;
        let old_rev_thread = self.rev_thread[u_out];
        let old_succ_num = self.succ_num[u_out];
        let old_last_succ = self.last_succ[u_out];
        let v_out = self.parent[u_out];

        if u_in == u_out {
            self.parent[u_in] = v_in;
            self.pred[u_in] = in_arc;
            self.pred_dir[u_in] = if u_in == self.source[in_arc] as usize {
                DIR_UP
            } else {
                DIR_DOWN
            };
            if self.thread[v_in] != u_out {
                let mut after = self.thread[old_last_succ];
                self.thread[old_rev_thread] = after;
                self.rev_thread[after] = old_rev_thread;
                after = self.thread[v_in];
                self.thread[v_in] = u_out;
                self.rev_thread[u_out] = v_in;
                self.thread[old_last_succ] = after;
                self.rev_thread[after] = old_last_succ;
            }
        } else {
            let thread_continue = if old_rev_thread == v_in {
                self.thread[old_last_succ]
            } else {
                self.thread[v_in]
            };
            let mut stem = u_in;
            let mut par_stem = v_in;
            let mut last = self.last_succ[u_in];
            let mut after = self.thread[last];
            self.thread[v_in] = u_in;
            self.dirty_revs.clear();
            self.dirty_revs.push(v_in);
            while stem != u_out {
                let next_stem = self.parent[stem];
                self.thread[last] = next_stem;
                self.dirty_revs.push(last);
                let before = self.rev_thread[stem];
                self.thread[before] = after;
                self.rev_thread[after] = before;
                self.parent[stem] = par_stem;
                par_stem = stem;
                stem = next_stem;
                last = if self.last_succ[stem] == self.last_succ[par_stem] {
                    self.rev_thread[par_stem]
                } else {
                    self.last_succ[stem]
                };
                after = self.thread[last];
            }
            self.parent[u_out] = par_stem;
            self.thread[last] = thread_continue;
            self.rev_thread[thread_continue] = last;
            self.last_succ[u_out] = last;
            if old_rev_thread != v_in {
                self.thread[old_rev_thread] = after;
                self.rev_thread[after] = old_rev_thread;
            }
            for i in 0..self.dirty_revs.len() {
                let u = self.dirty_revs[i];
                let t = self.thread[u];
                self.rev_thread[t] = u;
            }
            let mut tmp_sc = 0usize;
            let tmp_ls = self.last_succ[u_out];
            let mut u = u_out;
            while u != u_in {
                let p = self.parent[u];
                self.pred[u] = self.pred[p];
                self.pred_dir[u] = -self.pred_dir[p];
                // p was u's descendant before the stem turned: the difference is never
                // negative, kept wrapping so that no order of terms can overflow.
                tmp_sc = tmp_sc
                    .wrapping_add(self.succ_num[u])
                    .wrapping_sub(self.succ_num[p]);
                self.succ_num[u] = tmp_sc;
                self.last_succ[p] = tmp_ls;
                u = p;
            }
            self.pred[u_in] = in_arc;
            self.pred_dir[u_in] = if u_in == self.source[in_arc] as usize {
                DIR_UP
            } else {
                DIR_DOWN
            };
            self.succ_num[u_in] = old_succ_num;
        }

        let up_limit_out = if self.last_succ[join] == v_in {
            join
        } else {
            NONE
        };
        let last_succ_out = self.last_succ[u_out];
        let mut u = v_in;
        while u != NONE && self.last_succ[u] == v_in {
            self.last_succ[u] = last_succ_out;
            u = self.parent[u];
        }
        if join != old_rev_thread && v_in != old_rev_thread {
            let mut u = v_out;
            while u != up_limit_out && u != NONE && self.last_succ[u] == old_last_succ {
                self.last_succ[u] = old_rev_thread;
                u = self.parent[u];
            }
        } else if last_succ_out != old_last_succ {
            let mut u = v_out;
            while u != up_limit_out && u != NONE && self.last_succ[u] == old_last_succ {
                self.last_succ[u] = last_succ_out;
                u = self.parent[u];
            }
        }
        let mut u = v_in;
        while u != join {
            self.succ_num[u] += old_succ_num;
            u = self.parent[u];
        }
        let mut u = v_out;
        while u != join {
            self.succ_num[u] -= old_succ_num;
            u = self.parent[u];
        }
    }

    fn update_potential(&mut self) {
        let u_in = self.u_in;
        let c = self.cost[self.in_arc];
        let sigma =
            self.pi[self.v_in] - self.pi[u_in] - if self.pred_dir[u_in] == DIR_UP { c } else { -c };
        let end = self.thread[self.last_succ[u_in]];
        let mut u = u_in;
        while u != end {
            self.pi[u] += sigma;
            u = self.thread[u];
        }
    }

    fn run(&mut self) {
        while self.find_entering_arc() {
            self.find_join_node();
            let change = self.find_leaving_arc();
            if self.delta == INF {
                // Unbounded: impossible here (every cycle has an arc of finite capacity).
                break;
            }
            self.change_flow(change);
            if change {
                self.update_tree_structure();
                self.update_potential();
            }
            self.pivots += 1;
        }
    }

    /// The needs met: the candidate edges that carry flow.
    fn pairs(&self, edges: &[(u32, u32, i64)]) -> Vec<(u32, u32, i64)> {
        (0..self.m)
            .filter(|&e| self.flow[e] > 0)
            .map(|e| edges[e])
            .collect()
    }

    /// Optimality certificate: flow within bounds and conserved, reduced costs of the right
    /// sign for every arc by its state. Used by the tests.
    #[cfg(test)]
    fn certified(&self) -> bool {
        let nodes = self.pi.len();
        let mut balance = vec![0i64; nodes];
        for e in 0..self.cost.len() {
            let f = self.flow[e];
            if f < 0 || f > self.cap[e] {
                return false;
            }
            balance[self.source[e] as usize] -= f;
            balance[self.target[e] as usize] += f;
            let rc =
                self.cost[e] + self.pi[self.source[e] as usize] - self.pi[self.target[e] as usize];
            let ok = match self.state[e] {
                STATE_TREE => rc == 0,
                STATE_LOWER => f == 0 && rc >= 0,
                _ => f == self.cap[e] && rc <= 0,
            };
            if !ok {
                return false;
            }
        }
        (0..self.k).all(|u| balance[u] == -1)
            && (self.k..self.root).all(|u| balance[u] == 0)
            && balance[self.root] == self.k as i64
    }
}

#[cfg(test)]
mod tests;
