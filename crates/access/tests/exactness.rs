//! Exactness: the crate's nearest-facility distances on the Porto Alegre extract against an
//! independent implementation written here from scratch — its own PBF walk (sequential
//! `ElementReader::for_each`), its own tag filter, its own haversine, an adjacency map keyed
//! by OSM node id, breadth-first components, brute-force snapping, and a textbook Dijkstra
//! from a virtual super-source. Every origin must agree within 0.5 m.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use youxiang_access::input::{FacilityCsvOptions, read_facilities_csv, read_origins_csv};
use youxiang_access::{Engine, OsmOptions, Profile, Settings, read_pbf};

use crate::common::poa;

const R: f64 = 6_371_008.8;
const WALK: [&str; 18] = [
    "footway",
    "path",
    "pedestrian",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "track",
    "cycleway",
    "trunk",
    "trunk_link",
];

fn hav(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, la2) = (
        a.1 * std::f64::consts::PI / 180.0,
        b.1 * std::f64::consts::PI / 180.0,
    );
    let dla = la2 - la1;
    let dlo = (b.0 - a.0) * std::f64::consts::PI / 180.0;
    let h = (dla * 0.5).sin().powi(2) + la1.cos() * la2.cos() * (dlo * 0.5).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

#[derive(PartialEq)]
struct St(f64, usize);
impl Eq for St {}
impl PartialOrd for St {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for St {
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.partial_cmp(&self.0).unwrap_or(Ordering::Equal)
    }
}

struct Reference {
    coords: Vec<(f64, f64)>,
    /// Undirected adjacency: (neighbour, metres). Porto Alegre has no `oneway:foot`.
    adj: Vec<Vec<(usize, f64)>>,
    in_main: Vec<bool>,
}

fn build_reference(path: &std::path::Path) -> Reference {
    let mut nodes: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut ways: Vec<Vec<i64>> = Vec::new();
    let mut oneway_foot = 0usize;
    osmpbf::ElementReader::from_path(path)
        .unwrap()
        .for_each(|e| match e {
            osmpbf::Element::DenseNode(n) => {
                nodes.insert(n.id(), (n.lon(), n.lat()));
            }
            osmpbf::Element::Node(n) => {
                nodes.insert(n.id(), (n.lon(), n.lat()));
            }
            osmpbf::Element::Way(w) => {
                let tags: HashMap<&str, &str> = w.tags().collect();
                let Some(hw) = tags.get("highway") else {
                    return;
                };
                if !WALK.contains(hw) || tags.get("foot") == Some(&"no") {
                    return;
                }
                let foot_ok = matches!(
                    tags.get("foot"),
                    Some(&"yes") | Some(&"designated") | Some(&"permissive")
                );
                if matches!(tags.get("access"), Some(&"no") | Some(&"private")) && !foot_ok {
                    return;
                }
                if tags.contains_key("oneway:foot") {
                    oneway_foot += 1;
                }
                ways.push(w.refs().collect());
            }
            _ => {}
        })
        .unwrap();
    assert_eq!(
        oneway_foot, 0,
        "reference assumes no oneway:foot in this extract"
    );
    let mut idx: HashMap<i64, usize> = HashMap::new();
    let mut coords = Vec::new();
    let mut adj: Vec<Vec<(usize, f64)>> = Vec::new();
    for w in &ways {
        for pair in w.windows(2) {
            let (Some(&a), Some(&b)) = (nodes.get(&pair[0]), nodes.get(&pair[1])) else {
                continue;
            };
            let mut id = |osm: i64, c: (f64, f64)| {
                *idx.entry(osm).or_insert_with(|| {
                    coords.push(c);
                    adj.push(Vec::new());
                    coords.len() - 1
                })
            };
            let (u, v) = (id(pair[0], a), id(pair[1], b));
            let d = hav(a, b);
            adj[u].push((v, d));
            adj[v].push((u, d));
        }
    }
    // Largest component by BFS.
    let n = coords.len();
    let mut comp = vec![usize::MAX; n];
    let mut sizes = Vec::new();
    for s in 0..n {
        if comp[s] != usize::MAX {
            continue;
        }
        let c = sizes.len();
        let mut q = VecDeque::from([s]);
        comp[s] = c;
        let mut size = 0;
        while let Some(u) = q.pop_front() {
            size += 1;
            for &(v, _) in &adj[u] {
                if comp[v] == usize::MAX {
                    comp[v] = c;
                    q.push_back(v);
                }
            }
        }
        sizes.push(size);
    }
    let main = (0..sizes.len()).max_by_key(|&c| sizes[c]).unwrap();
    let in_main = comp.iter().map(|&c| c == main).collect();
    Reference {
        coords,
        adj,
        in_main,
    }
}

