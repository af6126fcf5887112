//! The web crate's one integration-test binary: the real router on port 0 over a fresh
//! SQLite copy of the demo database, spoken to over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use youxiang_app::App;
use youxiang_web::{DEMO_PASSWORD, WebConfig};

mod assess;
mod assist;
mod assist_care;
mod assist_dispatch;
mod assist_gaps;
mod assist_list;
mod assist_settings;
mod charts;
mod chinese;
mod circle_forms;
mod compliance;
mod dhis2;
mod drafts;
mod english;
mod facilities;
mod hostile;
mod integrity;
mod key_targets;
mod logging;
mod manage;
mod map;
mod openapi;
mod ops;
mod problems;
mod projects;
mod public_panels;
mod publication;
mod ranges;
mod restart;
mod review;
mod separation;
mod shapes;
mod sources_units;
mod stale_sessions;
mod survey_fieldwork;
mod survey_results;
mod targets;
mod yearly;

const PLAN: &str = include_str!("../../../plans/dinghai-qiyouxiang.toml");
const PLACES: &str = include_str!("../../../data/dinghai-places.csv");
const DISTRICT: &str = "330902";
const TOWN: &str = "330902002";
const OTHER_TOWN: &str = "330902003";

/// The demo database with every demo user's password set, built once per build of this
/// test binary and shared by its processes (nextest runs each test in its own).
fn template() -> &'static PathBuf {
    static T: OnceLock<PathBuf> = OnceLock::new();
    T.get_or_init(|| youxiang_testkit::built_once("webtemplate", build_template))
}

fn build_template(path: &std::path::Path) {
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let plan = youxiang_plantext::planfile::load(PLAN).expect("plan");
            let places =
                youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").expect("places");
            let url = format!("sqlite://{}", path.display());
            let app = App::init(&url, &plan, places, "test").await.expect("init");
            youxiang_demo::load_demo(&app).await.expect("demo");
            app.set_demo_passwords().await.expect("passwords");
        });
        drop(rt);
        youxiang_testkit::wait_for_sqlite_checkpoint(&path);
    })
    .join()
    .expect("template thread");
}

struct Server {
    base: String,
    app: Arc<App>,
    /// The database the server runs on (another process may open it too).
    url: String,
    /// Holds the database's folder until the test ends.
    _dir: tempfile::TempDir,
}

async fn start_with(config: WebConfig) -> Server {
    let template = template();
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = youxiang_testkit::scratch_dir("webserver");
    let path = dir.path().join(format!("t{n}.db"));
    youxiang_testkit::copy_sqlite(template, &path);
    let url = format!("sqlite://{}", path.display());
    let app = Arc::new(App::open(&url).await.expect("open"));
    Server {
        base: serve_on(app.clone(), config).await,
        app,
        url,
        _dir: dir,
    }
}

/// Serves `app` on a free port of this machine; its base URL.
async fn serve_on(app: Arc<App>, config: WebConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = youxiang_web::router(app, config);
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}

async fn start() -> Server {
    start_with(WebConfig::default()).await
}

/// A client with its own session.
struct Client {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Server {
    fn anon(&self) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: self.base.clone(),
            cookie: None,
            csrf: None,
        }
    }

    async fn signed_in(&self, login: &str) -> Client {
        let mut c = self.anon();
        let (status, body) = c.sign_in(login, DEMO_PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "sign in {login}: {body}");
        c
    }
}

impl Client {
    async fn sign_in(&mut self, login: &str, password: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .expect("send");
        let status = resp.status();
        if let Some(c) = resp.headers().get("set-cookie") {
            let c = c.to_str().expect("cookie");
            assert!(
                c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                "{c}"
            );
            self.cookie = c.split(';').next().map(String::from);
        }
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        self.csrf = body["csrf_token"].as_str().map(String::from);
        (status, body)
    }

