//! Snapping points to the network with an R-tree over unit-sphere vectors (exact
//! great-circle nearest node).
//!
//! **Choice:** by default points snap to nodes of the **largest weakly connected component**
//! only ([`SnapTo::LargestComponent`]). Small fragments (a footway inside a car park, a
//! mapping error) would otherwise capture residents or facilities and make them unreachable
//! from everything else. [`SnapTo::AllNodes`] is available when the extract is a set of
//! islands joined by nothing, or the caller wants the raw behaviour.

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::{Deserialize, Serialize};

use crate::geo::{haversine_m, unit_vector};
use crate::graph::Network;

/// Which nodes points may snap to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SnapTo {
    #[default]
    LargestComponent,
    AllNodes,
}

/// A point snapped to a node.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Snap {
    pub node: u32,
    /// Great-circle distance from the point to the node (metres), walked too.
    pub snap_m: f64,
}

/// Nearest-node index.
pub struct Snapper {
    tree: RTree<GeomWithData<[f64; 3], u32>>,
    lon: Vec<f64>,
    lat: Vec<f64>,
}

impl Snapper {
    /// Index the network's nodes (all, or the largest component's).
    pub fn new(net: &Network, to: SnapTo) -> Snapper {
        let pts: Vec<GeomWithData<[f64; 3], u32>> = (0..net.node_count())
            .filter(|&v| to == SnapTo::AllNodes || net.component[v] == net.largest_component)
            .map(|v| GeomWithData::new(unit_vector(net.lon[v], net.lat[v]), v as u32))
            .collect();
        Snapper {
            tree: RTree::bulk_load(pts),
            lon: net.lon.clone(),
            lat: net.lat.clone(),
        }
    }

    /// Nearest node within `max_m` metres, or `None` (off the network).
    pub fn snap(&self, lon: f64, lat: f64, max_m: f64) -> Option<Snap> {
        if !crate::geo::valid_lon_lat(lon, lat) {
            return None;
        }
        let g = self.tree.nearest_neighbor(&unit_vector(lon, lat))?;
        let v = g.data;
        let d = haversine_m(lon, lat, self.lon[v as usize], self.lat[v as usize]);
        (d <= max_m).then_some(Snap { node: v, snap_m: d })
    }
}
