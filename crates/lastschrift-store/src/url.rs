//! The database URL: the one setting that carries a password, so it never prints one.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A database URL whose password never shows in `Debug`, `Display` or `Serialize` (which all give
/// [`DatabaseUrl::masked`]); [`DatabaseUrl::expose`] is the only way to the password.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

/// Serialized masked: a settings listing or a JSON dump must not carry the password.
impl Serialize for DatabaseUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        DatabaseUrl(url.into())
    }

    /// `sqlite://<path>` for a file.
    pub fn sqlite_file(path: &Path) -> Self {
        DatabaseUrl(format!("sqlite://{}", path.display()))
    }

    /// The full URL, password included: only for handing to the database driver.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with the password (in the user info or a `password=` parameter) replaced by `****`.
    pub fn masked(&self) -> String {
        let url = &self.0;
        let mut out = match url.find("://") {
            Some(scheme_end) => {
                let rest_start = scheme_end + 3;
                let rest = &url[rest_start..];
                let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
                let authority = &rest[..authority_end];
                match authority.rfind('@') {
                    Some(at) => {
                        let user_info = &authority[..at];
                        let user = match user_info.find(':') {
                            Some(colon) => format!("{}:****", &user_info[..colon]),
                            None => user_info.to_owned(),
                        };
                        format!("{}{}@{}", &url[..rest_start], user, &rest[at + 1..])
                    }
                    None => url.clone(),
                }
            }
            None => url.clone(),
        };
        if let Some(query_start) = out.find('?') {
            let (head, query) = out.split_at(query_start + 1);
            let masked: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=****")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            out = format!("{head}{}", masked.join("&"));
        }
        out
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.masked())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}
