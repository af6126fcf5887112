//! Sign-in, sessions, CSRF tokens and sign-in throttling.
//!
//! - Passwords: Argon2id with the crate's default parameters, stored as PHC strings through
//!   the store (`Database::set_password`, audited as `user.password`).
//! - Sessions: server-side, in memory: a random 256-bit id in an HttpOnly, SameSite=Strict
//!   cookie (Secure when the server runs behind TLS), expiring after an idle time and after
//!   an absolute lifetime, and ended at once when the user's role, scope or password
//!   changes or the user is disabled (checked on every request against the store's users,
//!   whichever process changed them). A restart signs everybody out; several server
//!   processes would need a shared table (later).
//! - CSRF: a random per-session token, required in the `X-CSRF-Token` header of every JSON
//!   write and in the hidden `csrf` field of every form.
//! - Throttling: see [`Throttle`]: 5 attempts for one login lock it for 15 minutes; an
//!   address is slowed down, never locked; the client address is the connection's, or the
//!   configured header's when the connection comes from a trusted proxy.

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
use youxiang_core::password::ChangeDue;
use youxiang_core::scope::Reporter;
use youxiang_store::StoredPassword;

use crate::Shared;
use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "yx_session";
/// The header that carries the CSRF token of JSON writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The demo users' password (documented in the README: it is a demo).
pub const DEMO_PASSWORD: &str = "Demo@2025";

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

/// Checks a login and password against the store: the stored password when they match.
pub async fn check_password(
    app: &App,
    login: &str,
    password: &str,
) -> Result<Option<StoredPassword>, ApiError> {
    let stored = app.db().password(login).await?;
    let password = password.to_string();
    let hash = stored
        .as_ref()
        .map(|s| s.hash.clone())
        .unwrap_or_else(|| dummy_hash().to_string());
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(|e| ApiError::Internal(format!("verify task: {e}")))?;
    Ok(stored.filter(|_| ok))
}

/// Why the password a user signed in with must be changed first, if it must.
pub fn change_due(stored: &StoredPassword, max_age_days: u32) -> Option<ChangeDue> {
    youxiang_core::password::change_due(
        stored.must_change,
        stored.set_at,
        chrono::Utc::now().naive_utc(),
        max_age_days,
    )
}

/// Sets a user's password (hashing it) after checking it against the policy
/// ([`youxiang_core::password::weaknesses`]), audited as `user.password` by `actor`.
/// `must_change`: the owner must change it at the next sign-in (set for them by someone
/// else).
pub async fn set_password(
    app: &App,
    login: &str,
    password: &str,
    must_change: bool,
    actor: &str,
) -> anyhow::Result<()> {
    let weak = youxiang_core::password::weaknesses(login, password);
    if !weak.is_empty() {
        anyhow::bail!("{}", weak.join(";"));
    }
    let pw = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw)).await??;
    app.db()
        .set_password(login, &hash, must_change, actor)
        .await?;
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
        if app.db().password(&login).await?.is_none() {
            set_password(app, &login, DEMO_PASSWORD, false, "demo").await?;
            n += 1;
        }
    }
    Ok(n)
}

#[derive(Debug, Clone)]
pub struct SessionData {
    pub login: String,
    pub csrf: String,
    /// The user's credential stamp when the session started: a change of role, scope,
    /// password or the disabled flag ends the session.
    pub stamp: String,
    /// The password must be changed before anything else (set by another, or expired).
    pub change_due: Option<ChangeDue>,
    started: Instant,
    last_seen: Instant,
}

/// The in-memory session table.
pub struct Sessions {
    map: Mutex<HashMap<String, SessionData>>,
    idle: Duration,
    lifetime: Duration,
}

impl Sessions {
    /// Sessions that end after `idle` without a request, and after `lifetime` in any case.
    pub fn new(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions {
            map: Mutex::new(HashMap::new()),
            idle,
            lifetime,
        }
    }

    fn live(&self, s: &SessionData, now: Instant) -> bool {
        now.duration_since(s.last_seen) < self.idle && now.duration_since(s.started) < self.lifetime
    }

    /// Starts a session: returns its id and CSRF token.
    pub fn create(
        &self,
        login: &str,
        stamp: &str,
        change_due: Option<ChangeDue>,
    ) -> Result<(String, String), ApiError> {
        let id = random_token()?;
        let csrf = random_token()?;
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if map.len() > 10_000 {
            map.retain(|_, s| self.live(s, now));
        }
        map.insert(
            id.clone(),
            SessionData {
                login: login.to_string(),
                csrf: csrf.clone(),
                stamp: stamp.to_string(),
                change_due,
                started: now,
                last_seen: now,
            },
        );
        Ok((id, csrf))
    }

