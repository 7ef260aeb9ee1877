//! Users of the web UI: the password rules and hashes, and session tokens.
//!
//! - Passwords: argon2id PHC strings (the crate's default parameters, a random salt each).
//! - Sessions: 32 random bytes in a cookie ([`SessionToken`]); the store keeps only their SHA-256
//!   (hex), so a copy of the database does not let anyone log in.
//!
//! The rules that must hold under concurrency (exactly one first administrator, never no
//! administrator) are single store methods; this module only checks the input.

use std::fmt;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// How long a login lasts.
pub const SESSION_LIFETIME: chrono::Duration = chrono::Duration::hours(12);
/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a user could not be created or changed. `Display` is the English sentence; the web shows
/// [`UserError::code`] through its catalogue.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UserError {
    #[error("the user name is empty")]
    UsernameEmpty,
    #[error(
        "a user name has at most {MAX_USERNAME_CHARS} characters: letters a–z, digits and . _ - @ (no spaces, no look-alike or invisible characters)"
    )]
    UsernameInvalid,
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("this user name is already taken")]
    UsernameTaken,
    #[error("an administrator exists already; the first-start form creates no one")]
    AlreadySetUp,
    #[error("the last administrator cannot be deleted or lose the role")]
    LastAdmin,
    #[error("the user does not exist")]
    NotFound,
}

impl UserError {
    /// Stable code (web catalogue key suffix, `--json`).
    pub fn code(&self) -> &'static str {
        match self {
            UserError::UsernameEmpty => "username_empty",
            UserError::UsernameInvalid => "username_invalid",
            UserError::PasswordTooShort => "password_too_short",
            UserError::UsernameTaken => "username_taken",
            UserError::AlreadySetUp => "already_set_up",
            UserError::LastAdmin => "last_admin",
            UserError::NotFound => "user_not_found",
        }
    }

    pub fn german(&self) -> String {
        match self {
            UserError::UsernameEmpty => "Der Benutzername ist leer.".into(),
            UserError::UsernameInvalid => format!(
                "Ein Benutzername hat höchstens {MAX_USERNAME_CHARS} Zeichen: Buchstaben a–z, Ziffern und . _ - @ (keine Leerzeichen, keine ähnlich aussehenden oder unsichtbaren Zeichen)."
            ),
            UserError::PasswordTooShort => {
                format!("Das Passwort muss mindestens {MIN_PASSWORD_CHARS} Zeichen haben.")
            }
            UserError::UsernameTaken => "Dieser Benutzername ist schon vergeben.".into(),
            UserError::AlreadySetUp => {
                "Es gibt schon einen Administrator; der Ersteinrichtungsdialog legt niemanden mehr an."
                    .into()
            }
            UserError::LastAdmin => {
                "Der letzte Administrator kann weder gelöscht werden noch seine Rolle verlieren."
                    .into()
            }
            UserError::NotFound => "Diesen Benutzer gibt es nicht.".into(),
        }
    }
}

/// A user name as entered: trimmed, not empty.
pub fn check_username(name: &str) -> Result<String, UserError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(UserError::UsernameEmpty);
    }
    // One spelling per person: lower case, and only characters that cannot be mistaken for
    // others (a Cyrillic `а`, a zero-width space or a line break would make a second "admin"
    // that looks like the first, or break the log).
    let name = name.to_ascii_lowercase();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c);
    if name.chars().count() > MAX_USERNAME_CHARS || !name.chars().all(allowed) {
        return Err(UserError::UsernameInvalid);
    }
    Ok(name)
}

/// Longest user name.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Checks the password rules and hashes it (argon2id PHC string).
pub fn hash_new_password(password: &str) -> Result<String, UserError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(UserError::PasswordTooShort);
    }
    Ok(hash_password(password))
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    // 16 bytes always encode as a valid salt and argon2id with default parameters accepts any
    // password length, so neither step can fail.
    let salt = SaltString::encode_b64(&salt).expect("16 bytes are a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any password")
        .to_string()
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

/// A fixed hash to verify against when the user does not exist, so both cases take as long.
pub fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("not a real password"))
}

/// A session token as it travels in the cookie. `Debug` and `Display` mask it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl SessionToken {
    /// A fresh random token (URL-safe base64 of 32 bytes).
    pub fn generate() -> SessionToken {
        SessionToken(random_token())
    }

    /// A token as it came back in a cookie.
    pub fn from_cookie(value: &str) -> SessionToken {
        SessionToken(value.to_owned())
    }

    /// For the `Set-Cookie` header and the CSRF key only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the store keeps of it.
    pub fn hash(&self) -> String {
        token_hash(&self.0)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(********)")
    }
}

impl fmt::Display for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// A fresh random token for a cookie (URL-safe base64 of 32 bytes).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 (hex) of a session token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {

    /// Regression: user names were not normalised (case, zero-width and look-alike characters,
    /// newlines, 10 000 characters).
    #[test]
    fn user_names_are_one_spelling_without_look_alikes() {
        assert_eq!(check_username("  Admin ").unwrap(), "admin");
        assert_eq!(
            check_username("anna.weber@kanzlei-1").unwrap(),
            "anna.weber@kanzlei-1"
        );
        for bad in [
            "ad\u{200b}min",
            "\u{430}dmin",
            "ad\nmin",
            "anna weber",
            "jürgen",
            "x\u{202e}y",
        ] {
            assert_eq!(
                check_username(bad),
                Err(UserError::UsernameInvalid),
                "{bad:?}"
            );
        }
        assert_eq!(
            check_username(&"a".repeat(10_000)),
            Err(UserError::UsernameInvalid)
        );
        assert_eq!(
            check_username(&"a".repeat(MAX_USERNAME_CHARS))
                .unwrap()
                .len(),
            64
        );
        assert_eq!(check_username(" "), Err(UserError::UsernameEmpty));
    }

    use super::*;

    #[test]
    fn passwords_verify_and_short_ones_are_refused() {
        let hash = hash_new_password("richtig-lang-genug").unwrap();
        assert!(verify_password("richtig-lang-genug", &hash));
        assert!(!verify_password("falsch-lang-genug", &hash));
        assert_eq!(hash_new_password("kurz"), Err(UserError::PasswordTooShort));
        assert_eq!(check_username("  "), Err(UserError::UsernameEmpty));
        assert_eq!(check_username(" anna ").unwrap(), "anna");
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery"));
    }

    #[test]
    fn a_session_token_never_prints() {
        let token = SessionToken::generate();
        let shown = format!("{token:?} {token}");
        assert!(!shown.contains(token.expose()), "{shown}");
        assert_eq!(token.hash().len(), 64);
    }

    #[test]
    fn every_user_error_has_a_code_and_a_german_sentence() {
        let all = [
            UserError::UsernameEmpty,
            UserError::PasswordTooShort,
            UserError::UsernameTaken,
            UserError::AlreadySetUp,
            UserError::LastAdmin,
            UserError::NotFound,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert_ne!(e.german(), e.to_string(), "{e:?}");
        }
    }
}
