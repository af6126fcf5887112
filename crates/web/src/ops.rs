//! Operations: `GET /healthz` (the process is up), `GET /readyz` (the store answers and the
//! engine is loaded; 503 while the server is still loading), `GET /metrics` (Prometheus
//! text format, for the configured addresses or a bearer token only), and the request log:
//! one `tracing` line per request with method, route, status, latency and user — never a
//! query string, a password, a token or a path's values (the route is the template, such as
//! `/api/v1/explain/{indicator}/{place}/{year}`).

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use youxiang_app::{App, AuditFilter};

use crate::Shared;
use crate::auth::{Authed, client_ip};

/// The paths of this module: answered without a session, without reading the users.
pub fn is_ops_path(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

fn plain(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The process is up (it answers); nothing else is asked.
async fn healthz() -> Response {
    plain(StatusCode::OK, "ok\n")
}

/// Ready for traffic: the engine is loaded (it is, once this router exists) and the store
/// answers now.
async fn readyz(State(web): State<Shared>) -> Response {
    match web.app.refresh_users().await {
        Ok(()) => plain(StatusCode::OK, "ready\n"),
        Err(e) => {
            tracing::error!(target: "youxiang_web::ops", "就绪检查:数据库无法访问:{e}");
            plain(
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: store unreachable\n",
            )
        }
    }
}

// ---------------------------------------------------------------------------------------
// Metrics

/// Upper bounds of the latency histograms, in seconds.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Per bucket (not cumulative), the last one for above every bound.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, secs: f64) {
        let i = BUCKETS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[i] += 1;
        self.sum += secs;
        self.count += 1;
    }

    /// The histogram's lines, `labels` inside the braces (empty or ending in a comma).
    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, bound) in BUCKETS.iter().enumerate() {
            cumulative += self.counts[i];
            out.push_str(&format!(
                "{name}_bucket{{{labels}le=\"{bound}\"}} {cumulative}\n"
            ));
        }
        out.push_str(&format!(
            "{name}_bucket{{{labels}le=\"+Inf\"}} {}\n",
            self.count
        ));
        let bare = match labels.trim_end_matches(',') {
            "" => String::new(),
            l => format!("{{{l}}}"),
        };
        out.push_str(&format!("{name}_sum{bare} {}\n", self.sum));
        out.push_str(&format!("{name}_count{bare} {}\n", self.count));
    }
}

/// What a request is counted as.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RouteKey {
    method: String,
    route: String,
}

#[derive(Debug, Default)]
struct Counters {
    /// Requests per route and status.
    requests: BTreeMap<(RouteKey, u16), u64>,
    latency: BTreeMap<RouteKey, Histogram>,
    /// Successful writes (POST, PUT, PATCH, DELETE answered below 400) but sign-in and out.
    writes: Histogram,
    /// Successful uploads of a values file.
    uploads: Histogram,
}

/// The server's counters since it started, for `GET /metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    counters: Mutex<Counters>,
}

/// A route counted under its template; a request no route matched under one name, so an
/// attacker's made-up paths cannot grow the table.
const UNMATCHED: &str = "(unmatched)";

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

fn is_upload(route: &str) -> bool {
    matches!(route, "/api/v1/uploads" | "/upload")
}

fn is_session(route: &str) -> bool {
    matches!(route, "/api/v1/session" | "/login" | "/logout" | "/lang")
}

impl Metrics {
    fn observe(&self, method: &Method, route: &str, status: u16, took: Duration) {
        let key = RouteKey {
            method: method.as_str().to_string(),
            route: route.to_string(),
        };
        let secs = took.as_secs_f64();
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        *c.requests.entry((key.clone(), status)).or_default() += 1;
        c.latency.entry(key).or_default().observe(secs);
        if is_write(method) && status < 400 && !is_session(route) {
            c.writes.observe(secs);
            if is_upload(route) {
                c.uploads.observe(secs);
            }
        }
    }

