//! A plain sheet (a title, a few headed sections of paragraphs and tables) rendered to PDF
//! with the same CJK font handling, headers and footers as the reports. Used for the
//! 幸福清单 of a household (issue 16 point 5); knows nothing of it.

use crate::doc::{Align, Block, Document, Section, Table, c};
use crate::{FontSource, ReportError};

/// One part of a sheet.
pub enum SheetBlock {
    Text(String),
    Note(String),
    /// Column titles and rows of cells (all left-aligned but the ones titled with `(元)`).
    Table(Vec<String>, Vec<Vec<String>>),
}

/// A sheet: title, subtitle, sections of blocks, a closing signature.
pub struct Sheet {
    pub title: String,
    pub subtitle: String,
    pub generated: String,
    /// A warning in every footer (e.g. 演示数据).
    pub data_note: Option<String>,
    pub sections: Vec<(String, Vec<SheetBlock>)>,
    pub signature: Vec<String>,
}

/// Renders a sheet as an A4 PDF.
pub fn render_sheet_pdf(s: &Sheet, fonts: &FontSource) -> Result<Vec<u8>, ReportError> {
    let sections = s
        .sections
        .iter()
        .map(|(heading, blocks)| Section {
            id: "sheet",
            heading: heading.clone(),
            keep: false,
            blocks: blocks
                .iter()
                .map(|b| match b {
                    SheetBlock::Text(t) => Block::Text(t.clone()),
                    SheetBlock::Note(t) => Block::Note(t.clone()),
                    SheetBlock::Table(cols, rows) => {
                        let spec: Vec<(&str, f32, Align)> = cols
                            .iter()
                            .map(|t| {
                                let align = if t.contains("元") {
                                    Align::Right
                                } else {
                                    Align::Left
                                };
                                (t.as_str(), 1.0, align)
                            })
                            .collect();
                        Block::Table(Table::new(
                            &spec,
                            rows.iter()
                                .map(|r| r.iter().map(|x| c(x.clone())).collect())
                                .collect(),
                        ))
                    }
                })
                .collect(),
            subsections: vec![],
        })
        .collect();
    let d = Document {
        title: s.title.clone(),
        subtitle: s.subtitle.clone(),
        generated: s.generated.clone(),
        data_note: s.data_note.clone(),
        page_head: s.subtitle.clone(),
        page_foot: s.title.clone(),
        description: s.title.clone(),
        sections,
        signature: s.signature.clone(),
    };
    crate::pdf::render(&d, fonts)
}
