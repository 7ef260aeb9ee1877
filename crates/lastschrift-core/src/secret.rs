//! Secrets at rest: the sevdesk API token is kept in the database only as XChaCha20-Poly1305
//! ciphertext. The key comes from `LASTSCHRIFT_SECRET_KEY` ([`Settings::secret_key`]) or from the
//! key file `<data_dir>/secret.key`, created with permissions 0600 on first use.
//!
//! XChaCha20 has a 24-byte nonce, so a fresh random nonce per encryption is safe without any
//! counter state. The secret's name is the associated data: a sealed value moved to another name
//! does not open.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

use crate::settings::Settings;
use lastschrift_store::{Store, StoreError};

/// Name of the key file inside the data directory.
pub const KEY_FILE_NAME: &str = "secret.key";

/// Name under which the sevdesk token is stored.
pub const SEVDESK_TOKEN: &str = "sevdesk_token";

/// First byte of every sealed value, so the format can change later.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;

/// Why a secret could not be read or written. `Display` is the sentence for the user; it never
/// contains key material or the secret.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the secret key is not valid: it must be base64 of exactly 32 bytes (create one with `openssl rand -base64 32`)"
    )]
    MalformedKey,
    #[error(
        "the key file {} is readable by other users (permissions {mode:04o}); restrict it with `chmod 600 {}`",
        path.display(),
        path.display()
    )]
    KeyFileTooOpen { path: PathBuf, mode: u32 },
    #[error("the key file {} could not be read or created", path.display())]
    KeyFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "the stored {name} cannot be decrypted with this key (was LASTSCHRIFT_SECRET_KEY or the key file changed?); enter it again"
    )]
    WrongKey { name: String },
    #[error("the stored {name} is damaged (unknown format); enter it again")]
    Damaged { name: String },
    #[error("the sevdesk API token is empty")]
    EmptyToken,
    #[error(
        "the sevdesk API token contains spaces or characters a token never has; copy it again from sevdesk (Settings → Users → API token)"
    )]
    MalformedToken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SecretError {
    /// The sentence in German; like `Display`, never with key material or the secret.
    pub fn german(&self) -> String {
        match self {
            SecretError::MalformedKey => "Der geheime Schlüssel ist ungültig: er muss Base64 von genau 32 Bytes sein (erzeugen mit `openssl rand -base64 32`).".into(),
            SecretError::KeyFileTooOpen { path, mode } => format!(
                "Die Schlüsseldatei {} ist für andere Benutzer lesbar (Rechte {mode:04o}); bitte mit `chmod 600 {}` einschränken.",
                path.display(),
                path.display()
            ),
            SecretError::KeyFile { path, .. } => format!(
                "Die Schlüsseldatei {} konnte nicht gelesen oder angelegt werden.",
                path.display()
            ),
            SecretError::WrongKey { .. } => "Der gespeicherte sevdesk-Token lässt sich mit diesem Schlüssel nicht entschlüsseln (wurde LASTSCHRIFT_SECRET_KEY oder die Schlüsseldatei geändert?); bitte den Token neu eingeben.".into(),
            SecretError::Damaged { .. } => "Der gespeicherte sevdesk-Token ist beschädigt; bitte neu eingeben.".into(),
            SecretError::EmptyToken => "Der sevdesk-API-Token ist leer.".into(),
            SecretError::MalformedToken => "Der sevdesk-API-Token enthält Leerzeichen oder Zeichen, die ein Token nie hat; bitte noch einmal aus sevdesk kopieren (Einstellungen → Benutzer → API-Token).".into(),
            SecretError::Store(e) => crate::error::store_german(e),
        }
    }
}

/// The 32-byte key; zeroed on drop and never printed.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(********)")
    }
}

