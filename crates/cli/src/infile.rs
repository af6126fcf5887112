//! Reading a file people hand the command line: its bytes and name, and a reader's row
//! errors as one message that says nothing was imported.

use std::path::Path;

use anyhow::{Context, Result};

/// The bytes and the bare file name of `file`.
pub fn read(file: &Path) -> Result<(Vec<u8>, String)> {
    let bytes = std::fs::read(file).with_context(|| format!("读取 {}", file.display()))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok((bytes, name))
}

/// `name 有 N 处问题,未导入任何<what>:` and every error on a line of its own.
pub fn refused<E: ToString>(name: &str, what: &str, errors: &[E]) -> anyhow::Error {
    anyhow::anyhow!(
        "{name} 有 {} 处问题,未导入任何{what}:\n  {}",
        errors.len(),
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n  ")
    )
}
