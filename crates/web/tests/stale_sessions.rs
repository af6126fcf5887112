//! A session that has ended stays ended on the assistance and circle pages and APIs (a
//! module of the one test binary `web`): after a sign-out (the form's `/logout` and the
//! API's `DELETE /api/v1/session`), after an idle time and after the absolute lifetime,
//! the old cookie and CSRF token replayed against every `/assist…` page and form, every
//! `/api/v1/assist/…` call, the `/circle` forms and `/api/v1/circle/publish` are refused —
//! a page or form is sent to the sign-in page, an API call answered 401 — and nothing is
//! written (the audit chain's head stands still; the writes replayed then succeed once
//! with a live session).

use std::time::{Duration, Instant};

use reqwest::Method;
use youxiang_app::assist::Keyring;

use super::*;

/// The demo server (under `config`) with the demo register, its resources and orders,
/// visits and flags, and the 幸福清单.
async fn with_assistance(config: WebConfig) -> Server {
    let s = start_with(config).await;
    s.app.set_assist_keys(Keyring::generate().expect("key"));
    youxiang_demo::assist::load_demo_register(&s.app, youxiang_demo::demo_today())
        .await
        .expect("register");
    youxiang_demo::assist_resources::load_demo_resources(&s.app)
        .await
        .expect("resources");
    youxiang_demo::assist_care::load_demo_care(&s.app)
        .await
        .expect("care");
    youxiang_demo::assist_list::load_demo_lists(&s.app)
        .await
        .expect("lists");
    s
}

/// What a request carries besides the session.
enum Body {
    None,
    /// A form; the session's CSRF token is added as the `csrf` field.
    Form(Vec<(&'static str, String)>),
    /// A JSON body.
    Json(Value),
    /// A multipart upload: a small CSV as `file` (and the `csrf` field).
    File,
}

struct Call {
    method: Method,
    path: String,
    body: Body,
}

fn call(method: Method, path: impl Into<String>, body: Body) -> Call {
    Call {
        method,
        path: path.into(),
        body,
    }
}

/// The session a test replays: the cookie header and the CSRF token it had.
struct Stale {
    cookie: String,
    csrf: String,
}

/// The ids the paths need: a household, a visit, a flag, a resource, an order and a list
/// that exist (so that a refusal is the session's, not an unknown id's).
struct Ids {
    household: String,
    visit: String,
    flag: String,
    resource: String,
    order: String,
    list: String,
}

/// The first `id` (a string) anywhere in a JSON answer.
fn first_id(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) => m
            .get("id")
            .and_then(Value::as_str)
            .map(String::from)
            .or_else(|| m.values().find_map(first_id)),
        Value::Array(a) => a.iter().find_map(first_id),
        _ => None,
    }
}

/// A visit as the API records it (the replay's body, and the one recorded to have an id).
fn visit(household: &str) -> Value {
    json!({"household": household, "date": "2025-10-10", "visitor": "社工甲", "mode": "phone",
        "findings": "生活正常"})
}

/// The ids, read (a visit recorded) with mzj's live session.
async fn ids(mzj: &Client) -> Ids {
    let mut found = Vec::new();
    for path in [
        "/api/v1/assist/households",
        "/api/v1/assist/flags",
        "/api/v1/assist/resources",
        "/api/v1/assist/orders",
        "/api/v1/assist/lists?period=2025Q3",
    ] {
        let (st, body) = mzj.get(path).await;
        assert_eq!(st, StatusCode::OK, "{path}: {body}");
        let id = first_id(&body);
        let shown: String = body.to_string().chars().take(300).collect();
        found.push(id.unwrap_or_else(|| panic!("{path}: no id in {shown}…")));
    }
    let [household, flag, resource, order, list] = <[String; 5]>::try_from(found).expect("five");
    let (st, v) = mzj.post("/api/v1/assist/visits", visit(&household)).await;
    assert_eq!(st, StatusCode::OK, "a visit: {v}");
    Ids {
        visit: v["id"].as_str().expect("visit id").to_string(),
        household,
        flag,
        resource,
        order,
        list,
    }
}