impl SecretKey {
    pub fn generate() -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&key);
        SecretKey(bytes)
    }

    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let decoded = Zeroizing::new(
            BASE64
                .decode(text.trim())
                .map_err(|_| SecretError::MalformedKey)?,
        );
        if decoded.len() != 32 {
            return Err(SecretError::MalformedKey);
        }
        let mut bytes = Zeroizing::new([0u8; 32]);
        bytes.copy_from_slice(&decoded);
        Ok(SecretKey(bytes))
    }

    /// HMAC-SHA256 of `data` for `purpose` under this key: a value the installation hands out
    /// and can later recognise as its own (several instances with one key agree).
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        use hmac::Mac as _;
        self.hmac(purpose, data).finalize().into_bytes().into()
    }

    /// Whether `tag` is [`SecretKey::mac`] of `data` for `purpose` (in constant time).
    pub fn verify_mac(&self, purpose: &str, data: &[u8], tag: &[u8]) -> bool {
        use hmac::Mac as _;
        self.hmac(purpose, data).verify_slice(tag).is_ok()
    }

    fn hmac(&self, purpose: &str, data: &[u8]) -> hmac::Hmac<sha2::Sha256> {
        use hmac::Mac as _;
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(&*self.0)
            .expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac
    }

    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(*self.0))
    }

    /// The configured key (`LASTSCHRIFT_SECRET_KEY`), else the key file in the data directory,
    /// created on first use.
    pub fn from_settings(settings: &Settings) -> Result<Self, SecretError> {
        match &settings.secret_key {
            Some(text) => Self::from_base64(text.expose()),
            None => Self::load_or_create_file(&settings.data_dir.join(KEY_FILE_NAME)),
        }
    }

    /// Reads the key file, or creates it (owner-only, 0600) with a new random key. A key file
    /// that group or others may read is refused rather than used.
    pub fn load_or_create_file(path: &Path) -> Result<Self, SecretError> {
        let io_error = |source| SecretError::KeyFile {
            path: path.to_owned(),
            source,
        };
        match Self::read_key_file(path) {
            Err(SecretError::KeyFile { source, .. })
                if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        if let Some(dir) = path.parent() {
            create_private_dir(dir).map_err(io_error)?;
        }
        let key = Self::generate();
        match create_owner_only(path) {
            Ok(mut file) => {
                let text = key.to_base64();
                file.write_all(text.as_bytes()).map_err(io_error)?;
                file.write_all(b"\n").map_err(io_error)?;
                file.sync_all().map_err(io_error)?;
                Ok(key)
            }
            // Another process created it between our read and our create: use theirs.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Self::read_key_file(path),
            Err(error) => Err(io_error(error)),
        }
    }

    fn read_key_file(path: &Path) -> Result<Self, SecretError> {
        let io_error = |source| SecretError::KeyFile {
            path: path.to_owned(),
            source,
        };
        let metadata = fs::metadata(path).map_err(io_error)?;
        check_owner_only(path, &metadata)?;
        let text = Zeroizing::new(fs::read_to_string(path).map_err(io_error)?);
        Self::from_base64(&text)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&*self.0).into())
    }

    /// `version ‖ nonce ‖ ciphertext+tag`, with `name` as associated data.
    pub fn seal(&self, name: &str, plaintext: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: name.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_V1);
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    pub fn open(&self, name: &str, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, SecretError> {
        let damaged = || SecretError::Damaged {
            name: name.to_owned(),
        };
        let (&version, rest) = sealed.split_first().ok_or_else(damaged)?;
        if version != FORMAT_V1 || rest.len() < NONCE_LEN {
            return Err(damaged());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: name.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SecretError::WrongKey {
                name: name.replace('_', " "),
            })
    }
}

