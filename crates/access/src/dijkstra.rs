//! Exact shortest paths: multi-source Dijkstra (nearest source of a set), its k-nearest
//! distinct-source variant (for "at least N facilities" rules), and a reusable workspace
//! for many small bounded searches (siting).
//!
//! Costs are non-negative `f64`. The priority queue orders by the IEEE-754 bit pattern of
//! the cost, which for non-negative finite floats is the same order as the numeric one.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::graph::Csr;

/// Label of an unreached node.
pub const UNREACHED: u32 = u32::MAX;

/// A search start: a node, the cost already spent reaching it (e.g. the snap distance of a
/// facility), the physical length of that part, and the label (facility index) it carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    pub node: u32,
    pub cost: f64,
    pub length_m: f64,
    pub label: u32,
}

/// Result of a multi-source search: for every node the least cost to any seed, the physical
/// length of that path, and the label of the seed reached.
#[derive(Debug, Clone)]
pub struct Nearest {
    /// Least cost (walking metres) or `f64::INFINITY` when beyond the bound / unreachable.
    pub cost: Vec<f64>,
    /// Physical length of the least-cost path; empty when the graph has no fixed-time arcs
    /// (then it equals `cost`). Use [`Nearest::length_at`].
    pub length_m: Vec<f64>,
    /// Seed label of the least-cost path, [`UNREACHED`] if none.
    pub label: Vec<u32>,
}

impl Nearest {
    /// Physical length of the least-cost path to `v` (metres).
    pub fn length_at(&self, v: usize) -> f64 {
        if self.length_m.is_empty() {
            self.cost[v]
        } else {
            self.length_m[v]
        }
    }
}

#[inline]
fn key(c: f64) -> u64 {
    // c >= 0 and finite here: bit order == numeric order. `+ 0.0` turns -0.0 into +0.0.
    (c + 0.0).to_bits()
}

/// Per-node search state, interleaved so that one relaxation touches one cache line.
#[derive(Clone, Copy)]
#[repr(C)]
struct NodeState {
    cost: f64,
    label: u32,
}

/// Monotone priority queue over exact `f64` keys (a radix heap on their bit patterns, which
/// order like the numbers for non-negative floats). Dijkstra only ever pushes keys at or
/// above the last popped one, which is all a radix heap needs; pushes are appends, and each
/// entry moves down at most 64 buckets over its life — far fewer cache misses than a binary
/// heap on large graphs. No rounding: keys are the exact costs.
struct RadixHeap {
    last: u64,
    len: usize,
    buckets: Vec<Vec<(u64, u32)>>,
}

impl RadixHeap {
    fn new() -> RadixHeap {
        RadixHeap {
            last: 0,
            len: 0,
            buckets: (0..65).map(|_| Vec::new()).collect(),
        }
    }

    #[inline]
    fn bucket(x: u64, last: u64) -> usize {
        64 - (x ^ last).leading_zeros() as usize
    }