    /// The live session with this id (touching it), or `None` when absent, idle too long
    /// or older than the absolute lifetime.
    pub fn get(&self, id: &str) -> Option<SessionData> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let s = map.get(id)?;
        if !self.live(s, now) {
            map.remove(id);
            return None;
        }
        let s = map.get_mut(id)?;
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

/// Sign-in throttling.
///
/// - Per login: every attempt is counted *before* the password is verified (a success
///   takes it back), and only one attempt per login is verified at a time, so parallel
///   guesses cannot slip past the limit; `max_failures` failures lock the login for
///   `lockout`.
/// - Per address: never a lock (an office's users share the address of its proxy or NAT):
///   after `max_failures × 4` failures within `lockout`, each further attempt from the
///   address waits a second more, up to 10 s, before it is verified.
pub struct Throttle {
    map: Mutex<HashMap<String, Failures>>,
    in_flight: Mutex<std::collections::HashSet<String>>,
    max_failures: u32,
    lockout: Duration,
}

/// An address may fail this many times more often than one login before it is slowed.
const IP_FACTOR: u32 = 4;
/// The longest an address is made to wait before its attempt is verified.
const MAX_ADDRESS_DELAY: Duration = Duration::from_secs(10);

/// Why a sign-in attempt is not verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The login is locked for this many more seconds.
    Locked(u64),
    /// Another attempt for the same login is being verified.
    InFlight,
}

/// An attempt being verified; ends the login's in-flight mark when dropped.
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    login_key: String,
    address_key: Option<String>,
    /// How long the caller waits before verifying (a slowed address).
    pub delay: Duration,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        self.throttle
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.login_key);
    }
}

impl Attempt<'_> {
    /// The password was right: the login's failures and this attempt's count are cleared.
    pub fn succeeded(self) {
        let mut map = self.throttle.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&self.login_key);
        if let Some(k) = &self.address_key
            && let Some(f) = map.get_mut(k)
        {
            f.count = f.count.saturating_sub(1);
        }
    }
}

impl Throttle {
    pub fn new(max_failures: u32, lockout: Duration) -> Throttle {
        Throttle {
            map: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(Default::default()),
            max_failures,
            lockout,
        }
    }

    fn entry<'m>(
        map: &'m mut HashMap<String, Failures>,
        key: &str,
        now: Instant,
        lockout: Duration,
    ) -> &'m mut Failures {
        let f = map.entry(key.to_string()).or_insert(Failures {
            count: 0,
            first: now,
            locked_until: None,
        });
        let expired = match f.locked_until {
            Some(until) => until <= now,
            None => now.duration_since(f.first) >= lockout,
        };
        if expired {
            *f = Failures {
                count: 0,
                first: now,
                locked_until: None,
            };
        }
        f
    }

    /// Starts an attempt for `login` from `address`: refused when the login is locked or
    /// already being verified; otherwise counted now (as a failure until `succeeded`).
    pub fn begin(&self, login: &str, address: Option<IpAddr>) -> Result<Attempt<'_>, Refused> {
        let login_key = format!("login:{login}");
        let address_key = address.map(|ip| format!("ip:{ip}"));
        let now = Instant::now();
        {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            if in_flight.contains(&login_key) {
                return Err(Refused::InFlight);
            }
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() > 100_000 {
                map.retain(|_, f| {
                    now.duration_since(f.first) < self.lockout
                        || f.locked_until.is_some_and(|u| u > now)
                });
            }
            let f = Self::entry(&mut map, &login_key, now, self.lockout);
            if let Some(until) = f.locked_until {
                return Err(Refused::Locked(until.duration_since(now).as_secs().max(1)));
            }
            f.count += 1;
            if f.count >= self.max_failures {
                // This attempt is the last the login gets until the lockout ends.
                f.locked_until = Some(now + self.lockout);
            }
            in_flight.insert(login_key.clone());
        }
        let mut delay = Duration::ZERO;
        if let Some(k) = &address_key {
            let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
            let f = Self::entry(&mut map, k, now, self.lockout);
            f.count += 1;
            let free = self.max_failures.saturating_mul(IP_FACTOR);
            if f.count > free {
                delay = Duration::from_secs(u64::from(f.count - free)).min(MAX_ADDRESS_DELAY);
            }
        }
        Ok(Attempt {
            throttle: self,
            login_key,
            address_key,
            delay,
        })
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