    fn with(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut rb = rb;
        if let Some(c) = &self.cookie {
            rb = rb.header("cookie", c);
        }
        if let Some(t) = &self.csrf {
            rb = rb.header("x-csrf-token", t);
        }
        rb
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .with(self.http.get(format!("{}{path}", self.base)))
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .with(self.http.post(format!("{}{path}", self.base)))
            .json(&body)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn upload(&self, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        self.upload_to("/api/v1/uploads", name, bytes).await
    }

    /// A multipart `file` posted to `path`.
    async fn upload_to(&self, path: &str, name: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        let resp = self
            .with(self.http.post(format!("{}{path}", self.base)))
            .multipart(form)
            .send()
            .await
            .expect("send");
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn value(indicator: &str, place: &str, period: &str, v: f64) -> Value {
    json!([{"indicator": indicator, "place": place, "period": period, "value": v, "comment": "测试"}])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_reads_docs_and_headers() {
    let s = start().await;
    let anon = s.anon();
    let (st, body) = anon.get("/api/v1/status").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"], "unauthorized");

    let (st, doc) = anon.get("/api/openapi.json").await;
    assert_eq!(st, StatusCode::OK);
    for p in [
        "/api/v1/plan",
        "/api/v1/places",
        "/api/v1/status",
        "/api/v1/overview",
        "/api/v1/explain/{indicator}/{place}/{period}",
        "/api/v1/completeness",
        "/api/v1/audit",
        "/api/v1/values",
        "/api/v1/values/transition",
        "/api/v1/uploads",
        "/api/v1/session",
    ] {
        assert!(doc["paths"][p].is_object(), "openapi lacks {p}");
    }
    let resp = reqwest::get(format!("{}/api/docs/", s.base))
        .await
        .expect("docs");
    assert_eq!(resp.status(), StatusCode::OK);
    let csp = resp
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
    assert_eq!(resp.headers()["x-frame-options"], "DENY");
    assert!(resp.headers().contains_key("referrer-policy"));
    assert!(resp.text().await.unwrap_or_default().contains("swagger"));

    let viewer = s.signed_in("viewer").await;
    let (st, plan) = viewer.get("/api/v1/plan").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(plan["domains"].as_array().map(Vec::len), Some(7));
    let (st, places) = viewer
        .get(&format!("/api/v1/places?under={DISTRICT}&depth=1"))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        places.as_array().map(Vec::len),
        Some(14),
        "district + 13 towns"
    );
    let (st, rows) = viewer.get("/api/v1/status").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rows.as_array().map(Vec::len), Some(20));
    assert!(rows[0]["light_zh"].is_string() && rows[0]["unit"].is_string());
    let (st, ov) = viewer.get("/api/v1/overview?period=2025-06").await;
    assert_eq!(st, StatusCode::OK, "{ov}");
    assert_eq!(ov["domains"].as_array().map(Vec::len), Some(7));
    assert_eq!(ov["headline"].as_array().map(Vec::len), Some(20));
    let l = &ov["lights"];
    let total: u64 = ["green", "yellow", "red", "grey"]
        .iter()
        .map(|k| l[k].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 20);
    assert!(
        ov["headline"][0]["series"]
            .as_array()
            .is_some_and(|s| !s.is_empty()),
        "sparkline data"
    );
    let (st, ex) = viewer
        .get(&format!("/api/v1/explain/T02/{DISTRICT}/2025-09"))
        .await;
    assert_eq!(st, StatusCode::OK, "{ex}");
    assert_eq!(ex["indicator"], "T02");
    let (st, _) = viewer
        .get(&format!("/api/v1/explain/T99/{DISTRICT}/2025-09"))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, e) = viewer.get("/api/v1/status?period=2025-13").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, _) = viewer.get("/api/v1/status?place=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, e) = viewer.get("/api/v1/status?year=abc").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (st, c) = viewer
        .get("/api/v1/completeness?from=2025-07-01&as_of=2025-10-15")
        .await;
    assert_eq!(st, StatusCode::OK, "{c}");
    assert!(c.as_array().is_some_and(|c| !c.is_empty()));

    // Values come in pages: X-Next-After leads to the next, the pages together are the
    // whole answer once each, in key order, and a town reporter's pages hold only its town.
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, e) = town.get("/api/v1/values?after=T01|x").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    for (client, filter, limit) in [
        (&viewer, "indicator=T02&period=2025-06", 50),
        (&town, "indicator=T01", 100),
    ] {
        let query = format!("{filter}&limit={limit}");
        let mut after: Option<String> = None;
        let mut keys: Vec<String> = Vec::new();
        let mut pages = 0;
        loop {
            let mut rb = client.http.get(format!("{}/api/v1/values?{query}", s.base));
            if let Some(a) = &after {
                rb = rb.query(&[("after", a)]);
            }
            let resp = client.with(rb).send().await.expect("send");
            assert_eq!(resp.status(), StatusCode::OK);
            after = resp
                .headers()
                .get("x-next-after")
                .map(|v| v.to_str().expect("ascii").to_string());
            let rows: Value = resp.json().await.expect("json");
            for r in rows.as_array().expect("rows") {
                if client.cookie == town.cookie {
                    assert!(
                        r["place"].as_str().is_some_and(|p| p.starts_with(TOWN)),
                        "{r}"
                    );
                }
                keys.push(format!(
                    "{}|{}|{}|{}",
                    r["indicator"].as_str().unwrap_or(""),
                    r["place"].as_str().unwrap_or(""),
                    r["period"].as_str().unwrap_or(""),
                    r["component"].as_str().unwrap_or("")
                ));
            }
            pages += 1;
            if after.is_none() {
                break;
            }
        }
        assert!(pages > 1, "{query}: one page only ({} rows)", keys.len());
        let mut sorted = keys.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), keys.len(), "{query}: a row twice");
        // The pages together are what one large page holds.
        let (st, one) = client
            .get(&format!("/api/v1/values?{filter}&limit=10000"))
            .await;
        assert_eq!(st, StatusCode::OK);
        let one = one.as_array().map_or(0, Vec::len);
        assert!(
            one < 10000,
            "{query}: the check needs one page ({one} rows)"
        );
        assert_eq!(keys.len(), one, "{query}: the pages lost or added rows");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_csrf_and_throttle() {
    let s = start_with(WebConfig {
        lockout: Duration::from_secs(60),
        ..WebConfig::default()
    })
    .await;
    let mut c = s.anon();
    let (st, body) = c.sign_in("office", "wrong-password").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{body}");
    let (st, _) = c.sign_in("nobody", "whatever1").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A session without its CSRF token cannot write.
    let mut town = s.signed_in(&format!("town-{TOWN}")).await;
    let (st, me) = town.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(me["role"], "town_reporter");
    let token = town.csrf.take();
    let (st, body) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", 7.0))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "csrf");
    town.csrf = Some("0".repeat(64));
    let (st, _) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", 7.0))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    town.csrf = token;
    let (st, body) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", 7.0))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");

    // Five failures lock the login, even for the right password afterwards.
    let mut v = s.anon();
    for _ in 0..4 {
        let (st, _) = v.sign_in("viewer", "wrong-password").await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let (st, _) = v.sign_in("viewer", "wrong-password").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, body) = v.sign_in("viewer", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["error"], "throttled");
    // The address allows more failures (an office shares one address), then it is slowed
    // down — never locked, so its other users still sign in.
    let (st, _) = s.anon().sign_in("office", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK);
    for i in 0..14 {
        let (st, _) = s
            .anon()
            .sign_in(&format!("guess{i}"), "wrong-password")
            .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED);
    }
    let t = std::time::Instant::now();
    let (st, _) = s.anon().sign_in("office", DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK, "the address is slowed, not locked");
    assert!(
        t.elapsed() >= Duration::from_secs(1),
        "after 20 failures the address waits before each attempt"
    );

    // Signing out ends the session.
    let (st, _) = town.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK);
    let resp = town
        .with(town.http.delete(format!("{}/api/v1/session", town.base)))
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let (st, _) = town.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // The password change is audited without the hash.
    let rows = s
        .app
        .audit_query(&youxiang_store::AuditFilter {
            action: Some("user.password".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| !r.new.clone().unwrap_or_default().contains("argon2"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_written_value_changes_the_overview_and_approval_locks_it() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let office = s.signed_in("office").await;
    let row = |ov: &Value| {
        ov["headline"]
            .as_array()
            .and_then(|h| h.iter().find(|r| r["indicator"] == "T08").cloned())
            .unwrap_or(Value::Null)
    };
    let (_, before) = office.get("/api/v1/overview?period=2025-09").await;
    let before = row(&before)["value"].as_f64().expect("T08 has a value");
    let (_, own) = town
        .get(&format!(
            "/api/v1/values?indicator=T08&place={TOWN}&period=2025-09"
        ))
        .await;
    let old = own[0]["value"].as_f64().unwrap_or(0.0);
    let (st, w) = town
        .post(
            "/api/v1/values",
            value("T08", TOWN, "2025-09", old + 1000.0),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{w}");
    assert_eq!(w["changed"], 1);
    assert!(w["places_updated"].as_u64().unwrap_or(0) >= 2);
    let (_, after) = office.get("/api/v1/overview?period=2025-09").await;
    let after = row(&after)["value"].as_f64().expect("T08 value");
    assert!((after - before - 1000.0).abs() < 1e-6, "{before} → {after}");

    // Submit, approve (office approves towns), then the value is locked.
    let key = json!([{"indicator": "T08", "place": TOWN, "period": "2025-09"}]);
    let (st, b) = town
        .post(
            "/api/v1/values/transition",
            json!({"action": "submit", "keys": key}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = town
        .post(
            "/api/v1/values/transition",
            json!({"action": "approve", "keys": key}),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "a town cannot approve its own figure: {b}"
    );
    let (st, b) = office
        .post(
            "/api/v1/values/transition",
            json!({"action": "approve", "keys": key}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{b}");
    let (st, b) = town
        .post("/api/v1/values", value("T08", TOWN, "2025-09", 1.0))
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"], "locked");
    let (st, b) = office
        .post(
            "/api/v1/values/transition",
            json!({"action": "reopen", "keys": key}),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "reopen needs a reason: {b}");

    // The audit trail shows it, for the office only.
    let (st, a) = office
        .get(&format!("/api/v1/audit?indicator=T08&place={TOWN}&limit=5"))
        .await;
    assert_eq!(st, StatusCode::OK, "{a}");
    assert_eq!(a[0]["action"], "value.approve");
    assert!(
        a[0].get("origin").is_some_and(|o| o.is_null()),
        "a web action has no command-line origin: {a}"
    );
    let (st, _) = town.get("/api/v1/audit").await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Bad input is a 422 listing every problem, never a 500.
    let (st, b) = town
        .post(
            "/api/v1/values",
            json!([

                {"indicator": "T08", "place": TOWN, "period": "2025-99", "value": 1},
                {"indicator": "T08", "place": TOWN, "period": "2025-08", "value": 1e300}
            ]),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["details"].as_array().map(Vec::len), Some(2), "{b}");
    let (st, b) = town
        .post("/api/v1/values", value("T99", TOWN, "2025-09", 1.0))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "unknown indicator: {b}");
    let (st, _) = town.post("/api/v1/values", json!({"not": "a list"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
}

/// What the status and overview endpoints answer `login`, computed afresh from the app's
/// state (no cache), through JSON text as the client reads it.
fn fresh(s: &Server, login: &str, path: &str) -> Value {
    let v = fresh_value(s, login, path);
    serde_json::from_slice(&serde_json::to_vec(&v).expect("json")).expect("json")
}

fn fresh_value(s: &Server, login: &str, path: &str) -> Value {
    use youxiang_web::status::{OverviewQuery, StatusQuery, StatusRowOut, build_overview};
    let state = s.app.read();
    let who = state.reporter(login).expect("user").clone();
    let reader = youxiang_app::Reader::Person(&who);
    let period = path.split("period=").nth(1).map(String::from);
    if path.starts_with("/api/v1/overview") {
        let q = OverviewQuery {
            place: None,
            year: None,
            period,
        };
        serde_json::to_value(build_overview(&state, reader, &q).expect("overview")).expect("json")
    } else {
        let q = StatusQuery {
            place: None,
            year: None,
            period,
            domain: None,
            all: None,
        };
        let filter = youxiang_web::status::status_filter(&q).expect("filter");
        let rows = youxiang_web::status::rows_for(&state, reader, &filter).expect("rows");
        serde_json::to_value(rows.iter().map(StatusRowOut::from).collect::<Vec<_>>()).expect("json")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_answers_are_never_older_than_the_last_write() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    // The office sees the district with drafts (its scope covers it), the viewer without.
    let readers = [
        ("viewer", s.signed_in("viewer").await),
        ("office", s.signed_in("office").await),
    ];
    let paths = [
        "/api/v1/status",
        "/api/v1/status?period=2025-09",
        "/api/v1/overview",
        "/api/v1/overview?period=2025-09",
    ];
    let (_, own) = town
        .get(&format!(
            "/api/v1/values?indicator=T08&place={TOWN}&period=2025-09"
        ))
        .await;
    let old = own[0]["value"].as_f64().unwrap_or(0.0);
    let key = json!([{"indicator": "T08", "place": TOWN, "period": "2025-09"}]);
    let t08 = |rows: &Value| {
        rows.as_array()
            .and_then(|r| r.iter().find(|r| r["indicator"] == "T08").cloned())
            .unwrap_or(Value::Null)["value"]
            .as_f64()
    };
    let district = |engine: &youxiang_engine::Engine| {
        engine.value("T08", DISTRICT, "2025-09".parse().unwrap())
    };
    /// Every reader's every answer, twice (the second from the cache), equals a fresh one.
    async fn check(s: &Server, readers: &[(&str, Client)], paths: &[&str], when: String) {
        for (login, c) in readers {
            for path in paths {
                for _ in 0..2 {
                    let (st, got) = c.get(path).await;
                    assert_eq!(st, StatusCode::OK, "{path}: {got}");
                    assert_eq!(got, fresh(s, login, path), "{when}: {login} {path}");
                }
            }
        }
    }
    for round in 1..=3 {
        check(&s, &readers, &paths, format!("before the write {round}")).await;
        let (st, w) = town
            .post(
                "/api/v1/values",
                value("T08", TOWN, "2025-09", old + 1000.0 * f64::from(round)),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{w}");
        assert_eq!(w["changed"], 1);
        // Right after the write every answer shows it to whom it is live, and the official
        // figure to the others.
        let (_, viewer_rows) = readers[0].1.get("/api/v1/status?period=2025-09").await;
        let (_, office_rows) = readers[1].1.get("/api/v1/status?period=2025-09").await;
        let (live, official) = {
            let state = s.app.read();
            (district(&state.live), district(&state.official))
        };
        assert_ne!(live, official, "round {round}: the draft is not official");
        assert_eq!(t08(&office_rows), live, "round {round}: the office");
        assert_eq!(t08(&viewer_rows), official, "round {round}: the viewer");
        check(&s, &readers, &paths, format!("after the write {round}")).await;
        // Submitted, it is official: every answer shows it at once.
        let (st, b) = town
            .post(
                "/api/v1/values/transition",
                json!({"action": "submit", "keys": key}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{b}");
        let (_, viewer_rows) = readers[0].1.get("/api/v1/status?period=2025-09").await;
        assert_eq!(t08(&viewer_rows), live, "round {round}: submitted");
        check(
            &s,
            &readers,
            &paths,
            format!("after the submission {round}"),
        )
        .await;
    }
    // Errors are answered, not kept.
    let viewer = &readers[0].1;
    let (st, _) = viewer.get("/api/v1/status?place=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, _) = viewer.get("/api/v1/status?place=nowhere").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_upload_lists_every_error_by_row_and_column() {
    let s = start().await;
    let town = s.signed_in(&format!("town-{TOWN}")).await;
    let csv = format!(
        "指标编码,地点编码,期间,数值,备注\nT08,{TOWN},2025-09,12,好\nT08,{TOWN},2025-08,abc,\nT08,{OTHER_TOWN},2025-09,3,\n"
    );
    let (st, b) = town.upload("values.csv", csv.into_bytes()).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(b["error"], "upload");
    let errors = b["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e["row"] == 3 && e["column"] == "D" && e["value"] == "abc"),
        "{b}"
    );
    assert!(
        errors.iter().any(|e| e["row"] == 4),
        "out of scope row: {b}"
    );
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("第3行"),
        "{b}"
    );
    // Each problem is listed once: in `errors`, not repeated in `details`.
    assert_eq!(b["details"].as_array().map(Vec::len), Some(0), "{b}");
    // Nothing was written.
    let (_, v) = town
        .get(&format!(
            "/api/v1/values?indicator=T08&place={TOWN}&period=2025-09"
        ))
        .await;
    assert_ne!(v[0]["value"], 12.0);
    let good = format!("指标编码,地点编码,期间,数值\nT08,{TOWN},2025-09,12\n");
    let (st, b) = town.upload("values.csv", good.into_bytes()).await;
    assert_eq!(st, StatusCode::OK, "{b}");
    assert_eq!(b["changed"], 1);
}

/// The whole matrix: every role × every action × in or out of scope; exactly the allowed
/// cells succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_action_scope_matrix() {
    let s = start().await;
    let (village_in, village_out) = {
        let state = s.app.read();
        let v = state
            .reporters
            .iter()
            .find(|r| r.login.starts_with("village-") && r.scope.places[0].starts_with(TOWN))
            .map(|r| r.scope.places[0].clone())
            .expect("a village of the town");
        let other = state
            .tree
            .places()
            .iter()
            .find(|p| p.parent.as_deref() == Some(TOWN) && p.code != v)
            .map(|p| p.code.clone())
            .expect("another village");
        (v, other)
    };
    // Users: (login, role) — the department reporter wjj leads the health indicators.
    let wjj_ind = {
        let state = s.app.read();
        state
            .reporter("wjj")
            .map(|r| r.scope.indicators[0].clone())
            .expect("wjj")
    };
    let other_ind = if wjj_ind == "T08" { "T09" } else { "T08" };
    // Villages report T17 (区住建局, a ratio of sums: its numerator); towns T08/T09.
    let village_ind = "T17";
    let users = [
        "admin".to_string(),
        "office".into(),
        "wjj".into(),
        format!("town-{TOWN}"),
        format!("village-{village_in}"),
        "viewer".into(),
        "security".into(),
        "auditor".into(),
    ];
    // Cells: (action, in_scope) per user → the place/indicator to try.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Action {
        ReadValues,
        Write,
        Approve,
        Audit,
    }
    let target = |login: &str, in_scope: bool| -> (String, String, &'static str) {
        match login {
            l if l.starts_with("village-") => (
                if in_scope {
                    village_in.clone()
                } else {
                    village_out.clone()
                },
                village_ind.to_string(),
                "numerator",
            ),
            l if l.starts_with("town-") => {
                if in_scope {
                    (village_in.clone(), village_ind.to_string(), "numerator")
                } else {
                    (OTHER_TOWN.to_string(), other_ind.to_string(), "value")
                }
            }
            "wjj" => {
                let ind = if in_scope {
                    wjj_ind.clone()
                } else {
                    other_ind.to_string()
                };
                let ratio = matches!(
                    s.app.read().plan.indicator(&ind).map(|i| &i.aggregation),
                    Some(youxiang_core::Aggregation::RatioOfSums { .. })
                );
                (
                    TOWN.to_string(),
                    ind,
                    if ratio { "numerator" } else { "value" },
                )
            }
            // admin, office, viewer, security, auditor: the whole district in scope; no
            // place outside it.
            _ => (village_in.clone(), village_ind.to_string(), "numerator"),
        }
    };
    let one = |ind: &str, place: &str, period: &str, comp: &str, v: f64| {
        json!([{"indicator": ind, "place": place, "period": period, "component": comp,
                "value": v, "comment": "测试"}])
    };
    let expected = |login: &str, action: Action, in_scope: bool| -> bool {
        let role = match login {
            "admin" => "admin",
            "office" => "office",
            "wjj" => "dept",
            "viewer" => "viewer",
            "security" => "security",
            "auditor" => "auditor",
            l if l.starts_with("town-") => "town",
            _ => "village",
        };
        let read_only = matches!(role, "viewer" | "security" | "auditor");
        match action {
            // 三员分立: the auditor and the office read the audit; the system and security
            // administrators do not.
            Action::Audit => matches!(role, "office" | "auditor"),
            Action::ReadValues => in_scope,
            Action::Write => in_scope && !read_only,
            // Approval: office anywhere; a department or town below its roots; a village never.
            Action::Approve => in_scope && matches!(role, "admin" | "office" | "dept" | "town"),
        }
    };
    let mut failures = Vec::new();
    let mut cells = 0;
    for login in &users {
        let c = s.signed_in(login).await;
        for in_scope in [true, false] {
            if matches!(
                login.as_str(),
                "admin" | "office" | "viewer" | "security" | "auditor"
            ) && !in_scope
            {
                continue; // their scope is the whole district
            }
            let (place, ind, comp) = target(login, in_scope);
            for action in [
                Action::ReadValues,
                Action::Write,
                Action::Approve,
                Action::Audit,
            ] {
                // Make sure there is a submitted value to approve, written by someone else
                // than the approver (nobody approves their own figure).
                let k = json!([{"indicator": ind, "place": place, "period": "2025-09",
                                "component": comp}]);
                if action == Action::Approve {
                    let writer = if login == "admin" { "office" } else { "admin" };
                    let office = s.signed_in(writer).await;
                    let _ = office
                        .post(
                            "/api/v1/values/transition",
                            json!({"action": "reopen", "reason": "测试", "keys": k}),
                        )
                        .await;
                    let _ = office
                        .post(
                            "/api/v1/values/transition",
                            json!({"action": "reject", "reason": "测试", "keys": k}),
                        )
                        .await;
                    let (st, b) = office
                        // A new number each time: an unchanged one keeps its last writer.
                        .post(
                            "/api/v1/values",
                            one(&ind, &place, "2025-09", comp, 500.0 + cells as f64),
                        )
                        .await;
                    assert_eq!(st, StatusCode::OK, "setup write {ind}@{place}: {b}");
                    let (st, b) = office
                        .post(
                            "/api/v1/values/transition",
                            json!({"action": "submit", "keys": k}),
                        )
                        .await;
                    assert_eq!(st, StatusCode::OK, "setup submit: {b}");
                }
                let (st, body) = match action {
                    Action::ReadValues => {
                        c.get(&format!("/api/v1/values?indicator={ind}&place={place}"))
                            .await
                    }
                    Action::Write => {
                        // A numerator no larger than any stored denominator: a share above
                        // 100 % is refused whoever writes it.
                        let v = if comp == "numerator" {
                            0.0
                        } else {
                            4.0 + cells as f64
                        };
                        c.post("/api/v1/values", one(&ind, &place, "2025-08", comp, v))
                            .await
                    }
                    Action::Approve => {
                        c.post(
                            "/api/v1/values/transition",
                            json!({"action": "approve", "keys": k}),
                        )
                        .await
                    }
                    Action::Audit => c.get("/api/v1/audit?limit=1").await,
                };
                cells += 1;
                let want = expected(login, action, in_scope);
                let ok = st == StatusCode::OK;
                let refused = st == StatusCode::FORBIDDEN && body["error"] == "forbidden";
                if !(want && ok || !want && refused) {
                    failures.push(format!(
                        "{login} {action:?} {} ({ind}@{place}): expected {}, got {st} {body}",
                        if in_scope { "in scope" } else { "out of scope" },
                        if want { "200" } else { "403" }
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cells >= 44);
}

/// A browser without JavaScript: sign in through the form, then every page.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<String>,
}

impl Browser {
    fn new(base: &str) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: base.to_string(),
            cookies: vec![],
        }
    }

    fn keep(&mut self, resp: &reqwest::Response) {
        for c in resp.headers().get_all("set-cookie") {
            if let Some(kv) = c.to_str().ok().and_then(|c| c.split(';').next()) {
                let name = kv.split('=').next().unwrap_or_default().to_string();
                self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
                self.cookies.push(kv.to_string());
            }
        }
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .send()
            .await
            .expect("get");
        self.keep(&resp);
        let st = resp.status();
        (st, resp.text().await.unwrap_or_default())
    }

    async fn post_form(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let resp = self.post_form_answer(path, form).await;
        let st = resp.status();
        (st, resp.text().await.unwrap_or_default())
    }

    /// Posts a form with the browser's cookies (keeping those it sets): the answer, unread.
    async fn post_form_answer(&mut self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookies.join("; "))
            .form(form)
            .send()
            .await
            .expect("post");
        self.keep(&resp);
        resp
    }

    /// Posts a form and, when it answers a redirect, reads the page its `Location` names (as
    /// a browser does): the post's status and the body of the page it led to (the post's
    /// own body when it did not redirect).
    async fn post_form_follow(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let resp = self.post_form_answer(path, form).await;
        let st = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(String::from);
        match location {
            Some(to) if st.is_redirection() => {
                let (got, body) = self.get(&to).await;
                assert_eq!(got, StatusCode::OK, "{path} led to {to}: {body}");
                (st, body)
            }
            _ => (st, resp.text().await.unwrap_or_default()),
        }
    }
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_default()
        .to_string()
}

async fn sign_in_form(b: &mut Browser, login: &str) -> String {
    let (st, html) = b.get("/login").await;
    assert_eq!(st, StatusCode::OK);
    let csrf = hidden(&html, "csrf");
    let (st, _) = b
        .post_form(
            "/login",
            &[
                ("login", login),
                ("password", DEMO_PASSWORD),
                ("csrf", &csrf),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "sign-in redirects");
    let (st, html) = b.get("/overview").await;
    assert_eq!(st, StatusCode::OK);
    hidden(&html, "csrf")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_leads_back_to_the_page_asked_for() {
    let s = start().await;
    let b = Browser::new(&s.base);
    let location = |r: &reqwest::Response| {
        r.headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let r = b
        .http
        .get(format!("{}/problems?year=2025", s.base))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/login?next=%2Fproblems%3Fyear%3D2025");
    for (next, lands) in [
        ("/problems?year=2025", "/problems?year=2025"),
        // Never off the site, never back to the sign-in page.
        ("//evil.example/", "/overview"),
        ("/\\evil.example/", "/overview"),
        ("https://evil.example/", "/overview"),
        ("/login", "/overview"),
        ("", "/overview"),
    ] {
        let mut b = Browser::new(&s.base);
        let query = serde_urlencoded::to_string([("next", next)]).unwrap();
        let (st, html) = b.get(&format!("/login?{query}")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(hidden(&html, "next"), lands.replace('&', "&amp;"), "{next}");
        let csrf = hidden(&html, "csrf");
        let r = b
            .http
            .post(format!("{}/login", s.base))
            .header("cookie", b.cookies.join("; "))
            .form(&[
                ("login", "office"),
                ("password", DEMO_PASSWORD),
                ("csrf", csrf.as_str()),
                ("next", next),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location(&r), lands, "{next}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_work_without_javascript() {
    let s = start().await;
    let mut b = Browser::new(&s.base);
    let (st, _) = b.get("/overview").await;
    assert_eq!(st, StatusCode::SEE_OTHER, "signed out → sign-in page");
    // A sign-in form without its token is refused.
    let (st, _) = b
        .post_form(
            "/login",
            &[
                ("login", "office"),
                ("password", DEMO_PASSWORD),
                ("csrf", "x"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let csrf = sign_in_form(&mut b, "office").await;
    assert_eq!(csrf.len(), 64);
    let (_, html) = b.get("/overview?period=2025-09").await;
    for text in [
        "驾驶舱",
        "● 达标",
        "幼有善育",
        "T08",
        "<svg class=\"spark\"",
    ] {
        assert!(html.contains(text), "overview lacks {text}");
    }
    assert!(!html.contains("<script>"), "no inline script");
    // A target of kind `/` (no numeric target) shows as written, without a unit.
    assert!(
        !html.contains("/ %") && !html.contains("全覆盖 %"),
        "a target without a number carries no unit"
    );
    for path in [
        format!("/place/{TOWN}?period=2025-09"),
        format!("/indicator/T05?place={DISTRICT}"),
    ] {
        let (st, html) = b.get(&path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert!(
            !html.contains("/ %"),
            "{path}: a target `/` shows without a unit"
        );
    }
    for (path, text) in [
        (
            format!("/indicator/T08?place={DISTRICT}"),
            "为什么是这个灯号",
        ),
        (format!("/place/{TOWN}"), "昌国街道"),
        ("/entry".to_string(), "name=\"csrf\""),
        ("/upload".to_string(), "multipart/form-data"),
        ("/approvals".to_string(), "审核"),
        (
            "/completeness?from=2025-07-01&as_of=2025-10-15".to_string(),
            "应报",
        ),
        ("/audit?action=value.write&limit=20".to_string(), "填报数值"),
        ("/static/app.css".to_string(), "@media print"),
        ("/static/charts.js".to_string(), "data-chart"),
    ] {
        let (st, html) = b.get(&path).await;
        assert_eq!(st, StatusCode::OK, "{path}");
        assert!(html.contains(text), "{path} lacks {text}");
    }
    let (st, _) = b.get("/static/htmx.min.js").await;
    assert_eq!(st, StatusCode::OK);
    // English switch persists in a cookie.
    let (st, _) = b.get("/lang?to=en&back=/overview").await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = b.get("/overview").await;
    assert!(html.contains("on track") && html.contains("Overview"));
    let (st, _) = b.get("/lang?to=zh&back=//evil.example").await;
    assert_eq!(st, StatusCode::SEE_OTHER);

    // A town reporter enters a value: saved, and a bad number is shown next to its field.
    let mut t = Browser::new(&s.base);
    let csrf = sign_in_form(&mut t, &format!("town-{TOWN}")).await;
    let (st, html) = t
        .post_form(
            "/entry",
            &[
                ("csrf", &csrf),
                ("place", TOWN),
                ("period", "2025-09"),
                ("v:T08:value", "abc"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("“abc”不是有效的数字"), "{html}");
    let (st, html) = t
        .post_form(
            "/entry",
            &[
                ("csrf", &csrf),
                ("place", TOWN),
                ("period", "2025-09"),
                ("v:T08:value", "4321"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("已保存:1 条变更"), "{html}");
    let (st, _) = t
        .post_form(
            "/entry",
            &[
                ("csrf", "wrong"),
                ("place", TOWN),
                ("period", "2025-09"),
                ("v:T08:value", "1"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Audit is the office's and the auditor's; a refusal has a Chinese title.
    let (st, html) = t.get("/audit").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert!(html.contains("<h1>无权访问</h1>"), "{html}");
}
