//! Two real `youxiang serve` processes on one database (a module of the one test binary
//! `cli`): a write through either is seen by the other's status, overview, explain and
//! ranking within one second — learnt from the store, as the processes never speak to each
//! other — and two writes of the same value racing through both end in one state, the same
//! in both processes and in the store. On PostgreSQL (the deployment of several servers)
//! and on one SQLite file.
//!
//! The PostgreSQL half creates its own database on the server named by
//! `YOUXIANG_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) with
//! `psql`, and drops it afterwards; it fails when PostgreSQL cannot be reached, unless
//! `YOUXIANG_SKIP_PG=1`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::ok;

/// A server process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Kills the process with SIGKILL (no shutdown of any kind) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `youxiang --db DB serve` on a free port, once `/readyz` answers 200.
pub fn start(db: &str) -> Server {
    start_with(db, &[])
}

/// [`start`] with more arguments of `serve`.
pub fn start_with(db: &str, more: &[&str]) -> Server {
    let port = free_port();
    let child = Command::new(super::bin())
        .args(["--db", db, "serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--log-level", "warn"])
        .args(more)
        .env_remove("YOUXIANG_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the youxiang binary runs");
    let server = Server { child, port };
    let started = Instant::now();
    loop {
        if let Ok((200, _)) = request(port, "GET", "/readyz", &Session::default(), None) {
            return server;
        }
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "the server on port {port} did not become ready"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A signed-in session: its cookie and CSRF token (the store keeps it, so it is good on
/// every server of the database).
#[derive(Debug, Clone, Default)]
pub struct Session {
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Session {
    pub fn cookie(&self) -> &str {
        self.cookie.as_deref().unwrap_or_default()
    }

    pub fn csrf(&self) -> &str {
        self.csrf.as_deref().unwrap_or_default()
    }
}

/// One HTTP/1.0 request (the answer is never chunked): status and body.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    session: &Session,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let (status, _headers, body) = exchange(port, method, path, session, body)?;
    Ok((status, body))
}

fn exchange(
    port: u16,
    method: &str,
    path: &str,
    session: &Session,
    body: Option<&Value>,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n");
    if let Some(c) = &session.cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    if let Some(t) = &session.csrf {
        head.push_str(&format!("X-CSRF-Token: {t}\r\n"));
    }
    if !body.is_empty() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (headers, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, headers.to_string(), body.to_string()))
}

/// Signs `login` in with the demo password through the server on `port`.
pub fn sign_in(port: u16, login: &str) -> Session {
    sign_in_with(port, login, "Demo@2025")
}

/// Signs `login` in with `password` through the server on `port`.
pub fn sign_in_with(port: u16, login: &str, password: &str) -> Session {
    let (status, headers, body) = exchange(
        port,
        "POST",
        "/api/v1/session",
        &Session::default(),
        Some(&json!({"login": login, "password": password})),
    )
    .expect("sign in");
    assert_eq!(status, 200, "sign-in of {login}: {body}");
    let cookie = headers
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
        .filter_map(|(_, v)| v.trim().split(';').next())
        .map(str::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let info: Value = serde_json::from_str(&body).expect("session JSON");
    Session {
        cookie: Some(cookie),
        csrf: info["csrf_token"].as_str().map(str::to_string),
    }
}

fn get(port: u16, path: &str, session: &Session) -> Value {
    let (status, body) = request(port, "GET", path, session, None).expect("GET");
    assert_eq!(status, 200, "GET {path} on {port}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: {e}: {body}"))
}

fn post(port: u16, path: &str, session: &Session, body: &Value) -> (u16, String) {
    request(port, "POST", path, session, Some(body)).expect("POST")
}

/// What the test compares between the servers: the answers made from each one's engines.
fn views(port: u16, session: &Session, key: &Value) -> Vec<Value> {
    let (indicator, place, period) = (
        key["indicator"].as_str().unwrap_or_default(),
        key["place"].as_str().unwrap_or_default(),
        key["period"].as_str().unwrap_or_default(),
    );
    vec![
        get(
            port,
            &format!("/api/v1/explain/{indicator}/{place}/{period}"),
            session,
        ),
        get(port, &format!("/api/v1/status?place={place}"), session),
        get(port, "/api/v1/overview", session),
        get(port, "/api/v1/ranking", session),
    ]
}

/// Waits until the server on `port` explains the value as `expected[0]` (the quickest
/// answer to ask again and again) and fails when that takes longer than `within`; then
/// every view must equal `expected`. How long it took.
fn seen_within(
    port: u16,
    session: &Session,
    key: &Value,
    expected: &[Value],
    within: Duration,
) -> Duration {
    let explain = format!(
        "/api/v1/explain/{}/{}/{}",
        key["indicator"].as_str().unwrap_or_default(),
        key["place"].as_str().unwrap_or_default(),
        key["period"].as_str().unwrap_or_default()
    );
    let started = Instant::now();
    loop {
        let now = get(port, &explain, session);
        if now == expected[0] {
            // Seen at the latest when this answer came.
            let took = started.elapsed();
            assert!(
                took <= within,
                "the server on {port} saw the change only after {took:?}"
            );
            break;
        }
        assert!(
            started.elapsed() <= within,
            "after {:?} the server on {port} still explains\n{now}\nexpected:\n{}",
            started.elapsed(),
            expected[0]
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = started.elapsed();
    let now = views(port, session, key);
    for (name, (got, want)) in ["explain", "status", "overview", "ranking"]
        .iter()
        .zip(now.iter().zip(expected))
    {
        assert_eq!(got, want, "the server on {port} answers another {name}");
    }
    took
}

/// The figure the server on `port` explains for `key`: one request, answered from its
/// engines (asking for every view here would take longer in a debug build than the second
/// the other server is given to follow).
fn explained_value(port: u16, session: &Session, key: &Value) -> Value {
    let path = format!(
        "/api/v1/explain/{}/{}/{}",
        key["indicator"].as_str().unwrap_or_default(),
        key["place"].as_str().unwrap_or_default(),
        key["period"].as_str().unwrap_or_default()
    );
    get(port, &path, session)["value"].clone()
}

/// The whole story on the database at `db`, filled with the demo.
fn two_servers_follow_each_other(db: &str) {
    ok(&["--db", db, "demo", "--no-serve"]);
    let (a, b) = (start(db), start(db));
    let session = sign_in(a.port, "office");
    // A figure the office may change: a submitted one (approved ones are locked).
    let found = get(a.port, "/api/v1/values?state=submitted&limit=1", &session);
    let stored = found[0].clone();
    assert!(
        stored.is_object(),
        "the demo has a submitted value: {found}"
    );
    let key = json!({
        "indicator": stored["indicator"],
        "place": stored["place"],
        "period": stored["period"],
        "component": stored["component"],
    });
    let write = |port: u16, value: f64| {
        let mut row = key.clone();
        row["value"] = json!(value);
        post(port, "/api/v1/values", &session, &json!([row]))
    };
    let old = stored["value"].as_f64().unwrap_or_default();

    // Each way, a write through one server is seen by the other within a second.
    for (step, (through, other)) in [(&a, &b), (&b, &a)].into_iter().enumerate() {
        let before = views(other.port, &session, &key);
        let (status, body) = write(through.port, old + 1.0 + step as f64);
        assert_eq!(status, 200, "write through {}: {body}", through.port);
        let expected = views(through.port, &session, &key);
        assert_ne!(expected[0], before[0], "the write moved the explanation");
        let took = seen_within(
            other.port,
            &session,
            &key,
            &expected,
            Duration::from_secs(1),
        );
        eprintln!(
            "servers: a write through {} seen by {} after {took:?}",
            through.port, other.port
        );
        // Submitted again: the official figures (ranking, overview for everybody) move too.
        let keys = json!({"action": "submit", "keys": [key]});
        let (status, body) = post(through.port, "/api/v1/values/transition", &session, &keys);
        assert_eq!(status, 200, "submit through {}: {body}", through.port);
        let expected = views(through.port, &session, &key);
        seen_within(
            other.port,
            &session,
            &key,
            &expected,
            Duration::from_secs(1),
        );
    }

    // Two writes of the value racing through both servers end equal everywhere.
    racing_writes(&a, &b, &session, &key, old);

    // A process that was down catches up from the store: b stopped, a writes, b again.
    drop(b);
    let (status, body) = write(a.port, old + 99.0);
    assert_eq!(status, 200, "{body}");
    let b = start(db);
    let expected = views(a.port, &session, &key);
    seen_within(b.port, &session, &key, &expected, Duration::from_secs(1));
    drop((a, b));
    let verify = ok(&["--db", db, "audit", "verify"]);
    assert!(verify.contains("审计链完整"), "{verify}");
}

/// Two writes of the same value racing through both servers: both are serialised by the
/// store, the later one stands, and both servers and the store agree on it.
fn racing_writes(a: &Server, b: &Server, session: &Session, key: &Value, old: f64) {
    let write = |port: u16, value: f64| {
        let mut row = key.clone();
        row["value"] = json!(value);
        post(port, "/api/v1/values", session, &json!([row]))
    };
    for round in 0..3 {
        let values = [old + 10.0 + round as f64, old + 20.0 + round as f64];
        let barrier = std::sync::Barrier::new(2);
        let answers: Vec<(u16, String)> = std::thread::scope(|s| {
            let handles: Vec<_> = [(&a, values[0]), (&b, values[1])]
                .into_iter()
                .map(|(server, v)| {
                    let (barrier, write) = (&barrier, &write);
                    s.spawn(move || {
                        barrier.wait();
                        write(server.port, v)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("writer"))
                .collect()
        });
        for (status, body) in &answers {
            assert_eq!(*status, 200, "a racing write: {body}");
        }
        let stored = get(
            a.port,
            &format!(
                "/api/v1/values?indicator={}&place={}&period={}",
                key["indicator"].as_str().unwrap_or_default(),
                key["place"].as_str().unwrap_or_default(),
                key["period"].as_str().unwrap_or_default()
            ),
            session,
        );
        let stored = stored
            .as_array()
            .and_then(|rows| {
                rows.iter()
                    .find(|r| r["component"] == key["component"])
                    .map(|r| r["value"].clone())
            })
            .expect("the value is stored");
        assert!(
            values.iter().any(|v| json!(v) == stored),
            "the stored value is one of the two written: {stored}"
        );
        let started = Instant::now();
        loop {
            let (va, vb) = (
                explained_value(a.port, session, key),
                explained_value(b.port, session, key),
            );
            if va == stored && vb == stored {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "round {round}: the store holds {stored}, server a shows {va}, server b {vb}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let expected = views(a.port, session, key);
        seen_within(b.port, session, key, &expected, Duration::from_secs(1));
    }
}

#[test]
fn two_servers_on_one_sqlite_file_follow_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("two.db").display());
    two_servers_follow_each_other(&db);
}

#[test]
fn two_servers_on_one_postgres_follow_each_other() {
    let Some((url, drop_db)) = pg_database("yx_cli_servers") else {
        return;
    };
    two_servers_follow_each_other(&url);
    drop_db();
}

/// A new PostgreSQL database for this test and how to drop it; `None` (with a loud skip)
/// when PostgreSQL cannot be reached and `YOUXIANG_SKIP_PG=1`.
pub fn pg_database(prefix: &str) -> Option<(String, impl FnOnce())> {
    let admin = std::env::var("YOUXIANG_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("{prefix}_{}", std::process::id());
    let psql = |sql: &str| {
        Command::new("psql")
            .args([admin.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql])
            .output()
    };
    match psql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")) {
        Ok(out) if out.status.success() => {}
        failed => {
            let why = match failed {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            if std::env::var("YOUXIANG_SKIP_PG").as_deref() == Ok("1") {
                youxiang_testkit::skip("postgres", format!("{prefix} on PostgreSQL: {why}"));
                return None;
            }
            panic!(
                "cannot reach PostgreSQL at {admin} with psql: {why}. Run scripts/pg-ensure, \
                 set YOUXIANG_TEST_PG_URL, or set YOUXIANG_SKIP_PG=1 to skip."
            );
        }
    }
    let created = psql(&format!("CREATE DATABASE {name}")).expect("psql");
    assert!(created.status.success(), "CREATE DATABASE {name}");
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("YOUXIANG_TEST_PG_URL names no database: {admin}"),
    };
    let admin_for_drop = admin.clone();
    Some((url, move || {
        let _ = Command::new("psql")
            .args([
                admin_for_drop.as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            ])
            .output();
    }))
}
