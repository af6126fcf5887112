//! The ingest crate's one integration-test binary.

#[path = "ingest/common.rs"]
mod common;
#[path = "ingest/fuzz.rs"]
mod fuzz;
#[path = "ingest/hostile.rs"]
mod hostile;
#[path = "ingest/places.rs"]
mod places;
#[path = "ingest/template.rs"]
mod template;
#[path = "ingest/validate.rs"]
mod validate;
#[path = "ingest/values.rs"]
mod values;
#[path = "ingest/xlsform.rs"]
mod xlsform;
