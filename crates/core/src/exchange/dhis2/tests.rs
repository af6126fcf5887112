use super::*;
use crate::period::Period;
use crate::place::Level;
use crate::plan::{Aggregation, Indicator};

/// The write check's test indicator, named.
fn indicator(code: &str, name: &str, aggregation: Aggregation) -> Indicator {
    Indicator {
        name: name.into(),
        ..crate::write::tests::indicator(code, aggregation, None)
    }
}

fn plan() -> Plan {
    Plan {
        code: "p".into(),
        name: "计划".into(),
        issuer: "区政府".into(),
        place: "d".into(),
        published: String::new(),
        baseline_year: 2022,
        target_years: vec![2025, 2027],
        version: 1,
        domains: vec![],
        indicators: vec![
            indicator("S", "床位数", Aggregation::Sum),
            indicator(
                "R",
                "覆盖率",
                Aggregation::RatioOfSums {
                    numerator: "人数".into(),
                    denominator: "人口".into(),
                    scale: 100.0,
                },
            ),
        ],
        tasks: vec![],
        projects: vec![],
        revisions: vec![],
    }
}

fn places() -> Vec<Place> {
    let p = |code: &str, name: &str, parent: Option<&str>, level| Place {
        code: code.into(),
        name: name.into(),
        level,
        parent: parent.map(Into::into),
        lon: None,
        lat: None,
        population: Default::default(),
    };
    vec![
        p("d", "定海区", None, Level::County),
        p("t1", "甲镇", Some("d"), Level::Town),
        p("v1", "新村", Some("t1"), Level::Village),
        p("t2", "乙镇", Some("d"), Level::Town),
        p("v2", "新村", Some("t2"), Level::Village),
    ]
}

fn mapping() -> Mapping {
    Mapping::build(&plan(), &places(), &MappingFile::default()).expect("mapping")
}

#[test]
fn periods_round_trip_in_dhis2_text() {
    let cases = [
        ("2025", Period::year_of(2025)),
        ("2025S1", Period::half(2025, 1)),
        ("2025S2", Period::half(2025, 2)),
        ("2025Q1", Period::quarter(2025, 1)),
        ("2025Q4", Period::quarter(2025, 4)),
        ("202503", Period::month(2025, 3)),
        ("202512", Period::month(2025, 12)),
        ("2025W5", Period::week(2025, 5)),
        ("2026W53", Period::week(2026, 53)),
    ];
    for (text, p) in cases {
        let p = p.unwrap();
        assert_eq!(period_text(&p), text);
        assert_eq!(parse_period(text), Ok(p), "{text}");
    }
    // Every period of a year round-trips.
    for kind in [
        PeriodKind::Year,
        PeriodKind::Half,
        PeriodKind::Quarter,
        PeriodKind::Month,
        PeriodKind::Week,
    ] {
        let mut p =
            Period::containing(kind, chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()).unwrap();
        while p.year() <= 2026 {
            assert_eq!(parse_period(&period_text(&p)), Ok(p));
            p = p.succ().unwrap();
        }
    }
    assert_eq!(
        parse_period("2025W05"),
        Period::week(2025, 5).map_err(|e| e.to_string())
    );
}

#[test]
fn periods_dhis2_has_but_the_plan_lacks_are_named() {
    for text in [
        "20250315",
        "2025BiW1",
        "202501B",
        "2025AprilS1",
        "2025July",
        "2025Oct",
        "2025WedW1",
    ] {
        let e = parse_period(text).unwrap_err();
        assert!(e.contains("本系统只支持"), "{text}: {e}");
    }
    for text in [
        "", "25", "2025Q5", "2025S3", "202513", "2025W53", "2025-03", "abcd", "2025X",
    ] {
        assert!(parse_period(text).is_err(), "{text}");
    }
}

#[test]
fn uids_are_stable_and_of_dhis2_form() {
    let a = stable_uid("dataElement", "T01");
    assert_eq!(a, stable_uid("dataElement", "T01"));
    assert_ne!(a, stable_uid("dataElement", "T02"));
    assert_ne!(a, stable_uid("orgUnit", "T01"));
    assert!(is_uid(&a), "{a}");
    // Pinned: a change of the algorithm would break every partner's mapping.
    assert_eq!(a, stable_uid("dataElement", "T01"));
    for code in ["", "x", "330902002", "很长的中文代码"] {
        assert!(is_uid(&stable_uid("orgUnit", code)));
    }
    assert!(is_uid(DEFAULT_COMBO_UID));
    assert!(!is_uid("1abcdefghij") && !is_uid("abc") && !is_uid("abcdefghij-"));
}

