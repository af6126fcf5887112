//! The management loop over HTTP (a module of the one test binary `web`): supervision
//! orders from raising to the closing review, the inbox and 我的任务, the ranking and its
//! Excel export, weekly plans, progress with attachments, the quarterly report, and every
//! management page for the office and a reporter.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Browser, Client, Server, TOWN, hidden, sign_in_form, start};

const ALL_CHECKS: [&str; 6] = [
    "facts_clear",
    "problem_solved",
    "task_done",
    "conclusion_accurate",
    "compliant",
    "format_correct",
];

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn unit_of(c: &Client) -> String {
    let (_, me) = c.get("/api/v1/session").await;
    me["unit"].as_str().expect("unit").to_string()
}

async fn act(c: &Client, id: &str, body: Value) -> (StatusCode, Value) {
    c.post(&format!("/api/v1/orders/{id}/actions"), body).await
}

async fn raw(c: &Client, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    let st = resp.status();
    let headers = resp.headers().clone();
    (st, headers, resp.bytes().await.expect("bytes").to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_from_raising_to_the_closing_review() {
    let s: Server = start().await;
    let office = s.signed_in("office").await;
    let wjj = s.signed_in("wjj").await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let dept = unit_of(&wjj).await;
    let deadline = today() + chrono::Duration::days(10);

    // Only the office raises orders.
    let draft = json!({"title": "托位建设进度滞后", "body": "请说明原因并提出整改措施",
        "lead_unit": dept, "partner_units": ["区教育局"], "deadline": deadline.to_string()});
    let (st, e) = wjj.post("/api/v1/orders", draft.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    let (st, o) = office.post("/api/v1/orders", draft).await;
    assert_eq!(st, StatusCode::OK, "{o}");
    let id = o["id"].as_str().expect("id").to_string();

    // Writes name what they are about: no week, month or ranking object taken by default,
    // and causes and measures belong to a quarter or a month.
    for (path, body, says) in [
        (
            "/api/v1/weekly",
            json!({"week": "", "items": [{"text": "x"}]}),
            "week",
        ),
        (
            "/api/v1/ranking/publish",
            json!({"month": "", "by": "town"}),
            "month",
        ),
        (
            "/api/v1/ranking/publish",
            json!({"month": "2025-06", "by": ""}),
            "by",
        ),
        (
            "/api/v1/lag-notes",
            json!({"indicator": "T01", "place": "330902", "period": "2025", "cause": "x"}),
            "季度",
        ),
    ] {
        let (st, e) = office.post(path, body).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {e}");
        assert!(e.to_string().contains(says), "{path}: {e}");
    }
    assert_eq!(o["state"], "assigned");
    assert!(
        o["actions"].as_array().is_some_and(|a| a.is_empty()),
        "the office waits: {o}"
    );

    // The lead unit's reporter sees it in the inbox and on 我的任务.
    let (st, inbox) = wjj.get("/api/v1/inbox").await;
    assert_eq!(st, StatusCode::OK);
    let notice = inbox
        .as_array()
        .and_then(|l| l.iter().find(|n| n["link"] == format!("/orders/{id}")))
        .unwrap_or_else(|| panic!("no notice for {id}: {inbox}"))
        .clone();
    assert!(notice["read_at"].is_null());
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "wjj").await;
    let (st, html) = b.get("/my").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("我的任务") && html.contains(&id),
        "/my lacks {id}"
    );
    assert!(
        html.contains(&deadline.to_string()),
        "/my shows the deadline"
    );

    let (st, o) = wjj.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(o["actions"], json!(["accept", "request_extension"]));
    let v = o["version"].as_i64().expect("version");

    // A town reporter can neither see nor act on a department's order.
    let (st, e) = act(&town, &id, json!({"action": "accept", "version": v})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    assert_eq!(e["error"], "forbidden");
    let (st, _) = town.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // A field the action does not take is refused, not dropped.
    let (st, e) = act(
        &wjj,
        &id,
        json!({"action": "accept", "version": v, "text": "已签收"}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("字段 text 不适用于该操作"), "{e}");

    // Accept; a stale version is refused.
    let (st, o) = act(&wjj, &id, json!({"action": "accept", "version": v})).await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["state"], "in_progress");
    let (st, e) = act(
        &wjj,
        &id,
        json!({"action": "feedback", "text": "x", "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");

    // An extension before the deadline, to a later date; the office grants it.
    let v = o["version"].as_i64().unwrap();
    let later = deadline + chrono::Duration::days(7);
    let (st, e) = act(
        &wjj,
        &id,
        json!({"action": "request_extension",
        "new_deadline": deadline.to_string(), "reason": "等待设备", "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "not later: {e}");
    let (st, o) = act(
        &wjj,
        &id,
        json!({"action": "request_extension",
        "new_deadline": later.to_string(), "reason": "等待设备到货", "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["state"], "extension_requested");
    let (st, o) = office.get(&format!("/api/v1/orders/{id}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(o["actions"], json!(["decide_extension"]));
    let v = o["version"].as_i64().unwrap();
    let (st, o) = act(
        &office,
        &id,
        json!({"action": "decide_extension", "approve": true, "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["deadline"], later.to_string());

    // Feedback, then the closing review: one check missing is refused, naming it.
    let v = o["version"].as_i64().unwrap();
    let (st, o) = act(
        &wjj,
        &id,
        json!({"action": "feedback", "text": "已新增托位 120 个", "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["state"], "answered");
    let v = o["version"].as_i64().unwrap();
    let mut checks: serde_json::Map<String, Value> = ALL_CHECKS
        .iter()
        .map(|k| (k.to_string(), json!(true)))
        .collect();
    checks.insert("format_correct".into(), json!(false));
    let (st, e) = act(
        &office,
        &id,
        json!({"action": "approve", "checklist": checks, "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e.to_string().contains("格式规范"),
        "names the failed check: {e}"
    );
    let (st, e) = act(&wjj, &id, json!({"action": "approve",
        "checklist": ALL_CHECKS.iter().map(|k| (k.to_string(), json!(true))).collect::<serde_json::Map<_, _>>(),
        "version": v})).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "the lead unit cannot close its own order: {e}"
    );
    checks.insert("format_correct".into(), json!(true));
    let (st, o) = act(
        &office,
        &id,
        json!({"action": "approve", "checklist": checks, "version": v}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["state"], "closed");
    let events: Vec<&str> = o["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"]["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        events,
        [
            "assign",
            "accept",
            "request_extension",
            "decide_extension",
            "feedback",
            "approve"
        ]
    );

    // Lists, stats, mark read; sweep is the office's.
    let (st, list) = wjj
        .get(&format!("/api/v1/orders?state=closed&unit={dept}"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id.as_str())
    );
    let (st, stats) = office.get("/api/v1/orders/stats").await;
    assert_eq!(st, StatusCode::OK);
    let row = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == dept.as_str())
        .cloned();
    assert!(row.is_some_and(|r| r["closed"] == 1), "{stats}");
    let (st, r) = wjj
        .post("/api/v1/inbox/read", json!({"ids": [notice["id"]]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["changed"], 1);
    let (st, _) = town
        .post("/api/v1/inbox/read", json!({"ids": [notice["id"]]}))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "someone else's notice");
    let (st, _) = wjj.post("/api/v1/orders/sweep", json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, r) = office.post("/api/v1/orders/sweep", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{r}");

    // The lead reporter answers a second order through the forms (no JavaScript).
    let (_, o2) = office
        .post(
            "/api/v1/orders",
            json!({"title": "第二件", "lead_unit": dept,
            "deadline": deadline.to_string()}),
        )
        .await;
    let id2 = o2["id"].as_str().unwrap().to_string();
    let (st, html) = b.get(&format!("/orders/{id2}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("签收") && !html.contains("审结通过</h3>"),
        "lead unit's buttons only"
    );
    let csrf = hidden(&html, "csrf");
    let version = hidden(&html, "version");
    let (st, _) = b
        .post_form(
            &format!("/orders/{id2}/action"),
            &[("csrf", &csrf), ("version", &version), ("action", "accept")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = b.get(&format!("/orders/{id2}")).await;
    assert!(html.contains("办理中"), "accepted");
    let version = hidden(&html, "version");
    let (st, _) = b
        .post_form(
            &format!("/orders/{id2}/action"),
            &[
                ("csrf", &csrf),
                ("version", &version),
                ("action", "feedback"),
                ("text", "已办结"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    // The office's form: a missing check is refused with its name.
    let mut ob = Browser::new(&s.base);
    let ocsrf = sign_in_form(&mut ob, "office").await;
    let (_, html) = ob.get(&format!("/orders/{id2}")).await;
    assert!(
        html.contains("事实清楚") && html.contains("退回"),
        "office's review form"
    );
    let version = hidden(&html, "version");
    let (st, html) = ob
        .post_form(
            &format!("/orders/{id2}/action"),
            &[
                ("csrf", &ocsrf),
                ("version", &version),
                ("action", "approve"),
                ("check", "facts_clear"),
                ("check", "problem_solved"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("任务完成"), "names what failed");
    let mut form = vec![
        ("csrf", ocsrf.as_str()),
        ("version", version.as_str()),
        ("action", "approve"),
    ];
    form.extend(ALL_CHECKS.iter().map(|k| ("check", *k)));
    let (st, _) = ob.post_form(&format!("/orders/{id2}/action"), &form).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = ob.get(&format!("/orders/{id2}")).await;
    assert!(html.contains("审结通过"), "closed through the form");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranking_weekly_tasks_and_report() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let wjj = s.signed_in("wjj").await;

    // Ranking: the rule printed with it; ties share a rank (competition style).
    for by in ["town", "department"] {
        let (st, r) = office
            .get(&format!("/api/v1/ranking?month=2025-06&by={by}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert!(
            r["rule_zh"]
                .as_str()
                .is_some_and(|t| t.starts_with("1. 单项得分") && t.contains("并列"))
        );
        let rows = r["ranking"]["rows"].as_array().expect("rows");
        assert!(!rows.is_empty());
        let decimals = r["ranking"]["rule"]["tie_decimals"].as_i64().unwrap_or(4) as i32;
        let round = |v: f64| (v * 10f64.powi(decimals)).round();
        for row in rows {
            let (Some(rank), Some(score)) = (row["rank"].as_u64(), row["score"].as_f64()) else {
                continue;
            };
            let better = rows
                .iter()
                .filter(|o| o["score"].as_f64().is_some_and(|x| round(x) > round(score)))
                .count() as u64;
            assert_eq!(rank, better + 1, "competition rank of {row}");
        }
    }
    let (st, e) = office.get("/api/v1/ranking?month=2025Q2").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, h, bytes) = raw(&office, "/api/v1/ranking.xlsx?month=2025-06&by=town").await;
    assert_eq!(st, StatusCode::OK);
    assert!(bytes.starts_with(b"PK"), "xlsx is a zip");
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let (st, _) = wjj
        .post(
            "/api/v1/ranking/publish",
            json!({"month": "2025-06", "by": "town"}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, p) = office
        .post(
            "/api/v1/ranking/publish",
            json!({"month": "2025-06", "by": "town"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert!(p["report"]["published_at"].is_string());

    // Weekly: one department files, the week view flags the others.
    let dept = unit_of(&wjj).await;
    let (st, w) = wjj
        .post(
            "/api/v1/weekly",
            json!({"week": "2025-W39", "items": [
            {"text": "推进托育机构备案", "status": "planned"},
            {"text": "完成季度数据核对", "status": "done"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    let (st, e) = wjj
        .post(
            "/api/v1/weekly",
            json!({"week": "2025-W39", "unit": "区教育局", "items": [{"text": "x"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another unit's plan: {e}");
    let (st, e) = wjj
        .post("/api/v1/weekly", json!({"week": "2025-W60", "items": []}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, v) = office.get("/api/v1/weekly?week=2025-W39").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let missing: Vec<&str> = v["view"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!missing.contains(&dept.as_str()), "{dept} filed");
    assert!(
        missing.contains(&"区教育局"),
        "a department that did not file is flagged: {missing:?}"
    );
    let row = v["view"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == dept.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        (row["planned"].as_u64(), row["done"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(row["kind"], "department", "{row}");
    // A town files too, an item linked to a key task; a link to nothing is refused.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let town_unit = unit_of(&town).await;
    assert!(
        missing.contains(&town_unit.as_str()),
        "towns are expected: {missing:?}"
    );
    let (st, e) = town
        .post(
            "/api/v1/weekly",
            json!({"week": "2025-W39", "items": [{"text": "配合整改", "work_item": "DB-1999-0009"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("第 1 项"), "{e}");
    let (st, w) = town
        .post(
            "/api/v1/weekly",
            json!({"week": "2025-W39", "items": [{"text": "配合推进托育建设", "work_item": "task:1.1"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    let (_, v) = office.get("/api/v1/weekly?week=2025-W39").await;
    let group = v["view"]["by_link"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["link"] == "task:1.1")
        .cloned()
        .expect("grouped by task");
    assert!(
        group["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["unit"] == town_unit.as_str()),
        "{group}"
    );
    let resp = office
        .with(
            office
                .http
                .get(format!("{}/weekly?week=2025-W39", office.base)),
        )
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let html = resp.text().await.unwrap_or_default();
    assert!(
        html.contains("按关联任务、项目和督办单") && html.contains("href=\"/tasks/task:1.1\""),
        "{html}"
    );

    // Tasks: progress with a file, the attachment downloadable; milestones via PUT.
    let (st, tasks) = wjj.get("/api/v1/tasks").await;
    assert_eq!(st, StatusCode::OK);
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["may_edit"] == true)
        .cloned()
        .expect("a task wjj may edit");
    let tid = task["id"].as_str().unwrap().to_string();
    let mut item = task.clone();
    item["milestones"] =
        json!([{"id": 1, "title": "完成选址", "due": "2025-03-31", "done_on": null}]);
    let (st, saved) = wjj.put_json(&format!("/api/v1/tasks/{tid}"), item).await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["milestones_overdue"], 1);
    let (st, over) = wjj.get("/api/v1/tasks?overdue=true").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        over.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == tid.as_str())
    );
    let part = reqwest::multipart::Part::bytes(b"evidence bytes".to_vec())
        .file_name("验收报告.txt")
        .mime_str("text/plain")
        .unwrap();
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
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let t: Value = resp.json().await.unwrap();
    let sha = t["updates"][0]["attachments"][0]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let (st, h, bytes) = raw(&office, &format!("/api/v1/attachments/{sha}")).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(bytes, b"evidence bytes");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.contains("filename*=UTF-8''%E9%AA%8C"), "{cd}");
    let (st, _, _) = raw(&office, &format!("/api/v1/attachments/{}", "0".repeat(64))).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _, _) = raw(&s.anon(), &format!("/api/v1/attachments/{sha}")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // Lag notes.
    let (st, n) = wjj
        .post(
            "/api/v1/lag-notes",
            json!({"indicator": "T02", "place": "330902",
            "period": "2025Q3", "cause": "新园未开园", "measure": "加快验收"}),
        )
        .await;
    assert!(
        st == StatusCode::OK || st == StatusCode::FORBIDDEN,
        "{st} {n}"
    );
    let (st, _) = office.get("/api/v1/lag-notes?period=2025Q3").await;
    assert_eq!(st, StatusCode::OK);

    // The quarterly report: HTML with its headings; PDF when a CJK font is installed.
    let (st, h, bytes) = raw(&office, "/api/v1/reports/quarterly/2025Q3?format=html").await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&bytes));
    assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(
        cd.contains("filename*=UTF-8''%E5%AD%A3%E5%88%86%E6%9E%90-2025Q3.html"),
        "{cd}"
    );
    let html = String::from_utf8(bytes).unwrap();
    for heading in [
        "一、总体情况",
        "二、各领域进展",
        "三、滞后指标",
        "四、月度排名",
    ] {
        assert!(html.contains(heading), "report lacks {heading}");
    }
    let (st, h, bytes) = raw(&office, "/api/v1/reports/quarterly/2025Q3?format=pdf").await;
    if st == StatusCode::UNPROCESSABLE_ENTITY && String::from_utf8_lossy(&bytes).contains("字体")
    {
        youxiang_testkit::skip(
            "cjk-font",
            format!(
                "the PDF assertion: no CJK font installed ({})",
                String::from_utf8_lossy(&bytes)
            ),
        );
    } else {
        assert_eq!(st, StatusCode::OK);
        assert!(bytes.starts_with(b"%PDF"), "a PDF");
        assert_eq!(h["content-type"], "application/pdf");
        let cd = h["content-disposition"].to_str().unwrap();
        assert!(
            cd.starts_with("attachment")
                && cd.contains("filename*=UTF-8''%E5%AD%A3%E5%88%86%E6%9E%90-2025Q3.pdf"),
            "{cd}"
        );
    }
    let (st, _, _) = raw(&office, "/api/v1/reports/quarterly/2025-09?format=html").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _, _) = raw(&office, "/api/v1/reports/quarterly/2025Q3?format=odt").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    let (st, doc) = s.anon().get("/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    for p in [
        "/api/v1/tasks",
        "/api/v1/orders/{id}/actions",
        "/api/v1/ranking.xlsx",
        "/api/v1/reports/quarterly/{quarter}",
        "/api/v1/inbox/read",
    ] {
        assert!(doc["paths"][p].is_object(), "openapi lacks {p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_pages_for_office_and_reporter() {
    let s = start().await;
    let office = s.signed_in("office").await;
    let (_, o) = office
        .post(
            "/api/v1/orders",
            json!({"title": "页面测试督办", "lead_unit": "区卫健局",
            "deadline": (today() + chrono::Duration::days(2)).to_string()}),
        )
        .await;
    let id = o["id"].as_str().unwrap_or("DB-none").to_string();
    let (_, tasks) = office.get("/api/v1/tasks").await;
    let tid = tasks[0]["id"].as_str().unwrap().to_string();
    for login in ["office", "wjj"] {
        let mut b = Browser::new(&s.base);
        sign_in_form(&mut b, login).await;
        for (path, text) in [
            ("/my".to_string(), "我的任务"),
            ("/tasks".to_string(), "任务清单"),
            ("/tasks?overdue=1".to_string(), "任务清单"),
            (format!("/tasks/{tid}"), "路线图与进度"),
            ("/weekly?week=2025-W39".to_string(), "周计划"),
            ("/ranking?month=2025-06&by=town".to_string(), "排名规则"),
            ("/ranking?month=2025-06&by=department".to_string(), "分"),
            ("/orders".to_string(), "督办统计"),
            ("/orders?overdue=1&state=assigned".to_string(), "督办"),
            (format!("/orders/{id}"), "办理时间线"),
            ("/inbox".to_string(), "消息"),
            ("/reports".to_string(), "季分析"),
        ] {
            let (st, html) = b.get(&path).await;
            assert_eq!(st, StatusCode::OK, "{login} {path}: {html}");
            assert!(html.contains(text), "{login} {path} lacks {text}");
            assert!(!html.contains("<script>"), "{path}: no inline script");
            assert!(html.contains("href=\"/orders\""), "{path}: nav link");
        }
    }
    // Office-only parts.
    let mut b = Browser::new(&s.base);
    let csrf = sign_in_form(&mut b, "office").await;
    let (_, html) = b.get("/weekly?week=2025-W39").await;
    assert!(
        html.contains("未报送"),
        "the week view flags who did not file"
    );
    let (_, html) = b.get("/ranking?month=2025-06").await;
    assert!(html.contains("发布本月排名") && html.contains("ranking.xlsx"));
    let (_, html) = b.get("/orders").await;
    assert!(html.contains("立项督办") && html.contains("name=\"deadline\""));
    let (st, _) = b
        .post_form(
            "/orders",
            &[
                ("csrf", &csrf),
                ("title", "表单立项"),
                ("lead_unit", "区卫健局"),
                (
                    "deadline",
                    &(today() + chrono::Duration::days(5)).to_string(),
                ),
                ("assign", "1"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, _) = b
        .post_form("/orders", &[("csrf", "bad"), ("title", "x")])
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // English switch.
    let (_, _) = b.get("/lang?to=en&back=/orders").await;
    let (_, html) = b.get("/orders").await;
    assert!(html.contains("Supervision orders"));

    // A reporter: the weekly form, the inbox, mark read; no publish or raise.
    let mut r = Browser::new(&s.base);
    let csrf = sign_in_form(&mut r, "wjj").await;
    let (_, html) = r.get("/ranking?month=2025-06").await;
    assert!(!html.contains("发布本月排名"));
    let (_, html) = r.get("/weekly?week=2025-W40").await;
    assert!(html.contains("报送周计划") && html.contains("name=\"t0\""));
    let (st, _) = r
        .post_form(
            "/weekly",
            &[
                ("csrf", &csrf),
                ("week", "2025-W40"),
                ("t0", "走访托育机构"),
                ("s0", "planned"),
                ("t1", ""),
                ("s1", "planned"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = r.get("/weekly?week=2025-W40").await;
    assert!(html.contains("走访托育机构") && html.contains("已报送"));
    let (_, html) = r.get("/inbox").await;
    assert!(
        html.contains("● 未读") && html.contains(&id),
        "the new order's notice"
    );
    let (st, _) = r
        .post_form("/inbox/read", &[("csrf", &csrf), ("all", "1")])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = r.get("/inbox").await;
    assert!(!html.contains("● 未读"));
    let (_, html) = r.get(&format!("/tasks/{tid}")).await;
    assert!(html.contains("路线图"));
}

impl Client {
    pub(super) async fn put_json(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .with(self.http.put(format!("{}{path}", self.base)))
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}
