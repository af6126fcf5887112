//! `youxiang serve`: the web interface and the JSON API over the database.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use youxiang_app::App;
use youxiang_web::WebConfig;

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The address to listen on (`0.0.0.0:8080` for every interface).
    #[arg(long, default_value = "127.0.0.1:8080", env = "YOUXIANG_ADDR")]
    pub addr: SocketAddr,
    /// Mark the session cookie Secure (set this when a TLS proxy is in front).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Minutes without a request after which a session ends.
    #[arg(long, default_value_t = 30)]
    pub session_minutes: u64,
    /// Hours after sign-in after which a session ends however active it is.
    #[arg(long, default_value_t = 12)]
    pub session_hours: u64,
    /// The address of a reverse proxy in front of the server (repeatable): only from these
    /// peers is the client's address taken from --client-ip-header.
    #[arg(
        long = "trusted-proxy",
        env = "YOUXIANG_TRUSTED_PROXY",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The header in which a trusted proxy names the client's address.
    #[arg(long, default_value = "x-forwarded-for")]
    pub client_ip_header: String,
    /// The largest request body (an upload), in MB; a larger one is answered 413.
    #[arg(long, env = "YOUXIANG_MAX_UPLOAD_MB",
        default_value_t = WebConfig::default().body_limit / (1024 * 1024))]
    pub max_upload_mb: usize,
    /// Days a password lasts; a user whose password is older must change it before
    /// anything else (0: passwords never expire).
    #[arg(long, env = "YOUXIANG_PASSWORD_MAX_DAYS",
        default_value_t = youxiang_core::password::DEFAULT_MAX_AGE_DAYS)]
    pub password_max_days: u32,
    /// A client address that may read GET /metrics (repeatable; default: this machine).
    #[arg(
        long = "metrics-allow",
        env = "YOUXIANG_METRICS_ALLOW",
        value_delimiter = ','
    )]
    pub metrics_allow: Vec<std::net::IpAddr>,
    /// A bearer token that may read GET /metrics from any address (best from the
    /// environment, not the command line, which other users of the machine can see).
    #[arg(long, env = "YOUXIANG_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Requests a second each client address may make of the public pages and the open
    /// data (`/public`, `/open/v1/…`), in bursts of three times that; 0: no limit (behind a
    /// proxy that limits them itself). Over it: 429 with Retry-After.
    #[arg(long, env = "YOUXIANG_PUBLIC_RATE", default_value_t = WebConfig::default().public_rate)]
    pub public_rate: u32,
    /// What to log: a level (error, warn, info, debug) or a `tracing` filter such as
    /// `info,youxiang_web::request=warn`; else RUST_LOG; else info (one line per request).
    #[arg(long, env = "YOUXIANG_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// The log's form on standard error: text (one line per event) or json (one object a line).
    #[arg(long, env = "YOUXIANG_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub limits: crate::data_cmd::LimitArgs,
}

/// The log's form.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The server's log (`tracing` events) to standard error: filtered by `level` (a level or
/// a filter), else by `RUST_LOG`, else at info — start-up, one line per request (method,
/// route, status, latency, user), failures — as text or JSON lines.
pub fn init_logging(level: Option<&str>, format: LogFormat) -> Result<()> {
    let filter = match level {
        Some(l) => tracing_subscriber::EnvFilter::try_new(l)
            .map_err(|e| anyhow::anyhow!("日志级别“{l}”无效:{e}"))?,
        None => tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let done = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    done.map_err(|e| anyhow::anyhow!("无法启用日志:{e}"))
}

pub fn run(db: &str, args: ServeArgs) -> Result<()> {
    init_logging(args.log_level.as_deref(), args.log_format)?;
    let defaults = WebConfig::default();
    let config = WebConfig {
        secure_cookies: args.secure_cookies,
        session_idle: Duration::from_secs(args.session_minutes.max(1) * 60),
        session_lifetime: Duration::from_secs(args.session_hours.max(1) * 3600),
        trusted_proxies: args.trusted_proxies,
        client_ip_header: args.client_ip_header.to_ascii_lowercase(),
        body_limit: args.max_upload_mb.saturating_mul(1024 * 1024),
        read_limits: args.limits.read_limits(),
        password_max_age_days: args.password_max_days,
        metrics_allow: match args.metrics_allow.is_empty() {
            true => defaults.metrics_allow.clone(),
            false => args.metrics_allow,
        },
        metrics_token: args.metrics_token.filter(|t| !t.trim().is_empty()),
        public_rate: args.public_rate,
        ..defaults
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(youxiang_web::ops::serve_loading(args.addr, config, async {
            let app = Arc::new(App::open(db).await?);
            // The register's personal data: the key file named by configuration, if any.
            app.use_assist_key_file(db)?;
            // Other servers and the command line write to the same database: follow them.
            app.follow_store();
            Ok(app)
        }))
}
