//! The crate's single error type. Every variant that comes from a file names the file,
//! and where it makes sense the row (1-based, header = row 1) and the column.

use std::path::PathBuf;

/// Everything that can go wrong in the access engine.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The file could not be opened or read.
    #[error("{path}: cannot read file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The OSM PBF is truncated, corrupt or not a PBF at all.
    #[error("{path}: not a readable OSM PBF file: {message}")]
    Pbf { path: PathBuf, message: String },

    /// The PBF was read but holds nothing to walk on.
    #[error("{path}: no walkable ways found (is this an OpenStreetMap extract with highways?)")]
    EmptyNetwork { path: PathBuf },

    /// A required column is missing from a CSV header.
    #[error("{path}: row 1 (header): missing column '{column}' (expected one of: {expected})")]
    MissingColumn {
        path: PathBuf,
        column: String,
        expected: String,
    },

    /// A value in a CSV/GeoJSON record could not be used.
    #[error("{path}: row {row}, column '{column}': {message}")]
    BadValue {
        path: PathBuf,
        row: usize,
        column: String,
        message: String,
    },

    /// A CSV record could not be parsed at all (wrong number of fields, bad quoting, encoding).
    #[error("{path}: row {row}: {message}")]
    BadRecord {
        path: PathBuf,
        row: usize,
        message: String,
    },

    /// A JSON/GeoJSON/TOML document is malformed.
    #[error("{path}: {message}")]
    BadDocument { path: PathBuf, message: String },

    /// A configuration value (speed, minutes, detour factor, profile) makes no sense.
    #[error("invalid setting '{name}': {message}")]
    Config { name: String, message: String },

    /// The graph exceeds the engine's index width.
    #[error("network too large: {message}")]
    TooLarge { message: String },
}

/// Result alias for the crate.
pub type Result<T, E = AccessError> = std::result::Result<T, E>;

impl AccessError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AccessError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn config(name: &str, message: impl Into<String>) -> Self {
        AccessError::Config {
            name: name.to_string(),
            message: message.into(),
        }
    }
}

/// Reads a TOML document, or a JSON one when the file ends in `.json`, into `T`.
pub(crate) fn load_document<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
) -> Result<T, AccessError> {
    let text = std::fs::read_to_string(path).map_err(|e| AccessError::io(path, e))?;
    let bad = |message: String| AccessError::BadDocument {
        path: path.into(),
        message,
    };
    if path.extension().and_then(|e| e.to_str()) == Some("json") {
        serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
    } else {
        toml::from_str(&text).map_err(|e| bad(e.to_string()))
    }
}
