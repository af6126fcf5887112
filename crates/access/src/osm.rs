//! Reading an OpenStreetMap PBF into a walking network, plus facilities from OSM tags.
//!
//! Rules (methods §5):
//! - a way is walkable when `highway` is one of [`WALK_HIGHWAYS`] (and their `_link`s);
//! - excluded when `foot=no`, or `access=no|private` unless `foot=yes|designated|permissive`
//!   explicitly allows walkers (OSM semantics: the more specific key wins);
//! - `oneway` is ignored on foot; only `oneway:foot=yes|1|true` (or `-1`) makes an edge one-way;
//! - edge length = haversine between consecutive nodes; parallel edges are kept;
//! - `route=ferry` ways are edges whose travel time is their `duration` tag, spread over the
//!   way's segments by length; without `duration`, the ferry moves at `ferry_speed_kmh`
//!   (default [`DEFAULT_FERRY_SPEED_KMH`]).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use osmpbf::{BlobDecode, BlobReader, Element};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AccessError, Result};
use crate::geo::haversine_m;
use crate::graph::{Edge, Network};
use crate::input::Facility;

/// `highway` values walkable on foot (methods §5); `*_link` variants of the road classes too.
pub const WALK_HIGHWAYS: &[&str] = &[
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

/// Ferry speed used when a `route=ferry` way has no usable `duration` tag (km/h).
pub const DEFAULT_FERRY_SPEED_KMH: f64 = 10.0;

/// One rule of the OSM-tag → facility-type table: `key=value` (and optionally a second
/// tag that must also match) maps to `facility_type`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TagRule {
    pub key: String,
    pub value: String,
    #[serde(default)]
    pub and_key: Option<String>,
    #[serde(default)]
    pub and_value: Option<String>,
    #[serde(rename = "type")]
    pub facility_type: String,
}

/// The configurable table that maps OSM tags to facility types. The first matching rule wins,
/// so put specific rules (with `and_key`) before general ones.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TagTable {
    pub rules: Vec<TagRule>,
}

impl Default for TagTable {
    fn default() -> Self {
        let r = |k: &str, v: &str, t: &str| TagRule {
            key: k.into(),
            value: v.into(),
            and_key: None,
            and_value: None,
            facility_type: t.into(),
        };
        let r2 = |k: &str, v: &str, k2: &str, v2: &str, t: &str| TagRule {
            key: k.into(),
            value: v.into(),
            and_key: Some(k2.into()),
            and_value: Some(v2.into()),
            facility_type: t.into(),
        };
        TagTable {
            rules: vec![
                r("amenity", "childcare", "childcare"),
                r("amenity", "kindergarten", "kindergarten"),
                r2("amenity", "school", "isced:level", "1", "primary_school"),
                r2("amenity", "school", "isced:level", "2", "middle_school"),
                r("amenity", "school", "school"),
                r("amenity", "clinic", "clinic"),
                r("amenity", "doctors", "clinic"),
                r("healthcare", "centre", "clinic"),
                r("amenity", "hospital", "hospital"),
                r2(
                    "amenity",
                    "social_facility",
                    "social_facility:for",
                    "senior",
                    "elderly_care",
                ),
                r("amenity", "nursing_home", "elderly_care"),
                r("amenity", "social_facility", "social_facility"),
                r("amenity", "community_centre", "community_centre"),
                r("amenity", "library", "culture"),
                r("amenity", "arts_centre", "culture"),
                r("leisure", "sports_centre", "sports"),
                r("leisure", "fitness_station", "sports"),
                r("amenity", "food_court", "canteen"),
                r("amenity", "pharmacy", "pharmacy"),
            ],
        }
    }
}

impl TagTable {
    /// Load a table from TOML (`[[rules]] key=.. value=.. type=..`) or JSON (by extension).
    pub fn load(path: &Path) -> Result<TagTable> {
        let t: TagTable = crate::error::load_document(path)?;
        Ok(t)
    }

