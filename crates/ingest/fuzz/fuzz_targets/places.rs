//! Any bytes as a places file (CSV in any accepted encoding); bytes that start with `<` are
//! also read as the XML of the 地点 sheet of a well-formed xlsx package. Reading never
//! panics, every error names the file, and building a place tree from what was read never
//! panics.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use youxiang_ingest::PLACES_SHEET;

fuzz_target!(|data: &[u8]| {
    common::report_panics_once();
    common::places(data, "fuzz.csv");
    if data.starts_with(b"<") {
        common::places(&common::xlsx(data, PLACES_SHEET), "fuzz.xlsx");
    }
});
