//! Issue 18, point 4: DHIS2 `dataValueSets` exchange — the documentation's own payloads
//! (`fixtures/dhis2/`, from
//! <https://docs.dhis2.org/en/develop/using-the-api/dhis-core-version-240/data.html>)
//! imported through a mapping, an export imported back with `dryRun` all ignored, every
//! problem a conflict, all or nothing, and the scope of the importer.

use super::*;
use youxiang_core::exchange::dhis2::MappingFile;
use youxiang_core::value::ValueState;

const PATH: &str = "/api/v1/exchange/dhis2/dataValueSets";
const MAPPING: &str = include_str!("fixtures/dhis2/mapping.toml");

impl Client {
    /// `body` posted with `content_type`; the status and the JSON answer.
    async fn post_typed(
        &self,
        path: &str,
        content_type: &str,
        body: String,
    ) -> (StatusCode, Value) {
        let resp = self
            .with(self.http.post(format!("{}{path}", self.base)))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let resp = self
            .with(self.http.get(format!("{}{path}", self.base)))
            .send()
            .await
            .expect("send");
        (resp.status(), resp.text().await.unwrap_or_default())
    }
}

async fn with_mapping() -> Server {
    let s = start().await;
    let file = MappingFile::parse(MAPPING).expect("mapping");
    s.app
        .set_dhis2_mapping("office", &file)
        .await
        .expect("mapping set");
    s
}

fn count(b: &Value) -> (u64, u64, u64, u64) {
    let c = &b["response"]["importCount"];
    let n = |k: &str| c[k].as_u64().unwrap_or(u64::MAX);
    (n("imported"), n("updated"), n("ignored"), n("deleted"))
}

