//! Requests are logged through `tracing` (a module of the one test binary `web`): one line
//! each with method, route (the template), status, latency and user, and never the query
//! string, a path's values or a password.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use reqwest::StatusCode;

use super::start;

static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOG.lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test process from now on (the subscriber is the process's).
fn capture() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "tower_http=debug,youxiang_web=debug",
            ))
            .with_ansi(false)
            .with_writer(|| Capture)
            .init();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_logged_without_their_query_or_values() {
    capture();
    let s = start().await;
    let (st, _) = s
        .anon()
        .get("/api/v1/explain/T01/zz-log-marker/2025?password=hunter2&token=s3cret")
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let office = s.signed_in("office").await;
    let (st, _) = office.get("/api/v1/places?under=zz-log-marker-2").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // The line is written once the answer is made: give it a moment.
    let explain = "route=/api/v1/explain/{indicator}/{place}/{period}";
    let mut lines = Vec::new();
    for _ in 0..50 {
        let log =
            String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|e| e.into_inner())).to_string();
        lines = log
            .lines()
            .filter(|l| l.contains("youxiang_web::request"))
            .map(String::from)
            .collect();
        if lines.iter().any(|l| l.contains(explain))
            && lines.iter().any(|l| l.contains("user=office"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let first = lines
        .iter()
        .find(|l| l.contains(explain) && l.contains("status=401"))
        .unwrap_or_else(|| panic!("no line for the request: {lines:#?}"));
    assert!(
        first.contains("method=GET") && first.contains("latency_ms=") && first.contains("user=-"),
        "{first}"
    );
    assert!(
        lines.iter().any(|l| l.contains("route=/api/v1/places")
            && l.contains("status=404")
            && l.contains("user=office")),
        "{lines:#?}"
    );
    let all = String::from_utf8_lossy(&LOG.lock().unwrap_or_else(|e| e.into_inner())).to_string();
    assert!(
        !all.contains("hunter2") && !all.contains("s3cret") && !all.contains("zz-log-marker-2"),
        "a query string or a path's value reached the log"
    );
    assert!(
        !all.contains(super::DEMO_PASSWORD),
        "a password reached the log"
    );
}