/// Every page, form and API call of the assistance pages and the circle, with plausible
/// bodies (the writes among them succeed with a live session: see the tests' ends).
fn calls(ids: &Ids) -> Vec<Call> {
    use Body::{File, Form, Json};
    let Ids {
        household: h,
        visit: v,
        flag: f,
        resource: r,
        order: o,
        list: l,
    } = ids;
    let form = |fields: &[(&'static str, &str)]| {
        Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect())
    };
    let mut all = Vec::new();
    for page in [
        "/assist".to_string(),
        "/assist/new".into(),
        "/assist/standards".into(),
        format!("/assist/{h}"),
        "/assist/lists".into(),
        format!("/assist/lists/{l}"),
        "/assist/visits".into(),
        "/assist/flags".into(),
        "/assist/resources".into(),
        "/assist/dispatch".into(),
        "/assist/rules".into(),
        "/circle".into(),
    ] {
        all.push(call(Method::GET, page, Body::None));
    }
    for api in [
        "/api/v1/assist/households".to_string(),
        "/api/v1/assist/households.csv".into(),
        format!("/api/v1/assist/households/{h}"),
        format!("/api/v1/assist/households/{h}/check"),
        "/api/v1/assist/standards".into(),
        "/api/v1/assist/visits".into(),
        format!("/api/v1/assist/visits/{v}"),
        "/api/v1/assist/visit-plan".into(),
        "/api/v1/assist/flags".into(),
        format!("/api/v1/assist/flags/{f}"),
        "/api/v1/assist/resources".into(),
        format!("/api/v1/assist/resources/{r}"),
        "/api/v1/assist/match".into(),
        "/api/v1/assist/orders".into(),
        format!("/api/v1/assist/orders/{o}"),
        "/api/v1/assist/lists".into(),
        format!("/api/v1/assist/lists/{l}"),
        format!("/api/v1/assist/lists/{l}/pdf"),
        "/api/v1/assist/rules".into(),
        "/api/v1/circle".into(),
        "/api/v1/circle/sites".into(),
        "/api/v1/circle/publications".into(),
    ] {
        all.push(call(Method::GET, api, Body::None));
    }
    let reason = "年度复核需要";
    all.extend([
        call(
            Method::POST,
            "/assist/new",
            form(&[("place", TOWN), ("category", "dibao"), ("size", "1")]),
        ),
        call(
            Method::POST,
            "/assist/standards",
            form(&[
                ("place", DISTRICT),
                ("monthly", "1200"),
                ("from", "2026-01-01"),
            ]),
        ),
        call(
            Method::POST,
            format!("/assist/{h}/reveal"),
            form(&[("reason", reason)]),
        ),
        call(
            Method::POST,
            format!("/assist/{h}/status"),
            form(&[("status", "suspended"), ("reason", reason)]),
        ),
        call(
            Method::POST,
            "/assist/lists/generate",
            form(&[("period", "2025Q4")]),
        ),
        call(
            Method::POST,
            format!("/assist/lists/{l}/reveal"),
            form(&[("reason", reason)]),
        ),
        call(
            Method::POST,
            format!("/assist/lists/{l}/deliver"),
            form(&[("channel", "visit"), ("date", "2025-10-10")]),
        ),
        call(
            Method::POST,
            format!("/assist/lists/{l}/receipt"),
            form(&[("confirmation", "signed"), ("date", "2025-10-10")]),
        ),
        call(Method::POST, "/assist/rules", form(&[("rules", "")])),
        call(
            Method::POST,
            "/assist/visits",
            form(&[("household", h), ("visitor", "社工甲"), ("mode", "home")]),
        ),
        call(
            Method::POST,
            format!("/assist/flags/{f}/handle"),
            form(&[("outcome", "resolved"), ("note", "已核实")]),
        ),
        call(
            Method::POST,
            "/assist/resources",
            form(&[("name", "测试资源"), ("kind", "social")]),
        ),
        call(Method::POST, "/assist/resources/import", File),
        call(Method::POST, "/assist/dispatch", form(&[])),
        call(
            Method::POST,
            format!("/assist/dispatch/{o}"),
            form(&[("action", "accept")]),
        ),
        call(
            Method::POST,
            "/circle/config",
            form(&[("profile", "gb50180"), ("indicators", "")]),
        ),
        call(Method::POST, "/circle/network", File),
        call(Method::POST, "/circle/population", File),
    ]);
    all.extend([
        call(
            Method::PUT,
            format!("/api/v1/assist/households/{h}"),
            Json(json!({"status": "suspended"})),
        ),
        call(
            Method::POST,
            format!("/api/v1/assist/households/{h}/reveal"),
            Json(json!({"reason": reason})),
        ),
        call(
            Method::POST,
            "/api/v1/assist/standards",
            Json(json!({"place": DISTRICT, "monthly": 1200, "from": "2026-01-01"})),
        ),
        call(
            Method::POST,
            "/api/v1/assist/standards/preview",
            Json(json!({"place": DISTRICT, "monthly": 1200, "from": "2026-01-01"})),
        ),
        call(Method::POST, "/api/v1/assist/visits", Json(visit(h))),
        call(Method::POST, "/api/v1/assist/flags/scan", Json(json!({}))),
        call(
            Method::POST,
            format!("/api/v1/assist/flags/{f}/handle"),
            Json(json!({"outcome": "resolved", "note": "已核实"})),
        ),
        call(
            Method::POST,
            "/api/v1/assist/resources",
            Json(json!([{"name": "测试资源"}])),
        ),
        call(Method::POST, "/api/v1/assist/resources/import", File),
        call(Method::POST, "/api/v1/assist/orders", Json(json!({}))),
        call(
            Method::POST,
            format!("/api/v1/assist/orders/{o}"),
            Json(json!({"action": "accept"})),
        ),
        call(
            Method::POST,
            "/api/v1/assist/lists/generate",
            Json(json!({"period": "2025Q4"})),
        ),
        call(
            Method::POST,
            format!("/api/v1/assist/lists/{l}/delivery"),
            Json(json!({"channel": "visit", "date": "2025-10-10"})),
        ),
        call(
            Method::POST,
            format!("/api/v1/assist/lists/{l}/receipts"),
            Json(json!({"confirmation": "signed", "date": "2025-10-10"})),
        ),
        call(
            Method::POST,
            "/api/v1/assist/rules",
            Json(json!({"rules": ""})),
        ),
        call(
            Method::POST,
            "/api/v1/assist/rules/preview",
            Json(json!({"rules": ""})),
        ),
        call(Method::POST, "/api/v1/circle/publish", Json(json!({}))),
    ]);
    all
}

