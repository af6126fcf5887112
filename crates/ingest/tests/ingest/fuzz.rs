//! Never panic: arbitrary bytes, and valid files (CSV in each encoding, xlsx) with bytes
//! flipped, cut or inserted, go through reading and validation without a panic; every error
//! names the file.

use proptest::prelude::*;
use youxiang_ingest::{read_places, read_values, validate, write_template};

use crate::common::{fixture, plan, town_reporter, tree};

fn valid_files() -> Vec<Vec<u8>> {
    let csv = fixture("values-ok.csv");
    let text = String::from_utf8(csv.clone()).unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(&csv);
    let xlsx = write_template(
        &plan(),
        &tree(),
        &town_reporter(),
        &["2024-03".parse().unwrap()],
    )
    .unwrap();
    vec![csv, gbk.into_owned(), bom, xlsx, fixture("places.csv")]
}

fn exercise(bytes: &[u8]) {
    let (plan, tree, who) = (plan(), tree(), town_reporter());
    match read_values(bytes, "f.csv") {
        Ok(rows) => {
            let v = validate(&rows, &plan, &tree, &who, |_| vec![1.0, 2.0, 3.0, 4.0, 5.0]);
            for e in &v.errors {
                assert!(e.to_string().starts_with("f.csv"));
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(e.to_string().starts_with("f.csv"), "{e}");
            }
        }
    }
    if let Err(errors) = read_places(bytes, "f.csv") {
        assert!(!errors.is_empty());
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        any::<usize>().prop_map(Mutation::Cut),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    Just(b','),
                    Just(b'"'),
                    Just(b'\n'),
                    Just(b'\r'),
                    Just(b'%'),
                    Just(0xFFu8),
                    any::<u8>()
                ],
                1..8
            )
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
    ]
}

fn apply(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::Flip(i, b) => {
                let i = i % bytes.len();
                bytes[i] ^= b | 1;
            }
            Mutation::Cut(i) => bytes.truncate(i % bytes.len()),
            Mutation::Insert(i, v) => {
                let i = i % bytes.len();
                bytes.splice(i..i, v.iter().copied());
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_zip_signature_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        let mut b = b"PK\x03\x04".to_vec();
        b.extend(bytes);
        exercise(&b);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[指标编码地点期间数值分项备注,\"\n\r T0-9.%,１２a-zA-Z]{0,300}") {
        let with_header = format!("指标编码,地点编码,期间,分项,数值,备注\n{text}");
        exercise(with_header.as_bytes());
        exercise(text.as_bytes());
    }

    #[test]
    fn mutated_valid_files_never_panic(
        which in 0usize..5,
        muts in prop::collection::vec(mutation(), 1..6)
    ) {
        let files = valid_files();
        let bytes = apply(files[which].clone(), &muts);
        exercise(&bytes);
    }
}
