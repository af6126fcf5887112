//! Operations (a module of the one test binary `web`): `/healthz`, `/readyz` (503 while
//! the server loads), `/metrics` in the Prometheus text format for the configured
//! addresses or a bearer token only.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use youxiang_app::App;
use youxiang_web::WebConfig;

use super::{start, start_with};

async fn text(url: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut rb = reqwest::Client::new().get(url);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let resp = rb.send().await.expect("send");
    let status = resp.status();
    (status, resp.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let s = start().await;
    assert_eq!(
        text(&format!("{}/healthz", s.base), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        text(&format!("{}/readyz", s.base), None).await.0,
        StatusCode::OK
    );
    let office = s.signed_in("office").await;
    assert_eq!(office.get("/api/v1/plan").await.0, StatusCode::OK);
    // From this machine (the default allowance).
    let (st, m) = text(&format!("{}/metrics", s.base), None).await;
    assert_eq!(st, StatusCode::OK, "{m}");
    for expected in [
        "youxiang_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "youxiang_http_requests_total{method=\"POST\",route=\"/api/v1/session\",status=\"200\"} 1",
        "youxiang_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/plan\",le=\"+Inf\"} 1",
        "# TYPE youxiang_write_duration_seconds histogram",
        "youxiang_upload_duration_seconds_count 0",
        "youxiang_engine_values{engine=\"live\"} ",
        "youxiang_sessions{where=\"store\"} ",
        "youxiang_audit_rows ",
    ] {
        assert!(m.contains(expected), "missing {expected:?} in\n{m}");
    }
    // Every line is a comment or `name{labels} number`.
    for line in m.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap_or("");
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
    assert!(!m.contains("office"), "no user in the metrics");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_the_configured_addresses_or_the_token() {
    let s = start_with(WebConfig {
        metrics_allow: vec![],
        metrics_token: Some("t0ken-for-prometheus".into()),
        ..WebConfig::default()
    })
    .await;
    let url = format!("{}/metrics", s.base);
    assert_eq!(text(&url, None).await.0, StatusCode::FORBIDDEN);
    assert_eq!(text(&url, Some("wrong")).await.0, StatusCode::FORBIDDEN);
    let (st, m) = text(&url, Some("t0ken-for-prometheus")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(m.contains("youxiang_engine_places "), "{m}");
    // Health is open to all.
    assert_eq!(
        text(&format!("{}/healthz", s.base), None).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_while_loading() {
    let s = start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let url = s.url.clone();
    tokio::spawn(youxiang_web::ops::serve_loading(
        addr,
        WebConfig::default(),
        async move {
            let _ = rx.await;
            Ok(Arc::new(App::open(&url).await?))
        },
    ));
    let base = format!("http://{addr}");
    let mut up = false;
    for _ in 0..50 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "healthz answers while loading");
    assert_eq!(
        text(&format!("{base}/healthz"), None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        text(&format!("{base}/readyz"), None).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        text(&format!("{base}/api/v1/plan"), None).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    tx.send(()).expect("loaded");
    let mut ready = false;
    for _ in 0..100 {
        if text(&format!("{base}/readyz"), None).await.0 == StatusCode::OK {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "ready once loaded");
    assert_ne!(
        text(&format!("{base}/api/v1/plan"), None).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
}