    /// The facility type for a tag set, if any rule matches.
    pub fn classify<'a>(&self, tags: &[(&'a str, &'a str)]) -> Option<&str> {
        let get = |k: &str| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v);
        self.rules.iter().find_map(|r| {
            let ok = get(&r.key) == Some(r.value.as_str())
                && match (&r.and_key, &r.and_value) {
                    (Some(k2), Some(v2)) => get(k2) == Some(v2.as_str()),
                    _ => true,
                };
            ok.then_some(r.facility_type.as_str())
        })
    }
}

/// Options for reading a PBF.
#[derive(Debug, Clone)]
pub struct OsmOptions {
    /// Ferry speed for `route=ferry` ways without `duration` (km/h).
    pub ferry_speed_kmh: f64,
    /// Extract facilities with this table; `None` reads only the network.
    pub facility_tags: Option<TagTable>,
}

impl Default for OsmOptions {
    fn default() -> Self {
        OsmOptions {
            ferry_speed_kmh: DEFAULT_FERRY_SPEED_KMH,
            facility_tags: None,
        }
    }
}

/// What was read from a PBF.
#[derive(Debug, Clone)]
pub struct OsmData {
    pub network: Network,
    /// Facilities found by the tag table (empty without one). Ways use the mean of their nodes.
    pub facilities: Vec<Facility>,
    pub stats: OsmStats,
}

/// Counts for reporting.
#[derive(Debug, Clone, Default, Serialize)]
pub struct OsmStats {
    pub osm_nodes: usize,
    pub osm_ways: usize,
    pub walk_ways: usize,
    pub ferry_ways: usize,
    pub excluded_ways: usize,
    /// Way segments dropped because a referenced node is not in the extract.
    pub missing_node_refs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum WayKind {
    Walk { oneway: i8 },
    Ferry { duration_s: Option<f64> },
}

#[derive(Default)]
struct Chunk {
    nodes: Vec<(i64, f64, f64)>,
    ways: Vec<(WayKind, Vec<i64>)>,
    poi_nodes: Vec<(i64, f64, f64, String, String)>,
    poi_ways: Vec<(i64, Vec<i64>, String, String)>,
    osm_ways: usize,
    excluded: usize,
}

/// Parse an OSM `duration` tag: `mm`, `hh:mm`, `hh:mm:ss`, or ISO 8601 `PT#H#M#S`. Seconds.
pub fn parse_duration_s(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("PT").or_else(|| s.strip_prefix("pt")) {
        let mut total = 0.0;
        let mut num = String::new();
        let mut any = false;
        for ch in rest.chars() {
            match ch {
                '0'..='9' | '.' => num.push(ch),
                'H' | 'h' | 'M' | 'm' | 'S' | 's' => {
                    let v: f64 = num.parse().ok()?;
                    num.clear();
                    any = true;
                    total += v * match ch.to_ascii_uppercase() {
                        'H' => 3600.0,
                        'M' => 60.0,
                        _ => 1.0,
                    };
                }
                _ => return None,
            }
        }
        return (any && num.is_empty() && total > 0.0).then_some(total);
    }
    let parts: Vec<&str> = s.split(':').collect();
    let nums: Option<Vec<f64>> = parts.iter().map(|p| p.trim().parse::<f64>().ok()).collect();
    let nums = nums?;
    if nums.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return None;
    }
    let total = match nums.as_slice() {
        [m] => m * 60.0,
        [h, m] => h * 3600.0 + m * 60.0,
        [h, m, sec] => h * 3600.0 + m * 60.0 + sec,
        _ => return None,
    };
    (total > 0.0).then_some(total)
}

fn way_kind(tags: &[(&str, &str)]) -> Option<Result<WayKind, ()>> {
    let get = |k: &str| tags.iter().find(|(kk, _)| *kk == k).map(|(_, v)| *v);
    if get("route") == Some("ferry") {
        return Some(Ok(WayKind::Ferry {
            duration_s: get("duration").and_then(parse_duration_s),
        }));
    }
    let hw = get("highway")?;
    if !WALK_HIGHWAYS.contains(&hw) {
        return None;
    }
    let foot = get("foot");
    if foot == Some("no") {
        return Some(Err(()));
    }
    let foot_allowed = matches!(foot, Some("yes" | "designated" | "permissive"));
    if matches!(get("access"), Some("no" | "private")) && !foot_allowed {
        return Some(Err(()));
    }
    let oneway = match get("oneway:foot") {
        Some("yes" | "1" | "true") => 1,
        Some("-1") => -1,
        _ => 0,
    };
    Some(Ok(WayKind::Walk { oneway }))
}

