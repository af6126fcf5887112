//! The walking network: nodes with coordinates, the raw edge list, and a compressed sparse
//! row (CSR) adjacency for searches.
//!
//! Searches run from facilities *towards* residents, so the search adjacency is the
//! **reverse** of the walking direction: for a walkable step `u → v` the CSR of `v` lists `u`.
//! On foot almost every edge is two-way (one-way streets apply to vehicles); only
//! `oneway:foot=yes` makes an edge one-way, and the reversal then matters.
//! Parallel edges are all kept: the search naturally uses the cheapest.

use crate::error::{AccessError, Result};
use crate::geo::haversine_m;

/// A segment of the walking network between two consecutive OSM nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// Graph index of the first node (walking direction when `oneway`).
    pub from: u32,
    /// Graph index of the second node.
    pub to: u32,
    /// Physical length in metres (haversine between the two nodes).
    pub length_m: f64,
    /// Fixed travel time in seconds (ferries); `None` for walking edges.
    pub fixed_time_s: Option<f64>,
    /// Walkable only from `from` to `to`.
    pub oneway: bool,
}

/// Compressed sparse row adjacency.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    /// `offsets[v]..offsets[v+1]` indexes the arcs of node `v`; length `n + 1`.
    pub offsets: Vec<u32>,
    /// Head node of each arc.
    pub targets: Vec<u32>,
    /// Physical length of each arc in metres.
    pub length_m: Vec<f64>,
    /// Fixed time in seconds for ferry arcs, `NaN` for walking arcs. Empty when the graph
    /// has no ferry.
    pub fixed_time_s: Vec<f64>,
}

impl Csr {
    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Number of arcs.
    pub fn arc_count(&self) -> usize {
        self.targets.len()
    }

    /// Build from arcs `(tail, head, length_m, fixed_time_s)`; each arc is stored at `tail`.
    pub fn from_arcs(n: usize, arcs: &[(u32, u32, f64, Option<f64>)]) -> Result<Csr> {
        if arcs.len() >= u32::MAX as usize || n >= u32::MAX as usize {
            return Err(AccessError::TooLarge {
                message: format!("{n} nodes, {} arcs (limit 2^32-1)", arcs.len()),
            });
        }
        if let Some(a) = arcs.iter().find(|a| a.0 as usize >= n || a.1 as usize >= n) {
            return Err(AccessError::config(
                "network",
                format!(
                    "arc {} → {} refers to a node beyond the {n} nodes",
                    a.0, a.1
                ),
            ));
        }
        let mut deg = vec![0u32; n + 1];
        for &(t, _, _, _) in arcs {
            deg[t as usize + 1] += 1;
        }
        for i in 0..n {
            deg[i + 1] += deg[i];
        }
        let offsets = deg.clone();
        let mut pos = deg;
        let has_fixed = arcs.iter().any(|a| a.3.is_some());
        let m = arcs.len();
        let mut targets = vec![0u32; m];
        let mut length_m = vec![0f64; m];
        let mut fixed = if has_fixed {
            vec![f64::NAN; m]
        } else {
            Vec::new()
        };
        for &(t, h, len, fx) in arcs {
            let p = pos[t as usize] as usize;
            pos[t as usize] += 1;
            targets[p] = h;
            length_m[p] = len;
            if let Some(f) = fx {
                fixed[p] = f;
            }
        }
        Ok(Csr {
            offsets,
            targets,
            length_m,
            fixed_time_s: fixed,
        })
    }

    /// Arc cost in "walking metres" at the given speed: the physical length for walking
    /// arcs, `fixed_time_s × speed` for ferries. Borrowed when the graph has no ferry.
    pub fn costs(&self, speed_m_per_s: f64) -> std::borrow::Cow<'_, [f64]> {
        if self.fixed_time_s.is_empty() {
            std::borrow::Cow::Borrowed(&self.length_m)
        } else {
            std::borrow::Cow::Owned(
                self.length_m
                    .iter()
                    .zip(&self.fixed_time_s)
                    .map(|(&l, &f)| if f.is_nan() { l } else { f * speed_m_per_s })
                    .collect(),
            )
        }
    }
}