    /// `k` must be ≥ the last popped key.
    #[inline]
    fn push(&mut self, k: u64, v: u32) {
        debug_assert!(k >= self.last);
        let b = Self::bucket(k, self.last);
        self.buckets[b].push((k, v));
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> Option<(u64, u32)> {
        if self.len == 0 {
            return None;
        }
        if self.buckets[0].is_empty() {
            let i = self.buckets.iter().position(|b| !b.is_empty())?;
            let moved = std::mem::take(&mut self.buckets[i]);
            let new_last = moved.iter().map(|e| e.0).min()?;
            self.last = new_last;
            for &(k, v) in &moved {
                self.buckets[Self::bucket(k, new_last)].push((k, v));
            }
            // Keep the allocation for reuse.
            let mut moved = moved;
            moved.clear();
            if self.buckets[i].is_empty() {
                self.buckets[i] = moved;
            }
        }
        self.len -= 1;
        self.buckets[0].pop()
    }
}

/// One multi-source Dijkstra over `csr` with arc costs `costs`, stopped once the next node to
/// settle costs more than `bound` (use `f64::INFINITY` for a full search). Nodes beyond the
/// bound report `INFINITY`. Seeds with invalid nodes or non-finite/negative costs are ignored.
pub fn multi_source(csr: &Csr, costs: &[f64], seeds: &[Seed], bound: f64) -> Nearest {
    let n = csr.node_count();
    let track = !csr.fixed_time_s.is_empty();
    let mut st = vec![
        NodeState {
            cost: f64::INFINITY,
            label: UNREACHED,
        };
        n
    ];
    let mut length_m = if track {
        vec![f64::INFINITY; n]
    } else {
        Vec::new()
    };
    let mut heap = RadixHeap::new();
    for s in seeds {
        let v = s.node as usize;
        if v >= n || s.cost.is_nan() || s.cost < 0.0 || !s.cost.is_finite() || s.cost > bound {
            continue;
        }
        let c = s.cost + 0.0;
        if c < st[v].cost {
            st[v].cost = c;
            st[v].label = s.label;
            if track {
                length_m[v] = s.length_m;
            }
            heap.push(key(c), s.node);
        }
    }
    let offsets = &csr.offsets;
    let targets = &csr.targets;
    while let Some((k, u)) = heap.pop() {
        let du = f64::from_bits(k);
        let ui = u as usize;
        if du > st[ui].cost {
            continue; // stale entry
        }
        if du > bound {
            break;
        }
        let (lo, hi) = (offsets[ui] as usize, offsets[ui + 1] as usize);
        let lu = st[ui].label;
        for (a, (&v, &w)) in targets[lo..hi].iter().zip(&costs[lo..hi]).enumerate() {
            let nd = du + w;
            let sv = &mut st[v as usize];
            if nd < sv.cost {
                sv.cost = nd;
                sv.label = lu;
                if track {
                    length_m[v as usize] = length_m[ui] + csr.length_m[lo + a];
                }
                heap.push(key(nd), v);
            }
        }
    }
    // Nodes relaxed but never settled within the bound may carry tentative costs above it.
    let mut cost = Vec::with_capacity(n);
    let mut label = Vec::with_capacity(n);
    for (v, s) in st.iter().enumerate() {
        if s.cost > bound {
            cost.push(f64::INFINITY);
            label.push(UNREACHED);
            if track {
                length_m[v] = f64::INFINITY;
            }
        } else {
            cost.push(s.cost);
            label.push(s.label);
        }
    }
    Nearest {
        cost,
        length_m,
        label,
    }
}

/// The k nearest *distinct* seeds of every node (distinct by label), each with its cost,
/// sorted ascending. Exact: a node keeps the first k labels it settles.
#[derive(Debug, Clone)]
pub struct KNearest {
    pub k: usize,
    /// How many labels node `v` holds (≤ k).
    pub count: Vec<u16>,
    /// `cost[v*k + i]` for `i < count[v]`.
    pub cost: Vec<f64>,
    /// `label[v*k + i]` for `i < count[v]`.
    pub label: Vec<u32>,
}

impl KNearest {
    /// Costs of node `v`'s nearest distinct seeds, ascending.
    pub fn costs_at(&self, v: usize) -> &[f64] {
        &self.cost[v * self.k..v * self.k + self.count[v] as usize]
    }
}

/// k-nearest distinct-seed search bounded by `bound`. `k` is clamped to 1..=65535.
pub fn k_nearest(csr: &Csr, costs: &[f64], seeds: &[Seed], k: usize, bound: f64) -> KNearest {
    let k = k.clamp(1, u16::MAX as usize);
    let n = csr.node_count();
    let mut count = vec![0u16; n];
    let mut cost = vec![f64::INFINITY; n * k];
    let mut label = vec![UNREACHED; n * k];
    let mut heap: BinaryHeap<Reverse<(u64, u32, u32)>> = BinaryHeap::new();
    for s in seeds {
        if (s.node as usize) < n && s.cost >= 0.0 && s.cost.is_finite() && s.cost <= bound {
            heap.push(Reverse((key(s.cost), s.node, s.label)));
        }
    }
    while let Some(Reverse((kk, u, lab))) = heap.pop() {
        let du = f64::from_bits(kk);
        if du > bound {
            break;
        }
        let ui = u as usize;
        let c = count[ui] as usize;
        if c >= k || label[ui * k..ui * k + c].contains(&lab) {
            continue;
        }
        cost[ui * k + c] = du;
        label[ui * k + c] = lab;
        count[ui] += 1;
        let (lo, hi) = (csr.offsets[ui] as usize, csr.offsets[ui + 1] as usize);
        for (&v, &w) in csr.targets[lo..hi].iter().zip(&costs[lo..hi]) {
            let v = v as usize;
            let cv = count[v] as usize;
            if cv >= k || label[v * k..v * k + cv].contains(&lab) {
                continue;
            }
            heap.push(Reverse((key(du + w), v as u32, lab)));
        }
    }
    KNearest {
        k,
        count,
        cost,
        label,
    }
}

/// Reusable state for many small bounded single-label searches: only touched nodes are reset.
#[derive(Debug, Clone)]
pub struct Workspace {
    cost: Vec<f64>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Workspace {
    pub fn new(n: usize) -> Workspace {
        Workspace {
            cost: vec![f64::INFINITY; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Run a bounded search from `seeds` (node, cost) and call `visit(node, cost)` once for
    /// every node settled with cost ≤ `bound`.
    pub fn run(
        &mut self,
        csr: &Csr,
        costs: &[f64],
        seeds: &[(u32, f64)],
        bound: f64,
        mut visit: impl FnMut(u32, f64),
    ) {
        for &t in &self.touched {
            self.cost[t as usize] = f64::INFINITY;
        }
        self.touched.clear();
        self.heap.clear();
        let n = self.cost.len();
        for &(v, c) in seeds {
            if (v as usize) < n && c >= 0.0 && c <= bound && c < self.cost[v as usize] {
                if self.cost[v as usize].is_infinite() {
                    self.touched.push(v);
                }
                self.cost[v as usize] = c;
                self.heap.push(Reverse((key(c), v)));
            }
        }
        while let Some(Reverse((k, u))) = self.heap.pop() {
            let du = f64::from_bits(k);
            let ui = u as usize;
            if du > self.cost[ui] {
                continue;
            }
            if du > bound {
                break;
            }
            visit(u, du);
            let (lo, hi) = (csr.offsets[ui] as usize, csr.offsets[ui + 1] as usize);
            for (&v, &w) in csr.targets[lo..hi].iter().zip(&costs[lo..hi]) {
                let v = v as usize;
                let nd = du + w;
                if nd < self.cost[v] && nd <= bound {
                    if self.cost[v].is_infinite() {
                        self.touched.push(v as u32);
                    }
                    self.cost[v] = nd;
                    self.heap.push(Reverse((key(nd), v as u32)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Csr {
        // 0 - 1 - 2 - 3, lengths 1, 2, 3, both ways.
        let mut arcs = vec![];
        for (a, b, w) in [(0u32, 1u32, 1.0), (1, 2, 2.0), (2, 3, 3.0)] {
            arcs.push((a, b, w, None));
            arcs.push((b, a, w, None));
        }
        Csr::from_arcs(4, &arcs).unwrap()
    }

    #[test]
    fn multi_source_line() {
        let g = line();
        let seeds = [
            Seed {
                node: 0,
                cost: 0.0,
                length_m: 0.0,
                label: 7,
            },
            Seed {
                node: 3,
                cost: 0.5,
                length_m: 0.5,
                label: 9,
            },
        ];
        let r = multi_source(&g, &g.length_m, &seeds, f64::INFINITY);
        assert_eq!(r.cost, vec![0.0, 1.0, 3.0, 0.5]);
        assert_eq!(r.label, vec![7, 7, 7, 9]);
        let b = multi_source(&g, &g.length_m, &seeds, 1.0);
        assert_eq!(b.cost[2], f64::INFINITY);
        assert_eq!(b.label[2], UNREACHED);
    }

    #[test]
    fn k_nearest_line() {
        let g = line();
        let seeds = [
            Seed {
                node: 0,
                cost: 0.0,
                length_m: 0.0,
                label: 0,
            },
            Seed {
                node: 3,
                cost: 0.0,
                length_m: 0.0,
                label: 1,
            },
        ];
        let r = k_nearest(&g, &g.length_m, &seeds, 2, f64::INFINITY);
        assert_eq!(r.costs_at(1), &[1.0, 5.0]);
        assert_eq!(r.costs_at(2), &[3.0, 3.0]);
    }

    #[test]
    fn workspace_resets() {
        let g = line();
        let mut ws = Workspace::new(4);
        let mut seen = vec![];
        ws.run(&g, &g.length_m, &[(0, 0.0)], 3.0, |v, c| seen.push((v, c)));
        assert_eq!(seen, vec![(0, 0.0), (1, 1.0), (2, 3.0)]);
        seen.clear();
        ws.run(&g, &g.length_m, &[(3, 0.0)], 3.0, |v, c| seen.push((v, c)));
        assert_eq!(seen, vec![(3, 0.0), (2, 3.0)]);
    }
}