fn scan_block(block: &osmpbf::PrimitiveBlock, tags_table: Option<&TagTable>) -> Chunk {
    let mut c = Chunk::default();
    let mut tags: Vec<(&str, &str)> = Vec::new();
    let name_of = |tags: &[(&str, &str)]| {
        tags.iter()
            .find(|(k, _)| *k == "name")
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    for el in block.elements() {
        match el {
            Element::DenseNode(n) => {
                c.nodes.push((n.id(), n.lon(), n.lat()));
                if let Some(t) = tags_table {
                    tags.clear();
                    tags.extend(n.tags());
                    if let Some(ft) = t.classify(&tags) {
                        c.poi_nodes.push((
                            n.id(),
                            n.lon(),
                            n.lat(),
                            ft.to_string(),
                            name_of(&tags),
                        ));
                    }
                }
            }
            Element::Node(n) => {
                c.nodes.push((n.id(), n.lon(), n.lat()));
                if let Some(t) = tags_table {
                    tags.clear();
                    tags.extend(n.tags());
                    if let Some(ft) = t.classify(&tags) {
                        c.poi_nodes.push((
                            n.id(),
                            n.lon(),
                            n.lat(),
                            ft.to_string(),
                            name_of(&tags),
                        ));
                    }
                }
            }
            Element::Way(w) => {
                c.osm_ways += 1;
                tags.clear();
                tags.extend(w.tags());
                match way_kind(&tags) {
                    Some(Ok(kind)) => c.ways.push((kind, w.refs().collect())),
                    Some(Err(())) => c.excluded += 1,
                    None => {}
                }
                if let Some(t) = tags_table
                    && let Some(ft) = t.classify(&tags)
                {
                    c.poi_ways
                        .push((w.id(), w.refs().collect(), ft.to_string(), name_of(&tags)));
                }
            }
            Element::Relation(_) => {}
        }
    }
    c
}

/// Read a PBF file into a walking network (and facilities, when a tag table is given).
pub fn read_pbf(path: &Path, opts: &OsmOptions) -> Result<OsmData> {
    let file = std::fs::File::open(path).map_err(|e| AccessError::io(path, e))?;
    read_pbf_from(std::io::BufReader::new(file), path, opts)
}

/// Read PBF bytes from any reader; `path` is used for messages only.
pub fn read_pbf_from<R: Read + Send>(reader: R, path: &Path, opts: &OsmOptions) -> Result<OsmData> {
    let pbf_err = |m: String| AccessError::Pbf {
        path: path.to_path_buf(),
        message: m,
    };
    if !(opts.ferry_speed_kmh > 0.0 && opts.ferry_speed_kmh.is_finite()) {
        return Err(AccessError::config(
            "ferry_speed_kmh",
            "must be a positive number",
        ));
    }
    // Read blobs sequentially (I/O), decode in parallel. osmpbf reports truncation and bad
    // protobuf as errors; the catch_unwind is a last line of defence against a decoder panic
    // on adversarial bytes, turned into the same error.
    let blobs: Vec<osmpbf::Blob> = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        BlobReader::new(reader).collect::<std::result::Result<Vec<_>, _>>()
    }))
    .map_err(|_| pbf_err("decoder panicked on malformed data".into()))?
    .map_err(|e| pbf_err(e.to_string()))?;
    if blobs.is_empty() {
        return Err(pbf_err("file is empty or has no data blocks".into()));
    }
    let table = opts.facility_tags.as_ref();
    let chunks: Vec<Chunk> = blobs
        .par_iter()
        .map(|blob| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match blob.decode() {
                Ok(BlobDecode::OsmData(block)) => Ok(scan_block(&block, table)),
                Ok(_) => Ok(Chunk::default()),
                Err(e) => Err(e.to_string()),
            }))
            .unwrap_or_else(|_| Err("decoder panicked on malformed data".into()))
        })
        .collect::<std::result::Result<Vec<_>, String>>()
        .map_err(pbf_err)?;
    drop(blobs);
    build(chunks, path, opts)
}

