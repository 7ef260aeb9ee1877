//! Cookies, CSRF tokens and the login rate limit. (Passwords and session tokens are the core's:
//! [`lastschrift_core::users`].)
//!
//! - CSRF: a hidden form field holding HMAC-SHA256(key = the session token, "csrf"). It can only
//!   be computed by someone who holds the HttpOnly cookie, it changes with every session, and it
//!   needs no server-side state. Before login the same is done with a short-lived pre-session
//!   cookie, so the login and first-start forms are protected too.
//! - Rate limit ([`LoginLimiter`]): per account a growing wait after [`MAX_FAILURES`] failures
//!   (at most [`MAX_ACCOUNT_DELAY`]), per client address at most [`MAX_ADDRESS_FAILURES`]; the
//!   client address is the connection's, or a trusted proxy's `X-Forwarded-For`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
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

/// `value.<hex tag>`: `value` signed with the installation key for `purpose`.
pub fn sign(app: &lastschrift_core::App, purpose: &str, value: &str) -> String {
    format!("{value}.{}", hex(&app.mac(purpose, value.as_bytes())))
}

/// Whether `signed` came from [`sign`] for `purpose` (never a value a client chose).
pub fn verify_signed(app: &lastschrift_core::App, purpose: &str, signed: &str) -> bool {
    let Some((value, tag)) = signed.rsplit_once('.') else {
        return false;
    };
    decode_hex(tag).is_some_and(|tag| app.verify_mac(purpose, value.as_bytes(), &tag))
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

/// Who a password guess is about: an account (by its lower-case name, from anywhere), or an
/// open session changing its own password (so that guesses at the login form do not keep the
/// owner's session from changing the password).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Account(String),
    Session(String),
}

impl Subject {
    pub fn account(username: &str) -> Subject {
        Subject::Account(username.trim().to_lowercase())
    }
}

#[derive(Debug, Default)]
struct Record {
    failures: Vec<Instant>,
    in_flight: usize,
}

impl Record {
    fn prune(&mut self, now: Instant) {
        self.failures
            .retain(|t| now.saturating_duration_since(*t) < FAILURE_WINDOW);
    }
}

/// Failed password checks, kept in memory (one process serves the UI):
///
/// - per account: the first [`MAX_FAILURES`] within [`FAILURE_WINDOW`] are free; after that
///   each attempt waits twice as long as the one before after the last failure, up to
///   [`MAX_ACCOUNT_DELAY`]. An attacker is slowed to one guess a minute; the owner is never
///   locked out for longer than that.
/// - per client address: at most [`MAX_ADDRESS_FAILURES`] failures within the window, over all
///   names (guessing many names from one place).
///
/// An attempt is reserved before the password is checked and counted while it runs, so forty
/// parallel guesses get no more checks than forty sequential ones.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    subjects: HashMap<Subject, Record>,
    addresses: HashMap<IpAddr, Record>,
}

/// Longest wait between two guesses at one account.
pub const MAX_ACCOUNT_DELAY: Duration = Duration::from_secs(60);
/// Failures from one address within [`FAILURE_WINDOW`], over all names.
pub const MAX_ADDRESS_FAILURES: usize = 30;

impl LoginLimiter {
    /// Reserves an attempt, or says how long to wait.
    fn begin(
        &mut self,
        subject: &Subject,
        ip: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        if self.subjects.len() + self.addresses.len() > 10_000 {
            // Bounded memory under a flood of made-up names: drop what has expired.
            self.subjects.retain(|_, r| {
                r.prune(now);
                !r.failures.is_empty() || r.in_flight > 0
            });
            self.addresses.retain(|_, r| {
                r.prune(now);
                !r.failures.is_empty() || r.in_flight > 0
            });
        }
        let record = self.subjects.entry(subject.clone()).or_default();
        record.prune(now);
        let counted = record.failures.len() + record.in_flight;
        if counted >= MAX_FAILURES {
            if record.in_flight > 0 {
                return Err(Duration::from_secs(1));
            }
            let over = u32::try_from(counted - MAX_FAILURES)
                .unwrap_or(u32::MAX)
                .min(16);
            let delay = Duration::from_secs(1u64 << over).min(MAX_ACCOUNT_DELAY);
            let last = record.failures.last().copied().unwrap_or(now);
            let ready = last + delay;
            if now < ready {
                return Err(ready - now);
            }
        }
        if let Some(ip) = ip {
            let address = self.addresses.entry(ip).or_default();
            address.prune(now);
            if address.failures.len() + address.in_flight >= MAX_ADDRESS_FAILURES {
                let oldest = address.failures.first().copied().unwrap_or(now);
                return Err((oldest + FAILURE_WINDOW)
                    .saturating_duration_since(now)
                    .max(Duration::from_secs(1)));
            }
            address.in_flight += 1;
        }
        self.subjects.entry(subject.clone()).or_default().in_flight += 1;
        Ok(())
    }

    /// Ends a reserved attempt: `Some(true)` a wrong password, `Some(false)` the right one (the
    /// account's failures are forgotten), `None` neither (an error, or the request was dropped).
    fn finish(
        &mut self,
        subject: &Subject,
        ip: Option<IpAddr>,
        failed: Option<bool>,
        now: Instant,
    ) {
        if let Some(record) = self.subjects.get_mut(subject) {
            record.in_flight = record.in_flight.saturating_sub(1);
            match failed {
                Some(true) => record.failures.push(now),
                Some(false) => record.failures.clear(),
                None => {}
            }
        }
        if let Some(record) = ip.and_then(|ip| self.addresses.get_mut(&ip)) {
            record.in_flight = record.in_flight.saturating_sub(1);
            if failed == Some(true) {
                record.failures.push(now);
            }
        }
    }
}

