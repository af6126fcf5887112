//! Integration tests for youxiang-access (one test binary; modules below).

mod common;
mod errors;
mod exactness;
mod pipeline;
mod props;