fn build(chunks: Vec<Chunk>, path: &Path, opts: &OsmOptions) -> Result<OsmData> {
    let mut stats = OsmStats::default();
    let mut nodes: Vec<(i64, f64, f64)> =
        Vec::with_capacity(chunks.iter().map(|c| c.nodes.len()).sum());
    let mut ways = Vec::new();
    let mut poi_nodes = Vec::new();
    let mut poi_ways = Vec::new();
    for mut c in chunks {
        nodes.append(&mut c.nodes);
        ways.append(&mut c.ways);
        poi_nodes.append(&mut c.poi_nodes);
        poi_ways.append(&mut c.poi_ways);
        stats.osm_ways += c.osm_ways;
        stats.excluded_ways += c.excluded;
    }
    stats.osm_nodes = nodes.len();
    nodes.par_sort_unstable_by_key(|n| n.0);
    nodes.dedup_by_key(|n| n.0);
    let pos_of = |id: i64| nodes.binary_search_by_key(&id, |n| n.0).ok();

    let mut index: Vec<u32> = vec![u32::MAX; nodes.len()];
    let (mut lon, mut lat, mut osm_id) = (Vec::new(), Vec::new(), Vec::new());
    let mut edges: Vec<Edge> = Vec::new();
    let ferry_mps = opts.ferry_speed_kmh / 3.6;
    for (kind, refs) in &ways {
        match kind {
            WayKind::Walk { .. } => stats.walk_ways += 1,
            WayKind::Ferry { .. } => stats.ferry_ways += 1,
        }
        // Resolve refs; a missing node breaks the way there.
        let mut resolved: Vec<Option<u32>> = Vec::with_capacity(refs.len());
        for &r in refs {
            match pos_of(r) {
                Some(p) => {
                    if index[p] == u32::MAX {
                        if lon.len() >= u32::MAX as usize - 1 {
                            return Err(AccessError::TooLarge {
                                message: "more than 2^32-2 walkable nodes".into(),
                            });
                        }
                        index[p] = lon.len() as u32;
                        lon.push(nodes[p].1);
                        lat.push(nodes[p].2);
                        osm_id.push(nodes[p].0);
                    }
                    resolved.push(Some(index[p]));
                }
                None => resolved.push(None),
            }
        }
        let mut segs: Vec<(u32, u32, f64)> = Vec::with_capacity(refs.len());
        for w in resolved.windows(2) {
            match (w[0], w[1]) {
                (Some(a), Some(b)) if a != b => {
                    let l = haversine_m(
                        lon[a as usize],
                        lat[a as usize],
                        lon[b as usize],
                        lat[b as usize],
                    );
                    segs.push((a, b, l));
                }
                (Some(_), Some(_)) => {}
                _ => stats.missing_node_refs += 1,
            }
        }
        match *kind {
            WayKind::Walk { oneway } => {
                for (a, b, l) in segs {
                    let (from, to) = if oneway < 0 { (b, a) } else { (a, b) };
                    edges.push(Edge {
                        from,
                        to,
                        length_m: l,
                        fixed_time_s: None,
                        oneway: oneway != 0,
                    });
                }
            }
            WayKind::Ferry { duration_s } => {
                let total: f64 = segs.iter().map(|s| s.2).sum();
                for (a, b, l) in segs {
                    let t = match duration_s {
                        Some(d) if total > 0.0 => d * l / total,
                        _ => l / ferry_mps,
                    };
                    edges.push(Edge {
                        from: a,
                        to: b,
                        length_m: l,
                        fixed_time_s: Some(t),
                        oneway: false,
                    });
                }
            }
        }
    }
    if edges.is_empty() {
        return Err(AccessError::EmptyNetwork {
            path: path.to_path_buf(),
        });
    }
    let network = Network::from_edges(lon, lat, osm_id, edges)?;

    let mut facilities = Vec::new();
    for (id, lo, la, ft, name) in poi_nodes {
        facilities.push(Facility {
            id: format!("n{id}"),
            facility_type: ft,
            name,
            lon: lo,
            lat: la,
            capacity: None,
            source: format!("{}: node {id}", path.display()),
        });
    }
    let mut seen: HashMap<i64, ()> = HashMap::new();
    for (id, refs, ft, name) in poi_ways {
        if seen.insert(id, ()).is_some() {
            continue;
        }
        // Closed ways repeat the first node: skip it so it is not counted twice.
        let take = if refs.len() > 1 && refs.first() == refs.last() {
            refs.len() - 1
        } else {
            refs.len()
        };
        let pts: Vec<(f64, f64)> = refs[..take]
            .iter()
            .filter_map(|&r| pos_of(r).map(|p| (nodes[p].1, nodes[p].2)))
            .collect();
        if pts.is_empty() {
            continue;
        }
        let k = pts.len() as f64;
        let (sx, sy) = pts.iter().fold((0.0, 0.0), |a, p| (a.0 + p.0, a.1 + p.1));
        facilities.push(Facility {
            id: format!("w{id}"),
            facility_type: ft,
            name,
            lon: sx / k,
            lat: sy / k,
            capacity: None,
            source: format!("{}: way {id}", path.display()),
        });
    }
    Ok(OsmData {
        network,
        facilities,
        stats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_s("45"), Some(2700.0));
        assert_eq!(parse_duration_s("01:30"), Some(5400.0));
        assert_eq!(parse_duration_s("0:20:30"), Some(1230.0));
        assert_eq!(parse_duration_s("PT1H15M"), Some(4500.0));
        assert_eq!(parse_duration_s("PT30S"), Some(30.0));
        assert_eq!(parse_duration_s("soon"), None);
        assert_eq!(parse_duration_s(""), None);
        assert_eq!(parse_duration_s("0"), None);
        assert_eq!(parse_duration_s("PT"), None);
    }

    #[test]
    fn way_rules() {
        let k = |t: &[(&str, &str)]| way_kind(t);
        assert_eq!(
            k(&[("highway", "residential"), ("oneway", "yes")]),
            Some(Ok(WayKind::Walk { oneway: 0 }))
        );
        assert_eq!(
            k(&[("highway", "footway"), ("oneway:foot", "yes")]),
            Some(Ok(WayKind::Walk { oneway: 1 }))
        );
        assert_eq!(k(&[("highway", "motorway")]), None);
        assert_eq!(k(&[("highway", "primary"), ("foot", "no")]), Some(Err(())));
        assert_eq!(
            k(&[("highway", "service"), ("access", "private")]),
            Some(Err(()))
        );
        assert_eq!(
            k(&[("highway", "service"), ("access", "no"), ("foot", "yes")]),
            Some(Ok(WayKind::Walk { oneway: 0 }))
        );
        assert_eq!(
            k(&[("route", "ferry"), ("duration", "00:20")]),
            Some(Ok(WayKind::Ferry {
                duration_s: Some(1200.0)
            }))
        );
        assert_eq!(k(&[("building", "yes")]), None);
    }

    #[test]
    fn tag_table_classifies() {
        let t = TagTable::default();
        assert_eq!(
            t.classify(&[("amenity", "school"), ("isced:level", "1")]),
            Some("primary_school")
        );
        assert_eq!(t.classify(&[("amenity", "school")]), Some("school"));
        assert_eq!(
            t.classify(&[
                ("amenity", "social_facility"),
                ("social_facility:for", "senior")
            ]),
            Some("elderly_care")
        );
        assert_eq!(t.classify(&[("leisure", "sports_centre")]), Some("sports"));
        assert_eq!(t.classify(&[("amenity", "bench")]), None);
    }
}