/// A reserved password check. Counts as a failure only when [`Attempt::failed`] is called; it
/// is released however the request ends (also when the client goes away mid-check).
pub struct Attempt<'a> {
    limiter: &'a Mutex<LoginLimiter>,
    subject: Subject,
    ip: Option<IpAddr>,
    outcome: Option<bool>,
}

impl<'a> Attempt<'a> {
    /// Reserves a check for `subject` from `ip`, or the time to wait.
    pub fn begin(
        limiter: &'a Mutex<LoginLimiter>,
        subject: Subject,
        ip: Option<IpAddr>,
    ) -> Result<Attempt<'a>, Duration> {
        limiter
            .lock()
            .expect("lock")
            .begin(&subject, ip, Instant::now())?;
        Ok(Attempt {
            limiter,
            subject,
            ip,
            outcome: None,
        })
    }

    /// The password was wrong.
    pub fn failed(mut self) {
        self.outcome = Some(true);
    }

    /// The password was right: the account's failures are forgotten.
    pub fn succeeded(mut self) {
        self.outcome = Some(false);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if let Ok(mut limiter) = self.limiter.lock() {
            limiter.finish(&self.subject, self.ip, self.outcome, Instant::now());
        }
    }
}

/// Seconds to show for a wait (at least one).
pub fn wait_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The client's address: the connection's, or — when the connection comes from a trusted
/// reverse proxy — the last address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    for part in header.rsplit(',') {
        match part.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            // A proxy that writes something else: do not guess.
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
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
    fn the_account_waits_longer_after_each_failure_up_to_a_minute() {
        let mut limiter = LoginLimiter::default();
        let anna = Subject::account(" Anna ");
        let now = Instant::now();
        let from = |n: u8| Some(IpAddr::from([10, 0, 0, n]));
        // Five free failures, from anywhere.
        for n in 0..MAX_FAILURES as u8 {
            assert!(limiter.begin(&anna, from(n), now).is_ok());
            limiter.finish(&anna, from(n), Some(true), now);
        }
        // Then 1 s, 2 s, 4 s … after the last failure, capped at a minute, for every address.
        let mut at = now;
        for expected in [1u64, 2, 4, 8, 16, 32, 60, 60] {
            let wait = limiter.begin(&anna, from(99), at).unwrap_err();
            assert_eq!(wait, Duration::from_secs(expected));
            at += wait;
            assert!(limiter.begin(&anna, from(99), at).is_ok());
            limiter.finish(&anna, from(99), Some(true), at);
        }
        // Another account is not slowed; the right password clears the account.
        assert!(
            limiter
                .begin(&Subject::account("bert"), from(1), at)
                .is_ok()
        );
        at += MAX_ACCOUNT_DELAY;
        assert!(limiter.begin(&anna, from(7), at).is_ok());
        limiter.finish(&anna, from(7), Some(false), at);
        assert!(limiter.begin(&anna, from(7), at).is_ok());
    }

    #[test]
    fn parallel_guesses_are_counted_while_they_run() {
        let mut limiter = LoginLimiter::default();
        let admin = Subject::account("admin");
        let now = Instant::now();
        let granted = (0..40)
            .filter(|_| limiter.begin(&admin, None, now).is_ok())
            .count();
        assert_eq!(granted, MAX_FAILURES);
    }

    #[test]
    fn one_address_guessing_many_names_is_stopped() {
        let mut limiter = LoginLimiter::default();
        let ip = Some(IpAddr::from([192, 0, 2, 1]));
        let now = Instant::now();
        for n in 0..MAX_ADDRESS_FAILURES {
            let name = Subject::account(&format!("user{n}"));
            assert!(limiter.begin(&name, ip, now).is_ok());
            limiter.finish(&name, ip, Some(true), now);
        }
        assert!(limiter.begin(&Subject::account("new"), ip, now).is_err());
        assert!(
            limiter
                .begin(
                    &Subject::account("new"),
                    Some(IpAddr::from([192, 0, 2, 2])),
                    now
                )
                .is_ok()
        );
        assert!(
            limiter
                .begin(&Subject::account("new"), ip, now + FAILURE_WINDOW)
                .is_ok()
        );
    }

    #[test]
    fn the_client_address_comes_from_a_trusted_proxy_only() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = "198.51.100.1, 203.0.113.7";
        assert_eq!(
            client_address(Some(proxy), Some(spoofed), &[proxy]),
            Some(client)
        );
        // Not from the proxy: the header is the client's own words.
        assert_eq!(
            client_address(Some(client), Some("1.2.3.4"), &[proxy]),
            Some(client)
        );
        assert_eq!(client_address(Some(proxy), None, &[proxy]), Some(proxy));
        assert_eq!(
            client_address(Some(proxy), Some("garbage"), &[proxy]),
            Some(proxy)
        );
        assert_eq!(
            client_address(Some(proxy), Some("203.0.113.7, 10.0.0.1"), &[proxy]),
            Some(client)
        );
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
