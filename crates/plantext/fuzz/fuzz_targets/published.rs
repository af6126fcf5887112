//! Any bytes: decoding never panics; any text: reading, JSON and `into_plan` never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use youxiang_plantext::published::{decode, read_published};

fuzz_target!(|data: &[u8]| {
    let _ = decode(data);
    let text = String::from_utf8_lossy(data);
    let imported = read_published(&text);
    let _ = imported.to_json();
    let _ = imported.into_plan("fuzz", "fuzz", "fuzz").validate();
});