/// The client's address, for throttling: the connection's peer, unless the peer is one of
/// the configured trusted proxies — then the rightmost address in the configured header
/// (`X-Forwarded-For` by default) that is not itself a trusted proxy. A header from anyone
/// else is ignored, so a client cannot choose its own address.
pub fn client_ip(parts: &Parts, config: &crate::WebConfig) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    if !config.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded = parts
        .headers
        .get_all(config.client_ip_header.as_str())
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    forwarded
        .iter()
        .rev()
        .filter_map(|a| a.parse::<IpAddr>().ok())
        .find(|ip| !config.trusted_proxies.contains(ip))
        .or(Some(peer))
}

/// A signed-in user: the extractor every protected handler takes.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user: Reporter,
    pub session: String,
    pub csrf: String,
    /// The password must be changed before anything else; only the password change and
    /// signing out are open until it is.
    pub change_due: Option<ChangeDue>,
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
    let user = {
        let state = web.app.read();
        let current = state
            .credentials
            .get(&s.login)
            .is_some_and(|c| !c.disabled && c.stamp == s.stamp);
        current.then(|| state.reporter(&s.login).cloned()).flatten()
    };
    let Some(user) = user else {
        // The user changed (role, scope, password) or was disabled since signing in.
        web.sessions.remove(id);
        return None;
    };
    Some(Authed {
        user,
        session: id.to_string(),
        csrf: s.csrf,
        change_due: s.change_due,
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
/// connect info); see [`client_ip`].
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<Shared> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, web: &Shared) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, &web.config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(peer: &str, forwarded: Option<&str>) -> Parts {
        let mut rb = axum::http::Request::builder().uri("/api/v1/session");
        if let Some(f) = forwarded {
            rb = rb.header("x-forwarded-for", f);
        }
        let (mut parts, _) = rb.body(()).expect("request").into_parts();
        let addr: SocketAddr = format!("{peer}:40000").parse().expect("addr");
        parts.extensions.insert(ConnectInfo(addr));
        parts
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn the_client_address_comes_from_a_trusted_proxy_only() {
        let none = crate::WebConfig::default();
        let proxied = crate::WebConfig {
            trusted_proxies: vec![ip("10.0.0.1"), ip("10.0.0.2")],
            ..crate::WebConfig::default()
        };
        // Nobody trusted: the header is the client's own claim and is ignored.
        let p = parts("203.0.113.9", Some("198.51.100.7"));
        assert_eq!(client_ip(&p, &none), Some(ip("203.0.113.9")));
        // Through the trusted proxy: the rightmost address that is not a proxy.
        let p = parts("10.0.0.1", Some("1.2.3.4, 198.51.100.7, 10.0.0.2"));
        assert_eq!(client_ip(&p, &proxied), Some(ip("198.51.100.7")));
        // A client that is not the proxy cannot name an address.
        let p = parts("203.0.113.9", Some("198.51.100.7"));
        assert_eq!(client_ip(&p, &proxied), Some(ip("203.0.113.9")));
        // The proxy without a header (or a garbled one): the proxy's own address.
        let p = parts("10.0.0.1", None);
        assert_eq!(client_ip(&p, &proxied), Some(ip("10.0.0.1")));
        let p = parts("10.0.0.1", Some("not-an-address"));
        assert_eq!(client_ip(&p, &proxied), Some(ip("10.0.0.1")));
    }

    #[test]
    fn attempts_count_before_verifying_and_one_per_login_at_a_time() {
        let t = Throttle::new(3, Duration::from_secs(60));
        let a = t.begin("li", None).expect("first");
        assert_eq!(t.begin("li", None).err(), Some(Refused::InFlight));
        assert!(
            t.begin("wang", None).is_ok(),
            "another login is not held up"
        );
        drop(a);
        drop(t.begin("li", None).expect("second"));
        drop(t.begin("li", None).expect("third, the last"));
        assert!(matches!(t.begin("li", None), Err(Refused::Locked(_))));
        // A success clears the login.
        let t = Throttle::new(3, Duration::from_secs(60));
        drop(t.begin("li", None).expect("1"));
        t.begin("li", None).expect("2").succeeded();
        drop(t.begin("li", None).expect("1 again"));
        drop(t.begin("li", None).expect("2 again"));
    }

    #[test]
    fn an_address_is_slowed_never_locked() {
        let t = Throttle::new(2, Duration::from_secs(60));
        let from = Some(ip("192.0.2.1"));
        let mut delays = Vec::new();
        for i in 0..12 {
            let a = t.begin(&format!("user{i}"), from).expect("never locked");
            delays.push(a.delay.as_secs());
        }
        assert_eq!(delays, vec![0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    }
}
