//! The one integration-test binary of `plantext` (one binary per crate: linking is slow).

mod dinghai_plan;
mod published_seed;
