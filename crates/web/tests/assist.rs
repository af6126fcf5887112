//! Issue 16, points 1–2: the register of households in difficulty through the API and the
//! pages — place-scoped (another town's household is not found), masked by default,
//! shown whole only to the right holder after a reason (audited), exports masked unless
//! the export right is held; the standards previewed before they are applied; and a scan
//! of every answer for an unmasked ID number or phone.

use super::*;
use youxiang_app::assist::Keyring;
use youxiang_core::assist::register::find_unmasked;

/// The demo server with the demo register (300 households) under a throwaway key.
async fn with_register() -> Server {
    let s = start().await;
    s.app.set_assist_keys(Keyring::generate().expect("key"));
    let n = youxiang_demo::assist::load_demo_register(&s.app, youxiang_demo::demo_today())
        .await
        .expect("register");
    assert_eq!(n, youxiang_demo::assist::DEMO_HOUSEHOLDS);
    s
}

async fn text(c: &Client, path: &str) -> (StatusCode, String) {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    (resp.status(), resp.text().await.unwrap_or_default())
}

/// `text` with every run of 32 or more lowercase hex characters (the audit chain's hashes,
/// attachments' digests) blanked: digests are not personal data, and their digit runs
/// would look like numbers to the scan.
fn without_digests(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for ch in text.chars().chain(std::iter::once(' ')) {
        if ch.is_ascii_digit() || ('a'..='f').contains(&ch) {
            run.push(ch);
            continue;
        }
        if run.len() >= 32 {
            out.push('#');
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(ch);
    }
    out
}

fn clean(what: &str, body: &str) {
    let found = find_unmasked(&without_digests(body));
    assert!(found.is_empty(), "{what} shows unmasked {found:?}");
}

fn ids_under(list: &Value, town: &str) -> Vec<String> {
    list["households"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|h| h["place"].as_str().unwrap_or_default().starts_with(town))
        .map(|h| h["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_register_is_scoped_masked_and_every_whole_view_audited() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    let (st, all) = mzj.get("/api/v1/assist/households").await;
    assert_eq!(st, StatusCode::OK, "{all}");
    assert_eq!(all["households"].as_array().map(Vec::len), Some(300));
    clean("the list", &all.to_string());
    let own = ids_under(&all, TOWN);
    let other = ids_under(&all, OTHER_TOWN);
    assert!(!own.is_empty() && !other.is_empty());

    // A town sees its own villages only; another town's household is not found.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, mine) = town.get("/api/v1/assist/households").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(mine["households"].as_array().map(Vec::len), Some(own.len()));
    let (st, _) = town
        .get(&format!("/api/v1/assist/households/{}", other[0]))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = text(&town, &format!("/assist/{}", other[0])).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // A viewer and another department do not use the register.
    let viewer = s.signed_in("viewer").await;
    let (st, _) = viewer.get("/api/v1/assist/households").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let wjj = s.signed_in("wjj").await;
    let (st, _) = wjj.get("/api/v1/assist/households").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // One household, masked, with its check.
    let (st, one) = town
        .get(&format!("/api/v1/assist/households/{}", own[0]))
        .await;
    assert_eq!(st, StatusCode::OK, "{one}");
    clean("a household", &one.to_string());
    assert!(
        one["household"]["personal"]["members"][0]["id_number"]
            .as_str()
            .is_some_and(|i| i.contains("********")),
        "{one}"
    );
    assert!(
        one["check"]["rules"][0]["clauses"]
            .to_string()
            .contains("人均年收入")
    );

    // Whole: a reason first; then shown and audited with it.
    let path = format!("/api/v1/assist/households/{}/reveal", own[0]);
    let (st, _) = town.post(&path, json!({"reason": ""})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, whole) = town
        .post(&path, json!({"reason": "入户核查需要联系户主"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{whole}");
    assert!(!find_unmasked(&whole.to_string()).is_empty(), "{whole}");
    // The reveal on the page too: a form with the reason.
    let (_, page) = text(&town, &format!("/assist/{}", own[0])).await;
    clean("the household page", &page);
    assert!(page.contains("查看事由"), "the reveal form");
    // A village worker sees its households masked but never whole.
    let village = s
        .app
        .read()
        .reporters
        .iter()
        .find(|r| r.role == youxiang_core::scope::Role::VillageReporter)
        .map(|r| (r.login.clone(), r.scope.places[0].clone()))
        .expect("a village user");
    let vc = s.signed_in(&village.0).await;
    let (_, vlist) = vc.get("/api/v1/assist/households").await;
    for h in vlist["households"].as_array().expect("list") {
        assert_eq!(h["place"], village.1.as_str());
    }
    if let Some(h) = vlist["households"][0]["id"].as_str() {
        let (st, _) = vc
            .post(
                &format!("/api/v1/assist/households/{h}/reveal"),
                json!({"reason": "想看一下完整信息"}),
            )
            .await;
        assert_eq!(st, StatusCode::FORBIDDEN);
    }

    // Exports: masked; whole only with the export right, then audited.
    let (st, csv) = text(&town, "/api/v1/assist/households.csv").await;
    assert_eq!(st, StatusCode::OK);
    clean("the masked export", &csv);
    let (st, _) = text(&town, "/api/v1/assist/households.csv?whole=核对名单需要").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, csv) = text(&mzj, "/api/v1/assist/households.csv?whole=年度复核需要").await;
    assert_eq!(st, StatusCode::OK);
    assert!(!find_unmasked(&csv).is_empty());

    // The audit holds both whole views with their reasons — and no personal data.
    let office = s.signed_in("office").await;
    let (st, audit) = office.get("/api/v1/audit?limit=1000").await;
    assert_eq!(st, StatusCode::OK);
    let a = audit.to_string();
    assert!(
        a.contains("assist.reveal") && a.contains("入户核查需要联系户主"),
        "reveal audited"
    );
    assert!(
        a.contains("assist.export") && a.contains("年度复核需要"),
        "export audited"
    );
    clean("the audit API", &a);
    let (st, page) = text(&office, "/audit?limit=1000").await;
    assert_eq!(st, StatusCode::OK);
    clean("the audit page", &page);
    assert!(page.contains("查看完整个人信息"), "the action in words");

    // Every page and answer of the register, as each user, is masked.
    for (who, c) in [("mzj", &mzj), ("town", &town), ("office", &office)] {
        for path in [
            "/assist".to_string(),
            format!("/assist/{}", own[1]),
            format!("/assist/new?edit={}", own[1]),
            "/api/v1/assist/households?category=dibao".to_string(),
            format!("/api/v1/assist/households/{}/check", own[1]),
            "/api/v1/assist/standards".to_string(),
        ] {
            let (st, body) = text(c, &path).await;
            assert!(st.is_success(), "{who} {path}: {st}");
            clean(&format!("{who} {path}"), &body);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_household_is_added_edited_and_its_masked_fields_kept() {
    let s = with_register().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (_, places) = town.get("/api/v1/places").await;
    let village = places
        .as_array()
        .or(places["places"].as_array())
        .and_then(|ps| {
            ps.iter()
                .find(|p| p["parent"] == TOWN)
                .and_then(|p| p["code"].as_str())
                .map(String::from)
        })
        .unwrap_or_else(|| TOWN.to_string());
    let id = "330902199001011236";
    let body = json!({
        "place": village, "categories": ["dibao"], "income_year": 12000.0, "assets": 500.0,
        "needs": ["助餐"], "status": "active", "reason": "审批纳入",
        "consent": {"date": "2025-10-01", "scope": "经济状况核对", "how": "书面签字"},
        "members": [{"relation": "户主"}],
        "personal": {"address": "测试路1号", "members": [{"name": "测试人", "id_number": id, "phone": "13900001111", "health": "良好"}]}
    });
    let (st, b) = town
        .put_json("/api/v1/assist/households/T-1", body.clone())
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "the check digit: {b}");
    let mut good = body.clone();
    good["personal"]["members"][0]["id_number"] = json!("33090219900101123X");
    let check = youxiang_core::assist::register::id_check_char("33090219900101123").unwrap();
    let id = format!("33090219900101123{check}");
    good["personal"]["members"][0]["id_number"] = json!(id);
    let (st, b) = town
        .put_json("/api/v1/assist/households/T-1", good.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    clean("the saved household", &b.to_string());
    // Another town's place: refused.
    let mut far = good.clone();
    far["place"] = json!(OTHER_TOWN);
    let (st, _) = town.put_json("/api/v1/assist/households/T-2", far).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // An edit sending the masked form back keeps the stored values; the status change
    // enters the history with its reason.
    let mut edit = b.clone();
    edit["status"] = json!("suspended");
    edit["reason"] = json!("未按期复核");
    edit["income_year"] = json!(13000.0);
    let (st, e) = town.put_json("/api/v1/assist/households/T-1", edit).await;
    assert_eq!(st, StatusCode::OK, "{e}");
    assert_eq!(e["version"], 2);
    assert_eq!(e["history"].as_array().map(Vec::len), Some(2), "{e}");
    let (st, whole) = town
        .post(
            "/api/v1/assist/households/T-1/reveal",
            json!({"reason": "核对修改结果"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{whole}");
    assert_eq!(whole["personal"]["members"][0]["id_number"], id.as_str());
    assert_eq!(whole["personal"]["members"][0]["phone"], "13900001111");
    assert_eq!(whole["income_year"], 13000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standard_is_previewed_before_it_is_applied() {
    let s = with_register().await;
    let mzj = s.signed_in("mzj").await;
    let (_, before) = mzj.get("/api/v1/assist/standards").await;
    assert_eq!(before["version"], 0);
    assert!(
        before.to_string().contains("14100"),
        "the plan's T18 value: {before}"
    );
    let raise = json!({"place": DISTRICT, "from": "2025-10-01", "dibao_year": 20000.0});
    let (st, p) = mzj
        .post("/api/v1/assist/standards/preview", raise.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    let changes = p["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|c| c["gains"].to_string().contains("dibao")),
        "someone gains 低保 under a higher standard: {p}"
    );
    let (_, still) = mzj.get("/api/v1/assist/standards").await;
    assert_eq!(still, before, "a preview saves nothing");
    // A town may not set the standard.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, _) = town.post("/api/v1/assist/standards", raise.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, applied) = mzj.post("/api/v1/assist/standards", raise).await;
    assert_eq!(st, StatusCode::OK, "{applied}");
    assert_eq!(applied["changes"], p["changes"]);
    let (_, after) = mzj.get("/api/v1/assist/standards").await;
    assert_eq!(after["version"], 1);
    let (_, page) = text(&mzj, "/assist/standards").await;
    assert!(page.contains("20,000元"), "the page lists the new standard");
}