#[test]
fn the_default_mapping_is_derived_from_the_plan() {
    let m = mapping();
    let s = m.data_elements.of(&"S".to_string()).unwrap();
    assert_eq!((s.code.as_str(), s.name.as_str()), ("S", "床位数"));
    assert_eq!(s.uid, stable_uid("dataElement", "S"));
    assert_eq!(
        m.data_elements.find(IdScheme::Uid, &s.uid),
        Ok(&"S".to_string())
    );
    assert_eq!(
        m.data_elements.find(IdScheme::Name, "覆盖率"),
        Ok(&"R".to_string())
    );
    let value = m.category_option_combos.of(&Component::Value).unwrap();
    assert_eq!(value.uid, DEFAULT_COMBO_UID);
    assert_eq!(
        m.category_option_combos.find(IdScheme::Code, "numerator"),
        Ok(&Component::Numerator)
    );
    // Two villages share a name: by name it is ambiguous, by code it is not.
    assert!(
        m.org_units
            .find(IdScheme::Name, "新村")
            .unwrap_err()
            .contains("多个")
    );
    assert_eq!(
        m.org_units.find(IdScheme::Code, "v2"),
        Ok(&"v2".to_string())
    );
    assert!(m.org_units.find(IdScheme::Uid, "v2").is_err());
}

#[test]
fn a_mapping_file_overrides_and_its_mistakes_are_all_named() {
    let file = MappingFile::parse(
        r#"
[data_set]
uid = "QyxDataSet1"

[[data_element]]
indicator = "S"
uid = "fbfJHSPpUQD"
code = "BEDS"

[[org_unit]]
place = "t1"
uid = "DiszpKrYNg8"
"#,
    )
    .unwrap();
    let m = Mapping::build(&plan(), &places(), &file).unwrap();
    assert_eq!(
        m.data_elements.find(IdScheme::Uid, "fbfJHSPpUQD"),
        Ok(&"S".to_string())
    );
    assert_eq!(
        m.data_elements.find(IdScheme::Code, "BEDS"),
        Ok(&"S".to_string())
    );
    assert_eq!(
        m.org_units.find(IdScheme::Uid, "DiszpKrYNg8"),
        Ok(&"t1".to_string())
    );
    assert!(m.is_data_set("QyxDataSet1"));
    assert_eq!(MappingFile::parse(&file.to_toml()), Ok(file));

    let bad = MappingFile::parse(
        r#"
[[data_element]]
indicator = "NOPE"
[[data_element]]
indicator = "S"
code = "R"
[[org_unit]]
place = "t2"
uid = "short"
[[category_option_combo]]
component = "分子"
"#,
    )
    .unwrap();
    let problems = Mapping::build(&plan(), &places(), &bad).unwrap_err();
    let all = problems.join("\n");
    for needle in [
        "“NOPE”不存在",
        "CODE“R”被多个对象使用",
        "“short”不是",
        "分量“分子”不存在",
    ] {
        assert!(all.contains(needle), "{needle} in {all}");
    }
    assert!(MappingFile::parse("[[data_element]]\nindicator = \"S\"\ncolour = \"red\"").is_err());
}

#[test]
fn schemes_follow_dhis2_precedence() {
    let payload = SchemeChoice {
        org_unit: Some(IdScheme::Name),
        ..SchemeChoice::default()
    };
    let query = SchemeChoice {
        id_scheme: Some(IdScheme::Code),
        data_element: Some(IdScheme::Uid),
        ..SchemeChoice::default()
    };
    let s = payload.over(&query);
    assert_eq!(
        (s.data_element, s.org_unit, s.category_option_combo),
        (IdScheme::Uid, IdScheme::Name, IdScheme::Code)
    );
    assert_eq!(
        SchemeChoice::default().over(&SchemeChoice::default()),
        IdSchemes::default()
    );
    assert_eq!("CODE".parse::<IdScheme>(), Ok(IdScheme::Code));
    assert!(
        "attribute:DnrLSdo4hMl"
            .parse::<IdScheme>()
            .unwrap_err()
            .contains("属性")
    );
}

/// The bulk example of <https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html#webapi_sending_bulks_data_values>.
#[test]
fn the_documented_json_reads_with_values_as_text_or_number() {
    let set: DataValueSet = serde_json::from_str(
        r#"{"dataSet": "pBOMPrpg1QX", "completeDate": "2014-02-03", "period": "201401",
            "orgUnit": "DiszpKrYNg8",
            "dataValues": [
              {"dataElement": "f7n9E0hX8qk", "value": "1"},
              {"dataElement": "Ix2HsbDMLea", "value": 2, "followUp": "true"},
              {"dataElement": "eY5ehpbEsB7", "value": "3", "comment": "comment3", "deleted": false}
            ]}"#,
    )
    .unwrap();
    assert_eq!(set.period.as_deref(), Some("201401"));
    assert_eq!(set.data_values[1].value.as_deref(), Some("2"));
    assert_eq!(set.data_values[1].followup, Some(true));
    assert_eq!(set.data_values[2].comment.as_deref(), Some("comment3"));
    let out = serde_json::to_value(&set).unwrap();
    assert_eq!(out["dataValues"][0]["dataElement"], "f7n9E0hX8qk");
    assert_eq!(out["completeDate"], "2014-02-03");
}

