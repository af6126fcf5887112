//! How much a file may make the readers hold. Every limit is checked **before** the memory
//! for more is taken (a zip entry's size before it is unpacked, a cell's reference before its
//! row grows, a CSV line's length before it is split), and a file over a limit is refused
//! as a whole with a message that names the limit and what the file has.

use serde::Serialize;

use crate::error::IngestError;

/// The limits of one read. [`ReadLimits::default`] suits a values or places file of a
/// district or a province; a server sets its own from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadLimits {
    /// The content once unpacked, in bytes: for an `.xlsx`, the sum of its zip entries'
    /// sizes (the declared ones, and the bytes actually unpacked, since a declared size can
    /// lie); for a CSV, the file and its decoded text.
    pub max_content_bytes: u64,
    /// The highest row number (as Excel shows it, the header being row 1).
    pub max_rows: usize,
    /// The highest column of a filled cell (empty cells beyond it are ignored).
    pub max_columns: usize,
    /// The cells held: each row up to its last filled cell, summed over the rows.
    pub max_cells: usize,
    /// The longest line of a CSV, in bytes.
    pub max_line_bytes: usize,
    /// The longest cell, in characters (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// The most entries an `.xlsx` (a zip) may have.
    pub max_zip_entries: usize,
    /// The elements an `.xlsx` reader takes in whole before any cell is read — sheets,
    /// relationships, number formats, fonts, fills, borders, defined names, cell formats —
    /// summed over the parts. Their in-memory form is many times their text (a five-byte
    /// `<xf/>` becomes a style of some 150 bytes), so the unpacked size alone does not
    /// bound it. Shared strings count against `max_cells`.
    pub max_part_elements: usize,
    /// The cell formats (`<xf>`) of an `.xlsx` (Excel's own limit is 64,000); each takes a
    /// copy of its font's name and its number format.
    pub max_cell_formats: usize,
    /// The worksheets an `.xlsx` may list.
    pub max_sheets: usize,
    /// The longest XML tag of a font name, number format, sheet or cell format, in bytes
    /// (bounds what each cell format and sheet copies); a relationship's may be 8 times it.
    pub max_tag_bytes: usize,
    /// The errors (and, separately, the warnings) listed; the rest are counted.
    pub max_errors: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits {
            max_content_bytes: 50 * 1024 * 1024,
            max_rows: 1_000_000,
            max_columns: 200,
            max_cells: 5_000_000,
            max_line_bytes: 1024 * 1024,
            max_cell_chars: 32_767,
            max_zip_entries: 10_000,
            max_part_elements: 300_000,
            max_cell_formats: 65_536,
            max_sheets: 1_000,
            max_tag_bytes: 512,
            max_errors: 1_000,
        }
    }
}

/// `n` bytes as people read them: `512 KB`, `50 MB`, `1.5 GB`.
pub(crate) fn size_text(n: u64) -> String {
    const KB: f64 = 1024.0;
    let x = n as f64;
    if x < KB * KB {
        format!("{:.0} KB", (x / KB).ceil())
    } else if x < KB * KB * KB {
        let mb = x / (KB * KB);
        if mb.fract() == 0.0 {
            format!("{mb:.0} MB")
        } else {
            format!("{mb:.1} MB")
        }
    } else {
        format!("{:.1} GB", x / (KB * KB * KB))
    }
}

/// The refusal of a file over a limit: `文件超过限制:{what}`.
pub(crate) fn over(file: &str, what: impl std::fmt::Display) -> IngestError {
    IngestError::file(file, format!("文件超过限制:{what}"))
}

/// A list of problems that keeps the first `max` and counts the rest, so that a file of a
/// million bad rows costs a thousand messages.
#[derive(Debug)]
pub(crate) struct Capped<T> {
    pub items: Vec<T>,
    pub omitted: usize,
    max: usize,
}

impl<T> Capped<T> {
    pub fn new(max: usize) -> Self {
        Capped {
            items: Vec::new(),
            omitted: 0,
            max,
        }
    }

    pub fn push(&mut self, item: T) {
        if self.items.len() < self.max {
            self.items.push(item);
        } else {
            self.omitted += 1;
        }
    }
}

/// The line that stands for the errors not listed, for the readers whose answer is a plain
/// list: `另有 N 处错误未列出(只列出前 1000 处)`.
pub fn omitted_errors_line(file: &str, omitted: usize, listed: usize) -> IngestError {
    IngestError::file(
        file,
        format!("另有 {omitted} 处错误未列出(只列出前 {listed} 处)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_text(1600), "2 KB");
        assert_eq!(size_text(50 * 1024 * 1024), "50 MB");
        assert_eq!(size_text(80 * 1024 * 1024 + 512 * 1024), "80.5 MB");
        assert_eq!(size_text(3 * 1024 * 1024 * 1024), "3.0 GB");
    }

    #[test]
    fn capped_counts_the_rest() {
        let mut c = Capped::new(2);
        for i in 0..5 {
            c.push(i);
        }
        assert_eq!((c.items, c.omitted), (vec![0, 1], 3));
    }
}
