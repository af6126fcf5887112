//! The JSON of the management API, the plan and the explanation is exactly the JSON of the
//! records the application keeps (a module of the one test binary `web`): the web's own
//! response types (which the OpenAPI document is made from) add the fields they document
//! and change nothing else — no field renamed, dropped, added or nested differently.

use reqwest::StatusCode;
use serde_json::{Value, json};
use youxiang_core::manage::RankBy;
use youxiang_core::period::Period;

use super::{Client, DISTRICT, Server, TOWN, start};

/// `v` without the fields the web adds to a record.
fn without(v: &Value, added: &[&str]) -> Value {
    let mut v = v.clone();
    let map = v.as_object_mut().expect("an object");
    for k in added {
        assert!(map.remove(*k).is_some(), "{k} missing from {map:?}");
    }
    v
}

fn json_of<T: serde::Serialize>(t: &T) -> Value {
    // Through text, as the client reads it.
    serde_json::from_str(&serde_json::to_string(t).expect("json")).expect("json")
}

const TASK_ADDED: &[&str] = &["milestones_done", "milestones_overdue", "may_edit"];
const ORDER_ADDED: &[&str] = &["actions", "state_zh", "overdue", "days_overdue"];
/// What the explain API adds to the engine's explanation: where the figure comes from
/// (数据来源, from the stored value or the plan).
const EXPLAIN_ADDED: &[&str] = &["data_source", "data_source_is_default", "definition"];

