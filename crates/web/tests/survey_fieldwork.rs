//! Issue 17, point 2: fieldwork — single-use invitations under concurrent submissions,
//! open-link answers kept out of the index, the public page's bot barrier and rate limit,
//! staff entry scoped to the town and refused after the round's close.

use std::collections::BTreeMap;

use youxiang_app::survey_fieldwork::{Refused, TokenDraw, Via};
use youxiang_demo::survey::{DEMO_ROUND, demo_token};

use super::*;

fn answer(young: &str, points: &str) -> BTreeMap<String, String> {
    let mut v: BTreeMap<String, String> = [
        ("age", "45"),
        ("has_young_child", young),
        ("xy1", points),
        ("ld1", points),
        ("needs", "yanglao kanbing"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    if young == "yes" {
        v.insert("yy1".into(), points.into());
    }
    v
}

/// A server over the demo database with the demo's open round (the shared template holds
/// `load_demo` only: the fieldwork is part of the management demo).
async fn fieldwork_with(config: WebConfig) -> Server {
    let s = start_with(config).await;
    youxiang_demo::survey::load_demo_fieldwork(&s.app, "office")
        .await
        .expect("demo fieldwork");
    s.app.set_clock(None);
    s
}

async fn fieldwork() -> Server {
    fieldwork_with(WebConfig::default()).await
}

/// The town's cells' n summed: moves by one per respondent and domain answered (the
/// district's stratified cell counts only strata with two answers or more).
async fn town_n(app: &App) -> u64 {
    let index = app
        .survey_index("office", DEMO_ROUND, None)
        .await
        .expect("index");
    index
        .cells
        .iter()
        .filter(|c| c.place == TOWN)
        .map(|c| c.n as u64)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_token_answers_once_whatever_the_concurrency() {
    let s = fieldwork().await;
    let today = s.app.today();
    let list = s
        .app
        .issue_survey_tokens("office", DEMO_ROUND, TokenDraw::PerStratum(1), today)
        .await
        .expect("tokens");
    let token = list.tokens[0].token.clone();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let app = s.app.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let points = ["3", "4", "5"][i % 3];
                app.submit_survey_answer(
                    DEMO_ROUND,
                    Via::Token(&token),
                    &answer("no", points),
                    today,
                )
                .await
            })
        })
        .collect();
    let mut kept = 0;
    let mut used = 0;
    for t in tasks {
        match t.await.expect("task").expect("no machine error") {
            Ok(()) => kept += 1,
            Err(Refused::UsedToken) => used += 1,
            Err(other) => panic!("unexpected refusal {other:?}"),
        }
    }
    assert_eq!((kept, used), (1, 15));
    let info = s.app.survey_token(&token).await.unwrap().unwrap();
    assert!(info.used);
    let waiting: usize = s
        .app
        .survey_pending(DEMO_ROUND)
        .await
        .unwrap()
        .values()
        .sum();
    assert_eq!(waiting, 1, "one answer kept, waiting for its batch");
    // The stored answer names no token, no hash of one.
    let responses = s.app.survey_responses(DEMO_ROUND).await.unwrap();
    let hash = youxiang_app::survey_fieldwork::token_hash(&token);
    for r in &responses {
        let text = serde_json::to_string(r).unwrap();
        assert!(!text.contains(&token) && !text.contains(&hash), "{text}");
    }
    // Tokens are stored as their hashes only.
    let plain = youxiang_app::survey_fieldwork::normalize_token(&token);
    let db = youxiang_store::connect(&s.url).await.expect("store");
    let rows = db
        .list_records(&youxiang_store::RecordFilter::kind("survey_token"))
        .await
        .unwrap();
    assert!(rows.iter().any(|r| r.id == hash));
    assert!(
        rows.iter()
            .all(|r| !r.id.contains(&plain) && !r.body.to_string().contains(&plain))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_link_answers_stay_out_of_the_index() {
    let s = fieldwork().await;
    let today = s.app.today();
    let before = town_n(&s.app).await;
    let town = TOWN;
    let r = s
        .app
        .submit_survey_answer(DEMO_ROUND, Via::Open(town), &answer("no", "5"), today)
        .await
        .unwrap();
    assert_eq!(r, Ok(()));
    let r = s
        .app
        .submit_survey_answer(
            DEMO_ROUND,
            Via::Token(&demo_token(town, 7)),
            &answer("no", "5"),
            today,
        )
        .await
        .unwrap();
    assert_eq!(r, Ok(()));
    // Both wait to be released (待汇总): in no count of answers yet.
    assert_eq!(
        town_n(&s.app).await,
        before,
        "a waiting answer is not counted"
    );
    let f = s.app.survey_fieldwork(DEMO_ROUND).await.unwrap();
    assert_eq!((f.open_link_answers, f.open_link_pending), (0, 1));
    let own = f.strata.iter().find(|x| x.stratum == town).unwrap();
    assert_eq!((own.pending, own.answers.get("token")), (1, None));
    // A problem is named per question; an irrelevant answer is dropped, not refused.
    let mut bad = answer("no", "7");
    bad.insert("yy1".into(), "4".into());
    let r = s
        .app
        .submit_survey_answer(DEMO_ROUND, Via::Open(town), &bad, today)
        .await
        .unwrap();
    match r {
        Err(Refused::Problems(p)) => {
            let names: Vec<&str> = p.iter().map(|p| p.question.as_str()).collect();
            assert_eq!(names, ["xy1", "ld1"], "{p:?}");
        }
        other => panic!("{other:?}"),
    }
    // The close releases them: the token's answer enters the index (xy1 and ld1: two
    // domains counted at the town), the open link's stays apart.
    s.app
        .close_survey_round("office", DEMO_ROUND)
        .await
        .unwrap();
    assert_eq!(town_n(&s.app).await, before + 2);
    assert_eq!(s.app.open_link_answers(DEMO_ROUND).await.unwrap().len(), 1);
    let f = s.app.survey_fieldwork(DEMO_ROUND).await.unwrap();
    assert_eq!((f.open_link_answers, f.open_link_pending), (1, 0));
    assert!(s.app.audit_verify().await.unwrap().ok);
}

fn form_of(html: &str) -> Vec<(String, String)> {
    vec![
        ("stamp".into(), hidden(html, "stamp")),
        ("t".into(), hidden(html, "t")),
        ("age".into(), "52".into()),
        ("has_young_child".into(), "no".into()),
        ("xy1".into(), "4".into()),
        ("needs".into(), "yanglao".into()),
        ("needs".into(), "kanbing".into()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_page_has_a_bot_barrier_and_single_use_tokens() {
    let s = fieldwork().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let token = demo_token(TOWN, 3);
    let page = http
        .get(format!("{}/s/t/{token}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("<script"), "works without JavaScript");
    assert!(
        html.contains("<fieldset") && html.contains("<legend>"),
        "choices in fieldsets"
    );
    assert!(
        html.contains("仅当“您家中是否有3岁以下的孩子？”选“是”时作答"),
        "conditions stated"
    );
    let action = format!("{}/s/{DEMO_ROUND}", s.base);
    let post = |fields: Vec<(String, String)>| {
        let http = http.clone();
        let action = action.clone();
        async move { http.post(&action).form(&fields).send().await.unwrap() }
    };
    // Too fast: refused, the answers kept on the page.
    let r = post(form_of(&html)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("提交过快"));
    // The honeypot filled: thanked, nothing kept, the token still unused.
    let mut trap = form_of(&html);
    trap.push(("website".into(), "http://spam.example".into()));
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let r = post(trap).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!s.app.survey_token(&token).await.unwrap().unwrap().used);
    // A forged stamp.
    let mut forged = form_of(&html);
    forged[0].1 = "1.00".into();
    assert_eq!(
        post(forged).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A problem shown next to its question, with the answers kept.
    let mut wrong = form_of(&html);
    wrong[2].1 = "12".into();
    let r = post(wrong).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("id=\"e-age\"") && body.contains("年龄应在18至120岁之间"),
        "{body}"
    );
    assert!(body.contains("value=\"kanbing\" checked"));
    // The answer kept; the token used; a second use refused.
    let r = post(form_of(&html)).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let thanks = r.headers()["location"].to_str().unwrap().to_string();
    assert!(thanks.ends_with("/thanks"), "{thanks}");
    assert!(s.app.survey_token(&token).await.unwrap().unwrap().used);
    assert_eq!(post(form_of(&html)).await.status(), StatusCode::CONFLICT);
    let again = http
        .get(format!("{}/s/t/{token}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let unknown = http
        .get(format!("{}/s/t/NOPE-NOPE-NOPE", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_page_is_rate_limited() {
    let s = fieldwork_with(WebConfig {
        public_rate: 1,
        ..WebConfig::default()
    })
    .await;
    let http = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = http
            .get(format!("{}/s/t/{}", s.base, demo_token(TOWN, 1)))
            .send()
            .await
            .unwrap();
        statuses.push(r.status());
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_enter_answers_for_their_towns_until_the_round_closes() {
    let s = fieldwork().await;
    let path = format!("/api/v1/survey/rounds/{DEMO_ROUND}/answers");
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let values = json!({"age": "60", "has_young_child": "no", "by1": "4"});
    let (st, b) = town
        .post(
            &path,
            json!({"stratum": TOWN, "mode": "paper", "values": values}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{b}");
    let (st, b) = town
        .post(
            &path,
            json!({"stratum": OTHER_TOWN, "mode": "phone", "values": values}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, b) = town
        .post(
            &path,
            json!({"stratum": TOWN, "mode": "phone", "values": {"age": "6"}}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    let office = s.signed_in("office").await;
    let fw = path.replace("/answers", "/fieldwork");
    let (st, b) = office.get(&fw).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let own = b["strata"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["stratum"] == TOWN)
        .unwrap()
        .clone();
    assert_eq!(own["answers"]["paper"], 1, "{own}");
    let (st, _) = town.post(&fw, json!({"close": true})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "only the office closes a round");
    let (st, b) = office.post(&fw, json!({"close": true})).await;
    assert_eq!(
        (st, b["open"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{b}"
    );
    let (st, b) = town
        .post(
            &path,
            json!({"stratum": TOWN, "mode": "paper", "values": values}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    // The audit names the new actions in Chinese.
    let (st, b) = office.get("/api/v1/survey/rounds/none/fieldwork").await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{b}");
}

/// Issue 17: "no export or table links an answer to its token". Answers submitted on the
/// real public page with invitations wait (待汇总) until their town has a batch of them,
/// then enter the round together under new random ids with one time; the audit trail has
/// the invitation's use next to a salted commitment, and one row per batch. Nothing — the
/// answers, the audit API, the pages — pairs an answer with its invitation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_answer_can_be_paired_with_its_invitation() {
    use youxiang_app::survey_fieldwork::{SURVEY_BATCH, token_hash};
    let s = fieldwork_with(WebConfig {
        public_rate: 0,
        ..WebConfig::default()
    })
    .await;
    assert_eq!(SURVEY_BATCH, 5);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let action = format!("{}/s/{DEMO_ROUND}", s.base);
    // The pages of 13 invitations (each with its own stamp), answered 3 s later; each
    // answer tells itself by its age, 31, 32, … in the order submitted.
    let mut pages = Vec::new();
    for k in 11..=23 {
        let token = demo_token(TOWN, k);
        let r = http
            .get(format!("{}/s/t/{token}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        pages.push((token, r.text().await.unwrap()));
    }
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let form = |i: usize| {
        let mut f = form_of(&pages[i].1);
        f[2].1 = (31 + i).to_string();
        f
    };
    let post = |fields: Vec<(String, String)>| {
        let http = http.clone();
        let action = action.clone();
        async move { http.post(&action).form(&fields).send().await.unwrap() }
    };
    let db = youxiang_store::connect(&s.url).await.expect("store");
    let released = || async {
        db.list_records(&youxiang_store::RecordFilter::kind("survey_response"))
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.state == "token")
            .collect::<Vec<_>>()
    };
    let age = |r: &youxiang_store::Record| -> u32 {
        r.body["values"]["age"].as_str().unwrap().parse().unwrap()
    };
    let office = s.signed_in("office").await;
    let fw = format!("/api/v1/survey/rounds/{DEMO_ROUND}/fieldwork");
    let own = |b: &Value| {
        b["strata"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["stratum"] == TOWN)
            .unwrap()
            .clone()
    };
    let before = town_n(&s.app).await;

    // Four answers: kept, waiting, in no table of answers, no count, no index.
    for i in 0..4 {
        assert_eq!(post(form(i)).await.status(), StatusCode::SEE_OTHER);
    }
    assert!(
        released().await.is_empty(),
        "below a batch nothing is released"
    );
    let (st, b) = office.get(&fw).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(own(&b)["pending"], 4, "{b}");
    assert_eq!(own(&b)["tokens_used"], 4, "{b}");
    assert!(own(&b)["answers"].get("token").is_none(), "{b}");
    assert_eq!(town_n(&s.app).await, before);
    let page = page_text(&office, &format!("/survey/fieldwork/{DEMO_ROUND}")).await;
    assert!(
        page.contains("待汇总(份)") && page.contains("满 5 份"),
        "{page}"
    );

    // The fifth releases the five together.
    assert_eq!(post(form(4)).await.status(), StatusCode::SEE_OTHER);
    let first = released().await;
    assert_eq!(first.len(), 5);
    assert_eq!(town_n(&s.app).await, before + 5, "one domain (xy1) each");
    let (_, b) = office.get(&fw).await;
    assert_eq!(
        (
            own(&b)["pending"].clone(),
            own(&b)["answers"]["token"].clone()
        ),
        (json!(0), json!(5))
    );
    // One time, one author, no day of its own: nothing orders them by arrival.
    for r in &first {
        assert_eq!(
            (r.created_at, r.updated_at, r.created_by.as_str(), r.version),
            (first[0].created_at, first[0].created_at, "公众答卷", 1)
        );
        assert!(r.body.get("received_on").is_none(), "{}", r.body);
    }
    // A second batch.
    for i in 5..10 {
        assert_eq!(post(form(i)).await.status(), StatusCode::SEE_OTHER);
    }
    let all = released().await;
    assert_eq!(all.len(), 10);
    let second: Vec<_> = all
        .iter()
        .filter(|r| r.created_at != first[0].created_at)
        .cloned()
        .collect();
    assert_eq!(second.len(), 5);
    // In id order (the table's and every reader's order) the ages are shuffled: the two
    // batches both in the order submitted would happen by chance once in 14,400 runs.
    let in_id_order = |rs: &[youxiang_store::Record]| {
        let mut rs = rs.to_vec();
        rs.sort_by(|a, b| a.id.cmp(&b.id));
        rs.iter().map(age).collect::<Vec<_>>()
    };
    let (a, b) = (in_id_order(&first), in_id_order(&second));
    assert!(
        a != vec![31, 32, 33, 34, 35] || b != vec![36, 37, 38, 39, 40],
        "ids follow the order of submission: {a:?} {b:?}"
    );

    // One invitation posted eight times at once: one answer kept.
    let racing: Vec<_> = (0..8).map(|_| tokio::spawn(post(form(12)))).collect();
    let mut statuses = Vec::new();
    for t in racing {
        statuses.push(t.await.unwrap().status());
    }
    let kept = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(kept, 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    // Two more: three wait.
    for i in 10..12 {
        assert_eq!(post(form(i)).await.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(released().await.len(), 10);
    let (_, b) = office.get(&fw).await;
    assert_eq!(own(&b)["pending"], 3, "{b}");

    // The audit API (the auditor reads it whole): no row names an invitation together
    // with an answer, no row holds a public answer's content, and the rows of the pool
    // carry only a commitment or a batch's ids.
    let auditor = s.signed_in("auditor").await;
    let (st, rows) = auditor.get("/api/v1/audit?limit=1000").await;
    assert_eq!(st, StatusCode::OK, "{rows}");
    let rows = rows
        .as_array()
        .cloned()
        .unwrap_or_else(|| rows["rows"].as_array().cloned().unwrap());
    let hashes: Vec<String> = pages.iter().map(|(t, _)| token_hash(t)).collect();
    let ids: Vec<String> = all.iter().map(|r| r.id.clone()).collect();
    let text = |r: &Value| {
        format!(
            "{} {} {}",
            r["entity"].as_str().unwrap_or_default(),
            r["old"].as_str().unwrap_or_default(),
            r["new"].as_str().unwrap_or_default()
        )
    };
    let mut uses = 0;
    let mut batches = 0;
    for r in &rows {
        let t = text(r);
        let names_token = hashes.iter().any(|h| t.contains(h.as_str()));
        let names_answer = ids.iter().any(|id| t.contains(id.as_str()));
        assert!(!(names_token && names_answer), "{t}");
        for a in 31..=43 {
            assert!(
                !t.contains(&format!("\"age\":\"{a}\"")),
                "an answer's content: {t}"
            );
        }
        match r["action"].as_str().unwrap_or_default() {
            "survey_token.use" if names_token => uses += 1,
            "survey_pending.add" => {
                let new: Value = serde_json::from_str(r["new"].as_str().unwrap()).unwrap();
                let keys: Vec<&String> = new.as_object().unwrap().keys().collect();
                assert_eq!(keys, ["commitment", "round"], "{new}");
            }
            "survey_batch.release" => {
                batches += 1;
                assert!(!names_token, "{t}");
                let new: Value = serde_json::from_str(r["new"].as_str().unwrap()).unwrap();
                assert_eq!(new["count"], 5);
                for list in ["pending", "answers"] {
                    let l: Vec<&str> = new[list]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    let mut sorted = l.clone();
                    sorted.sort();
                    assert_eq!(l, sorted, "{list} sorted, so its positions pair nothing");
                }
            }
            _ => {}
        }
    }
    assert_eq!((uses, batches), (13, 2));
    // The audit page names the new actions in Chinese.
    let page = page_text(&auditor, "/audit?limit=1000").await;
    assert!(page.contains("汇总调查答卷") && page.contains("收到调查答卷(待汇总)"));
    assert!(!page.contains("survey_batch") && !page.contains("commitment"));
    // The round's index (the export of results) holds cells, never an answer.
    let (st, index) = office
        .get(&format!("/api/v1/survey/rounds/{DEMO_ROUND}/index"))
        .await;
    assert_eq!(st, StatusCode::OK, "{index}");
    assert!(!index.to_string().contains("\"age\""));
    let list = page_text(&office, "/survey").await;
    assert!(list.contains("待汇总 3 份"), "{list}");

    // The close releases all that waits; everything still verifies.
    let (st, b) = office.post(&fw, json!({"close": true})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(
        (
            own(&b)["pending"].clone(),
            own(&b)["answers"]["token"].clone()
        ),
        (json!(0), json!(13))
    );
    assert_eq!(released().await.len(), 13);
    let report = s.app.audit_verify().await.unwrap();
    assert!(report.ok, "{:?}", report.problems);
}

/// A page's HTML as `c` sees it.
async fn page_text(c: &Client, path: &str) -> String {
    let resp = c
        .with(c.http.get(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.text().await.unwrap_or_default()
}
