//! # youxiang-access — the 15-minute public-service circle engine
//!
//! Reads an OpenStreetMap PBF into a walking network ([`osm::read_pbf`]), snaps residents
//! and facilities to it ([`snap`]), and computes for every origin the walking distance and
//! time to the nearest facility of each type with one exact multi-source Dijkstra per type
//! ([`dijkstra::multi_source`]), bounded by the horizon, types in parallel. Coverage per type
//! and for the basket, per place, the gap map ([`analysis::gap_geojson`]) and greedy
//! maximal-covering siting ([`siting`]) build on it. Without a network the engine falls back
//! to straight-line distance × a detour factor and labels every result as such.
//!
//! Distances are metres, times minutes. Map data © OpenStreetMap contributors, ODbL 1.0.

pub mod analysis;
pub mod dijkstra;
pub mod error;
pub mod geo;
pub mod graph;
pub mod input;
pub mod osm;
pub mod profile;
pub mod siting;
pub mod snap;

pub use analysis::{CoverageReport, Engine, Method, Settings, gap_geojson};
pub use error::{AccessError, Result};
pub use graph::{Edge, Network};
pub use input::{Facility, FacilityCsvOptions, Origin};
pub use osm::{OsmData, OsmOptions, TagTable, read_pbf};
pub use profile::{Profile, Rule};
pub use siting::{Candidate, SiteReport, candidates_from_origins};
pub use snap::SnapTo;
