//! Passwords, sessions, CSRF tokens and the login rate limit.
//!
//! - Passwords: argon2id PHC strings (the crate's default parameters, a random salt each).
//! - Sessions: 32 random bytes in a cookie; the store keeps only their SHA-256 (hex), so a copy of
//!   the database does not let anyone log in.
//! - CSRF: a hidden form field holding HMAC-SHA256(key = the session token, "csrf"). It can only
//!   be computed by someone who holds the HttpOnly cookie, it changes with every session, and it
//!   needs no server-side state. Before login the same is done with a short-lived pre-session
//!   cookie, so the login and first-start forms are protected too.
//! - Rate limit: at most [`MAX_FAILURES`] failed logins per user name and client address within
//!   [`FAILURE_WINDOW`]; kept in memory (one process serves the UI).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "lastschrift_session";
pub const PRE_SESSION_COOKIE: &str = "lastschrift_pre";
/// How long a login lasts.
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);
pub const MAX_FAILURES: usize = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MIN_PASSWORD_CHARS: usize = 10;

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh random token for a cookie (URL-safe base64 of 32 bytes).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a session token.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

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
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery").unwrap());
    }

    #[test]
    fn csrf_token_belongs_to_its_session() {
        let a = new_token();
        let b = new_token();
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
