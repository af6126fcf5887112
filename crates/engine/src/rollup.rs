//! Exact roll-ups over the place tree.
//!
//! Numbers are kept as integers of millionths (micro-units): a sum of integers does not
//! depend on the order of additions, so a roll-up kept current write by write equals a
//! full recompute bit for bit, and a value removed is subtracted exactly. Reported
//! figures carry at most six decimals in practice; anything finer is rounded (and said so
//! in the README).

use youxiang_core::place::{PlaceId, PlaceTree};

/// One million: the micro-unit scale.
pub const MICRO: f64 = 1_000_000.0;
/// The largest magnitude accepted (in the indicator's unit): beyond it the micro-units
/// would not fit an `i64`.
pub const MAX_ABS: f64 = youxiang_core::write::MAX_ABS;

pub(crate) const MISSING: i64 = i64::MIN;
const NONE: u32 = u32::MAX;

/// What a place contributes to its parent: for a sum, `a` = Σ value; for a
/// population-weighted mean, `a` = Σ weight × value and `b` = Σ weight. `n` counts the
/// places whose own figures are inside (0 = nothing reported below).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Agg {
    pub a: i128,
    pub b: i128,
    pub n: u32,
}

impl Agg {
    fn add(&mut self, o: Agg) {
        self.a += o.a;
        self.b += o.b;
        self.n += o.n;
    }

    fn sub(&mut self, o: Agg) {
        self.a -= o.a;
        self.b -= o.b;
        self.n -= o.n;
    }
}

/// How a series combines over places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Sum,
    Weighted,
    /// Latest / not aggregable: a place shows only what it reported itself.
    OwnOnly,
}

/// The tree's shape in flat arrays: parent index, an index among inner places, and an
/// order with every child before its parent.
#[derive(Debug, Clone)]
pub struct Topology {
    parent: Vec<u32>,
    inner: Vec<u32>,
    inner_count: usize,
    children_first: Vec<u32>,
}

impl Topology {
    pub fn new(tree: &PlaceTree) -> Topology {
        let n = tree.len();
        let mut parent = vec![NONE; n];
        let mut inner = vec![NONE; n];
        let mut inner_count = 0;
        for id in tree.ids() {
            if let Some(p) = tree.parent(id) {
                parent[id.index()] = p.0;
            }
            if !tree.is_leaf(id) {
                inner[id.index()] = inner_count as u32;
                inner_count += 1;
            }
        }
        let mut children_first: Vec<u32> = tree.ids().map(|i| i.0).collect();
        children_first.sort_by_key(|i| std::cmp::Reverse(tree.depth(PlaceId(*i))));
        Topology {
            parent,
            inner,
            inner_count,
            children_first,
        }
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    fn parent(&self, p: usize) -> Option<usize> {
        let q = self.parent[p];
        (q != NONE).then_some(q as usize)
    }

    fn inner(&self, p: usize) -> Option<usize> {
        let i = self.inner[p];
        (i != NONE).then_some(i as usize)
    }
}

/// One indicator component in one period: each place's own figure and, for inner places,
/// the sum of their children's contributions.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub rule: Rule,
    /// The weights of a population-weighted series (one per place), else empty.
    weights: std::sync::Arc<Vec<i64>>,
    own: Vec<i64>,
    below: Vec<Agg>,
}

/// Converts a reported number to micro-units; `None` when it is not finite or too large.
pub fn to_micro(v: f64) -> Option<i64> {
    (v.is_finite() && v.abs() <= MAX_ABS).then(|| (v * MICRO).round() as i64)
}

impl Series {
    pub fn new(rule: Rule, topo: &Topology, weights: std::sync::Arc<Vec<i64>>) -> Series {
        Series {
            rule,
            weights,
            own: vec![MISSING; topo.len()],
            below: if rule == Rule::OwnOnly {
                Vec::new()
            } else {
                vec![Agg::default(); topo.inner_count]
            },
        }
    }

    pub fn own(&self, p: PlaceId) -> Option<i64> {
        let v = self.own[p.index()];
        (v != MISSING).then_some(v)
    }

    pub fn reported_count(&self) -> usize {
        self.own.iter().filter(|v| **v != MISSING).count()
    }

    /// What place `p` passes up: its own figure when it reported one (an own figure
    /// replaces the sum of the places below, so nothing is counted twice), else the sum of
    /// what its children pass up.
    pub fn contribution(&self, topo: &Topology, p: usize) -> Agg {
        let own = self.own[p];
        if own != MISSING {
            return match self.rule {
                Rule::Weighted => {
                    let w = self.weights.get(p).copied().unwrap_or(1) as i128;
                    Agg {
                        a: own as i128 * w,
                        b: w,
                        n: 1,
                    }
                }
                _ => Agg {
                    a: own as i128,
                    b: 0,
                    n: 1,
                },
            };
        }
        match (self.rule, topo.inner(p)) {
            (Rule::OwnOnly, _) | (_, None) => Agg::default(),
            (_, Some(i)) => self.below[i],
        }
    }

    /// Sets (or, with `None`, removes) place `p`'s own figure and carries the change up
    /// the tree. Returns the places whose shown figure changed, `p` first.
    pub fn set(&mut self, topo: &Topology, p: usize, micro: Option<i64>) -> Vec<usize> {
        let mut before = self.contribution(topo, p);
        let before_own = self.own[p];
        self.own[p] = micro.unwrap_or(MISSING);
        let mut after = self.contribution(topo, p);
        let mut changed = Vec::new();
        if before == after && before_own == self.own[p] {
            return changed;
        }
        changed.push(p);
        if self.rule == Rule::OwnOnly || before == after {
            return changed;
        }
        let mut at = p;
        while let Some(q) = topo.parent(at) {
            let Some(i) = topo.inner(q) else { break };
            let q_before = self.contribution(topo, q);
            self.below[i].sub(before);
            self.below[i].add(after);
            changed.push(q);
            let q_after = self.contribution(topo, q);
            if q_before == q_after {
                // q reported its own figure: nothing above it changes.
                break;
            }
            (before, after) = (q_before, q_after);
            at = q;
        }
        changed
    }

    /// Recomputes every inner sum from the own figures (children before parents).
    pub fn recompute(&mut self, topo: &Topology) {
        if self.rule == Rule::OwnOnly {
            return;
        }
        self.below.iter_mut().for_each(|a| *a = Agg::default());
        for &p in &topo.children_first {
            let p = p as usize;
            let c = self.contribution(topo, p);
            if c.n == 0 {
                continue;
            }
            if let Some(q) = topo.parent(p)
                && let Some(i) = topo.inner(q)
            {
                self.below[i].add(c);
            }
        }
    }

    /// The figure shown for a place, in the indicator's unit: its own, or the roll-up.
    pub fn shown(&self, topo: &Topology, p: usize) -> Option<Shown> {
        let c = self.contribution(topo, p);
        if c.n == 0 {
            return None;
        }
        let own = self.own[p] != MISSING;
        let value = match self.rule {
            Rule::Weighted => {
                if c.b == 0 {
                    return None;
                }
                c.a as f64 / c.b as f64 / MICRO
            }
            _ => c.a as f64 / MICRO,
        };
        Some(Shown { value, sum: c, own })
    }
}

/// A place's figure in a series with how it came about.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shown {
    pub value: f64,
    pub sum: Agg,
    /// True when the place reported the figure itself (not rolled up).
    pub own: bool,
}
