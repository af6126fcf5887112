//! Sign-in, sessions, CSRF tokens and sign-in throttling.
//!
//! - Passwords: Argon2id with the crate's default parameters, stored as PHC strings through
//!   the store (`Database::set_password`, audited as `user.password`).
//! - Sessions: server-side, in memory: a random 256-bit id in an HttpOnly, SameSite=Strict
//!   cookie (Secure when the server runs behind TLS), expiring after an idle time. A restart
//!   signs everybody out; several server processes would need a shared table (later).
//! - CSRF: a random per-session token, required in the `X-CSRF-Token` header of every JSON
//!   write and in the hidden `csrf` field of every form.
//! - Throttling: 5 failed sign-ins for one login (20 from one address) lock that login (or
//!   address) for 15 minutes (both configurable).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use youxiang_app::App;
use youxiang_core::scope::Reporter;

use crate::Shared;
use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "yx_session";
/// The header that carries the CSRF token of JSON writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The demo users' password (documented in the README: it is a demo).
pub const DEMO_PASSWORD: &str = "demo2025";

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("getrandom: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Hashes a password with Argon2id (default parameters), as a PHC string.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("getrandom: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = argon2()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        Params::default(),
    )
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so that the answer takes as long
/// as for a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default())
}

/// Checks a login and password against the store.
pub async fn check_password(app: &App, login: &str, password: &str) -> Result<bool, ApiError> {
    let stored = app.db().password_hash(login).await?;
    let password = password.to_string();
    let hash = stored.clone().unwrap_or_else(|| dummy_hash().to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::Internal(format!("verify task: {e}")))?;
    Ok(ok && stored.is_some())
}

/// Sets a user's password (hashing it), audited as `user.password` by `actor`.
pub async fn set_password(
    app: &App,
    login: &str,
    password: &str,
    actor: &str,
) -> anyhow::Result<()> {
    if password.chars().count() < 8 {
        anyhow::bail!("密码至少 8 个字符");
    }
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw)).await??;
    app.db().set_password(login, &hash, actor).await?;
    Ok(())
}

/// Gives every user without a password the demo password [`DEMO_PASSWORD`]. For the demo
/// database only. Returns how many users it set.
pub async fn set_demo_passwords(app: &App) -> anyhow::Result<usize> {
    let logins: Vec<String> = app
        .read()
        .reporters
        .iter()
        .map(|r| r.login.clone())
        .collect();
    let mut n = 0;
    for login in logins {
        if app.db().password_hash(&login).await?.is_none() {
            set_password(app, &login, DEMO_PASSWORD, "demo").await?;
            n += 1;
        }
    }
    Ok(n)
}

#[derive(Debug, Clone)]
pub struct SessionData {
    pub login: String,
    pub csrf: String,
    last_seen: Instant,
}

/// The in-memory session table.
pub struct Sessions {
    map: Mutex<HashMap<String, SessionData>>,
    idle: Duration,
}

impl Sessions {
    pub fn new(idle: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            idle,
        }
    }

    /// Starts a session: returns its id and CSRF token.
    pub fn create(&self, login: &str) -> Result<(String, String), ApiError> {
        let id = random_token()?;
        let csrf = random_token()?;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, s| now.duration_since(s.last_seen) < self.idle);
        }
        map.insert(
            id.clone(),
            SessionData {
                login: login.to_string(),
                csrf: csrf.clone(),
                last_seen: now,
            },
        );
        Ok((id, csrf))
    }

    /// The live session with this id (touching it), or `None` when absent or idle too long.
    pub fn get(&self, id: &str) -> Option<SessionData> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let s = map.get_mut(id)?;
        if now.duration_since(s.last_seen) >= self.idle {
            map.remove(id);
            return None;
        }
        s.last_seen = now;
        Some(s.clone())
    }

    pub fn remove(&self, id: &str) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: Instant,
    locked_until: Option<Instant>,
}

/// An address may fail this many times more often than one login (an office's users
/// share one address).
const IP_FACTOR: u32 = 4;

/// Failed sign-ins per login and per address.
pub struct Throttle {
    map: Mutex<HashMap<String, Failures>>,
    max_failures: u32,
    lockout: Duration,
}

impl Throttle {
    pub fn new(max_failures: u32, lockout: Duration) -> Throttle {
        Throttle {
            map: Mutex::new(HashMap::new()),
            max_failures,
            lockout,
        }
    }

    /// `Err(seconds)` when any of the keys is locked.
    pub fn check(&self, keys: &[String]) -> Result<(), u64> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        for k in keys {
            if let Some(f) = map.get(k)
                && let Some(until) = f.locked_until
                && until > now
            {
                return Err(until.duration_since(now).as_secs().max(1));
            }
        }
        Ok(())
    }

    pub fn fail(&self, keys: &[String]) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() > 100_000 {
            map.retain(|_, f| {
                now.duration_since(f.first) < self.lockout
                    || f.locked_until.is_some_and(|u| u > now)
            });
        }
        for k in keys {
            let f = map.entry(k.clone()).or_insert(Failures {
                count: 0,
                first: now,
                locked_until: None,
            });
            if now.duration_since(f.first) >= self.lockout
                || f.locked_until.is_some_and(|u| u <= now)
            {
                *f = Failures {
                    count: 0,
                    first: now,
                    locked_until: None,
                };
            }
            f.count += 1;
            let limit = if k.starts_with("ip:") {
                self.max_failures.saturating_mul(IP_FACTOR)
            } else {
                self.max_failures
            };
            if f.count >= limit {
                f.locked_until = Some(now + self.lockout);
            }
        }
    }

    pub fn succeed(&self, key: &str) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// The value of one cookie in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(id: &str, secure: bool, max_age: Duration) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        max_age.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The client's address (from the connection), for throttling.
pub fn client_ip(parts: &Parts) -> Option<IpAddr> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// A signed-in user: the extractor every protected handler takes.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: Reporter,
    pub session: String,
    pub csrf: String,
}

impl Authed {
    /// Checks the CSRF token of a JSON write (header `X-CSRF-Token`).
    pub fn check_csrf_header(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        self.check_csrf(sent)
    }

    /// Checks a CSRF token sent with a write (constant-time comparison).
    pub fn check_csrf(&self, sent: Option<&str>) -> Result<(), ApiError> {
        match sent {
            Some(s) if constant_eq(s.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(ApiError::Csrf),
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Looks up the session of a request: `None` when not signed in.
pub fn session_of(web: &Shared, headers: &HeaderMap) -> Option<Authed> {
    let id = cookie(headers, COOKIE)?;
    let s = web.sessions.get(id)?;
    let user = web.app.read().reporter(&s.login).cloned()?;
    Some(Authed {
        user,
        session: id.to_string(),
        csrf: s.csrf,
    })
}

impl FromRequestParts<Shared> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, web: &Shared) -> Result<Self, Self::Rejection> {
        session_of(web, &parts.headers)
            .ok_or_else(|| ApiError::Unauthorized("请先登录(或登录已过期)".into()))
    }
}

/// The client's address as an extractor (absent when the server was not started with
/// connect info).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}