/// Sends `c` with the stale session; its status, `Location` and body (no redirect followed).
async fn send(
    http: &reqwest::Client,
    base: &str,
    stale: &Stale,
    c: &Call,
) -> (StatusCode, String, String) {
    let mut rb = http
        .request(c.method.clone(), format!("{base}{}", c.path))
        .header("cookie", &stale.cookie)
        .header("x-csrf-token", &stale.csrf);
    rb = match &c.body {
        Body::None => rb,
        Body::Form(fields) => {
            let mut all: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            all.push(("csrf", &stale.csrf));
            rb.form(&all)
        }
        Body::Json(v) => rb.json(v),
        Body::File => {
            let part = reqwest::multipart::Part::bytes(
                b"name,kind\n\xe6\xb5\x8b\xe8\xaf\x95,social\n".to_vec(),
            )
            .file_name("replay.csv");
            rb.multipart(
                reqwest::multipart::Form::new()
                    .text("csrf", stale.csrf.clone())
                    .part("file", part),
            )
        }
    };
    let resp = rb.send().await.expect("send");
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, location, resp.text().await.unwrap_or_default())
}

/// Replays every call with each stale session: every page and form is sent to the sign-in
/// page (a page read carrying itself as `next`), every API call answered 401; the audit
/// chain's head does not move.
async fn all_refused(s: &Server, stale: &[(&str, Stale)], ids: &Ids) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let before = s.app.changes_seq().await.expect("audit head");
    let calls = calls(ids);
    let mut wrong = Vec::new();
    for (who, session) in stale {
        for c in &calls {
            let (st, location, body) = send(&http, &s.base, session, c).await;
            let what = format!("{who}: {} {}", c.method, c.path);
            if c.path.starts_with("/api/") {
                if st != StatusCode::UNAUTHORIZED {
                    wrong.push(format!("{what} answers {st}: {body}"));
                }
            } else if st != StatusCode::SEE_OTHER || !location.starts_with("/login") {
                wrong.push(format!("{what} answers {st} → “{location}”"));
            } else if c.method == Method::GET {
                let next = serde_urlencoded::to_string([("next", c.path.as_str())]).expect("query");
                if location != format!("/login?{next}") {
                    wrong.push(format!("{what} leads to {location}, not back to itself"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "not refused:\n{}", wrong.join("\n"));
    assert_eq!(
        s.app.changes_seq().await.expect("audit head"),
        before,
        "a replayed session wrote something"
    );
}

/// What the replayed writes would have done, done once with a live session: they were
/// refused for their session, not for their bodies (the first circle publication is
/// version 1, the fourth quarter's lists are generated now).
async fn the_writes_were_valid(s: &Server) {
    let office = s.signed_in("office").await;
    let (st, b) = office.post("/api/v1/circle/publish", json!({})).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["version"], 1, "no replay published the circle: {b}");
    let mzj = s.signed_in("mzj").await;
    let (st, g) = mzj
        .post("/api/v1/assist/lists/generate", json!({"period": "2025Q4"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{g}");
    assert!(
        g["added"].as_u64().is_some_and(|n| n > 0),
        "no replay generated them: {g}"
    );
}

/// Signs `login` in through the form: the browser and the session's CSRF token.
async fn form_session(s: &Server, login: &str) -> (Browser, String) {
    let mut b = Browser::new(&s.base);
    let csrf = sign_in_form(&mut b, login).await;
    (b, csrf)
}

/// A `Client` on the session a form sign-in started (for the API calls of a test).
fn as_client(s: &Server, b: &Browser, csrf: &str) -> Client {
    Client {
        http: reqwest::Client::new(),
        base: s.base.clone(),
        cookie: Some(b.cookies.join("; ")),
        csrf: Some(csrf.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_session_replayed_is_refused() {
    let s = with_assistance(WebConfig::default()).await;
    // A second server on the same database whose sessions end soon: after 1.5 s without a
    // request, and 3 s after sign-in however busy.
    let short = Server {
        base: serve_on(
            s.app.clone(),
            WebConfig {
                session_idle: Duration::from_millis(1500),
                session_lifetime: Duration::from_secs(3),
                ..WebConfig::default()
            },
        )
        .await,
        app: s.app.clone(),
        url: s.url.clone(),
        _dir: youxiang_testkit::scratch_dir("webserver"),
    };

    // Signed out: mzj through the form's /logout, office through the API.
    let (mut mzj, csrf) = form_session(&s, "mzj").await;
    let live = as_client(&s, &mzj, &csrf);
    let ids = ids(&live).await;
    let mzj_out = Stale {
        cookie: mzj.cookies.join("; "),
        csrf: csrf.clone(),
    };
    let (st, _) = mzj.post_form("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(
        live.get("/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );
    let office = s.signed_in("office").await;
    let office_out = Stale {
        cookie: office.cookie.clone().expect("cookie"),
        csrf: office.csrf.clone().expect("csrf"),
    };
    let st = office
        .with(office.http.delete(format!("{}/api/v1/session", s.base)))
        .send()
        .await
        .expect("sign out")
        .status();
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_eq!(
        office.get("/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );
    all_refused(&s, &[("mzj", mzj_out), ("office", office_out)], &ids).await;

    // Idle: mzj signs in, reads once, then waits longer than the idle time (well within
    // the lifetime).
    let (mzj, csrf) = form_session(&short, "mzj").await;
    let idle = as_client(&short, &mzj, &csrf);
    assert_eq!(idle.get("/api/v1/session").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1800)).await;
    assert_eq!(
        idle.get("/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );
    // Lifetime: office keeps busy (never idle for 1.5 s) past the 3 s.
    let office = short.signed_in("office").await;
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(2600) {
        assert_eq!(office.get("/api/v1/session").await.0, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    while started.elapsed() < Duration::from_millis(3300) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        office.get("/api/v1/session").await.0,
        StatusCode::UNAUTHORIZED
    );
    let stale = |c: &Client| Stale {
        cookie: c.cookie.clone().expect("cookie"),
        csrf: c.csrf.clone().expect("csrf"),
    };
    all_refused(
        &short,
        &[
            ("mzj (idle)", stale(&idle)),
            ("office (lifetime)", stale(&office)),
        ],
        &ids,
    )
    .await;

    the_writes_were_valid(&s).await;
}
