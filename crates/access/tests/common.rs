//! Shared helpers: locating the reference data relative to the repository root.

use std::path::PathBuf;

/// `../shared/data/osm/porto-alegre/<name>` from the repository root, or `None` (with a
/// printed message) when the shared data folder is absent on this machine.
pub fn poa(name: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = root.join("../shared/data/osm/porto-alegre").join(name);
    if p.is_file() {
        Some(p)
    } else {
        println!("SKIPPED: reference data {} not found", p.display());
        None
    }
}
