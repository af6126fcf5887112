//! The web interface of youxiang: the JSON API under `/api/v1` (every write through the
//! one write path of [`youxiang_app::App`]), its OpenAPI document at `/api/openapi.json`
//! and Swagger UI at `/api/docs` (served from the binary), the server-rendered pages,
//! sign-in with server-side sessions, CSRF tokens and throttling, request logging through
//! `tracing`, and security headers on every answer.
//!
//! One module per feature, each holding its JSON API and its pages: [`session`],
//! [`password`], [`plan`], [`places`], [`status`], [`indicator`], [`values`], [`uploads`],
//! [`approvals`], [`completeness`], [`audit`], and the management loop's [`tasks`],
//! [`weekly`], [`ranking`], [`orders`], [`inbox`], [`reports`], [`problems`] and [`my`]. What
//! they share: [`extract`] (who is asking, CSRF, bodies), [`error`], [`layout`] (the pages'
//! chrome), [`text`], [`download`], [`records`], [`auth`] (sessions, throttling),
//! [`cache`], [`openapi`], [`assets`].

pub mod approvals;
pub mod assess;
pub mod assets;
pub mod assist;
pub mod assist_care;
pub mod assist_dispatch;
pub mod assist_list;
pub mod assist_settings;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod chart;
pub mod circle;
pub mod circle_forms;
pub mod circle_public;
pub mod completeness;
pub mod compliance;
pub mod download;
pub mod error;
pub mod exchange;
pub mod extract;
pub mod facilities;
pub mod inbox;
pub mod indicator;
pub mod key_targets;
pub mod langmark;
pub mod layout;
pub mod map;
pub mod my;
pub mod openapi;
pub mod ops;
pub mod orders;
pub mod password;
pub mod places;
pub mod plan;
pub mod problems;
pub mod projects;
pub mod public;
pub mod publication;
pub mod ranking;
pub mod records;
pub mod reports;
pub mod revisions;
pub mod session;
pub mod status;
pub mod survey;
pub mod survey_entry;
pub mod survey_public;
pub mod targets;
pub mod tasks;
pub mod text;
pub mod units;
pub mod uploads;
pub mod values;
pub mod weekly;
pub mod yearly;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::IntoResponse;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa_swagger_ui::SwaggerUi;
use youxiang_app::App;

pub use youxiang_app::accounts::DEMO_PASSWORD;

/// Settings of the web server.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (set when the server is reached over TLS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however active (an absolute lifetime).
    pub session_lifetime: Duration,
    /// Addresses of reverse proxies whose `client_ip_header` names the client; a header
    /// from any other peer is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The header a trusted proxy puts the client's address in.
    pub client_ip_header: String,
    /// Failed sign-ins (per login, per address) before a lockout.
    pub max_failures: u32,
    /// How long a lockout lasts.
    pub lockout: Duration,
    /// The largest request body (uploads), in bytes; a larger one is answered 413.
    pub body_limit: usize,
    /// What an uploaded values file may make the reader hold (unpacked size, rows,
    /// columns, cells, line and cell length) and how many errors are listed.
    pub read_limits: youxiang_app::ReadLimits,
    /// Days a password lasts before its owner must change it at sign-in (0: never).
    pub password_max_age_days: u32,
    /// Client addresses that may read `GET /metrics` (default: this machine only).
    pub metrics_allow: Vec<std::net::IpAddr>,
    /// A bearer token that may read `GET /metrics` from anywhere (`None`: none).
    pub metrics_token: Option<String>,
    /// Requests a second each client address may make of the public pages and the open
    /// data (`/public`, `/open/v1/…`), in bursts of three times that; 0: no limit.
    pub public_rate: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            session_lifetime: Duration::from_secs(12 * 60 * 60),
            trusted_proxies: Vec::new(),
            client_ip_header: "x-forwarded-for".into(),
            max_failures: 5,
            lockout: Duration::from_secs(15 * 60),
            body_limit: 20 * 1024 * 1024,
            read_limits: youxiang_app::ReadLimits::default(),
            password_max_age_days: youxiang_core::password::DEFAULT_MAX_AGE_DAYS,
            metrics_allow: vec![
                std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::Ipv6Addr::LOCALHOST.into(),
            ],
            metrics_token: None,
            public_rate: 20,
        }
    }
}

/// What every handler shares.
pub struct Web {
    pub app: Arc<App>,
    pub config: WebConfig,
    pub sessions: auth::Sessions,
    pub throttle: auth::Throttle,
    /// Status and overview answers for the engine's current generation.
    pub cache: cache::ResponseCache,
    /// The uploads running, one per login.
    pub uploads: uploads::UploadSlots,
    /// Requests and latencies since start, for `GET /metrics`.
    pub metrics: ops::Metrics,
    /// The published sets as the public pages serve them, and their rate limit.
    pub public: public::Public,
}

