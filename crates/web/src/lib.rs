//! The web interface of youxiang: the JSON API under `/api/v1` (every write through the
//! one write path of [`youxiang_app::App`]), its OpenAPI document at `/api/openapi.json`
//! and Swagger UI at `/api/docs` (served from the binary), sign-in with server-side
//! sessions, CSRF tokens and throttling, and security headers on every answer.

pub mod api;
pub mod auth;
pub mod cache;
pub mod error;
pub mod manage;
pub mod pages;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;
use youxiang_app::App;

pub use auth::{DEMO_PASSWORD, hash_password, set_demo_passwords, set_password, verify_password};

/// Settings of the web server.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (set when the server is reached over TLS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// Failed sign-ins (per login, per address) before a lockout.
    pub max_failures: u32,
    /// How long a lockout lasts.
    pub lockout: Duration,
    /// The largest request body (uploads), in bytes.
    pub body_limit: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            max_failures: 5,
            lockout: Duration::from_secs(15 * 60),
            body_limit: 20 * 1024 * 1024,
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
}

pub type Shared = Arc<Web>;

/// The content security policy: no inline script, nothing from elsewhere.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; \
    form-action 'self'";

/// The whole web application.
pub fn router(app: Arc<App>, config: WebConfig) -> Router {
    let web = Arc::new(Web {
        sessions: auth::Sessions::new(config.session_idle),
        throttle: auth::Throttle::new(config.max_failures, config.lockout),
        app,
        config: config.clone(),
        cache: cache::ResponseCache::new(),
    });
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(manage::routes())
        .merge(SwaggerUi::new("/api/docs").url(
            "/api/openapi.json",
            api::ApiDoc::openapi().merge_from(manage::ManageDoc::openapi()),
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
