//! Sessions, CSRF tokens and sign-in throttling (passwords: [`crate::password`]; the
//! extractors built on these: [`crate::extract`]).
//!
//! - Sessions: server-side, in the store (its SHA-256 only) and cached in memory: a random
//!   256-bit id in an HttpOnly, SameSite=Strict cookie (Secure when the server runs behind
//!   TLS), expiring after an idle time and after an absolute lifetime (judged on every
//!   request), and ended at once when the user's role, scope or password changes or the
//!   user is disabled (checked on every request against the store's users, whichever
//!   process changed them). A restart keeps everybody signed in, and every server process
//!   on the database shares the sessions (see [`Sessions`]).
//! - CSRF: a random per-session token, required in the `X-CSRF-Token` header of every JSON
//!   write and in the hidden `csrf` field of every form.
//! - Throttling: see [`Throttle`]: 5 attempts for one login lock it for 15 minutes; an
//!   address is slowed down, never locked; the client address is the connection's, or the
//!   configured header's when the connection comes from a trusted proxy.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::NaiveDateTime;
use youxiang_app::App;
use youxiang_app::sessions::SessionRecord;
use youxiang_core::password::ChangeDue;
use youxiang_core::scope::Reporter;

use crate::Shared;
use crate::error::ApiError;

/// The session cookie's name.
pub const COOKIE: &str = "yx_session";
/// The header that carries the CSRF token of JSON writes.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// 32 random bytes as 64 hex digits.
pub fn random_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::Internal(format!("getrandom: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
    /// Sign-in (UTC): the absolute lifetime counts from here.
    started: NaiveDateTime,
    /// The last request (UTC): the idle time counts from here.
    last_seen: NaiveDateTime,
}

/// A session held in this process's cache.
struct Cached {
    data: SessionData,
    /// The store's auth epoch when the session was last read from the store: when it has
    /// moved (a user changed, a session ended — in any process), the store is asked again.
    epoch: i64,
    /// The `last_seen` the store has.
    stored_seen: NaiveDateTime,
}

/// The session table: in the store (every process on the database shares it, and a restart
/// keeps it), cached in memory and written through. Expiry is judged on every read, on the
/// wall clock: idle time since the last request, absolute lifetime since sign-in. A request
/// is written to the store at most every [`Sessions::touch_every`] (a quarter of the idle
/// time, at most a minute), so another process or a restart sees a session idle at most
/// that much longer than it was.
pub struct Sessions {
    cache: Mutex<HashMap<String, Cached>>,
    idle: Duration,
    lifetime: Duration,
}

/// Now, UTC, as the store keeps times.
fn utc_now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn since(now: NaiveDateTime, then: NaiveDateTime) -> Duration {
    (now - then).to_std().unwrap_or(Duration::ZERO)
}

/// What a failed store call is logged as (the session is then taken as absent).
fn store_failed(what: &str, e: &impl std::fmt::Display) {
    tracing::error!(target: "youxiang_web::session", "会话{what}失败:{e}");
}

impl Sessions {
    /// Sessions that end after `idle` without a request, and after `lifetime` in any case.
    pub fn new(idle: Duration, lifetime: Duration) -> Sessions {
        Sessions {
            cache: Mutex::new(HashMap::new()),
            idle,
            lifetime,
        }
    }

    fn live(&self, s: &SessionData, now: NaiveDateTime) -> bool {
        since(now, s.last_seen) < self.idle && since(now, s.started) < self.lifetime
    }

    /// How stale the store's `last_seen` may get before a request writes it.
    pub fn touch_every(&self) -> Duration {
        (self.idle / 4).min(Duration::from_secs(60))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many sessions this process holds in its cache.
    pub fn cached(&self) -> usize {
        self.lock().len()
    }

    /// Starts a session, stored before it is answered: returns its id and CSRF token.
    pub async fn create(
        &self,
        app: &App,
        login: &str,
        stamp: &str,
        change_due: Option<ChangeDue>,
    ) -> Result<(String, String), ApiError> {
        let id = random_token()?;
        let csrf = random_token()?;
        let now = utc_now();
        let record = SessionRecord {
            login: login.to_string(),
            csrf: csrf.clone(),
            stamp: stamp.to_string(),
            change_due,
            started_at: now,
            last_seen: now,
        };
        app.session_save(&id, &record).await?;
        let purge = {
            let mut cache = self.lock();
            let purge = cache.len() > 10_000;
            if purge {
                cache.retain(|_, c| self.live(&c.data, now));
            }
            cache.insert(
                id.clone(),
                Cached {
                    data: SessionData {
                        login: record.login,
                        csrf: record.csrf,
                        stamp: record.stamp,
                        change_due,
                        started: now,
                        last_seen: now,
                    },
                    epoch: app.users_epoch(),
                    stored_seen: now,
                },
            );
            purge || id.starts_with('0')
        };
        // Now and then (one sign-in in sixteen, or a full cache), expired sessions leave
        // the store: they are refused on reading anyway, this only keeps the table small.
        if purge {
            let idle = chrono::Duration::from_std(self.idle).unwrap_or(chrono::Duration::MAX);
            let life = chrono::Duration::from_std(self.lifetime).unwrap_or(chrono::Duration::MAX);
            let cut = |d| now.checked_sub_signed(d).unwrap_or(NaiveDateTime::MIN);
            if let Err(e) = app.sessions_purge(cut(idle), cut(life)).await {
                store_failed("清理", &e);
            }
        }
        Ok((id, csrf))
    }

    /// The live session with this id (touching it), or `None` when absent, idle too long
    /// or older than the absolute lifetime — judged now, on every call. From the cache
    /// while the store's auth epoch stands still; else, or when the cache holds no live
    /// copy, from the store (another process may have started or touched it).
    pub async fn get(&self, app: &App, id: &str) -> Option<SessionData> {
        let now = utc_now();
        let epoch = app.users_epoch();
        let mut touch = false;
        let hit = {
            let mut cache = self.lock();
            match cache.get_mut(id) {
                Some(c) if c.epoch == epoch && self.live(&c.data, now) => {
                    c.data.last_seen = now;
                    if since(now, c.stored_seen) >= self.touch_every() {
                        c.stored_seen = now;
                        touch = true;
                    }
                    Some(c.data.clone())
                }
                Some(_) => {
                    cache.remove(id);
                    None
                }
                None => None,
            }
        };
        if let Some(data) = hit {
            if touch && let Err(e) = app.session_touch(id, now).await {
                store_failed("写入", &e);
            }
            return Some(data);
        }
        let stored = match app.session_load(id).await {
            Ok(s) => s?,
            Err(e) => {
                store_failed("读取", &e);
                return None;
            }
        };
        let mut data = SessionData {
            login: stored.login,
            csrf: stored.csrf,
            stamp: stored.stamp,
            change_due: stored.change_due,
            started: stored.started_at,
            last_seen: stored.last_seen,
        };
        if !self.live(&data, now) {
            if let Err(e) = app.session_end(id).await {
                store_failed("删除", &e);
            }
            return None;
        }
        data.last_seen = now;
        let stored_seen = if since(now, stored.last_seen) >= self.touch_every() {
            if let Err(e) = app.session_touch(id, now).await {
                store_failed("写入", &e);
            }
            now
        } else {
            stored.last_seen
        };
        self.lock().insert(
            id.to_string(),
            Cached {
                data: data.clone(),
                epoch,
                stored_seen,
            },
        );
        Some(data)
    }

    /// Ends a session, in the store (for every process) and here.
    pub async fn remove(&self, app: &App, id: &str) {
        self.lock().remove(id);
        if let Err(e) = app.session_end(id).await {
            store_failed("删除", &e);
        }
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

/// Sets a cookie on an answer (a value that is not a valid header value is left out).
pub fn set_cookie(resp: &mut axum::response::Response, value: &str) {
    if let Ok(v) = axum::http::HeaderValue::from_str(value) {
        resp.headers_mut().insert(axum::http::header::SET_COOKIE, v);
    }
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

/// A signed-in user (the extractors of [`crate::extract`] give it to handlers).
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

/// Compares secrets in constant time.
pub(crate) fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Looks up the session of a request: `None` when not signed in.
pub async fn session_of(web: &Shared, headers: &HeaderMap) -> Option<Authed> {
    let id = cookie(headers, COOKIE)?;
    let s = web.sessions.get(&web.app, id).await?;
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
        web.sessions.remove(&web.app, id).await;
        return None;
    };
    Some(Authed {
        user,
        session: id.to_string(),
        csrf: s.csrf,
        change_due: s.change_due,
    })
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
