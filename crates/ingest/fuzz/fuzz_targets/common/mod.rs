//! Shared by the ingest fuzz targets: the real Dinghai plan and a small place tree to
//! validate against, a well-formed xlsx package around fuzzed XML parts, and a panic hook
//! that reports each distinct panic once.
//!
//! The readers contain a panic inside calamine (`catch_unwind`, the file is then refused as
//! damaged), so such a panic is not a crash: the hook prints it once as
//! `youxiang-fuzz: panic at FILE:LINE: MESSAGE` and `scripts/fuzz` counts those lines. A
//! panic that escapes a reader still aborts the process (libfuzzer-sys wraps every run in
//! `catch_unwind` and aborts on a panic), which libFuzzer reports as a crash.
#![allow(dead_code)]

use std::collections::HashSet;
use std::io::{Cursor, Write};
use std::sync::{Mutex, Once, OnceLock};

use youxiang_core::place::PlaceTree;
use youxiang_core::plan::Plan;
use youxiang_core::scope::{Reporter, Role, Scope};
use youxiang_ingest::{IngestError, read_places, read_values_partial, validate};
use zip::write::SimpleFileOptions;

/// Installs the panic hook described above (once per process).
pub fn report_panics_once() {
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

pub fn plan() -> &'static Plan {
    static PLAN: OnceLock<Plan> = OnceLock::new();
    PLAN.get_or_init(|| {
        youxiang_plantext::planfile::load(include_str!(
            "../../../../../plans/dinghai-qiyouxiang.toml"
        ))
        .expect("the shipped plan loads")
    })
}

pub fn tree() -> &'static PlaceTree {
    static TREE: OnceLock<PlaceTree> = OnceLock::new();
    TREE.get_or_init(|| {
        let places = read_places(
            include_bytes!("../../../tests/fixtures/places.csv"),
            "places.csv",
        )
        .expect("the fixture places read");
        PlaceTree::build(places).expect("the fixture places form a tree")
    })
}

pub fn reporter() -> &'static Reporter {
    static WHO: OnceLock<Reporter> = OnceLock::new();
    WHO.get_or_init(|| Reporter {
        login: "fuzz".into(),
        name: "fuzz".into(),
        unit: "昌国街道".into(),
        role: Role::TownReporter,
        scope: Scope {
            places: vec!["330902002".into()],
            indicators: Vec::new(),
        },
    })
}

fn names_file(errors: &[IngestError], file: &str) {
    for e in errors {
        let text = e.to_string();
        assert!(
            text.starts_with(file),
            "an error does not name the file: {text}"
        );
    }
}

/// Reads `bytes` as a values file, validates what was read against the Dinghai plan, and
/// checks that every error names the file.
pub fn values(bytes: &[u8], file: &str) {
    match read_values_partial(bytes, file) {
        Ok((read, errors)) => {
            names_file(&errors, file);
            let checked = validate(&read.rows, plan(), tree(), reporter(), |_| {
                vec![1.0, 2.0, 3.0, 4.0, 5.0]
            });
            names_file(&checked.errors, file);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused file gave no error");
            names_file(&errors, file);
        }
    }
}

/// Reads `bytes` as a places file and builds a place tree from what was read.
pub fn places(bytes: &[u8], file: &str) {
    match read_places(bytes, file) {
        Ok(read) => {
            let _ = PlaceTree::build(read);
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused file gave no error");
            names_file(&errors, file);
        }
    }
}

/// Separates the fuzzed parts of an xlsx package in one input.
pub const PART_SEPARATOR: &[u8] = b"\n=====\n";

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\-mm"/></numFmts><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#;

const SHARED_STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>"#;

fn workbook(sheet: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;

fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() < 3 {
        match rest
            .windows(PART_SEPARATOR.len())
            .position(|w| w == PART_SEPARATOR)
        {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + PART_SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// A well-formed xlsx package (stored, not deflated, so the fuzzer's bytes reach the XML
/// parser as they are): `data` split at [`PART_SEPARATOR`] gives the sheet XML, then the
/// shared strings, the styles and the workbook; a part not given is a valid default with
/// one sheet named `sheet`.
pub fn xlsx(data: &[u8], sheet: &str) -> Vec<u8> {
    let parts = split_parts(data);
    let wb = workbook(sheet);
    let part = |i: usize, default: &'static [u8]| parts.get(i).copied().unwrap_or(default);
    let workbook_part: &[u8] = parts.get(3).copied().unwrap_or(wb.as_bytes());
    let files: [(&str, &[u8]); 7] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", ROOT_RELS.as_bytes()),
        ("xl/workbook.xml", workbook_part),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", part(0, b"")),
        ("xl/sharedStrings.xml", part(1, SHARED_STRINGS.as_bytes())),
        ("xl/styles.xml", part(2, STYLES.as_bytes())),
    ];
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finish").into_inner()
}
