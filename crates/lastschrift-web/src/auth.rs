//! Cookies, CSRF tokens and the login rate limit. (Passwords and session tokens are the core's:
//! [`lastschrift_core::users`].)
//!
//! - CSRF: a hidden form field holding HMAC-SHA256(key = the session token, "csrf"). It can only
//!   be computed by someone who holds the HttpOnly cookie, it changes with every session, and it
//!   needs no server-side state. Before login the same is done with a short-lived pre-session
//!   cookie, so the login and first-start forms are protected too.
//! - Rate limit: at most [`MAX_FAILURES`] failed logins per user name and client address within
//!   [`FAILURE_WINDOW`]; kept in memory (one process serves the UI).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const SESSION_COOKIE: &str = "lastschrift_session";
pub const PRE_SESSION_COOKIE: &str = "lastschrift_pre";
pub use lastschrift_core::users::SESSION_LIFETIME;
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The CSRF form value that belongs to a session (or pre-session) token.
pub fn csrf_token(cookie_token: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(cookie_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"lastschrift csrf v1");
    hex(&mac.finalize().into_bytes())
}

/// Constant-time comparison of a submitted CSRF value with the expected one.
pub fn csrf_matches(cookie_token: &str, submitted: &str) -> bool {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(cookie_token.as_bytes()).expect("HMAC takes any key length");
    mac.update(b"lastschrift csrf v1");
    match decode_hex(submitted) {
        Some(bytes) => mac.verify_slice(&bytes).is_ok(),
        None => false,
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

/// A cookie's value from the `Cookie` request header.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure when served over TLS.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if let Some(seconds) = max_age {
        cookie.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

/// Failed logins per (lower-case user name, client address).
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: HashMap<(String, Option<IpAddr>), Vec<Instant>>,
}

impl LoginLimiter {
    /// Whether another attempt is allowed now.
    pub fn allowed(&mut self, username: &str, ip: Option<IpAddr>, now: Instant) -> bool {
        let key = (username.to_lowercase(), ip);
        match self.failures.get_mut(&key) {
            Some(times) => {
                times.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
                times.len() < MAX_FAILURES
            }
            None => true,
        }
    }

    pub fn failed(&mut self, username: &str, ip: Option<IpAddr>, now: Instant) {
        // Bounded memory under a flood of made-up names: drop entries whose window has passed.
        if self.failures.len() > 10_000 {
            self.failures.retain(|_, times| {
                times
                    .iter()
                    .any(|t| now.duration_since(*t) < FAILURE_WINDOW)
            });
        }
        self.failures
            .entry((username.to_lowercase(), ip))
            .or_default()
            .push(now);
    }

    pub fn succeeded(&mut self, username: &str, ip: Option<IpAddr>) {
        self.failures.remove(&(username.to_lowercase(), ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_token_belongs_to_its_session() {
        let a = lastschrift_core::users::random_token();
        let b = lastschrift_core::users::random_token();
        assert_ne!(a, b);
        assert!(csrf_matches(&a, &csrf_token(&a)));
        assert!(!csrf_matches(&b, &csrf_token(&a)));
        assert!(!csrf_matches(&a, ""));
        assert!(!csrf_matches(&a, "zz"));
        assert!(!csrf_token(&a).contains(&a));
    }

    #[test]
    fn limiter_blocks_after_five_failures_per_name_and_address() {
        let mut limiter = LoginLimiter::default();
        let ip = Some(IpAddr::from([127, 0, 0, 1]));
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(limiter.allowed("Anna", ip, now));
            limiter.failed("Anna", ip, now);
        }
        assert!(!limiter.allowed("anna", ip, now));
        assert!(limiter.allowed("bert", ip, now));
        assert!(limiter.allowed("anna", Some(IpAddr::from([10, 0, 0, 1])), now));
        assert!(limiter.allowed("anna", ip, now + FAILURE_WINDOW));
    }

    #[test]
    fn cookies_are_read_and_written_strictly() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            axum::http::header::COOKIE,
            "a=1; lastschrift_session=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&headers, "c"), None);
        let set = set_cookie(SESSION_COOKIE, "v", None, true);
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Secure")
        );
        assert!(!set_cookie(SESSION_COOKIE, "v", Some(0), false).contains("Secure"));
    }
}
