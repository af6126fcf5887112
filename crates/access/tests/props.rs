//! Property tests: the multi-source Dijkstra equals the minimum over single-source runs, and
//! the k-nearest search equals the k smallest single-source distances, on random graphs.

use proptest::prelude::*;
use youxiang_access::dijkstra::{Seed, k_nearest, multi_source};
use youxiang_access::graph::Csr;

fn graph() -> impl Strategy<Value = (usize, Vec<(u32, u32, f64)>)> {
    (2usize..25).prop_flat_map(|n| {
        let arc = (0..n as u32, 0..n as u32, 0.0f64..100.0);
        (Just(n), prop::collection::vec(arc, 0..80))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn multi_source_is_min_of_single_sources(
        (n, arcs) in graph(),
        seeds in prop::collection::vec((0u32..25, 0.0f64..50.0), 1..6),
        bound in prop_oneof![Just(f64::INFINITY), 10.0f64..200.0],
    ) {
        let arcs: Vec<_> = arcs.into_iter().map(|(a, b, w)| (a, b, w, None)).collect();
        let g = Csr::from_arcs(n, &arcs).unwrap();
        let seeds: Vec<Seed> = seeds
            .into_iter()
            .filter(|(v, _)| (*v as usize) < n)
            .enumerate()
            .map(|(i, (v, c))| Seed { node: v, cost: c, length_m: c, label: i as u32 })
            .collect();
        let multi = multi_source(&g, &g.length_m, &seeds, bound);
        let singles: Vec<Vec<f64>> = seeds
            .iter()
            .map(|s| multi_source(&g, &g.length_m, std::slice::from_ref(s), bound).cost)
            .collect();
        for v in 0..n {
            let best = singles.iter().map(|d| d[v]).fold(f64::INFINITY, f64::min);
            prop_assert!(
                (multi.cost[v] - best).abs() < 1e-9 || (multi.cost[v].is_infinite() && best.is_infinite()),
                "node {v}: multi {} vs min single {best}", multi.cost[v]
            );
            if best.is_finite() {
                // The label points to a seed that achieves the minimum.
                let l = multi.label[v] as usize;
                prop_assert!((singles[l][v] - best).abs() < 1e-9);
            }
        }
        // k nearest distinct seeds = the k smallest single-source distances.
        let k = 3;
        let kn = k_nearest(&g, &g.length_m, &seeds, k, bound);
        for v in 0..n {
            let mut ds: Vec<f64> = singles.iter().map(|d| d[v]).filter(|d| d.is_finite()).collect();
            ds.sort_by(f64::total_cmp);
            ds.truncate(k);
            let got = kn.costs_at(v);
            prop_assert_eq!(got.len(), ds.len());
            for (a, b) in got.iter().zip(&ds) {
                prop_assert!((a - b).abs() < 1e-9, "node {v}: {got:?} vs {ds:?}");
            }
        }
    }
}