async fn put(c: &Client, path: &str, body: Value) -> (StatusCode, Value) {
    let resp = c
        .with(c.http.put(format!("{}{path}", c.base)))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_the_records_as_the_app_keeps_them() {
    let s: Server = start().await;
    let office = s.signed_in("office").await;
    let wjj = s.signed_in("wjj").await;
    let viewer = s.signed_in("viewer").await;
    let day = s.app.today();

    // The plan and an explanation.
    let (st, plan) = viewer.get("/api/v1/plan").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(plan, json_of(&*s.app.read().plan));
    let (st, ex) = viewer
        .get(&format!("/api/v1/explain/T02/{DISTRICT}/2025-09"))
        .await;
    assert_eq!(st, StatusCode::OK, "{ex}");
    let expected = {
        let state = s.app.read();
        let who = state.reporter("viewer").expect("viewer").clone();
        let period: Period = "2025-09".parse().expect("period");
        let e = state
            .view_for(youxiang_app::Reader::Person(&who), DISTRICT, "T02")
            .explain("T02", DISTRICT, period)
            .expect("explained");
        json_of(&e)
    };
    assert_eq!(without(&ex, EXPLAIN_ADDED), expected);
    let (st, ex) = viewer
        .get(&format!("/api/v1/explain/T01/{TOWN}/2025-06"))
        .await;
    assert_eq!(st, StatusCode::OK, "{ex}");

    // Tasks: a progress update with a file, then a milestone through PUT.
    let (st, tasks) = wjj.get("/api/v1/tasks").await;
    assert_eq!(st, StatusCode::OK);
    let items = s.app.work_items().await.expect("items");
    let listed: Vec<Value> = tasks
        .as_array()
        .expect("list")
        .iter()
        .map(|t| without(t, TASK_ADDED))
        .collect();
    assert_eq!(listed, items.iter().map(json_of).collect::<Vec<_>>());
    let task = tasks
        .as_array()
        .and_then(|l| l.iter().find(|t| t["may_edit"] == true))
        .cloned()
        .expect("a task wjj may edit");
    let tid = task["id"].as_str().expect("id").to_string();
    let part = reqwest::multipart::Part::bytes(b"evidence".to_vec())
        .file_name("记录.txt")
        .mime_str("text/plain")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("text", "完成选址论证")
        .part("file", part);
    let resp = wjj
        .with(
            wjj.http
                .post(format!("{}/api/v1/tasks/{tid}/progress", wjj.base)),
        )
        .multipart(form)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let progressed: Value = resp.json().await.expect("json");
    let mut item = progressed.clone();
    item["milestones"] = json!([{"id": 1, "title": "完成选址", "due": "2025-03-31",
        "done_on": "2025-03-30", "evidence": "批复"}]);
    let (st, saved) = put(&wjj, &format!("/api/v1/tasks/{tid}"), item).await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    let (st, got) = wjj.get(&format!("/api/v1/tasks/{tid}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(got, saved);
    let stored = json_of(&s.app.work_item(&tid).await.expect("item"));
    assert_eq!(without(&got, TASK_ADDED), stored);
    assert_eq!(
        without(&progressed, TASK_ADDED)["updates"],
        stored["updates"]
    );
    assert!(stored["updates"][0]["attachments"][0]["sha256"].is_string());

    // Orders: raised, acted on through every kind of step, swept.
    let dept = wjj.get("/api/v1/session").await.1["unit"]
        .as_str()
        .expect("unit")
        .to_string();
    // An extension is asked on the clock's day (the action's time), so the deadline lies
    // after it; lists and flags are judged on the app's day (`day`).
    let deadline = youxiang_app::manage::today() + chrono::Duration::days(10);
    let (st, raised) = office
        .post(
            "/api/v1/orders",
            json!({"title": "形状", "body": "b", "lead_unit": dept,
            "partner_units": ["区教育局"], "deadline": deadline.to_string()}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{raised}");
    let id = raised["id"].as_str().expect("id").to_string();
    let mut last = raised.clone();
    for (who, body) in [
        (&wjj, json!({"action": "accept"})),
        (
            &wjj,
            json!({"action": "request_extension", "reason": "等待",
                "new_deadline": (deadline + chrono::Duration::days(3)).to_string()}),
        ),
        (
            &office,
            json!({"action": "decide_extension", "approve": true}),
        ),
        (&wjj, json!({"action": "feedback", "text": "已办"})),
        (&office, json!({"action": "return", "reason": "不全"})),
    ] {
        let mut body = body;
        body["version"] = last["version"].clone();
        let (st, o) = who
            .post(&format!("/api/v1/orders/{id}/actions"), body)
            .await;
        assert_eq!(st, StatusCode::OK, "{o}");
        last = o;
    }
    let (st, r) = office.post("/api/v1/orders/sweep", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let keys = |v: &Value| {
        v.as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
            .unwrap_or_default()
    };
    assert_eq!(
        keys(&r),
        keys(&json_of(&youxiang_app::manage::SweepReport::default()))
    );
    let (st, one) = wjj.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(without(&one, ORDER_ADDED), without(&last, ORDER_ADDED));
    let stored = json_of(&s.app.order("wjj", &id).await.expect("order"));
    assert_eq!(without(&one, ORDER_ADDED), stored);
    assert_eq!(one["state_zh"], "退回");
    let (st, list) = office.get("/api/v1/orders").await;
    assert_eq!(st, StatusCode::OK);
    let all = s
        .app
        .orders("office", &Default::default(), day)
        .await
        .expect("orders");
    assert!(!all.is_empty());
    assert_eq!(
        list.as_array()
            .expect("list")
            .iter()
            .map(|o| without(o, ORDER_ADDED))
            .collect::<Vec<_>>(),
        all.iter().map(json_of).collect::<Vec<_>>()
    );
    let (st, stats) = office.get("/api/v1/orders/stats").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        stats,
        json_of(&s.app.order_stats(day).await.expect("stats"))
    );

    // Weekly plans.
    let (st, filed) = wjj
        .post(
            "/api/v1/weekly",
            json!({"week": "2025-W39", "items": [
                {"text": "备案", "status": "planned", "work_item": tid},
                {"text": "核对", "status": "done"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{filed}");
    let week = "2025-W39".parse().expect("week");
    let plan = s
        .app
        .weekly_plan(&dept, week)
        .await
        .expect("plan")
        .expect("filed");
    assert_eq!(
        without(&filed, &["version", "updated_at", "updated_by"]),
        json_of(&plan)
    );
    let (st, w) = office.get("/api/v1/weekly?week=2025-W39").await;
    assert_eq!(st, StatusCode::OK);
    let (view, plans) = s.app.week_view(week).await.expect("view");
    assert_eq!(
        w,
        json!({"week": "2025-W39", "week_zh": w["week_zh"], "view": json_of(&view),
            "plans": json_of(&plans)})
    );
    assert!(w["week_zh"].is_string());

    // The ranking, before and after publishing.
    let month: Period = "2025-06".parse().expect("month");
    let (st, r) = office.get("/api/v1/ranking?month=2025-06&by=town").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        r,
        json_of(&s.app.ranking(RankBy::Town, month).await.expect("ranking"))
    );
    let (st, p) = office
        .post(
            "/api/v1/ranking/publish",
            json!({"month": "2025-06", "by": "department"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(keys(&p), ["raised", "report"]);
    assert!(p["raised"].is_array());
    assert_eq!(
        p["report"],
        json_of(
            &s.app
                .ranking(RankBy::Department, month)
                .await
                .expect("ranking")
        )
    );

    // Causes and measures.
    let (st, n) = office
        .post(
            "/api/v1/lag-notes",
            json!({"indicator": "T02", "place": DISTRICT, "period": "2025Q3",
                "cause": "新园未开园", "measure": "加快验收"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{n}");
    let notes = s.app.lag_notes(None).await.expect("notes");
    assert_eq!(n, json_of(&notes[0]));
    let (st, all) = office.get("/api/v1/lag-notes").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(all, json_of(&notes));

    // The inbox, and marking read.
    let (st, inbox) = wjj.get("/api/v1/inbox").await;
    assert_eq!(st, StatusCode::OK);
    assert!(inbox.as_array().is_some_and(|l| !l.is_empty()));
    assert_eq!(inbox, json_of(&s.app.inbox("wjj").await.expect("inbox")));
    let (st, r) = wjj
        .post("/api/v1/inbox/read", json!({"ids": [inbox[0]["id"]]}))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(r, json!({"changed": 1}));
}
