//! Issue 16: the assistance rules as Chinese forms — the eligibility rules (one fieldset
//! per rule and clause, a clause or rule added and removed without script, the preview of
//! who gains and loses, the form round-tripping to the same rules), the visit plan and the
//! flag rules (form and API); a bad value named by rule, clause and field; a viewer or a
//! town refused (403), a form without its CSRF token refused, every save audited.

use super::assist_care::{page, put, with_register};
use super::*;
use youxiang_core::assist::rules::{Basis, Clause, RuleSet};
use youxiang_core::assist::rules_edit::parts;
use youxiang_core::labels::Labelled;

/// Posts a form with the session's CSRF field (`csrf: false` leaves it out).
async fn form(
    c: &Client,
    path: &str,
    fields: &[(String, String)],
    csrf: bool,
) -> (StatusCode, String) {
    let mut all = fields.to_vec();
    if csrf {
        all.push(("csrf".into(), c.csrf.clone().unwrap_or_default()));
    }
    let mut rb = c.http.post(format!("{}{path}", c.base)).form(&all);
    if let Some(k) = &c.cookie {
        rb = rb.header("cookie", k);
    }
    let resp = rb.send().await.expect("send");
    (resp.status(), resp.text().await.unwrap_or_default())
}
/// The page's text outside its tags (what a reader sees).
fn text_of(html: &str) -> String {
    let body = html.split("<main").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut inside = false;
    for ch in body.chars() {
        match ch {
            '<' => inside = true,
            '>' => {
                inside = false;
                out.push(' ');
            }
            _ if !inside => out.push(ch),
            _ => {}
        }
    }
    out
}

/// The fields the rules form holds for `set`, as the page writes them.
fn fields_of(set: &RuleSet, version: i64) -> Vec<(String, String)> {
    let mut f = vec![("version".to_string(), version.to_string())];
    for (i, r) in set.rules.iter().enumerate() {
        f.push((format!("r{i}.code"), r.code.clone()));
        f.push((format!("r{i}.name"), r.name.clone()));
        for (j, c) in r.clauses.iter().enumerate() {
            let (kind, basis, times, n, cats) = parts(c);
            let k = |x: &str| format!("r{i}.c{j}.{x}");
            f.push((k("kind"), kind.code().into()));
            f.push((k("basis"), basis.code().into()));
            f.push((k("times"), times.to_string()));
            f.push((k("n"), n.to_string()));
            for cat in cats {
                f.push((k("cat"), cat.code().into()));
            }
        }
    }
    f
}