#[cfg(unix)]
fn create_owner_only(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_owner_only(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn check_owner_only(path: &Path, metadata: &fs::Metadata) -> Result<(), SecretError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretError::KeyFileTooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_owner_only(_path: &Path, _metadata: &fs::Metadata) -> Result<(), SecretError> {
    Ok(())
}

/// The sevdesk API token. `Debug` and `Display` mask it; [`SevdeskToken::expose`] is the only way
/// out (to build the client's own token type). Zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SevdeskToken(Zeroizing<String>);

impl SevdeskToken {
    /// Trims blanks from copy and paste; refuses an empty token.
    pub fn new(token: impl Into<String>) -> Result<Self, SecretError> {
        let mut raw = token.into();
        let trimmed = raw.trim().to_owned();
        raw.zeroize();
        if trimmed.is_empty() {
            return Err(SecretError::EmptyToken);
        }
        // A token is one word of visible ASCII; a space or line break inside (a second copy
        // pasted on, a word from the page) cannot go into an HTTP header.
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            let mut trimmed = trimmed;
            trimmed.zeroize();
            return Err(SecretError::MalformedToken);
        }
        Ok(SevdeskToken(Zeroizing::new(trimmed)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// For pages that show the token is set: the last four characters, the rest masked.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() <= 8 {
            return "********".into();
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("********{tail}")
    }
}

impl fmt::Debug for SevdeskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SevdeskToken(********)")
    }
}

impl fmt::Display for SevdeskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// Encrypts the token and stores it (replacing any earlier one).
pub async fn save_sevdesk_token(
    store: &dyn Store,
    key: &SecretKey,
    token: &SevdeskToken,
) -> Result<(), SecretError> {
    let sealed = key.seal(SEVDESK_TOKEN, token.expose().as_bytes());
    store.put_secret(SEVDESK_TOKEN, &sealed).await?;
    Ok(())
}

/// The stored token, if one was saved. A wrong key is an error, not "no token".
pub async fn load_sevdesk_token(
    store: &dyn Store,
    key: &SecretKey,
) -> Result<Option<SevdeskToken>, SecretError> {
    let Some(sealed) = store.secret(SEVDESK_TOKEN).await? else {
        return Ok(None);
    };
    let plain = key.open(SEVDESK_TOKEN, &sealed)?;
    let text = String::from_utf8(plain.to_vec()).map_err(|error| {
        let mut bytes = error.into_bytes();
        bytes.zeroize();
        SecretError::Damaged {
            name: "sevdesk token".into(),
        }
    })?;
    SevdeskToken::new(text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn seal_and_open_round_trip() {
        let key = SecretKey::generate();
        let sealed = key.seal(SEVDESK_TOKEN, TOKEN.as_bytes());
        assert_eq!(
            &*key.open(SEVDESK_TOKEN, &sealed).unwrap(),
            TOKEN.as_bytes()
        );
        // A fresh nonce each time: the same plaintext never gives the same bytes.
        assert_ne!(sealed, key.seal(SEVDESK_TOKEN, TOKEN.as_bytes()));
    }

    #[test]
    fn ciphertext_never_contains_the_token() {
        let key = SecretKey::generate();
        for _ in 0..50 {
            let sealed = key.seal(SEVDESK_TOKEN, TOKEN.as_bytes());
            assert!(!contains(&sealed, TOKEN.as_bytes()));
            assert!(!contains(&sealed, &TOKEN.as_bytes()[..8]));
        }
    }

    #[test]
    fn wrong_key_fails_clearly() {
        let sealed = SecretKey::generate().seal(SEVDESK_TOKEN, TOKEN.as_bytes());
        let error = SecretKey::generate()
            .open(SEVDESK_TOKEN, &sealed)
            .unwrap_err();
        assert!(matches!(error, SecretError::WrongKey { .. }));
        let message = error.to_string();
        assert!(
            message.contains("cannot be decrypted with this key"),
            "{message}"
        );
        assert!(message.contains("sevdesk token"), "{message}");
    }

    #[test]
    fn a_sealed_value_does_not_open_under_another_name() {
        let key = SecretKey::generate();
        let sealed = key.seal(SEVDESK_TOKEN, TOKEN.as_bytes());
        assert!(key.open("other", &sealed).is_err());
    }

    #[test]
    fn tampered_or_truncated_values_are_refused() {
        let key = SecretKey::generate();
        let mut sealed = key.seal(SEVDESK_TOKEN, TOKEN.as_bytes());
        let last = sealed.len() - 1;
        sealed[last] ^= 1;
        assert!(key.open(SEVDESK_TOKEN, &sealed).is_err());
        assert!(matches!(
            key.open(SEVDESK_TOKEN, &[]),
            Err(SecretError::Damaged { .. })
        ));
        assert!(matches!(
            key.open(SEVDESK_TOKEN, &[9, 1, 2]),
            Err(SecretError::Damaged { .. })
        ));
    }

    #[test]
    fn key_from_base64_checks_length() {
        let key = SecretKey::generate();
        let again = SecretKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(*key.0, *again.0);
        assert!(matches!(
            SecretKey::from_base64("c2hvcnQ="),
            Err(SecretError::MalformedKey)
        ));
        assert!(matches!(
            SecretKey::from_base64("not base64!"),
            Err(SecretError::MalformedKey)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn key_file_is_created_0600_and_reused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join(KEY_FILE_NAME);
        let first = SecretKey::load_or_create_file(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "key file mode {mode:o}");
        let second = SecretKey::load_or_create_file(&path).unwrap();
        assert_eq!(*first.0, *second.0, "the key file is reused, not replaced");
    }

    #[cfg(unix)]
    #[test]
    fn key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE_NAME);
        SecretKey::load_or_create_file(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let error = SecretKey::load_or_create_file(&path).unwrap_err();
        assert!(matches!(
            error,
            SecretError::KeyFileTooOpen { mode: 0o644, .. }
        ));
        let message = error.to_string();
        assert!(message.contains("chmod 600"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    }

    #[test]
    fn token_is_masked() {
        let token = SevdeskToken::new(format!(" {TOKEN}\n")).unwrap();
        assert_eq!(token.expose(), TOKEN);
        let shown = format!("{token:?} {token} {}", token.masked());
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains(&TOKEN[..8]), "{shown}");
        assert!(token.masked().ends_with("cdef"));
        assert!(matches!(
            SevdeskToken::new("  "),
            Err(SecretError::EmptyToken)
        ));
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle)
    }
}
