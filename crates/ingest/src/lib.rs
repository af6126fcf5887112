//! Reading reported values and places from the files people actually have, checking them
//! with row-and-column-exact messages, and writing per-reporter templates in Chinese.
//!
//! Pure apart from reading bytes: no database, no HTTP, no clock.
//!
//! * [`read_values`] — a values file (CSV in UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030, or
//!   Excel `.xlsx`; detected by content) → [`ValueRow`]s. Blank rows are skipped; every
//!   problem in the file is reported at once, never just the first.
//! * [`validate`] — rows against a plan, a place tree and the uploading reporter's scope →
//!   [`Validated`] (keys ready to store, errors, warnings). **An upload is all-or-nothing:**
//!   when `errors` is non-empty the caller must write nothing.
//! * [`write_template`] / [`write_template_csv`] — the per-reporter template.
//! * [`read_divisions`] / [`read_places`] — places from the national divisions CSVs or a
//!   generic places file.
//!
//! Every error is an [`IngestError`] whose `Display` reads like
//! `values.csv 第12行 E列(数值):“abc”不是数字`.
//!
//! Files come from people who may mean harm: every reader works within [`ReadLimits`]
//! (unpacked size, rows, columns, cells, line and cell length, errors listed), checked
//! before the memory is taken, and refuses a file over a limit with a message naming it.

// `IngestError` carries the file, row, column, cell text and reason by value so that it can
// be shown and serialized as is; it is built only on the cold path of a bad file.
#![allow(clippy::result_large_err)]

mod assist;
mod assist_resources;
pub mod catalogue;
mod error;
mod facilities;
mod headers;
mod limits;
pub mod parse;
mod places;
mod projects;
mod table;
mod targets;
mod template;
mod units;
mod validate;
mod values;
pub mod xlsform;

pub use assist::{NEEDS_SHEET, RESOURCES_SHEET, read_needs, read_resources};
pub use assist_resources::{
    REGISTER_RESOURCES_SHEET, VENTURES_SHEET, read_register_resources, read_ventures,
};
pub use error::{Column, IngestError, IngestWarning, column_letter};
pub use facilities::{
    FACILITIES_SHEET, FACILITY_HEADERS, facility_row, read_facilities, write_facilities_csv,
    write_facilities_geojson, write_facilities_xlsx,
};
pub use limits::{ReadLimits, omitted_errors_line};
pub use places::{PLACES_SHEET, read_divisions, read_places, read_places_with};
pub use projects::{PROJECTS_SHEET, ProjectRow, read_project_rows};
pub use table::{SourceFormat, TextEncoding, detect_format};
pub use targets::{TARGETS_SHEET, TargetRow, read_target_rows};
pub use template::{
    INSTRUCTIONS_SHEET, TEMPLATE_HEADERS, display_width, places_by_role, reporter_places,
    template_rows, write_template, write_template_csv,
};
pub use units::{
    UNIT_HEADERS, UNITS_SHEET, read_units, unit_row, write_units_csv, write_units_xlsx,
};
pub use validate::{Validated, default_deadline, period_example, validate, validate_with};
pub use values::{
    IGNORED_VALUE_COLUMNS, RowSource, VALUES_SHEET, ValueRow, ValuesFile, ValuesRead, read_values,
    read_values_file, read_values_partial, read_values_with,
};
