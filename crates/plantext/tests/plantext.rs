//! The one integration-test binary of `plantext` (one binary per crate: linking is slow).

mod dinghai_plan;
mod fixtures;
mod generated_tables;
mod published_seed;
