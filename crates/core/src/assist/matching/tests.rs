use super::*;
use proptest::prelude::*;

fn need(id: &str, kind: &str, lon: f64, lat: f64) -> Need {
    Need {
        id: id.into(),
        kind: kind.into(),
        lon,
        lat,
    }
}

fn res(id: &str, kind: &str, capacity: u32, lon: f64, lat: f64, radius_m: f64) -> Resource {
    Resource {
        id: id.into(),
        kind: kind.into(),
        capacity,
        lon,
        lat,
        radius_m,
    }
}

/// A small deterministic generator (xorshift*), so that cases are reproducible by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random case in a few square kilometres, so that radii of a few kilometres overlap.
fn random_case(seed: u64, max_needs: u64, max_res: u64, kinds: u64) -> (Vec<Need>, Vec<Resource>) {
    let mut g = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let n = 1 + g.below(max_needs);
    let r = 1 + g.below(max_res);
    let kind = |g: &mut Rng| ["助餐", "助浴", "助医"][g.below(kinds) as usize].to_string();
    let needs = (0..n)
        .map(|i| {
            let k = kind(&mut g);
            need(
                &format!("N{i}"),
                &k,
                122.0 + g.unit() * 0.04,
                30.0 + g.unit() * 0.04,
            )
        })
        .collect();
    let resources = (0..r)
        .map(|j| {
            let k = kind(&mut g);
            res(
                &format!("R{j}"),
                &k,
                g.below(4) as u32,
                122.0 + g.unit() * 0.04,
                30.0 + g.unit() * 0.04,
                g.unit() * 4000.0,
            )
        })
        .collect();
    (needs, resources)
}

/// The lexicographic optimum by enumerating every assignment: (met, total distance mm).
fn brute_force(needs: &[Need], resources: &[Resource]) -> (usize, i64) {
    let options: Vec<Vec<(usize, i64)>> = needs
        .iter()
        .map(|n| {
            resources
                .iter()
                .enumerate()
                .filter(|(_, r)| r.kind == n.kind && r.capacity > 0)
                .map(|(j, r)| (j, distance_mm(n, r)))
                .filter(|&(j, d)| d <= radius_mm(resources[j].radius_m))
                .collect()
        })
        .collect();
    let mut left: Vec<u32> = resources.iter().map(|r| r.capacity).collect();
    let mut best = (0usize, 0i64);
    fn go(
        i: usize,
        options: &[Vec<(usize, i64)>],
        left: &mut [u32],
        met: usize,
        dist: i64,
        best: &mut (usize, i64),
    ) {
        if i == options.len() {
            if met > best.0 || (met == best.0 && dist < best.1) {
                *best = (met, dist);
            }
            return;
        }
        go(i + 1, options, left, met, dist, best);
        for &(j, d) in &options[i] {
            if left[j] > 0 {
                left[j] -= 1;
                go(i + 1, options, left, met + 1, dist + d, best);
                left[j] += 1;
            }
        }
    }
    go(0, &options, &mut left, 0, 0, &mut best);
    best
}

/// An independent exact reference: successive shortest paths (Bellman–Ford) on
/// source → need (1) → resource (capacity) → sink, which is a min-cost maximum flow.
fn reference(needs: &[Need], resources: &[Resource]) -> (usize, i64) {
    let n = needs.len();
    let r = resources.len();
    let (s, t) = (n + r, n + r + 1);
    // (to, cap, cost, rev)
    let mut g: Vec<Vec<(usize, i64, i64, usize)>> = vec![Vec::new(); n + r + 2];
    let add = |g: &mut Vec<Vec<(usize, i64, i64, usize)>>, a: usize, b: usize, cap, cost| {
        let ra = g[b].len();
        let rb = g[a].len();
        g[a].push((b, cap, cost, ra));
        g[b].push((a, 0, -cost, rb));
    };
    for (i, nd) in needs.iter().enumerate() {
        add(&mut g, s, i, 1, 0);
        for (j, rs) in resources.iter().enumerate() {
            let d = distance_mm(nd, rs);
            if rs.kind == nd.kind && d <= radius_mm(rs.radius_m) {
                add(&mut g, i, n + j, 1, d);
            }
        }
    }
    for (j, rs) in resources.iter().enumerate() {
        add(&mut g, n + j, t, rs.capacity as i64, 0);
    }
    let (mut flow, mut cost) = (0usize, 0i64);
    loop {
        let mut dist = vec![i64::MAX; n + r + 2];
        let mut prev: Vec<Option<(usize, usize)>> = vec![None; n + r + 2];
        dist[s] = 0;
        let mut changed = true;
        while changed {
            changed = false;
            for u in 0..g.len() {
                if dist[u] == i64::MAX {
                    continue;
                }
                for (k, &(v, cap, c, _)) in g[u].iter().enumerate() {
                    if cap > 0 && dist[u] + c < dist[v] {
                        dist[v] = dist[u] + c;
                        prev[v] = Some((u, k));
                        changed = true;
                    }
                }
            }
        }
        if dist[t] == i64::MAX {
            break;
        }
        let mut v = t;
        while let Some((u, k)) = prev[v] {
            let rev = g[u][k].3;
            g[u][k].1 -= 1;
            g[v][rev].1 += 1;
            v = u;
        }
        flow += 1;
        cost += dist[t];
    }
    (flow, cost)
}

