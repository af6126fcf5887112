//! Drafts outside the scope, through the real HTTP interface (a module of the one test
//! binary `web`): a figure is shown with drafts only to a reader whose role reports or
//! approves and whose scope covers its place and indicator. Everybody else — another
//! town's reporter, a viewer — sees the official figures (submitted and approved values
//! only, roll-ups of those only), and so do the ranking and the automatic orders, whoever
//! asks.

use super::*;

/// A month the demo has no figure for (it runs to September 2025).
const NEW: &str = "2025-10";

fn row(rows: &Value, indicator: &str) -> Value {
    rows.as_array()
        .and_then(|r| r.iter().find(|r| r["indicator"] == indicator).cloned())
        .unwrap_or(Value::Null)
}

fn headline(ov: &Value, indicator: &str) -> Value {
    row(&ov["headline"], indicator)
}

async fn ok(c: &Client, path: &str) -> Value {
    let (st, body) = c.get(path).await;
    assert_eq!(st, StatusCode::OK, "{path}: {body}");
    body
}

/// A page's HTML as the client's session sees it.
async fn page(c: &Client, path: &str) -> String {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap_or_default()
}

/// Everything a reader is shown of T08 at the town and the district: the status tables
/// (from the cache on a second asking), the overviews, and the explanations of the new
/// month and of the last month the demo has.
async fn seen(c: &Client) -> Value {
    let mut out = serde_json::Map::new();
    for path in [
        format!("/api/v1/status?place={TOWN}"),
        "/api/v1/status".to_string(),
        format!("/api/v1/status?place={TOWN}&period={NEW}"),
        format!("/api/v1/status?period={NEW}"),
        format!("/api/v1/overview?place={TOWN}"),
        "/api/v1/overview".to_string(),
        format!("/api/v1/explain/T08/{TOWN}/{NEW}"),
        format!("/api/v1/explain/T08/{DISTRICT}/{NEW}"),
        format!("/api/v1/explain/T08/{TOWN}/2025-09"),
        format!("/api/v1/explain/T08/{DISTRICT}/2025-09"),
    ] {
        let first = ok(c, &path).await;
        assert_eq!(ok(c, &path).await, first, "{path} asked twice");
        out.insert(path, first);
    }
    Value::Object(out)
}