fn with(mut f: Vec<(String, String)>, key: &str, value: &str) -> Vec<(String, String)> {
    match f.iter_mut().find(|(k, _)| k == key) {
        Some(x) => x.1 = value.to_string(),
        None => f.push((key.to_string(), value.to_string())),
    }
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_form_round_trips_previews_and_names_a_bad_field() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    let (st, html) = page(&mzj, "/assist/rules").await;
    assert_eq!(st, StatusCode::OK, "{html}");
    let text = text_of(&html);
    for shown in [
        "第1条规则",
        "最低生活保障",
        "人均年收入低于",
        "低保标准",
        "倍",
        "人",
        "添加条件",
        "添加规则",
    ] {
        assert!(text.contains(shown), "{shown} missing: {text}");
    }
    for code in [
        "[[rule]]",
        "income_below",
        "dibao",
        "basis",
        "kind",
        "times",
    ] {
        assert!(!text.contains(code), "{code} shown on the page: {text}");
    }
    let current = s.app.assist_rules().await.unwrap();
    let base = fields_of(&current.rules, current.version);

    // Unchanged, saved: the same rules come back.
    let (st, body) = form(
        &mzj,
        "/assist/rules",
        &with(base.clone(), "do", "save"),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body.contains("已保存"), "{body}");
    let saved = s.app.assist_rules().await.unwrap();
    assert_eq!(saved.rules, RuleSet::defaults());
    assert!(saved.version > current.version);

    // A bad multiple: 422, named by rule, clause and field, the value kept.
    let bad = with(fields_of(&saved.rules, saved.version), "r0.c1.times", "abc");
    let (st, body) = form(&mzj, "/assist/rules", &with(bad, "do", "preview"), true).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("第1条规则“最低生活保障”第2个条件的“倍数”:“abc”不是数字"),
        "{body}"
    );
    assert!(body.contains("value=\"abc\""), "{body}");
    let no_cats = with(
        fields_of(&saved.rules, saved.version),
        "r2.c0.kind",
        "category_none",
    );
    let no_cats: Vec<(String, String)> = no_cats
        .into_iter()
        .filter(|(k, _)| k != "r2.c0.cat")
        .collect();
    let (st, body) = form(&mzj, "/assist/rules", &with(no_cats, "do", "preview"), true).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("第3条规则“特困供养”第1个条件的“困难类别”"),
        "{body}"
    );

    // Add a clause, then remove a rule: the form comes back with one more, one fewer.
    let f = fields_of(&saved.rules, saved.version);
    let (st, body) = form(
        &mzj,
        "/assist/rules",
        &with(f.clone(), "do", "add_clause.0"),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("name=\"r0.c3.kind\"") && !body.contains("name=\"r0.c4.kind\""));
    let (st, body) = form(
        &mzj,
        "/assist/rules",
        &with(f.clone(), "do", "add_rule"),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(body.contains("第4条规则") && body.contains("name=\"r3.c0.kind\""));
    let (st, body) = form(
        &mzj,
        "/assist/rules",
        &with(f.clone(), "do", "del_rule.1"),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(!body.contains("name=\"r2.code\""), "three rules left two");
    assert!(body.contains("value=\"tekun\""), "the third rule moved up");

    // A tighter 低保 previewed: some households lose it; nothing saved yet.
    let tighter = with(f.clone(), "r0.c1.times", "0.5");
    let (st, body) = form(
        &mzj,
        "/assist/rules",
        &with(tighter.clone(), "do", "preview"),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(
        body.contains("不再符合") && body.contains("确认保存"),
        "{body}"
    );
    assert!(!body.contains("没有家庭的资格发生变化"), "{body}");
    assert_eq!(s.app.assist_rules().await.unwrap().version, saved.version);

    // Neither a viewer nor a town changes the rules; a form without its token is refused.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let viewer = s.signed_in("viewer").await;
    for c in [&town, &viewer] {
        let (st, _) = page(c, "/assist/rules").await;
        assert_eq!(st, StatusCode::FORBIDDEN);
        let (st, _) = form(
            c,
            "/assist/rules",
            &with(tighter.clone(), "do", "save"),
            true,
        )
        .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }
    let (st, _) = form(
        &mzj,
        "/assist/rules",
        &with(tighter.clone(), "do", "save"),
        false,
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(s.app.assist_rules().await.unwrap().version, saved.version);

    // Saved: the TOML the API and the command line read says the same, audited.
    let (st, body) = form(&mzj, "/assist/rules", &with(tighter, "do", "save"), true).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (_, r) = mzj.get("/api/v1/assist/rules").await;
    assert!(r["toml"].as_str().unwrap().contains("times = 0.5"), "{r}");
    let mut expected = RuleSet::defaults();
    expected.rules[0].clauses[1] = Clause::IncomeBelow {
        basis: Basis::Dibao,
        times: 0.5,
    };
    assert_eq!(s.app.assist_rules().await.unwrap().rules, expected);
    let auditor = s.signed_in("auditor").await;
    let (st, audit) = auditor.get("/api/v1/audit?limit=1000").await;
    assert_eq!(st, StatusCode::OK, "{audit}");
    assert!(audit.to_string().contains("assist.rules"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visit_plan_and_the_flag_rules_are_edited_by_form_and_api() {
    let s = start().await;
    let mzj = s.signed_in("mzj").await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let viewer = s.signed_in("viewer").await;

    // The visit plan: a select per category; the town reads it, cannot change it.
    let (st, html) = page(&mzj, "/assist/visits/plan").await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("特困供养") && html.contains("每季度") && html.contains("保存探访计划"));
    let (st, html) = page(&town, "/assist/visits/plan").await;
    assert_eq!(st, StatusCode::OK);
    assert!(!html.contains("保存探访计划"));
    let (st, _) = page(&viewer, "/assist/visits/plan").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let plan = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut f = vec![("version".to_string(), "0".to_string())];
        f.extend(
            pairs
                .iter()
                .map(|(c, v)| (format!("cat.{c}"), v.to_string())),
        );
        f
    };
    let wanted = plan(&[
        ("tekun", "quarterly"),
        ("dibao", "half_yearly"),
        ("child", "monthly"),
    ]);
    let (st, _) = form(&town, "/assist/visits/plan", &wanted, true).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = form(&mzj, "/assist/visits/plan", &wanted, false).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = form(
        &mzj,
        "/assist/visits/plan",
        &plan(&[("tekun", "weekly")]),
        true,
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("类别“特困供养”的“探访频次”"), "{body}");
    let (st, body) = form(&mzj, "/assist/visits/plan", &wanted, true).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert!(body.contains("已保存探访计划"), "{body}");
    let (_, p) = mzj.get("/api/v1/assist/visit-plan").await;
    assert_eq!(
        p["rows"],
        json!([
            {"category": "tekun", "frequency": "quarterly"},
            {"category": "dibao", "frequency": "half_yearly"},
            {"category": "child", "frequency": "monthly"},
        ]),
        "{p}"
    );
    let v = p["version"].as_i64().unwrap();
    // The API: the whole plan, by the version read.
    let body = json!({"rows": [{"category": "特困", "frequency": "每月"}], "version": v});
    let (st, _) = put(&town, "/api/v1/assist/visit-plan", body.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, e) = put(
        &mzj,
        "/api/v1/assist/visit-plan",
        json!({"rows": [{"category": "nobody", "frequency": "monthly"}]}),
    )
    .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("第1行"), "{e}");
    let (st, saved) = put(&mzj, "/api/v1/assist/visit-plan", body.clone()).await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(
        saved["rows"],
        json!([{"category": "tekun", "frequency": "monthly"}])
    );
    let (st, _) = put(&mzj, "/api/v1/assist/visit-plan", body).await;
    assert_eq!(st, StatusCode::CONFLICT, "an old version");

    // The flag rules: six thresholds with units.
    let (st, html) = page(&mzj, "/assist/flags/rules").await;
    assert_eq!(st, StatusCode::OK);
    for shown in [
        "收入下降超过",
        "近12个月医疗支出超过",
        "探访逾期超过",
        "救助资格复核周期",
        "个月",
        "元",
        "天",
        "%",
    ] {
        assert!(html.contains(shown), "{shown}");
    }
    let rules = |income: &str| -> Vec<(String, String)> {
        [
            ("version", "0"),
            ("income_drop_pct", income),
            ("medical_yuan", "30,000"),
            ("missed_visit_days", "10"),
            ("review_months", "6"),
            ("expiry_warn_days", "20"),
            ("handle_days", "5"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let (st, body) = form(&mzj, "/assist/flags/rules", &rules("abc"), true).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("“收入下降超过”:“abc”应为数字(%)"), "{body}");
    let (st, body) = form(&mzj, "/assist/flags/rules", &rules("150"), true).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("“收入下降超过”:收入下降比例应在0至100之间"),
        "{body}"
    );
    let (st, _) = form(&town, "/assist/flags/rules", &rules("25"), true).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = form(&mzj, "/assist/flags/rules", &rules("25"), false).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, body) = form(&mzj, "/assist/flags/rules", &rules("25"), true).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let (st, r) = town.get("/api/v1/assist/flag-rules").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (
            r["income_drop_pct"].as_f64(),
            r["medical_yuan"].as_f64(),
            r["review_months"].as_i64()
        ),
        (Some(25.0), Some(30000.0), Some(6)),
        "{r}"
    );
    let mut next = r.clone();
    next["handle_days"] = json!(10);
    let (st, _) = put(&town, "/api/v1/assist/flag-rules", next.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, saved) = put(&mzj, "/api/v1/assist/flag-rules", next.clone()).await;
    assert_eq!(st, StatusCode::OK, "{saved}");
    assert_eq!(saved["handle_days"], 10);
    let (st, _) = put(&mzj, "/api/v1/assist/flag-rules", next.clone()).await;
    assert_eq!(st, StatusCode::CONFLICT, "an old version");
    next["version"] = saved["version"].clone();
    next["handle_days"] = json!(0);
    let (st, e) = put(&mzj, "/api/v1/assist/flag-rules", next).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("处理期限"), "{e}");

    // Audited, each save.
    let auditor = s.signed_in("auditor").await;
    let (_, audit) = auditor.get("/api/v1/audit?limit=1000").await;
    let a = audit.to_string();
    assert!(
        a.contains("assist.visit.plan") && a.contains("assist.flag.rules"),
        "{a}"
    );
}
