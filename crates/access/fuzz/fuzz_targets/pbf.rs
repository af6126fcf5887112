//! Any bytes as an OSM PBF: `read_pbf_from` (blob framing, zlib, protobuf, the walking
//! network and the facilities of the default tag table) returns a network or an error that
//! names the file, and never panics out.
//!
//! The reader contains a panic inside the osmpbf decoder (`catch_unwind`, reported as a
//! malformed file), so such a panic is not a crash: the hook below prints each distinct one
//! once as `youxiang-fuzz: panic at FILE:LINE: MESSAGE`, and `scripts/fuzz` counts those
//! lines. A panic that escapes the reader aborts (libfuzzer-sys), which is a crash.
#![no_main]

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Mutex, Once, OnceLock};

use libfuzzer_sys::fuzz_target;
use youxiang_access::osm::read_pbf_from;
use youxiang_access::{AccessError, OsmOptions, TagTable};

fn report_panics_once() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
        std::panic::set_hook(Box::new(|info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_else(|| "?".into());
            let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
            if seen.get_or_insert_with(HashSet::new).insert(at.clone()) {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                eprintln!("youxiang-fuzz: panic at {at}: {msg}");
            }
        }));
    });
}

fn options() -> &'static OsmOptions {
    static OPTS: OnceLock<OsmOptions> = OnceLock::new();
    OPTS.get_or_init(|| OsmOptions {
        facility_tags: Some(TagTable::default()),
        ..OsmOptions::default()
    })
}

fuzz_target!(|data: &[u8]| {
    report_panics_once();
    match read_pbf_from(data, Path::new("fuzz.pbf"), options()) {
        Err(e @ (AccessError::Pbf { .. } | AccessError::EmptyNetwork { .. })) => {
            let text = e.to_string();
            assert!(
                text.contains("fuzz.pbf"),
                "a PBF error does not name the file: {text}"
            );
        }
        Err(_) | Ok(_) => {}
    }
});
