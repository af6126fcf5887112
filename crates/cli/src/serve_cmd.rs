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
}

pub fn run(db: &str, args: ServeArgs) -> Result<()> {
    let config = WebConfig {
        secure_cookies: args.secure_cookies,
        session_idle: Duration::from_secs(args.session_minutes.max(1) * 60),
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