/// A walking network ready for searches.
#[derive(Debug, Clone)]
pub struct Network {
    /// Longitude of each node (degrees).
    pub lon: Vec<f64>,
    /// Latitude of each node (degrees).
    pub lat: Vec<f64>,
    /// OSM id of each node (0 for synthetic graphs).
    pub osm_id: Vec<i64>,
    /// The raw edge list, one entry per OSM segment (parallel edges kept).
    pub edges: Vec<Edge>,
    /// Reverse adjacency (arcs point against the walking direction).
    pub reverse: Csr,
    /// Weakly connected component of each node.
    pub component: Vec<u32>,
    /// Id of the largest component.
    pub largest_component: u32,
    /// Number of nodes in the largest component.
    pub largest_component_size: usize,
}

impl Network {
    /// Build a network from nodes and an edge list.
    pub fn from_edges(
        lon: Vec<f64>,
        lat: Vec<f64>,
        osm_id: Vec<i64>,
        edges: Vec<Edge>,
    ) -> Result<Network> {
        let n = lon.len();
        if lat.len() != n || osm_id.len() != n {
            return Err(AccessError::config(
                "network",
                format!(
                    "{n} longitudes, {} latitudes, {} ids",
                    lat.len(),
                    osm_id.len()
                ),
            ));
        }
        if let Some(e) = edges
            .iter()
            .find(|e| e.from as usize >= n || e.to as usize >= n)
        {
            return Err(AccessError::config(
                "network",
                format!(
                    "edge {} → {} refers to a node beyond the {n} nodes",
                    e.from, e.to
                ),
            ));
        }
        if let Some(e) = edges.iter().find(|e| {
            !(e.length_m >= 0.0 && e.length_m.is_finite())
                || e.fixed_time_s.is_some_and(|t| !(t >= 0.0 && t.is_finite()))
        }) {
            return Err(AccessError::config(
                "network",
                format!(
                    "edge {} → {} has a negative or non-finite length or time",
                    e.from, e.to
                ),
            ));
        }
        let mut arcs = Vec::with_capacity(edges.len() * 2);
        for e in &edges {
            // Walking u -> v is stored at v (reverse graph).
            arcs.push((e.to, e.from, e.length_m, e.fixed_time_s));
            if !e.oneway {
                arcs.push((e.from, e.to, e.length_m, e.fixed_time_s));
            }
        }
        let reverse = Csr::from_arcs(n, &arcs)?;
        drop(arcs);
        let (component, largest_component, largest_component_size) = components(n, &edges);
        Ok(Network {
            lon,
            lat,
            osm_id,
            edges,
            reverse,
            component,
            largest_component,
            largest_component_size,
        })
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.lon.len()
    }

    /// True when some edge is a ferry with a fixed time.
    pub fn has_ferries(&self) -> bool {
        !self.reverse.fixed_time_s.is_empty()
    }

    /// A synthetic square grid of about `n` nodes, spacing `spacing_m`, anchored at (lon0, lat0),
    /// with deterministic pseudo-random jitter on lengths (±20 %) so that ties are rare.
    /// Used for scaling benchmarks; generated in memory, never written to the repository.
    pub fn synthetic_grid(n: usize, spacing_m: f64, lon0: f64, lat0: f64) -> Result<Network> {
        let side = (n as f64).sqrt().ceil().max(2.0) as usize;
        let total = side * side;
        let dlat = spacing_m / 111_195.0;
        let dlon = dlat / lat0.to_radians().cos();
        let mut lon = Vec::with_capacity(total);
        let mut lat = Vec::with_capacity(total);
        for r in 0..side {
            for c in 0..side {
                lon.push(lon0 + c as f64 * dlon);
                lat.push(lat0 + r as f64 * dlat);
            }
        }
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut jitter = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            0.8 + 0.4 * ((state >> 11) as f64 / (1u64 << 53) as f64)
        };
        let mut edges = Vec::with_capacity(2 * total);
        for r in 0..side {
            for c in 0..side {
                let v = (r * side + c) as u32;
                if c + 1 < side {
                    edges.push(Edge {
                        from: v,
                        to: v + 1,
                        length_m: spacing_m * jitter(),
                        fixed_time_s: None,
                        oneway: false,
                    });
                }
                if r + 1 < side {
                    edges.push(Edge {
                        from: v,
                        to: v + side as u32,
                        length_m: spacing_m * jitter(),
                        fixed_time_s: None,
                        oneway: false,
                    });
                }
            }
        }
        let ids = vec![0; total];
        Network::from_edges(lon, lat, ids, edges)
    }

    /// Haversine length between two nodes (metres).
    pub fn segment_length(&self, a: u32, b: u32) -> f64 {
        haversine_m(
            self.lon[a as usize],
            self.lat[a as usize],
            self.lon[b as usize],
            self.lat[b as usize],
        )
    }
}