    /// The Prometheus text format of the counters and of what `app` holds now.
    async fn render(&self, web: &Shared) -> String {
        let mut out = String::new();
        {
            let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            out.push_str(
                "# HELP youxiang_http_requests_total Requests answered, by route and status.\n",
            );
            out.push_str("# TYPE youxiang_http_requests_total counter\n");
            for ((k, status), n) in &c.requests {
                out.push_str(&format!(
                    "youxiang_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}\n",
                    k.method,
                    escape(&k.route)
                ));
            }
            out.push_str(
                "# HELP youxiang_http_request_duration_seconds Time to answer, by route.\n",
            );
            out.push_str("# TYPE youxiang_http_request_duration_seconds histogram\n");
            for (k, h) in &c.latency {
                let labels = format!("method=\"{}\",route=\"{}\",", k.method, escape(&k.route));
                h.write(&mut out, "youxiang_http_request_duration_seconds", &labels);
            }
            out.push_str("# HELP youxiang_write_duration_seconds Time of successful writes (values, reviews, records, uploads).\n");
            out.push_str("# TYPE youxiang_write_duration_seconds histogram\n");
            c.writes
                .write(&mut out, "youxiang_write_duration_seconds", "");
            out.push_str("# HELP youxiang_upload_duration_seconds Time of successful uploads of a values file.\n");
            out.push_str("# TYPE youxiang_upload_duration_seconds histogram\n");
            c.uploads
                .write(&mut out, "youxiang_upload_duration_seconds", "");
        }
        let (live, official, indicators, places, generation) = {
            let state = web.app.read();
            (
                state.live.value_count(),
                state.official.value_count(),
                state.plan.indicators.len(),
                state.tree.len(),
                state.generation(),
            )
        };
        let gauge = |out: &mut String, name: &str, help: &str, lines: &[(&str, String)]| {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} gauge\n"));
            for (labels, v) in lines {
                out.push_str(&format!("{name}{labels} {v}\n"));
            }
        };
        gauge(
            &mut out,
            "youxiang_engine_values",
            "Values held by each engine.",
            &[
                ("{engine=\"live\"}", live.to_string()),
                ("{engine=\"official\"}", official.to_string()),
            ],
        );
        gauge(
            &mut out,
            "youxiang_engine_indicators",
            "Indicators of the current plan.",
            &[("", indicators.to_string())],
        );
        gauge(
            &mut out,
            "youxiang_engine_places",
            "Places in the place tree.",
            &[("", places.to_string())],
        );
        gauge(
            &mut out,
            "youxiang_engine_generation",
            "Moves whenever either engine changes.",
            &[("", generation.to_string())],
        );
        let stored = web.app.sessions_count().await.map(|n| n.to_string());
        let mut sessions = vec![("{where=\"cache\"}", web.sessions.cached().to_string())];
        if let Ok(n) = stored {
            sessions.push(("{where=\"store\"}", n));
        }
        gauge(
            &mut out,
            "youxiang_sessions",
            "Sessions held in this process's cache and in the store (expired ones not yet purged included).",
            &sessions,
        );
        let filter = AuditFilter {
            limit: Some(1),
            ..AuditFilter::default()
        };
        if let Ok(rows) = web.app.audit_query(&filter).await {
            let seq = rows.first().map_or(0, |e| e.seq);
            gauge(
                &mut out,
                "youxiang_audit_rows",
                "Length of the audit chain (its last sequence number).",
                &[("", seq.to_string())],
            );
        }
        out
    }
}

/// A label value as the text format takes it.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Whether a request may read the metrics: from a configured address (the client's, as
/// [`client_ip`] resolves it), or with the configured bearer token.
fn may_read_metrics(web: &Shared, parts: &axum::http::request::Parts) -> bool {
    if let Some(token) = web.config.metrics_token.as_deref()
        && let Some(sent) = bearer(&parts.headers)
        && !token.is_empty()
        && crate::auth::constant_eq(sent.as_bytes(), token.as_bytes())
    {
        return true;
    }
    client_ip(parts, &web.config).is_some_and(|ip| web.config.metrics_allow.contains(&ip))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

async fn metrics(State(web): State<Shared>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    if !may_read_metrics(&web, &parts) {
        return plain(StatusCode::FORBIDDEN, "forbidden\n");
    }
    let body = web.metrics.render(&web).await;
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

// ---------------------------------------------------------------------------------------
// The request log

/// Where the extractors note who is asking, for the request's log line.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestUser(Arc<OnceLock<String>>);

/// Notes the signed-in user of a request for its log line (the login, never more).
pub(crate) fn note_user(extensions: &axum::http::Extensions, who: Option<&Authed>) {
    if let (Some(slot), Some(who)) = (extensions.get::<RequestUser>(), who) {
        let _ = slot.0.set(who.user.login.clone());
    }
}

/// Around every request: counts it and logs one line — method, route (the template),
/// status, latency in milliseconds, user (`-` when nobody is signed in). A server error
/// is logged at error level, everything else at info.
pub async fn observe(State(web): State<Shared>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, |m| m.as_str())
        .to_string();
    let user = RequestUser::default();
    request.extensions_mut().insert(user.clone());
    let response = next.run(request).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    web.metrics.observe(&method, &route, status, took);
    let user = user.0.get().map_or("-", String::as_str);
    let ms = took.as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(target: "youxiang_web::request", method = %method, route = %route,
            status, latency_ms = format_args!("{ms:.1}"), user = %user, "request");
    } else {
        tracing::info!(target: "youxiang_web::request", method = %method, route = %route,
            status, latency_ms = format_args!("{ms:.1}"), user = %user, "request");
    }
    response
}