async fn transition(c: &Client, action: &str, reason: Option<&str>) -> Value {
    let keys = json!([{"indicator": "T08", "place": TOWN, "period": NEW}]);
    let (st, b) = c
        .post(
            "/api/v1/values/transition",
            json!({"action": action, "keys": keys, "reason": reason}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{action}: {b}");
    b
}

/// The new month's figure at the town and the district as a reader sees them.
async fn new_month(c: &Client) -> (Option<f64>, Option<f64>) {
    let town = ok(c, &format!("/api/v1/explain/T08/{TOWN}/{NEW}")).await;
    let district = ok(c, &format!("/api/v1/explain/T08/{DISTRICT}/{NEW}")).await;
    (town["value"].as_f64(), district["value"].as_f64())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_is_seen_only_by_those_who_report_or_approve_it() {
    let s = start().await;
    let writer = s.signed_in(&format!("town-{TOWN}")).await;
    let other = s.signed_in(&format!("town-{OTHER_TOWN}")).await;
    let viewer = s.signed_in("viewer").await;
    let office = s.signed_in("office").await;

    let official = seen(&viewer).await;
    assert_eq!(
        seen(&other).await,
        official,
        "outside their scope a reporter sees what a viewer sees"
    );
    assert_eq!(new_month(&viewer).await, (None, None), "no figure yet");
    let before_page = page(&viewer, &format!("/indicator/T08?place={TOWN}")).await;
    assert!(!before_page.contains("2025年10月"), "no October yet");

    // The town writes a draft for October: 0.01 万人次 where the year's cumulative count
    // is far higher, a red light at the town (and at the district, whose October is the
    // one town's).
    let (st, w) = writer
        .post("/api/v1/values", value("T08", TOWN, NEW, 0.01))
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    assert_eq!(w["changed"], 1);

    // Another town's reporter and the viewer see exactly what they saw.
    assert_eq!(seen(&viewer).await, official, "the viewer sees no draft");
    assert_eq!(seen(&other).await, official, "another town sees no draft");
    assert_eq!(
        page(&viewer, &format!("/indicator/T08?place={TOWN}")).await,
        before_page,
        "the indicator page shows the viewer no draft"
    );
    for c in [&viewer, &other] {
        let html = page(c, &format!("/place/{TOWN}")).await;
        assert!(
            !html.contains("0.01 万人次"),
            "the place page shows no draft"
        );
    }

    // The writer sees it at the town (their scope), not at the district (beyond it).
    assert_eq!(new_month(&writer).await, (Some(0.01), None));
    let t = row(
        &ok(&writer, &format!("/api/v1/status?place={TOWN}")).await,
        "T08",
    );
    assert_eq!(t["as_of"], NEW, "{t}");
    assert_eq!(t["value"].as_f64(), Some(0.01), "{t}");
    assert_eq!(
        ok(&writer, "/api/v1/status").await,
        official["/api/v1/status"],
        "the district beyond the town's scope is official to the town"
    );
    assert!(
        page(&writer, &format!("/indicator/T08?place={TOWN}"))
            .await
            .contains("2025年10月"),
        "the writer's indicator page shows the draft"
    );
    // The office, whose scope covers the town and the district, sees it in both.
    assert_eq!(new_month(&office).await, (Some(0.01), Some(0.01)));
    let d = headline(&ok(&office, "/api/v1/overview").await, "T08");
    assert_eq!(d["as_of"], NEW, "{d}");
    assert_ne!(
        ok(&office, "/api/v1/status").await,
        official["/api/v1/status"],
        "the office's district table counts the draft"
    );
    // The viewer's cached district table was not handed to the office, nor the office's
    // to the viewer.
    assert_eq!(
        ok(&viewer, "/api/v1/status").await,
        official["/api/v1/status"]
    );

    // The values list: the draft to its writer, never to the viewer (read-only) and not at
    // all to another town (outside its scope).
    let list = format!("/api/v1/values?indicator=T08&place={TOWN}&period={NEW}");
    let mine = ok(&writer, &list).await;
    assert_eq!(mine[0]["state"], "draft", "{mine}");
    assert_eq!(
        ok(&viewer, &list).await,
        json!([]),
        "a viewer lists no draft"
    );
    assert_eq!(
        ok(&viewer, &format!("/api/v1/values?state=draft&place={TOWN}")).await,
        json!([]),
        "nor by asking for drafts"
    );
    let (st, _) = other.get(&list).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Submitted, it is everybody's.
    transition(&writer, "submit", None).await;
    for c in [&viewer, &other, &writer] {
        assert_eq!(new_month(c).await, (Some(0.01), Some(0.01)));
    }
    let t = row(
        &ok(&viewer, &format!("/api/v1/status?place={TOWN}")).await,
        "T08",
    );
    assert_eq!(t["as_of"], NEW, "{t}");
    assert_eq!(ok(&viewer, &list).await[0]["state"], "submitted");
    let submitted = seen(&viewer).await;
    assert_eq!(seen(&other).await, submitted);
    assert_ne!(submitted, official);

    // Sent back to draft, it leaves the official figures again.
    transition(&office, "reject", Some("口径有误")).await;
    assert_eq!(seen(&viewer).await, official, "rejected: official again");
    assert_eq!(seen(&other).await, official);
    assert_eq!(new_month(&writer).await, (Some(0.01), None));
    assert_eq!(new_month(&office).await, (Some(0.01), Some(0.01)));

    // Approved, then reopened: the same.
    transition(&writer, "submit", None).await;
    transition(&office, "approve", None).await;
    assert_eq!(seen(&viewer).await, submitted, "approved: everybody's");
    transition(&office, "reopen", Some("复核")).await;
    assert_eq!(seen(&viewer).await, official, "reopened: official again");
    assert_eq!(seen(&other).await, official);
    assert_eq!(new_month(&writer).await, (Some(0.01), None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_submitted_figure_withdraws_it_until_submitted_again() {
    let s = start().await;
    let writer = s.signed_in(&format!("town-{TOWN}")).await;
    let viewer = s.signed_in("viewer").await;
    // The demo's September is submitted (not yet approved): everybody sees it.
    let list = format!("/api/v1/values?indicator=T08&place={TOWN}&period=2025-09");
    let mine = ok(&writer, &list).await;
    assert_eq!(mine[0]["state"], "submitted", "{mine}");
    let old = mine[0]["value"].as_f64().expect("value");
    let path = format!("/api/v1/explain/T08/{TOWN}/2025-09");
    assert_eq!(ok(&viewer, &path).await["value"].as_f64(), Some(old));
    let district = |e: &Value| e["value"].as_f64().expect("district figure");
    let dpath = format!("/api/v1/explain/T08/{DISTRICT}/2025-09");
    let before = district(&ok(&viewer, &dpath).await);

    // Edited, it is a draft again: the writer sees the new number; the viewer no figure
    // for the town (the store keeps one number per figure, and this one is not submitted)
    // and a district sum without it.
    let (st, w) = writer
        .post("/api/v1/values", value("T08", TOWN, "2025-09", old + 1.0))
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    assert_eq!(ok(&writer, &path).await["value"].as_f64(), Some(old + 1.0));
    assert_eq!(ok(&viewer, &path).await["value"], Value::Null);
    let without = district(&ok(&viewer, &dpath).await);
    assert!(
        (before - old - without).abs() < 1e-6,
        "{before} − {old} ≠ {without}"
    );

    // Submitted again, everybody sees the new number.
    let keys = json!([{"indicator": "T08", "place": TOWN, "period": "2025-09"}]);
    let (st, b) = writer
        .post(
            "/api/v1/values/transition",
            json!({"action": "submit", "keys": keys}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(ok(&viewer, &path).await["value"].as_f64(), Some(old + 1.0));
    let after = district(&ok(&viewer, &dpath).await);
    assert!((after - before - 1.0).abs() < 1e-6, "{before} → {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranking_and_automatic_orders_count_official_figures_only() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let orders = ok(&office, "/api/v1/orders").await;
    let orders = orders.as_array().cloned().unwrap_or_default();
    assert!(!orders.is_empty(), "the demo's orders");
    // A town and a monthly town indicator without an open order (one open order per
    // matter: a new red light of the same indicator and place raises none).
    let (ind, town) = {
        let state = s.app.read();
        let root = state.tree.id(DISTRICT).expect("district");
        let towns: Vec<String> = state
            .tree
            .children(root)
            .iter()
            .map(|t| state.tree.get(*t).code.clone())
            .collect();
        // Rates: a town is judged by the district's rate (T08, a summed count, has no
        // town target until it is decomposed, so it is never red at a town).
        ["T07", "T11", "T20"]
            .iter()
            .flat_map(|i| towns.iter().map(move |t| (i.to_string(), t.clone())))
            .find(|(i, t)| {
                !orders.iter().any(|o| {
                    let src = &o["source"];
                    o["state"] != "closed"
                        && src["kind"] == "red_light"
                        && src["indicator"] == i.as_str()
                        && src["place"] == t.as_str()
                })
            })
            .expect("a town and an indicator without an open order")
    };
    let writer = s.signed_in(&format!("town-{town}")).await;
    let ranking = format!("/api/v1/ranking?month={NEW}&by=town");
    let before = ok(&office, &ranking).await;
    let red_orders = |orders: &Value| -> usize {
        orders
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|o| {
                        let src = &o["source"];
                        src["kind"] == "red_light"
                            && src["indicator"] == ind.as_str()
                            && src["place"] == town.as_str()
                            && src["period"] == NEW
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(red_orders(&Value::Array(orders)), 0, "no October order yet");

    // A draft far behind the year's schedule (0.01 of a cumulative count, or a rate of
    // 0 %): red at the town for the writer.
    let parts: Vec<(&str, f64)> = if ind == "T08" {
        vec![("value", 0.01)]
    } else {
        vec![("numerator", 0.0), ("denominator", 100.0)]
    };
    let writes: Vec<Value> = parts
        .iter()
        .map(|(c, v)| {
            json!({"indicator": ind, "place": town, "period": NEW, "component": c,
                   "value": v, "comment": "测试"})
        })
        .collect();
    let keys: Vec<Value> = parts
        .iter()
        .map(|(c, _)| json!({"indicator": ind, "place": town, "period": NEW, "component": c}))
        .collect();
    let (st, w) = writer.post("/api/v1/values", json!(writes)).await;
    assert_eq!(st, StatusCode::OK, "{w}");
    let t = row(
        &ok(&writer, &format!("/api/v1/status?place={town}")).await,
        &ind,
    );
    assert_eq!(
        (&t["as_of"], &t["light"]),
        (&json!(NEW), &json!("red")),
        "{t}"
    );
    // The ranking, whoever asks, is as it was; no order was raised for the draft, not even
    // by a sweep.
    assert_eq!(ok(&office, &ranking).await, before, "the office's ranking");
    assert_eq!(ok(&writer, &ranking).await, before, "the town's ranking");
    let sweep = s
        .app
        .sweep(chrono::Utc::now().date_naive())
        .await
        .expect("sweep");
    assert!(sweep.raised.is_empty(), "{:?}", sweep.raised);
    assert_eq!(red_orders(&ok(&office, "/api/v1/orders").await), 0);

    // Submitted, it counts: the ranking moves and the red light raises its order.
    let (st, b) = writer
        .post(
            "/api/v1/values/transition",
            json!({"action": "submit", "keys": keys}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_ne!(
        ok(&office, &ranking).await,
        before,
        "the submitted figure counts"
    );
    assert_eq!(
        red_orders(&ok(&office, "/api/v1/orders").await),
        1,
        "the submitted red light raised its order"
    );
}