pub type Shared = Arc<Web>;

/// The content security policy: no inline script, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; \
    form-action 'self'";

/// The whole web application.
pub fn router(app: Arc<App>, config: WebConfig) -> Router {
    let web = Arc::new(Web {
        sessions: auth::Sessions::new(config.session_idle, config.session_lifetime),
        throttle: auth::Throttle::new(config.max_failures, config.lockout),
        app,
        config: config.clone(),
        cache: cache::ResponseCache::new(),
        uploads: uploads::UploadSlots::default(),
        metrics: ops::Metrics::default(),
        public: public::Public::new(config.public_rate),
    });
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Router::new()
        .merge(session::routes())
        .merge(password::routes())
        .merge(plan::routes())
        .merge(places::routes())
        .merge(status::routes())
        .merge(indicator::routes())
        .merge(key_targets::routes())
        .merge(revisions::routes())
        .merge(map::routes())
        .merge(values::routes())
        .merge(uploads::routes())
        .merge(approvals::routes())
        .merge(completeness::routes())
        .merge(audit::routes())
        .merge(tasks::routes())
        .merge(projects::routes())
        .merge(weekly::routes())
        .merge(targets::routes())
        .merge(ranking::routes())
        .merge(assess::routes())
        .merge(problems::routes())
        .merge(orders::routes())
        .merge(inbox::routes())
        .merge(reports::routes())
        .merge(yearly::routes())
        .merge(my::routes())
        .merge(units::routes())
        .merge(facilities::routes())
        .merge(circle::routes())
        .merge(circle_public::routes())
        .merge(compliance::routes())
        .merge(assist::routes())
        .merge(assist_care::routes())
        .merge(assist_dispatch::routes())
        .merge(assist_list::routes())
        .merge(assist_settings::routes())
        .merge(publication::routes())
        .merge(exchange::routes())
        .merge(survey::routes())
        .merge(survey_entry::routes())
        .merge(survey_public::routes(web.clone()))
        .merge(public::routes(web.clone()))
        .merge(ops::routes())
        .merge(assets::routes())
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi::document()))
        // Runs after `users_current` (layers wrap outwards), on the users as they are now.
        .layer(axum::middleware::from_fn_with_state(
            web.clone(),
            password::gate,
        ))
        .layer(axum::middleware::from_fn_with_state(
            web.clone(),
            users_current,
        ))
        .layer(axum::middleware::from_fn_with_state(
            web.clone(),
            ops::observe,
        ))
        .with_state(web)
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "same-origin"))
        .layer(header(
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
        // Outermost: the request's span (its line is `ops::observe`'s).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(())
                .on_failure(()),
        )
}

/// The span of a request in the log: its method and path (never the query string, which
/// may carry what is not for a log). Under the `tower_http` target, with the events of
/// [`TraceLayer`]: with `RUST_LOG=tower_http=debug` one line per request (status,
/// latency), and every line logged while a request is served carries its method and path.
/// A debug span, so that at the default level (server errors only) a request costs no span:
/// an enabled span per request took 7 % of the cached reads' throughput.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    tracing::debug_span!(
        target: "tower_http::trace",
        "request",
        method = %request.method(),
        path = %request.uri().path(),
    )
}

/// Before every request but static files: the users as the store has them now, so a role,
/// scope or password change or a disabled user — made by any process — counts from the
/// next request on (one small query when nothing changed).
async fn users_current(
    axum::extract::State(web): axum::extract::State<Shared>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if !request.uri().path().starts_with("/static/")
        && !ops::is_ops_path(request.uri().path())
        && !public::is_public_path(request.uri().path())
        && let Err(e) = web.app.refresh_users().await
    {
        return error::ApiError::Unavailable(format!("无法读取用户:{e}")).into_response();
    }
    next.run(request).await
}

/// Serves the application at `addr` with the default settings, printing the address.
pub async fn serve(app: Arc<App>, addr: SocketAddr) -> anyhow::Result<()> {
    serve_with(app, addr, WebConfig::default()).await
}

/// Serves the application at `addr`, printing the address; stops on Ctrl-C.
pub async fn serve_with(app: Arc<App>, addr: SocketAddr, config: WebConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("youxiang 已启动:http://{local}/  (API 文档 http://{local}/api/docs)");
    axum::serve(
        listener,
        router(app, config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