impl Reference {
    fn snap(&self, p: (f64, f64)) -> (usize, f64) {
        let mut best = (usize::MAX, f64::INFINITY);
        for (v, &c) in self.coords.iter().enumerate() {
            if self.in_main[v] {
                let d = hav(p, c);
                if d < best.1 {
                    best = (v, d);
                }
            }
        }
        best
    }

    /// Textbook Dijkstra from a virtual source (index n) joined to each facility node by its
    /// snap distance.
    fn dijkstra(&self, facilities: &[(f64, f64)]) -> Vec<f64> {
        let n = self.coords.len();
        let mut dist = vec![f64::INFINITY; n + 1];
        let mut done = vec![false; n + 1];
        let source_edges: Vec<(usize, f64)> = facilities.iter().map(|&p| self.snap(p)).collect();
        dist[n] = 0.0;
        let mut pq = BinaryHeap::new();
        pq.push(St(0.0, n));
        while let Some(St(d, u)) = pq.pop() {
            if done[u] {
                continue;
            }
            done[u] = true;
            let edges: &[(usize, f64)] = if u == n { &source_edges } else { &self.adj[u] };
            for &(v, w) in edges {
                if d + w < dist[v] {
                    dist[v] = d + w;
                    pq.push(St(d + w, v));
                }
            }
        }
        dist.truncate(n);
        dist
    }
}

#[test]
fn porto_alegre_matches_independent_dijkstra() {
    let (Some(pbf), Some(grid)) = (poa("poa_osm.pbf"), poa("poa_hexgrid.csv")) else {
        return;
    };
    let data = read_pbf(&pbf, &OsmOptions::default()).unwrap();
    let (origins, _) = read_origins_csv(&grid).unwrap();
    assert_eq!(origins.len(), 1227);
    let (facilities, _) = read_facilities_csv(
        &grid,
        &FacilityCsvOptions {
            count_columns: Some(vec!["schools".into(), "healthcare".into()]),
        },
    )
    .unwrap();
    let settings = Settings {
        horizon_minutes: Some(f64::INFINITY),
        max_snap_m: f64::INFINITY,
        ..Settings::default()
    };
    let engine = Engine::with_network(&data.network, settings).unwrap();
    let types = vec!["schools".to_string(), "healthcare".to_string()];
    let report = engine
        .coverage(
            &origins,
            &facilities,
            &Profile::circle(15.0, &types),
            &|_, _| {},
        )
        .unwrap();

    let reference = build_reference(&pbf);
    // Same network size as the crate's (nodes touched by walkable segments).
    let main_size = reference.in_main.iter().filter(|&&b| b).count();
    assert_eq!(main_size, data.network.largest_component_size);

    for (k, t) in types.iter().enumerate() {
        let locs: Vec<(f64, f64)> = facilities
            .iter()
            .filter(|f| &f.facility_type == t)
            .map(|f| (f.lon, f.lat))
            .collect();
        assert!(!locs.is_empty());
        let dist = reference.dijkstra(&locs);
        let mut worst = 0.0f64;
        for (i, o) in origins.iter().enumerate() {
            let (v, s) = reference.snap((o.lon, o.lat));
            let want = dist[v] + s;
            let got = report.origins[i].types[k]
                .distance_m
                .unwrap_or(f64::INFINITY);
            if want.is_finite() || got.is_finite() {
                let diff = (want - got).abs();
                worst = worst.max(diff);
                assert!(
                    diff <= 0.5,
                    "{t}: origin {} ({}): crate {got} m, reference {want} m",
                    i,
                    o.id
                );
            }
        }
        println!(
            "{t}: {} origins, worst difference {worst:.2e} m",
            origins.len()
        );
    }
    // Sanity of the summary: population sums to the README's figure.
    assert!(
        (report.population - 812_935.0).abs() < 0.5,
        "{}",
        report.population
    );
}
