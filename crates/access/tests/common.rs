//! Shared helpers: locating the reference data relative to the repository root.

use std::path::PathBuf;

/// `../shared/data/osm/porto-alegre/<name>` from the repository root, or `None` (with a
/// printed message) when the shared data folder is absent on this machine.
pub fn poa(name: &str) -> Option<PathBuf> {
    youxiang_testkit::shared(&format!("data/osm/porto-alegre/{name}"))
}