fn optimal(needs: &[Need], resources: &[Resource]) -> Matching {
    match_optimal(needs, resources, &MatchOptions::default()).expect("valid input")
}

/// The answer is a feasible assignment: within reach, same type, capacities kept, the
/// reasons true, the total the sum.
fn assert_feasible(needs: &[Need], resources: &[Resource], m: &Matching) {
    let mut used = vec![0u32; resources.len()];
    let mut met = vec![false; needs.len()];
    for p in &m.pairs {
        let (n, r) = (&needs[p.need], &resources[p.resource]);
        assert_eq!(n.kind, r.kind);
        assert_eq!(p.distance_mm, distance_mm(n, r));
        assert!(p.distance_mm <= radius_mm(r.radius_m));
        assert!(!met[p.need], "need met twice");
        met[p.need] = true;
        used[p.resource] += 1;
    }
    for (j, r) in resources.iter().enumerate() {
        assert!(used[j] <= r.capacity);
    }
    assert_eq!(m.pairs.len() + m.unmatched.len(), needs.len());
    for &(i, why) in &m.unmatched {
        assert!(!met[i]);
        let n = &needs[i];
        let reach: Vec<usize> = (0..resources.len())
            .filter(|&j| {
                resources[j].kind == n.kind
                    && distance_mm(n, &resources[j]) <= radius_mm(resources[j].radius_m)
            })
            .collect();
        match why {
            Unmet::NoResourceOfType => assert!(resources.iter().all(|r| r.kind != n.kind)),
            Unmet::NoneWithinRadius => assert!(reach.is_empty()),
            Unmet::AllReachableFull { reachable } => {
                assert_eq!(reachable, reach.len());
                assert!(reach.iter().all(|&j| used[j] == resources[j].capacity));
            }
        }
    }
    assert_eq!(
        m.total_distance_mm,
        m.pairs.iter().map(|p| p.distance_mm).sum::<i64>()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn equals_the_brute_force_optimum(seed in any::<u64>()) {
        let (needs, resources) = random_case(seed, 7, 4, 2);
        let m = optimal(&needs, &resources);
        assert_feasible(&needs, &resources, &m);
        prop_assert_eq!((m.matched(), m.total_distance_mm), brute_force(&needs, &resources));
    }

    #[test]
    fn equals_a_min_cost_max_flow_on_larger_cases(seed in any::<u64>()) {
        let (needs, resources) = random_case(seed, 80, 12, 2);
        let m = optimal(&needs, &resources);
        assert_feasible(&needs, &resources, &m);
        prop_assert_eq!((m.matched(), m.total_distance_mm), reference(&needs, &resources));
        let two = match_optimal(&needs, &resources, &MatchOptions { threads: 2 }).unwrap();
        prop_assert_eq!((two.matched(), two.total_distance_mm), (m.matched(), m.total_distance_mm));
    }

    #[test]
    fn the_simplex_ends_certified_optimal(seed in any::<u64>()) {
        let mut g = Rng(seed | 1);
        let k = 1 + g.below(60) as usize;
        let r = 1 + g.below(10) as usize;
        let caps: Vec<i64> = (0..r).map(|_| 1 + g.below(5) as i64).collect();
        let mut edges = Vec::new();
        for n in 0..k {
            for j in 0..r {
                if g.below(3) == 0 {
                    edges.push((n as u32, j as u32, g.below(1000) as i64));
                }
            }
        }
        let mut ns = Simplex::new(k, &caps, &edges);
        ns.run();
        prop_assert!(ns.certified());
    }

    #[test]
    fn greedy_is_feasible_and_never_better(seed in any::<u64>()) {
        let (needs, resources) = random_case(seed, 40, 8, 2);
        let g = match_greedy(&needs, &resources).unwrap();
        assert_feasible(&needs, &resources, &g);
        let m = optimal(&needs, &resources);
        prop_assert!(
            g.matched() < m.matched()
                || (g.matched() == m.matched() && g.total_distance_mm >= m.total_distance_mm)
        );
    }
}

/// A generated district: needs clustered round villages, resources spread with small
/// capacities and radii of 1–3 km, several service types (the same shape as the benchmark's).
fn district(seed: u64, needs: usize, resources: usize) -> (Vec<Need>, Vec<Resource>) {
    let mut g = Rng(seed | 1);
    let kinds = ["助餐", "助浴", "助医", "助洁", "助行", "探访"];
    let villages: Vec<(f64, f64)> = (0..40)
        .map(|_| (122.0 + g.unit() * 0.25, 29.95 + g.unit() * 0.2))
        .collect();
    let near = |g: &mut Rng, spread: f64| {
        let (x, y) = villages[g.below(villages.len() as u64) as usize];
        (x + (g.unit() - 0.5) * spread, y + (g.unit() - 0.5) * spread)
    };
    let ns = (0..needs)
        .map(|i| {
            let (x, y) = near(&mut g, 0.03);
            let k = kinds[g.below(kinds.len() as u64) as usize];
            need(&format!("N{i}"), k, x, y)
        })
        .collect();
    let rs = (0..resources)
        .map(|j| {
            let (x, y) = near(&mut g, 0.05);
            let k = kinds[g.below(kinds.len() as u64) as usize];
            let cap = 1 + g.below(30) as u32;
            res(&format!("R{j}"), k, cap, x, y, 1000.0 + g.unit() * 2000.0)
        })
        .collect();
    (ns, rs)
}

#[test]
fn beats_greedy_on_a_generated_district() {
    let (needs, resources) = district(7, 4000, 200);
    let m = optimal(&needs, &resources);
    let g = match_greedy(&needs, &resources).unwrap();
    assert_feasible(&needs, &resources, &m);
    assert_feasible(&needs, &resources, &g);
    assert!(m.stats.solved_by_simplex > 0);
    assert!(
        m.matched() > g.matched(),
        "optimal {} vs greedy {}",
        m.matched(),
        g.matched()
    );
    eprintln!(
        "tight: optimal {} met {} mm, greedy {} met {} mm",
        m.matched(),
        m.total_distance_mm,
        g.matched(),
        g.total_distance_mm
    );
    // The very needs greedy met, met by the optimum at a strictly shorter total distance.
    let same: Vec<Need> = g.pairs.iter().map(|p| needs[p.need].clone()).collect();
    let m2 = optimal(&same, &resources);
    eprintln!(
        "greedy's needs: optimal {} met {} mm",
        m2.matched(),
        m2.total_distance_mm
    );
    assert_eq!(m2.matched(), g.matched());
    assert!(m2.total_distance_mm < g.total_distance_mm);
}

#[test]
fn greedy_leaves_unmet_what_the_optimum_meets() {
    // A is nearest to R1 (the only one that reaches B); greedy gives R1 to A and B stays
    // unmet; the optimum sends A to R2 and B to R1.
    let needs = vec![
        need("A", "助餐", 122.0, 30.0),
        need("B", "助餐", 122.0, 30.015),
    ];
    let resources = vec![
        res("R1", "助餐", 1, 122.0, 30.004, 1500.0),
        res("R2", "助餐", 1, 122.0, 29.994, 1000.0),
    ];
    let g = match_greedy(&needs, &resources).unwrap();
    assert_eq!(g.matched(), 1);
    assert_eq!(
        g.unmatched,
        vec![(1, Unmet::AllReachableFull { reachable: 1 })]
    );
    let m = optimal(&needs, &resources);
    assert_eq!(m.matched(), 2);
    assert_eq!((m.pairs[0].resource, m.pairs[1].resource), (1, 0));
}

#[test]
fn a_nearer_need_displaces_a_farther_one_when_not_all_can_be_met() {
    let needs = vec![
        need("far", "助浴", 122.0, 30.0),
        need("near", "助浴", 122.0, 30.0085),
    ];
    let resources = vec![res("R", "助浴", 1, 122.0, 30.009, 2000.0)];
    let m = optimal(&needs, &resources);
    assert_eq!(m.matched(), 1);
    assert_eq!(m.pairs[0].need, 1);
    assert_eq!(
        m.unmatched,
        vec![(0, Unmet::AllReachableFull { reachable: 1 })]
    );
}

#[test]
fn reasons_for_unmet_needs() {
    let needs = vec![
        need("a", "助餐", 122.0, 30.0),
        need("b", "理发", 122.0, 30.0),
        need("c", "助餐", 123.0, 30.0),
        need("d", "助餐", 122.0, 30.0),
    ];
    let resources = vec![
        res("R", "助餐", 1, 122.0, 30.0, 100.0),
        res("Z", "助餐", 0, 122.0, 30.0, 100.0),
    ];
    let m = optimal(&needs, &resources);
    assert_feasible(&needs, &resources, &m);
    assert_eq!(m.matched(), 1);
    let reasons: Vec<_> = m.unmatched.iter().map(|u| u.1.code()).collect();
    assert!(reasons.contains(&"no_resource_of_type"));
    assert!(reasons.contains(&"none_within_radius"));
    assert!(reasons.contains(&"all_reachable_full"));
    assert_eq!(
        Unmet::AllReachableFull { reachable: 2 }.text_zh(),
        "服务半径内的 2 个资源在最优方案中均已满额"
    );
}

#[test]
fn zero_capacity_and_zero_radius() {
    let needs = vec![
        need("a", "助餐", 122.0, 30.0),
        need("b", "助餐", 122.0, 30.001),
    ];
    // Radius 0 reaches only a need at the very spot (0 mm).
    let resources = vec![res("R", "助餐", 5, 122.0, 30.0, 0.0)];
    let m = optimal(&needs, &resources);
    assert_eq!(m.matched(), 1);
    assert_eq!(
        m.pairs[0],
        Pair {
            need: 0,
            resource: 0,
            distance_mm: 0
        }
    );
    assert_eq!(m.unmatched, vec![(1, Unmet::NoneWithinRadius)]);
    let zero = vec![res("R", "助餐", 0, 122.0, 30.0, 500.0)];
    let m = optimal(&needs, &zero);
    assert_eq!(m.matched(), 0);
    assert!(
        m.unmatched
            .iter()
            .all(|u| u.1 == Unmet::AllReachableFull { reachable: 1 })
    );
}

#[test]
fn empty_inputs() {
    let m = optimal(&[], &[]);
    assert_eq!(
        (m.matched(), m.unmatched.len(), m.total_distance_mm),
        (0, 0, 0)
    );
    let m = optimal(&[need("a", "助餐", 0.0, 0.0)], &[]);
    assert_eq!(m.unmatched, vec![(0, Unmet::NoResourceOfType)]);
}

#[test]
fn input_faults_are_all_reported() {
    let needs = vec![
        need("a", "助餐", 122.0, 30.0),
        need("a", "助餐", 122.0, 30.0),
        need("", "助餐", 122.0, 30.0),
        need("c", "助餐", 200.0, f64::NAN),
    ];
    let resources = vec![
        res("R", "助餐", 1, 122.0, 30.0, -1.0),
        res("R", "助餐", 1, 122.0, 91.0, f64::INFINITY),
    ];
    let errors = match_optimal(&needs, &resources, &MatchOptions::default()).unwrap_err();
    let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert!(text.contains(&"需求编号“a”重复(第 1 条与第 2 条)".to_string()));
    assert!(text.contains(&"第 3 条需求的编号为空".to_string()));
    assert!(text.contains(&"资源编号“R”重复(第 1 条与第 2 条)".to_string()));
    assert_eq!(
        errors
            .iter()
            .filter(|e| matches!(e, MatchInputError::NeedCoordinate { .. }))
            .count(),
        2
    );
    assert_eq!(
        errors
            .iter()
            .filter(|e| matches!(e, MatchInputError::Radius { .. }))
            .count(),
        2
    );
    assert!(match_greedy(&needs, &resources).is_err());
}

#[test]
fn reach_across_the_antimeridian_and_near_a_pole() {
    let needs = vec![
        need("east", "助餐", 179.9995, 0.0),
        need("pole", "助餐", 45.0, 89.9999),
    ];
    let resources = vec![
        res("west", "助餐", 1, -179.9995, 0.0, 200.0),
        res("north", "助餐", 1, -135.0, 89.9999, 50.0),
    ];
    let m = optimal(&needs, &resources);
    assert_eq!(m.matched(), 2);
    assert_feasible(&needs, &resources, &m);
    // 0.001° of longitude on the equator.
    assert!((m.pairs[0].distance_mm - 111_195).abs() <= 1);
}

#[test]
fn a_huge_radius_reaches_the_whole_globe() {
    let needs = vec![
        need("a", "助餐", 10.0, 10.0),
        need("b", "助餐", -170.0, -10.0),
    ];
    let resources = vec![res("R", "助餐", 2, 0.0, 0.0, 1.0e9)];
    let m = optimal(&needs, &resources);
    assert_eq!(m.matched(), 2);
}

#[test]
fn haversine_and_millimetres() {
    // One degree of latitude on the mean sphere: R·π/180.
    let d = haversine_m(0.0, 0.0, 0.0, 1.0);
    assert!((d - EARTH_RADIUS_M * std::f64::consts::PI / 180.0).abs() < 1e-6);
    assert_eq!(mm_text(1_234_567), "1234.567");
    assert_eq!(mm_text(5), "0.005");
    assert_eq!(radius_mm(1.5), 1500);
    assert_eq!(radius_mm(f64::MAX), 100_000_000_000);
}
