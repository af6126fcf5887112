//! Any bytes as a values file (CSV in UTF-8, UTF-8 with BOM, UTF-16 or GBK; bytes that start
//! with a zip signature take the xlsx path): reading and validation against the Dinghai plan
//! never panic, and every error names the file.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::report_panics_once();
    common::values(data, "fuzz.csv");
});
