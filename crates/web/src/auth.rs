//! Sessions, CSRF tokens and sign-in throttling (passwords: [`crate::password`]; the
//! extractors built on these: [`crate::extract`]).
//!
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
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
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
