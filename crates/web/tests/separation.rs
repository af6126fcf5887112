//! 等保 2.0 level 3 through the real HTTP interface (issue 11, point 8): the three
//! administrators are separate (三员分立), passwords follow the policy, and a password set
//! by another or past its age must be changed before anything else.

use super::*;

const WRITE: fn() -> Value = || value("T08", TOWN, "2025-08", 4321.0);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_administrators_are_separate() {
    let s = start().await;
    // 系统管理员: the figures, not the audit.
    let admin = s.signed_in("admin").await;
    let (st, b) = admin.get("/api/v1/audit?limit=1").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "admin reads the audit: {b}");
    let (st, b) = admin.post("/api/v1/values", WRITE()).await;
    assert_eq!(st, StatusCode::OK, "admin writes: {b}");
    // 审计管理员: the audit, and nothing else changes through them.
    let auditor = s.signed_in("auditor").await;
    let (st, rows) = auditor.get("/api/v1/audit?limit=5").await;
    assert_eq!(st, StatusCode::OK, "{rows}");
    assert!(rows.as_array().is_some_and(|r| !r.is_empty()));
    let (st, b) = auditor.post("/api/v1/values", WRITE()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "auditor writes: {b}");
    let (st, b) = auditor
        .post(
            "/api/v1/values/transition",
            json!({"action": "reopen", "reason": "测试",
                   "keys": [{"indicator": "T08", "place": TOWN, "period": "2025-08"}]}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "auditor reopens: {b}");
    // 安全管理员: neither figures nor the audit (users are managed on the command line).
    let security = s.signed_in("security").await;
    let (st, b) = security.get("/api/v1/audit?limit=1").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "security reads the audit: {b}");
    let (st, b) = security.post("/api/v1/values", WRITE()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "security writes: {b}");

    // The pages agree: the menu shows the audit to the auditor only.
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "admin").await;
    let (_, html) = b.get("/overview").await;
    assert!(
        !html.contains("href=\"/audit\""),
        "admin's menu has no audit"
    );
    let (st, html) = b.get("/audit").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(html.contains("无权查看审计记录"), "{html}");
    let mut b = Browser::new(&s.base);
    sign_in_form(&mut b, "auditor").await;
    let (_, html) = b.get("/overview").await;
    assert!(
        html.contains("href=\"/audit\""),
        "auditor's menu has the audit"
    );
    assert!(
        !html.contains("href=\"/entry\""),
        "the auditor does not enter figures"
    );
    let (st, html) = b.get("/audit?limit=5").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("来源") && html.contains("时间(北京时间)"),
        "the audit table, headed in Chinese: {html}"
    );
    assert!(
        !html.contains("操作人 actor"),
        "no English heading on a Chinese page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_follows_the_policy_and_starts_a_new_session() {
    let s = start().await;
    let login = format!("town-{TOWN}");
    let mut c = s.signed_in(&login).await;
    let other = s.signed_in(&login).await;
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    // Without the CSRF token: refused.
    let resp = c
        .http
        .post(format!("{}/api/v1/session/password", s.base))
        .header("cookie", c.cookie.clone().unwrap_or_default())
        .json(&change(DEMO_PASSWORD, "Better#2026"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // Weak, wrong current, the same again: 422, each saying why.
    for (current, new, why) in [
        (DEMO_PASSWORD, "password", "至少 3 类"),
        (DEMO_PASSWORD, "Ab1!", "至少 8 个字符"),
        (DEMO_PASSWORD, &format!("X1!{login}"), "不能包含登录名"),
        ("Wrong#2026x", "Better#2026", "当前密码错误"),
        (DEMO_PASSWORD, DEMO_PASSWORD, "不能与当前密码相同"),
    ] {
        let (st, b) = c
            .post("/api/v1/session/password", change(current, new))
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{new}: {b}");
        assert!(b.to_string().contains(why), "{new}: {b}");
    }
    // The right one: a new session (cookie and CSRF token); every old session has ended.
    let resp = c
        .with(c.http.post(format!("{}/api/v1/session/password", s.base)))
        .json(&change(DEMO_PASSWORD, "Better#2026"))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::OK);
    let cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(String::from)
        .expect("a new session cookie");
    let old_cookie = c.cookie.replace(cookie);
    let body: Value = resp.json().await.expect("json");
    c.csrf = body["csrf_token"].as_str().map(String::from);
    let (st, _) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK, "the new session works");
    let (st, b) = c.post("/api/v1/values", WRITE()).await;
    assert_eq!(st, StatusCode::OK, "and writes with its new token: {b}");
    let (st, _) = other.get("/api/v1/session").await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "another session of the user ended"
    );
    let stale = Client {
        http: reqwest::Client::new(),
        base: s.base.clone(),
        cookie: old_cookie,
        csrf: None,
    };
    let (st, _) = stale.get("/api/v1/session").await;
    assert_eq!(
        st,
        StatusCode::UNAUTHORIZED,
        "the changing session itself ended"
    );
    // The old password no longer signs in; the new one does.
    let (st, _) = s.anon().sign_in(&login, DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = s.anon().sign_in(&login, "Better#2026").await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_set_by_another_or_too_old_is_changed_before_anything_else() {
    let s = start().await;
    // The security administrator resets a reporter's password.
    let login = format!("town-{TOWN}");
    s.app
        .set_password(&login, "Reset#2026a", true, "security")
        .await
        .expect("reset");
    let mut c = s.anon();
    let (st, b) = c.sign_in(&login, "Reset#2026a").await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = c.get("/api/v1/status").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    assert!(b.to_string().contains("须先修改密码"), "{b}");
    let (st, b) = c.post("/api/v1/values", WRITE()).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, _) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK, "who am I stays open");
    // A page goes to the password form, which says why.
    let mut b = Browser::new(&s.base);
    let (_, html) = b.get("/login").await;
    let csrf = hidden(&html, "csrf");
    let (st, _) = b
        .post_form(
            "/login",
            &[
                ("login", &login),
                ("password", "Reset#2026a"),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let resp = b
        .http
        .get(format!("{}/overview", s.base))
        .header("cookie", b.cookies.join("; "))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/password");
    let (st, html) = b.get("/password").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("密码由管理员设置"), "{html}");
    let csrf = hidden(&html, "csrf");
    // Two different new passwords: refused, nothing changed.
    let (st, html) = b
        .post_form(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "Reset#2026a"),
                ("new", "Mine#2026abc"),
                ("repeat", "Mine#2026abd"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("两次输入的新密码不一致"), "{html}");
    let (st, _) = b
        .post_form(
            "/password",
            &[
                ("csrf", &csrf),
                ("current", "Reset#2026a"),
                ("new", "Mine#2026abc"),
                ("repeat", "Mine#2026abc"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (st, html) = b.get("/overview").await;
    assert_eq!(st, StatusCode::OK, "free to go on");
    assert!(html.contains("驾驶舱"));
    // The API session signed in before the change has ended with the old password.
    let (st, _) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A password older than the maximum age (90 days by default).
    let pool = sqlx::SqlitePool::connect(&s.url).await.expect("raw");
    sqlx::query(
        "UPDATE reporters SET password_set_at = '2020-01-01 00:00:00.000' WHERE login = 'viewer'",
    )
    .execute(&pool)
    .await
    .expect("age the password");
    pool.close().await;
    let mut v = s.anon();
    let (st, _) = v.sign_in("viewer", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK);
    let (st, b) = v.get("/api/v1/status").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{b}");
    let (st, b) = v
        .post(
            "/api/v1/session/password",
            json!({"current": DEMO_PASSWORD, "new": "Fresh#2026xy"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    v.csrf = b["csrf_token"].as_str().map(String::from);
    // (The reqwest client keeps no cookies: the new session is in Set-Cookie; sign in again.)
    let (st, _) = v.sign_in("viewer", "Fresh#2026xy").await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = v.get("/api/v1/status").await;
    assert_eq!(st, StatusCode::OK);
}
