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
    #[command(flatten)]
    pub limits: crate::data_cmd::LimitArgs,
}

pub fn run(db: &str, args: ServeArgs) -> Result<()> {
    let config = WebConfig {
        secure_cookies: args.secure_cookies,
        session_idle: Duration::from_secs(args.session_minutes.max(1) * 60),
        session_lifetime: Duration::from_secs(args.session_hours.max(1) * 3600),
        trusted_proxies: args.trusted_proxies,
        client_ip_header: args.client_ip_header.to_ascii_lowercase(),
        body_limit: args.max_upload_mb.saturating_mul(1024 * 1024),
        read_limits: args.limits.read_limits(),
        password_max_age_days: args.password_max_days,
        ..WebConfig::default()
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(async {
            let app = Arc::new(App::open(db).await?);
            youxiang_web::serve_with(app, args.addr, config).await
        })
}