// ---------------------------------------------------------------------------------------
// Serving while loading

/// Serves at `addr` at once — `/healthz` 200, `/readyz` and everything else 503 while
/// `load` runs (a large database takes a while to load into the engine) — then the whole
/// application on the same socket. Stops on Ctrl-C or SIGTERM.
pub async fn serve_loading<F>(
    addr: SocketAddr,
    config: crate::WebConfig,
    load: F,
) -> anyhow::Result<()>
where
    F: Future<Output = anyhow::Result<Arc<App>>>,
{
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    let local = std_listener.local_addr()?;
    tracing::info!(target: "youxiang_web::ops", %local, "正在加载数据库;/healthz 已可访问");
    let loading_listener = tokio::net::TcpListener::from_std(std_listener.try_clone()?)?;
    let loaded = Arc::new(tokio::sync::Notify::new());
    let loading = {
        let loaded = loaded.clone();
        let app = Router::new()
            .route("/healthz", get(healthz))
            .fallback(|| async {
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "loading: the server is loading the database\n",
                )
            });
        tokio::spawn(async move {
            axum::serve(loading_listener, app)
                .with_graceful_shutdown(async move { loaded.notified().await })
                .await
        })
    };
    let app = tokio::select! {
        app = load => app,
        () = shutdown_signal() => {
            loaded.notify_one();
            let _ = loading.await;
            return Ok(());
        }
    };
    loaded.notify_one();
    let _ = loading.await;
    let app = app?;
    let listener = tokio::net::TcpListener::from_std(std_listener)?;
    println!("youxiang 已启动:http://{local}/  (API 文档 http://{local}/api/docs)");
    tracing::info!(target: "youxiang_web::ops", %local, "已就绪");
    axum::serve(
        listener,
        crate::router(app, config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM (what systemd and a container runtime send to stop a service).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_count_everything() {
        let mut h = Histogram::default();
        for s in [0.001, 0.02, 0.02, 3.0, 500.0] {
            h.observe(s);
        }
        let mut out = String::new();
        h.write(&mut out, "x", "route=\"/a\",");
        assert!(
            out.contains("x_bucket{route=\"/a\",le=\"0.005\"} 1\n"),
            "{out}"
        );
        assert!(
            out.contains("x_bucket{route=\"/a\",le=\"0.025\"} 3\n"),
            "{out}"
        );
        assert!(out.contains("x_bucket{route=\"/a\",le=\"5\"} 4\n"), "{out}");
        assert!(
            out.contains("x_bucket{route=\"/a\",le=\"+Inf\"} 5\n"),
            "{out}"
        );
        assert!(out.contains("x_count{route=\"/a\"} 5\n"), "{out}");
        let mut bare = String::new();
        Histogram::default().write(&mut bare, "y", "");
        assert!(bare.contains("y_bucket{le=\"+Inf\"} 0\n") && bare.contains("y_sum 0\n"));
    }

    #[test]
    fn writes_and_uploads_are_told_apart() {
        let m = Metrics::default();
        let ms = Duration::from_millis(30);
        m.observe(&Method::POST, "/api/v1/uploads", 200, ms);
        m.observe(&Method::POST, "/api/v1/values", 200, ms);
        m.observe(&Method::POST, "/api/v1/values", 422, ms);
        m.observe(&Method::POST, "/api/v1/session", 200, ms);
        m.observe(&Method::GET, "/api/v1/status", 200, ms);
        let c = m.counters.lock().expect("lock");
        assert_eq!((c.writes.count, c.uploads.count), (2, 1));
        assert_eq!(c.requests.len(), 5);
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