#[test]
fn csv_is_written_and_read_in_dhis2_columns() {
    let m = mapping();
    let key = ValueKey {
        indicator: "R".into(),
        place: "v1".into(),
        period: Period::year_of(2024).unwrap(),
        component: Component::Numerator,
    };
    let at = chrono::NaiveDate::from_ymd_opt(2025, 1, 2)
        .unwrap()
        .and_hms_opt(3, 4, 5)
        .unwrap();
    let v = data_value(
        &m,
        IdSchemes::all(IdScheme::Code),
        &key,
        85.5,
        "town-1",
        at,
        "含\"引号\",逗号",
    )
    .unwrap();
    let set = DataValueSet {
        data_values: vec![v.clone()],
        ..DataValueSet::default()
    };
    let text = write_csv(&set);
    assert!(text.starts_with(
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted\n"
    ));
    assert!(text.contains("R,2024,v1,numerator,default,85.5,town-1,2025-01-02T03:04:05.000,\"含\"\"引号\"\",逗号\",false,"), "{text}");
    let back = read_csv(&text).unwrap();
    let got = &back.data_values[0];
    assert_eq!(
        (
            got.data_element.as_str(),
            got.value.as_deref(),
            got.comment.as_deref()
        ),
        ("R", Some("85.5"), Some("含\"引号\",逗号"))
    );
    // The documented import example: quoted, its own header names, an empty combo cell.
    let doc = "\u{feff}\"dataelement\",\"period\",\"orgunit\",\"catoptcombo\",\"attroptcombo\",\"value\",\"storedby\",\"timestamp\"\r\n\"DUSpd8Jq3M7\",\"201202\",\"gP6hn503KUX\",\"Prlt0C1RF0s\",,\"7\",\"bombali\",\"2010-04-17\"\r\n\r\n";
    let set = read_csv(doc).unwrap();
    assert_eq!(set.data_values.len(), 1);
    assert_eq!(set.data_values[0].attribute_option_combo, None);
    assert_eq!(set.data_values[0].stored_by.as_deref(), Some("bombali"));
    // Without a header every row is data; an unclosed quote names its line.
    assert_eq!(read_csv("a,2025,b,,,1\n").unwrap().data_values.len(), 1);
    assert!(
        read_csv("de\na,\"2025\nb")
            .unwrap_err()
            .value
            .contains("第 2 行")
    );
}

#[test]
fn resolving_names_every_problem_with_its_position() {
    let m = mapping();
    let s_uid = stable_uid("dataElement", "S");
    let t1 = stable_uid("orgUnit", "t1");
    let set: DataValueSet = serde_json::from_value(serde_json::json!({
        "period": "2025",
        "dataValues": [
            {"dataElement": s_uid, "orgUnit": t1, "value": "3"},
            {"dataElement": "nosuchthing", "orgUnit": t1, "value": "3"},
            {"dataElement": s_uid, "orgUnit": "nowhere", "value": "3"},
            {"dataElement": s_uid, "orgUnit": t1, "period": "2025BiW1", "value": "3"},
            {"dataElement": s_uid, "orgUnit": t1, "value": "many"},
            {"dataElement": s_uid, "orgUnit": t1, "attributeOptionCombo": "x1234567890", "value": "1"},
            {"dataElement": s_uid, "orgUnit": t1, "categoryOptionCombo": "nope", "value": "1"},
            {"dataElement": s_uid, "orgUnit": t1, "deleted": true},
            {"dataElement": s_uid, "orgUnit": t1},
        ]
    }))
    .unwrap();
    let (ok, conflicts) = resolve(
        &set,
        &m,
        IdSchemes::default(),
        ImportStrategy::CreateAndUpdate,
    );
    assert_eq!(ok.iter().map(|i| i.index).collect::<Vec<_>>(), vec![0, 7]);
    assert_eq!(ok[0].value, Some(3.0));
    assert_eq!(ok[1].value, None);
    let by: Vec<(usize, &str)> = conflicts
        .iter()
        .map(|c| (c.indexes[0], c.property.as_deref().unwrap()))
        .collect();
    assert_eq!(
        by,
        vec![
            (1, "dataElement"),
            (2, "orgUnit"),
            (3, "period"),
            (4, "value"),
            (5, "attributeOptionCombo"),
            (6, "categoryOptionCombo"),
            (8, "value")
        ]
    );
    assert_eq!(conflicts[0].object, "nosuchthing");
    let summary = ImportSummary::of(
        ImportOptions {
            id_schemes: IdSchemes::default().into(),
            dry_run: true,
            import_strategy: ImportStrategy::CreateAndUpdate,
        },
        9,
        ImportCount::default(),
        conflicts,
    );
    assert_eq!(summary.status, ImportStatus::Error);
    assert_eq!(summary.import_count.ignored, 9);
    let json = serde_json::to_value(&summary).unwrap();
    assert_eq!(json["responseType"], "ImportSummary");
    assert_eq!(json["importCount"]["imported"], 0);
    assert_eq!(json["importOptions"]["importStrategy"], "CREATE_AND_UPDATE");
    assert!(
        json["conflicts"][0]["object"].is_string() && json["conflicts"][0]["value"].is_string()
    );
}
