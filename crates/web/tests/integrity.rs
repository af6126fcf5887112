//! Integrity and security attacks sent through the real HTTP interface (issue 11): a form
//! naming an unknown indicator, approving one's own figure, rights changed by another
//! process while a session is open, parallel password guesses, a session past its
//! absolute lifetime.

use super::*;

const VILLAGE: &str = "330902002001";

fn key(indicator: &str, place: &str, period: &str, component: &str) -> Value {
    json!([{"indicator": indicator, "place": place, "period": period, "component": component}])
}

async fn transition(c: &Client, action: &str, keys: &Value) -> (StatusCode, Value) {
    c.post(
        "/api/v1/values/transition",
        json!({"action": action, "keys": keys}),
    )
    .await
}

/// Writes one number as `author`, submits it, and checks that the author cannot approve
/// it and `other` can.
async fn four_eyes(s: &Server, author: &str, other: &str, write: Value, keys: Value) {
    let a = s.signed_in(author).await;
    let (st, b) = a.post("/api/v1/values", write).await;
    assert_eq!(st, StatusCode::OK, "{author} writes: {b}");
    let (st, b) = transition(&a, "submit", &keys).await;
    assert_eq!(st, StatusCode::OK, "{author} submits: {b}");
    let (st, b) = transition(&a, "approve", &keys).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "{author} approves its own figure: {b}"
    );
    assert!(b.to_string().contains("不能自己审核"), "{b}");
    let o = s.signed_in(other).await;
    let (st, b) = transition(&o, "approve", &keys).await;
    assert_eq!(
        st,
        StatusCode::OK,
        "{other} approves {author}'s figure: {b}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nobody_approves_their_own_figure_whatever_the_role() {
    let s = start().await;
    let num = |place: &str, v: f64| {
        json!([{"indicator": "T12", "place": place, "period": "2025-09",
                "component": "numerator", "value": v, "comment": "测试"}])
    };
    // A town reporter and a village figure in its town.
    four_eyes(
        &s,
        &format!("town-{TOWN}"),
        "office",
        num(VILLAGE, 11.0),
        key("T12", VILLAGE, "2025-09", "numerator"),
    )
    .await;
    // A department (区民政局 leads T12) and a village figure.
    let village2 = "330902002002";
    four_eyes(
        &s,
        "mzj",
        &format!("town-{TOWN}"),
        num(village2, 12.0),
        key("T12", village2, "2025-09", "numerator"),
    )
    .await;
    // The office and the administrator with the district's own figure.
    let district = |v: f64| value("T18", DISTRICT, "2025", v);
    four_eyes(
        &s,
        "office",
        "admin",
        district(13000.0),
        key("T18", DISTRICT, "2025", "value"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_naming_an_unknown_indicator_is_refused_and_the_database_still_opens() {
    let s = start().await;
    let mut b = Browser::new(&s.base);
    let csrf = sign_in_form(&mut b, &format!("town-{TOWN}")).await;
    let (st, html) = b
        .post_form(
            "/entry",
            &[
                ("csrf", &csrf),
                ("place", TOWN),
                ("period", "2025-09"),
                ("v:NOSUCH:value", "1"),
            ],
        )
        .await;
    assert!(st.is_success() || st.is_client_error(), "{st}");
    assert!(
        html.contains("NOSUCH") && html.contains("不是本方案"),
        "the page names the refusal"
    );
    // The same through the JSON API, with a place outside the tree and a wrong period.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    for bad in [
        value("NOSUCH", TOWN, "2025-09", 1.0),
        value("T08", TOWN, "2025", 1.0e13),
        value("T08", TOWN, "2025Q3", 1.0),
    ] {
        let (st, body) = town.post("/api/v1/values", bad.clone()).await;
        assert!(st.is_client_error(), "{bad} answered {st}: {body}");
    }
    let stored = s.app.values(&Default::default()).await.expect("load");
    assert!(stored.iter().all(|o| o.key.indicator != "NOSUCH"));
    // Another process opens the same database whole.
    App::open(&s.url).await.expect("the database still opens");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_plan_does_not_know_is_quarantined_not_fatal() {
    let s = start().await;
    // A row written around the application (the store's triggers dropped first, as an
    // attacker with database access could).
    let path = s.url.trim_start_matches("sqlite://").to_string();
    let raw = sqlx_sqlite_exec(
        &path,
        "DROP TRIGGER observations_known_on_insert; \
         INSERT INTO observations (indicator, place, period, component, value, state, reporter, reported_at, comment) \
         VALUES ('NOSUCH', '330902', '2025', 'value', 1.0, 'draft', 'x', '2025-01-01 00:00:00', '')",
    );
    raw.expect("raw insert");
    let app = App::open(&s.url).await.expect("opens with a warning");
    assert_eq!(app.quarantined().await.expect("count"), 1);
    assert!(
        app.values(&Default::default())
            .await
            .expect("load")
            .iter()
            .all(|o| o.key.indicator != "NOSUCH")
    );
    let rows = app
        .audit_query(&youxiang_app::AuditFilter {
            action: Some("value.quarantine".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(rows.len(), 1);
    assert!(app.audit_verify().await.expect("verify").ok);
}

/// Runs SQL on a SQLite file with the sqlite3 library the store links (through sqlx).
fn sqlx_sqlite_exec(path: &str, sql: &str) -> Result<(), String> {
    let path = path.to_string();
    let sql = sql.to_string();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
        rt.block_on(async {
            let store = youxiang_store::SqliteStore::connect(&format!("sqlite://{path}"))
                .await
                .map_err(|e| e.to_string())?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(store.pool())
                .await
                .map_err(|e| e.to_string())?;
            store.pool().close().await;
            Ok(())
        })
    })
    .join()
    .map_err(|_| "thread".to_string())?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rights_changed_elsewhere_count_on_the_next_request() {
    let s = start().await;
    let login = format!("town-{TOWN}");
    let town = s.signed_in(&login).await;
    let (st, _) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", 7.0))
        .await;
    assert_eq!(st, StatusCode::OK);

    // Another process (the command line) demotes the user to viewer.
    let other = App::open(&s.url).await.expect("second process");
    let mut demoted = other.read().reporter(&login).cloned().expect("user");
    let old_role = demoted.role;
    demoted.role = youxiang_core::scope::Role::Viewer;
    other
        .save_reporters(vec![demoted], "admin")
        .await
        .expect("demote");
    let (st, _) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", 8.0))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "the old session has ended");
    let (st, me) = s.anon().sign_in(&login, DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["role"], "viewer", "signing in again gives the new role");
    let rows = other
        .audit_query(&youxiang_app::AuditFilter {
            action: Some("reporters.save".into()),
            limit: Some(1),
            ..Default::default()
        })
        .await
        .expect("audit");
    let new = rows[0].new.clone().unwrap_or_default();
    assert!(
        new.contains(old_role.as_str()) && new.contains("\"viewer\""),
        "the audit row carries the old and the new role: {new}"
    );

    // A password changed elsewhere ends the sessions and the old password.
    let office = s.signed_in("office").await;
    other
        .set_password("office", "A-new-password-1", true, "security")
        .await
        .expect("passwd");
    let (st, _) = office.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s.anon().sign_in("office", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s.anon().sign_in("office", "A-new-password-1").await;
    assert_eq!(st, StatusCode::OK);

    // Disabled: signed out and refused; enabled again: back.
    let viewer = s.signed_in("viewer").await;
    other
        .set_disabled("viewer", true, "admin")
        .await
        .expect("disable");
    let (st, _) = viewer.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s.anon().sign_in("viewer", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    other
        .set_disabled("viewer", false, "admin")
        .await
        .expect("enable");
    let (st, _) = s.anon().sign_in("viewer", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_cannot_pass_the_limit() {
    let s = start_with(WebConfig {
        max_failures: 5,
        lockout: Duration::from_secs(60),
        ..WebConfig::default()
    })
    .await;
    let guesses = (0..15).map(|i| {
        let mut c = s.anon();
        async move { c.sign_in("viewer", &format!("wrong-guess-{i}")).await.0 }
    });
    let answers = futures_join_all(guesses).await;
    let verified = answers
        .iter()
        .filter(|st| **st == StatusCode::UNAUTHORIZED)
        .count();
    assert!(verified <= 5, "at most 5 guesses verified: {answers:?}");
    assert!(
        answers
            .iter()
            .all(|st| *st == StatusCode::UNAUTHORIZED || *st == StatusCode::TOO_MANY_REQUESTS),
        "{answers:?}"
    );
    // Guessing on, one at a time: exactly 5 guesses are ever verified, then the lock.
    let mut total = verified;
    loop {
        let (st, _) = s.anon().sign_in("viewer", "wrong-again").await;
        if st == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(st, StatusCode::UNAUTHORIZED);
        total += 1;
        assert!(total <= 5, "more than 5 guesses verified");
    }
    assert_eq!(total, 5);
    // The login is locked now, even for the right password.
    let (st, _) = s.anon().sign_in("viewer", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS);
    // The shared address is slowed, never locked: another user still signs in.
    let (st, _) = s.anon().sign_in("office", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK);
}

async fn futures_join_all<F: std::future::Future<Output = StatusCode> + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<StatusCode> {
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_after_its_absolute_lifetime() {
    let s = start_with(WebConfig {
        session_lifetime: Duration::from_millis(600),
        ..WebConfig::default()
    })
    .await;
    let c = s.signed_in("viewer").await;
    let (st, _) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (st, _) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK, "active within the lifetime");
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (st, _) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "however active, it ends");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_holes_stay_closed() {
    let s = start_with(WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // /lang goes back to a local path only, whatever a link says.
    for (back, expected) in [
        ("/%09/evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/%5Cevil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/%0A/evil.example", "/"),
        ("/overview?period=2025-09", "/overview?period=2025-09"),
    ] {
        let resp = no_redirects
            .get(format!("{}/lang?to=en&back={back}", s.base))
            .send()
            .await
            .expect("lang");
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_eq!(location, expected, "back={back}");
    }
    // Under --secure-cookies the sign-in form's CSRF cookie is Secure too.
    let resp = no_redirects
        .get(format!("{}/login", s.base))
        .send()
        .await
        .expect("login");
    let cookies: Vec<String> = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(String::from))
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("yx_login_csrf=") && c.contains("; Secure")),
        "{cookies:?}"
    );

    // A viewer opening the reporters' pages by their address is refused.
    let mut b = Browser::new(&s.base);
    let plain = start().await;
    let mut b2 = Browser::new(&plain.base);
    sign_in_form(&mut b2, "viewer").await;
    for path in ["/upload", "/approvals"] {
        let (st, html) = b2.get(path).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "viewer at {path}: {html}");
        assert!(html.contains("无权使用此页面"));
    }
    let (st, _) = b.get("/upload").await;
    assert_eq!(
        st,
        StatusCode::SEE_OTHER,
        "not signed in: to the sign-in page"
    );
}
