//! Sessions live in the store (a module of the one test binary `web`): a restart — a new
//! app and router on the same database, nothing in memory carried over — keeps people
//! signed in; a sign-out through one server ends the session in the other at once; an idle
//! session has ended for every server. On SQLite and on PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use sqlx::{Connection, Executor};
use youxiang_app::App;
use youxiang_web::{DEMO_PASSWORD, WebConfig};

use super::{Client, PLACES, PLAN, serve_on, start};

fn client(base: &str) -> Client {
    Client {
        http: reqwest::Client::new(),
        base: base.to_string(),
        cookie: None,
        csrf: None,
    }
}

async fn delete(c: &Client, path: &str) -> StatusCode {
    c.with(c.http.delete(format!("{}{path}", c.base)))
        .send()
        .await
        .expect("send")
        .status()
}

/// The whole story on the database at `url`, signing in as `login`.
async fn sessions_outlive_the_process(url: &str, login: &str) {
    let config = WebConfig {
        session_idle: Duration::from_secs(2),
        ..WebConfig::default()
    };
    let first = serve_on(
        Arc::new(App::open(url).await.expect("open")),
        config.clone(),
    )
    .await;
    // Opened before signing in: loading the demo may take longer than the idle time.
    let second = serve_on(
        Arc::new(App::open(url).await.expect("reopen")),
        config.clone(),
    )
    .await;
    let mut c = client(&first);
    let (st, body) = c.sign_in(login, DEMO_PASSWORD).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let csrf = body["csrf_token"].clone();

    // The second app ("restarted": nothing in memory carried over) knows the session.
    c.base = second.clone();
    let (st, body): (StatusCode, Value) = c.get("/api/v1/session").await;
    assert_eq!(st, StatusCode::OK, "signed in after the restart: {body}");
    assert_eq!(
        body["csrf_token"], csrf,
        "the same session, its CSRF token too"
    );
    assert_eq!(body["login"].as_str(), Some(login), "{body}");

    // Ended through the second server: the first refuses it from the next request on.
    c.base = first.clone();
    assert_eq!(c.get("/api/v1/session").await.0, StatusCode::OK);
    c.base = second.clone();
    assert_eq!(delete(&c, "/api/v1/session").await, StatusCode::NO_CONTENT);
    c.base = first.clone();
    assert_eq!(c.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);

    // Idle longer than allowed: ended for both, whichever held it in memory.
    let mut d = client(&first);
    assert_eq!(d.sign_in(login, DEMO_PASSWORD).await.0, StatusCode::OK);
    assert_eq!(d.get("/api/v1/session").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2300)).await;
    assert_eq!(d.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);
    d.base = second;
    assert_eq!(d.get("/api/v1/session").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_people_signed_in_on_sqlite() {
    let s = start().await;
    sessions_outlive_the_process(&s.url, "office").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_people_signed_in_on_postgres() {
    let admin_url = std::env::var("YOUXIANG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let mut admin = match sqlx::PgConnection::connect(&admin_url).await {
        Ok(c) => c,
        Err(e) if std::env::var("YOUXIANG_SKIP_PG").as_deref() == Ok("1") => {
            youxiang_testkit::skip("postgres", format!("sessions on PostgreSQL: {e}"));
            return;
        }
        Err(e) => panic!(
            "cannot reach PostgreSQL at {admin_url}: {e}. Run scripts/pg-ensure, set \
             YOUXIANG_TEST_PG_URL, or set YOUXIANG_SKIP_PG=1 to skip."
        ),
    };
    let name = format!("yx_web_sessions_{}", std::process::id());
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    admin
        .execute(sqlx::AssertSqlSafe(drop.clone()))
        .await
        .expect("drop old");
    admin
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create");
    let url = match admin_url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("YOUXIANG_TEST_PG_URL names no database: {admin_url}"),
    };
    {
        let plan = youxiang_plantext::planfile::load(PLAN).expect("plan");
        let places = youxiang_ingest::read_places(PLACES.as_bytes(), "places.csv").expect("places");
        let app = App::init(&url, &plan, places, "test").await.expect("init");
        app.set_demo_passwords().await.expect("passwords");
    }
    sessions_outlive_the_process(&url, "security").await;
    admin
        .execute(sqlx::AssertSqlSafe(drop))
        .await
        .expect("drop");
}