async fn stored(
    s: &Server,
    indicator: &str,
    place: &str,
    period: &str,
) -> Option<(f64, ValueState)> {
    let filter = youxiang_app::ValueFilter {
        indicator: Some(indicator.into()),
        place: Some(place.into()),
        period: Some(period.parse().expect("period")),
        ..Default::default()
    };
    let found = s.app.values(&filter).await.expect("values");
    found
        .into_iter()
        .find(|o| o.key.component == youxiang_core::value::Component::Value)
        .map(|o| (o.value, o.state))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_payloads_import_through_the_mapping() {
    let s = with_mapping().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let before = stored(&s, "T13", TOWN, "2025").await;
    // The documented single-set JSON with a period of the plan: a dry run counts, writes nothing.
    let doc = include_str!("fixtures/dhis2/doc-set-2025.json").to_string();
    let (st, b) = town
        .post_typed(
            &format!("{PATH}?dryRun=true"),
            "application/json",
            doc.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["response"]["responseType"], "ImportSummary", "{b}");
    assert_eq!(b["response"]["status"], "SUCCESS", "{b}");
    assert_eq!(b["response"]["importOptions"]["dryRun"], true, "{b}");
    let (imported, updated, ignored, _) = count(&b);
    assert_eq!(imported + updated + ignored, 3, "{b}");
    assert_eq!(stored(&s, "T13", TOWN, "2025").await, before);
    // Imported for real: the figures are drafts of the town, audited as any write.
    let (st, b) = town.post_typed(PATH, "application/json", doc.clone()).await;
    assert_eq!(
        (st, b["response"]["status"].as_str()),
        (StatusCode::OK, Some("SUCCESS")),
        "{b}"
    );
    assert_eq!(
        stored(&s, "T08", TOWN, "2025").await,
        Some((1.0, ValueState::Draft))
    );
    assert_eq!(
        stored(&s, "T13", TOWN, "2025").await,
        Some((2.0, ValueState::Draft))
    );
    assert_eq!(
        stored(&s, "T16", TOWN, "2025").await,
        Some((3.0, ValueState::Draft))
    );
    let audit = s
        .app
        .audit_query(&youxiang_app::AuditFilter {
            actor: Some(format!("town-{TOWN}")),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert!(
        audit.iter().any(|e| e.indicator.as_deref() == Some("T16")),
        "audited"
    );
    // The same again: unchanged, every value ignored.
    let (st, b) = town.post_typed(PATH, "application/json", doc).await;
    assert_eq!((st, count(&b)), (StatusCode::OK, (0, 0, 3, 0)), "{b}");
    // The documented CSV (quoted header and cells, the combos by UID) with other numbers.
    let csv = include_str!("fixtures/dhis2/doc-bulk-2025.csv")
        .replace("\"1\"\n", "\"11\"\n")
        .replace("\"3\"\n", "\"33\"\n");
    let (st, b) = town.post_typed(PATH, "application/csv", csv).await;
    assert_eq!((st, count(&b)), (StatusCode::OK, (0, 2, 1, 0)), "{b}");
    assert_eq!(
        stored(&s, "T08", TOWN, "2025").await,
        Some((11.0, ValueState::Draft))
    );
    // The documented payload as it stands: 2014 is outside the plan's years; nothing written.
    let (st, b) = town
        .post_typed(
            PATH,
            "application/json",
            include_str!("fixtures/dhis2/doc-set.json").into(),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["response"]["status"], "ERROR", "{b}");
    assert_eq!(count(&b), (0, 0, 3, 0), "{b}");
    assert!(
        b["response"]["conflicts"].to_string().contains("2014"),
        "{b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_name_each_problem_and_nothing_is_written() {
    let s = with_mapping().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    // The documented bulk payload: an unknown org unit, periods outside the plan, another
    // town's figure — each a conflict with its object and position.
    let (st, b) = town
        .post_typed(
            PATH,
            "application/json",
            include_str!("fixtures/dhis2/doc-bulk.json").into(),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    let conflicts = b["response"]["conflicts"]
        .as_array()
        .expect("conflicts")
        .clone();
    let has = |object: &str, property: &str, index: u64| {
        conflicts
            .iter()
            .any(|c| c["object"] == object && c["property"] == property && c["indexes"][0] == index)
    };
    assert!(has("Jkhdsf8sdf4", "orgUnit", 3), "{b}");
    assert!(
        has("f7n9E0hX8qk", "orgUnit", 1),
        "another town's figure: {b}"
    );
    assert!(conflicts.iter().all(|c| c["value"].is_string()), "{b}");
    // One good value among bad ones: all or nothing.
    let set = json!({"period": "2025", "orgUnit": "DiszpKrYNg8", "dataValues": [
        {"dataElement": "f7n9E0hX8qk", "value": "5"},
        {"dataElement": "nosuchDE001", "value": "5"},
        {"dataElement": "Ix2HsbDMLea", "value": "many"},
        {"dataElement": "eY5ehpbEsB7", "value": "-4"},
        {"dataElement": "eY5ehpbEsB7", "period": "2025BiW1", "value": "4"},
        {"dataElement": "eY5ehpbEsB7", "period": "2026", "value": "4"},
        {"dataElement": "eY5ehpbEsB7", "orgUnit": "FNnj3jKGS7i", "value": "4"},
    ]});
    let (st, b) = town
        .post_typed(PATH, "application/json", set.to_string())
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(count(&b), (0, 0, 7, 0), "{b}");
    let by_index: Vec<(u64, String)> = b["response"]["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .map(|c| {
            (
                c["indexes"][0].as_u64().unwrap_or(99),
                c["property"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for (i, property) in [
        (1, "dataElement"),
        (2, "value"),
        (3, "value"),
        (4, "period"),
        (5, "period"),
        (6, "orgUnit"),
    ] {
        assert!(
            by_index.contains(&(i, property.to_string())),
            "{i} {property}: {b}"
        );
    }
    assert!(!by_index.iter().any(|(i, _)| *i == 0), "{b}");
    assert_eq!(
        stored(&s, "T08", TOWN, "2025").await,
        None,
        "nothing written"
    );
    // No CSRF token, a reader who cannot report, nobody signed in.
    let mut no_csrf = s.signed_in(&format!("town-{TOWN}")).await;
    no_csrf.csrf = None;
    let (st, _) = no_csrf
        .post_typed(PATH, "application/json", "{}".into())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let viewer = s.signed_in("viewer").await;
    let (st, b) = viewer
        .post_typed(PATH, "application/json", "{\"dataValues\": []}".into())
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, _) = s.anon().get(PATH).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, b) = town
        .post_typed(PATH, "application/json", "[1, 2]".into())
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let (st, _) = town.post_typed(PATH, "text/plain", "x".into()).await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_imported_back_with_dry_run_is_all_ignored() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let admin = s.signed_in("admin").await;
    let (st, set) = office.get(PATH).await;
    assert_eq!(st, StatusCode::OK, "{set}");
    let n = set["dataValues"].as_array().map_or(0, Vec::len) as u64;
    assert!(n > 100, "the demo's approved figures: {n}");
    let first = &set["dataValues"][0];
    assert!(
        first["dataElement"].as_str().is_some_and(|d| d.len() == 11),
        "{first}"
    );
    assert_eq!(first["attributeOptionCombo"], "HllvX50cXC0", "{first}");
    let (st, b) = admin
        .post_typed(
            &format!("{PATH}?dryRun=true"),
            "application/json",
            set.to_string(),
        )
        .await;
    assert_eq!((st, count(&b)), (StatusCode::OK, (0, 0, n, 0)), "{b}");
    assert_eq!(b["response"]["conflicts"], json!([]), "{b}");
    // By code, as CSV (the Accept header, and the .csv path).
    let resp = office
        .with(office.http.get(format!(
            "{}{PATH}?idScheme=code&orgUnit={TOWN}&children=true",
            s.base
        )))
        .header("accept", "application/csv")
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.expect("csv");
    assert!(csv.starts_with("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value,storedby,lastupdated,comment,followup,deleted\n"), "{csv}");
    let rows = csv.lines().count() as u64 - 1;
    assert!(rows > 0 && rows < n, "{rows} of {n}");
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.split(',').nth(2).is_some_and(|ou| ou.starts_with(TOWN))),
        "{csv}"
    );
    let (st, b) = admin
        .post_typed(
            &format!("{PATH}?dryRun=true&idScheme=code"),
            "application/csv",
            csv,
        )
        .await;
    assert_eq!((st, count(&b)), (StatusCode::OK, (0, 0, rows, 0)), "{b}");
    let (st, text) = office
        .get_text(&format!(
            "{PATH}.csv?period=2024&dataElement=T13&idScheme=code"
        ))
        .await;
    assert_eq!(st, StatusCode::OK, "{text}");
    assert!(
        text.lines().skip(1).all(|l| l.starts_with("T13,2024,")),
        "{text}"
    );
    // An unknown org unit or period is a 404.
    let (st, b) = office.get(&format!("{PATH}?orgUnit=nowhere")).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
    let (st, b) = office.get(&format!("{PATH}?period=2025BiW1")).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
}
