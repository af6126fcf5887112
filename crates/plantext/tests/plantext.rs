//! The one integration-test binary of `plantext` (one binary per crate: linking is slow).

mod catalogue;
mod dinghai_plan;
mod fixtures;
mod generated_tables;
mod published_seed;