/// Weakly connected components by union-find. Returns (component per node, largest id, its size).
fn components(n: usize, edges: &[Edge]) -> (Vec<u32>, u32, usize) {
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            let g = p[p[x as usize] as usize];
            p[x as usize] = g;
            x = g;
        }
        x
    }
    for e in edges {
        let (a, b) = (find(&mut parent, e.from), find(&mut parent, e.to));
        if a != b {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            parent[hi as usize] = lo;
        }
    }
    let mut comp = vec![0u32; n];
    let mut size = vec![0usize; n];
    for (v, c) in comp.iter_mut().enumerate() {
        let r = find(&mut parent, v as u32);
        *c = r;
        size[r as usize] += 1;
    }
    let (mut best, mut best_size) = (0u32, 0usize);
    for (r, &s) in size.iter().enumerate() {
        if s > best_size {
            best = r as u32;
            best_size = s;
        }
    }
    (comp, best, best_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_csr_respects_oneway_and_parallel_edges() {
        let edges = vec![
            Edge {
                from: 0,
                to: 1,
                length_m: 10.0,
                fixed_time_s: None,
                oneway: true,
            },
            Edge {
                from: 1,
                to: 2,
                length_m: 5.0,
                fixed_time_s: None,
                oneway: false,
            },
            Edge {
                from: 1,
                to: 2,
                length_m: 3.0,
                fixed_time_s: None,
                oneway: false,
            },
        ];
        let net = Network::from_edges(vec![0.0; 4], vec![0.0; 4], vec![0; 4], edges).unwrap();
        // Node 1 is reached walking from 0 and from 2 (twice, parallel) => reverse arcs at 1.
        let r = &net.reverse;
        let at = |v: usize| r.targets[r.offsets[v] as usize..r.offsets[v + 1] as usize].to_vec();
        assert_eq!(at(0), Vec::<u32>::new());
        let mut a1 = at(1);
        a1.sort();
        assert_eq!(a1, vec![0, 2, 2]);
        assert_eq!(at(2), vec![1, 1]);
        assert_eq!(net.largest_component_size, 3);
        assert_ne!(net.component[3], net.largest_component);
    }

    #[test]
    fn grid_has_expected_size() {
        let g = Network::synthetic_grid(100, 50.0, 0.0, 0.0).unwrap();
        assert_eq!(g.node_count(), 100);
        assert_eq!(g.edges.len(), 2 * 10 * 9);
        assert_eq!(g.reverse.arc_count(), 4 * 10 * 9);
        assert!(g.segment_length(0, 1) > 49.0);
    }

    #[test]
    fn bad_edges_are_errors() {
        let e = |from, to, length_m| Edge {
            from,
            to,
            length_m,
            fixed_time_s: None,
            oneway: false,
        };
        assert!(
            Network::from_edges(vec![0.0; 2], vec![0.0; 2], vec![0; 2], vec![e(0, 2, 1.0)])
                .is_err()
        );
        assert!(
            Network::from_edges(
                vec![0.0; 2],
                vec![0.0; 2],
                vec![0; 2],
                vec![e(0, 1, f64::NAN)]
            )
            .is_err()
        );
        assert!(Network::from_edges(vec![0.0; 2], vec![0.0; 1], vec![0; 2], vec![]).is_err());
        assert!(Csr::from_arcs(2, &[(0, 5, 1.0, None)]).is_err());
    }
}
