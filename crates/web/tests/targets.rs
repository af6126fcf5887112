//! 目标分解下达 through the real HTTP interface (a module of the one test binary `web`):
//! a town of a summed indicator is not judged against the district's count; the lead unit
//! proposes a split, nobody approves their own, the office approves, and the town is judged
//! by its own target at once; hostile inputs are refused and nothing is stored.

use super::*;

async fn explain_t08(c: &Client) -> Value {
    let (st, body) = c.get(&format!("/api/v1/explain/T08/{TOWN}/2025-09")).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_split_is_proposed_by_the_lead_unit_approved_by_another_and_judges_the_towns() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let admin = s.signed_in("admin").await;
    let lead = s.signed_in("rsj").await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;

    // Before any split: T08 at a town has no target of its own — never the district's.
    let before = explain_t08(&office).await;
    assert!(
        before["target_basis"]
            .as_str()
            .unwrap()
            .contains("无分解目标"),
        "{before}"
    );
    assert_eq!(before["year_check"]["status"], "undecomposed");
    assert!(before["schedule"].is_null(), "{before}");
    let (st, list) = office.get("/api/v1/targets").await;
    assert_eq!(st, StatusCode::OK);
    let t08 = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "T08" && r["year"] == 2025)
        .cloned()
        .expect("T08 2025 listed");
    assert!(t08["approved"].is_null(), "{t08}");

    // Neither a town reporter nor a stranger to the indicator may propose.
    let proposal = json!({"indicator": "T08", "year": 2025, "rule": "population"});
    let (st, body) = town.post("/api/v1/targets/splits", proposal.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    // Not the lead unit of T01; and a rate cannot be split, even by the office.
    let rate = json!({"indicator": "T01", "year": 2025, "rule": "equal"});
    let (st, body) = lead.post("/api/v1/targets/splits", rate.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, body) = office.post("/api/v1/targets/splits", rate).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("求和类"), "{body}");
    // An unknown rule, year, indicator or place is named.
    for (bad, status) in [
        (
            json!({"indicator": "T08", "year": 2025, "rule": "lottery"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"indicator": "T08", "year": 1999, "rule": "equal"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"indicator": "NOPE", "year": 2025, "rule": "equal"}),
            StatusCode::NOT_FOUND,
        ),
        (
            json!({"indicator": "T08", "year": 2025, "rule": "manual", "parts": [{"place": "330902999999", "target": 1.0}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"indicator": "T08", "year": 2025, "rule": "manual", "parts": [{"place": TOWN, "target": -1.0}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ] {
        let (st, body) = lead.post("/api/v1/targets/splits", bad.clone()).await;
        assert_eq!(st, status, "{bad}: {body}");
    }
    let (_, none) = office.get("/api/v1/targets/splits?indicator=T08").await;
    assert_eq!(none, json!([]), "a refused proposal stores nothing");

    // A dry run shows the split and stores nothing.
    let mut dry = proposal.clone();
    dry["dry_run"] = json!(true);
    let (st, preview) = lead.post("/api/v1/targets/splits", dry).await;
    assert_eq!(st, StatusCode::OK, "{preview}");
    assert_eq!(preview["parts"].as_array().unwrap().len(), 13);
    let (_, none) = office.get("/api/v1/targets/splits?indicator=T08").await;
    assert_eq!(none, json!([]));

    let (st, proposed) = lead.post("/api/v1/targets/splits", proposal.clone()).await;
    assert_eq!(st, StatusCode::OK, "{proposed}");
    assert_eq!(proposed["state"], "proposed");
    assert_eq!(proposed["version"], 1);
    let id = proposed["id"].as_str().unwrap().to_string();
    let sum = proposed["sum"].as_f64().unwrap();
    let whole = proposed["whole"].as_f64().unwrap();
    assert!((sum - whole).abs() < 0.01, "{proposed}");
    let part = proposed["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["place"] == TOWN)
        .cloned()
        .unwrap();
    let own = part["target"].as_f64().unwrap();
    assert!(own > 0.0 && own < whole / 2.0, "{part}");

    // Proposed is not yet in force.
    assert!(
        explain_t08(&office).await["target_basis"]
            .as_str()
            .unwrap()
            .contains("无分解目标")
    );

    // The lead unit cannot approve; returning needs a reason.
    let decide = format!("/api/v1/targets/splits/{id}/decision");
    let (st, _) = lead.post(&decide, json!({"approve": true})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = office.post(&decide, json!({"approve": false})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // The office's own proposal cannot be approved by the same person.
    let (st, own_proposal) = office
        .post("/api/v1/targets/splits", proposal.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{own_proposal}");
    assert_eq!(own_proposal["version"], 2);
    let own_id = own_proposal["id"].as_str().unwrap().to_string();
    let (st, body) = office
        .post(
            &format!("/api/v1/targets/splits/{own_id}/decision"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    // The first proposal was superseded by the second.
    let (st, body) = admin.post(&decide, json!({"approve": true})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (st, approved) = admin
        .post(
            &format!("/api/v1/targets/splits/{own_id}/decision"),
            json!({"approve": true, "note": "同意"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{approved}");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["decided_by"], "admin");
    // A replay of the same decision is refused.
    let (st, _) = admin
        .post(
            &format!("/api/v1/targets/splits/{own_id}/decision"),
            json!({"approve": true}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // In force at once: the town is judged by its own target.
    let after = explain_t08(&office).await;
    assert!(
        after["target_basis"]
            .as_str()
            .unwrap()
            .contains("本地分解目标"),
        "{after}"
    );
    assert_eq!(after["target"]["value"].as_f64(), Some(own));
    assert_ne!(after["year_check"]["status"], "undecomposed");
    // The district keeps the plan's target.
    let (_, district) = office
        .get(&format!("/api/v1/explain/T08/{DISTRICT}/2025-09"))
        .await;
    assert_eq!(district["target"]["value"].as_f64(), Some(whole));

    // Every step is in the audit trail.
    let (st, audit) = s
        .signed_in("auditor")
        .await
        .get("/api/v1/audit?action=target.approve")
        .await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains(&own_id), "{audit}");
}

/// Posts `bytes` as `name` to the targets page's import form, with the session's CSRF token.
async fn import(c: &Client, base: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
    let form = reqwest::multipart::Form::new()
        .text("csrf", c.csrf.clone().unwrap())
        .part("file", part);
    c.with(c.http.post(format!("{base}/targets/import")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_targets_pages_and_the_excel_export_and_import() {
    let s = start().await;
    let lead = s.signed_in("rsj").await;
    for path in ["/targets", "/targets/T08/2025"] {
        let resp = lead
            .with(lead.http.get(format!("{}{path}", s.base)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("目标分解"), "{path}");
    }
    // A file by hand: two towns; the rest are named in the warning.
    let csv = format!(
        "指标编码,年度,地点编码,目标值,说明\nT08,2025,{TOWN},0.5,试行\nT08,2025,{OTHER_TOWN},0.4,\n"
    );
    let resp = import(&lead, &s.base, "分解.csv", csv.into_bytes()).await;
    assert!(
        resp.status().is_success() || resp.status().is_redirection(),
        "{}",
        resp.status()
    );
    let (_, splits) = lead
        .get("/api/v1/targets/splits?indicator=T08&year=2025")
        .await;
    let split = &splits.as_array().unwrap()[0];
    assert_eq!(split["rule"], "manual");
    assert_eq!(split["parts"].as_array().unwrap().len(), 2);
    assert!(
        split["warning"].as_str().unwrap().contains("未分解到"),
        "{split}"
    );

    // A bad file: the row and column named, nothing stored.
    let bad = format!("指标编码,年度,地点编码,目标值\nT08,2025,{TOWN},很多\n");
    let resp = import(&lead, &s.base, "坏.csv", bad.into_bytes()).await;
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let html = resp.text().await.unwrap();
    assert!(html.contains("第2行") && html.contains("目标值"), "{html}");
    let (_, again) = lead
        .get("/api/v1/targets/splits?indicator=T08&year=2025")
        .await;
    assert_eq!(again.as_array().unwrap().len(), 1);

    let resp = lead
        .with(lead.http.get(format!("{}/targets.xlsx", s.base)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an xlsx (zip) file");
    // The export re-imports as it is (a new version of the same split).
    let resp = import(&lead, &s.base, "目标分解.xlsx", bytes.to_vec()).await;
    assert!(
        resp.status().is_success() || resp.status().is_redirection(),
        "{}",
        resp.status()
    );
    let (_, after) = lead
        .get("/api/v1/targets/splits?indicator=T08&year=2025")
        .await;
    let versions: Vec<i64> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![1, 2]);
}
