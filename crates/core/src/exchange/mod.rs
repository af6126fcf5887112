//! Exchange with other systems' formats, pure: the documents, the mappings of their
//! identifiers onto the plan's codes, and the import summaries. The app does the reading
//! and writing (`app/src/exchange.rs`).

pub mod dhis2;
