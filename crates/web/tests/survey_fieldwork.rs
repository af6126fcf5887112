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
    assert_eq!(
        town_n(&s.app).await,
        before,
        "the open link's answer is apart"
    );
    assert_eq!(s.app.open_link_answers(DEMO_ROUND).await.unwrap().len(), 1);
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
    // xy1 and ld1 answered: two domains counted at the town.
    assert_eq!(town_n(&s.app).await, before + 2);
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
