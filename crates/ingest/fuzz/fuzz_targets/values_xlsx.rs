//! An xlsx values file: bytes that start with a zip signature are read as they are; any
//! other bytes become the XML parts of a well-formed package (see `common::xlsx`), so the
//! fuzzer works on calamine's XML reading rather than on the zip checksum. Reading and
//! validation never panic, and every error names the file.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use youxiang_ingest::VALUES_SHEET;

fuzz_target!(|data: &[u8]| {
    common::report_panics_once();
    if data.starts_with(b"PK\x03\x04") {
        common::values(data, "fuzz.xlsx");
    } else {
        common::values(&common::xlsx(data, VALUES_SHEET), "fuzz.xlsx");
    }
});
